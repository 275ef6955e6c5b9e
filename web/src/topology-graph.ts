/**
 * The topology store as a graphology graph for the views' renderer (GraphCanvas): one node per switch, one edge per
 * link pair coloured by both directions' state, hosts as nodes around their switch or, above
 * `HOST_AGGREGATE_THRESHOLD` at one switch, one "N hosts" node. `update` touches only what a
 * batch changed; positions, once given, stay. A rebuild fills a new graph, out of the renderer's
 * sight, and hands it over whole (`onReplace`), so the renderer is told once rather than once per
 * node and link.
 */
import Graph from 'graphology';
import { hostSpot, layeredLayout, placeNew, type Point } from './layout.js';
import type { HostJson } from './api.js';
import { loadStyle, type LinkLoad } from './switch-model.js';
import { pairStatus, type LinkPairState, type TopologyChanges, type TopologyStore } from './topology-store.js';

/** More hosts than this at one switch are drawn as one node. */
export const HOST_AGGREGATE_THRESHOLD = 8;

export const COLORS = {
  switch: '#2563eb',
  host: '#0d9488',
  hosts: '#0f766e',
  selected: '#f97316',
  up: '#16a34a',
  partial: '#f59e0b',
  down: '#dc2626',
  hostLink: '#94a3b8',
} as const;

export const switchNode = (dpid: string): string => `sw:${dpid}`;
export const hostNode = (id: string): string => `host:${id}`;
export const hostsNode = (dpid: string): string => `hosts:${dpid}`;
export const linkEdge = (key: string): string => `link:${key}`;

/** Node sizes by kind; a selected node is drawn `selectedExtra` larger. */
const NODE_SIZES = { switch: 6, host: 3, hosts: 5, other: 4, selectedExtra: 2 } as const;

/** What a node of the graph stands for. */
export type NodeRef = { kind: 'switch'; dpid: string } | { kind: 'host'; id: string } | { kind: 'hosts'; dpid: string };

export function parseNode(node: string): NodeRef | undefined {
  const i = node.indexOf(':');
  const kind = node.slice(0, i);
  const rest = node.slice(i + 1);
  if (kind === 'sw') return { kind: 'switch', dpid: rest };
  if (kind === 'host') return { kind: 'host', id: rest };
  if (kind === 'hosts') return { kind: 'hosts', dpid: rest };
  return undefined;
}

const newGraph = (): Graph => new Graph({ multi: true, type: 'undirected', allowSelfLoops: true });

export class TopologyGraph {
  /** The graph drawn now: `rebuild` replaces it (see `onReplace`). */
  graph: Graph = newGraph();
  /** Called with the new graph after a rebuild (a view gives it to its renderer: `GraphCanvas.setGraph`). */
  onReplace: ((graph: Graph) => void) | undefined;
  private readonly positions = new Map<string, Point>();
  /** Host nodes drawn per switch (host or aggregate node ids). */
  private readonly hostNodes = new Map<string, Set<string>>();
  /** Host slots per switch, so a host keeps its spot. */
  private readonly hostSlots = new Map<string, Map<string, number>>();
  private selected: string | undefined;
  /** The link-load overlay's loads by pair key while it is on. */
  private load: ReadonlyMap<string, LinkLoad> | undefined;
  showHosts = true;

  constructor(private readonly store: TopologyStore) {}

  /** Applies a batch of store changes (or redraws everything on a reset). */
  update(c: TopologyChanges): void {
    if (c.reset) return this.rebuild(false);
    for (const dpid of c.switches) this.syncSwitch(dpid);
    for (const key of c.links) this.syncLink(key);
    const touched = new Set<string>();
    for (const id of c.hosts) {
      const h = this.store.hosts.get(id);
      if (h) touched.add(h.location.dpid);
      // Where it was drawn before (it may have moved or gone).
      for (const [dpid, nodes] of this.hostNodes) if (nodes.has(hostNode(id))) touched.add(dpid);
    }
    for (const dpid of c.switches) touched.add(dpid);
    if (touched.size === 0) return;
    const by = this.hostsBySwitch();
    for (const dpid of touched) this.syncHosts(dpid, by);
  }

  /** Redraws everything; `relayout` forgets the positions first. */
  rebuild(relayout: boolean): void {
    if (relayout) this.positions.clear();
    this.graph = newGraph();
    this.hostNodes.clear();
    const unplaced = [...this.store.switches.keys()].filter((d) => !this.positions.has(switchNode(d)));
    if (unplaced.length === this.store.switches.size && unplaced.length > 0) {
      const adj = new Map<string, string[]>();
      for (const l of this.store.links.values()) {
        if (l.a.dpid === l.b.dpid) continue;
        (adj.get(l.a.dpid) ?? adj.set(l.a.dpid, []).get(l.a.dpid)!).push(l.b.dpid);
        (adj.get(l.b.dpid) ?? adj.set(l.b.dpid, []).get(l.b.dpid)!).push(l.a.dpid);
      }
      for (const [dpid, p] of layeredLayout(unplaced, (n) => adj.get(n) ?? [])) this.positions.set(switchNode(dpid), p);
    }
    for (const dpid of this.store.switches.keys()) this.syncSwitch(dpid);
    for (const key of this.store.links.keys()) this.syncLink(key);
    const by = this.hostsBySwitch();
    for (const dpid of this.store.switches.keys()) this.syncHosts(dpid, by);
    this.onReplace?.(this.graph);
  }

  private hostsBySwitch(): Map<string, HostJson[]> {
    const by = new Map<string, HostJson[]>();
    for (const h of this.store.hosts.values()) {
      const list = by.get(h.location.dpid);
      if (list) list.push(h);
      else by.set(h.location.dpid, [h]);
    }
    return by;
  }

  /** Shows or hides the hosts. */
  setShowHosts(show: boolean): void {
    this.showHosts = show;
    const by = this.hostsBySwitch();
    for (const dpid of this.store.switches.keys()) this.syncHosts(dpid, by);
  }

  /** Colours links by load (`undefined`: back to their state colours); a link not up keeps its state colour. */
  setLoad(load: ReadonlyMap<string, LinkLoad> | undefined): void {
    this.load = load;
    for (const key of this.store.links.keys()) this.syncLink(key);
  }

  /** Marks one node as selected (drawn larger, in the selection colour). */
  select(node: string | undefined): void {
    const prev = this.selected;
    this.selected = node;
    if (prev && this.graph.hasNode(prev)) this.graph.mergeNodeAttributes(prev, this.nodeStyle(prev));
    if (node && this.graph.hasNode(node)) this.graph.mergeNodeAttributes(node, this.nodeStyle(node));
  }

  private nodeStyle(node: string): { color: string; size: number } {
    const ref = parseNode(node);
    const sel = node === this.selected;
    if (!ref) return { color: '#666', size: NODE_SIZES.other };
    const base = ref.kind === 'switch' ? { color: COLORS.switch, size: NODE_SIZES.switch } : ref.kind === 'host' ? { color: COLORS.host, size: NODE_SIZES.host } : { color: COLORS.hosts, size: NODE_SIZES.hosts };
    return sel ? { color: COLORS.selected, size: base.size + NODE_SIZES.selectedExtra } : base;
  }

  private syncSwitch(dpid: string): void {
    const node = switchNode(dpid);
    const sw = this.store.switches.get(dpid);
    if (!sw) {
      if (this.graph.hasNode(node)) this.graph.dropNode(node);
      this.positions.delete(node);
      return;
    }
    const label = sw.name ? `${sw.name}` : dpid;
    if (this.graph.hasNode(node)) {
      this.graph.setNodeAttribute(node, 'label', label);
      return;
    }
    let p = this.positions.get(node);
    if (!p) {
      const near: Point[] = [];
      for (const l of this.store.links.values()) {
        const other = l.a.dpid === dpid ? l.b.dpid : l.b.dpid === dpid ? l.a.dpid : undefined;
        const q = other !== undefined ? this.positions.get(switchNode(other)) : undefined;
        if (q) near.push(q);
      }
      p = placeNew(node, near, this.switchPositions());
      this.positions.set(node, p);
    }
    this.graph.addNode(node, { x: p.x, y: p.y, label, ...this.nodeStyle(node) });
  }

  private *switchPositions(): Iterable<Point> {
    for (const [k, p] of this.positions) if (k.startsWith('sw:')) yield p;
  }

  private syncLink(key: string): void {
    const edge = linkEdge(key);
    const l = this.store.links.get(key);
    if (!l || !this.graph.hasNode(switchNode(l.a.dpid)) || !this.graph.hasNode(switchNode(l.b.dpid))) {
      if (this.graph.hasEdge(edge)) this.graph.dropEdge(edge);
      return;
    }
    const attrs = this.load && pairStatus(l) === 'up' ? { ...loadStyle(this.load.get(key)), status: 'up' } : linkStyle(l);
    if (this.graph.hasEdge(edge)) this.graph.mergeEdgeAttributes(edge, attrs);
    else this.graph.addEdgeWithKey(edge, switchNode(l.a.dpid), switchNode(l.b.dpid), attrs);
  }

  /** The switch node a host node hangs from. */
  private attachedTo(n: string): string | undefined {
    const e = `hl:${n}`;
    return this.graph.hasEdge(e) ? this.graph.source(e) : undefined;
  }

  /** Draws the hosts of one switch: each on its own, or one aggregate node, or none (hosts hidden). */
  private syncHosts(dpid: string, by: ReadonlyMap<string, readonly HostJson[]>): void {
    const swNode = switchNode(dpid);
    const hosts = this.store.switches.has(dpid) && this.showHosts ? (by.get(dpid) ?? []) : [];
    const want = new Map<string, { label: string; slot: number }>();
    if (hosts.length > HOST_AGGREGATE_THRESHOLD) {
      want.set(hostsNode(dpid), { label: `${hosts.length} hosts`, slot: 0 });
    } else {
      let slots = this.hostSlots.get(dpid);
      if (!slots) this.hostSlots.set(dpid, (slots = new Map()));
      for (const [id] of slots) if (!hosts.some((h) => h.id === id)) slots.delete(id);
      for (const h of hosts) {
        if (!slots.has(h.id)) {
          let s = 0;
          const used = new Set(slots.values());
          while (used.has(s)) s++;
          slots.set(h.id, s);
        }
        want.set(hostNode(h.id), { label: h.ipv4[0] ?? h.mac, slot: slots.get(h.id)! });
      }
    }
    const drawn = this.hostNodes.get(dpid) ?? new Set<string>();
    for (const n of drawn) {
      if (want.has(n)) continue;
      drawn.delete(n);
      // A host that moved away may already be drawn at its new switch: drop only our own drawing.
      if (this.graph.hasNode(n) && this.attachedTo(n) === swNode) this.graph.dropNode(n);
    }
    const sp = this.positions.get(swNode);
    for (const [n, w] of want) {
      if (this.graph.hasNode(n)) {
        // A host that moved here is still attached to its old switch: redraw it.
        if (this.attachedTo(n) === swNode) {
          this.graph.setNodeAttribute(n, 'label', w.label);
          drawn.add(n);
          continue;
        }
        this.graph.dropNode(n);
      }
      if (!sp) continue;
      const p = hostSpot(sp, w.slot);
      this.graph.addNode(n, { x: p.x, y: p.y, label: w.label, ...this.nodeStyle(n) });
      this.graph.addEdgeWithKey(`hl:${n}`, swNode, n, { color: COLORS.hostLink, size: 1 });
      drawn.add(n);
    }
    if (drawn.size > 0) this.hostNodes.set(dpid, drawn);
    else this.hostNodes.delete(dpid);
  }
}

/** An edge's look: colour by the pair's state (both up, one way, down), thicker when up. */
export function linkStyle(l: LinkPairState): { color: string; size: number; status: string } {
  const s = pairStatus(l);
  return { color: COLORS[s], size: s === 'up' ? 3 : 2, status: s };
}
