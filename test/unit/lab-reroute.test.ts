// The reroute scenario's pure parts: the outage found in a timestamped fast ping, the host pair and cut link chosen on a ring, the summary line, and `--scenario reroute` parsing.
import { describe, expect, it } from 'vitest';
import { parseLabArgs } from '../../src/cli/lab.js';
import type { LabHost, LabLink, RerouteProbe } from '../../src/lab/driver.js';
import { analyseReroute, reroutePair, rerouteText, spread, type RerouteRun } from '../../src/lab/scenarios.js';

/** A probe of `n` requests every 2 ms from t=100 s, replied except `lost`, each reply 0.5 ms after its request. */
function probe(n: number, lost: readonly number[], cutAt = 100.1): RerouteProbe {
  const replies: [number, number][] = [];
  for (let seq = 1; seq <= n; seq++) if (!lost.includes(seq)) replies.push([seq, 100 + (seq - 1) * 0.002 + 0.0005]);
  return { transmitted: n, received: replies.length, intervalMs: 2, cutAt, cutDone: cutAt + 0.001, replies };
}

describe('analyseReroute', () => {
  it('counts the outage: lost requests, the longest gap, port-down to first reply and the reply gap', () => {
    // Requests 51-53 lost from the cut at 100.1 s (when 51 was sent); 54, sent at 100.106 s, is answered 0.5 ms later.
    const r = analyseReroute(probe(100, [51, 52, 53]));
    expect(r).toEqual({ lost: 3, gap: 3, gapMs: 6, firstReplyMs: 6.5, outageMs: 8, rerouted: true });
  });

  it('reports the longest gap and all lost requests when a stray one is lost elsewhere', () => {
    const r = analyseReroute(probe(100, [10, 51, 52, 53, 54]));
    expect(r.lost).toBe(5);
    expect(r.gap).toBe(4);
    expect(r.gapMs).toBe(8);
  });

  it('is not rerouted when no reply comes back after the gap', () => {
    const r = analyseReroute(probe(100, Array.from({ length: 50 }, (_, i) => 51 + i)));
    expect(r).toMatchObject({ lost: 50, gap: 50, firstReplyMs: null, outageMs: null, rerouted: false });
  });

  it('counts nothing lost when every request is answered, and duplicate replies once', () => {
    const p = probe(20, []);
    const r = analyseReroute({ ...p, replies: [...p.replies, [5, 100.5]] });
    expect(r).toEqual({ lost: 0, gap: 0, gapMs: 0, firstReplyMs: null, outageMs: null, rerouted: true });
  });
});

const host = (n: number, sw: string): LabHost => ({ name: `h${n}`, ip: `10.0.0.${n}`, mac: `00:00:00:00:00:0${n}`, switch: sw, port: 1 });
const swLink = (a: string, b: string): LabLink => ({ a, portA: 2, b, portB: 3, switchLink: true });

describe('reroutePair', () => {
  it('picks hosts on two neighbouring ring switches and the link between them', () => {
    const hosts = [1, 2, 3, 4, 5].map((i) => host(i, `s${i}`));
    const links = [...hosts.map((h) => ({ a: h.name, portA: 1, b: h.switch!, portB: 1, switchLink: false })), ...[1, 2, 3, 4, 5].map((i) => swLink(`s${i}`, `s${(i % 5) + 1}`))];
    expect(reroutePair(hosts, links)).toEqual({ src: 'h1', dst: 'h2', a: 's1', b: 's2' });
  });

  it('finds none on a line, where every link is a bridge', () => {
    const hosts = [1, 2, 3].map((i) => host(i, `s${i}`));
    expect(reroutePair(hosts, [swLink('s1', 's2'), swLink('s2', 's3')])).toBeUndefined();
  });
});

describe('rerouteText', () => {
  it('gives median and worst over the runs', () => {
    const runs: RerouteRun[] = [
      { lost: 3, gap: 3, gapMs: 6, firstReplyMs: 10, outageMs: 8, rerouted: true },
      { lost: 5, gap: 5, gapMs: 10, firstReplyMs: 20, outageMs: 12, rerouted: true },
      { lost: 4, gap: 4, gapMs: 8, firstReplyMs: 15, outageMs: 9, rerouted: true },
    ];
    const text = rerouteText({
      src: 'h1',
      dst: 'h2',
      a: 's1',
      b: 's2',
      intervalMs: 2,
      lost: spread(runs.map((r) => r.lost)),
      gapMs: spread(runs.map((r) => r.gapMs)),
      firstReplyMs: spread(runs.map((r) => r.firstReplyMs)),
      outageMs: spread(runs.map((r) => r.outageMs)),
      runs,
    });
    expect(text).toBe('lost median 4 (worst 5) = 8 ms (worst 10); port-down to first reply median 15.0 ms (worst 20.0), reply gap median 9.0 ms (worst 12.0); 3/3 rerouted');
  });
});

describe('signalbox lab --scenario reroute', () => {
  it('parses with --runs', () => {
    expect(parseLabArgs(['ring,5', '--scenario', 'reroute', '--runs', '7'])).toMatchObject({ topo: 'ring,5', scenario: 'reroute', runs: 7 });
  });
});
