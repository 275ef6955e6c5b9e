/** The flow rule service against real Open vSwitch: install, restart the controller, and prove the reconnect costs zero flow mods. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config.js';
import { Controller } from '../../src/controller.js';
import { OFPP } from '../../src/openflow/codec/constants.js';
import { AppManager } from '../../src/apps/manager.js';
import type { App, AppContext } from '../../src/core/app.js';
import { ownerCookie, ownerIdFor } from '../../src/flows/cookie.js';
import type { FlowRule } from '../../src/core/services.js';
import { cleanupAll, createBridge, ensureOvs, waitFor, type FlowDump, type OfProtocol } from '../harness/ovs.js';

beforeAll(async () => {
  await ensureOvs();
});

afterAll(async () => {
  await cleanupAll();
});

/** Flows that exercise comparison by meaning: masks, field order, maxLen, set-field, drop, a reactive one. */
function rules(of10: boolean): FlowRule[] {
  const r: FlowRule[] = [
    { priority: 0, match: [], actions: [{ type: 'output', port: OFPP.CONTROLLER, maxLen: 0xffff }] },
    { priority: 100, match: [{ field: 'eth_dst', value: '00:00:00:00:00:02' }, { field: 'in_port', value: 1 }], actions: [{ type: 'output', port: 2 }] },
    { priority: 110, match: [{ field: 'in_port', value: 2 }, { field: 'eth_type', value: 0x0800 }, { field: 'ipv4_dst', value: '10.0.0.0', mask: '255.255.255.0' }], actions: [{ type: 'output', port: 1, maxLen: 0 }] },
    { priority: 120, match: [{ field: 'eth_type', value: 0x0800 }, { field: 'ip_proto', value: 6 }, { field: 'tcp_dst', value: 22 }], actions: [] },
    { priority: 130, match: [{ field: 'eth_src', value: '0A:00:00:00:00:01' }], actions: [{ type: 'set_field', field: { field: 'eth_dst', value: '00:00:00:00:00:09' } }, { type: 'output', port: 2 }] },
    { priority: 140, idleTimeout: 300, match: [{ field: 'in_port', value: 1 }, { field: 'eth_dst', value: '00:00:00:00:00:05' }], actions: [{ type: 'output', port: 2 }] },
  ];
  if (!of10) {
    r.push({ tableId: 1, priority: 5, match: [{ field: 'vlan_vid', value: 0x1000 | 7 }], actions: [{ type: 'pop_vlan' }, { type: 'output', port: 1 }] });
  }
  for (let i = 0; i < 40; i++) {
    r.push({ priority: 200, match: [{ field: 'in_port', value: 1 }, { field: 'eth_dst', value: `00:00:00:00:01:${i.toString(16).padStart(2, '0')}` }], actions: [{ type: 'output', port: 2 }] });
  }
  return r;
}

function proactiveApp(of10: boolean): App {
  let ctx: AppContext | undefined;
  return {
    name: 'proactive-test',
    description: 'installs a fixed set of flows on every switch',
    start(c) {
      ctx = c;
    },
    onSwitchConnected(e) {
      for (const r of rules(of10)) ctx!.flows.install(e.dpid, r);
    },
  };
}

/** What must survive a restart unchanged: everything but the counters and ages. */
function stable(rows: readonly FlowDump[]): string[] {
  return rows.map((f) => `${f.cookie.toString(16)} t${f.table} p${f.priority} [${f.match}] idle=${f.idleTimeout} -> ${f.actions}`).sort();
}

async function startController(port: number, of10: boolean, app: App = proactiveApp(of10)): Promise<{ ctrl: Controller; apps: AppManager; port: number }> {
  const ctrl = new Controller(
    {
      ...defaultConfig,
      openflow: { ...defaultConfig.openflow, listen: [`127.0.0.1:${port}`] },
      apps: { ...defaultConfig.apps, enabled: [app.name] },
      flows: { ...defaultConfig.flows, reconcileIntervalMs: 0 },
    },
    undefined,
    { apps: [() => app] },
  );
  const bound = await ctrl.start();
  return { ctrl, apps: ctrl.apps!, port: bound.openflow[0]!.port };
}

describe.each<[OfProtocol, number]>([
  ['OpenFlow13', 0xf13],
  ['OpenFlow10', 0xf10],
])('flow service on Open vSwitch (%s)', (protocol, dpidNum) => {
  const dpid = BigInt(dpidNum);
  const of10 = protocol === 'OpenFlow10';

  it('installs every flow, and after a controller restart the bridge gets zero flow mods and keeps identical flows', async () => {
    const first = await startController(0, of10);
    const br = await createBridge({ protocols: [protocol], controllerPort: first.port, dpid, maxBackoffMs: 1000 });
    await br.addPort({ kind: 'internal' });
    await br.addPort({ kind: 'internal' });
    const n = rules(of10).length;
    const ours = (): number => first.apps.flows.flows(dpid).filter((f) => f.owner === 'proactive-test').length;
    await waitFor(async () => ours() === n && first.apps.flows.flows(dpid).every((f) => f.state === 'installed'), 15_000, 50);
    expect(first.apps.flows.flows(dpid).filter((f) => f.state === 'failed')).toEqual([]);
    const cookie = ownerCookie(ownerIdFor('proactive-test'));
    const before = await br.dumpFlows(protocol);
    // Ours, plus the controller's own LLDP flow (cookie 0x5b1d…, owner `topology` in the same flow service).
    expect(before.filter((f) => f.cookie === cookie)).toHaveLength(n);
    expect(before.filter((f) => f.cookie !== cookie && f.cookie >> 48n !== 0x5b1dn).map((f) => f.raw)).toEqual([]);
    const system = before.length - n;
    expect(system).toBe(1);
    expect(first.apps.flows.flows(dpid)).toHaveLength(n + system);

    // Restart: the old controller goes away without its apps removing anything (a crash or an upgrade).
    first.apps.flows.stop();
    await first.ctrl.stop();
    const second = await startController(first.port, of10);
    try {
      await waitFor(async () => second.ctrl.datapaths.has(dpid) && !second.apps.flows.isSyncing(dpid) && second.apps.flows.counters.reconciles >= 1, 20_000, 50);
      await waitFor(async () => second.apps.flows.flows(dpid).every((f) => f.state === 'installed'), 5_000, 50);
      const c = second.apps.flows.counters;
      expect(c.flowModsSent).toBe(0);
      expect(c.reconcileFlowMods).toBe(0);
      expect(c.reconcileConfirmed).toBe(n + system);
      const dp = second.ctrl.datapaths.get(dpid)!;
      expect(dp.session.counters.messagesOut).toBeGreaterThan(0);
      const after = await br.dumpFlows(protocol);
      expect(stable(after)).toEqual(stable(before));

      // Drift: an operator deletes one of ours (FLOW_REMOVED: put back at once), adds one in our
      // cookie space and one of their own; reconciliation deletes the stray and keeps theirs.
      await br.ofctl('del-flows', ['--strict', 'priority=100,in_port=1,dl_dst=00:00:00:00:00:02'], protocol);
      await waitFor(async () => second.apps.flows.counters.restored === 1 && (await br.dumpFlows(protocol)).some((f) => f.priority === 100), 5_000, 50);
      await br.addFlow(`cookie=0x${cookie.toString(16)},priority=7,in_port=2,actions=drop`, protocol);
      await br.addFlow('cookie=0x99,priority=8,in_port=2,actions=drop', protocol);
      const rep = await second.apps.flows.reconcile(dpid);
      expect(rep).toMatchObject({ missing: 0, extraneous: 1, foreignKept: 1, confirmed: n + system, changed: 0, flowMods: 1 });
      const fixed = await br.dumpFlows(protocol);
      expect(stable(fixed.filter((f) => f.cookie === cookie))).toEqual(stable(before.filter((f) => f.cookie === cookie)));
      expect(fixed.some((f) => f.cookie === 0x99n)).toBe(true);
      const again = await second.apps.flows.reconcile(dpid);
      expect(again.flowMods).toBe(0);
    } finally {
      second.apps.flows.stop();
      await second.ctrl.stop();
      await br.destroy();
    }
  });

  it('a match deleted and installed again in one turn stays installed: the FLOW_REMOVED of the deleted flow, which arrives after, is not taken for the new one', async () => {
    let ctx: AppContext | undefined;
    const removed: string[] = [];
    const mover: App = {
      name: 'mover-test',
      description: 'moves one reactive flow by hand',
      start(c) {
        ctx = c;
        c.flows.on('removed', (_rec, why) => removed.push(why));
      },
    };
    const c = await startController(0, of10, mover);
    const br = await createBridge({ protocols: [protocol], controllerPort: c.port, dpid, maxBackoffMs: 1000 });
    try {
      await br.addPort({ kind: 'internal' });
      await br.addPort({ kind: 'internal' });
      await br.addPort({ kind: 'internal' });
      await waitFor(async () => c.ctrl.datapaths.has(dpid) && !c.apps.flows.isSyncing(dpid), 15_000, 50);
      // Reactive, as forwarding's and l2-learning's flows are: a deletion reported by the switch forgets it.
      const rule: FlowRule = { priority: 300, idleTimeout: 60, match: [{ field: 'in_port', value: 1 }, { field: 'eth_dst', value: '00:00:00:00:00:0a' }], actions: [{ type: 'output', port: 2 }] };
      const first = ctx!.flows.install(dpid, rule);
      await waitFor(async () => first.state === 'installed', 5_000, 20);
      const deletesBefore = c.apps.flows.counters.flowRemovedDelete + c.apps.flows.counters.flowRemovedUnknown;
      // The path moved: the old flow goes and the same match comes back with another port, in one turn.
      const gone = ctx!.flows.remove(dpid, rule);
      const moved = ctx!.flows.install(dpid, { ...rule, actions: [{ type: 'output', port: 3 }] });
      expect(await gone).toBe(true);
      await waitFor(async () => moved.state === 'installed', 5_000, 20);
      // Open vSwitch reports the deleted flow (reason DELETE): wait until that report has been read.
      await waitFor(async () => c.apps.flows.counters.flowRemovedDelete + c.apps.flows.counters.flowRemovedUnknown > deletesBefore, 5_000, 20);
      expect(removed).toEqual([]);
      expect(moved.state).toBe('installed');
      const ours = c.apps.flows.flows(dpid).filter((f) => f.owner === 'mover-test');
      expect(ours.map((f) => f.spec.actions)).toEqual([[{ type: 'output', port: 3 }]]);
      const onBridge = (await br.dumpFlows(protocol)).filter((f) => f.priority === 300);
      expect(onBridge.map((f) => f.actions)).toEqual(['output:3']);
    } finally {
      c.apps.flows.stop();
      await c.ctrl.stop();
      await br.destroy();
    }
  });
});
