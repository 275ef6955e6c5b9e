/** The growable writer's hand-out: views of the bytes written, never written again, one buffer shared by many small hand-outs. */
import { describe, expect, it } from 'vitest';
import { Writer } from '../../src/openflow/codec/writer.js';
import { encodeMessage, encodeMessageInto } from '../../src/openflow/codec/index.js';

describe('Writer.handOut', () => {
  it('hands out each burst as a view of one buffer while room is left, and never writes those bytes again', () => {
    const w = new Writer(4096);
    const outs: Buffer[] = [];
    const copies: Buffer[] = [];
    for (let i = 0; i < 20; i++) {
      encodeMessageInto(w, { version: 4, type: 'echo_request', xid: i + 1, data: Buffer.alloc(8, i) });
      const out = w.handOut();
      outs.push(out);
      copies.push(Buffer.from(out));
      expect(w.pending).toBe(0);
    }
    // Twenty 16-byte answers share the first buffer.
    expect(new Set(outs.map((o) => o.buffer)).size).toBe(1);
    for (let i = 0; i < 20; i++) {
      expect(outs[i]).toEqual(copies[i]);
      expect(outs[i]).toEqual(encodeMessage({ version: 4, type: 'echo_request', xid: i + 1, data: Buffer.alloc(8, i) }));
    }
  });

  it('starts a new buffer when less than minRoom is left, and growing keeps pending bytes and positions', () => {
    const w = new Writer(64);
    w.bytes(Buffer.alloc(40, 1));
    const first = w.handOut(16);
    expect(first.length).toBe(40);
    expect(w.base).toBe(40);
    // Grows while 20 bytes are pending after the handed-out 40: the message is whole, the first untouched.
    const start = w.pos;
    encodeMessageInto(w, { version: 4, type: 'echo_request', xid: 9, data: Buffer.alloc(100, 7) });
    expect(w.pos - start).toBe(108);
    const second = w.handOut(16);
    expect(second).toEqual(encodeMessage({ version: 4, type: 'echo_request', xid: 9, data: Buffer.alloc(100, 7) }));
    expect(first).toEqual(Buffer.alloc(40, 1));
    w.bytes(Buffer.alloc(4, 2));
    expect(w.take()).toEqual(Buffer.alloc(4, 2));
    expect(w.pending).toBe(0);
  });
});
