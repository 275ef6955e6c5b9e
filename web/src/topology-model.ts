/**
 * The console's topology model as pure data and functions (no DOM, no timers, tested in
 * test/unit/web-topology-model.test.ts): switches, link pairs with the state of each direction,
 * hosts; a snapshot or an event applied to it tells which keys changed.
 */
import type { HostJson, LinkEnd, LinkJson, TopologyJson } from './api.js';

/** A switch as the console shows it. */
export interface SwitchState {
  readonly dpid: string;
  name?: string;
  ports: readonly number[];
}

/** A direction of a link: discovered (up), gone (down), or never seen. */
export type DirectionState = 'up' | 'down' | 'unknown';

/** Both directions of one physical link; `a` is the lower end (dpid, then port). */
export interface LinkPairState {
  readonly key: string;
  readonly a: LinkEnd;
  readonly b: LinkEnd;
  /** a → b. */
  ab: DirectionState;
  /** b → a. */
  ba: DirectionState;
}

/** The events the store needs from the stream. */
export const TOPOLOGY_STREAM_TYPES = ['switchConnected', 'switchDisconnected', 'linkAdded', 'linkRemoved', 'hostAdded', 'hostMoved', 'hostUpdated', 'hostRemoved'] as const;

const endKey = (e: LinkEnd): string => `${e.dpid}:${e.port}`;

/** The pair key of a directed link and whether it runs a → b. */
export function pairOf(l: { src: LinkEnd; dst: LinkEnd }): { key: string; a: LinkEnd; b: LinkEnd; forward: boolean } {
  const s = endKey(l.src);
  const d = endKey(l.dst);
  const forward = s <= d;
  return forward ? { key: `${s}|${d}`, a: l.src, b: l.dst, forward } : { key: `${d}|${s}`, a: l.dst, b: l.src, forward };
}

/** Overall state of a pair: both up, one way only, or down. */
export function pairStatus(p: LinkPairState): 'up' | 'partial' | 'down' {
  if (p.ab === 'up' && p.ba === 'up') return 'up';
  if (p.ab === 'up' || p.ba === 'up') return 'partial';
  return 'down';
}

/**
 * A link as the event stream sends it (`{ src, srcPort, dst, dstPort }`, the model's form) or as
 * REST lists it (`{ src: { dpid, port }, dst: { dpid, port } }`), in the REST form.
 */
export function linkOfEvent(x: unknown): LinkJson | undefined {
  const l = x as { src?: unknown; dst?: unknown; srcPort?: unknown; dstPort?: unknown } | undefined;
  if (!l) return undefined;
  if (typeof l.src === 'string' && typeof l.dst === 'string') return { src: { dpid: l.src, port: Number(l.srcPort) }, dst: { dpid: l.dst, port: Number(l.dstPort) } };
  if (typeof l.src === 'object' && typeof l.dst === 'object') return l as LinkJson;
  return undefined;
}

/** A host from the event stream (times in ms) in the REST form (ISO times). */
export function hostOfEvent(x: unknown): HostJson {
  const h = x as Omit<HostJson, 'firstSeen' | 'lastSeen'> & { firstSeen?: number | string; lastSeen?: number | string };
  const iso = (t: number | string | undefined): string | undefined => (typeof t === 'number' ? new Date(t).toISOString() : t);
  const { firstSeen: f, lastSeen: l, ...rest } = h;
  const firstSeen = iso(f);
  const lastSeen = iso(l);
  return { ...rest, ...(firstSeen ? { firstSeen } : {}), ...(lastSeen ? { lastSeen } : {}) };
}

/** The model the store keeps and the views read. */
export interface TopologyModel {
  readonly switches: Map<string, SwitchState>;
  readonly links: Map<string, LinkPairState>;
  readonly hosts: Map<string, HostJson>;
}

/** Keys changed by a snapshot or events, filled in place. */
export interface ChangeSet {
  readonly switches: Set<string>;
  readonly links: Set<string>;
  readonly hosts: Set<string>;
}

export function emptyModel(): TopologyModel {
  return { switches: new Map(), links: new Map(), hosts: new Map() };
}

export function emptyChanges(): ChangeSet {
  return { switches: new Set(), links: new Set(), hosts: new Set() };
}

/** What a host looks like on screen: a change in anything else (lastSeen) redraws nothing. */
function hostShape(h: HostJson): string {
  return `${h.location.dpid}:${h.location.port}|${h.vlan ?? ''}|${h.ipv4.join(',')}|${h.ipv6.join(',')}`;
}

/**
 * Makes the model hold the snapshot and records what changed. Links the snapshot lacks are kept,
 * marked down, while both their switches are there: a link that went away is shown down.
 */
export function applySnapshot(m: TopologyModel, t: TopologyJson, out: ChangeSet): void {
  const switches = new Map<string, SwitchState>();
  for (const s of t.switches) switches.set(s.dpid, { dpid: s.dpid, ...(s.name ? { name: s.name } : {}), ports: s.ports });
  for (const [dpid, s] of switches) {
    const old = m.switches.get(dpid);
    if (!old || old.name !== s.name) out.switches.add(dpid);
  }
  for (const dpid of m.switches.keys()) if (!switches.has(dpid)) out.switches.add(dpid);

  const seen = new Map<string, { ab: boolean; ba: boolean; a: LinkEnd; b: LinkEnd }>();
  for (const l of t.links) {
    const p = pairOf(l);
    const x = seen.get(p.key) ?? { ab: false, ba: false, a: p.a, b: p.b };
    if (p.forward) x.ab = true;
    else x.ba = true;
    seen.set(p.key, x);
  }
  for (const [key, old] of m.links) {
    if (!seen.has(key) && switches.has(old.a.dpid) && switches.has(old.b.dpid)) seen.set(key, { ab: false, ba: false, a: old.a, b: old.b });
  }
  const links = new Map<string, LinkPairState>();
  for (const [key, x] of seen) {
    const prev = m.links.get(key);
    // A direction absent now is down if it was up; one never seen stays `unknown` (one-way so far).
    const absent = (was: DirectionState | undefined, otherUp: boolean): DirectionState => (was === 'up' ? 'down' : (was ?? (otherUp ? 'unknown' : 'down')));
    const ab: DirectionState = x.ab ? 'up' : absent(prev?.ab, x.ba);
    const ba: DirectionState = x.ba ? 'up' : absent(prev?.ba, x.ab);
    links.set(key, { key, a: x.a, b: x.b, ab, ba });
    if (!prev || prev.ab !== ab || prev.ba !== ba) out.links.add(key);
  }
  for (const key of m.links.keys()) if (!links.has(key)) out.links.add(key);

  const hosts = new Map<string, HostJson>();
  for (const h of t.hosts) {
    hosts.set(h.id, h);
    const old = m.hosts.get(h.id);
    if (!old || hostShape(old) !== hostShape(h)) out.hosts.add(h.id);
  }
  for (const id of m.hosts.keys()) if (!hosts.has(id)) out.hosts.add(id);

  for (const [target, source] of [
    [m.switches, switches],
    [m.links, links],
    [m.hosts, hosts],
  ] as const) {
    (target as Map<string, unknown>).clear();
    for (const [k, v] of source as Map<string, unknown>) (target as Map<string, unknown>).set(k, v);
  }
}

/** One stream event of a topology type applied to the model; false for events it ignores. */
export function applyEvent(m: TopologyModel, e: { type: string; dpid?: string; link?: unknown; host?: unknown }, out: ChangeSet): boolean {
  switch (e.type) {
    case 'switchConnected': {
      const dpid = e.dpid!;
      if (!m.switches.has(dpid)) m.switches.set(dpid, { dpid, ports: [] });
      out.switches.add(dpid);
      return true;
    }
    case 'switchDisconnected': {
      const dpid = e.dpid!;
      m.switches.delete(dpid);
      out.switches.add(dpid);
      for (const [k, l] of m.links) {
        if (l.a.dpid === dpid || l.b.dpid === dpid) {
          m.links.delete(k);
          out.links.add(k);
        }
      }
      for (const [id, h] of m.hosts) {
        if (h.location.dpid === dpid) {
          m.hosts.delete(id);
          out.hosts.add(id);
        }
      }
      return true;
    }
    case 'linkAdded':
    case 'linkRemoved': {
      const l = linkOfEvent(e.link);
      if (!l) return false;
      const p = pairOf(l);
      const cur = m.links.get(p.key) ?? { key: p.key, a: p.a, b: p.b, ab: 'unknown', ba: 'unknown' };
      const state: DirectionState = e.type === 'linkAdded' ? 'up' : 'down';
      if (p.forward) cur.ab = state;
      else cur.ba = state;
      if (state === 'down' && cur.ab === 'unknown') cur.ab = 'down';
      if (state === 'down' && cur.ba === 'unknown') cur.ba = 'down';
      m.links.set(p.key, cur);
      out.links.add(p.key);
      return true;
    }
    case 'hostAdded':
    case 'hostMoved':
    case 'hostUpdated': {
      const h = hostOfEvent(e.host);
      m.hosts.set(h.id, h);
      out.hosts.add(h.id);
      return true;
    }
    case 'hostRemoved': {
      const h = hostOfEvent(e.host);
      m.hosts.delete(h.id);
      out.hosts.add(h.id);
      return true;
    }
    default:
      return false;
  }
}

/** Finds what a search names: a switch by dpid or name, a host by MAC or IP; a graph node id. */
export function findNode(m: Pick<TopologyModel, 'switches' | 'hosts'>, text: string): string | undefined {
  const t = text.trim().toLowerCase();
  if (!t) return undefined;
  // Six octets with separators are a MAC, never a dpid (`00:00:00:00:00:03` is a host, not switch 3).
  if (/^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/.test(t)) {
    const mac = t.replace(/-/g, ':');
    for (const h of m.hosts.values()) if (h.mac.toLowerCase() === mac) return `host:${h.id}`;
    return undefined;
  }
  const hex = t.replace(/^0x/, '').replace(/:/g, '');
  if (/^[0-9a-f]{1,16}$/.test(hex)) {
    const dpid = hex.padStart(16, '0');
    if (m.switches.has(dpid)) return `sw:${dpid}`;
  }
  for (const s of m.switches.values()) if (s.name?.toLowerCase() === t) return `sw:${s.dpid}`;
  const mac = /^([0-9a-f]{2}[:-]?){5}[0-9a-f]{2}$/.test(t) ? t.replace(/[^0-9a-f]/g, '').match(/../g)!.join(':') : undefined;
  for (const h of m.hosts.values()) {
    if (h.mac.toLowerCase() === mac || h.id.toLowerCase() === t || h.ipv4.includes(t) || h.ipv6.includes(t)) return `host:${h.id}`;
  }
  for (const s of m.switches.values()) if (s.name?.toLowerCase().startsWith(t)) return `sw:${s.dpid}`;
  return undefined;
}
