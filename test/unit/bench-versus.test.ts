/** bench/versus.ts's tables: against ovs-testcontroller (with the first measured loop apart), and --against (each build's medians and the pairs' CPU ratio). */
import { describe, expect, it } from 'vitest';
import { formatPairs, formatTable, type Sample } from '../../bench/versus.js';

const sample = (controller: Sample['controller'], answeredPerSec: number, controllerCpuMs: number, generatorCpuMs: number): Sample => ({
  controller,
  switches: 16,
  version: '1.0',
  mode: 'latency',
  answeredPerSec,
  firstLoopPerSec: answeredPerSec,
  laterLoopsPerSec: answeredPerSec,
  meanMs: 0.2,
  p50Ms: 0.2,
  p99Ms: 1,
  lost: 0,
  learningPassMs: 1000,
  loadAvg: 1,
  controllerCpuMs,
  generatorCpuMs,
  laterCpu: null,
});

describe('formatPairs', () => {
  it("gives each build's medians, and the median of the pairs' CPU ratios (other over this), later-loops ratios and learning-pass ratios (this over other)", () => {
    const rt = (user: number, system: number): Sample['laterCpu'] => ({ generatorUs: 15, watched: { userUs: user, systemUs: system } });
    const table = formatPairs([
      { ...sample('signalbox', 50_000, 1100, 1000), learningPassMs: 900, laterCpu: rt(7, 8) },
      { ...sample('signalbox-against', 60_000, 1000, 1000), learningPassMs: 1000, laterCpu: rt(6, 6) },
      { ...sample('signalbox-against', 40_000, 1200, 1000), learningPassMs: 800, laterCpu: rt(8, 8) },
      { ...sample('signalbox', 45_000, 1000, 1000), learningPassMs: 1000, laterCpu: rt(8, 8) },
      { ...sample('signalbox', 70_000, 1000, 1000), learningPassMs: null, laterCpu: rt(5, 5) },
      // A run without the controller's CPU (it could not be read) is left out of that column.
      { ...sample('signalbox-against', 70_000, 990, 1000), learningPassMs: 700, laterCpu: { generatorUs: 15 } },
    ]);
    const rows = table.split('\n').slice(2);
    // Controller CPU per round trip, later loops: this 15, 16, 10 -> median 15; other 12, 16 -> 14.
    expect(rows[0]).toBe('| 16 | 1.0 | latency | this | 50 k | 50 k | 1.000 | 15.00 | 950 | | | | |');
    // CPU, pairs in order: 1.0/1.1, 1.2/1.0, 0.99/1.0 -> median 0.99, two of three lower.
    // Later loops (here the whole run's figures), this over other: 50/60, 45/40, 70/70 -> median 1.0, one of three higher.
    // Learning pass, this over other, pairs where both reached it: 900/1000, 1000/800 -> median 1.075, one of two shorter.
    // Its pairs' ratios, other over this, where both have it: 12/15, 16/16 -> median 0.9, one of two lower.
    expect(rows[1]).toBe('| 16 | 1.0 | latency | other | 60 k | 60 k | 1.000 | 14.00 | 800 | 0.990, 2 of 3 | 0.900, 1 of 2 | 1.000, 1 of 3 | 1.075, 1 of 2 |');
  });
});

describe('formatTable', () => {
  it('gives medians per controller, the first measured loop apart from the later ones, and Signalbox over ovs-testcontroller for the whole run, the later loops, throughput and the latency runs\' learning pass', () => {
    const lat = (controller: Sample['controller'], all: number, first: number, later: number | null, pass: number | null = 1000, cpu: Sample['laterCpu'] = null): Sample => ({ ...sample(controller, all, 1000, 1000), firstLoopPerSec: first, laterLoopsPerSec: later, learningPassMs: pass, laterCpu: cpu });
    const rt = (user: number, system: number, gen: number): Sample['laterCpu'] => ({ generatorUs: gen, watched: { userUs: user, systemUs: system } });
    const thr = (controller: Sample['controller'], n: number): Sample => ({ ...sample(controller, n, 1000, 1000), mode: 'throughput' });
    const table = formatTable([
      lat('signalbox', 60_000, 30_000, 67_500, 1300, rt(7, 8, 16)),
      lat('ovs-testcontroller', 75_000, 70_000, 76_250, 640, rt(5, 12, 15)),
      lat('signalbox', 50_000, 20_000, 57_500, 1100, rt(6, 9, 17)),
      lat('ovs-testcontroller', 80_000, 72_000, 82_000, 600, rt(4, 13, 15.5)),
      lat('signalbox', 70_000, 40_000, 77_500, 1200.4, rt(6.5, 8.25, 16.5)),
      lat('ovs-testcontroller', 70_000, 68_000, 70_500, 700, rt(5.5, 11, 14)),
      // A throughput run's learning pass is not the latency one's: left out of the column.
      { ...thr('signalbox', 300_000), learningPassMs: 90 },
      thr('ovs-testcontroller', 100_000),
    ]);
    const rows = table.split('\n').slice(2);
    // Later loops' CPU per round trip: medians of user, system and generator apart.
    expect(rows[0]).toBe('| 16 | 1.0 | signalbox | 60 k | 30 k / 68 k | 0.200 / 0.200 / 1.00 | 1200 | 6.5 + 8.3 / 16.5 | 300 k |  |');
    // Learning pass: medians 1200.4 and 640 ms, Signalbox's time 1.88× ovs-testcontroller's.
    expect(rows[1]).toBe('| 16 | 1.0 | ovs-testcontroller | 75 k | 70 k / 76 k | 0.200 / 0.200 / 1.00 | 640 | 5.0 + 12.0 / 15.0 | 100 k | 0.80×, 0.89×, 3.00×; 1.88× |');
    // One measured loop: no later loops to show; a pass not reached: none to show.
    expect(formatTable([lat('signalbox', 50_000, 50_000, null, null)]).split('\n')[2]).toBe('| 16 | 1.0 | signalbox | 50 k | 50 k / – | 0.200 / 0.200 / 1.00 | – | – + – / – | – |  |');
  });
});
