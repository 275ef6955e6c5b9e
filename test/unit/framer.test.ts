// Framer: whole messages out of any chunking, views for unsplit messages, copies for split ones, typed framing errors.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Framer, FramingError, peekLength, peekType, peekVersion, peekXid } from '../../src/openflow/codec/framer.js';
import { OfDecodeError } from '../../src/openflow/codec/errors.js';
import { OFPBRC, OFPET } from '../../src/openflow/codec/constants.js';

/** A message of `len` bytes with a recognisable body. */
function msg(len: number, xid: number, type = 2, version = 4): Buffer {
  const b = Buffer.alloc(len);
  b[0] = version;
  b[1] = type;
  b.writeUInt16BE(len, 2);
  b.writeUInt32BE(xid >>> 0, 4);
  for (let i = 8; i < len; i++) b[i] = (xid + i) & 0xff;
  return b;
}

/** True when two views share bytes of memory. */
function overlaps(a: Buffer, b: Buffer): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.length && b.byteOffset < a.byteOffset + a.length;
}

function frameAll(framer: Framer, chunks: Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  for (const c of chunks) framer.push(c, (m) => out.push(m));
  return out;
}

const stream = [msg(8, 1), msg(16, 2), msg(9, 3), msg(100, 4), msg(8, 5), msg(73, 0xfffffffe)];
const whole = Buffer.concat(stream);

describe('Framer', () => {
  it('yields every message of one chunk as views of that chunk', () => {
    const f = new Framer();
    const out = frameAll(f, [whole]);
    expect(out).toEqual(stream);
    let off = 0;
    for (const m of out) {
      expect(m.buffer).toBe(whole.buffer);
      expect(m.byteOffset).toBe(whole.byteOffset + off);
      off += m.length;
    }
    expect(f.pendingBytes).toBe(0);
    expect(f.bytesPushed).toBe(whole.length);
    f.end();
  });

  it('hands a chunk that is exactly one message out as it is, and a message inside a bigger chunk as a view', () => {
    const f = new Framer();
    const one = msg(24, 7);
    expect(frameAll(f, [one])[0]).toBe(one);
    const two = Buffer.concat([msg(8, 1), msg(16, 2)]);
    const out = frameAll(f, [two]);
    expect(out.map((m) => m.length)).toEqual([8, 16]);
    expect(out[0]).not.toBe(two);
    expect(out[0]!.buffer).toBe(two.buffer);
  });

  it('reassembles the stream split at every offset, and at every pair of offsets', () => {
    for (let i = 0; i <= whole.length; i++) {
      expect(frameAll(new Framer(), [whole.subarray(0, i), whole.subarray(i)])).toEqual(stream);
    }
    for (let i = 0; i <= whole.length; i += 1) {
      for (let j = i; j <= whole.length; j += 3) {
        const f = new Framer();
        expect(frameAll(f, [whole.subarray(0, i), whole.subarray(i, j), whole.subarray(j)])).toEqual(stream);
        f.end();
      }
    }
  });

  it('handles one byte at a time', () => {
    const chunks = [...whole].map((b) => Buffer.from([b]));
    const f = new Framer();
    expect(frameAll(f, chunks)).toEqual(stream);
    expect(f.pendingBytes).toBe(0);
  });

  it('reassembles any random chunking (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ len: fc.integer({ min: 8, max: 300 }), xid: fc.nat() }), { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (specs, cuts) => {
          const msgs = specs.map((s) => msg(s.len, s.xid));
          const all = Buffer.concat(msgs);
          const points = [...new Set(cuts.map((c) => c % (all.length + 1)))].sort((a, b) => a - b);
          const chunks: Buffer[] = [];
          let prev = 0;
          for (const p of points) {
            chunks.push(all.subarray(prev, p));
            prev = p;
          }
          chunks.push(all.subarray(prev));
          const f = new Framer();
          expect(frameAll(f, chunks)).toEqual(msgs);
          f.end();
        },
      ),
    );
  });

  it('copies a split message into memory of its own and never writes into it again', () => {
    const a = msg(40, 7);
    const b = msg(40, 8);
    const c1 = Buffer.concat([a, b.subarray(0, 10)]);
    const c2 = Buffer.concat([b.subarray(10), a.subarray(0, 3)]);
    const c3 = Buffer.concat([a.subarray(3), b]);
    const f = new Framer();
    const out = frameAll(f, [c1, c2]);
    expect(out).toEqual([a, b]);
    expect(out[0]!.buffer).toBe(c1.buffer);
    const split = out[1]!;
    expect(overlaps(split, c1)).toBe(false);
    expect(overlaps(split, c2)).toBe(false);
    const snapshot = Buffer.from(split);
    // Scribbling over the pushed chunks must not change what was handed out as a copy.
    c1.fill(0xee);
    c2.fill(0xee);
    const more = frameAll(f, [c3]);
    expect(more).toEqual([a, b]);
    expect(split).toEqual(snapshot);
    expect(overlaps(more[0]!, split)).toBe(false);
    expect(overlaps(more[1]!, c3)).toBe(true);
  });

  it('rejects a declared length below 8 with OFPBRC_BAD_LEN at the stream offset, and stays failed', () => {
    const bad = Buffer.from([4, 0, 0, 7, 0, 0, 0, 9]);
    const f = new Framer();
    const out: Buffer[] = [];
    let err: unknown;
    try {
      f.push(Buffer.concat([msg(16, 1), bad, msg(8, 2)]), (m) => out.push(m));
    } catch (e) {
      err = e;
    }
    expect(out).toHaveLength(1);
    expect(err).toBeInstanceOf(FramingError);
    expect(err).toBeInstanceOf(OfDecodeError);
    const fe = err as FramingError;
    expect([fe.errType, fe.errCode]).toEqual([OFPET.BAD_REQUEST, OFPBRC.BAD_LEN]);
    expect(fe.offset).toBe(16);
    expect(fe.header).toEqual(bad);
    expect(() => f.push(msg(8, 3), () => undefined)).toThrow(fe);
  });

  it('rejects a too-long declared length even when its header is split', () => {
    const f = new Framer({ maxMessageLen: 100 });
    const big = msg(101, 1);
    const out = frameAll(f, [msg(100, 9), big.subarray(0, 3)]);
    expect(out).toHaveLength(1);
    expect(() => f.push(big.subarray(3), () => undefined)).toThrow(/101 is above the maximum of 100/);
    try {
      f.push(Buffer.alloc(0), () => undefined);
    } catch (e) {
      expect((e as FramingError).offset).toBe(100);
      expect((e as FramingError).header).toEqual(big.subarray(0, 8));
    }
  });

  it('rejects a zero length in a header split after two bytes', () => {
    const f = new Framer();
    f.push(Buffer.from([4, 0]), () => undefined);
    expect(() => f.push(Buffer.from([0, 0, 0, 0, 0, 0]), () => undefined)).toThrow(FramingError);
  });

  it('end() reports a stream cut inside a message', () => {
    const f = new Framer();
    f.push(Buffer.concat([msg(8, 1), msg(20, 2).subarray(0, 12)]), () => undefined);
    expect(f.pendingBytes).toBe(12);
    expect(() => f.end()).toThrow(/12 of 20 bytes/);
    const g = new Framer();
    g.push(Buffer.from([4, 0]), () => undefined);
    try {
      g.end();
      expect.unreachable();
    } catch (e) {
      expect((e as FramingError).offset).toBe(0);
      expect((e as FramingError).message).toMatch(/inside a message header/);
    }
  });

  it('rejects a maximum below the header size', () => {
    expect(() => new Framer({ maxMessageLen: 7 })).toThrow(RangeError);
  });

  it('peeks version, type, length and xid', () => {
    const m = msg(24, 0xdeadbeef, 10, 4);
    expect([peekVersion(m), peekType(m), peekLength(m), peekXid(m)]).toEqual([4, 10, 24, 0xdeadbeef]);
  });
});
