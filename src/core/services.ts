/**
 * The service interfaces apps (and the API) are given, written once: a read-only device view,
 * flows, groups and meters owned by the caller, packets, topology and hosts (src/core/app.ts
 * puts them in the AppContext). Implementations live in src/flows, src/openflow and src/topology; the switch
 * handle (Datapath) never crosses this line.
 */
import type { Match } from '../openflow/codec/v13/oxm.js';
import type { MultipartReplyBody, MultipartRequestBody } from '../openflow/codec/v13/multipart.js';
import type { Bucket, MeterBand } from '../openflow/codec/v13/structs.js';
import type { StatsReplyBody } from '../openflow/codec/v10/messages.js';
import type { Dpid } from './ids.js';
import type { FlowEntry, FlowFilter, FlowSpec, Host, Mastership, PacketOutSpec, SwitchCounters, SwitchDesc, SwitchFeatures, SwitchPort, TopologySnapshot } from './model.js';

// ---- devices ------------------------------------------------------------------------------

/** One connected switch, read only: identity, ports, features, description and counters. */
export interface SwitchView {
  readonly dpid: Dpid;
  /** `dpid` as 16 hex digits. */
  readonly dpidHex: string;
  /** Negotiated wire version (1 = OpenFlow 1.0, 4 = 1.3). */
  readonly version: number;
  readonly features: SwitchFeatures;
  readonly desc: SwitchDesc;
  readonly remoteAddress: string;
  /** When it was admitted (ms, the controller's clock). */
  readonly connectedAt: number;
  /** Current ports by number, kept up to date from PORT_STATUS. */
  readonly ports: ReadonlyMap<number, SwitchPort>;
  /** True while the session is up. */
  readonly connected: boolean;
  /** This instance's right to write to it (cluster mode); 'standalone' without a cluster. */
  readonly mastership: Mastership;
  /** Session counters (messages, bytes, errors), live. */
  readonly counters: SwitchCounters;
}

/** The connected switches, read only; the stats reads send requests but change nothing on a switch. */
export interface DeviceService {
  get(dpid: Dpid): SwitchView | undefined;
  /** Connected switches, by ascending dpid. */
  list(): SwitchView[];
  readonly size: number;
  /** True when this instance may write to the switch: connected and, in a cluster, not mastered by another instance. */
  canWrite(dpid: Dpid): boolean;
  /** Installed flows matching the filter, in 1.3 terms for both versions. Rejects when the switch is not connected. */
  flowStats(dpid: Dpid, filter?: FlowFilter): Promise<FlowEntry[]>;
  /** Port counters (all ports by default), as the version's reply body. */
  portStats(dpid: Dpid, portNo?: number): Promise<MultipartReplyBody | StatsReplyBody>;
  /** A 1.3 multipart read (features, descriptions, counters). Rejects for 1.0 switches. */
  multipart(dpid: Dpid, body: MultipartRequestBody): Promise<MultipartReplyBody>;
}

// ---- flows --------------------------------------------------------------------------------

/** Where a desired flow stands: sent and unconfirmed, confirmed on the switch, rejected, or gone. */
export type FlowState = 'pending' | 'installed' | 'failed' | 'removed';

/** Why a flow left the desired state. */
export type FlowRemovedReason = 'idle_timeout' | 'hard_timeout' | 'deleted' | 'owner' | 'expired_while_away' | 'replaced';

/** The switch's refusal of one flow (its OFPT_ERROR), or a local encode error (errType -1). */
export interface FlowError {
  readonly errType: number;
  readonly code: number;
  /** `OFPET_FLOW_MOD_FAILED/OFPFMFC_TABLE_FULL` or the encoder's message. */
  readonly message: string;
}

/**
 * A flow as an owner asks for it: a FlowSpec without the command and filter fields. `cookie`
 * is the owner's own low 48 bits; the service puts the owner id in the top 16.
 */
export interface FlowRule {
  readonly tableId?: number;
  readonly priority?: number;
  readonly match?: Match;
  readonly instructions?: FlowSpec['instructions'];
  readonly actions?: FlowSpec['actions'];
  readonly idleTimeout?: number;
  readonly hardTimeout?: number;
  readonly flags?: number;
  readonly cookie?: bigint;
}

/** One desired flow and its state. Read-only for everyone but the service. */
export interface FlowRecord {
  readonly dpid: Dpid;
  readonly owner: string;
  /** Identity on the switch: `table/priority/match` (see flowKey). */
  readonly key: string;
  /** The flow mod sent for it (command add, full cookie, table, priority, flags filled in). */
  readonly spec: FlowSpec;
  /** Has an idle or hard timeout: the switch removes it by itself. */
  readonly reactive: boolean;
  readonly state: FlowState;
  readonly error: FlowError | undefined;
  /** When the state last changed (the service's clock, ms). */
  readonly updatedAt: number;
}

/** Outcome of one flow of a confirmed batch. */
export interface FlowResult {
  readonly record: FlowRecord;
  readonly state: FlowState;
  readonly error?: FlowError;
}

/** Events of one owner's flows. */
export interface FlowScopeEvents {
  /** The switch rejected a flow (or it could not be encoded). */
  failed: [FlowRecord];
  /** A flow left the desired state: it expired, someone deleted it, or it was removed while the switch was away. */
  removed: [FlowRecord, FlowRemovedReason];
  /** Someone else deleted a permanent flow (FLOW_REMOVED, reason delete) and it was put back (`restoreDeleted`). */
  restored: [FlowRecord];
}

/**
 * A packet the switch buffered (a packet-in's buffer_id) for a flow's ADD to carry: the switch
 * then runs that packet through its tables with the new flow in, and no packet-out is needed for
 * it. This is how Ryu's simple_switch_13 and Open vSwitch's learning switch answer a buffered
 * packet-in: one message instead of two. Only for a flow that does to the packet what the
 * packet-out would.
 */
export interface BufferedPacket {
  readonly bufferId: number;
  /**
   * Set by FlowScope.install: true when it sent the flow's ADD with the buffer id. False when it
   * sent no ADD (the flow was desired already, waits for the switch's reconciliation, or the
   * switch cannot be written to here): the caller then sends the packet-out itself.
   */
  taken: boolean;
}

/**
 * One owner's flows: everything it installs carries its cookie, and it can only list and remove
 * its own flows. Apps get one in their AppContext; all of them are removed when the app stops.
 */
export interface FlowScope {
  /** Owner name (an app's name). */
  readonly owner: string;
  /** Owner id: the top 16 bits of every cookie of this owner. */
  readonly id: number;
  /** The full cookie for the owner's own low 48 bits. */
  cookie(local?: bigint): bigint;
  /**
   * Adds a flow to the desired state of a switch and sends it (confirmation is asynchronous:
   * watch the record's state or the `failed` event). A flow equal to one already desired sends
   * nothing. The switch need not be connected: the flow goes out when it connects. `buffered`:
   * the packet-in this flow answers, for the ADD to carry (see BufferedPacket).
   */
  install(dpid: Dpid, rule: FlowRule, buffered?: BufferedPacket): FlowRecord;
  /** True while `rec` is still the desired flow for its identity and not refused (re-installing it would send nothing). */
  isCurrent(rec: FlowRecord): boolean;
  /** Installs several flows and resolves when the switch has confirmed or refused each (one barrier per batch). */
  installAll(dpid: Dpid, rules: readonly FlowRule[]): Promise<FlowResult[]>;
  /** Removes one flow of this owner by identity (delete_strict). Resolves false when it was not desired. */
  remove(dpid: Dpid, rule: Pick<FlowRule, 'tableId' | 'priority' | 'match'>): Promise<boolean>;
  /** Removes every flow of this owner on a switch whose match includes all of `match`. Returns how many desired flows went. */
  removeMatching(dpid: Dpid, match: Match, tableId?: number): number;
  /** Removes this owner's flows that `pick` selects, on one switch or all (one delete_strict each). Returns how many. */
  removeWhere(dpid: Dpid | undefined, pick: (r: FlowRecord) => boolean): number;
  /** Removes all of this owner's flows, on one switch or on all of them. */
  removeAll(dpid?: Dpid): Promise<void>;
  /** This owner's desired flows, on one switch or all. */
  list(dpid?: Dpid): FlowRecord[];
  on<K extends keyof FlowScopeEvents>(event: K, listener: (...args: FlowScopeEvents[K]) => void): this;
  off<K extends keyof FlowScopeEvents>(event: K, listener: (...args: FlowScopeEvents[K]) => void): this;
}

// ---- groups and meters --------------------------------------------------------------------

/** An OpenFlow 1.3 group as its owner declares it (`ofp_group_mod` without the command). */
export interface GroupSpec {
  /** OFPGT_ALL 0, SELECT 1, INDIRECT 2, FF 3. */
  readonly groupType: number;
  readonly buckets: readonly Bucket[];
}

/**
 * Groups or meters one owner (an app) created: each id it adds is tracked per switch and deleted
 * when the owner stops. Every call is barrier-confirmed and rejects with the switch's error
 * (OfErrorReply).
 */
export interface OwnedObjects<S> {
  /** OFPGC_ADD / OFPMC_ADD. */
  add(dpid: Dpid, id: number, spec: S): Promise<void>;
  /** OFPGC_MODIFY / OFPMC_MODIFY; one left on the switch by an earlier run may be taken over this way. */
  modify(dpid: Dpid, id: number, spec: S): Promise<void>;
  /** OFPGC_DELETE / OFPMC_DELETE of one this owner holds; resolves false when it was not this owner's. */
  delete(dpid: Dpid, id: number): Promise<boolean>;
  /** Ids this owner holds on the switch, ascending. */
  list(dpid: Dpid): number[];
}

/** The caller's groups. */
export type GroupService = OwnedObjects<GroupSpec>;

/** An OpenFlow 1.3 meter as its owner declares it (`ofp_meter_mod` without the command). */
export interface MeterSpec {
  /** OFPMF_* bits. */
  readonly flags: number;
  readonly bands: readonly MeterBand[];
}

/** The caller's meters, owned as groups are. */
export type MeterService = OwnedObjects<MeterSpec>;

// ---- packets, topology, hosts -------------------------------------------------------------

/**
 * Sending packets. Every call returns false, sending nothing, when the switch is not connected
 * or, in cluster mode, when another instance masters it (this instance holds the slave role and
 * may not write): not an error, the master instance handles the same packet.
 */
export interface PacketService {
  packetOut(dpid: Dpid, spec: PacketOutSpec): boolean;
  /**
   * Floods a packet that came in at `inPort`: out of the topology's broadcast-tree ports when a
   * topology is present, with OFPP_FLOOD when not. `bufferId` is used when it is not OFP_NO_BUFFER.
   */
  flood(dpid: Dpid, inPort: number, bufferId: number, data: Buffer): boolean;
}

/**
 * What apps get of the topology service (src/topology). The service itself is optional in the
 * context: without it, apps flood with OFPP_FLOOD and treat every port as an edge port.
 */
export interface TopologyService {
  /**
   * Ports a packet that entered `dpid` at `inPort` should be flooded out of: edge ports plus the
   * switch's links on the loop-free broadcast tree, never `inPort`. Empty: drop.
   */
  floodPorts(dpid: Dpid, inPort: number): readonly number[];
  /** True when no switch link is known on the port (a host may sit there). */
  isEdgePort(dpid: Dpid, port: number): boolean;
  /**
   * True for a switch-link port that is not on the broadcast tree: a frame arriving there went
   * round a loop (or followed a path learned before the tree changed); do not learn from it.
   */
  isBlockedPort(dpid: Dpid, port: number): boolean;
  /** A text that changes exactly when the broadcast tree changes (state learned along the old tree is then stale). */
  treeSignature(): string;
  /** The current topology snapshot (links, hosts, paths), for apps that compute paths. */
  snapshot(): TopologySnapshot;
  /**
   * An identity that changes exactly when switches, ports or links change, not when hosts do:
   * cheap enough to check per packet-in before asking for a snapshot. The "topology changed"
   * signal itself is the app's `onTopologyChanged` handler.
   */
  fabricVersion(): unknown;
}

/** A host as the host tracker knows it. */
export type AppHost = Pick<Host, 'mac' | 'vlan' | 'ipv4' | 'ipv6' | 'location'>;

/** Host lookups (optional in the context, like the topology). */
export interface HostService {
  /** The host with this MAC (`aa:bb:cc:dd:ee:ff`), on any VLAN. */
  findByMac(mac: string): AppHost | undefined;
  list(): readonly AppHost[];
}

// ---- switch administration (the API) ------------------------------------------------------

/** Packet, byte and flow counts over the flows a filter selects. */
export interface AggregateCounts {
  readonly packetCount: bigint;
  readonly byteCount: bigint;
  readonly flowCount: number;
}

/**
 * What the northbound API (native and Ryu routes) may do to a switch, by dpid: writes (port,
 * role, flow, group and meter mods, experimenter messages) and the stats and configuration reads.
 * Writes go through the switch's mastership gate: in a cluster, a switch another instance masters
 * rejects them with NotMasterError (the API's 503). Every write is confirmed (a barrier) or rejects
 * with the switch's own error for it (OfErrorReply, matched by xid in the session); a bad spec
 * rejects with OfEncodeError; a switch that is not connected rejects with SessionClosedError.
 * The caller maps these errors once (src/api/errors.ts).
 */
export interface SwitchAdminService {
  /** PORT_MOD: `config` bits under `mask`; `advertise` 0 keeps the port's advertisement as OpenFlow defines. */
  portMod(dpid: Dpid, portNo: number, config: number, mask: number, advertise?: number): Promise<void>;
  /** ROLE_REQUEST (1.3): OFPCR_ROLE_* and generation id; resolves with the switch's answer. */
  role(dpid: Dpid, role: number, generationId: bigint): Promise<{ role: number; generationId: bigint }>;
  /** A FLOW_MOD of any command, confirmed. */
  flowMod(dpid: Dpid, spec: FlowSpec): Promise<void>;
  /** GROUP_MOD (1.3): OFPGC_* command. */
  groupMod(dpid: Dpid, command: number, groupType: number, groupId: number, buckets: readonly Bucket[]): Promise<void>;
  /** METER_MOD (1.3): OFPMC_* command. */
  meterMod(dpid: Dpid, command: number, flags: number, meterId: number, bands: readonly MeterBand[]): Promise<void>;
  /** OFPT_EXPERIMENTER (1.3), confirmed by a barrier or refused by the switch. */
  experimenter(dpid: Dpid, experimenter: number, expType: number, data: Buffer): Promise<void>;
  /** OFPT_QUEUE_GET_CONFIG_REQUEST (1.3) for one port or OFPP_ANY. */
  queueConfig(dpid: Dpid, portNo: number): Promise<import('../openflow/codec/v13/messages.js').QueueGetConfigReply>;
  /** Installed flows matching the filter, in 1.3 terms. */
  flowStats(dpid: Dpid, filter?: FlowFilter): Promise<FlowEntry[]>;
  aggregateStats(dpid: Dpid, filter?: FlowFilter): Promise<AggregateCounts>;
  portStats(dpid: Dpid, portNo?: number): Promise<MultipartReplyBody | StatsReplyBody>;
  tableStats(dpid: Dpid): Promise<MultipartReplyBody | StatsReplyBody>;
  queueStats(dpid: Dpid, portNo?: number, queueId?: number): Promise<MultipartReplyBody | StatsReplyBody>;
  groupStats(dpid: Dpid, groupId?: number): Promise<MultipartReplyBody>;
  groupDesc(dpid: Dpid): Promise<MultipartReplyBody>;
  meterStats(dpid: Dpid, meterId?: number): Promise<MultipartReplyBody>;
  meterConfig(dpid: Dpid, meterId?: number): Promise<MultipartReplyBody>;
  /** Any 1.3 multipart read (features, table features...). */
  multipart(dpid: Dpid, body: MultipartRequestBody): Promise<MultipartReplyBody>;
}
