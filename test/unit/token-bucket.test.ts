/** The shared token bucket: a burst at once, then the rate; `has` looks without taking. */
import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../src/core/token-bucket.js';

describe('TokenBucket', () => {
  it('admits a burst, then refills at the rate; has() answers like take() would without taking', () => {
    const b = new TokenBucket(10, 2, 0);
    expect(b.has(0)).toBe(true);
    expect([b.take(0), b.take(0), b.take(0)]).toEqual([true, true, false]);
    expect(b.has(50)).toBe(false);
    // One token every 100 ms; looking at it many times leaves it there.
    for (let i = 0; i < 5; i++) expect(b.has(100)).toBe(true);
    expect([b.take(100), b.take(100)]).toEqual([true, false]);
    // Never more than the burst, however long the pause.
    expect([b.take(10_000), b.take(10_000), b.take(10_000)]).toEqual([true, true, false]);
  });
});
