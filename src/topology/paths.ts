/**
 * Path computation over a frozen link set: shortest path by hops or weight, equal-cost paths and
 * k shortest paths (Yen). Deterministic: among paths of equal cost the one whose links, compared
 * in order by (next switch dpid, out port, in port), come first wins, whatever the insertion order.
 */
import type { Link, Path, PathMetric } from '../core/model.js';

/** Relative tolerance when comparing summed float weights. */
const EPS = 1e-9;

function near(a: number, b: number): boolean {
  return Math.abs(a - b) <= EPS * Math.max(1, Math.abs(a), Math.abs(b));
}

/** Binary min-heap of node ids keyed by a Float64Array of costs (ties: lower id first). */
class Heap {
  private ids: Int32Array;
  private keys: Float64Array;
  size = 0;
  constructor(n: number) {
    this.ids = new Int32Array(Math.max(1, n));
    this.keys = new Float64Array(Math.max(1, n));
  }
  push(id: number, key: number): void {
    if (this.size === this.ids.length) this.grow();
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.keys[p]! < key || (this.keys[p] === key && this.ids[p]! < id)) break;
      this.ids[i] = this.ids[p]!;
      this.keys[i] = this.keys[p]!;
      i = p;
    }
    this.ids[i] = id;
    this.keys[i] = key;
  }
  /** Pops the smallest; returns its id (its key is in `lastKey`). */
  lastKey = 0;
  pop(): number {
    const top = this.ids[0]!;
    this.lastKey = this.keys[0]!;
    const n = --this.size;
    const id = this.ids[n]!;
    const key = this.keys[n]!;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && (this.keys[c + 1]! < this.keys[c]! || (this.keys[c + 1] === this.keys[c] && this.ids[c + 1]! < this.ids[c]!))) c++;
      if (this.keys[c]! > key || (this.keys[c] === key && this.ids[c]! > id)) break;
      this.ids[i] = this.ids[c]!;
      this.keys[i] = this.keys[c]!;
      i = c;
    }
    this.ids[i] = id;
    this.keys[i] = key;
    return top;
  }
  private grow(): void {
    const ids = new Int32Array(this.ids.length * 2);
    ids.set(this.ids);
    const keys = new Float64Array(this.keys.length * 2);
    keys.set(this.keys);
    this.ids = ids;
    this.keys = keys;
  }
}

/** Exclusions for a search (Yen's spur paths). */
interface Bans {
  readonly nodes: Uint8Array;
  readonly edges: Uint8Array;
}

/** Distances to one destination for each metric, cached per index (bounded). */
const CACHE_LIMIT = 2048;

/**
 * A compact index of switches (sorted by dpid) and directed links (sorted by source, then
 * destination dpid, out port, in port): edge ids follow that order, so the first admissible edge
 * out of a node is the tie-break winner.
 */
export class PathIndex {
  /** Switch dpids by node id, ascending. */
  readonly dpids: readonly bigint[];
  /** Links by edge id. */
  readonly links: readonly Link[];
  private readonly idOf = new Map<bigint, number>();
  private readonly outStart: Int32Array;
  private readonly eDst: Int32Array;
  private readonly eW: Float64Array;
  /** Reverse adjacency: for each node, the ids of edges entering it. */
  private readonly inStart: Int32Array;
  private readonly inEdges: Int32Array;
  private readonly eSrc: Int32Array;
  /** Destinations whose distance fields are kept, per metric (0: no cache). */
  private readonly cacheLimit: number;
  private readonly cache: [Map<number, Float64Array>, Map<number, Float64Array>] = [new Map(), new Map()];

  /**
   * `switches`: every switch (any order); `links`: links whose ends are among them (others are
   * ignored); `weightOf`: a link's weight, > 0.
   */
  constructor(
    switches: Iterable<bigint>,
    links: Iterable<Link>,
    weightOf: (l: Link) => number,
    opts: { readonly cacheLimit?: number } = {},
  ) {
    this.cacheLimit = opts.cacheLimit ?? CACHE_LIMIT;
    const dpids = [...new Set(switches)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    this.dpids = dpids;
    dpids.forEach((d, i) => this.idOf.set(d, i));
    const ls = [...links].filter((l) => this.idOf.has(l.src) && this.idOf.has(l.dst));
    ls.sort((a, b) => cmpBig(a.src, b.src) || cmpBig(a.dst, b.dst) || a.srcPort - b.srcPort || a.dstPort - b.dstPort);
    this.links = ls;
    const n = dpids.length;
    const m = ls.length;
    this.outStart = new Int32Array(n + 1);
    this.eDst = new Int32Array(m);
    this.eSrc = new Int32Array(m);
    this.eW = new Float64Array(m);
    const inCount = new Int32Array(n + 1);
    for (let e = 0; e < m; e++) {
      const l = ls[e]!;
      const s = this.idOf.get(l.src)!;
      const d = this.idOf.get(l.dst)!;
      this.eSrc[e] = s;
      this.eDst[e] = d;
      const w = weightOf(l);
      if (!(w > 0) || !Number.isFinite(w)) throw new RangeError(`link weight must be a positive number, got ${w}`);
      this.eW[e] = w;
      this.outStart[s + 1]!++;
      inCount[d + 1]!++;
    }
    for (let i = 0; i < n; i++) {
      this.outStart[i + 1]! += this.outStart[i]!;
      inCount[i + 1]! += inCount[i]!;
    }
    this.inStart = inCount.slice();
    this.inEdges = new Int32Array(m);
    const fill = inCount.slice();
    for (let e = 0; e < m; e++) this.inEdges[fill[this.eDst[e]!]!++] = e;
  }

  /** Node id of a switch, or -1. */
  nodeId(dpid: bigint): number {
    return this.idOf.get(dpid) ?? -1;
  }

  /** Shortest path from `src` to `dst`, or undefined when there is none (or a switch is unknown). */
  shortestPath(src: bigint, dst: bigint, metric: PathMetric = 'hops'): Path | undefined {
    const s = this.nodeId(src);
    const t = this.nodeId(dst);
    if (s < 0 || t < 0) return undefined;
    const dist = this.distancesTo(t, metric);
    if (dist[s] === Infinity) return undefined;
    return this.toPath(src, dst, dist[s]!, this.walk(s, t, dist, metric, undefined));
  }

  /**
   * Up to `k` paths that all have the minimum cost, in tie-break order (the first is
   * `shortestPath`). Parallel links give distinct paths.
   */
  equalCostPaths(src: bigint, dst: bigint, k: number, metric: PathMetric = 'hops'): Path[] {
    const s = this.nodeId(src);
    const t = this.nodeId(dst);
    if (s < 0 || t < 0 || k <= 0) return [];
    const dist = this.distancesTo(t, metric);
    if (dist[s] === Infinity) return [];
    const out: Path[] = [];
    const stack: number[] = [];
    const dfs = (u: number): void => {
      if (out.length >= k) return;
      if (u === t) {
        out.push(this.toPath(src, dst, dist[s]!, stack.slice()));
        return;
      }
      for (let e = this.outStart[u]!; e < this.outStart[u + 1]! && out.length < k; e++) {
        const v = this.eDst[e]!;
        if (dist[v] !== Infinity && near(dist[v]! + this.cost(e, metric), dist[u]!)) {
          stack.push(e);
          dfs(v);
          stack.pop();
        }
      }
    };
    dfs(s);
    return out;
  }

  /** The `k` shortest loop-free paths (Yen's algorithm), by cost then tie-break order. */
  kShortestPaths(src: bigint, dst: bigint, k: number, metric: PathMetric = 'hops'): Path[] {
    const s = this.nodeId(src);
    const t = this.nodeId(dst);
    if (s < 0 || t < 0 || k <= 0) return [];
    const first = this.distancesTo(t, metric);
    if (first[s] === Infinity) return [];
    const found: { edges: number[]; cost: number }[] = [{ edges: this.walk(s, t, first, metric, undefined), cost: first[s]! }];
    const seen = new Set<string>([found[0]!.edges.join(',')]);
    const candidates: { edges: number[]; cost: number }[] = [];
    const n = this.dpids.length;
    while (found.length < k) {
      const prev = found[found.length - 1]!;
      const nodes = [s, ...prev.edges.map((e) => this.eDst[e]!)];
      for (let i = 0; i < prev.edges.length; i++) {
        const spur = nodes[i]!;
        const bans: Bans = { nodes: new Uint8Array(n), edges: new Uint8Array(this.links.length) };
        for (const p of found) {
          if (p.edges.length > i && samePrefix(p.edges, prev.edges, i)) bans.edges[p.edges[i]!] = 1;
        }
        for (let j = 0; j < i; j++) bans.nodes[nodes[j]!] = 1;
        const dist = this.search(t, metric, bans);
        if (dist[spur] === Infinity) continue;
        const edges = [...prev.edges.slice(0, i), ...this.walk(spur, t, dist, metric, bans)];
        const key = edges.join(',');
        if (seen.has(key)) continue;
        seen.add(key);
        let cost = 0;
        for (const e of edges) cost += this.cost(e, metric);
        candidates.push({ edges, cost });
      }
      if (candidates.length === 0) break;
      candidates.sort((a, b) => (near(a.cost, b.cost) ? cmpEdges(a.edges, b.edges) : a.cost - b.cost));
      found.push(candidates.shift()!);
    }
    return found.map((p) => this.toPath(src, dst, p.cost, p.edges));
  }

  /** Cost from every node to `t` (Infinity when unreachable), cached. Do not modify the result. */
  distancesTo(t: number, metric: PathMetric): Float64Array {
    const cache = this.cache[metric === 'hops' ? 0 : 1];
    const hit = cache.get(t);
    if (hit) return hit;
    const d = this.search(t, metric, undefined);
    if (this.cacheLimit <= 0) return d;
    if (cache.size >= this.cacheLimit) cache.delete(cache.keys().next().value!);
    cache.set(t, d);
    return d;
  }

  private cost(e: number, metric: PathMetric): number {
    return metric === 'hops' ? 1 : this.eW[e]!;
  }

  /** Reverse search from `t`: BFS for hops, Dijkstra for weights. */
  private search(t: number, metric: PathMetric, bans: Bans | undefined): Float64Array {
    const n = this.dpids.length;
    const dist = new Float64Array(n).fill(Infinity);
    if (bans?.nodes[t]) return dist;
    dist[t] = 0;
    if (metric === 'hops') {
      const queue = new Int32Array(n);
      let head = 0;
      let tail = 0;
      queue[tail++] = t;
      while (head < tail) {
        const v = queue[head++]!;
        const dv = dist[v]! + 1;
        for (let i = this.inStart[v]!; i < this.inStart[v + 1]!; i++) {
          const e = this.inEdges[i]!;
          const u = this.eSrc[e]!;
          if (dist[u] !== Infinity || (bans && (bans.edges[e] || bans.nodes[u]))) continue;
          dist[u] = dv;
          queue[tail++] = u;
        }
      }
      return dist;
    }
    const heap = new Heap(n);
    const done = new Uint8Array(n);
    heap.push(t, 0);
    while (heap.size > 0) {
      const v = heap.pop();
      if (done[v]) continue;
      done[v] = 1;
      const dv = heap.lastKey;
      for (let i = this.inStart[v]!; i < this.inStart[v + 1]!; i++) {
        const e = this.inEdges[i]!;
        const u = this.eSrc[e]!;
        if (done[u] || (bans && (bans.edges[e] || bans.nodes[u]))) continue;
        const du = dv + this.eW[e]!;
        if (du < dist[u]!) {
          dist[u] = du;
          heap.push(u, du);
        }
      }
    }
    return dist;
  }

  /** Follows the lowest admissible edge id from `s` down the distance field to `t`. */
  private walk(s: number, t: number, dist: Float64Array, metric: PathMetric, bans: Bans | undefined): number[] {
    const out: number[] = [];
    let u = s;
    while (u !== t) {
      let next = -1;
      for (let e = this.outStart[u]!; e < this.outStart[u + 1]!; e++) {
        const v = this.eDst[e]!;
        if (bans && (bans.edges[e] || bans.nodes[v])) continue;
        if (dist[v] !== Infinity && near(dist[v]! + this.cost(e, metric), dist[u]!)) {
          next = e;
          break;
        }
      }
      if (next < 0) throw new Error('path walk lost the distance field'); // cannot happen with weights > 0
      out.push(next);
      u = this.eDst[next]!;
    }
    return out;
  }

  private toPath(src: bigint, dst: bigint, cost: number, edges: readonly number[]): Path {
    return { src, dst, cost, links: edges.map((e) => this.links[e]!) };
  }
}

function cmpBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function samePrefix(a: readonly number[], b: readonly number[], n: number): boolean {
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

function cmpEdges(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
