/** The web console's topology model and layout, as pure functions: snapshots and events in, changed keys and positions out. */
import { describe, expect, it } from 'vitest';
import type { HostJson, TopologyJson } from '../../web/src/api.js';
import { hostSpot, layeredLayout, placeNew, ROW_GAP } from '../../web/src/layout.js';
import { applyEvent, applySnapshot, emptyChanges, emptyModel, findNode, pairOf, pairStatus } from '../../web/src/topology-model.js';

const d = (n: number): string => n.toString(16).padStart(16, '0');
const host = (mac: string, dpid: string, port: number, ip: string): HostJson => ({ id: mac, mac, ipv4: [ip], ipv6: [], location: { dpid, port }, firstSeen: '2026-01-01T00:00:00.000Z', lastSeen: '2026-01-01T00:00:00.000Z' });
const link = (a: number, pa: number, b: number, pb: number) => ({ src: { dpid: d(a), port: pa }, dst: { dpid: d(b), port: pb } });

/** s1—s2 both ways, s1→s3 one way only, one host at s2. */
const SNAPSHOT: TopologyJson = {
  switches: [
    { dpid: d(1), name: 'br1', ports: [1, 2, 3], connected: true },
    { dpid: d(2), ports: [1, 2], connected: true },
    { dpid: d(3), ports: [1, 2], connected: true },
  ],
  links: [link(1, 2, 2, 1), link(2, 1, 1, 2), link(1, 3, 3, 1)],
  hosts: [host('00:00:00:00:00:01', d(2), 2, '10.0.0.1')],
};

describe('link pairs', () => {
  it('key both directions of a link alike, the lower end first', () => {
    const ab = pairOf(link(2, 1, 1, 2));
    const ba = pairOf(link(1, 2, 2, 1));
    expect(ab.key).toBe(ba.key);
    expect(ab.key).toBe(`${d(1)}:2|${d(2)}:1`);
    expect([ab.forward, ba.forward]).toEqual([false, true]);
  });
});

describe('applySnapshot', () => {
  it('loads switches, pairs with each direction’s state, hosts; reports every key the first time', () => {
    const m = emptyModel();
    const c = emptyChanges();
    applySnapshot(m, SNAPSHOT, c);
    expect([...c.switches].sort()).toEqual([d(1), d(2), d(3)]);
    expect(c.links.size).toBe(2);
    expect(c.hosts).toEqual(new Set(['00:00:00:00:00:01']));
    const both = m.links.get(`${d(1)}:2|${d(2)}:1`)!;
    expect([both.ab, both.ba, pairStatus(both)]).toEqual(['up', 'up', 'up']);
    const oneWay = m.links.get(`${d(1)}:3|${d(3)}:1`)!;
    expect([oneWay.ab, oneWay.ba, pairStatus(oneWay)]).toEqual(['up', 'unknown', 'partial']);
    expect(m.switches.get(d(1))?.name).toBe('br1');
  });

  it('reports only what differs on a reload, and keeps a vanished link as down', () => {
    const m = emptyModel();
    applySnapshot(m, SNAPSHOT, emptyChanges());
    const c = emptyChanges();
    // Same network, a host seen again later (lastSeen only): nothing to redraw.
    applySnapshot(m, { ...SNAPSHOT, hosts: [{ ...SNAPSHOT.hosts[0]!, lastSeen: '2026-01-01T00:01:00.000Z' }] }, c);
    expect([c.switches.size, c.links.size, c.hosts.size]).toEqual([0, 0, 0]);
    expect(m.hosts.get('00:00:00:00:00:01')?.lastSeen).toBe('2026-01-01T00:01:00.000Z');
    // s1—s2 gone from the snapshot: that pair changes, drawn down; the others do not.
    const c2 = emptyChanges();
    applySnapshot(m, { ...SNAPSHOT, links: [link(1, 3, 3, 1)] }, c2);
    expect([...c2.links]).toEqual([`${d(1)}:2|${d(2)}:1`]);
    expect(pairStatus(m.links.get(`${d(1)}:2|${d(2)}:1`)!)).toBe('down');
    // s2 gone: it, its down link and its host go.
    const c3 = emptyChanges();
    applySnapshot(m, { ...SNAPSHOT, switches: SNAPSHOT.switches.filter((s) => s.dpid !== d(2)), links: [link(1, 3, 3, 1)], hosts: [] }, c3);
    expect([...c3.switches]).toEqual([d(2)]);
    expect(m.links.has(`${d(1)}:2|${d(2)}:1`)).toBe(false);
    expect(m.hosts.size).toBe(0);
  });
});

describe('applyEvent', () => {
  it('takes links in the stream’s form, one direction at a time', () => {
    const m = emptyModel();
    applySnapshot(m, SNAPSHOT, emptyChanges());
    const c = emptyChanges();
    expect(applyEvent(m, { type: 'linkRemoved', link: { src: d(1), srcPort: 2, dst: d(2), dstPort: 1 } }, c)).toBe(true);
    const p = m.links.get(`${d(1)}:2|${d(2)}:1`)!;
    expect([p.ab, p.ba, pairStatus(p)]).toEqual(['down', 'up', 'partial']);
    applyEvent(m, { type: 'linkRemoved', link: { src: d(2), srcPort: 1, dst: d(1), dstPort: 2 } }, c);
    expect(pairStatus(p)).toBe('down');
    applyEvent(m, { type: 'linkAdded', link: { src: d(2), srcPort: 1, dst: d(1), dstPort: 2 } }, c);
    applyEvent(m, { type: 'linkAdded', link: { src: d(1), srcPort: 2, dst: d(2), dstPort: 1 } }, c);
    expect(pairStatus(p)).toBe('up');
    expect([...c.links]).toEqual([`${d(1)}:2|${d(2)}:1`]);
  });

  it('adds, moves and removes hosts (times from ms); a disconnected switch takes its links and hosts', () => {
    const m = emptyModel();
    applySnapshot(m, SNAPSHOT, emptyChanges());
    const c = emptyChanges();
    applyEvent(m, { type: 'hostAdded', host: { id: 'aa:00:00:00:00:02', mac: 'aa:00:00:00:00:02', ipv4: ['10.0.0.2'], ipv6: [], location: { dpid: d(3), port: 2 }, firstSeen: 0, lastSeen: 1000 } }, c);
    expect(m.hosts.get('aa:00:00:00:00:02')?.lastSeen).toBe('1970-01-01T00:00:01.000Z');
    applyEvent(m, { type: 'hostMoved', host: { ...host('aa:00:00:00:00:02', d(2), 1, '10.0.0.2') }, previous: { dpid: d(3), port: 2 } } as never, c);
    expect(m.hosts.get('aa:00:00:00:00:02')?.location.dpid).toBe(d(2));
    applyEvent(m, { type: 'switchDisconnected', dpid: d(2) }, c);
    expect(m.switches.has(d(2))).toBe(false);
    expect([...m.links.keys()]).toEqual([`${d(1)}:3|${d(3)}:1`]);
    expect(m.hosts.size).toBe(0);
    expect(applyEvent(m, { type: 'packetIn', dpid: d(1) }, c)).toBe(false);
  });
});

describe('findNode', () => {
  const m = emptyModel();
  applySnapshot(m, SNAPSHOT, emptyChanges());
  it('finds switches by dpid (any padding) or name, hosts by MAC (any form) or IP', () => {
    expect(findNode(m, '0000000000000002')).toBe(`sw:${d(2)}`);
    expect(findNode(m, '0x3')).toBe(`sw:${d(3)}`);
    expect(findNode(m, 'BR1')).toBe(`sw:${d(1)}`);
    expect(findNode(m, '00-00-00-00-00-01')).toBe('host:00:00:00:00:00:01');
    expect(findNode(m, '10.0.0.1')).toBe('host:00:00:00:00:00:01');
    expect(findNode(m, '10.9.9.9')).toBeUndefined();
    // A MAC names a host even where its digits would name a switch; an unknown MAC names nothing.
    expect(findNode(m, '00:00:00:00:00:01')).toBe('host:00:00:00:00:00:01');
    expect(findNode(m, '00:00:00:00:00:02')).toBeUndefined();
    expect(findNode(m, '  ')).toBeUndefined();
  });
});

describe('layout', () => {
  it('puts a tree root on top, one row per hop, and keeps components apart', () => {
    const adj: Record<string, string[]> = { a: ['b', 'c'], b: ['a'], c: ['a'], x: [] };
    const p = layeredLayout(['c', 'x', 'b', 'a'], (n) => adj[n] ?? []);
    expect(p.get('a')!.y).toBe(0);
    expect(p.get('b')!.y).toBe(-ROW_GAP);
    expect(p.get('c')!.y).toBe(-ROW_GAP);
    expect(p.get('b')!.x).toBeLessThan(p.get('c')!.x);
    expect(p.get('x')!.x).toBeGreaterThan(p.get('c')!.x);
  });

  it('places a newcomer by its neighbours or right of everything, never on a placed node', () => {
    const placed = [{ x: 0, y: 0 }, { x: 100, y: 0 }];
    const near = placeNew('n1', placed, placed);
    expect(near.y).toBeLessThan(0);
    expect(Math.abs(near.x - 50)).toBeLessThanOrEqual(36);
    const alone = placeNew('n2', [], placed);
    expect(alone.x).toBeGreaterThan(100);
    // Hosts fill an arc below their switch, each slot its own spot.
    const spots = new Set(Array.from({ length: 10 }, (_, i) => JSON.stringify(hostSpot({ x: 0, y: 0 }, i))));
    expect(spots.size).toBe(10);
    expect(hostSpot({ x: 0, y: 0 }, 0).y).toBeLessThan(0);
  });
});
