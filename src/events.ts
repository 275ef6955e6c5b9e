/** The controller's event bus: services emit past-tense events, apps and the API listen. */
import { EventEmitter } from 'node:events';
import type { ErrorMsg } from './openflow/codec/common.js';
import type { Datapath } from './openflow/datapath.js';
import type { SwitchPort } from './openflow/session.js';
import type { PacketIn, FlowRemoved } from './openflow/datapath.js';
import type { TopologyEvents } from './topology/types.js';

/** Every event on the bus, with its payload (topology events: linkAdded, hostMoved, ... see TopologyEvents). */
export interface ControllerEvents extends TopologyEvents {
  switchConnected: [{ readonly dpid: bigint; readonly datapath: Datapath }];
  switchDisconnected: [{ readonly dpid: bigint; readonly reason: string }];
  portAdded: [{ readonly dpid: bigint; readonly port: SwitchPort }];
  portModified: [{ readonly dpid: bigint; readonly port: SwitchPort; readonly previous: SwitchPort }];
  portRemoved: [{ readonly dpid: bigint; readonly port: SwitchPort }];
  packetIn: [{ readonly dpid: bigint; readonly datapath: Datapath; readonly msg: PacketIn }];
  flowRemoved: [{ readonly dpid: bigint; readonly msg: FlowRemoved }];
  errorReceived: [{ readonly dpid: bigint; readonly msg: ErrorMsg }];
  /** Cluster mode: this instance became master or slave of a switch, in term `generationId`. */
  mastershipChanged: [{ readonly dpid: bigint; readonly role: 'standalone' | 'master' | 'slave'; readonly generationId: bigint }];
}

/** Names of the topology events the controller forwards onto the bus. */
export const TOPOLOGY_EVENT_NAMES = ['linkAdded', 'linkRemoved', 'hostAdded', 'hostMoved', 'hostUpdated', 'hostRemoved', 'topologyChanged'] as const satisfies readonly (keyof TopologyEvents)[];

export type ControllerEventName = keyof ControllerEvents;

/** The typed bus. Listeners must not throw; the app framework wraps app handlers. */
export class EventBus extends EventEmitter<ControllerEvents> {
  constructor() {
    super({ captureRejections: false });
    this.setMaxListeners(0);
  }
}
