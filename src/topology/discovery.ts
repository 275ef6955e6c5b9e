/**
 * The LLDP link discovery state machine, pure: it is told about switches, ports and received
 * probes with the time `now`, and answers with the probes due and the link events caused.
 * The TopologyService's timers only call `dueProbes(now)` and `expire(now)` and send what comes back.
 */
import { OFPP } from '../openflow/codec/constants.js';
import type { ProbeOrigin } from './probe.js';
import type { Link, LinkInfo, LinkRemovedReason, SwitchPort } from '../core/model.js';
import { linkKey, portKey } from './types.js';

/** OFPPC_PORT_DOWN and OFPPS_LINK_DOWN: bit 0 in both OpenFlow 1.0 and 1.3. */
const PORT_DOWN = 1;
const LINK_DOWN = 1;

/** A port to probe: the service builds and signs the frame. */
export interface ProbeTarget {
  readonly dpid: bigint;
  readonly port: number;
  readonly hwAddr: string;
}

/** A change to the link set. */
export type LinkEvent =
  | { readonly type: 'linkAdded'; readonly link: LinkInfo }
  | { readonly type: 'linkRemoved'; readonly link: LinkInfo; readonly reason: LinkRemovedReason };

/**
 * Outcome of a received probe: `accepted` refreshes or adds a link; anything else is dropped.
 * `relayed`: it left or arrived at an edge (host) port, so a host could have carried it.
 */
export type ProbeVerdict = 'accepted' | 'replayed' | 'looped' | 'unknown_source' | 'relayed';

/** True for a port where a host is attached (an edge port): see HostTracker.isHostPort. */
export type HostPortTest = (dpid: bigint, port: number) => boolean;

/** Timing of discovery (a subset of TopologyConfig). */
export interface DiscoveryOptions {
  readonly probeIntervalMs: number;
  readonly maxMissedProbes: number;
  /**
   * Spread a big switch's round over this much of the interval (ms; 0 or absent: each round is due
   * at once at its slot, only `dueProbes`' `max` splits it). The first {@link ROUND_BURST_PORTS}
   * ports go at the slot, the rest at an even pace, so a switch with thousands of ports costs
   * every tick a small share of signed probes instead of a few ticks the whole budget each. Ports
   * that came up are probed at the next call, at most ROUND_BURST_PORTS of one switch a call.
   */
  readonly roundSpreadMs?: number;
}

/** Ports of a round that go out at its slot even when rounds are spread (a small switch is not slowed down). */
export const ROUND_BURST_PORTS = 32;

/** True for a port that can carry a link: a physical port number, not administratively down, link up. */
export function isLivePort(p: SwitchPort): boolean {
  return p.portNo > 0 && p.portNo < OFPP.MAX && (p.config & PORT_DOWN) === 0 && (p.state & LINK_DOWN) === 0;
}

interface SwitchState {
  readonly dpid: bigint;
  /** Offset of this switch's probe slot within the interval: spreads switches over time. */
  readonly phaseMs: number;
  /** Live ports by number, with their MAC. */
  readonly ports: Map<number, string>;
  nextProbeAt: number;
  /** Ports that came up since the last round: probed at the next tick, not at the slot. */
  readonly urgent: Set<number>;
  /** The ports of the current round not probed yet (from `roundAt` on), when a tick's budget cut it short. */
  round: number[];
  roundAt: number;
  /** When the current round began (ms): with `roundSpreadMs`, its ports are released from then on. */
  roundStart: number;
  /** When the switch was added, and when each port that came up later did (ms). */
  readonly addedAt: number;
  readonly portUpAt: Map<number, number>;
}

interface LinkRecord {
  readonly link: Link;
  readonly key: string;
  readonly discoveredAt: number;
  lastSeen: number;
  /** Probes sent out of the link's source port since it was last confirmed. */
  unanswered: number;
}

/**
 * A deterministic phase for a dpid (a multiplicative hash), so every instance spreads the same
 * switches the same way and a thousand switches that connect together do not probe together.
 */
export function probePhase(dpid: bigint, intervalMs: number): number {
  const h = (dpid * 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
  return Number(h >> 40n) % Math.max(1, Math.floor(intervalMs));
}

/** Links, switches and probe schedule. */
export class LinkDiscovery {
  private readonly switches = new Map<bigint, SwitchState>();
  private readonly links = new Map<string, LinkRecord>();
  /** Link keys by endpoint port key (both ends), for port-down and infrastructure checks. */
  private readonly byPort = new Map<string, Set<string>>();
  /** The ports of byPort by switch, for the per-packet infrastructure check without building a key. */
  private readonly infraPorts = new Map<bigint, Set<number>>();
  /**
   * The links leaving each port, by switch and port number: a probe's refresh of its link finds it
   * here without building a key (thousands of probes a second come back on a large network).
   */
  private readonly outLinks = new Map<bigint, Map<number, LinkRecord[]>>();
  /** Highest accepted send time per source port, by switch: a probe not newer than that is a replay. */
  private readonly lastAccepted = new Map<bigint, Map<number, number>>();
  /**
   * No link was last seen before this (ms): `expire` skips its scan while the link timeout has not
   * reached it. Set by each scan to the oldest lastSeen it left; refreshes only raise a lastSeen,
   * and a new link counts in when it is added, so it stays a lower bound.
   */
  private oldestSeen = Infinity;
  /**
   * Ports whose last link went less than a link timeout ago, until when (ms), by switch: they stay
   * infrastructure (no hosts learned, no floods unless on the tree), so a controller that lost its
   * links (a storm delayed its probes) does not flood back into the fabric while they return.
   */
  private readonly held = new Map<bigint, Map<number, number>>();
  /** The latest `now` any call brought. */
  private lastNow = 0;
  /** The switch whose round `dueProbes` served last: the next call starts after it. */
  private lastServed = -1n;

  /**
   * Ports are classified TopoGuard-style. Infrastructure: a verified link starts or ends there, or
   * did within the link timeout (held); no host is learned there and floods use it only on the
   * tree. Edge: `isHostPort` says a host was first seen there and still is; no probe goes out of
   * it, and a probe that left or reached one is `relayed` and creates nothing. Otherwise
   * unclassified: probed, and a link may form. Transitions: edge → unclassified when its hosts go
   * (idle, moved, port down or removed); infrastructure → unclassified a link timeout after its
   * last link went. A host that only moved to a port does not make it edge (a flooded copy over a
   * link not yet discovered looks like that), so the startup race cannot lock a link out.
   */
  constructor(
    private readonly opts: DiscoveryOptions,
    private readonly isHostPort: HostPortTest = () => false,
  ) {}

  /** How long a link lives without a probe: the missed probes plus half an interval of slack. */
  get linkTimeoutMs(): number {
    return this.opts.probeIntervalMs * (this.opts.maxMissedProbes + 0.5);
  }

  /** A switch became ready (or reconnected): its live ports are probed from its next slot on. */
  addSwitch(dpid: bigint, ports: Iterable<SwitchPort>, now: number): LinkEvent[] {
    this.lastNow = Math.max(this.lastNow, now);
    const events = this.switches.has(dpid) ? this.removeSwitch(dpid) : [];
    const phaseMs = probePhase(dpid, this.opts.probeIntervalMs);
    const s: SwitchState = { dpid, phaseMs, ports: new Map(), nextProbeAt: this.nextSlot(phaseMs, now), urgent: new Set(), round: [], roundAt: 0, roundStart: now, addedAt: now, portUpAt: new Map() };
    for (const p of ports) if (isLivePort(p)) s.ports.set(p.portNo, p.hwAddr);
    this.switches.set(dpid, s);
    return events;
  }

  /** A switch went away: every link touching it goes at once. */
  removeSwitch(dpid: bigint): LinkEvent[] {
    const s = this.switches.get(dpid);
    if (!s) return [];
    this.switches.delete(dpid);
    const events: LinkEvent[] = [];
    for (const r of [...this.links.values()]) {
      if (r.link.src === dpid || r.link.dst === dpid) events.push(this.drop(r, 'switch_disconnected'));
    }
    this.lastAccepted.delete(dpid);
    return events;
  }

  /**
   * A port was added or changed at `now` (default: the latest time this machine was told): a port
   * that went down loses its links; one that came up is probed at once.
   */
  updatePort(dpid: bigint, port: SwitchPort, now = this.lastNow): LinkEvent[] {
    this.lastNow = Math.max(this.lastNow, now);
    const s = this.switches.get(dpid);
    if (!s) return [];
    if (isLivePort(port)) {
      if (!s.ports.has(port.portNo)) {
        s.urgent.add(port.portNo);
        s.portUpAt.set(port.portNo, now);
      }
      s.ports.set(port.portNo, port.hwAddr);
      return [];
    }
    if (!s.ports.delete(port.portNo) && !this.byPort.has(portKey(dpid, port.portNo))) return [];
    s.urgent.delete(port.portNo);
    return this.dropPort(dpid, port.portNo, 'port_down');
  }

  /** A port was removed from the switch. */
  removePort(dpid: bigint, portNo: number): LinkEvent[] {
    const s = this.switches.get(dpid);
    if (s) {
      s.ports.delete(portNo);
      s.urgent.delete(portNo);
    }
    return this.dropPort(dpid, portNo, 'port_removed');
  }

  /**
   * Probes due at `now`: every live port of each switch whose slot has come (then the slot moves
   * on by one interval; a timer that fell behind skips missed slots instead of bursting), plus
   * ports that just came up. At most `max` of them (a switch with thousands of ports must not
   * stall the controller for one tick): what does not fit waits for the next call, ports that came
   * up first, then each switch's round in turn, a fair share each, starting after the switch
   * served last. A round not finished by the switch's next slot starts over. With `roundSpreadMs`,
   * a round's ports are also released over that time (see {@link DiscoveryOptions.roundSpreadMs}).
   */
  dueProbes(now: number, max = Infinity): ProbeTarget[] {
    this.lastNow = Math.max(this.lastNow, now);
    const out: ProbeTarget[] = [];
    const busy: SwitchState[] = [];
    const spread = (this.opts.roundSpreadMs ?? 0) > 0;
    for (const s of this.switches.values()) {
      if (now >= s.nextProbeAt) {
        s.round = [...s.ports.keys()];
        s.roundAt = 0;
        s.roundStart = now;
        s.urgent.clear();
        s.nextProbeAt = this.nextSlot(s.phaseMs, now + 1);
      }
      // With spread rounds, ports that came up go ROUND_BURST_PORTS of a switch a call: one that
      // announces thousands at once (each a first probe to sign) does not take a tick's whole budget.
      const urgentEnd = out.length + (spread ? ROUND_BURST_PORTS : Infinity);
      for (const port of s.urgent) {
        if (out.length >= max || out.length >= urgentEnd) break;
        s.urgent.delete(port);
        this.pushProbe(out, s, port);
      }
      if (s.roundAt < this.released(s, now)) busy.push(s);
    }
    // Rounds in turn from the switch after the one served last, as many passes as the budget allows.
    const start = busy.findIndex((s) => s.dpid === this.lastServed) + 1;
    for (let left = busy.length; left > 0 && out.length < max; ) {
      const share = Math.max(1, Math.floor((max - out.length) / left));
      left = 0;
      for (let i = 0; i < busy.length && out.length < max; i++) {
        const s = busy[(start + i) % busy.length]!;
        const released = this.released(s, now);
        if (s.roundAt >= released) continue;
        const end = Math.min(released, s.roundAt + share, s.roundAt + (max - out.length));
        while (s.roundAt < end) this.pushProbe(out, s, s.round[s.roundAt++]!);
        this.lastServed = s.dpid;
        if (s.roundAt < released) left++;
      }
    }
    for (const s of busy) if (s.roundAt >= s.round.length) s.round = [];
    for (const t of out) this.countProbe(t.dpid, t.port);
    return out;
  }

  /**
   * How many ports of the switch's round may have gone out by `now`: all of them, unless rounds are
   * spread; then the first ROUND_BURST_PORTS at once and the rest evenly over `roundSpreadMs`.
   */
  private released(s: SwitchState, now: number): number {
    const spreadMs = this.opts.roundSpreadMs ?? 0;
    const n = s.round.length;
    if (spreadMs <= 0 || n <= ROUND_BURST_PORTS) return n;
    return Math.min(n, ROUND_BURST_PORTS + Math.floor(((n - ROUND_BURST_PORTS) * Math.max(0, now - s.roundStart)) / spreadMs));
  }

  /** When the round's port at `index` is released (see `released`). */
  private releaseAt(s: SwitchState, index: number): number {
    const spreadMs = this.opts.roundSpreadMs ?? 0;
    const n = s.round.length;
    if (spreadMs <= 0 || index < ROUND_BURST_PORTS) return s.roundStart;
    return s.roundStart + Math.ceil(((index - ROUND_BURST_PORTS + 1) * spreadMs) / (n - ROUND_BURST_PORTS));
  }

  private pushProbe(out: ProbeTarget[], s: SwitchState, port: number): void {
    const hwAddr = s.ports.get(port);
    if (hwAddr !== undefined && !this.isHostPort(s.dpid, port)) out.push({ dpid: s.dpid, port, hwAddr });
  }

  /** One more probe out of a port: the links leaving it have one more unanswered. */
  private countProbe(dpid: bigint, port: number): void {
    const out = this.outLinks.get(dpid)?.get(port);
    if (out) for (const r of out) r.unanswered++;
  }

  /** The earliest time something is due (a slot or an urgent port); Infinity with no switches. */
  nextDue(): number {
    let t = Infinity;
    for (const s of this.switches.values()) {
      const rest = s.roundAt < s.round.length ? this.releaseAt(s, s.roundAt) : Infinity;
      t = Math.min(t, s.urgent.size > 0 ? 0 : rest <= this.lastNow ? 0 : Math.min(rest, s.nextProbeAt));
    }
    return t;
  }

  /**
   * A verified probe from `origin` arrived at `dst`:`dstPort`. Drops (without events) a probe
   * back at its own port (looped), one not newer than the last accepted from that port
   * (replayed), one from or to a switch or port we do not know or that is down (unknown_source:
   * both ends of a link are connected switches with those ports), and one that left or reached
   * an edge port (relayed).
   */
  receiveProbe(origin: ProbeOrigin, dst: bigint, dstPort: number, now: number): { verdict: ProbeVerdict; events: LinkEvent[] } {
    this.lastNow = Math.max(this.lastNow, now);
    if (origin.dpid === dst && origin.port === dstPort) return { verdict: 'looped', events: [] };
    const src = this.switches.get(origin.dpid);
    const dstSw = this.switches.get(dst);
    if (!src || !dstSw || !src.ports.has(origin.port)) return { verdict: 'unknown_source', events: [] };
    if (this.isHostPort(origin.dpid, origin.port) || this.isHostPort(dst, dstPort)) return { verdict: 'relayed', events: [] };
    let accepted = this.lastAccepted.get(origin.dpid);
    const last = accepted?.get(origin.port);
    if (last !== undefined && origin.sentAt <= last) return { verdict: 'replayed', events: [] };
    if (!accepted) this.lastAccepted.set(origin.dpid, (accepted = new Map()));
    accepted.set(origin.port, origin.sentAt);
    // A packet arrived on it, so the port is up even if its PORT_STATUS is late.
    if (!dstSw.ports.has(dstPort)) return { verdict: 'unknown_source', events: [] };
    // A known link (the steady state): refreshed in place, no key built, no event.
    const out = this.outLinks.get(origin.dpid)?.get(origin.port);
    if (out) {
      for (const existing of out) {
        if (existing.link.dst !== dst || existing.link.dstPort !== dstPort) continue;
        existing.lastSeen = now;
        existing.unanswered = 0;
        return { verdict: 'accepted', events: [] };
      }
    }
    const link: Link = { src: origin.dpid, srcPort: origin.port, dst, dstPort };
    const key = linkKey(link);
    const r: LinkRecord = { link, key, discoveredAt: now, lastSeen: now, unanswered: 0 };
    this.links.set(key, r);
    this.oldestSeen = Math.min(this.oldestSeen, now);
    this.index(link.src, link.srcPort, key);
    this.index(link.dst, link.dstPort, key);
    this.indexOut(r);
    return { verdict: 'accepted', events: [{ type: 'linkAdded', link: info(r) }] };
  }

  /**
   * Links whose probes stopped: gone after `maxMissedProbes` intervals in which that many probes
   * went out unanswered. Time alone is not enough: a controller whose event loop fell behind
   * (a packet-in storm) sent no probes, and must not drop every link for its own delay.
   */
  expire(now: number): LinkEvent[] {
    this.lastNow = Math.max(this.lastNow, now);
    const limit = now - this.linkTimeoutMs;
    const events: LinkEvent[] = [];
    // Called every probe tick: a scan of every link only when one may be old enough to go.
    if (this.oldestSeen >= limit) return events;
    let oldest = Infinity;
    for (const r of this.links.values()) {
      if (r.lastSeen < limit && r.unanswered >= this.opts.maxMissedProbes) events.push(this.drop(r, 'timeout'));
      else oldest = Math.min(oldest, r.lastSeen);
    }
    this.oldestSeen = oldest;
    return events;
  }

  /** True when a link starts or ends at this port, or did within the link timeout: no hosts are learned there. */
  isInfrastructurePort(dpid: bigint, port: number): boolean {
    return (this.infraPorts.get(dpid)?.has(port) ?? false) || (this.held.get(dpid)?.has(port) ?? false);
  }

  /**
   * When the port settles: a link timeout after its switch was added or it came up, once discovery
   * has had the time to find a link there; only from then may a host seen there make it an edge
   * port. Undefined while the port is not known as up: the first frames through a port that comes
   * back up (the switch's neighbour announcing itself on carrier) often reach the controller before
   * its PORT_STATUS, and must not make a port that was probed long ago, before it went down, an
   * edge port. It only ever moves later (a switch added again, a port up again), so a caller may
   * skip asking until then.
   */
  settledAt(dpid: bigint, port: number): number | undefined {
    const s = this.switches.get(dpid);
    if (!s || !s.ports.has(port)) return undefined;
    return Math.max(s.addedAt, s.portUpAt.get(port) ?? -Infinity) + this.linkTimeoutMs;
  }

  /** Ports without a link now that had one within the link timeout, by switch (for the fabric). */
  heldPorts(): ReadonlyMap<bigint, ReadonlySet<number>> {
    const out = new Map<bigint, Set<number>>();
    for (const [dpid, ports] of this.held) {
      const live = this.infraPorts.get(dpid);
      for (const p of ports.keys()) {
        if (live?.has(p)) continue;
        let s = out.get(dpid);
        if (!s) out.set(dpid, (s = new Set()));
        s.add(p);
      }
    }
    return out;
  }

  /** Ends the holds older than a link timeout at `now`; true when a port stopped being held. */
  releaseHolds(now: number): boolean {
    this.lastNow = Math.max(this.lastNow, now);
    let changed = false;
    for (const [dpid, ports] of this.held) {
      for (const [p, until] of ports) {
        if (until > now) continue;
        ports.delete(p);
        if (!this.infraPorts.get(dpid)?.has(p)) changed = true;
      }
      if (ports.size === 0) this.held.delete(dpid);
    }
    return changed;
  }

  /** Every link, in key order. */
  listLinks(): LinkInfo[] {
    return [...this.links.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map(info);
  }

  /** Number of links. */
  get linkCount(): number {
    return this.links.size;
  }

  /** Known switches. */
  switchIds(): bigint[] {
    return [...this.switches.keys()];
  }

  /** Live port numbers of a switch, ascending (empty for an unknown switch). */
  livePorts(dpid: bigint): number[] {
    const s = this.switches.get(dpid);
    return s ? [...s.ports.keys()].sort((a, b) => a - b) : [];
  }

  private nextSlot(phaseMs: number, now: number): number {
    const i = this.opts.probeIntervalMs;
    const base = Math.floor(now / i) * i + phaseMs;
    return base >= now ? base : base + i;
  }

  private dropPort(dpid: bigint, portNo: number, reason: LinkRemovedReason): LinkEvent[] {
    const pk = portKey(dpid, portNo);
    const accepted = this.lastAccepted.get(dpid);
    accepted?.delete(portNo);
    if (accepted?.size === 0) this.lastAccepted.delete(dpid);
    const keys = this.byPort.get(pk);
    if (!keys) return [];
    const events: LinkEvent[] = [];
    for (const k of [...keys]) {
      const r = this.links.get(k);
      if (r) events.push(this.drop(r, reason));
    }
    return events;
  }

  private drop(r: LinkRecord, reason: LinkRemovedReason): LinkEvent {
    // Held for a link timeout from now (the latest time this machine was told): removals that
    // take no time (port down, switch gone) happen at the time of the last event.
    const until = Math.max(r.lastSeen, this.lastNow) + this.linkTimeoutMs;
    this.hold(r.link.src, r.link.srcPort, until);
    this.hold(r.link.dst, r.link.dstPort, until);
    this.links.delete(r.key);
    this.unindex(r.link.src, r.link.srcPort, r.key);
    this.unindex(r.link.dst, r.link.dstPort, r.key);
    this.unindexOut(r);
    return { type: 'linkRemoved', link: info(r), reason };
  }

  private indexOut(r: LinkRecord): void {
    let ports = this.outLinks.get(r.link.src);
    if (!ports) this.outLinks.set(r.link.src, (ports = new Map()));
    const out = ports.get(r.link.srcPort);
    if (out) out.push(r);
    else ports.set(r.link.srcPort, [r]);
  }

  private unindexOut(r: LinkRecord): void {
    const ports = this.outLinks.get(r.link.src);
    const out = ports?.get(r.link.srcPort);
    if (!ports || !out) return;
    const i = out.indexOf(r);
    if (i >= 0) out.splice(i, 1);
    if (out.length > 0) return;
    ports.delete(r.link.srcPort);
    if (ports.size === 0) this.outLinks.delete(r.link.src);
  }

  private hold(dpid: bigint, port: number, until: number): void {
    let ports = this.held.get(dpid);
    if (!ports) this.held.set(dpid, (ports = new Map()));
    ports.set(port, Math.max(until, ports.get(port) ?? 0));
  }

  private index(dpid: bigint, port: number, key: string): void {
    const pk = portKey(dpid, port);
    let s = this.byPort.get(pk);
    if (!s) this.byPort.set(pk, (s = new Set()));
    s.add(key);
    let ports = this.infraPorts.get(dpid);
    if (!ports) this.infraPorts.set(dpid, (ports = new Set()));
    ports.add(port);
  }

  private unindex(dpid: bigint, port: number, key: string): void {
    const pk = portKey(dpid, port);
    const s = this.byPort.get(pk);
    if (!s) return;
    s.delete(key);
    if (s.size > 0) return;
    this.byPort.delete(pk);
    const ports = this.infraPorts.get(dpid);
    ports?.delete(port);
    if (ports?.size === 0) this.infraPorts.delete(dpid);
  }
}

function info(r: LinkRecord): LinkInfo {
  return { ...r.link, discoveredAt: r.discoveredAt, lastSeen: r.lastSeen };
}
