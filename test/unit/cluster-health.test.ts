import { describe, expect, it } from 'vitest';
import { LeaseHealth, StallDetector } from '../../src/cluster/health.js';
import { ManualClock } from '../fakes/manual-clock.js';
import { resolveClusterConfig, clusterEnabled, defaultClusterConfig } from '../../src/cluster/config.js';

describe('stall detection (a timer that fires late)', () => {
  it('a stall makes the lease suspect until a keepalive sent after it succeeds; an older one in flight does not clear it', () => {
    const h = new LeaseHealth(3_000, 1_000);
    h.ok(10_000);
    h.stalled(10_400);
    expect(h.suspect).toBe(true);
    expect(h.healthy(10_500)).toBe(false);
    expect(h.withinDeadline(10_500)).toBe(true);
    h.ok(10_300); // sent before the stall
    expect(h.healthy(10_500)).toBe(false);
    h.ok(10_450);
    expect(h.healthy(10_500)).toBe(true);
    expect(h.deadline()).toBe(12_450);
  });

  it('the detector reports a periodic timer late by more than the tolerance, on a manual clock', () => {
    const clock = new ManualClock({ startMs: 0 });
    const d = new StallDetector(500, 500);
    const late: number[] = [];
    clock.every(500, () => {
      const l = d.tick(clock.now());
      if (l > 0) late.push(l);
    });
    clock.advance(5_000);
    expect(late).toEqual([]);
    // SIGSTOP for 4 s: the next tick comes 4 s late (the manual clock jumps, as a resumed process sees).
    const stopped = new ManualClock({ startMs: 0 });
    const d2 = new StallDetector(500, 500);
    expect(d2.tick(stopped.now())).toBe(0);
    expect(d2.tick(500)).toBe(0);
    expect(d2.tick(1_400)).toBe(0); // 400 ms late: within tolerance
    expect(d2.tick(6_000)).toBe(4_100);
    d2.reset();
    expect(d2.tick(9_000)).toBe(0);
  });
});

describe('lease health (demotion timing)', () => {
  it('is unhealthy before the first grant', () => {
    const h = new LeaseHealth(3_000, 1_000);
    expect(h.healthy(0)).toBe(false);
    expect(h.sinceOk(0)).toBeUndefined();
  });

  it('demotes TTL − margin after the last keepalive was *sent*, i.e. a second before etcd can expire the lease', () => {
    const h = new LeaseHealth(3_000, 1_000);
    h.ok(10_000);
    expect(h.deadline()).toBe(12_000);
    expect(h.healthy(11_999)).toBe(true);
    expect(h.healthy(12_000)).toBe(false);
    // etcd renews on receipt, never before the send: the lease lives at least until 13_000.
    expect(h.deadline()).toBeLessThanOrEqual(10_000 + 3_000 - 1_000);
  });

  it('a late reply of an old keepalive does not move the deadline back', () => {
    const h = new LeaseHealth(3_000, 1_000);
    h.ok(10_000);
    h.ok(9_000);
    expect(h.deadline()).toBe(12_000);
    h.ok(11_500);
    expect(h.healthy(13_000)).toBe(true);
    expect(h.healthy(13_500)).toBe(false);
  });

  it('keepalives every 500 ms keep it healthy; two seconds of silence demote', () => {
    const h = new LeaseHealth(3_000, 1_000);
    let now = 0;
    for (; now <= 5_000; now += 500) {
      h.ok(now);
      expect(h.healthy(now + 499)).toBe(true);
    }
    const last = now - 500;
    expect(h.healthy(last + 1_999)).toBe(true);
    expect(h.healthy(last + 2_000)).toBe(false);
    h.reset();
    expect(h.healthy(last)).toBe(false);
  });
});

describe('cluster config', () => {
  it('standalone by default; endpoints turn cluster mode on', () => {
    expect(clusterEnabled(defaultClusterConfig)).toBe(false);
    expect(clusterEnabled(undefined)).toBe(false);
    expect(clusterEnabled(resolveClusterConfig({ etcd: { endpoints: ['http://127.0.0.1:2379'] } }))).toBe(true);
  });

  it('fills defaults and a random instance id, keeps a given one', () => {
    const a = resolveClusterConfig();
    const b = resolveClusterConfig();
    expect(a.instanceId).toMatch(/^sb-[0-9a-f]{8}$/);
    expect(a.instanceId).not.toBe(b.instanceId);
    expect(a.leaseTtlSec).toBe(3);
    expect(resolveClusterConfig({ instanceId: 'ctl-1' }).instanceId).toBe('ctl-1');
  });

  it('refuses values that would break the safety margin, naming the field', () => {
    expect(() => resolveClusterConfig({ leaseTtlSec: 1 })).toThrow(/leaseTtlSec/);
    expect(() => resolveClusterConfig({ demoteMarginMs: 3_000 })).toThrow(/demoteMarginMs/);
    expect(() => resolveClusterConfig({ keepaliveIntervalMs: 1_500 })).toThrow(/keepaliveIntervalMs/);
    expect(() => resolveClusterConfig({ instanceId: 'a/b' })).toThrow(/instanceId/);
    expect(() => resolveClusterConfig({ etcd: { endpoints: ['localhost:2379'] } })).toThrow(/endpoints/);
    expect(() => resolveClusterConfig({ etcd: { prefix: 'x' } })).toThrow(/prefix/);
  });
});
