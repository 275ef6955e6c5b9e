/** TCP headers (RFC 9293): parse, and build with the checksum over the IPv4/IPv6 pseudo-header. */

import { finishChecksum, pseudoHeaderSum, sumWords, type PseudoHeader } from './checksum.js';
import { IP_PROTO } from './constants.js';
import { u16, u32, view } from './bytes.js';

/** Length of a TCP header without options. */
export const TCP_HEADER_LEN = 20;

/** A parsed TCP header. `checksum` is as read; builders compute their own. */
export interface Tcp {
  readonly srcPort: number;
  readonly dstPort: number;
  /** Sequence number, unsigned 32-bit. */
  readonly seq: number;
  /** Acknowledgment number, unsigned 32-bit. */
  readonly ack: number;
  /** The 9 flag bits, `TCP_FLAG.*`. */
  readonly flags: number;
  readonly window: number;
  readonly checksum: number;
  readonly urgentPointer: number;
  /** Option bytes (view of the input), empty when the data offset is 5. */
  readonly options: Buffer;
}

/** Input of {@link buildTcp}; a parsed {@link Tcp} is one. */
export interface TcpFields {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly seq?: number;
  readonly ack?: number;
  readonly flags?: number;
  /** Default 65535. */
  readonly window?: number;
  readonly urgentPointer?: number;
  /** At most 40 bytes; zero-padded (End of Option List) to a multiple of 4. */
  readonly options?: Uint8Array;
}

/** Parses the TCP header at `b[off, end)`; returns an error string when it is truncated. Payload: `b[off + 20 + options.length, end)`. */
export function parseTcp(b: Buffer, off: number, end: number): Tcp | string {
  if (end - off < TCP_HEADER_LEN) return `tcp: truncated header at offset ${off}`;
  const w = u16(b, off + 12);
  const hlen = (w >> 12) * 4;
  if (hlen < TCP_HEADER_LEN) return `tcp: data offset ${hlen} below 20 at offset ${off}`;
  if (end - off < hlen) return `tcp: truncated options at offset ${off + TCP_HEADER_LEN}`;
  return {
    srcPort: u16(b, off),
    dstPort: u16(b, off + 2),
    seq: u32(b, off + 4),
    ack: u32(b, off + 8),
    flags: w & 0x1ff,
    window: u16(b, off + 14),
    checksum: u16(b, off + 16),
    urgentPointer: u16(b, off + 18),
    options: view(b, off + TCP_HEADER_LEN, off + hlen),
  };
}

function check(value: number, max: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new RangeError(`tcp.${field}: ${value} is not in 0..${max}`);
  return value;
}

/** TCP header plus `payload`, with data offset and checksum (pseudo-header of `ph`) computed. */
export function buildTcp(t: TcpFields, payload: Uint8Array, ph: PseudoHeader): Buffer {
  const opts = t.options;
  const optLen = opts ? (opts.length + 3) & ~3 : 0;
  if (optLen > 40) throw new RangeError(`tcp.options: ${opts?.length} bytes exceed 40`);
  const hlen = TCP_HEADER_LEN + optLen;
  const out = Buffer.alloc(hlen + payload.length);
  out.writeUInt16BE(check(t.srcPort, 0xffff, 'srcPort'), 0);
  out.writeUInt16BE(check(t.dstPort, 0xffff, 'dstPort'), 2);
  out.writeUInt32BE(check(t.seq ?? 0, 0xffffffff, 'seq'), 4);
  out.writeUInt32BE(check(t.ack ?? 0, 0xffffffff, 'ack'), 8);
  out.writeUInt16BE(((hlen / 4) << 12) | check(t.flags ?? 0, 0x1ff, 'flags'), 12);
  out.writeUInt16BE(check(t.window ?? 0xffff, 0xffff, 'window'), 14);
  out.writeUInt16BE(check(t.urgentPointer ?? 0, 0xffff, 'urgentPointer'), 18);
  if (opts) out.set(opts, TCP_HEADER_LEN);
  out.set(payload, hlen);
  out.writeUInt16BE(finishChecksum(sumWords(out, 0, out.length, pseudoHeaderSum(ph, IP_PROTO.TCP, out.length))), 16);
  return out;
}
