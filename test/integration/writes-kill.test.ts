/**
 * kill -9 during a burst of writes loses no acknowledged write (issue 14): a real `signalbox
 * start` process (the built CLI: dist/ must exist, as `npm ci` builds it) takes 8 concurrent
 * clients adding ACL rules, routes and static flows, and is killed with SIGKILL at a random
 * moment of the burst, 16 times over the same data directory. After every restart each entry
 * ever answered 201 is there, under the id it was answered with, holding what was sent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, waitFor } from '../harness/exec.js';

const BIN = fileURLToPath(new URL('../../bin/signalbox', import.meta.url));
const BUILT = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));
const KILLS = 16;
const WRITERS = 8;

const dir = mkdtempSync(join(tmpdir(), 'sbx-kill-'));
let proc: ChildProcess | undefined;
afterAll(async () => {
  if (proc && proc.exitCode === null && proc.signalCode === null) {
    const gone = new Promise((r) => proc!.once('exit', r));
    proc.kill('SIGKILL');
    await gone;
  }
  rmSync(dir, { recursive: true, force: true });
});

type Kind = 'acl-rules' | 'routes' | 'static-flows';
const KINDS: readonly Kind[] = ['acl-rules', 'routes', 'static-flows'];

/** The body of entry `n` (unique over the whole test) and the field that shows which one it is. */
function body(kind: Kind, n: number): unknown {
  const [x, y] = [Math.floor(n / 250), n % 250];
  switch (kind) {
    case 'acl-rules':
      return { action: 'deny', match: { ethType: 2048, ipv4Dst: `10.${x}.${y}.9` } };
    case 'routes':
      return { destination: `172.${16 + x}.${y}.0/24`, gateway: '10.0.1.1' };
    case 'static-flows':
      return { name: `sf-${n}`, dpid: '00000000000000e8', priority: 100 + n, match: [{ field: 'eth_type', value: 0x0800 }], actions: [] };
  }
}
function keyOf(kind: Kind, x: Record<string, unknown>): string {
  switch (kind) {
    case 'acl-rules':
      return String((x.match as { ipv4Dst?: string } | undefined)?.ipv4Dst).replace('/32', '');
    case 'routes':
      return String(x.destination);
    case 'static-flows':
      return String(x.name);
  }
}

describe('kill -9 during a burst of writes', () => {
  it(`loses no acknowledged ACL rule, route or static flow over ${KILLS} kills`, async () => {
    if (!existsSync(BUILT)) throw new Error('dist/ is missing: run `npm run build` (npm ci does) before this test');
    const config = join(dir, 'signalbox.yaml');
    writeFileSync(config, 'apps:\n  enabled: [acl, router, static-flows]\n  settings:\n    router:\n      interfaces: [10.0.1.254/24]\n');
    const [apiPort, ofPort] = [await freePort(), await freePort()];
    const base = `http://127.0.0.1:${apiPort}`;
    const lines: string[] = [];
    const launch = (): ChildProcess => {
      const p = spawn(process.execPath, [BIN, 'start', '--config', config, '--data', join(dir, 'data'), '--listen', `127.0.0.1:${ofPort}`, '--api', `127.0.0.1:${apiPort}`, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
      const keep = (b: Buffer): void => {
        for (const l of b.toString('utf8').split('\n')) if (l) lines.push(l);
        while (lines.length > 100) lines.shift();
      };
      p.stdout!.on('data', keep);
      p.stderr!.on('data', keep);
      return p;
    };
    const ready = async (p: ChildProcess): Promise<void> => {
      await waitFor(
        async () => {
          if (p.exitCode !== null) throw new Error(`signalbox exited (${p.exitCode}):\n${lines.slice(-20).join('\n')}`);
          return (await fetch(`${base}/readyz`).then((r) => r.status).catch(() => 0)) === 200;
        },
        { timeoutMs: 20_000, intervalMs: 50 },
      );
    };
    /** id → what was sent, for every 201. */
    const acked = new Map<Kind, Map<string, string>>(KINDS.map((k) => [k, new Map()]));
    const check = async (round: number): Promise<void> => {
      for (const kind of KINDS) {
        const r = await fetch(`${base}/api/v1/${kind}`);
        expect(r.status).toBe(200);
        const stored = new Map<string, string>();
        for (const x of (await r.json()) as Record<string, unknown>[]) stored.set(String(x.id ?? x.name), keyOf(kind, x));
        const lost = [...acked.get(kind)!].filter(([id, key]) => stored.get(id) !== key).map(([id, key]) => `${id}=${key} (stored: ${stored.get(id)})`);
        expect(lost, `round ${round}: ${kind} acknowledged but not stored`).toEqual([]);
      }
    };

    let next = 0;
    const delays: number[] = [];
    const duplicates: string[] = [];
    for (let round = 0; round < KILLS; round++) {
      proc = launch();
      await ready(proc);
      await check(round);
      let dead = false;
      let ackedThisRound = 0;
      const writer = async (w: number): Promise<void> => {
        for (let i = 0; !dead; i++) {
          const kind = KINDS[(w + i) % KINDS.length]!;
          const n = next++;
          try {
            const r = await fetch(`${base}/api/v1/${kind}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body(kind, n)) });
            const x = (await r.json()) as Record<string, unknown>;
            if (r.status === 201) {
              const id = String(x.id ?? x.name);
              const prev = acked.get(kind)!.get(id);
              // An id handed out twice (a counter that lost its increment in a kill) is a lost write too.
              if (prev !== undefined) duplicates.push(`${kind} ${id}: ${prev} and ${keyOf(kind, x)}`);
              acked.get(kind)!.set(id, keyOf(kind, x));
              ackedThisRound++;
            }
            else if (!dead) throw new Error(`${kind} #${n}: ${r.status} ${JSON.stringify(x)}`);
          } catch (e) {
            if (!dead) throw e; // a write cut off by the kill was not acknowledged: nothing to find
          }
        }
      };
      const writers = Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
      // Killed somewhere in the burst, once it is under way (wall time is the point: the process
      // runs on its own; a slow machine only makes the bursts shorter).
      await waitFor(() => ackedThisRound >= 3, { timeoutMs: 20_000, intervalMs: 5 });
      const delayMs = Math.floor(Math.random() * 300);
      delays.push(delayMs);
      await new Promise((r) => setTimeout(r, delayMs));
      const p = proc;
      const exited = new Promise((r) => p.once('exit', r));
      dead = true;
      p.kill('SIGKILL');
      await exited;
      await writers;
    }
    proc = launch();
    await ready(proc);
    await check(KILLS);
    expect(duplicates).toEqual([]);
    const total = KINDS.reduce((s, k) => s + acked.get(k)!.size, 0);
    // Enough writes were acknowledged for the kills to land in the middle of bursts.
    expect(total, `kill delays ${delays.join(',')} ms`).toBeGreaterThanOrEqual(KILLS * 3);
    for (const kind of KINDS) expect(acked.get(kind)!.size).toBeGreaterThan(0);
    const gone = new Promise((r) => proc!.once('exit', r));
    proc.kill('SIGTERM');
    await gone;
  }, 400_000);
});
