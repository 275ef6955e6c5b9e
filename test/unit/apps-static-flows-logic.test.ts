/** static-flows: entries checked, persisted in the store, installed through the flow service and put back on a switch that lost them across a reconnect (emulated switch with a model table). */
import { duplexPair } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { Controller } from '../../src/controller.js';
import { defaultConfig } from '../../src/config.js';
import type { Datapath } from '../../src/openflow/datapath.js';
import { Session } from '../../src/openflow/session.js';
import { EmulatedSwitch } from '../fakes/emulated-switch.js';
import { AppManager } from '../../src/apps/manager.js';
import { memoryAppStore } from '../../src/apps/store.js';
import { checkStaticFlow, nameCookie, staticFlowsApp, StaticFlowError } from '../../src/apps/static-flows/index.js';
import { bindFlowTable, FakeFlowTable } from '../fakes/fake-flow-table.js';
import { ManualClock } from '../fakes/manual-clock.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The apps' time: store changes are followed after a debounce, so waiting means moving this clock. */
const clock = new ManualClock();

/** Moves the clock (letting the in-memory switch answer) until `cond` holds. */
async function waitFor(cond: () => boolean): Promise<void> {
  await clock.advanceUntil(cond, 2000);
}

async function connect(ctrl: Controller, table: FakeFlowTable): Promise<Datapath> {
  const [a, b] = duplexPair();
  const up = new Promise<Datapath>((resolve) => ctrl.bus.once('switchConnected', (e) => resolve(ctrl.datapaths.get(e.dpid)!)));
  ctrl.attach(new Session(a, { ...defaultConfig.openflow, echoIntervalMs: 0 }));
  const sw = new EmulatedSwitch(b, { dpid: 1n });
  bindFlowTable(sw, table);
  return up;
}

const ENTRY = {
  name: 'block-ssh',
  dpid: '1',
  priority: 1000,
  match: [
    { field: 'eth_type', value: 0x0800 },
    { field: 'ip_proto', value: 6 },
    { field: 'tcp_dst', value: 22 },
  ],
  actions: [],
};

describe('static flows', () => {
  it('checks entries, naming the bad field', () => {
    expect(checkStaticFlow(ENTRY)).toMatchObject({ name: 'block-ssh', dpid: '0000000000000001', tableId: 0, priority: 1000, idleTimeout: 0 });
    const field = (x: unknown): string => {
      try {
        checkStaticFlow(x);
        return 'ok';
      } catch (e) {
        expect(e).toBeInstanceOf(StaticFlowError);
        return (e as StaticFlowError).field;
      }
    };
    expect(field({ ...ENTRY, name: 'has space' })).toBe('name');
    expect(field({ ...ENTRY, dpid: 'xyz' })).toBe('dpid');
    expect(field({ ...ENTRY, priority: 70000 })).toBe('priority');
    // tcp_dst without ip_proto: the OpenFlow prerequisite check refuses it.
    expect(field({ ...ENTRY, match: [{ field: 'tcp_dst', value: 22 }] })).toBe('match');
    expect(field({ ...ENTRY, actions: [1] })).toBe('actions[0]');
    expect(nameCookie('a')).not.toBe(nameCookie('b'));
  });

  it('installs, persists, replaces and deletes entries; a switch that lost them gets them back on reconnect', async () => {
    const ctrl = new Controller({ ...defaultConfig, openflow: { ...defaultConfig.openflow, echoIntervalMs: 0 } });
    const store = memoryAppStore();
    const app = staticFlowsApp();
    const m = new AppManager({ bus: ctrl.bus, datapaths: ctrl.datapaths, log: ctrl.log, store, clock, flowsConfig: { reconcileIntervalMs: 0 }, apps: [app], config: { enabled: ['static-flows'] } });
    await m.start();
    cleanups.push(() => m.stop());
    const table = new FakeFlowTable();
    const dp = await connect(ctrl, table);
    await waitFor(() => !m.flows.isSyncing(1n));
    expect((await app.put(ENTRY)).created).toBe(true);
    await waitFor(() => table.flows.length === 1);
    const ssh = { in_port: 1, eth_type: 0x0800, ip_proto: 6, tcp_dst: 22 };
    expect(table.forward(ssh).hits[0]?.priority).toBe(1000);
    expect(table.flows[0]!.cookie & 0xffff_ffff_ffffn).toBe(nameCookie('block-ssh'));
    expect(await store.get('apps/static-flows/flow/block-ssh')).toMatchObject({ name: 'block-ssh', priority: 1000 });
    await expect(app.put({ ...ENTRY, name: 'twin' })).rejects.toThrow(/same switch, table, priority and match as "block-ssh"/);
    // Replace with another priority: the old flow goes.
    expect((await app.put({ ...ENTRY, priority: 2000 })).created).toBe(false);
    await waitFor(() => table.flows.length === 1 && table.flows[0]!.priority === 2000);
    // The switch reboots with an empty table: reconciliation puts the flow back.
    dp.session.close('reboot');
    table.flows = [];
    const dp2 = await connect(ctrl, table);
    cleanups.push(() => dp2.session.close('test over'));
    await waitFor(() => table.flows.length === 1);
    expect(table.flows[0]!.priority).toBe(2000);
    // A fresh app instance (controller restart) reads the entries back from the store.
    await m.disable('static-flows');
    await waitFor(() => table.flows.length === 0);
    await m.enable('static-flows');
    expect(app.list().map((f) => f.name)).toEqual(['block-ssh']);
    await waitFor(() => table.flows.length === 1);
    expect(await app.remove('block-ssh')).toBe(true);
    expect(await app.remove('block-ssh')).toBe(false);
    await waitFor(() => table.flows.length === 0);
    expect(await store.list('apps/static-flows/')).toEqual([]);
  });

  it('follows the shared store: an entry another instance writes is installed here, replaced, and removed when it deletes it', async () => {
    const ctrl = new Controller({ ...defaultConfig, openflow: { ...defaultConfig.openflow, echoIntervalMs: 0 } });
    // Two instances over one store (etcd in a cluster): `other` has no switch, `here` has the switch.
    const store = memoryAppStore();
    const here = staticFlowsApp();
    const other = staticFlowsApp();
    const m = new AppManager({ bus: ctrl.bus, datapaths: ctrl.datapaths, log: ctrl.log, store, clock, flowsConfig: { reconcileIntervalMs: 0 }, apps: [here], config: { enabled: ['static-flows'] } });
    const ctrl2 = new Controller({ ...defaultConfig, openflow: { ...defaultConfig.openflow, echoIntervalMs: 0 } });
    const m2 = new AppManager({ bus: ctrl2.bus, datapaths: ctrl2.datapaths, log: ctrl2.log, store, clock, flowsConfig: { reconcileIntervalMs: 0 }, apps: [other], config: { enabled: ['static-flows'] } });
    await m.start();
    await m2.start();
    cleanups.push(() => m.stop(), () => m2.stop());
    const table = new FakeFlowTable();
    const dp = await connect(ctrl, table);
    cleanups.push(() => dp.session.close('test over'));
    await waitFor(() => !m.flows.isSyncing(1n));

    expect((await other.put(ENTRY)).created).toBe(true);
    await waitFor(() => table.flows.length === 1);
    expect(here.get('block-ssh')).toMatchObject({ priority: 1000 });
    // A second put with the same name from this side is a replace, not a create (the store knew it).
    expect((await other.put({ ...ENTRY, priority: 1500 })).created).toBe(false);
    await waitFor(() => table.flows.length === 1 && table.flows[0]!.priority === 1500);
    // Own writes come back through the feed: nothing moves.
    await here.put({ ...ENTRY, priority: 1500 });
    const before = m.flows.counters.flowModsSent;
    await clock.advanceAsync(1000);
    expect(m.flows.counters.flowModsSent).toBe(before);
    expect(await other.remove('block-ssh')).toBe(true);
    await waitFor(() => table.flows.length === 0);
    expect(here.list()).toEqual([]);
  });
});
