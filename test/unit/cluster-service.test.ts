/**
 * The ClusterService on a ManualClock over an in-memory etcd: a stall (a timer that fires late)
 * means "assume demoted until a keepalive sent after it is confirmed"; an instance whose lease
 * expired while it was paused writes nothing as master; a returning instance gets switches back
 * only after the hold-down.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/core/events.js';
import type { Mastership } from '../../src/core/model.js';
import { ClusterService } from '../../src/cluster/service.js';
import { resolveClusterConfig } from '../../src/cluster/config.js';
import type { Datapath, LeaseGate } from '../../src/openflow/datapath.js';
import { FakeEtcd } from '../fakes/fake-etcd.js';
import { ManualClock } from '../fakes/manual-clock.js';
import { flush } from '../fakes/flush.js';

const PREFIX = 'unit/';
const TTL_SEC = 3;
const HOLD_DOWN_MS = 10_000;

/**
 * A switch handle with the mastership gate of the real Datapath (src/openflow/datapath.ts): a
 * write as master first asks the lease gate; in doubt it is held until resumed or refused on
 * demotion. Roles are granted at once (the switch answers every ROLE_REQUEST).
 */
class FakeSwitch {
  readonly dpidHex: string;
  readonly version = 4;
  readonly connected = true;
  readonly counters = { outByType: [] as number[] };
  mastership: Mastership = 'standalone';
  leaseGate: LeaseGate | undefined;
  /** Writes that reached the switch, with the clock time. */
  readonly sent: number[] = [];
  readonly refused: number[] = [];
  readonly roles: { role: string; gen: bigint }[] = [];
  private held: number[] = [];
  private suspended = false;

  constructor(
    readonly dpid: bigint,
    private readonly clock: ManualClock,
  ) {
    this.dpidHex = dpid.toString(16).padStart(16, '0');
  }

  claimRole(role: 'master' | 'slave', gen: bigint): Promise<Mastership> {
    this.roles.push({ role, gen });
    this.suspended = false;
    this.set(role === 'master' ? 'pending' : 'slave');
    return Promise.resolve().then(() => {
      if (role === 'master' && this.mastership === 'pending') this.set('master');
      return this.mastership;
    });
  }

  resumeMastership(): void {
    if (!this.suspended) return;
    this.suspended = false;
    if (this.mastership === 'pending') this.set('master');
  }

  /** A state-changing message (a FLOW_MOD, a PACKET_OUT). */
  write(): void {
    if (this.mastership === 'master' && this.leaseGate && !this.leaseGate.valid()) {
      this.suspended = true;
      this.mastership = 'pending';
      this.leaseGate.doubted(this as unknown as Datapath);
    }
    if (this.mastership === 'master' || this.mastership === 'standalone') this.sent.push(this.clock.now());
    else if (this.mastership === 'pending') this.held.push(this.clock.now());
    else this.refused.push(this.clock.now());
  }

  private set(m: Mastership): void {
    if (m !== 'pending') this.suspended = false;
    this.mastership = m;
    if (m === 'master') {
      this.sent.push(...this.held.map(() => this.clock.now()));
      this.held = [];
    } else if (m === 'slave') {
      this.refused.push(...this.held);
      this.held = [];
    }
  }
}

interface Node {
  readonly svc: ClusterService;
  readonly bus: EventBus;
  readonly switches: Map<bigint, FakeSwitch>;
}

const running: ClusterService[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.abandon();
});

/** One instance with its own handles to `dpids`, started and connected to them. */
async function node(etcd: FakeEtcd, clock: ManualClock, id: string, dpids: readonly bigint[]): Promise<Node> {
  const bus = new EventBus();
  const switches = new Map(dpids.map((d) => [d, new FakeSwitch(d, clock)]));
  const config = resolveClusterConfig({ etcd: { endpoints: ['http://fake-etcd:2379'], prefix: PREFIX }, instanceId: id, leaseTtlSec: TTL_SEC, holdDownMs: HOLD_DOWN_MS });
  const svc = new ClusterService({ config, bus, datapaths: switches as unknown as Map<bigint, Datapath>, clock, forwardToBus: false }, etcd.client());
  running.push(svc);
  await svc.start();
  for (const d of dpids) bus.emit('switchConnected', { dpid: d, version: 4, remoteAddress: 'fake' });
  await flush(20);
  return { svc, bus, switches };
}

/** dpid hex → instance id, from the mastership records in etcd. */
function masters(etcd: FakeEtcd): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of etcd.list(`${PREFIX}live/masters/`)) out.set(k.split('/').pop()!, (JSON.parse(v) as { instanceId: string }).instanceId);
  return out;
}

describe('ClusterService on a manual clock', () => {
  it('a late timer (a stall shorter than the deadline) holds writes as master until a keepalive sent after it is confirmed; nothing is demoted', async () => {
    const clock = new ManualClock();
    const etcd = new FakeEtcd(clock);
    const a = await node(etcd, clock, 'a', [1n]);
    const sw = a.switches.get(1n)!;
    await clock.advanceUntil(() => sw.mastership === 'master', 5_000, 'a masters the switch');
    await clock.advanceAsync(2_000); // keepalives running
    expect(a.svc.healthy).toBe(true);

    // Paused for 1.2 s: the lease is still alive (deadline: the last keepalive sent + TTL − margin).
    clock.stall(1_200);
    clock.advance(0); // the first timer to run is late: the keepalive tick notices the stall
    expect(a.svc.healthy).toBe(false);
    const before = sw.sent.length;
    sw.write(); // a PACKET_OUT decided right after waking
    expect(sw.sent.length).toBe(before); // held, not sent
    expect(sw.mastership).toBe('pending');
    // The keepalive sent after the stall is confirmed: the held write goes out, still master.
    await flush(20);
    expect(a.svc.healthy).toBe(true);
    expect(sw.mastership).toBe('master');
    expect(sw.sent.length).toBe(before + 1);
    expect(sw.roles.filter((r) => r.role === 'slave')).toEqual([]);
  });

  it('paused past its lease: no write as master from the moment it wakes; it demotes itself and rejoins under a new lease and a newer term', async () => {
    const clock = new ManualClock();
    const etcd = new FakeEtcd(clock);
    const a = await node(etcd, clock, 'a', [1n]);
    const sw = a.switches.get(1n)!;
    await clock.advanceUntil(() => sw.mastership === 'master', 5_000, 'a masters the switch');
    await clock.advanceAsync(1_000);
    const oldGen = sw.roles.at(-1)!.gen;
    const [oldLease] = etcd.liveLeases();

    clock.stall(5_000); // SIGSTOP past the TTL
    etcd.expire(); // etcd ran meanwhile: the lease is gone, and the switch's record with it
    expect(etcd.liveLeases()).toEqual([]);
    // Whatever runs first after waking (before any timer) finds the gate closed.
    const before = sw.sent.length;
    sw.write();
    expect(sw.sent.length).toBe(before);
    expect(sw.mastership).toBe('slave'); // the deadline had passed: demoted at once
    expect(a.svc.healthy).toBe(false);
    for (let i = 0; i < 10; i++) sw.write();
    // Then the keepalive finds the lease invalid: it registers again and claims anew.
    await clock.advanceUntil(() => sw.mastership === 'master', 5_000, 'a masters the switch again');
    expect(etcd.liveLeases()).not.toContain(oldLease);
    expect(sw.refused.length).toBeGreaterThanOrEqual(11);
    // Every write that reached the switch after the stall came under the new term.
    const newGen = sw.roles.at(-1)!.gen;
    expect(newGen).toBeGreaterThan(oldGen);
    expect(sw.sent.length).toBe(before);
  });

  it('a crashed instance that comes back gets switches only after holdDownMs of health', async () => {
    const clock = new ManualClock();
    const etcd = new FakeEtcd(clock);
    const dpids = [1n, 2n, 3n, 4n];
    const a = await node(etcd, clock, 'a', dpids);
    let b = await node(etcd, clock, 'b', dpids);
    await clock.advanceUntil(() => [...masters(etcd).values()].filter((m) => m === 'b').length === 2 && masters(etcd).size === 4, 5_000, 'two switches each');
    expect([...masters(etcd).values()].filter((m) => m === 'a')).toHaveLength(2);

    // b crashes: its lease expires and a takes its switches.
    await b.svc.abandon();
    await clock.advanceUntil(() => [...masters(etcd).values()].every((m) => m === 'a') && masters(etcd).size === 4, (TTL_SEC + 2) * 1000, 'a masters all four');
    expect([...a.switches.values()].every((s) => s.mastership === 'master')).toBe(true);

    // b comes back: it registers at `back` and is held down.
    b = await node(etcd, clock, 'b', dpids);
    const back = clock.now();
    await clock.advanceUntil(() => clock.now() - back >= HOLD_DOWN_MS - 500, HOLD_DOWN_MS, 'most of the hold-down');
    expect([...masters(etcd).values()].every((m) => m === 'a')).toBe(true);
    expect([...b.switches.values()].some((s) => s.mastership === 'master')).toBe(false);
    // After it: a hands two switches over.
    await clock.advanceUntil(() => [...masters(etcd).values()].filter((m) => m === 'b').length === 2, 5_000, 'b masters two switches again');
    expect(clock.now() - back).toBeGreaterThanOrEqual(HOLD_DOWN_MS);
    expect(clock.now() - back).toBeLessThan(HOLD_DOWN_MS + 3_000);
  });

  it("a switch or port change moves the merged view's version before later listeners (the API's event stream) hear of it", async () => {
    const clock = new ManualClock();
    const etcd = new FakeEtcd(clock);
    const a = await node(etcd, clock, 'a', [1n]);
    const api = a.svc.view.readService(() => []);
    // Listeners the API adds once the service runs: each reads the version the event is stamped with.
    const stamped: string[] = [];
    for (const name of ['switchConnected', 'switchDisconnected', 'portModified'] as const) a.bus.on(name, () => stamped.push(`${name}@${api.currentVersion}`));
    const v0 = api.currentVersion;
    a.switches.set(2n, new FakeSwitch(2n, clock));
    a.bus.emit('switchConnected', { dpid: 2n, version: 4, remoteAddress: 'fake' });
    const port = { portNo: 1, hwAddr: '00:00:00:00:00:01', name: 'p1', config: 0, state: 0, curr: 0, advertised: 0, supported: 0, peer: 0, currSpeed: 0, maxSpeed: 0 };
    a.bus.emit('portModified', { dpid: 2n, port, previous: { ...port, state: 1 } } as never);
    a.switches.delete(2n);
    a.bus.emit('switchDisconnected', { dpid: 2n, reason: 'closed' } as never);
    expect(stamped).toEqual([`switchConnected@${v0 + 1}`, `portModified@${v0 + 2}`, `switchDisconnected@${v0 + 3}`]);
  });
});
