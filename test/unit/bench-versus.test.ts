/** bench/versus.ts's --against table: each build's medians and the pairs' CPU ratio. */
import { describe, expect, it } from 'vitest';
import { formatPairs, type Sample } from '../../bench/versus.js';

const sample = (controller: Sample['controller'], answeredPerSec: number, controllerCpuMs: number, generatorCpuMs: number): Sample => ({
  controller,
  switches: 16,
  version: '1.0',
  mode: 'latency',
  answeredPerSec,
  meanMs: 0.2,
  p50Ms: 0.2,
  p99Ms: 1,
  lost: 0,
  loadAvg: 1,
  controllerCpuMs,
  generatorCpuMs,
});

describe('formatPairs', () => {
  it("gives each build's medians and the median of the pairs' ratios, other over this", () => {
    const table = formatPairs([
      sample('signalbox', 50_000, 1100, 1000),
      sample('signalbox-against', 60_000, 1000, 1000),
      sample('signalbox-against', 40_000, 1200, 1000),
      sample('signalbox', 45_000, 1000, 1000),
      sample('signalbox', 70_000, 1000, 1000),
      sample('signalbox-against', 70_000, 990, 1000),
    ]);
    const rows = table.split('\n').slice(2);
    expect(rows[0]).toBe('| 16 | 1.0 | latency | this | 50 k | 1.000 | |');
    // Pairs in order: 1.0/1.1, 1.2/1.0, 0.99/1.0 -> median 0.99, two of three lower.
    expect(rows[1]).toBe('| 16 | 1.0 | latency | other | 60 k | 1.000 | 0.990, 2 of 3 |');
  });
});
