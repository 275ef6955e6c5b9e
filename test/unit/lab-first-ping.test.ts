// The first-ping scenario's pure parts: a run's first - second difference and its spread over the runs, and `--scenario first-ping` parsing.
import { describe, expect, it } from 'vitest';
import { parseLabArgs } from '../../src/cli/lab.js';
import { pingDifference, spread } from '../../src/lab/scenarios.js';

describe('pingDifference', () => {
  it('is first - second to the microsecond', () => {
    expect(pingDifference(9.43, 3.42)).toBe(6.01);
    expect(pingDifference(0.1, 0.3)).toBe(-0.2);
  });

  it('is null when either ping went unanswered', () => {
    expect(pingDifference(null, 3.4)).toBeNull();
    expect(pingDifference(9.4, null)).toBeNull();
  });

  it("spreads over the runs' own differences, not the difference of the medians", () => {
    const runs = [
      [10, 2],
      [12, 8],
      [20, 3],
    ] as const;
    // The medians of first (12) and second (3) would say 9; the runs' own differences are 8, 4 and 17.
    expect(spread(runs.map(([a, b]) => pingDifference(a, b)))).toEqual({ median: 8, min: 4, max: 17, n: 3 });
    // A run with a lost ping has no difference and counts in none.
    expect(spread([pingDifference(10, 2), pingDifference(30, null), pingDifference(9, 1)])).toEqual({ median: 8, min: 8, max: 8, n: 2 });
  });
});

describe('signalbox lab --scenario first-ping', () => {
  it('takes --runs and --apps', () => {
    const a = parseLabArgs(['linear,10', '--scenario', 'first-ping', '--runs', '10', '--apps', 'forwarding']);
    expect(a).toMatchObject({ scenario: 'first-ping', runs: 10, apps: ['forwarding'] });
  });
});
