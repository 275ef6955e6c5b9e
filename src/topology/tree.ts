/**
 * The broadcast tree: a loop-free spanning tree over the switch graph, so flooding reaches every
 * switch once and rings never storm. Pure and deterministic: each connected part is a BFS tree
 * rooted at its lowest dpid, neighbours visited by (dpid, local port, remote port).
 */
import type { Link } from '../core/model.js';

/** A computed tree. */
export interface BroadcastTree {
  /** The root (lowest dpid) of each connected part, ascending. */
  readonly roots: readonly bigint[];
  /** Tree links, one per direction (A→B and B→A for each tree edge). */
  readonly links: readonly Link[];
  /** Ports of each switch that are on the tree, ascending. */
  readonly ports: ReadonlyMap<bigint, readonly number[]>;
}

interface Adj {
  readonly peer: bigint;
  readonly port: number;
  readonly peerPort: number;
}

/**
 * Spanning tree over `switches` using only bidirectional links (both A:p→B:q and B:q→A:p
 * discovered), so a tree port always has a confirmed path back.
 */
export function computeBroadcastTree(switches: Iterable<bigint>, links: Iterable<Link>): BroadcastTree {
  const ids = [...new Set(switches)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const known = new Set(ids);
  const keys = new Set<string>();
  const all: Link[] = [];
  for (const l of links) {
    if (!known.has(l.src) || !known.has(l.dst) || l.src === l.dst) continue;
    keys.add(`${l.src}:${l.srcPort}>${l.dst}:${l.dstPort}`);
    all.push(l);
  }
  const adj = new Map<bigint, Adj[]>();
  for (const l of all) {
    if (!keys.has(`${l.dst}:${l.dstPort}>${l.src}:${l.srcPort}`)) continue;
    let a = adj.get(l.src);
    if (!a) adj.set(l.src, (a = []));
    a.push({ peer: l.dst, port: l.srcPort, peerPort: l.dstPort });
  }
  for (const a of adj.values()) a.sort((x, y) => (x.peer < y.peer ? -1 : x.peer > y.peer ? 1 : x.port - y.port || x.peerPort - y.peerPort));
  const visited = new Set<bigint>();
  const roots: bigint[] = [];
  const treeLinks: Link[] = [];
  const ports = new Map<bigint, number[]>();
  const addPort = (d: bigint, p: number): void => {
    let s = ports.get(d);
    if (!s) ports.set(d, (s = []));
    s.push(p);
  };
  for (const root of ids) {
    if (visited.has(root)) continue;
    visited.add(root);
    roots.push(root);
    const queue = [root];
    for (let h = 0; h < queue.length; h++) {
      const u = queue[h]!;
      for (const e of adj.get(u) ?? []) {
        if (visited.has(e.peer)) continue;
        visited.add(e.peer);
        queue.push(e.peer);
        treeLinks.push({ src: u, srcPort: e.port, dst: e.peer, dstPort: e.peerPort }, { src: e.peer, srcPort: e.peerPort, dst: u, dstPort: e.port });
        addPort(u, e.port);
        addPort(e.peer, e.peerPort);
      }
    }
  }
  for (const p of ports.values()) p.sort((a, b) => a - b);
  return { roots, links: treeLinks, ports };
}
