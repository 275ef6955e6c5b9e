/**
 * The packetin-meter app in a cluster: a slave sets no meter up (and counts no failure); when it
 * becomes master later (a failover), it adds the meter in the mastership handler, before the
 * flow that uses it can be sent, and takes over one the previous master left.
 */
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/core/events.js';
import { silentLogger } from '../../src/log.js';
import type { Mastership } from '../../src/core/model.js';
import type { Datapath } from '../../src/openflow/datapath.js';
import { AppManager } from '../../src/apps/manager.js';
import { memoryAppStore } from '../../src/apps/store.js';
import { packetInMeterApp } from '../../src/apps/packetin-meter/index.js';
import { OFPET } from '../../src/openflow/codec/constants.js';
import { OFPMBT, OFPMC, OFPMF } from '../../src/openflow/codec/v13/enums.js';
import { NotMasterError, OfErrorReply } from '../../src/openflow/errors.js';
import { flush } from '../fakes/flush.js';
import { flowModToVia } from '../fakes/flow-mod-to.js';

/** What the fake switch was sent, in order. */
type Sent = { kind: 'meter'; command: number } | { kind: 'flow' };

/** A Datapath with just what the app and the flow service use; writes go through a role check as the real gate's. */
function fakeDp(mastership: Mastership, opts: { meterExists?: boolean } = {}): { dp: Datapath; sent: Sent[]; set(m: Mastership): void } {
  const sent: Sent[] = [];
  let meter = opts.meterExists ?? false;
  const state = { mastership };
  const gate = (): void => {
    if (state.mastership === 'slave') throw new NotMasterError('0000000000000001');
  };
  const flowModConfirmed = (): Promise<void> => {
    gate();
    sent.push({ kind: 'flow' });
    return Promise.resolve();
  };
  const dp = {
    dpid: 1n,
    dpidHex: '0000000000000001',
    version: 4,
    connected: true,
    get mastership() {
      return state.mastership;
    },
    multipart: (body: { type: string }) =>
      Promise.resolve(body.type === 'meter_features' ? { type: 'meter_features', maxMeter: 100, bandTypes: 1 << OFPMBT.DROP, capabilities: OFPMF.PKTPS | OFPMF.BURST | OFPMF.STATS, maxBands: 1, maxColor: 0 } : undefined),
    meterMod: (command: number) => {
      gate();
      sent.push({ kind: 'meter', command });
      if (command === OFPMC.ADD && meter) {
        return Promise.reject(new OfErrorReply({ errType: OFPET.METER_MOD_FAILED, code: 1, data: Buffer.alloc(0) } as never, 'meter_mod'));
      }
      meter = true;
      return Promise.resolve();
    },
    flowModConfirmed,
    flowModTo: flowModToVia(flowModConfirmed),
  } as unknown as Datapath;
  return { dp, sent, set: (m) => (state.mastership = m) };
}

async function rig(mastership: Mastership, opts: { meterExists?: boolean } = {}): Promise<{ bus: EventBus; m: AppManager; app: ReturnType<typeof packetInMeterApp>; sw: ReturnType<typeof fakeDp> }> {
  const bus = new EventBus();
  const sw = fakeDp(mastership, opts);
  const app = packetInMeterApp();
  const m = new AppManager({ bus, datapaths: new Map([[1n, sw.dp]]), log: silentLogger, store: memoryAppStore(), flowsConfig: { reconcileIntervalMs: 0, reconcileOnConnect: false }, apps: [app], config: { enabled: ['packetin-meter'] } });
  await m.start();
  await flush(20);
  return { bus, m, app, sw };
}

describe('packetin-meter in a cluster', () => {
  it('as master on connect: the meter and its flow', async () => {
    const { app, sw } = await rig('master');
    // (In what order on connect is the connect reconciliation's business: off here.)
    expect(sw.sent).toContainEqual({ kind: 'meter', command: OFPMC.ADD });
    expect(sw.sent).toContainEqual({ kind: 'flow' });
    expect(app.status()).toEqual({ '0000000000000001': 'metered' });
  });

  it('as a slave: nothing sent, no failure; master later: the meter add goes out in the handler, before the flow', async () => {
    const { bus, m, app, sw } = await rig('slave');
    expect(sw.sent).toEqual([]);
    expect(app.status()).toEqual({ '0000000000000001': 'mastered by another instance' });
    expect(m.list().find((a) => a.name === 'packetin-meter')).toMatchObject({ state: 'running', recentFailures: 0 });
    sw.set('master');
    bus.emit('mastershipChanged', { dpid: 1n, role: 'master', generationId: 5n });
    // Synchronously, in the handler: before a reconciliation's flow dump could come back.
    expect(sw.sent).toEqual([{ kind: 'meter', command: OFPMC.ADD }]);
    await flush(20);
    expect(app.status()).toEqual({ '0000000000000001': 'metered' });
    // Slave again, then master again: checked again (the meter may have changed meanwhile).
    sw.set('slave');
    bus.emit('mastershipChanged', { dpid: 1n, role: 'slave', generationId: 6n });
    sw.set('master');
    bus.emit('mastershipChanged', { dpid: 1n, role: 'master', generationId: 7n });
    await flush(20);
    expect(sw.sent.filter((s) => s.kind === 'meter').map((s) => s.command)).toEqual([OFPMC.ADD, OFPMC.ADD, OFPMC.MODIFY]);
    await m.stop();
  });

  it('a meter the previous master left is taken over with a modify', async () => {
    const { bus, app, sw } = await rig('slave', { meterExists: true });
    sw.set('master');
    bus.emit('mastershipChanged', { dpid: 1n, role: 'master', generationId: 5n });
    await flush(20);
    expect(sw.sent.filter((s) => s.kind === 'meter')).toEqual([
      { kind: 'meter', command: OFPMC.ADD },
      { kind: 'meter', command: OFPMC.MODIFY },
    ]);
    expect(app.status()).toEqual({ '0000000000000001': 'metered' });
  });

  it('a mastership already set up on connect sends no second meter mod', async () => {
    const { bus, sw } = await rig('master');
    bus.emit('mastershipChanged', { dpid: 1n, role: 'master', generationId: 5n });
    await flush(20);
    expect(sw.sent.filter((s) => s.kind === 'meter')).toHaveLength(1);
  });
});
