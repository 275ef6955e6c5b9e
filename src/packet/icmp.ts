/** ICMP for IPv4 (RFC 792): echo request/reply parsed into fields, other messages kept raw. */

import { internetChecksum } from './checksum.js';
import { ICMP_TYPE } from './constants.js';
import { EMPTY, u16, view } from './bytes.js';

/** Echo request (type 8) or reply (type 0). `checksum` is as read; builders compute their own. */
export interface IcmpEcho {
  readonly kind: 'echo';
  readonly type: number;
  readonly code: number;
  readonly checksum?: number;
  readonly id: number;
  readonly seq: number;
  readonly data: Buffer;
}

/** Any other ICMP message: `body` is everything after the 4-byte type/code/checksum header. */
export interface IcmpRaw {
  readonly kind: 'raw';
  readonly type: number;
  readonly code: number;
  readonly checksum?: number;
  readonly body: Buffer;
}

/**
 * An ICMP message. It is tagged by `kind` because `type` is the protocol's own number.
 * Parsed messages always carry `checksum`; `data`/`body` are views of the input.
 */
export type Icmp = IcmpEcho | IcmpRaw;

/** Parses the ICMP message filling `b[off, end)`; returns an error string when it is truncated. */
export function parseIcmp(b: Buffer, off: number, end: number): Icmp | string {
  if (end - off < 4) return `icmp: truncated header at offset ${off}`;
  const type = b[off]!;
  const code = b[off + 1]!;
  const checksum = u16(b, off + 2);
  if (type === ICMP_TYPE.ECHO_REQUEST || type === ICMP_TYPE.ECHO_REPLY) {
    if (end - off < 8) return `icmp: truncated echo at offset ${off + 4}`;
    return { kind: 'echo', type, code, checksum, id: u16(b, off + 4), seq: u16(b, off + 6), data: view(b, off + 8, end) };
  }
  return { kind: 'raw', type, code, checksum, body: view(b, off + 4, end) };
}

function check(value: number, max: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new RangeError(`icmp.${field}: ${value} is not in 0..${max}`);
  return value;
}

/** The bytes of an ICMP message with its checksum computed over the whole message. */
export function buildIcmp(m: Icmp): Buffer {
  let out: Buffer;
  if (m.kind === 'echo') {
    out = Buffer.alloc(8 + m.data.length);
    out.writeUInt16BE(check(m.id, 0xffff, 'id'), 4);
    out.writeUInt16BE(check(m.seq, 0xffff, 'seq'), 6);
    out.set(m.data, 8);
  } else {
    out = Buffer.alloc(4 + m.body.length);
    out.set(m.body, 4);
  }
  out[0] = check(m.type, 255, 'type');
  out[1] = check(m.code, 255, 'code');
  out.writeUInt16BE(internetChecksum(out), 2);
  return out;
}

/** Input of {@link buildIcmpEcho}: `type` defaults to echo request (8). */
export interface IcmpEchoFields {
  readonly type?: number;
  readonly id: number;
  readonly seq: number;
  readonly data?: Buffer;
}

/** The bytes of an ICMP echo request or reply. */
export function buildIcmpEcho(e: IcmpEchoFields): Buffer {
  return buildIcmp({ kind: 'echo', type: e.type ?? ICMP_TYPE.ECHO_REQUEST, code: 0, id: e.id, seq: e.seq, data: e.data ?? EMPTY });
}
