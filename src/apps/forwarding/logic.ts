/**
 * Topology-aware reactive forwarding, pure: a packet-in for a known destination becomes flows
 * along the shortest path on every switch of it, both directions at once, plus one packet-out at
 * the egress; unknown and group destinations are flooded to every edge port of the network (the
 * broadcast tree's reach, sent from the controller, so a broadcast costs one packet-in); paths
 * whose links went away, or whose hosts moved, are recomputed at once. No I/O and no clock.
 */
import { OFP_NO_BUFFER, OFPP } from '../../openflow/codec/constants.js';
import { OFPVID_PRESENT, type Match, type OxmField } from '../../openflow/codec/v13/oxm.js';
import type { BufferedPacket, FlowRule } from '../../core/services.js';
import { ETH_TYPE } from '../../packet/constants.js';
import { peekEthernet } from '../../packet/ethernet.js';
import { isMulticastMacNumber, macToNumber, numberToMac } from '../../packet/mac.js';
import { bufferedFor, effects, type Effects, type PacketOutAt } from '../effects.js';
import { CONTROLLER_ACTIONS, FLOOD_ACTIONS, outputActions, outputTo, packetOutOf } from '../../openflow/packet-out.js';
import { linkSignature, pathHops, type Hop, type Location, type PathTopology } from '../paths.js';
import { bool, defaultsOf, int, num, oneOf, section, type ConfigOf } from '../../core/config-schema.js';

export type { Hop, Location } from '../paths.js';
/** What the logic reads of the topology (the path apps' PathTopology). */
export type ForwardingTopology = PathTopology;

/** Settings schema of `apps.settings.forwarding`. */
export const forwardingSchema = section(
  {
    idleTimeoutSec: int({ default: 30, min: 0, max: 65535, unit: 's', doc: 'Idle timeout of path flows; 0 = none.' }),
    hardTimeoutSec: int({ default: 0, min: 0, max: 65535, unit: 's', doc: 'Hard timeout of path flows; 0 = none.' }),
    flowPriority: int({ default: 10, min: 1, max: 65535, doc: 'Priority of path flows.' }),
    tableMissPriority: int({ default: 0, min: 0, max: 65535, doc: 'Priority of the table-miss flow; below `flowPriority`.' }),
    tableId: int({ default: 0, min: 0, max: 254, doc: 'Table of the flows.' }),
    installTableMiss: bool({ default: true, doc: 'Install the table-miss flow (everything else to the controller, whole packets) on connect.' }),
    floodMode: oneOf(['edge', 'tree'], {
      default: 'edge',
      doc: '`edge`: an unknown or group destination is sent from the controller out of every edge port of every switch (one packet-in per broadcast). `tree`: flooded hop by hop on the broadcast tree.',
    }),
    floodDedupMs: int({ default: 200, min: 0, max: 60_000, unit: 'ms', doc: 'The same frame flooded again within this window is dropped (a copy over a link discovery has not seen yet); 0 = off.' }),
    hostAgeSec: num({ default: 600, min: 1, unit: 's', doc: 'A host location learned from packets and not refreshed for this long is forgotten.' }),
    floodHoldMs: int({
      default: 3000,
      min: 0,
      max: 60_000,
      unit: 'ms',
      doc: "No flooding into or out of a switch for at most this long after it connects: until discovery has probed its ports, a switch link looks like an edge port, and flooding there on a network with loops feeds a storm. The hold ends earlier once discovery's first probe round from the switch has come back (see `floodSettleMs`); this is the bound for a switch whose probes never come back (no switch neighbours).",
    }),
    floodSettleMs: int({
      default: 250,
      min: 0,
      max: 60_000,
      unit: 'ms',
      doc: 'After the first link discovered from a switch (its first probe round came back over one of its ports) shows in the topology, its floods wait this much longer for the rest of that round, then the hold ends. The probes of one round leave together, so they return together.',
    }),
  },
  {
    doc: 'Topology-aware reactive forwarding: whole shortest paths both ways on the first packet.',
    validate: (c) => (c.tableMissPriority >= c.flowPriority ? 'tableMissPriority must be below flowPriority' : undefined),
  },
);

/** Settings of forwarding. */
export type ForwardingConfig = ConfigOf<typeof forwardingSchema>;

/** Defaults of forwarding. */
export const defaultForwardingConfig: ForwardingConfig = defaultsOf(forwardingSchema);

/** True when this controller may write to the switch (false: in a cluster, another instance masters it). */
export type CanWriteFn = (dpid: bigint) => boolean;

/** What the shell must do (`handled` false lets the next app see the packet), with what the counters and tests read. */
export interface ForwardingEffects extends Effects {
  /** Why nothing was forwarded. */
  reason?: 'short' | 'lldp' | 'link-local' | 'bad-source' | 'same-port' | 'no-path' | 'loop-copy' | 'duplicate' | 'no-flood-ports' | 'settling';
  /** How the packet was sent on. */
  kind?: 'route' | 'flood';
}

interface PathRec {
  readonly src: number;
  readonly dst: number;
  readonly vid: number;
  srcLoc: Location;
  dstLoc: Location;
  hops: Hop[];
}

interface Learned {
  dpid: bigint;
  port: number;
  seenAt: number;
}

const LINK_LOCAL_BASE = 0x0180c2000000;

/** Two hop lists through the same switch ports. */
function sameHops(a: readonly Hop[], b: readonly Hop[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.dpid !== y.dpid || x.inPort !== y.inPort || x.outPort !== y.outPort) return false;
  }
  return true;
}

function pairKey(src: number, dst: number, vid: number): string {
  return `${src}>${dst}@${vid}`;
}

function flowId(dpid: bigint, inPort: number, src: number, dst: number, vid: number): string {
  return `${dpid}|${inPort}|${src}|${dst}|${vid}`;
}

/** FNV-1a over the frame: the identity of a flooded frame for duplicate suppression. */
function frameHash(b: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return (h >>> 0) * 4096 + (b.length & 0xfff);
}

/**
 * The forwarding decisions. One instance serves every switch: call `setTopology` with each new
 * snapshot, `packetIn` for each packet-in, `portDown`, `flowRemoved` and `expire(now)`; apply
 * the Effects each returns.
 */
export class Forwarding {
  private topo: ForwardingTopology | undefined;
  private linkSig = '';
  private readonly learned = new Map<number, Learned>();
  private readonly paths = new Map<string, PathRec>();
  /** Path keys by source and by destination MAC, so a host's paths go without scanning them all. */
  private readonly pathsByMac = new Map<number, Set<string>>();
  /** Flow identity → the path that owns it. */
  private readonly flowOwner = new Map<string, string>();
  private readonly recentFloods = new Map<number, number>();
  /** The topology's hosts by MAC number (hosts we have not seen ourselves, e.g. learned before we started). */
  private topoHosts = new Map<number, Location>();
  /** Switches still holding floods, with when they connected (ms); a settled switch leaves the map. */
  private readonly connectedAt = new Map<bigint, number>();
  /** When a holding switch's first probe round was seen back (a link from it appeared after it connected). */
  private readonly probedAt = new Map<bigint, number>();

  constructor(
    readonly config: ForwardingConfig = defaultForwardingConfig,
    /**
     * Which switches this controller writes to. In a cluster each instance writes only to the
     * switches it masters, so edge floods (packet-outs at every switch) become tree floods that
     * each switch's master carries on, and a first packet goes out where we can send it.
     */
    private readonly canWrite: CanWriteFn = () => true,
  ) {}

  /** The flows every switch gets on connect: the table-miss flow. */
  switchFlows(): FlowRule[] {
    if (!this.config.installTableMiss) return [];
    return [{ tableId: this.config.tableId, priority: this.config.tableMissPriority, match: [], actions: CONTROLLER_ACTIONS }];
  }

  /** Installed paths (for the API and tests): source and destination MACs with their hops. */
  listPaths(): { src: string; dst: string; vlan?: number; hops: readonly Hop[] }[] {
    return [...this.paths.values()].map((p) => ({ src: numberToMac(p.src), dst: numberToMac(p.dst), ...(p.vid >= 0 ? { vlan: p.vid } : {}), hops: p.hops }));
  }

  /** Where a MAC was learned. */
  locate(mac: number): Location | undefined {
    const l = this.learned.get(mac);
    if (l) return { dpid: l.dpid, port: l.port };
    return this.topoHosts.get(mac);
  }

  /**
   * A new topology. Hosts the topology saw at a new place since we last did move (`withHosts`
   * false: the hosts are not read, only the fabric changed: they come with the next full call);
   * when the link set changed every path is recomputed (deterministic: the same topology gives
   * the same paths), and paths that lost a link are rerouted or, without a route, removed.
   */
  setTopology(topo: ForwardingTopology, now: number, withHosts = true): ForwardingEffects {
    this.topo = topo;
    const fx: ForwardingEffects = effects();
    if (this.connectedAt.size > this.probedAt.size) this.noteProbed(topo, now);
    if (withHosts) {
      const hosts = new Map<number, Location>();
      for (const h of topo.hosts) {
        const mac = macToNumber(h.mac);
        hosts.set(mac, h.location);
        const l = this.learned.get(mac);
        if (l && (l.dpid !== h.location.dpid || l.port !== h.location.port) && (h.lastSeen ?? 0) > l.seenAt) {
          this.learn(mac, h.location.dpid, h.location.port, h.lastSeen ?? now, fx);
        }
      }
      this.topoHosts = hosts;
    }
    const sig = linkSignature(topo.links);
    if (sig === this.linkSig) return fx;
    this.linkSig = sig;
    for (const rec of [...this.paths.values()]) this.reroute(rec, fx);
    return fx;
  }

  /** A port went down or away: hosts learned there are forgotten and paths to or from them removed. */
  portDown(dpid: bigint, port: number): ForwardingEffects {
    const fx: ForwardingEffects = effects();
    for (const [mac, l] of this.learned) {
      if (l.dpid === dpid && l.port === port) {
        this.learned.delete(mac);
        this.dropPathsOf(mac, fx);
      }
    }
    return fx;
  }

  /**
   * A switch connected at `now`: it takes no part in floods until discovery has probed its ports
   * (a link from it appears in a later topology, plus `floodSettleMs`), or `floodHoldMs` at most.
   * Give the logic the current topology first: when it already has links from the switch (the
   * app started on a running network; a reconnect drops the switch's links before apps hear of
   * it), discovery is done and nothing is held.
   */
  switchConnected(dpid: bigint, now: number): void {
    this.probedAt.delete(dpid);
    const links = this.topo?.links;
    if (links) {
      for (const l of links) {
        if (l.src === dpid) {
          this.connectedAt.delete(dpid);
          return;
        }
      }
    }
    this.connectedAt.set(dpid, now);
  }

  /** Switches whose floods are still held at `now` (for the API and labs), ascending. */
  holding(now: number): bigint[] {
    const out: bigint[] = [];
    for (const d of [...this.connectedAt.keys()]) if (!this.settled(d, now)) out.push(d);
    return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Holding switches with a link from them in `topo` (only links discovered after they connected can be there: reconnecting drops a switch's links). */
  private noteProbed(topo: ForwardingTopology, now: number): void {
    for (const l of topo.links) {
      if (this.connectedAt.has(l.src) && !this.probedAt.has(l.src)) this.probedAt.set(l.src, now);
    }
  }

  private settled(dpid: bigint, now: number): boolean {
    const t = this.connectedAt.get(dpid);
    if (t === undefined) return true;
    const p = this.probedAt.get(dpid);
    if (now - t < this.config.floodHoldMs && (p === undefined || now - p < this.config.floodSettleMs)) return false;
    this.connectedAt.delete(dpid);
    this.probedAt.delete(dpid);
    return true;
  }

  /** A switch left: what was learned on it is forgotten (its links go with the next topology). */
  switchDisconnected(dpid: bigint): ForwardingEffects {
    this.connectedAt.delete(dpid);
    this.probedAt.delete(dpid);
    const fx: ForwardingEffects = effects();
    for (const [mac, l] of this.learned) {
      if (l.dpid === dpid) {
        this.learned.delete(mac);
        this.dropPathsOf(mac, fx);
      }
    }
    return fx;
  }

  /** A flow of ours expired or was deleted: its path is dropped, with the path's other flows. */
  flowRemoved(dpid: bigint, match: Match): ForwardingEffects {
    const fx: ForwardingEffects = effects();
    let inPort = -1;
    let src = -1;
    let dst = -1;
    let vid = -1;
    for (const f of match) {
      if (f.field === 'in_port') inPort = f.value;
      else if (f.field === 'eth_src') src = macToNumber(f.value);
      else if (f.field === 'eth_dst') dst = macToNumber(f.value);
      else if (f.field === 'vlan_vid') vid = f.value & 0xfff;
    }
    const id = flowId(dpid, inPort, src, dst, vid);
    const key = this.flowOwner.get(id);
    if (key === undefined) return fx;
    const rec = this.paths.get(key);
    this.flowOwner.delete(id);
    if (!rec) return fx;
    this.removePath(rec, fx, (h) => !(h.dpid === dpid && h.inPort === inPort));
    return fx;
  }

  /** Forgets learned locations and flood hashes that are too old. */
  expire(now: number): number {
    let n = 0;
    const age = this.config.hostAgeSec * 1000;
    for (const [mac, l] of this.learned) {
      if (now - l.seenAt > age) {
        this.learned.delete(mac);
        n++;
      }
    }
    for (const [h, until] of this.recentFloods) if (until <= now) this.recentFloods.delete(h);
    return n;
  }

  /**
   * Decides what to do with a packet that entered `dpid` at `inPort`. `bufferId` is the
   * packet-in's (OFP_NO_BUFFER when the whole frame is in `data`).
   */
  packetIn(dpid: bigint, inPort: number, bufferId: number, data: Buffer, now: number): ForwardingEffects {
    const fx: ForwardingEffects = effects();
    const eth = peekEthernet(data);
    if (!eth) {
      fx.handled = false;
      fx.reason = 'short';
      return fx;
    }
    if (eth.ethertype === ETH_TYPE.LLDP) return this.ignore(fx, 'lldp');
    const dst = eth.dst;
    const src = eth.src;
    if (dst - LINK_LOCAL_BASE >= 0 && dst - LINK_LOCAL_BASE <= 0x0f) return this.ignore(fx, 'link-local');
    if (isMulticastMacNumber(src) || src === 0) return this.ignore(fx, 'bad-source');
    const topo = this.topo;
    const sw = topo?.switches.get(dpid);
    const isEdge = !sw || !sw.infrastructurePorts.includes(inPort);
    const group = isMulticastMacNumber(dst);
    if (group || this.locate(dst) === undefined) {
      // Edge floods first check for a copy (a frame we already flooded came back over a link
      // discovery has not seen yet): never learn from it. Tree floods see each frame once per hop.
      if (this.config.floodDedupMs > 0 && this.config.floodMode === 'edge' && bufferId === OFP_NO_BUFFER && (!topo || this.writesEverySwitch(topo))) {
        const h = frameHash(data);
        const until = this.recentFloods.get(h);
        if (until !== undefined && until > now) return this.ignore(fx, 'duplicate');
        this.recentFloods.set(h, now + this.config.floodDedupMs);
      }
      if (!this.settled(dpid, now)) return this.ignore(fx, 'settling');
      if (isEdge) this.learn(src, dpid, inPort, now, fx);
      return this.flood(dpid, inPort, bufferId, data, isEdge, fx, now);
    }
    if (isEdge) this.learn(src, dpid, inPort, now, fx);
    const dstLoc = this.locate(dst)!;
    if (isEdge && dstLoc.dpid === dpid && dstLoc.port === inPort) return this.ignore(fx, 'same-port');
    const srcLoc: Location = isEdge ? { dpid, port: inPort } : (this.locate(src) ?? { dpid, port: inPort });
    const vid = eth.vid;
    const fwd = this.route(srcLoc, dstLoc);
    if (!fwd) return this.ignore(fx, 'no-path');
    // A buffered packet at the path's first hop goes with that hop's ADD (the packet-out below
    // only if no ADD took it).
    const first = fwd[0];
    const atFirstHop = first !== undefined && first.dpid === dpid && first.inPort === inPort;
    this.putPath(src, dst, vid, srcLoc, dstLoc, fwd, fx, atFirstHop ? bufferedFor(bufferId, this.config.tableId) : undefined);
    const back = this.route(dstLoc, srcLoc);
    if (back) this.putPath(dst, src, vid, dstLoc, srcLoc, back, fx);
    fx.kind = 'route';
    if (bufferId === OFP_NO_BUFFER) {
      // Straight out of the egress port: the first packet does not race the flows being installed.
      // If another instance masters the egress switch, along the path from here instead.
      const here = fwd.find((h) => h.dpid === dpid);
      const fallback: PacketOutAt | undefined =
        dstLoc.dpid === dpid ? undefined : { dpid, spec: packetOutOf(inPort, bufferId, data, outputTo(here ? here.outPort : OFPP.TABLE)) };
      fx.packetOuts.push({ dpid: dstLoc.dpid, spec: { inPort: OFPP.CONTROLLER, actions: outputTo(dstLoc.port), data }, ...(fallback ? { fallback } : {}) });
    } else {
      const here = fwd.find((h) => h.dpid === dpid);
      const out = here ? here.outPort : OFPP.TABLE;
      fx.packetOuts.push({ dpid, spec: packetOutOf(inPort, bufferId, data, outputTo(out)) });
    }
    return fx;
  }

  /** The hops from one host port to another along the shortest path, or undefined. */
  route(from: Location, to: Location): Hop[] | undefined {
    return pathHops(this.topo, from, to);
  }

  /** The flow of one hop of a path. */
  hopFlow(src: number, dst: number, vid: number, h: Hop): FlowRule {
    const c = this.config;
    const match: OxmField[] = [
      { field: 'in_port', value: h.inPort },
      { field: 'eth_dst', value: numberToMac(dst) },
      { field: 'eth_src', value: numberToMac(src) },
    ];
    if (vid >= 0) match.push({ field: 'vlan_vid', value: OFPVID_PRESENT | vid });
    return {
      tableId: c.tableId,
      priority: c.flowPriority,
      idleTimeout: c.idleTimeoutSec,
      hardTimeout: c.hardTimeoutSec,
      match,
      actions: outputTo(h.outPort),
    };
  }

  private ignore(fx: ForwardingEffects, reason: NonNullable<ForwardingEffects['reason']>): ForwardingEffects {
    fx.reason = reason;
    return fx;
  }

  private flood(dpid: bigint, inPort: number, bufferId: number, data: Buffer, isEdge: boolean, fx: ForwardingEffects, now: number): ForwardingEffects {
    const topo = this.topo;
    fx.kind = 'flood';
    if (!topo || !topo.switches.has(dpid)) {
      // No topology yet: the switch floods by itself (safe only without loops, as without a controller).
      fx.packetOuts.push({ dpid, spec: packetOutOf(inPort, bufferId, data, FLOOD_ACTIONS) });
      return fx;
    }
    if (this.config.floodMode === 'tree' || bufferId !== OFP_NO_BUFFER || !this.writesEverySwitch(topo)) {
      const ports = topo.floodPorts(dpid, inPort);
      if (ports.length === 0) return this.ignore(fx, 'no-flood-ports');
      fx.packetOuts.push({ dpid, spec: packetOutOf(inPort, bufferId, data, outputActions(ports)) });
      return fx;
    }
    // A frame that came over a switch link was sent there by a flow or a flood: not ours to flood again.
    if (!isEdge) return this.ignore(fx, 'loop-copy');
    for (const [d, s] of topo.switches) {
      if (!this.settled(d, now)) continue;
      const ports = d === dpid ? s.edgePorts.filter((p) => p !== inPort) : s.edgePorts;
      if (ports.length === 0) continue;
      fx.packetOuts.push({ dpid: d, spec: d === dpid ? { inPort, actions: outputActions(ports), data } : { inPort: OFPP.CONTROLLER, actions: outputActions(ports), data } });
    }
    if (fx.packetOuts.length === 0) return this.ignore(fx, 'no-flood-ports');
    return fx;
  }

  /** True when edge floods can reach every switch (standalone, or a cluster instance mastering them all). */
  private writesEverySwitch(topo: ForwardingTopology): boolean {
    for (const d of topo.switches.keys()) if (!this.canWrite(d)) return false;
    return true;
  }

  /** Records where a MAC is; a MAC seen elsewhere moved: its paths go. */
  private learn(mac: number, dpid: bigint, port: number, now: number, fx: ForwardingEffects): void {
    const l = this.learned.get(mac);
    if (!l) {
      this.learned.set(mac, { dpid, port, seenAt: now });
      return;
    }
    if (l.dpid !== dpid || l.port !== port) {
      l.dpid = dpid;
      l.port = port;
      this.dropPathsOf(mac, fx);
    }
    l.seenAt = now;
  }

  private dropPathsOf(mac: number, fx: ForwardingEffects): void {
    const keys = this.pathsByMac.get(mac);
    if (!keys) return;
    for (const k of [...keys]) {
      const rec = this.paths.get(k);
      if (rec) this.removePath(rec, fx, () => true);
    }
  }

  private indexPath(mac: number, key: string): void {
    let keys = this.pathsByMac.get(mac);
    if (!keys) this.pathsByMac.set(mac, (keys = new Set()));
    keys.add(key);
  }

  private unindexPath(mac: number, key: string): void {
    const keys = this.pathsByMac.get(mac);
    if (!keys) return;
    keys.delete(key);
    if (keys.size === 0) this.pathsByMac.delete(mac);
  }

  private removePath(rec: PathRec, fx: ForwardingEffects, which: (h: Hop) => boolean): void {
    const key = pairKey(rec.src, rec.dst, rec.vid);
    this.paths.delete(key);
    this.unindexPath(rec.src, key);
    this.unindexPath(rec.dst, key);
    for (const h of rec.hops) {
      this.flowOwner.delete(flowId(h.dpid, h.inPort, rec.src, rec.dst, rec.vid));
      if (which(h)) fx.remove.push({ dpid: h.dpid, rule: this.hopFlow(rec.src, rec.dst, rec.vid, h) });
    }
  }

  /**
   * Installs a path's flows (every hop, in one go) and removes the old path's hops that are not
   * reused; `buffered` (the packet-in at the first hop, buffered there) goes with the first hop's flow.
   */
  private putPath(src: number, dst: number, vid: number, srcLoc: Location, dstLoc: Location, hops: Hop[], fx: ForwardingEffects, buffered?: BufferedPacket): void {
    const key = pairKey(src, dst, vid);
    const old = this.paths.get(key);
    // The same path again (packets that reached us while it was being set up): nothing to send.
    if (old && sameHops(old.hops, hops)) return;
    if (old) this.retire(old, hops, fx);
    this.paths.set(key, { src, dst, vid, srcLoc, dstLoc, hops });
    this.indexPath(src, key);
    this.indexPath(dst, key);
    // Egress first: by the time the ingress flow exists, the rest of the path does too (on one switch's ordering).
    for (let i = hops.length - 1; i >= 0; i--) {
      const h = hops[i]!;
      this.flowOwner.set(flowId(h.dpid, h.inPort, src, dst, vid), key);
      fx.install.push({ dpid: h.dpid, rule: this.hopFlow(src, dst, vid, h), buffered: i === 0 ? buffered : undefined });
    }
  }

  /** Deletes the flows of `old` whose identity (switch, in-port) the new hops do not reuse. */
  private retire(old: PathRec, hops: readonly Hop[], fx: ForwardingEffects): void {
    for (const h of old.hops) {
      if (hops.some((n) => n.dpid === h.dpid && n.inPort === h.inPort)) continue;
      this.flowOwner.delete(flowId(h.dpid, h.inPort, old.src, old.dst, old.vid));
      fx.remove.push({ dpid: h.dpid, rule: this.hopFlow(old.src, old.dst, old.vid, h) });
    }
  }

  private reroute(rec: PathRec, fx: ForwardingEffects): void {
    const hops = this.route(rec.srcLoc, rec.dstLoc);
    if (!hops) {
      this.removePath(rec, fx, () => true);
      return;
    }
    this.putPath(rec.src, rec.dst, rec.vid, rec.srcLoc, rec.dstLoc, hops, fx);
  }
}
