/**
 * `signalbox lab` end to end through bin/signalbox (built: `npm run build` first; `npm run
 * test:lab` does): real Mininet networks on userspace OVS against the in-process controller.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../harness/exec.js';

const BIN = fileURLToPath(new URL('../../bin/signalbox', import.meta.url));
const BUILT = fileURLToPath(new URL('../../dist/src/cli/lab.js', import.meta.url));

/**
 * Apps the lab's controller runs. src/apps exports no forwarding app yet, so the lab runs none and
 * switches in secure fail mode drop everything: every ping is lost. When l2-learning lands, set
 * this to ['l2-learning'] and the same tests expect no loss.
 */
const APPS: readonly string[] = ['l2-learning'];
const FORWARDING = APPS.includes('l2-learning');

interface Step {
  step: string;
  result: string;
  expect?: string;
  passed?: boolean;
  ms: number;
  lossPct?: number;
  sent?: number;
  received?: number;
}
interface LabJson {
  topo: string;
  prefix: string;
  scenario: string;
  controller: string;
  apps: string[];
  openflow: string;
  switches: number;
  hosts: number;
  connected: boolean;
  steps: Step[];
  passed: boolean;
}

function lab(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'lab', ...args], { timeout: 240_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const appsArgs = ['--apps', APPS.length ? APPS.join(',') : 'none'];

/** Nothing named with the lab's prefix is left in OVS or among the links. */
function leftovers(prefix: string): string[] {
  const bridges = execFileSync('ovs-vsctl', ['--timeout=5', 'list-br'], { encoding: 'utf8' }).split('\n').filter((b) => b.startsWith(prefix));
  const links = execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(prefix));
  return [...bridges, ...links];
}

beforeAll(() => {
  if (!existsSync(BUILT)) throw new Error('dist/ is missing or stale: run `npm run build` before the lab suite');
});

describe('signalbox lab', () => {
  it('refuses an unknown topology with exit code 2, before touching anything', async () => {
    const r = await lab(['donut,3', '--scenario', 'pingall']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown topology/);
  });

  it('linear,3 --scenario pingall --json: the network and the controller come up, two pingall rounds, clean teardown', async () => {
    const r = await lab(['linear,3', '--scenario', 'pingall', '--json', '--settle', '1000', ...appsArgs]);
    expect(r.code, r.stderr).toBe(FORWARDING ? 0 : 3);
    const j = JSON.parse(r.stdout) as LabJson;
    expect(j).toMatchObject({ topo: 'linear,3', scenario: 'pingall', controller: 'in-process', apps: [...APPS], openflow: '1.3', switches: 3, hosts: 3, connected: true });
    expect(j.steps.map((s) => s.step)).toEqual(['pingall (first round)', 'pingall (second round)']);
    for (const s of j.steps) expect(s.sent).toBe(6); // 3 hosts: 6 ordered pairs, one ping each
    const second = j.steps[1]!;
    expect(second.expect).toBe('0% loss');
    if (FORWARDING) {
      expect(second).toMatchObject({ lossPct: 0, passed: true });
      expect(j.passed).toBe(true);
    } else {
      // No app installs flows and secure-mode switches drop table misses.
      expect(second).toMatchObject({ lossPct: 100, received: 0, passed: false });
      expect(j.passed).toBe(false);
    }
    expect(leftovers(j.prefix)).toEqual([]);
  });

  it('ring,4 --scenario link-flap --json: takes a ring link down and up, expects no loss while it is down (the ring has another path)', async () => {
    const r = await lab(['ring,4', '--scenario', 'link-flap', '--json', ...appsArgs]);
    expect(r.code, r.stderr).toBe(FORWARDING ? 0 : 3);
    const j = JSON.parse(r.stdout) as LabJson;
    expect(j).toMatchObject({ topo: 'ring,4', scenario: 'link-flap', switches: 4, hosts: 4, connected: true });
    const names = j.steps.map((s) => s.step);
    expect(names[0]).toBe('pingall (before)');
    expect(names[1]).toMatch(/^link s\d+-s\d+ down$/);
    expect(names[2]).toMatch(/^pingall \(s\d+-s\d+ down\)$/);
    expect(names[3]).toMatch(/^link s\d+-s\d+ up$/);
    expect(names[4]).toBe('pingall (after)');
    // Removing one ring link leaves the switches connected, so the step carries the 0% expectation.
    expect(j.steps[2]!.expect).toBe('0% loss');
    for (const i of [0, 2, 4]) {
      expect(j.steps[i]!.sent).toBe(12);
      expect(j.steps[i]!.lossPct).toBe(FORWARDING ? 0 : 100);
    }
    expect(leftovers(j.prefix)).toEqual([]);
  });

  it('linear,2 --api 127.0.0.1:0 (Mininet CLI): the lab controller answers GET /api/v1/switches while the lab runs; exit tears it down', async () => {
    const child = spawn(process.execPath, [BIN, 'lab', 'linear,2', '--api', '127.0.0.1:0', ...appsArgs], { stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.stdout.resume();
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor(() => /network up/.test(err), { timeoutMs: 120_000, intervalMs: 100, message: () => `the lab's network is up (stderr: ${err})` });
      const address = /REST API at (http:\/\/\S+)/.exec(err)?.[1];
      expect(address, err).toBeDefined();
      let dpids: string[] = [];
      await waitFor(
        async () => {
          const r = await fetch(`${address}/api/v1/switches`);
          const body = (await r.json()) as { items?: { dpid: string }[] } | { dpid: string }[];
          dpids = (Array.isArray(body) ? body : (body.items ?? [])).map((x) => x.dpid).sort();
          return r.status === 200 && dpids.length === 2;
        },
        { timeoutMs: 30_000, intervalMs: 200, message: () => `both switches listed by the lab's API (so far ${dpids.join(', ')})` },
      );
      expect(dpids).toEqual(['0000000000000001', '0000000000000002']);
      child.stdin.write('exit\n');
      expect(await exited, err).toBe(0);
      await expect(fetch(`${address}/api/v1/switches`)).rejects.toThrow();
      const prefix = /bridges (\S+)s1\.\.\./.exec(err)?.[1];
      expect(prefix, err).toBeDefined();
      expect(leftovers(prefix!)).toEqual([]);
    } finally {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    }
  });
});
