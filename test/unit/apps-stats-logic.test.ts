/** stats: samples become a latest view with rates and metric deltas; the app polls switches (stubbed datapaths) into both. */
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/core/events.js';
import { silentLogger } from '../../src/log.js';
import type { Datapath } from '../../src/openflow/datapath.js';
import { AppManager } from '../../src/apps/manager.js';
import { StatsView, statsApp, type PortCounters } from '../../src/apps/stats/index.js';
import { ManualClock } from '../fakes/manual-clock.js';

function port(portNo: number, rxBytes: number, txBytes: number, extra: Partial<PortCounters> = {}): PortCounters {
  return { portNo, rxPackets: BigInt(Math.floor(rxBytes / 100)), txPackets: BigInt(Math.floor(txBytes / 100)), rxBytes: BigInt(rxBytes), txBytes: BigInt(txBytes), rxDropped: 0n, txDropped: 0n, rxErrors: 0n, txErrors: 0n, ...extra };
}

describe('stats view', () => {
  it('keeps the latest sample with per-second rates, sums increases for metrics, survives counter resets', () => {
    const v = new StatsView();
    expect(v.recordPorts(1n, 0, [port(2, 1000, 500), port(1, 0, 0, { rxErrors: 0xffff_ffff_ffff_ffffn })])).toMatchObject({ rxBytes: 0, txBytes: 0 });
    expect(v.get(1n)!.ports.map((p) => p.portNo)).toEqual([1, 2]);
    expect(v.get(1n)!.ports[0]!.rxErrors).toBe(-1); // unsupported
    expect(v.get(1n)!.ports[1]!.rxBytesPerSec).toBeUndefined();
    const d = v.recordPorts(1n, 2000, [port(1, 200, 0), port(2, 5000, 700)]);
    expect(d).toMatchObject({ rxBytes: 4200, txBytes: 200 });
    expect(v.get(1n)!.ports[1]).toMatchObject({ rxBytes: 5000, rxBytesPerSec: 2000, txBytesPerSec: 100 });
    // Port 2 restarted its counters.
    expect(v.recordPorts(1n, 3000, [port(1, 200, 0), port(2, 300, 0)]).rxBytes).toBe(300);
    v.recordFlows(1n, 3000, [{ tableId: 0, priority: 10, cookie: 0x12n, match: [], packetCount: 5n, byteCount: 500n, durationSec: 3 }]);
    expect(v.get(1n)).toMatchObject({ flowCount: 1, flowPackets: 5, flowBytes: 500, flowsAt: 3000 });
    expect(v.get(1n)!.flows[0]!.cookie).toBe('0000000000000012');
    expect(JSON.parse(JSON.stringify(v.all()))).toHaveLength(1); // JSON-safe
    v.forget(1n);
    expect(v.all()).toEqual([]);
  });
});

describe('stats app', () => {
  it('polls connected switches into the view and the metrics; a failing switch is counted, not fatal', async () => {
    let rx = 1000;
    const ok = {
      dpid: 1n,
      dpidHex: '0000000000000001',
      connected: true,
      portStats: async () => ({ type: 'port_stats', ports: [port(1, rx, 10)] }),
      flowStats: async () => [{ tableId: 0, priority: 0, cookie: 0n, match: [], packetCount: 1n, byteCount: 60n, durationSec: 1, idleTimeout: 0, hardTimeout: 0, flags: 0, instructions: [] }],
    } as unknown as Datapath;
    const bad = { dpid: 2n, dpidHex: '0000000000000002', connected: true, portStats: async () => Promise.reject(new Error('timeout')), flowStats: async () => [] } as unknown as Datapath;
    const clock = new ManualClock({ startMs: 0 });
    const app = statsApp();
    const m = new AppManager({ bus: new EventBus(), datapaths: new Map([[1n, ok], [2n, bad]]), log: silentLogger, clock, flowsConfig: { reconcileIntervalMs: 0, reconcileOnConnect: false }, apps: [app], config: { enabled: ['stats'], settings: { stats: { intervalMs: 60_000 } } } });
    await m.start();
    await app.pollNow();
    rx = 4000;
    clock.advance(1000);
    await app.pollNow();
    expect(app.latest().map((s) => s.dpid)).toEqual(['0000000000000001']);
    expect(app.forSwitch(1n)!.ports[0]).toMatchObject({ rxBytes: 4000, rxBytesPerSec: 3000 });
    expect(app.forSwitch(1n)!.flowCount).toBe(1);
    const snap = m.metrics.snapshot();
    expect(snap.app_stats_port_rx_bytes_total).toMatchObject({ value: 3000 });
    expect(snap.app_stats_polls_total).toMatchObject({ value: 2 });
    expect(snap.app_stats_poll_errors_total).toMatchObject({ value: 2 });
    expect(m.status('stats')?.state).toBe('running');
    await m.stop();
  });
});
