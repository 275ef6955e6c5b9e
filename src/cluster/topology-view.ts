/**
 * The cluster-wide topology: the links and hosts every instance publishes (each learns those at
 * the switches it masters), merged into one view that is the same on every instance.
 */
import { EventEmitter } from 'node:events';
import type { Datapath } from '../openflow/datapath.js';
import { decodeValue, encodeValue, type StoreValue } from '../store/store.js';
import { isLivePort } from '../topology/discovery.js';
import { TopologySnapshotImpl } from '../topology/snapshot.js';
import type { Host, HostLocation, Link, LinkInfo } from '../core/model.js';
import { linkKey } from '../topology/types.js';
import { systemClock } from '../core/clock.js';

/** A switch and its live ports, as a snapshot needs them. */
export interface SwitchPorts {
  readonly dpid: bigint;
  readonly ports: readonly number[];
}

/** The switches connected to this instance with their live ports (every instance sees every switch). */
export function datapathSwitches(datapaths: ReadonlyMap<bigint, Datapath>): SwitchPorts[] {
  const out: SwitchPorts[] = [];
  for (const dp of datapaths.values()) {
    const ports: number[] = [];
    for (const p of dp.ports.values()) if (isLivePort(p)) ports.push(p.portNo);
    out.push({ dpid: dp.dpid, ports: ports.sort((a, b) => a - b) });
  }
  return out.sort((a, b) => (a.dpid < b.dpid ? -1 : a.dpid > b.dpid ? 1 : 0));
}

/** Events of the merged view (past tense; `instanceId` is who published the entry). */
export interface ClusterTopologyEvents {
  linkAdded: [{ readonly link: LinkInfo; readonly instanceId: string }];
  linkRemoved: [{ readonly link: LinkInfo }];
  hostAdded: [{ readonly host: Host; readonly instanceId: string }];
  hostMoved: [{ readonly host: Host; readonly previous: HostLocation; readonly instanceId: string }];
  hostUpdated: [{ readonly host: Host; readonly instanceId: string }];
  hostRemoved: [{ readonly host: Host }];
  /** After every change of the merged view, with its new version. */
  topologyChanged: [{ readonly version: number }];
}

/** Kind of a published entry. */
export type TopologyEntryKind = 'link' | 'host';

interface Entry<T> {
  readonly value: T;
  /** etcd mod revision of the entry: the newest publication of a host wins. */
  readonly rev: number;
}

/** What one instance published. */
interface Published {
  readonly links: Map<string, Entry<LinkInfo>>;
  readonly hosts: Map<string, Entry<Host>>;
}

/**
 * The merged view. Feed it with `put`/`remove` as etcd reports publications. A link is present
 * while any instance publishes it; a host's record is the most recently published one. Links
 * and hosts are facts about the network, not about the instance that learned them: the entries
 * of an instance that died are kept as orphans until a live instance publishes the same entry
 * (the switch's new master confirmed it: the orphan goes, silently) or their normal expiry
 * passes unconfirmed: `orphanGraceMs` for links (the new masters probe within it) and
 * `hostOrphanMs` for hosts (the host idle timeout: a host whose traffic runs on installed flows
 * sends nothing the new master would see). So a failover changes no tree, path or host.
 */
export class ClusterTopologyView extends EventEmitter<ClusterTopologyEvents> {
  private readonly byInstance = new Map<string, Published>();
  /** Entries of dead instances, kept unless confirmed sooner until their time in `orphanUntil`. */
  private readonly orphans = new Map<string, Published>();
  /** `instance\0kind\0key` → when that orphan goes (ms): links `orphanGraceMs`, hosts `hostOrphanMs` after their instance died. */
  private readonly orphanUntil = new Map<string, number>();
  private version = 0;
  private snap: TopologySnapshotImpl | undefined;
  private snapSig = '';

  constructor(
    private readonly orphanGraceMs = 4_000,
    private readonly now: () => number = () => systemClock.now(),
    private readonly hostOrphanMs = orphanGraceMs,
  ) {
    super();
    this.setMaxListeners(0);
  }

  /** The merged view's version, bumped on every change. */
  get currentVersion(): number {
    return this.version;
  }

  /** Every link known anywhere in the cluster, in key order. */
  links(): LinkInfo[] {
    const out = new Map<string, LinkInfo>();
    for (const p of this.sources()) {
      for (const [k, e] of p.links) {
        const have = out.get(k);
        if (!have || e.value.discoveredAt < have.discoveredAt) out.set(k, e.value);
      }
    }
    return [...out.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) => e[1]);
  }

  /** Every host, each from its most recent publication, in id order. */
  hosts(): Host[] {
    const out = new Map<string, Entry<Host>>();
    for (const p of this.sources()) {
      for (const [id, e] of p.hosts) {
        const have = out.get(id);
        if (!have || e.rev > have.rev) out.set(id, e);
      }
    }
    return [...out.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) => e[1].value);
  }

  /** The merged record of one host. */
  host(id: string): Host | undefined {
    return this.bestHost(id)?.value;
  }

  /** True when some instance publishes the link. */
  hasLink(key: string): boolean {
    return this.bestLink(key) !== undefined;
  }

  /** Instances with entries in the view (orphans excluded). */
  instances(): string[] {
    return [...this.byInstance.keys()].sort();
  }

  /** An instance published (or re-published) an entry. */
  put(instanceId: string, kind: TopologyEntryKind, key: string, value: LinkInfo | Host, rev: number): void {
    this.expireOrphans();
    const p = this.published(instanceId);
    if (kind === 'link') {
      const before = this.bestLink(key);
      p.links.set(key, { value: value as LinkInfo, rev });
      this.confirmed('link', key);
      if (!before) this.emitChange('linkAdded', { link: value as LinkInfo, instanceId });
    } else {
      const before = this.bestHost(key)?.value;
      p.hosts.set(key, { value: value as Host, rev });
      this.confirmed('host', key);
      const after = this.bestHost(key)!.value;
      if (!before) this.emitChange('hostAdded', { host: after, instanceId });
      else if (before.location.dpid !== after.location.dpid || before.location.port !== after.location.port) {
        this.emitChange('hostMoved', { host: after, previous: before.location, instanceId });
      } else if (!sameAddresses(before, after)) this.emitChange('hostUpdated', { host: after, instanceId });
    }
  }

  /**
   * An entry went away. `instanceAlive` false means it went with its instance's lease: it is then
   * kept as an orphan for the grace period instead of removed.
   */
  remove(instanceId: string, kind: TopologyEntryKind, key: string, instanceAlive: boolean): void {
    this.expireOrphans();
    const p = this.byInstance.get(instanceId);
    if (!p) return;
    if (!instanceAlive) {
      const e = kind === 'link' ? p.links.get(key) : p.hosts.get(key);
      if (e) {
        const o = this.orphanOf(instanceId);
        (kind === 'link' ? o.links : o.hosts).set(key, e as never);
        this.orphanUntil.set(orphanKey(instanceId, kind, key), this.now() + (kind === 'link' ? this.orphanGraceMs : this.hostOrphanMs));
      }
    }
    if (kind === 'link') {
      const before = this.bestLink(key);
      p.links.delete(key);
      if (before && !this.bestLink(key)) this.emitChange('linkRemoved', { link: before });
    } else {
      const before = this.bestHost(key)?.value;
      p.hosts.delete(key);
      const after = this.bestHost(key)?.value;
      if (before && !after) this.emitChange('hostRemoved', { host: before });
      else if (before && after && (before.location.dpid !== after.location.dpid || before.location.port !== after.location.port)) {
        this.emitChange('hostMoved', { host: after, previous: before.location, instanceId });
      }
    }
    if (p.links.size === 0 && p.hosts.size === 0) this.byInstance.delete(instanceId);
  }

  /**
   * The switches or their live ports changed (a switch connected or went, a port came, went or
   * changed state). The merged snapshot is drawn over them, so this is a change of the view like a
   * link's or a host's: the version moves and `topologyChanged` says so. Called before anyone else
   * hears of the change, so a client that joins a snapshot and the event stream by version (the web
   * console) never holds a snapshot without the switch under the version its stream began at.
   */
  switchesChanged(): void {
    this.version++;
    this.emit('topologyChanged', { version: this.version });
  }

  /** Drops orphans whose time is over; call from a timer (the view also does on every change). */
  expireOrphans(now = this.now()): void {
    for (const [id, o] of this.orphans) {
      for (const [k, e] of [...o.links]) {
        if ((this.orphanUntil.get(orphanKey(id, 'link', k)) ?? 0) > now) continue;
        this.dropOrphan(id, 'link', k);
        if (!this.bestLink(k)) this.emitChange('linkRemoved', { link: e.value });
      }
      for (const [k, e] of [...o.hosts]) {
        if ((this.orphanUntil.get(orphanKey(id, 'host', k)) ?? 0) > now) continue;
        this.dropOrphan(id, 'host', k);
        if (!this.bestHost(k)) this.emitChange('hostRemoved', { host: e.value });
      }
    }
  }

  /** Orphans the view keeps (dead instances' entries not yet confirmed or expired), for status and tests. */
  orphanCount(): { links: number; hosts: number } {
    let links = 0;
    let hosts = 0;
    for (const o of this.orphans.values()) {
      links += o.links.size;
      hosts += o.hosts.size;
    }
    return { links, hosts };
  }

  /**
   * The merged topology as a TopologySnapshot (paths, broadcast tree, flood ports), over the
   * given switches; links whose ends are not among them are left out. Cached until the view or
   * the switches change.
   */
  snapshot(switches: readonly SwitchPorts[], weightOf: (l: Link) => number = () => 1): TopologySnapshotImpl {
    const sig = `${this.version}|${switches.map((s) => `${s.dpid.toString(16)}:${s.ports.join('.')}`).join(' ')}`;
    if (this.snap && this.snapSig === sig) return this.snap;
    const known = new Map(switches.map((s) => [s.dpid, new Set(s.ports)]));
    const links = this.links().filter((l) => known.get(l.src)?.has(l.srcPort) && known.get(l.dst)?.has(l.dstPort));
    const infra = new Set(links.flatMap((l) => [`${l.src}:${l.srcPort}`, `${l.dst}:${l.dstPort}`]));
    const hosts = (): Host[] => this.hosts().filter((h) => known.has(h.location.dpid) && !infra.has(`${h.location.dpid}:${h.location.port}`));
    this.snap = new TopologySnapshotImpl({ version: this.version, switches, links, hosts, weightOf });
    this.snapSig = sig;
    return this.snap;
  }

  /**
   * What the apps' topology adapter (`appTopology` in src/topology) reads, over the merged view:
   * `appTopology(view.source(() => datapathSwitches(controller.datapaths)))`.
   */
  source(switches: () => readonly SwitchPorts[]): {
    snapshot(): TopologySnapshotImpl;
    fabric(): TopologySnapshotImpl['fabric'];
    floodPorts(dpid: bigint, inPort: number): number[];
    isInfrastructurePort(dpid: bigint, port: number): boolean;
  } {
    return {
      snapshot: () => this.snapshot(switches()),
      fabric: () => this.snapshot(switches()).fabric,
      floodPorts: (dpid, inPort) => this.snapshot(switches()).floodPorts(dpid, inPort),
      isInfrastructurePort: (dpid, port) => this.snapshot(switches()).isInfrastructurePort(dpid, port),
    };
  }

  /**
   * The northbound's topology service over the merged view (the API's `TopologyApi` shape), so
   * every instance answers reads for the whole network, and WebSocket clients get the merged
   * view's events.
   */
  readService(switches: () => readonly SwitchPorts[]): {
    snapshot(): TopologySnapshotImpl;
    readonly currentVersion: number;
    on(event: string, listener: (payload: unknown) => void): unknown;
    off(event: string, listener: (payload: unknown) => void): unknown;
  } {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the getter below reads the view, not the literal
    const view = this;
    return {
      snapshot: () => this.snapshot(switches()),
      get currentVersion() {
        return view.version;
      },
      on: (event, listener) => this.on(event as keyof ClusterTopologyEvents, listener as never),
      off: (event, listener) => this.off(event as keyof ClusterTopologyEvents, listener as never),
    };
  }

  /** Forgets everything (the service lost its etcd session and will reload). Emits nothing. */
  clear(): void {
    this.byInstance.clear();
    this.orphans.clear();
    this.orphanUntil.clear();
    this.version++;
  }

  private *sources(): Iterable<Published> {
    yield* this.byInstance.values();
    yield* this.orphans.values();
  }

  private bestLink(key: string): LinkInfo | undefined {
    for (const p of this.sources()) {
      const e = p.links.get(key);
      if (e) return e.value;
    }
    return undefined;
  }

  private bestHost(id: string): Entry<Host> | undefined {
    let best: Entry<Host> | undefined;
    for (const p of this.sources()) {
      const e = p.hosts.get(id);
      if (e && (!best || e.rev > best.rev)) best = e;
    }
    return best;
  }

  private published(instanceId: string): Published {
    let p = this.byInstance.get(instanceId);
    if (!p) this.byInstance.set(instanceId, (p = { links: new Map(), hosts: new Map() }));
    return p;
  }

  private orphanOf(instanceId: string): Published {
    let o = this.orphans.get(instanceId);
    if (!o) this.orphans.set(instanceId, (o = { links: new Map(), hosts: new Map() }));
    return o;
  }

  private dropOrphan(instanceId: string, kind: TopologyEntryKind, key: string): void {
    const o = this.orphans.get(instanceId);
    if (!o) return;
    (kind === 'link' ? o.links : o.hosts).delete(key);
    this.orphanUntil.delete(orphanKey(instanceId, kind, key));
    if (o.links.size === 0 && o.hosts.size === 0) this.orphans.delete(instanceId);
  }

  /** A live instance published the entry: orphans of it are confirmed and go (it lives on as the live one's). */
  private confirmed(kind: TopologyEntryKind, key: string): void {
    for (const id of [...this.orphans.keys()]) this.dropOrphan(id, kind, key);
  }

  private emitChange<K extends Exclude<keyof ClusterTopologyEvents, 'topologyChanged'>>(name: K, ...args: ClusterTopologyEvents[K]): void {
    this.version++;
    (this.emit as (n: K, ...a: ClusterTopologyEvents[K]) => boolean).call(this, name, ...args);
    this.emit('topologyChanged', { version: this.version });
  }
}

function orphanKey(instanceId: string, kind: TopologyEntryKind, key: string): string {
  return `${instanceId}\0${kind}\0${key}`;
}

function sameAddresses(a: Host, b: Host): boolean {
  return a.ipv4.join(',') === b.ipv4.join(',') && a.ipv6.join(',') === b.ipv6.join(',');
}

/**
 * The etcd value of a published link (dpids as bigint through the store encoding). `lastSeen`
 * changes with every probe and is left out, so a link is written once, not every second; the
 * merged view reports it as `discoveredAt`.
 */
export function encodeLink(l: LinkInfo): string {
  return encodeValue({ src: l.src, srcPort: l.srcPort, dst: l.dst, dstPort: l.dstPort, discoveredAt: l.discoveredAt });
}

/** The etcd value of a published host (`lastSeen` left out, as for links: it changes with every packet). */
export function encodeHost(h: Host): string {
  const v: Record<string, StoreValue> = {
    id: h.id,
    mac: h.mac,
    ipv4: [...h.ipv4],
    ipv6: [...h.ipv6],
    dpid: h.location.dpid,
    port: h.location.port,
    firstSeen: h.firstSeen,
  };
  if (h.vlan !== undefined) v.vlan = h.vlan;
  return encodeValue(v);
}

/** Parses a published link; undefined when it is not one. */
export function decodeLink(s: string): LinkInfo | undefined {
  const v = safeDecode(s) as Record<string, unknown> | undefined;
  if (!v || typeof v.src !== 'bigint' || typeof v.dst !== 'bigint' || typeof v.srcPort !== 'number' || typeof v.dstPort !== 'number') return undefined;
  return {
    src: v.src,
    srcPort: v.srcPort,
    dst: v.dst,
    dstPort: v.dstPort,
    discoveredAt: typeof v.discoveredAt === 'number' ? v.discoveredAt : 0,
    lastSeen: typeof v.discoveredAt === 'number' ? v.discoveredAt : 0,
  };
}

/** Parses a published host; undefined when it is not one. */
export function decodeHost(s: string): Host | undefined {
  const v = safeDecode(s) as Record<string, unknown> | undefined;
  if (!v || typeof v.id !== 'string' || typeof v.mac !== 'string' || typeof v.dpid !== 'bigint' || typeof v.port !== 'number') return undefined;
  const strings = (x: unknown): string[] => (Array.isArray(x) ? x.filter((a): a is string => typeof a === 'string') : []);
  return {
    id: v.id,
    mac: v.mac,
    ...(typeof v.vlan === 'number' ? { vlan: v.vlan } : {}),
    ipv4: strings(v.ipv4),
    ipv6: strings(v.ipv6),
    location: { dpid: v.dpid, port: v.port },
    firstSeen: typeof v.firstSeen === 'number' ? v.firstSeen : 0,
    lastSeen: typeof v.firstSeen === 'number' ? v.firstSeen : 0,
  };
}

function safeDecode(s: string): StoreValue | undefined {
  try {
    return decodeValue(s);
  } catch {
    return undefined;
  }
}

/** The key under which a link is published. */
export { linkKey };
