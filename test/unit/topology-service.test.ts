/**
 * TopologyService end to end over emulated switches: LLDP flow, discovery, removal, hosts, forged
 * probes, events. Time is a ManualClock: probes, expiry and coalescing move only when a test
 * advances it, and every bound below is simulated time.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultConfig, type TopologyConfig } from '../../src/config.js';
import { Controller } from '../../src/controller.js';
import { createLogger, silentLogger } from '../../src/log.js';
import { emulatedPort } from '../../src/loadgen/features.js';
import type { OfMessage } from '../../src/openflow/codec/index.js';
import { arpRequest, buildPacket, LLDP_MULTICAST } from '../../src/packet/index.js';
import { LLDP_FLOW_COOKIE } from '../../src/topology/lldp-flow.js';
import { buildProbe } from '../../src/topology/probe.js';
import { TopologyService } from '../../src/topology/service.js';
import { HostTracker } from '../../src/topology/hosts.js';
import { deviceService, packetService } from '../../src/openflow/switch-services.js';
import type { TopologyEvents } from '../../src/core/events.js';
import { EmulatedFabric } from '../../bench/topology.js';
import { ManualClock } from '../fakes/manual-clock.js';
import { FlowService } from '../../src/flows/service.js';
import type { FlowScope } from '../../src/core/services.js';

const SECRET = Buffer.alloc(32, 3);
const running: { ctrl: Controller; service: TopologyService; fabric: EmulatedFabric }[] = [];
const flowServices: FlowService[] = [];

afterEach(() => {
  for (const f of flowServices.splice(0)) f.stop();
  for (const r of running.splice(0)) {
    r.service.stop();
    for (const sw of r.fabric.switches.values()) sw.close();
    for (const dp of r.ctrl.datapaths.values()) dp.session.close('test over');
  }
});

/**
 * The controller's flow scope for the topology, from a started flow service that sends declared
 * flows at once (these emulated switches do not answer flow stats, so nothing to reconcile against).
 */
function systemFlows(ctrl: Controller): FlowScope {
  const flows = new FlowService({ bus: ctrl.bus, datapaths: ctrl.datapaths, config: { reconcileOnConnect: false, reconcileIntervalMs: 0 }, log: silentLogger });
  flows.start();
  flowServices.push(flows);
  return flows.scope('topology');
}

interface Setup {
  ctrl: Controller;
  service: TopologyService;
  fabric: EmulatedFabric;
  events: [string, unknown][];
  clock: ManualClock;
  /** Drives the clock until `cond` holds (see ManualClock.advanceUntil); resolves with the clock time it took. */
  until: (cond: () => boolean, maxMs?: number) => Promise<number>;
}

function driver(clock: ManualClock): Setup['until'] {
  return (cond, maxMs = 3000) => clock.advanceUntil(cond, maxMs);
}

function setup(topo: Partial<TopologyConfig> = {}, knownInfrastructure?: (dpid: bigint, port: number) => boolean): Setup {
  const config = { ...defaultConfig, topology: { ...defaultConfig.topology, probeIntervalMs: 100, probeTickMs: 5, changeCoalesceMs: 5, ...topo } };
  const clock = new ManualClock();
  const ctrl = new Controller(config, silentLogger, { clock });
  const service = new TopologyService({ bus: ctrl.bus, devices: deviceService(ctrl.datapaths), packets: packetService(ctrl.datapaths, undefined), config: config.topology, log: process.env.DEBUG_TOPO ? createLogger('debug') : silentLogger, secret: SECRET, clock, flows: systemFlows(ctrl), ...(knownInfrastructure ? { knownInfrastructure } : {}) });
  const events: [string, unknown][] = [];
  for (const name of ['linkAdded', 'linkRemoved', 'hostAdded', 'hostMoved', 'hostUpdated', 'hostRemoved', 'topologyChanged'] as const) {
    service.on(name, (e: unknown) => events.push([name, e]));
  }
  service.start();
  const fabric = new EmulatedFabric(ctrl);
  running.push({ ctrl, service, fabric });
  return { ctrl, service, fabric, events, clock, until: driver(clock) };
}

describe('TopologyService over emulated switches', () => {
  it('installs the reserved LLDP flow on each switch with SEND_FLOW_REM, and restores it on FLOW_REMOVED', async () => {
    const { fabric, service, clock, until } = setup();
    const sw = await fabric.addSwitch(1n, [1, 2]);
    await until(() => sw.flows.length >= 1);
    const fm = sw.flows[0] as OfMessage & { type: 'flow_mod'; version: 4 };
    expect(fm).toMatchObject({ cookie: LLDP_FLOW_COOKIE, priority: defaultConfig.topology.lldpFlowPriority, flags: 1, command: 0 });
    expect(fm.match).toEqual([{ field: 'eth_type', value: 0x88cc }]);
    expect(fm.instructions).toEqual([{ type: 'apply_actions', actions: [{ type: 'output', port: 0xfffffffd, maxLen: 0xffff }] }]);
    // An app deletes it: the switch reports the removal; the flow comes back.
    sw.send({
      version: 4, type: 'flow_removed', xid: 0, cookie: LLDP_FLOW_COOKIE, priority: 65000, reason: 2, tableId: 0,
      durationSec: 1, durationNsec: 0, idleTimeout: 0, hardTimeout: 0, packetCount: 0n, byteCount: 0n, match: fm.match,
    } as OfMessage);
    await until(() => sw.flows.length >= 2);
    expect(sw.flows[1]).toMatchObject({ cookie: LLDP_FLOW_COOKIE, flags: 1 });
    expect(service.counters.lldpFlowRestores).toBe(1);
    // Another cookie's removal is not ours.
    sw.send({ ...(sw.flows[1] as object), type: 'flow_removed', cookie: 0x77n, reason: 2, durationSec: 0, durationNsec: 0, packetCount: 0n, byteCount: 0n } as OfMessage);
    await clock.advanceAsync(50);
    expect(sw.flows.length).toBe(2);
  });

  it('discovers a line of three switches in both directions, spread probes, and drops links on port down, silent cut and disconnect', async () => {
    const { fabric, service, events, clock, until } = setup();
    await Promise.all([fabric.addSwitch(1n, [1, 2]), fabric.addSwitch(2n, [1, 2, 3]), fabric.addSwitch(3n, [1, 2])]);
    fabric.wire(1n, 2, 2n, 2);
    fabric.wire(2n, 3, 3n, 2);
    // Every port is probed once per interval: all links are known within one interval.
    expect(await until(() => service.linkCount === 4, 400)).toBeLessThanOrEqual(100);
    const keys = service.links().map((l) => `${l.src}:${l.srcPort}>${l.dst}:${l.dstPort}`);
    expect(keys).toEqual(['1:2>2:2', '2:2>1:2', '2:3>3:2', '3:2>2:3']);
    expect(service.isInfrastructurePort(2n, 2)).toBe(true);
    expect(service.isInfrastructurePort(2n, 1)).toBe(false);
    expect(events.filter((e) => e[0] === 'linkAdded')).toHaveLength(4);

    // Port 3 of s2 goes down: both directions of s2-s3 go at once.
    fabric.portStatus(2n, 2, { ...emulatedPort(3), state: 1 });
    // At once: no time passes.
    expect(await until(() => service.linkCount === 2, 0)).toBe(0);
    const removed = events.filter((e) => e[0] === 'linkRemoved').map((e) => (e[1] as TopologyEvents['linkRemoved'][0]).reason);
    expect(removed).toEqual(['port_down', 'port_down']);

    // A silent cut: gone after maxMissedProbes intervals, not before.
    fabric.cut(1n, 2);
    const cutAt = clock.now();
    await clock.advanceAsync(200);
    expect(service.linkCount).toBe(2);
    await until(() => service.linkCount === 0, 1000);
    expect(clock.now() - cutAt).toBeGreaterThanOrEqual(300);

    // Rewire, rediscover, then disconnect s1: its links go at once.
    fabric.wire(1n, 2, 2n, 2);
    await until(() => service.linkCount === 2, 500);
    fabric.switches.get(1n)!.close();
    await until(() => service.linkCount === 0, 500);
    expect(events.filter((e) => e[0] === 'linkRemoved').map((e) => (e[1] as { reason: string }).reason).slice(-2)).toEqual(['switch_disconnected', 'switch_disconnected']);
    expect(service.snapshot().switches.has(1n)).toBe(false);
  });

  it('learns hosts at edge ports only, moves them with one event, and coalesces topologyChanged', async () => {
    const { fabric, service, events, clock, until } = setup();
    await Promise.all([fabric.addSwitch(1n, [1, 2]), fabric.addSwitch(2n, [1, 2])]);
    fabric.wire(1n, 2, 2n, 2);
    await until(() => service.linkCount === 2, 500);
    const arp = arpRequest({ srcMac: '00:00:00:00:00:01', srcIp: '10.0.0.1', dstIp: '10.0.0.2' });
    fabric.inject(1n, 1, arp);
    await until(() => service.hostList().length === 1);
    expect(service.hostList()[0]).toMatchObject({ mac: '00:00:00:00:00:01', ipv4: ['10.0.0.1'], location: { dpid: 1n, port: 1 } });
    // The same frame flooded over to s2's infrastructure port teaches nothing.
    fabric.inject(2n, 2, arp);
    await clock.advanceAsync(30);
    expect(service.hostList()[0]!.location).toEqual({ dpid: 1n, port: 1 });
    expect(service.counters.hostPacketsIgnored).toBe(1);
    // Seen at s2 port 1: one hostMoved with both locations.
    fabric.inject(2n, 1, arp);
    await until(() => events.some((e) => e[0] === 'hostMoved'));
    const moved = events.filter((e) => e[0] === 'hostMoved');
    expect(moved).toHaveLength(1);
    expect(moved[0]![1]).toMatchObject({ previous: { dpid: 1n, port: 1 }, host: { location: { dpid: 2n, port: 1 } } });
    const snap = service.snapshot();
    expect(snap.host('00:00:00:00:00:01')?.location).toEqual({ dpid: 2n, port: 1 });
    expect(snap.graph.hasNode('host:00:00:00:00:00:01')).toBe(true);
    expect(snap.graph.outNeighbors('host:00:00:00:00:00:01')).toEqual(['0000000000000002']);
    // topologyChanged is coalesced: far fewer than the changes made.
    const changes = events.filter((e) => e[0] === 'topologyChanged');
    expect(changes.length).toBeGreaterThan(0);
    expect(changes.length).toBeLessThan(events.length - changes.length);
    const last = changes[changes.length - 1]![1] as TopologyEvents['topologyChanged'][0];
    expect(last.snapshot.version).toBe(last.version);
  });

  it('forgets a known host when a link appears at its port, and ignores its frames there afterwards', async () => {
    const { fabric, service, events, clock, until } = setup();
    await Promise.all([fabric.addSwitch(1n, [1, 2]), fabric.addSwitch(2n, [1, 2])]);
    const arp = arpRequest({ srcMac: '00:00:00:00:00:01', srcIp: '10.0.0.1', dstIp: '10.0.0.2' });
    // Learned at s1 port 2 before any link is known there, then seen again there (the known-sender path).
    fabric.inject(1n, 2, arp);
    await until(() => service.hostList().length === 1);
    fabric.inject(1n, 2, arp);
    await clock.advanceAsync(10);
    expect(service.hostList().map((h) => h.location)).toEqual([{ dpid: 1n, port: 2 }]);
    // Port 2 turns out to lead to s2: the host there goes, and its frames at that port teach nothing.
    fabric.wire(1n, 2, 2n, 2);
    await until(() => service.linkCount === 2, 500);
    expect(service.hostList()).toEqual([]);
    expect(events.filter((e) => e[0] === 'hostRemoved').map((e) => (e[1] as TopologyEvents['hostRemoved'][0]).reason)).toEqual(['infrastructure_port']);
    const ignored = service.counters.hostPacketsIgnored;
    fabric.inject(1n, 2, arp);
    await clock.advanceAsync(30);
    expect(service.hostList()).toEqual([]);
    expect(service.counters.hostPacketsIgnored).toBe(ignored + 1);
  });

  it('learns no host at a port known as a switch link elsewhere (cluster: the merged view), though its own discovery has not probed it', async () => {
    const { fabric, service, clock } = setup({}, (dpid, port) => dpid === 1n && port === 2);
    await fabric.addSwitch(1n, [1, 2]);
    const arp = arpRequest({ srcMac: '00:00:00:00:00:07', srcIp: '10.0.0.7', dstIp: '10.0.0.2' });
    fabric.inject(1n, 2, arp); // flooded over a link another instance probed
    await clock.advanceAsync(30);
    expect(service.hostList()).toEqual([]);
    expect(service.counters.hostPacketsIgnored).toBe(1);
    fabric.inject(1n, 1, arp);
    await clock.advanceAsync(30);
    expect(service.hostList().map((h) => h.location)).toEqual([{ dpid: 1n, port: 1 }]);
  });

  it('forgets a host idle longer than hostIdleTimeoutMs at the next expiry sweep, not before', async () => {
    const { fabric, service, events, clock, until } = setup({ hostIdleTimeoutMs: 1000 });
    await fabric.addSwitch(1n, [1, 2]);
    fabric.inject(1n, 1, arpRequest({ srcMac: '00:00:00:00:00:01', srcIp: '10.0.0.1', dstIp: '10.0.0.2' }));
    await until(() => service.hostList().length === 1, 0);
    const seenAt = clock.now();
    await clock.advanceAsync(1000);
    expect(service.hostList()).toHaveLength(1);
    // Sweeps run every hostIdleTimeoutMs / 4 (250 ms here).
    await until(() => service.hostList().length === 0, 250);
    expect(clock.now() - seenAt).toBeGreaterThan(1000);
    expect(clock.now() - seenAt).toBeLessThanOrEqual(1250);
    const removed = events.filter((e) => e[0] === 'hostRemoved');
    expect(removed).toHaveLength(1);
    expect(removed[0]![1]).toMatchObject({ reason: 'idle', host: { mac: '00:00:00:00:00:01' } });
  });

  it('emits one topologyChanged for a burst of changes, changeCoalesceMs after the first', async () => {
    const { fabric, service, events, clock } = setup({ changeCoalesceMs: 50 });
    await Promise.all([fabric.addSwitch(1n, [1, 2]), fabric.addSwitch(2n, [1, 2])]);
    await clock.advanceAsync(100);
    const changes = (): TopologyEvents['topologyChanged'][0][] =>
      events.filter((e) => e[0] === 'topologyChanged').map((e) => e[1] as TopologyEvents['topologyChanged'][0]);
    const before = changes().length;
    fabric.portStatus(1n, 2, { ...emulatedPort(2), state: 1 });
    fabric.portStatus(2n, 2, { ...emulatedPort(2), state: 1 });
    fabric.inject(1n, 1, arpRequest({ srcMac: '00:00:00:00:00:01', srcIp: '10.0.0.1', dstIp: '10.0.0.2' }));
    await clock.advanceAsync(0);
    expect(service.hostList()).toHaveLength(1);
    await clock.advanceAsync(49);
    expect(changes()).toHaveLength(before);
    await clock.advanceAsync(1);
    expect(changes()).toHaveLength(before + 1);
    expect(changes().at(-1)!.version).toBe(service.currentVersion);
    // Nothing changes after the burst: no more events, however long the probes keep going.
    await clock.advanceAsync(1000);
    expect(changes()).toHaveLength(before + 1);
  });

  it('a topologyChanged for new hosts lists them only when a listener reads its hosts (a learning burst sorts no host list per event)', async () => {
    const { fabric, service, events, clock } = setup({ changeCoalesceMs: 10 });
    await fabric.addSwitch(1n, [1, 2]);
    await clock.advanceAsync(50);
    const list = vi.spyOn(HostTracker.prototype, 'list');
    try {
      const changes = (): TopologyEvents['topologyChanged'][0][] =>
        events.filter((e) => e[0] === 'topologyChanged').map((e) => e[1] as TopologyEvents['topologyChanged'][0]);
      const before = changes().length;
      for (let burst = 0; burst < 5; burst++) {
        for (let i = 0; i < 20; i++) {
          const n = burst * 20 + i + 1;
          fabric.inject(1n, 1, arpRequest({ srcMac: `00:00:00:00:01:${n.toString(16).padStart(2, '0')}`, srcIp: `10.0.1.${n}`, dstIp: '10.0.0.2' }));
        }
        await clock.advanceAsync(10);
      }
      expect(changes().length).toBeGreaterThanOrEqual(before + 5);
      expect(list).not.toHaveBeenCalled();
      // Read, the last snapshot has every host of its version.
      const last = changes().at(-1)!;
      expect(last.version).toBe(service.currentVersion);
      expect(last.snapshot.hosts).toHaveLength(100);
      expect(list).toHaveBeenCalledTimes(1);
    } finally {
      list.mockRestore();
    }
  });

  it('skips re-learning a sender repeating itself, yet sees at once a new address, a move, and a host that was removed', async () => {
    const { fabric, service, events, clock, until } = setup();
    await Promise.all([fabric.addSwitch(1n, [1, 2, 3]), fabric.addSwitch(2n, [1, 2])]);
    const frame = (ip: string): Buffer => arpRequest({ srcMac: '00:00:00:00:00:0a', srcIp: ip, dstIp: '10.0.0.99' });
    fabric.inject(1n, 1, frame('10.0.0.10'));
    await until(() => service.hostList().length === 1);
    for (let i = 0; i < 20; i++) fabric.inject(1n, 1, frame('10.0.0.10'));
    await clock.advanceAsync(30);
    expect(events.filter((e) => e[0].startsWith('host'))).toHaveLength(1);
    // A second address in the same second is not skipped.
    fabric.inject(1n, 1, frame('10.0.0.11'));
    await until(() => (service.hostList()[0]?.ipv4 ?? []).includes('10.0.0.11'));
    // Neither is a move.
    fabric.inject(1n, 3, frame('10.0.0.11'));
    await until(() => service.hostList()[0]?.location.port === 3);
    // A host removed (its port went down) is learned again from its very next packet.
    fabric.portStatus(1n, 2, { ...emulatedPort(3), state: 1 });
    await until(() => service.hostList().length === 0);
    fabric.portStatus(1n, 2, emulatedPort(3));
    fabric.inject(1n, 3, frame('10.0.0.11'));
    await until(() => service.hostList().length === 1);
    expect(service.hostList()[0]).toMatchObject({ location: { dpid: 1n, port: 3 } });
  });


  it('a known sender repeating itself, however far apart, only moves its host lastSeen (no event); a sender refused over the learning rate is refused unparsed while the rate is spent and learned from its next packet after', async () => {
    const { fabric, service, events, clock, until } = setup({ hostLearnRatePerPort: 1 });
    await fabric.addSwitch(1n, [1, 2]);
    // Past the link timeout of the switch's arrival (probes every 100 ms here): port 1 settles as an edge port.
    await clock.advanceAsync(2000);
    const from = (mac: string): Buffer => arpRequest({ srcMac: mac, srcIp: '10.0.0.10', dstIp: '10.0.0.99' });
    const hostEvents = (): number => events.filter((e) => e[0].startsWith('host')).length;
    // The port's one token goes to the first host: the next new one is refused, then learned from its next packet once a token is back.
    fabric.inject(1n, 1, from('00:00:00:00:00:0a'));
    fabric.inject(1n, 1, from('00:00:00:00:00:0b'));
    await until(() => service.counters.hostsRefused === 1);
    expect(service.hostList().map((h) => h.mac)).toEqual(['00:00:00:00:00:0a']);
    // Its repeat while the port's rate is still spent is refused and counted without being observed.
    const refusedEarly = vi.spyOn(HostTracker.prototype, 'observe');
    fabric.inject(1n, 1, from('00:00:00:00:00:0b'));
    await until(() => service.counters.hostsRefused === 2);
    expect(refusedEarly).not.toHaveBeenCalled();
    refusedEarly.mockRestore();
    await clock.advanceAsync(1100);
    fabric.inject(1n, 1, from('00:00:00:00:00:0b'));
    await until(() => service.findHost('00:00:00:00:00:0b') !== undefined);
    expect(hostEvents()).toBe(2);
    const observed = vi.spyOn(HostTracker.prototype, 'observe');
    for (let s = 1; s <= 3; s++) {
      await clock.advanceAsync(5000);
      fabric.inject(1n, 1, from('00:00:00:00:00:0a'));
      await until(() => service.findHost('00:00:00:00:00:0a')!.lastSeen === clock.now());
    }
    // Not parsed nor observed again: the memo of its last packet answered.
    expect(observed).not.toHaveBeenCalled();
    observed.mockRestore();
    expect(hostEvents()).toBe(2);
  });
  it('drops forged, stale and foreign LLDP frames injected by a host, counting them, and creates no link', async () => {
    const { fabric, service, clock, until } = setup();
    await Promise.all([fabric.addSwitch(1n, [1, 2]), fabric.addSwitch(2n, [1, 2])]);
    const now = clock.now();
    // Signed with another key, claiming to come from s1:2, arriving at s2:1.
    fabric.inject(2n, 1, buildProbe({ dpid: 1n, port: 2, hwAddr: '02:00:00:00:00:02', sentAt: now, ttlSec: 4 }, Buffer.alloc(32, 9)));
    // Signed with our key but old.
    fabric.inject(2n, 1, buildProbe({ dpid: 1n, port: 2, hwAddr: '02:00:00:00:00:02', sentAt: now - 60_000, ttlSec: 4 }, SECRET));
    // Plain LLDP (lldpd style), no signature.
    fabric.inject(2n, 1, buildPacket({ eth: { dst: LLDP_MULTICAST, src: '00:00:00:00:00:09' }, lldp: { tlvs: [
      { type: 'chassis_id', subtype: 4, value: Buffer.from('000000000009', 'hex') },
      { type: 'port_id', subtype: 5, value: Buffer.from('eth0') },
      { type: 'ttl', ttlSec: 120 },
    ] } }));
    // A valid probe looped back to its own port.
    fabric.inject(1n, 2, buildProbe({ dpid: 1n, port: 2, hwAddr: '02:00:00:00:00:02', sentAt: clock.now(), ttlSec: 4 }, SECRET));
    await until(() => service.counters.probesReceived === 4);
    expect(service.counters.forged).toMatchObject({ bad_signature: 1, stale: 1, unsigned: 1, looped: 1 });
    expect(service.linkCount).toBe(0);
    expect(service.hostList()).toEqual([]);
  });

  it('recognises its own probe coming back as sent without a full check, and still judges copies: a replay, a changed byte, a stale one', async () => {
    const { fabric, service, clock, until } = setup({ maxProbeDelayMs: 1000 });
    await Promise.all([fabric.addSwitch(1n, [1, 2]), fabric.addSwitch(2n, [1, 2])]);
    // No wires: what s1 sends out of port 2 is kept; the test carries it to s2:1 as a cable would.
    await until(() => (fabric.delivered.get('1:2')?.length ?? 0) > 0);
    const sent = fabric.delivered.get('1:2')!.at(-1)!;
    fabric.inject(2n, 1, sent);
    await until(() => service.linkCount === 1, 50);
    expect(service.counters.probesRecognised).toBe(1);
    expect(service.links()[0]).toMatchObject({ src: 1n, srcPort: 2, dst: 2n, dstPort: 1 });
    // The same bytes again: recognised as ours, refused by discovery as a replay.
    fabric.inject(2n, 1, sent);
    await until(() => service.counters.forged.replayed === 1, 50);
    // A byte of the HMAC changed: not recognised, and the full check finds the bad signature.
    const tampered = Buffer.from(sent);
    tampered[tampered.length - 3]! ^= 0x40;
    fabric.inject(2n, 1, tampered);
    await until(() => service.counters.forged.bad_signature === 1, 50);
    expect(service.counters.probesRecognised).toBe(2);
    // Later than the maximum delay, the last probe sent out of a port is stale, recognised or not.
    const stuck = fabric.delivered.get('2:2')!.at(-1)!;
    const recognised = service.counters.probesRecognised;
    clock.advance(1_001);
    fabric.inject(1n, 1, stuck);
    await until(() => service.counters.forged.stale === 1, 50);
    expect(service.counters.probesRecognised).toBe(recognised);
    expect(service.counters.probesReceived).toBe(4);
  });

  it('a 1,024-port switch: its probes go out at an even pace over the interval, a bounded share per tick, not the whole budget in a few ticks', async () => {
    const TICK = 25;
    const { fabric, service, clock } = setup({ probeIntervalMs: 1000, probeTickMs: TICK });
    fabric.recordDelivered = false;
    const PORTS = 1024;
    await fabric.addSwitch(1n, Array.from({ length: PORTS }, (_, i) => i + 1));
    // Two intervals (the switch's slot may be anywhere in the first), tick by tick: what each probe tick signed and sent.
    const perTick: number[] = [];
    for (let t = 0; t < 2_000; t += TICK) {
      const before = service.counters.probesSent;
      await clock.advanceAsync(TICK);
      perTick.push(service.counters.probesSent - before);
    }
    const total = perTick.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(PORTS); // every port at least once
    expect(total).toBeLessThanOrEqual(2 * PORTS);
    // The slot's burst plus the pace: far under the per-tick budget (256) a burst would take.
    const pace = Math.ceil(((PORTS - 32) * TICK) / (1000 * 0.8));
    expect(Math.max(...perTick)).toBeLessThanOrEqual(32 + pace);
    expect(perTick.filter((n) => n > 0).length).toBeGreaterThanOrEqual(Math.floor(PORTS / (32 + pace)));
  });

  it('reads switches that connected before start()', async () => {
    const config = { ...defaultConfig, topology: { ...defaultConfig.topology, probeIntervalMs: 100, probeTickMs: 5 } };
    const clock = new ManualClock();
    const until = driver(clock);
    const ctrl = new Controller(config, silentLogger, { clock });
    const fabric = new EmulatedFabric(ctrl);
    await Promise.all([fabric.addSwitch(1n, [1]), fabric.addSwitch(2n, [1])]);
    fabric.wire(1n, 1, 2n, 1);
    const service = new TopologyService({ bus: ctrl.bus, devices: deviceService(ctrl.datapaths), packets: packetService(ctrl.datapaths, undefined), config: config.topology, log: silentLogger, secret: SECRET, clock, flows: systemFlows(ctrl) });
    running.push({ ctrl, service, fabric });
    service.start();
    await until(() => service.linkCount === 2, 500);
    expect(fabric.switches.get(1n)!.flows).toHaveLength(1);
  });
});

describe('TopologyService: no forged links (edge and infrastructure ports)', () => {
  const arpFrom = (mac: string, ip: string): Buffer => arpRequest({ srcMac: mac, srcIp: ip, dstIp: '10.0.0.99' });
  const lldpOut = (fabric: EmulatedFabric, dpid: bigint, port: number): number => (fabric.delivered.get(`${dpid}:${port}`) ?? []).filter((f) => f.readUInt16BE(12) === 0x88cc).length;

  it('sends no probe out of a port where a host was first seen, and a genuine probe relayed from or into such a port creates nothing', async () => {
    const { fabric, service, clock, until } = setup();
    await Promise.all([fabric.addSwitch(1n, [1, 2, 3]), fabric.addSwitch(2n, [1, 2])]);
    // Before any host talks, s1:1 is probed like every port: a silent host there could keep one.
    // (Past the settle time too: a link timeout after the switches came, 350 ms.)
    await clock.advanceAsync(400);
    const captured = buildProbe({ dpid: 1n, port: 1, hwAddr: '02:00:00:00:00:01', sentAt: clock.now(), ttlSec: 4 }, SECRET);
    expect(lldpOut(fabric, 1n, 1)).toBeGreaterThan(0);
    // Hosts at s1:1, s1:2 and s2:1 talk: those ports are edge ports.
    fabric.inject(1n, 1, arpFrom('00:00:00:00:00:01', '10.0.0.1'));
    fabric.inject(1n, 2, arpFrom('00:00:00:00:00:02', '10.0.0.2'));
    fabric.inject(2n, 1, arpFrom('00:00:00:00:00:03', '10.0.0.3'));
    await until(() => service.hostList().length === 3);
    const before = lldpOut(fabric, 1n, 1);
    await clock.advanceAsync(500);
    expect(lldpOut(fabric, 1n, 1)).toBe(before);
    expect(lldpOut(fabric, 1n, 3)).toBeGreaterThan(3);
    // The host relays the probe it captured into another edge port of the same switch and of another
    // switch; and a fresh genuine probe of s1:3 (an unclassified port) is carried into edge port s2:1.
    fabric.inject(1n, 2, captured);
    fabric.inject(2n, 1, buildProbe({ dpid: 1n, port: 1, hwAddr: '02:00:00:00:00:01', sentAt: clock.now() - 100, ttlSec: 4 }, SECRET));
    fabric.inject(2n, 1, buildProbe({ dpid: 1n, port: 3, hwAddr: '02:00:00:00:00:03', sentAt: clock.now(), ttlSec: 4 }, SECRET));
    await until(() => service.counters.forged.relayed === 3, 100);
    expect(service.linkCount).toBe(0);
    // A probe naming a switch that is not connected is no link either.
    fabric.inject(2n, 2, buildProbe({ dpid: 9n, port: 1, hwAddr: '02:00:00:00:00:09', sentAt: clock.now(), ttlSec: 4 }, SECRET));
    await until(() => service.counters.unknownSource === 1, 100);
    expect(service.linkCount).toBe(0);
    // Once the hosts at s1:1 and s2:1 are gone (port down), those ports are ordinary ports again.
    fabric.portStatus(2n, 2, { ...emulatedPort(1), state: 1 });
    await until(() => service.hostList().length === 2, 100);
    fabric.portStatus(2n, 2, emulatedPort(1));
    fabric.wire(1n, 3, 2n, 1);
    await until(() => service.linkCount === 2, 500);
  });

  it('startup race: a host flooded over a link not yet discovered does not make the switch port an edge port; the link is found', async () => {
    const { fabric, service, until } = setup();
    await Promise.all([fabric.addSwitch(1n, [1, 2]), fabric.addSwitch(2n, [1, 2])]);
    const arp = arpFrom('00:00:00:00:00:01', '10.0.0.1');
    // The host's packet enters at its port s1:1, and the copy flooded by s1 comes in at s2:2 before
    // discovery has seen s1:2-s2:2: the host moves there, but a moved host classifies nothing.
    fabric.inject(1n, 1, arp);
    await until(() => service.hostList().length === 1, 100);
    fabric.inject(2n, 2, arp);
    await until(() => service.hostList()[0]?.location.dpid === 2n, 100);
    fabric.wire(1n, 2, 2n, 2);
    await until(() => service.linkCount === 2, 500);
    expect(service.isInfrastructurePort(2n, 2)).toBe(true);
    // The host left the link's port when the link came.
    expect(service.hostList()).toEqual([]);
    expect(service.counters.forged.relayed).toBe(0);
  });

  it('startup race: a host first seen at a switch port within a link timeout of the switch coming does not make it an edge port', async () => {
    const { fabric, service, clock, until } = setup();
    await Promise.all([fabric.addSwitch(1n, [1, 2]), fabric.addSwitch(2n, [1, 2])]);
    // A copy flooded before discovery reaches s2:2 first (the sender's own packet-in was lost).
    fabric.inject(2n, 2, arpFrom('00:00:00:00:00:09', '10.0.0.9'));
    await until(() => service.hostList().length === 1, 100);
    fabric.wire(1n, 2, 2n, 2);
    await until(() => service.linkCount === 2, 500);
    expect(service.counters.forged.relayed).toBe(0);
    // A host that spoke early at its real port and speaks again once the port settled makes it an edge port.
    fabric.inject(1n, 1, arpFrom('00:00:00:00:00:0a', '10.0.0.10'));
    await until(() => service.hostList().length === 1, 100);
    expect(lldpOut(fabric, 1n, 1)).toBeGreaterThan(0);
    await clock.advanceAsync(1100);
    // Its repeat anchors it from the sender memo alone (no parse, no observe).
    const observed = vi.spyOn(HostTracker.prototype, 'observe');
    fabric.inject(1n, 1, arpFrom('00:00:00:00:00:0a', '10.0.0.10'));
    await clock.advanceAsync(20);
    expect(observed).not.toHaveBeenCalled();
    observed.mockRestore();
    const n = lldpOut(fabric, 1n, 1);
    await clock.advanceAsync(500);
    expect(lldpOut(fabric, 1n, 1)).toBe(n);
  });

  it('a link whose ports come back up is found again even when frames through it reach the controller before the PORT_STATUS (issue #18 reroute)', async () => {
    const { fabric, service, clock, until } = setup();
    await Promise.all([fabric.addSwitch(1n, [1, 2]), fabric.addSwitch(2n, [1, 2])]);
    fabric.wire(1n, 2, 2n, 2);
    await until(() => service.linkCount === 2, 500);
    // Long past the settle time (a link timeout, 350 ms here): both ports were probed long ago.
    await clock.advanceAsync(1000);
    for (let flap = 0; flap < 3; flap++) {
      // Both ends go down (Mininet's `link s1 s2 down`), and stay down past the hold.
      fabric.portStatus(1n, 2, { ...emulatedPort(2), state: 1 });
      fabric.portStatus(2n, 2, { ...emulatedPort(2), state: 1 });
      await until(() => service.linkCount === 0, 0);
      await clock.advanceAsync(1000);
      // Up again: on carrier each side's kernel sends from its own port's MAC (IPv6 DAD, MLD,
      // router solicitation), and those packet-ins arrive before the switches' PORT_STATUS.
      const rs = (mac: string): Buffer => buildPacket({ eth: { dst: '33:33:00:00:00:02', src: mac }, ipv6: { src: 'fe80::1', dst: 'ff02::2', hopLimit: 255 }, icmpv6: { kind: 'raw', type: 133, code: 0, body: Buffer.alloc(4) } });
      fabric.inject(2n, 2, rs(`02:00:00:00:01:0${flap}`));
      fabric.inject(1n, 2, rs(`02:00:00:00:02:0${flap}`));
      await until(() => service.hostList().length === 2, 100);
      fabric.portStatus(1n, 2, emulatedPort(2));
      fabric.portStatus(2n, 2, emulatedPort(2));
      // Found again within three probe intervals, and the frames of the ports' own MACs did not make them edge ports.
      const upAt = clock.now();
      await until(() => service.linkCount === 2, 300);
      expect(clock.now() - upAt).toBeLessThanOrEqual(300);
      expect(service.counters.forged.relayed).toBe(0);
      expect(service.hostList()).toEqual([]);
      await clock.advanceAsync(1000);
      expect(service.linkCount).toBe(2);
    }
  });

  it('a host first seen at a port keeps links off it until the host is gone (idle), then the link comes', async () => {
    const { fabric, service, clock, until } = setup({ hostIdleTimeoutMs: 2000 });
    await Promise.all([fabric.addSwitch(1n, [1, 2]), fabric.addSwitch(2n, [1, 2])]);
    await clock.advanceAsync(400);
    fabric.inject(2n, 2, arpFrom('00:00:00:00:00:05', '10.0.0.5'));
    await until(() => service.hostList().length === 1, 100);
    fabric.wire(1n, 2, 2n, 2);
    await clock.advanceAsync(1000);
    expect(service.linkCount).toBe(0);
    expect(service.counters.forged.relayed).toBeGreaterThan(0);
    await until(() => service.linkCount === 2, 3000);
    expect(clock.now()).toBeGreaterThanOrEqual(2000);
  });

  it('a port whose link timed out stays infrastructure for a link timeout: no flood goes out of it, no host is learned there', async () => {
    const { fabric, service, clock, until } = setup();
    await Promise.all([fabric.addSwitch(1n, [1, 2]), fabric.addSwitch(2n, [1, 2])]);
    fabric.wire(1n, 2, 2n, 2);
    await until(() => service.linkCount === 2, 500);
    expect(service.floodPorts(1n, 1)).toEqual([2]);
    fabric.cut(1n, 2);
    await until(() => service.linkCount === 0, 1000);
    const goneAt = clock.now();
    // Held: not an edge port, not on the tree; a frame from s1:1 floods nowhere, one arriving at s1:2 is not learned.
    expect(service.snapshot().switches.get(1n)).toMatchObject({ edgePorts: [1], infrastructurePorts: [2], treePorts: [] });
    expect(service.floodPorts(1n, 1)).toEqual([]);
    expect(service.floodPorts(1n, 2)).toEqual([]);
    fabric.inject(1n, 2, arpFrom('00:00:00:00:00:07', '10.0.0.7'));
    await clock.advanceAsync(20);
    expect(service.hostList()).toEqual([]);
    // A link timeout (3.5 intervals) later it is an ordinary port again.
    await until(() => service.floodPorts(1n, 1).length === 1, 1000);
    expect(clock.now() - goneAt).toBeGreaterThanOrEqual(340);
    expect(service.snapshot().switches.get(1n)).toMatchObject({ edgePorts: [1, 2], infrastructurePorts: [] });
  });
});
