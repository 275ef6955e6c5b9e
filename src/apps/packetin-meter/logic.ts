/**
 * Packet-in protection, pure (Faucet's packetin_pps): what a switch gets so the packets it sends
 * to the controller are capped — an OpenFlow 1.3 meter with a drop band, and a catch-all flow
 * just above the table-miss that sends to the controller through that meter. Switches that speak
 * 1.0 or report no usable meter support are skipped, with the reason.
 */
import { CONTROLLER_ACTIONS } from '../../openflow/packet-out.js';
import { OFPMBT, OFPMF } from '../../openflow/codec/v13/enums.js';
import type { MeterFeaturesReply } from '../../openflow/codec/v13/multipart.js';
import type { MeterBand } from '../../openflow/codec/v13/structs.js';
import type { FlowRule } from '../../core/services.js';
import { defaultsOf, int, section, type ConfigOf } from '../../core/config-schema.js';

/** Settings schema of `apps.settings.packetin-meter`. */
export const packetInMeterSchema = section(
  {
    ratePps: int({ default: 1000, min: 1, unit: 'packets/s', doc: 'Packet-ins per second a switch may send through the catch-all flow.' }),
    burstPackets: int({ default: 100, min: 0, unit: 'packets', doc: "Burst allowance (0: the switch's default; no OFPMF_BURST flag)." }),
    meterId: int({ default: 0x5b1d, min: 1, max: 0xffff0000, doc: 'Meter id used on every switch.' }),
    priority: int({ default: 1, min: 1, max: 65535, doc: 'Priority of the metered catch-all flow: above the table-miss flows (0), below everything else.' }),
    tableId: int({ default: 0, min: 0, max: 254, doc: 'Table of the flow.' }),
  },
  { doc: 'A meter per switch capping the packet-ins that reach the controller.' },
);

/** Settings of the packet-in meter. */
export type PacketInMeterConfig = ConfigOf<typeof packetInMeterSchema>;

/** Defaults of the packet-in meter. */
export const defaultPacketInMeterConfig: PacketInMeterConfig = defaultsOf(packetInMeterSchema);

/** What to do on a switch. */
export type MeterPlan =
  | { readonly kind: 'skip'; readonly reason: string }
  | { readonly kind: 'install'; readonly meterId: number; readonly flags: number; readonly bands: readonly MeterBand[]; readonly flow: FlowRule };

/** The meter's flags and its one drop band. */
export function meterBands(c: PacketInMeterConfig): { flags: number; bands: MeterBand[] } {
  const burst = c.burstPackets > 0;
  return { flags: OFPMF.PKTPS | OFPMF.STATS | (burst ? OFPMF.BURST : 0), bands: [{ type: 'drop', rate: c.ratePps, burstSize: burst ? c.burstPackets : 0 }] };
}

/** The metered catch-all flow to the controller (whole packets). */
export function meteredFlow(c: PacketInMeterConfig): FlowRule {
  return {
    tableId: c.tableId,
    priority: c.priority,
    match: [],
    instructions: [
      { type: 'meter', meterId: c.meterId },
      { type: 'apply_actions', actions: CONTROLLER_ACTIONS },
    ],
  };
}

/**
 * The plan for a switch of OpenFlow `version` whose meter features are `features` (undefined:
 * the switch did not answer the request).
 */
export function planMeter(version: number, features: MeterFeaturesReply | undefined, c: PacketInMeterConfig): MeterPlan {
  if (version < 4) return { kind: 'skip', reason: `OpenFlow 1.${version === 1 ? 0 : version - 1} has no meters` };
  if (!features) return { kind: 'skip', reason: 'the switch did not report meter features' };
  if (features.maxMeter === 0) return { kind: 'skip', reason: 'the switch supports no meters' };
  if ((features.bandTypes & (1 << OFPMBT.DROP)) === 0) return { kind: 'skip', reason: 'the switch has no drop band' };
  if ((features.capabilities & OFPMF.PKTPS) === 0) return { kind: 'skip', reason: 'the switch cannot meter in packets per second' };
  const m = meterBands(c);
  const flags = (features.capabilities & OFPMF.BURST) === 0 ? m.flags & ~OFPMF.BURST : m.flags;
  const bands = flags & OFPMF.BURST ? m.bands : [{ type: 'drop' as const, rate: c.ratePps, burstSize: 0 }];
  return { kind: 'install', meterId: c.meterId, flags, bands, flow: meteredFlow(c) };
}
