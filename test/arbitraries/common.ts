/** fast-check arbitraries for the primitive values of OpenFlow messages, in the canonical forms the codec decodes to. */
import fc from 'fast-check';
import { formatIpv6, formatMac } from '../../src/core/addr.js';

export const u8 = fc.integer({ min: 0, max: 0xff });
export const u16 = fc.integer({ min: 0, max: 0xffff });
export const u32 = fc.oneof(
  fc.integer({ min: 0, max: 0xffffffff }),
  // Reserved numbers (OFPP_*, OFPG_*, OFP_NO_BUFFER...) sit at the top of the range.
  fc.integer({ min: 0xffffff00, max: 0xffffffff }),
  fc.integer({ min: 0, max: 16 }),
);
export const u64 = fc.oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.constantFrom(0n, 1n, (1n << 64n) - 1n, 1n << 63n));

/** An unsigned integer of `n` bytes (n <= 4) as a number. */
export function uint(n: number): fc.Arbitrary<number> {
  return fc.integer({ min: 0, max: 2 ** (8 * n) - 1 });
}

/** An integer in [0, max] that is none of `taken` (for unknown type numbers). */
export function other(max: number, taken: readonly number[]): fc.Arbitrary<number> {
  const set = new Set(taken);
  return fc.integer({ min: 0, max }).filter((v) => !set.has(v));
}

/** A Buffer of up to `max` bytes (length filtered by `ok` when given). */
export function bytes(max: number, ok?: (n: number) => boolean): fc.Arbitrary<Buffer> {
  const a = fc.uint8Array({ maxLength: max }).map((u) => Buffer.from(u));
  return ok === undefined ? a : a.filter((b) => ok(b.length));
}

/** A Buffer whose length is `rem` modulo 8 (for bodies that must end on an 8-byte boundary). */
export function bytesMod8(maxBlocks: number, rem: number): fc.Arbitrary<Buffer> {
  return fc.integer({ min: 0, max: maxBlocks }).chain((k) => fc.uint8Array({ minLength: 8 * k + rem, maxLength: 8 * k + rem }).map((u) => Buffer.from(u)));
}

export const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => formatMac(b));
export const ipv4 = fc.tuple(u8, u8, u8, u8).map((p) => p.join('.'));
/** IPv6 text in RFC 5952 form, from 16 random bytes (many zeros, to exercise `::`). */
export const ipv6 = fc
  .array(fc.oneof(fc.constant(0), u16, fc.constant(0)), { minLength: 8, maxLength: 8 })
  .map((groups) => {
    const b = Buffer.alloc(16);
    groups.forEach((g, i) => b.writeUInt16BE(g, 2 * i));
    return formatIpv6(b);
  });

/**
 * A string for a NUL-padded `char[n]` field: no NUL, at most `n` UTF-8 bytes (exactly `n` is
 * allowed: the field then has no terminator).
 */
export function cstr(n: number): fc.Arbitrary<string> {
  return fc
    .oneof(fc.string({ maxLength: n }), fc.string({ unit: 'grapheme', maxLength: Math.max(1, n >> 2) }))
    .filter((s) => !s.includes('\0') && Buffer.byteLength(s, 'utf8') <= n);
}

export const xid = u32;
