/** forwarding decisions judged by behaviour: flows applied to model tables, packets followed through rings and trees, reroutes on link loss and host moves. */
import { describe, expect, it } from 'vitest';
import { OFP_NO_BUFFER } from '../../src/openflow/codec/constants.js';
import { Forwarding, defaultForwardingConfig, type ForwardingEffects as Effects, type ForwardingConfig } from '../../src/apps/forwarding/logic.js';
import { hostsReached, type Trace } from '../fakes/fake-network.js';
import { AppNetwork, testFrame } from '../fakes/app-network.js';
import type { FlowRule } from '../../src/core/services.js';
import { applyEffects } from '../fakes/app-effects.js';
import { mac, ring as ringTopology, snapshot, snapshotOf, tree } from '../fakes/topologies.js';

const COOKIE = 0x4242_0000_0000_0000n;

const BCAST = 'ff:ff:ff:ff:ff:ff';

/** A fake network with the controller running Forwarding as the app's shell does (one logic per instance of a cluster). */
class Network extends AppNetwork {
  /** One logic per controller instance; `masterOf` says which instance masters a switch (a cluster), 0 for all by default. */
  readonly logics: Forwarding[];
  readonly logic: Forwarding;
  masterOf: (dpid: bigint) => number = () => 0;
  packetIns = 0;
  flowMods = 0;
  version = 0;
  private tag = 0;
  /** What the last send did. */
  last: Trace | undefined;

  constructor(cfg: Partial<ForwardingConfig> = {}, instances = 1) {
    super(COOKIE);
    this.logics = Array.from({ length: instances }, (_, i) => new Forwarding({ ...defaultForwardingConfig, ...cfg }, (dpid) => this.masterOf(dpid) === i));
    this.logic = this.logics[0]!;
    // A packet-in goes to the instance mastering the switch; its packet-outs run in the same walk.
    this.net.controller = (pi) => {
      this.packetIns++;
      const instance = this.masterOf(pi.dpid);
      return this.apply(this.logics[instance]!.packetIn(pi.dpid, pi.inPort, OFP_NO_BUFFER, pi.data, this.now), instance);
    };
  }

  protected switchFlows(): FlowRule[] {
    return this.logic.switchFlows();
  }

  /** The topology the discovery would report now (hosts optional: the logic learns them itself). */
  snapshot(withHosts = false): ReturnType<typeof snapshotOf> {
    return snapshotOf(this.net, { hosts: withHosts, version: ++this.version });
  }

  /** Gives the logic the current topology and applies what it says. */
  topologyChanged(withHosts = false): Effects {
    const snap = this.snapshot(withHosts);
    let first: Effects | undefined;
    this.logics.forEach((l, i) => {
      const fx = l.setTopology(snap, this.now);
      for (const po of this.apply(fx, i)) this.net.packetOut(po);
      first ??= fx;
    });
    return first!;
  }

  /** Applies an instance's effects as the app's shell does: only on the switches it masters; returns its packet-outs. */
  apply(fx: Effects, instance = 0): ReturnType<typeof applyEffects>['packetOuts'] {
    const r = applyEffects(this.net, fx, { cookie: COOKIE, canWrite: (d) => this.masterOf(d) === instance });
    this.flowMods += r.flowMods;
    return r.packetOuts;
  }

  /** Sends a frame from a host; returns the names of the hosts that received it, with repeats (a storm would show). */
  send(from: string, dst: string, ethertype = 0x0800): string[] {
    const h = this.net.host(from);
    const t = this.net.send(from, testFrame(dst, h.mac, ethertype, ++this.tag), { maxSteps: 500 });
    if (t.loop) throw new Error('storm');
    this.last = t;
    return hostsReached(t);
  }
}

/** A ring of n switches s1..sn: port 1 host, port 2 to the previous switch, port 3 to the next. */
function ring(n: number, cfg: Partial<ForwardingConfig> = {}, instances = 1): Network {
  const net = new Network(cfg, instances);
  const t = ringTopology(n);
  for (const s of t.switches) net.addSwitch(s.dpid, [...s.ports]);
  for (const [a, ap, b, bp] of t.links) net.link(a, ap, b, bp);
  for (let i = 1; i <= n; i++) net.addHost(`h${i}`, i, BigInt(i), 1);
  net.topologyChanged();
  return net;
}

describe('forwarding: first packets', () => {
  it('floods an unknown destination to every other edge port once, even on a ring', () => {
    const net = ring(6);
    expect(net.send('h1', BCAST)).toEqual(['h2', 'h3', 'h4', 'h5', 'h6']);
    expect(net.packetIns).toBe(1);
    expect(net.send('h2', mac(99))).toEqual(['h1', 'h3', 'h4', 'h5', 'h6']);
  });

  it('installs the whole path both ways on the first packet to a known host: the reply and later packets need no packet-in', () => {
    const net = ring(6);
    net.send('h4', BCAST); // h4 learned
    net.packetIns = 0;
    expect(net.send('h1', mac(4))).toEqual(['h4']);
    expect(net.packetIns).toBe(1);
    expect(net.send('h4', mac(1))).toEqual(['h1']);
    expect(net.send('h1', mac(4))).toEqual(['h4']);
    expect(net.packetIns).toBe(1);
    // The flows alone carry it: nothing dropped, nothing to the controller.
    expect(net.last).toMatchObject({ packetIns: [], drops: [], loop: false });
    // Shortest path on a ring of 6 from s1 to s4: 3 hops either way; the tie goes to the lower link order, deterministically.
    const path = net.logic.listPaths().find((p) => p.src === mac(1) && p.dst === mac(4))!;
    expect(path.hops.map((h) => h.dpid)).toEqual([1n, 2n, 3n, 4n]);
    expect(path.hops[0]).toEqual({ dpid: 1n, inPort: 1, outPort: 3 });
    expect(path.hops.at(-1)).toEqual({ dpid: 4n, inPort: 2, outPort: 1 });
  });

  it('a buffered packet-in at the path\'s first hop goes with that hop\'s flow (its buffer id), and by packet-out if no ADD takes it', () => {
    const net = ring(4);
    net.topologyChanged(true);
    const fx = net.logic.packetIn(1n, 1, 9, testFrame(mac(3), mac(1)), net.now);
    expect(fx.kind).toBe('route');
    const first = fx.install.filter((at) => at.buffered !== undefined);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ dpid: 1n, rule: { match: [{ field: 'in_port', value: 1 }, { field: 'eth_dst', value: mac(3) }, { field: 'eth_src', value: mac(1) }] }, buffered: { bufferId: 9, taken: false } });
    // The packet-out of the buffer stays listed: applyEffects sends it only when no ADD took the buffer.
    expect(fx.packetOuts).toMatchObject([{ dpid: 1n, spec: { bufferId: 9 } }]);
    // A path set up already: no flow to carry it.
    const again = net.logic.packetIn(1n, 1, 10, testFrame(mac(3), mac(1)), net.now);
    expect(again.install).toEqual([]);
    expect(again.packetOuts).toMatchObject([{ dpid: 1n, spec: { bufferId: 10 } }]);
    // A packet-in in mid-path (its flow there expired, say) is not at the path's first hop.
    const mid = net.logic.packetIn(2n, 2, 11, testFrame(mac(4), mac(1)), net.now);
    expect(mid.install.length).toBeGreaterThan(0);
    expect(mid.install.some((at) => at.buffered !== undefined)).toBe(false);
    expect(mid.packetOuts).toMatchObject([{ dpid: 2n, spec: { bufferId: 11 } }]);
    // Flows in another table: the packet would start at table 0, so it goes by packet-out.
    const other = ring(4, { tableId: 1 });
    other.topologyChanged(true);
    const inTable1 = other.logic.packetIn(1n, 1, 12, testFrame(mac(3), mac(1)), other.now);
    expect(inTable1.install.length).toBeGreaterThan(0);
    expect(inTable1.install.some((at) => at.buffered !== undefined)).toBe(false);
  });

  it('answers a packet-in of a path already set up with a packet-out alone (packets that raced the flows)', () => {
    const net = ring(4);
    net.topologyChanged(true);
    expect(net.send('h1', mac(3))).toEqual(['h3']);
    const again = net.logic.packetIn(1n, 1, OFP_NO_BUFFER, testFrame(mac(3), mac(1)), net.now);
    expect(again.kind).toBe('route');
    expect(again.install).toEqual([]);
    expect(again.remove).toEqual([]);
    expect(again.packetOuts).toHaveLength(1);
    // A host's paths go when its switch does, and only its paths.
    expect(net.send('h2', mac(4))).toEqual(['h4']);
    const gone = net.logic.switchDisconnected(1n); // h1, which sent, was learned there
    expect(gone.remove.length).toBeGreaterThan(0);
    expect(net.logic.listPaths().map((p) => `${p.src}>${p.dst}`).sort()).toEqual([`${mac(2)}>${mac(4)}`, `${mac(4)}>${mac(2)}`]);
  });

  it('gives the same paths whatever the order switches and links were learned in', () => {
    const a = ring(5);
    const b = new Network();
    for (let i = 5; i >= 1; i--) b.addSwitch(BigInt(i), [1, 2, 3]);
    for (let i = 5; i >= 1; i--) b.link(BigInt(i), 3, BigInt((i % 5) + 1), 2);
    for (let i = 5; i >= 1; i--) b.addHost(`h${i}`, i, BigInt(i), 1);
    b.topologyChanged();
    for (const net of [a, b]) {
      for (let i = 1; i <= 5; i++) net.send(`h${i}`, BCAST);
      for (let i = 1; i <= 5; i++) for (let j = 1; j <= 5; j++) if (i !== j) net.send(`h${i}`, mac(j));
    }
    const norm = (n: Network): string[] => n.logic.listPaths().map((p) => `${p.src}>${p.dst}:${p.hops.map((h) => `${h.dpid}/${h.inPort}/${h.outPort}`).join(',')}`).sort();
    expect(norm(a)).toEqual(norm(b));
  });

  it('forwards between two hosts on one switch with one flow each way', () => {
    const net = new Network();
    net.addSwitch(1n, [1, 2, 3]);
    net.addHost('a', 1, 1n, 1);
    net.addHost('b', 2, 1n, 2);
    net.topologyChanged();
    net.send('b', BCAST);
    expect(net.send('a', mac(2))).toEqual(['b']);
    expect(net.table(1n)!.flows.filter((f) => f.priority === 10)).toHaveLength(2);
    expect(net.send('b', mac(1))).toEqual(['a']);
  });

  it('drops a flood copy that arrives over a switch link and a repeated flood of the same frame', () => {
    const net = ring(4);
    const data = testFrame(BCAST, mac(1));
    expect(net.logic.packetIn(2n, 2, OFP_NO_BUFFER, testFrame(BCAST, mac(1), 0x0800, 7), 0)).toMatchObject({ reason: 'loop-copy', packetOuts: [] });
    expect(net.logic.packetIn(1n, 1, OFP_NO_BUFFER, data, 0).kind).toBe('flood');
    expect(net.logic.packetIn(1n, 1, OFP_NO_BUFFER, data, 50)).toMatchObject({ reason: 'duplicate', packetOuts: [] });
    expect(net.logic.packetIn(1n, 1, OFP_NO_BUFFER, data, 500).kind).toBe('flood');
  });

  it('holds floods into and out of a (re)connected switch until its first probe round is back, plus floodSettleMs', () => {
    const net = ring(4);
    // s3 reconnects: discovery drops its links, then probes its ports again.
    net.unlink(3n, 2);
    net.unlink(3n, 3);
    net.topologyChanged();
    net.logic.switchConnected(3n, 0);
    net.now = 100;
    expect(net.logic.holding(100)).toEqual([3n]);
    expect(net.send('h1', BCAST)).toEqual(['h2', 'h4']);
    expect(net.logic.packetIn(3n, 1, OFP_NO_BUFFER, testFrame(BCAST, mac(3), 0x0800, 99), 200).reason).toBe('settling');
    // The probe round comes back at 400 ms: links from s3 show up; the rest of the round gets 250 ms.
    net.link(3n, 2, 2n, 3);
    net.link(3n, 3, 4n, 2);
    net.now = 400;
    net.topologyChanged();
    net.now = 600;
    expect(net.logic.holding(600)).toEqual([3n]);
    expect(net.send('h1', BCAST)).toEqual(['h2', 'h4']);
    net.now = 650;
    expect(net.logic.holding(650)).toEqual([]);
    expect(net.send('h1', BCAST)).toEqual(['h2', 'h3', 'h4']);
  });

  it('a link only into the switch (a neighbour probed it) does not end the hold: its own ports are unprobed', () => {
    const net = ring(3);
    net.unlink(2n, 2);
    net.unlink(2n, 3);
    net.topologyChanged();
    net.logic.switchConnected(2n, 0);
    // s1 probed its port to s2 (link s1→s2), but s2's own round has not come back.
    const links = [...net.snapshot().links, { src: 1n, srcPort: 3, dst: 2n, dstPort: 2 }];
    net.logic.setTopology(snapshot({ switches: [...net.net.switches.values()].map((s) => ({ dpid: s.dpid, ports: [...s.ports] })), links }), 100);
    expect(net.logic.holding(1000)).toEqual([2n]);
  });

  it('falls back to floodHoldMs for a switch whose probes never come back (no switch neighbours)', () => {
    const net = new Network();
    net.addSwitch(1n, [1, 2]);
    net.addHost('h1', 1, 1n, 1);
    net.addHost('h2', 2, 1n, 2);
    net.topologyChanged();
    net.logic.switchConnected(1n, 0);
    net.now = 2999;
    expect(net.logic.holding(2999)).toEqual([1n]);
    expect(net.send('h1', BCAST)).toEqual([]);
    net.now = 3000;
    expect(net.logic.holding(3000)).toEqual([]);
    expect(net.send('h1', BCAST)).toEqual(['h2']);
  });

  it('holds nothing for a switch discovery already knows (the app enabled on a running network)', () => {
    const net = ring(4);
    net.logic.switchConnected(3n, 0);
    expect(net.logic.holding(0)).toEqual([]);
    expect(net.send('h1', BCAST)).toEqual(['h2', 'h3', 'h4']);
  });

  it('tree mode floods hop by hop on the broadcast tree without a storm', () => {
    const net = ring(5, { floodMode: 'tree' });
    expect(net.send('h3', BCAST)).toEqual(['h1', 'h2', 'h4', 'h5']);
  });

  it('ignores LLDP and link-local frames and falls through on a runt', () => {
    const net = ring(3);
    expect(net.logic.packetIn(1n, 1, OFP_NO_BUFFER, testFrame('01:80:c2:00:00:0e', mac(1), 0x88cc), 0).reason).toBe('lldp');
    expect(net.logic.packetIn(1n, 1, OFP_NO_BUFFER, testFrame('01:80:c2:00:00:02', mac(1), 0x8809), 0).reason).toBe('link-local');
    const runt = net.logic.packetIn(1n, 1, OFP_NO_BUFFER, Buffer.alloc(6), 0);
    expect(runt.handled).toBe(false);
  });

  it('on a Mininet tree every host reaches every other exactly once, then by flows alone', () => {
    const t = tree(2, 3);
    const net = new Network();
    for (const sw of t.switches) net.addSwitch(sw.dpid, [...sw.ports]);
    for (const [a, ap, b, bp] of t.links) net.link(a, ap, b, bp);
    t.hosts.forEach((h, i) => net.addHost(h.name, i + 1, h.dpid, h.port));
    net.topologyChanged();
    const names = t.hosts.map((h) => h.name);
    for (const a of names) expect(net.send(a, BCAST)).toEqual(names.filter((n) => n !== a).sort());
    for (const a of names) for (const [j, b] of names.entries()) if (a !== b) expect(net.send(a, mac(j + 1))).toEqual([b]);
    const before = net.packetIns;
    for (const a of names) {
      for (const [j, b] of names.entries()) {
        if (a === b) continue;
        expect(net.send(a, mac(j + 1))).toEqual([b]);
        expect(net.last).toMatchObject({ packetIns: [], drops: [] });
      }
    }
    expect(net.packetIns).toBe(before);
  });

  it('uses the topology host table for hosts it never saw itself', () => {
    const net = ring(4);
    net.topologyChanged(true);
    expect(net.send('h1', mac(3))).toEqual(['h3']);
    expect(net.packetIns).toBe(1);
  });
});

describe('forwarding in a cluster: each instance writes only to the switches it masters', () => {
  function split(): Network {
    const net = ring(6, {}, 2);
    net.masterOf = (d) => (d <= 3n ? 0 : 1);
    return net;
  }

  it('floods hop by hop on the tree, so every host gets one copy although no instance reaches every switch', () => {
    const net = split();
    expect(net.send('h1', BCAST)).toEqual(['h2', 'h3', 'h4', 'h5', 'h6']);
    expect(net.send('h5', BCAST)).toEqual(['h1', 'h2', 'h3', 'h4', 'h6']);
  });

  it('sets a path up across both masters; the first packet arrives, later ones need no packet-in', () => {
    const net = split();
    net.topologyChanged(true);
    expect(net.send('h2', mac(5))).toEqual(['h5']);
    const setup = net.packetIns;
    expect(setup).toBeGreaterThanOrEqual(2); // each master installs its own hops when the packet reaches it
    expect(net.send('h5', mac(2))).toEqual(['h2']);
    expect(net.send('h2', mac(5))).toEqual(['h5']);
    expect(net.packetIns).toBe(setup);
  });

  it('one instance mastering every switch floods from the edge as standalone does', () => {
    const net = ring(6, {}, 2);
    expect(net.send('h1', BCAST)).toEqual(['h2', 'h3', 'h4', 'h5', 'h6']);
    expect(net.packetIns).toBe(1);
  });
});

describe('forwarding: changes', () => {
  it('reroutes at once when a link on the path goes down, and back when it returns', () => {
    const net = ring(6);
    net.send('h3', BCAST);
    net.send('h1', mac(3));
    const before = net.logic.listPaths().find((p) => p.src === mac(1) && p.dst === mac(3))!;
    expect(before.hops.map((h) => h.dpid)).toEqual([1n, 2n, 3n]);
    net.unlink(2n, 3); // s2-s3 down
    net.topologyChanged();
    const after = net.logic.listPaths().find((p) => p.src === mac(1) && p.dst === mac(3))!;
    expect(after.hops.map((h) => h.dpid)).toEqual([1n, 6n, 5n, 4n, 3n]);
    net.packetIns = 0;
    expect(net.send('h1', mac(3))).toEqual(['h3']);
    expect(net.send('h3', mac(1))).toEqual(['h1']);
    expect(net.packetIns).toBe(0);
    // The old hops on s2 are gone.
    expect(net.table(2n)!.flows.filter((f) => f.priority === 10)).toHaveLength(0);
    net.link(2n, 3, 3n, 2);
    net.topologyChanged();
    expect(net.logic.listPaths().find((p) => p.src === mac(1) && p.dst === mac(3))!.hops.map((h) => h.dpid)).toEqual([1n, 2n, 3n]);
    expect(net.send('h1', mac(3))).toEqual(['h3']);
    expect(net.packetIns).toBe(0);
  });

  it('removes paths that have no route left, and sends nothing on a topology change that keeps the links', () => {
    const net = new Network();
    net.addSwitch(1n, [1, 2]);
    net.addSwitch(2n, [1, 2]);
    net.link(1n, 2, 2n, 2);
    net.addHost('a', 1, 1n, 1);
    net.addHost('b', 2, 2n, 1);
    net.topologyChanged();
    net.send('b', BCAST);
    net.send('a', mac(2));
    const mods = net.flowMods;
    net.topologyChanged();
    expect(net.flowMods).toBe(mods);
    net.unlink(1n, 2);
    const fx = net.topologyChanged();
    expect(fx.remove).toHaveLength(4);
    expect(net.logic.listPaths()).toEqual([]);
  });

  it('a host seen at a new port loses its old paths; traffic to it follows the new place', () => {
    const net = ring(4);
    net.send('h3', BCAST);
    net.send('h1', mac(3));
    net.net.addPort(2n, 4);
    net.net.moveHost('h3', 2n, 4);
    net.topologyChanged();
    net.send('h3', BCAST); // the moved host speaks from its new port
    expect(net.logic.listPaths().some((p) => p.dst === mac(3) || p.src === mac(3))).toBe(false);
    expect(net.send('h1', mac(3))).toEqual(['h3']);
    expect(net.send('h3', mac(1))).toEqual(['h1']);
    expect(net.table(3n)!.flows.filter((f) => f.priority === 10)).toHaveLength(0);
  });

  it('a port going down forgets its hosts and removes their paths', () => {
    const net = ring(4);
    net.send('h3', BCAST);
    net.send('h1', mac(3));
    const fx = net.logic.portDown(3n, 1);
    net.apply(fx);
    expect(net.logic.listPaths()).toEqual([]);
    for (const sw of net.net.switches.values()) expect(sw.table.flows.filter((f) => f.priority === 10)).toHaveLength(0);
    // Traffic to h3 goes back to the controller.
    net.packetIns = 0;
    net.send('h1', mac(3));
    expect(net.packetIns).toBe(1);
  });

  it('an expired flow drops its whole path, so the next packet sets it up again', () => {
    const net = ring(4, { idleTimeoutSec: 10 });
    net.send('h3', BCAST);
    net.send('h1', mac(3));
    const t1 = net.table(1n)!;
    const first = t1.flows.find((f) => f.priority === 10 && f.match.some((m) => m.field === 'eth_dst' && m.value === mac(3)))!;
    expect(first.idleTimeout).toBe(10);
    t1.flows = t1.flows.filter((f) => f !== first);
    net.apply(net.logic.flowRemoved(1n, first.match));
    expect(net.logic.listPaths().some((p) => p.src === mac(1) && p.dst === mac(3))).toBe(false);
    expect(net.table(2n)!.flows.some((f) => f.match.some((m) => m.field === 'eth_dst' && m.value === mac(3)))).toBe(false);
    net.packetIns = 0;
    expect(net.send('h1', mac(3))).toEqual(['h3']);
    expect(net.packetIns).toBe(1);
  });
});
