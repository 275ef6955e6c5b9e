/**
 * What an app is and what it gets, as contracts: the App shape (name, packet-in priority, config
 * schema, start/stop, event handlers) and its AppContext of the core services, with the store and
 * metrics interfaces it holds. Implementations live in src/apps (manager, PrefixedStore,
 * MemoryMetrics) and src/store; apps import nothing that touches sockets, `net` or fastify.
 */
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { ConfigSchema } from './config-schema.js';
import type { ControllerEvents } from './events.js';
import type { DeviceService, FlowScope, GroupService, HostService, MeterService, PacketService, TopologyService } from './services.js';

// ---- store and metrics ---------------------------------------------------------------------

/**
 * A value the store keeps: anything JSON can hold, plus `bigint` (cookies, dpids) and `Buffer`
 * (secrets), which the store's encoding round-trips exactly.
 */
export type StoreValue = null | boolean | number | string | bigint | Buffer | readonly StoreValue[] | { readonly [key: string]: StoreValue };

/** A change-feed listener: the changed key, or `undefined` for "reload everything". */
export type StoreWatcher = (key: string | undefined) => void;

/** One write of an atomic batch or transaction. */
export type StoreOp = { readonly type: 'put'; readonly key: string; readonly value: StoreValue } | { readonly type: 'del'; readonly key: string };

/** What a transaction's body decides: the writes to make (all or none) and what `transact` resolves with. */
export interface TxnOutcome<R> {
  readonly ops: readonly StoreOp[];
  readonly result: R;
}

/**
 * A transaction's body: given the values of the keys it read (`undefined` when absent), the
 * writes to make. It must be pure: it runs again, on fresh values, after a conflict.
 */
export type TxnBody<R> = (values: ReadonlyMap<string, StoreValue | undefined>) => TxnOutcome<R>;

/** Asynchronous key-value store. Keys are strings; `list` returns entries in key order. */
export interface KeyValueStore {
  get<T extends StoreValue = StoreValue>(key: string): Promise<T | undefined>;
  put(key: string, value: StoreValue): Promise<void>;
  /** Resolves true when the key existed. */
  del(key: string): Promise<boolean>;
  /** Entries whose key starts with `prefix` (all when absent), sorted by key. */
  list<T extends StoreValue = StoreValue>(prefix?: string): Promise<[string, T][]>;
  /**
   * Calls `onChange(key)` for every put or delete of a key starting with `prefix`, by any
   * instance of a cluster, this one's own writes included; `undefined` means "reload everything
   * under the prefix" (a watch (re)connected). Returns the unsubscribe function. Apps use
   * `StoreFollower` (src/apps/store.ts) rather than this directly.
   */
  watch(prefix: string, onChange: StoreWatcher): () => void;
  /**
   * Atomic read-modify-write: reads `keys`, runs `body` on their values, and makes the writes it
   * returns in one atomic step, only if none of the keys read changed meanwhile (on any instance
   * of a cluster); on a conflict it reads and runs `body` again. Resolves with `body`'s result
   * once the writes are durable. Use it for counters (ids) and anything computed from what is
   * stored: a plain `get` then `put` loses concurrent updates.
   */
  transact<R>(keys: readonly string[], body: TxnBody<R>): Promise<R>;
}

/** A monotonically increasing count. */
export interface Counter {
  inc(n?: number): void;
  readonly value: number;
}

/** A distribution of observed values in fixed buckets. */
export interface Histogram {
  observe(v: number): void;
  readonly count: number;
  readonly sum: number;
}

/** What an app gets: named counters and histograms (names are prefixed with the app's). */
export interface Metrics {
  counter(name: string, help?: string): Counter;
  histogram(name: string, help?: string, buckets?: readonly number[]): Histogram;
}

// ---- apps ---------------------------------------------------------------------------------

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
/** Coalesced topology change (links, hosts), with the new snapshot: the one "topology changed" signal. */
export type TopologyChangedEvent = ControllerEvents['topologyChanged'][0];
/** Cluster mode: this instance became master or slave of a switch. */
export type MastershipChangedEvent = ControllerEvents['mastershipChanged'][0];

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
   * restarted with the new config instead (stop, start: its flows are removed and declared again);
   * so is an app whose hook answers `'restart'` (a change it cannot take live).
   */
  reconfigure?(config: C): void | 'restart' | Promise<void | 'restart'>;
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
  /**
   * Cluster mode: this instance became master (or slave) of a switch. What the flow service does
   * not keep (groups, meters) is set up here by a new master; the flow service reconciles flows.
   */
  onMastershipChanged?(e: MastershipChangedEvent): MaybeAsync;
}

/** An app object, or a function making a fresh one (preferred: each enable gets clean state). */
export type AppDefinition = App<object> | (() => App<object>);

/** Everything an app may use. */
export interface AppContext<C extends object = Record<string, never>> {
  readonly name: string;
  /** The app's settings: its schema's defaults overlaid with `apps.settings.<name>`. */
  readonly config: Readonly<C>;
  readonly log: Logger;
  /** The connected switches, read only. */
  readonly devices: DeviceService;
  readonly topology: TopologyService | undefined;
  readonly hosts: HostService | undefined;
  /** Flows in this app's cookie space; all of them are removed when the app stops. */
  readonly flows: FlowScope;
  /** Groups this app adds; deleted when the app stops. */
  readonly groups: GroupService;
  /** Meters this app adds; deleted when the app stops. */
  readonly meters: MeterService;
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
