/** IPv6 headers (RFC 8200) with their extension-header chain: parse, build, and the pseudo-header destination. */

import { formatIpv6, parseIpv6 } from '../core/addr.js';
import { IP_PROTO } from './constants.js';
import { u16, u32, view } from './bytes.js';

/** Length of the fixed IPv6 header. */
export const IPV6_HEADER_LEN = 40;

/**
 * One extension header. `type` is its own protocol number (0 hop-by-hop, 43 routing, 44 fragment,
 * 51 AH, 60 destination options); `data` is everything after its next-header and length bytes
 * (for the fragment header, after next-header and the reserved byte). Builders fill the chain.
 */
export interface Ipv6ExtHeader {
  readonly type: number;
  readonly data: Buffer;
}

/** Fragment header fields (RFC 8200 section 4.5), read for convenience. */
export interface Ipv6Fragment {
  /** Offset in 8-byte units. */
  readonly offset: number;
  readonly more: boolean;
  readonly identification: number;
}

/** A parsed IPv6 header with its extension headers. */
export interface Ipv6 {
  readonly trafficClass: number;
  readonly flowLabel: number;
  /** As read; builders compute their own. */
  readonly payloadLength: number;
  /** Next header of the fixed header (the first extension header's type when there is one). */
  readonly nextHeader: number;
  readonly hopLimit: number;
  readonly src: string;
  readonly dst: string;
  /** Extension headers in order, `data` as views of the input. */
  readonly extHeaders: readonly Ipv6ExtHeader[];
  /** The upper-layer protocol after all extension headers (59 for none, 50 for ESP, which is not skipped). */
  readonly protocol: number;
  /** Present when a fragment header was found; read from `extHeaders`, ignored by builders. */
  readonly fragment: Ipv6Fragment | undefined;
}

/** Input of {@link buildIpv6}; a parsed {@link Ipv6} is one. */
export interface Ipv6Fields {
  readonly trafficClass?: number;
  readonly flowLabel?: number;
  /** Default 64. */
  readonly hopLimit?: number;
  readonly src: string;
  readonly dst: string;
  readonly extHeaders?: readonly Ipv6ExtHeader[];
  /** Upper-layer protocol; the chain of next-header fields is derived from `extHeaders`. */
  readonly protocol: number;
}

/** True for the extension headers parsePacket skips to reach the upper layer. */
export function isIpv6ExtHeader(nh: number): boolean {
  return nh === IP_PROTO.HOPOPTS || nh === IP_PROTO.ROUTING || nh === IP_PROTO.FRAGMENT || nh === IP_PROTO.DSTOPTS || nh === IP_PROTO.AH;
}

/** Offset of the upper layer from the start of the IPv6 header. */
export function ipv6HeaderLength(ip: Pick<Ipv6Fields, 'extHeaders'>): number {
  let n = IPV6_HEADER_LEN;
  const ext = ip.extHeaders;
  if (ext) for (let i = 0; i < ext.length; i++) n += 2 + ext[i]!.data.length;
  return n;
}

/** What {@link parseIpv6Header} returns when the fixed header was read. */
export interface Ipv6ParseResult {
  /** With the extension headers read before any error; `protocol` is then the header that failed. */
  readonly ip: Ipv6;
  /** Set when an extension header is truncated or overruns the payload. */
  readonly error: string | undefined;
}

/**
 * Parses the IPv6 header and its extension headers at `b[off, end)`, or returns an error string
 * when the fixed header is truncated or not version 6. Extension headers are read up to the
 * smaller of `end` and the declared payload end; a declared payload beyond `end` is left for the
 * caller to judge. The upper layer starts at `off + ipv6HeaderLength(ip)`.
 */
export function parseIpv6Header(b: Buffer, off: number, end: number): Ipv6ParseResult | string {
  if (end - off < IPV6_HEADER_LEN) return `ipv6: truncated header at offset ${off}`;
  const w = u32(b, off);
  if (w >>> 28 !== 6) return `ipv6: version ${w >>> 28} at offset ${off}`;
  const payloadLength = u16(b, off + 4);
  const pend = Math.min(off + IPV6_HEADER_LEN + payloadLength, end);
  const nextHeader = b[off + 6]!;
  const extHeaders: Ipv6ExtHeader[] = [];
  let fragment: Ipv6Fragment | undefined;
  let error: string | undefined;
  let nh = nextHeader;
  let p = off + IPV6_HEADER_LEN;
  while (isIpv6ExtHeader(nh)) {
    if (pend - p < 8) {
      error = `ipv6: truncated extension header ${nh} at offset ${p}`;
      break;
    }
    const len = nh === IP_PROTO.FRAGMENT ? 8 : nh === IP_PROTO.AH ? (b[p + 1]! + 2) * 4 : (b[p + 1]! + 1) * 8;
    if (pend - p < len) {
      error = `ipv6: extension header ${nh} of ${len} bytes overruns the payload at offset ${p}`;
      break;
    }
    if (nh === IP_PROTO.FRAGMENT) {
      const fo = u16(b, p + 2);
      fragment = { offset: fo >> 3, more: (fo & 1) === 1, identification: u32(b, p + 4) };
    }
    extHeaders.push({ type: nh, data: view(b, p + 2, p + len) });
    nh = b[p]!;
    p += len;
  }
  const ip: Ipv6 = {
    trafficClass: (w >>> 20) & 0xff,
    flowLabel: w & 0xfffff,
    payloadLength,
    nextHeader,
    hopLimit: b[off + 7]!,
    src: formatIpv6(b, off + 8),
    dst: formatIpv6(b, off + 24),
    extHeaders,
    protocol: nh,
    fragment,
  };
  return { ip, error };
}

/** True when the packet is a fragment: its upper layer is not parsed. */
export function isIpv6Fragment(ip: Pick<Ipv6, 'fragment'>): boolean {
  return ip.fragment !== undefined && (ip.fragment.more || ip.fragment.offset !== 0);
}

/**
 * The destination an upper-layer checksum uses (RFC 8200 section 8.1): the final one named by a
 * routing header with segments left (type 0 and 2: the last address; type 4, SRv6: segment 0),
 * else `dst`.
 */
export function ipv6FinalDestination(ip: Pick<Ipv6Fields, 'dst' | 'extHeaders'>): string {
  const ext = ip.extHeaders;
  if (!ext) return ip.dst;
  for (let i = 0; i < ext.length; i++) {
    const h = ext[i]!;
    if (h.type !== IP_PROTO.ROUTING || h.data.length < 22 || h.data[1] === 0) continue;
    const routingType = h.data[0];
    // Data starts at header byte 2; addresses start at header byte 8 (after 4 reserved/flag bytes).
    if (routingType === 0 || routingType === 2) return formatIpv6(h.data, h.data.length - 16);
    if (routingType === 4) return formatIpv6(h.data, 6);
  }
  return ip.dst;
}

function check(value: number, max: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new RangeError(`ipv6.${field}: ${value} is not in 0..${max}`);
  return value;
}

/** IPv6 header, extension headers (chain and lengths filled) and `payload`, with payload length computed. */
export function buildIpv6(ip: Ipv6Fields, payload: Uint8Array): Buffer {
  const ext = ip.extHeaders ?? [];
  const hlen = ipv6HeaderLength(ip);
  const payloadLength = hlen - IPV6_HEADER_LEN + payload.length;
  if (payloadLength > 0xffff) throw new RangeError(`ipv6: payload length ${payloadLength} exceeds 65535`);
  const out = Buffer.alloc(hlen + payload.length);
  const w = (6 << 28) | (check(ip.trafficClass ?? 0, 255, 'trafficClass') << 20) | check(ip.flowLabel ?? 0, 0xfffff, 'flowLabel');
  out.writeUInt32BE(w >>> 0, 0);
  out.writeUInt16BE(payloadLength, 4);
  out[6] = ext.length > 0 ? check(ext[0]!.type, 255, 'extHeaders[0].type') : check(ip.protocol, 255, 'protocol');
  out[7] = check(ip.hopLimit ?? 64, 255, 'hopLimit');
  parseIpv6(ip.src, out, 8);
  parseIpv6(ip.dst, out, 24);
  let p = IPV6_HEADER_LEN;
  for (let i = 0; i < ext.length; i++) {
    const h = ext[i]!;
    const len = 2 + h.data.length;
    const next = i + 1 < ext.length ? ext[i + 1]!.type : ip.protocol;
    out[p] = check(next, 255, i + 1 < ext.length ? `extHeaders[${i + 1}].type` : 'protocol');
    if (h.type === IP_PROTO.FRAGMENT) {
      if (len !== 8) throw new RangeError(`ipv6.extHeaders[${i}].data: a fragment header carries 6 bytes, not ${h.data.length}`);
      out[p + 1] = 0;
    } else if (h.type === IP_PROTO.AH) {
      if (len % 4 !== 0 || len < 8 || len > 1028) throw new RangeError(`ipv6.extHeaders[${i}].data: AH length ${len} is not a multiple of 4 in 8..1028`);
      out[p + 1] = len / 4 - 2;
    } else {
      if (len % 8 !== 0 || len > 2048) throw new RangeError(`ipv6.extHeaders[${i}].data: length ${len} is not a multiple of 8 in 8..2048`);
      out[p + 1] = len / 8 - 1;
    }
    out.set(h.data, p + 2);
    p += len;
  }
  out.set(payload, hlen);
  return out;
}
