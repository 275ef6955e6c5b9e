/**
 * Reads an accepted plain-TCP socket straight from its handle into slabs of memory this module
 * owns (net.Socket's `onread` option), without the Readable machinery: no 64 KiB allocation, no
 * push/emit and no `maybeReadMore` tick per read. TLS sockets keep the stream path.
 */
import net from 'node:net';

/**
 * Bytes of a fresh slab. Each socket holds one (libuv keeps the offered buffer until the next
 * read), so it starts small: 10,000 idle switches hold 40 MiB. A read that fills all it was
 * offered doubles the next slab, up to {@link MAX_SLAB}; a read of under a quarter of it brings
 * the next slab back to the minimum.
 */
export const MIN_SLAB = 4 * 1024;
export const MAX_SLAB = 64 * 1024;
/** A slab's tail shorter than this is not offered for a read: the next read gets a fresh slab. */
const MIN_TAIL = 512;

/**
 * Hands out read buffers carved from one slab at a time, never the same bytes twice: every read
 * gets the unused tail of the current slab, so a chunk handed to the framer (whose messages are
 * views of it) is never written over by a later read. A slab is freed by the GC once no view of
 * it is held. One per socket: libuv keeps the offered buffer until that socket's next read.
 */
export class ReadSlab {
  private slab: Buffer;
  private used = 0;
  private size = MIN_SLAB;

  constructor() {
    this.slab = Buffer.allocUnsafeSlow(this.size);
  }

  /** Bytes of the slab the next fresh one will have. */
  get slabSize(): number {
    return this.size;
  }

  /** The buffer the next read goes into. */
  next(): Buffer {
    if (this.slab.length - this.used < MIN_TAIL) {
      this.slab = Buffer.allocUnsafeSlow(this.size);
      this.used = 0;
    }
    return this.slab.subarray(this.used);
  }

  /** `n` bytes were read into `buf` (the last {@link next}): returns them, and they are never offered again. */
  take(n: number, buf: Buffer): Buffer {
    this.used += n;
    // A read that filled all it was offered: the peer sends in bulk, read more at once.
    if (n === buf.length) this.size = Math.min(MAX_SLAB, this.size * 2);
    else if (n < buf.length / 4) this.size = MIN_SLAB;
    return buf.subarray(0, n);
  }
}

/** The socket internals this module relies on (Node's net.Server builds accepted sockets on a handle). */
interface HandleOwner {
  _handle: unknown;
}

/**
 * Rebuilds an accepted socket (from a server listening with `pauseOnConnect`, not yet read) on
 * its handle with `onread`, so each read calls `onChunk(bytes)` directly; `onChunk` returning
 * false pauses reading (resume with `socket.resume()`). The original socket gives the handle up
 * and is destroyed when the new one closes, so the server's connection count and its `close`
 * listeners see the connection end. Returns undefined (the caller keeps the stream path) when
 * the socket has no handle to take.
 */
export function directReadSocket(raw: net.Socket, onChunk: (chunk: Buffer) => boolean | void): net.Socket | undefined {
  const owner = raw as unknown as HandleOwner;
  const handle = owner._handle;
  if (handle === null || handle === undefined || raw.destroyed || raw.readableFlowing === true) return undefined;
  const slab = new ReadSlab();
  owner._handle = null;
  const socket = new net.Socket({
    handle,
    readable: true,
    writable: true,
    onread: {
      buffer: () => slab.next(),
      callback: (n: number, buf: Uint8Array) => onChunk(slab.take(n, buf as Buffer)),
    },
  } as net.SocketConstructorOpts);
  socket.once('close', () => raw.destroy());
  return socket;
}
