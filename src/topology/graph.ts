/**
 * The live topology graph (graphology, directed multigraph): switches, discovered links and
 * hosts at edge ports. Only the TopologyService changes it; readers get copies in snapshots.
 */
import { MultiDirectedGraph } from 'graphology';
import type { AbstractGraph } from 'graphology-types';
import { dpidToHex } from '../core/ids.js';
import type { Host, LinkInfo } from '../core/model.js';
import { linkKey } from './types.js';

/** Node attributes: a switch or a host. The link and host objects inside are never edited, only replaced. */
export type TopoNode = { readonly kind: 'switch'; readonly dpid: bigint } | { readonly kind: 'host'; readonly host: Host };

/** Edge attributes: a discovered link with its weight, or one direction of a host's attachment. */
export type TopoEdge =
  | { readonly kind: 'link'; readonly link: LinkInfo; readonly weight: number }
  | { readonly kind: 'host'; readonly host: string; readonly dpid: bigint; readonly port: number };

/** The graphology graph type used here. */
export type TopoGraph = AbstractGraph<TopoNode, TopoEdge>;

/** The reading half of a graphology graph: what a snapshot hands out. */
export type ReadonlyTopoGraph = Pick<
  TopoGraph,
  | 'order'
  | 'size'
  | 'type'
  | 'multi'
  | 'hasNode'
  | 'hasEdge'
  | 'nodes'
  | 'edges'
  | 'source'
  | 'target'
  | 'extremities'
  | 'forEachNode'
  | 'forEachEdge'
  | 'forEachOutEdge'
  | 'forEachInEdge'
  | 'forEachOutNeighbor'
  | 'forEachInNeighbor'
  | 'getNodeAttributes'
  | 'getEdgeAttributes'
  | 'outNeighbors'
  | 'inNeighbors'
  | 'neighbors'
  | 'outEdges'
  | 'inEdges'
  | 'outDegree'
  | 'inDegree'
  | 'degree'
  | 'filterNodes'
  | 'filterEdges'
  | 'findNode'
  | 'findEdge'
  | 'export'
>;

/** Graph key of a switch node: its dpid in 16 hex digits. */
export function switchNodeKey(dpid: bigint): string {
  return dpidToHex(dpid);
}

/** Graph key of a host node. */
export function hostNodeKey(hostId: string): string {
  return `host:${hostId}`;
}

/** The live graph, changed one event at a time. */
export class TopologyGraph {
  readonly graph: TopoGraph = new MultiDirectedGraph<TopoNode, TopoEdge>();

  addSwitch(dpid: bigint): void {
    this.graph.mergeNode(switchNodeKey(dpid), { kind: 'switch', dpid });
  }

  /** Drops the switch with its links and the hosts attached to it. */
  removeSwitch(dpid: bigint): void {
    const key = switchNodeKey(dpid);
    if (!this.graph.hasNode(key)) return;
    const hosts: string[] = [];
    this.graph.forEachNeighbor(key, (n, a) => {
      if (a.kind === 'host') hosts.push(n);
    });
    for (const h of hosts) this.graph.dropNode(h);
    this.graph.dropNode(key);
  }

  addLink(link: LinkInfo, weight: number): void {
    this.addSwitch(link.src);
    this.addSwitch(link.dst);
    const key = linkKey(link);
    const attrs = { kind: 'link' as const, link, weight };
    if (this.graph.hasEdge(key)) this.graph.replaceEdgeAttributes(key, attrs);
    else this.graph.addDirectedEdgeWithKey(key, switchNodeKey(link.src), switchNodeKey(link.dst), attrs);
  }

  removeLink(link: LinkInfo): void {
    const key = linkKey(link);
    if (this.graph.hasEdge(key)) this.graph.dropEdge(key);
  }

  /** Adds or moves a host: its node, and an edge each way to its switch port. */
  putHost(host: Host): void {
    const key = hostNodeKey(host.id);
    const sw = switchNodeKey(host.location.dpid);
    this.addSwitch(host.location.dpid);
    if (this.graph.hasNode(key)) this.graph.replaceNodeAttributes(key, { kind: 'host', host });
    else this.graph.addNode(key, { kind: 'host', host });
    for (const e of this.graph.edges(key)) this.graph.dropEdge(e);
    const at = { host: host.id, dpid: host.location.dpid, port: host.location.port };
    this.graph.addDirectedEdgeWithKey(`${key}>`, key, sw, { kind: 'host' as const, ...at });
    this.graph.addDirectedEdgeWithKey(`${key}<`, sw, key, { kind: 'host' as const, ...at });
  }

  removeHost(hostId: string): void {
    const key = hostNodeKey(hostId);
    if (this.graph.hasNode(key)) this.graph.dropNode(key);
  }
}
