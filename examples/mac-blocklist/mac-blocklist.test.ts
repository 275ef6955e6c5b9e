/** The example app, run by the real AppManager next to l2-learning. */
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/core/events.js';
import { silentLogger } from '../../src/log.js';
import type { ReceivedPacket } from '../../src/core/model.js';
import type { Datapath } from '../../src/openflow/datapath.js';
import { AppManager, MemoryMetrics, memoryAppStore } from '../../src/apps/index.js';
import macBlocklist from './index.js';
import { ManualClock } from '../../test/fakes/manual-clock.js';

function frame(dst: string, src: string): Buffer {
  const b = Buffer.alloc(60);
  Buffer.from(dst.replace(/:/g, ''), 'hex').copy(b, 0);
  Buffer.from(src.replace(/:/g, ''), 'hex').copy(b, 6);
  b.writeUInt16BE(0x0800, 12);
  return b;
}

/** A datapath stand-in that records packet-outs (no switch needed). */
function fakeDatapath(dpid: bigint, sent: unknown[]): Datapath {
  return { dpid, dpidHex: dpid.toString(16).padStart(16, '0'), connected: true, packetOut: (s: unknown) => sent.push(s) } as unknown as Datapath;
}

describe('mac-blocklist example app', () => {
  it('guards packet-ins ahead of l2-learning, counts and records them; other sources reach l2-learning', async () => {
    const bus = new EventBus();
    const sent: unknown[] = [];
    const dp = fakeDatapath(1n, sent);
    const datapaths = new Map([[1n, dp]]);
    const metrics = new MemoryMetrics();
    const store = memoryAppStore();
    const m = new AppManager({
      bus,
      datapaths,
      log: silentLogger,
      metrics,
      store,
      clock: new ManualClock({ startMs: 1234 }),
      flowsConfig: { reconcileIntervalMs: 0, reconcileOnConnect: false },
      apps: [macBlocklist],
      config: { enabled: ['mac-blocklist', 'l2-learning'], settings: { 'mac-blocklist': { macs: ['0A:00:00:00:00:66'] } } },
    });
    await m.start();
    const pin = (src: string): void => {
      const msg: ReceivedPacket = { inPort: 1, bufferId: 0xffffffff, totalLen: 60, reason: 0, tableId: 0, cookie: 0n, match: [], data: frame('ff:ff:ff:ff:ff:ff', src) };
      bus.emit('packetIn', { dpid: 1n, msg });
    };
    pin('0a:00:00:00:00:66');
    expect(sent).toHaveLength(0); // l2-learning never saw it
    pin('0a:00:00:00:00:01');
    expect(sent).toHaveLength(1); // flooded by l2-learning
    expect(metrics.snapshot().app_mac_blocklist_dropped_total).toMatchObject({ value: 1 });
    expect(await store.get('apps/mac-blocklist/seen/0000000000000001')).toBe(1234);
    // Desired flows: one drop flow per MAC once a switch connects, above l2-learning's.
    bus.emit('switchConnected', { dpid: 1n, version: 4, remoteAddress: 'test' });
    const mine = m.flows.flows(1n).filter((f) => f.owner === 'mac-blocklist');
    expect(mine.map((f) => [f.spec.priority, f.spec.match])).toEqual([[1000, [{ field: 'eth_src', value: '0a:00:00:00:00:66' }]]]);
    await m.stop();
  });

  it('rejects a bad MAC in its settings', async () => {
    const m = new AppManager({ bus: new EventBus(), datapaths: new Map(), log: silentLogger, apps: [macBlocklist], config: { enabled: ['mac-blocklist'], settings: { 'mac-blocklist': { macs: ['nope'] } } } });
    await expect(m.start()).rejects.toThrow(/apps\.settings\.mac-blocklist: not a MAC address: nope/);
  });
});
