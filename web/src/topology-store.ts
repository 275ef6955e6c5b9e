/**
 * The live topology the views draw: loaded once from `GET /api/v1/topology`, then kept current
 * from the event stream. Links are kept per pair of ports with the state of each direction, and
 * a link that went away stays, drawn down, until its switch goes. Listeners get the changed keys,
 * batched, so a view redraws only what changed.
 */
import type { Api, HostJson, LinkEnd, LinkJson, TopologyJson } from './api.js';
import type { EventStream, StreamEvent } from './events.js';

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

/** What a batch changed: keys of switches, link pairs and hosts (added, changed or removed). */
export interface TopologyChanges {
  readonly reset: boolean;
  readonly switches: ReadonlySet<string>;
  readonly links: ReadonlySet<string>;
  readonly hosts: ReadonlySet<string>;
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

export class TopologyStore {
  readonly switches = new Map<string, SwitchState>();
  readonly links = new Map<string, LinkPairState>();
  readonly hosts = new Map<string, HostJson>();
  loaded = false;
  error: string | undefined;
  private readonly listeners = new Set<(c: TopologyChanges) => void>();
  private pending = { reset: false, switches: new Set<string>(), links: new Set<string>(), hosts: new Set<string>() };
  private flushTimer: number | undefined;
  private reloadTimer: number | undefined;

  constructor(
    private readonly api: Api,
    stream: EventStream,
  ) {
    stream.on((e) => this.apply(e));
    // The snapshot is read once the stream is open, so no event falls between the two; a stream
    // that reopens may have missed events: start again from the snapshot then too.
    stream.onState((s) => {
      if (s === 'open') this.scheduleReload(0);
    });
    // Should the stream not open, still show the snapshot.
    window.setTimeout(() => {
      if (!this.loaded) this.scheduleReload(0);
    }, 2000);
  }

  /** Calls `fn` after every batch of changes; returns the unsubscribe function. */
  subscribe(fn: (c: TopologyChanges) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** (Re)loads the snapshot: what it lacks is dropped, except links, which are kept as down. */
  async load(): Promise<void> {
    let t: TopologyJson;
    try {
      t = await this.api.topology();
    } catch (e) {
      this.error = (e as Error).message;
      this.pending.reset = true;
      this.schedule();
      return;
    }
    this.error = undefined;
    this.switches.clear();
    for (const s of t.switches) this.switches.set(s.dpid, { dpid: s.dpid, ...(s.name ? { name: s.name } : {}), ports: s.ports });
    const seen = new Map<string, { ab: boolean; ba: boolean; a: LinkEnd; b: LinkEnd }>();
    for (const l of t.links) {
      const p = pairOf(l);
      const x = seen.get(p.key) ?? { ab: false, ba: false, a: p.a, b: p.b };
      if (p.forward) x.ab = true;
      else x.ba = true;
      seen.set(p.key, x);
    }
    for (const [key, old] of this.links) {
      if (!seen.has(key) && this.switches.has(old.a.dpid) && this.switches.has(old.b.dpid)) seen.set(key, { ab: false, ba: false, a: old.a, b: old.b });
    }
    const before = this.links;
    const next = new Map<string, LinkPairState>();
    for (const [key, x] of seen) {
      const prev = before.get(key);
      next.set(key, { key, a: x.a, b: x.b, ab: x.ab ? 'up' : prev ? 'down' : x.ba ? 'unknown' : 'down', ba: x.ba ? 'up' : prev ? 'down' : x.ab ? 'unknown' : 'down' });
    }
    this.links.clear();
    for (const [k, v] of next) this.links.set(k, v);
    this.hosts.clear();
    for (const h of t.hosts) this.hosts.set(h.id, h);
    this.loaded = true;
    this.pending.reset = true;
    this.schedule();
  }

  /** Applies one stream event to the model. */
  apply(e: StreamEvent): void {
    switch (e.type) {
      case 'switchConnected': {
        const dpid = e.dpid!;
        if (!this.switches.has(dpid)) this.switches.set(dpid, { dpid, ports: [] });
        this.pending.switches.add(dpid);
        // Its name and ports come with the next snapshot (one request for a burst of switches).
        this.scheduleReload(500);
        break;
      }
      case 'switchDisconnected': {
        const dpid = e.dpid!;
        this.switches.delete(dpid);
        this.pending.switches.add(dpid);
        for (const [k, l] of this.links) {
          if (l.a.dpid === dpid || l.b.dpid === dpid) {
            this.links.delete(k);
            this.pending.links.add(k);
          }
        }
        for (const [id, h] of this.hosts) {
          if (h.location.dpid === dpid) {
            this.hosts.delete(id);
            this.pending.hosts.add(id);
          }
        }
        break;
      }
      case 'linkAdded':
      case 'linkRemoved': {
        const l = linkOfEvent(e.link);
        if (!l) return;
        const p = pairOf(l);
        const cur = this.links.get(p.key) ?? { key: p.key, a: p.a, b: p.b, ab: 'unknown', ba: 'unknown' };
        const state: DirectionState = e.type === 'linkAdded' ? 'up' : 'down';
        if (p.forward) cur.ab = state;
        else cur.ba = state;
        if (state === 'down' && cur.ab === 'unknown') cur.ab = 'down';
        if (state === 'down' && cur.ba === 'unknown') cur.ba = 'down';
        this.links.set(p.key, cur);
        this.pending.links.add(p.key);
        break;
      }
      case 'hostAdded':
      case 'hostMoved':
      case 'hostUpdated': {
        const h = hostOfEvent(e.host);
        this.hosts.set(h.id, h);
        this.pending.hosts.add(h.id);
        break;
      }
      case 'hostRemoved': {
        const h = hostOfEvent(e.host);
        this.hosts.delete(h.id);
        this.pending.hosts.add(h.id);
        break;
      }
      default:
        return;
    }
    this.schedule();
  }

  private scheduleReload(ms: number): void {
    if (this.reloadTimer !== undefined) return;
    this.reloadTimer = window.setTimeout(() => {
      this.reloadTimer = undefined;
      void this.load();
    }, ms);
  }

  /** Listeners run at most every 50 ms, with everything that changed meanwhile. */
  private schedule(): void {
    if (this.flushTimer !== undefined) return;
    this.flushTimer = window.setTimeout(() => {
      this.flushTimer = undefined;
      const c = this.pending;
      this.pending = { reset: false, switches: new Set(), links: new Set(), hosts: new Set() };
      for (const fn of this.listeners) fn(c);
    }, 50);
  }
}
