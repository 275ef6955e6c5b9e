/** applyEffects against a recording context (order, mastership, fallbacks), and the effects the apps' logic returns: l2-learning's per packet-in (re-declaring only what no longer stands), acl's sync, static-flows' follow. */
import { describe, expect, it } from 'vitest';
import { applyEffects, effects, installs, type Effects } from '../../src/apps/effects.js';
import type { AppContext } from '../../src/core/app.js';
import { defaultL2LearningConfig, L2Learning } from '../../src/apps/l2-learning/logic.js';
import { aclSync } from '../../src/apps/acl/logic.js';
import { checkStaticFlow, planFollow, type StaticFlow } from '../../src/apps/static-flows/logic.js';
import type { BufferedPacket, FlowRecord, FlowRule } from '../../src/core/services.js';
import { OFP_NO_BUFFER, OFPP } from '../../src/openflow/codec/constants.js';
import { parseMac } from '../../src/core/addr.js';

/**
 * A context whose flow scope and packet service record every call; `slave` switches are mastered
 * by another instance; `takeBuffers`: an install takes the buffered packet it is given (as the
 * flow service does when it sends the ADD).
 */
function recorder(slave: readonly bigint[] = [], refuse: readonly bigint[] = [], takeBuffers = true): { ctx: AppContext<object>; calls: string[]; current: Set<FlowRecord> } {
  const calls: string[] = [];
  const current = new Set<FlowRecord>();
  const flows = {
    install(dpid: bigint, rule: FlowRule, buffered?: BufferedPacket): FlowRecord {
      calls.push(`install ${dpid} p${rule.priority}${buffered ? ` buffer ${buffered.bufferId}` : ''}`);
      if (buffered) buffered.taken = takeBuffers;
      const rec = { dpid, key: `p${rule.priority}` } as unknown as FlowRecord;
      current.add(rec);
      return rec;
    },
    async remove(dpid: bigint, rule: FlowRule): Promise<boolean> {
      calls.push(`remove ${dpid} p${rule.priority}`);
      return true;
    },
    removeMatching(dpid: bigint): number {
      calls.push(`removeMatching ${dpid}`);
      return 0;
    },
    removeWhere(dpid: bigint | undefined): number {
      calls.push(`removeWhere ${dpid ?? 'all'}`);
      return 0;
    },
    isCurrent: (rec: FlowRecord) => current.has(rec),
  };
  const packets = {
    packetOut(dpid: bigint): boolean {
      calls.push(`packetOut ${dpid}`);
      return !refuse.includes(dpid);
    },
  };
  const devices = { canWrite: (dpid: bigint) => !slave.includes(dpid) };
  return { ctx: { flows, packets, devices, log: { warn: () => undefined } } as unknown as AppContext<object>, calls, current };
}

function frame(dst: string, src: string): Buffer {
  const b = Buffer.alloc(60);
  parseMac(dst, b, 0);
  parseMac(src, b, 6);
  b.writeUInt16BE(0x0800, 12);
  return b;
}

describe('applyEffects', () => {
  it('removes, then installs, then withdraws, then sends, and fills in the installed records', async () => {
    const { ctx, calls } = recorder();
    const fx: Effects = {
      ...effects(),
      remove: [{ dpid: 1n, rule: { priority: 1 } }],
      install: [{ dpid: 2n, rule: { priority: 2 } }],
      withdraw: [
        { kind: 'matching', dpid: 3n, match: [] },
        { kind: 'where', dpid: undefined, pick: () => true },
      ],
      packetOuts: [{ dpid: 4n, spec: { inPort: OFPP.CONTROLLER, actions: [] } }],
    };
    await applyEffects(ctx, fx);
    expect(calls).toEqual(['remove 1 p1', 'install 2 p2', 'removeMatching 3', 'removeWhere all', 'packetOut 4']);
    expect(fx.install[0]!.record).toBeDefined();
  });

  it('leaves flows on switches another instance masters to it when asked, and sends a refused packet-out by its fallback', async () => {
    const { ctx, calls } = recorder([2n], [2n]);
    const fx = installs(2n, [{ priority: 5 }]);
    fx.install.push({ dpid: 1n, rule: { priority: 6 } });
    fx.packetOuts.push({ dpid: 2n, spec: { inPort: 1, actions: [] }, fallback: { dpid: 1n, spec: { inPort: 1, actions: [] } } });
    await applyEffects(ctx, fx, { onlyWritable: true });
    expect(calls).toEqual(['install 1 p6', 'packetOut 2', 'packetOut 1']);
    calls.length = 0;
    await applyEffects(ctx, installs(2n, [{ priority: 5 }]));
    expect(calls).toEqual(['install 2 p5']);
  });
});

describe('l2-learning effects of a packet-in', () => {
  const A = '00:00:00:00:00:0a';
  const B = '00:00:00:00:00:0b';

  it('declares a forward flow once while it stands, again once it is gone, and withdraws flows towards a host that moved', () => {
    const { ctx, calls, current } = recorder();
    const l = new L2Learning(undefined, undefined, undefined, (rec) => current.has(rec));
    const run = (inPort: number, dst: string, src: string): Effects => {
      const d = l.packetIn(1n, inPort, frame(dst, src), 0);
      const fx = l.effectsOf(1n, d, inPort, OFP_NO_BUFFER, frame(dst, src));
      void applyEffects(ctx, fx);
      return fx;
    };
    expect(run(1, B, A)).toMatchObject({ handled: true, install: [], packetOuts: [{ dpid: 1n, spec: { actions: [{ type: 'output', port: OFPP.FLOOD }] } }] });
    run(2, A, B);
    run(2, A, B);
    expect(calls.filter((c) => c.startsWith('install'))).toHaveLength(1);
    current.clear(); // the flow expired
    run(2, A, B);
    expect(calls.filter((c) => c.startsWith('install'))).toHaveLength(2);
    calls.length = 0;
    // A shows up at port 3: flows towards it point at port 1.
    expect(run(3, B, A)).toMatchObject({ withdraw: [{ kind: 'matching', dpid: 1n, match: [{ field: 'eth_dst', value: A }] }] });
    expect(calls[0]).toBe('install 1 p10');
    expect(calls).toContain('removeMatching 1');
    // LLDP is another app's: not handled, nothing done.
    const lldp = frame('01:80:c2:00:00:0e', A);
    lldp.writeUInt16BE(0x88cc, 12);
    expect(l.effectsOf(1n, l.packetIn(1n, 3, lldp, 0), 3, OFP_NO_BUFFER, lldp)).toMatchObject({ handled: false, install: [], withdraw: [], packetOuts: [] });
  });

  it('a buffered packet-in that sets up a flow: the packet goes with its ADD and no packet-out is sent; one no ADD took goes out by packet-out', () => {
    for (const takes of [true, false]) {
      const { ctx, calls, current } = recorder([], [], takes);
      const l = new L2Learning(undefined, undefined, undefined, (rec) => current.has(rec));
      const run = (inPort: number, dst: string, src: string, bufferId: number): Effects => {
        const d = l.packetIn(1n, inPort, frame(dst, src), 0);
        const fx = l.effectsOf(1n, d, inPort, bufferId, frame(dst, src));
        void applyEffects(ctx, fx);
        return fx;
      };
      run(1, B, A, 5); // a flood: packet-out of buffer 5
      expect(calls).toEqual(['packetOut 1']);
      calls.length = 0;
      run(2, A, B, 6); // a forward that sets up its flow
      expect(calls).toEqual(takes ? ['install 1 p10 buffer 6'] : ['install 1 p10 buffer 6', 'packetOut 1']);
      calls.length = 0;
      run(2, A, B, 7); // the flow stands: a packet-out
      expect(calls).toEqual(['packetOut 1']);
      calls.length = 0;
      current.clear();
      run(2, A, B, OFP_NO_BUFFER); // a whole packet: the ADD and the packet-out with its data
      expect(calls).toEqual(['install 1 p10', 'packetOut 1']);
    }
    // Flows in another table: a buffered packet would start at table 0, so it goes by packet-out.
    const { ctx, calls } = recorder();
    const l = new L2Learning({ ...defaultL2LearningConfig, tableId: 1 });
    l.packetIn(1n, 1, frame(B, A), 0);
    const d = l.packetIn(1n, 2, frame(A, B), 0);
    void applyEffects(ctx, l.effectsOf(1n, d, 2, 6, frame(A, B)));
    expect(calls).toEqual(['install 1 p10', 'packetOut 1']);
  });

  it('withdraws every learned flow when the broadcast tree changes', () => {
    const l = new L2Learning();
    l.packetIn(1n, 1, frame(B, A), 0);
    const fx = l.treeChanged();
    expect(l.lookup(1n, 0x0a)).toBeUndefined();
    const pick = fx.withdraw?.[0]?.kind === 'where' ? fx.withdraw[0].pick : undefined;
    expect(pick?.({ spec: { priority: 10 } } as FlowRecord)).toBe(true);
    expect(pick?.({ spec: { priority: 0 } } as FlowRecord)).toBe(false);
  });
});

describe('acl and static-flows effects', () => {
  it('acl: declares the rules\' flows on a switch, then withdraws the app\'s other flows there', () => {
    const fx = aclSync([{ id: 'r1', action: 'deny', match: { ethType: 0x0806 } }], 5n, { basePriority: 100, tableId: 0, rules: [] });
    expect(fx.install).toEqual([{ dpid: 5n, rule: { tableId: 0, priority: 100, match: [{ field: 'eth_type', value: 0x0806 }], actions: [] } }]);
    const w = fx.withdraw?.[0];
    expect(w).toMatchObject({ kind: 'where', dpid: 5n });
    const pick = w?.kind === 'where' ? w.pick : () => false;
    expect(pick({ key: '0/99/' } as FlowRecord)).toBe(true);
  });

  it('static-flows: entries gone or moved lose their flow first; new and changed ones are declared; unchanged ones are left alone', () => {
    const e = (name: string, priority: number, port = 1): StaticFlow => checkStaticFlow({ name, dpid: '1', priority, match: [], actions: [{ type: 'output', port }] });
    const current = new Map([
      ['same', e('same', 1)],
      ['moved', e('moved', 2)],
      ['gone', e('gone', 3)],
      ['changed', e('changed', 4)],
    ]);
    const next = new Map([
      ['same', e('same', 1)],
      ['moved', e('moved', 5)],
      ['changed', e('changed', 4, 2)],
      ['new', e('new', 6)],
    ]);
    const plan = planFollow(current, next);
    expect(plan.effects.remove.map((f) => f.rule.priority)).toEqual([2, 3]);
    expect(plan.effects.install.map((f) => f.rule.priority)).toEqual([5, 4, 6]);
    expect(plan.installed.map((f) => f.name)).toEqual(['moved', 'changed', 'new']);
  });
});
