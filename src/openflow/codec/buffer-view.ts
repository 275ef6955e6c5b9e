/** Buffer views made without `Buffer#subarray`'s per-call cost, for the hot paths that slice one buffer often. */
type ViewMaker = (ab: ArrayBufferLike, byteOffset: number, length: number) => Buffer;

/**
 * Node's constructor of Buffer views, which `Buffer.from(arrayBuffer, ...)` and `Buffer#subarray`
 * end in (the species the Uint8Array methods use); `Buffer.from` where it is not one.
 */
const makeView: ViewMaker = (() => {
  const Species = (Buffer as unknown as { [Symbol.species]?: new (ab: ArrayBufferLike, byteOffset: number, length: number) => Buffer })[Symbol.species];
  try {
    if (typeof Species === 'function' && Buffer.isBuffer(new Species(new ArrayBuffer(2), 1, 1))) return (ab, byteOffset, length) => new Species(ab, byteOffset, length);
  } catch {
    // Not a view constructor here: the public way below.
  }
  return (ab, byteOffset, length) => Buffer.from(ab, byteOffset, length);
})();

/**
 * `length` bytes of `ab` from `byteOffset`, as a Buffer view: for a hot path that slices the same
 * buffer again and again and keeps its ArrayBuffer. `Buffer#subarray` reads `.buffer`, a call into
 * the runtime, every time (about 60 ns a view; this one about 25).
 */
export function bufferView(ab: ArrayBufferLike, byteOffset: number, length: number): Buffer {
  return makeView(ab, byteOffset, length);
}
