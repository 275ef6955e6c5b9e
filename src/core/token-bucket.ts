/** A token bucket, pure: time comes in as `now`, so the session, the topology and tests share one rate limiter. */

/**
 * Admits `ratePerSec` events per second on average and up to `burst` at once. An event that
 * finds the bucket empty is refused (the caller counts it); refusing costs nothing.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  /** A full bucket at `now`. `burst` below 1 is taken as 1, so a positive rate always admits something. */
  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    now: number,
  ) {
    this.burst = Math.max(1, burst);
    this.tokens = this.burst;
    this.last = now;
  }

  /** Takes one token at `now`: true when the event may go ahead. */
  take(now: number): boolean {
    if (!this.has(now)) return false;
    this.tokens -= 1;
    return true;
  }

  /** True when an event at `now` would be admitted; takes nothing. */
  has(now: number): boolean {
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.ratePerSec) / 1000);
      this.last = now;
    }
    return this.tokens >= 1;
  }
}
