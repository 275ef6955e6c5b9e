/** An in-memory registry of the apps' metrics interface (src/core/app.ts: counters and histograms); the Prometheus issue adapts it. */
import type { Counter, Histogram, Metrics } from '../core/app.js';


/** Default histogram buckets (seconds-ish, like Prometheus' defaults). */
export const DEFAULT_BUCKETS: readonly number[] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];

class MemCounter implements Counter {
  value = 0;
  constructor(readonly help: string) {}
  inc(n = 1): void {
    this.value += n;
  }
}

class MemHistogram implements Histogram {
  count = 0;
  sum = 0;
  /** Counts per bucket upper bound (cumulative when read with snapshot). */
  readonly counts: number[];
  constructor(
    readonly help: string,
    readonly buckets: readonly number[],
  ) {
    this.counts = new Array<number>(buckets.length + 1).fill(0);
  }
  observe(v: number): void {
    this.count++;
    this.sum += v;
    let i = 0;
    while (i < this.buckets.length && v > this.buckets[i]!) i++;
    this.counts[i]!++;
  }
}

/** A snapshot of one metric. */
export type MetricSnapshot =
  | { readonly kind: 'counter'; readonly help: string; readonly value: number }
  | { readonly kind: 'histogram'; readonly help: string; readonly count: number; readonly sum: number; readonly buckets: readonly { readonly le: number; readonly count: number }[] };

/** The registry: metrics by full name. */
export class MemoryMetrics implements Metrics {
  private readonly counters = new Map<string, MemCounter>();
  private readonly histograms = new Map<string, MemHistogram>();

  counter(name: string, help = ''): Counter {
    let c = this.counters.get(name);
    if (!c) {
      c = new MemCounter(help);
      this.counters.set(name, c);
    }
    return c;
  }

  histogram(name: string, help = '', buckets: readonly number[] = DEFAULT_BUCKETS): Histogram {
    let h = this.histograms.get(name);
    if (!h) {
      h = new MemHistogram(help, [...buckets].sort((a, b) => a - b));
      this.histograms.set(name, h);
    }
    return h;
  }

  /** A view whose metric names start with `prefix` (e.g. `app_l2_learning_`). */
  scoped(prefix: string): Metrics {
    return {
      counter: (name, help) => this.counter(prefix + name, help),
      histogram: (name, help, buckets) => this.histogram(prefix + name, help, buckets),
    };
  }

  /** Every metric by name, histogram buckets cumulative with `le` = Infinity last. */
  snapshot(): Record<string, MetricSnapshot> {
    const out: Record<string, MetricSnapshot> = {};
    for (const [k, c] of this.counters) out[k] = { kind: 'counter', help: c.help, value: c.value };
    for (const [k, h] of this.histograms) {
      let acc = 0;
      const buckets = h.counts.map((n, i) => ({ le: h.buckets[i] ?? Infinity, count: (acc += n) }));
      out[k] = { kind: 'histogram', help: h.help, count: h.count, sum: h.sum, buckets };
    }
    return out;
  }
}

/** The metric name prefix of an app: `app_` plus its name with non-alphanumerics as `_`. */
export function appMetricPrefix(app: string): string {
  return `app_${app.replace(/[^A-Za-z0-9]/g, '_')}_`;
}
