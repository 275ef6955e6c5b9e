/**
 * Flow-setup latency in Mininet through `signalbox lab --scenario first-ping`: on linear,10 and
 * tree depth 2 fanout 3, every run starts from a fresh controller with nothing learned; the first
 * ping gets through, each run reports its first - second difference, l2-learning's second ping (on
 * installed flows) is much faster than its first, and forwarding's first ping stays under a generous bound.
 */
import { describe, expect, it } from 'vitest';
import { runLab } from '../../src/lab/runner.js';
import type { FirstPingStats } from '../../src/lab/scenarios.js';

/** Generous on a loaded 2-core CI machine: idle, forwarding's first ping takes ~5-12 ms here (os-ken's learning switch 11-43.5 ms). */
const FORWARDING_FIRST_MAX_MS = 150;

async function firstPing(topo: string, farthest: string, switches: number): Promise<Map<string, FirstPingStats>> {
  const r = await runLab({ topo, scenario: 'first-ping', runs: 2, logLevel: 'error' });
  expect(r.connected).toBe(true);
  const stats = new Map(r.steps.filter((s) => s.latency).map((s) => [s.latency!.app, s.latency!]));
  expect([...stats.keys()]).toEqual(['forwarding', 'l2-learning']);
  for (const s of stats.values()) {
    expect(s.dst).toBe(farthest);
    expect(s.switchHops).toBe(switches);
    expect(s.runs).toHaveLength(2);
    for (const run of s.runs) {
      // Each run starts from nothing learned, and both pings get through.
      expect(run.hostsKnown).toBe(0);
      expect(run.first).not.toBeNull();
      expect(run.second).not.toBeNull();
      // The flow setup's share is the run's own first - second, to the microsecond.
      expect(run.difference).toBeCloseTo(run.first! - run.second!, 3);
    }
    expect(s.difference.n).toBe(2);
  }
  expect(r.steps.filter((s) => s.step.endsWith('first - second (flow setup)')).map((s) => s.result)).toHaveLength(2);
  expect(r.passed).toBe(true);
  const l2 = stats.get('l2-learning')!;
  expect(l2.second.median! * 2).toBeLessThan(l2.first.median!);
  expect(stats.get('forwarding')!.first.median!).toBeLessThan(FORWARDING_FIRST_MAX_MS);
  return stats;
}

describe('first-ping latency (OpenFlow13)', () => {
  it('linear,10: h1 -> h10 across 10 switches', async () => {
    await firstPing('linear,10', 'h10', 10);
  });

  it('tree depth 2 fanout 3: h1 -> h9 across 3 switches', async () => {
    await firstPing('tree,2,3', 'h9', 3);
  });
});
