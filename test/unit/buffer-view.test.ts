/** bufferView: Buffer views of an ArrayBuffer, made without Buffer#subarray. */
import { describe, expect, it } from 'vitest';
import { bufferView } from '../../src/openflow/codec/buffer-view.js';

describe('bufferView', () => {
  it("is a Buffer over the given bytes of the ArrayBuffer, sharing its memory", () => {
    const whole = Buffer.from('abcdefghij');
    const v = bufferView(whole.buffer, whole.byteOffset + 2, 5);
    expect(Buffer.isBuffer(v)).toBe(true);
    expect(v.toString()).toBe('cdefg');
    expect(v.readUInt16BE(0)).toBe(0x6364);
    v[0] = 0x43;
    expect(whole.toString()).toBe('abCdefghij');
    expect(bufferView(whole.buffer, whole.byteOffset, 0).length).toBe(0);
  });

  it('refuses a range outside the ArrayBuffer', () => {
    const ab = new ArrayBuffer(8);
    expect(() => bufferView(ab, 4, 8)).toThrow(RangeError);
  });
});
