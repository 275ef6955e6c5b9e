/** The path apps' shell: a port going down or away moves the paths at once, not at the next coalesced topologyChanged. */
import { describe, expect, it } from 'vitest';
import { effects, type Effects } from '../../src/apps/effects.js';
import { PathShell, type PathLogic } from '../../src/apps/path-shell.js';
import type { PathTopology } from '../../src/apps/paths.js';
import type { AppContext, PortModifiedEvent, PortRemovedEvent } from '../../src/core/app.js';
import { emulatedPort } from '../../src/loadgen/features.js';

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
