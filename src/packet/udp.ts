/** UDP headers (RFC 768): parse, and build with the checksum over the IPv4/IPv6 pseudo-header. */

import { finishChecksum, pseudoHeaderSum, sumWords, type PseudoHeader } from './checksum.js';
import { IP_PROTO } from './constants.js';
import { u16 } from './bytes.js';

/** Length of a UDP header. */
export const UDP_HEADER_LEN = 8;

/** A parsed UDP header. `length` and `checksum` are as read; builders compute their own. */
export interface Udp {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly length: number;
  /** 0 over IPv4 means the sender computed none. */
  readonly checksum: number;
}

/** Input of {@link buildUdp}; a parsed {@link Udp} is one. */
export interface UdpFields {
  readonly srcPort: number;
  readonly dstPort: number;
}

/** Options of {@link buildUdp}. */
export interface UdpBuildOptions {
  /** Send checksum 0 ("none"), allowed over IPv4 only (RFC 768; RFC 8200 section 8.1 forbids it for IPv6). */
  readonly noChecksum?: boolean;
}

/**
 * Parses the UDP header at `b[off, end)`; returns an error string when the header is truncated or
 * its length is below 8. A length that disagrees with the IP payload is left for the caller to judge.
 */
export function parseUdp(b: Buffer, off: number, end: number): Udp | string {
  if (end - off < UDP_HEADER_LEN) return `udp: truncated header at offset ${off}`;
  const length = u16(b, off + 4);
  if (length < UDP_HEADER_LEN) return `udp: length ${length} below 8 at offset ${off}`;
  return { srcPort: u16(b, off), dstPort: u16(b, off + 2), length, checksum: u16(b, off + 6) };
}

function check(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new RangeError(`udp.${field}: ${value} is not in 0..65535`);
  return value;
}

/** UDP header plus `payload`, with length and checksum (pseudo-header of `ph`) computed. */
export function buildUdp(u: UdpFields, payload: Uint8Array, ph: PseudoHeader, opts?: UdpBuildOptions): Buffer {
  const length = UDP_HEADER_LEN + payload.length;
  if (length > 0xffff) throw new RangeError(`udp: length ${length} exceeds 65535`);
  const out = Buffer.alloc(length);
  out.writeUInt16BE(check(u.srcPort, 'srcPort'), 0);
  out.writeUInt16BE(check(u.dstPort, 'dstPort'), 2);
  out.writeUInt16BE(length, 4);
  out.set(payload, UDP_HEADER_LEN);
  if (opts?.noChecksum) {
    if (ph.src.includes(':') || ph.dst.includes(':')) throw new RangeError('udp: a zero checksum is not allowed over IPv6');
    return out;
  }
  const sum = finishChecksum(sumWords(out, 0, length, pseudoHeaderSum(ph, IP_PROTO.UDP, length)));
  // RFC 768: a computed zero is sent as all ones, since zero means "no checksum".
  out.writeUInt16BE(sum === 0 ? 0xffff : sum, 6);
  return out;
}
