/** The pure discovery state machine with injected time: schedule, spreading, liveness, removal, replay and loop checks. */
import { describe, expect, it } from 'vitest';
import { emulatedPort } from '../../src/loadgen/features.js';
import { LinkDiscovery, probePhase, ROUND_BURST_PORTS, type LinkEvent } from '../../src/topology/discovery.js';

const I = 1000;
const ports = (...ns: number[]) => ns.map(emulatedPort);
const origin = (dpid: bigint, port: number, sentAt: number) => ({ dpid, port, sentAt });

function pair(): LinkDiscovery {
  const d = new LinkDiscovery({ probeIntervalMs: I, maxMissedProbes: 3 });
  d.addSwitch(1n, ports(1, 2), 0);
  d.addSwitch(2n, ports(1, 2), 0);
  return d;
}

describe('probe schedule', () => {
  it('probes every live physical port once per interval at the switch slot, and skips down ports and LOCAL', () => {
    const d = new LinkDiscovery({ probeIntervalMs: I, maxMissedProbes: 3 });
    d.addSwitch(7n, [...ports(1, 2), { ...emulatedPort(3), state: 1 }, { ...emulatedPort(4), config: 1 }, { ...emulatedPort(0xfffffffe) }], 0);
    const slot = probePhase(7n, I);
    expect(d.dueProbes(slot - 1)).toEqual([]);
    expect(d.dueProbes(slot).map((p) => p.port)).toEqual([1, 2]);
    expect(d.dueProbes(slot + 10)).toEqual([]);
    expect(d.dueProbes(slot + I).map((p) => p.port)).toEqual([1, 2]);
    // A timer that fell behind by several intervals sends one round, not a burst.
    expect(d.dueProbes(slot + 5 * I + 3)).toHaveLength(2);
    expect(d.dueProbes(slot + 5 * I + 4)).toEqual([]);
  });

  it('spreads 1,000 switches over the interval: no 10 ms window holds more than 5% of them', () => {
    const d = new LinkDiscovery({ probeIntervalMs: I, maxMissedProbes: 3 });
    for (let i = 1; i <= 1000; i++) d.addSwitch(BigInt(i), ports(1), 0);
    let max = 0;
    let total = 0;
    for (let t = 0; t < I; t += 10) {
      const n = d.dueProbes(t + 9).length;
      max = Math.max(max, n);
      total += n;
    }
    expect(total).toBe(1000);
    expect(max).toBeLessThan(50);
  });

  it('probes a port that comes up at the next tick, outside the slot', () => {
    const d = new LinkDiscovery({ probeIntervalMs: I, maxMissedProbes: 3 });
    d.addSwitch(1n, ports(1), 0);
    const slot = probePhase(1n, I);
    d.dueProbes(slot);
    expect(d.updatePort(1n, emulatedPort(5))).toEqual([]);
    expect(d.dueProbes(slot + 1)).toEqual([{ dpid: 1n, port: 5, hwAddr: emulatedPort(5).hwAddr }]);
    expect(d.nextDue()).toBe(slot + I);
  });
});

describe('probes per tick (dueProbes max)', () => {
  const many = (n: number, from = 1): ReturnType<typeof ports> => Array.from({ length: n }, (_, i) => ({ ...emulatedPort(1), portNo: from + i }));

  it('sends a big switch\'s round over several ticks, at most max each, every port once', () => {
    const d = new LinkDiscovery({ probeIntervalMs: I, maxMissedProbes: 3 });
    d.addSwitch(9n, many(1000), 0);
    const slot = probePhase(9n, I);
    const sent: number[] = [];
    for (let t = slot; t < slot + 10; t++) {
      const due = d.dueProbes(t, 256);
      expect(due.length).toBeLessThanOrEqual(256);
      sent.push(...due.map((p) => p.port));
    }
    expect(sent).toHaveLength(1000);
    expect(new Set(sent).size).toBe(1000);
    expect(d.nextDue()).toBe(slot + I);
  });

  it('shares the budget between switches: a small switch\'s round is not starved by a big one', () => {
    const d = new LinkDiscovery({ probeIntervalMs: I, maxMissedProbes: 3 });
    // Both due at the same tick (the same slot for both is not needed: the round waits until served).
    d.addSwitch(1n, many(4000), 0);
    d.addSwitch(2n, many(4, 1), 0);
    const end = Math.max(probePhase(1n, I), probePhase(2n, I));
    const small: number[] = [];
    let ticks = 0;
    for (let t = end; small.length < 4 && ticks < 3; t++, ticks++) {
      small.push(...d.dueProbes(t, 100).filter((p) => p.dpid === 2n).map((p) => p.port));
    }
    expect(small).toEqual([1, 2, 3, 4]);
    expect(ticks).toBeLessThanOrEqual(2);
  });

  it('with roundSpreadMs, a big switch\'s round goes out at an even pace over that time, every port once; a small switch still at its slot', () => {
    const SPREAD = 800;
    const TICK = 25;
    const d = new LinkDiscovery({ probeIntervalMs: I, maxMissedProbes: 3, roundSpreadMs: SPREAD });
    d.addSwitch(9n, many(4096), 0);
    const slot = probePhase(9n, I);
    const perTick: number[] = [];
    const sent: number[] = [];
    for (let t = slot; t < slot + I; t += TICK) {
      const due = d.dueProbes(t, 256).filter((p) => p.dpid === 9n);
      perTick.push(due.length);
      sent.push(...due.map((p) => p.port));
    }
    expect(sent).toHaveLength(4096);
    expect(new Set(sent).size).toBe(4096);
    // The slot's burst, then an even share per tick: (4,096 - 32) ports over 800 ms in 25 ms ticks.
    const pace = Math.ceil(((4096 - ROUND_BURST_PORTS) * TICK) / SPREAD);
    expect(perTick[0]).toBe(ROUND_BURST_PORTS);
    expect(Math.max(...perTick.slice(1))).toBeLessThanOrEqual(pace);
    const lastTick = perTick.reduce((last, n, i) => (n > 0 ? i : last), -1);
    expect(lastTick * TICK).toBeLessThanOrEqual(SPREAD);
    // Between two releases the next one is what is due (a timer may sleep until then).
    d.dueProbes(slot + I, 256);
    expect(d.nextDue()).toBeGreaterThan(slot + I);
    expect(d.nextDue()).toBeLessThanOrEqual(slot + I + Math.ceil(SPREAD / (4096 - ROUND_BURST_PORTS)));

    // A switch of up to ROUND_BURST_PORTS ports is not slowed down: its whole round at its slot.
    const s = new LinkDiscovery({ probeIntervalMs: I, maxMissedProbes: 3, roundSpreadMs: SPREAD });
    s.addSwitch(3n, many(ROUND_BURST_PORTS), 0);
    expect(s.dueProbes(probePhase(3n, I), 256)).toHaveLength(ROUND_BURST_PORTS);
  });

  it('counts ports that came up against the budget too', () => {
    const d = new LinkDiscovery({ probeIntervalMs: I, maxMissedProbes: 3 });
    d.addSwitch(1n, ports(1), 0);
    const slot = probePhase(1n, I);
    d.dueProbes(slot);
    for (const p of many(300, 10)) d.updatePort(1n, p);
    expect(d.dueProbes(slot + 1, 256)).toHaveLength(256);
    expect(d.dueProbes(slot + 2, 256)).toHaveLength(44);
  });

  it('with spread rounds, probes a switch\'s ports that came up ROUND_BURST_PORTS a call, other switches\' too', () => {
    const d = new LinkDiscovery({ probeIntervalMs: I, maxMissedProbes: 3, roundSpreadMs: I * 0.8 });
    d.addSwitch(1n, ports(1), 0);
    d.addSwitch(2n, ports(1), 0);
    const slot = Math.max(probePhase(1n, I), probePhase(2n, I));
    d.dueProbes(slot);
    for (const p of many(100, 10)) d.updatePort(1n, p);
    for (const p of many(5, 10)) d.updatePort(2n, p);
    const first = d.dueProbes(slot + 1, 256);
    expect(first.filter((p) => p.dpid === 1n)).toHaveLength(ROUND_BURST_PORTS);
    expect(first.filter((p) => p.dpid === 2n)).toHaveLength(5);
    const rest = [d.dueProbes(slot + 2, 256), d.dueProbes(slot + 3, 256), d.dueProbes(slot + 4, 256)];
    expect(rest.map((r) => r.length)).toEqual([ROUND_BURST_PORTS, ROUND_BURST_PORTS, 100 - 3 * ROUND_BURST_PORTS]);
    // Every port that came up, once.
    expect(new Set([...first, ...rest.flat()].filter((p) => p.dpid === 1n).map((p) => p.port)).size).toBe(100);
  });
});

describe('links', () => {
  it('adds a directed link on the first valid probe and refreshes it silently', () => {
    const d = pair();
    const r = d.receiveProbe(origin(1n, 2, 100), 2n, 1, 105);
    expect(r.verdict).toBe('accepted');
    expect(r.events).toEqual([{ type: 'linkAdded', link: { src: 1n, srcPort: 2, dst: 2n, dstPort: 1, discoveredAt: 105, lastSeen: 105 } }]);
    expect(d.receiveProbe(origin(1n, 2, 1100), 2n, 1, 1105)).toEqual({ verdict: 'accepted', events: [] });
    expect(d.isInfrastructurePort(1n, 2)).toBe(true);
    expect(d.isInfrastructurePort(2n, 1)).toBe(true);
    expect(d.isInfrastructurePort(2n, 2)).toBe(false);
  });

  it('removes a link after three missed probes, not before', () => {
    const d = pair();
    d.receiveProbe(origin(1n, 2, 0), 2n, 1, 10);
    // Probes keep going out of 1:2 every interval, and none comes back.
    for (let t = 0; t <= 3 * I; t += I / 4) d.dueProbes(10 + t);
    expect(d.expire(10 + 3 * I)).toEqual([]);
    d.dueProbes(10 + 3.5 * I + 1);
    const ev = d.expire(10 + 3.5 * I + 1);
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ type: 'linkRemoved', reason: 'timeout', link: { src: 1n, dst: 2n } });
    expect(d.linkCount).toBe(0);
    // Both ends stay infrastructure (held: no hosts, no floods) for a link timeout after the link went,
    // then are released, and the port is an ordinary port again.
    expect(d.isInfrastructurePort(1n, 2)).toBe(true);
    expect(d.heldPorts()).toEqual(new Map([[1n, new Set([2])], [2n, new Set([1])]]));
    expect(d.releaseHolds(10 + 7 * I)).toBe(false);
    expect(d.releaseHolds(10 + 7 * I + 2)).toBe(true);
    expect(d.isInfrastructurePort(1n, 2)).toBe(false);
    expect(d.heldPorts().size).toBe(0);
  });

  it('expire, called every tick, drops a silent link on time among refreshed ones, and one added after a scan found none', () => {
    const d = pair();
    const removedAt = new Map<string, number>();
    const tick = (t: number): void => {
      d.dueProbes(t);
      for (const e of d.expire(t)) if (e.type === 'linkRemoved') removedAt.set(`${e.link.src}:${e.link.srcPort}`, t);
    };
    // Scans with no link at all first.
    for (let t = 0; t < 2 * I; t += 25) tick(t);
    d.receiveProbe(origin(1n, 2, 2 * I), 2n, 1, 2 * I);
    d.receiveProbe(origin(2n, 1, 2 * I), 1n, 2, 2 * I);
    for (let t = 2 * I; t <= 12 * I; t += 25) {
      // 1:2 answers every interval; 2:1 never again.
      if (t % I === 0 && t > 2 * I) d.receiveProbe(origin(1n, 2, t), 2n, 1, t + 1);
      tick(t);
    }
    expect(removedAt.get('1:2')).toBeUndefined();
    // Last seen at 2 I: gone at the first tick past 2 I + 3.5 I with three probes unanswered.
    expect(removedAt.get('2:1')).toBe(5.5 * I + 25);
    expect(d.linkCount).toBe(1);
  });

  it('keeps links while no probe went out (a stalled controller), and removes them once probes go unanswered again', () => {
    const d = pair();
    d.receiveProbe(origin(1n, 2, 0), 2n, 1, 10);
    d.receiveProbe(origin(2n, 1, 0), 1n, 2, 10);
    // Ten intervals with no probe round (the timer could not run): nothing expires.
    expect(d.expire(10 + 10 * I)).toEqual([]);
    expect(d.linkCount).toBe(2);
    // Two rounds go out unanswered: still below three missed probes.
    d.dueProbes(11 * I);
    d.dueProbes(12 * I);
    expect(d.expire(12 * I + 1)).toEqual([]);
    // A reply on 1:2 only: that link's count starts again, the other reaches three.
    d.receiveProbe(origin(1n, 2, 12 * I), 2n, 1, 12 * I + 2);
    d.dueProbes(13 * I);
    const ev = d.expire(13 * I + 1);
    expect(ev.map((e) => e.type === 'linkRemoved' && `${e.link.src}:${e.link.srcPort}`)).toEqual(['2:1']);
    expect(d.linkCount).toBe(1);
  });

  it('removes both directions at once on port down, port removal and switch disconnect', () => {
    const d = pair();
    let t = 0;
    const both = (): void => {
      d.receiveProbe(origin(1n, 2, ++t), 2n, 1, t);
      d.receiveProbe(origin(2n, 1, ++t), 1n, 2, t);
    };
    both();
    let ev: LinkEvent[] = d.updatePort(2n, { ...emulatedPort(1), state: 1 });
    expect(ev.map((e) => e.type === 'linkRemoved' && e.reason)).toEqual(['port_down', 'port_down']);
    d.updatePort(2n, emulatedPort(1));
    both();
    ev = d.removePort(1n, 2);
    expect(ev.map((e) => e.type === 'linkRemoved' && e.reason)).toEqual(['port_removed', 'port_removed']);
    d.updatePort(1n, emulatedPort(2));
    both();
    expect(d.linkCount).toBe(2);
    ev = d.removeSwitch(2n);
    expect(ev.map((e) => e.type === 'linkRemoved' && e.reason)).toEqual(['switch_disconnected', 'switch_disconnected']);
    expect(d.linkCount).toBe(0);
  });

  it('drops a probe looped back to its own port, a replayed or older one, and one from an unknown switch', () => {
    const d = pair();
    expect(d.receiveProbe(origin(1n, 2, 10), 1n, 2, 11).verdict).toBe('looped');
    expect(d.receiveProbe(origin(1n, 2, 10), 2n, 1, 11).verdict).toBe('accepted');
    // The same probe again (a host copied it) and an older one.
    expect(d.receiveProbe(origin(1n, 2, 10), 2n, 2, 12)).toEqual({ verdict: 'replayed', events: [] });
    expect(d.receiveProbe(origin(1n, 2, 5), 2n, 2, 12).verdict).toBe('replayed');
    expect(d.receiveProbe(origin(9n, 1, 20), 2n, 1, 21).verdict).toBe('unknown_source');
    expect(d.receiveProbe(origin(1n, 7, 20), 2n, 1, 21).verdict).toBe('unknown_source');
    expect(d.linkCount).toBe(1);
    // A loop between two ports of one switch is a real link.
    expect(d.receiveProbe(origin(1n, 1, 30), 1n, 2, 31).events).toHaveLength(1);
  });
});

describe('edge ports (hosts first seen there)', () => {
  it('sends no probe out of an edge port, and calls a probe that left or reached one relayed', () => {
    const edge = new Set(['1:1', '2:2']);
    const d = new LinkDiscovery({ probeIntervalMs: I, maxMissedProbes: 3 }, (dpid, port) => edge.has(`${dpid}:${port}`));
    d.addSwitch(1n, ports(1, 2), 0);
    d.addSwitch(2n, ports(1, 2), 0);
    const due = [...d.dueProbes(probePhase(1n, I)), ...d.dueProbes(probePhase(2n, I))].map((p) => `${p.dpid}:${p.port}`);
    expect(due.sort()).toEqual(['1:2', '2:1']);
    expect(d.receiveProbe(origin(1n, 1, 10), 2n, 1, 11)).toEqual({ verdict: 'relayed', events: [] });
    expect(d.receiveProbe(origin(1n, 2, 10), 2n, 2, 11)).toEqual({ verdict: 'relayed', events: [] });
    expect(d.linkCount).toBe(0);
    // A relayed probe does not count as the port's last accepted one: the genuine next one is taken.
    expect(d.receiveProbe(origin(1n, 2, 10), 2n, 1, 12).verdict).toBe('accepted');
    // The host leaves 2:2: a link may form there now.
    edge.delete('2:2');
    expect(d.receiveProbe(origin(1n, 2, 20), 2n, 2, 21).verdict).toBe('accepted');
    expect(d.linkCount).toBe(2);
  });
});


describe('settled ports (a host seen there may make it an edge port)', () => {
  it('settles a link timeout after the switch came or the port came up (at the time given), and never while the port is down', () => {
    const d = pair();
    const timeout = d.linkTimeoutMs;
    expect(d.settledAt(1n, 2)).toBe(timeout);
    expect(d.settledAt(9n, 2)).toBeUndefined();
    // Down: not settled, however long ago the port was probed (frames through it may precede its PORT_STATUS up).
    d.updatePort(1n, { ...emulatedPort(2), state: 1 }, 10 * I);
    expect(d.settledAt(1n, 2)).toBeUndefined();
    // Up at 12 s: settled a link timeout later, not from the last call's time.
    d.updatePort(1n, emulatedPort(2), 12 * I);
    expect(d.settledAt(1n, 2)).toBe(12 * I + timeout);
    expect(d.settledAt(1n, 1)).toBe(timeout);
  });
});
