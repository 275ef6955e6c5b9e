/**
 * The controller's event bus and its events, each named once: services emit past-tense events,
 * apps and the API listen. Payloads are plain data (no switch handle): to act on a switch, use
 * the services (src/core/services.ts).
 */
import { EventEmitter } from 'node:events';
import type { ErrorMsg } from '../openflow/codec/common.js';
import type { Dpid } from './ids.js';
import { SWITCH_EVENT_NAMES as SWITCH_NAMES, TOPOLOGY_EVENT_NAMES as TOPOLOGY_NAMES } from './event-names.js';
import type {
  Host,
  HostLocation,
  HostRemovedReason,
  LinkInfo,
  LinkRemovedReason,
  ReceivedPacket,
  RemovedFlow,
  SwitchPort,
  TopologySnapshot,
} from './model.js';

/** Events of the topology service (links and hosts), forwarded onto the controller bus. */
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

/** Events of the switches themselves (sessions, ports, asynchronous messages, roles). */
export interface SwitchEvents {
  /** A switch completed its handshake and was admitted; `version` is the negotiated wire version. */
  switchConnected: [{ readonly dpid: Dpid; readonly version: number; readonly remoteAddress: string }];
  switchDisconnected: [{ readonly dpid: Dpid; readonly reason: string }];
  portAdded: [{ readonly dpid: Dpid; readonly port: SwitchPort }];
  portModified: [{ readonly dpid: Dpid; readonly port: SwitchPort; readonly previous: SwitchPort }];
  portRemoved: [{ readonly dpid: Dpid; readonly port: SwitchPort }];
  packetIn: [{ readonly dpid: Dpid; readonly msg: ReceivedPacket }];
  flowRemoved: [{ readonly dpid: Dpid; readonly msg: RemovedFlow }];
  errorReceived: [{ readonly dpid: Dpid; readonly msg: ErrorMsg }];
  /** Cluster mode: this instance became master or slave of a switch, in term `generationId`. */
  mastershipChanged: [{ readonly dpid: Dpid; readonly role: 'standalone' | 'master' | 'slave'; readonly generationId: bigint }];
}

/** Every event on the bus, with its payload. */
export interface ControllerEvents extends SwitchEvents, TopologyEvents {}

export type ControllerEventName = keyof ControllerEvents;

/** Names of the topology events, in the order the API lists them (the list is in event-names.ts, checked here against the events). */
export const TOPOLOGY_EVENT_NAMES = TOPOLOGY_NAMES satisfies readonly (keyof TopologyEvents)[];

/** Names of the switch events, in the order the API lists them (the list is in event-names.ts, checked here against the events). */
export const SWITCH_EVENT_NAMES = SWITCH_NAMES satisfies readonly (keyof SwitchEvents)[];

/** The typed bus. Listeners must not throw; the app framework wraps app handlers. */
export class EventBus extends EventEmitter<ControllerEvents> {
  constructor() {
    super({ captureRejections: false });
    this.setMaxListeners(0);
  }
}
