/**
 * Plain-TCP switch connections read and written through the batched I/O module
 * (`native/batch_io.c`, built at install when a compiler is there): every socket that is ready in
 * a turn of the event loop is read, in C, into a shared slab, and JavaScript is entered once for
 * the whole batch (after the loop's poll phase) instead of once per socket; the writes of a tick go
 * to the kernel together, in one io_uring_enter where the kernel has io_uring (else a non-blocking
 * send each). With many switches each sending a small message per round trip, Node's per-socket read
 * callbacks and Writable machinery cost more than the controller's own work (issue #18).
 *
 * Without the module (no compiler at install, or not Linux), {@link batchIo} returns undefined
 * and the server reads through Node's sockets as before.
 */
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type net from 'node:net';
import { holdSystemTime, releaseSystemTime } from '../core/clock.js';
import { bufferView } from './codec/buffer-view.js';
import { afterSessionWrites, writingSessions } from './session.js';

/** The native module's functions (see native/batch_io.c for each one's contract). */
interface Binding {
  readonly ENTRIES_LENGTH: number;
  readonly EAGAIN: number;
  open(onBatch: (slab: Buffer, count: number) => void, entries: Int32Array): object;
  watch(poller: object, fd: number, id: number, read: boolean, write: boolean): number;
  unwatch(poller: object, fd: number): number;
  send(fd: number, bytes: Uint8Array): number;
  sendAll(fds: Int32Array, buffers: Uint8Array[], n: number, results: Int32Array): void;
  shutdownWrite(fd: number): number;
  close(poller: object): void;
}

const KIND_DATA = 0;
const KIND_EOF = 1;
const KIND_ERROR = 2;
const KIND_WRITABLE = 3;
const ENTRY_INTS = 4;

const MODULE_FILE = 'build/Release/signalbox_batch_io.node';

let binding: Binding | null | undefined;

/** The native module, loaded once; null when it was not built or does not load here. */
function loadBinding(): Binding | null {
  if (binding !== undefined) return binding;
  binding = null;
  if (process.platform !== 'linux') return binding;
  // From src/openflow (tests run the sources) or dist/src/openflow (the build): the package root is two or three up.
  for (const up of ['../../', '../../../']) {
    const file = new URL(up + MODULE_FILE, import.meta.url);
    if (!existsSync(file)) continue;
    try {
      binding = createRequire(import.meta.url)(file.pathname) as Binding;
    } catch {
      binding = null;
    }
    break;
  }
  return binding;
}

/** The socket internals this module relies on: a net.Socket built on a libuv TCP handle exposes its descriptor. */
interface HandleOwner {
  _handle: { fd?: number } | null;
}

/**
 * One process's set of batched sockets (each watched by Node's loop, read in C, delivered
 * together). Sockets join with {@link adopt}; ids are small integers reused after a socket is
 * destroyed.
 */
export class BatchIo {
  private readonly entries: Int32Array;
  private readonly poller: object;
  private readonly sockets: (BatchSocket | undefined)[] = [];
  private readonly freeIds: number[] = [];
  /** Writes of this tick (the first `sendCount`), sent together by {@link sendDeferred} (one io_uring_enter for all of them). */
  private sendSockets: (BatchSocket | undefined)[] = [];
  private sendBuffers: (Uint8Array | undefined)[] = [];
  /** The other pair: writes made while a batch is being sent go here, for the next send. */
  private spareSockets: (BatchSocket | undefined)[] = [];
  private spareBuffers: (Uint8Array | undefined)[] = [];
  private sendCount = 0;
  /** The slab of the last batch, with its ArrayBuffer and offset (views of it are made per read). */
  private slab: Buffer | undefined;
  private slabBytes: ArrayBufferLike = new ArrayBuffer(0);
  private slabOffset = 0;
  private sendFds = new Int32Array(64);
  private sendResults = new Int32Array(64);
  private sendScheduled = false;
  private readonly sendDeferredBound = (): void => this.sendDeferred();

  /** @internal */
  constructor(readonly binding: Binding) {
    this.entries = new Int32Array(binding.ENTRIES_LENGTH);
    this.poller = binding.open((slab, count) => this.onBatch(slab, count), this.entries);
    afterSessionWrites(() => {
      if (this.sendScheduled) this.sendDeferred();
    });
  }

  /** Sockets currently in the set. */
  get size(): number {
    return this.sockets.length - this.freeIds.length;
  }

  /**
   * Takes over an accepted socket that has not been read (a server listening with
   * `pauseOnConnect`): its bytes go to `onChunk`, and the returned stream writes to it. The
   * net.Socket keeps its descriptor, and is destroyed when the returned stream is. Returns
   * undefined (the caller keeps Node's path) when the socket has no descriptor to take.
   */
  adopt(raw: net.Socket, onChunk: (chunk: Buffer) => void): BatchSocket | undefined {
    const fd = (raw as unknown as HandleOwner)._handle?.fd;
    if (typeof fd !== 'number' || fd < 0 || raw.destroyed || raw.readableFlowing === true) return undefined;
    const id = this.freeIds.pop() ?? this.sockets.length;
    if (this.binding.watch(this.poller, fd, id, true, false) !== 0) {
      if (id < this.sockets.length) this.freeIds.push(id);
      return undefined;
    }
    const socket = new BatchSocket(this, raw, fd, id, onChunk);
    this.sockets[id] = socket;
    return socket;
  }

  /**
   * @internal Sends `chunk` with the other writes of this tick: when the sessions' writes of the
   * turn end (see afterSessionWrites), or for a write made elsewhere once the current callback is
   * done (a process.nextTick).
   */
  deferSend(s: BatchSocket, chunk: Uint8Array): void {
    const i = this.sendCount++;
    this.sendSockets[i] = s;
    this.sendBuffers[i] = chunk;
    if (!this.sendScheduled) {
      this.sendScheduled = true;
      if (!writingSessions()) process.nextTick(this.sendDeferredBound);
    }
  }

  private sendDeferred(): void {
    this.sendScheduled = false;
    const count = this.sendCount;
    if (count === 0) return;
    const sockets = this.sendSockets;
    const buffers = this.sendBuffers;
    // A socket's outcome may make it write again (a 'drain' handler): that write goes in the other pair.
    this.sendSockets = this.spareSockets;
    this.sendBuffers = this.spareBuffers;
    this.spareSockets = sockets;
    this.spareBuffers = buffers;
    this.sendCount = 0;
    // A socket destroyed since its write has closed its descriptor (whose number may be in use again): it is left out.
    let n = 0;
    for (let i = 0; i < count; i++) {
      const s = sockets[i]!;
      if (s.destroyed) continue;
      sockets[n] = s;
      buffers[n] = buffers[i]!;
      n++;
    }
    if (this.sendFds.length < n) {
      this.sendFds = new Int32Array(n * 2);
      this.sendResults = new Int32Array(n * 2);
    }
    for (let i = 0; i < n; i++) this.sendFds[i] = sockets[i]!.fd;
    // (The arrays keep their length: sendAll reads the first n, and no length is set per turn.)
    if (n > 0) this.binding.sendAll(this.sendFds, buffers as Uint8Array[], n, this.sendResults);
    const results = this.sendResults;
    for (let i = 0; i < n; i++) {
      try {
        sockets[i]!.afterSend(buffers[i]!, results[i]!);
      } catch (err) {
        sockets[i]!.destroy(err as Error);
      }
    }
    // The sent views go with this batch (each holds its session's output buffer).
    for (let i = 0; i < count; i++) {
      sockets[i] = undefined;
      buffers[i] = undefined;
    }
  }

  /** @internal What the socket waits for: readable, writable (a write that did not fit), both or neither. */
  watch(s: BatchSocket, read: boolean, write: boolean): number {
    return this.binding.watch(this.poller, s.fd, s.id, read, write);
  }

  /** @internal Leaves the set (before its descriptor is closed); the id is free again. */
  release(s: BatchSocket): void {
    this.binding.unwatch(this.poller, s.fd);
    if (this.sockets[s.id] === s) {
      this.sockets[s.id] = undefined;
      this.freeIds.push(s.id);
    }
  }

  private onBatch(slab: Buffer, count: number): void {
    if (slab !== this.slab) {
      this.slab = slab;
      this.slabBytes = slab.buffer;
      this.slabOffset = slab.byteOffset;
    }
    const bytes = this.slabBytes;
    const base = this.slabOffset;
    const e = this.entries;
    // One time for the batch: its messages arrived together.
    holdSystemTime();
    try {
      this.handleBatch(bytes, base, e, count);
    } finally {
      releaseSystemTime();
    }
  }

  private handleBatch(bytes: ArrayBufferLike, base: number, e: Int32Array, count: number): void {
    for (let i = 0, at = 0; i < count; i++, at += ENTRY_INTS) {
      const s = this.sockets[e[at]!];
      if (s === undefined) continue;
      const kind = e[at + 3]!;
      // One socket's failure is that socket's: it ends, the rest of the batch goes on.
      try {
        if (kind === KIND_DATA) s.onRead(bufferView(bytes, base + e[at + 1]!, e[at + 2]!));
        else if (kind === KIND_WRITABLE) s.onWritable();
        else if (kind === KIND_EOF) s.onEnd();
        else if (kind === KIND_ERROR) s.fail(e[at + 2]!);
      } catch (err) {
        s.destroy(err as Error);
      }
    }
  }
}

/**
 * A switch connection in a {@link BatchIo} set, with the part of a Duplex stream that a Session
 * uses: write with backpressure ('drain'), end, destroy, pause/resume of reading, and the
 * 'end', 'error' and 'close' events.
 */
export class BatchSocket extends EventEmitter {
  private readonly queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private reading = true;
  private writeWaiting = false;
  /** A write of this tick is waiting in the io's batch (see BatchIo.deferSend). */
  private sendPending = false;
  private readEnded = false;
  private ending = false;
  private isDestroyed = false;

  /** @internal */
  constructor(
    private readonly io: BatchIo,
    private readonly raw: net.Socket,
    readonly fd: number,
    readonly id: number,
    private readonly onChunk: (chunk: Buffer) => void,
  ) {
    super();
  }

  get destroyed(): boolean {
    return this.isDestroyed;
  }

  /** Bytes accepted by {@link write} and not yet taken by the kernel. */
  get writableLength(): number {
    return this.queuedBytes;
  }

  /**
   * Sends `chunk` with the tick's other writes (see BatchIo.deferSend), or queues it behind what
   * the socket's buffer could not take; false once something is queued ('drain' follows).
   */
  write(chunk: Uint8Array): boolean {
    if (this.isDestroyed || this.ending) return false;
    if (this.queue.length > 0) {
      this.queue.push(chunk);
      this.queuedBytes += chunk.length;
      return false;
    }
    if (this.sendPending) {
      // Behind this tick's write, in order: sent once that one has gone in full.
      this.queue.push(chunk);
      this.queuedBytes += chunk.length;
      return true;
    }
    this.sendPending = true;
    this.io.deferSend(this, chunk);
    return true;
  }

  /** @internal The outcome of this socket's write in the batch: `n` bytes sent, or -errno. */
  afterSend(chunk: Uint8Array, n: number): void {
    this.sendPending = false;
    if (this.isDestroyed) return;
    if (n === chunk.length) {
      if (this.queue.length > 0) this.onWritable();
      else if (this.ending) this.io.binding.shutdownWrite(this.fd);
      return;
    }
    if (n < 0 && n !== -this.io.binding.EAGAIN) {
      this.fail(-n);
      return;
    }
    const rest = n > 0 ? chunk.subarray(n) : chunk;
    this.queue.unshift(rest);
    this.queuedBytes += rest.length;
    this.waitFor(this.reading && !this.readEnded, true);
  }

  /** Writes `chunk`, then closes the sending side once everything queued has gone (the peer sees end of stream). */
  end(chunk?: Uint8Array): this {
    if (this.isDestroyed || this.ending) return this;
    if (chunk !== undefined && chunk.length > 0) this.write(chunk);
    this.ending = true;
    if (this.queue.length === 0 && !this.sendPending) this.io.binding.shutdownWrite(this.fd);
    return this;
  }

  /** Stops reading (the kernel's buffer fills and TCP slows the peer down). */
  pause(): this {
    if (this.reading) {
      this.reading = false;
      if (!this.readEnded && !this.isDestroyed) this.waitFor(false, this.writeWaiting);
    }
    return this;
  }

  resume(): this {
    if (!this.reading) {
      this.reading = true;
      if (!this.readEnded && !this.isDestroyed) this.waitFor(true, this.writeWaiting);
    }
    return this;
  }

  /** Closes the connection at once (what is queued is dropped); 'error' (given one) and 'close' follow. */
  destroy(err?: Error): this {
    if (this.isDestroyed) return this;
    this.isDestroyed = true;
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.io.release(this);
    this.raw.destroy();
    process.nextTick(() => {
      if (err !== undefined) this.emit('error', err);
      this.emit('close');
    });
    return this;
  }

  /** @internal */
  onRead(chunk: Buffer): void {
    if (!this.isDestroyed) this.onChunk(chunk);
  }

  /** @internal The peer closed its sending side (the native side has stopped watching for reads). */
  onEnd(): void {
    if (this.readEnded) return;
    this.readEnded = true;
    if (this.writeWaiting) this.waitFor(false, true);
    if (!this.isDestroyed) this.emit('end');
  }

  /** @internal The socket can take more: writes what is queued, and emits 'drain' once it has all gone. */
  onWritable(): void {
    if (this.isDestroyed) return;
    while (this.queue.length > 0) {
      const chunk = this.queue[0]!;
      const n = this.io.binding.send(this.fd, chunk);
      if (n === chunk.length) {
        this.queue.shift();
        this.queuedBytes -= n;
        continue;
      }
      if (n < 0 && n !== -this.io.binding.EAGAIN) {
        this.fail(-n);
        return;
      }
      if (n > 0) {
        this.queue[0] = chunk.subarray(n);
        this.queuedBytes -= n;
      }
      return;
    }
    this.waitFor(this.reading && !this.readEnded, false);
    if (this.ending) {
      this.io.binding.shutdownWrite(this.fd);
      return;
    }
    this.emit('drain');
  }

  /** @internal A read or write failed with this errno: the connection ends with an error. */
  fail(errno: number): void {
    if (errno === 0) {
      this.onEnd();
      return;
    }
    this.readEnded = true;
    const e = new Error(`socket error ${errno}`) as NodeJS.ErrnoException;
    e.errno = errno;
    this.destroy(e);
  }

  private waitFor(read: boolean, write: boolean): void {
    this.writeWaiting = write;
    // With nothing to wait for, the socket's watch stops (it stays in the set, silent until asked again).
    const rc = this.io.watch(this, read, write);
    if (rc < 0) this.fail(-rc);
  }
}

let shared: BatchIo | null | undefined;

/** This process's batched socket set, or undefined when the native module is not available. */
export function batchIo(): BatchIo | undefined {
  if (shared === undefined) {
    const b = loadBinding();
    shared = b === null ? null : new BatchIo(b);
  }
  return shared ?? undefined;
}
