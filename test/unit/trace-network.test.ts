// The network trace (src/trace/network.ts): links followed, branches, loops, outcomes; tables given directly.
import { describe, expect, it } from 'vitest';
import { OFPP } from '../../src/openflow/codec/constants.js';
import type { Action } from '../../src/openflow/codec/v13/actions.js';
import { OFPGT } from '../../src/openflow/codec/v13/enums.js';
import type { Match } from '../../src/openflow/codec/v13/oxm.js';
import { desiredSource, liveSource } from '../../src/trace/sources.js';
import { networkView, traceNetwork, TraceSwitchError, type TraceSource } from '../../src/trace/network.js';
import { traceToJson } from '../../src/trace/json.js';
import { packetFromFields } from '../../src/trace/packet.js';
import type { SwitchTables, TraceFlow, TraceGroup } from '../../src/trace/pipeline.js';

const ports = (...n: number[]) => n.map((portNo) => ({ portNo, config: 0, state: 0 }));
const f = (priority: number, match: Match, actions: Action[]): TraceFlow => ({ tableId: 0, priority, cookie: 0n, match, instructions: [{ type: 'apply_actions', actions }] });
const out = (port: number): Action => ({ type: 'output', port });
const source = (tables: Map<bigint, SwitchTables>): TraceSource & { reads: bigint[] } => {
  const reads: bigint[] = [];
  return { reads, switchTables: async (d) => (reads.push(d), tables.get(d)) };
};

/** A ring of n switches: port 1 to the next, port 2 to the previous, host h<i> on port 3. */
function ring(n: number) {
  const links = [];
  for (let i = 1; i <= n; i++) {
    const next = BigInt((i % n) + 1);
    links.push({ src: BigInt(i), srcPort: 1, dst: next, dstPort: 2 }, { src: next, srcPort: 2, dst: BigInt(i), dstPort: 1 });
  }
  const hosts = Array.from({ length: n }, (_, i) => ({ mac: `00:00:00:00:00:0${i + 1}`, location: { dpid: BigInt(i + 1), port: 3 } }));
  return networkView({ links, hosts });
}
const P = packetFromFields({ eth_dst: '00:00:00:00:00:03', eth_type: 0x0800, ipv4_dst: '10.0.0.3' }, 3);

describe('traceNetwork', () => {
  it('follows links to the host; each switch is read once', async () => {
    const fwd = f(10, [{ field: 'eth_dst', value: '00:00:00:00:00:03' }], [out(1)]);
    const tables = new Map([1n, 2n].map((d) => [d, { version: 4, flows: [fwd], groups: [], ports: ports(1, 2, 3) }]));
    tables.set(3n, { version: 4, flows: [f(10, [], [out(3)])], groups: [], ports: ports(1, 2, 3) });
    const src = source(tables);
    const t = await traceNetwork({ dpid: 1n, inPort: 3, packet: P, network: ring(4), source: src });
    expect(t.hops.map((h) => [h.dpid, h.inPort])).toEqual([
      [1n, 3],
      [2n, 2],
      [3n, 2],
    ]);
    expect(t.outcome).toBe('delivered');
    expect(t.reason).toBe('to 00:00:00:00:00:03 at 0000000000000003 port 3');
    expect(src.reads).toEqual([1n, 2n, 3n]);
  });

  it('a flood around a ring without a tree is a loop, reported at the port seen twice', async () => {
    const flood = { version: 4, flows: [f(1, [], [out(OFPP.FLOOD)])], groups: [], ports: ports(1, 2, 3) };
    const tables = new Map([1n, 2n, 3n].map((d) => [d, flood]));
    const t = await traceNetwork({ dpid: 1n, inPort: 3, packet: P, network: ring(3), source: source(tables) });
    expect(t.outcome).toBe('loop');
    expect(t.reason).toMatch(/^loop: the packet reaches 00000000000000\d\d port \d a second time unchanged/);
    const hosts = t.hops.flatMap((h) => h.outputs.map((o) => o.next)).filter((n) => typeof n === 'object' && 'host' in n);
    expect(hosts.length).toBeGreaterThan(0);
  });

  it('a flood along a tree reaches every host once and never loops', async () => {
    // Ring of 3 with the link 3-1 cut out of the tree: s1 floods to 1 and 3, s2 to all, s3 to 2 and 3.
    const tree = (d: bigint): SwitchTables => ({
      version: 4,
      flows: [f(1, [], [out(OFPP.FLOOD)])],
      groups: [],
      ports: d === 1n ? [...ports(1, 3), { portNo: 2, config: 1 << 5, state: 0 }] : d === 3n ? [...ports(2, 3), { portNo: 1, config: 1 << 5, state: 0 }] : ports(1, 2, 3),
    });
    const tables = new Map([1n, 2n, 3n].map((d) => [d, tree(d)]));
    const t = await traceNetwork({ dpid: 1n, inPort: 3, packet: P, network: ring(3), source: source(tables) });
    expect(t.outcome).toBe('delivered');
    const reached = t.hops.flatMap((h) => h.outputs.flatMap((o) => (typeof o.next === 'object' && 'host' in o.next ? [o.next.host] : [])));
    expect(reached.sort()).toEqual(['00:00:00:00:00:02', '00:00:00:00:00:03']);
  });

  it('a loop that decrements the TTL ends in a drop, not a loop', async () => {
    const tables = new Map([1n, 2n, 3n].map((d) => [d, { version: 4, flows: [f(1, [], [{ type: 'dec_nw_ttl' }, out(1)])], groups: [], ports: ports(1, 2, 3) }]));
    const t = await traceNetwork({ dpid: 1n, inPort: 3, packet: packetFromFields({ eth_type: 0x0800, nw_ttl: 5 }, 3), network: ring(3), source: source(tables) });
    expect(t.outcome).toBe('dropped');
    expect(t.hops).toHaveLength(5);
    expect(t.reason).toMatch(/TTL expired/);
  });

  it('select groups branch into every bucket, flagged as one of them', async () => {
    const g: TraceGroup = { groupType: OFPGT.SELECT, groupId: 1, buckets: [1, 3].map((p) => ({ weight: 1, watchPort: OFPP.ANY, watchGroup: OFPP.ANY, actions: [out(p)] })) };
    const tables = new Map([
      [1n, { version: 4, flows: [f(1, [], [{ type: 'group', groupId: 1 }])], groups: [g], ports: ports(1, 2, 3, 4) }],
      [2n, { version: 4, flows: [f(1, [], [out(OFPP.CONTROLLER)])], groups: [], ports: ports(1, 2, 3) }],
    ]);
    const t = await traceNetwork({ dpid: 1n, inPort: 4, packet: P, network: ring(3), source: source(tables) });
    const json = traceToJson(t) as { hops: { outputs: { oneOf?: boolean; groups?: unknown[] }[] }[] };
    expect(json.hops[0]!.outputs.map((o) => o.oneOf)).toEqual([true, true]);
    expect(t.outcome).toBe('delivered');
    expect(t.reason).toMatch(/one of the select group buckets.*also 1 copy to the controller/);
  });

  it('NORMAL and unreadable switches are unknown; a switch that fails is a TraceSwitchError naming it', async () => {
    const tables = new Map([[1n, { version: 4, flows: [f(1, [], [out(OFPP.NORMAL)])], groups: [], ports: ports(1, 2, 3) }]]);
    const t = await traceNetwork({ dpid: 1n, inPort: 3, packet: P, network: ring(3), source: source(tables) });
    expect([t.outcome, t.reason]).toEqual(['unknown', 'unknown: NORMAL at 0000000000000001']);
    const t2 = await traceNetwork({ dpid: 1n, inPort: 3, packet: P, network: ring(3), source: source(new Map([[1n, { version: 4, flows: [f(1, [], [out(1)])], groups: [], ports: ports(1, 2, 3) }]])) });
    expect([t2.outcome, t2.reason]).toEqual(['unknown', 'switch 0000000000000002 is not known']);
    const failing: TraceSource = { switchTables: async () => Promise.reject(new Error('boom')) };
    await expect(traceNetwork({ dpid: 7n, inPort: 1, packet: P, network: ring(3), source: failing })).rejects.toMatchObject({ name: 'TraceSwitchError', dpid: 7n });
    expect(TraceSwitchError).toBeDefined();
  });
});

describe('sources', () => {
  it('live reads flows and groups of a 1.3 switch, ports from the device view', async () => {
    const view = { version: 4, ports: new Map([[1, { portNo: 1, config: 0, state: 0 }]]) };
    const src = liveSource({
      devices: { get: (d) => (d === 1n ? (view as never) : undefined) },
      admin: { flowStats: async () => [], groupDesc: async () => ({ type: 'group_desc', groups: [] }) as never },
    });
    expect(await src.switchTables(1n)).toEqual({ version: 4, flows: [], groups: [], ports: [{ portNo: 1, config: 0, state: 0 }] });
    expect(await src.switchTables(2n)).toBeUndefined();
  });

  it('desired keeps the indexed tables while the records are the same objects', async () => {
    const recs = [{ owner: 'a', spec: { priority: 5, actions: [out(1)] } }];
    let current = recs;
    const src = desiredSource({ flows: (d) => (d === 1n ? current : []) });
    const a = await src.switchTables(1n);
    expect(await src.switchTables(1n)).toBe(a);
    current = [{ owner: 'a', spec: { priority: 6, actions: [out(1)] } }];
    const b = await src.switchTables(1n);
    expect(b).not.toBe(a);
    expect(b && 'prepared' in b ? [...b.tables.get(0)!.entries].map((e) => [e.flow.priority, e.flow.owner]) : undefined).toEqual([[6, 'a']]);
    expect(await src.switchTables(2n)).toBeUndefined();
  });
});
