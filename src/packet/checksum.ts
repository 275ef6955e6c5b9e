/** Internet checksum (RFC 1071) and the IPv4/IPv6 pseudo-header sums used by TCP, UDP and ICMPv6. */

import { parseIpv4, parseIpv6 } from '../core/addr.js';

/**
 * Adds the big-endian 16-bit words of `b[start, end)` to `sum`, without folding.
 * An odd last byte is padded with zero on the right (RFC 1071 section 4.1).
 * Safe for any realistic length: a float64 holds 2^53 / 0xffff words before losing precision.
 */
export function sumWords(b: Uint8Array, start: number, end: number, sum = 0): number {
  let i = start;
  for (; i + 1 < end; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  if (i < end) sum += b[i]! << 8;
  return sum;
}

/** Folds a sum of 16-bit words into 16 bits with end-around carry and returns its one's complement. */
export function finishChecksum(sum: number): number {
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/** The Internet checksum of `b[start, end)` plus an optional pre-summed pseudo-header. */
export function internetChecksum(b: Uint8Array, start = 0, end = b.length, initial = 0): number {
  return finishChecksum(sumWords(b, start, end, initial));
}

/** Source and destination of the enclosing IP header, as text; `:` in either marks IPv6. */
export interface PseudoHeader {
  readonly src: string;
  readonly dst: string;
}

const scratch16 = new Uint8Array(16);

function sumIpv6(text: string): number {
  parseIpv6(text, scratch16);
  return sumWords(scratch16, 0, 16);
}

/**
 * Unfolded sum of the pseudo-header for an upper-layer checksum: RFC 768/793 for IPv4
 * (src, dst, zero, protocol, length) and RFC 8200 section 8.1 for IPv6 (src, dst, 32-bit length,
 * three zero bytes, next header). The family is IPv6 when either address contains `:`.
 */
export function pseudoHeaderSum(ph: PseudoHeader, protocol: number, upperLength: number): number {
  if (ph.src.includes(':') || ph.dst.includes(':')) {
    return sumIpv6(ph.src) + sumIpv6(ph.dst) + Math.floor(upperLength / 0x10000) + (upperLength & 0xffff) + protocol;
  }
  const s = parseIpv4(ph.src);
  const d = parseIpv4(ph.dst);
  return (s >>> 16) + (s & 0xffff) + (d >>> 16) + (d & 0xffff) + protocol + upperLength;
}
