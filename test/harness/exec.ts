/** The test harness's system helpers: the product's command runner (src/lab/exec.ts, which `signalbox lab` uses too), polling for a condition, a free port. */
import { createServer } from 'node:net';

export { CommandError, findExecutable, run, runSyncQuiet, whichSystem, type RunOptions, type RunResult } from '../../src/lab/exec.js';

/** Polls `fn` until it returns a truthy value (resolved with it) or `timeoutMs` passes (rejects with the last error or value). */
export async function waitFor<T>(fn: () => T | Promise<T>, timeoutMs = 10_000, intervalMs = 200): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`waitFor: condition not met within ${timeoutMs} ms (last: ${detail})`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A loopback port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', resolve);
  });
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}
