/** Whole frames: `parsePacket` reads every layer it knows without throwing, `buildPacket` writes them back. */

import { formatMac } from '../core/addr.js';
import { buildArp, parseArp, ARP_LEN, type Arp, type ArpFields } from './arp.js';
import { ETH_HEADER_LEN, ETH_TYPE, IP_PROTO, UDP_PORT } from './constants.js';
import { buildEthernet, isVlanTpid, type Ethernet, type EthernetFields, type VlanTag } from './ethernet.js';
import { buildIcmp, parseIcmp, type Icmp } from './icmp.js';
import { buildIcmpv6, parseIcmpv6, type Icmpv6 } from './icmpv6.js';
import { buildIpv4, isIpv4Fragment, parseIpv4Header, IPV4_HEADER_LEN, type Ipv4, type Ipv4Fields } from './ipv4.js';
import {
  buildIpv6,
  ipv6FinalDestination,
  ipv6HeaderLength,
  isIpv6Fragment,
  parseIpv6Header,
  IPV6_HEADER_LEN,
  type Ipv6,
  type Ipv6Fields,
} from './ipv6.js';
import { buildLldp, parseLldp, type Lldp, type LldpFields } from './lldp.js';
import { buildTcp, parseTcp, TCP_HEADER_LEN, type Tcp, type TcpFields } from './tcp.js';
import { buildUdp, parseUdp, UDP_HEADER_LEN, type Udp, type UdpFields } from './udp.js';
import type { PseudoHeader } from './checksum.js';
import { EMPTY, u16, view } from './bytes.js';

/**
 * A parsed frame, one property per layer found (every property is present, `undefined` when the
 * layer is absent, so all results share one object shape). Byte fields are views of the input
 * (no copy: they change if the input does); empty ones may be one shared empty Buffer.
 */
export interface ParsedPacket {
  /** Absent only when the frame is shorter than an Ethernet header. */
  readonly eth?: Ethernet;
  readonly arp?: Arp;
  readonly ipv4?: Ipv4;
  readonly ipv6?: Ipv6;
  readonly icmp?: Icmp;
  readonly icmpv6?: Icmpv6;
  readonly tcp?: Tcp;
  readonly udp?: Udp;
  readonly lldp?: Lldp;
  /**
   * Bytes above the last parsed layer: the TCP/UDP payload, an IP payload of another protocol or
   * of a fragment, or what follows an Ethernet header of an unknown EtherType. Absent after ARP,
   * ICMP, ICMPv6 and LLDP, which hold their own bytes.
   */
  readonly payload?: Buffer;
  /** Bytes after the end an ARP, IPv4, IPv6 or LLDP packet declares: Ethernet minimum-size padding. */
  readonly padding?: Buffer;
  /** The first problem met: `<layer>: <what> at offset <n>`. Layers before it (and headers read despite it) are set. */
  readonly error?: string;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function fail(out: Mutable<ParsedPacket>, message: string): void {
  if (out.error === undefined) out.error = message;
}

function parseUpper(b: Buffer, off: number, end: number, protocol: number, v6: boolean, out: Mutable<ParsedPacket>): void {
  switch (protocol) {
    case IP_PROTO.TCP: {
      const t = parseTcp(b, off, end);
      if (typeof t === 'string') return fail(out, t);
      out.tcp = t;
      out.payload = view(b, off + TCP_HEADER_LEN + t.options.length, end);
      return;
    }
    case IP_PROTO.UDP: {
      const u = parseUdp(b, off, end);
      if (typeof u === 'string') return fail(out, u);
      out.udp = u;
      let uend = off + u.length;
      if (uend > end) {
        fail(out, `udp: truncated payload, length ${u.length} exceeds ${end - off} bytes at offset ${off}`);
        uend = end;
      } else if (uend < end) {
        fail(out, `udp: length ${u.length} is shorter than the IP payload of ${end - off} bytes at offset ${off}`);
      }
      out.payload = view(b, off + UDP_HEADER_LEN, uend);
      return;
    }
    case IP_PROTO.ICMP:
      if (!v6) {
        const m = parseIcmp(b, off, end);
        if (typeof m === 'string') return fail(out, m);
        out.icmp = m;
        return;
      }
      break;
    case IP_PROTO.ICMPV6:
      if (v6) {
        const m = parseIcmpv6(b, off, end);
        if (typeof m === 'string') return fail(out, m);
        out.icmpv6 = m;
        return;
      }
      break;
    default:
      break;
  }
  out.payload = view(b, off, end);
}

function parseIpv4Layer(b: Buffer, off: number, out: Mutable<ParsedPacket>): void {
  const ip = parseIpv4Header(b, off, b.length);
  if (typeof ip === 'string') return fail(out, ip);
  out.ipv4 = ip;
  let end = off + ip.totalLength;
  if (end > b.length) {
    fail(out, `ipv4: truncated payload, total length ${ip.totalLength} exceeds ${b.length - off} bytes at offset ${off}`);
    end = b.length;
  } else if (end < b.length) {
    out.padding = view(b, end, b.length);
  }
  const upper = off + IPV4_HEADER_LEN + ip.options.length;
  if (isIpv4Fragment(ip)) out.payload = view(b, upper, end);
  else parseUpper(b, upper, end, ip.protocol, false, out);
}

function parseIpv6Layer(b: Buffer, off: number, out: Mutable<ParsedPacket>): void {
  const r = parseIpv6Header(b, off, b.length);
  if (typeof r === 'string') return fail(out, r);
  const ip = r.ip;
  out.ipv6 = ip;
  let end = off + IPV6_HEADER_LEN + ip.payloadLength;
  if (end > b.length) {
    fail(out, `ipv6: truncated payload, payload length ${ip.payloadLength} exceeds ${b.length - off - IPV6_HEADER_LEN} bytes at offset ${off}`);
    end = b.length;
  } else if (end < b.length) {
    out.padding = view(b, end, b.length);
  }
  if (r.error !== undefined) return fail(out, r.error);
  const upper = off + ipv6HeaderLength(ip);
  if (isIpv6Fragment(ip)) out.payload = view(b, upper, end);
  else parseUpper(b, upper, end, ip.protocol, true, out);
}

/**
 * Parses an Ethernet frame (VLAN/QinQ tags, then ARP, IPv4, IPv6 or LLDP, then TCP, UDP, ICMP or
 * ICMPv6). Never throws: on a truncated or malformed layer it returns the layers read so far with
 * `error` set. IP fragments other than whole packets keep their IP payload raw.
 */
export function parsePacket(input: Uint8Array): ParsedPacket {
  const b = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  // All properties up front: one hidden class for every result.
  const out: Mutable<ParsedPacket> = {
    eth: undefined,
    arp: undefined,
    ipv4: undefined,
    ipv6: undefined,
    icmp: undefined,
    icmpv6: undefined,
    tcp: undefined,
    udp: undefined,
    lldp: undefined,
    payload: undefined,
    padding: undefined,
    error: undefined,
  };
  const n = b.length;
  if (n < ETH_HEADER_LEN) {
    out.error = `eth: truncated header at offset 0`;
    return out;
  }
  let ethertype = u16(b, 12);
  let off = ETH_HEADER_LEN;
  const vlans: VlanTag[] = [];
  while (isVlanTpid(ethertype)) {
    if (n - off < 4) {
      out.error = `vlan: truncated tag at offset ${off - 2}`;
      break;
    }
    const tci = u16(b, off);
    vlans.push({ tpid: ethertype, pcp: tci >> 13, dei: (tci >> 12) & 1, vid: tci & 0xfff });
    ethertype = u16(b, off + 2);
    off += 4;
  }
  out.eth = { dst: formatMac(b, 0), src: formatMac(b, 6), ethertype, vlans };
  if (out.error !== undefined) return out;
  switch (ethertype) {
    case ETH_TYPE.ARP: {
      const a = parseArp(b, off, n);
      if (typeof a === 'string') fail(out, a);
      else if (a === undefined) out.payload = view(b, off, b.length);
      else {
        out.arp = a;
        if (n > off + ARP_LEN) out.padding = view(b, off + ARP_LEN, b.length);
      }
      break;
    }
    case ETH_TYPE.IPV4:
      parseIpv4Layer(b, off, out);
      break;
    case ETH_TYPE.IPV6:
      parseIpv6Layer(b, off, out);
      break;
    case ETH_TYPE.LLDP: {
      const r = parseLldp(b, off, n);
      out.lldp = r.lldp;
      if (r.error !== undefined) fail(out, r.error);
      else if (r.next < n) out.padding = view(b, r.next, b.length);
      break;
    }
    default:
      out.payload = view(b, off, b.length);
      break;
  }
  return out;
}

/**
 * Input of {@link buildPacket}; a {@link ParsedPacket} is one. EtherType and IP protocol are
 * inferred from the layers present when there is one to infer from; lengths and checksums are
 * always computed.
 */
export interface PacketFields {
  /** Required: a parsed packet without it (shorter than 14 bytes) cannot be rebuilt. */
  readonly eth?: Omit<EthernetFields, 'ethertype'> & { readonly ethertype?: number };
  readonly arp?: ArpFields;
  readonly ipv4?: Omit<Ipv4Fields, 'protocol'> & { readonly protocol?: number };
  readonly ipv6?: Omit<Ipv6Fields, 'protocol'> & { readonly protocol?: number };
  readonly icmp?: Icmp;
  readonly icmpv6?: Icmpv6;
  readonly tcp?: TcpFields;
  /** `checksum: 0` over IPv4 builds a datagram without a checksum, as a parsed one had; other values are ignored. */
  readonly udp?: UdpFields & { readonly checksum?: number };
  readonly lldp?: LldpFields;
  readonly payload?: Uint8Array;
  /** Appended after the outermost layer above Ethernet. */
  readonly padding?: Uint8Array;
}

function count(...xs: unknown[]): number {
  let c = 0;
  for (const x of xs) if (x !== undefined) c++;
  return c;
}

/**
 * Wire bytes of a frame. `buildPacket(parsePacket(x))` equals `x` for any well-formed frame
 * (correct lengths and checksums). Throws RangeError naming the field on inconsistent input.
 */
export function buildPacket(p: PacketFields): Buffer {
  if (!p.eth) throw new RangeError('eth: missing');
  if (count(p.arp, p.ipv4, p.ipv6, p.lldp) > 1) throw new RangeError('packet: more than one of arp, ipv4, ipv6, lldp');
  if (count(p.tcp, p.udp, p.icmp, p.icmpv6) > 1) throw new RangeError('packet: more than one of tcp, udp, icmp, icmpv6');
  const ip = p.ipv4 ?? p.ipv6;
  if (!ip && count(p.tcp, p.udp, p.icmp, p.icmpv6) > 0) throw new RangeError('packet: tcp, udp, icmp and icmpv6 need ipv4 or ipv6');
  if (p.payload && count(p.arp, p.lldp, p.icmp, p.icmpv6) > 0) throw new RangeError('payload: arp, lldp, icmp and icmpv6 carry no separate payload');
  const payload = p.payload ?? EMPTY;

  let l3: Buffer | Uint8Array;
  let ethertype = p.eth.ethertype;
  if (ip) {
    const ph: PseudoHeader = { src: ip.src, dst: p.ipv6 ? ipv6FinalDestination(p.ipv6) : ip.dst };
    let l4: Uint8Array;
    let protocol = ip.protocol;
    if (p.tcp) {
      l4 = buildTcp(p.tcp, payload, ph);
      protocol = IP_PROTO.TCP;
    } else if (p.udp) {
      l4 = buildUdp(p.udp, payload, ph, { noChecksum: p.ipv4 !== undefined && p.udp.checksum === 0 });
      protocol = IP_PROTO.UDP;
    } else if (p.icmp) {
      l4 = buildIcmp(p.icmp);
      protocol = IP_PROTO.ICMP;
    } else if (p.icmpv6) {
      l4 = buildIcmpv6(p.icmpv6, ph);
      protocol = IP_PROTO.ICMPV6;
    } else {
      l4 = payload;
    }
    if (protocol === undefined) throw new RangeError(`${p.ipv4 ? 'ipv4' : 'ipv6'}.protocol: missing`);
    if (p.ipv4) {
      l3 = buildIpv4({ ...p.ipv4, protocol }, l4);
      ethertype = ETH_TYPE.IPV4;
    } else {
      l3 = buildIpv6({ ...p.ipv6!, protocol }, l4);
      ethertype = ETH_TYPE.IPV6;
    }
  } else if (p.arp) {
    l3 = buildArp(p.arp);
    ethertype = ETH_TYPE.ARP;
  } else if (p.lldp) {
    l3 = buildLldp(p.lldp);
    ethertype = ETH_TYPE.LLDP;
  } else {
    l3 = payload;
  }
  if (ethertype === undefined) throw new RangeError('eth.ethertype: missing');
  return buildEthernet({ dst: p.eth.dst, src: p.eth.src, ethertype, vlans: p.eth.vlans }, l3, { trailer: p.padding });
}

/** True for DHCPv4 (BOOTP) traffic: UDP over IPv4 between ports 67 and 68. */
export function isDhcp(p: ParsedPacket): boolean {
  const u = p.udp;
  if (!u || !p.ipv4) return false;
  const s = u.srcPort;
  const d = u.dstPort;
  return (s === UDP_PORT.DHCP_CLIENT || s === UDP_PORT.DHCP_SERVER) && (d === UDP_PORT.DHCP_CLIENT || d === UDP_PORT.DHCP_SERVER);
}

/** The client hardware address (BOOTP `chaddr`, RFC 2131) of a DHCP packet over Ethernet, else undefined. */
export function dhcpClientMac(p: ParsedPacket): string | undefined {
  const b = p.payload;
  // op(1) htype(1) hlen(1) hops(1) xid(4) secs(2) flags(2) ciaddr yiaddr siaddr giaddr(16) chaddr(16)
  if (!isDhcp(p) || !b || b.length < 34 || b[1] !== 1 || b[2] !== 6) return undefined;
  return formatMac(b, 28);
}
