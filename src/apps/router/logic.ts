/**
 * IPv4 routing between subnets, pure (what Ryu's rest_router did): gateway addresses per subnet
 * that answer ARP and ICMP echo, static routes, and routed flows along the shortest path: the
 * ingress switch rewrites the MACs (gateway → next hop) and decrements the TTL, the switches
 * after it forward the rewritten frame to the next hop's port. Next hops are resolved with ARP
 * from the gateway; packets wait (bounded) for the answer. No I/O and no clock.
 */
import { OFPP } from '../../openflow/codec/constants.js';
import type { Action } from '../../openflow/codec/v13/actions.js';
import type { OxmField } from '../../openflow/codec/v13/oxm.js';
import type { FlowRule } from '../../core/services.js';
import { arpRequest, arpReply } from '../../packet/arp.js';
import { internetChecksum } from '../../packet/checksum.js';
import { ARP_OP, ETH_TYPE, ICMP_TYPE, IP_PROTO } from '../../packet/constants.js';
import { peekEthernet } from '../../packet/ethernet.js';
import { macToNumber } from '../../packet/mac.js';
import { buildPacket, parsePacket } from '../../packet/packet.js';
import { formatIpv4, parseIpv4, parseMac } from '../../core/addr.js';
import { effects, type Effects } from '../effects.js';
import { outputActions, outputTo } from '../../openflow/packet-out.js';
import { linkSignature, type Location, type PathTopology } from '../paths.js';
import { defaultsOf, int, list, section, str, type ConfigOf } from '../../core/config-schema.js';

/** Settings schema of `apps.settings.router` (the whole is checked by checkRouterConfig below). */
export const routerSchema = section(
  {
    interfaces: list(str(), { default: [], doc: 'Gateway addresses with their subnet, `10.0.1.254/24`: one per routed subnet.' }),
    routes: list(str(), { default: [], doc: "Static routes, `10.0.3.0/24 via 10.0.1.1` (the next hop must be in a gateway's subnet)." }),
    gatewayMac: str({ default: '0a:5b:00:00:00:fe', doc: 'The MAC every gateway address answers with (unicast).' }),
    flowPriority: int({ default: 20, min: 1, max: 65535, doc: "Priority of routed flows (above forwarding's)." }),
    idleTimeoutSec: int({ default: 60, min: 0, max: 65535, unit: 's', doc: 'Idle timeout of routed flows.' }),
    tableId: int({ default: 0, min: 0, max: 254, doc: 'Table of the flows.' }),
    maxQueuedPerNextHop: int({ default: 16, min: 0, max: 1024, unit: 'packets', doc: 'Packets kept per unresolved next hop while its ARP is out.' }),
    arpRetryMs: int({ default: 1000, min: 100, unit: 'ms', doc: 'ARP for an unresolved next hop again after this long.' }),
  },
  { doc: 'Routes between subnets: gateways answer ARP and ICMP echo, routed flows along shortest paths.', validate: (c): string | undefined => checkRouterConfig(c) },
);

/** Settings of the router. */
export type RouterConfig = ConfigOf<typeof routerSchema>;

/** Defaults of the router. */
export const defaultRouterConfig: RouterConfig = defaultsOf(routerSchema);

/** A gateway: its address and subnet. */
export interface RouterInterface {
  readonly ip: string;
  readonly ipNum: number;
  readonly network: number;
  readonly prefixLen: number;
  readonly mask: number;
}

/** A static route. */
export interface StaticRoute {
  readonly network: number;
  readonly prefixLen: number;
  readonly mask: number;
  readonly via: string;
  readonly viaNum: number;
}

function maskOf(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

function parseCidr(s: string, what: string): { ip: number; len: number } {
  const m = /^\s*([0-9.]+)\/(\d{1,2})\s*$/.exec(s);
  if (!m || Number(m[2]) > 32) throw new RangeError(`${what}: expected ADDRESS/LENGTH, got ${JSON.stringify(s)}`);
  return { ip: parseIpv4(m[1]!) >>> 0, len: Number(m[2]) };
}

/** Parses `interfaces`; throws RangeError naming the bad entry. */
export function parseInterfaces(list: readonly string[]): RouterInterface[] {
  return list.map((s) => {
    const { ip, len } = parseCidr(s, 'interfaces');
    const mask = maskOf(len);
    return { ip: formatIpv4(ip), ipNum: ip, network: (ip & mask) >>> 0, prefixLen: len, mask };
  });
}

/** Parses `routes`; throws RangeError naming the bad entry. */
export function parseRoutes(list: readonly string[]): StaticRoute[] {
  return list.map((s) => {
    const m = /^\s*(\S+)\s+via\s+([0-9.]+)\s*$/.exec(s);
    if (!m) throw new RangeError(`routes: expected "PREFIX/LEN via NEXTHOP", got ${JSON.stringify(s)}`);
    const { ip, len } = parseCidr(m[1]!, 'routes');
    const mask = maskOf(len);
    const viaNum = parseIpv4(m[2]!) >>> 0;
    return { network: (ip & mask) >>> 0, prefixLen: len, mask, via: formatIpv4(viaNum), viaNum };
  });
}

/** A bad route from the API, naming the field. */
export class RouteError extends Error {
  override readonly name = 'RouteError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** A static route as the API keeps it (Ryu rest_router's shape: destination and gateway). */
export interface RouteEntry {
  readonly id: string;
  /** Destination prefix, normalised to its network: `10.0.3.0/24`. */
  readonly destination: string;
  /** Next hop; it must be in a gateway interface's subnet. */
  readonly gateway: string;
  readonly description?: string;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * Checks a route from the API or the store against the router's interfaces; throws RouteError
 * naming the field. The destination is normalised (`10.0.3.7/24` → `10.0.3.0/24`).
 */
export function checkRoute(x: unknown, interfaces: readonly RouterInterface[]): Omit<RouteEntry, 'id'> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new RouteError('route', 'expected an object { destination, gateway }');
  const o = x as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (k !== 'id' && k !== 'destination' && k !== 'gateway' && k !== 'description' && k !== 'source') throw new RouteError(k, 'unknown field; a route has destination, gateway and description');
  }
  const d = typeof o.destination === 'string' ? /^\s*([0-9.]+)\/(\d{1,2})\s*$/.exec(o.destination) : null;
  if (!d || !IPV4.test(d[1]!) || Number(d[2]) > 32) throw new RouteError('destination', `expected an IPv4 prefix like 10.0.3.0/24, got ${JSON.stringify(o.destination)}`);
  if (typeof o.gateway !== 'string' || !IPV4.test(o.gateway.trim())) throw new RouteError('gateway', `expected an IPv4 address, got ${JSON.stringify(o.gateway)}`);
  if (o.description !== undefined && (typeof o.description !== 'string' || o.description.length > 200)) throw new RouteError('description', 'expected a string of at most 200 characters');
  const len = Number(d[2]);
  const network = (parseIpv4(d[1]!) & maskOf(len)) >>> 0;
  const gw = parseIpv4(o.gateway.trim()) >>> 0;
  if (interfaces.length === 0) throw new RouteError('gateway', 'the router has no interfaces: set apps.settings.router.interfaces first');
  if (!interfaces.some((i) => ((gw & i.mask) >>> 0) === i.network)) {
    throw new RouteError('gateway', `${formatIpv4(gw)} is in no interface's subnet (${interfaces.map((i) => `${formatIpv4(i.network)}/${i.prefixLen}`).join(', ')})`);
  }
  if (interfaces.some((i) => i.ipNum === gw)) throw new RouteError('gateway', `${formatIpv4(gw)} is the router's own address`);
  return { destination: `${formatIpv4(network)}/${len}`, gateway: formatIpv4(gw), ...(typeof o.description === 'string' ? { description: o.description } : {}) };
}

/** The StaticRoute of an API entry (checked already). */
export function entryRoute(e: Omit<RouteEntry, 'id'>): StaticRoute {
  return parseRoutes([`${e.destination} via ${e.gateway}`])[0]!;
}

/** Checks a whole config; returns a message when it is inconsistent. */
export function checkRouterConfig(c: RouterConfig): string | undefined {
  try {
    const ifs = parseInterfaces(c.interfaces);
    const routes = parseRoutes(c.routes);
    parseMac(c.gatewayMac);
    if (macToNumber(c.gatewayMac) % 0x20000000000 >= 0x10000000000) return 'gatewayMac must be unicast';
    for (const r of routes) {
      if (!ifs.some((i) => ((r.viaNum & i.mask) >>> 0) === i.network)) return `routes: next hop ${r.via} is in no interface's subnet`;
    }
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}

interface Neighbor {
  mac: string;
  loc: Location | undefined;
  seenAt: number;
}

interface Pending {
  readonly frames: { data: Buffer }[];
  lastArpAt: number;
}

/** A routed destination from one ingress switch. */
interface RouteRec {
  readonly ingress: bigint;
  readonly dst: string;
  readonly nextHop: string;
  flows: { dpid: bigint; rule: FlowRule }[];
}

function pass(): Effects {
  return effects(false);
}

/** The router. */
export class Router {
  private ifaces: readonly RouterInterface[];
  /** Static routes, longest prefix first. */
  private staticRoutes: readonly StaticRoute[];
  private readonly gwMacNum: number;
  private readonly gwByIp = new Map<string, RouterInterface>();
  private readonly neighbors = new Map<string, Neighbor>();
  private readonly pending = new Map<string, Pending>();
  private readonly routeRecs = new Map<string, RouteRec>();
  private topo: PathTopology | undefined;
  private linkSig = '';

  constructor(private cfg: RouterConfig) {
    this.ifaces = parseInterfaces(cfg.interfaces);
    this.staticRoutes = sortRoutes(parseRoutes(cfg.routes));
    this.gwMacNum = macToNumber(cfg.gatewayMac);
    for (const i of this.ifaces) this.gwByIp.set(i.ip, i);
  }

  /** The config in force (the constructor's, or the last one `reconfigure` took). */
  get config(): RouterConfig {
    return this.cfg;
  }

  /** The gateways. */
  get interfaces(): readonly RouterInterface[] {
    return this.ifaces;
  }

  /**
   * Takes a new config live, so a config file reload is hitless: gateways and static routes
   * (`routes`, the config's then `extraRoutes`, the API's) change in place and only the installed
   * routes whose next hop moved are rewritten or withdrawn (as setRoutes does); neighbours, routed
   * flows and queues stay. Undefined when a setting that shapes every routed flow or the retry
   * timer changed (gateway MAC, priority, idle timeout, table, ARP retry): the app restarts then.
   */
  reconfigure(config: RouterConfig, extraRoutes: readonly StaticRoute[]): Effects | undefined {
    const c = this.cfg;
    if (config.gatewayMac !== c.gatewayMac || config.flowPriority !== c.flowPriority || config.idleTimeoutSec !== c.idleTimeoutSec || config.tableId !== c.tableId || config.arpRetryMs !== c.arpRetryMs) return undefined;
    this.cfg = config;
    this.ifaces = parseInterfaces(config.interfaces);
    this.gwByIp.clear();
    for (const i of this.ifaces) this.gwByIp.set(i.ip, i);
    // A next hop in no subnet any more cannot be resolved: what waited for it is dropped.
    for (const ip of [...this.pending.keys()]) if (!this.interfaceFor(parseIpv4(ip) >>> 0)) this.pending.delete(ip);
    return this.setRoutes([...parseRoutes(config.routes), ...extraRoutes]);
  }

  /** Known neighbours (hosts and next hops): address, MAC and where they are. */
  listNeighbors(): { ip: string; mac: string; dpid?: bigint; port?: number }[] {
    return [...this.neighbors]
      .map(([ip, n]) => ({ ip, mac: n.mac, ...(n.loc ? { dpid: n.loc.dpid, port: n.loc.port } : {}) }))
      .sort((a, b) => (parseIpv4(a.ip) >>> 0) - (parseIpv4(b.ip) >>> 0));
  }

  /** Installed routes (ingress switch, destination, next hop). */
  listRoutes(): { ingress: bigint; dst: string; nextHop: string; switches: bigint[] }[] {
    return [...this.routeRecs.values()].map((r) => ({ ingress: r.ingress, dst: r.dst, nextHop: r.nextHop, switches: r.flows.map((f) => f.dpid) }));
  }

  /** The interface whose subnet holds `ip`. */
  interfaceFor(ipNum: number): RouterInterface | undefined {
    for (const i of this.ifaces) if (((ipNum & i.mask) >>> 0) === i.network) return i;
    return undefined;
  }

  /** The next hop towards `dst` (itself when directly connected), by longest prefix; undefined: unroutable. */
  nextHopFor(dst: string): string | undefined {
    const n = parseIpv4(dst) >>> 0;
    if (this.interfaceFor(n)) return dst;
    for (const r of this.staticRoutes) if (((n & r.mask) >>> 0) === r.network) return r.via;
    return undefined;
  }

  /** The static routes in use, longest prefix first. */
  get routes(): readonly StaticRoute[] {
    return this.staticRoutes;
  }

  /**
   * Replaces the static routes (the config's plus the API's). Installed routes whose next hop
   * changed are moved to the new one (flows rewritten) when it is resolved, and withdrawn (an
   * ARP goes out for the new next hop; the next packet routes) when it is not or no route is left.
   */
  setRoutes(routes: readonly StaticRoute[]): Effects {
    this.staticRoutes = sortRoutes(routes);
    const fx = effects();
    const asked = new Set<string>();
    for (const r of [...this.routeRecs.values()]) {
      const nh = this.nextHopFor(r.dst);
      if (nh === r.nextHop) continue;
      const n = nh === undefined ? undefined : this.neighbors.get(nh);
      if (nh === undefined || !n?.loc) {
        this.withdraw(r, fx);
        if (nh !== undefined && !asked.has(nh)) {
          asked.add(nh);
          this.arpFor(nh, fx);
        }
        continue;
      }
      // Same key, new next hop: reinstall compares with the old flows and removes what no route uses.
      const rec: RouteRec = { ingress: r.ingress, dst: r.dst, nextHop: nh, flows: r.flows };
      this.routeRecs.set(`${r.ingress}|${r.dst}`, rec);
      this.reinstall(rec, fx);
    }
    return fx;
  }

  /** A new topology: hosts' places are refreshed and, when links changed, every route recomputed. */
  setTopology(topo: PathTopology, _now: number, withHosts = true): Effects {
    this.topo = topo;
    const fx = effects();
    const byMac = new Map<string, Location>();
    // Without hosts (a fabric-only catch-up, see PathLogic) no neighbour moves: they come with the next full call.
    if (withHosts) for (const h of topo.hosts) byMac.set(h.mac, h.location);
    const moved = new Set<string>();
    for (const [ip, n] of this.neighbors) {
      const at = byMac.get(n.mac);
      if (at && (!n.loc || n.loc.dpid !== at.dpid || n.loc.port !== at.port)) {
        n.loc = at;
        moved.add(ip);
      }
    }
    const sig = linkSignature(topo.links);
    const all = sig !== this.linkSig;
    this.linkSig = sig;
    for (const r of [...this.routeRecs.values()]) if (all || moved.has(r.nextHop)) this.reinstall(r, fx);
    return fx;
  }

  /** A port went down: neighbours there lose their place and routes to them are withdrawn. */
  portDown(dpid: bigint, port: number): Effects {
    const fx = effects();
    for (const [ip, n] of this.neighbors) {
      if (n.loc && n.loc.dpid === dpid && n.loc.port === port) {
        n.loc = undefined;
        for (const r of [...this.routeRecs.values()]) if (r.nextHop === ip) this.withdraw(r, fx);
      }
    }
    return fx;
  }

  /** A routed flow expired: the route from that ingress is forgotten (transit flows expire by themselves). */
  flowRemoved(dpid: bigint, match: readonly OxmField[]): void {
    let dst: string | undefined;
    let gw = false;
    for (const f of match) {
      if (f.field === 'ipv4_dst') dst = f.value;
      else if (f.field === 'eth_dst' && f.value === this.config.gatewayMac) gw = true;
    }
    if (gw && dst !== undefined) this.routeRecs.delete(`${dpid}|${dst}`);
  }

  /** Re-sends ARP for next hops still unresolved (call from a timer); drops queues that waited too long. */
  retry(now: number): Effects {
    const fx = effects();
    for (const [ip, p] of this.pending) {
      if (now - p.lastArpAt < this.config.arpRetryMs) continue;
      if (now - p.lastArpAt > this.config.arpRetryMs * 5) {
        this.pending.delete(ip);
        continue;
      }
      p.lastArpAt = now;
      this.arpFor(ip, fx);
    }
    return fx;
  }

  /** Handles a packet-in: ARP and ICMP echo for gateways, ARP replies to the router, routed packets. */
  packetIn(dpid: bigint, inPort: number, data: Buffer, now: number): Effects {
    if (this.interfaces.length === 0) return pass();
    const eth = peekEthernet(data);
    if (!eth) return pass();
    // Our own ARP requests flooded back over a link.
    if (eth.src === this.gwMacNum) return effects();
    if (eth.ethertype === ETH_TYPE.ARP) return this.onArp(dpid, inPort, data, now);
    if (eth.dst !== this.gwMacNum) return pass();
    if (eth.ethertype !== ETH_TYPE.IPV4) return effects();
    const p = parsePacket(data);
    const ip = p.ipv4;
    if (!ip || !p.eth) return effects();
    const fx = effects();
    if (this.interfaceFor(parseIpv4(ip.src) >>> 0)) this.learnLocation(ip.src, p.eth.src, dpid, inPort, now, fx);
    const gw = this.gwByIp.get(ip.dst);
    if (gw) {
      if (p.icmp && p.icmp.kind === 'echo' && p.icmp.type === ICMP_TYPE.ECHO_REQUEST) {
        const reply = buildPacket({
          eth: { dst: p.eth.src, src: this.config.gatewayMac, vlans: p.eth.vlans },
          ipv4: { src: gw.ip, dst: ip.src, ttl: 64, protocol: IP_PROTO.ICMP },
          icmp: { kind: 'echo', type: ICMP_TYPE.ECHO_REPLY, code: 0, id: p.icmp.id, seq: p.icmp.seq, data: p.icmp.data },
        });
        fx.packetOuts.push({ dpid, spec: { inPort: OFPP.CONTROLLER, actions: outputTo(inPort), data: reply } });
      }
      return fx;
    }
    if (ip.ttl <= 1) return fx;
    const nh = this.nextHopFor(ip.dst);
    if (nh === undefined) return fx;
    const n = this.neighbors.get(nh);
    if (!n || !n.loc) {
      this.enqueue(nh, data, now, fx);
      return fx;
    }
    this.route(dpid, ip.dst, nh, fx);
    const out = this.rewrite(data, n.mac);
    if (out) fx.packetOuts.push({ dpid: n.loc.dpid, spec: { inPort: OFPP.CONTROLLER, actions: outputTo(n.loc.port), data: out } });
    return fx;
  }

  private onArp(dpid: bigint, inPort: number, data: Buffer, now: number): Effects {
    const p = parsePacket(data);
    const arp = p.arp;
    if (!arp || !p.eth) return pass();
    const forGateway = this.gwByIp.get(arp.tpa);
    if (arp.sha === p.eth.src && arp.spa !== '0.0.0.0' && this.interfaceFor(parseIpv4(arp.spa) >>> 0)) {
      const fx = effects();
      const became = this.learnLocation(arp.spa, arp.sha, dpid, inPort, now, fx);
      if (became) this.flush(arp.spa, fx);
      if (!forGateway) {
        fx.handled = false;
        return fx;
      }
      if (arp.op === ARP_OP.REQUEST) {
        const reply = arpReply({ srcMac: this.config.gatewayMac, srcIp: forGateway.ip, dstMac: arp.sha, dstIp: arp.spa, vlans: p.eth.vlans });
        fx.packetOuts.push({ dpid, spec: { inPort: OFPP.CONTROLLER, actions: outputTo(inPort), data: reply } });
      }
      return fx;
    }
    return forGateway ? effects() : pass();
  }

  /** Records a neighbour's MAC (and its place when the packet came in at an edge port); true when it has just become usable. Routes towards a neighbour that moved are rebuilt. */
  private learnLocation(ip: string, mac: string, dpid: bigint, inPort: number, now: number, fx: Effects): boolean {
    const sw = this.topo?.switches.get(dpid);
    const edge = !sw || !sw.infrastructurePorts.includes(inPort);
    const n = this.neighbors.get(ip);
    const loc = edge ? { dpid, port: inPort } : this.topo?.hosts.find((h) => h.mac === mac)?.location;
    if (!n) {
      this.neighbors.set(ip, { mac, loc, seenAt: now });
      return loc !== undefined;
    }
    const wasUsable = n.loc !== undefined;
    n.seenAt = now;
    if (n.mac !== mac || (loc && (!n.loc || n.loc.dpid !== loc.dpid || n.loc.port !== loc.port))) {
      n.mac = mac;
      if (loc) n.loc = loc;
      for (const r of [...this.routeRecs.values()]) if (r.nextHop === ip) this.reinstall(r, fx);
    }
    return !wasUsable && n.loc !== undefined;
  }

  private enqueue(nh: string, data: Buffer, now: number, fx: Effects): void {
    let p = this.pending.get(nh);
    if (!p) {
      p = { frames: [], lastArpAt: now };
      this.pending.set(nh, p);
      this.arpFor(nh, fx);
    }
    if (p.frames.length < this.config.maxQueuedPerNextHop) p.frames.push({ data: Buffer.from(data) });
  }

  /** ARP request from the gateway of the next hop's subnet, out of every edge port. */
  private arpFor(ip: string, fx: Effects): void {
    const gw = this.interfaceFor(parseIpv4(ip) >>> 0);
    if (!gw) return;
    const req = arpRequest({ srcMac: this.config.gatewayMac, srcIp: gw.ip, dstIp: ip });
    const topo = this.topo;
    if (!topo) return;
    for (const [d, s] of topo.switches) {
      if (s.edgePorts.length > 0) fx.packetOuts.push({ dpid: d, spec: { inPort: OFPP.CONTROLLER, actions: outputActions(s.edgePorts), data: req } });
    }
  }

  /** A next hop got resolved: send what waited for it. */
  private flush(ip: string, fx: Effects): void {
    const p = this.pending.get(ip);
    const n = this.neighbors.get(ip);
    if (!p || !n || !n.loc) return;
    this.pending.delete(ip);
    for (const f of p.frames) {
      const out = this.rewrite(f.data, n.mac);
      if (out) fx.packetOuts.push({ dpid: n.loc.dpid, spec: { inPort: OFPP.CONTROLLER, actions: outputTo(n.loc.port), data: out } });
    }
  }

  /** The frame as the router sends it on: MACs rewritten, TTL decremented, header checksum recomputed. */
  rewrite(data: Buffer, nextHopMac: string): Buffer | undefined {
    const eth = peekEthernet(data);
    if (!eth) return undefined;
    const out = Buffer.from(data);
    parseMac(nextHopMac, out, 0);
    parseMac(this.config.gatewayMac, out, 6);
    const l3 = eth.l3Offset;
    const ihl = (out[l3]! & 0x0f) * 4;
    if (out.length < l3 + ihl || out[l3 + 8]! <= 1) return undefined;
    out[l3 + 8] = out[l3 + 8]! - 1;
    out.writeUInt16BE(0, l3 + 10);
    out.writeUInt16BE(internetChecksum(out, l3, l3 + ihl), l3 + 10);
    return out;
  }

  /** Installs the route to `dst` from `ingress`: rewrite + TTL at the ingress, plain forwarding after it. */
  private route(ingress: bigint, dst: string, nextHop: string, fx: Effects): void {
    const key = `${ingress}|${dst}`;
    const rec: RouteRec = this.routeRecs.get(key) ?? { ingress, dst, nextHop, flows: [] };
    this.routeRecs.set(key, rec);
    this.reinstall(rec, fx);
  }

  private flowsFor(rec: RouteRec): { dpid: bigint; rule: FlowRule }[] | undefined {
    const n = this.neighbors.get(rec.nextHop);
    if (!n || !n.loc) return undefined;
    const c = this.config;
    const base = { tableId: c.tableId, priority: c.flowPriority, idleTimeout: c.idleTimeoutSec };
    const rewrite: Action[] = [
      { type: 'set_field', field: { field: 'eth_src', value: c.gatewayMac } },
      { type: 'set_field', field: { field: 'eth_dst', value: n.mac } },
      { type: 'dec_nw_ttl' },
    ];
    const ingressMatch: OxmField[] = [
      { field: 'eth_dst', value: c.gatewayMac },
      { field: 'eth_type', value: ETH_TYPE.IPV4 },
      { field: 'ipv4_dst', value: rec.dst },
    ];
    if (rec.ingress === n.loc.dpid) return [{ dpid: rec.ingress, rule: { ...base, match: ingressMatch, actions: [...rewrite, { type: 'output', port: n.loc.port }] } }];
    const path = this.topo?.shortestPath(rec.ingress, n.loc.dpid);
    if (!path || path.links.length === 0) return undefined;
    const out: { dpid: bigint; rule: FlowRule }[] = [];
    out.push({ dpid: rec.ingress, rule: { ...base, match: ingressMatch, actions: [...rewrite, { type: 'output', port: path.links[0]!.srcPort }] } });
    // After the rewrite the frame goes gateway → next hop; transit flows match that (shared by every ingress: the next switch towards a destination does not depend on where the path began).
    const transit: OxmField[] = [
      { field: 'eth_dst', value: n.mac },
      { field: 'eth_src', value: c.gatewayMac },
      { field: 'eth_type', value: ETH_TYPE.IPV4 },
      { field: 'ipv4_dst', value: rec.dst },
    ];
    for (let i = 0; i < path.links.length; i++) {
      const l = path.links[i]!;
      const port = i + 1 < path.links.length ? path.links[i + 1]!.srcPort : n.loc.port;
      out.push({ dpid: l.dst, rule: { ...base, match: transit, actions: outputTo(port) } });
    }
    return out;
  }

  private reinstall(rec: RouteRec, fx: Effects): void {
    const flows = this.flowsFor(rec);
    if (!flows) {
      this.withdraw(rec, fx);
      return;
    }
    const old = rec.flows;
    rec.flows = flows;
    for (const f of old) {
      if (flows.some((g) => g.dpid === f.dpid && sameMatch(g.rule, f.rule))) continue;
      if (this.inUse(f)) continue;
      fx.remove.push(f);
    }
    // Egress first, ingress (the rewrite) last.
    for (let i = flows.length - 1; i >= 0; i--) fx.install.push(flows[i]!);
  }

  private withdraw(rec: RouteRec, fx: Effects): void {
    this.routeRecs.delete(`${rec.ingress}|${rec.dst}`);
    for (const f of rec.flows) if (!this.inUse(f)) fx.remove.push(f);
  }

  /** True when another route still uses a flow with the same identity. */
  private inUse(f: { dpid: bigint; rule: FlowRule }): boolean {
    for (const r of this.routeRecs.values()) for (const g of r.flows) if (g !== f && g.dpid === f.dpid && sameMatch(g.rule, f.rule)) return true;
    return false;
  }
}

function sortRoutes(routes: readonly StaticRoute[]): StaticRoute[] {
  // Longest prefix first; equal prefixes keep their order (config routes before the API's).
  return [...routes].sort((a, b) => b.prefixLen - a.prefixLen);
}

function sameMatch(a: FlowRule, b: FlowRule): boolean {
  const x = a.match ?? [];
  const y = b.match ?? [];
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) {
    const p = x[i]!;
    const q = y[i]!;
    if (p.field !== q.field || (p.field !== 'raw' && q.field !== 'raw' && String(p.value) !== String(q.value))) return false;
  }
  return true;
}
