/** l2-learning decisions judged by behaviour: the app's flows applied to the fake network, frames followed through one switch and a ring. */
import { describe, expect, it } from 'vitest';
import { OFP_NO_BUFFER, OFPP } from '../../src/openflow/codec/constants.js';
import { L2Learning, defaultL2LearningConfig, type L2LearningConfig, type FloodPortsFn } from '../../src/apps/l2-learning/logic.js';
import { macToNumber } from '../../src/packet/mac.js';
import { hostsReached, type Trace } from '../fakes/fake-network.js';
import { AppNetwork, testFrame } from '../fakes/app-network.js';
import type { FlowRecord, FlowRule } from '../../src/core/services.js';
import type { Effects } from '../../src/apps/effects.js';
import { APP_COOKIE_MASK } from '../fakes/app-effects.js';
import { mac, ring as ringTopology, snapshotOf } from '../fakes/topologies.js';

const COOKIE = 0x1234_0000_0000_0000n;

/**
 * A fake network with a controller running the L2Learning logic as the app's shell does
 * (flows with the app cookie, packet-out, flows towards a moved host deleted).
 */
class Network extends AppNetwork {
  logic: L2Learning;
  packetIns = 0;
  /** Packet handling steps of the last send; a storm hits the cap. */
  steps = 0;
  /** What the last send did. */
  last: Trace | undefined;

  constructor(cfg: Partial<L2LearningConfig> = {}, floodPorts?: FloodPortsFn) {
    super(COOKIE);
    this.logic = new L2Learning({ ...defaultL2LearningConfig, ...cfg }, floodPorts);
    this.net.controller = (pi) => {
      this.packetIns++;
      const d = this.logic.packetIn(pi.dpid, pi.inPort, pi.data, this.net.now);
      if (d.moved) this.net.flowMod(pi.dpid, { command: 'delete', tableId: 0xff, match: [{ field: 'eth_dst', value: String(pi.packet.eth_src) }], cookie: COOKIE, cookieMask: APP_COOKIE_MASK });
      if (d.kind === 'forward') this.net.flowMod(pi.dpid, { ...this.logic.flowFor(d), cookie: COOKIE });
      const po = this.logic.packetOutFor(d, pi.inPort, OFP_NO_BUFFER, pi.data);
      return po ? [{ dpid: pi.dpid, spec: po }] : [];
    };
  }

  protected switchFlows(): FlowRule[] {
    return this.logic.switchFlows();
  }

  /** Sends a frame from a host at `now`; returns the names of the hosts that received it, with repeats. */
  send(from: string, dst: string, now = 0, ethertype = 0x0800): string[] {
    this.net.now = now;
    const t = this.net.send(from, testFrame(dst, this.net.host(from).mac, ethertype), { maxSteps: 500 });
    this.steps = t.steps;
    this.last = t;
    return hostsReached(t);
  }
}

describe('l2-learning on one switch', () => {
  function oneSwitch(cfg: Partial<L2LearningConfig> = {}): Network {
    const n = new Network(cfg);
    n.addSwitch(1n, [1, 2, 3]);
    n.addHost('h1', 1, 1n, 1);
    n.addHost('h2', 2, 1n, 2);
    n.addHost('h3', 3, 1n, 3);
    return n;
  }

  it('floods an unknown destination, then forwards by learned flows without the controller', () => {
    const n = oneSwitch();
    expect(n.send('h1', mac(2))).toEqual(['h2', 'h3']); // unknown: flood
    expect(n.send('h2', mac(1))).toEqual(['h1']); // h1 learned: forwarded, flow installed
    expect(n.packetIns).toBe(2);
    expect(n.send('h2', mac(1))).toEqual(['h1']);
    expect(n.packetIns).toBe(2); // the switch's flow took it
    expect(n.send('h1', mac(2))).toEqual(['h2']); // h2 learned at its reply
    expect(n.send('h1', mac(2))).toEqual(['h2']);
    expect(n.packetIns).toBe(3);
  });

  it('installs in_port + eth_dst + eth_src flows with the idle timeout; an idle flow expires and the next packet asks again', () => {
    const n = oneSwitch({ idleTimeoutSec: 30 });
    n.send('h1', mac(2), 0);
    n.send('h2', mac(1), 0);
    const t = n.table(1n);
    const learned = t.flows.find((f) => f.priority === 10)!;
    expect(learned.idleTimeout).toBe(30);
    expect(learned.match).toEqual([
      { field: 'in_port', value: 2 },
      { field: 'eth_dst', value: mac(1) },
      { field: 'eth_src', value: mac(2) },
    ]);
    // h3 -> h1 is a different source: it does not ride h2's flow.
    const before = n.packetIns;
    expect(n.send('h3', mac(1), 1000)).toEqual(['h1']);
    expect(n.packetIns).toBe(before + 1);
    t.expire(40_000);
    expect(t.flows.filter((f) => f.priority === 10 && f.match.some((m) => m.field === 'in_port' && m.value === 2))).toHaveLength(0);
    n.send('h2', mac(1), 40_000);
    expect(n.packetIns).toBe(before + 2);
  });

  it('matches in_port + eth_dst only when matchSrc is off', () => {
    const n = oneSwitch({ matchSrc: false });
    n.send('h1', mac(2));
    n.send('h2', mac(1));
    expect(n.table(1n).flows.find((f) => f.priority === 10)!.match).toEqual([
      { field: 'in_port', value: 2 },
      { field: 'eth_dst', value: mac(1) },
    ]);
  });

  it('floods broadcasts and never installs a flow for them', () => {
    const n = oneSwitch();
    n.send('h2', mac(1));
    expect(n.send('h1', 'ff:ff:ff:ff:ff:ff')).toEqual(['h2', 'h3']);
    expect(n.send('h1', '01:00:5e:00:00:01')).toEqual(['h2', 'h3']);
    expect(n.table(1n).flows.filter((f) => f.priority === 10)).toHaveLength(0);
  });

  it('ignores LLDP and IEEE 802.1D link-local frames and does not learn multicast sources', () => {
    const l = new L2Learning();
    expect(l.packetIn(1n, 1, testFrame('01:80:c2:00:00:0e', mac(1), 0x88cc), 0)).toMatchObject({ kind: 'ignore', reason: 'lldp' });
    expect(l.packetIn(1n, 1, testFrame('01:80:c2:00:00:00', mac(1)), 0)).toMatchObject({ kind: 'ignore', reason: 'link-local' });
    expect(l.packetIn(1n, 1, testFrame(mac(2), '01:00:5e:00:00:01'), 0)).toMatchObject({ kind: 'ignore', reason: 'bad-source' });
    expect(l.packetIn(1n, 1, Buffer.alloc(10), 0)).toMatchObject({ kind: 'ignore', reason: 'short' });
    expect(l.size(1n)).toBe(0);
    // 01:80:c2:00:00:10 is not link-local: flooded.
    expect(l.packetIn(1n, 1, testFrame('01:80:c2:00:00:10', mac(1)), 0)).toMatchObject({ kind: 'flood' });
  });

  it('drops unlearned a frame that arrived on a loop port (a switch link off the broadcast tree)', () => {
    const l = new L2Learning(defaultL2LearningConfig, () => [1], (_d, port) => port === 3);
    expect(l.packetIn(1n, 3, testFrame(mac(2), mac(1)), 0)).toMatchObject({ kind: 'ignore', reason: 'blocked-port' });
    expect(l.size(1n)).toBe(0);
    expect(l.packetIn(1n, 2, testFrame(mac(2), mac(1)), 0)).toMatchObject({ kind: 'flood', ports: [1] });
    l.clear();
    expect(l.size(1n)).toBe(0);
  });

  it('drops a frame whose destination sits behind the port it came in on', () => {
    const l = new L2Learning();
    l.packetIn(1n, 1, testFrame(mac(9), mac(2)), 0);
    expect(l.packetIn(1n, 1, testFrame(mac(2), mac(3)), 0)).toMatchObject({ kind: 'ignore', reason: 'same-port' });
  });

  it('follows a host that moved and deletes the flows that pointed at its old port', () => {
    const n = oneSwitch();
    n.send('h1', mac(2));
    n.send('h2', mac(1));
    n.send('h2', mac(1));
    n.hosts.delete('h3');
    n.net.moveHost('h1', 1n, 3);
    expect(n.send('h1', mac(2))).toEqual(['h2']);
    expect(n.logic.lookup(1n, macToNumber(mac(1)))).toBe(3);
    expect(n.send('h2', mac(1))).toEqual(['h1']);
    expect(n.table(1n).flows.filter((f) => f.priority === 10).every((f) => !f.instructions.some((i) => i.type === 'apply_actions' && i.actions.some((a) => a.type === 'output' && a.port === 1)))).toBe(true);
  });

  it('ages MACs out, forgets MACs on a port that went down, and bounds the table', () => {
    const l = new L2Learning({ ...defaultL2LearningConfig, macAgeSec: 10, maxMacsPerSwitch: 3 });
    for (let i = 1; i <= 4; i++) l.packetIn(1n, i, testFrame('ff:ff:ff:ff:ff:ff', mac(i)), i * 1000);
    expect(l.size(1n)).toBe(3);
    expect(l.lookup(1n, macToNumber(mac(1)))).toBeUndefined(); // the oldest went
    expect(l.portDown(1n, 2)).toEqual([macToNumber(mac(2))]);
    expect(l.expire(13_500)).toBe(1); // mac 3 seen at 3000
    expect(l.lookup(1n, macToNumber(mac(4)))).toBe(4);
    // A stale entry is not used for forwarding even before expire() runs.
    expect(l.packetIn(1n, 9, testFrame(mac(4), mac(9)), 30_000)).toMatchObject({ kind: 'flood' });
  });

  it('remembers the flow installed for a forward decision only while the ports it was made for hold', () => {
    const l = new L2Learning();
    l.packetIn(1n, 2, testFrame('ff:ff:ff:ff:ff:ff', mac(2)), 0);
    const d = l.packetIn(1n, 1, testFrame(mac(2), mac(1)), 1);
    if (d.kind !== 'forward') throw new Error(`expected forward, got ${d.kind}`);
    expect(l.installed(1n, d)).toBeUndefined();
    l.remember(1n, d, 'flow-a');
    expect(l.installed(1n, d)).toBe('flow-a');
    // Another source towards the same MAC is another flow.
    l.packetIn(1n, 3, testFrame('ff:ff:ff:ff:ff:ff', mac(3)), 2);
    const d3 = l.packetIn(1n, 3, testFrame(mac(2), mac(3)), 3);
    if (d3.kind !== 'forward') throw new Error('expected forward');
    expect(l.installed(1n, d3)).toBeUndefined();
    // The destination moved: the remembered flow points at its old port.
    l.packetIn(1n, 3, testFrame('ff:ff:ff:ff:ff:ff', mac(2)), 4);
    const moved = l.packetIn(1n, 1, testFrame(mac(2), mac(1)), 5);
    if (moved.kind !== 'forward') throw new Error('expected forward');
    expect(moved.outPort).toBe(3);
    expect(l.installed(1n, moved)).toBeUndefined();
    // Forgotten with the destination MAC.
    l.remember(1n, moved, 'flow-b');
    l.portDown(1n, 3);
    l.packetIn(1n, 3, testFrame('ff:ff:ff:ff:ff:ff', mac(2)), 6);
    expect(l.installed(1n, moved)).toBeUndefined();
  });

  it('remembers the flows of several senders towards one destination, each under its own key (source MAC, or in-port without matchSrc)', () => {
    for (const matchSrc of [true, false]) {
      const l = new L2Learning({ ...defaultL2LearningConfig, matchSrc });
      l.packetIn(1n, 2, testFrame('ff:ff:ff:ff:ff:ff', mac(2)), 0);
      const senders = [[1, mac(1)], [3, mac(3)], [4, mac(4)], [5, mac(5)]] as const;
      const decisions = senders.map(([port, m], i) => {
        const d = l.packetIn(1n, port, testFrame(mac(2), m), 1 + i);
        if (d.kind !== 'forward') throw new Error(`expected forward, got ${d.kind}`);
        l.remember(1n, d, `from-${port}`);
        return d;
      });
      // Asked after other packet-ins (no shortcut through the last decision): each finds its own.
      l.packetIn(1n, 2, testFrame('ff:ff:ff:ff:ff:ff', mac(2)), 10);
      expect(decisions.map((d) => l.installed(1n, d))).toEqual(['from-1', 'from-3', 'from-4', 'from-5']);
      l.remember(1n, decisions[0]!, 'from-1 again');
      l.remember(1n, decisions[2]!, 'from-4 again');
      expect(decisions.map((d) => l.installed(1n, d))).toEqual(['from-1 again', 'from-3', 'from-4 again', 'from-5']);
    }
  });

  it('finds the flow a sender was last given and the ones before it, and forgets them with the destination learned again', () => {
    const l = new L2Learning();
    for (const [port, m] of [[2, mac(2)], [3, mac(3)]] as const) l.packetIn(1n, port, testFrame('ff:ff:ff:ff:ff:ff', m), 0);
    const forward = (dst: string, at: number) => {
      const d = l.packetIn(1n, 1, testFrame(dst, mac(1)), at);
      if (d.kind !== 'forward') throw new Error(`expected forward, got ${d.kind}`);
      return d;
    };
    l.remember(1n, forward(mac(2), 1), 'to-2');
    expect(l.installed(1n, forward(mac(2), 2))).toBe('to-2');
    l.remember(1n, forward(mac(3), 3), 'to-3');
    expect(l.installed(1n, forward(mac(3), 4))).toBe('to-3');
    // The sender's last flow is to 3; the one to 2 is still remembered with 2.
    expect(l.installed(1n, forward(mac(2), 5))).toBe('to-2');
    expect(l.installed(1n, forward(mac(3), 6))).toBe('to-3');
    // 3 forgotten and learned again at the same port: a fresh decision towards it has no flow yet.
    l.portDown(1n, 3);
    l.packetIn(1n, 3, testFrame('ff:ff:ff:ff:ff:ff', mac(3)), 7);
    expect(l.installed(1n, forward(mac(3), 8))).toBeUndefined();
    expect(l.installed(1n, forward(mac(2), 9))).toBe('to-2');
  });

  it('keeps a declared flow by its record once the shell has declared it: the next packet-in of that flow declares nothing, a flow no longer current is declared again', () => {
    const current = new Set<FlowRecord>();
    const l = new L2Learning(defaultL2LearningConfig, undefined, undefined, (r) => current.has(r));
    l.packetIn(1n, 2, testFrame('ff:ff:ff:ff:ff:ff', mac(2)), 0);
    const effects = (at: number): Effects => {
      const d = l.packetIn(1n, 1, testFrame(mac(2), mac(1)), at);
      return l.effectsOf(1n, d, 1, OFP_NO_BUFFER, testFrame(mac(2), mac(1)));
    };
    const first = effects(1);
    expect(first.install).toHaveLength(1);
    const at = first.install[0]!;
    const rec = { state: 'installed' } as unknown as FlowRecord;
    at.record = rec; // as applyEffects does
    current.add(rec);
    expect(effects(2).install).toHaveLength(0);
    const d = l.packetIn(1n, 1, testFrame(mac(2), mac(1)), 3);
    if (d.kind !== 'forward') throw new Error(`expected forward, got ${d.kind}`);
    expect(l.installed(1n, d)).toBe(rec); // the FlowAt (its rule, its buffered marker) is no longer held
    current.delete(rec); // removed, refused or replaced
    const again = effects(4);
    expect(again.install).toHaveLength(1);
    expect(again.install[0]).not.toBe(at);
    // Not declared by the shell (no record: the switch was not writable): declared again next time.
    expect(effects(5).install).toHaveLength(1);
  });

  it('uses the buffer id of a buffered packet-in instead of its bytes', () => {
    const l = new L2Learning();
    const d = l.packetIn(1n, 1, testFrame(mac(2), mac(1)), 0);
    const data = testFrame(mac(2), mac(1));
    expect(l.packetOutFor(d, 1, 77, data)).toEqual({ inPort: 1, bufferId: 77, actions: [{ type: 'output', port: OFPP.FLOOD }] });
    expect(l.packetOutFor(d, 1, OFP_NO_BUFFER, data)).toEqual({ inPort: 1, actions: [{ type: 'output', port: OFPP.FLOOD }], data });
  });

  it('installs one table-miss flow sending whole packets to the controller', () => {
    const l = new L2Learning();
    expect(l.switchFlows()).toEqual([{ tableId: 0, priority: 0, match: [], actions: [{ type: 'output', port: OFPP.CONTROLLER, maxLen: 0xffff }] }]);
    expect(new L2Learning({ ...defaultL2LearningConfig, installTableMiss: false }).switchFlows()).toEqual([]);
  });
});

describe('l2-learning on a ring', () => {
  /** The shared ring of 4 (port 1 host hi, port 2 to the previous switch, port 3 to the next); flooding on its broadcast tree when `onTree`. */
  function ring(onTree = false): Network {
    const tree: { flood?: FloodPortsFn } = {};
    const n = new Network({}, onTree ? (dpid, inPort) => tree.flood!(dpid, inPort) : undefined);
    const t = ringTopology(4);
    for (const sw of t.switches) n.addSwitch(sw.dpid, [...sw.ports]);
    for (const [a, ap, b, bp] of t.links) n.net.link(a, ap, b, bp);
    for (let i = 1; i <= 4; i++) n.addHost(`h${i}`, i, BigInt(i), 1);
    // The topology layer's broadcast tree leaves one ring link out.
    const snap = snapshotOf(n.net);
    tree.flood = (dpid, inPort) => snap.floodPorts(dpid, inPort);
    return n;
  }

  it('storms with OFPP_FLOOD (no topology): the reason floods must follow the tree', () => {
    const n = ring();
    n.send('h1', 'ff:ff:ff:ff:ff:ff');
    expect(n.steps).toBe(500);
    expect(n.last!.loop).toBe(true);
  });

  it('floods on the broadcast tree: every host gets one copy, then unicast converges', () => {
    const n = ring(true);
    expect(n.send('h1', 'ff:ff:ff:ff:ff:ff')).toEqual(['h2', 'h3', 'h4']);
    expect(n.steps).toBeLessThan(20);
    expect(n.last).toMatchObject({ loop: false, delivered: [{}, {}, {}] });
    for (const a of ['h1', 'h2', 'h3', 'h4']) {
      for (const b of ['h1', 'h2', 'h3', 'h4']) {
        if (a === b) continue;
        const got = n.send(a, n.hosts.get(b)!.mac);
        expect(got.filter((x) => x === b)).toHaveLength(1);
        expect(n.steps).toBeLessThan(20);
      }
    }
    // Once learned, a ping pair runs on flows alone.
    n.send('h1', mac(3));
    n.send('h3', mac(1));
    const before = n.packetIns;
    expect(n.send('h1', mac(3))).toEqual(['h3']);
    expect(n.send('h3', mac(1))).toEqual(['h1']);
    expect(n.packetIns).toBe(before);
  });
});
