/** The southbound against real Open vSwitch: handshake in both versions, flows in and out, port events. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config.js';
import { Controller } from '../../src/controller.js';
import type { ControllerEvents } from '../../src/core/events.js';
import type { Datapath } from '../../src/openflow/datapath.js';
import { cleanupAll, createBridge, ensureOvs, waitFor } from '../harness/ovs.js';

let ctrl: Controller;
let port: number;

beforeAll(async () => {
  await ensureOvs();
  ctrl = new Controller({ ...defaultConfig, openflow: { ...defaultConfig.openflow, listen: ['127.0.0.1:0'] } });
  port = (await ctrl.start()).openflow[0]!.port;
});

afterAll(async () => {
  await cleanupAll();
  await ctrl.stop();
});

function connectedWith(dpid: bigint, timeoutMs = 15_000): Promise<Datapath> {
  const existing = ctrl.datapaths.get(dpid);
  if (existing) return Promise.resolve(existing);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`switch ${dpid.toString(16)} did not connect in ${timeoutMs} ms`)), timeoutMs);
    const on = (e: ControllerEvents['switchConnected'][0]) => {
      if (e.dpid !== dpid) return;
      clearTimeout(t);
      ctrl.bus.off('switchConnected', on);
      resolve(ctrl.datapaths.get(e.dpid)!);
    };
    ctrl.bus.on('switchConnected', on);
  });
}

describe('Open vSwitch against the Signalbox southbound', () => {
  it('completes the handshake in OpenFlow 1.3; flows added through the Datapath show in dump-flows and in flow stats', async () => {
    const br = await createBridge({ protocols: ['OpenFlow13'], controllerPort: port, dpid: 0xa1n });
    await br.addPort({ kind: 'internal' });
    await br.addPort({ kind: 'internal' });
    const dp = await connectedWith(0xa1n);
    expect(dp.version).toBe(4);
    expect(dp.desc.mfrDesc).toMatch(/Nicira/);
    await waitFor(async () => dp.ports.size >= 3, 5000, 50); // two ports plus LOCAL
    await dp.flowModConfirmed({
      priority: 100,
      cookie: 0x51n,
      match: [
        { field: 'in_port', value: 1 },
        { field: 'eth_type', value: 0x0800 },
        { field: 'ipv4_dst', value: '10.0.0.0', mask: '255.255.255.0' },
      ],
      actions: [{ type: 'output', port: 2 }],
    });
    await dp.flowModConfirmed({ priority: 5, cookie: 0x52n, tableId: 0, idleTimeout: 60, match: [], actions: [{ type: 'output', port: 0xfffffffd, maxLen: 0xffff }] });
    const p = dp.barrier();
    await p;
    const dumped = await br.dumpFlows('OpenFlow13');
    const byCookie = new Map(dumped.map((f) => [f.cookie, f]));
    expect(byCookie.get(0x51n)).toMatchObject({ priority: 100, actions: 'output:2' });
    expect(byCookie.get(0x51n)?.match).toMatch(/in_port=1/);
    expect(byCookie.get(0x51n)?.match).toMatch(/nw_dst=10\.0\.0\.0\/24/);
    expect(byCookie.get(0x52n)).toMatchObject({ priority: 5, idleTimeout: 60, actions: 'CONTROLLER:65535' });
    const stats = await dp.flowStats();
    expect(stats.map((f) => f.cookie).sort()).toEqual(dumped.map((f) => f.cookie).sort());
    const s51 = stats.find((f) => f.cookie === 0x51n)!;
    expect(s51.priority).toBe(100);
    expect(s51.instructions).toEqual([{ type: 'apply_actions', actions: [{ type: 'output', port: 2, maxLen: 0xffff }] }]);
    const agg = await dp.aggregateStats();
    expect(agg.flowCount).toBe(stats.length);
    // A rejected flow mod surfaces the switch's error.
    await expect(dp.flowModConfirmed({ tableId: 254, priority: 1, match: [], actions: [{ type: 'output', port: 1 }] })).rejects.toThrow(/OFPET_|switch rejected/);
    await br.destroy();
  });

  it('completes the handshake in OpenFlow 1.0 and installs translated flows', async () => {
    const br = await createBridge({ protocols: ['OpenFlow10'], controllerPort: port, dpid: 0xb2n });
    await br.addPort({ kind: 'internal' });
    const dp = await connectedWith(0xb2n);
    expect(dp.version).toBe(1);
    await dp.flowModConfirmed({
      priority: 300,
      cookie: 0x77n,
      match: [{ field: 'in_port', value: 1 }, { field: 'eth_dst', value: '00:00:00:00:00:09' }],
      actions: [{ type: 'output', port: 0xfffffffb }],
    });
    await dp.barrier();
    const dumped = await br.dumpFlows('OpenFlow10');
    const f = dumped.find((x) => x.cookie === 0x77n);
    expect(f).toMatchObject({ priority: 300, actions: 'FLOOD' });
    expect(f?.match).toMatch(/in_port=1/);
    expect(f?.match).toMatch(/dl_dst=00:00:00:00:00:09/);
    const stats = await dp.flowStats();
    expect(stats.find((x) => x.cookie === 0x77n)?.match).toEqual([
      { field: 'in_port', value: 1 },
      { field: 'eth_dst', value: '00:00:00:00:00:09' },
    ]);
    await br.destroy();
  });

  it('reports ports added and removed on the bridge, and the disconnect when the bridge goes', async () => {
    const br = await createBridge({ protocols: ['OpenFlow13'], controllerPort: port, dpid: 0xc3n });
    const dp = await connectedWith(0xc3n);
    const added: number[] = [];
    const removed: number[] = [];
    const onAdd = (e: ControllerEvents['portAdded'][0]) => e.dpid === 0xc3n && added.push(e.port.portNo);
    const onDel = (e: ControllerEvents['portRemoved'][0]) => e.dpid === 0xc3n && removed.push(e.port.portNo);
    ctrl.bus.on('portAdded', onAdd);
    ctrl.bus.on('portRemoved', onDel);
    const p = await br.addPort({ kind: 'netns', ip: '10.9.0.1/24' });
    await waitFor(async () => added.includes(p.ofport), 5000, 50);
    expect(dp.ports.has(p.ofport)).toBe(true);
    await br.delPort(p.name);
    await waitFor(async () => removed.includes(p.ofport), 5000, 50);
    expect(dp.ports.has(p.ofport)).toBe(false);
    ctrl.bus.off('portAdded', onAdd);
    ctrl.bus.off('portRemoved', onDel);
    const gone = new Promise<string>((resolve) => ctrl.bus.on('switchDisconnected', (e) => e.dpid === 0xc3n && resolve(e.reason)));
    await br.destroy();
    expect(await gone).toBeTruthy();
    expect(ctrl.datapaths.has(0xc3n)).toBe(false);
  });
});
