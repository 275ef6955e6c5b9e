/**
 * The built-in `packetin-meter` app: on each OpenFlow 1.3 switch with meter support, a meter with
 * a drop band caps what reaches the controller through a catch-all flow just above the
 * table-miss (Faucet's packetin_pps). The meter is added as soon as the switch connects, before
 * the flow that uses it; a switch that refuses it has its meter features read: 1.0 switches and
 * switches without usable meters are skipped and logged (the session's token bucket still caps
 * their packet-ins). The meter is the app's through its meter service, so it is deleted when the app stops,
 * after its flow. In a cluster only the switch's master writes: an instance that becomes master
 * later (a rebalance, a failover) sets the meter up then, before the flow service's
 * reconciliation can send the flow that uses it; the flow itself is declared on every instance,
 * so that reconciliation finds it wanted.
 */
import { NotMasterError, OfErrorReply } from '../../openflow/errors.js';
import { OFPET } from '../../openflow/codec/constants.js';
import { OFPMBT, OFPMF } from '../../openflow/codec/v13/enums.js';
import type { MeterFeaturesReply } from '../../openflow/codec/v13/multipart.js';
import { applyEffects, installs } from '../effects.js';
import type { SwitchView } from '../../core/services.js';
import type { App, AppContext } from '../../core/app.js';
import { meteredFlow, packetInMeterSchema, planMeter, type MeterPlan, type PacketInMeterConfig } from './logic.js';
import { dpidToHex } from '../../core/ids.js';

export { planMeter, meteredFlow, meterBands, defaultPacketInMeterConfig, packetInMeterSchema, type PacketInMeterConfig, type MeterPlan } from './logic.js';

/** OFPET_METER_MOD_FAILED / OFPMMFC_METER_EXISTS. */
const OFPMMFC_METER_EXISTS = 1;

/**
 * What a switch is taken to support before its meter features are read (those of Open vSwitch):
 * the meter goes out at once, and a switch that refuses it has its features read then.
 */
const ASSUME_METERS: MeterFeaturesReply = { type: 'meter_features', maxMeter: 1, bandTypes: 1 << OFPMBT.DROP, capabilities: OFPMF.PKTPS | OFPMF.BURST | OFPMF.STATS, maxBands: 1, maxColor: 0 };

/** True when two install plans write the same meter. */
function sameMeter(a: MeterPlan & { kind: 'install' }, b: MeterPlan & { kind: 'install' }): boolean {
  return a.meterId === b.meterId && a.flags === b.flags && JSON.stringify(a.bands) === JSON.stringify(b.bands);
}

/** The app with a view of what each switch got. */
export interface PacketInMeterApp extends App<PacketInMeterConfig> {
  /** Per switch (hex dpid): `metered`, or why it was skipped. */
  status(): Record<string, string>;
}

/** Makes the app. */
export function packetInMeterApp(): PacketInMeterApp {
  let ctx: AppContext<PacketInMeterConfig> | undefined;
  const state = new Map<bigint, string>();

  const features = async (c: AppContext<PacketInMeterConfig>, dpid: bigint): Promise<MeterFeaturesReply | undefined> => {
    try {
      const body = await c.devices.multipart(dpid, { type: 'meter_features' });
      return body.type === 'meter_features' ? body : undefined;
    } catch {
      return undefined;
    }
  };

  /** The plan of each connected switch (features are read on connect, as a slave too). */
  const plans = new Map<bigint, MeterPlan>();

  /** Adds the meter (taking over one left on the switch); the METER_MOD is written before this returns. */
  const addMeter = async (c: AppContext<PacketInMeterConfig>, dpid: bigint, plan: MeterPlan & { kind: 'install' }): Promise<'added' | 'not master' | Error> => {
    try {
      try {
        await c.meters.add(dpid, plan.meterId, plan);
      } catch (e) {
        // Left from an earlier run, or by the switch's previous master: make it what we want.
        if (!(e instanceof OfErrorReply && e.reply.errType === OFPET.METER_MOD_FAILED && e.reply.code === OFPMMFC_METER_EXISTS)) throw e;
        await c.meters.modify(dpid, plan.meterId, plan);
      }
      return 'added';
    } catch (e) {
      // The claim went to another instance while the add was held: not a failure of the app.
      if (e instanceof NotMasterError) return 'not master';
      if (e instanceof OfErrorReply) return e;
      throw e;
    }
  };

  const apply = async (c: AppContext<PacketInMeterConfig>, dp: SwitchView, plan: MeterPlan): Promise<void> => {
    if (plan.kind === 'skip') {
      // Declared on connect in case the switch had meters (see onSwitchConnected): withdraw it.
      if (dp.version >= 4) void c.flows.remove(dp.dpid, meteredFlow(c.config)).catch(() => undefined);
      state.set(dp.dpid, `skipped: ${plan.reason}`);
      c.log.info({ dpid: dp.dpidHex, reason: plan.reason }, 'packet-in meter skipped on this switch: the controller-side token bucket alone caps its packet-ins');
      return;
    }
    if (!c.devices.canWrite(dp.dpid)) {
      // Another instance masters it: that one has set the meter up; this one does when it becomes
      // master. The flow is declared here all the same (the flow service sends nothing to a slave),
      // as every app declares its flows on every instance: a takeover's reconciliation then finds
      // it wanted. Declared only in the mastership handler, after the meter's round trips, it came
      // after the table read, was deleted as nobody's flow and put back (three FLOW_MODs).
      void applyEffects(c, installs(dp.dpid, [plan.flow]));
      state.set(dp.dpid, 'mastered by another instance');
      return;
    }
    state.set(dp.dpid, 'metering');
    const outcome = await addMeter(c, dp.dpid, plan);
    if (outcome === 'not master') {
      state.set(dp.dpid, 'mastered by another instance');
      return;
    }
    if (outcome !== 'added') throw outcome;
    void applyEffects(c, installs(dp.dpid, [plan.flow]));
    state.set(dp.dpid, 'metered');
  };

  return {
    name: 'packetin-meter',
    description: 'Caps packet-ins per switch with an OpenFlow 1.3 meter (drop band) on a catch-all flow above the table-miss',
    config: packetInMeterSchema,

    start(c) {
      ctx = c;
      state.clear();
    },

    stop() {
      // The meters go with the app's meter service, after its flows.
      ctx = undefined;
      state.clear();
      plans.clear();
    },

    status: () => Object.fromEntries([...state].map(([d, s]) => [dpidToHex(d), s])),

    async onSwitchConnected(e) {
      const c = ctx;
      if (!c) return;
      const dp = c.devices.get(e.dpid);
      if (!dp) return;
      if (dp.version < 4 || !c.devices.canWrite(dp.dpid)) {
        // Nothing to write now (1.0, or another instance masters it): the plan is kept for a later mastership.
        const plan = planMeter(dp.version, dp.version >= 4 ? await features(c, dp.dpid) : undefined, c.config);
        plans.set(dp.dpid, plan);
        await apply(c, dp, plan);
        return;
      }
      // The meter add goes out now, in this handler, before the flow is declared and before the
      // connect reconciliation (which runs after the connect handlers) asks for the flow table:
      // the switch takes the meter before any flow that uses it. Waiting for the meter features
      // first let the flow go out first when both replies arrived in one read (OFPMMFC_INVALID_METER).
      const wanted = planMeter(dp.version, ASSUME_METERS, c.config);
      if (wanted.kind !== 'install') throw new Error(`packet-in meter plan: ${wanted.reason}`);
      state.set(dp.dpid, 'metering');
      const added = addMeter(c, dp.dpid, wanted);
      // Declared before the reconciliation reads the table, so a switch that kept it from an
      // earlier run gets no flow mod after a restart.
      void applyEffects(c, installs(dp.dpid, [wanted.flow]));
      const outcome = await added;
      if (outcome === 'added') {
        plans.set(dp.dpid, wanted);
        state.set(dp.dpid, 'metered');
        return;
      }
      if (outcome === 'not master') {
        plans.set(dp.dpid, wanted);
        state.set(dp.dpid, 'mastered by another instance');
        return;
      }
      // Refused: a switch without (usable) meters, or one that wants other flags. Its features say
      // which; without a meter the session's token bucket (openflow.packetInRatePps) caps packet-ins.
      const plan = planMeter(dp.version, await features(c, dp.dpid), c.config);
      plans.set(dp.dpid, plan);
      if (plan.kind === 'install' && !sameMeter(plan, wanted)) {
        await apply(c, dp, plan);
        return;
      }
      const skip: MeterPlan = plan.kind === 'skip' ? plan : { kind: 'skip', reason: `the switch refused the meter (${outcome.message})` };
      plans.set(dp.dpid, skip);
      await apply(c, dp, skip);
    },

    async onMastershipChanged(e) {
      const c = ctx;
      const plan = plans.get(e.dpid);
      const dp = c?.devices.get(e.dpid);
      if (!c || !dp || !plan) return;
      const now = state.get(e.dpid);
      if (e.role !== 'master') {
        // Another instance writes here now; if this one is master again later, it checks the meter then.
        if (now === 'metered' && e.role === 'slave') state.set(e.dpid, 'mastered by another instance');
        return;
      }
      if (now === 'metered' || now === 'metering') return; // set up on connect, as this term's master
      // The meter add goes out now, in this handler: before the flow service's reconciliation
      // (which first reads the flow table) can send the flow that uses the meter.
      await apply(c, dp, plan);
    },

    onSwitchDisconnected(e) {
      state.delete(e.dpid);
      plans.delete(e.dpid);
    },
  };
}
