/** Plain data the topology layer hands out: links, hosts, locations, paths and its events. */
import type { TopologySnapshot } from './snapshot.js';
import { dpidToHex } from '../core/ids.js';

/** A directed link: probes sent out of `src`:`srcPort` arrive at `dst`:`dstPort`. */
export interface Link {
  readonly src: bigint;
  readonly srcPort: number;
  readonly dst: bigint;
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
  readonly dpid: bigint;
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
  readonly src: bigint;
  readonly dst: bigint;
  /** Hop count or summed link weight, per the metric asked for. */
  readonly cost: number;
  readonly links: readonly Link[];
}

/** Events of the TopologyService (past tense, as on the controller bus). */
export interface TopologyEvents {
  linkAdded: [{ readonly link: LinkInfo }];
  linkRemoved: [{ readonly link: LinkInfo; readonly reason: LinkRemovedReason }];
  hostAdded: [{ readonly host: Host }];
  /** A host seen at another location: one event with the old and the new one. */
  hostMoved: [{ readonly host: Host; readonly previous: HostLocation }];
  /** A known host showed a new address. */
  hostUpdated: [{ readonly host: Host }];
  hostRemoved: [{ readonly host: Host; readonly reason: HostRemovedReason }];
  /** Coalesced: one per burst of changes, with the snapshot that includes them all. */
  topologyChanged: [{ readonly version: number; readonly snapshot: TopologySnapshot }];
}

/** The key of a directed link: `srcHex:port>dstHex:port`. */
export function linkKey(l: Link): string {
  return `${dpidToHex(l.src)}:${l.srcPort}>${dpidToHex(l.dst)}:${l.dstPort}`;
}

/** The key of a switch port: `dpidHex:port` (also the key of `linkWeights`). */
export function portKey(dpid: bigint, port: number): string {
  return `${dpidToHex(dpid)}:${port}`;
}
