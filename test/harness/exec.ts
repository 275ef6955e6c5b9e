/** The test harness's system helpers: the product's command runner (src/lab/exec.ts, which `signalbox lab` uses too), polling for a condition, a free port, the output and end of a child process. */
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export { CommandError, findExecutable, run, runSyncQuiet, whichSystem, type RunOptions, type RunResult } from '../../src/lab/exec.js';

/** How `waitFor` polls and what it says when it gives up. */
export interface WaitForOptions {
  /** Give up after this long; default 10 s. */
  readonly timeoutMs?: number;
  /** Pause between two polls; default 200 ms. */
  readonly intervalMs?: number;
  /** What was awaited, named in the error on timeout; a function is called only then (to add a diagnosis). */
  readonly message?: string | (() => string | Promise<string>);
}

/**
 * The one way integration and lab tests wait on real OVS, etcd, Mininet or processes: polls
 * `condition` until it returns a truthy value (resolved with it) or `timeoutMs` passes (rejects
 * naming `message` and the last value or error). A throwing condition counts as "not yet".
 * The positional form `waitFor(fn, timeoutMs, intervalMs)` is kept for older callers.
 */
export async function waitFor<T>(condition: () => T | Promise<T>, options?: WaitForOptions | number, intervalMs?: number): Promise<NonNullable<T>> {
  const opts: WaitForOptions = typeof options === 'number' ? { timeoutMs: options, ...(intervalMs !== undefined ? { intervalMs } : {}) } : (options ?? {});
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const stepMs = opts.intervalMs ?? 200;
  // Wall time is the point here: these tests wait on real processes and kernels.
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await condition();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      const what = typeof opts.message === 'function' ? await opts.message() : (opts.message ?? 'condition');
      throw new Error(`waitFor: ${what} not met within ${timeoutMs} ms (last: ${detail})`);
    }
    await new Promise((r) => setTimeout(r, stepMs));
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

/** Keeps the last `max` lines a child prints (stdout and stderr, in arrival order) in `lines`, for a failure message. */
export function keepOutputLines(child: ChildProcess, lines: string[], max: number): void {
  const keep = (b: Buffer): void => {
    for (const l of b.toString('utf8').split('\n')) if (l) lines.push(l);
    while (lines.length > max) lines.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
}

/** How {@link endChild} asks a child to go. */
export interface EndChildOptions {
  /** Wait this long after each step before the next, harder one (default 10 s). */
  readonly graceMs?: number;
  /** First close its stdin (a child that exits when its input ends), then SIGTERM; default: SIGTERM first. */
  readonly closeStdin?: boolean;
}

/**
 * Ends a child process by its own handle (never by name) and resolves once it has exited:
 * SIGTERM (after closing its stdin, with `closeStdin`), then SIGKILL if it is still running
 * `graceMs` later. A child that has exited already is left as it is.
 */
export async function endChild(child: ChildProcess, opts: EndChildOptions = {}): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const graceMs = opts.graceMs ?? 10_000;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const steps: (() => void)[] = [() => child.kill('SIGTERM'), () => child.kill('SIGKILL')];
  if (opts.closeStdin) steps.unshift(() => child.stdin?.end());
  let timer: NodeJS.Timeout | undefined;
  const next = (): void => {
    steps.shift()?.();
    if (steps.length > 0) timer = setTimeout(next, graceMs);
  };
  next();
  await exited;
  clearTimeout(timer);
}
