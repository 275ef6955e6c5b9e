/**
 * No acknowledged write is lost (issue 14): 8 concurrent clients × 25 adds each of ACL rules,
 * static routes and static flows through the REST API, on one instance over a real LevelDB and
 * across two instances of a cluster over a real etcd: all 200 stored, ids unique, the same on
 * every instance and after a restart. App enable/disable holds across a restart and on both
 * instances of a cluster.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { startSignalbox, type Running } from '../../src/runtime.js';
import { startEtcd, type EtcdServer } from '../harness/etcd.js';
import { freePort, waitFor } from '../harness/exec.js';

const dirs: string[] = [];
const running = new Set<Running>();
let etcd: EtcdServer | undefined;
afterAll(async () => {
  for (const r of running) await r.stop().catch(() => undefined);
  await etcd?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const WRITERS = 8;
const EACH = 25;

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'sbx-writes-'));
  dirs.push(d);
  return d;
}

async function start(dataDir: string, cluster?: { prefix: string; instanceId: string }): Promise<Running> {
  const config: Config = {
    ...defaultConfig,
    dataDir,
    openflow: { ...defaultConfig.openflow, listen: ['127.0.0.1:0'] },
    // A real port in a cluster: it is advertised to the other instance.
    api: { ...defaultConfig.api, listen: cluster ? `127.0.0.1:${await freePort()}` : '127.0.0.1:0' },
    apps: { ...defaultConfig.apps, enabled: ['acl', 'router', 'static-flows'], settings: { router: { interfaces: ['10.0.1.254/24'] } } },
    ...(cluster ? { cluster: { ...defaultConfig.cluster, etcd: { ...defaultConfig.cluster.etcd, endpoints: [etcd!.endpoint], prefix: cluster.prefix }, instanceId: cluster.instanceId } } : {}),
  };
  const r = await startSignalbox(config, silentLogger);
  running.add(r);
  return r;
}

async function stop(r: Running): Promise<void> {
  running.delete(r);
  await r.stop();
}

async function call(sbx: Running, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(sbx.api.address + path, { method, ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, json: text === '' ? undefined : JSON.parse(text) };
}

/** The three collections, each with a body unique to (writer, index) and the field that shows it. */
const KINDS = {
  'acl-rules': { body: (w: number, i: number) => ({ action: 'deny', match: { ethType: 2048, ipv4Dst: `10.${w}.${i}.9` } }), key: (x: Record<string, unknown>) => (x.match as { ipv4Dst: string }).ipv4Dst.replace('/32', '') },
  routes: { body: (w: number, i: number) => ({ destination: `172.${16 + w}.${i}.0/24`, gateway: '10.0.1.1' }), key: (x: Record<string, unknown>) => x.destination as string },
  'static-flows': {
    body: (w: number, i: number) => ({ name: `sf-${w}-${i}`, dpid: '00000000000000e7', priority: 1000 + w * 100 + i, match: [{ field: 'eth_type', value: 0x0800 }], actions: [] }),
    key: (x: Record<string, unknown>) => x.name as string,
  },
} as const;
type Kind = keyof typeof KINDS;

/**
 * 8 writers, each adding 25 entries one after the other, all at once; writer `w` talks to
 * `targets[w % targets.length]`. Returns every answer's id and the entry's own key.
 */
async function burst(kind: Kind, targets: readonly Running[]): Promise<{ status: number; id: string; key: string }[]> {
  const k = KINDS[kind];
  const writer = async (w: number): Promise<{ status: number; id: string; key: string }[]> => {
    const out: { status: number; id: string; key: string }[] = [];
    for (let i = 0; i < EACH; i++) {
      const r = await call(targets[w % targets.length]!, 'POST', `/api/v1/${kind}`, k.body(w, i));
      const x = (r.json ?? {}) as Record<string, unknown>;
      out.push({ status: r.status, id: String(x.id ?? x.name), key: r.status === 201 ? k.key(x) : JSON.stringify(x) });
    }
    return out;
  };
  return (await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)))).flat();
}

/** What an instance lists: id → the entry's own key (config-file routes left out). */
async function listed(sbx: Running, kind: Kind): Promise<Map<string, string>> {
  const r = await call(sbx, 'GET', `/api/v1/${kind}`);
  expect(r.status).toBe(200);
  const m = new Map<string, string>();
  for (const x of r.json as Record<string, unknown>[]) if (x.source !== 'config') m.set(String(x.id ?? x.name), KINDS[kind].key(x));
  return m;
}

/** Every answer a 201, 200 distinct ids, each listed with the entry it answered for. */
function expectAllStored(answers: { status: number; id: string; key: string }[], stored: Map<string, string>): void {
  expect(answers.filter((a) => a.status !== 201)).toEqual([]);
  expect(new Set(answers.map((a) => a.id)).size).toBe(WRITERS * EACH);
  expect(stored.size).toBe(WRITERS * EACH);
  for (const a of answers) expect(stored.get(a.id), a.id).toBe(a.key);
}

describe('one instance, real LevelDB', () => {
  it('8 writers × 25 adds of ACL rules, routes and static flows: all 200 of each stored with unique ids, and after a restart', async () => {
    const dir = tmp();
    let sbx = await start(dir);
    const answers = new Map<Kind, { status: number; id: string; key: string }[]>();
    for (const kind of Object.keys(KINDS) as Kind[]) {
      answers.set(kind, await burst(kind, [sbx]));
      expectAllStored(answers.get(kind)!, await listed(sbx, kind));
    }
    await stop(sbx);
    sbx = await start(dir);
    for (const kind of Object.keys(KINDS) as Kind[]) expectAllStored(answers.get(kind)!, await listed(sbx, kind));
    await stop(sbx);
  }, 120_000);

  it('an app enabled or disabled through the API stays so after a restart', async () => {
    const dir = tmp();
    let sbx = await start(dir);
    expect((await call(sbx, 'POST', '/api/v1/apps/l2-learning/enable')).status).toBe(200);
    expect((await call(sbx, 'POST', '/api/v1/apps/router/disable')).status).toBe(200);
    await stop(sbx);
    sbx = await start(dir);
    expect(sbx.controller.apps!.status('l2-learning')?.state).toBe('running');
    expect(sbx.controller.apps!.status('router')?.state).toBe('stopped');
    expect(sbx.controller.apps!.status('acl')?.state).toBe('running');
    await stop(sbx);
  }, 60_000);
});

describe('two instances of a cluster, real etcd', () => {
  it('8 writers × 25 adds split over both instances: all 200 of each stored with unique ids, the same on both', async () => {
    etcd ??= await startEtcd();
    const prefix = `writes-${process.pid}-${Date.now()}/`;
    const a = await start(tmp(), { prefix, instanceId: 'sbx-wa' });
    const b = await start(tmp(), { prefix, instanceId: 'sbx-wb' });
    for (const kind of Object.keys(KINDS) as Kind[]) {
      const answers = await burst(kind, [a, b]);
      // Each instance follows the store: the other's entries arrive once its reload ran.
      for (const sbx of [a, b]) {
        await waitFor(async () => (await listed(sbx, kind)).size >= WRITERS * EACH, 10_000, 100).catch(() => undefined);
        expectAllStored(answers, await listed(sbx, kind));
      }
    }
    await stop(a);
    await stop(b);
  }, 180_000);

  it('an app enabled or disabled on one instance holds on the other, and after a restart', async () => {
    etcd ??= await startEtcd();
    const prefix = `enable-${process.pid}-${Date.now()}/`;
    const a = await start(tmp(), { prefix, instanceId: 'sbx-ea' });
    const bDir = tmp();
    let b = await start(bDir, { prefix, instanceId: 'sbx-eb' });
    expect((await call(a, 'POST', '/api/v1/apps/l2-learning/enable')).status).toBe(200);
    expect((await call(a, 'POST', '/api/v1/apps/acl/disable')).status).toBe(200);
    await waitFor(async () => b.controller.apps!.status('l2-learning')?.state === 'running' && b.controller.apps!.status('acl')?.state === 'stopped', 10_000, 50);
    await stop(b);
    b = await start(bDir, { prefix, instanceId: 'sbx-eb' });
    expect(b.controller.apps!.status('l2-learning')?.state).toBe('running');
    expect(b.controller.apps!.status('acl')?.state).toBe('stopped');
    // And back, from the other side.
    expect((await call(b, 'POST', '/api/v1/apps/acl/enable')).status).toBe(200);
    await waitFor(async () => a.controller.apps!.status('acl')?.state === 'running', 10_000, 50);
    await stop(a);
    await stop(b);
  }, 60_000);
});
