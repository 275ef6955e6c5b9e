/**
 * The packetin-meter app on a fresh switch, over a real session: the meter exists before any flow
 * that uses it, even when the switch answers the meter features and the connect reconciliation's
 * flow dump in one read; a 1.3 switch without meters refuses the meter, and the app falls back to
 * the controller-side token bucket with no flow left behind.
 */
import { duplexPair } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { Controller } from '../../src/controller.js';
import { defaultConfig } from '../../src/config.js';
import { encodeMessage, type OfMessage } from '../../src/openflow/codec/index.js';
import { OFPBRC, OFPET, OFPMMFC } from '../../src/openflow/codec/constants.js';
import { OFPMBT, OFPMC, OFPMF } from '../../src/openflow/codec/v13/enums.js';
import type { MeterFeaturesReply } from '../../src/openflow/codec/v13/multipart.js';
import { Session } from '../../src/openflow/session.js';
import { AppManager } from '../../src/apps/manager.js';
import { packetInMeterApp } from '../../src/apps/packetin-meter/index.js';
import { EmulatedSwitch } from '../fakes/emulated-switch.js';
import { FakeFlowTable, flowModToSpec } from '../fakes/fake-flow-table.js';
import { flushUntil } from '../fakes/flush.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const OVS_FEATURES: MeterFeaturesReply = { type: 'meter_features', maxMeter: 200_000, bandTypes: 1 << OFPMBT.DROP, capabilities: OFPMF.KBPS | OFPMF.PKTPS | OFPMF.BURST | OFPMF.STATS, maxBands: 1, maxColor: 0 };
const NO_METERS: MeterFeaturesReply = { ...OVS_FEATURES, maxMeter: 0, bandTypes: 0, capabilities: 0 };

/** What the switch was sent, in the order it processed it (meter mods and metered flow mods only). */
type Seen = { kind: 'meter_mod'; command: number; flags: number } | { kind: 'flow_mod'; meterId: number; refused: boolean };

interface SwitchOpts {
  readonly features: MeterFeaturesReply;
  /** The error the switch answers a METER_MOD with (a switch without meters); undefined: it takes it. */
  readonly refuseMeter?: (m: OfMessage & { type: 'meter_mod' }) => { errType: number; code: number } | undefined;
}

/**
 * A 1.3 switch that, like OVS, processes messages in order: a flow whose meter instruction names
 * a meter it does not have is refused (OFPMMFC_INVALID_METER). A meter features request that comes
 * before the first flow dump request has its reply held until then, and both replies go out in
 * one write, so the controller reads them together.
 */
async function connect(sw: SwitchOpts): Promise<{ app: ReturnType<typeof packetInMeterApp>; m: AppManager; table: FakeFlowTable; seen: Seen[] }> {
  const ctrl = new Controller({ ...defaultConfig, openflow: { ...defaultConfig.openflow, echoIntervalMs: 0 } });
  const app = packetInMeterApp();
  const m = new AppManager({ bus: ctrl.bus, datapaths: ctrl.datapaths, log: ctrl.log, flowsConfig: { reconcileIntervalMs: 0 }, apps: [app], config: { enabled: ['packetin-meter'] } });
  await m.start();
  cleanups.push(() => m.stop());
  const table = new FakeFlowTable();
  const meters = new Set<number>();
  const seen: Seen[] = [];
  const meterOf = (f: OfMessage): number | undefined => (f.type === 'flow_mod' && f.version === 4 ? f.instructions.find((i) => i.type === 'meter')?.meterId : undefined);
  const [a, b] = duplexPair();
  const emu = new EmulatedSwitch(b, {
    rejectFlowMod: (f) => {
      const id = meterOf(f);
      return id !== undefined && f.type === 'flow_mod' && f.command === 0 && !meters.has(id) ? { errType: OFPET.METER_MOD_FAILED, code: OFPMMFC.INVALID_METER } : undefined;
    },
  });
  let heldFeatures: Buffer | undefined;
  let dumped = false;
  emu.on('message', (msg) => {
    if (msg.type === 'meter_mod') {
      seen.push({ kind: 'meter_mod', command: msg.command, flags: msg.flags });
      const refused = sw.refuseMeter?.(msg);
      if (refused) emu.send({ version: 4, type: 'error', xid: msg.xid, errType: refused.errType, code: refused.code, data: encodeMessage(msg).subarray(0, 64) });
      else if (msg.command === OFPMC.ADD || msg.command === OFPMC.MODIFY) meters.add(msg.meterId);
      else if (msg.command === OFPMC.DELETE) meters.delete(msg.meterId);
    } else if (msg.type === 'flow_mod') {
      const id = meterOf(msg);
      if (id !== undefined && msg.command === 0) seen.push({ kind: 'flow_mod', meterId: id, refused: !meters.has(id) });
      // The table keeps what the switch took.
      if (!emu.opts.rejectFlowMod?.(msg)) table.apply(flowModToSpec(msg));
    } else if (msg.type === 'multipart_request' && msg.body.type === 'meter_features') {
      const reply = encodeMessage({ version: 4, type: 'multipart_reply', xid: msg.xid, flags: 0, body: sw.features });
      if (dumped) emu.sendRaw(reply);
      else heldFeatures = reply;
    } else if (msg.type === 'multipart_request' && msg.body.type === 'flow') {
      // The flow dump reply goes out in the same write as the held features reply.
      const dump = table.entries(0).map((f) => ({ ...f, durationNsec: 0 }));
      const reply = encodeMessage({ version: 4, type: 'multipart_reply', xid: msg.xid, flags: 0, body: { type: 'flow', flows: dump } });
      emu.sendRaw(heldFeatures ? Buffer.concat([heldFeatures, reply]) : reply);
      dumped = true;
      heldFeatures = undefined;
    }
  });
  const up = new Promise<void>((resolve) => ctrl.bus.once('switchConnected', () => resolve()));
  // Flow mods confirmed by a barrier in the same write (lazyConfirmMs 0): these tests wait by
  // event-loop turns, and a lazy barrier waits for wall-clock time (50 ms), which 10,000 turns on
  // a fast machine do not reach.
  const session = new Session(a, { ...defaultConfig.openflow, echoIntervalMs: 0, lazyConfirmMs: 0 });
  ctrl.attach(session);
  cleanups.push(() => session.close('test over'));
  await up;
  return { app, m, table, seen };
}

describe('packetin-meter on a fresh switch', () => {
  it('sends the meter before the flow that uses it when the features and the flow dump arrive in one read', async () => {
    const { app, m, seen } = await connect({ features: OVS_FEATURES });
    await flushUntil(() => app.status()['0000000000000001'] === 'metered' && m.flows.flows(1n).every((f) => f.state !== 'pending'), 'metered and settled');
    expect(seen[0]).toEqual({ kind: 'meter_mod', command: OFPMC.ADD, flags: OFPMF.PKTPS | OFPMF.BURST | OFPMF.STATS });
    expect(seen.filter((s) => s.kind === 'flow_mod')).toEqual([{ kind: 'flow_mod', meterId: 0x5b1d, refused: false }]);
    expect(m.flows.counters.installFailed).toBe(0);
    expect(m.flows.flows(1n).map((f) => f.state)).toEqual(['installed']);
  });

  it('a 1.3 switch without meters refuses the meter: skipped (the session token bucket caps packet-ins), no metered flow left', async () => {
    const { app, m, table } = await connect({ features: NO_METERS, refuseMeter: () => ({ errType: OFPET.BAD_REQUEST, code: OFPBRC.BAD_TYPE }) });
    await flushUntil(() => app.status()['0000000000000001']?.startsWith('skipped') === true && m.flows.flows(1n).length === 0, 'skipped and withdrawn');
    expect(app.status()['0000000000000001']).toMatch(/skipped: the switch supports no meters/);
    await flushUntil(() => table.entries(0).every((f) => !f.instructions.some((i) => i.type === 'meter')), 'no metered flow on the switch');
  });

  it('a switch that refuses the burst flag it does not support gets the meter again without it, then the flow', async () => {
    const { app, m, seen } = await connect({
      features: { ...OVS_FEATURES, capabilities: OFPMF.PKTPS | OFPMF.STATS },
      refuseMeter: (mm) => ((mm.flags & OFPMF.BURST) !== 0 ? { errType: OFPET.METER_MOD_FAILED, code: OFPMMFC.BAD_FLAGS } : undefined),
    });
    await flushUntil(() => app.status()['0000000000000001'] === 'metered' && m.flows.flows(1n).every((f) => f.state === 'installed'), 'metered and installed');
    expect(seen.filter((s) => s.kind === 'meter_mod')).toEqual([
      { kind: 'meter_mod', command: OFPMC.ADD, flags: OFPMF.PKTPS | OFPMF.BURST | OFPMF.STATS },
      { kind: 'meter_mod', command: OFPMC.ADD, flags: OFPMF.PKTPS | OFPMF.STATS },
    ]);
    expect(seen.filter((s) => s.kind === 'flow_mod').at(-1)).toEqual({ kind: 'flow_mod', meterId: 0x5b1d, refused: false });
  });
});
