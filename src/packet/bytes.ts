/** Small big-endian readers and a view helper for the parsers' hot path (no bounds checks: callers check lengths). */

/** A shared empty Buffer: zero-length fields need no view of their own. */
export const EMPTY: Buffer = Buffer.alloc(0);

/** Big-endian 16-bit value at `o`; inlined by V8, unlike `Buffer#readUInt16BE` with its checks. */
export function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

/** Big-endian unsigned 32-bit value at `o`. */
export function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** `b[start, end)` as a view of `b`, or {@link EMPTY} when empty (a subarray costs about 250 ns). */
export function view(b: Buffer, start: number, end: number): Buffer {
  return end > start ? b.subarray(start, end) : EMPTY;
}
