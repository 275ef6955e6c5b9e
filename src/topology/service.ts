/**
 * The TopologyService: the I/O shell around discovery, host tracking and the snapshots. It listens
 * to the controller bus, declares the LLDP flow through the flow service (which reconciles it and
 * puts it back when removed, like any owner's flow), sends signed probes on a timer,
 * applies what the pure parts return and emits linkAdded, linkRemoved, hostAdded, hostMoved,
 * hostUpdated, hostRemoved and (coalesced) topologyChanged.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { TopologyConfig } from '../config.js';
import type { ControllerEvents, EventBus, TopologyEvents } from '../core/events.js';
import { dpidToHex } from '../core/ids.js';
import { systemClock, type Clock, type Timer } from '../core/clock.js';
import { OFPP } from '../openflow/codec/constants.js';
import type { DeviceService, FlowRecord, FlowRemovedReason, FlowScope, PacketService, SwitchView } from '../core/services.js';

import { ETH_TYPE, parsePacket, peekEthernet, type EthernetPeek } from '../packet/index.js';
import { isLivePort, LinkDiscovery, type LinkEvent, type ProbeVerdict } from './discovery.js';
import { HostTracker, hostObservationOf, type HostEvent, type HostHandle } from './hosts.js';
import { LLDP_FLOW_COOKIE, lldpFlowRule } from './lldp-flow.js';
import { probeSourceOf, ProbeTemplate, verifyProbe, type ProbeOrigin, type ProbeRejection } from './probe.js';
import { buildFabric, sharedFloodPorts, TopologySnapshotImpl, type Fabric } from './snapshot.js';
import type { Host, HostLocation, Link, LinkInfo, SwitchPort } from '../core/model.js';
import { portKey } from './types.js';
import { MacMap } from '../packet/mac-map.js';

/**
 * Share of the probe interval a big switch's round is spread over (see DiscoveryOptions.roundSpreadMs):
 * the last fifth is slack, so a round the per-tick budget delayed still ends before the next one.
 */
export const ROUND_SPREAD_SHARE = 0.8;

/**
 * Where and with which address a MAC last sent a packet-in that left its host there: a repeat
 * from the same place with the same address only moves the host's lastSeen (HostTracker.touchKnown).
 */
interface RecentSender {
  /** The host in the tracker, touched without a lookup by its id. */
  host: HostHandle;
  dpid: bigint;
  port: number;
  vid: number;
  addr: number;
}

/**
 * A 32-bit word standing for the address a frame's sender claims (IPv4 source, ARP sender, a fold
 * of the IPv6 source; 0 for protocols without one), or undefined when only a full parse can say
 * (truncated, or ICMPv6, whose neighbour advertisements name another address).
 */
function senderAddressWord(buf: Uint8Array, ethertype: number, l3: number): number | undefined {
  switch (ethertype) {
    case ETH_TYPE.IPV4:
      return l3 + 16 <= buf.length ? readWord(buf, l3 + 12) : undefined;
    case ETH_TYPE.ARP:
      return l3 + 18 <= buf.length ? readWord(buf, l3 + 14) : undefined;
    case ETH_TYPE.IPV6:
      if (l3 + 24 > buf.length || buf[l3 + 6] === 58) return undefined;
      return (readWord(buf, l3 + 8) ^ readWord(buf, l3 + 12) ^ readWord(buf, l3 + 16) ^ readWord(buf, l3 + 20)) >>> 0;
    default:
      return 0;
  }
}

function readWord(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** What the controller hands the service. */
export interface TopologyServiceOptions {
  readonly bus: EventBus;
  /** The ready switches, read only (their ports, their mastership). */
  readonly devices: DeviceService;
  /** Sends the LLDP probes (only `packetOut` is used: probes never flood). */
  readonly packets: Pick<PacketService, 'packetOut'>;
  readonly config: TopologyConfig;
  readonly log: Logger;
  /** HMAC key of the probes (`loadOrCreateSecret(dataDir)`). */
  readonly secret: Buffer;
  /** Time for probes, link and host expiry and change coalescing; default the system clock. */
  readonly clock?: Clock;
  /**
   * The flow scope of the controller's own flows (owner `topology`, id 0x5b1d): the LLDP flow is
   * declared there, so a switch that already has it gets no flow mod, and the flow service puts
   * it back when it is removed or missing (FLOW_REMOVED, periodic reconciliation).
   */
  readonly flows: FlowScope;
  /**
   * Ports known as switch links elsewhere (cluster mode: the merged view, which knows links
   * other instances probed). No host is learned there: a frame flooded over a link this
   * instance has not probed yet (it just became the switch's master) would otherwise anchor a
   * host on it, and every LLDP probe arriving there would then be dropped as relayed.
   */
  readonly knownInfrastructure?: (dpid: bigint, port: number) => boolean;
}

/** Counters of the discovery, for metrics. */
export interface TopologyCounters {
  probesSent: number;
  probesReceived: number;
  /** Received probes recognised as the last one sent out of their port, byte for byte (no parse, no HMAC: see ProbeTemplate.sentAtOf). */
  probesRecognised: number;
  /** Dropped probes that were not ours or not genuine, by reason. */
  readonly forged: Record<ProbeRejection | 'replayed' | 'looped' | 'relayed', number>;
  /** Valid probes from a switch or port this instance does not know. */
  unknownSource: number;
  /** LLDP flows declared to the flow service (one per switch connect; one already there sends nothing). */
  lldpFlowInstalls: number;
  /** LLDP flows put back after someone removed them. */
  lldpFlowRestores: number;
  hostPacketsIgnored: number;
  /** New hosts (or moves) not learned because `maxHostsPerPort`, `maxHostsPerSwitch` or `maxHosts` was reached. */
  hostsRefused: number;
}

/** The topology layer as the controller and apps see it. */
export class TopologyService extends EventEmitter<TopologyEvents> {
  readonly counters: TopologyCounters = {
    probesSent: 0,
    probesReceived: 0,
    probesRecognised: 0,
    forged: { unsigned: 0, malformed: 0, bad_signature: 0, stale: 0, replayed: 0, looped: 0, relayed: 0 },
    unknownSource: 0,
    lldpFlowInstalls: 0,
    lldpFlowRestores: 0,
    hostPacketsIgnored: 0,
    hostsRefused: 0,
  };
  private readonly bus: EventBus;
  private readonly devices: DeviceService;
  private readonly packets: Pick<PacketService, 'packetOut'>;
  private readonly config: TopologyConfig;
  private readonly log: Logger;
  private readonly secret: Buffer;
  private readonly clock: Clock;
  private readonly flows: FlowScope;
  private readonly knownInfrastructure: ((dpid: bigint, port: number) => boolean) | undefined;
  private readonly discovery: LinkDiscovery;
  private readonly hosts: HostTracker;
  private version = 0;
  /** Bumped only when switches, ports or links change: host churn keeps the tree and paths. */
  private fabricVersion = 0;
  private snap: TopologySnapshotImpl | undefined;
  private fabricCache: Fabric | undefined;
  private fabricCacheVersion = -1;
  private changeTimer: Timer | undefined;
  private timers: Timer[] = [];
  private started = false;
  private readonly busListeners: { [K in keyof ControllerEvents]?: (...a: ControllerEvents[K]) => void } = {};
  /** Probe frames by switch and port, built once (see ProbeTemplate); dropped with their port or switch. */
  private readonly probeTemplates = new Map<bigint, Map<number, ProbeTemplate>>();
  /** Senders of recent packet-ins by source MAC, so repeats skip host learning (see onPacketIn). */
  private readonly recentSenders = new MacMap<RecentSender>();

  constructor(opts: TopologyServiceOptions) {
    super();
    this.setMaxListeners(0);
    this.bus = opts.bus;
    this.devices = opts.devices;
    this.packets = opts.packets;
    this.config = opts.config;
    this.log = opts.log;
    this.secret = opts.secret;
    this.clock = opts.clock ?? systemClock;
    this.flows = opts.flows;
    this.knownInfrastructure = opts.knownInfrastructure;
    this.hosts = new HostTracker(this.config, (dpid, port) => this.discovery.settledAt(dpid, port));
    // A big switch's round is spread over most of the interval (the rest is slack for the per-tick
    // budget): a tick signs a small share of its probes (an HMAC each) instead of the whole budget.
    const c = this.config;
    this.discovery = new LinkDiscovery(
      { probeIntervalMs: c.probeIntervalMs, maxMissedProbes: c.maxMissedProbes, roundSpreadMs: Math.floor(c.probeIntervalMs * ROUND_SPREAD_SHARE) },
      (dpid, port) => this.hosts.isHostPort(dpid, port),
    );
  }

  /** Subscribes to the bus, adopts switches already connected and starts the timers. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.on2('switchConnected', (e) => {
      const sw = this.devices.get(e.dpid);
      if (sw) this.onSwitch(sw);
    });
    this.on2('switchDisconnected', (e) => this.onSwitchGone(e.dpid));
    this.on2('portAdded', (e) => {
      this.apply(this.discovery.updatePort(e.dpid, e.port, this.now()));
      this.changed(true);
    });
    this.on2('portModified', (e) => this.onPortModified(e.dpid, e.port));
    this.on2('portRemoved', (e) => this.onPortRemoved(e.dpid, e.port.portNo));
    this.on2('packetIn', (e) => this.onPacketIn(e.dpid, e.msg.inPort, e.msg.data));
    // Mastership, reconnects and a missing LLDP flow are the flow service's: it reconciles.
    this.flows.on('restored', this.onLldpFlowRestored);
    this.flows.on('removed', this.onLldpFlowRemoved);
    for (const sw of this.devices.list()) this.onSwitch(sw);
    const tick = Math.max(1, this.config.probeTickMs);
    this.timers.push(this.clock.every(tick, () => this.tick()));
    this.timers.push(this.clock.every(Math.max(100, Math.min(this.config.hostIdleTimeoutMs / 4, 10_000)), () => this.apply([], this.hosts.expire(this.now()))));
    for (const t of this.timers) t.unref();
  }

  /** Unsubscribes and stops the timers; state is kept for readers. */
  stop(): void {
    if (!this.started) return;
    this.started = false;
    for (const [name, fn] of Object.entries(this.busListeners)) this.bus.off(name as keyof ControllerEvents, fn as never);
    this.flows.off('restored', this.onLldpFlowRestored);
    this.flows.off('removed', this.onLldpFlowRemoved);
    for (const k of Object.keys(this.busListeners)) delete this.busListeners[k as keyof ControllerEvents];
    for (const t of this.timers) t.cancel();
    this.timers = [];
    this.changeTimer?.cancel();
    this.changeTimer = undefined;
  }

  /** The current topology (built on first read after a change, then shared until the next change). */
  snapshot(): TopologySnapshotImpl {
    if (this.snap && this.snap.version === this.version) return this.snap;
    this.snap = new TopologySnapshotImpl({
      version: this.version,
      switches: [],
      links: [],
      // Read on the first host query, not here: a burst of new hosts makes a snapshot every
      // changeCoalesceMs, and sorting thousands of hosts each time (for listeners that mostly
      // look at the tree) was most of the controller's CPU while a benchmark's hosts were learned.
      hosts: () => this.hosts.list(),
      weightOf: (l) => this.weightOf(l),
      fabric: this.fabric(),
    });
    return this.snap;
  }

  /**
   * The switch-level topology (switches, ports, links, tree, paths), rebuilt only when a switch,
   * port or link changed: host churn does not touch it. Cheap to call per packet.
   */
  fabric(): Fabric {
    if (this.fabricCache && this.fabricCacheVersion === this.fabricVersion) return this.fabricCache;
    this.fabricCache = buildFabric({
      switches: this.discovery.switchIds().map((dpid) => ({ dpid, ports: this.discovery.livePorts(dpid) })),
      links: this.discovery.listLinks(),
      held: this.discovery.heldPorts(),
      weightOf: (l) => this.weightOf(l),
    });
    this.fabricCacheVersion = this.fabricVersion;
    return this.fabricCache;
  }

  /** Ports to flood a packet that entered `dpid` at `inPort` out of, on the current broadcast tree (a frozen list, shared while the tree stands). */
  floodPorts(dpid: bigint, inPort: number): readonly number[] {
    return sharedFloodPorts(this.fabric(), dpid, inPort);
  }

  /** Discovered links (a fresh array). */
  links(): LinkInfo[] {
    return this.discovery.listLinks();
  }

  /** Number of discovered links, without building anything. */
  get linkCount(): number {
    return this.discovery.linkCount;
  }

  /** The host with this MAC (untagged first, then any VLAN), live. */
  findHost(mac: string): Host | undefined {
    return this.hosts.findByMac(mac);
  }

  /** Known hosts (a fresh array). */
  hostList(): Host[] {
    return this.hosts.list();
  }

  /** True when a link starts or ends at the port (no hosts are learned there). */
  isInfrastructurePort(dpid: bigint, port: number): boolean {
    return this.discovery.isInfrastructurePort(dpid, port);
  }

  /** The topology version: bumped on every change. */
  get currentVersion(): number {
    return this.version;
  }

  private now(): number {
    return this.clock.now();
  }

  private on2<K extends keyof ControllerEvents>(name: K, fn: (e: ControllerEvents[K][0]) => void): void {
    // Every bus event has one payload: passed on as it is (no rest array and spread per packet-in).
    const wrapped = (e: ControllerEvents[K][0]): void => {
      try {
        fn(e);
      } catch (err) {
        this.log.error({ err: (err as Error).message, event: name }, 'topology handler failed');
      }
    };
    (this.busListeners as Record<string, unknown>)[name] = wrapped;
    this.bus.on(name, wrapped as never);
  }

  private weightOf(l: Link): number {
    return this.config.linkWeights[portKey(l.src, l.srcPort)] ?? this.config.defaultLinkWeight;
  }

  private onSwitch(sw: SwitchView): void {
    this.installLldpFlow(sw.dpid);
    const events = this.discovery.addSwitch(sw.dpid, sw.ports.values(), this.now());
    this.apply(events);
    this.changed(true);
  }

  private onSwitchGone(dpid: bigint): void {
    if (this.devices.get(dpid)) return; // replaced by a new connection: switchConnected follows/came
    this.probeTemplates.delete(dpid);
    const linkEvents = this.discovery.removeSwitch(dpid);
    const hostEvents = this.hosts.removeAt(dpid, undefined, 'switch_disconnected');
    this.apply(linkEvents, hostEvents);
    this.changed(true);
  }

  private onPortModified(dpid: bigint, port: SwitchPort): void {
    const linkEvents = this.discovery.updatePort(dpid, port, this.now());
    const down = !isLivePort(port);
    this.apply(linkEvents, down ? this.hosts.removeAt(dpid, port.portNo, 'port_down') : []);
    // Up or down, the live ports changed.
    this.changed(true);
  }

  private onPortRemoved(dpid: bigint, portNo: number): void {
    this.probeTemplates.get(dpid)?.delete(portNo);
    this.apply(this.discovery.removePort(dpid, portNo), this.hosts.removeAt(dpid, portNo, 'port_removed'));
    this.changed(true);
  }

  private tick(): void {
    const now = this.now();
    const due = this.discovery.dueProbes(now, this.config.maxProbesPerTick);
    const ttlSec = Math.ceil((this.config.probeIntervalMs * (this.config.maxMissedProbes + 1)) / 1000);
    for (const p of due) {
      const sw = this.devices.get(p.dpid);
      // In cluster mode only the switch's master probes (a held probe would go out stale); the
      // packet service refuses a slave's, but would send a pending one's, so check here.
      if (!sw || !sw.connected || sw.mastership === 'slave' || sw.mastership === 'pending') continue;
      const data = this.probeTemplate(p.dpid, p.port, p.hwAddr, ttlSec).build(now);
      try {
        if (this.packets.packetOut(p.dpid, { inPort: OFPP.CONTROLLER, actions: [{ type: 'output', port: p.port }], data })) this.counters.probesSent++;
      } catch (err) {
        this.log.warn({ dpid: sw.dpidHex, port: p.port, err: (err as Error).message }, 'probe not sent');
      }
    }
    this.apply(this.discovery.expire(now));
    // A port whose link left a link timeout ago is no longer held: it may become an edge port.
    if (this.discovery.releaseHolds(now)) this.changed(true);
  }

  /** The port's probe template, made on its first probe (or when its MAC or the TTL changed). */
  private probeTemplate(dpid: bigint, port: number, hwAddr: string, ttlSec: number): ProbeTemplate {
    let ports = this.probeTemplates.get(dpid);
    if (!ports) this.probeTemplates.set(dpid, (ports = new Map()));
    let t = ports.get(port);
    if (!t || !t.fits(hwAddr, ttlSec)) ports.set(port, (t = new ProbeTemplate({ dpid, port, hwAddr, ttlSec }, this.secret)));
    return t;
  }

  private onPacketIn(dpid: bigint, inPort: number, data: Buffer): void {
    const eth = peekEthernet(data);
    if (!eth) return;
    if (eth.ethertype === ETH_TYPE.LLDP) {
      this.onLldp(dpid, inPort, data);
      return;
    }
    // Hosts are only worth parsing for when the source is unicast (I/G bit of the first octet clear).
    const unicast = eth.src !== 0 && (Math.floor(eth.src / 0x10000000000) & 1) === 0;
    const addr = unicast ? senderAddressWord(data, eth.ethertype, eth.l3Offset) : undefined;
    const now = this.now();
    if (addr !== undefined) {
      // A known host sending again from where it is, with the address it last showed, tells
      // nothing new but that it is alive: move its lastSeen, skip parsing and events (most
      // packet-ins are repeats: a flow being set up, or a learning switch's traffic). Checked
      // before the port's: a host is remembered only at an edge port of a connected switch, and
      // forgotten when a link makes that port infrastructure (see apply) or the host goes.
      const seen = this.recentSenders.get(eth.src);
      if (
        seen !== undefined &&
        seen.dpid === dpid &&
        seen.port === inPort &&
        seen.vid === eth.vid &&
        seen.addr === addr &&
        this.knownInfrastructure?.(dpid, inPort) !== true &&
        this.hosts.touchKnown(seen.host, dpid, inPort, now)
      )
        return;
    }
    this.learnFrom(dpid, inPort, data, eth, unicast, addr, now);
  }

  /**
   * Host learning from a packet-in the sender memo did not answer: kept out of onPacketIn, so the
   * code every repeat runs stays small.
   */
  private learnFrom(dpid: bigint, inPort: number, data: Buffer, eth: EthernetPeek, unicast: boolean, addr: number | undefined, now: number): void {
    if (this.discovery.isInfrastructurePort(dpid, inPort) || this.knownInfrastructure?.(dpid, inPort) === true || !this.devices.get(dpid)) {
      this.counters.hostPacketsIgnored++;
      return;
    }
    if (!unicast) return;
    const at: HostLocation = { dpid, port: inPort };
    // A burst of new hosts outruns the learning rate; their repeats are refused here, unparsed.
    if (this.hosts.refuseUnknown(eth.src, eth.vid, at, now)) {
      this.counters.hostsRefused = this.hosts.refused;
      return;
    }
    const obs = hostObservationOf(data, eth);
    if (!obs) return;
    this.apply([], this.hosts.observe(obs, at, now, eth.src));
    this.counters.hostsRefused = this.hosts.refused;
    if (addr !== undefined) this.rememberSender(eth.src, at, eth.vid, addr);
  }

  /** Remembers the sender for `touch` (only once its host is learned at `at`: a refused one is observed again). */
  private rememberSender(mac: number, at: HostLocation, vid: number, addr: number): void {
    const host = this.hosts.handleAt(mac, vid < 0 ? undefined : vid, at);
    if (host === undefined) return;
    const seen = this.recentSenders.get(mac);
    if (seen !== undefined) {
      seen.host = host;
      seen.dpid = at.dpid;
      seen.port = at.port;
      seen.vid = vid;
      seen.addr = addr;
      return;
    }
    // One entry per learned host, and entries of removed hosts go (see apply): bounded by maxHosts.
    if (this.recentSenders.size >= this.config.maxHosts) this.recentSenders.clear();
    this.recentSenders.set(mac, { host, dpid: at.dpid, port: at.port, vid, addr });
  }

  private onLldp(dpid: bigint, inPort: number, data: Buffer): void {
    this.counters.probesReceived++;
    const now = this.now();
    // Most LLDP frames are this controller's probes coming back as sent: recognised by their bytes
    // (see ProbeTemplate.sentAtOf), they skip the parse and the HMAC; anything else is verified in full.
    const source = probeSourceOf(data);
    const sentAt = source && this.probeTemplates.get(source.dpid)?.get(source.port)?.sentAtOf(data);
    let origin: ProbeOrigin;
    if (source !== undefined && sentAt !== undefined && Math.abs(now - sentAt) <= this.config.maxProbeDelayMs) {
      origin = { dpid: source.dpid, port: source.port, sentAt };
      this.counters.probesRecognised++;
    } else {
      const p = parsePacket(data);
      if (!p.lldp) {
        this.counters.forged.malformed++;
        return;
      }
      const check = verifyProbe(p.lldp, this.secret, now, this.config.maxProbeDelayMs);
      if (!check.ok) {
        this.counters.forged[check.reason]++;
        this.log.debug({ dpid: dpidToHex(dpid), port: inPort, reason: check.reason }, 'dropped LLDP frame');
        return;
      }
      origin = check.origin;
    }
    const r = this.discovery.receiveProbe(origin, dpid, inPort, now);
    this.countVerdict(r.verdict);
    if (r.verdict !== 'accepted') this.log.debug({ dpid: dpidToHex(dpid), port: inPort, from: dpidToHex(origin.dpid), fromPort: origin.port, verdict: r.verdict }, 'LLDP probe not believed');
    this.apply(r.events);
  }

  private countVerdict(v: ProbeVerdict): void {
    switch (v) {
      case 'accepted':
        return;
      case 'replayed':
      case 'looped':
      case 'relayed':
        this.counters.forged[v]++;
        return;
      case 'unknown_source':
        this.counters.unknownSource++;
        return;
      default: {
        const never: never = v;
        throw new Error(`unknown verdict ${String(never)}`);
      }
    }
  }

  /** Applies link events to the host table (a port with a link is no edge port), then emits them with the host events. */
  private apply(links: readonly LinkEvent[], hosts: readonly HostEvent[] = []): void {
    if (links.length === 0 && hosts.length === 0) return;
    const more: HostEvent[] = [];
    for (const e of links) {
      if (e.type === 'linkAdded') {
        // A port with a link is infrastructure: hosts learned there before the link was known go.
        more.push(...this.hosts.removeAt(e.link.dst, e.link.dstPort, 'infrastructure_port'));
        more.push(...this.hosts.removeAt(e.link.src, e.link.srcPort, 'infrastructure_port'));
      }
    }
    // A removed host must be learned again from its next packet (its memo entry would not touch it anyway).
    if (more.length > 0 || hosts.some((e) => e.type === 'hostRemoved')) this.recentSenders.clear();
    this.changed(links.length > 0);
    for (const e of links) {
      if (e.type === 'linkAdded') this.emitSafe('linkAdded', { link: e.link });
      else this.emitSafe('linkRemoved', { link: e.link, reason: e.reason });
    }
    for (let i = 0; i < hosts.length; i++) this.emitHost(hosts[i]!);
    for (let i = 0; i < more.length; i++) this.emitHost(more[i]!);
  }

  private emitHost(e: HostEvent): void {
    switch (e.type) {
      case 'hostAdded':
        this.emitSafe('hostAdded', { host: e.host });
        return;
      case 'hostMoved':
        this.emitSafe('hostMoved', { host: e.host, previous: e.previous });
        return;
      case 'hostUpdated':
        this.emitSafe('hostUpdated', { host: e.host });
        return;
      case 'hostRemoved':
        this.emitSafe('hostRemoved', { host: e.host, reason: e.reason });
        return;
      default: {
        const never: never = e;
        throw new Error(`unknown host event ${JSON.stringify(never)}`);
      }
    }
  }

  /** Listeners must not throw; one that does is logged and does not stop the others' events. */
  private emitSafe<K extends keyof TopologyEvents>(name: K, ...args: TopologyEvents[K]): void {
    try {
      (this.emit as (n: K, ...a: TopologyEvents[K]) => boolean).call(this, name, ...args);
    } catch (err) {
      this.log.error({ err: (err as Error).message, event: name }, 'topology listener failed');
    }
  }

  /**
   * Bumps the version (and the fabric version when switches, ports or links changed, not just
   * hosts) and schedules one topologyChanged for the burst.
   */
  private changed(fabric: boolean): void {
    this.version++;
    if (fabric) this.fabricVersion++;
    if (this.changeTimer || !this.started) return;
    this.changeTimer = this.clock.after(this.config.changeCoalesceMs, () => {
      this.changeTimer = undefined;
      if (this.listenerCount('topologyChanged') === 0) return;
      this.emitSafe('topologyChanged', { version: this.version, snapshot: this.snapshot() });
    });
    this.changeTimer.unref();
  }

  /** Declares the LLDP flow on a switch; the flow service sends it only if the switch lacks it. */
  private installLldpFlow(dpid: bigint): void {
    this.counters.lldpFlowInstalls++;
    this.flows.install(dpid, lldpFlowRule(this.config.lldpFlowPriority));
  }

  private readonly onLldpFlowRestored = (rec: FlowRecord): void => {
    if (rec.spec.cookie !== LLDP_FLOW_COOKIE) return;
    this.counters.lldpFlowRestores++;
    this.log.info({ dpid: dpidToHex(rec.dpid) }, 'LLDP flow deleted by someone else: put back');
  };

  /** The flow service gave the LLDP flow up (a delete it does not restore): declare it again while the switch is here. */
  private readonly onLldpFlowRemoved = (rec: FlowRecord, why: FlowRemovedReason): void => {
    if (rec.spec.cookie !== LLDP_FLOW_COOKIE || why === 'owner' || !this.started || !this.devices.get(rec.dpid)) return;
    this.counters.lldpFlowRestores++;
    this.log.info({ dpid: dpidToHex(rec.dpid), why }, 'restoring the LLDP flow');
    this.installLldpFlow(rec.dpid);
  };
}
