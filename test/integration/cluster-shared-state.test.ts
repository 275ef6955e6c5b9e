/**
 * Shared desired state in a cluster, end to end: two startSignalbox instances on a real etcd and
 * one Open vSwitch bridge that lists both as controllers, mastered by instance B. Static flows,
 * ACL rules and app config overrides written through A's API reach B through the store's change
 * feed and land on the switch (and go when deleted through A); after B stops, A masters the
 * switch and keeps every static flow and rule (none deleted as extraneous).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rankInstances } from '../../src/cluster/assignment.js';
import { EtcdStore } from '../../src/cluster/etcd-store.js';
import { defaultConfig, type Config } from '../../src/config.js';
import { dpidToHex } from '../../src/core/ids.js';
import { silentLogger } from '../../src/log.js';
import { startSignalbox, type Running } from '../../src/runtime.js';
import { startEtcd, type EtcdServer } from '../harness/etcd.js';
import { cleanupAll, createBridge, ensureOvs, waitFor, type Bridge, type FlowDump } from '../harness/ovs.js';
import { freePort } from '../harness/exec.js';

const IDS = ['sbx-ia', 'sbx-ib'] as const;
/** A dpid whose rendezvous ranking puts instance B first: with one switch, B masters it. */
const DPID = ((): bigint => {
  for (let d = 0xe100n; ; d++) if (rankInstances(dpidToHex(d), IDS)[0] === IDS[1]) return d;
})();
const HEX = dpidToHex(DPID);

let etcd: EtcdServer;
const dirs: string[] = [];
const running = new Set<Running>();

beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  for (const r of running) await r.stop().catch(() => undefined);
  await cleanupAll();
  await etcd?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function start(instanceId: string, prefix: string): Promise<Running> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sbx-shared-'));
  dirs.push(dataDir);
  // A real API port: it is advertised to the other instance, which forwards switch writes to it.
  const api = `127.0.0.1:${await freePort()}`;
  const config: Config = {
    ...defaultConfig,
    dataDir,
    openflow: { ...defaultConfig.openflow, listen: ['127.0.0.1:0'] },
    api: { ...defaultConfig.api, listen: api },
    apps: { ...defaultConfig.apps, enabled: ['static-flows', 'acl'] },
    cluster: { ...defaultConfig.cluster, etcd: { ...defaultConfig.cluster.etcd, endpoints: [etcd.endpoint], prefix }, instanceId },
  };
  const r = await startSignalbox(config, silentLogger);
  running.add(r);
  return r;
}

async function call(sbx: Running, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(sbx.api.address + path, { method, ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, json: text === '' ? undefined : JSON.parse(text) };
}

const byPriority = (flows: readonly FlowDump[], p: number): FlowDump | undefined => flows.find((f) => f.priority === p);
const aclFlow = (flows: readonly FlowDump[], ip: string): FlowDump | undefined => flows.find((f) => f.match.includes(`nw_dst=${ip}`) && f.actions === 'drop');
/** Seconds the flow has been on the switch (`duration=12.345s`). */
const age = (f: FlowDump | undefined): number => Number(/duration=([\d.]+)s/.exec(f?.raw ?? '')?.[1] ?? NaN);

/** A static flow matching TCP to `port` (so each has its own identity), dropping it. */
function staticFlow(name: string, priority: number, port: number): Record<string, unknown> {
  return {
    name,
    dpid: HEX,
    priority,
    match: [
      { field: 'eth_type', value: 0x0800 },
      { field: 'ip_proto', value: 6 },
      { field: 'tcp_dst', value: port },
    ],
    actions: [],
  };
}

describe('EtcdStore change feed', () => {
  it('tells every client of the cluster about puts and deletes under the prefix, and says "reload" once the watch stands', async () => {
    const prefix = `feed-${process.pid}-${Date.now()}/`;
    const a = EtcdStore.connect([etcd.endpoint], prefix);
    const b = EtcdStore.connect([etcd.endpoint], prefix);
    try {
      const seen: (string | undefined)[] = [];
      b.watch('apps', 'acl/', (k) => seen.push(k));
      await waitFor(async () => seen.includes(undefined), 5_000, 20);
      await a.put('apps', 'acl/rules', [1]);
      await a.put('apps', 'other/x', 1);
      await a.put('routes', 'acl/rules', 1);
      await a.del('apps', 'acl/rules');
      await a.batch('apps', [{ type: 'put', key: 'acl/n', value: 2 }]);
      await waitFor(async () => seen.filter((k) => k !== undefined).length >= 3, 5_000, 20);
      expect(seen.filter((k) => k !== undefined)).toEqual(['acl/rules', 'acl/rules', 'acl/n']);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('shared desired state across instances (Open vSwitch)', () => {
  it('static flows, ACL rules and config overrides written through A are applied by B, the master; after failover A keeps them all', async () => {
    await ensureOvs();
    const prefix = `shared-${process.pid}-${Date.now()}/`;
    const b = await start(IDS[1], prefix);
    const a = await start(IDS[0], prefix);
    const br: Bridge = await createBridge({
      protocols: ['OpenFlow13'],
      dpid: DPID,
      controllers: [`tcp:127.0.0.1:${a.openflow[0]!.port}`, `tcp:127.0.0.1:${b.openflow[0]!.port}`],
    });
    const dump = (): Promise<FlowDump[]> => br.dumpFlows('OpenFlow13');
    const explain = async (e: unknown): Promise<never> => {
      throw new Error(`${(e as Error).message}\nswitch flows:\n${(await dump()).map((f) => f.raw).join('\n')}`);
    };
    await waitFor(async () => b.controller.datapaths.get(DPID)?.mastership === 'master' && a.controller.datapaths.get(DPID)?.mastership === 'slave', 20_000, 50);

    // Created through A, which is only a slave of the switch: B installs them.
    expect((await call(a, 'POST', '/api/v1/static-flows', staticFlow('sf-a', 1234, 2222))).status).toBe(201);
    const rule = await call(a, 'POST', '/api/v1/acl-rules', { action: 'deny', match: { ethType: 2048, ipv4Dst: '10.0.9.9' } });
    expect(rule.status).toBe(201);
    await waitFor(async () => byPriority(await dump(), 1234) !== undefined && aclFlow(await dump(), '10.0.9.9') !== undefined, 10_000, 100).catch(explain);
    // A config override set through A: B's ACL flows move to the new priorities.
    expect((await call(a, 'PUT', '/api/v1/apps/acl/config', { basePriority: 30000 })).status).toBe(200);
    await waitFor(async () => aclFlow(await dump(), '10.0.9.9')?.priority === 30000, 10_000, 100).catch(explain);
    expect((await call(b, 'GET', '/api/v1/apps/acl/config')).json).toEqual({ basePriority: 30000, tableId: 0, rules: [] });

    // Deleted through A: gone from the switch.
    expect((await call(a, 'DELETE', '/api/v1/static-flows/sf-a')).status).toBe(200);
    expect((await call(a, 'DELETE', `/api/v1/acl-rules/${(rule.json as { id: string }).id}`)).status).toBe(200);
    await waitFor(async () => byPriority(await dump(), 1234) === undefined && aclFlow(await dump(), '10.0.9.9') === undefined, 10_000, 100).catch(explain);

    // A write the slave itself would have to send (Ryu's route, not forwarded): 503, retryable.
    const ryu = await call(a, 'POST', '/stats/flowentry/add', { dpid: Number(DPID), priority: 7, match: { in_port: 1 }, actions: [] });
    expect(ryu).toMatchObject({ status: 503, json: { code: 'service_unavailable' } });

    // State that must survive the failover: made through either instance.
    expect((await call(a, 'POST', '/api/v1/static-flows', staticFlow('sf-kept-a', 1235, 2223))).status).toBe(201);
    expect((await call(b, 'POST', '/api/v1/static-flows', staticFlow('sf-kept-b', 1236, 2224))).status).toBe(201);
    expect((await call(b, 'POST', '/api/v1/acl-rules', { action: 'deny', match: { ethType: 2048, ipv4Dst: '10.0.8.8' } })).status).toBe(201);
    await waitFor(async () => {
      const f = await dump();
      return byPriority(f, 1235) !== undefined && byPriority(f, 1236) !== undefined && aclFlow(f, '10.0.8.8') !== undefined;
    }, 10_000, 100).catch(explain);
    // A learnt B's writes through the feed.
    await waitFor(async () => ((await call(a, 'GET', '/api/v1/static-flows')).json as unknown[]).length === 2 && ((await call(a, 'GET', '/api/v1/acl-rules')).json as unknown[]).length === 1, 5_000, 50);
    const before = await dump();

    // B stops (its lease revoked): A masters the switch and reconciles it.
    await b.stop();
    running.delete(b);
    await waitFor(async () => a.controller.datapaths.get(DPID)?.mastership === 'master', 10_000, 50);
    const report = await a.controller.flows!.reconcile(DPID);
    expect(report.extraneous).toBe(0);
    const after = await dump();
    for (const p of [1235, 1236]) {
      expect(byPriority(after, p), `static flow at priority ${p} after the failover`).toBeDefined();
      // Never deleted and added again: its age went on.
      expect(age(byPriority(after, p))).toBeGreaterThanOrEqual(age(byPriority(before, p)));
    }
    expect(aclFlow(after, '10.0.8.8')?.priority).toBe(30000);
    expect(age(aclFlow(after, '10.0.8.8'))).toBeGreaterThanOrEqual(age(aclFlow(before, '10.0.8.8')));
    // And A, now master, writes the switch itself.
    expect((await call(a, 'DELETE', '/api/v1/static-flows/sf-kept-b')).status).toBe(200);
    await waitFor(async () => byPriority(await dump(), 1236) === undefined, 10_000, 100).catch(explain);
    await a.stop();
    running.delete(a);
    await br.destroy();
  }, 90_000);
});
