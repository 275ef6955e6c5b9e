/** Bounded big-endian reader over a Buffer: every read past its own end fails with a typed decode error. */
import { isUtf8 } from 'node:buffer';
import { OfDecodeError } from './errors.js';
import { OFPBRC, OFPET } from './constants.js';
import { formatIpv6, formatMac } from '../../core/addr.js';

/**
 * Reads one structure. A reader never reads past `end`, so a nested TLV read through
 * `sub(len)` cannot run into the next one: a bad inner length fails with the error pair the
 * reader was made with (by default OFPET.BAD_REQUEST / OFPBRC.BAD_LEN).
 * Byte strings come back as `subarray` views of the input: they share its memory.
 */
export class Reader {
  pos: number;
  readonly end: number;

  constructor(
    readonly buf: Buffer,
    start = 0,
    end = buf.length,
    /** Error pair thrown on an overrun, e.g. OFPET_BAD_ACTION / OFPBAC_BAD_LEN inside an action. */
    readonly errType: number = OFPET.BAD_REQUEST,
    readonly errCode: number = OFPBRC.BAD_LEN,
  ) {
    this.pos = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** Throws this reader's length error unless `n` more bytes are available. */
  need(n: number, what = 'field'): void {
    if (n < 0 || this.pos + n > this.end) {
      throw new OfDecodeError(this.errType, this.errCode, `${what} needs ${n} bytes, ${this.end - this.pos} left`, this.pos);
    }
  }

  /** Throws a decode error with the given pair, located at the current position. */
  fail(errType: number, errCode: number, message: string): never {
    throw new OfDecodeError(errType, errCode, message, this.pos);
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  u64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  /** A view of the next `n` bytes (no copy). */
  bytes(n: number, what = 'bytes'): Buffer {
    this.need(n, what);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** The rest of this reader as a view (no copy). */
  rest(): Buffer {
    const v = this.buf.subarray(this.pos, this.end);
    this.pos = this.end;
    return v;
  }

  skip(n: number, what = 'padding'): void {
    this.need(n, what);
    this.pos += n;
  }

  /**
   * A fixed-size NUL-padded char array (`char name[16]`) without the padding, as UTF-8; bytes
   * that are not valid UTF-8 are read as Latin-1 instead, so the string still fits the field
   * when written back (Writer.str does the reverse).
   */
  str(n: number): string {
    const b = this.bytes(n, 'string');
    const end = b.indexOf(0);
    const raw = b.subarray(0, end === -1 ? n : end);
    return isUtf8(raw) ? raw.toString('utf8') : raw.toString('latin1');
  }

  /** A 6-byte MAC address as `aa:bb:cc:dd:ee:ff`. */
  mac(): string {
    return formatMac(this.bytes(6, 'mac'));
  }

  /** A 4-byte IPv4 address as a dotted quad. */
  ipv4(): string {
    this.need(4, 'ipv4');
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return `${b[p]}.${b[p + 1]}.${b[p + 2]}.${b[p + 3]}`;
  }

  /** A 16-byte IPv6 address in compressed text form (RFC 5952). */
  ipv6(): string {
    return formatIpv6(this.bytes(16, 'ipv6'));
  }

  /**
   * A child reader over the next `len` bytes, which this reader then skips. Its overrun errors
   * use the given pair (defaults to this reader's).
   */
  sub(len: number, errType = this.errType, errCode = this.errCode, what = 'structure'): Reader {
    this.need(len, what);
    const r = new Reader(this.buf, this.pos, this.pos + len, errType, errCode);
    this.pos += len;
    return r;
  }
}
