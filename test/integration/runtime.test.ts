/** The whole product as `signalbox start` runs it: store, controller and API, with a real Open vSwitch bridge. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { startSignalbox } from '../../src/runtime.js';
import { loadOrCreateStoredSecret } from '../../src/store/index.js';
import { cleanupAll, createBridge, ensureOvs, waitFor } from '../harness/ovs.js';

const dir = mkdtempSync(join(tmpdir(), 'sbx-runtime-'));
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
    apps: { ...defaultConfig.apps, enabled: [...defaultConfig.apps.enabled, 'static-flows'] },
  };
}

describe('signalbox runtime', () => {
  it('serves a real switch through the API, keeps its secret across restarts, and refuses a second instance on the same data', async () => {
    await ensureOvs();
    const first = await startSignalbox(config(), silentLogger);
    const secret = await loadOrCreateStoredSecret(first.store, 'lldp');
    try {
      const br = await createBridge({ protocols: ['OpenFlow13'], controllerPort: first.openflow[0]!.port, dpid: 0xd1n });
      await waitFor(async () => first.controller.datapaths.has(0xd1n), 15_000, 50);
      const res = await fetch(`${first.api.address}/api/v1/switches`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { dpid: string; version: string }[];
      expect(body.map((s) => s.dpid)).toContain('00000000000000d1');
      const ryu = (await (await fetch(`${first.api.address}/stats/switches`)).json()) as number[];
      expect(ryu).toContain(0xd1);
      // The data directory is locked while this instance runs: a second one is refused, naming the path.
      await expect(startSignalbox(config(), silentLogger)).rejects.toThrow(dir);
      // A static flow through the API lands on the switch...
      const flow = { name: 'to-port-2', dpid: '00000000000000d1', priority: 4321, match: [{ field: 'in_port', value: 1 }], actions: [{ type: 'output', port: 2 }] };
      const post = await fetch(`${first.api.address}/api/v1/static-flows`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(flow) });
      expect(post.status).toBeLessThan(300);
      await waitFor(async () => (await br.dumpFlows('OpenFlow13')).some((f) => f.priority === 4321 && f.actions === 'output:2'), 10_000, 100);
      // ...and a bad one is refused naming the field.
      const bad = await fetch(`${first.api.address}/api/v1/static-flows`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...flow, name: 'bad', priority: 70000 }) });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { message: string }).message).toMatch(/priority/);
      first.controller.datapaths.get(0xd1n)!.session.close('test: simulate a lost flow table');
      await br.ofctl('del-flows', []);
    } finally {
      await first.stop();
    }
    const second = await startSignalbox(config(), silentLogger);
    try {
      expect(Buffer.compare(await loadOrCreateStoredSecret(second.store, 'lldp'), secret)).toBe(0);
      // After the restart the static flow is still configured and put back on the switch.
      const list = (await (await fetch(`${second.api.address}/api/v1/static-flows`)).json()) as { name: string }[];
      expect(list.map((f) => f.name)).toEqual(['to-port-2']);
      const br = await createBridge({ protocols: ['OpenFlow13'], controllerPort: second.openflow[0]!.port, dpid: 0xd1n });
      await waitFor(async () => (await br.dumpFlows('OpenFlow13')).some((f) => f.priority === 4321 && f.actions === 'output:2'), 15_000, 100);
      await br.destroy();
    } finally {
      await second.stop();
    }
  });
});
