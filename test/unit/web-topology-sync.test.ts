/** The console's join of the topology snapshot and the event stream by version: every order of arrival gives the model the API has. */
import { describe, expect, it } from 'vitest';
import type { TopologyJson } from '../../web/src/api.js';
import { emptyChanges, pairStatus } from '../../web/src/topology-model.js';
import { TopologySync, type SyncEvent } from '../../web/src/topology-sync.js';

const d = (n: number): string => n.toString(16).padStart(16, '0');
const link = (a: number, pa: number, b: number, pb: number) => ({ src: { dpid: d(a), port: pa }, dst: { dpid: d(b), port: pb } });
/** The stream's form of a link (src/dst are dpids, ports beside). */
const streamLink = (a: number, pa: number, b: number, pb: number) => ({ src: d(a), srcPort: pa, dst: d(b), dstPort: pb });
const PAIR = `${d(1)}:2|${d(2)}:1`;

/** s1—s2 both ways, at `version`. */
function snapshot(version: number | undefined, up = true): TopologyJson {
  return {
    ...(version !== undefined ? { version } : {}),
    switches: [
      { dpid: d(1), ports: [1, 2], connected: true },
      { dpid: d(2), ports: [1, 2], connected: true },
    ],
    links: up ? [link(1, 2, 2, 1), link(2, 1, 1, 2)] : [],
    hosts: [],
  };
}
const removed = (v?: number): SyncEvent => ({ type: 'linkRemoved', link: streamLink(1, 2, 2, 1), ...(v !== undefined ? { topologyVersion: v } : {}) });
const added = (v?: number): SyncEvent => ({ type: 'linkAdded', link: streamLink(1, 2, 2, 1), ...(v !== undefined ? { topologyVersion: v } : {}) });
const hostAdded = (v: number): SyncEvent => ({
  type: 'hostAdded',
  topologyVersion: v,
  host: { id: 'aa:aa:aa:aa:aa:01', mac: 'aa:aa:aa:aa:aa:01', ipv4: [], ipv6: [], location: { dpid: d(1), port: 1 }, firstSeen: 1, lastSeen: 1 },
});
const state = (s: TopologySync): string | undefined => {
  const p = s.model.links.get(PAIR);
  return p && `${p.ab}/${p.ba} ${pairStatus(p)}`;
};

describe('TopologySync: the snapshot asked for beside the stream', () => {
  it('snapshot first, then the stream: events the snapshot shows are skipped, newer ones applied', () => {
    const s = new TopologySync();
    s.requestStarted();
    expect(s.snapshot(snapshot(5), emptyChanges())).toEqual({ reload: false });
    expect(s.hello({ topologyVersion: 5 })).toEqual({ reload: false });
    // Sent before the snapshot was taken (it shows the link up after a flap): skipped.
    expect(s.event(removed(5), emptyChanges())).toBe(false);
    expect(state(s)).toBe('up/up up');
    const c = emptyChanges();
    expect(s.event(removed(6), c)).toBe(true);
    expect([...c.links]).toEqual([PAIR]);
    expect(state(s)).toBe('down/up partial');
  });

  it('events before the snapshot are held, then applied over it when newer, dropped when it shows them', () => {
    const s = new TopologySync();
    s.requestStarted();
    expect(s.hello({ topologyVersion: 3 })).toEqual({ reload: false });
    // Nothing is drawn before the snapshot.
    expect(s.event(removed(4), emptyChanges())).toBe(false);
    expect(s.event(added(5), emptyChanges())).toBe(false);
    expect(s.event(hostAdded(6), emptyChanges())).toBe(false);
    expect(s.event(removed(7), emptyChanges())).toBe(false);
    expect(s.model.links.size).toBe(0);
    // The snapshot was taken at 5 (the link removed at 4 and back at 5): 6 and 7 are newer.
    const c = emptyChanges();
    expect(s.snapshot(snapshot(5), c)).toEqual({ reload: false });
    expect(s.model.hosts.has('aa:aa:aa:aa:aa:01')).toBe(true);
    expect(state(s)).toBe('down/up partial');
    expect(c.hosts.size).toBe(1);
  });

  it('reads the snapshot again when it is older than the stream’s start (a change fell in neither)', () => {
    const s = new TopologySync();
    s.requestStarted();
    expect(s.snapshot(snapshot(4), emptyChanges())).toEqual({ reload: false });
    // The stream began at 6: what happened at 5 came on no stream this page has.
    expect(s.hello({ topologyVersion: 6 })).toEqual({ reload: true });
    s.requestStarted();
    expect(s.event(removed(7), emptyChanges())).toBe(true);
    expect(s.snapshot(snapshot(6, false), emptyChanges())).toEqual({ reload: false });
    expect(s.version).toBe(6);
    // The answer (at 6) is older than the event at 7 drawn meanwhile: applied again over it.
    expect(state(s)).toBe('down/down down');
  });

  it('asks again when the hello comes first and the snapshot is older than it', () => {
    const s = new TopologySync();
    s.requestStarted();
    expect(s.hello({ topologyVersion: 9 })).toEqual({ reload: false });
    expect(s.snapshot(snapshot(8), emptyChanges())).toEqual({ reload: true });
  });

  it('a reload keeps the events drawn while it was on its way, and an answer older than the model is dropped', () => {
    const s = new TopologySync();
    s.requestStarted();
    s.snapshot(snapshot(3), emptyChanges());
    s.hello({ topologyVersion: 3 });
    s.requestStarted();
    expect(s.event(removed(5), emptyChanges())).toBe(true);
    expect(state(s)).toBe('down/up partial');
    // The reload was answered at 4, before the removal: the removal stays.
    s.snapshot(snapshot(4), emptyChanges());
    expect(state(s)).toBe('down/up partial');
    // A late answer from before (2) changes nothing.
    s.requestStarted();
    expect(s.snapshot(snapshot(2, false), emptyChanges())).toEqual({ reload: false });
    expect(s.version).toBe(4);
    expect(state(s)).toBe('down/up partial');
  });

  it('switch events at the snapshot’s version are applied (they may be stamped before the change), older ones not', () => {
    const s = new TopologySync();
    s.requestStarted();
    s.snapshot(snapshot(5), emptyChanges());
    expect(s.event({ type: 'switchDisconnected', dpid: d(2), topologyVersion: 4 }, emptyChanges())).toBe(false);
    expect(s.model.switches.has(d(2))).toBe(true);
    expect(s.event({ type: 'switchConnected', dpid: d(3), topologyVersion: 5 }, emptyChanges())).toBe(true);
    expect(s.model.switches.has(d(3))).toBe(true);
    expect(s.event({ type: 'switchDisconnected', dpid: d(2), topologyVersion: 6 }, emptyChanges())).toBe(true);
    expect(s.model.switches.has(d(2))).toBe(false);
  });

  it('a reopened stream may have missed events: read again', () => {
    const s = new TopologySync();
    s.requestStarted();
    s.snapshot(snapshot(5), emptyChanges());
    expect(s.hello({ topologyVersion: 5 })).toEqual({ reload: false });
    expect(s.hello({ topologyVersion: 5 })).toEqual({ reload: true });
  });

  it('a failed first request is asked again when the stream opens; events meanwhile wait for it', () => {
    const s = new TopologySync();
    s.requestStarted();
    s.requestFailed();
    expect(s.event(removed(6), emptyChanges())).toBe(false);
    expect(s.hello({ topologyVersion: 5 })).toEqual({ reload: true });
    s.requestStarted();
    s.snapshot(snapshot(5), emptyChanges());
    expect(state(s)).toBe('down/up partial');
  });

  it('without versions (an API that keeps none) a snapshot asked for before the stream opened is asked for again once', () => {
    const s = new TopologySync();
    s.requestStarted();
    expect(s.hello({})).toEqual({ reload: false });
    expect(s.snapshot(snapshot(undefined), emptyChanges())).toEqual({ reload: true });
    s.requestStarted();
    expect(s.snapshot(snapshot(undefined, false), emptyChanges())).toEqual({ reload: false });
    expect(state(s)).toBe('down/down down');
    // Events apply as they come.
    expect(s.event(added(), emptyChanges())).toBe(true);
    expect(state(s)).toBe('up/down partial');
    // Loaded first, then the stream: read again.
    const t = new TopologySync();
    t.requestStarted();
    t.snapshot(snapshot(undefined), emptyChanges());
    expect(t.hello({})).toEqual({ reload: true });
  });
});
