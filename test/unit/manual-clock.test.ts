import { describe, expect, it } from 'vitest';
import { delay } from '../../src/core/clock.js';
import { ManualClock } from '../fakes/manual-clock.js';

describe('ManualClock', () => {
  it('reads the start time until advanced, then moves by exactly the amount', () => {
    const c = new ManualClock({ startMs: 1000 });
    expect(c.now()).toBe(1000);
    c.advance(250);
    expect(c.now()).toBe(1250);
    expect(() => c.advance(-1)).toThrow(RangeError);
  });

  it('fires timers when due, in time order, with now() reading their due time', () => {
    const c = new ManualClock({ startMs: 0 });
    const seen: string[] = [];
    c.after(30, () => seen.push(`b@${c.now()}`));
    c.after(10, () => seen.push(`a@${c.now()}`));
    c.after(30, () => seen.push(`c@${c.now()}`));
    c.advance(9);
    expect(seen).toEqual([]);
    c.advance(1);
    expect(seen).toEqual(['a@10']);
    c.advance(100);
    expect(seen).toEqual(['a@10', 'b@30', 'c@30']);
    expect(c.now()).toBe(110);
    expect(c.pending).toBe(0);
  });

  it('fires timers scheduled by callbacks during the same advance', () => {
    const c = new ManualClock({ startMs: 0 });
    const seen: number[] = [];
    c.after(10, () => {
      seen.push(c.now());
      c.after(5, () => seen.push(c.now()));
      c.after(0, () => seen.push(c.now()));
      c.after(100, () => seen.push(c.now()));
    });
    c.advance(20);
    expect(seen).toEqual([10, 10, 15]);
    expect(c.pending).toBe(1);
    expect(c.nextDue()).toBe(110);
  });

  it('repeats intervals every period until cancelled, even from their own callback', () => {
    const c = new ManualClock({ startMs: 0 });
    const ticks: number[] = [];
    const t = c.every(10, () => {
      ticks.push(c.now());
      if (ticks.length === 4) t.cancel();
    });
    c.advance(25);
    expect(ticks).toEqual([10, 20]);
    c.advance(1000);
    expect(ticks).toEqual([10, 20, 30, 40]);
    expect(c.pending).toBe(0);
  });

  it('interleaves intervals and one-shot timers by due time', () => {
    const c = new ManualClock({ startMs: 0 });
    const seen: string[] = [];
    c.every(10, () => seen.push(`i${c.now()}`));
    c.after(15, () => seen.push(`o${c.now()}`));
    c.after(20, () => seen.push(`p${c.now()}`));
    c.advance(30);
    // At 20 the one-shot was scheduled before the interval's second repetition.
    expect(seen).toEqual(['i10', 'o15', 'p20', 'i20', 'i30']);
  });

  it('cancel stops a timer and is idempotent; unref returns the timer', () => {
    const c = new ManualClock();
    let fired = 0;
    const t = c.after(10, () => fired++);
    expect(t.unref()).toBe(t);
    t.cancel();
    t.cancel();
    c.advance(20);
    expect(fired).toBe(0);
    expect(c.pending).toBe(0);
  });

  it('runAll runs every one-shot timer, jumping time, and stops at intervals', () => {
    const c = new ManualClock({ startMs: 0 });
    const seen: number[] = [];
    c.every(1000, () => seen.push(-c.now()));
    c.after(500, () => {
      seen.push(c.now());
      c.after(2000, () => seen.push(c.now()));
    });
    c.runAll();
    expect(seen).toEqual([500, -1000, -2000, 2500]);
    expect(c.now()).toBe(2500);
    expect(c.pending).toBe(1);
  });

  it('runAll gives up on a timer that keeps rescheduling itself', () => {
    const c = new ManualClock();
    const again = (): void => void c.after(1, again);
    again();
    expect(() => c.runAll(50)).toThrow(/keeps rescheduling/);
  });

  it('advanceAsync lets promise chains started by a timer schedule and fire more timers', async () => {
    const c = new ManualClock({ startMs: 0 });
    const seen: number[] = [];
    const work = async (): Promise<void> => {
      await delay(c, 10);
      seen.push(c.now());
      await Promise.resolve();
      await delay(c, 10);
      seen.push(c.now());
    };
    const done = work();
    await c.advanceAsync(25);
    await done;
    expect(seen).toEqual([10, 20]);
    expect(c.now()).toBe(25);
  });

  it('a throwing callback stops the advance at its due time', () => {
    const c = new ManualClock({ startMs: 0 });
    c.after(10, () => {
      throw new Error('boom');
    });
    let later = false;
    c.after(20, () => (later = true));
    expect(() => c.advance(30)).toThrow('boom');
    expect(c.now()).toBe(10);
    expect(later).toBe(false);
    c.advance(20);
    expect(later).toBe(true);
  });
  it('a stall moves time without firing; what fell due fires late, once, and an interval is due a period after it ran', () => {
    const c = new ManualClock({ startMs: 0 });
    const ticks: number[] = [];
    const once: number[] = [];
    c.every(100, () => ticks.push(c.now()));
    c.after(150, () => once.push(c.now()));
    c.advance(100);
    c.stall(1_000);
    expect(c.now()).toBe(1_100);
    expect(ticks).toEqual([100]);
    c.advance(0);
    expect(ticks).toEqual([100, 1_100]);
    expect(once).toEqual([1_100]);
    c.advance(100);
    expect(ticks).toEqual([100, 1_100, 1_200]);
    expect(c.nextDue()).toBe(1_300);
  });
});
