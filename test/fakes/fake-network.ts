/**
 * A model network for tests: fake switches (FakeFlowTable pipelines) joined by links, with hosts
 * on edge ports. It applies the controller's flow and group mods and answers "where does this
 * packet go": a packet injected at a port is walked switch by switch until it reaches hosts, the
 * controller, a drop, or the hop limit (a loop). A controller callback can answer packet-ins with
 * packet-outs inside the same walk, as a running controller would.
 */
import { OFPP } from '../../src/openflow/codec/constants.js';
import type { FlowSpec, PacketOutSpec } from '../../src/core/model.js';
import { FakeFlowTable, type Emission, type FakeFlowTableOptions, type GroupModSpec, type PipelineDrop, type RemovedNotice } from './fake-flow-table.js';
import { flatten, frameOf, packetFromFrame, packetOf, type Packet, type PacketInput } from './fake-packet.js';
import type { FieldValue } from './oxm-oracle.js';

/** A switch of the network. */
export interface FakeSwitch {
  readonly dpid: bigint;
  readonly table: FakeFlowTable;
  /** Its ports (physical port numbers). */
  readonly ports: Set<number>;
  /** Ports administratively or physically down (not live). */
  readonly down: Set<number>;
}

/** A host: a MAC (and addresses) on a switch port. */
export interface FakeHost {
  readonly name: string;
  readonly mac: string;
  readonly ipv4?: string;
  readonly ipv6?: string;
  dpid: bigint;
  port: number;
}

/** A switch port. */
export interface PortRef {
  readonly dpid: bigint;
  readonly port: number;
}

/** A packet that left the network at an edge port (to a host, or to nobody). */
export interface Delivery extends PortRef {
  /** The host on that port, if any. */
  readonly host?: string;
  /** The port it entered this last switch by. */
  readonly inPort: number;
  /** The headers as they left (`vlan_vid` with OFPVID_PRESENT when tagged, `ttl`). */
  readonly packet: Record<string, FieldValue>;
  readonly frame: () => Buffer;
}

/** A packet sent to the controller. */
export interface PacketInAt extends PortRef {
  /** The port it came in on (`port` is the same). */
  readonly inPort: number;
  /** OFPR_*. */
  readonly reason: number;
  readonly tableId: number;
  readonly cookie: bigint;
  readonly packet: Record<string, FieldValue>;
  /** The frame the controller receives. */
  readonly data: Buffer;
}

/** Why a packet (or one copy of it) went no further. */
export type DropAt = PortRef &
  (
    | PipelineDrop
    | { readonly reason: 'in-port' | 'no-port' | 'port-down' | 'unsupported-port'; readonly outPort: number }
  );

/** A packet-out the controller sends. */
export interface PacketOutAt {
  readonly dpid: bigint;
  readonly spec: PacketOutSpec;
}

/** The controller's answer to a packet-in: packet-outs to run now (flow mods it applies itself through the network). */
export type ControllerFn = (pi: PacketInAt) => readonly PacketOutAt[] | void;

/** Everything one injected packet caused. */
export interface Trace {
  readonly delivered: Delivery[];
  readonly packetIns: PacketInAt[];
  readonly drops: DropAt[];
  /** True when a copy hit the hop limit or the walk hit its step limit: a loop or a storm. */
  loop: boolean;
  /** Packet arrivals handled at switches. */
  steps: number;
}

/** Options of a walk. */
export interface WalkOptions {
  /** Switches one copy may cross before it counts as looping. Default 64. */
  readonly hopLimit?: number;
  /** Arrivals the whole walk may handle (a storm multiplies copies). Default 2000. */
  readonly maxSteps?: number;
}

/** The names of the hosts a trace delivered to, sorted, with repeats (a duplicate shows twice). */
export function hostsReached(t: Trace): string[] {
  return t.delivered.flatMap((d) => (d.host !== undefined ? [d.host] : [])).sort();
}

interface Arrival {
  readonly dpid: bigint;
  readonly inPort: number;
  readonly packet: Packet;
  readonly hops: number;
}

function key(dpid: bigint, port: number): string {
  return `${dpid}:${port}`;
}

/** Switches, links and hosts, and the walk of packets through them. */
export class FakeNetwork {
  readonly switches = new Map<bigint, FakeSwitch>();
  /** Each link both ways: `dpid:port` to the port at the other end. */
  readonly links = new Map<string, PortRef>();
  readonly hosts = new Map<string, FakeHost>();
  /** Time (ms) given to the tables for flow use and expiry. */
  now = 0;
  /** Answers packet-ins during walks; without one, packet-ins are only recorded. */
  controller: ControllerFn | undefined;
  private readonly tableOpts: Omit<FakeFlowTableOptions, 'portLive'>;

  constructor(opts: Omit<FakeFlowTableOptions, 'portLive'> = {}) {
    this.tableOpts = opts;
  }

  /** Adds a switch with these ports (all up) and an empty pipeline. */
  addSwitch(dpid: bigint, ports: Iterable<number>): FakeSwitch {
    if (this.switches.has(dpid)) throw new Error(`fake network: switch ${dpid} exists`);
    const table = new FakeFlowTable({ ...this.tableOpts, portLive: (p) => this.portLive(dpid, p) });
    const sw: FakeSwitch = { dpid, ports: new Set(ports), down: new Set(), table };
    this.switches.set(dpid, sw);
    return sw;
  }

  /** A switch, which must exist. */
  switch(dpid: bigint): FakeSwitch {
    const sw = this.switches.get(dpid);
    if (!sw) throw new Error(`fake network: no switch ${dpid}`);
    return sw;
  }

  /** A switch's pipeline. */
  table(dpid: bigint): FakeFlowTable {
    return this.switch(dpid).table;
  }

  /** Joins two ports with a cable (both directions). */
  link(a: bigint, ap: number, b: bigint, bp: number): void {
    for (const [d, p] of [[a, ap], [b, bp]] as const) {
      if (!this.switch(d).ports.has(p)) throw new Error(`fake network: switch ${d} has no port ${p}`);
      if (this.links.has(key(d, p))) throw new Error(`fake network: ${d}:${p} is linked already`);
    }
    this.links.set(key(a, ap), { dpid: b, port: bp });
    this.links.set(key(b, bp), { dpid: a, port: ap });
  }

  /** Cuts the cable at a port (both ends stay up, facing nothing). */
  unlink(a: bigint, ap: number): void {
    const peer = this.links.get(key(a, ap));
    if (!peer) throw new Error(`fake network: ${a}:${ap} is not linked`);
    this.links.delete(key(a, ap));
    this.links.delete(key(peer.dpid, peer.port));
  }

  /** The port at the other end of a link. */
  peer(dpid: bigint, port: number): PortRef | undefined {
    return this.links.get(key(dpid, port));
  }

  /** Adds a port to a switch (up). */
  addPort(dpid: bigint, port: number): void {
    this.switch(dpid).ports.add(port);
  }

  /** Sets a port up or down; a down port is not live (fast-failover moves off it) and passes nothing. */
  setPort(dpid: bigint, port: number, up: boolean): void {
    const sw = this.switch(dpid);
    if (up) sw.down.delete(port);
    else sw.down.add(port);
  }

  /** Whether a port exists and is up. */
  portLive(dpid: bigint, port: number): boolean {
    const sw = this.switches.get(dpid);
    return sw !== undefined && sw.ports.has(port) && !sw.down.has(port);
  }

  /** Puts a host on a port. */
  addHost(name: string, host: { mac: string; ipv4?: string; ipv6?: string }, dpid: bigint, port: number): FakeHost {
    if (!this.switch(dpid).ports.has(port)) throw new Error(`fake network: switch ${dpid} has no port ${port}`);
    const h: FakeHost = { name, mac: host.mac.toLowerCase(), ...(host.ipv4 ? { ipv4: host.ipv4 } : {}), ...(host.ipv6 ? { ipv6: host.ipv6 } : {}), dpid, port };
    this.hosts.set(name, h);
    return h;
  }

  /** A host, which must exist. */
  host(name: string): FakeHost {
    const h = this.hosts.get(name);
    if (!h) throw new Error(`fake network: no host ${name}`);
    return h;
  }

  /** Moves a host to another port. */
  moveHost(name: string, dpid: bigint, port: number): void {
    const h = this.host(name);
    if (!this.switch(dpid).ports.has(port)) throw new Error(`fake network: switch ${dpid} has no port ${port}`);
    h.dpid = dpid;
    h.port = port;
  }

  /** The host on a port. */
  hostAt(dpid: bigint, port: number): FakeHost | undefined {
    for (const h of this.hosts.values()) if (h.dpid === dpid && h.port === port) return h;
    return undefined;
  }

  /** Applies a flow mod at a switch (throws FakeSwitchError on what a switch refuses). */
  flowMod(dpid: bigint, spec: FlowSpec): RemovedNotice[] {
    return this.table(dpid).apply(spec, this.now);
  }

  /** Applies a group mod at a switch. */
  groupMod(dpid: bigint, mod: GroupModSpec): RemovedNotice[] {
    return this.table(dpid).applyGroup(mod);
  }

  /** Injects a packet (fields or frame bytes) arriving at a switch port, and walks it. */
  inject(dpid: bigint, inPort: number, packet: PacketInput | Buffer, opts: WalkOptions = {}): Trace {
    const p = Buffer.isBuffer(packet) ? packetFromFrame(packet) : packetOf(packet);
    return this.walk([{ dpid, inPort, packet: p, hops: 0 }], opts);
  }

  /**
   * A host sends a packet (fields or frame bytes). Fields it leaves out default to its own:
   * eth_src, and ipv4_src / ipv6_src / arp_spa / arp_sha by eth_type.
   */
  send(from: string, packet: PacketInput | Buffer, opts: WalkOptions = {}): Trace {
    const h = this.host(from);
    if (Buffer.isBuffer(packet)) return this.inject(h.dpid, h.port, packet, opts);
    const own: Record<string, FieldValue> = { eth_src: h.mac };
    if (packet.eth_type === 0x0800 && h.ipv4) own.ipv4_src = h.ipv4;
    if (packet.eth_type === 0x86dd && h.ipv6) own.ipv6_src = h.ipv6;
    if (packet.eth_type === 0x0806) {
      own.arp_sha = h.mac;
      if (h.ipv4) own.arp_spa = h.ipv4;
    }
    return this.inject(h.dpid, h.port, { ...own, ...packet }, opts);
  }

  /** The controller sends a packet-out (its data is the packet; a buffer id is not modelled). */
  packetOut(po: PacketOutAt, opts: WalkOptions = {}): Trace {
    const t: Trace = { delivered: [], packetIns: [], drops: [], loop: false, steps: 0 };
    const queue: Arrival[] = [];
    this.runPacketOut(po, t, queue);
    return this.walk(queue, opts, t);
  }

  private runPacketOut(po: PacketOutAt, t: Trace, queue: Arrival[]): void {
    if (!po.spec.data) throw new Error('fake network: a packet-out without data (buffer ids are not modelled)');
    const inPort = po.spec.inPort ?? OFPP.CONTROLLER;
    const r = this.table(po.dpid).packetOut(packetFromFrame(po.spec.data), inPort, po.spec.actions, this.now);
    for (const d of r.drops) t.drops.push({ dpid: po.dpid, port: inPort, ...d });
    for (const e of r.emissions) this.emit(po.dpid, inPort, e, 0, t, queue);
  }

  private walk(start: Arrival[], opts: WalkOptions, into?: Trace): Trace {
    const hopLimit = opts.hopLimit ?? 64;
    const maxSteps = opts.maxSteps ?? 2000;
    const t: Trace = into ?? { delivered: [], packetIns: [], drops: [], loop: false, steps: 0 };
    const queue = start;
    while (queue.length > 0) {
      if (t.steps >= maxSteps) {
        t.loop = true;
        break;
      }
      const a = queue.shift()!;
      if (a.hops >= hopLimit) {
        t.loop = true;
        continue;
      }
      t.steps++;
      if (!this.portLive(a.dpid, a.inPort)) {
        t.drops.push({ dpid: a.dpid, port: a.inPort, reason: 'port-down', outPort: a.inPort });
        continue;
      }
      const r = this.table(a.dpid).process(a.packet, a.inPort, this.now);
      for (const d of r.drops) t.drops.push({ dpid: a.dpid, port: a.inPort, ...d });
      for (const e of r.emissions) this.emit(a.dpid, a.inPort, e, a.hops, t, queue);
    }
    return t;
  }

  /** Where an output action sends a copy: a port's link or host, every port (FLOOD/ALL), the controller. */
  private emit(dpid: bigint, inPort: number, e: Emission, hops: number, t: Trace, queue: Arrival[]): void {
    const sw = this.switch(dpid);
    const out = (port: number): void => {
      if (!sw.ports.has(port)) return void t.drops.push({ dpid, port: inPort, reason: 'no-port', outPort: port });
      if (sw.down.has(port)) return void t.drops.push({ dpid, port: inPort, reason: 'port-down', outPort: port });
      const peer = this.links.get(key(dpid, port));
      if (peer) {
        queue.push({ dpid: peer.dpid, inPort: peer.port, packet: e.packet, hops: hops + 1 });
        return;
      }
      const h = this.hostAt(dpid, port);
      t.delivered.push({ dpid, port, inPort, ...(h ? { host: h.name } : {}), packet: flatten(e.packet), frame: () => frameOf(e.packet) });
    };
    switch (e.port) {
      case OFPP.CONTROLLER: {
        const pi: PacketInAt = { dpid, port: inPort, inPort, reason: e.reason, tableId: e.tableId ?? 0, cookie: e.flow?.cookie ?? 0n, packet: flatten(e.packet), data: frameOf(e.packet) };
        t.packetIns.push(pi);
        const answers = this.controller?.(pi);
        for (const po of answers ?? []) this.runPacketOut(po, t, queue);
        return;
      }
      case OFPP.IN_PORT:
        return out(inPort);
      case OFPP.FLOOD:
      case OFPP.ALL:
        // §7.2.1: all ports but the ingress (no port here carries OFPPC_NO_FWD / NO_FLOOD).
        for (const p of [...sw.ports].sort((x, y) => x - y)) if (p !== inPort && !sw.down.has(p)) out(p);
        return;
      case OFPP.LOCAL:
      case OFPP.NORMAL:
      case OFPP.TABLE:
      case OFPP.ANY:
        t.drops.push({ dpid, port: inPort, reason: 'unsupported-port', outPort: e.port });
        return;
      default:
        // §7.2.1: a packet is not sent back out of its ingress port unless the action says OFPP_IN_PORT.
        if (e.port === inPort) return void t.drops.push({ dpid, port: inPort, reason: 'in-port', outPort: e.port });
        out(e.port);
    }
  }
}
