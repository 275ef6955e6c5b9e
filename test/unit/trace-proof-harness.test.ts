/** The trace proof's own tools, without Open vSwitch: the random pipelines go through the REST API's flow JSON and the encoder, and the ofproto/trace reader replays OVS's datapath actions. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flowSpecFromJson } from '../../src/api/flow-json.js';
import { encodeMessage } from '../../src/openflow/codec/index.js';
import { matchEquals } from '../../src/openflow/codec/v13/oxm.js';
import { toJsonValue } from '../../src/openflow/json.js';
import { ovsFlowText, parseDpifShow, parseOfprotoTrace, replayDatapathActions, type TracePacket } from '../harness/ofproto-trace.js';
import { packetArb, pipelineArb } from '../harness/random-pipeline.js';

const ODP = new Map([
  [2, 1],
  [3, 2],
  [4, 3],
]);
const TCP: TracePacket = { fields: { eth_src: '00:00:00:00:00:01', eth_dst: '00:00:00:00:00:02', eth_type: 0x0800, ipv4_src: '1.1.1.1', ipv4_dst: '2.2.2.2', ip_proto: 6, ip_dscp: 0, ip_ecn: 0, tcp_src: 1, tcp_dst: 2 }, vlans: [], ttl: 64 };

describe('random pipelines', () => {
  it('every flow passes the REST API flow JSON (as the test posts it) and encodes as a FLOW_MOD', () => {
    fc.assert(
      fc.property(pipelineArb({ ports: [1, 2, 3, 4], tables: 4 }), (p) => {
        expect(p.flows.some((f) => f.tableId === 3)).toBe(true);
        for (const f of p.flows) {
          const spec = flowSpecFromJson({ tableId: f.tableId, priority: f.priority, match: toJsonValue(f.match), instructions: toJsonValue(f.instructions) as unknown[] }, 'add');
          expect(matchEquals(spec.match!, f.match)).toBe(true);
          const msg = { version: 4, type: 'flow_mod', xid: 1, cookie: 0n, cookieMask: 0n, tableId: f.tableId, command: 0, idleTimeout: 0, hardTimeout: 0, priority: f.priority, bufferId: 0xffffffff, outPort: 0xffffffff, outGroup: 0xffffffff, flags: 0, match: spec.match!, instructions: spec.instructions! } as const;
          expect(encodeMessage(msg).length).toBeGreaterThanOrEqual(56);
          for (const i of f.instructions) if (i.type === 'goto_table') expect(i.tableId).toBeGreaterThan(f.tableId);
        }
        const perTable = new Map<number, number[]>();
        for (const f of p.flows) perTable.set(f.tableId, [...(perTable.get(f.tableId) ?? []), f.priority]);
        for (const prios of perTable.values()) expect(new Set(prios).size).toBe(prios.length);
      }),
      { seed: 16, numRuns: 100, endOnFailure: true },
    );
  });

  it('the same seed gives the same pipelines and packets', () => {
    const a = fc.sample(pipelineArb({ ports: [1, 2], tables: 3 }), { seed: 7, numRuns: 3 });
    const b = fc.sample(pipelineArb({ ports: [1, 2], tables: 3 }), { seed: 7, numRuns: 3 });
    expect(toJsonValue(a)).toEqual(toJsonValue(b));
    expect(fc.sample(packetArb([1, 2]), { seed: 7, numRuns: 5 })).toEqual(fc.sample(packetArb([1, 2]), { seed: 7, numRuns: 5 }));
  });
});

describe('ofproto/trace reader', () => {
  it('maps datapath ports to OpenFlow ports from dpif/show, for the named bridge only', () => {
    const text = 'netdev@ovs-netdev: hit:0 missed:0\n  other:\n    other 65534/9: (tap)\n    otherp1 1/8: (tap)\n  sbxtp01:\n    sbxtp01 65534/1: (tap)\n    sbxtp01p1 1/2: (tap)\n    sbxtp01p2 2/3: (tap)\n';
    expect([...parseDpifShow(text, 'sbxtp01')]).toEqual([
      [1, 65534],
      [2, 1],
      [3, 2],
    ]);
  });

  it('writes the flow with prerequisites first and the VLAN tag as vlan_tci', () => {
    expect(ovsFlowText(1, { ...TCP, vlans: [{ vid: 10, pcp: 3 }] })).toBe(
      'in_port=1,dl_src=00:00:00:00:00:01,dl_dst=00:00:00:00:00:02,vlan_tci=0x700a,dl_type=0x0800,nw_src=1.1.1.1,nw_dst=2.2.2.2,nw_proto=6,nw_tos=0,nw_ecn=0,nw_ttl=64,tcp_src=1,tcp_dst=2',
    );
  });

  it('replays sets, VLAN push/pop, outputs and packet-ins in order, each copy with its headers then', () => {
    const r = replayDatapathActions(
      'set(ipv4(src=10.0.0.9,ttl=63)),3,push_vlan(vid=5,pcp=0),4,userspace(pid=0,controller(reason=1,dont_send=1,continuation=0,recirc_id=1,rule_cookie=0,controller_id=0,max_len=65535)),set(eth(dst=00:00:00:00:00:09)),pop_vlan,set(ipv4(tos=0xb8/0xfc)),set(tcp(dst=80)),2',
      TCP,
      ODP,
    );
    expect(r.ttlExpired).toBe(false);
    expect(r.emissions.map((e) => (e.to === 'port' ? e.port : e.to))).toEqual([2, 3, 'controller', 1]);
    expect(r.emissions[0]!.packet).toMatchObject({ fields: { ipv4_src: '10.0.0.9' }, vlans: [], ttl: 63 });
    expect(r.emissions[1]!.packet.vlans).toEqual([{ vid: 5, pcp: 0 }]);
    expect(r.emissions[2]!.packet.vlans).toEqual([{ vid: 5, pcp: 0 }]);
    expect(r.emissions[3]!.packet).toMatchObject({ fields: { eth_dst: '00:00:00:00:00:09', ip_dscp: 46, tcp_dst: 80 }, vlans: [] });
    expect(TCP.fields.ipv4_src).toBe('1.1.1.1');
  });

  it('an OFPR_INVALID_TTL packet-in is the TTL running out, not a controller output; "drop" is nothing', () => {
    const text = 'Flow: ...\n\nFinal flow: unchanged\nMegaflow: recirc_id=0\nDatapath actions: 4,userspace(pid=0,controller(reason=2,dont_send=1,continuation=0,recirc_id=3,rule_cookie=0,controller_id=0,max_len=65535))\n';
    const r = parseOfprotoTrace(text, TCP, ODP);
    expect(r.ttlExpired).toBe(true);
    expect(r.emissions.map((e) => e.to)).toEqual(['port']);
    expect(parseOfprotoTrace('Datapath actions: drop\n', TCP, ODP).emissions).toEqual([]);
  });

  it('refuses what it cannot replay rather than guessing', () => {
    expect(() => replayDatapathActions('9', TCP, ODP)).toThrow(/not on the bridge/);
    expect(() => replayDatapathActions('recirc(0x1)', TCP, ODP)).toThrow(/not replayed/);
    expect(() => parseOfprotoTrace('no such line', TCP, ODP)).toThrow(/Datapath actions/);
  });
});
