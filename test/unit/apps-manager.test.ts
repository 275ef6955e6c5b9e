/** The app framework: packet-in chain, failure containment, run-time enable/disable (stored, followed across instances), settings, module loading, store and metrics; l2-learning end to end over emulated switches. */
import { duplexPair } from 'node:stream';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureLog } from '../fakes/capture-log.js';
import { afterEach, describe, expect, it } from 'vitest';
import { Controller } from '../../src/controller.js';
import { defaultConfig } from '../../src/config.js';
import { OFP_NO_BUFFER, OFPP } from '../../src/openflow/codec/constants.js';
import type { OfMessage } from '../../src/openflow/codec/index.js';
import type { ReceivedPacket } from '../../src/core/model.js';
import type { Datapath } from '../../src/openflow/datapath.js';
import { Session } from '../../src/openflow/session.js';
import { EmulatedSwitch, type EmulatedSwitchOptions } from '../fakes/emulated-switch.js';
import { AppManager, type AppManagerOptions } from '../../src/apps/manager.js';
import { wantedApps } from '../../src/apps/enablement.js';
import { loadAppModule } from '../../src/apps/registry.js';
import { AppConfigError, resolveAppConfig } from '../../src/apps/schema.js';
import { memoryAppStore, PrefixedStore } from '../../src/apps/store.js';
import { MemoryMetrics } from '../../src/apps/metrics.js';
import type { TopologyService } from '../../src/core/services.js';
import type { App, AppContext, PacketInEvent } from '../../src/core/app.js';
import { ownerIdFor } from '../../src/flows/cookie.js';
import { bindFlowTable, FakeFlowTable } from '../fakes/fake-flow-table.js';
import { flush, flushUntil } from '../fakes/flush.js';
import { ManualClock } from '../fakes/manual-clock.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function controller(): Controller {
  return new Controller({ ...defaultConfig, openflow: { ...defaultConfig.openflow, echoIntervalMs: 0 } });
}

async function manager(ctrl: Controller, opts: Partial<AppManagerOptions> = {}): Promise<AppManager> {
  const m = new AppManager({ bus: ctrl.bus, datapaths: ctrl.datapaths, log: opts.log ?? ctrl.log, flowsConfig: { reconcileIntervalMs: 0 }, config: { enabled: [] }, ...opts });
  await m.start();
  cleanups.push(() => m.stop());
  return m;
}

async function connect(ctrl: Controller, m: AppManager, table: FakeFlowTable, opts: EmulatedSwitchOptions = {}): Promise<{ sw: EmulatedSwitch; dp: Datapath }> {
  const [a, b] = duplexPair();
  const dpid = opts.dpid ?? 1n;
  const up = new Promise<Datapath>((resolve) => {
    const on = (e: { dpid: bigint }): void => {
      if (e.dpid !== dpid) return;
      ctrl.bus.off('switchConnected', on);
      resolve(ctrl.datapaths.get(e.dpid)!);
    };
    ctrl.bus.on('switchConnected', on);
  });
  ctrl.attach(new Session(a, { ...defaultConfig.openflow, echoIntervalMs: 0 }));
  const sw = new EmulatedSwitch(b, { dpid, ...opts });
  bindFlowTable(sw, table);
  const dp = await up;
  cleanups.push(() => dp.session.close('test over'));
  await waitFor(() => !m.flows.isSyncing(dpid) && m.flows.flows(dpid).every((f) => f.state !== 'pending'));
  return { sw, dp };
}

/** In-memory switches and stores answer without time passing: let them run until `cond` holds. */
const waitFor = (cond: () => boolean): Promise<void> => flushUntil(cond);

function packetInEvent(dpid: bigint, inPort: number): PacketInEvent {
  const msg: ReceivedPacket = { inPort, bufferId: OFP_NO_BUFFER, totalLen: 60, reason: 0, tableId: 0, cookie: 0n, match: [], data: Buffer.alloc(60) };
  return { dpid, msg };
}

function recorder(name: string, priority: number, seen: string[], handle?: (e: PacketInEvent) => boolean): App {
  return {
    name,
    description: `records packet-ins as ${name}`,
    packetInPriority: priority,
    start() {},
    onPacketIn(e) {
      seen.push(`${name}:${e.msg.inPort}`);
      return handle?.(e) ? 'handled' : undefined;
    },
  };
}

describe('app manager: packet-in chain', () => {
  it('runs handlers by priority, highest first, and stops at handled', async () => {
    const ctrl = controller();
    const seen: string[] = [];
    const m = await manager(ctrl, {
      apps: [recorder('low', 0, seen), recorder('high', 100, seen, (e) => e.msg.inPort === 2), recorder('mid-b', 50, seen), recorder('mid-a', 50, seen)],
      config: { enabled: ['low', 'high', 'mid-b', 'mid-a'] },
    });
    ctrl.bus.emit('packetIn', packetInEvent(1n, 1));
    ctrl.bus.emit('packetIn', packetInEvent(1n, 2));
    expect(seen).toEqual(['high:1', 'mid-a:1', 'mid-b:1', 'low:1', 'high:2']);
    await m.disable('high');
    seen.length = 0;
    ctrl.bus.emit('packetIn', packetInEvent(1n, 2));
    expect(seen).toEqual(['mid-a:2', 'mid-b:2', 'low:2']);
    expect(m.status('high')?.state).toBe('stopped');
  });
});

describe('app manager: failures', () => {
  it('catches a throwing handler, logs app, dpid and event, and keeps the other apps running', async () => {
    const ctrl = controller();
    const { log, lines } = captureLog();
    const seen: string[] = [];
    const bad: App = { name: 'bad', description: 'throws', packetInPriority: 10, start() {}, onPacketIn() { throw new Error('boom'); } };
    const m = await manager(ctrl, { log, apps: [bad, recorder('good', 0, seen)], config: { enabled: ['bad', 'good'], maxFailures: 3 } });
    expect(() => ctrl.bus.emit('packetIn', packetInEvent(0xabn, 4))).not.toThrow();
    expect(seen).toEqual(['good:4']);
    const entry = lines.find((l) => l.msg === 'app handler threw');
    expect(entry).toMatchObject({ app: 'bad', dpid: '00000000000000ab', event: 'packetIn', err: 'boom' });
    expect(m.status('bad')).toMatchObject({ state: 'running', recentFailures: 1 });
  });

  it('stops an app that keeps failing within the window and removes its flows; failures outside the window do not count', async () => {
    const ctrl = controller();
    const clock = new ManualClock();
    const { log, lines } = captureLog();
    let ctxRef: AppContext | undefined;
    const flaky: App = {
      name: 'flaky',
      description: 'installs a flow, then fails on port status',
      start(ctx) {
        ctxRef = ctx;
      },
      onSwitchConnected(e) {
        ctxRef!.flows.install(e.dpid, { priority: 7, match: [{ field: 'in_port', value: 1 }], actions: [{ type: 'output', port: 2 }] });
      },
      onPortAdded() {
        return Promise.reject(new Error('async boom'));
      },
    };
    const m = await manager(ctrl, { log, clock, apps: [flaky], config: { enabled: ['flaky'], maxFailures: 3, failureWindowMs: 1000 } });
    const table = new FakeFlowTable();
    const { dp } = await connect(ctrl, m, table);
    expect(table.flows.map((f) => f.priority)).toEqual([7]);
    const port = [...dp.ports.values()][0]!;
    const fire = async (): Promise<void> => {
      ctrl.bus.emit('portAdded', { dpid: 1n, port });
      await flush();
    };
    await fire();
    clock.advance(1000); // the first failure is failureWindowMs old now: out of the window
    await fire();
    await fire();
    expect(m.status('flaky')?.state).toBe('running');
    await fire();
    await waitFor(() => m.status('flaky')?.state === 'failed');
    await waitFor(() => table.flows.length === 0);
    expect(m.status('flaky')?.lastError).toMatch(/3 failures within 1000 ms; last in portAdded: async boom/);
    expect(lines.some((l) => l.msg === 'app stopped after failures; its flows were removed' && l.app === 'flaky')).toBe(true);
  });

  it('runs every() and the app clock on the controller clock, counts a throwing tick as a failure, and stops the timers with the app', async () => {
    const clock = new ManualClock({ startMs: 0 });
    const ticks: number[] = [];
    const later: number[] = [];
    const ticker: App = {
      name: 'ticker',
      description: 'ticks',
      start(ctx) {
        ctx.every(100, (now) => {
          ticks.push(now);
          if (ticks.length === 2) throw new Error('tick boom');
        });
        ctx.clock.after(250, () => later.push(ctx.now()));
        ctx.clock.after(5000, () => later.push(ctx.now()));
      },
    };
    const m = await manager(controller(), { clock, apps: [ticker], config: { enabled: ['ticker'], maxFailures: 5 } });
    clock.advance(300);
    expect(ticks).toEqual([100, 200, 300]);
    expect(later).toEqual([250]);
    expect(m.status('ticker')?.recentFailures).toBe(1);
    await m.disable('ticker');
    // The stored choice comes back on the change feed: the manager's debounced reload runs first.
    await clock.advanceAsync(75);
    expect(clock.pending).toBe(0);
    clock.advance(10_000);
    expect(ticks).toHaveLength(3);
    expect(later).toEqual([250]);
  });

  it('leaves an app whose start throws failed, without throwing, and with no flows', async () => {
    const ctrl = controller();
    const broken: App = { name: 'broken', description: 'cannot start', start() { throw new Error('no'); } };
    const m = await manager(ctrl, { apps: [broken], config: { enabled: ['broken'] } });
    expect(m.status('broken')).toMatchObject({ state: 'failed', lastError: 'start failed: no' });
  });
});

describe('app manager: run-time enable and disable', () => {
  it('enabling an app tells it about switches already connected; disabling removes its flows only', async () => {
    const ctrl = controller();
    const mk = (name: string, prio: number): App => {
      let c: AppContext | undefined;
      return {
        name,
        description: name,
        start(ctx) {
          c = ctx;
        },
        onSwitchConnected(e) {
          c!.flows.install(e.dpid, { priority: prio, match: [], actions: [{ type: 'output', port: OFPP.NORMAL }] });
        },
      };
    };
    const m = await manager(ctrl, { apps: [() => mk('one', 11), () => mk('two', 22)], config: { enabled: ['one'] } });
    const table = new FakeFlowTable();
    await connect(ctrl, m, table);
    expect(table.flows.map((f) => f.priority)).toEqual([11]);
    await m.enable('two');
    await waitFor(() => table.flows.length === 2);
    expect(table.flows.find((f) => f.priority === 22)!.cookie >> 48n).toBe(BigInt(ownerIdFor('two')));
    await m.disable('one');
    expect(table.flows.map((f) => f.priority)).toEqual([22]);
    expect(m.list().filter((s) => s.source !== 'builtin').map((s) => [s.name, s.state])).toEqual([
      ['one', 'stopped'],
      ['two', 'running'],
    ]);
    expect(m.list().filter((s) => s.source === 'builtin').every((s) => s.state === 'stopped')).toBe(true);
  });
});

describe('app manager: owned groups and meters', () => {
  it('tracks the groups and meters an app adds per switch, refuses to delete others, and deletes its own when it stops', async () => {
    const ctrl = controller();
    let ctx: AppContext | undefined;
    const app: App = { name: 'grp', description: 'grp', start: (c) => void (ctx = c) };
    const m = await manager(ctrl, { apps: [app], config: { enabled: ['grp'] } });
    const { sw } = await connect(ctrl, m, new FakeFlowTable());
    const c = ctx!;
    await c.groups.add(1n, 7, { groupType: 0, buckets: [{ weight: 0, watchPort: OFPP.ANY, watchGroup: 0xffffffff, actions: [{ type: 'output', port: 1 }] }] });
    await c.meters.add(1n, 3, { flags: 1, bands: [{ type: 'drop', rate: 100, burstSize: 0 }] });
    await c.meters.modify(1n, 4, { flags: 1, bands: [{ type: 'drop', rate: 50, burstSize: 0 }] });
    expect(c.groups.list(1n)).toEqual([7]);
    expect(c.meters.list(1n)).toEqual([3, 4]);
    expect(await c.groups.delete(1n, 99)).toBe(false);
    expect(await c.meters.delete(1n, 4)).toBe(true);
    const mods = (type: string) => sw.received.filter((x) => x.type === type) as unknown as { command: number; groupId?: number; meterId?: number }[];
    expect(mods('meter_mod').map((x) => [x.command, x.meterId])).toEqual([
      [0, 3],
      [1, 4],
      [2, 4],
    ]);
    await m.disable('grp');
    await waitFor(() => mods('group_mod').length === 2 && mods('meter_mod').length === 4);
    expect(mods('group_mod').map((x) => [x.command, x.groupId])).toEqual([
      [0, 7],
      [2, 7],
    ]);
    expect(mods('meter_mod').at(-1)).toMatchObject({ command: 2, meterId: 3 });
  });
});

describe('app settings', () => {
  it('overlays settings on the defaults and names the bad field', () => {
    const schema = {
      defaults: { n: 1, on: true, mode: 'a' },
      fields: { n: { type: 'number', integer: true, min: 0 }, on: { type: 'boolean' }, mode: { type: 'string', enum: ['a', 'b'] } },
    } as const;
    expect(resolveAppConfig('x', schema, { n: 5 })).toEqual({ n: 5, on: true, mode: 'a' });
    expect(() => resolveAppConfig('x', schema, { n: -1 })).toThrow(new AppConfigError('apps.settings.x.n', 'must be at least 0, got -1'));
    expect(() => resolveAppConfig('x', schema, { mode: 'c' })).toThrow(/apps\.settings\.x\.mode: expected one of a, b/);
    expect(() => resolveAppConfig('x', schema, { nn: 1 })).toThrow(/apps\.settings\.x\.nn: unknown setting/);
    expect(() => resolveAppConfig('x', schema, 3)).toThrow(/apps\.settings\.x: expected an object/);
  });

  it('refuses to start with an unknown app or a bad l2-learning setting', async () => {
    const ctrl = controller();
    const m1 = new AppManager({ bus: ctrl.bus, datapaths: ctrl.datapaths, log: ctrl.log, config: { enabled: ['nope'] } });
    await expect(m1.start()).rejects.toThrow(/unknown app "nope"/);
    const m2 = new AppManager({ bus: ctrl.bus, datapaths: ctrl.datapaths, log: ctrl.log, config: { enabled: ['l2-learning'], settings: { 'l2-learning': { idleTimeoutSec: 'long' } } } });
    await expect(m2.start()).rejects.toThrow(/apps\.settings\.l2-learning\.idleTimeoutSec: expected a number/);
  });
});

describe('app modules', () => {
  it('loads apps from a file path (default export, factory, or list) and reports a module without apps', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sbx-apps-'));
    await writeFile(join(dir, 'one.mjs'), "export default () => ({ name: 'from-file', description: 'd', start() {} });\n");
    await writeFile(join(dir, 'none.mjs'), 'export const x = 1;\n');
    const defs = await loadAppModule('./one.mjs', dir);
    expect(defs).toHaveLength(1);
    const ctrl = controller();
    const m = await manager(ctrl, { baseDir: dir, config: { enabled: ['from-file'], modules: ['./one.mjs'] } });
    expect(m.status('from-file')).toMatchObject({ state: 'running', source: './one.mjs' });
    await expect(loadAppModule('./none.mjs', dir)).rejects.toThrow(/exports no app/);
    await expect(loadAppModule('./missing.mjs', dir)).rejects.toThrow(/cannot load "\.\/missing\.mjs"/);
    await expect(loadAppModule('signalbox-no-such-package', dir)).rejects.toThrow(/cannot load/);
  });
});

describe('store and metrics', () => {
  it("keeps each app's keys in its own namespace and returns copies", async () => {
    const store = memoryAppStore();
    const a = new PrefixedStore(store, 'apps/a/');
    const b = new PrefixedStore(store, 'apps/b/');
    const v = { hosts: ['x'], n: 5n };
    await a.put('k', v);
    await a.put('k2', 1);
    await b.put('k', 'other');
    v.hosts.push('mutated');
    expect(await a.get('k')).toEqual({ hosts: ['x'], n: 5n });
    expect(await a.list()).toEqual([
      ['k', { hosts: ['x'], n: 5n }],
      ['k2', 1],
    ]);
    expect(await b.list()).toEqual([['k', 'other']]);
    expect(await a.del('k')).toBe(true);
    expect(await a.del('k')).toBe(false);
    expect(await store.list('apps/')).toHaveLength(2);
  });

  it('counts and observes under the app prefix', () => {
    const m = new MemoryMetrics();
    const s = m.scoped('app_x_');
    s.counter('packets_total').inc();
    s.counter('packets_total').inc(2);
    s.histogram('latency_seconds', '', [0.1, 1]).observe(0.5);
    const snap = m.snapshot();
    expect(snap.app_x_packets_total).toMatchObject({ kind: 'counter', value: 3 });
    expect(snap.app_x_latency_seconds).toMatchObject({ kind: 'histogram', count: 1, sum: 0.5, buckets: [{ le: 0.1, count: 0 }, { le: 1, count: 1 }, { le: Infinity, count: 1 }] });
  });
});

function frame(dst: string, src: string): Buffer {
  const b = Buffer.alloc(60);
  Buffer.from(dst.replace(/:/g, ''), 'hex').copy(b, 0);
  Buffer.from(src.replace(/:/g, ''), 'hex').copy(b, 6);
  b.writeUInt16BE(0x0800, 12);
  return b;
}

function sendPacketIn(sw: EmulatedSwitch, version: number, inPort: number, data: Buffer, bufferId = OFP_NO_BUFFER): void {
  if (version === 1) sw.send({ version: 1, type: 'packet_in', xid: 0, bufferId, totalLen: data.length, inPort, reason: 0, data });
  else sw.send({ version: 4, type: 'packet_in', xid: 0, bufferId, totalLen: data.length, reason: 0, tableId: 0, cookie: 0n, match: [{ field: 'in_port', value: inPort }], data });
}

describe.each([4, 1])('l2-learning app end to end on OpenFlow %s', (version) => {
  const H1 = '00:00:00:00:00:01';
  const H2 = '00:00:00:00:00:02';

  it('installs the table-miss flow, floods the unknown, then installs a learned flow and sends the packet on (a buffered one with the flow mod)', async () => {
    const ctrl = controller();
    const m = await manager(ctrl, { config: { enabled: ['l2-learning'] } });
    const table = new FakeFlowTable();
    const { sw } = await connect(ctrl, m, table, { versions: [version] });
    expect(table.flows).toHaveLength(1);
    expect(table.forward({ in_port: 1, eth_dst: H2, eth_src: H1 }).toController).toBe(true);
    const out1 = sw.next('packet_out');
    sendPacketIn(sw, version, 1, frame(H2, H1));
    const po1 = await out1;
    expect(po1.actions).toEqual([{ type: 'output', port: version === 1 ? 0xfffb : OFPP.FLOOD, maxLen: 0xffff }]);
    // A buffered packet that sets up a flow goes with the flow's ADD, as its buffer id: no packet-out.
    const fm = sw.next('flow_mod');
    sendPacketIn(sw, version, 2, frame(H1, H2), 42);
    expect(await fm).toMatchObject({ bufferId: 42 });
    await waitFor(() => table.flows.length === 2);
    expect(table.forward({ in_port: 2, eth_dst: H1, eth_src: H2 }).outputs).toEqual([1]);
    // A whole packet that sets up a flow: the flow, then a packet-out with the packet.
    const out3 = sw.next('packet_out');
    sendPacketIn(sw, version, 1, frame(H2, H1));
    expect(await out3).toMatchObject({ bufferId: OFP_NO_BUFFER, actions: [{ type: 'output', port: 2 }] });
    await waitFor(() => table.flows.length === 3);
    expect(sw.received.filter((x) => x.type === 'packet_out' && x.bufferId === 42)).toEqual([]);
    expect(m.flows.flows(1n).every((f) => f.owner === 'l2-learning')).toBe(true);
    // Disabling the app removes its flows from the switch.
    await m.disable('l2-learning');
    expect(table.flows).toHaveLength(0);
  });
});

describe('l2-learning with a topology', () => {
  it('floods out of the ports the topology gives, not OFPP_FLOOD', async () => {
    const ctrl = controller();
    const topology: TopologyService = {
      floodPorts: (_d, inPort) => [1, 3].filter((p) => p !== inPort),
      isEdgePort: () => true,
      isBlockedPort: () => false,
      treeSignature: () => '',
      snapshot: () => {
        throw new Error('no snapshot in this test');
      },
      fabricVersion: () => undefined,
    };
    const m = await manager(ctrl, { topology, config: { enabled: ['l2-learning'] } });
    const table = new FakeFlowTable();
    const { sw } = await connect(ctrl, m, table);
    const out = sw.next('packet_out');
    sendPacketIn(sw, 4, 1, frame('ff:ff:ff:ff:ff:ff', '00:00:00:00:00:01'));
    expect((await out).actions).toEqual([{ type: 'output', port: 3, maxLen: 0xffff }]);
    const seen: OfMessage[] = [];
    sw.on('message', (x) => seen.push(x));
    // The topology says: nothing to flood out of port 3 but port 1.
    sendPacketIn(sw, 4, 3, frame('ff:ff:ff:ff:ff:ff', '00:00:00:00:00:03'));
    await flush(20);
    expect(seen.filter((x) => x.type === 'packet_out').map((x) => (x as OfMessage & { type: 'packet_out' }).actions)).toEqual([[{ type: 'output', port: 1, maxLen: 0xffff }]]);
  });
});

describe('app manager: config get/put', () => {
  interface Knobs {
    readonly level: number;
    readonly mode: string;
  }
  /** An app that records the config of every start, optionally with a live reconfigure hook. */
  function knobApp(starts: Knobs[], live?: Knobs[]): App<Knobs> & { reconfigure?(c: Knobs): void } {
    return {
      name: 'knobs',
      description: 'records its config',
      config: {
        defaults: { level: 1, mode: 'a' },
        fields: { level: { type: 'number', integer: true, min: 0, max: 10 }, mode: { type: 'string', enum: ['a', 'b'] } },
      },
      start(c) {
        starts.push(c.config);
      },
      ...(live ? { reconfigure: (c: Knobs) => void live.push(c) } : {}),
    };
  }

  it('lays the override over the file settings, names the bad key, stores it and restarts the app; a new manager on the same store starts with it', async () => {
    const ctrl = controller();
    const store = memoryAppStore();
    const starts: Knobs[] = [];
    const opts = { store, config: { enabled: ['knobs'], settings: { knobs: { mode: 'b' } } } };
    const m = await manager(ctrl, { ...opts, apps: [() => knobApp(starts) as App<object>] });
    expect(m.getConfig('knobs')).toEqual({ level: 1, mode: 'b' });
    expect(m.getConfig('nope')).toBeUndefined();
    const bad = await m.setConfig('knobs', { level: 11 }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(AppConfigError);
    expect((bad as AppConfigError).key).toBe('level');
    await expect(m.setConfig('knobs', { colour: 'red' })).rejects.toThrow(/apps\.settings\.knobs\.colour/);
    await expect(m.setConfig('knobs', [1])).rejects.toThrow(AppConfigError);
    expect(starts).toHaveLength(1);
    expect(await m.setConfig('knobs', { level: 7 })).toEqual({ level: 7, mode: 'b' });
    // Restarted with the new config (no reconfigure hook).
    expect(starts.map((c) => c.level)).toEqual([1, 7]);
    expect(m.status('knobs')?.state).toBe('running');
    expect(await store.get('config/knobs')).toEqual({ level: 7 });
    await m.stop();

    const again: Knobs[] = [];
    const m2 = await manager(controller(), { ...opts, apps: [() => knobApp(again) as App<object>] });
    expect(again).toEqual([{ level: 7, mode: 'b' }]);
    expect(await m2.resetConfig('knobs')).toEqual({ level: 1, mode: 'b' });
    expect(again.map((c) => c.level)).toEqual([7, 1]);
    expect(await store.get('config/knobs')).toBeUndefined();
  });

  it('gives a running app with a reconfigure hook the new config without restarting it; a stopped app only stores it', async () => {
    const ctrl = controller();
    const starts: Knobs[] = [];
    const live: Knobs[] = [];
    const m = await manager(ctrl, { apps: [() => knobApp(starts, live) as App<object>], config: { enabled: ['knobs'] } });
    await m.setConfig('knobs', { mode: 'b' });
    expect(starts).toHaveLength(1);
    expect(live).toEqual([{ level: 1, mode: 'b' }]);
    await m.disable('knobs');
    await m.setConfig('knobs', { level: 3 });
    expect(live).toHaveLength(1);
    expect(m.status('knobs')?.state).toBe('stopped');
    await m.enable('knobs');
    expect(starts.at(-1)).toEqual({ level: 3, mode: 'a' });
  });

  it('starts without a stored override that no longer fits the schema, logs it, and keeps it stored', async () => {
    const store = memoryAppStore();
    await store.put('config/knobs', { level: 99 });
    const starts: Knobs[] = [];
    const { log, lines } = captureLog();
    await manager(controller(), { store, log, apps: [() => knobApp(starts) as App<object>], config: { enabled: ['knobs'] } });
    expect(starts).toEqual([{ level: 1, mode: 'a' }]);
    expect(lines.some((l) => l.app === 'knobs' && String(l.err).includes('apps.settings.knobs.level'))).toBe(true);
    expect(await store.get('config/knobs')).toEqual({ level: 99 });
  });

  it('applies an override another instance sets or deletes in the shared store, once, and ignores its own coming back', async () => {
    const store = memoryAppStore(); // one store, two instances (etcd in a cluster)
    const starts: Knobs[] = [];
    const live: Knobs[] = [];
    const otherStarts: Knobs[] = [];
    const clock = new ManualClock();
    const m = await manager(controller(), { store, clock, apps: [() => knobApp(starts, live) as App<object>], config: { enabled: ['knobs'] } });
    const other = await manager(controller(), { store, clock, apps: [() => knobApp(otherStarts) as App<object>], config: { enabled: ['knobs'] } });
    await other.setConfig('knobs', { level: 4 });
    // Reloads are debounced (75 ms).
    await clock.advanceUntil(() => live.length === 1, 75);
    expect(live).toEqual([{ level: 4, mode: 'a' }]);
    expect(m.getConfig('knobs')).toEqual({ level: 4, mode: 'a' });
    // The other instance's own change came back to it: not applied twice (one restart, no hook).
    await clock.advanceAsync(1000);
    expect(otherStarts.map((c) => c.level)).toEqual([1, 4]);
    expect(live).toHaveLength(1);
    await other.resetConfig('knobs');
    await clock.advanceUntil(() => live.length === 2, 75);
    expect(live[1]).toEqual({ level: 1, mode: 'a' });
    expect(starts).toHaveLength(1); // reconfigured live, never restarted
  });
});

describe('app manager: enable/disable stored', () => {
  /** An app that counts its starts and stops. */
  function counted(name: string, log: string[]): App {
    return { name, description: 'counts', start: () => void log.push(`start ${name}`), stop: () => void log.push(`stop ${name}`) };
  }

  it('wantedApps: the file\'s apps unless disabled, then those enabled through the API', () => {
    expect(wantedApps(['b', 'a'], new Map())).toEqual(['b', 'a']);
    expect(wantedApps(['b', 'a'], new Map([['a', false], ['z', true], ['c', true], ['b', true]]))).toEqual(['b', 'c', 'z']);
  });

  it('an enable or disable holds across a restart on the same store, over apps.enabled; stopping the manager stores nothing', async () => {
    const store = memoryAppStore();
    const log: string[] = [];
    const opts = { store, apps: [() => counted('one', log), () => counted('two', log)], config: { enabled: ['one'] } };
    const m = await manager(controller(), opts);
    expect(m.storedChoice('one')).toBeUndefined();
    await m.enable('two');
    await m.disable('one');
    expect(await store.get('enabled/two')).toBe(true);
    expect(await store.get('enabled/one')).toBe(false);
    await expect(m.enable('nope')).rejects.toThrow(/unknown app/);
    expect(await store.get('enabled/nope')).toBeUndefined();
    await m.stop();
    expect(await store.get('enabled/two')).toBe(true); // stopping is not disabling

    log.length = 0;
    const m2 = await manager(controller(), opts);
    expect(log).toEqual(['start two']);
    expect(m2.status('one')?.state).toBe('stopped');
    expect(m2.status('two')?.state).toBe('running');
    await m2.enable('one');
    await m2.stop();
    log.length = 0;
    await manager(controller(), opts);
    expect(log.sort()).toEqual(['start one', 'start two']);
  });

  it('an enable or disable on one instance holds on another that shares the store; its own echo changes nothing', async () => {
    const store = memoryAppStore(); // one store, two instances (etcd in a cluster)
    const clock = new ManualClock();
    const here: string[] = [];
    const there: string[] = [];
    const m = await manager(controller(), { store, clock, apps: [() => counted('one', here)], config: { enabled: [] } });
    const other = await manager(controller(), { store, clock, apps: [() => counted('one', there)], config: { enabled: [] } });
    await other.enable('one');
    await clock.advanceUntil(() => m.status('one')?.state === 'running', 75);
    expect(here).toEqual(['start one']);
    await clock.advanceAsync(1000);
    expect(there).toEqual(['start one']); // its own change came back: not started twice
    await m.disable('one');
    await clock.advanceUntil(() => other.status('one')?.state === 'stopped', 75);
    expect(there).toEqual(['start one', 'stop one']);
    expect(here).toEqual(['start one', 'stop one']);
  });
});

describe('app manager: packet service in cluster mode', () => {
  it('answers false for a switch another instance masters, without counting a failure', async () => {
    const sent: unknown[] = [];
    const dp = { dpid: 1n, connected: true, mastership: 'slave', packetOut: (s: unknown) => void sent.push(s) } as unknown as Datapath;
    let ctx: AppContext<object> | undefined;
    const ctrl = controller();
    const m = await manager(ctrl, { datapaths: new Map([[1n, dp]]), apps: [{ name: 'sender', description: 'sends', start: (c) => void (ctx = c) }], config: { enabled: ['sender'] } });
    const data = Buffer.alloc(60);
    expect(ctx!.packets.flood(1n, 1, OFP_NO_BUFFER, data)).toBe(false);
    expect(ctx!.packets.packetOut(1n, { inPort: OFPP.CONTROLLER, bufferId: OFP_NO_BUFFER, actions: [], data })).toBe(false);
    expect(sent).toEqual([]);
    (dp as { mastership: string }).mastership = 'master';
    expect(ctx!.packets.flood(1n, 1, OFP_NO_BUFFER, data)).toBe(true);
    expect(sent).toHaveLength(1);
    expect(m.status('sender')?.recentFailures).toBe(0);
  });
});

