/**
 * An immutable view of the topology at one version: switches with their live, edge and tree
 * ports, links, hosts, a copy of the graphology graph, the broadcast tree and path queries.
 */
import { hostId } from './hosts.js';
import { TopologyGraph, type ReadonlyTopoGraph } from './graph.js';
import { PathIndex } from './paths.js';
import { computeBroadcastTree, type BroadcastTree } from './tree.js';
import type { Host, Link, LinkInfo, Path, PathOptions, SwitchInfo, TopologySnapshot } from '../core/model.js';

/** What the service hands to {@link TopologySnapshotImpl}. */
export interface SnapshotInput {
  readonly version: number;
  readonly switches: readonly { readonly dpid: bigint; readonly ports: readonly number[] }[];
  readonly links: readonly LinkInfo[];
  /** Ports without a link that had one within the link timeout: infrastructure, not edge, never on the tree. */
  readonly held?: ReadonlyMap<bigint, ReadonlySet<number>>;
  /**
   * Hosts at this version: a list, or a function giving it, called once on the first host query
   * (so a snapshot kept past later host changes may show hosts newer than its version).
   */
  readonly hosts: readonly Host[] | (() => readonly Host[]);
  readonly weightOf: (l: Link) => number;
  /**
   * The switch-level part of an earlier snapshot, reused when only hosts changed since: the
   * tree, the path index and the per-switch port lists do not depend on hosts.
   */
  readonly fabric?: Fabric;
}

/** The host-independent part of a snapshot: switches, links, broadcast tree and path index. */
export interface Fabric {
  readonly switches: ReadonlyMap<bigint, SwitchInfo>;
  readonly links: readonly LinkInfo[];
  readonly tree: BroadcastTree;
  readonly index: PathIndex;
}

const EMPTY: readonly number[] = Object.freeze([]);

/** Builds the host-independent part of a snapshot. */
export function buildFabric(input: Pick<SnapshotInput, 'switches' | 'links' | 'weightOf' | 'held'>): Fabric {
  const links = Object.freeze(input.links.map((l) => Object.freeze({ ...l })));
  const dpids = input.switches.map((s) => s.dpid).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const tree = computeBroadcastTree(dpids, links);
  const infra = new Map<bigint, Set<number>>();
  const mark = (d: bigint, p: number): void => {
    let s = infra.get(d);
    if (!s) infra.set(d, (s = new Set()));
    s.add(p);
  };
  for (const l of links) {
    mark(l.src, l.srcPort);
    mark(l.dst, l.dstPort);
  }
  const live = new Map(input.switches.map((s) => [s.dpid, new Set(s.ports)]));
  for (const [d, ports] of input.held ?? []) for (const p of ports) if (live.get(d)?.has(p)) mark(d, p);
  const byDpid = new Map(input.switches.map((s) => [s.dpid, s]));
  const switches = new Map<bigint, SwitchInfo>();
  for (const d of dpids) {
    const ports = [...byDpid.get(d)!.ports].sort((a, b) => a - b);
    const inf = infra.get(d);
    switches.set(
      d,
      Object.freeze({
        dpid: d,
        ports: Object.freeze(ports),
        edgePorts: Object.freeze(inf ? ports.filter((p) => !inf.has(p)) : ports.slice()),
        infrastructurePorts: Object.freeze(inf ? [...inf].sort((a, b) => a - b) : []),
        treePorts: Object.freeze([...(tree.ports.get(d) ?? EMPTY)]),
      }),
    );
  }
  return { switches, links, tree, index: new PathIndex(dpids, links, input.weightOf) };
}

/** The topology at one version (the core TopologySnapshot, plus the tree, fabric and graph the topology layer uses). */
export class TopologySnapshotImpl implements TopologySnapshot {
  readonly version: number;
  /** Switches by dpid, in ascending dpid order. */
  readonly switches: ReadonlyMap<bigint, SwitchInfo>;
  /** Directed links in key order. */
  readonly links: readonly LinkInfo[];
  readonly tree: BroadcastTree;
  /** The switch-level part, shared with later snapshots until a switch, port or link changes. */
  readonly fabric: Fabric;
  private readonly index: PathIndex;
  private readonly readHosts: readonly Host[] | (() => readonly Host[]);
  private readonly weightOf: (l: Link) => number;
  private hostList: readonly Host[] | undefined;
  private hostMap: ReadonlyMap<string, Host> | undefined;
  private graphCopy: ReadonlyTopoGraph | undefined;

  constructor(input: SnapshotInput) {
    this.version = input.version;
    this.fabric = input.fabric ?? buildFabric(input);
    this.switches = this.fabric.switches;
    this.links = this.fabric.links;
    this.tree = this.fabric.tree;
    this.index = this.fabric.index;
    this.readHosts = input.hosts;
    this.weightOf = input.weightOf;
  }

  /** Hosts by id order (frozen). */
  get hosts(): readonly Host[] {
    const src = this.readHosts;
    return (this.hostList ??= Object.freeze((typeof src === 'function' ? src() : src).map(freezeHost)));
  }

  private get hostsById(): ReadonlyMap<string, Host> {
    return (this.hostMap ??= new Map(this.hosts.map((h) => [h.id, h])));
  }

  /** The graphology graph of switches, links and hosts at this version (built on first use). */
  get graph(): ReadonlyTopoGraph {
    if (!this.graphCopy) {
      const g = new TopologyGraph();
      for (const d of this.switches.keys()) g.addSwitch(d);
      for (const l of this.links) g.addLink(l, this.weightOf(l));
      for (const h of this.hosts) g.putHost(h);
      this.graphCopy = g.graph;
    }
    return this.graphCopy;
  }

  /** Shortest path between two switches (tie-break order: see paths.ts), or undefined. */
  shortestPath(src: bigint, dst: bigint, opts: PathOptions = {}): Path | undefined {
    return this.index.shortestPath(src, dst, opts.metric ?? 'hops');
  }

  /** Up to `k` minimum-cost paths (ECMP), in tie-break order. */
  equalCostPaths(src: bigint, dst: bigint, k: number, opts: PathOptions = {}): Path[] {
    return this.index.equalCostPaths(src, dst, k, opts.metric ?? 'hops');
  }

  /** The `k` shortest loop-free paths, by cost then tie-break order. */
  kShortestPaths(src: bigint, dst: bigint, k: number, opts: PathOptions = {}): Path[] {
    return this.index.kShortestPaths(src, dst, k, opts.metric ?? 'hops');
  }

  /** Ports to flood a packet that entered `dpid` at `inPort` out of: see {@link floodPorts}. */
  floodPorts(dpid: bigint, inPort: number): number[] {
    return floodPorts(this, dpid, inPort);
  }

  /** True when a link starts or ends at this port. */
  isInfrastructurePort(dpid: bigint, port: number): boolean {
    return this.switches.get(dpid)?.infrastructurePorts.includes(port) ?? false;
  }

  /** A host by MAC (and VLAN id when tagged). */
  host(mac: string, vlan?: number): Host | undefined {
    return this.hostsById.get(hostId(mac, vlan));
  }

  /** Hosts attached at a switch (and port). */
  hostsAt(dpid: bigint, port?: number): Host[] {
    return this.hosts.filter((h) => h.location.dpid === dpid && (port === undefined || h.location.port === port));
  }
}

/**
 * Where to flood a broadcast or unknown-destination packet that entered switch `dpid` at
 * `inPort`: the switch's broadcast-tree ports and edge ports, minus the in-port, ascending.
 * A packet that entered over a link that is not on the tree is a copy that went round a loop:
 * it gets no ports at all. An unknown switch gets none either.
 */
export function floodPorts(fabric: { readonly switches: ReadonlyMap<bigint, SwitchInfo> }, dpid: bigint, inPort: number): number[] {
  const sw = fabric.switches.get(dpid);
  if (!sw) return [];
  const tree = sw.treePorts;
  if (sw.infrastructurePorts.includes(inPort) && !tree.includes(inPort)) return [];
  const out: number[] = [];
  let i = 0;
  let j = 0;
  const e = sw.edgePorts;
  // Merge two ascending lists.
  while (i < e.length || j < tree.length) {
    const p = j >= tree.length || (i < e.length && e[i]! < tree[j]!) ? e[i++]! : tree[j++]!;
    if (p !== inPort) out.push(p);
  }
  return out;
}

/** Flood lists made so far, per switch of a fabric (a fabric, and its switches, is rebuilt whenever switches, ports or links change). */
const sharedFlood = new WeakMap<SwitchInfo, Map<number, readonly number[]>>();

/**
 * {@link floodPorts}, frozen and shared: one list per port of the switch until its fabric changes,
 * so the flood of every packet-in there allocates no list (and the action list made from it can
 * be shared too: see outputActions). An in-port the switch does not have gets a list of its own.
 */
export function sharedFloodPorts(fabric: { readonly switches: ReadonlyMap<bigint, SwitchInfo> }, dpid: bigint, inPort: number): readonly number[] {
  const sw = fabric.switches.get(dpid);
  if (!sw) return EMPTY;
  let byPort = sharedFlood.get(sw);
  if (byPort === undefined) sharedFlood.set(sw, (byPort = new Map()));
  let ports = byPort.get(inPort);
  if (ports === undefined) {
    ports = Object.freeze(floodPorts(fabric, dpid, inPort));
    // Only the switch's own ports: in-port numbers come from the switch, and are not trusted to be few.
    if (sw.ports.includes(inPort)) byPort.set(inPort, ports);
  }
  return ports;
}

function freezeHost(h: Host): Host {
  return Object.freeze({ ...h, ipv4: Object.freeze([...h.ipv4]), ipv6: Object.freeze([...h.ipv6]), location: Object.freeze({ ...h.location }) });
}
