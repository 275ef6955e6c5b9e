/** Paths (hops, weights, ECMP, k shortest), determinism, the broadcast tree, flood ports and snapshots. */
import { describe, expect, it } from 'vitest';
import { TopologyGraph } from '../../src/topology/graph.js';
import { PathIndex } from '../../src/topology/paths.js';
import { floodPorts, sharedFloodPorts, TopologySnapshotImpl } from '../../src/topology/snapshot.js';
import { computeBroadcastTree } from '../../src/topology/tree.js';
import type { Link, LinkInfo } from '../../src/core/model.js';

/** Both directions of a cable a:pa — b:pb. */
function cable(a: number, pa: number, b: number, pb: number): Link[] {
  return [
    { src: BigInt(a), srcPort: pa, dst: BigInt(b), dstPort: pb },
    { src: BigInt(b), srcPort: pb, dst: BigInt(a), dstPort: pa },
  ];
}

const hops = (p: { links: readonly Link[] } | undefined): string =>
  p ? p.links.map((l) => `${l.src}:${l.srcPort}>${l.dst}:${l.dstPort}`).join(' ') : 'none';

/** A ring of n switches: port 1 to the next, port 2 to the previous; port 3 is a host port. */
function ring(n: number): Link[] {
  const out: Link[] = [];
  for (let i = 1; i <= n; i++) out.push(...cable(i, 1, (i % n) + 1, 2));
  return out;
}

function shuffle<T>(xs: readonly T[], seed: number): T[] {
  const a = xs.slice();
  let x = seed;
  for (let i = a.length - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const j = x % (i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

function snapshotOf(n: number, links: readonly Link[], weights: Record<string, number> = {}, ports = [1, 2, 3]): TopologySnapshotImpl {
  const g = new TopologyGraph();
  const infos: LinkInfo[] = links.map((l) => ({ ...l, discoveredAt: 0, lastSeen: 0 }));
  for (let i = 1; i <= n; i++) g.addSwitch(BigInt(i));
  for (const l of infos) g.addLink(l, 1);
  return new TopologySnapshotImpl({
    version: 1,
    switches: Array.from({ length: n }, (_, i) => ({ dpid: BigInt(i + 1), ports })),
    links: infos,
    hosts: [],
    weightOf: (l) => weights[`${l.src}:${l.srcPort}`] ?? 1,
  });
}

describe('shortest paths', () => {
  it('finds the hop-count shortest path in a ring, the other way round when shorter', () => {
    const s = snapshotOf(5, ring(5));
    expect(hops(s.shortestPath(1n, 2n))).toBe('1:1>2:2');
    expect(hops(s.shortestPath(1n, 4n))).toBe('1:2>5:1 5:2>4:1');
    expect(s.shortestPath(1n, 4n)?.cost).toBe(2);
    expect(s.shortestPath(3n, 3n)).toEqual({ src: 3n, dst: 3n, cost: 0, links: [] });
    expect(s.shortestPath(1n, 99n)).toBeUndefined();
  });

  it('follows weights when asked: a heavy link is avoided', () => {
    const s = snapshotOf(5, ring(5), { '1:2': 10 });
    expect(hops(s.shortestPath(1n, 4n, { metric: 'weight' }))).toBe('1:1>2:2 2:1>3:2 3:1>4:2');
    expect(s.shortestPath(1n, 4n, { metric: 'weight' })?.cost).toBe(3);
    expect(hops(s.shortestPath(1n, 4n))).toBe('1:2>5:1 5:2>4:1');
  });

  it('uses direction: a one-way link is only used one way', () => {
    const links: Link[] = [{ src: 1n, srcPort: 1, dst: 2n, dstPort: 1 }];
    const s = snapshotOf(2, links);
    expect(s.shortestPath(1n, 2n)?.cost).toBe(1);
    expect(s.shortestPath(2n, 1n)).toBeUndefined();
  });

  it('breaks ties the same way whatever the insertion order (ring of 4: two equal ways round)', () => {
    const base = ring(4);
    const expected = hops(snapshotOf(4, base).shortestPath(1n, 3n));
    expect(expected).toBe('1:1>2:2 2:1>3:2'); // next switch 2 < 4
    for (let seed = 1; seed < 20; seed++) {
      const s = snapshotOf(4, shuffle(base, seed));
      expect(hops(s.shortestPath(1n, 3n))).toBe(expected);
      expect(hops(s.shortestPath(1n, 3n, { metric: 'weight' }))).toBe(expected);
    }
  });

  it('lists equal-cost paths (ECMP), parallel links included, in tie-break order', () => {
    // 1 and 4 joined through 2 and through 3, and 1-2 has two parallel cables.
    const links = [...cable(1, 1, 2, 1), ...cable(1, 5, 2, 5), ...cable(1, 2, 3, 1), ...cable(2, 2, 4, 1), ...cable(3, 2, 4, 2)];
    const s = snapshotOf(4, links, {}, [1, 2, 5]);
    const ecmp = s.equalCostPaths(1n, 4n, 10).map(hops);
    expect(ecmp).toEqual(['1:1>2:1 2:2>4:1', '1:5>2:5 2:2>4:1', '1:2>3:1 3:2>4:2']);
    expect(s.equalCostPaths(1n, 4n, 2)).toHaveLength(2);
    expect(hops(s.shortestPath(1n, 4n))).toBe(ecmp[0]);
  });

  it('gives k shortest loop-free paths by cost (Yen), deterministically', () => {
    const s = snapshotOf(5, ring(5));
    const k = s.kShortestPaths(1n, 3n, 5);
    expect(k.map((p) => p.cost)).toEqual([2, 3]);
    expect(k.map(hops)).toEqual(['1:1>2:2 2:1>3:2', '1:2>5:1 5:2>4:1 4:2>3:1']);
    // A 3×3 grid has 6 shortest corner-to-corner paths of 4 hops; k=8 adds two of 6 hops.
    const grid: Link[] = [];
    const id = (r: number, c: number): number => r * 3 + c + 1;
    for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) {
      if (r < 2) grid.push(...cable(id(r, c), 2, id(r + 1, c), 1));
      if (c < 2) grid.push(...cable(id(r, c), 4, id(r, c + 1), 3));
    }
    const g = snapshotOf(9, grid);
    const paths = g.kShortestPaths(1n, 9n, 8);
    expect(paths.map((p) => p.cost)).toEqual([4, 4, 4, 4, 4, 4, 6, 6]);
    expect(new Set(paths.map(hops)).size).toBe(8);
    expect(g.equalCostPaths(1n, 9n, 100)).toHaveLength(6);
    for (const p of paths) {
      const seen = new Set(p.links.map((l) => l.dst));
      expect(seen.size).toBe(p.links.length); // loop-free
    }
    expect(snapshotOf(9, shuffle(grid, 3)).kShortestPaths(1n, 9n, 8).map(hops)).toEqual(paths.map(hops));
  });

  it('rejects non-positive weights', () => {
    expect(() => new PathIndex([1n, 2n], cable(1, 1, 2, 1), () => 0)).toThrow(RangeError);
  });
});

describe('broadcast tree and flooding', () => {
  it('spans a ring with n-1 cables, rooted at the lowest dpid, and never floods round the loop', () => {
    const t = computeBroadcastTree([3n, 1n, 2n, 4n, 5n], shuffle(ring(5), 7));
    expect(t.roots).toEqual([1n]);
    expect(t.links).toHaveLength(8); // 4 cables, both directions
    // BFS from 1: 1-2 (port 1), 1-5 (port 2), then 2-3, 5-4; the 3-4 cable is blocked.
    expect(t.ports.get(1n)).toEqual([1, 2]);
    expect(t.ports.get(3n)).toEqual([2]);
    expect(t.ports.get(4n)).toEqual([1]);
    const s = snapshotOf(5, ring(5));
    // A broadcast from the host on s3 port 3 reaches each switch exactly once.
    const reached = new Map<bigint, number>();
    const queue: [bigint, number][] = [[3n, 3]];
    while (queue.length) {
      const [sw, inPort] = queue.shift()!;
      reached.set(sw, (reached.get(sw) ?? 0) + 1);
      for (const p of floodPorts(s, sw, inPort)) {
        const l = s.links.find((x) => x.src === sw && x.srcPort === p);
        if (l) queue.push([l.dst, l.dstPort]);
      }
      expect(reached.size).toBeLessThanOrEqual(5);
    }
    expect([...reached.values()]).toEqual([1, 1, 1, 1, 1]);
    expect(floodPorts(s, 3n, 3)).toEqual([2]); // tree port 2 (to s2), not port 1 (blocked), not the in-port
    expect(floodPorts(s, 3n, 1)).toEqual([]); // came in over the blocked cable: a copy, dropped
    expect(floodPorts(s, 1n, 1)).toEqual([2, 3]);
    expect(floodPorts(s, 42n, 1)).toEqual([]);
  });

  it('shares one frozen flood list per port of a switch while its fabric stands; an in-port the switch lacks gets its own', () => {
    const s = snapshotOf(5, ring(5));
    const list = sharedFloodPorts(s.fabric, 1n, 1);
    expect(list).toEqual(floodPorts(s, 1n, 1));
    expect(Object.isFrozen(list)).toBe(true);
    expect(sharedFloodPorts(s.fabric, 1n, 1)).toBe(list);
    expect(sharedFloodPorts(s.fabric, 1n, 2)).not.toBe(list);
    // A port number the switch does not have: the same answer, not remembered.
    expect(sharedFloodPorts(s.fabric, 1n, 77)).toEqual(floodPorts(s, 1n, 77));
    expect(sharedFloodPorts(s.fabric, 1n, 77)).not.toBe(sharedFloodPorts(s.fabric, 1n, 77));
    expect(sharedFloodPorts(s.fabric, 42n, 1)).toEqual([]);
    // Another fabric (the links changed): lists of its own.
    const other = snapshotOf(5, ring(5).filter((l) => l.src !== 1n && l.dst !== 1n));
    expect(sharedFloodPorts(other.fabric, 1n, 1)).not.toBe(list);
    expect(sharedFloodPorts(other.fabric, 1n, 1)).toEqual(floodPorts(other, 1n, 1));
  });

  it('roots each connected part at its own lowest dpid and ignores one-way links', () => {
    const t = computeBroadcastTree([1n, 2n, 3n, 4n], [...cable(1, 1, 2, 1), ...cable(3, 1, 4, 1), { src: 2n, srcPort: 2, dst: 3n, dstPort: 2 }]);
    expect(t.roots).toEqual([1n, 3n]);
    expect(t.ports.get(2n)).toEqual([1]);
  });
});

describe('snapshots', () => {
  it('are frozen and keep their own graph copy', () => {
    const g = new TopologyGraph();
    g.addSwitch(1n);
    g.addSwitch(2n);
    const l = { src: 1n, srcPort: 1, dst: 2n, dstPort: 1, discoveredAt: 0, lastSeen: 0 };
    g.addLink(l, 1);
    const s = new TopologySnapshotImpl({ version: 3, switches: [{ dpid: 1n, ports: [1, 2] }, { dpid: 2n, ports: [1] }], links: [l], hosts: [], weightOf: () => 1 });
    g.removeLink(l);
    g.removeSwitch(2n);
    expect(s.graph.order).toBe(2);
    expect(s.graph.size).toBe(1);
    expect(Object.isFrozen(s.links)).toBe(true);
    expect(Object.isFrozen(s.links[0])).toBe(true);
    expect(Object.isFrozen(s.switches.get(1n)!.edgePorts)).toBe(true);
    expect(s.switches.get(1n)).toMatchObject({ ports: [1, 2], edgePorts: [2], infrastructurePorts: [1], treePorts: [] });
    expect(s.isInfrastructurePort(2n, 1)).toBe(true);
  });
});
