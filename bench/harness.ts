/** Benchmark plumbing shared by the suites: the suite shape, the result row and a bounded timing loop. */

/** One measured case. */
export interface Row {
  readonly suite: string;
  readonly case: string;
  readonly opsPerSec: number;
  readonly nsPerOp: number;
  /** Figures that are not a rate (total time, memory, percentiles), printed after the rate. */
  readonly note?: string;
}

/** A suite: `bench/run.ts` runs it by name. Each case's budget is ~1.5 s (see measure). */
export interface BenchSuite {
  readonly name: string;
  run(): Promise<Row[]>;
}

/** Options of one measurement. */
export interface MeasureOptions {
  /** Operations one call of `fn` performs (e.g. messages framed per chunk); default 1. */
  readonly opsPerCall?: number;
  /** Warm-up time before measuring, so the JIT has optimised `fn` (default 300 ms). */
  readonly warmupMs?: number;
  /** Measuring time (default 1500 ms, or SIGNALBOX_BENCH_MS from the environment). */
  readonly budgetMs?: number;
}

/** Keeps results alive so the JIT cannot drop the work that produced them. */
export let sink: unknown;

const envBudget = Number(process.env.SIGNALBOX_BENCH_MS);
const DEFAULT_BUDGET_MS = Number.isFinite(envBudget) && envBudget > 0 ? envBudget : 1500;

/** Runs `n` calls of `fn` and returns the elapsed nanoseconds. */
function timeCalls(fn: () => unknown, n: number): number {
  const t0 = process.hrtime.bigint();
  let last: unknown;
  for (let i = 0; i < n; i++) last = fn();
  const t1 = process.hrtime.bigint();
  sink = last;
  return Number(t1 - t0);
}

/**
 * Measures `fn`: warm-up, then batches (sized to take ~10 ms each) until the time budget is
 * spent. Returns ops/s and ns/op over all measured batches. Bounded: it stops after the budget
 * whatever the speed of `fn`.
 */
export function measure(suite: string, name: string, fn: () => unknown, opts: MeasureOptions = {}): Row {
  const opsPerCall = opts.opsPerCall ?? 1;
  const budgetNs = (opts.budgetMs ?? DEFAULT_BUDGET_MS) * 1e6;
  const warmupNs = (opts.warmupMs ?? Math.min(300, DEFAULT_BUDGET_MS / 5)) * 1e6;
  // Calibrate the batch size while warming up.
  let batch = 1;
  let warm = 0;
  while (warm < warmupNs) {
    const ns = timeCalls(fn, batch);
    warm += ns;
    if (ns < 10e6 && batch < 1 << 30) batch *= 2;
  }
  let calls = 0;
  let total = 0;
  while (total < budgetNs) {
    total += timeCalls(fn, batch);
    calls += batch;
  }
  const ops = calls * opsPerCall;
  return { suite, case: name, opsPerSec: (ops / total) * 1e9, nsPerOp: total / ops };
}
