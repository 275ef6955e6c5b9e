/** The path apps' shell: a port going down or away moves the paths at once, not at the next coalesced topologyChanged; a packet-in after a fabric change catches up without reading every host, the coalesced topologyChanged brings the hosts, once. */
import { describe, expect, it } from 'vitest';
import { effects, type Effects } from '../../src/apps/effects.js';
import { PathShell, TopologyFeed, type PathLogic } from '../../src/apps/path-shell.js';
import type { PathTopology } from '../../src/apps/paths.js';
import type { AppContext, PortModifiedEvent, PortRemovedEvent } from '../../src/core/app.js';
import { emulatedPort } from '../../src/loadgen/features.js';
import { Forwarding } from '../../src/apps/forwarding/logic.js';
import { macToNumber } from '../../src/packet/mac.js';
import { mac, snapshot } from '../fakes/topologies.js';

/** A context whose topology's fabric version and snapshot the test sets; the logic records its calls. */
function rig(): { shell: PathShell<object, PathLogic>; calls: string[]; topo: { version: number; snap: PathTopology } } {
  const calls: string[] = [];
  const topo = { version: 1, snap: { id: 1 } as unknown as PathTopology };
  const logic: PathLogic = {
    setTopology(t: PathTopology): Effects {
      calls.push(`setTopology ${(t as unknown as { id: number }).id}`);
      return effects();
    },
    portDown(dpid: bigint, port: number): Effects {
      calls.push(`portDown ${dpid}:${port}`);
      return effects();
    },
  };
  const ctx = {
    topology: { fabricVersion: () => topo.version, snapshot: () => topo.snap },
    flows: {},
    packets: {},
    devices: { canWrite: () => true },
    log: { info: () => undefined, warn: () => undefined },
    now: () => 0,
  } as unknown as AppContext<object>;
  const shell = new PathShell<object, PathLogic>('test paths');
  shell.start(ctx, logic);
  shell.refresh();
  calls.length = 0;
  return { shell, calls, topo };
}

describe('PathShell', () => {
  it('on a port down, after the logic forgets the hosts there, catches up with the fabric the topology already changed', () => {
    const { shell, calls, topo } = rig();
    // The topology service handled the port status first: its links are gone, the fabric moved on.
    topo.version = 2;
    topo.snap = { id: 2 } as unknown as PathTopology;
    shell.portModified({ dpid: 1n, port: { ...emulatedPort(2), state: 1 } } as unknown as PortModifiedEvent);
    expect(calls).toEqual(['portDown 1:2', 'setTopology 2']);
    // A port coming up changes no path here (discovery finds its link, then topologyChanged).
    calls.length = 0;
    topo.version = 3;
    shell.portModified({ dpid: 1n, port: emulatedPort(2) } as unknown as PortModifiedEvent);
    expect(calls).toEqual([]);
    // A port removed: the same as down.
    topo.snap = { id: 4 } as unknown as PathTopology;
    shell.portRemoved({ dpid: 1n, port: emulatedPort(3) } as unknown as PortRemovedEvent);
    expect(calls).toEqual(['portDown 1:3', 'setTopology 4']);
    // Nothing changed since: a second report sends nothing more.
    calls.length = 0;
    shell.portModified({ dpid: 1n, port: { ...emulatedPort(2), config: 1 } } as unknown as PortModifiedEvent);
    expect(calls).toEqual(['portDown 1:2']);
  });
});

/** A snapshot whose hosts count their readers (reading them costs O(hosts) in the real one). */
function countedSnapshot(id: number): PathTopology & { hostReads: number; id: number } {
  const s = {
    id,
    hostReads: 0,
    switches: new Map(),
    links: [],
    get hosts() {
      s.hostReads++;
      return [];
    },
    shortestPath: () => undefined,
    floodPorts: () => [],
  };
  return s;
}

describe('TopologyFeed', () => {
  it('catches up with a fabric change before a packet-in without the hosts, and reads them once with the topologyChanged that follows', () => {
    let fabric = 1;
    let snap = countedSnapshot(1);
    const calls: { id: number; withHosts: boolean | undefined }[] = [];
    const logic: PathLogic = {
      setTopology: (t, _now, withHosts) => {
        calls.push({ id: (t as ReturnType<typeof countedSnapshot>).id, withHosts });
        if (withHosts) void t.hosts.length;
        return effects();
      },
      portDown: () => effects(),
    };
    const ctx = { topology: { fabricVersion: () => fabric, snapshot: () => snap }, now: () => 0 } as unknown as AppContext<object>;
    const feed = new TopologyFeed(ctx, logic, () => undefined);

    feed.beforePacket(); // the first snapshot is read whole
    expect(calls).toEqual([{ id: 1, withHosts: true }]);
    feed.beforePacket(); // same fabric: nothing
    expect(calls).toHaveLength(1);

    // A hostile switch connects, announces ports, leaves: the fabric changes between packet-ins.
    for (let i = 2; i <= 50; i++) {
      fabric = i;
      snap = countedSnapshot(i);
      feed.beforePacket();
      feed.beforePacket();
      expect(snap.hostReads).toBe(0);
    }
    expect(calls).toHaveLength(50);
    expect(calls.slice(1).every((c) => c.withHosts === false)).toBe(true);

    // The coalesced topologyChanged with the snapshot already applied for its fabric: now its hosts, once.
    feed.changed(snap, fabric);
    feed.changed(snap, fabric);
    expect(calls.at(-1)).toEqual({ id: 50, withHosts: true });
    expect(calls).toHaveLength(51);
    expect(snap.hostReads).toBe(1);
  });
});

describe('Forwarding.setTopology without hosts', () => {
  it('keeps where the topology saw hosts until a call with hosts, and never reads them before', () => {
    const fwd = new Forwarding();
    const sw = [{ dpid: 1n, ports: [1, 2, 3] }, { dpid: 2n, ports: [1, 2, 3] }];
    fwd.setTopology(snapshot({ switches: sw, links: [], hosts: [{ mac: mac(7), dpid: 1n, port: 3 }], now: 10 }), 10);
    expect(fwd.locate(macToNumber(mac(7)))).toEqual({ dpid: 1n, port: 3 });

    const moved = snapshot({ switches: sw, links: [], hosts: [{ mac: mac(7), dpid: 2n, port: 3 }], now: 20 });
    const guarded = new Proxy(moved, { get: (t, k) => (k === 'hosts' ? expect.fail('hosts read on a fabric-only call') : Reflect.get(t, k, t)) });
    fwd.setTopology(guarded, 20, false);
    expect(fwd.locate(macToNumber(mac(7)))).toEqual({ dpid: 1n, port: 3 });

    fwd.setTopology(moved, 21, true);
    expect(fwd.locate(macToNumber(mac(7)))).toEqual({ dpid: 2n, port: 3 });
  });
});
