/**
 * The switch-admin service the API (native and Ryu routes) writes and reads switches through:
 * each call finds the switch by dpid and goes through its Datapath, whose mastership gate rejects
 * writes to a switch another instance masters (NotMasterError) and whose session matches the
 * switch's error replies to the request by xid (OfErrorReply). Nothing else is re-matched here.
 */
import { dpidToHex, type Dpid } from '../core/ids.js';
import type { DeviceService, SwitchAdminService } from '../core/services.js';
import type { Datapath } from './datapath.js';
import { SessionClosedError } from './errors.js';
import { deviceService, type DatapathRegistry } from './switch-services.js';

/** The switch-admin service over the controller's registry. */
export function switchAdmin(map: DatapathRegistry): SwitchAdminService {
  // A switch that left the registry between the route's lookup and the call: as if its session closed.
  const dp = (dpid: Dpid): Datapath => {
    const d = map.get(dpid);
    if (!d) throw new SessionClosedError(`switch ${dpidToHex(dpid)} is not connected`);
    return d;
  };
  return {
    portMod: async (dpid, portNo, config, mask, advertise) => dp(dpid).portMod(portNo, config, mask, advertise),
    role: async (dpid, role, generationId) => dp(dpid).role(role, generationId),
    flowMod: async (dpid, spec) => dp(dpid).flowModConfirmed(spec),
    groupMod: async (dpid, command, groupType, groupId, buckets) => dp(dpid).groupMod(command, groupType, groupId, buckets),
    meterMod: async (dpid, command, flags, meterId, bands) => dp(dpid).meterMod(command, flags, meterId, bands),
    experimenter: async (dpid, experimenter, expType, data) => dp(dpid).experimenter(experimenter, expType, data),
    queueConfig: async (dpid, portNo) => dp(dpid).queueConfig(portNo),
    flowStats: async (dpid, filter) => dp(dpid).flowStats(filter),
    aggregateStats: async (dpid, filter) => dp(dpid).aggregateStats(filter),
    portStats: async (dpid, portNo) => dp(dpid).portStats(portNo),
    tableStats: async (dpid) => dp(dpid).tableStats(),
    queueStats: async (dpid, portNo, queueId) => dp(dpid).queueStats(portNo, queueId),
    groupStats: async (dpid, groupId) => dp(dpid).groupStats(groupId),
    groupDesc: async (dpid) => dp(dpid).groupDesc(),
    meterStats: async (dpid, meterId) => dp(dpid).meterStats(meterId),
    meterConfig: async (dpid, meterId) => dp(dpid).meterConfig(meterId),
    multipart: async (dpid, body) => dp(dpid).multipart(body),
  };
}

/** What the API is given of the switches: the read-only device view and the switch-admin service, over one registry. */
export function apiSwitches(map: DatapathRegistry): { devices: DeviceService; admin: SwitchAdminService } {
  return { devices: deviceService(map), admin: switchAdmin(map) };
}
