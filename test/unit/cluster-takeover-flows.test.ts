/**
 * A takeover costs the switch no FLOW_MOD when its flows are right: two instances (their app
 * managers and flow services) share one model switch (its flow table, its meters, FLOW_REMOVED on
 * deletes); the master sets it up, the other one, a slave since it connected (or held undecided
 * first), becomes master, and its reconciliation's table read and its apps' mastership handlers
 * finish in the order the switch answers them, one round trip each (the cluster-failover lab
 * test's kill -9 of the master).
 */
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/core/events.js';
import { silentLogger } from '../../src/log.js';
import type { FlowSpec, Mastership } from '../../src/core/model.js';
import type { Datapath } from '../../src/openflow/datapath.js';
import { AppManager } from '../../src/apps/manager.js';
import { memoryAppStore } from '../../src/apps/store.js';
import { packetInMeterApp } from '../../src/apps/packetin-meter/index.js';
import { OFPET } from '../../src/openflow/codec/constants.js';
import { OFPFF, OFPMBT, OFPMC, OFPMF, OFPRR } from '../../src/openflow/codec/v13/enums.js';
import { NotMasterError, OfErrorReply } from '../../src/openflow/errors.js';
import { FakeFlowTable } from '../fakes/fake-flow-table.js';
import { flush } from '../fakes/flush.js';
import { flowModToVia } from '../fakes/flow-mod-to.js';

const DPID = 1n;
/** What the app and the flow service read of the switch besides its role. */
const IDENTITY = { dpid: DPID, dpidHex: '0000000000000001', version: 4, connected: true } as const;
/** The meter features the switch reports (one drop band in packets per second, as Open vSwitch). */
const METER_FEATURES = { type: 'meter_features', maxMeter: 100, bandTypes: 1 << OFPMBT.DROP, capabilities: OFPMF.PKTPS | OFPMF.BURST | OFPMF.STATS, maxBands: 1, maxColor: 0 } as const;

/** A reply one round trip later: replies go back in the order the requests came. */
function later<T>(answer: () => T): Promise<T> {
  return new Promise<T>((resolve, reject) =>
    setImmediate(() => {
      try {
        resolve(answer());
      } catch (e) {
        reject(e as Error);
      }
    }),
  );
}

/** The switch both instances talk to: one flow table and one set of meters; `wire` is what it applied, in order. */
class ModelSwitch {
  readonly table = new FakeFlowTable();
  readonly meters = new Set<number>();
  readonly wire: string[] = [];

  /**
   * One instance's connection: a Datapath with what apps and the flow service use, behind a role
   * gate as the real one (a slave's write is refused, a pending claim's is held until the claim
   * settles); FLOW_REMOVED goes to `bus`.
   */
  connection(bus: EventBus, mastership: Mastership): { dp: Datapath; flowMods: FlowSpec[]; set(m: Mastership): void } {
    const flowMods: FlowSpec[] = [];
    const state = { mastership };
    const held: { send: () => void; refuse: () => void }[] = [];
    const write = <T>(send: () => Promise<T>): Promise<T> => {
      if (state.mastership === 'slave') return Promise.reject(new NotMasterError('0000000000000001'));
      if (state.mastership === 'pending') return new Promise<T>((resolve, reject) => held.push({ send: () => void send().then(resolve, reject), refuse: () => reject(new NotMasterError('0000000000000001')) }));
      return send();
    };
    const flowModConfirmed = (spec: FlowSpec) =>
      write(() => {
        flowMods.push(spec);
        return later(() => {
          this.wire.push(`flow ${spec.command ?? 'add'}`);
          // A flow that uses a meter the switch does not have is refused (OFPMMFC_UNKNOWN_METER).
          for (const i of spec.instructions ?? []) if (i.type === 'meter' && !this.meters.has(i.meterId)) throw new OfErrorReply({ errType: OFPET.METER_MOD_FAILED, code: 7, data: Buffer.alloc(0) } as never, 'flow_mod');
          // The switch tells of a flow deleted with OFPFF_SEND_FLOW_REM before it answers the barrier.
          for (const { flow: f } of this.table.apply(spec)) {
            if ((f.flags & OFPFF.SEND_FLOW_REM) === 0) continue;
            bus.emit('flowRemoved', { dpid: DPID, msg: { cookie: f.cookie, priority: f.priority, reason: OFPRR.DELETE, tableId: f.tableId, durationSec: 0, idleTimeout: f.idleTimeout, hardTimeout: f.hardTimeout, packetCount: 0n, byteCount: 0n, match: f.match } });
          }
        });
      });
    const dp = {
      ...IDENTITY,
      get mastership() {
        return state.mastership;
      },
      multipart: (body: { type: string }) => later(() => (body.type === 'meter_features' ? METER_FEATURES : undefined)),
      meterMod: (command: number, _flags: number, meterId: number) =>
        write(() =>
          later(() => {
            this.wire.push(`meter ${command === OFPMC.ADD ? 'add' : 'modify'}`);
            if (command === OFPMC.ADD && this.meters.has(meterId)) throw new OfErrorReply({ errType: OFPET.METER_MOD_FAILED, code: 1, data: Buffer.alloc(0) } as never, 'meter_mod');
            this.meters.add(meterId);
          }),
        ),
      flowModConfirmed,
      flowModTo: flowModToVia(flowModConfirmed),
      flowStats: () => later(() => this.table.entries()),
    } as unknown as Datapath;
    const set = (m: Mastership): void => {
      state.mastership = m;
      if (m === 'pending') return;
      for (const h of held.splice(0)) (m === 'slave' ? h.refuse : h.send)();
    };
    return { dp, flowMods, set };
  }
}

/** One controller instance with the packetin-meter app, its flow service reconciling on connect and on mastership. */
async function instance(sw: ModelSwitch, mastership: Mastership): Promise<{ bus: EventBus; m: AppManager; conn: ReturnType<ModelSwitch['connection']> }> {
  const bus = new EventBus();
  const conn = sw.connection(bus, mastership);
  const m = new AppManager({ bus, datapaths: new Map([[DPID, conn.dp]]), log: silentLogger, store: memoryAppStore(), flowsConfig: { reconcileIntervalMs: 0 }, apps: [packetInMeterApp()], config: { enabled: ['packetin-meter'] } });
  m.flows.start();
  await m.start();
  await flush(20);
  return { bus, m, conn };
}

/** The other instance connects (a slave at once, or held undecided until the master's claim is seen), then takes the switch over. */
async function takeover(sw: ModelSwitch, connectedAs: 'slave' | 'pending'): Promise<Awaited<ReturnType<typeof instance>>> {
  const b = await instance(sw, connectedAs);
  if (connectedAs === 'pending') {
    b.conn.set('slave');
    b.bus.emit('mastershipChanged', { dpid: DPID, role: 'slave', generationId: 1n });
    await flush(20);
  }
  expect(b.conn.flowMods, 'FLOW_MODs of the slave').toEqual([]);
  // The master dies; the switch takes the slave as master, which its cluster service announces.
  b.conn.set('master');
  b.bus.emit('mastershipChanged', { dpid: DPID, role: 'master', generationId: 2n });
  await flush(50);
  return b;
}

describe.each(['slave', 'pending'] as const)('a takeover by an instance connected as %s', (connectedAs) => {
  it("of a switch whose flows are right sends no FLOW_MOD: the metered flow is neither deleted as nobody's nor put back", async () => {
    const sw = new ModelSwitch();
    const a = await instance(sw, 'master');
    expect(a.conn.flowMods).toHaveLength(1);
    expect(sw.meters.size).toBe(1);
    const before = sw.table.entries();
    expect(before).toHaveLength(1);
    a.conn.set('slave');

    const b = await takeover(sw, connectedAs);
    expect(b.conn.flowMods.map((s) => s.command ?? 'add'), 'FLOW_MODs of the new master').toEqual([]);
    expect(sw.table.entries()).toEqual(before);
    expect(b.m.flows.flows(DPID).map((r) => r.state)).toEqual(['installed']);
    expect(b.m.list().find((x) => x.name === 'packetin-meter')).toMatchObject({ state: 'running', recentFailures: 0 });
    await b.m.stop();
    await a.m.stop();
  });

  it('of a switch without the meter and its flow (the old master never set them up) sets the meter up first, then the flow', async () => {
    const sw = new ModelSwitch();
    const b = await takeover(sw, connectedAs);
    expect(sw.wire).toEqual(['meter add', 'flow add']);
    expect(sw.table.entries()).toHaveLength(1);
    expect(b.m.flows.flows(DPID).map((r) => r.state)).toEqual(['installed']);
    await b.m.stop();
  });
});
