/**
 * Dockerfile and docker-compose.yml, checked without Docker (it does not run here): the image is
 * multi-stage, runs as a non-root user and starts `signalbox start`; its HEALTHCHECK command,
 * run as written against a started Signalbox, passes when /readyz is 200 and fails when nothing
 * answers; every compose instance's environment gives a valid cluster config on etcd.
 * The systemd unit's command line is run for real by test/lab/systemd-unit.test.ts.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromArgs } from '../../src/cli/start.js';
import { defaultConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { startSignalbox, type Running } from '../../src/runtime.js';
import { interpolate, readCompose, readDockerfile } from '../harness/deploy-files.js';
import { freePort } from '../harness/exec.js';

const stages = readDockerfile();
const final = stages.at(-1)!;
const ops = (op: string): string[] => final.instructions.filter((i) => i.op === op).map((i) => i.args);

/** The image's ENV as an environment. */
function imageEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const a of ops('ENV')) for (const m of a.matchAll(/([A-Z0-9_]+)=(\S+)/g)) env[m[1]!] = m[2]!;
  return env;
}

function sh(cmd: string): Promise<number> {
  return new Promise((resolve) => execFile('sh', ['-c', cmd], { timeout: 10_000 }, (err) => resolve(err ? ((err as { code?: number }).code ?? 1) : 0)));
}

let dir: string;
let running: Running;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sbx-deploy-'));
  running = await startSignalbox({ ...defaultConfig, dataDir: dir, openflow: { ...defaultConfig.openflow, listen: ['127.0.0.1:0'] }, api: { ...defaultConfig.api, listen: '127.0.0.1:0' } }, silentLogger);
});
afterAll(async () => {
  await running?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('Dockerfile', () => {
  it('builds in one stage and runs from another, as a non-root user, `signalbox start`', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages[0]!.from).toMatch(/^node:20\S* AS build$/);
    expect(final.from).toMatch(/^node:20/);
    expect(ops('COPY').some((a) => a.startsWith('--from=build'))).toBe(true);
    expect(ops('USER')).toEqual(['node']);
    expect(JSON.parse(ops('ENTRYPOINT')[0]!)).toEqual(['signalbox']);
    expect(JSON.parse(ops('CMD')[0]!)).toEqual(['start']);
    // The image's environment is a valid config: data in the volume, API on every interface.
    const cfg = configFromArgs([], imageEnv());
    expect(cfg).toMatchObject({ dataDir: '/var/lib/signalbox', api: { listen: '0.0.0.0:8080' }, logFormat: 'json' });
    expect(ops('VOLUME')[0]).toContain('/var/lib/signalbox');
  });

  it('HEALTHCHECK asks /readyz: passes on a ready Signalbox, fails when nothing answers', async () => {
    const hc = ops('HEALTHCHECK');
    expect(hc).toHaveLength(1);
    const cmd = /\bCMD (.*)$/.exec(hc[0]!)![1]!;
    expect(cmd).toContain('http://127.0.0.1:8080/readyz');
    const port = new URL(running.api.address).port;
    expect(await sh(cmd.replace(':8080/', `:${port}/`))).toBe(0);
    expect(await sh(cmd.replace(':8080/', `:${await freePort()}/`))).not.toBe(0);
  });
});

describe('docker-compose.yml', () => {
  const compose = readCompose();
  const instances = Object.entries(compose.services).filter(([name]) => name.startsWith('signalbox'));

  it('runs three Signalbox instances and etcd, the instances after etcd is healthy', () => {
    expect(instances).toHaveLength(3);
    expect(compose.services.etcd?.image).toMatch(/etcd/);
    expect(compose.services.etcd?.healthcheck).toBeDefined();
    for (const [, s] of instances) expect(s.depends_on).toEqual({ etcd: { condition: 'service_healthy' } });
  });

  it("gives every instance a valid cluster config on etcd, with its own id and host ports", () => {
    const ids = new Set<string>();
    const hostPorts = new Set<string>();
    for (const [name, s] of instances) {
      const env = Object.fromEntries(Object.entries({ ...imageEnv(), ...s.environment }).map(([k, v]) => [k, interpolate(String(v), { SIGNALBOX_TOKEN: 'a-token-for-the-test' })]));
      const cfg = configFromArgs([], env);
      expect(cfg.cluster.etcd.endpoints, name).toEqual(['http://etcd:2379']);
      expect(cfg.api.listen).toBe('0.0.0.0:8080');
      expect(cfg.api.tokens).toEqual([{ name: 'operator', token: 'a-token-for-the-test', scope: 'admin' }]);
      expect(cfg.cluster.advertise.api).toBe(`${name}:8080`);
      ids.add(cfg.cluster.instanceId);
      for (const p of s.ports ?? []) hostPorts.add(p.split(':').slice(0, -1).join(':'));
    }
    expect(ids.size).toBe(3);
    expect(hostPorts.size).toBe(6);
  });

  it('refuses to start without a token (the API would be reachable by anyone)', () => {
    const env = instances[0]![1].environment!;
    expect(() => interpolate(env.SIGNALBOX_API_TOKENS!, {})).toThrow(/SIGNALBOX_TOKEN/);
  });
});
