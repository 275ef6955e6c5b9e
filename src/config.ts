/**
 * One typed configuration for Signalbox: every core setting (OpenFlow, topology, API, apps
 * framework, flows, cluster) is declared once below with its type, default and doc; the types,
 * `defaultConfig`, validation of files, environment and flags (src/config-file.ts) and
 * docs/configuration.md all come from these declarations (src/core/config-schema.ts).
 */
import { isIP } from 'node:net';
import { parseDpid } from './core/ids.js';
import { bool, defaultsOf, int, list, num, oneOf, optional, record, section, str, any, type ConfigOf, type Issue } from './core/config-schema.js';

/** A duration setting in milliseconds (0 or more). */
const ms = (def: number, doc: string): ReturnType<typeof int> => int({ default: def, min: 0, unit: 'ms', doc });
/** A count (0 or more). */
const count = (def: number, doc: string): ReturnType<typeof int> => int({ default: def, min: 0, doc });

/** `host:port` settings: the message parseHostPort gives, without its prefix. */
function hostPortError(s: string): string | undefined {
  try {
    parseHostPort(s, 'address');
    return undefined;
  } catch (e) {
    return (e as Error).message.replace(/^address: /, '');
  }
}
const hostPort = (doc?: string): ReturnType<typeof str> => str({ check: hostPortError, patternDoc: 'HOST:PORT', ...(doc !== undefined ? { doc } : {}) });

/** Checks an address or CIDR; the message names what is wrong, undefined when it is fine. */
export function addressRangeError(s: string): string | undefined {
  const [addr, prefix, ...rest] = s.split('/');
  const family = isIP(addr ?? '');
  if (family === 0 || rest.length > 0) return `expected an IP address or CIDR (10.0.0.0/24, fd00::/64), got ${JSON.stringify(s)}`;
  if (prefix === undefined) return undefined;
  const n = /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
  if (!(n >= 0 && n <= (family === 4 ? 32 : 128))) return `prefix length must be 0-${family === 4 ? 32 : 128}, got ${JSON.stringify(s)}`;
  return undefined;
}

/** Checks a dpid as the policy takes it; the message names what is wrong. */
export function dpidError(s: string): string | undefined {
  try {
    parseDpid(s);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** The `openflow` section: listeners and session settings. */
export const openflowSchema = section({
  listen: list(hostPort(), { default: ['0.0.0.0:6653'], doc: "Listen addresses `host:port` for plain TCP (6653 is IANA's; add 6633 for old switches)." }),
  tls: section(
    {
      listen: list(hostPort(), { default: ['0.0.0.0:6654'], doc: 'TLS listen addresses; the TLS listener is off unless `key` and `cert` are set.' }),
      key: optional(str({ nonEmpty: true, doc: 'PEM file of the private key.' })),
      cert: optional(str({ nonEmpty: true, doc: 'PEM file of the certificate.' })),
      ca: optional(str({ nonEmpty: true, doc: "PEM file of the CA that signs switches' certificates." })),
      verifyPeer: bool({ default: false, doc: "Require and verify the switch's certificate against `ca`." }),
      requireBinding: bool({
        default: false,
        doc: 'Every TLS switch must be bound: one whose verified certificate subject is listed in no `openflow.dpidPolicy` entry (`subjects`), or that claims a dpid its subject is not bound to, is disconnected before admission (signalbox_openflow_identity_refused_total{reason="certificate"}, logged). Needs `verifyPeer`.',
      }),
    },
    {
      doc: 'TLS listener; off unless `key` and `cert` are set.',
      validate: (t): Issue | undefined => {
        if (t.key !== undefined && t.cert === undefined) return { path: ['cert'], message: 'is required when openflow.tls.key is set' };
        if (t.cert !== undefined && t.key === undefined) return { path: ['key'], message: 'is required when openflow.tls.cert is set' };
        if (t.verifyPeer && t.ca === undefined) return { path: ['ca'], message: 'is required when openflow.tls.verifyPeer is true' };
        if (t.requireBinding && !t.verifyPeer) return { path: ['requireBinding'], message: 'needs openflow.tls.verifyPeer (a subject is bound only once its certificate is verified)' };
        return undefined;
      },
    },
  ),
  versions: list(int({ allowed: [1, 4] }), { default: [4, 1], nonEmpty: true, doc: 'OpenFlow versions we accept, by wire number (4 = 1.3, 1 = 1.0); the highest common one wins.' }),
  handshakeTimeoutMs: ms(10_000, 'A peer that has not finished HELLO → FEATURES → PORT_DESC → DESC by then is dropped.'),
  echoIntervalMs: ms(5_000, 'Send an ECHO_REQUEST this often; 0 turns keepalive off.'),
  echoMaxMisses: count(3, 'Unanswered echo requests after which the switch is taken for dead.'),
  requestTimeoutMs: ms(10_000, 'A request with no reply by then is rejected with a timeout error.'),
  directRead: bool({
    default: true,
    doc: 'Read plain-TCP switch connections straight from the socket handle into slabs of its own (no stream layer, no buffer allocation per read); TLS connections always use the stream. false = the stream path for all.',
  }),
  batchIo: bool({
    default: true,
    doc: 'Read and write plain-TCP switch connections through the batched I/O module built at install (native/batch_io.c): each socket ready in a turn is read in C as the event loop reports it, JavaScript is entered once for all of them, and the writes of a turn go to the kernel together (io_uring where the kernel has it). Where the module was not built (no compiler, not Linux) directRead applies. TLS connections always use the stream.',
  }),
  lazyConfirmMs: ms(50, 'Flow mods the flow service sends without anyone waiting (an app answering a packet-in) are confirmed by one barrier at most this long after the first of them (or after 256 of them), not a barrier each; 0 = a barrier in the same write.'),
  missSendLen: int({ default: 0xffff, min: 0, max: 0xffff, unit: 'bytes', doc: 'SET_CONFIG miss_send_len: 0xffff sends whole packets and asks the switch not to buffer.' }),
  maxMessageLen: int({ default: 0xffff, min: 8, max: 0xffff, unit: 'bytes', doc: 'Largest message length a peer may declare before the session is closed.' }),
  maxOutboundBytes: int({ default: 16 * 1024 * 1024, min: 0, unit: 'bytes', doc: 'Bytes waiting for a slow switch beyond which it is disconnected (aedes-style bound).' }),
  drainTimeoutMs: ms(30_000, 'A switch whose socket stays full this long is disconnected.'),
  duplicateProbeMs: ms(2_000, 'How long a live session gets to answer an echo when another connection claims its dpid.'),
  maxPortsPerSwitch: int({ default: 4096, min: 1, doc: 'Ports kept per switch; a switch announcing more gets the rest ignored (counted in signalbox_openflow_refused_total, logged once).' }),
  maxMultipartBytes: int({ default: 64 * 1024 * 1024, min: 1024, unit: 'bytes', doc: 'A multipart reply (flow dump, port list...) larger than this in all is abandoned.' }),
  packetInRatePps: int({
    default: 2000,
    min: 0,
    unit: 'packets/s',
    doc: "PACKET_INs per second taken from one switch (a token bucket, besides the `packetin-meter` app's meter on the switch); beyond it they are dropped before decoding, counted in signalbox_openflow_refused_total{what=\"packet_in\"}. LLDP has its own rate. 0 = no limit.",
  }),
  packetInBurst: int({ default: 1000, min: 1, unit: 'packets', doc: 'PACKET_INs one switch may send at once above `packetInRatePps`.' }),
  lldpPacketInRatePps: int({
    default: 5000,
    min: 0,
    unit: 'packets/s',
    doc: 'LLDP PACKET_INs per second (and at once) taken from one switch, apart from the others so a packet-in flood never starves link discovery; beyond it they are dropped, counted as `what="lldp_packet_in"`. 0 = no limit.',
  }),
  maxMultipartParts: int({ default: 16_384, min: 1, doc: 'A multipart reply in more parts than this is abandoned.' }),
  dpidPolicy: list(
    section({
      dpid: str({ nonEmpty: true, check: dpidError, patternDoc: 'a datapath id (16 hex digits)', doc: 'The pinned datapath id.' }),
      addresses: list(str({ check: addressRangeError, patternDoc: 'IP or CIDR' }), { default: [], doc: 'Source addresses or CIDRs it may connect from; empty = any.' }),
      subjects: list(str({ nonEmpty: true }), { default: [], doc: "Certificate subject CNs that may claim it (TLS with `verifyPeer`); empty = no certificate needed. A subject listed here may claim only the dpids that list it." }),
    }),
    {
      default: [],
      doc: 'Pinned datapath ids (docs/security.md): a switch claiming one from an address outside its `addresses`, or without a verified certificate whose subject CN is in its `subjects`, is disconnected before admission, counted in signalbox_openflow_identity_refused_total{reason} and logged. Dpids not listed are admitted as before.',
    },
  ),
  logLinesPerSecond: count(10, 'Log lines one switch session (or the TLS listener) may cause per second about what a peer sent (undecodable messages, errors during the handshake...); beyond it they are dropped, counted in signalbox_log_lines_suppressed_total, and one `suppressed N messages` line follows at the end of the second. 0 = no limit.'),
  // Connection admission (src/openflow/connection-limits.ts): a refused connection is closed before a byte is read.
  maxConnections: count(10_000, 'OpenFlow connections open at once (TCP and TLS, any state); a connection beyond it is closed at once, counted in signalbox_openflow_connections_refused_total{reason="connections"} and logged once. 0 = no limit.'),
  maxConnectionsPerAddress: count(1_024, 'OpenFlow connections open at once from one source address; beyond it `reason="connections_per_address"`. 0 = no limit.'),
  maxHandshakes: count(1_024, 'Connections still in their handshake (TLS, then HELLO to DESC) at once; beyond it `reason="handshakes"`, so slow or silent peers cannot hold every slot. 0 = no limit.'),
  maxHandshakesPerAddress: count(128, 'Connections still in their handshake at once from one source address; beyond it `reason="handshakes_per_address"`. 0 = no limit.'),
  maxMessagesPerTurn: int({
    // A new port (decode, port map, topology, apps) costs 20-100 us of CPU: 256 of them is a few ms.
    default: 256,
    min: 1,
    unit: 'messages',
    doc: "Messages one switch's session decodes and handles before it yields the event loop to the other switches, LLDP and the API; the rest of its input waits for the next turn (its socket is paused meanwhile, so TCP slows the switch down). Echo and LLDP messages in the same read go first.",
  }),
  maxBytesPerTurn: int({ default: 64 * 1024, min: 1024, unit: 'bytes', doc: 'Bytes of messages one session decodes and handles before it yields the event loop (as `maxMessagesPerTurn`, for large messages such as multipart parts).' }),
}, { doc: 'OpenFlow listener and session settings.' });

/** The `topology` section: LLDP link discovery, host tracking, graph and paths (src/topology). */
export const topologySchema = section({
  probeIntervalMs: ms(1_000, 'Every live port of every switch gets one signed LLDP probe this often; switches are spread over the interval.'),
  maxMissedProbes: count(3, 'A link not confirmed by a probe for this many intervals is removed.'),
  maxProbeDelayMs: ms(1_000, 'A probe that took longer than this from signing to reception is dropped as stale (and counted as forged).'),
  probeTickMs: ms(25, 'How often the probe timer runs; probes due in between go out together.'),
  maxProbesPerTick: int({ default: 256, min: 1, unit: 'probes', doc: 'LLDP probes sent per probe tick at most, so a switch with thousands of ports does not stall the controller: the rest go out on the next ticks, switches served in turn.' }),
  lldpFlowPriority: int({
    default: 65_000,
    min: 0,
    max: 0xffff,
    doc: "Priority of the reserved LLDP-to-controller flow; above any app's. The flow service keeps it like any owner's flow: restored on FLOW_REMOVED, checked every `flows.reconcileIntervalMs`.",
  }),
  hostIdleTimeoutMs: ms(300_000, 'A host not seen for this long is removed.'),
  maxAddressesPerHost: int({ default: 8, min: 0, max: 256, doc: 'IPv4 plus IPv6 addresses kept per host; the least recently seen go first (a host\'s list is searched in full when it shows an address).' }),
  maxHostsPerPort: int({ default: 1024, min: 1, doc: 'Hosts learned at one switch port; beyond it new hosts (a MAC flood) are counted, not learned.' }),
  maxHostsPerSwitch: int({ default: 16_384, min: 1, doc: 'Hosts learned on one switch; beyond it new hosts are counted, not learned.' }),
  maxHosts: int({ default: 200_000, min: 1, doc: 'Hosts learned in all; beyond it new hosts are counted, not learned.' }),
  hostLearnRatePerPort: int({ default: 100, min: 1, unit: 'hosts/s', doc: 'New hosts and host moves learned per second at one switch port (as many at once); beyond it they are counted in signalbox_hosts_refused_total, not learned: a MAC flood costs a bounded number of host events.' }),
  hostLearnRatePerSwitch: int({ default: 1000, min: 1, unit: 'hosts/s', doc: 'New hosts and host moves learned per second on one switch (as many at once); beyond it they are counted, not learned.' }),
  changeCoalesceMs: ms(20, 'Changes within this window are announced in one topologyChanged event.'),
  defaultLinkWeight: num({ default: 1, above: 0, doc: 'Weight of a link for weighted paths, unless overridden in `linkWeights`.' }),
  linkWeights: record(num({ above: 0 }), {
    default: {},
    keyPattern: /^[0-9a-f]{16}:[0-9]+$/,
    keyDoc: "the link's source as 16 hex digits, a colon and the port (0000000000000001:2)",
    doc: "Per-link weights, keyed by the link's source `dpidHex:port` (e.g. `0000000000000001:2`).",
  }),
}, { doc: 'Topology layer: LLDP link discovery, host tracking, graph and paths.' });

/** The `api` section: the northbound API (REST, WebSocket events, /metrics). */
export const apiSchema = section({
  listen: str({ default: '127.0.0.1:8080', nonEmpty: true, check: hostPortError, patternDoc: 'HOST:PORT', doc: '`host:port` to listen on. With no token configured the API binds to 127.0.0.1 whatever this says.' }),
  tokens: list(
    section({
      name: str({ nonEmpty: true, doc: 'Shown in logs and audit lines instead of the token.' }),
      token: str({ minLength: 16, secret: true, doc: 'The secret a client sends as `Authorization: Bearer <token>`; at least 16 characters.' }),
      scope: oneOf(['read', 'admin'], { doc: '`read` may GET, `admin` may also change things.' }),
    }),
    { default: [], uniqueBy: 'name', doc: 'Bearer tokens `{name, token, scope}`; empty = no authentication, localhost only.' },
  ),
  corsOrigins: list(str(), {
    default: [],
    doc: "Origins allowed by CORS (`*` for any); empty = no CORS headers. Browser pages of these origins (and of the API's own) may also write and open the event stream; others get 403.",
  }),
  allowedHosts: list(str(), {
    default: [],
    doc: "Host names clients may use in the `Host` header (`*` for any), besides the loopback names, the listen host and, when listening on every interface, this machine's name and addresses. A request naming another host is refused (403): that is how DNS rebinding reaches a local API.",
  }),
  bodyLimitBytes: int({ default: 1024 * 1024, min: 1024, unit: 'bytes', doc: 'Largest request body accepted (413 beyond).' }),
  maxEventStreams: int({ default: 256, min: 0, doc: 'WebSocket event streams (/api/v1/events) open at once; one more is refused with 503 and Retry-After (code `event_streams_full`), counted in signalbox_api_event_streams_refused_total, logged once. 0 = no limit.' }),
  eventsMaxBufferedBytes: int({ default: 8 * 1024 * 1024, min: 1024, unit: 'bytes', doc: 'Bytes queued for one event stream client beyond which it is too slow and is closed (1013, counted in signalbox_api_event_streams_refused_total{reason="too_slow"}).' }),
  eventsHeartbeatMs: ms(15_000, 'WebSocket event streams get a heartbeat message this often; 0 turns it off.'),
  docs: bool({ default: true, doc: 'Serve the OpenAPI document at /openapi.json and interactive docs at /docs.' }),
}, { doc: 'Northbound API: listen address, tokens, CORS, limits.' });

/** The `apps` section: the app framework. */
export const appsSchema = section({
  // Topology-aware forwarding and proxy ARP, and the packet-in meter (a MAC flood must not storm
  // the controller). l2-learning is the alternative to forwarding (both own the table-miss flow,
  // so enable one of them); see src/apps/registry.ts for the rest.
  enabled: list(str(), { default: ['forwarding', 'proxy-arp', 'packetin-meter'], doc: 'Apps to run at start, by name (built-ins and those the modules below provide).' }),
  modules: list(str(), {
    default: [],
    doc: 'External app modules: an npm package name, or a path to a file (relative to the working directory) whose default export (or `app` / `apps` export) is an App, a function making one, or a list of those.',
  }),
  settings: record(record(any(), { mergeKeys: true }), {
    default: {},
    mergeKeys: true,
    keyDoc: 'app names',
    doc: "Per-app settings by app name, checked against the app's schema at start (see the apps' sections below); later sources override them key by key.",
  }),
  maxFailures: count(5, 'An app failing this many times within `failureWindowMs` is stopped and its flows removed.'),
  failureWindowMs: ms(60_000, 'The window of `maxFailures`.'),
}, { doc: 'The app framework: which apps run, external app modules, per-app settings.' });

/** The `flows` section: the flow rule service. */
export const flowsSchema = section({
  reconcileIntervalMs: ms(30_000, 'Reconcile every switch this often; 0 turns periodic reconciliation off (reconnects still reconcile).'),
  reconcileOnConnect: bool({ default: true, doc: 'Reconcile a switch as soon as it connects, before any desired flow is sent to it.' }),
  foreignFlows: oneOf(['keep', 'delete'], {
    default: 'keep',
    doc: "Flows whose cookie belongs to no owner of this service (another controller, an operator's `ovs-ofctl add-flow` with its own cookie): left alone (`keep`) unless set to `delete`.",
  }),
  staleReactiveFlows: oneOf(['adopt', 'delete'], {
    default: 'adopt',
    doc: 'A flow in our cookie space with an idle or hard timeout that we do not track (typically learned flows that survived a controller restart): `adopt` tracks it as installed until it expires, so a restart costs no flow mods; `delete` removes it.',
  }),
  batchSize: count(1000, 'Flow mods sent before waiting for their barrier; bounds the bytes queued for one switch.'),
  sendFlowRemoved: bool({ default: true, doc: 'Ask the switch for FLOW_REMOVED on every flow we install (OFPFF_SEND_FLOW_REM), so expiries and foreign deletes are seen.' }),
  restoreDeleted: bool({ default: true, doc: 'A flow removed by someone else (FLOW_REMOVED reason DELETE) that we still want is put back at once.' }),
  extraOwnedIds: list(int(), {
    default: [],
    doc: 'Owner ids (top 16 cookie bits) this service treats as its own besides the owners that registered a scope, e.g. apps that are configured off but whose old flows should be cleaned.',
  }),
  ownerIds: record(int({ min: 0 }), { default: {}, keyDoc: 'owner names', doc: 'Fixed owner ids by owner name, overriding the id derived from the name (to settle a hash collision).' }),
}, { doc: 'The flow rule service: reconciliation and ownership policies.' });

/** The `cluster` section: etcd membership, one master per switch, shared store. */
export const clusterSchema = section({
  etcd: section({
    endpoints: list(str({ pattern: /^https?:\/\/[^/\s]+\/?$/, patternDoc: 'http(s)://host:port' }), { default: [], doc: 'etcd client URLs (`http://10.0.0.5:2379`); empty = standalone (no etcd needed).' }),
    prefix: str({ default: 'signalbox/', pattern: /\/$/, patternDoc: "a prefix ending with '/'", doc: 'Prefix of every key this cluster writes, so several clusters can share one etcd.' }),
    requestTimeoutMs: ms(1_000, 'Limit of one etcd request (keepalive, claim, store operation).'),
  }, { doc: 'The etcd cluster; standalone while `endpoints` is empty.' }),
  instanceId: str({ default: '', pattern: /^[A-Za-z0-9._-]{0,64}$/, patternDoc: '1-64 of A-Z a-z 0-9 . _ -', doc: "This instance's name in the cluster; empty = a random one at each start." }),
  // An instance that stops renewing for this long loses its switches; it demotes itself
  // demoteMarginMs earlier, so two masters never write to one switch.
  leaseTtlSec: int({ default: 3, min: 2, unit: 's', doc: 'Lease TTL: an instance that stops renewing for this long is gone and its switches get new masters (etcd refuses leases under 2 s).' }),
  demoteMarginMs: int({ default: 1_000, min: 1, unit: 'ms', doc: 'The instance gives up mastership when its last good keepalive is older than the TTL minus this.' }),
  keepaliveIntervalMs: int({ default: 500, min: 1, unit: 'ms', doc: 'How often the lease is renewed; at least two keepalives must fit before the demotion deadline.' }),
  advertise: section({
    api: str({ default: '', doc: "Northbound API `host:port`; empty = the API's listen address." }),
    openflow: str({ default: '', doc: 'OpenFlow `host:port` switches use for this instance; empty = the first OpenFlow listener.' }),
  }, { doc: 'Addresses other instances and tools may use to reach this one (shown in cluster status).' }),
  topologyPublishMs: ms(50, 'Local links and hosts are published to etcd at most this often (changes are batched).'),
  topologyGraceMs: ms(
    6_000,
    'How long the merged topology keeps a link whose probes stopped because their sender may have died, and the entries of an instance whose lease expired: long enough for the new masters to probe again, so a failover does not change the broadcast tree. A port going down still removes at once.',
  ),
  // A flapping instance (paused, restarted, cut off now and then) must not pull switches back and
  // forth: it gets mastership again only after it has stayed up this long.
  holdDownMs: ms(10_000, 'An instance that left the cluster (lease lost, stopped, restarted) is given switches again only after it has been back and healthy this long; switches no other instance can master are exempt.'),
}, {
  doc: 'Cluster mode (etcd membership, one master per switch, shared store); standalone while `cluster.etcd.endpoints` is empty.',
  validate: (c): Issue | undefined => {
    if (c.demoteMarginMs >= c.leaseTtlSec * 1000) return { path: ['demoteMarginMs'], message: `must be below the lease TTL (leaseTtlSec ${c.leaseTtlSec} s), got ${c.demoteMarginMs}` };
    if (c.keepaliveIntervalMs * 2 > c.leaseTtlSec * 1000 - c.demoteMarginMs) {
      return { path: ['keepaliveIntervalMs'], message: `at least two keepalives must fit before the demotion deadline (leaseTtlSec × 1000 − demoteMarginMs = ${c.leaseTtlSec * 1000 - c.demoteMarginMs} ms), got ${c.keepaliveIntervalMs}` };
    }
    return undefined;
  },
});

/** Every core setting. */
export const configSchema = section({
  openflow: openflowSchema,
  topology: topologySchema,
  api: apiSchema,
  dataDir: str({ default: './data', nonEmpty: true, doc: 'Data directory (LevelDB store).' }),
  apps: appsSchema,
  flows: flowsSchema,
  cluster: clusterSchema,
  // The network as code (docs/config-as-code.md): checked by its own schema (src/apps/network) at start.
  network: optional(any({ doc: 'The network as code (docs/config-as-code.md): static flows, ACL rules, router gateways and routes, per-app settings, which apps run. Checked at start; re-read from the config file on SIGHUP and POST /api/v1/config/reload.' })),
  networkFile: optional(str({ nonEmpty: true, doc: 'A separate network config file (YAML or JSON; its `network:` section or the whole file), instead of the `network` section; re-read on SIGHUP and POST /api/v1/config/reload.' })),
  logLevel: oneOf<string>(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], { default: 'info', doc: 'pino log level.' }),
  logFormat: oneOf(['auto', 'json', 'pretty'], { default: 'auto', doc: 'Log lines: `json` (one JSON object a line, for collectors), `pretty` (one readable line per event), `auto` (pretty when stderr is a terminal, else JSON).' }),
});

/** The whole configuration. */
export type Config = ConfigOf<typeof configSchema>;
/** OpenFlow listener and session settings. */
export type OpenFlowConfig = Config['openflow'];
/** Topology layer settings. */
export type TopologyConfig = Config['topology'];
/** Northbound API settings. */
export type ApiConfig = Config['api'];
/** A bearer token of the northbound API: `read` may GET, `admin` may also change things. */
export type ApiToken = ApiConfig['tokens'][number];
/** App framework settings. */
export type AppsConfig = Config['apps'];
/** Flow rule service settings. */
export type FlowsConfig = Config['flows'];
/** What reconciliation does with a flow on a switch that nobody here wants. */
export type ForeignFlowPolicy = FlowsConfig['foreignFlows'];
/** What reconciliation does with a reactive flow (one with a timeout) of ours that we no longer track. */
export type StaleReactivePolicy = FlowsConfig['staleReactiveFlows'];
/** The `cluster` section. Without `etcd.endpoints` the controller runs standalone. */
export type ClusterConfig = Config['cluster'];

/** Every default, from the declarations above. */
export const defaultConfig: Config = defaultsOf(configSchema);

/** Splits `host:port` (IPv6 as `[::1]:6653`); throws RangeError naming the bad value. */
export function parseHostPort(s: string, what = 'address'): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(s);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new RangeError(`${what}: expected HOST:PORT, got ${JSON.stringify(s)}`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}
