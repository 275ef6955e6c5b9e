/** The batched socket I/O module (native/batch_io.c through src/openflow/batch-io.ts) on real loopback sockets. */
import net from 'node:net';
import { once } from 'node:events';
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { batchIo, type BatchIo, type BatchSocket } from '../../src/openflow/batch-io.js';
import { systemClock } from '../../src/core/clock.js';
import { waitFor } from '../harness/exec.js';

interface Pair {
  client: net.Socket;
  socket: BatchSocket;
  /** What the batched side read, in order. */
  got: Buffer[];
}

const servers: net.Server[] = [];
const clients: net.Socket[] = [];
const adopted: BatchSocket[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  for (const s of adopted.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

function io(): BatchIo {
  const b = batchIo();
  // Built by `npm ci` (scripts/build-native.mjs); a missing module fails here rather than skipping.
  if (b === undefined) throw new Error('the batched I/O module is not built: run `npm ci` with g++, make and python3 installed (scripts/install-deps.sh installs them)');
  return b;
}

/** A listener whose accepted sockets join the batched set; `onChunk` may be replaced per connection. */
async function listen(onChunk?: (pair: Pair, chunk: Buffer) => void): Promise<{ server: net.Server; port: number; accepted: Pair[]; connect: () => Promise<Pair> }> {
  const accepted: Pair[] = [];
  const waiting: ((raw: net.Socket) => void)[] = [];
  const server = net.createServer({ pauseOnConnect: true }, (raw) => waiting.shift()?.(raw));
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  const connect = async (): Promise<Pair> => {
    const accepting = new Promise<net.Socket>((resolve) => waiting.push(resolve));
    const client = net.connect(port, '127.0.0.1');
    clients.push(client);
    const raw = await accepting;
    const pair = { client } as Pair;
    pair.got = [];
    const socket = io().adopt(raw, (chunk) => (onChunk ? onChunk(pair, chunk) : pair.got.push(chunk)));
    if (socket === undefined) throw new Error('adopt refused a fresh accepted socket');
    pair.socket = socket;
    adopted.push(socket);
    accepted.push(pair);
    return pair;
  };
  return { server, port, accepted, connect };
}

function readlinkOrEmpty(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return ''; // closed since the listing
  }
}

function ioUringEnabled(): boolean {
  const knob = '/proc/sys/kernel/io_uring_disabled';
  return !existsSync(knob) || readFileSync(knob, 'utf8').trim() === '0';
}

const bytesOf = (bufs: readonly Buffer[]): number => bufs.reduce((n, b) => n + b.length, 0);

describe('batched socket I/O', () => {
  it('holds the system clock for a batch: every read of it gives one time, and after the batch it runs again', async () => {
    const seen: number[] = [];
    const { connect } = await listen((pair, chunk) => {
      pair.got.push(chunk);
      seen.push(systemClock.now());
      // Let the wall clock move on before the next socket of the batch is handled (at most a few ms).
      const t = Date.now();
      while (Date.now() === t);
    });
    const a = await connect();
    const b = await connect();
    // Both written before the loop turns, so both are read in one batch.
    a.client.write('x');
    b.client.write('y');
    await waitFor(() => a.got.length === 1 && b.got.length === 1);
    expect(seen).toHaveLength(2);
    expect(seen[1]).toBe(seen[0]);
    expect(Math.abs(systemClock.now() - Date.now())).toBeLessThanOrEqual(1);
    expect(systemClock.now()).toBeGreaterThan(seen[0]!);
  });

  it('reads many sockets, each in order, and writes back', async () => {
    const { connect } = await listen();
    const pairs: Pair[] = [];
    for (let i = 0; i < 24; i++) pairs.push(await connect());
    const echoed = pairs.map(() => [] as Buffer[]);
    pairs.forEach((p, i) => p.client.on('data', (d: Buffer) => echoed[i]!.push(d)));
    // Several rounds: each socket's bytes arrive in order, never mixed with another's.
    for (let round = 0; round < 5; round++) {
      pairs.forEach((p, i) => p.client.write(Buffer.from(`s${i}r${round};`)));
    }
    const expected = pairs.map((_, i) => Array.from({ length: 5 }, (_, r) => `s${i}r${r};`).join(''));
    await waitFor(() => pairs.every((p, i) => Buffer.concat(p.got).toString() === expected[i]), { timeoutMs: 5000, intervalMs: 5, message: 'all bytes read' });
    for (const p of pairs) expect(p.socket.write(Buffer.concat(p.got))).toBe(true);
    await waitFor(() => pairs.every((_, i) => Buffer.concat(echoed[i]!).toString() === expected[i]), { timeoutMs: 5000, intervalMs: 5, message: 'all bytes echoed' });
    for (const p of pairs) p.socket.destroy();
  });

  it('reads more at once than one slab holds, without losing or reordering a byte', async () => {
    const { connect } = await listen();
    const pairs: Pair[] = [];
    for (let i = 0; i < 12; i++) pairs.push(await connect());
    // 12 × 1 MiB, written at once: every turn finds more ready sockets than one 256 KiB slab takes.
    const payloads = pairs.map((_, i) => Buffer.alloc(1 << 20, i + 1).fill(0x41 + i, 0, 7));
    pairs.forEach((p, i) => p.client.write(payloads[i]!));
    await waitFor(() => pairs.every((p) => bytesOf(p.got) === 1 << 20), { timeoutMs: 10_000, intervalMs: 5, message: 'all bytes read' });
    pairs.forEach((p, i) => expect(Buffer.concat(p.got).equals(payloads[i]!)).toBe(true));
    for (const p of pairs) p.socket.destroy();
  });

  it('in one batch, reads sockets of different sizes and ends the ones whose peer closed', async () => {
    const { connect } = await listen();
    const pairs: Pair[] = [];
    for (let i = 0; i < 10; i++) pairs.push(await connect());
    const ended = pairs.map(() => false);
    pairs.forEach((p, i) => p.socket.on('end', () => (ended[i] = true)));
    const sizes = pairs.map((_, i) => (i % 2 === 0 ? 1 + i * 9001 : 0));
    // Written in one go from this side, so the other side finds them ready together.
    pairs.forEach((p, i) => (sizes[i]! > 0 ? p.client.write(Buffer.alloc(sizes[i]!, i + 1)) : p.client.end()));
    await waitFor(() => pairs.every((p, i) => (sizes[i]! > 0 ? bytesOf(p.got) === sizes[i] : ended[i])), { timeoutMs: 5000, intervalMs: 5, message: 'every socket read or ended' });
    pairs.forEach((p, i) => {
      if (sizes[i]! > 0) expect(Buffer.concat(p.got).equals(Buffer.alloc(sizes[i]!, i + 1))).toBe(true);
      else expect(p.got).toEqual([]);
    });
    for (const p of pairs) p.socket.destroy();
  });

  it('queues what the socket cannot take, sends it in order once the peer reads, and emits drain', async () => {
    const { connect } = await listen();
    const p = await connect();
    p.client.pause();
    const chunk = (n: number): Buffer => Buffer.alloc(64 * 1024, n & 0xff);
    let sent = 0;
    while (p.socket.write(chunk(sent))) sent++;
    sent++;
    // Behind a full socket every further write queues.
    for (let i = 0; i < 8; i++) expect(p.socket.write(chunk(sent++))).toBe(false);
    expect(p.socket.writableLength).toBeGreaterThanOrEqual(8 * 64 * 1024);
    const drained = once(p.socket, 'drain');
    const received: Buffer[] = [];
    p.client.on('data', (d: Buffer) => received.push(d));
    p.client.resume();
    await drained;
    expect(p.socket.writableLength).toBe(0);
    await waitFor(() => bytesOf(received) === sent * 64 * 1024, { timeoutMs: 10_000, intervalMs: 5, message: 'all bytes received' });
    const all = Buffer.concat(received);
    for (let i = 0; i < sent; i++) expect(all[i * 64 * 1024 + 1234]).toBe(i & 0xff);
    p.socket.destroy();
  });

  it('stops reading while paused and goes on where it stopped when resumed', async () => {
    const { connect } = await listen();
    const a = await connect();
    const b = await connect();
    a.socket.pause();
    a.client.write('held');
    // b's bytes leave after a's: once they are read, a's would have been too, had a been read.
    b.client.write('marker');
    await waitFor(() => bytesOf(b.got) === 6, { timeoutMs: 5000, intervalMs: 5, message: "b's bytes read" });
    expect(a.got).toEqual([]);
    a.socket.resume();
    await waitFor(() => Buffer.concat(a.got).toString() === 'held', { timeoutMs: 5000, intervalMs: 5, message: "a's bytes read once resumed" });
    a.socket.destroy();
    b.socket.destroy();
  });

  it('leaves a paused socket unread even when its peer has closed, and reads the rest and the end once resumed', async () => {
    const { connect } = await listen();
    const a = await connect();
    const b = await connect();
    let ended = false;
    a.socket.on('end', () => (ended = true));
    a.socket.pause();
    a.client.end('held to the end');
    await once(a.client, 'finish');
    b.client.write('marker');
    await waitFor(() => bytesOf(b.got) === 6, { timeoutMs: 5000, intervalMs: 5, message: "b's bytes read" });
    expect(a.got).toEqual([]);
    expect(ended).toBe(false);
    a.socket.resume();
    await waitFor(() => ended, { timeoutMs: 5000, intervalMs: 5, message: "a's end once resumed" });
    expect(Buffer.concat(a.got).toString()).toBe('held to the end');
    a.socket.destroy();
    b.socket.destroy();
  });

  it('reports the end of the stream, ends its own side after what is queued, and closes the socket on destroy', async () => {
    const { server, connect } = await listen();
    const before = io().size;
    const p = await connect();
    expect(io().size).toBe(before + 1);
    const ended = once(p.socket, 'end');
    const received: Buffer[] = [];
    p.client.on('data', (d: Buffer) => received.push(d));
    const clientEnded = once(p.client, 'end');
    p.client.end('last words');
    await ended;
    expect(Buffer.concat(p.got).toString()).toBe('last words');
    p.socket.end(Buffer.from('goodbye'));
    await clientEnded;
    expect(Buffer.concat(received).toString()).toBe('goodbye');
    const closed = once(p.socket, 'close');
    p.socket.destroy();
    await closed;
    expect(p.socket.destroyed).toBe(true);
    expect(io().size).toBe(before);
    // The accepted net.Socket went with it: the listener counts no connection.
    await waitFor(async () => (await new Promise<number>((resolve) => server.getConnections((_, n) => resolve(n)))) === 0, { timeoutMs: 5000, intervalMs: 5, message: 'connection closed' });
  });

  it('ends a reset connection with an error and a close, and the others go on', async () => {
    const { connect } = await listen();
    const a = await connect();
    const b = await connect();
    const errors: Error[] = [];
    a.socket.on('error', (e: Error) => errors.push(e));
    const closed = new Promise((resolve) => a.socket.on('close', resolve)); // (events.once would reject on the 'error' before it)
    a.client.resetAndDestroy();
    await closed;
    expect(a.socket.destroyed).toBe(true);
    expect(errors.map((e) => (e as NodeJS.ErrnoException).errno)).toEqual([104]); // ECONNRESET
    b.client.write('still here');
    await waitFor(() => Buffer.concat(b.got).toString() === 'still here', { timeoutMs: 5000, intervalMs: 5, message: "b's bytes read" });
    b.socket.destroy();
  });

  it('a socket whose reader throws is destroyed with that error; the rest of the batch is delivered', async () => {
    const { connect } = await listen((pair, chunk) => {
      if (chunk.toString().startsWith('boom')) throw new Error('reader failed');
      pair.got.push(chunk);
    });
    const pairs: Pair[] = [];
    for (let i = 0; i < 6; i++) pairs.push(await connect());
    const errors: Error[] = [];
    pairs[2]!.socket.on('error', (e: Error) => errors.push(e));
    const closed = new Promise((resolve) => pairs[2]!.socket.on('close', resolve));
    pairs.forEach((p, i) => p.client.write(i === 2 ? 'boom' : `ok${i}`));
    await closed;
    expect(errors.map((e) => e.message)).toEqual(['reader failed']);
    await waitFor(() => pairs.every((p, i) => i === 2 || Buffer.concat(p.got).toString() === `ok${i}`), { timeoutMs: 5000, intervalMs: 5, message: 'the others read' });
    for (const p of pairs) p.socket.destroy();
  });

  it('sends a tick\'s writes as one batch (io_uring where the kernel has it), reporting what each socket took', async () => {
    const { connect } = await listen();
    const a = await connect();
    const b = await connect();
    a.client.pause();
    const { binding } = io();
    // More than a loopback socket's buffers hold: a takes part of it, b all of its four bytes.
    const big = Buffer.alloc(32 << 20, 2);
    const results = new Int32Array(2);
    binding.sendAll(Int32Array.of(a.socket.fd, b.socket.fd), [big, Buffer.from('to b')], 2, results);
    expect(results[0]).toBeGreaterThan(0);
    expect(results[0]).toBeLessThan(big.length);
    expect(results[1]).toBe(4);
    const atB: Buffer[] = [];
    b.client.on('data', (d: Buffer) => atB.push(d));
    await waitFor(() => Buffer.concat(atB).toString() === 'to b', { timeoutMs: 5000, intervalMs: 5, message: 'b got its bytes' });
    a.socket.destroy();
    b.socket.destroy();
  });

  it('does not send a write whose socket was destroyed in the same tick', async () => {
    const { connect } = await listen();
    const a = await connect();
    const b = await connect();
    const atA: Buffer[] = [];
    a.client.on('data', (d: Buffer) => atA.push(d));
    const aEnded = new Promise((resolve) => a.client.on('close', resolve));
    expect(a.socket.write(Buffer.from('never'))).toBe(true);
    a.socket.destroy();
    // b's write in the same batch still goes.
    const atB: Buffer[] = [];
    b.client.on('data', (d: Buffer) => atB.push(d));
    b.socket.write(Buffer.from('yes'));
    await aEnded;
    await waitFor(() => Buffer.concat(atB).toString() === 'yes', { timeoutMs: 5000, intervalMs: 5, message: "b's bytes" });
    expect(atA).toEqual([]);
    b.socket.destroy();
  });

  it("sends a write made by a 'drain' listener while the tick's batch is being sent", async () => {
    const { connect } = await listen();
    const p = await connect();
    const got: Buffer[] = [];
    p.client.on('data', (d: Buffer) => got.push(d));
    // The second write waits behind the first (in the batch); once the batch has sent the first, the
    // socket sends the second and emits drain, and the listener's write joins the next batch.
    p.socket.once('drain', () => p.socket.write(Buffer.from('three')));
    expect(p.socket.write(Buffer.from('one,'))).toBe(true);
    expect(p.socket.write(Buffer.from('two,'))).toBe(true);
    await waitFor(() => Buffer.concat(got).toString() === 'one,two,three', { timeoutMs: 5000, intervalMs: 5, message: 'all three writes' });
    // The socket is not left waiting on a send that never went: a later write goes too.
    p.socket.write(Buffer.from(',four'));
    await waitFor(() => Buffer.concat(got).toString() === 'one,two,three,four', { timeoutMs: 5000, intervalMs: 5, message: 'the later write' });
    p.socket.destroy();
  });

  it("closes a worker thread's send ring when the worker ends", async () => {
    // The worker loads the module itself and sends to two sockets, which makes its thread's ring.
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      const net = require('node:net');
      const fs = require('node:fs');
      const rings = () => fs.readdirSync('/proc/self/fd').filter((f) => { try { return fs.readlinkSync('/proc/self/fd/' + f) === 'anon_inode:[io_uring]'; } catch { return false; } }).length;
      const binding = require(workerData.file);
      const before = rings();
      const server = net.createServer((s) => s.resume()).listen(0, '127.0.0.1', () => {
        const port = server.address().port;
        const a = net.connect(port, '127.0.0.1', () => {
          const b = net.connect(port, '127.0.0.1', () => {
            const results = new Int32Array(2);
            binding.sendAll(Int32Array.of(a._handle.fd, b._handle.fd), [Buffer.from('x'), Buffer.from('yz')], 2, results);
            parentPort.postMessage({ before, after: rings(), results: Array.from(results) });
            a.destroy();
            b.destroy();
            server.close();
          });
        });
      });`;
    io();
    const file = fileURLToPath(new URL('../../build/Release/signalbox_batch_io.node', import.meta.url));
    const rings = (): number => readdirSync('/proc/self/fd').filter((f) => readlinkOrEmpty(`/proc/self/fd/${f}`) === 'anon_inode:[io_uring]').length;
    const before = rings();
    const worker = new Worker(code, { eval: true, workerData: { file } });
    const [reply] = (await once(worker, 'message')) as [{ before: number; after: number; results: number[] }];
    await once(worker, 'exit');
    expect(reply.results).toEqual([1, 2]);
    // Where io_uring is switched off (kernel.io_uring_disabled) the sends go one by one and no ring is made.
    if (ioUringEnabled()) expect(reply.after).toBe(reply.before + 1);
    expect(rings()).toBe(before);
  });

  it('refuses a socket that is already being read by Node', async () => {
    const server = net.createServer();
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const accepted = once(server, 'connection');
    clients.push(net.connect((server.address() as net.AddressInfo).port, '127.0.0.1'));
    const [raw] = (await accepted) as [net.Socket];
    raw.on('data', () => undefined);
    expect(io().adopt(raw, () => undefined)).toBeUndefined();
    raw.destroy();
  });
});
