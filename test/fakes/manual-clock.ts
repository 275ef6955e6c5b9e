/**
 * A Clock for tests whose time moves only when the test says so: `advance(ms)` fires the timers
 * that fall due, in time order (ties in the order they were scheduled), including timers that
 * callbacks schedule during the advance and every repetition of an interval. No sleeping, no
 * wall-clock bounds.
 */
import type { Clock, Timer } from '../../src/core/clock.js';
import { flush } from './flush.js';

interface Scheduled {
  seq: number;
  due: number;
  /** Repeat period for `every`; undefined for `after`. */
  readonly periodMs: number | undefined;
  readonly fn: () => void;
  cancelled: boolean;
}

/** Options for a ManualClock. */
export interface ManualClockOptions {
  /** The reading of `now()` before any advance (ms since the epoch); default 1_700_000_000_000. */
  readonly startMs?: number;
}

/** A Clock driven by hand. */
export class ManualClock implements Clock {
  private current: number;
  private seq = 0;
  private timers: Scheduled[] = [];

  constructor(options: ManualClockOptions = {}) {
    this.current = options.startMs ?? 1_700_000_000_000;
  }

  now(): number {
    return this.current;
  }

  after(ms: number, fn: () => void): Timer {
    return this.schedule(Math.max(0, ms), undefined, fn);
  }

  every(ms: number, fn: () => void): Timer {
    // Like setInterval, a period below 1 ms is 1 ms (a zero period would never let time move).
    const periodMs = Math.max(1, ms);
    return this.schedule(periodMs, periodMs, fn);
  }

  /** Timers not yet fired or cancelled (an interval counts once). */
  get pending(): number {
    return this.timers.length;
  }

  /** When the next timer falls due, or undefined when none is pending. */
  nextDue(): number | undefined {
    return this.next()?.due;
  }

  /**
   * Moves time forward by `ms`, firing every timer due on the way at its own due time (so
   * `now()` inside a callback reads that time). A callback that throws stops the advance there
   * and the error propagates.
   */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`ManualClock.advance: ms must be >= 0, got ${ms}`);
    const target = this.current + ms;
    for (let t = this.next(); t && t.due <= target; t = this.next()) this.fire(t);
    this.current = target;
  }

  /**
   * The process stalls for `ms` (SIGSTOP, swapping, a long GC): time moves on but no timer fires.
   * Timers that fell due meanwhile fire late, at the time they get to run, on the next advance;
   * an interval fires once for the whole stall and is due a period after that, as Node's do.
   */
  stall(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`ManualClock.stall: ms must be >= 0, got ${ms}`);
    this.current += ms;
  }

  /**
   * Like `advance`, but lets promise callbacks and immediates run after each timer fires (and
   * once before and after), for code whose timers start asynchronous work that schedules more.
   */
  async advanceAsync(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`ManualClock.advanceAsync: ms must be >= 0, got ${ms}`);
    const target = this.current + ms;
    await flush();
    for (let t = this.next(); t && t.due <= target; t = this.next()) {
      this.fire(t);
      await flush();
    }
    this.current = target;
    await flush();
  }

  /**
   * Moves time from timer to timer (letting I/O run after each) until `cond` holds, and resolves
   * with the clock time that took. Fails when the next timer is more than `maxMs` after the start
   * (or none is left) and `cond` still does not hold.
   */
  async advanceUntil(cond: () => boolean, maxMs: number, message = 'condition'): Promise<number> {
    const t0 = this.current;
    await flush(20);
    while (!cond()) {
      const due = this.nextDue();
      if (due === undefined || due > t0 + maxMs) throw new Error(`${message}: not met within ${maxMs} ms of clock time`);
      await this.advanceAsync(Math.max(0, due - this.current)); // overdue after a stall: at once
      if (!cond()) await flush(20);
    }
    return this.current - t0;
  }

  /**
   * Fires one-shot timers until none is left (time jumps to each), including those they
   * schedule; intervals fire along the way but do not keep it going. Throws after `limit`
   * firings, which means a timer keeps rescheduling itself.
   */
  runAll(limit = 10_000): void {
    let fired = 0;
    for (let t = this.nextOneShotDue(); t !== undefined; t = this.nextOneShotDue()) {
      const before = this.current;
      this.advance(Math.max(0, t - before));
      if (++fired > limit) throw new Error(`ManualClock.runAll: more than ${limit} rounds, a timer keeps rescheduling itself`);
    }
  }

  private nextOneShotDue(): number | undefined {
    let due: number | undefined;
    for (const t of this.timers) if (t.periodMs === undefined && (due === undefined || t.due < due)) due = t.due;
    return due;
  }

  private schedule(delayMs: number, periodMs: number | undefined, fn: () => void): Timer {
    const entry: Scheduled = { seq: this.seq++, due: this.current + delayMs, periodMs, fn, cancelled: false };
    this.timers.push(entry);
    const timer: Timer = {
      cancel: () => {
        if (entry.cancelled) return;
        entry.cancelled = true;
        this.timers = this.timers.filter((t) => t !== entry);
      },
      unref: () => timer,
    };
    return timer;
  }

  /** The earliest timer (ties: scheduled first). */
  private next(): Scheduled | undefined {
    let best: Scheduled | undefined;
    for (const t of this.timers) {
      if (!best || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = t;
    }
    return best;
  }

  private fire(t: Scheduled): void {
    // A timer that fell due during a stall runs late, now; time never goes back.
    this.current = Math.max(this.current, t.due);
    if (t.periodMs === undefined) {
      t.cancelled = true;
      this.timers = this.timers.filter((x) => x !== t);
    } else {
      // The next repetition is due one period after this one ran and goes behind timers already due then.
      t.due = this.current + t.periodMs;
      t.seq = this.seq++;
    }
    t.fn();
  }
}
