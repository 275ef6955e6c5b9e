/**
 * Proxy ARP, pure: learns IPv4 → MAC bindings from ARP senders and the topology's hosts, and
 * answers ARP requests for known addresses with a reply built by the controller, so a request
 * for a known host never floods. Unknown targets, gratuitous ARP and replies fall through.
 */
import { OFPP } from '../../openflow/codec/constants.js';
import { outputTo } from '../../openflow/packet-out.js';
import type { PacketOutSpec } from '../../core/model.js';
import { arpReply } from '../../packet/arp.js';
import { ARP_OP, ETH_TYPE } from '../../packet/constants.js';
import { peekEthernet } from '../../packet/ethernet.js';
import { parsePacket } from '../../packet/packet.js';
import { bool, defaultsOf, int, num, section, type ConfigOf } from '../../core/config-schema.js';

/** Settings schema of `apps.settings.proxy-arp`. */
export const proxyArpSchema = section(
  {
    bindingAgeSec: num({ default: 600, min: 1, unit: 's', doc: 'An address binding not refreshed for this long is forgotten.' }),
    useHostTracker: bool({ default: true, doc: 'Also answer for addresses the host tracker knows (not only those seen in ARP).' }),
    maxBindings: int({
      default: 65_536,
      min: 1,
      doc: 'Address bindings learned from ARP kept at most; beyond it a new address is not learned (counted in signalbox_app_proxy_arp_bindings_refused_total): an ARP flood with ever-new senders costs bounded memory. Bindings of a switch that leaves, or of a port that goes away, are dropped.',
    }),
  },
  { doc: 'Answers ARP requests for known hosts from the controller.' },
);

/** Settings of proxy ARP. */
export type ProxyArpConfig = ConfigOf<typeof proxyArpSchema>;

/** Defaults of proxy ARP. */
export const defaultProxyArpConfig: ProxyArpConfig = defaultsOf(proxyArpSchema);

/** What proxy-arp does with a packet-in. */
export type ProxyArpDecision =
  | { readonly kind: 'reply'; readonly dpid: bigint; readonly spec: PacketOutSpec; readonly ip: string; readonly mac: string }
  | { readonly kind: 'pass'; readonly reason: 'not-arp' | 'not-request' | 'gratuitous' | 'unknown-target' | 'malformed' | 'target-is-asker' };

interface Binding {
  mac: string;
  seenAt: number;
  /** Where the sender was seen: its binding goes when that switch or port does. */
  dpid: bigint;
  port: number;
}

/** Bindings, learning and answers. */
export class ProxyArp {
  private readonly bindings = new Map<string, Binding>();
  private trackerHosts = new Map<string, string>();
  /** New addresses not learned because `maxBindings` were kept. */
  refused = 0;

  constructor(readonly config: ProxyArpConfig = defaultProxyArpConfig) {}

  /** The host tracker's addresses (replaces the previous set); ARP-learned bindings take precedence. */
  setHosts(hosts: Iterable<{ readonly mac: string; readonly ipv4: readonly string[] }>): void {
    const m = new Map<string, string>();
    if (this.config.useHostTracker) for (const h of hosts) for (const ip of h.ipv4) m.set(ip, h.mac);
    this.trackerHosts = m;
  }

  /** The MAC of an address, or undefined. */
  lookup(ip: string, now: number): string | undefined {
    const b = this.bindings.get(ip);
    if (b && now - b.seenAt <= this.config.bindingAgeSec * 1000) return b.mac;
    return this.trackerHosts.get(ip);
  }

  /** Bindings known, by address (for the API). */
  list(): { ip: string; mac: string; seenAt: number }[] {
    return [...this.bindings].map(([ip, b]) => ({ ip, mac: b.mac, seenAt: b.seenAt })).sort((a, b) => (a.ip < b.ip ? -1 : 1));
  }

  /** Forgets the bindings learned on a switch (it left), or on one of its ports (`port` given: it went away); returns how many. */
  forget(dpid: bigint, port?: number): number {
    let n = 0;
    for (const [ip, b] of this.bindings) {
      if (b.dpid === dpid && (port === undefined || b.port === port)) {
        this.bindings.delete(ip);
        n++;
      }
    }
    return n;
  }

  /** Bindings kept now. */
  get size(): number {
    return this.bindings.size;
  }

  /** Forgets old bindings. */
  expire(now: number): number {
    let n = 0;
    for (const [ip, b] of this.bindings) {
      if (now - b.seenAt > this.config.bindingAgeSec * 1000) {
        this.bindings.delete(ip);
        n++;
      }
    }
    return n;
  }

  /** Keeps a binding: a known address is refreshed, a new one only below `maxBindings` (counted otherwise). */
  private learn(ip: string, b: Binding): void {
    if (!this.bindings.has(ip) && this.bindings.size >= this.config.maxBindings) {
      this.refused++;
      return;
    }
    this.bindings.set(ip, b);
  }

  /** Learns from an ARP packet-in and answers a request for a known address out of the in-port. */
  packetIn(dpid: bigint, inPort: number, data: Buffer, now: number): ProxyArpDecision {
    const eth = peekEthernet(data);
    if (!eth || eth.ethertype !== ETH_TYPE.ARP) return { kind: 'pass', reason: 'not-arp' };
    const p = parsePacket(data);
    const arp = p.arp;
    if (!arp || !p.eth) return { kind: 'pass', reason: 'malformed' };
    if (arp.spa !== '0.0.0.0' && arp.sha === p.eth.src) this.learn(arp.spa, { mac: arp.sha, seenAt: now, dpid, port: inPort });
    if (arp.op !== ARP_OP.REQUEST) return { kind: 'pass', reason: 'not-request' };
    if (arp.spa === arp.tpa || arp.spa === '0.0.0.0') return { kind: 'pass', reason: 'gratuitous' };
    const mac = this.lookup(arp.tpa, now);
    if (mac === undefined) return { kind: 'pass', reason: 'unknown-target' };
    if (mac === arp.sha) return { kind: 'pass', reason: 'target-is-asker' };
    const reply = arpReply({ srcMac: mac, srcIp: arp.tpa, dstMac: arp.sha, dstIp: arp.spa, vlans: p.eth.vlans });
    return { kind: 'reply', dpid, ip: arp.tpa, mac, spec: { inPort: OFPP.CONTROLLER, actions: outputTo(inPort), data: reply } };
  }
}
