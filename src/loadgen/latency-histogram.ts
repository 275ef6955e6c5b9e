/**
 * A fixed-size log-linear histogram of round trips in microseconds (32 buckets per power of two,
 * so a quantile is within about 3% of the true value), cheap enough to record every packet-in.
 */

/** Sub-buckets per power of two: bucket width is at most 1/32 of its values. */
const SUB_BITS = 5;
const SUB = 1 << SUB_BITS;
/** Buckets: values up to 2^31 µs (35 minutes) have one; larger ones go to the last. */
const BUCKETS = (31 - SUB_BITS + 2) * SUB;

/** The bucket of a round trip of `us` microseconds (a non-negative integer). */
export function bucketOf(us: number): number {
  if (us < 2 * SUB) return us;
  const shift = 31 - Math.clz32(us) - SUB_BITS;
  return Math.min(BUCKETS - 1, (shift + 1) * SUB + (us >>> shift) - SUB);
}

/** The smallest value in bucket `i`, µs. */
export function bucketLowUs(i: number): number {
  if (i < 2 * SUB) return i;
  const shift = Math.floor(i / SUB) - 1;
  return (i - shift * SUB) * 2 ** shift;
}

/** Round-trip counts by bucket; `record` is all the hot path does. */
export class LatencyHistogram {
  readonly counts: Float64Array;

  constructor(counts?: Float64Array) {
    this.counts = counts ?? new Float64Array(BUCKETS);
  }

  /** Counts one round trip of `ms` milliseconds. */
  record(ms: number): void {
    const us = ms <= 0 ? 0 : ms >= 2 ** 31 / 1000 ? 2 ** 31 - 1 : Math.round(ms * 1000);
    this.counts[bucketOf(us)]!++;
  }

  /** Adds another histogram's counts to this one. */
  add(o: LatencyHistogram): this {
    for (let i = 0; i < BUCKETS; i++) this.counts[i]! += o.counts[i]!;
    return this;
  }

  /** This histogram minus an earlier copy of itself: what was recorded since. */
  since(earlier: LatencyHistogram): LatencyHistogram {
    const c = new Float64Array(BUCKETS);
    for (let i = 0; i < BUCKETS; i++) c[i] = this.counts[i]! - earlier.counts[i]!;
    return new LatencyHistogram(c);
  }

  copy(): LatencyHistogram {
    return new LatencyHistogram(Float64Array.from(this.counts));
  }

  get total(): number {
    let n = 0;
    for (let i = 0; i < BUCKETS; i++) n += this.counts[i]!;
    return n;
  }

  /**
   * The `q` quantile (0..1) in ms: the middle of the bucket holding the ceil(q * total)-th round
   * trip, or null when nothing was recorded.
   */
  quantileMs(q: number): number | null {
    const total = this.total;
    if (total === 0) return null;
    const rank = Math.max(1, Math.ceil(q * total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) {
        const lo = bucketLowUs(i);
        const hi = i + 1 < BUCKETS ? bucketLowUs(i + 1) : lo + 1;
        return (lo + (hi - lo - 1) / 2) / 1000;
      }
    }
    return null;
  }
}
