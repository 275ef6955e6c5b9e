/**
 * A log line budget, pure: at most `perSecond` lines in each one-second window, the rest
 * dropped and counted, so a peer that sends 200k bad messages costs a few lines and one
 * "suppressed N" line instead of 49 MB of warnings. Time comes in as `now`.
 */

/** Lines per one-second window; beyond it lines are counted, not written. */
export class LogLimiter {
  private windowStart = Number.NEGATIVE_INFINITY;
  private used = 0;
  private dropped = 0;
  /** Lines dropped since this limiter was made (for metrics). */
  suppressedTotal = 0;

  /** `perSecond` 0 (or less) means no limit. */
  constructor(readonly perSecond: number) {}

  /** The window is one second long. */
  static readonly WINDOW_MS = 1000;

  /** True when a line may be written at `now`; false when it is over the budget (counted). */
  take(now: number): boolean {
    if (this.perSecond <= 0) return true;
    if (now - this.windowStart >= LogLimiter.WINDOW_MS) {
      this.windowStart = now;
      this.used = 0;
    }
    if (this.used < this.perSecond) {
      this.used++;
      return true;
    }
    this.dropped++;
    this.suppressedTotal++;
    return false;
  }

  /** When the current window ends: the time to write the "suppressed N" line. */
  windowEnd(): number {
    return this.windowStart + LogLimiter.WINDOW_MS;
  }

  /** Lines dropped since the last call, and resets that count (the N of "suppressed N messages"). */
  takeSuppressed(): number {
    const n = this.dropped;
    this.dropped = 0;
    return n;
  }
}

/** What a limited logger writes through: a pino-style level method. */
export type LogFn = (obj: Record<string, unknown>, msg: string) => void;

/** Schedules one call at a time; the Clock's `after` fits. */
export type After = (ms: number, fn: () => void) => { unref(): unknown };

/**
 * Writes lines through `limiter` and, after a window in which some were dropped, one line
 * `suppressed N messages` through `summary` at the window's end (a timer from `after`).
 * Returns the function to log with; it says whether the line was written (false: dropped, counted).
 */
export function limitedLog(limiter: LogLimiter, now: () => number, after: After, summary: (suppressed: number) => void): (write: () => void) => boolean {
  let scheduled = false;
  return (write) => {
    const t = now();
    if (limiter.take(t)) {
      write();
      return true;
    }
    if (scheduled) return false;
    scheduled = true;
    after(Math.max(0, limiter.windowEnd() - t), () => {
      scheduled = false;
      const n = limiter.takeSuppressed();
      if (n > 0) summary(n);
    }).unref();
    return false;
  };
}
