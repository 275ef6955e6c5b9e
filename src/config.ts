/** One typed configuration for Signalbox: every default lives in `defaultConfig`, documented here. */
import type { ClusterConfig } from './cluster/config.js';

/** OpenFlow listener and session settings. */
export interface OpenFlowConfig {
  /** Listen addresses `host:port` for plain TCP (6653 is IANA's; add 6633 for old switches). */
  readonly listen: readonly string[];
  /** TLS listener; off unless `key` and `cert` are set. */
  readonly tls: {
    readonly listen: readonly string[];
    /** PEM file paths. */
    readonly key?: string;
    readonly cert?: string;
    readonly ca?: string;
    /** Require and verify the switch's certificate against `ca`. */
    readonly verifyPeer: boolean;
  };
  /** OpenFlow versions we accept, by wire number (4 = 1.3, 1 = 1.0); the highest common one wins. */
  readonly versions: readonly number[];
  /** A peer that has not finished HELLO → FEATURES → PORT_DESC → DESC by then is dropped. */
  readonly handshakeTimeoutMs: number;
  /** Send an ECHO_REQUEST this often; 0 turns keepalive off. */
  readonly echoIntervalMs: number;
  /** Unanswered echo requests after which the switch is taken for dead. */
  readonly echoMaxMisses: number;
  /** A request with no reply by then is rejected with a timeout error. */
  readonly requestTimeoutMs: number;
  /** SET_CONFIG miss_send_len: 0xffff sends whole packets and asks the switch not to buffer. */
  readonly missSendLen: number;
  /** Largest message length a peer may declare before the session is closed. */
  readonly maxMessageLen: number;
  /** Bytes waiting for a slow switch beyond which it is disconnected (aedes-style bound). */
  readonly maxOutboundBytes: number;
  /** A switch whose socket stays full this long is disconnected. */
  readonly drainTimeoutMs: number;
  /** How long a live session gets to answer an echo when another connection claims its dpid. */
  readonly duplicateProbeMs: number;
}

/** Topology layer: LLDP link discovery, host tracking, graph and paths (src/topology). */
export interface TopologyConfig {
  /** Every live port of every switch gets one signed LLDP probe this often; switches are spread over the interval. */
  readonly probeIntervalMs: number;
  /** A link not confirmed by a probe for this many intervals is removed. */
  readonly maxMissedProbes: number;
  /** A probe that took longer than this from signing to reception is dropped as stale (and counted as forged). */
  readonly maxProbeDelayMs: number;
  /** How often the probe timer runs; probes due in between go out together. */
  readonly probeTickMs: number;
  /** Priority of the reserved LLDP-to-controller flow; above any app's. */
  readonly lldpFlowPriority: number;
  /** How often each switch is asked whether the LLDP flow is still there (it is also restored on FLOW_REMOVED). */
  readonly lldpFlowCheckIntervalMs: number;
  /** A host not seen for this long is removed. */
  readonly hostIdleTimeoutMs: number;
  /** IPv4 plus IPv6 addresses kept per host; the least recently seen go first. */
  readonly maxAddressesPerHost: number;
  /** Changes within this window are announced in one topologyChanged event. */
  readonly changeCoalesceMs: number;
  /** Weight of a link for weighted paths, unless overridden below. Must be > 0. */
  readonly defaultLinkWeight: number;
  /** Per-link weights, keyed by the link's source `dpidHex:port` (e.g. `0000000000000001:2`). */
  readonly linkWeights: Readonly<Record<string, number>>;
}

/** A bearer token of the northbound API: `read` may GET, `admin` may also change things. */
export interface ApiToken {
  /** Shown in logs and audit lines instead of the token. */
  readonly name: string;
  /** The secret a client sends as `Authorization: Bearer <token>`; at least 16 characters. */
  readonly token: string;
  readonly scope: 'read' | 'admin';
}

/**
 * Northbound API (REST, WebSocket events, /metrics). The fields after `listen` were added with the
 * API (issue 6); they are optional in the type so older literal configs still compile, and their
 * defaults are in `defaultConfig.api` below.
 */
export interface ApiConfig {
  /** `host:port` to listen on. With no token configured the API binds to 127.0.0.1 whatever this says. */
  readonly listen: string;
  /** Bearer tokens; empty = no authentication, localhost only. */
  readonly tokens?: readonly ApiToken[];
  /**
   * Origins allowed by CORS (`*` for any); empty = no CORS headers. Browser pages of these
   * origins (and of the API's own) may also write and open the event stream; others get 403.
   */
  readonly corsOrigins?: readonly string[];
  /**
   * Host names clients may use in the `Host` header (`*` for any), besides the loopback names, the
   * listen host and, when listening on every interface, this machine's name and addresses. A
   * request naming another host is refused (403): that is how DNS rebinding reaches a local API.
   */
  readonly allowedHosts?: readonly string[];
  /** Largest request body accepted, in bytes (413 beyond). */
  readonly bodyLimitBytes?: number;
  /** WebSocket event streams get a heartbeat message this often; 0 turns it off. */
  readonly eventsHeartbeatMs?: number;
  /** Serve the OpenAPI document at /openapi.json and interactive docs at /docs. */
  readonly docs?: boolean;
}

/** App framework settings. */
export interface AppsConfig {
  /** Apps to run at start, by name (built-ins and those the modules below provide). */
  readonly enabled: readonly string[];
  /**
   * External app modules: an npm package name, or a path to a file (relative to the working
   * directory) whose default export (or `app` / `apps` export) is an App, a function making one,
   * or a list of those.
   */
  readonly modules: readonly string[];
  /** Per-app settings by app name (checked against the app's schema). */
  readonly settings: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** An app failing this many times within `failureWindowMs` is stopped and its flows removed. */
  readonly maxFailures: number;
  readonly failureWindowMs: number;
}

/** What reconciliation does with a flow on a switch that nobody here wants. */
export type ForeignFlowPolicy = 'keep' | 'delete';

/** What reconciliation does with a reactive flow (one with a timeout) of ours that we no longer track. */
export type StaleReactivePolicy = 'adopt' | 'delete';

/** Flow rule service settings. */
export interface FlowsConfig {
  /** Reconcile every switch this often; 0 turns periodic reconciliation off (reconnects still reconcile). */
  readonly reconcileIntervalMs: number;
  /** Reconcile a switch as soon as it connects, before any desired flow is sent to it. */
  readonly reconcileOnConnect: boolean;
  /**
   * Flows whose cookie belongs to no owner of this service (another controller, an operator's
   * `ovs-ofctl add-flow` with its own cookie): left alone (`keep`) unless set to `delete`.
   */
  readonly foreignFlows: ForeignFlowPolicy;
  /**
   * A flow in our cookie space with an idle or hard timeout that we do not track (typically
   * learned flows that survived a controller restart): `adopt` tracks it as installed until it
   * expires, so a restart costs no flow mods; `delete` removes it.
   */
  readonly staleReactiveFlows: StaleReactivePolicy;
  /** Flow mods sent before waiting for their barrier; bounds the bytes queued for one switch. */
  readonly batchSize: number;
  /** Ask the switch for FLOW_REMOVED on every flow we install (OFPFF_SEND_FLOW_REM), so expiries and foreign deletes are seen. */
  readonly sendFlowRemoved: boolean;
  /** A flow removed by someone else (FLOW_REMOVED reason DELETE) that we still want is put back at once. */
  readonly restoreDeleted: boolean;
  /**
   * Owner ids (top 16 cookie bits) this service treats as its own besides the owners that
   * registered a scope, e.g. apps that are configured off but whose old flows should be cleaned.
   */
  readonly extraOwnedIds: readonly number[];
  /** Fixed owner ids by owner name, overriding the id derived from the name (to settle a hash collision). */
  readonly ownerIds: Readonly<Record<string, number>>;
}

/** The whole configuration. */
export interface Config {
  readonly openflow: OpenFlowConfig;
  readonly topology: TopologyConfig;
  /** Northbound API: listen address, tokens, CORS, limits (see ApiConfig). */
  readonly api: ApiConfig;
  /** Data directory (LevelDB store). */
  readonly dataDir: string;
  /** The app framework: which apps run, external app modules, per-app settings. */
  readonly apps: AppsConfig;
  /** The flow rule service: reconciliation and ownership policies. */
  readonly flows: FlowsConfig;
  /**
   * Cluster mode (etcd membership, one master per switch, shared store); standalone while
   * `cluster.etcd.endpoints` is empty. See src/cluster/config.ts for each setting.
   */
  readonly cluster: ClusterConfig;
  /** pino level. */
  readonly logLevel: string;
}

/** Every default, in one place. */
export const defaultConfig: Config = {
  openflow: {
    listen: ['0.0.0.0:6653'],
    tls: { listen: ['0.0.0.0:6654'], verifyPeer: false },
    versions: [4, 1],
    handshakeTimeoutMs: 10_000,
    echoIntervalMs: 5_000,
    echoMaxMisses: 3,
    requestTimeoutMs: 10_000,
    missSendLen: 0xffff,
    maxMessageLen: 0xffff,
    maxOutboundBytes: 16 * 1024 * 1024,
    drainTimeoutMs: 30_000,
    duplicateProbeMs: 2_000,
  },
  topology: {
    probeIntervalMs: 1_000,
    maxMissedProbes: 3,
    maxProbeDelayMs: 1_000,
    probeTickMs: 25,
    lldpFlowPriority: 65_000,
    lldpFlowCheckIntervalMs: 30_000,
    hostIdleTimeoutMs: 300_000,
    maxAddressesPerHost: 8,
    changeCoalesceMs: 20,
    defaultLinkWeight: 1,
    linkWeights: {},
  },
  api: {
    listen: '127.0.0.1:8080',
    tokens: [],
    corsOrigins: [],
    allowedHosts: [],
    bodyLimitBytes: 1024 * 1024,
    eventsHeartbeatMs: 15_000,
    docs: true,
  },
  dataDir: './data',
  apps: {
    // Topology-aware forwarding and proxy ARP. l2-learning is the alternative to forwarding (both
    // own the table-miss flow, so enable one of them); see src/apps/registry.ts for the rest.
    enabled: ['forwarding', 'proxy-arp'],
    modules: [],
    settings: {},
    maxFailures: 5,
    failureWindowMs: 60_000,
  },
  cluster: {
    // Standalone: no etcd endpoints. With them, instances coordinate through etcd.
    etcd: { endpoints: [], prefix: 'signalbox/', requestTimeoutMs: 1_000 },
    instanceId: '',
    // An instance that stops renewing for this long loses its switches; it demotes itself
    // demoteMarginMs earlier, so two masters never write to one switch.
    leaseTtlSec: 3,
    demoteMarginMs: 1_000,
    keepaliveIntervalMs: 500,
    advertise: { api: '', openflow: '' },
    topologyPublishMs: 50,
    topologyGraceMs: 6_000,
  },
  flows: {
    reconcileIntervalMs: 30_000,
    reconcileOnConnect: true,
    foreignFlows: 'keep',
    staleReactiveFlows: 'adopt',
    batchSize: 1000,
    sendFlowRemoved: true,
    restoreDeleted: true,
    extraOwnedIds: [],
    ownerIds: {},
  },
  logLevel: 'info',
};

/** Splits `host:port` (IPv6 as `[::1]:6653`); throws RangeError naming the bad value. */
export function parseHostPort(s: string, what = 'address'): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(s);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new RangeError(`${what}: expected HOST:PORT, got ${JSON.stringify(s)}`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}
