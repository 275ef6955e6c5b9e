/** ARP for Ethernet and IPv4 (RFC 826): parse, build, and whole-frame request/reply helpers. */

import { formatIpv4, formatMac, parseIpv4, parseMac } from '../core/addr.js';
import { ARP_HTYPE_ETHERNET, ARP_OP, ETH_TYPE, MAC_BROADCAST, MAC_ZERO } from './constants.js';
import { buildEthernet, type VlanTagFields } from './ethernet.js';
import { u16, u32 } from './bytes.js';

/** Length of an Ethernet/IPv4 ARP packet. */
export const ARP_LEN = 28;

/** An Ethernet/IPv4 ARP packet. Other hardware/protocol sizes are left as raw payload. */
export interface Arp {
  /** Hardware type, 1 for Ethernet. */
  readonly htype: number;
  /** Protocol type, 0x0800 for IPv4. */
  readonly ptype: number;
  /** Opcode: `ARP_OP.REQUEST` or `ARP_OP.REPLY`. */
  readonly op: number;
  /** Sender hardware address. */
  readonly sha: string;
  /** Sender protocol address. */
  readonly spa: string;
  /** Target hardware address. */
  readonly tha: string;
  /** Target protocol address. */
  readonly tpa: string;
}

/** Input of {@link buildArp}: `htype` defaults to Ethernet, `ptype` to IPv4. */
export interface ArpFields {
  readonly htype?: number;
  readonly ptype?: number;
  readonly op: number;
  readonly sha: string;
  readonly spa: string;
  readonly tha: string;
  readonly tpa: string;
}

/**
 * Parses the ARP packet at `b[off, end)`. Returns an error string when it is truncated,
 * and undefined when its address sizes are not 6 and 4 (not Ethernet/IPv4: kept as raw payload).
 */
export function parseArp(b: Buffer, off: number, end: number): Arp | string | undefined {
  if (end - off < 8) return `arp: truncated header at offset ${off}`;
  if (b[off + 4] !== 6 || b[off + 5] !== 4) return undefined;
  if (end - off < ARP_LEN) return `arp: truncated addresses at offset ${off + 8}`;
  return {
    htype: u16(b, off),
    ptype: u16(b, off + 2),
    op: u16(b, off + 6),
    sha: formatMac(b, off + 8),
    spa: formatIpv4(u32(b, off + 14)),
    tha: formatMac(b, off + 18),
    tpa: formatIpv4(u32(b, off + 24)),
  };
}

/** The 28 bytes of an Ethernet/IPv4 ARP packet. */
export function buildArp(arp: ArpFields): Buffer {
  const out = Buffer.alloc(ARP_LEN);
  out.writeUInt16BE(arp.htype ?? ARP_HTYPE_ETHERNET, 0);
  out.writeUInt16BE(arp.ptype ?? ETH_TYPE.IPV4, 2);
  out[4] = 6;
  out[5] = 4;
  out.writeUInt16BE(arp.op, 6);
  parseMac(arp.sha, out, 8);
  out.writeUInt32BE(parseIpv4(arp.spa), 14);
  parseMac(arp.tha, out, 18);
  out.writeUInt32BE(parseIpv4(arp.tpa), 24);
  return out;
}

/** Input of {@link arpRequest}. */
export interface ArpRequestFields {
  readonly srcMac: string;
  readonly srcIp: string;
  /** The address being resolved. */
  readonly dstIp: string;
  readonly vlans?: readonly VlanTagFields[];
}

/** A whole Ethernet frame: broadcast ARP request "who has `dstIp`, tell `srcIp`". */
export function arpRequest(f: ArpRequestFields): Buffer {
  const arp = buildArp({ op: ARP_OP.REQUEST, sha: f.srcMac, spa: f.srcIp, tha: MAC_ZERO, tpa: f.dstIp });
  return buildEthernet({ dst: MAC_BROADCAST, src: f.srcMac, ethertype: ETH_TYPE.ARP, vlans: f.vlans }, arp);
}

/** Input of {@link arpReply}. */
export interface ArpReplyFields {
  /** The MAC that answers for `srcIp`. */
  readonly srcMac: string;
  readonly srcIp: string;
  /** The asker. */
  readonly dstMac: string;
  readonly dstIp: string;
  readonly vlans?: readonly VlanTagFields[];
}

/** A whole Ethernet frame: unicast ARP reply "`srcIp` is at `srcMac`" to the asker. */
export function arpReply(f: ArpReplyFields): Buffer {
  const arp = buildArp({ op: ARP_OP.REPLY, sha: f.srcMac, spa: f.srcIp, tha: f.dstMac, tpa: f.dstIp });
  return buildEthernet({ dst: f.dstMac, src: f.srcMac, ethertype: ETH_TYPE.ARP, vlans: f.vlans }, arp);
}
