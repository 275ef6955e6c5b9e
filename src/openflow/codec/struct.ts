/**
 * Fixed-layout structs as data: a layout lists each field's name and wire width, and
 * `structCodec` turns it into a reader and a writer for that struct (the counter structs of both
 * versions). Like fastify's serializers, the two are generated once per layout as straight-line
 * code, so a table-driven struct reads and writes as fast as a hand-written one.
 */
import type { Reader } from './reader.js';
import type { Writer } from './writer.js';

/** Wire width in bytes: 1, 2 and 4 are read as a number, 8 as a bigint. */
export type Width = 1 | 2 | 4 | 8;

/** One field: its property name and width, or padding (null and its length: zeros out, skipped in). */
export type Field<T> = readonly [name: keyof T & string, width: Width] | readonly [name: null, padBytes: number];

/** A struct's fields in wire order, big-endian and packed (padding is spelled out as null fields). */
export type Layout<T> = readonly Field<T>[];

/** The reader and writer of one layout. */
export interface StructCodec<T> {
  /** Bytes on the wire. */
  readonly size: number;
  /**
   * Reads the struct through `r` (each field through the reader, so a short struct fails as its
   * bounds say), after the values of the `before` fields, if any.
   */
  read(r: Reader, ...before: unknown[]): T;
  /** Writes `v`'s fields (padding as zeros). */
  write(w: Writer, v: T): void;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const READ = { 1: 'u8', 2: 'u16', 4: 'u32', 8: 'u64' } as const;

/**
 * The codec of `layout`. `before` names fields the caller has read already (a string, say): the
 * reader then takes their values as arguments, in that order, and puts them first in the object,
 * so objects keep the wire order of their fields.
 */
export function structCodec<T>(layout: Layout<T>, before: readonly (keyof T & string)[] = []): StructCodec<T> {
  const reads: string[] = [];
  const writes: string[] = [];
  const props: string[] = before.map((n, i) => `${n}: a${i}`);
  let size = 0;
  layout.forEach((f, i) => {
    size += f[1];
    if (f[0] === null) {
      reads.push(`r.skip(${f[1]});`);
      writes.push(`w.zeros(${f[1]});`);
      return;
    }
    const name = f[0];
    const width = f[1] as Width;
    if (!NAME.test(name)) throw new Error(`struct field name ${JSON.stringify(name)} is not an identifier`);
    reads.push(`const f${i} = r.${READ[width]}();`);
    writes.push(`w.${READ[width]}(v.${name});`);
    props.push(`${name}: f${i}`);
  });
  for (const n of before) if (!NAME.test(n)) throw new Error(`struct field name ${JSON.stringify(n)} is not an identifier`);
  // Generated from the layout's own names (checked above), never from input.
  const read = new Function('r', ...before.map((_, i) => `a${i}`), `${reads.join('\n')}\nreturn { ${props.join(', ')} };`) as (r: Reader, ...before: unknown[]) => T;
  const write = new Function('w', 'v', writes.join('\n')) as (w: Writer, v: T) => void;
  return { size, read, write };
}
