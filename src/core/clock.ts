/**
 * The one source of time. Services, sessions, apps and the cluster take a Clock; only
 * `systemClock` touches the runtime's timers, so tests drive time with a manual clock
 * (test/fakes/manual-clock.ts) instead of sleeping.
 */

/** A scheduled callback. */
export interface Timer {
  /** Stops it; idempotent. */
  cancel(): void;
  /** Lets the process exit while only this timer is pending (a no-op on a manual clock). */
  unref(): Timer;
}

/** Time and timers, injected. */
export interface Clock {
  /** Milliseconds since the epoch (wall clock, as `Date.now()`). */
  now(): number;
  /** Runs `fn` once, `ms` from now. */
  after(ms: number, fn: () => void): Timer;
  /** Runs `fn` every `ms` until cancelled. */
  every(ms: number, fn: () => void): Timer;
}

/** The system clock's time while a batch holds it (see {@link holdSystemTime}); 0 when none does. */
let heldNow = 0;

/**
 * Reads the system clock once for a batch of messages handled in one go (the batched I/O's reads):
 * `systemClock.now()` returns that time until {@link releaseSystemTime}. A clock read costs about
 * 0.1 µs here, and a packet-in's services read it two or three times. Not nested.
 */
export function holdSystemTime(): void {
  heldNow = Date.now();
}

/** Ends {@link holdSystemTime}: `systemClock.now()` reads the clock again. */
export function releaseSystemTime(): void {
  heldNow = 0;
}

/** The real clock: the runtime's timers. */
export const systemClock: Clock = {
  now: () => (heldNow !== 0 ? heldNow : Date.now()),
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    const timer: Timer = { cancel: () => clearTimeout(t), unref: () => (t.unref(), timer) };
    return timer;
  },
  every(ms, fn) {
    const t = setInterval(fn, ms);
    const timer: Timer = { cancel: () => clearInterval(t), unref: () => (t.unref(), timer) };
    return timer;
  },
};

/** Resolves `ms` from now on `clock`. */
export function delay(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.after(ms, resolve));
}
