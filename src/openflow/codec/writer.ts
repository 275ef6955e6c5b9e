/** Growable big-endian writer: messages are written once, lengths patched in afterwards. */
import { isUtf8 } from 'node:buffer';
import { parseIpv4, parseIpv6, parseMac } from '../../core/addr.js';
import { OfEncodeError } from './errors.js';
import { bufferView } from './buffer-view.js';

/**
 * One writer can hold many messages back to back (a session's outbound burst). `finish()`
 * hands the bytes out and starts a fresh buffer, so memory already handed to a socket is
 * never written again.
 */
export class Writer {
  buf: Buffer;
  pos = 0;
  /** Start of the bytes not handed out yet: `buf` before it belongs to whoever took it (see handOut). */
  base = 0;
  /** The buffer handOut last made a view of, and its ArrayBuffer (kept: a `.buffer` read per view costs more than the view). */
  private viewed: Buffer | undefined;
  private viewedBytes: ArrayBufferLike = new ArrayBuffer(0);
  private viewedOffset = 0;

  constructor(initialSize = 4096) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    // Same offsets: encoders hold absolute positions to patch lengths in later.
    this.buf.copy(next, this.base, this.base, this.pos);
    this.buf = next;
  }

  /** Bytes written and not handed out yet. */
  get pending(): number {
    return this.pos - this.base;
  }

  u8(v: number): void {
    if ((v & 0xff) !== v) throw new OfEncodeError(`${v} does not fit an unsigned 8-bit field`);
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
  }

  u16(v: number): void {
    if ((v & 0xffff) !== v) throw new OfEncodeError(`${v} does not fit an unsigned 16-bit field`);
    if (this.pos + 2 > this.buf.length) this.ensure(2);
    const b = this.buf;
    b[this.pos] = v >>> 8;
    b[this.pos + 1] = v;
    this.pos += 2;
  }

  u32(v: number): void {
    if (v >>> 0 !== v) throw new OfEncodeError(`${v} does not fit an unsigned 32-bit field`);
    if (this.pos + 4 > this.buf.length) this.ensure(4);
    const b = this.buf;
    const p = this.pos;
    b[p] = v >>> 24;
    b[p + 1] = v >>> 16;
    b[p + 2] = v >>> 8;
    b[p + 3] = v;
    this.pos = p + 4;
  }

  u64(v: bigint): void {
    if (BigInt.asUintN(64, v) !== v) throw new OfEncodeError(`${v} does not fit an unsigned 64-bit field`);
    this.ensure(8);
    this.buf.writeBigUInt64BE(BigInt.asUintN(64, v), this.pos);
    this.pos += 8;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  zeros(n: number): void {
    if (n <= 0) return;
    if (this.pos + n > this.buf.length) this.ensure(n);
    const b = this.buf;
    // Padding is short (under 8 bytes almost always): a loop beats Buffer.fill's call overhead.
    if (n <= 16) {
      for (let i = 0; i < n; i++) b[this.pos + i] = 0;
    } else {
      b.fill(0, this.pos, this.pos + n);
    }
    this.pos += n;
  }

  /** Pads with zeros until the length since `start` is a multiple of 8 (OpenFlow's alignment). */
  pad8(start: number): void {
    this.zeros((8 - ((this.pos - start) % 8)) % 8);
  }

  /**
   * A fixed-size NUL-padded char array, UTF-8; a string whose Latin-1 bytes are not UTF-8 (what
   * Reader.str makes of such bytes) is written as Latin-1, so decode → encode is byte-exact.
   * Too long a string is an error, not a silent cut.
   */
  str(s: string, n: number, field = 'string'): void {
    let b = Buffer.from(s, 'utf8');
    if (b.length !== s.length && isLatin1(s)) {
      const latin1 = Buffer.from(s, 'latin1');
      if (!isUtf8(latin1)) b = latin1;
    }
    if (b.length > n) throw new OfEncodeError(`longer than ${n} bytes`, field);
    this.bytes(b);
    this.zeros(n - b.length);
  }

  mac(s: string, field = 'mac'): void {
    this.ensure(6);
    try {
      parseMac(s, this.buf, this.pos);
    } catch (e) {
      throw new OfEncodeError((e as Error).message, field);
    }
    this.pos += 6;
  }

  ipv4(s: string, field = 'ipv4'): void {
    let v: number;
    try {
      v = parseIpv4(s);
    } catch (e) {
      throw new OfEncodeError((e as Error).message, field);
    }
    this.u32(v);
  }

  ipv6(s: string, field = 'ipv6'): void {
    this.ensure(16);
    try {
      parseIpv6(s, this.buf, this.pos);
    } catch (e) {
      throw new OfEncodeError((e as Error).message, field);
    }
    this.pos += 16;
  }

  patchU16(at: number, v: number): void {
    this.buf[at] = v >>> 8;
    this.buf[at + 1] = v;
  }

  patchU32(at: number, v: number): void {
    this.buf.writeUInt32BE(v >>> 0, at);
  }

  /** A copy of everything written so far, sized exactly; the writer is reset and keeps its buffer. */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.pos - this.base);
    this.buf.copy(out, 0, this.base, this.pos);
    this.pos = this.base;
    return out;
  }

  /** Hands out everything written so far (no copy) and starts a new buffer. */
  finish(): Buffer {
    const out = this.buf.subarray(this.base, this.pos);
    this.buf = Buffer.allocUnsafe(Math.max(4096, Math.min(this.buf.length, 1 << 20)));
    this.pos = 0;
    this.base = 0;
    return out;
  }

  /**
   * Hands out what was written since the last hand-out (a view, no copy) and goes on writing
   * after it in the same buffer while at least `minRoom` bytes are left, else in a new one: a
   * session writing a small answer per turn then allocates once per buffer-full, not per write.
   * The bytes handed out are never written again.
   */
  handOut(minRoom = 512): Buffer {
    const b = this.buf;
    if (b !== this.viewed) {
      this.viewed = b;
      this.viewedBytes = b.buffer;
      this.viewedOffset = b.byteOffset;
    }
    const out = bufferView(this.viewedBytes, this.viewedOffset + this.base, this.pos - this.base);
    if (this.buf.length - this.pos >= minRoom) {
      this.base = this.pos;
    } else {
      this.buf = Buffer.allocUnsafe(Math.max(4096, Math.min(this.buf.length, 1 << 20)));
      this.pos = 0;
      this.base = 0;
    }
    return out;
  }
}

/** True when every char of `s` is in U+0000..U+00FF. */
function isLatin1(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return false;
  return true;
}
