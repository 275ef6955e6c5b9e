import { describe, expect, it } from 'vitest';
import { assignMasters, assignWithHoldDown, HoldDown, planMastership, rankInstances, rendezvousScore } from '../../src/cluster/assignment.js';

const hex = (n: number): string => n.toString(16).padStart(16, '0');
const dpids = (n: number): string[] => Array.from({ length: n }, (_, i) => hex(i + 1));
const allTo = (switches: string[], instances: string[]): Map<string, string[]> => new Map(switches.map((d) => [d, instances]));

function loads(a: Map<string, string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of a.values()) out[id] = (out[id] ?? 0) + 1;
  return out;
}

describe('rendezvous assignment', () => {
  it('scores are stable and rank every candidate once', () => {
    expect(rendezvousScore('a', hex(1))).toBe(rendezvousScore('a', hex(1)));
    expect(rendezvousScore('a', hex(1))).not.toBe(rendezvousScore('b', hex(1)));
    expect(rankInstances(hex(1), ['c', 'a', 'b', 'a']).sort()).toEqual(['a', 'b', 'c']);
  });

  it('spreads masters evenly (at most one apart) for many shapes', () => {
    for (const n of [1, 3, 4, 6, 7, 20, 101]) {
      for (const k of [1, 2, 3, 5]) {
        const ids = Array.from({ length: k }, (_, i) => `inst-${i}`);
        const a = assignMasters({ instances: ids, candidates: allTo(dpids(n), ids) });
        expect(a.size).toBe(n);
        const l = Object.values(loads(a));
        expect(Math.max(...l) - Math.min(...(l.length < k ? [0] : l))).toBeLessThanOrEqual(1);
      }
    }
  });

  it('is deterministic whatever the order of its input', () => {
    const sw = dpids(12);
    const a = assignMasters({ instances: ['x', 'y', 'z'], candidates: allTo(sw, ['x', 'y', 'z']) });
    const b = assignMasters({ instances: ['z', 'x', 'y'], candidates: new Map([...allTo([...sw].reverse(), ['y', 'z', 'x'])]) });
    expect([...b.entries()].sort()).toEqual([...a.entries()].sort());
  });

  it('only picks live instances connected to the switch; a switch nobody live sees has no master', () => {
    const candidates = new Map<string, string[]>([
      [hex(1), ['a']],
      [hex(2), ['b', 'dead']],
      [hex(3), ['dead']],
      [hex(4), ['a', 'b']],
    ]);
    const a = assignMasters({ instances: ['a', 'b'], candidates });
    expect(a.get(hex(1))).toBe('a');
    expect(a.get(hex(2))).toBe('b');
    expect(a.has(hex(3))).toBe(false);
    expect(['a', 'b']).toContain(a.get(hex(4)));
  });

  it('when an instance leaves, only its switches move; when it comes back the spread is even again', () => {
    const sw = dpids(30);
    const three = assignMasters({ instances: ['a', 'b', 'c'], candidates: allTo(sw, ['a', 'b', 'c']) });
    const two = assignMasters({ instances: ['a', 'b'], candidates: allTo(sw, ['a', 'b', 'c']) });
    expect(Object.values(loads(two))).toEqual([15, 15]);
    let kept = 0;
    for (const [d, id] of three) if (id !== 'c' && two.get(d) === id) kept++;
    // Survivors keep most of theirs (the load bound may shuffle a few).
    expect(kept).toBeGreaterThanOrEqual(16);
    const back = assignMasters({ instances: ['a', 'b', 'c'], candidates: allTo(sw, ['a', 'b', 'c']) });
    expect(back).toEqual(three);
  });
});

describe('planMastership', () => {
  const assignment = new Map([
    ['s1', 'a'],
    ['s2', 'a'],
    ['s3', 'b'],
    ['s4', 'b'],
  ]);

  it('claims only switches without a master, releases its own that are assigned elsewhere', () => {
    const owners = new Map([
      ['s2', 'b'], // b still has it: a waits for the hand-over
      ['s3', 'a'], // a has b's: a releases
      ['s5', 'a'], // no live candidate: kept
    ]);
    expect(planMastership('a', assignment, owners)).toEqual({ claim: ['s1'], release: ['s3'] });
    expect(planMastership('b', assignment, owners)).toEqual({ claim: ['s4'], release: ['s2'] });
  });

  it('at most one instance may claim a switch, so two never both think they own it', () => {
    const owners = new Map<string, string>();
    const claims = ['a', 'b', 'c'].flatMap((id) => planMastership(id, assignment, owners).claim.map((d) => `${d}:${id}`));
    expect(claims.sort()).toEqual(['s1:a', 's2:a', 's3:b', 's4:b']);
  });
});

describe('hold-down of a returning instance', () => {
  it('an instance that left and came back is held for holdDownMs from its return; a new one is not held; leaving again restarts it', () => {
    const h = new HoldDown(10_000);
    h.joined('c1', 0);
    expect(h.held('c1', 0)).toBe(false); // never left: a new instance
    h.left('c1');
    h.joined('c1', 1_000);
    expect(h.held('c1', 1_000)).toBe(true);
    expect(h.nextRelease()).toBe(11_000);
    expect(h.held('c1', 10_999)).toBe(true);
    h.left('c1'); // flaps again
    h.joined('c1', 10_999);
    expect(h.held('c1', 20_998)).toBe(true);
    expect(h.held('c1', 20_999)).toBe(false);
    expect(h.nextRelease()).toBeUndefined();
  });

  it('held instances get no switch another live candidate can take; a switch only they can reach still gets one of them', () => {
    const sws = dpids(6);
    const candidates = new Map<string, string[]>(sws.map((d) => [d, ['a', 'b', 'c']]));
    candidates.set(hex(7), ['c']);
    const a = assignWithHoldDown({ instances: ['a', 'b', 'c'], candidates }, new Set(['c']));
    expect([...a].filter(([d, i]) => i === 'c' && d !== hex(7))).toEqual([]);
    expect(a.get(hex(7))).toBe('c');
    expect(a.size).toBe(7);
    // Nobody held: the plain assignment.
    expect(assignWithHoldDown({ instances: ['a', 'b', 'c'], candidates }, new Set())).toEqual(assignMasters({ instances: ['a', 'b', 'c'], candidates }));
  });
});
