/** MAC addresses as 48-bit numbers, for hot paths that key maps by MAC without building strings. */

import { formatMac, hexVal } from '../core/addr.js';

const TWO_32 = 0x1_0000_0000;

/**
 * The 48-bit value of a MAC (exact in a float64), from 6 bytes at `off` or from
 * `aa:bb:cc:dd:ee:ff` text (`-` separators accepted). Throws RangeError on malformed text.
 */
export function macToNumber(mac: Uint8Array | string, off = 0): number {
  if (typeof mac !== 'string') {
    const hi = (mac[off]! << 8) | mac[off + 1]!;
    const lo = ((mac[off + 2]! << 24) | (mac[off + 3]! << 16) | (mac[off + 4]! << 8) | mac[off + 5]!) >>> 0;
    return hi * TWO_32 + lo;
  }
  if (mac.length !== 17) throw new RangeError(`not a MAC address: ${JSON.stringify(mac)}`);
  let v = 0;
  for (let i = 0; i < 17; i += 3) {
    const h = hexVal(mac.charCodeAt(i));
    const l = hexVal(mac.charCodeAt(i + 1));
    const sep = i + 2 < 17 ? mac.charCodeAt(i + 2) : 58;
    if (h < 0 || l < 0 || (sep !== 58 && sep !== 45)) throw new RangeError(`not a MAC address: ${JSON.stringify(mac)}`);
    v = v * 256 + h * 16 + l;
  }
  return v;
}

// A Buffer, as the codec's frames are: formatMac then sees one kind of byte array.
const macScratch = Buffer.alloc(6);

/** Writes the 48-bit MAC `n` as 6 bytes into `out` at `off` and returns `out`. */
export function writeMacNumber(n: number, out: Uint8Array, off = 0): Uint8Array {
  const hi = Math.floor(n / TWO_32);
  const lo = n % TWO_32;
  out[off] = (hi >>> 8) & 0xff;
  out[off + 1] = hi & 0xff;
  out[off + 2] = lo >>> 24;
  out[off + 3] = (lo >>> 16) & 0xff;
  out[off + 4] = (lo >>> 8) & 0xff;
  out[off + 5] = lo & 0xff;
  return out;
}

/** `aa:bb:cc:dd:ee:ff` text of a 48-bit MAC value; throws RangeError outside 0..2^48-1. */
export function numberToMac(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff_ffff) throw new RangeError(`not a 48-bit MAC value: ${n}`);
  return formatMac(writeMacNumber(n, macScratch));
}

/** True for group (multicast or broadcast) addresses: the I/G bit, lowest bit of the first byte. */
export function isMulticastMacNumber(n: number): boolean {
  return (Math.floor(n / 0x100_0000_0000) & 1) === 1;
}
