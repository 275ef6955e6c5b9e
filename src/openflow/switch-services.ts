/**
 * The core services that sit directly on the switch handles: the read-only device view, packet
 * sending, and groups and meters owned per app. They are how apps reach switches; the Datapath
 * itself stays on this side.
 */

import { OFPGC, OFPMC } from './codec/v13/enums.js';
import type { Dpid } from '../core/ids.js';
import type { FlowFilter, FlowEntry } from '../core/model.js';
import type { DeviceService, GroupService, GroupSpec, MeterService, MeterSpec, OwnedObjects, PacketService, SwitchView, TopologyService } from '../core/services.js';
import type { MultipartReplyBody, MultipartRequestBody } from './codec/v13/multipart.js';
import type { StatsReplyBody } from './codec/v10/messages.js';
import { FLOOD_ACTIONS, outputActions, packetOutOf } from './packet-out.js';
import type { Datapath } from './datapath.js';
import { SessionClosedError } from './errors.js';

/** The connected switches by dpid (the Controller's registry). */
export type DatapathRegistry = ReadonlyMap<Dpid, Datapath>;

/** A read-only face of one Datapath: getters only, so nothing can write through it. */
class DatapathView implements SwitchView {
  constructor(private readonly dp: Datapath) {}
  get dpid() {
    return this.dp.dpid;
  }
  get dpidHex() {
    return this.dp.dpidHex;
  }
  get version() {
    return this.dp.version;
  }
  get features() {
    return this.dp.features;
  }
  get desc() {
    return this.dp.desc;
  }
  get remoteAddress() {
    return this.dp.remoteAddress;
  }
  get connectedAt() {
    return this.dp.connectedAt;
  }
  get ports() {
    return this.dp.ports as SwitchView['ports'];
  }
  get connected() {
    return this.dp.connected;
  }
  get mastership() {
    return this.dp.mastership;
  }
  get counters() {
    return this.dp.counters;
  }
}

const views = new WeakMap<Datapath, SwitchView>();

function viewOf(dp: Datapath): SwitchView {
  let v = views.get(dp);
  if (!v) views.set(dp, (v = new DatapathView(dp)));
  return v;
}

function byDpid(a: Datapath, b: Datapath): number {
  return a.dpid < b.dpid ? -1 : a.dpid > b.dpid ? 1 : 0;
}

function connectedOrThrow(map: DatapathRegistry, dpid: Dpid): Datapath {
  const dp = map.get(dpid);
  if (!dp || !dp.connected) throw new SessionClosedError(`switch ${dpid.toString(16).padStart(16, '0')} is not connected`);
  return dp;
}

/** The read-only device view over the registry. */
export function deviceService(map: DatapathRegistry): DeviceService {
  return new Devices(map);
}

// A class, not an object literal: a literal with a getter is a dictionary in V8, and `get` is
// called per packet-in (the topology checks the switch is known).
class Devices implements DeviceService {
  constructor(private readonly map: DatapathRegistry) {}

  get(dpid: Dpid): SwitchView | undefined {
    const dp = this.map.get(dpid);
    return dp && viewOf(dp);
  }

  list(): SwitchView[] {
    return [...this.map.values()].sort(byDpid).map(viewOf);
  }

  get size(): number {
    return this.map.size;
  }

  canWrite(dpid: Dpid): boolean {
    const dp = this.map.get(dpid);
    return dp !== undefined && dp.mastership !== 'slave';
  }

  async flowStats(dpid: Dpid, filter?: FlowFilter): Promise<FlowEntry[]> {
    return connectedOrThrow(this.map, dpid).flowStats(filter);
  }

  async portStats(dpid: Dpid, portNo?: number): Promise<MultipartReplyBody | StatsReplyBody> {
    return connectedOrThrow(this.map, dpid).portStats(portNo);
  }

  async multipart(dpid: Dpid, body: MultipartRequestBody): Promise<MultipartReplyBody> {
    return connectedOrThrow(this.map, dpid).multipart(body);
  }
}

/**
 * Packet-outs for apps. A switch another instance masters (cluster mode, `mastership` slave)
 * answers false like a disconnected one, instead of the gate's NotMasterError, which would count
 * as a failure of the app; the master instance gets the same packet-in and sends it.
 */
export function packetService(map: DatapathRegistry, topology: Pick<TopologyService, 'floodPorts'> | undefined): PacketService {
  return {
    packetOut(dpid, spec) {
      const dp = map.get(dpid);
      if (!dp || !dp.connected || dp.mastership === 'slave') return false;
      dp.packetOut(spec);
      return true;
    },
    flood(dpid, inPort, bufferId, data) {
      const dp = map.get(dpid);
      if (!dp || !dp.connected || dp.mastership === 'slave') return false;
      let actions = FLOOD_ACTIONS;
      if (topology) {
        const ports = topology.floodPorts(dpid, inPort);
        if (ports.length === 0) return false;
        actions = outputActions(ports);
      }
      dp.packetOut(packetOutOf(inPort, bufferId, data, actions));
      return true;
    },
  };
}

/** A service whose owner's objects can all be deleted at once (when the app stops). */
export interface Releasable {
  /** Deletes every object this owner still holds on connected switches; errors are ignored (the switch may be gone). */
  releaseAll(): Promise<void>;
}

/** Ids held per switch. */
class Held {
  private readonly ids = new Map<Dpid, Set<number>>();
  add(dpid: Dpid, id: number): void {
    let s = this.ids.get(dpid);
    if (!s) this.ids.set(dpid, (s = new Set()));
    s.add(id);
  }
  has(dpid: Dpid, id: number): boolean {
    return this.ids.get(dpid)?.has(id) ?? false;
  }
  delete(dpid: Dpid, id: number): void {
    this.ids.get(dpid)?.delete(id);
  }
  list(dpid: Dpid): number[] {
    return [...(this.ids.get(dpid) ?? [])].sort((a, b) => a - b);
  }
  drain(): [Dpid, number][] {
    const out: [Dpid, number][] = [];
    for (const [d, s] of this.ids) for (const id of s) out.push([d, id]);
    this.ids.clear();
    return out;
  }
}

/** How one kind of owned object (group, meter) is written to a switch. */
interface ModOps<S> {
  add(dp: Datapath, id: number, spec: S): Promise<void>;
  modify(dp: Datapath, id: number, spec: S): Promise<void>;
  delete(dp: Datapath, id: number): Promise<void>;
}

/** One owner's groups or meters: ids it adds (or takes over by modify) are tracked per switch and deleted by `releaseAll`. */
function owned<S>(map: DatapathRegistry, ops: ModOps<S>): OwnedObjects<S> & Releasable {
  const held = new Held();
  return {
    async add(dpid: Dpid, id: number, spec: S) {
      await ops.add(connectedOrThrow(map, dpid), id, spec);
      held.add(dpid, id);
    },
    async modify(dpid: Dpid, id: number, spec: S) {
      await ops.modify(connectedOrThrow(map, dpid), id, spec);
      held.add(dpid, id);
    },
    async delete(dpid: Dpid, id: number) {
      if (!held.has(dpid, id)) return false;
      await ops.delete(connectedOrThrow(map, dpid), id);
      held.delete(dpid, id);
      return true;
    },
    list: (dpid: Dpid) => held.list(dpid),
    async releaseAll() {
      await Promise.all(
        held.drain().map(([dpid, id]) => {
          const dp = map.get(dpid);
          return dp?.connected ? ops.delete(dp, id).catch(() => undefined) : undefined;
        }),
      );
    },
  };
}

/** One owner's groups. */
export function ownedGroups(map: DatapathRegistry): GroupService & Releasable {
  return owned<GroupSpec>(map, {
    add: (dp, id, spec) => dp.groupMod(OFPGC.ADD, spec.groupType, id, spec.buckets),
    modify: (dp, id, spec) => dp.groupMod(OFPGC.MODIFY, spec.groupType, id, spec.buckets),
    delete: (dp, id) => dp.groupMod(OFPGC.DELETE, 0, id, []),
  });
}

/** One owner's meters. */
export function ownedMeters(map: DatapathRegistry): MeterService & Releasable {
  return owned<MeterSpec>(map, {
    add: (dp, id, spec) => dp.meterMod(OFPMC.ADD, spec.flags, id, spec.bands),
    modify: (dp, id, spec) => dp.meterMod(OFPMC.MODIFY, spec.flags, id, spec.bands),
    delete: (dp, id) => dp.meterMod(OFPMC.DELETE, 0, id, []),
  });
}

