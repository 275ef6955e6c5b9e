/**
 * The whole controller (topology with its LLDP flow, the default apps) against real Open vSwitch:
 * a bridge that reconnects already holding the right flows gets zero FLOW_MODs, whether the
 * controller restarted or the bridge dropped its connection, and its flow table stays as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config.js';
import { Controller } from '../../src/controller.js';
import { OFPT13 } from '../../src/openflow/codec/constants.js';
import { LLDP_FLOW_COOKIE } from '../../src/topology/lldp-flow.js';
import { cleanupAll, createBridge, ensureOvs, waitFor, type Bridge, type FlowDump, type OfProtocol } from '../harness/ovs.js';

beforeAll(async () => {
  await ensureOvs();
});

afterAll(async () => {
  await cleanupAll();
});

/** The product's wiring with the default apps (forwarding, proxy-arp), on `port` (0: any). */
async function startController(port: number): Promise<{ ctrl: Controller; port: number }> {
  const ctrl = new Controller({
    ...defaultConfig,
    openflow: { ...defaultConfig.openflow, listen: [`127.0.0.1:${port}`] },
    flows: { ...defaultConfig.flows, reconcileIntervalMs: 0 },
  });
  const bound = await ctrl.start();
  return { ctrl, port: bound.openflow[0]!.port };
}

/** Connected, first reconciliation done, every desired flow confirmed on the switch. */
async function settled(ctrl: Controller, dpid: bigint, reconciles: number): Promise<void> {
  await waitFor(async () => ctrl.datapaths.has(dpid) && !ctrl.flows!.isSyncing(dpid) && ctrl.flows!.counters.reconciles >= reconciles, 20_000, 50);
  await waitFor(async () => ctrl.flows!.flows(dpid).length > 0 && ctrl.flows!.flows(dpid).every((f) => f.state === 'installed'), 10_000, 50);
}

/** FLOW_MODs the controller wrote on the switch's current session (OFPT_FLOW_MOD is 14 in 1.0 and 1.3). */
function flowModsSent(ctrl: Controller, dpid: bigint): number {
  return ctrl.datapaths.get(dpid)!.session.counters.outByType[OFPT13.FLOW_MOD]!;
}

/** What must survive a reconnect unchanged: everything but the counters and ages. */
function stable(rows: readonly FlowDump[]): string[] {
  return rows.map((f) => `${f.cookie.toString(16)} t${f.table} p${f.priority} [${f.match}] idle=${f.idleTimeout} hard=${f.hardTimeout} -> ${f.actions}`).sort();
}

describe.each<[OfProtocol, number]>([
  ['OpenFlow13', 0xc13],
  ['OpenFlow10', 0xc10],
])('reconnecting with the right flows (%s)', (protocol, dpidNum) => {
  const dpid = BigInt(dpidNum);

  it('costs zero FLOW_MODs after a controller restart and after the bridge reconnects, LLDP flow included', async () => {
    const first = await startController(0);
    let firstRunning = true;
    let second: Controller | undefined;
    let br: Bridge | undefined;
    try {
      br = await createBridge({ protocols: [protocol], controllerPort: first.port, dpid, maxBackoffMs: 1000 });
      await br.addPort({ kind: 'internal' });
      await br.addPort({ kind: 'internal' });
      await settled(first.ctrl, dpid, 1);
      // The controller's own LLDP flow goes through the flow service, with the apps' flows.
      const owners = new Set(first.ctrl.flows!.flows(dpid).map((f) => f.owner));
      expect(owners.has('topology') && owners.has('forwarding')).toBe(true);
      const before = await br.dumpFlows(protocol);
      expect(before.filter((f) => f.cookie === LLDP_FLOW_COOKIE)).toHaveLength(1);
      expect(before).toHaveLength(first.ctrl.flows!.flows(dpid).length);
      // The counter sees flow mods: the first connect installed every flow.
      expect(flowModsSent(first.ctrl, dpid)).toBeGreaterThanOrEqual(before.length);

      // Restart: the old controller goes away, its flows stay on the bridge; a new one takes its port.
      await first.ctrl.stop();
      firstRunning = false;
      second = (await startController(first.port)).ctrl;
      await settled(second, dpid, 1);
      expect(second.flows!.counters).toMatchObject({ flowModsSent: 0, reconcileFlowMods: 0, reconcileConfirmed: before.length });
      expect(flowModsSent(second, dpid)).toBe(0);
      expect(stable(await br.dumpFlows(protocol))).toEqual(stable(before));

      // The connection drops and the bridge comes back to the same controller by itself. (Not
      // `del-controller`: OVS flushes its flow table when it loses its last controller target.)
      const session = second.datapaths.get(dpid)!.session;
      session.close('test: connection lost');
      await waitFor(async () => second!.datapaths.get(dpid)?.session !== undefined && second!.datapaths.get(dpid)?.session !== session, 15_000, 50);
      await settled(second, dpid, 2);
      expect(second.datapaths.get(dpid)!.session).not.toBe(session);
      expect(flowModsSent(second, dpid)).toBe(0);
      expect(second.flows!.counters.flowModsSent).toBe(0);
      expect(stable(await br.dumpFlows(protocol))).toEqual(stable(before));
    } finally {
      await second?.stop();
      if (firstRunning) await first.ctrl.stop();
      await br?.destroy();
    }
  });
});
