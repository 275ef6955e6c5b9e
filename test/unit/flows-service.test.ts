import { duplexPair } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { Controller } from '../../src/controller.js';
import { defaultConfig } from '../../src/config.js';
import { OFP_NO_BUFFER, OFPET, OFPFMFC, OFPP } from '../../src/openflow/codec/constants.js';
import type { OfMessage } from '../../src/openflow/codec/index.js';
import { OFPRR } from '../../src/openflow/codec/v13/enums.js';
import type { Datapath } from '../../src/openflow/datapath.js';
import { Session } from '../../src/openflow/session.js';
import { EmulatedSwitch, type EmulatedSwitchOptions } from '../fakes/emulated-switch.js';
import { AwaitedRemovals, FlowService } from '../../src/flows/service.js';
import type { FlowRemovedReason, FlowRule } from '../../src/core/services.js';
import type { FlowsConfig } from '../../src/flows/config.js';
import { ownerCookie, ownerIdFor, OWNER_COOKIE_MASK, STATIC_OWNER_ID, SYSTEM_OWNER_ID } from '../../src/flows/cookie.js';
import { bindFlowTable, FakeFlowTable, sendFlowRemoved } from '../fakes/fake-flow-table.js';
import { flush, flushUntil } from '../fakes/flush.js';
import { captureLog } from '../fakes/capture-log.js';
import type { Logger } from 'pino';
import { EventBus } from '../../src/core/events.js';
import type { FlowSpec } from '../../src/core/model.js';
import { flowModToVia } from '../fakes/flow-mod-to.js';

interface Rig {
  ctrl: Controller;
  flows: FlowService;
}

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function rig(config: Partial<FlowsConfig> = {}, log?: Logger): Rig {
  const ctrl = new Controller({ ...defaultConfig, openflow: { ...defaultConfig.openflow, echoIntervalMs: 0 } });
  const flows = new FlowService({ bus: ctrl.bus, datapaths: ctrl.datapaths, config: { reconcileIntervalMs: 0, ...config }, log: log ?? ctrl.log });
  flows.start();
  cleanups.push(() => flows.stop());
  return { ctrl, flows };
}

/** Connects an emulated switch backed by `table` and resolves with its Datapath once the flow service has synced it. */
async function connect(r: Rig, table: FakeFlowTable, opts: EmulatedSwitchOptions = {}): Promise<{ sw: EmulatedSwitch; dp: Datapath }> {
  const [a, b] = duplexPair();
  const dpid = opts.dpid ?? 1n;
  const up = new Promise<Datapath>((resolve) => {
    const on = (e: { dpid: bigint }): void => {
      if (e.dpid !== dpid) return;
      r.ctrl.bus.off('switchConnected', on);
      resolve(r.ctrl.datapaths.get(e.dpid)!);
    };
    r.ctrl.bus.on('switchConnected', on);
  });
  r.ctrl.attach(new Session(a, { ...defaultConfig.openflow, echoIntervalMs: 0 }));
  const sw = new EmulatedSwitch(b, { dpid, ...opts });
  bindFlowTable(sw, table);
  const dp = await up;
  cleanups.push(() => dp.session.close('test over'));
  await waitFor(() => !r.flows.isSyncing(dpid));
  return { sw, dp };
}

/** The switches are in memory and nothing here waits on a timer: let them answer until `cond` holds. */
const waitFor = (cond: () => boolean): Promise<void> => flushUntil(cond);

function flowMods(sw: EmulatedSwitch): (OfMessage & { type: 'flow_mod' })[] {
  return sw.received.filter((m): m is OfMessage & { type: 'flow_mod' } => m.type === 'flow_mod');
}

function macRule(i: number, port = 2, idleTimeout = 0): FlowRule {
  return {
    priority: 10,
    idleTimeout,
    match: [{ field: 'in_port', value: 1 }, { field: 'eth_dst', value: `00:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}` }],
    actions: [{ type: 'output', port }],
  };
}

describe('the removals a switch owes for our deletes', () => {
  it('takes one report per delete, whether it comes before or after the confirmation; an unreported one lapses 2 s after it', () => {
    const a = new AwaitedRemovals();
    a.expect('k');
    a.expect('k');
    expect(a.take('k', 0)).toBe(true);
    a.settled('k', 10);
    a.settled('k', 20);
    expect(a.take('k', 500)).toBe(true);
    expect(a.take('k', 600)).toBe(false);
    // A delete that removed nothing: no report comes, and after the grace a report is news again.
    a.expect('j');
    a.settled('j', 1_000);
    expect(a.take('other', 2_999)).toBe(false);
    a.expect('i');
    a.settled('i', 2_999);
    expect(a.take('j', 3_000)).toBe(false);
    expect(a.take('i', 3_000)).toBe(true);
  });
});

describe.each([4, 1])('flow service on OpenFlow %s', (version) => {
  const swOpts: EmulatedSwitchOptions = { versions: [version] };

  it('installs a batch confirmed by one barrier, with the owner cookie, and tracks each flow as installed', async () => {
    const r = rig();
    const table = new FakeFlowTable();
    const { sw } = await connect(r, table, swOpts);
    const app = r.flows.scope('l2-learning');
    const results = await app.installAll(1n, Array.from({ length: 50 }, (_, i) => macRule(i)));
    expect(results.map((x) => x.state)).toEqual(Array(50).fill('installed'));
    expect(table.flows).toHaveLength(50);
    expect(table.flows.every((f) => f.cookie === ownerCookie(ownerIdFor('l2-learning')))).toBe(true);
    expect(flowMods(sw)).toHaveLength(50);
    expect(sw.received.filter((m) => m.type === 'barrier_request').length).toBeLessThanOrEqual(2);
    expect(table.forward({ in_port: 1, eth_dst: '00:00:00:00:00:07' }).outputs).toEqual([2]);
    // The same flow again is a duplicate: no flow mod.
    app.install(1n, macRule(7));
    await flush(20);
    expect(flowMods(sw)).toHaveLength(50);
    expect(r.flows.counters.duplicates).toBe(1);
    // A rule's own low bits go under the owner's.
    expect((await app.installAll(1n, [{ ...macRule(60), cookie: 0x2an }]))[0]!.state).toBe('installed');
    expect(table.flows.filter((f) => f.cookie === ownerCookie(ownerIdFor('l2-learning'), 0x2an))).toHaveLength(1);
    expect(app.cookie(0x2an)).toBe(ownerCookie(ownerIdFor('l2-learning'), 0x2an));
  });

  it('reports a rejected flow with the switch error and installs the rest of the batch', async () => {
    const r = rig();
    const table = new FakeFlowTable();
    await connect(r, table, {
      ...swOpts,
      rejectFlowMod: (m) => (m.type === 'flow_mod' && m.command === 0 && m.priority === 13 ? { errType: OFPET.FLOW_MOD_FAILED, code: OFPFMFC.TABLE_FULL } : undefined),
    });
    const app = r.flows.scope('app-a');
    const failed: string[] = [];
    app.on('failed', (rec) => failed.push(rec.key));
    const rules = [macRule(1), { ...macRule(2), priority: 13 }, macRule(3)];
    const results = await app.installAll(1n, rules);
    expect(results.map((x) => x.state)).toEqual(['installed', 'failed', 'installed']);
    expect(results[1]!.error).toMatchObject({ errType: OFPET.FLOW_MOD_FAILED, code: OFPFMFC.TABLE_FULL, message: 'OFPET_FLOW_MOD_FAILED/OFPFMFC_TABLE_FULL' });
    expect(failed).toEqual([results[1]!.record.key]);
    expect(table.flows).toHaveLength(2);
    expect(r.flows.counters.installFailed).toBe(1);
  });

  /** A rig with one switch and the scope `app-a`, whose 'removed' reasons are collected. */
  async function watchedScope(): Promise<{ r: Rig; table: FakeFlowTable; sw: EmulatedSwitch; app: ReturnType<FlowService['scope']>; removed: FlowRemovedReason[] }> {
    const r = rig();
    const table = new FakeFlowTable();
    const { sw } = await connect(r, table, swOpts);
    const app = r.flows.scope('app-a');
    const removed: FlowRemovedReason[] = [];
    app.on('removed', (_rec, why) => removed.push(why));
    return { r, table, sw, app, removed };
  }

  it('forgets a reactive flow when the switch reports its idle timeout, and tells the owner', async () => {
    const { r, table, sw, app, removed } = await watchedScope();
    await app.installAll(1n, [macRule(1, 2, 10), macRule(2, 2, 0)]);
    for (const n of table.expire(10_000)) sendFlowRemoved(sw, version, n, 10_000);
    await waitFor(() => removed.length === 1);
    expect(removed).toEqual(['idle_timeout']);
    expect(app.list(1n)).toHaveLength(1);
    expect(r.flows.counters.flowRemovedIdle).toBe(1);
  });

  it('a FLOW_REMOVED answering its own delete does not forget the flow filed again under that match since', async () => {
    const { r, table, sw, app, removed } = await watchedScope();
    const rule = macRule(1, 2, 10);
    await app.installAll(1n, [rule]);
    // A path moved: the old flow is deleted and the same match installed again in one turn. The
    // switch reports the old flow's removal (reason DELETE) after the new one was filed.
    const gone = app.remove(1n, rule);
    const again = app.install(1n, { ...rule, actions: [{ type: 'output', port: 3 }] });
    expect(await gone).toBe(true);
    await waitFor(() => again.state === 'installed');
    await flush();
    expect(r.flows.counters.flowRemovedDelete + r.flows.counters.flowRemovedUnknown).toBe(1);
    expect(removed).toEqual([]);
    expect(app.list(1n).map((f) => f.spec.actions)).toEqual([[{ type: 'output', port: 3 }]]);
    expect(table.flows).toHaveLength(1);
    // Once that delete is confirmed, a deletion reported for the new flow is news again.
    for (const n of table.apply({ command: 'delete', tableId: 0xff, match: [] })) sendFlowRemoved(sw, version, n, 0);
    await waitFor(() => removed.length === 1);
    expect(removed).toEqual(['deleted']);
    expect(app.list(1n)).toEqual([]);
  });

  // 1.0's flow stats carry no flags: there every flow a reconciliation deletes is taken to report.
  it.runIf(version === 4)('a flow a reconciliation deleted without SEND_FLOW_REM owes no report: a deletion of the flow filed under its match since is news at once', async () => {
    const { r, table, sw, app, removed } = await watchedScope();
    // A stray flow in our cookie space, without SEND_FLOW_REM: the reconciliation deletes it.
    const rule = macRule(7, 2, 30);
    table.apply({ priority: 10, cookie: app.cookie(), match: rule.match, actions: [{ type: 'output', port: 9 }] });
    expect((await r.flows.reconcile(1n)).extraneous).toBe(1);
    // The app wants that match now (reactive: the switch reports its removal), and someone deletes it at once.
    await app.installAll(1n, [rule]);
    expect(app.list(1n).map((f) => f.state)).toEqual(['installed']);
    for (const n of table.apply({ command: 'delete', tableId: 0xff, match: [] })) sendFlowRemoved(sw, version, n, 0);
    await waitFor(() => removed.length === 1);
    expect(removed).toEqual(['deleted']);
  });

  it('puts back a permanent flow someone else deleted', async () => {
    const r = rig();
    const table = new FakeFlowTable();
    const { sw } = await connect(r, table, swOpts);
    const app = r.flows.scope('app-a');
    await app.installAll(1n, [macRule(1)]);
    const gone = table.apply({ command: 'delete', tableId: 0xff, match: [] });
    expect(table.flows).toHaveLength(0);
    for (const n of gone) sendFlowRemoved(sw, version, n, 0);
    await waitFor(() => table.flows.length === 1);
    expect(r.flows.counters.restored).toBe(1);
  });

  it("removes all of an owner's flows when it stops, and nobody else's", async () => {
    const r = rig();
    const table = new FakeFlowTable();
    const { sw } = await connect(r, table, swOpts);
    const a = r.flows.scope('app-a');
    const b = r.flows.scope('app-b');
    await a.installAll(1n, [macRule(1), macRule(2), macRule(3)]);
    await b.installAll(1n, [{ ...macRule(4), priority: 20 }]);
    table.apply({ priority: 5, cookie: 0n, match: [], actions: [{ type: 'output', port: OFPP.NORMAL }] }); // an operator's flow
    const before = flowMods(sw).length;
    await a.removeAll();
    expect(table.flows.map((f) => f.priority).sort()).toEqual([20, 5]);
    expect(a.list()).toEqual([]);
    const deletes = flowMods(sw).slice(before);
    if (version === 4) {
      // One cookie-masked delete, never a table wipe.
      expect(deletes).toHaveLength(1);
      expect(deletes[0]).toMatchObject({ command: 3, cookie: a.cookie(), cookieMask: OWNER_COOKIE_MASK });
    } else {
      expect(deletes.map((d) => d.command)).toEqual([4, 4, 4]);
    }
  });

  it('reconciles: re-adds missing flows, fixes changed ones, deletes extraneous ones in its own cookie space, leaves others alone; its log line names each flow sent and why', async () => {
    const { log, lines } = captureLog();
    const r = rig({}, log);
    const table = new FakeFlowTable();
    const { sw } = await connect(r, table, swOpts);
    const a = r.flows.scope('app-a');
    await a.installAll(1n, [macRule(1), macRule(2), macRule(3)]);
    // Drift: one flow lost, one changed, one stray of ours, one of an operator, one of an unknown owner.
    table.apply({ command: 'delete_strict', priority: 10, match: macRule(1).match, cookie: 0n, cookieMask: 0n });
    table.apply({ priority: 10, cookie: a.cookie(), match: macRule(2).match, actions: [{ type: 'output', port: 9 }] });
    table.apply({ priority: 10, cookie: a.cookie(5n), match: macRule(99).match, actions: [{ type: 'output', port: 3 }] });
    table.apply({ priority: 1, cookie: 0n, match: [], actions: [{ type: 'output', port: OFPP.NORMAL }] });
    table.apply({ priority: 2, cookie: ownerCookie(0x4242), match: [{ field: 'in_port', value: 3 }], actions: [] });
    const before = flowMods(sw).length;
    const rep = await r.flows.reconcile(1n);
    expect(rep).toMatchObject({ missing: 1, changed: 1, extraneous: 1, confirmed: 1, foreignKept: 2, flowMods: 3 });
    expect(flowMods(sw).length - before).toBe(3);
    expect(table.forward({ in_port: 1, eth_dst: '00:00:00:00:00:01' }).outputs).toEqual([2]);
    expect(table.forward({ in_port: 1, eth_dst: '00:00:00:00:00:02' }).outputs).toEqual([2]);
    expect(table.forward({ in_port: 1, eth_dst: '00:00:00:00:00:63' }).outputs).toEqual([OFPP.NORMAL]);
    expect(table.flows).toHaveLength(5);
    // Which flows, whose and why (a failover that should cost nothing says what it cost).
    const logged = lines.filter((l) => l.msg === 'reconciled switch');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ dpid: '0000000000000001', flowMods: 3 });
    expect(logged[0]!.flows).toEqual([
      'delete extraneous app-a 0/10/in_port=1,eth_dst=00:00:00:00:00:63',
      'add missing app-a 0/10/in_port=1,eth_dst=00:00:00:00:00:01',
      'add changed app-a 0/10/in_port=1,eth_dst=00:00:00:00:00:02',
    ]);
    // Now right: a second pass sends nothing.
    const again = await r.flows.reconcile(1n);
    expect(again).toMatchObject({ flowMods: 0, confirmed: 3, foreignKept: 2 });
    expect(flowMods(sw).length - before).toBe(3);
  });

  it('deletes other owners\' flows too when configured, but never the system (LLDP) flow', async () => {
    const r = rig({ foreignFlows: 'delete' });
    const table = new FakeFlowTable();
    await connect(r, table, swOpts);
    const a = r.flows.scope('app-a');
    await a.installAll(1n, [macRule(1)]);
    table.apply({ priority: 1, cookie: 0n, match: [], actions: [{ type: 'output', port: OFPP.NORMAL }] });
    table.apply({ priority: 65000, cookie: 0x5b1d_0000_0000_0001n, match: [{ field: 'eth_type', value: 0x88cc }], actions: [{ type: 'output', port: OFPP.CONTROLLER }] });
    const rep = await r.flows.reconcile(1n);
    expect(rep).toMatchObject({ foreignDeleted: 1, foreignKept: 1, confirmed: 1 });
    expect(table.flows.map((f) => f.priority).sort((x, y) => x - y)).toEqual([10, 65000]);
  });

  it('a switch that reconnects to a restarted controller with the right flows gets zero flow mods', async () => {
    const table = new FakeFlowTable();
    const declare = (r: Rig): void => {
      const a = r.flows.scope('app-a');
      r.ctrl.bus.on('switchConnected', (e) => {
        a.install(e.dpid, { priority: 0, match: [], actions: [{ type: 'output', port: OFPP.CONTROLLER, maxLen: 0xffff }] });
        for (let i = 0; i < 20; i++) a.install(e.dpid, macRule(i, 3));
      });
    };
    const r1 = rig();
    declare(r1);
    const first = await connect(r1, table, swOpts);
    await waitFor(() => r1.flows.flows(1n).every((f) => f.state === 'installed'));
    expect(table.flows).toHaveLength(21);
    // Learned (reactive) flows survive too.
    await r1.flows.scope('app-a').installAll(1n, [macRule(500, 2, 60)]);
    first.sw.close();
    first.dp.session.close('controller restart');

    const r2 = rig();
    declare(r2);
    const second = await connect(r2, table, swOpts);
    await waitFor(() => r2.flows.flows(1n).every((f) => f.state === 'installed'));
    await flush(20);
    expect(flowMods(second.sw)).toHaveLength(0);
    expect(r2.flows.counters).toMatchObject({ reconcileFlowMods: 0, reconcileConfirmed: 21, reconcileAdopted: 1, flowModsSent: 0 });
    expect(r2.flows.flows(1n)).toHaveLength(22);
  });
});

describe('flow service, switch side unchanged', () => {
  it('re-adds desired flows after a switch lost its table, and drops reactive ones that were on it', async () => {
    const r = rig();
    const table = new FakeFlowTable();
    const first = await connect(r, table);
    const a = r.flows.scope('app-a');
    await a.installAll(1n, [macRule(1), macRule(2, 2, 30)]);
    first.sw.close();
    await waitFor(() => !r.ctrl.datapaths.has(1n));
    table.flows = []; // the switch rebooted
    const second = await connect(r, table);
    await waitFor(() => a.list(1n).every((f) => f.state === 'installed'));
    expect(flowMods(second.sw)).toHaveLength(1);
    expect(a.list(1n)).toHaveLength(1);
    expect(r.flows.counters).toMatchObject({ reconcileMissing: 1, reconcileForgotten: 1 });
  });

  it('names the owner of a cookie: an owner with a scope here, system and static; nobody for cookie 0 or an unknown id', () => {
    const r = rig();
    r.flows.scope('app-a');
    expect(r.flows.ownerOfCookie(ownerCookie(r.flows.ownerId('app-a'), 7n))).toBe('app-a');
    expect(r.flows.ownerOfCookie(ownerCookie(SYSTEM_OWNER_ID, 1n))).toBe('system');
    expect(r.flows.ownerOfCookie(ownerCookie(STATIC_OWNER_ID))).toBe('static');
    expect(r.flows.ownerOfCookie(0n)).toBeUndefined();
    expect(r.flows.ownerOfCookie(ownerCookie(r.flows.ownerId('app-b')))).toBeUndefined();
  });

  it('refuses a flow whose identity another owner holds', async () => {
    const r = rig();
    const table = new FakeFlowTable();
    await connect(r, table);
    await r.flows.scope('app-a').installAll(1n, [macRule(1)]);
    const [res] = await r.flows.scope('app-b').installAll(1n, [macRule(1, 5)]);
    expect(res!.state).toBe('failed');
    expect(res!.error?.message).toMatch(/held by owner "app-a"/);
    expect(table.forward({ in_port: 1, eth_dst: '00:00:00:00:00:01' }).outputs).toEqual([2]);
  });

  it('sends nothing to a switch another instance masters, and installs what it kept once it becomes master', async () => {
    const r = rig();
    const table = new FakeFlowTable();
    const { dp } = await connect(r, table);
    await dp.claimRole('slave', 1n);
    expect(dp.mastership).toBe('slave');
    const a = r.flows.scope('app-a');
    const sent = r.flows.counters.flowModsSent;
    const rec = a.install(1n, macRule(1, 2));
    expect(a.removeMatching(1n, [{ field: 'eth_dst', value: '00:00:00:00:00:09' }])).toBe(0);
    await flush(20);
    expect(rec.state).toBe('pending');
    expect(r.flows.counters.flowModsSent).toBe(sent);
    expect(table.forward({ in_port: 1, eth_dst: '00:00:00:00:00:01' }).outputs).toEqual([]);
    await dp.claimRole('master', 2n);
    // The cluster service announces the new term on the bus; the flow service reconciles.
    r.ctrl.bus.emit('mastershipChanged', { dpid: 1n, role: 'master', generationId: 2n });
    await waitFor(() => rec.state === 'installed');
    expect(table.forward({ in_port: 1, eth_dst: '00:00:00:00:00:01' }).outputs).toEqual([2]);
  });

  it('sends every desired flow to a connecting switch whose table it cannot read, and logs which', async () => {
    const { log, lines } = captureLog();
    const bus = new EventBus();
    const sent: FlowSpec[] = [];
    const dp = {
      dpid: 1n,
      dpidHex: '0000000000000001',
      version: 4,
      connected: true,
      mastership: 'standalone',
      flowStats: () => Promise.reject(new Error('the switch answered flow stats with an error')),
      flowModTo: flowModToVia((spec: FlowSpec) => {
        sent.push(spec);
        return Promise.resolve();
      }),
    } as unknown as Datapath;
    const flows = new FlowService({ bus, datapaths: new Map([[1n, dp]]), config: { reconcileIntervalMs: 0 }, log });
    // Connected: the flow waits for the connect reconciliation's table read.
    flows.start();
    const rec = flows.scope('app-a').install(1n, macRule(1));
    expect(sent).toEqual([]);
    await flushUntil(() => rec.state === 'installed');
    expect(sent.map((s) => s.match)).toEqual([macRule(1).match]);
    expect(flows.counters.reconcileErrors).toBe(1);
    expect(lines.find((l) => l.msg === 'sending every desired flow without a table read')).toMatchObject({ dpid: '0000000000000001', flowMods: 1, flows: ['add unread app-a 0/10/in_port=1,eth_dst=00:00:00:00:00:01'] });
    flows.stop();
  });

  it('tells whether a record is still the desired flow: not after a replace, a removal or a refusal', async () => {
    const r = rig();
    const table = new FakeFlowTable();
    await connect(r, table);
    const a = r.flows.scope('app-a');
    const first = a.install(1n, macRule(1, 2));
    expect(a.isCurrent(first)).toBe(true);
    expect(a.install(1n, macRule(1, 2))).toBe(first); // same rule: same record
    const second = a.install(1n, macRule(1, 3));
    expect(a.isCurrent(first)).toBe(false);
    expect(a.isCurrent(second)).toBe(true);
    expect(r.flows.scope('app-b').isCurrent(second)).toBe(false);
    await a.remove(1n, macRule(1, 3));
    expect(a.isCurrent(second)).toBe(false);
    const refused = r.flows.scope('app-b').install(1n, macRule(4, 2));
    expect(a.isCurrent(refused)).toBe(false);
    expect(r.flows.scope('app-b').isCurrent(refused)).toBe(true);
    const held = a.install(1n, macRule(4, 5));
    expect(held.state).toBe('failed');
    expect(a.isCurrent(held)).toBe(false);
    // The same rule declared again after its record was replaced and removed: a new record is
    // current, the old ones stay superseded (each record's own standing, not its key's).
    const again = a.install(1n, macRule(1, 2));
    expect(again).not.toBe(first);
    expect(a.isCurrent(again)).toBe(true);
    expect(a.isCurrent(first)).toBe(false);
    expect(a.isCurrent(second)).toBe(false);
  });

  it("an ADD it sends carries a buffered packet-in's buffer id; a flow desired already or refused takes none; a re-send never carries one (1.3 and 1.0)", async () => {
    for (const version of [4, 1]) {
      const swOpts: EmulatedSwitchOptions = { versions: [version], dpid: BigInt(version) };
      const dpid = BigInt(version);
      const r = rig();
      const table = new FakeFlowTable();
      const first = await connect(r, table, swOpts);
      const a = r.flows.scope('app-a');
      const sent = { bufferId: 77, taken: false };
      a.install(dpid, macRule(1, 2), sent);
      expect(sent.taken).toBe(true);
      await waitFor(() => flowMods(first.sw).length === 1);
      expect(flowMods(first.sw)[0]!.bufferId).toBe(77);
      // The same flow again: nothing sent, so the caller must send its packet-out itself.
      const again = { bufferId: 78, taken: true };
      a.install(dpid, macRule(1, 2), again);
      expect(again.taken).toBe(false);
      // Another owner's flow of that identity is refused: nothing sent either.
      const refused = { bufferId: 79, taken: true };
      r.flows.scope('app-b').install(dpid, macRule(1, 3), refused);
      expect(refused.taken).toBe(false);
      // Without one, the ADD carries none.
      a.install(dpid, macRule(2, 2));
      await waitFor(() => flowMods(first.sw).length === 2);
      expect(flowMods(first.sw)[1]!.bufferId).toBe(OFP_NO_BUFFER);
      // The switch rebooted: the flows are re-sent without the buffer ids of their first ADDs.
      first.sw.close();
      await waitFor(() => !r.ctrl.datapaths.has(dpid));
      table.flows = [];
      const second = await connect(r, table, swOpts);
      await waitFor(() => a.list(dpid).every((f) => f.state === 'installed'));
      expect(flowMods(second.sw).map((m) => m.bufferId)).toEqual([OFP_NO_BUFFER, OFP_NO_BUFFER]);
    }
  });

  it('uses the FLOW_REMOVED reason: a hard timeout forgets, a delete of a reactive flow forgets', async () => {
    const r = rig();
    const table = new FakeFlowTable();
    const { sw } = await connect(r, table);
    const a = r.flows.scope('app-a');
    await a.installAll(1n, [{ ...macRule(1), hardTimeout: 5 }]);
    for (const n of table.expire(5_000)) sendFlowRemoved(sw, 4, n, 5_000);
    await waitFor(() => a.list(1n).length === 0);
    expect(r.flows.counters.flowRemovedHard).toBe(1);
    expect(OFPRR.HARD_TIMEOUT).toBe(1);
  });
});
