/** The codec's front door: one whole framed message in, a typed message out (any version), and back. */
import { decodeCommon, encodeCommon, type Hello } from './common.js';
import { OFP_HEADER_LEN, OFP_VERSION_1_0, OFP_VERSION_1_3, OFPBRC, OFPET, OFPT13 } from './constants.js';
import { OfDecodeError, OfEncodeError } from './errors.js';
import { Reader } from './reader.js';
import { decodeV10, encodeV10, type Of10Message } from './v10/messages.js';
import { decodeV13, encodeV13, type Of13Message } from './v13/messages.js';
import { Writer } from './writer.js';

/**
 * Any message Signalbox can decode. `version` tells 1.3 (4) from 1.0 (1); a HELLO from another
 * version decodes as a plain Hello so that negotiation can answer it.
 */
export type OfMessage = Of13Message | Of10Message | Hello;

/**
 * Decodes one whole message: `buf` holds exactly the bytes the header's length declares
 * (the framer guarantees it). Throws only OfDecodeError. Byte fields are views of `buf`.
 */
export function decodeMessage(buf: Buffer): OfMessage {
  if (buf.length < OFP_HEADER_LEN) {
    throw new OfDecodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, `message of ${buf.length} bytes is shorter than a header`, 0);
  }
  const version = buf[0]!;
  const msgType = buf[1]!;
  const length = buf.readUInt16BE(2);
  if (length !== buf.length) {
    throw new OfDecodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, `header length ${length} but ${buf.length} bytes given`, 2);
  }
  const xid = buf.readUInt32BE(4);
  const r = new Reader(buf, OFP_HEADER_LEN, length);
  if (version === OFP_VERSION_1_3) return decodeV13(msgType, xid, r);
  if (version === OFP_VERSION_1_0) return decodeV10(msgType, xid, r);
  if (msgType === OFPT13.HELLO) {
    const hello = decodeCommon(version, msgType, xid, r);
    if (hello?.type === 'hello') return hello;
  }
  throw new OfDecodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_VERSION, `unsupported OpenFlow version ${version}`, 0);
}

/** Appends one message to `w` (header included, lengths filled in). Throws OfEncodeError on a bad field. */
export function encodeMessageInto(w: Writer, m: OfMessage): void {
  if (m.version === OFP_VERSION_1_3) return encodeV13(w, m as Of13Message);
  if (m.version === OFP_VERSION_1_0) return encodeV10(w, m as Of10Message);
  if (m.type === 'hello') return encodeCommon(w, m);
  throw new OfEncodeError(`unsupported OpenFlow version ${m.version}`, 'version');
}

const scratch = new Writer(1 << 16);

/** Encodes one message into a new Buffer of exactly its length. */
export function encodeMessage(m: OfMessage): Buffer {
  const start = scratch.pos;
  try {
    encodeMessageInto(scratch, m);
    return scratch.take();
  } catch (e) {
    scratch.pos = start;
    throw e;
  }
}

export { OfDecodeError, OfEncodeError, Reader, Writer };
