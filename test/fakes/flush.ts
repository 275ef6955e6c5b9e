/**
 * Lets in-process I/O run without letting time pass: stream pairs, promise chains and
 * immediates get their turns, no timer is waited on. For unit tests whose switches and stores are
 * in memory; anything that needs time to pass drives a ManualClock instead.
 */

/** Gives queued callbacks `rounds` turns of the event loop (each turn drains ticks and promises). */
export async function flush(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Flushes until `cond` holds. Fails after `maxRounds` turns: the condition is not coming from
 * in-memory I/O alone (a timer it waits on needs a clock advanced, or it never holds).
 */
export async function flushUntil(cond: () => boolean, message = 'condition', maxRounds = 10_000): Promise<void> {
  for (let i = 0; !cond(); i++) {
    if (i >= maxRounds) throw new Error(`${message}: not met after ${maxRounds} event-loop turns (no time passes here)`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
