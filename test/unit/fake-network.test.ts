/** The test fakes themselves: the OXM oracle, the fake switch pipeline (flow mods, groups, actions) and the fake network's walk. */
import { describe, expect, it } from 'vitest';
import { OFPG, OFPP } from '../../src/openflow/codec/constants.js';
import { OFPFF, OFPGT, OFPR } from '../../src/openflow/codec/v13/enums.js';
import type { Match } from '../../src/openflow/codec/v13/oxm.js';
import { buildPacket, parsePacket } from '../../src/packet/packet.js';
import { FakeFlowTable, FakeSwitchError, packetMatches } from '../fakes/fake-flow-table.js';
import { hostsReached } from '../fakes/fake-network.js';
import { filterSelects, matchProblem, matchesOverlap, sameMatch } from '../fakes/oxm-oracle.js';
import { packetOf } from '../fakes/fake-packet.js';
import { buildNetwork, linear, mac, ring, snapshotOf, tree } from '../fakes/topologies.js';

const IP = { eth_type: 0x0800, eth_src: mac(1), eth_dst: mac(2), ipv4_src: '10.0.0.1', ipv4_dst: '10.0.0.2', ip_proto: 6, tcp_src: 1234, tcp_dst: 80 };
const out = (port: number): { type: 'output'; port: number } => ({ type: 'output', port });
const bucket = (actions: ({ type: 'output'; port: number } | { type: 'group'; groupId: number })[], watchPort: number = OFPP.ANY, weight = 0) => ({ weight, watchPort, watchGroup: OFPG.ANY, actions });

describe('oxm oracle', () => {
  it('matches masked fields, addresses in any spelling, and every field of the match', () => {
    expect(packetMatches([{ field: 'ipv4_dst', value: '10.0.0.0', mask: '255.255.255.0' }], { ...IP, in_port: 1 })).toBe(true);
    expect(packetMatches([{ field: 'ipv4_dst', value: '10.0.1.0', mask: '255.255.255.0' }], IP)).toBe(false);
    expect(packetMatches([{ field: 'eth_dst', value: '00:00:00:00:00:02' }], { eth_dst: '00:00:00:00:00:02' })).toBe(true);
    expect(packetMatches([{ field: 'eth_dst', value: '01:00:00:00:00:00', mask: '01:00:00:00:00:00' }], { eth_dst: 'FF:FF:FF:FF:FF:FF' })).toBe(true);
    expect(packetMatches([{ field: 'eth_dst', value: '01:00:00:00:00:00', mask: '01:00:00:00:00:00' }], IP)).toBe(false);
    expect(packetMatches([{ field: 'ipv6_dst', value: '2001:db8::1' }], { eth_type: 0x86dd, ipv6_dst: '2001:0db8:0:0:0:0:0:1' })).toBe(true);
    expect(packetMatches([{ field: 'ipv6_dst', value: '2001:db8::', mask: 'ffff:ffff::' }], { eth_type: 0x86dd, ipv6_dst: '2001:db8:5::9' })).toBe(true);
    // A field the packet lacks never matches (a TCP port on a UDP packet).
    expect(packetMatches([{ field: 'tcp_dst', value: 80 }], { ...IP, ip_proto: 17, tcp_dst: undefined, udp_dst: 80 })).toBe(false);
    expect(packetMatches([{ field: 'in_port', value: 3 }, { field: 'tcp_dst', value: 80 }], { ...IP, in_port: 3 })).toBe(true);
    expect(packetMatches([{ field: 'in_port', value: 3 }, { field: 'tcp_dst', value: 80 }], { ...IP, in_port: 4 })).toBe(false);
  });

  it('matches VLANs by the present bit: none, any tag, one VID', () => {
    const untagged = { eth_type: 0x0800 };
    const tagged = { eth_type: 0x0800, vlan_vid: 5 };
    const none: Match = [{ field: 'vlan_vid', value: 0 }];
    const any: Match = [{ field: 'vlan_vid', value: 0x1000, mask: 0x1000 }];
    const five: Match = [{ field: 'vlan_vid', value: 0x1005 }];
    expect([packetMatches(none, untagged), packetMatches(none, tagged)]).toEqual([true, false]);
    expect([packetMatches(any, untagged), packetMatches(any, tagged)]).toEqual([false, true]);
    expect([packetMatches(five, tagged), packetMatches(five, { ...tagged, vlan_vid: 6 }), packetMatches([{ field: 'vlan_vid', value: 5 }], tagged)]).toEqual([true, false, false]);
    // The VID with or without OFPVID_PRESENT in a test's packet is the same tag.
    expect(packetMatches(five, { ...tagged, vlan_vid: 0x1005 })).toBe(true);
  });

  it('refuses matches a switch refuses: missing or wrong prerequisites, duplicates, masks on unmaskable fields', () => {
    expect(matchProblem([{ field: 'ipv4_dst', value: '10.0.0.1' }])?.code).toBe('BAD_PREREQ');
    expect(matchProblem([{ field: 'eth_type', value: 0x86dd }, { field: 'ipv4_dst', value: '10.0.0.1' }])?.code).toBe('BAD_PREREQ');
    expect(matchProblem([{ field: 'eth_type', value: 0x0800 }, { field: 'ip_proto', value: 17 }, { field: 'tcp_dst', value: 22 }])?.code).toBe('BAD_PREREQ');
    expect(matchProblem([{ field: 'vlan_pcp', value: 3 }])?.code).toBe('BAD_PREREQ');
    expect(matchProblem([{ field: 'vlan_vid', value: 0x1000, mask: 0x1000 }, { field: 'vlan_pcp', value: 3 }])).toBeUndefined();
    expect(matchProblem([{ field: 'eth_type', value: 0x0800 }, { field: 'eth_type', value: 0x0800 }])?.code).toBe('DUP_FIELD');
    expect(matchProblem([{ field: 'eth_type', value: 0x0800, mask: 0xff00 } as never])?.code).toBe('BAD_MASK');
    expect(matchProblem([{ field: 'eth_type', value: 0x0800 }, { field: 'ip_proto', value: 6 }, { field: 'tcp_dst', value: 22 }])).toBeUndefined();
  });

  it('selects for non-strict commands what is at least as specific, strict ones by equal meaning', () => {
    const flow: Match = [{ field: 'eth_type', value: 0x0800 }, { field: 'ipv4_dst', value: '10.0.0.7' }];
    expect(filterSelects([], flow)).toBe(true);
    expect(filterSelects([{ field: 'eth_type', value: 0x0800 }], flow)).toBe(true);
    expect(filterSelects([{ field: 'ipv4_dst', value: '10.0.0.0', mask: '255.255.255.0' }], flow)).toBe(true);
    expect(filterSelects([{ field: 'ipv4_dst', value: '10.0.1.0', mask: '255.255.255.0' }], flow)).toBe(false);
    expect(filterSelects(flow, [{ field: 'eth_type', value: 0x0800 }])).toBe(false);
    expect(sameMatch(flow, [...flow].reverse())).toBe(true);
    expect(sameMatch([{ field: 'eth_dst', value: mac(1), mask: 'ff:ff:ff:ff:ff:ff' }], [{ field: 'eth_dst', value: mac(1) }])).toBe(true);
    expect(sameMatch([{ field: 'ipv4_dst', value: '10.0.0.9', mask: '255.255.255.0' }], [{ field: 'ipv4_dst', value: '10.0.0.1', mask: '255.255.255.0' }])).toBe(true);
    expect(matchesOverlap([{ field: 'in_port', value: 1 }], [{ field: 'eth_dst', value: mac(2) }])).toBe(true);
    expect(matchesOverlap([{ field: 'in_port', value: 1 }], [{ field: 'in_port', value: 2 }])).toBe(false);
  });
});

describe('fake flow table', () => {
  it('takes the highest priority; ADD replaces the same (table, priority, match); strict and non-strict delete by cookie', () => {
    const t = new FakeFlowTable();
    t.apply({ priority: 10, cookie: 1n, match: [{ field: 'eth_dst', value: mac(2) }], actions: [out(2)] });
    t.apply({ priority: 20, cookie: 2n, match: [{ field: 'eth_dst', value: mac(2) }, { field: 'eth_src', value: mac(1) }], actions: [out(3)] });
    expect(t.forward({ ...IP, in_port: 1 }).outputs).toEqual([3]);
    expect(t.forward({ ...IP, in_port: 1, eth_src: mac(9) }).outputs).toEqual([2]);
    t.apply({ priority: 10, cookie: 1n, match: [{ field: 'eth_dst', value: mac(2) }], actions: [out(4)] });
    expect(t.flows).toHaveLength(2);
    expect(t.forward({ ...IP, in_port: 1, eth_src: mac(9) }).outputs).toEqual([4]);
    // A non-strict delete with cookie 2 selects nothing with cookie 1.
    t.apply({ command: 'delete', cookie: 2n, cookieMask: ~0n, match: [{ field: 'eth_dst', value: mac(2) }] });
    expect(t.flows.map((f) => f.cookie)).toEqual([1n]);
    // Strict needs priority and match.
    t.apply({ command: 'delete_strict', priority: 11, match: [{ field: 'eth_dst', value: mac(2) }] });
    expect(t.flows).toHaveLength(1);
    t.apply({ command: 'delete_strict', priority: 10, match: [{ field: 'eth_dst', value: mac(2) }] });
    expect(t.flows).toHaveLength(0);
    expect(t.forward(IP)).toMatchObject({ outputs: [], toController: false });
  });

  it('modifies the instructions of what it selects, keeps cookies, and deletes by out_port', () => {
    const t = new FakeFlowTable();
    t.apply({ priority: 5, cookie: 7n, match: [{ field: 'in_port', value: 1 }], actions: [out(2)] });
    t.apply({ priority: 5, cookie: 7n, match: [{ field: 'in_port', value: 2 }], actions: [out(1)] });
    t.apply({ command: 'modify', match: [{ field: 'in_port', value: 1 }], actions: [out(3)] });
    expect(t.forward({ in_port: 1 }).outputs).toEqual([3]);
    expect(t.flows.every((f) => f.cookie === 7n)).toBe(true);
    t.apply({ command: 'delete', outPort: 1 });
    expect(t.flows.map((f) => f.match)).toEqual([[{ field: 'in_port', value: 1 }]]);
  });

  it('refuses what a switch refuses', () => {
    const t = new FakeFlowTable();
    const code = (f: () => unknown): string => {
      try {
        f();
        return 'ok';
      } catch (e) {
        expect(e).toBeInstanceOf(FakeSwitchError);
        return (e as FakeSwitchError).code;
      }
    };
    expect(code(() => t.apply({ match: [{ field: 'tcp_dst', value: 22 }] }))).toBe('OFPET_BAD_MATCH/OFPBMC_BAD_PREREQ');
    expect(code(() => t.apply({ tableId: 1, instructions: [{ type: 'goto_table', tableId: 1 }] }))).toBe('OFPET_BAD_INSTRUCTION/OFPBIC_BAD_TABLE_ID');
    expect(code(() => t.apply({ actions: [{ type: 'group', groupId: 9 }] }))).toBe('OFPET_BAD_ACTION/OFPBAC_BAD_OUT_GROUP');
    t.apply({ priority: 1, match: [{ field: 'in_port', value: 1 }], flags: OFPFF.CHECK_OVERLAP });
    expect(code(() => t.apply({ priority: 1, match: [{ field: 'eth_dst', value: mac(1) }], flags: OFPFF.CHECK_OVERLAP }))).toBe('OFPET_FLOW_MOD_FAILED/OFPFMFC_OVERLAP');
    expect(code(() => t.apply({ priority: 1, match: [{ field: 'in_port', value: 2 }], flags: OFPFF.CHECK_OVERLAP }))).toBe('ok');
    expect(code(() => t.applyGroup({ command: 'add', groupType: 'indirect', groupId: 1, buckets: [] }))).toBe('OFPET_GROUP_MOD_FAILED/OFPGMFC_INVALID_GROUP');
    expect(code(() => t.applyGroup({ command: 'modify', groupType: 'all', groupId: 1, buckets: [] }))).toBe('OFPET_GROUP_MOD_FAILED/OFPGMFC_UNKNOWN_GROUP');
    expect(code(() => t.applyGroup({ command: 'add', groupType: 'ff', groupId: 1, buckets: [bucket([out(1)])] }))).toBe('OFPET_GROUP_MOD_FAILED/OFPGMFC_BAD_WATCH');
    t.applyGroup({ command: 'add', groupType: 'all', groupId: 1, buckets: [] });
    expect(code(() => t.applyGroup({ command: 'add', groupType: 'all', groupId: 1, buckets: [] }))).toBe('OFPET_GROUP_MOD_FAILED/OFPGMFC_GROUP_EXISTS');
    expect(code(() => t.applyGroup({ command: 'modify', groupType: 'all', groupId: 1, buckets: [bucket([{ type: 'group', groupId: 1 }])] }))).toBe('OFPET_GROUP_MOD_FAILED/OFPGMFC_LOOP');
  });

  it('walks goto_table, write/clear actions and metadata, and runs the action set in spec order at the end', () => {
    const t = new FakeFlowTable();
    t.apply({ tableId: 0, priority: 1, match: [], instructions: [{ type: 'write_actions', actions: [out(9)] }, { type: 'write_metadata', metadata: 5n, metadataMask: 0xffn }, { type: 'goto_table', tableId: 2 }] });
    t.apply({ tableId: 2, priority: 1, match: [{ field: 'metadata', value: 5n }], instructions: [{ type: 'write_actions', actions: [out(4), { type: 'set_field', field: { field: 'eth_dst', value: mac(7) } }] }, { type: 'apply_actions', actions: [out(3)] }] });
    const r = t.process(packetOf(IP), 1);
    // Apply-actions now (port 3, unchanged); the action set replaced output 9 by 4 and sets eth_dst before it.
    expect(r.emissions.map((e) => [e.port, e.packet.fields.eth_dst])).toEqual([[3, mac(2)], [4, mac(7)]]);
    expect(r.hits.map((f) => f.tableId)).toEqual([0, 2]);
    t.apply({ tableId: 2, priority: 2, match: [], instructions: [{ type: 'clear_actions' }] });
    expect(t.process(packetOf(IP), 1)).toMatchObject({ emissions: [], drops: [{ reason: 'no-actions', tableId: 2 }] });
    // A miss in a later table drops (no implicit table-miss in 1.3).
    t.apply({ tableId: 0, priority: 1, match: [], instructions: [{ type: 'goto_table', tableId: 5 }] });
    expect(t.process(packetOf(IP), 1).drops).toEqual([{ reason: 'miss', tableId: 5 }]);
  });

  it('rewrites headers: set_field, push and pop VLAN, TTL down to a drop', () => {
    const t = new FakeFlowTable();
    t.apply({
      priority: 1,
      actions: [
        { type: 'push_vlan', ethertype: 0x8100 },
        { type: 'set_field', field: { field: 'vlan_vid', value: 0x1000 | 42 } },
        out(2),
        { type: 'pop_vlan' },
        { type: 'dec_nw_ttl' },
        { type: 'set_field', field: { field: 'ipv4_dst', value: '10.9.9.9' } },
        out(3),
      ],
    });
    const r = t.process(packetOf({ ...IP, ttl: 5 }), 1);
    expect(r.emissions[0]!.packet.vlans).toEqual([{ tpid: 0x8100, vid: 42, pcp: 0 }]);
    expect(r.emissions[1]!.packet).toMatchObject({ vlans: [], ttl: 4, fields: { ipv4_dst: '10.9.9.9' } });
    // The rebuilt frame carries the new headers, valid (checksums recomputed).
    const net = buildNetwork(linear(1));
    net.flowMod(1n, { priority: 1, actions: [{ type: 'dec_nw_ttl' }, { type: 'set_field', field: { field: 'eth_dst', value: mac(9) } }, out(OFPP.CONTROLLER)] });
    const data = buildPacket({ eth: { dst: mac(2), src: mac(1) }, ipv4: { src: '10.0.0.1', dst: '10.0.0.2', protocol: 17, ttl: 9 }, udp: { srcPort: 5, dstPort: 6 }, payload: Buffer.from('hi') });
    const pi = net.inject(1n, 1, data).packetIns[0]!;
    const back = parsePacket(pi.data);
    expect(back.error).toBeUndefined();
    expect(back.eth?.dst).toBe(mac(9));
    expect(back.ipv4?.ttl).toBe(8);
    expect(back.payload?.toString()).toBe('hi');
    // TTL 1 cannot be decremented: dropped.
    expect(t.process(packetOf({ ...IP, ttl: 1 }), 1)).toMatchObject({ drops: [{ reason: 'ttl' }] });
    expect(t.process(packetOf({ ...IP, ttl: 1 }), 1).emissions.map((e) => e.port)).toEqual([2]);
  });
});

describe('fake groups', () => {
  function withGroup(type: number, buckets: ReturnType<typeof bucket>[]): ReturnType<typeof buildNetwork> {
    const net = buildNetwork({ switches: [{ dpid: 1n, ports: [1, 2, 3, 4] }], links: [], hosts: ['a', 'b', 'c', 'd'].map((n, i) => ({ name: n, mac: mac(i + 1), dpid: 1n, port: i + 1 })) });
    net.groupMod(1n, { command: 'add', groupType: type, groupId: 7, buckets });
    net.flowMod(1n, { priority: 1, match: [{ field: 'in_port', value: 1 }], actions: [{ type: 'group', groupId: 7 }] });
    return net;
  }

  it('all: every bucket gets a copy', () => {
    const net = withGroup(OFPGT.ALL, [bucket([out(2)]), bucket([out(3)]), bucket([out(4)])]);
    expect(hostsReached(net.send('a', IP))).toEqual(['b', 'c', 'd']);
  });

  it('indirect: its one bucket; many flows can share it and one modify moves them all', () => {
    const net = withGroup(OFPGT.INDIRECT, [bucket([out(2)])]);
    net.flowMod(1n, { priority: 1, match: [{ field: 'in_port', value: 4 }], actions: [{ type: 'group', groupId: 7 }] });
    expect(hostsReached(net.send('a', IP))).toEqual(['b']);
    net.groupMod(1n, { command: 'modify', groupType: 'indirect', groupId: 7, buckets: [bucket([out(3)])] });
    expect(hostsReached(net.send('a', IP))).toEqual(['c']);
    expect(hostsReached(net.send('d', IP))).toEqual(['c']);
  });

  it('select: one live bucket per flow, stable for the same addresses, spread over weights, never a dead one', () => {
    const net = withGroup(OFPGT.SELECT, [bucket([out(2)], 2, 1), bucket([out(3)], 3, 1), bucket([out(4)], 4, 1)]);
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const got = hostsReached(net.send('a', { ...IP, tcp_src: 1000 + i }));
      expect(got).toHaveLength(1);
      expect(hostsReached(net.send('a', { ...IP, tcp_src: 1000 + i }))).toEqual(got);
      seen.add(got[0]!);
    }
    expect([...seen].sort()).toEqual(['b', 'c', 'd']);
    net.setPort(1n, 3, false);
    net.setPort(1n, 4, false);
    for (let i = 0; i < 10; i++) expect(hostsReached(net.send('a', { ...IP, tcp_src: 1000 + i }))).toEqual(['b']);
    net.setPort(1n, 2, false);
    expect(net.send('a', IP).drops).toEqual([{ dpid: 1n, port: 1, reason: 'group-dead', groupId: 7 }]);
  });

  it('fast failover: the first bucket whose watched port is live; back when it returns; dead when none is', () => {
    const net = withGroup(OFPGT.FF, [bucket([out(2)], 2), bucket([out(3)], 3)]);
    expect(hostsReached(net.send('a', IP))).toEqual(['b']);
    net.setPort(1n, 2, false);
    expect(hostsReached(net.send('a', IP))).toEqual(['c']);
    net.setPort(1n, 2, true);
    expect(hostsReached(net.send('a', IP))).toEqual(['b']);
    net.setPort(1n, 2, false);
    net.setPort(1n, 3, false);
    expect(net.send('a', IP)).toMatchObject({ delivered: [], drops: [{ reason: 'group-dead', groupId: 7 }] });
  });

  it('fast failover watching a group, chained groups, and a group delete taking its flows with it', () => {
    const net = withGroup(OFPGT.ALL, [bucket([out(4)])]);
    net.groupMod(1n, { command: 'add', groupType: 'ff', groupId: 8, buckets: [bucket([out(2)], 2)] });
    net.groupMod(1n, { command: 'add', groupType: 'ff', groupId: 9, buckets: [{ weight: 0, watchPort: OFPP.ANY, watchGroup: 8, actions: [{ type: 'group', groupId: 8 }] }, bucket([out(3)], 3)] });
    net.flowMod(1n, { priority: 2, match: [{ field: 'in_port', value: 1 }, { field: 'eth_type', value: 0x0806 }], actions: [{ type: 'group', groupId: 9 }] });
    const arp = { eth_type: 0x0806, eth_dst: 'ff:ff:ff:ff:ff:ff', arp_op: 1, arp_tpa: '10.0.0.2' };
    expect(hostsReached(net.send('a', arp))).toEqual(['b']);
    net.setPort(1n, 2, false); // group 8 is dead, so group 9's first bucket is too
    expect(hostsReached(net.send('a', arp))).toEqual(['c']);
    expect(hostsReached(net.send('a', IP))).toEqual(['d']);
    net.groupMod(1n, { command: 'delete', groupId: OFPG.ALL });
    expect(net.table(1n).flows).toEqual([]);
    expect(net.send('a', IP).drops).toEqual([{ dpid: 1n, port: 1, reason: 'miss', tableId: 0 }]);
  });
});

describe('fake network', () => {
  it('follows links to the hosts, flood stays off the ingress, and a storm on a ring is a loop', () => {
    const net = buildNetwork(ring(4));
    for (const d of net.switches.keys()) net.flowMod(d, { priority: 1, actions: [out(OFPP.FLOOD)] });
    const t = net.send('h1', { eth_type: 0x0800, eth_dst: 'ff:ff:ff:ff:ff:ff' }, { maxSteps: 100 });
    expect(t.loop).toBe(true);
    expect(t.steps).toBe(100);
    const line = buildNetwork(linear(4));
    for (const d of line.switches.keys()) line.flowMod(d, { priority: 1, actions: [out(OFPP.FLOOD)] });
    const once = line.send('h2', { eth_type: 0x0800, eth_dst: 'ff:ff:ff:ff:ff:ff' });
    expect(once.loop).toBe(false);
    expect(hostsReached(once)).toEqual(['h1', 'h3', 'h4']);
    // The line's open ends (s1:2, s4:3) have nobody on them.
    expect(once.delivered.filter((d) => d.host === undefined).map((d) => `${d.dpid}:${d.port}`)).toEqual(['1:2', '4:3']);
  });

  it('detects a forwarding loop by its hop limit', () => {
    const net = buildNetwork(ring(3));
    for (const d of net.switches.keys()) net.flowMod(d, { priority: 1, match: [{ field: 'eth_dst', value: mac(9) }], actions: [out(3)] });
    const t = net.send('h1', { eth_type: 0x0800, eth_dst: mac(9) }, { hopLimit: 10 });
    expect(t).toMatchObject({ loop: true, delivered: [] });
    expect(t.steps).toBe(10);
  });

  it('sends to the controller with reason and cookie, runs its packet-outs in the same walk, and records drops', () => {
    const net = buildNetwork(linear(2));
    net.flowMod(1n, { priority: 0, cookie: 5n, actions: [out(OFPP.CONTROLLER)] });
    net.flowMod(2n, { priority: 0, actions: [out(OFPP.CONTROLLER)] });
    net.flowMod(2n, { priority: 9, cookie: 6n, match: [{ field: 'eth_type', value: 0x0806 }], actions: [out(OFPP.CONTROLLER)] });
    net.controller = (pi) => (pi.dpid === 1n ? [{ dpid: 1n, spec: { inPort: pi.inPort, actions: [out(3)], data: pi.data } }] : []);
    const t = net.send('h1', { eth_type: 0x0806, eth_dst: 'ff:ff:ff:ff:ff:ff', arp_op: 1, arp_tpa: '10.0.0.2' });
    expect(t.packetIns.map((p) => [p.dpid, p.inPort, p.reason, p.cookie])).toEqual([[1n, 1, OFPR.NO_MATCH, 5n], [2n, 2, OFPR.ACTION, 6n]]);
    expect(parsePacket(t.packetIns[1]!.data).arp).toMatchObject({ op: 1, sha: mac(1), spa: '10.0.0.1', tpa: '10.0.0.2' });
    // Output to the ingress port is dropped; OFPP_IN_PORT is the way back.
    net.flowMod(1n, { priority: 5, match: [{ field: 'in_port', value: 1 }], actions: [out(1)] });
    expect(net.send('h1', IP).drops).toEqual([{ dpid: 1n, port: 1, reason: 'in-port', outPort: 1 }]);
    net.flowMod(1n, { priority: 5, match: [{ field: 'in_port', value: 1 }], actions: [out(OFPP.IN_PORT)] });
    expect(hostsReached(net.send('h1', IP))).toEqual(['h1']);
    // A packet-out to OFPP_TABLE goes through the pipeline.
    net.controller = undefined;
    const po = net.packetOut({ dpid: 2n, spec: { inPort: OFPP.CONTROLLER, actions: [out(OFPP.TABLE)], data: buildPacket({ eth: { dst: mac(1), src: mac(2), ethertype: 0x88b5 }, payload: Buffer.alloc(46) }) } });
    expect(po.packetIns.map((p) => p.dpid)).toEqual([2n]);
  });

  it('builds trees as Mininet does and snapshots what discovery would see', () => {
    const t = tree(2, 3);
    expect(t.switches.map((s) => s.dpid)).toEqual([1n, 2n, 3n, 4n]);
    expect(t.hosts.map((h) => `${h.name}@${h.dpid}:${h.port}`)).toEqual(['h1@2:1', 'h2@2:2', 'h3@2:3', 'h4@3:1', 'h5@3:2', 'h6@3:3', 'h7@4:1', 'h8@4:2', 'h9@4:3']);
    const net = buildNetwork(t);
    const snap = snapshotOf(net, { hosts: true });
    expect(snap.links).toHaveLength(6);
    expect(snap.switches.get(2n)).toMatchObject({ edgePorts: [1, 2, 3], infrastructurePorts: [4] });
    expect(snap.shortestPath(2n, 4n)?.links.map((l) => l.dst)).toEqual([1n, 4n]);
    expect(snap.hosts).toHaveLength(9);
    net.setPort(1n, 1, false);
    expect(snapshotOf(net).links).toHaveLength(4);
  });
});
