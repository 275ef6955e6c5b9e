/**
 * The test topologies, written once: linear, ring and tree networks of fake switches with hosts,
 * and the TopologySnapshot (the topology layer's own, with its path index and broadcast tree)
 * that discovery would report for a fake network.
 */
import { hostId } from '../../src/topology/hosts.js';
import { TopologySnapshotImpl } from '../../src/topology/snapshot.js';
import type { Host, LinkInfo } from '../../src/core/model.js';
import { FakeNetwork } from './fake-network.js';
import type { FakeFlowTableOptions } from './fake-flow-table.js';

/** The MAC of test host n: 00:00:00:00:00:nn (hex). */
export function mac(n: number): string {
  return `00:00:00:00:00:${n.toString(16).padStart(2, '0')}`;
}

/** A host of a topology. */
export interface TopoHost {
  readonly name: string;
  readonly mac: string;
  readonly ipv4?: string;
  readonly dpid: bigint;
  readonly port: number;
}

/** A topology: switches with their ports, cables (`[a, aPort, b, bPort]`), hosts. */
export interface Topology {
  readonly switches: readonly { readonly dpid: bigint; readonly ports: readonly number[] }[];
  readonly links: readonly (readonly [bigint, number, bigint, number])[];
  readonly hosts: readonly TopoHost[];
}

function host(i: number, dpid: bigint, port: number): TopoHost {
  return { name: `h${i}`, mac: mac(i), ipv4: `10.0.0.${i}`, dpid, port };
}

/**
 * s1 — s2 — ... — sn in a line: on every switch port 1 has host hi (MAC mac(i), 10.0.0.i),
 * port 2 goes left, port 3 right (si:3 — si+1:2).
 */
export function linear(n: number): Topology {
  const switches = Array.from({ length: n }, (_, i) => ({ dpid: BigInt(i + 1), ports: [1, 2, 3] }));
  const links = Array.from({ length: n - 1 }, (_, i) => [BigInt(i + 1), 3, BigInt(i + 2), 2] as const);
  return { switches, links, hosts: switches.map((s, i) => host(i + 1, s.dpid, 1)) };
}

/** A ring of n switches: as {@link linear}, plus sn:3 — s1:2 closing it. */
export function ring(n: number): Topology {
  const l = linear(n);
  return { ...l, links: [...l.links, [BigInt(n), 3, 1n, 2] as const] };
}

/**
 * Mininet's tree: depth levels of switches, each inner switch with `fanout` children (port i to
 * child i, port fanout+1 to its parent), each leaf with `fanout` hosts on ports 1..fanout. Switches
 * are numbered breadth first from s1; hosts h1.. left to right.
 */
export function tree(depth: number, fanout: number): Topology {
  const switches: { dpid: bigint; ports: number[] }[] = [];
  const links: (readonly [bigint, number, bigint, number])[] = [];
  const hosts: TopoHost[] = [];
  const ports = Array.from({ length: fanout + 1 }, (_, i) => i + 1);
  let level: bigint[] = [1n];
  switches.push({ dpid: 1n, ports });
  let next = 2n;
  for (let d = 1; d < depth; d++) {
    const children: bigint[] = [];
    for (const parent of level) {
      for (let i = 1; i <= fanout; i++) {
        const c = next++;
        switches.push({ dpid: c, ports });
        links.push([parent, i, c, fanout + 1]);
        children.push(c);
      }
    }
    level = children;
  }
  let h = 1;
  for (const leaf of level) for (let i = 1; i <= fanout; i++) hosts.push(host(h++, leaf, i));
  return { switches, links, hosts };
}

/** Builds the fake network of a topology (no flows). */
export function buildNetwork(t: Topology, opts: Omit<FakeFlowTableOptions, 'portLive'> = {}): FakeNetwork {
  const net = new FakeNetwork(opts);
  for (const s of t.switches) net.addSwitch(s.dpid, s.ports);
  for (const [a, ap, b, bp] of t.links) net.link(a, ap, b, bp);
  for (const h of t.hosts) net.addHost(h.name, h, h.dpid, h.port);
  return net;
}

/** What a snapshot is made of. */
export interface SnapshotParts {
  readonly switches: readonly { readonly dpid: bigint; readonly ports: readonly number[] }[];
  /** Directed links (each cable both ways, as discovery reports it). */
  readonly links: readonly { readonly src: bigint; readonly srcPort: number; readonly dst: bigint; readonly dstPort: number }[];
  readonly hosts?: readonly { readonly mac: string; readonly ipv4?: string; readonly dpid: bigint; readonly port: number }[];
  readonly version?: number;
  /** When hosts were seen (ms). */
  readonly now?: number;
}

/** A TopologySnapshot of these switches, links and hosts, every link of weight 1. */
export function snapshot(p: SnapshotParts): TopologySnapshotImpl {
  const now = p.now ?? 0;
  const links: LinkInfo[] = p.links.map((l) => ({ src: l.src, srcPort: l.srcPort, dst: l.dst, dstPort: l.dstPort, discoveredAt: 0, lastSeen: now }));
  const hosts: Host[] = (p.hosts ?? []).map((h) => ({
    id: hostId(h.mac),
    mac: h.mac,
    ipv4: h.ipv4 ? [h.ipv4] : [],
    ipv6: [],
    location: { dpid: h.dpid, port: h.port },
    firstSeen: now,
    lastSeen: now,
  }));
  return new TopologySnapshotImpl({ version: p.version ?? 0, switches: p.switches, links, hosts, weightOf: () => 1 });
}

/** The directed links of a fake network's cables, in a stable order. */
export function linksOf(net: FakeNetwork): { src: bigint; srcPort: number; dst: bigint; dstPort: number }[] {
  const out: { src: bigint; srcPort: number; dst: bigint; dstPort: number }[] = [];
  for (const [k, v] of net.links) {
    const [d, p] = k.split(':');
    out.push({ src: BigInt(d!), srcPort: Number(p), dst: v.dpid, dstPort: v.port });
  }
  return out;
}

/**
 * The snapshot discovery would report for a fake network now: its switches with their live
 * ports, its cables both ways (between live ports), and its hosts when `hosts` is set (hosts
 * are otherwise learned by the apps themselves).
 */
export function snapshotOf(net: FakeNetwork, opts: { hosts?: boolean; version?: number } = {}): TopologySnapshotImpl {
  const switches = [...net.switches.values()].map((s) => ({ dpid: s.dpid, ports: [...s.ports].filter((p) => !s.down.has(p)).sort((a, b) => a - b) }));
  const links = linksOf(net).filter((l) => net.portLive(l.src, l.srcPort) && net.portLive(l.dst, l.dstPort));
  const hosts = opts.hosts ? [...net.hosts.values()] : [];
  return snapshot({ switches, links, hosts, now: net.now, ...(opts.version !== undefined ? { version: opts.version } : {}) });
}
