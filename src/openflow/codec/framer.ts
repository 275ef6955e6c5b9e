/** Cuts a TCP byte stream into whole OpenFlow messages (ofp_header.length), copying only messages split across chunks. */
import { OFP_HEADER_LEN, OFP_MAX_MESSAGE_LEN, OFPBRC, OFPET } from './constants.js';
import { OfDecodeError } from './errors.js';

/** Receives one whole message: exactly `ofp_header.length` bytes, header included. */
export type OnMessage = (msg: Buffer) => void;

/** Options of a Framer. */
export interface FramerOptions {
  /**
   * Largest declared message length accepted, in bytes (default 65535, the most an
   * ofp_header can declare). A longer declared length is a framing error.
   */
  readonly maxMessageLen?: number;
}

/**
 * The stream is broken: a header declared a length below 8 or above the configured maximum
 * (OFPET_BAD_REQUEST / OFPBRC_BAD_LEN), or the stream ended inside a message. Nothing after this
 * point can be framed, so the session answers with an OFPT_ERROR and closes.
 * `offset` is the byte offset of the offending header from the start of the stream.
 */
export class FramingError extends OfDecodeError {
  constructor(
    message: string,
    offset: number,
    /** A copy of the offending header as far as it was received (up to 8 bytes), for OFPT_ERROR data. */
    readonly header: Buffer,
  ) {
    super(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, message, offset);
  }
}

/**
 * Framer for one connection. Feed it every socket chunk with `push(chunk, onMessage)`; it calls
 * `onMessage` once per whole message, in stream order, synchronously.
 *
 * Memory: a message that lies inside one chunk is handed out as a `subarray` view of that chunk
 * (no copy), so it shares the chunk's memory; only a message split across chunks is copied into
 * a buffer of its own. The framer never writes into memory it has handed out, and never keeps
 * a reference to a chunk after `push` returns. A consumer that keeps a message (or a view of
 * it, like `packet_in.data`) beyond the callback keeps the whole chunk alive: copy if that
 * matters.
 *
 * After a FramingError every later `push` throws the same error: the stream cannot be resynced.
 * `onMessage` must not throw: if it does, the exception propagates out of `push` and the rest of
 * that chunk is lost (treat the framer as broken and close the session).
 */
export class Framer {
  private readonly maxLen: number;
  /** Bytes of the stream before the chunk being pushed (for error offsets). */
  private streamPos = 0;
  /** A message being assembled across chunks (its full length is known), or null. */
  private partial: Buffer | null = null;
  /** Bytes of `partial` filled so far. */
  private partialFill = 0;
  /** First bytes of a header split before its length field (never handed out, so reused). */
  private readonly head = Buffer.alloc(4);
  /** Bytes in `head` (0 when no header is pending). */
  private headFill = 0;
  private failure: FramingError | null = null;

  constructor(opts: FramerOptions = {}) {
    const max = opts.maxMessageLen ?? OFP_MAX_MESSAGE_LEN;
    if (!Number.isInteger(max) || max < OFP_HEADER_LEN) throw new RangeError(`maxMessageLen ${max} is below ${OFP_HEADER_LEN}`);
    this.maxLen = max;
  }

  /** Bytes received but not yet handed out (the start of an incomplete message). */
  get pendingBytes(): number {
    return this.partial !== null ? this.partialFill : this.headFill;
  }

  /** Total bytes pushed so far. */
  get bytesPushed(): number {
    return this.streamPos;
  }

  /** Frames one chunk: calls `onMessage` for every message it completes. Throws FramingError. */
  push(chunk: Buffer, onMessage: OnMessage): void {
    if (this.failure !== null) throw this.failure;
    const n = chunk.length;
    let pos = 0;
    if (this.partial !== null || this.headFill !== 0) {
      pos = this.continuePartial(chunk, onMessage);
    }
    // Fast path: whole messages inside this chunk go out as views.
    while (n - pos >= 4) {
      const len = (chunk[pos + 2]! << 8) | chunk[pos + 3]!;
      if (len < OFP_HEADER_LEN || len > this.maxLen) this.fail(len, this.streamPos + pos, chunk.subarray(pos, pos + OFP_HEADER_LEN));
      const end = pos + len;
      if (end > n) break;
      // A chunk that is one whole message (a switch's answer per read, mostly) goes out as it is.
      onMessage(pos === 0 && end === n ? chunk : chunk.subarray(pos, end));
      pos = end;
    }
    if (pos < n) this.keepTail(chunk, pos);
    this.streamPos += n;
  }

  /**
   * Signals the end of the stream: throws a FramingError (OFPBRC_BAD_LEN) when it stopped inside
   * a message, naming the offset where that message began.
   */
  end(): void {
    if (this.failure !== null) throw this.failure;
    const have = this.pendingBytes;
    if (have === 0) return;
    const start = this.streamPos - have;
    const header = Buffer.from(this.partial !== null ? this.partial.subarray(0, Math.min(have, OFP_HEADER_LEN)) : this.head.subarray(0, have));
    const msg =
      this.partial !== null
        ? `stream ends inside a message: ${have} of ${this.partial.length} bytes`
        : `stream ends inside a message header: ${have} of ${OFP_HEADER_LEN} bytes`;
    this.failure = new FramingError(msg, start, header);
    throw this.failure;
  }

  /** Completes a message begun in earlier chunks; returns how much of `chunk` it used. */
  private continuePartial(chunk: Buffer, onMessage: OnMessage): number {
    const n = chunk.length;
    let pos = 0;
    let msg = this.partial;
    if (msg === null) {
      // The length field itself was split: finish the 4 bytes that hold it.
      const take = Math.min(4 - this.headFill, n);
      chunk.copy(this.head, this.headFill, 0, take);
      this.headFill += take;
      pos = take;
      if (this.headFill < 4) return pos;
      const len = this.head.readUInt16BE(2);
      const start = this.streamPos - (this.headFill - take);
      if (len < OFP_HEADER_LEN || len > this.maxLen) {
        const header = Buffer.concat([this.head, chunk.subarray(pos, pos + OFP_HEADER_LEN - 4)]);
        this.fail(len, start, header);
      }
      msg = Buffer.allocUnsafe(len);
      this.head.copy(msg, 0, 0, 4);
      this.partial = msg;
      this.partialFill = 4;
      this.headFill = 0;
    }
    const take = Math.min(msg.length - this.partialFill, n - pos);
    chunk.copy(msg, this.partialFill, pos, pos + take);
    this.partialFill += take;
    pos += take;
    if (this.partialFill === msg.length) {
      this.partial = null;
      this.partialFill = 0;
      onMessage(msg);
    }
    return pos;
  }

  /** Copies the incomplete message at the end of `chunk` (its length already checked when known). */
  private keepTail(chunk: Buffer, pos: number): void {
    const rest = chunk.length - pos;
    if (rest < 4) {
      chunk.copy(this.head, 0, pos);
      this.headFill = rest;
      return;
    }
    const len = (chunk[pos + 2]! << 8) | chunk[pos + 3]!;
    const msg = Buffer.allocUnsafe(len);
    chunk.copy(msg, 0, pos);
    this.partial = msg;
    this.partialFill = rest;
  }

  private fail(len: number, offset: number, header: Buffer): never {
    const why = len < OFP_HEADER_LEN ? `below the ${OFP_HEADER_LEN}-byte header` : `above the maximum of ${this.maxLen}`;
    this.partial = null;
    this.partialFill = 0;
    this.headFill = 0;
    this.failure = new FramingError(`declared message length ${len} is ${why}`, offset, Buffer.from(header));
    throw this.failure;
  }
}

/** ofp_header.version of a framed message. */
export function peekVersion(msg: Buffer): number {
  return msg[0]!;
}

/** ofp_header.type of a framed message (the OFPT_* number of its version). */
export function peekType(msg: Buffer): number {
  return msg[1]!;
}

/** ofp_header.length of a framed message. */
export function peekLength(msg: Buffer): number {
  return (msg[2]! << 8) | msg[3]!;
}

/** ofp_header.xid of a framed message. */
export function peekXid(msg: Buffer): number {
  return ((msg[4]! << 24) | (msg[5]! << 16) | (msg[6]! << 8) | msg[7]!) >>> 0;
}
