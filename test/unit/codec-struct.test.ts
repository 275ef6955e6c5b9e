import { describe, expect, it } from 'vitest';
import { OfDecodeError } from '../../src/openflow/codec/errors.js';
import { Reader } from '../../src/openflow/codec/reader.js';
import { structCodec } from '../../src/openflow/codec/struct.js';
import { Writer } from '../../src/openflow/codec/writer.js';

interface Demo {
  readonly label: string;
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly d: bigint;
}

const demo = structCodec<Demo>([['a', 1], [null, 3], ['b', 2], ['c', 4], [null, 2], ['d', 8]], ['label']);

describe('table-driven struct codec', () => {
  it('writes fields big-endian with zero padding and reads them back in wire order', () => {
    const w = new Writer(4);
    w.buf.fill(0xee);
    demo.write(w, { label: 'x', a: 0x12, b: 0x3456, c: 0x789abcde, d: 0x0102030405060708n });
    const bytes = w.buf.subarray(0, w.pos);
    expect(demo.size).toBe(20);
    expect(bytes.toString('hex')).toBe('12000000' + '3456' + '789abcde' + '0000' + '0102030405060708');
    const v = demo.read(new Reader(bytes), 'x');
    expect(v).toEqual({ label: 'x', a: 0x12, b: 0x3456, c: 0x789abcde, d: 0x0102030405060708n });
    expect(Object.keys(v)).toEqual(['label', 'a', 'b', 'c', 'd']);
  });

  it('fails through the reader on a short struct and through the writer on a value that does not fit', () => {
    expect(() => demo.read(new Reader(Buffer.alloc(19)), 'x')).toThrow(OfDecodeError);
    expect(() => demo.write(new Writer(), { label: 'x', a: 256, b: 0, c: 0, d: 0n })).toThrow(/8-bit/);
  });

  it('refuses a field name that is not an identifier', () => {
    expect(() => structCodec<Record<string, number>>([['a-b', 1]])).toThrow(/not an identifier/);
  });
});
