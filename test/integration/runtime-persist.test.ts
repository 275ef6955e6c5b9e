/**
 * Restart persistence end to end with real Open vSwitch: ACL rules, static routes and app config
 * overrides set through the API come back after a restart of startSignalbox on the same data
 * directory, through the API and as flows on the switch (the bridge's flows are wiped in between,
 * so what is there was installed again).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { startSignalbox, type Running } from '../../src/runtime.js';
import { cleanupAll, createBridge, ensureOvs, waitFor, type Bridge, type FlowDump, type PortHandle } from '../harness/ovs.js';

const DPID = 0xd2n;
const dir = mkdtempSync(join(tmpdir(), 'sbx-persist-'));
afterAll(async () => {
  await cleanupAll();
  rmSync(dir, { recursive: true, force: true });
});

function config(): Config {
  return {
    ...defaultConfig,
    dataDir: dir,
    openflow: { ...defaultConfig.openflow, listen: ['127.0.0.1:0'] },
    api: { ...defaultConfig.api, listen: '127.0.0.1:0' },
    apps: {
      ...defaultConfig.apps,
      enabled: [...defaultConfig.apps.enabled, 'acl', 'router'],
      settings: { router: { interfaces: ['10.0.1.254/24', '10.0.2.254/24'] } },
    },
  };
}

async function call(sbx: Running, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(sbx.api.address + path, { method, ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, json: text === '' ? undefined : JSON.parse(text) };
}

const aclFlow = (flows: readonly FlowDump[]): FlowDump | undefined => flows.find((f) => f.match.includes('nw_dst=10.0.9.9') && f.actions === 'drop');
const routedFlow = (flows: readonly FlowDump[]): FlowDump | undefined => flows.find((f) => f.match.includes('nw_dst=10.0.3.1') && f.actions.includes('dec_ttl'));

/**
 * Pings 10.0.3.1 (behind h2, by the static route) from h1 until it answers, then once more: the
 * first packet waits for the next hop's ARP and is sent on by the controller, later ones install
 * the routed flows.
 */
async function pingThroughRoute(h1: PortHandle): Promise<void> {
  await waitFor(
    async () => {
      try {
        const r = await h1.exec(['ping', '-n', '-c', '1', '-W', '1', '10.0.3.1'], 5_000);
        return /1 received/.test(r.stdout);
      } catch {
        return false;
      }
    },
    20_000,
    200,
  );
  await h1.exec(['ping', '-n', '-c', '2', '-W', '1', '10.0.3.1'], 5_000).catch(() => undefined);
}

describe('restart persistence with Open vSwitch', () => {
  it('ACL rules, routes and app config overrides are back after a restart: in the API and as flows', async () => {
    await ensureOvs();
    let br: Bridge | undefined;
    const first = await startSignalbox(config(), silentLogger);
    let h1: PortHandle;
    try {
      br = await createBridge({ protocols: ['OpenFlow13'], controllerPort: first.openflow[0]!.port, dpid: DPID });
      h1 = await br.addPort({ kind: 'netns', ip: '10.0.1.10/24', gateway: '10.0.1.254', mac: '02:00:00:00:01:10' });
      const h2 = await br.addPort({ kind: 'netns', ip: '10.0.2.10/24', gateway: '10.0.2.254', mac: '02:00:00:00:02:10' });
      // h2 is the next hop towards 10.0.3.0/24 and owns 10.0.3.1 itself.
      await h2.exec(['ip', 'addr', 'add', '10.0.3.1/32', 'dev', 'lo']);
      await waitFor(async () => (first.controller.datapaths.get(DPID)?.ports.size ?? 0) >= 2, 15_000, 50);

      // An ACL rule, a route and two config overrides (acl reconfigures live, the router restarts).
      const rule = await call(first, 'POST', '/api/v1/acl-rules', { action: 'deny', match: { ethType: 2048, ipv4Dst: '10.0.9.9' }, description: 'blackhole' });
      expect(rule.status).toBe(201);
      expect((await call(first, 'PUT', '/api/v1/apps/acl/config', { basePriority: 30000 })).status).toBe(200);
      const route = await call(first, 'POST', '/api/v1/routes', { destination: '10.0.3.0/24', gateway: '10.0.2.10' });
      expect(route).toMatchObject({ status: 201, json: { id: 'r1', destination: '10.0.3.0/24', gateway: '10.0.2.10' } });
      expect((await call(first, 'PUT', '/api/v1/apps/router/config', { flowPriority: 77 })).status).toBe(200);
      expect((await call(first, 'PUT', '/api/v1/apps/router/config', { flowPriority: 0 })).json).toMatchObject({ statusCode: 400, field: 'body.flowPriority' });

      await waitFor(async () => aclFlow(await br!.dumpFlows('OpenFlow13'))?.priority === 30000, 10_000, 100);
      await pingThroughRoute(h1);
      await waitFor(async () => routedFlow(await br!.dumpFlows('OpenFlow13'))?.priority === 77, 10_000, 100).catch(async (e: unknown) => {
        throw new Error(`${(e as Error).message}\n${(await br!.dumpFlows('OpenFlow13')).map((f) => f.raw).join('\n')}`);
      });
    } finally {
      await first.stop();
    }
    // Wipe the switch: whatever comes back was installed by the second instance.
    await br.ofctl('del-flows', []);
    expect(aclFlow(await br.dumpFlows('OpenFlow13'))).toBeUndefined();

    const second = await startSignalbox(config(), silentLogger);
    try {
      expect((await call(second, 'GET', '/api/v1/acl-rules')).json).toMatchObject([{ action: 'deny', match: { ipv4Dst: '10.0.9.9/32' }, description: 'blackhole' }]);
      expect((await call(second, 'GET', '/api/v1/routes')).json).toEqual([{ id: 'r1', destination: '10.0.3.0/24', gateway: '10.0.2.10', source: 'api' }]);
      expect((await call(second, 'GET', '/api/v1/apps/acl/config')).json).toEqual({ basePriority: 30000, tableId: 0, rules: [] });
      expect((await call(second, 'GET', '/api/v1/apps/router/config')).json).toMatchObject({ flowPriority: 77, interfaces: ['10.0.1.254/24', '10.0.2.254/24'] });
      expect((await call(second, 'GET', '/readyz')).status).toBe(200);

      await br.setController(`tcp:127.0.0.1:${second.openflow[0]!.port}`);
      await waitFor(async () => second.controller.datapaths.has(DPID), 15_000, 50);
      // The ACL flow at the overridden priority, installed on connect.
      await waitFor(async () => aclFlow(await br!.dumpFlows('OpenFlow13'))?.priority === 30000, 15_000, 100);
      // The route is in force again: traffic to 10.0.3.1 is routed via h2 with the overridden priority.
      await pingThroughRoute(h1!);
      await waitFor(async () => routedFlow(await br!.dumpFlows('OpenFlow13'))?.priority === 77, 10_000, 100);
    } finally {
      await second.stop();
      await br.destroy();
    }
  });
});
