/** OpenFlow 1.0 messages: the discriminated union and its codec (placeholder until implemented). */
import type { CommonMessage } from '../common.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';

/** Every OpenFlow 1.0 message. */
export type Of10Message = CommonMessage;

/** Decodes the body of a 1.0 message; `r` is bounded to the message and positioned after the header. */
export function decodeV10(_msgType: number, _xid: number, _r: Reader): Of10Message {
  throw new Error('not implemented');
}

/** Writes a whole 1.0 message, header included, lengths filled in. */
export function encodeV10(_w: Writer, _m: Of10Message): void {
  throw new Error('not implemented');
}
