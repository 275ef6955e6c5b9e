/** OpenFlow 1.3 messages: the discriminated union and its codec (placeholder until implemented). */
import type { CommonMessage } from '../common.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';

/** Every OpenFlow 1.3 message. */
export type Of13Message = CommonMessage;

/** Decodes the body of a 1.3 message; `r` is bounded to the message and positioned after the header. */
export function decodeV13(_msgType: number, _xid: number, _r: Reader): Of13Message {
  throw new Error('not implemented');
}

/** Writes a whole 1.3 message, header included, lengths filled in. */
export function encodeV13(_w: Writer, _m: Of13Message): void {
  throw new Error('not implemented');
}
