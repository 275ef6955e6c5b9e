// The single-switch trace (src/trace/pipeline.ts): one test per OpenFlow 1.3.5 rule it follows, and fast-check against the test oracle's matcher.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OFPP } from '../../src/openflow/codec/constants.js';
import type { Action } from '../../src/openflow/codec/v13/actions.js';
import { OFPGT, OFPPC, OFPPS } from '../../src/openflow/codec/v13/enums.js';
import type { Instruction } from '../../src/openflow/codec/v13/instructions.js';
import type { Match, OxmField } from '../../src/openflow/codec/v13/oxm.js';
import { changedFields, compileMatch, matchesPacket, packetFromFields, TracePacketError, traceSwitch, type SwitchTables, type TraceFlow, type TracePort } from '../../src/trace/index.js';
import { matchesPacket as oracleMatches } from '../fakes/oxm-oracle.js';
import { packetOf, viewOf } from '../fakes/fake-packet.js';

const port = (portNo: number, config = 0, state = 0): TracePort => ({ portNo, config, state });
const PORTS = [port(1), port(2), port(3), port(4), port(OFPP.LOCAL)];
const apply = (...actions: Action[]): Instruction => ({ type: 'apply_actions', actions });
const write = (...actions: Action[]): Instruction => ({ type: 'write_actions', actions });
const out = (p: number): Action => ({ type: 'output', port: p });
const flow = (priority: number, match: Match, instructions: Instruction[], tableId = 0, cookie = 0n): TraceFlow => ({ tableId, priority, cookie, match, instructions });
const sw = (flows: TraceFlow[], extra: Partial<SwitchTables> = {}): SwitchTables => ({ version: 4, flows, groups: [], ports: PORTS, ...extra });

const IP = { eth_src: '00:00:00:00:00:01', eth_dst: '00:00:00:00:00:02', eth_type: 0x0800, ipv4_src: '10.0.0.1', ipv4_dst: '10.0.0.2', ip_proto: 6, tcp_src: 1234, tcp_dst: 80 };

/** The ports the trace sends to (reserved outcomes by kind). */
function dests(t: ReturnType<typeof traceSwitch>): string[] {
  return t.outputs.map((o) => (o.kind === 'port' || o.kind === 'local' ? `${o.kind}:${o.port}` : o.kind));
}

describe('matching and lookup', () => {
  it('takes the highest-priority matching entry, table by table', () => {
    const t = traceSwitch(
      sw([
        flow(10, [], [apply(out(1))]),
        flow(100, [{ field: 'eth_type', value: 0x0800 }, { field: 'ipv4_dst', value: '10.0.0.0', mask: '255.255.255.0' }], [apply(out(2))]),
        flow(50, [{ field: 'eth_dst', value: '00:00:00:00:00:02' }], [apply(out(3))]),
      ]),
      4,
      IP,
    );
    expect(t.tables).toHaveLength(1);
    expect(t.tables[0]!.flow?.priority).toBe(100);
    expect(dests(t)).toEqual(['port:2']);
  });

  it('masks: a MAC mask and an IPv4 prefix select by the masked bits only', () => {
    const f = [
      flow(10, [{ field: 'eth_dst', value: '00:00:00:00:00:00', mask: '01:00:00:00:00:00' }, { field: 'eth_type', value: 0x0800 }, { field: 'ipv4_src', value: '10.0.0.0', mask: '255.0.0.0' }], [apply(out(1))]),
    ];
    expect(dests(traceSwitch(sw(f), 4, IP))).toEqual(['port:1']);
    expect(dests(traceSwitch(sw(f), 4, { ...IP, ipv4_src: '11.0.0.1' }))).toEqual(['drop']);
    expect(dests(traceSwitch(sw(f), 4, { ...IP, eth_dst: '01:00:00:00:00:02' }))).toEqual(['drop']);
  });

  it('a packet without a matched header never matches it (an ARP packet has no ipv4_dst)', () => {
    const f = [flow(10, [{ field: 'eth_type', value: 0x0806 }, { field: 'arp_tpa', value: '10.0.0.2' }], [apply(out(1))]), flow(5, [{ field: 'ipv4_dst', value: '0.0.0.0' }], [apply(out(2))])];
    const arp = { eth_type: 0x0806, arp_op: 1, arp_spa: '10.0.0.1', arp_tpa: '10.0.0.2' };
    expect(dests(traceSwitch(sw(f), 4, arp))).toEqual(['port:1']);
    expect(dests(traceSwitch(sw(f), 4, { ...arp, arp_tpa: '10.0.0.3' }))).toEqual(['drop']);
  });

  it('fields a packet of its kind carries default to 0 (an IPv4 packet has ip_dscp 0)', () => {
    const f = [flow(10, [{ field: 'eth_type', value: 0x0800 }, { field: 'ip_dscp', value: 0 }], [apply(out(1))])];
    expect(dests(traceSwitch(sw(f), 4, { eth_type: 0x0800 }))).toEqual(['port:1']);
  });

  it('VLAN: vlan_vid 0 matches untagged packets, 0x1000/0x1000 any tagged one', () => {
    const f = [flow(20, [{ field: 'vlan_vid', value: 0x1000, mask: 0x1000 }], [apply(out(1))]), flow(10, [{ field: 'vlan_vid', value: 0 }], [apply(out(2))])];
    expect(dests(traceSwitch(sw(f), 4, { vlan_vid: 10 }))).toEqual(['port:1']);
    expect(dests(traceSwitch(sw(f), 4, { vlan_vid: 0x100a }))).toEqual(['port:1']);
    expect(dests(traceSwitch(sw(f), 4, {}))).toEqual(['port:2']);
  });

  it('in_port comes from the ingress port', () => {
    const f = [flow(10, [{ field: 'in_port', value: 3 }], [apply(out(1))])];
    expect(dests(traceSwitch(sw(f), 3, {}))).toEqual(['port:1']);
    expect(dests(traceSwitch(sw(f), 2, {}))).toEqual(['drop']);
  });

  it('a table miss drops on OpenFlow 1.3 and goes to the controller on 1.0', () => {
    const t = traceSwitch(sw([]), 1, IP);
    expect(t.tables).toEqual([{ tableId: 0, flow: null }]);
    expect(t.outputs[0]).toMatchObject({ kind: 'drop', reason: 'table miss in table 0' });
    const t10 = traceSwitch(sw([], { version: 1 }), 1, IP);
    expect(t10.outputs[0]).toMatchObject({ kind: 'controller', reason: 'table_miss' });
  });

  it('an entry with a non-basic match field is skipped and counted', () => {
    const raw: OxmField = { field: 'raw', oxmClass: 1, oxmField: 2, hasMask: false, data: Buffer.alloc(4) };
    const t = traceSwitch(sw([flow(20, [raw], [apply(out(1))]), flow(10, [], [apply(out(2))])]), 1, IP);
    expect(t.tables[0]).toMatchObject({ flow: { priority: 10 }, skipped: 1 });
    expect(t.notes.join()).toMatch(/cannot evaluate/);
  });

  it('the table index picks what a scan by descending priority picks, ties to the entry given first (fast-check)', () => {
    const mac = fc.constantFrom('00:00:00:00:00:01', '00:00:00:00:00:02');
    const fieldArb: fc.Arbitrary<OxmField[]> = fc.oneof(
      mac.map((v): OxmField[] => [{ field: 'eth_dst', value: v }]),
      fc.tuple(mac, fc.constantFrom('ff:ff:ff:ff:ff:00', '00:00:00:00:00:03')).map(([v, m]): OxmField[] => [{ field: 'eth_dst', value: v, mask: m }]),
      fc.constantFrom(1, 2).map((v): OxmField[] => [{ field: 'in_port', value: v }]),
      fc.constantFrom<OxmField[]>([{ field: 'eth_type', value: 0x0800 }, { field: 'ipv4_dst', value: '10.0.0.0', mask: '255.0.0.0' }], [{ field: 'eth_type', value: 0x0806 }], []),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fieldArb), { maxLength: 16 }), mac, fc.constantFrom(1, 2), (entries, dst, inPort) => {
        const flows = entries.map(([prio, m], i) => flow(prio, m, [apply(out(i + 1))]));
        const t = traceSwitch({ version: 4, flows, groups: [], ports: [] }, inPort, { eth_dst: dst, eth_type: 0x0800, ipv4_dst: '10.1.2.3' });
        const p = packetFromFields({ eth_dst: dst, eth_type: 0x0800, ipv4_dst: '10.1.2.3' }, inPort);
        const scan = flows.map((f, i) => ({ f, i })).sort((a, b) => b.f.priority - a.f.priority || a.i - b.i).find(({ f }) => matchesPacket(compileMatch(f.match), p));
        expect(t.tables[0]!.flow).toBe(scan?.f ?? null);
      }),
      { seed: 1616, numRuns: 300 },
    );
  });

  it('agrees with the test oracle: the chosen entry is the highest-priority one that matches (fast-check)', () => {
    const mac = fc.constantFrom('00:00:00:00:00:01', '00:00:00:00:00:02', '00:00:00:00:01:02');
    const ip = fc.constantFrom('10.0.0.1', '10.0.0.2', '10.0.1.2', '192.168.0.1');
    const packetArb = fc.record({ eth_dst: mac, eth_src: mac, ipv4_src: ip, ipv4_dst: ip, tcp_dst: fc.constantFrom(22, 80), vid: fc.constantFrom(0, 5, 6), inPort: fc.constantFrom(1, 2) });
    const fieldArb: fc.Arbitrary<OxmField[]> = fc.oneof(
      mac.map((v): OxmField[] => [{ field: 'eth_dst', value: v }]),
      fc.tuple(mac, fc.constantFrom('ff:ff:ff:ff:ff:00', '00:00:00:00:00:ff')).map(([v, m]): OxmField[] => [{ field: 'eth_src', value: v, mask: m }]),
      fc.tuple(ip, fc.constantFrom('255.255.255.255', '255.255.255.0', '255.0.0.0')).map(([v, m]): OxmField[] => [{ field: 'eth_type', value: 0x0800 }, { field: 'ipv4_dst', value: v, mask: m }]),
      fc.constantFrom(22, 80).map((v): OxmField[] => [{ field: 'eth_type', value: 0x0800 }, { field: 'ip_proto', value: 6 }, { field: 'tcp_dst', value: v }]),
      fc.constantFrom<OxmField[]>([{ field: 'vlan_vid', value: 0 }], [{ field: 'vlan_vid', value: 0x1005 }], [{ field: 'vlan_vid', value: 0x1000, mask: 0x1000 }]),
      fc.constantFrom(1, 2).map((v): OxmField[] => [{ field: 'in_port', value: v }]),
    );
    const matchArb = fc.array(fieldArb, { maxLength: 3 }).map((parts) => {
      const seen = new Map<string, OxmField>();
      for (const f of parts.flat()) seen.set(f.field, f);
      return [...seen.values()];
    });
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 1000 }), matchArb), { selector: (x) => x[0], maxLength: 12 }), packetArb, (entries, pk) => {
        const flows = entries.map(([prio, m], i) => flow(prio, m, [apply(out(i + 1))]));
        const fields = { eth_dst: pk.eth_dst, eth_src: pk.eth_src, eth_type: 0x0800, ipv4_src: pk.ipv4_src, ipv4_dst: pk.ipv4_dst, ip_proto: 6, tcp_src: 1, tcp_dst: pk.tcp_dst, ip_dscp: 0, ip_ecn: 0, ...(pk.vid ? { vlan_vid: pk.vid } : {}) };
        const t = traceSwitch({ version: 4, flows, groups: [], ports: [] }, pk.inPort, fields);
        const view = viewOf(packetOf(fields), pk.inPort);
        const expected = flows.filter((f) => oracleMatches(f.match, view)).sort((a, b) => b.priority - a.priority)[0];
        expect(t.tables[0]!.flow).toBe(expected ?? null);
      }),
      { seed: 16, numRuns: 300 },
    );
  });
});

describe('instructions', () => {
  it('goto_table, write_metadata and a metadata match in the next table', () => {
    const f = [
      flow(10, [], [{ type: 'goto_table', tableId: 2 }, { type: 'write_metadata', metadata: 0xabn, metadataMask: 0xffn }], 0),
      flow(10, [{ field: 'metadata', value: 0xabn }], [apply(out(3))], 2),
      flow(5, [], [apply(out(4))], 2),
    ];
    const t = traceSwitch(sw(f), 1, IP);
    expect(t.tables.map((v) => [v.tableId, v.flow?.priority])).toEqual([
      [0, 10],
      [2, 10],
    ]);
    expect(dests(t)).toEqual(['port:3']);
  });

  it('a goto_table backwards is refused as a drop', () => {
    const f = [flow(10, [], [{ type: 'goto_table', tableId: 1 }], 0), flow(10, [], [{ type: 'goto_table', tableId: 0 }], 1)];
    expect(traceSwitch(sw(f), 1, IP).outputs[0]).toMatchObject({ kind: 'drop', reason: expect.stringMatching(/goto_table 0/) });
  });

  it('apply-actions run at once; the action set at the end; clear_actions empties it', () => {
    const f = [
      flow(10, [], [write(out(4)), apply({ type: 'set_field', field: { field: 'eth_dst', value: '00:00:00:00:00:09' } }, out(1)), { type: 'goto_table', tableId: 1 }], 0),
      flow(10, [], [{ type: 'clear_actions' }, write(out(2))], 1),
    ];
    const t = traceSwitch(sw(f), 3, IP);
    expect(dests(t)).toEqual(['port:1', 'port:2']);
    expect(t.actions.map((a) => [a.stage, a.action.type])).toEqual([
      ['apply_actions', 'set_field'],
      ['apply_actions', 'output'],
      ['action_set', 'output'],
    ]);
    expect(changedFields(t.packetIn, t.packetOut)).toEqual({ eth_dst: '00:00:00:00:00:09' });
  });

  it('instructions run in the spec order whatever their order in the entry (apply before write before goto)', () => {
    const f = [flow(10, [], [{ type: 'goto_table', tableId: 1 }, write(out(2)), apply(out(1))], 0), flow(10, [], [], 1)];
    const t = traceSwitch(sw(f), 3, IP);
    expect(dests(t)).toEqual(['port:1', 'port:2']);
  });

  it('the action set runs in §5.10 order: set_field written after the output still applies before it; a group wins over an output', () => {
    const t = traceSwitch(sw([flow(10, [], [write(out(2), { type: 'set_field', field: { field: 'ipv4_dst', value: '10.0.0.9' } }, { type: 'push_vlan', ethertype: 0x8100 }, { type: 'dec_nw_ttl' })])]), 1, IP);
    expect(t.actions.map((a) => a.action.type)).toEqual(['push_vlan', 'dec_nw_ttl', 'set_field', 'output']);
    const o = t.outputs[0]!;
    expect(o.kind).toBe('port');
    expect(changedFields(t.packetIn, o.packet)).toEqual({ ipv4_dst: '10.0.0.9', vlan_vid: 0x1000, vlan_pcp: 0, nw_ttl: 63 });

    const g = { groupType: OFPGT.INDIRECT, groupId: 7, buckets: [{ weight: 0, watchPort: OFPP.ANY, watchGroup: 0xffffffff, actions: [out(3)] }] };
    const t2 = traceSwitch(sw([flow(10, [], [write(out(2), { type: 'group', groupId: 7 })])], { groups: [g] }), 1, IP);
    expect(dests(t2)).toEqual(['port:3']);
    expect(t2.actions.find((a) => a.action.type === 'output' && a.stage === 'action_set')?.note).toMatch(/group action/);
  });

  it('a meter is noted, not simulated', () => {
    const t = traceSwitch(sw([flow(10, [], [{ type: 'meter', meterId: 3 }, apply(out(1))])]), 2, IP);
    expect(dests(t)).toEqual(['port:1']);
    expect(t.notes.join()).toMatch(/meter 3/);
  });

  it('an entry without actions drops the packet', () => {
    expect(traceSwitch(sw([flow(10, [], [])]), 1, IP).outputs).toMatchObject([{ kind: 'drop', reason: 'no output action' }]);
  });
});

describe('actions', () => {
  it('push and pop VLAN: a pushed tag copies the outer one; pop removes it', () => {
    const t = traceSwitch(sw([flow(10, [], [apply({ type: 'push_vlan', ethertype: 0x88a8 }, { type: 'set_field', field: { field: 'vlan_vid', value: 0x1007 } }, out(1), { type: 'pop_vlan' }, { type: 'pop_vlan' }, out(2))])]), 3, { vlan_vid: 5, vlan_pcp: 3 });
    const [o1, o2] = t.outputs;
    expect(o1!.packet.vlans).toEqual([
      { tpid: 0x88a8, vid: 7, pcp: 3 },
      { tpid: 0x8100, vid: 5, pcp: 3 },
    ]);
    expect(o2!.packet.vlans).toEqual([]);
    expect(changedFields(t.packetIn, o2!.packet)).toEqual({ vlan_vid: 0, vlan_pcp: null });
  });

  it('set_field on a header the packet lacks is noted and does nothing', () => {
    const t = traceSwitch(sw([flow(10, [], [apply({ type: 'set_field', field: { field: 'tcp_dst', value: 9 } }, out(1))])]), 3, { eth_type: 0x0806 });
    expect(t.actions[0]!.note).toMatch(/no tcp_dst/);
    expect(changedFields(t.packetIn, t.packetOut)).toEqual({});
  });

  it('dec TTL: 64 → 63; at 1 the packet is dropped and processing stops', () => {
    const f = [flow(10, [], [apply({ type: 'dec_nw_ttl' }, out(1))])];
    expect(changedFields(traceSwitch(sw(f), 3, IP).packetIn, traceSwitch(sw(f), 3, IP).outputs[0]!.packet)).toEqual({ nw_ttl: 63 });
    const t = traceSwitch(sw(f), 3, { ...IP, nw_ttl: 1 });
    expect(t.outputs).toMatchObject([{ kind: 'drop', reason: expect.stringMatching(/TTL expired/) }]);
  });

  it('reserved ports: IN_PORT, CONTROLLER, NORMAL, LOCAL, and output to the in port is dropped', () => {
    const t = traceSwitch(sw([flow(10, [], [apply(out(OFPP.IN_PORT), out(OFPP.CONTROLLER), out(OFPP.NORMAL), out(OFPP.LOCAL), out(2), out(9))])]), 2, IP);
    expect(t.outputs.map((o) => [o.kind, 'reason' in o ? o.reason : 'via' in o ? o.via : undefined])).toEqual([
      ['port', 'IN_PORT'],
      ['controller', 'action'],
      ['unknown', 'unknown: NORMAL'],
      ['local', undefined],
      ['drop', expect.stringMatching(/in port/)],
      ['drop', 'port 9 does not exist'],
    ]);
  });

  it('FLOOD skips the in port and NO_FWD ports; ALL skips only the in port', () => {
    const ports = [port(1), port(2, OFPPC.NO_FWD), port(3), port(OFPP.LOCAL)];
    expect(dests(traceSwitch(sw([flow(1, [], [apply(out(OFPP.FLOOD))])], { ports }), 1, IP))).toEqual(['port:3', `local:${OFPP.LOCAL}`]);
    const all = traceSwitch(sw([flow(1, [], [apply(out(OFPP.ALL))])], { ports }), 3, IP);
    expect(dests(all)).toEqual(['port:1', 'drop', `local:${OFPP.LOCAL}`]);
    expect(all.outputs.every((o) => o.kind !== 'port' || o.via === 'ALL')).toBe(true);
  });
});

describe('groups', () => {
  const bucket = (actions: Action[], watchPort: number = OFPP.ANY) => ({ weight: 1, watchPort, watchGroup: 0xffffffff, actions });

  it('all: every bucket gets its own copy; later actions see the packet unchanged', () => {
    const g = { groupType: OFPGT.ALL, groupId: 1, buckets: [bucket([{ type: 'set_field', field: { field: 'eth_dst', value: '00:00:00:00:00:0a' } }, out(1)]), bucket([out(2)])] };
    const t = traceSwitch(sw([flow(10, [], [apply({ type: 'group', groupId: 1 }, out(3))])], { groups: [g] }), 4, IP);
    expect(dests(t)).toEqual(['port:1', 'port:2', 'port:3']);
    expect(changedFields(t.packetIn, t.outputs[0]!.packet)).toEqual({ eth_dst: '00:00:00:00:00:0a' });
    expect(changedFields(t.packetIn, t.outputs[1]!.packet)).toEqual({});
    expect(changedFields(t.packetIn, t.outputs[2]!.packet)).toEqual({});
    expect(t.outputs[1]!.groups).toEqual([{ groupId: 1, groupType: 'all', bucket: 1 }]);
  });

  it('select: every bucket is reported as one of them', () => {
    const g = { groupType: OFPGT.SELECT, groupId: 2, buckets: [bucket([out(1)]), bucket([out(2)])] };
    const t = traceSwitch(sw([flow(10, [], [apply({ type: 'group', groupId: 2 })])], { groups: [g] }), 4, IP);
    expect(dests(t)).toEqual(['port:1', 'port:2']);
    expect(t.outputs.map((o) => o.groups[0]?.groupType)).toEqual(['select', 'select']);
    expect(t.notes.join()).toMatch(/one of its 2 buckets/);
  });

  it('fast-failover: the first bucket whose watched port is live; none live → drop', () => {
    const g = { groupType: OFPGT.FF, groupId: 3, buckets: [bucket([out(1)], 1), bucket([out(2)], 2), bucket([out(3)], 3)] };
    const flows = [flow(10, [], [apply({ type: 'group', groupId: 3 })])];
    const down = [port(1, 0, OFPPS.LINK_DOWN), port(2, OFPPC.PORT_DOWN), port(3), port(4)];
    expect(dests(traceSwitch(sw(flows, { groups: [g], ports: down }), 4, IP))).toEqual(['port:3']);
    expect(dests(traceSwitch(sw(flows, { groups: [g] }), 4, IP))).toEqual(['port:1']);
    const allDown = [port(1, 0, OFPPS.LINK_DOWN), port(2, 0, OFPPS.LINK_DOWN), port(3, 0, OFPPS.LINK_DOWN), port(4)];
    expect(traceSwitch(sw(flows, { groups: [g], ports: allDown }), 4, IP).outputs).toMatchObject([{ kind: 'drop', reason: expect.stringMatching(/no live bucket/) }]);
  });

  it('indirect chains into another group; a missing group drops', () => {
    const g1 = { groupType: OFPGT.INDIRECT, groupId: 1, buckets: [bucket([{ type: 'group', groupId: 2 }])] };
    const g2 = { groupType: OFPGT.INDIRECT, groupId: 2, buckets: [bucket([out(4)])] };
    const t = traceSwitch(sw([flow(10, [], [apply({ type: 'group', groupId: 1 })])], { groups: [g1, g2] }), 1, IP);
    expect(dests(t)).toEqual(['port:4']);
    expect(t.outputs[0]!.groups.map((h) => h.groupId)).toEqual([1, 2]);
    expect(traceSwitch(sw([flow(10, [], [apply({ type: 'group', groupId: 9 })])]), 1, IP).outputs).toMatchObject([{ kind: 'drop', reason: 'group 9 does not exist' }]);
  });
});

describe('OpenFlow 1.0 switches', () => {
  it('one table: entries of other tables are ignored, and groups do not exist', () => {
    const t = traceSwitch(sw([flow(10, [], [apply(out(2))], 0), flow(20, [], [apply(out(3))], 1)], { version: 1 }), 1, IP);
    expect(dests(t)).toEqual(['port:2']);
  });
});

describe('the packet', () => {
  const err = (fields: unknown): string => {
    try {
      packetFromFields(fields, 1);
    } catch (e) {
      expect(e).toBeInstanceOf(TracePacketError);
      return (e as TracePacketError).field;
    }
    return 'no error';
  };

  it('names the field at fault: prerequisites, types, unknown names', () => {
    expect(err({ eth_type: 0x0800, tcp_dst: 80 })).toBe('packet.tcp_dst');
    expect(err({ ip_proto: 6 })).toBe('packet.ip_proto');
    expect(err({ eth_dst: 42 })).toBe('packet.eth_dst');
    expect(err({ ipv4_dst: '10.0.0.300', eth_type: 0x0800 })).toBe('packet.ipv4_dst');
    expect(err({ tcp_port: 1 })).toBe('packet.tcp_port');
    expect(err({ in_port: 1 })).toBe('packet.in_port');
    expect(err({ metadata: 1 })).toBe('packet.metadata');
    expect(err({ vlan_pcp: 1 })).toBe('packet.vlan_pcp');
    expect(err({ nw_ttl: 3 })).toBe('packet.nw_ttl');
    expect(err([1])).toBe('packet');
    expect(err(IP)).toBe('no error');
  });

  it('shows itself in the flow API forms', () => {
    const p = packetFromFields({ ...IP, vlan_vid: 10 }, 1);
    expect(p.toFields()).toMatchObject({ ...IP, vlan_vid: 0x100a, vlan_pcp: 0, ip_dscp: 0, nw_ttl: 64, metadata: 0n });
  });
});
