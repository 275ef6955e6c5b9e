/** MacMap against a Map as the model: any sequence of sets, deletes and clears gives the same lookups, size, first key and insertion order. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MacMap } from '../../src/packet/mac-map.js';

type Op = { op: 'set'; key: number; value: number } | { op: 'delete'; key: number } | { op: 'clear' };

// Few distinct keys so deletes and re-sets hit; some share low bits (probe chains that wrap and shift), some are above 2^32.
const keyArb = fc.oneof(
  fc.integer({ min: 0, max: 40 }),
  fc.integer({ min: 0, max: 40 }).map((k) => k * 0x1_0000_0000),
  fc.integer({ min: 0, max: 40 }).map((k) => 0x02_0000_000000 + k * 64),
  fc.constant(2 ** 48 - 1),
);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('set' as const), key: keyArb, value: fc.integer() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('delete' as const), key: keyArb }) },
  { weight: 1, arbitrary: fc.constant({ op: 'clear' as const }) },
);

describe('MacMap', () => {
  it('behaves as a Map keyed by the same numbers (lookups, size, insertion order, first key)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 300 }), (ops) => {
        const m = new MacMap<number>();
        const model = new Map<number, number>();
        const seen = new Set<number>();
        for (const o of ops) {
          if (o.op === 'set') {
            m.set(o.key, o.value);
            model.set(o.key, o.value);
            seen.add(o.key);
          } else if (o.op === 'delete') expect(m.delete(o.key)).toBe(model.delete(o.key));
          else {
            m.clear();
            model.clear();
          }
          expect(m.size).toBe(model.size);
          expect(m.firstKey()).toBe(model.keys().next().value);
        }
        for (const k of seen) {
          expect(m.get(k)).toBe(model.get(k));
          expect(m.has(k)).toBe(model.has(k));
        }
        expect([...m.entries()]).toEqual([...model.entries()]);
        expect([...m.values()]).toEqual([...model.values()]);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps every entry through growth from the smallest table to thousands of MACs', () => {
    const m = new MacMap<number>();
    const n = 20_000;
    for (let i = 0; i < n; i++) m.set(0x02_0000_000000 + i * 7919, i);
    expect(m.size).toBe(n);
    for (let i = 0; i < n; i += 3) expect(m.delete(0x02_0000_000000 + i * 7919)).toBe(true);
    for (let i = 0; i < n; i++) expect(m.get(0x02_0000_000000 + i * 7919)).toBe(i % 3 === 0 ? undefined : i);
    expect(m.firstKey()).toBe(0x02_0000_000000 + 7919);
    // Insertion order survives every growth, and a key set after them goes last.
    m.set(1, -1);
    const kept = Array.from({ length: n }, (_, i) => i).filter((i) => i % 3 !== 0);
    expect([...m.values()]).toEqual([...kept, -1]);
  });

  it('refuses a key that is not a 48-bit MAC number', () => {
    const m = new MacMap<string>();
    for (const bad of [-1, 2 ** 48, 1.5, Number.NaN]) expect(() => m.set(bad, 'x')).toThrow(RangeError);
    expect(m.get(-1)).toBeUndefined();
    expect(m.has(-1)).toBe(false);
    expect(m.delete(-1)).toBe(false);
    expect(m.size).toBe(0);
  });
});
