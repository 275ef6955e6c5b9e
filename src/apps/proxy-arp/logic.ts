/**
 * Proxy ARP, pure: learns IPv4 → MAC bindings from ARP senders and the topology's hosts, and
 * answers ARP requests for known addresses with a reply built by the controller, so a request
 * for a known host never floods. Unknown targets, gratuitous ARP and replies fall through.
 */
import { OFPP } from '../../openflow/codec/constants.js';
import type { PacketOutSpec } from '../../core/model.js';
import { arpReply } from '../../packet/arp.js';
import { ARP_OP, ETH_TYPE } from '../../packet/constants.js';
import { peekEthernet } from '../../packet/ethernet.js';
import { parsePacket } from '../../packet/packet.js';
import { bool, defaultsOf, num, section, type ConfigOf } from '../../core/config-schema.js';

/** Settings schema of `apps.settings.proxy-arp`. */
export const proxyArpSchema = section(
  {
    bindingAgeSec: num({ default: 600, min: 1, unit: 's', doc: 'An address binding not refreshed for this long is forgotten.' }),
    useHostTracker: bool({ default: true, doc: 'Also answer for addresses the host tracker knows (not only those seen in ARP).' }),
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
}

/** Bindings, learning and answers. */
export class ProxyArp {
  private readonly bindings = new Map<string, Binding>();
  private trackerHosts = new Map<string, string>();

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

  /** Learns from an ARP packet-in and answers a request for a known address out of the in-port. */
  packetIn(dpid: bigint, inPort: number, data: Buffer, now: number): ProxyArpDecision {
    const eth = peekEthernet(data);
    if (!eth || eth.ethertype !== ETH_TYPE.ARP) return { kind: 'pass', reason: 'not-arp' };
    const p = parsePacket(data);
    const arp = p.arp;
    if (!arp || !p.eth) return { kind: 'pass', reason: 'malformed' };
    if (arp.spa !== '0.0.0.0' && arp.sha === p.eth.src) this.bindings.set(arp.spa, { mac: arp.sha, seenAt: now });
    if (arp.op !== ARP_OP.REQUEST) return { kind: 'pass', reason: 'not-request' };
    if (arp.spa === arp.tpa || arp.spa === '0.0.0.0') return { kind: 'pass', reason: 'gratuitous' };
    const mac = this.lookup(arp.tpa, now);
    if (mac === undefined) return { kind: 'pass', reason: 'unknown-target' };
    if (mac === arp.sha) return { kind: 'pass', reason: 'target-is-asker' };
    const reply = arpReply({ srcMac: mac, srcIp: arp.tpa, dstMac: arp.sha, dstIp: arp.spa, vlans: p.eth.vlans });
    return { kind: 'reply', dpid, ip: arp.tpa, mac, spec: { inPort: OFPP.CONTROLLER, actions: [{ type: 'output', port: inPort }], data: reply } };
  }
}
