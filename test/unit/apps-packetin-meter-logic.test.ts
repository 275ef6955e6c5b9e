/** packet-in protection: which switches get a meter, the meter's band, and the metered catch-all flow judged on a model table. */
import { describe, expect, it } from 'vitest';
import { OFPP } from '../../src/openflow/codec/constants.js';
import { OFPMF } from '../../src/openflow/codec/v13/enums.js';
import type { MeterFeaturesReply } from '../../src/openflow/codec/v13/multipart.js';
import { defaultPacketInMeterConfig, planMeter } from '../../src/apps/packetin-meter/index.js';
import { FakeFlowTable } from '../fakes/fake-flow-table.js';

const OVS: MeterFeaturesReply = { type: 'meter_features', maxMeter: 200_000, bandTypes: 1 << 1, capabilities: OFPMF.KBPS | OFPMF.PKTPS | OFPMF.BURST | OFPMF.STATS, maxBands: 1, maxColor: 0 };

describe('packet-in meter', () => {
  it('skips 1.0 switches and switches without usable meters, saying why', () => {
    const c = defaultPacketInMeterConfig;
    expect(planMeter(1, undefined, c)).toEqual({ kind: 'skip', reason: 'OpenFlow 1.0 has no meters' });
    expect(planMeter(4, undefined, c)).toMatchObject({ kind: 'skip', reason: /did not report/ });
    expect(planMeter(4, { ...OVS, maxMeter: 0 }, c)).toMatchObject({ kind: 'skip', reason: /no meters/ });
    expect(planMeter(4, { ...OVS, bandTypes: 1 << 2 }, c)).toMatchObject({ kind: 'skip', reason: /drop band/ });
    expect(planMeter(4, { ...OVS, capabilities: OFPMF.KBPS }, c)).toMatchObject({ kind: 'skip', reason: /packets per second/ });
  });

  it('meters in packets per second with a drop band at the configured rate and burst (burst dropped when unsupported)', () => {
    const p = planMeter(4, OVS, { ...defaultPacketInMeterConfig, ratePps: 250, burstPackets: 50 });
    expect(p).toMatchObject({ kind: 'install', meterId: 0x5b1d, flags: OFPMF.PKTPS | OFPMF.STATS | OFPMF.BURST, bands: [{ type: 'drop', rate: 250, burstSize: 50 }] });
    const q = planMeter(4, { ...OVS, capabilities: OFPMF.PKTPS }, defaultPacketInMeterConfig);
    expect(q).toMatchObject({ kind: 'install', flags: OFPMF.PKTPS | OFPMF.STATS, bands: [{ type: 'drop', rate: 1000, burstSize: 0 }] });
  });

  it('its catch-all flow shadows the table-miss flow, not the flows above it', () => {
    const p = planMeter(4, OVS, defaultPacketInMeterConfig);
    if (p.kind !== 'install') throw new Error('expected a plan');
    const t = new FakeFlowTable();
    t.apply({ priority: 0, match: [], actions: [{ type: 'output', port: OFPP.CONTROLLER }] });
    t.apply({ priority: 10, match: [{ field: 'eth_dst', value: '00:00:00:00:00:02' }], actions: [{ type: 'output', port: 2 }] });
    t.apply(p.flow);
    const miss = t.forward({ in_port: 1, eth_dst: '00:00:00:00:00:09' });
    expect(miss.toController).toBe(true);
    expect(miss.hits[0]!.priority).toBe(1);
    expect(miss.hits[0]!.instructions[0]).toEqual({ type: 'meter', meterId: 0x5b1d });
    expect(t.forward({ in_port: 1, eth_dst: '00:00:00:00:00:02' }).outputs).toEqual([2]);
  });
});
