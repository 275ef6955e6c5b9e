/** What the path-installing apps' pure logic (forwarding, router) reads of the topology, and the path arithmetic they share. */
import type { Link, Path } from '../core/model.js';

/** A switch port. */
export interface Location {
  readonly dpid: bigint;
  readonly port: number;
}

/** What the path apps' logic reads of the topology: a TopologySnapshot fits. */
export interface PathTopology {
  readonly switches: ReadonlyMap<bigint, { readonly edgePorts: readonly number[]; readonly infrastructurePorts: readonly number[] }>;
  readonly links: readonly Link[];
  readonly hosts: readonly { readonly mac: string; readonly location: Location; readonly lastSeen?: number }[];
  shortestPath(src: bigint, dst: bigint): Path | undefined;
  floodPorts(dpid: bigint, inPort: number): readonly number[];
}

/** One switch of a path: the packet enters at `inPort` and leaves by `outPort`. */
export interface Hop {
  readonly dpid: bigint;
  readonly inPort: number;
  readonly outPort: number;
}

/** A text that changes exactly when the set of links changes (whatever their order): paths are recomputed then. */
export function linkSignature(links: readonly Link[]): string {
  return links
    .map((l) => `${l.src}:${l.srcPort}>${l.dst}:${l.dstPort}`)
    .sort()
    .join(' ');
}

/** The hops from one host port to another along the topology's shortest path; undefined when there is none (or both are the same port). */
export function pathHops(topo: PathTopology | undefined, from: Location, to: Location): Hop[] | undefined {
  if (from.dpid === to.dpid) return from.port === to.port ? undefined : [{ dpid: from.dpid, inPort: from.port, outPort: to.port }];
  const p = topo?.shortestPath(from.dpid, to.dpid);
  if (!p || p.links.length === 0) return undefined;
  const hops: Hop[] = [];
  let inPort = from.port;
  for (const l of p.links) {
    hops.push({ dpid: l.src, inPort, outPort: l.srcPort });
    inPort = l.dstPort;
  }
  hops.push({ dpid: to.dpid, inPort, outPort: to.port });
  return hops;
}
