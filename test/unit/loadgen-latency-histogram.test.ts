/** The load generator's round-trip histogram: buckets in order, quantiles within a bucket's width (about 3%). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketLowUs, bucketOf, LatencyHistogram } from '../../src/loadgen/latency-histogram.js';

describe('LatencyHistogram', () => {
  it('puts every value in the bucket whose range holds it, buckets in value order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 2 }), (us) => {
        const b = bucketOf(us);
        expect(bucketLowUs(b)).toBeLessThanOrEqual(us);
        expect(bucketLowUs(b + 1)).toBeGreaterThan(us);
        expect(bucketOf(us + 1)).toBeGreaterThanOrEqual(b);
      }),
    );
  });

  it('gives quantiles within 3% of the exact ones', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0.001, max: 5000, noNaN: true }), { minLength: 1, maxLength: 300 }), fc.constantFrom(0.5, 0.9, 0.99), (ms, q) => {
        const h = new LatencyHistogram();
        for (const v of ms) h.record(v);
        const sorted = [...ms].sort((a, b) => a - b);
        const exact = sorted[Math.max(1, Math.ceil(q * ms.length)) - 1]!;
        const got = h.quantileMs(q)!;
        // Values are kept to the microsecond, so allow that too.
        expect(Math.abs(got - exact)).toBeLessThanOrEqual(exact * 0.03 + 0.001);
      }),
    );
  });

  it('counts what was recorded since a copy, and has no quantile when empty', () => {
    const h = new LatencyHistogram();
    expect(h.quantileMs(0.5)).toBeNull();
    h.record(1);
    const before = h.copy();
    h.record(10);
    h.record(10);
    const since = h.since(before);
    expect(since.total).toBe(2);
    expect(since.quantileMs(0.5)).toBeCloseTo(10, 0);
    expect(new LatencyHistogram().add(h).total).toBe(3);
  });
});
