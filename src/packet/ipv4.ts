/** IPv4 headers with options (RFC 791): parse and build with the header checksum. */

import { formatIpv4, parseIpv4 } from '../core/addr.js';
import { internetChecksum } from './checksum.js';
import { IPV4_FLAG } from './constants.js';
import { u16, u32, view } from './bytes.js';

/** Length of an IPv4 header without options. */
export const IPV4_HEADER_LEN = 20;

/** A parsed IPv4 header. `totalLength` and `checksum` are as read; builders compute their own. */
export interface Ipv4 {
  readonly dscp: number;
  readonly ecn: number;
  readonly totalLength: number;
  readonly identification: number;
  /** The 3-bit flags field: `IPV4_FLAG.DF`, `IPV4_FLAG.MF`. */
  readonly flags: number;
  /** Fragment offset in 8-byte units. */
  readonly fragmentOffset: number;
  readonly ttl: number;
  readonly protocol: number;
  readonly checksum: number;
  readonly src: string;
  readonly dst: string;
  /** Option bytes (view of the input), empty when IHL is 5. */
  readonly options: Buffer;
}

/** Input of {@link buildIpv4}; a parsed {@link Ipv4} is one. */
export interface Ipv4Fields {
  readonly dscp?: number;
  readonly ecn?: number;
  readonly identification?: number;
  readonly flags?: number;
  readonly fragmentOffset?: number;
  /** Default 64. */
  readonly ttl?: number;
  readonly protocol: number;
  readonly src: string;
  readonly dst: string;
  /** At most 40 bytes; zero-padded (End of Option List) to a multiple of 4. */
  readonly options?: Uint8Array;
}

/**
 * Parses the IPv4 header at `b[off, end)`; returns an error string when the header is truncated
 * or inconsistent. A total length beyond `end` is left for the caller to judge (packet-ins are
 * often cut short by the switch, and their headers are still worth reading).
 */
export function parseIpv4Header(b: Buffer, off: number, end: number): Ipv4 | string {
  if (end - off < IPV4_HEADER_LEN) return `ipv4: truncated header at offset ${off}`;
  const vihl = b[off]!;
  if (vihl >> 4 !== 4) return `ipv4: version ${vihl >> 4} at offset ${off}`;
  const hlen = (vihl & 0x0f) * 4;
  if (hlen < IPV4_HEADER_LEN) return `ipv4: header length ${hlen} below 20 at offset ${off}`;
  if (end - off < hlen) return `ipv4: truncated options at offset ${off + IPV4_HEADER_LEN}`;
  const totalLength = u16(b, off + 2);
  if (totalLength < hlen) return `ipv4: total length ${totalLength} below header length ${hlen} at offset ${off}`;
  const tos = b[off + 1]!;
  const frag = u16(b, off + 6);
  return {
    dscp: tos >> 2,
    ecn: tos & 3,
    totalLength,
    identification: u16(b, off + 4),
    flags: frag >> 13,
    fragmentOffset: frag & 0x1fff,
    ttl: b[off + 8]!,
    protocol: b[off + 9]!,
    checksum: u16(b, off + 10),
    src: formatIpv4(u32(b, off + 12)),
    dst: formatIpv4(u32(b, off + 16)),
    options: view(b, off + IPV4_HEADER_LEN, off + hlen),
  };
}

/** True when the packet is a fragment (MF set or a non-zero offset): its upper layer is not parsed. */
export function isIpv4Fragment(ip: Pick<Ipv4, 'flags' | 'fragmentOffset'>): boolean {
  return (ip.flags & IPV4_FLAG.MF) !== 0 || ip.fragmentOffset !== 0;
}

function check(value: number, max: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new RangeError(`ipv4.${field}: ${value} is not in 0..${max}`);
  return value;
}

/** IPv4 header plus `payload`, with IHL, total length and header checksum computed. */
export function buildIpv4(ip: Ipv4Fields, payload: Uint8Array): Buffer {
  const opts = ip.options;
  const optLen = opts ? (opts.length + 3) & ~3 : 0;
  if (optLen > 40) throw new RangeError(`ipv4.options: ${opts?.length} bytes exceed 40`);
  const hlen = IPV4_HEADER_LEN + optLen;
  const total = hlen + payload.length;
  if (total > 0xffff) throw new RangeError(`ipv4: total length ${total} exceeds 65535`);
  const out = Buffer.alloc(total);
  out[0] = 0x40 | (hlen >> 2);
  out[1] = (check(ip.dscp ?? 0, 63, 'dscp') << 2) | check(ip.ecn ?? 0, 3, 'ecn');
  out.writeUInt16BE(total, 2);
  out.writeUInt16BE(check(ip.identification ?? 0, 0xffff, 'identification'), 4);
  out.writeUInt16BE((check(ip.flags ?? 0, 7, 'flags') << 13) | check(ip.fragmentOffset ?? 0, 0x1fff, 'fragmentOffset'), 6);
  out[8] = check(ip.ttl ?? 64, 255, 'ttl');
  out[9] = check(ip.protocol, 255, 'protocol');
  out.writeUInt32BE(parseIpv4(ip.src), 12);
  out.writeUInt32BE(parseIpv4(ip.dst), 16);
  if (opts) out.set(opts, IPV4_HEADER_LEN);
  out.writeUInt16BE(internetChecksum(out, 0, hlen), 10);
  out.set(payload, hlen);
  return out;
}
