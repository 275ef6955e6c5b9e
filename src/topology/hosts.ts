/**
 * Host tracking, pure: packet-ins at edge ports become observations (MAC, VLAN, an address),
 * and the tracker answers with hostAdded / hostMoved / hostUpdated / hostRemoved events.
 */
import { formatIpv4, formatMac } from '../core/addr.js';
import { ARP_LEN, ETH_TYPE, IPV4_HEADER_LEN, isMulticastMacNumber, macToNumber, parsePacket, type EthernetPeek, type ParsedPacket } from '../packet/index.js';
import { MacMap } from '../packet/mac-map.js';
import type { Host, HostLocation, HostRemovedReason } from '../core/model.js';
import { TokenBucket } from '../core/token-bucket.js';

/** What one packet tells about its sender. */
export interface HostObservation {
  readonly mac: string;
  readonly vlan?: number;
  readonly ipv4?: string;
  readonly ipv6?: string;
}

/** A change to the host set. */
export type HostEvent =
  | { readonly type: 'hostAdded'; readonly host: Host }
  | { readonly type: 'hostMoved'; readonly host: Host; readonly previous: HostLocation }
  | { readonly type: 'hostUpdated'; readonly host: Host }
  | { readonly type: 'hostRemoved'; readonly host: Host; readonly reason: HostRemovedReason };

/** Limits of the tracker (a subset of TopologyConfig). */
export interface HostTrackerOptions {
  readonly hostIdleTimeoutMs: number;
  readonly maxAddressesPerHost: number;
  /** Hosts learned at one port; a MAC flood from one port stops there. */
  readonly maxHostsPerPort: number;
  /** Hosts learned on one switch. */
  readonly maxHostsPerSwitch: number;
  /** Hosts in all. */
  readonly maxHosts: number;
  /** New hosts and moves learned per second at one port (a burst of as many is allowed); beyond it they are counted, not learned. */
  readonly hostLearnRatePerPort: number;
  /** New hosts and moves learned per second on one switch. */
  readonly hostLearnRatePerSwitch: number;
}

/** True for a MAC a host can own: unicast (I/G bit clear) and not all zeros. */
function isUnicastMac(mac: string): boolean {
  return (parseInt(mac.slice(0, 2), 16) & 1) === 0 && mac !== '00:00:00:00:00:00';
}

function usableIpv4(ip: string): boolean {
  if (ip === '0.0.0.0' || ip === '255.255.255.255') return false;
  const first = Number(ip.slice(0, ip.indexOf('.')));
  return first < 224; // not multicast or class E
}

function usableIpv6(ip: string): boolean {
  return ip !== '::' && !ip.startsWith('ff');
}

/**
 * What a parsed frame says about its sender, or undefined when it says nothing about a host
 * (no Ethernet header, a group or zero source MAC, LLDP). Addresses come from ARP (the sender
 * protocol address, when the ARP sender is the frame's sender), IPv4 (the source; DHCP clients
 * without an address send 0.0.0.0, which is skipped), IPv6 neighbour discovery (a solicitation's
 * source, an advertisement's target) and other IPv6 sources.
 */
export function hostObservation(p: ParsedPacket): HostObservation | undefined {
  const eth = p.eth;
  if (!eth || p.lldp || !isUnicastMac(eth.src)) return undefined;
  const vlan = eth.vlans.length > 0 ? eth.vlans[0]!.vid : undefined;
  let ipv4: string | undefined;
  let ipv6: string | undefined;
  if (p.arp) {
    if (p.arp.sha === eth.src && usableIpv4(p.arp.spa)) ipv4 = p.arp.spa;
  } else if (p.ipv4) {
    if (usableIpv4(p.ipv4.src)) ipv4 = p.ipv4.src;
  } else if (p.ipv6) {
    const m = p.icmpv6;
    if (m?.kind === 'neighbor_advertisement' && usableIpv6(m.target)) ipv6 = m.target;
    else if (usableIpv6(p.ipv6.src)) ipv6 = p.ipv6.src;
  }
  return { mac: eth.src, ...(vlan !== undefined ? { vlan } : {}), ...(ipv4 ? { ipv4 } : {}), ...(ipv6 ? { ipv6 } : {}) };
}

/** {@link usableIpv4} of an address as a 32-bit number. */
function usableIpv4Word(w: number): boolean {
  return w !== 0 && w !== 0xffffffff && w >>> 24 < 224;
}

function word(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/**
 * `hostObservation(parsePacket(frame))` for a frame whose Ethernet header `eth` was peeked, read
 * in place for ARP, IPv4 and other non-IPv6 frames (the same checks as the parsers, no parse of
 * the rest); IPv6 frames are parsed. Learning a new host runs it for each one of a burst.
 */
export function hostObservationOf(frame: Uint8Array, eth: EthernetPeek): HostObservation | undefined {
  if (eth.ethertype === ETH_TYPE.IPV6) return hostObservation(parsePacket(frame));
  if (eth.ethertype === ETH_TYPE.LLDP || eth.src === 0 || isMulticastMacNumber(eth.src)) return undefined;
  const mac = formatMac(frame, 6);
  const off = eth.l3Offset;
  const room = frame.length - off;
  let ipv4: number | undefined;
  if (eth.ethertype === ETH_TYPE.ARP) {
    // An Ethernet/IPv4 ARP packet (hardware length 6, protocol length 4) whose sender is the frame's.
    if (room >= ARP_LEN && frame[off + 4] === 6 && frame[off + 5] === 4 && word(frame, off + 8) === word(frame, 6) && frame[off + 12] === frame[10] && frame[off + 13] === frame[11]) ipv4 = word(frame, off + 14);
  } else if (eth.ethertype === ETH_TYPE.IPV4 && room >= IPV4_HEADER_LEN && frame[off]! >> 4 === 4) {
    const hlen = (frame[off]! & 0x0f) * 4;
    if (hlen >= IPV4_HEADER_LEN && room >= hlen && ((frame[off + 2]! << 8) | frame[off + 3]!) >= hlen) ipv4 = word(frame, off + 12);
  }
  const vlan = eth.vid < 0 ? undefined : eth.vid;
  if (ipv4 !== undefined && usableIpv4Word(ipv4)) return vlan === undefined ? { mac, ipv4: formatIpv4(ipv4) } : { mac, vlan, ipv4: formatIpv4(ipv4) };
  return vlan === undefined ? { mac } : { mac, vlan };
}

/** The identity of a host: `mac`, or `mac@vid` when tagged. */
export function hostId(mac: string, vlan?: number): string {
  return vlan === undefined ? mac : `${mac}@${vlan}`;
}

interface HostRecord {
  readonly id: string;
  readonly mac: string;
  /** `mac` as a 48-bit number: the key of the tracker's index. */
  readonly macNum: number;
  readonly vlan: number | undefined;
  /** Addresses, least recently seen first. */
  readonly addrs: string[];
  /** The next host with the same MAC on another VLAN (the index holds one record per MAC). */
  sameMac: HostRecord | undefined;
  dpid: bigint;
  port: number;
  /** Where the host was first seen: while it is there (and `anchored`), that port is an edge port (see isHostPort). */
  anchored: boolean;
  /** Not anchored: the home port's settle time when last asked (no use asking before it). */
  anchorCheckAt: number;
  readonly homeDpid: bigint;
  readonly homePort: number;
  readonly firstSeen: number;
  lastSeen: number;
  /** False once the host is removed (a handle kept by a caller then touches nothing). */
  live: boolean;
}

/** A known host, kept by a caller to touch it again without a lookup by id (see {@link HostTracker.touchKnown}). */
export type HostHandle = object;

/** Known hosts and their locations. */
export class HostTracker {
  /**
   * Hosts by MAC number (those of one MAC on several VLANs chained through `sameMac`): a packet-in
   * from a new host costs a lookup and an insert that build no string key (cbench's first pass
   * learns thousands of them in a burst).
   */
  private readonly byMac = new MacMap<HostRecord>();
  private count = 0;
  /** Hosts by switch, then by port: the caps and `removeAt` look here, not through every host. */
  private readonly bySwitch = new Map<bigint, Map<number, Set<HostRecord>>>();
  private switchCounts = new Map<bigint, number>();
  /** Hosts at the port where they were first seen, by switch then port: those ports are edge ports. */
  private readonly anchors = new Map<bigint, Map<number, number>>();
  /** Learning rate buckets by switch, and by port within a switch. */
  private readonly switchBuckets = new Map<bigint, TokenBucket>();
  private readonly portBuckets = new Map<bigint, Map<number, TokenBucket>>();
  /** New hosts and moves not learned because a cap was reached or learning went over its rate. */
  refused = 0;
  /** Of `refused`, those refused for the rate. */
  rateLimited = 0;

  /**
   * `settledAt(dpid, port)` says when discovery will have had time to find a link at the port (its
   * switch or the port came up a link timeout before), undefined while the port is not known as up;
   * it only moves later. A host first seen at an unsettled port does not make it an edge port,
   * since at start-up flooded copies reach switch ports before links are known.
   */
  constructor(
    private readonly opts: HostTrackerOptions,
    private readonly settledAt: (dpid: bigint, port: number) => number | undefined = () => -Infinity,
  ) {}

  /** True when a host may be placed at `at` without passing a cap. */
  private roomAt(at: HostLocation, isNew: boolean): boolean {
    if (isNew && this.count >= this.opts.maxHosts) return false;
    if ((this.switchCounts.get(at.dpid) ?? 0) >= this.opts.maxHostsPerSwitch) return false;
    return (this.bySwitch.get(at.dpid)?.get(at.port)?.size ?? 0) < this.opts.maxHostsPerPort;
  }

  /**
   * True when learning at `at` stays within the per-port and per-switch rates (and takes a token
   * from each). A MAC flood from one port then costs a bounded number of host events per second.
   */
  private withinRate(at: HostLocation, now: number): boolean {
    let ports = this.portBuckets.get(at.dpid);
    if (!ports) this.portBuckets.set(at.dpid, (ports = new Map()));
    let pb = ports.get(at.port);
    if (!pb) ports.set(at.port, (pb = new TokenBucket(this.opts.hostLearnRatePerPort, this.opts.hostLearnRatePerPort, now)));
    let sb = this.switchBuckets.get(at.dpid);
    if (!sb) this.switchBuckets.set(at.dpid, (sb = new TokenBucket(this.opts.hostLearnRatePerSwitch, this.opts.hostLearnRatePerSwitch, now)));
    // The port's token first: a flooding port must not spend the switch's tokens of quiet ports.
    return pb.take(now) && sb.take(now);
  }

  /** True when the port's and the switch's learning rates both have room at `now` (takes nothing). */
  private rateOpen(at: HostLocation, now: number): boolean {
    const pb = this.portBuckets.get(at.dpid)?.get(at.port);
    if (pb !== undefined && !pb.has(now)) return false;
    const sb = this.switchBuckets.get(at.dpid);
    return sb === undefined || sb.has(now);
  }

  /**
   * Refuses, without its observation, a packet that `observe` could only refuse: from a host (MAC
   * as a 48-bit number, outer VLAN id or -1) that is not known, at a place where no new host may be
   * learned now (a cap is reached, or the port's or the switch's rate is spent). Counted like
   * observe's refusals. False: observe it. During a burst of new hosts, their repeats then cost a
   * lookup each instead of a parse, and no string.
   */
  refuseUnknown(mac: number, vid: number, at: HostLocation, now: number): boolean {
    const room = this.roomAt(at, true);
    if (room && this.rateOpen(at, now)) return false;
    if (this.find(mac, vid < 0 ? undefined : vid) !== undefined) return false;
    this.refuse(room);
    return true;
  }

  private refuse(rate: boolean): HostEvent[] {
    this.refused++;
    if (rate) this.rateLimited++;
    return [];
  }

  /**
   * True when a host was first seen at this port and is still there: an edge port, out of which
   * no LLDP probe goes and through which no link is believed. A host that only moved here (first
   * seen elsewhere) does not count: that is what a flooded copy over a link not yet discovered
   * looks like, and it must not keep the link from being found.
   */
  isHostPort(dpid: bigint, port: number): boolean {
    return (this.anchors.get(dpid)?.get(port) ?? 0) > 0;
  }

  private anchor(r: HostRecord, delta: 1 | -1): void {
    if (!r.anchored || r.dpid !== r.homeDpid || r.port !== r.homePort) return;
    let ports = this.anchors.get(r.dpid);
    if (!ports) this.anchors.set(r.dpid, (ports = new Map()));
    const n = (ports.get(r.port) ?? 0) + delta;
    if (n > 0) ports.set(r.port, n);
    else ports.delete(r.port);
    if (ports.size === 0) this.anchors.delete(r.dpid);
  }

  /** The host with this MAC (48-bit number) and VLAN. */
  private find(mac: number, vlan: number | undefined): HostRecord | undefined {
    let r = this.byMac.get(mac);
    while (r !== undefined && r.vlan !== vlan) r = r.sameMac;
    return r;
  }

  private insert(r: HostRecord): void {
    const first = this.byMac.get(r.macNum);
    if (first === undefined) this.byMac.set(r.macNum, r);
    else {
      r.sameMac = first.sameMac;
      first.sameMac = r;
    }
    this.count++;
  }

  private remove(r: HostRecord): void {
    const first = this.byMac.get(r.macNum);
    if (first === r) {
      if (r.sameMac === undefined) this.byMac.delete(r.macNum);
      else this.byMac.set(r.macNum, r.sameMac);
    } else {
      let p = first;
      while (p !== undefined && p.sameMac !== r) p = p.sameMac;
      if (p === undefined) return;
      p.sameMac = r.sameMac;
    }
    r.sameMac = undefined;
    this.count--;
  }

  /** Every host (MACs in insertion order); the tracker must not change during the iteration. */
  private *records(): IterableIterator<HostRecord> {
    for (const first of this.byMac.values()) for (let r: HostRecord | undefined = first; r !== undefined; r = r.sameMac) yield r;
  }

  private place(r: HostRecord): void {
    this.anchor(r, 1);
    let ports = this.bySwitch.get(r.dpid);
    if (!ports) this.bySwitch.set(r.dpid, (ports = new Map()));
    let here = ports.get(r.port);
    if (!here) ports.set(r.port, (here = new Set()));
    here.add(r);
    this.switchCounts.set(r.dpid, (this.switchCounts.get(r.dpid) ?? 0) + 1);
  }

  private unplace(r: HostRecord): void {
    const ports = this.bySwitch.get(r.dpid);
    const here = ports?.get(r.port);
    if (!ports || !here?.delete(r)) return;
    this.anchor(r, -1);
    if (here.size === 0) ports.delete(r.port);
    if (ports.size === 0) this.bySwitch.delete(r.dpid);
    const n = (this.switchCounts.get(r.dpid) ?? 1) - 1;
    if (n > 0) this.switchCounts.set(r.dpid, n);
    else this.switchCounts.delete(r.dpid);
  }

  /**
   * A packet from `obs` entered at an edge port `at`. A new host is added; a known one seen at
   * another port moves (one event with both locations); a new address updates it. `macNum` is
   * `obs.mac` as a 48-bit number, passed by a caller that has it (the frame's peek) so it is not parsed back.
   */
  observe(obs: HostObservation, at: HostLocation, now: number, macNum = macToNumber(obs.mac)): HostEvent[] {
    const r = this.find(macNum, obs.vlan);
    if (!r) {
      if (!this.roomAt(at, true)) return this.refuse(false);
      if (!this.withinRate(at, now)) return this.refuse(true);
      const settle = this.settledAt(at.dpid, at.port);
      const rec: HostRecord = {
        id: hostId(obs.mac, obs.vlan),
        mac: obs.mac,
        macNum,
        vlan: obs.vlan,
        addrs: [],
        sameMac: undefined,
        dpid: at.dpid,
        port: at.port,
        anchored: settle !== undefined && now >= settle,
        anchorCheckAt: settle ?? -Infinity,
        homeDpid: at.dpid,
        homePort: at.port,
        firstSeen: now,
        lastSeen: now,
        live: true,
      };
      this.addAddr(rec, obs);
      this.insert(rec);
      this.place(rec);
      return [{ type: 'hostAdded', host: toHost(rec) }];
    }
    if (r.dpid !== at.dpid || r.port !== at.port) {
      // A move into a full port is refused too: the host stays where it was until it expires there.
      if (!this.roomAt(at, false)) return this.refuse(false);
      if (!this.withinRate(at, now)) return this.refuse(true);
      r.lastSeen = now;
      this.addAddr(r, obs);
      const previous: HostLocation = { dpid: r.dpid, port: r.port };
      this.unplace(r);
      r.dpid = at.dpid;
      r.port = at.port;
      this.place(r);
      return [{ type: 'hostMoved', host: toHost(r), previous }];
    }
    this.seenInPlace(r, now);
    const changedAddr = this.addAddr(r, obs);
    return changedAddr ? [{ type: 'hostUpdated', host: toHost(r) }] : [];
  }

  /** The host (MAC as a 48-bit number, VLAN) as a handle for {@link touchKnown}, when it is known and located at `at`. */
  handleAt(mac: number, vlan: number | undefined, at: HostLocation): HostHandle | undefined {
    const r = this.find(mac, vlan);
    return r !== undefined && r.dpid === at.dpid && r.port === at.port ? r : undefined;
  }

  /**
   * The host sent again from where it is, with the address it last showed: what `observe` would
   * do then (its `lastSeen` moves, it may anchor), in O(1) and with no event, through a handle the
   * caller kept (no lookup by id: on the packet-in path that is a cold entry of a map of every
   * host). False when the host was removed since or is elsewhere: the caller observes the packet then.
   */
  touchKnown(handle: HostHandle, dpid: bigint, port: number, now: number): boolean {
    const r = handle as HostRecord;
    if (!r.live || r.dpid !== dpid || r.port !== port) return false;
    this.seenInPlace(r, now);
    return true;
  }

  /** A known host seen again where it is: lastSeen, and anchoring at its first port once that port has settled. */
  private seenInPlace(r: HostRecord, now: number): void {
    r.lastSeen = now;
    // First seen here before the port settled, seen here again after it: now an edge port.
    // (Asked once the port's last known settle time has come, not for every packet of the host.)
    if (!r.anchored && now >= r.anchorCheckAt && r.dpid === r.homeDpid && r.port === r.homePort && this.settles(r, now)) {
      r.anchored = true;
      this.anchor(r, 1);
    }
  }

  /** Whether the host's home port has settled; otherwise remembers when it will (a port not known as up is asked again next time). */
  private settles(r: HostRecord, now: number): boolean {
    const at = this.settledAt(r.homeDpid, r.homePort);
    if (at === undefined) return false;
    if (now >= at) return true;
    r.anchorCheckAt = at;
    return false;
  }

  /** Hosts idle longer than `hostIdleTimeoutMs`. */
  expire(now: number): HostEvent[] {
    const limit = now - this.opts.hostIdleTimeoutMs;
    const idle: HostRecord[] = [];
    for (const r of this.records()) if (r.lastSeen < limit) idle.push(r);
    return this.drop(idle, 'idle');
  }

  /** Removes the hosts at a port (or the whole switch when `port` is undefined). */
  removeAt(dpid: bigint, port: number | undefined, reason: HostRemovedReason): HostEvent[] {
    if (port === undefined) {
      this.portBuckets.delete(dpid);
      this.switchBuckets.delete(dpid);
    }
    const ports = this.bySwitch.get(dpid);
    if (!ports) return [];
    return this.drop(port === undefined ? [...ports.values()].flatMap((s) => [...s]) : [...(ports.get(port) ?? [])], reason);
  }

  /** Removes these hosts: their hostRemoved events, by id. */
  private drop(hosts: HostRecord[], reason: HostRemovedReason): HostEvent[] {
    const out: HostEvent[] = [];
    for (const r of hosts.sort(byId)) {
      this.remove(r);
      r.live = false;
      this.unplace(r);
      out.push({ type: 'hostRemoved', host: toHost(r), reason });
    }
    return out;
  }

  /** A host by MAC (and VLAN); undefined for text that is no MAC. */
  get(mac: string, vlan?: number): Host | undefined {
    const n = macNumberOf(mac);
    const r = n === undefined ? undefined : this.find(n, vlan);
    return r && toHost(r);
  }

  /** The host with this MAC: the untagged one, else the first by id of those on a VLAN. */
  findByMac(mac: string): Host | undefined {
    const n = macNumberOf(mac);
    let best: HostRecord | undefined;
    for (let r = n === undefined ? undefined : this.byMac.get(n); r !== undefined; r = r.sameMac) {
      if (r.vlan === undefined) return toHost(r);
      if (best === undefined || r.id < best.id) best = r;
    }
    return best && toHost(best);
  }

  /** Every host, by id. */
  list(): Host[] {
    return [...this.records()].sort(byId).map(toHost);
  }

  get size(): number {
    return this.count;
  }

  /** Records the observation's address; true when it is new. Keeps the most recent `maxAddressesPerHost`. */
  private addAddr(r: HostRecord, obs: HostObservation): boolean {
    const a = obs.ipv4 ?? obs.ipv6;
    if (a === undefined) return false;
    const addrs = r.addrs;
    const i = addrs.indexOf(a);
    if (i === addrs.length - 1 && i >= 0) return false; // the most recent already
    if (i >= 0) addrs.splice(i, 1);
    addrs.push(a);
    if (addrs.length > this.opts.maxAddressesPerHost) addrs.splice(0, addrs.length - this.opts.maxAddressesPerHost);
    return i < 0;
  }
}

function byId(a: HostRecord, b: HostRecord): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The 48-bit number of MAC text, undefined when it is none. */
function macNumberOf(mac: string): number | undefined {
  try {
    return macToNumber(mac);
  } catch {
    return undefined;
  }
}

function toHost(r: HostRecord): Host {
  const ipv4: string[] = [];
  const ipv6: string[] = [];
  for (const a of r.addrs) (a.includes(':') ? ipv6 : ipv4).push(a);
  return {
    id: r.id,
    mac: r.mac,
    ...(r.vlan !== undefined ? { vlan: r.vlan } : {}),
    ipv4,
    ipv6,
    location: { dpid: r.dpid, port: r.port },
    firstSeen: r.firstSeen,
    lastSeen: r.lastSeen,
  };
}
