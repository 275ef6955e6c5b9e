/**
 * What an app is and what it gets: the App shape (name, packet-in priority, config schema,
 * start/stop, event handlers) and its AppContext of typed services. Apps import nothing that
 * touches sockets, `net` or fastify: every effect goes through these services.
 */
import type { TopologySnapshot } from '../core/model.js';
import type { Logger } from 'pino';
import type { ControllerEvents } from '../core/events.js';
import type { FlowScope } from '../flows/service.js';
import type { Datapath, PacketOutSpec } from '../openflow/datapath.js';
import type { Metrics } from './metrics.js';
import type { ConfigSchema } from './schema.js';
import type { KeyValueStore } from './store.js';
import type { Clock } from '../core/clock.js';

/** A packet-in handler's verdict: `'handled'` stops the chain; anything else lets the next app see the packet. */
export type PacketInResult = 'handled' | 'continue' | undefined | void;

/** Event payloads, as the controller bus carries them. */
export type SwitchConnectedEvent = ControllerEvents['switchConnected'][0];
export type SwitchDisconnectedEvent = ControllerEvents['switchDisconnected'][0];
export type PortAddedEvent = ControllerEvents['portAdded'][0];
export type PortModifiedEvent = ControllerEvents['portModified'][0];
export type PortRemovedEvent = ControllerEvents['portRemoved'][0];
export type PacketInEvent = ControllerEvents['packetIn'][0];
export type FlowRemovedEvent = ControllerEvents['flowRemoved'][0];
export type ErrorReceivedEvent = ControllerEvents['errorReceived'][0];
/** Coalesced topology change (links, hosts), with the new snapshot. */
export type TopologyChangedEvent = ControllerEvents['topologyChanged'][0];

/** Handler results: synchronous, or a promise whose rejection counts as a failure of the app. */
type MaybeAsync = void | Promise<void>;

/**
 * An app. `start` is called on enable (again after a disable: reset state there); handlers run
 * only while the app is enabled. A handler that throws is caught and logged with the app, dpid
 * and event; an app that keeps failing is stopped and its flows removed.
 */
export interface App<C extends object = Record<string, never>> {
  /** Unique, kebab-case; also names its cookie space, metrics, store namespace and config section. */
  readonly name: string;
  readonly description: string;
  /** Packet-in order: higher runs first (ties by name). Default 0. Discovery ~1000, ARP/proxy ~500, forwarding 0. */
  readonly packetInPriority?: number;
  /** Defaults and checks of `apps.settings.<name>`. */
  readonly config?: ConfigSchema<C>;
  start(ctx: AppContext<C>): MaybeAsync;
  stop?(): MaybeAsync;
  /**
   * A new config while running (PUT /api/v1/apps/<name>/config). Without this hook the app is
   * restarted with the new config instead (stop, start: its flows are removed and declared again).
   */
  reconfigure?(config: C): MaybeAsync;
  onSwitchConnected?(e: SwitchConnectedEvent): MaybeAsync;
  onSwitchDisconnected?(e: SwitchDisconnectedEvent): MaybeAsync;
  onPortAdded?(e: PortAddedEvent): MaybeAsync;
  onPortModified?(e: PortModifiedEvent): MaybeAsync;
  onPortRemoved?(e: PortRemovedEvent): MaybeAsync;
  /** Hot path: keep it synchronous. Return `'handled'` when no lower-priority app should see the packet. */
  onPacketIn?(e: PacketInEvent): PacketInResult | Promise<PacketInResult>;
  onFlowRemoved?(e: FlowRemovedEvent): MaybeAsync;
  onErrorReceived?(e: ErrorReceivedEvent): MaybeAsync;
  onTopologyChanged?(e: TopologyChangedEvent): MaybeAsync;
}

/** An app object, or a function making a fresh one (preferred: each enable gets clean state). */
export type AppDefinition = App<object> | (() => App<object>);

/** The connected switches. */
export interface DatapathService {
  get(dpid: bigint): Datapath | undefined;
  /** Connected switches, by ascending dpid. */
  list(): Datapath[];
  readonly size: number;
}

/**
 * What apps need from the topology service (src/topology). Optional in the context: without
 * it, apps flood with OFPP_FLOOD and treat every port as an edge port.
 */
export interface TopologyService {
  /**
   * Ports a packet that entered `dpid` at `inPort` should be flooded out of: edge ports plus the
   * switch's links on the loop-free broadcast tree, never `inPort`. Empty: drop.
   */
  floodPorts(dpid: bigint, inPort: number): readonly number[];
  /** True when no switch link is known on the port (a host may sit there). */
  isEdgePort(dpid: bigint, port: number): boolean;
  /**
   * True for a switch-link port that is not on the broadcast tree: a frame arriving there went
   * round a loop (or followed a path learned before the tree changed); do not learn from it.
   */
  isBlockedPort?(dpid: bigint, port: number): boolean;
  /** A text that changes exactly when the broadcast tree changes (state learned along the old tree is then stale). */
  treeSignature?(): string;
  /** The current topology snapshot (links, hosts, paths), for apps that compute paths. */
  snapshot?(): TopologySnapshot;
  /**
   * An identity that changes exactly when switches, ports or links change, not when hosts do:
   * cheap enough to check per packet-in before asking for a snapshot.
   */
  fabricVersion?(): unknown;
}

/** A host as the host tracker knows it (structurally the topology's Host). */
export interface AppHost {
  readonly mac: string;
  readonly vlan?: number;
  readonly ipv4: readonly string[];
  readonly ipv6: readonly string[];
  readonly location: { readonly dpid: bigint; readonly port: number };
}

/** Host lookups (optional in the context, like the topology). */
export interface HostService {
  /** The host with this MAC (`aa:bb:cc:dd:ee:ff`), on any VLAN. */
  findByMac(mac: string): AppHost | undefined;
  list(): readonly AppHost[];
}

/**
 * Sending packets. Every call returns false, sending nothing, when the switch is not connected
 * or, in cluster mode, when another instance masters it (this instance holds the slave role and
 * may not write): not an error, the master instance handles the same packet.
 */
export interface PacketService {
  packetOut(dpid: bigint, spec: PacketOutSpec): boolean;
  /**
   * Floods a packet that came in at `inPort`: out of the topology's broadcast-tree ports when a
   * topology is present, with OFPP_FLOOD when not. `bufferId` is used when it is not OFP_NO_BUFFER.
   */
  flood(dpid: bigint, inPort: number, bufferId: number, data: Buffer): boolean;
}

/** Everything an app may use. */
export interface AppContext<C extends object = Record<string, never>> {
  readonly name: string;
  /** The app's settings: its schema's defaults overlaid with `apps.settings.<name>`. */
  readonly config: Readonly<C>;
  readonly log: Logger;
  readonly datapaths: DatapathService;
  readonly topology: TopologyService | undefined;
  readonly hosts: HostService | undefined;
  /** Flows in this app's cookie space; all of them are removed when the app stops. */
  readonly flows: FlowScope;
  readonly packets: PacketService;
  /** This app's namespace of the controller's store. */
  readonly store: KeyValueStore;
  /** Metrics named `app_<name>_...`. */
  readonly metrics: Metrics;
  /** The controller's clock (ms); pass it to pure logic as `now`. */
  now(): number;
  /** Runs `fn(now)` every `intervalMs` while the app runs; a throw counts as a failure of the app. */
  every(intervalMs: number, fn: (now: number) => void | Promise<void>): void;
  /**
   * The controller's clock for what `every` does not cover (a debounce, a retry): its timers
   * stop with the app, and a throw in one counts as a failure of the app.
   */
  readonly clock: Clock;
}
