/**
 * What the API needs from the rest of the controller: the device view and the switch-admin
 * service (core/services.ts), the event bus, and optional services (topology, apps, static flows,
 * ACL rules, routes, cluster) as narrow interfaces over the core model. A route whose service is
 * absent answers 503 `service_unavailable`.
 */
import type { EventBus } from '../core/events.js';
import type { FlowSpec, TopologySnapshot } from '../core/model.js';
import type { DeviceService, SwitchAdminService } from '../core/services.js';
import type { Store } from '../store/index.js';
import type { ControllerMetrics, DiscoveryCounters, FlowServiceCounters, OpenFlowConnectionCounters } from './metrics.js';
import type { ReadinessCheck } from './readiness.js';

/** What the topology routes read of a snapshot (src/topology's and the cluster's merged view fit). */
export type ApiTopologySnapshot = Pick<TopologySnapshot, 'version' | 'switches' | 'links' | 'hosts' | 'kShortestPaths'>;

/** Listener registration as an EventEmitter has it. */
export interface EventSourceLike {
  on(event: string, listener: (payload: unknown) => void): unknown;
  off(event: string, listener: (payload: unknown) => void): unknown;
}

/** The topology service (src/topology's TopologyService fits as it is). */
export interface TopologyApi extends Partial<EventSourceLike> {
  snapshot(): ApiTopologySnapshot;
  /**
   * The version now, bumped before each change's event is emitted (the event stream stamps events
   * with it so a client can join them to a snapshot); absent when the service keeps none.
   */
  readonly currentVersion?: number;
  /** Cumulative discovery counters for /metrics, when the service runs in this process. */
  readonly counters?: DiscoveryCounters;
}

/** An app as listed: at least a name and a state (everything else it has is shown as is). */
export interface ApiAppStatus {
  readonly name: string;
  readonly state: string;
}

/** The app manager (src/apps' AppManager fits for list/status/enable/disable; config needs an adapter). */
export interface AppsApi {
  list(): readonly ApiAppStatus[];
  status(name: string): ApiAppStatus | undefined;
  enable(name: string): Promise<ApiAppStatus>;
  disable(name: string): Promise<ApiAppStatus>;
  /** The app's effective config. */
  getConfig?(name: string): unknown;
  /** The app's stored override alone (`{}` when none): what `PUT .../config` last stored. */
  getOverride?(name: string): unknown;
  /**
   * Validates, stores and applies a new config; resolves with the effective config. Throws an
   * error with `code: 'invalid_input'` and `field` for bad settings.
   */
  setConfig?(name: string, config: unknown): Promise<unknown>;
  /** Drops the stored override (back to the config file's settings) and applies that; resolves with the effective config. */
  resetConfig?(name: string): Promise<unknown>;
}

/** A stored resource (static flow, ACL rule, route): an object with a string id (its other fields are shown as they are). */
export interface ApiResource {
  readonly id: string;
}

/**
 * A collection the API can list, read, create, replace and delete. The service validates bodies:
 * it throws an error with `code` `invalid_input` (and `field`), `not_found` or `conflict`.
 */
export interface ResourceApi {
  list(): readonly ApiResource[] | Promise<readonly ApiResource[]>;
  get(id: string): ApiResource | undefined | Promise<ApiResource | undefined>;
  create(body: unknown): Promise<ApiResource>;
  replace(id: string, body: unknown): Promise<ApiResource>;
  /** Resolves true when it existed. */
  remove(id: string): Promise<boolean>;
}

/** Where a switch's writes go in a cluster: the instance that masters it and its API address. */
export interface MasterApi {
  readonly instanceId: string;
  /** `host:port` of that instance's API. */
  readonly api: string;
}

/** Cluster membership and mastership (the ClusterService in cluster mode; absent standalone). */
export interface ClusterApi {
  status(): unknown | Promise<unknown>;
  /**
   * The master of a switch when it is another live instance, else undefined (this instance
   * masters it, or nobody does during a failover): writes under /switches/:dpid are forwarded there.
   */
  masterApiFor(dpid: bigint): MasterApi | undefined;
  /** `statusChanged`: what `status()` answers changed (coalesced, no payload); streamed as `clusterChanged`. */
  on?(event: 'statusChanged', listener: () => void): unknown;
  off?(event: 'statusChanged', listener: () => void): unknown;
}

/** The flow service as the packet trace reads it (src/flows' FlowService fits): desired flows, and the owner of a cookie. */
export interface TraceFlowsApi {
  /** Every desired flow of a switch, with its owner and flow mod. */
  flows(dpid: bigint): readonly { readonly owner: string; readonly spec: FlowSpec }[];
  /** The app (owner) a cookie belongs to, or undefined. */
  ownerOfCookie(cookie: bigint): string | undefined;
}

/** One issue of a network config file. */
export interface ApiNetworkIssue {
  readonly path: string;
  readonly line?: number;
  readonly message: string;
}

/**
 * The network config service (src/apps/network/service.ts fits): check, diff, apply, reload.
 * diff/apply/reload throw an error with `issues` (every NetworkIssue) for a file that does not check.
 */
export interface NetworkConfigApi {
  /** The applied config (file, appliedAt, network), or undefined. */
  status(): unknown;
  check(src: { readonly text: string; readonly file: string }): readonly ApiNetworkIssue[];
  diff(src: { readonly text: string; readonly file: string }): unknown;
  apply(src: { readonly text: string; readonly file: string }): Promise<unknown>;
  reload(): Promise<unknown>;
  /** The file when the applied config declares which apps run (enable/disable through the API are refused), else undefined. */
  declaresApps(): string | undefined;
}

/** Everything the API works with. Only `bus`, `devices` and `admin` are required. */
export interface ApiContext {
  readonly bus: EventBus;
  /** The connected switches, read only. */
  readonly devices: DeviceService;
  /** Writes and stats reads, through the mastership gate (src/openflow/switch-admin.ts). */
  readonly admin: SwitchAdminService;
  readonly topology?: TopologyApi;
  readonly apps?: AppsApi;
  readonly staticFlows?: ResourceApi;
  readonly aclRules?: ResourceApi;
  readonly routes?: ResourceApi;
  /** The network config (config as code). */
  readonly networkConfig?: NetworkConfigApi;
  readonly cluster?: ClusterApi;
  readonly store?: Store;
  /** Metrics; startApi creates them when absent. */
  readonly metrics?: ControllerMetrics;
  /** Readiness beyond "the API is up" (e.g. OpenFlow listeners bound, apps started). Default ready. */
  readonly ready?: () => boolean;
  /** Named readiness checks (store open, OpenFlow bound, cluster registered): /readyz is 503 naming those that fail. */
  readonly readiness?: () => readonly ReadinessCheck[];
  /** This instance's id (cluster status, logs). */
  readonly instanceId?: string;
  /** The OpenFlow listeners' admission counters for /metrics (connections open, in handshake, refused by reason), when they run here. */
  readonly connectionCounters?: () => OpenFlowConnectionCounters | undefined;
  /** The flow service's cumulative counters for /metrics (reconciliation results, flow mods sent), when it runs. */
  readonly flowCounters?: () => FlowServiceCounters | undefined;
  /** The flow service for the packet trace (`source: desired`, owners of cookies); without it only `live` traces run, owners unnamed. */
  readonly flows?: TraceFlowsApi;
  /** Owner name → cookie and mask of its flows, for `?owner=` filters (src/flows/cookie.ts). */
  readonly ownerCookie?: (owner: string) => { readonly cookie: bigint; readonly mask: bigint };
}
