/** Direct reads of plain-TCP switch sockets (openflow.directRead): the slab never hands out the same bytes twice, and sessions work the same on every read path (batched, direct, stream). */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { defaultConfig } from '../../src/config.js';
import { MAX_SLAB, MIN_SLAB, ReadSlab } from '../../src/openflow/direct-read.js';
import { OpenFlowServer } from '../../src/openflow/server.js';
import { Framer } from '../../src/openflow/codec/framer.js';
import type { Session } from '../../src/openflow/session.js';
import type { OfMessage } from '../../src/openflow/codec/index.js';
import { waitFor } from '../harness/exec.js';
import { EmulatedSwitch } from '../fakes/emulated-switch.js';

/** What a read does: fills the front of the buffer it was offered. */
function read(slab: ReadSlab, bytes: Buffer): Buffer {
  const buf = slab.next();
  bytes.copy(buf);
  return slab.take(Math.min(bytes.length, buf.length), buf);
}

describe('ReadSlab', () => {
  it('never offers bytes already handed out: earlier chunks keep their contents through later reads', () => {
    const slab = new ReadSlab();
    const kept: { chunk: Buffer; fill: number }[] = [];
    // Enough reads of varied sizes to go through several slabs.
    for (let i = 0; i < 400; i++) {
      const fill = i % 251;
      kept.push({ chunk: read(slab, Buffer.alloc(1 + ((i * 37) % 900), fill)), fill });
    }
    for (const { chunk, fill } of kept) expect(chunk.every((b) => b === fill)).toBe(true);
  });

  it('offers more room after a read that filled all it was offered (a switch sending in bulk), and goes back to small slabs after a small read', () => {
    const slab = new ReadSlab();
    const first = slab.next().length;
    expect(first).toBe(MIN_SLAB);
    read(slab, Buffer.alloc(first, 1));
    const second = slab.next().length;
    read(slab, Buffer.alloc(second, 2));
    expect(second).toBe(first * 2);
    for (let i = 0; i < 8; i++) read(slab, Buffer.alloc(slab.next().length, 3));
    expect(slab.slabSize).toBe(MAX_SLAB);
    // A quiet switch again: its next slab is small (memory held per idle connection stays low).
    read(slab, Buffer.alloc(100, 4));
    expect(slab.slabSize).toBe(MIN_SLAB);
    // The big slab is used up first, then a fresh one is small.
    let fresh = 0;
    for (let i = 0; i < 1000 && fresh === 0; i++) {
      const before = slab.next().length;
      read(slab, Buffer.alloc(100, 5));
      if (slab.next().length > before - 100) fresh = slab.next().length;
    }
    expect(fresh).toBe(MIN_SLAB);
  });
});

/** A message of `len` bytes (ofp_header with that length) whose body bytes tell its number and offset apart. */
function message(len: number, n: number): Buffer {
  const b = Buffer.alloc(len);
  b[0] = 4;
  b[1] = 19; // OFPT_MULTIPART_REPLY: the flow table read at a takeover can be larger than a slab
  b.writeUInt16BE(len, 2);
  b.writeUInt32BE(n, 4);
  for (let i = 8; i < len; i++) b[i] = (n * 31 + i) & 0xff;
  return b;
}

describe('direct reads into slabs, framed', () => {
  it('yield every message whole and unchanged for any read sizes: messages longer than a slab, headers split across reads, many messages in one read (property)', () => {
    fc.assert(
      fc.property(
        // Lengths around the slab sizes (4, 8 KiB... 64 KiB) and the 512-byte tail rule, plus small ones.
        fc.array(fc.oneof(fc.integer({ min: 8, max: 120 }), fc.integer({ min: 3_000, max: 9_000 }), fc.integer({ min: 60_000, max: 65_535 })), { minLength: 1, maxLength: 12 }),
        // What each read gets of what it was offered: 1 byte, a few, most of it, or all of it.
        fc.array(fc.oneof(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 700 }), fc.constant(Number.MAX_SAFE_INTEGER)), { minLength: 1, maxLength: 40 }),
        (lengths, reads) => {
          const msgs = lengths.map((len, n) => message(len, n));
          const stream = Buffer.concat(msgs);
          const slab = new ReadSlab();
          const framer = new Framer();
          const out: Buffer[] = [];
          let pos = 0;
          for (let r = 0; pos < stream.length; r++) {
            const buf = slab.next();
            const n = Math.min(reads[r % reads.length]!, buf.length, stream.length - pos);
            stream.copy(buf, 0, pos, pos + n);
            // The bytes after what was read hold garbage, as libuv leaves them.
            buf.fill(0xee, n, Math.min(buf.length, n + 16));
            framer.push(slab.take(n, buf), (m) => out.push(m));
            pos += n;
          }
          expect(framer.pendingBytes).toBe(0);
          // Checked after the last read: a view handed out early was not written over by a later read.
          expect(out.length).toBe(msgs.length);
          out.forEach((m, i) => expect(m.equals(msgs[i]!), `message ${i} of ${msgs.length} (${msgs[i]!.length} bytes)`).toBe(true));
        },
      ),
      { numRuns: 300 },
    );
  });
});

function packetIn(data: Buffer): OfMessage {
  return { version: 1, type: 'packet_in', xid: 0, bufferId: 0xffffffff, totalLen: data.length, inPort: 1, reason: 0, data } as OfMessage;
}

describe.each([
  { batchIo: true, directRead: false },
  { batchIo: false, directRead: true },
  { batchIo: false, directRead: false },
])('OpenFlow server with openflow.batchIo $batchIo, directRead $directRead', ({ batchIo, directRead }) => {
  it('handshakes, delivers packet-ins whose data survives later reads, and counts the connection out when the switch leaves', async () => {
    const sessions: Session[] = [];
    const server = new OpenFlowServer({ config: { ...defaultConfig.openflow, listen: ['127.0.0.1:0'], batchIo, directRead }, onSession: (s) => sessions.push(s) });
    const [bound] = await server.listen();
    let closed = false;
    try {
      const sw = new EmulatedSwitch(net.connect(bound!.port, '127.0.0.1'), { dpid: 7n, versions: [1], noBitmap: true });
      await waitFor(() => sessions[0]?.state === 'ready', { timeoutMs: 5000, intervalMs: 5, message: 'session ready' });
      const session = sessions[0]!;
      const got: Buffer[] = [];
      session.on('message', (m) => void (m.type === 'packet_in' && got.push(m.data)));
      // Separate reads: each waits until the one before was delivered.
      for (let i = 0; i < 20; i++) {
        sw.send(packetIn(Buffer.alloc(60 + i, i + 1)));
        await waitFor(() => got.length === i + 1, { timeoutMs: 5000, intervalMs: 5, message: `packet-in ${i + 1}` });
      }
      got.forEach((data, i) => {
        expect(data.length).toBe(60 + i);
        expect(data.every((b) => b === i + 1)).toBe(true);
      });
      expect(server.limits.counts.open).toBe(1);
      sw.close();
      await waitFor(() => session.state === 'closed' && server.sessionCount === 0, { timeoutMs: 5000, intervalMs: 5, message: 'session closed' });
      await waitFor(() => server.limits.counts.open === 0, { timeoutMs: 5000, intervalMs: 5, message: 'connection counted out' });
      // The listener closes: no connection is left counted by node's server either.
      await server.close();
      closed = true;
    } finally {
      if (!closed) await server.close();
    }
  });
});
