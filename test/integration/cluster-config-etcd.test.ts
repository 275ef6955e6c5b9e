/**
 * Config as code in a cluster, on a real etcd: a network config applied through one instance's
 * API lives in etcd, so the other instance applies it too (its ACL rules, which apps run); an app
 * the file stops stops on every instance; the API's enable/disable is refused on both, naming the
 * file; and a restarted instance started with no file comes back with the applied config.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { startSignalbox, type Running } from '../../src/runtime.js';
import { startEtcd, type EtcdServer } from '../harness/etcd.js';
import { freePort, waitFor } from '../harness/exec.js';

let etcd: EtcdServer;
const dirs: string[] = [];
const running = new Set<Running>();
const PREFIX = `netcfg-${process.pid}/`;

beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  for (const r of running) await r.stop().catch(() => undefined);
  await etcd?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function start(instanceId: string, enabled: readonly string[] = ['static-flows', 'acl']): Promise<Running> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sbx-netcfg-cluster-'));
  dirs.push(dataDir);
  const config: Config = {
    ...defaultConfig,
    dataDir,
    openflow: { ...defaultConfig.openflow, listen: ['127.0.0.1:0'] },
    api: { ...defaultConfig.api, listen: `127.0.0.1:${await freePort()}` },
    apps: { ...defaultConfig.apps, enabled: [...enabled] },
    // 5 s per etcd request: on a loaded machine the first gRPC call (name resolution, connect) can outlast the 1 s default.
    cluster: { ...defaultConfig.cluster, etcd: { ...defaultConfig.cluster.etcd, endpoints: [etcd.endpoint], prefix: PREFIX, requestTimeoutMs: 5_000 }, instanceId },
  };
  const r = await startSignalbox(config, silentLogger);
  running.add(r);
  return r;
}

async function stop(r: Running): Promise<void> {
  running.delete(r);
  await r.stop();
}

/** A JSON answer, read loosely (the test checks what it needs). */
type Json = Record<string, unknown> & { file?: string; message?: string };

async function call(sbx: Running, method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
  const res = await fetch(sbx.api.address + path, { method, ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, json: text === '' ? undefined : JSON.parse(text) };
}

/** The names of the apps running on an instance. */
async function runningApps(sbx: Running): Promise<string[]> {
  return ((await call(sbx, 'GET', '/api/v1/apps')).json as unknown as { name: string; state: string }[])
    .filter((a) => a.state === 'running')
    .map((a) => a.name)
    .sort();
}

async function aclIds(sbx: Running): Promise<string[]> {
  return ((await call(sbx, 'GET', '/api/v1/acl-rules')).json as unknown as { id: string; source?: string }[]).map((r) => `${r.id}${r.source === 'config' ? ' (config)' : ''}`);
}

const V1 = `network:
  apps: [acl, static-flows, router]
  settings:
    router:
      interfaces: [10.0.1.254/24]
  acl:
    - name: no-web
      action: deny
      match: { tcpDst: 80 }
`;
const V2 = V1.replace('[acl, static-flows, router]', '[acl, static-flows]').replace('tcpDst: 80', 'tcpDst: 8080');

describe('network config in a cluster (real etcd)', () => {
  it('applied on one instance applies on every instance, apps included, and survives a restart without a file', async () => {
    const a = await start('sbx-na');
    const b = await start('sbx-nb');
    expect(await runningApps(b)).toEqual(['acl', 'static-flows']);

    const applied = await call(a, 'POST', '/api/v1/config/apply', { text: V1, file: 'net.yaml' });
    expect(applied.status, JSON.stringify(applied.json)).toBe(200);
    expect(await runningApps(a)).toEqual(['acl', 'router', 'static-flows']);
    // B follows through etcd: the same file, the declared rule, the router started.
    await waitFor(async () => (await call(b, 'GET', '/api/v1/config')).json.file === 'net.yaml' && (await runningApps(b)).includes('router'), { timeoutMs: 10_000, intervalMs: 50, message: 'B applied net.yaml' });
    expect(await aclIds(b)).toEqual(['no-web (config)']);
    expect((await call(b, 'GET', '/api/v1/apps/router/config')).json).toMatchObject({ interfaces: ['10.0.1.254/24'] });
    // What the file declares is refused through either API, naming the file.
    for (const r of [a, b]) {
      const dis = await call(r, 'POST', '/api/v1/apps/router/disable');
      expect(dis.status).toBe(409);
      expect(dis.json.message).toContain('net.yaml');
    }

    // B applies a new version: the router stops on A too, the rule changes there.
    expect((await call(b, 'POST', '/api/v1/config/apply', { text: V2, file: 'net-v2.yaml' })).status).toBe(200);
    await waitFor(async () => (await call(a, 'GET', '/api/v1/config')).json.file === 'net-v2.yaml' && !(await runningApps(a)).includes('router'), { timeoutMs: 10_000, intervalMs: 50, message: 'A applied net-v2.yaml' });
    expect(await runningApps(a)).toEqual(['acl', 'static-flows']);
    const rule = ((await call(a, 'GET', '/api/v1/acl-rules')).json as unknown as { id: string; match: Record<string, unknown> }[])[0];
    expect(rule).toMatchObject({ id: 'no-web', match: { tcpDst: 8080 } });

    // A restarts with no file, a config that enables static-flows alone and a fresh data dir: it comes back with what etcd holds.
    await stop(a);
    const a2 = await start('sbx-na', ['static-flows']);
    expect((await call(a2, 'GET', '/api/v1/config')).json.file).toBe('net-v2.yaml');
    expect(await aclIds(a2)).toEqual(['no-web (config)']);
    expect(await runningApps(a2)).toEqual(['acl', 'static-flows']);
    // And a file that re-enables the router, applied on the restarted instance, reaches B.
    expect((await call(a2, 'POST', '/api/v1/config/apply', { text: V1, file: 'net.yaml' })).status).toBe(200);
    await waitFor(async () => (await runningApps(b)).includes('router'), { timeoutMs: 10_000, intervalMs: 50, message: 'B started the router again' });
  }, 90_000);
});
