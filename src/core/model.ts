/**
 * The controller's shared data model, written once: switches and ports as apps see them, links,
 * hosts, paths, the topology snapshot, and the version-neutral packet-in and flow-removed notices
 * (named apart from the codec's wire messages `packet_in` / `flow_removed`).
 */
import type { Action } from '../openflow/codec/v13/actions.js';
import type { Instruction } from '../openflow/codec/v13/instructions.js';
import type { Port } from '../openflow/codec/v13/structs.js';
import type { Match } from '../openflow/codec/v13/oxm.js';
import type { Dpid } from './ids.js';

/** A switch port in a version-neutral form (OpenFlow 1.0 physical ports are widened to this). */
export type SwitchPort = Port;

/** The switch's self-description (`ofp_desc`). */
export interface SwitchDesc {
  readonly mfrDesc: string;
  readonly hwDesc: string;
  readonly swDesc: string;
  readonly serialNum: string;
  readonly dpDesc: string;
}

/** What the handshake learned (`ofp_switch_features`), in a version-neutral form. */
export interface SwitchFeatures {
  readonly datapathId: Dpid;
  readonly nBuffers: number;
  readonly nTables: number;
  readonly auxiliaryId: number;
  readonly capabilities: number;
}

/** This instance's right to write to a switch: always (no cluster), a claim awaiting its ROLE_REPLY, master, or slave. */
export type Mastership = 'standalone' | 'pending' | 'master' | 'slave';

/** Counters kept per switch session. */
export interface SwitchCounters {
  readonly messagesIn: number;
  readonly messagesOut: number;
  /**
   * Messages by wire type number (index; the last slot gathers numbers beyond it), received and
   * sent. Name them with messageTypeName(version, index).
   */
  readonly inByType: Float64Array;
  readonly outByType: Float64Array;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly decodeErrors: number;
  readonly errorsReceived: number;
  readonly echoMisses: number;
  /** Ports not admitted because the switch already had `maxPortsPerSwitch`. */
  readonly portsRefused: number;
  /** Multipart replies abandoned for passing `maxMultipartBytes` or `maxMultipartParts`. */
  readonly multipartRefused: number;
  /** PACKET_INs dropped undecoded over `packetInRatePps` (LLDP ones over `lldpPacketInRatePps` in `lldpPacketInsDropped`). */
  readonly packetInsDropped: number;
  readonly lldpPacketInsDropped: number;
  /** PACKET_INs handed to the controller (the `packetIn` events of this switch). */
  readonly packetIns: number;
  /** Log lines about this switch dropped over `openflow.logLinesPerSecond`. */
  readonly logLinesSuppressed: number;
}

/** OFPFC_* flow mod commands by name. */
export type FlowCommand = 'add' | 'modify' | 'modify_strict' | 'delete' | 'delete_strict';

/**
 * A flow rule in OpenFlow 1.3 terms, used for both versions (1.0 switches get it translated;
 * what 1.0 cannot express is an OfEncodeError naming the field).
 */
export interface FlowSpec {
  readonly command?: FlowCommand;
  readonly tableId?: number;
  readonly priority?: number;
  readonly cookie?: bigint;
  readonly cookieMask?: bigint;
  readonly idleTimeout?: number;
  readonly hardTimeout?: number;
  /** OFPFF_* bits (SEND_FLOW_REM = 1, CHECK_OVERLAP = 2, ...). */
  readonly flags?: number;
  readonly bufferId?: number;
  readonly outPort?: number;
  readonly outGroup?: number;
  readonly match?: Match;
  /** Instructions; when absent, `actions` become one apply-actions instruction. */
  readonly instructions?: readonly Instruction[];
  readonly actions?: readonly Action[];
}

/** One installed flow as read back from a switch, in OpenFlow 1.3 terms for both versions. */
export interface FlowEntry {
  readonly tableId: number;
  readonly priority: number;
  readonly cookie: bigint;
  readonly idleTimeout: number;
  readonly hardTimeout: number;
  readonly flags: number;
  readonly durationSec: number;
  readonly packetCount: bigint;
  readonly byteCount: bigint;
  readonly match: Match;
  readonly instructions: readonly Instruction[];
}

/** Filter of a flow stats or aggregate request. */
export interface FlowFilter {
  readonly tableId?: number;
  readonly outPort?: number;
  readonly outGroup?: number;
  readonly cookie?: bigint;
  readonly cookieMask?: bigint;
  readonly match?: Match;
}

/** A packet-out. Without `bufferId`, `data` is the packet. */
export interface PacketOutSpec {
  readonly inPort?: number;
  readonly bufferId?: number;
  readonly actions: readonly Action[];
  readonly data?: Buffer;
}

/**
 * A packet the switch sent to the controller (`ofp_packet_in`, both versions), in a
 * version-neutral form. `data` is a view into the received buffer: copy it to keep it.
 */
export interface ReceivedPacket {
  readonly inPort: number;
  readonly bufferId: number;
  readonly totalLen: number;
  readonly reason: number;
  readonly tableId: number;
  readonly cookie: bigint;
  readonly match: Match;
  readonly data: Buffer;
}

/** A flow the switch removed and reported (`ofp_flow_removed`, both versions), in a version-neutral form. */
export interface RemovedFlow {
  readonly cookie: bigint;
  readonly priority: number;
  readonly reason: number;
  readonly tableId: number;
  readonly durationSec: number;
  readonly idleTimeout: number;
  readonly hardTimeout: number;
  readonly packetCount: bigint;
  readonly byteCount: bigint;
  readonly match: Match;
}

/** A directed link: probes sent out of `src`:`srcPort` arrive at `dst`:`dstPort`. */
export interface Link {
  readonly src: Dpid;
  readonly srcPort: number;
  readonly dst: Dpid;
  readonly dstPort: number;
}

/** A discovered link with its timestamps (ms, the controller's clock). */
export interface LinkInfo extends Link {
  readonly discoveredAt: number;
  /** When the last valid probe over it arrived. */
  readonly lastSeen: number;
}

/** Why a link went away. */
export type LinkRemovedReason = 'timeout' | 'port_down' | 'port_removed' | 'switch_disconnected';

/** Where a host is attached: a switch port. */
export interface HostLocation {
  readonly dpid: Dpid;
  readonly port: number;
}

/** A learned end host. */
export interface Host {
  /** `mac` or `mac@vid` (VLAN id of the outer tag): the identity of the host. */
  readonly id: string;
  readonly mac: string;
  /** Outer VLAN id; absent when the host sends untagged frames. */
  readonly vlan?: number;
  /** Addresses seen, most recently seen last. */
  readonly ipv4: readonly string[];
  readonly ipv6: readonly string[];
  readonly location: HostLocation;
  readonly firstSeen: number;
  readonly lastSeen: number;
}

/** Why a host went away. */
export type HostRemovedReason = 'idle' | 'port_removed' | 'port_down' | 'switch_disconnected' | 'infrastructure_port';

/** A path between two switches: the links in order (empty when source and destination are the same switch). */
export interface Path {
  readonly src: Dpid;
  readonly dst: Dpid;
  /** Hop count or summed link weight, per the metric asked for. */
  readonly cost: number;
  readonly links: readonly Link[];
}

/** What a path query minimises: links crossed, or the sum of the configured link weights. */
export type PathMetric = 'hops' | 'weight';

/** Options of the path queries. */
export interface PathOptions {
  /** Default `hops`. */
  readonly metric?: PathMetric;
}

/** A switch as a topology snapshot sees it. */
export interface SwitchInfo {
  readonly dpid: Dpid;
  /** Live physical ports, ascending. */
  readonly ports: readonly number[];
  /** Live ports without a discovered link (nor one within the link timeout): where hosts are. */
  readonly edgePorts: readonly number[];
  /** Ports with a discovered link (either direction), or one within the link timeout (held: no hosts, no floods off the tree). */
  readonly infrastructurePorts: readonly number[];
  /** Ports on the broadcast tree. */
  readonly treePorts: readonly number[];
}

/** The topology at one version (src/topology builds it). Everything it returns is frozen or a fresh copy. */
export interface TopologySnapshot {
  readonly version: number;
  /** Switches by dpid, in ascending dpid order. */
  readonly switches: ReadonlyMap<Dpid, SwitchInfo>;
  /** Directed links in key order. */
  readonly links: readonly LinkInfo[];
  /** Hosts by id order. */
  readonly hosts: readonly Host[];
  /** Shortest path between two switches, or undefined when there is none. */
  shortestPath(src: Dpid, dst: Dpid, opts?: PathOptions): Path | undefined;
  /** Up to `k` minimum-cost paths (ECMP), in tie-break order. */
  equalCostPaths(src: Dpid, dst: Dpid, k: number, opts?: PathOptions): Path[];
  /** The `k` shortest loop-free paths, by cost then tie-break order. */
  kShortestPaths(src: Dpid, dst: Dpid, k: number, opts?: PathOptions): Path[];
  /** Ports to flood a packet that entered `dpid` at `inPort` out of (broadcast tree and edge ports, never `inPort`). */
  floodPorts(dpid: Dpid, inPort: number): number[];
  /** True when a link starts or ends at this port. */
  isInfrastructurePort(dpid: Dpid, port: number): boolean;
  /** A host by MAC (and VLAN id when tagged). */
  host(mac: string, vlan?: number): Host | undefined;
  /** Hosts attached at a switch (and port). */
  hostsAt(dpid: Dpid, port?: number): Host[];
}
