/**
 * Prometheus metrics (prom-client) on a registry of Signalbox's own: switches, OpenFlow message
 * and error counts, packet-ins and flow mods per switch, topology sizes, reconciliation, per-app
 * handler latency, API requests and process metrics. Other modules add theirs through `registry`
 * or the small `appMetrics()` view the app framework uses.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ControllerEventName, ControllerEvents, EventBus } from '../core/events.js';
import { dpidToHex } from '../core/ids.js';
import { errorNames, messageTypeName } from '../openflow/codec/constants.js';
import type { SwitchCounters } from '../core/model.js';
import type { DeviceService, SwitchView } from '../core/services.js';

/** What the metrics read at scrape time (the API context fits). */
export interface MetricsSource {
  readonly bus: EventBus;
  readonly devices: Pick<DeviceService, 'get' | 'list' | 'size'>;
  /** Topology sizes, when the topology service runs. */
  readonly topologySizes?: () => { switches: number; links: number; hosts: number };
  /** The topology service's cumulative counters (LLDP probes and what was dropped, hosts refused), when it runs here. */
  readonly topologyCounters?: () => DiscoveryCounters | undefined;
  /** The OpenFlow listeners' admission counters, when they run here (src/openflow/connection-limits.ts ConnectionCounters fits). */
  readonly connectionCounters?: () => OpenFlowConnectionCounters | undefined;
  /** The flow service's cumulative counters, when it runs here (src/flows FlowCounters fits). */
  readonly flowCounters?: () => FlowServiceCounters | undefined;
}

/** The parts of the flow service's counters exported: reconciliation outcomes and the flow mods it sent. */
export interface FlowServiceCounters {
  /** Reconciliations that read the switch's table and diffed it. */
  readonly reconciles: number;
  /** Reconciliations that could not read the switch's table. */
  readonly reconcileErrors: number;
  readonly reconcileConfirmed: number;
  readonly reconcileMissing: number;
  readonly reconcileChanged: number;
  readonly reconcileExtraneous: number;
  /** Flow mods sent by reconciliation (0 when the switches were right). */
  readonly reconcileFlowMods: number;
  /** Every FLOW_MOD the flow service sent (installs and deletes). */
  readonly flowModsSent: number;
}

/** OpenFlow connections open and in handshake now, and those refused so far by reason (openflow.maxConnections...). */
export interface OpenFlowConnectionCounters {
  readonly open: number;
  readonly handshaking: number;
  readonly refused: Readonly<Record<string, number>>;
  /** Log lines of the listener dropped over openflow.logLinesPerSecond. */
  readonly logLinesSuppressed?: number;
  /** Switches refused by openflow.dpidPolicy, by reason. */
  readonly identityRefused?: Readonly<Record<string, number>>;
}

/** Mastership roles a switch can be in on this instance (core/model.ts Mastership). */
const ROLES = ['standalone', 'pending', 'master', 'slave'] as const;

/** The parts of the topology service's counters exported (src/topology TopologyCounters fits). */
export interface DiscoveryCounters {
  readonly probesSent: number;
  readonly probesReceived: number;
  /** Probes dropped as not genuine, by reason (unsigned, malformed, bad_signature, stale, replayed, looped, relayed). */
  readonly forged: Readonly<Record<string, number>>;
  readonly unknownSource: number;
  readonly hostsRefused: number;
}

/** A counter and a histogram as the app framework's `Metrics` interface wants them (src/apps/metrics.ts). */
export interface AppMetricsView {
  counter(name: string, help?: string): { inc(n?: number): void; readonly value: number };
  histogram(name: string, help?: string, buckets?: readonly number[]): { observe(v: number): void; readonly count: number; readonly sum: number };
}

const SESSION_FIELDS = ['messagesIn', 'messagesOut', 'bytesIn', 'bytesOut', 'decodeErrors', 'errorsReceived', 'echoMisses', 'portsRefused', 'multipartRefused', 'packetInsDropped', 'lldpPacketInsDropped', 'logLinesSuppressed', 'packetIns'] as const;

/** Latency buckets for handlers and API requests, in seconds (50 µs .. 5 s). */
export const LATENCY_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** The controller's metrics. Create one per controller; `detach()` stops listening to the bus. */
export class ControllerMetrics {
  readonly registry = new Registry();
  readonly switchesConnected: Gauge;
  readonly messages: Counter<'direction' | 'type'>;
  readonly bytes: Counter<'direction'>;
  readonly asyncMessages: Counter<'type'>;
  readonly decodeErrors: Counter;
  readonly echoMisses: Counter;
  /** What a switch sent beyond a bound (`what`: ports, multipart). */
  readonly refused: Counter<'what'>;
  /** OpenFlow connections closed at once by a cap, by reason (connections, connections_per_address, handshakes, handshakes_per_address). */
  readonly connectionsRefused: Counter<'reason'>;
  /** OpenFlow connections open now, by state (open: all of them; handshake: those not ready yet). */
  readonly connections: Gauge<'state'>;
  /** Switches refused by openflow.dpidPolicy (address: from outside its pinned addresses; certificate: no or another verified certificate subject). */
  readonly identityRefused: Counter<'reason'>;
  /** Log lines dropped over openflow.logLinesPerSecond, by source (session: about one switch; listener: failed TLS handshakes). */
  readonly logLinesSuppressed: Counter<'source'>;
  private listenerLogSuppressedSeen = 0;
  readonly errors: Counter<'type' | 'code'>;
  readonly packetIns: Counter<'dpid'>;
  readonly flowMods: Counter<'dpid' | 'source'>;
  readonly switchEvents: Counter<'event'>;
  readonly topology: Gauge<'kind'>;
  readonly lldpProbes: Counter<'result'>;
  readonly hostsRefused: Counter;
  /** Reconciliation runs and their outcome; the flow service increments it (`result`: ok, failed; `action`: added, removed, kept). */
  readonly reconciliations: Counter<'result'>;
  readonly reconciledFlows: Counter<'action'>;
  /** FLOW_MODs the flow service sent, all of them and reconciliation's part. */
  readonly flowServiceFlowMods: Counter<'why'>;
  /** Handler latency per app and event; the app framework observes it. */
  readonly appHandlerSeconds: Histogram<'app' | 'event'>;
  readonly appFailures: Counter<'app'>;
  readonly apiRequests: Counter<'method' | 'route' | 'status'>;
  readonly apiRequestSeconds: Histogram<'method' | 'route'>;
  readonly wsClients: Gauge;
  /** Event streams refused (full: api.maxEventStreams) or closed for being too slow (too_slow: api.eventsMaxBufferedBytes). */
  readonly wsRefused: Counter<'reason'>;
  /** Connected switches by this instance's role for them (standalone outside a cluster). */
  readonly switchRoles: Gauge<'role'>;
  /** Mastership changes on this instance, by the role taken (cluster mode). */
  readonly mastershipChanges: Counter<'role'>;

  /**
   * Last session counters seen per live datapath, to turn them into cumulative counters. Packet-ins
   * come this way too (the session counts them): nothing here runs per packet-in (a labelled inc per
   * packet-in, with the dpid formatted as hex, was a few percent of the controller's CPU under load).
   */
  private readonly lastSeen = new Map<SwitchView, Baseline>();
  private readonly listeners: (() => void)[] = [];
  private readonly appViews = new Map<string, AppMetricsView>();

  constructor(private readonly source: MetricsSource, opts: { processMetrics?: boolean } = {}) {
    const r = this.registry;
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: r, prefix: 'signalbox_' });
    this.switchesConnected = new Gauge({
      name: 'signalbox_switches_connected',
      help: 'Switches with a ready OpenFlow session',
      registers: [r],
      collect: () => {
        this.switchesConnected.set(this.source.devices.size);
        this.flushSessions();
      },
    });
    this.messages = new Counter({ name: 'signalbox_openflow_messages_total', help: 'OpenFlow messages exchanged with switches, by direction and message type', labelNames: ['direction', 'type'], registers: [r] });
    this.bytes = new Counter({ name: 'signalbox_openflow_bytes_total', help: 'OpenFlow bytes exchanged with switches, by direction', labelNames: ['direction'], registers: [r] });
    this.asyncMessages = new Counter({
      name: 'signalbox_openflow_async_messages_total',
      help: 'Asynchronous messages received from switches, by type (per-type counts of every message need the session layer)',
      labelNames: ['type'],
      registers: [r],
      collect: () => this.flushSessions(),
    });
    this.decodeErrors = new Counter({ name: 'signalbox_openflow_decode_errors_total', help: 'Framed messages from switches that failed to decode', registers: [r] });
    this.echoMisses = new Counter({ name: 'signalbox_openflow_echo_misses_total', help: 'Echo requests a switch did not answer in time', registers: [r] });
    this.refused = new Counter({ name: 'signalbox_openflow_refused_total', help: 'What switches sent beyond a bound: ports over openflow.maxPortsPerSwitch, multipart replies over maxMultipartBytes/Parts, packet-ins over packetInRatePps (packet_in) or lldpPacketInRatePps (lldp_packet_in)', labelNames: ['what'], registers: [r] });
    const conns = (): OpenFlowConnectionCounters | undefined => this.source.connectionCounters?.();
    this.connectionsRefused = new Counter({
      name: 'signalbox_openflow_connections_refused_total',
      help: 'OpenFlow connections closed at once, by reason: connections (openflow.maxConnections), connections_per_address (maxConnectionsPerAddress), handshakes (maxHandshakes), handshakes_per_address (maxHandshakesPerAddress)',
      labelNames: ['reason'],
      registers: [r],
      collect: () => {
        const c = conns();
        if (!c) return;
        this.connectionsRefused.reset();
        for (const [reason, n] of Object.entries(c.refused)) this.connectionsRefused.inc({ reason }, n);
      },
    });
    this.logLinesSuppressed = new Counter({
      name: 'signalbox_log_lines_suppressed_total',
      help: 'Log lines about what peers sent dropped over openflow.logLinesPerSecond (a "suppressed N messages" line stands for them), by source: session (one switch connection), listener (failed TLS handshakes)',
      labelNames: ['source'],
      registers: [r],
      collect: () => {
        // Sessions add their growth when scraped (flushSessions); the listener's count is cumulative.
        const n = conns()?.logLinesSuppressed ?? 0;
        if (n > this.listenerLogSuppressedSeen) this.logLinesSuppressed.inc({ source: 'listener' }, n - this.listenerLogSuppressedSeen);
        this.listenerLogSuppressedSeen = Math.max(this.listenerLogSuppressedSeen, n);
      },
    });
    this.identityRefused = new Counter({
      name: 'signalbox_openflow_identity_refused_total',
      help: 'Switches disconnected before admission by openflow.dpidPolicy, by reason: address (a pinned dpid claimed from outside its addresses), certificate (without a verified certificate subject bound to that dpid, or with one bound to another)',
      labelNames: ['reason'],
      registers: [r],
      collect: () => {
        const c = conns();
        if (!c?.identityRefused) return;
        this.identityRefused.reset();
        for (const [reason, n] of Object.entries(c.identityRefused)) this.identityRefused.inc({ reason }, n);
      },
    });
    this.connections = new Gauge({
      name: 'signalbox_openflow_connections',
      help: 'OpenFlow connections now: open (all of them, any state) and handshake (not ready yet)',
      labelNames: ['state'],
      registers: [r],
      collect: () => {
        const c = conns();
        if (!c) return;
        this.connections.set({ state: 'open' }, c.open);
        this.connections.set({ state: 'handshake' }, c.handshaking);
      },
    });
    this.errors = new Counter({ name: 'signalbox_openflow_errors_total', help: 'OFPT_ERROR messages received, by type and code name', labelNames: ['type', 'code'], registers: [r] });
    this.packetIns = new Counter({ name: 'signalbox_packet_ins_total', help: 'PACKET_IN messages per switch', labelNames: ['dpid'], registers: [r], collect: () => this.flushSessions() });
    this.flowMods = new Counter({ name: 'signalbox_flow_mods_total', help: 'FLOW_MOD messages sent per switch, by who sent them (api, flows)', labelNames: ['dpid', 'source'], registers: [r] });
    this.switchEvents = new Counter({ name: 'signalbox_switch_events_total', help: 'Switch connections and disconnections', labelNames: ['event'], registers: [r] });
    this.topology = new Gauge({
      name: 'signalbox_topology_size',
      help: 'Switches, links (one per direction) and hosts the topology knows',
      labelNames: ['kind'],
      registers: [r],
      collect: () => {
        const s = this.source.topologySizes?.();
        if (!s) return;
        this.topology.set({ kind: 'switches' }, s.switches);
        this.topology.set({ kind: 'links' }, s.links);
        this.topology.set({ kind: 'hosts' }, s.hosts);
      },
    });
    // The topology service keeps cumulative counts: each scrape sets the counters to them.
    const topo = (): DiscoveryCounters | undefined => this.source.topologyCounters?.();
    this.lldpProbes = new Counter({
      name: 'signalbox_lldp_probes_total',
      help: 'LLDP probes sent and received, and received ones dropped by reason (forged: unsigned, malformed, bad_signature; stale; replayed; looped; relayed: from or to an edge port; unknown_source)',
      labelNames: ['result'],
      registers: [r],
      collect: () => {
        const c = topo();
        if (!c) return;
        this.lldpProbes.reset();
        this.lldpProbes.inc({ result: 'sent' }, c.probesSent);
        this.lldpProbes.inc({ result: 'received' }, c.probesReceived);
        for (const [reason, n] of Object.entries(c.forged)) this.lldpProbes.inc({ result: reason }, n);
        this.lldpProbes.inc({ result: 'unknown_source' }, c.unknownSource);
      },
    });
    this.hostsRefused = new Counter({
      name: 'signalbox_hosts_refused_total',
      help: 'New hosts and moves not learned because topology.maxHostsPerPort, maxHostsPerSwitch or maxHosts was reached, or learning went over hostLearnRatePerPort or hostLearnRatePerSwitch (a MAC flood)',
      registers: [r],
      collect: () => {
        const c = topo();
        if (!c) return;
        this.hostsRefused.reset();
        this.hostsRefused.inc(c.hostsRefused);
      },
    });
    // The flow service keeps cumulative counts: each scrape sets the counters to them.
    const flows = (): FlowServiceCounters | undefined => this.source.flowCounters?.();
    this.reconciliations = new Counter({
      name: 'signalbox_reconciliations_total',
      help: 'Flow table reconciliations (after a switch connects, periodically, on a mastership change), by result: ok (diffed), failed (the table could not be read)',
      labelNames: ['result'],
      registers: [r],
      collect: () => {
        const c = flows();
        if (!c) return;
        this.reconciliations.reset();
        this.reconciliations.inc({ result: 'ok' }, c.reconciles);
        this.reconciliations.inc({ result: 'failed' }, c.reconcileErrors);
      },
    });
    this.reconciledFlows = new Counter({
      name: 'signalbox_reconciled_flows_total',
      help: 'Flows reconciliation found: kept (already right), added (missing), changed, removed (extraneous)',
      labelNames: ['action'],
      registers: [r],
      collect: () => {
        const c = flows();
        if (!c) return;
        this.reconciledFlows.reset();
        this.reconciledFlows.inc({ action: 'kept' }, c.reconcileConfirmed);
        this.reconciledFlows.inc({ action: 'added' }, c.reconcileMissing);
        this.reconciledFlows.inc({ action: 'changed' }, c.reconcileChanged);
        this.reconciledFlows.inc({ action: 'removed' }, c.reconcileExtraneous);
      },
    });
    this.flowServiceFlowMods = new Counter({
      name: 'signalbox_flow_service_flow_mods_total',
      help: 'FLOW_MOD messages the flow service sent (apps, static flows), by why: install_or_delete (all), reconcile (the part reconciliation sent)',
      labelNames: ['why'],
      registers: [r],
      collect: () => {
        const c = flows();
        if (!c) return;
        this.flowServiceFlowMods.reset();
        this.flowServiceFlowMods.inc({ why: 'all' }, c.flowModsSent);
        this.flowServiceFlowMods.inc({ why: 'reconcile' }, c.reconcileFlowMods);
      },
    });
    this.appHandlerSeconds = new Histogram({
      name: 'signalbox_app_handler_seconds',
      help: 'Time an app handler took, by app and event',
      labelNames: ['app', 'event'],
      buckets: LATENCY_BUCKETS,
      registers: [r],
    });
    this.appFailures = new Counter({ name: 'signalbox_app_failures_total', help: 'App handler failures (caught), by app', labelNames: ['app'], registers: [r] });
    this.apiRequests = new Counter({ name: 'signalbox_api_requests_total', help: 'REST requests by method, route and status', labelNames: ['method', 'route', 'status'], registers: [r] });
    this.apiRequestSeconds = new Histogram({ name: 'signalbox_api_request_seconds', help: 'REST request latency by method and route', labelNames: ['method', 'route'], buckets: LATENCY_BUCKETS, registers: [r] });
    this.wsClients = new Gauge({ name: 'signalbox_api_event_streams', help: 'Open WebSocket event streams', registers: [r] });
    this.wsRefused = new Counter({
      name: 'signalbox_api_event_streams_refused_total',
      help: 'WebSocket event streams refused because api.maxEventStreams were open (full), or closed because the client let more than api.eventsMaxBufferedBytes pile up (too_slow)',
      labelNames: ['reason'],
      registers: [r],
    });
    this.switchRoles = new Gauge({
      name: 'signalbox_switch_roles',
      help: "Connected switches by this instance's role for them: master, slave, pending (a cluster deciding), standalone (no cluster)",
      labelNames: ['role'],
      registers: [r],
      collect: () => {
        const n = new Map<string, number>(ROLES.map((role) => [role, 0]));
        for (const dp of this.source.devices.list()) n.set(dp.mastership, (n.get(dp.mastership) ?? 0) + 1);
        for (const [role, v] of n) this.switchRoles.set({ role }, v);
      },
    });
    this.mastershipChanges = new Counter({ name: 'signalbox_mastership_changes_total', help: 'Mastership changes on this instance, by the role taken (cluster mode)', labelNames: ['role'], registers: [r] });
    this.attach();
  }

  private attach(): void {
    const bus = this.source.bus;
    const on = <E extends ControllerEventName>(event: E, fn: (...args: ControllerEvents[E]) => void): void => {
      bus.on(event, fn as never);
      this.listeners.push(() => bus.off(event, fn as never));
    };
    on('switchConnected', (e: { dpid: bigint }) => {
      this.switchEvents.inc({ event: 'connected' });
      const dp = this.source.devices.get(e.dpid);
      if (dp) this.lastSeen.set(dp, zeroBaseline(dp.counters));
    });
    on('switchDisconnected', (e: { dpid: bigint }) => {
      this.switchEvents.inc({ event: 'disconnected' });
      // The datapath is gone from the map: flush what its session counted since the last scrape.
      for (const dp of this.lastSeen.keys()) if (dp.dpid === e.dpid && !dp.connected) this.flushOne(dp, true);
    });
    on('mastershipChanged', (e: { role: string }) => this.mastershipChanges.inc({ role: e.role }));
    on('flowRemoved', () => this.asyncMessages.inc({ type: 'flow_removed' }));
    on('portAdded', () => this.asyncMessages.inc({ type: 'port_status' }));
    on('portModified', () => this.asyncMessages.inc({ type: 'port_status' }));
    on('portRemoved', () => this.asyncMessages.inc({ type: 'port_status' }));
    on('errorReceived', (e: { msg: { errType: number; code: number } }) => {
      const n = errorNames(e.msg.errType, e.msg.code);
      this.errors.inc({ type: n.type, code: n.code });
      this.asyncMessages.inc({ type: 'error' });
    });
  }

  /** Stops listening to the bus. */
  detach(): void {
    for (const off of this.listeners.splice(0)) off();
  }

  /** Counts a FLOW_MOD sent to a switch. */
  recordFlowMod(dpid: bigint, source = 'api'): void {
    this.flowMods.inc({ dpid: dpidToHex(dpid), source });
  }

  /** The Prometheus text exposition. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /**
   * Counters and histograms for one app, named `signalbox_app_<app>_<name>`: the shape of the app
   * framework's `Metrics` interface, backed by this registry.
   */
  appMetrics(app: string): AppMetricsView {
    const existing = this.appViews.get(app);
    if (existing) return existing;
    const prefix = `signalbox_app_${sanitize(app)}_`;
    const r = this.registry;
    const view: AppMetricsView = {
      counter: (name, help) => {
        const full = prefix + sanitize(name);
        const c = (r.getSingleMetric(full) as Counter | undefined) ?? new Counter({ name: full, help: help ?? name, registers: [r] });
        let value = 0;
        return {
          inc: (n = 1) => {
            value += n;
            c.inc(n);
          },
          get value() {
            return value;
          },
        };
      },
      histogram: (name, help, buckets) => {
        const full = prefix + sanitize(name);
        const h = (r.getSingleMetric(full) as Histogram | undefined) ?? new Histogram({ name: full, help: help ?? name, buckets: [...(buckets ?? LATENCY_BUCKETS)], registers: [r] });
        let count = 0;
        let sum = 0;
        return {
          observe: (v: number) => {
            count++;
            sum += v;
            h.observe(v);
          },
          get count() {
            return count;
          },
          get sum() {
            return sum;
          },
        };
      },
    };
    this.appViews.set(app, view);
    return view;
  }

  /** Adds the session counters' growth since the last scrape to the cumulative counters. */
  private flushSessions(): void {
    for (const dp of this.source.devices.list()) {
      if (!this.lastSeen.has(dp)) this.lastSeen.set(dp, zeroBaseline(dp.counters));
      this.flushOne(dp, false);
    }
    for (const dp of this.lastSeen.keys()) if (!dp.connected && this.source.devices.get(dp.dpid) !== dp) this.flushOne(dp, true);
  }

  private flushOne(dp: SwitchView, forget: boolean): void {
    const last = this.lastSeen.get(dp);
    if (!last) return;
    const now = dp.counters;
    const d = (k: (typeof SESSION_FIELDS)[number]): number => Math.max(0, now[k] - last[k]);
    this.flushTypes(dp.version, 'in', now.inByType, last.inByType);
    this.flushTypes(dp.version, 'out', now.outByType, last.outByType);
    this.bytes.inc({ direction: 'in' }, d('bytesIn'));
    this.bytes.inc({ direction: 'out' }, d('bytesOut'));
    this.decodeErrors.inc(d('decodeErrors'));
    this.echoMisses.inc(d('echoMisses'));
    this.refused.inc({ what: 'ports' }, d('portsRefused'));
    this.refused.inc({ what: 'multipart' }, d('multipartRefused'));
    this.refused.inc({ what: 'packet_in' }, d('packetInsDropped'));
    this.refused.inc({ what: 'lldp_packet_in' }, d('lldpPacketInsDropped'));
    this.logLinesSuppressed.inc({ source: 'session' }, d('logLinesSuppressed'));
    const packetIns = d('packetIns');
    if (packetIns > 0) {
      this.packetIns.inc({ dpid: dpidToHex(dp.dpid) }, packetIns);
      this.asyncMessages.inc({ type: 'packet_in' }, packetIns);
    }
    if (forget) this.lastSeen.delete(dp);
    else {
      for (const k of SESSION_FIELDS) last[k] = now[k];
      last.inByType.set(now.inByType);
      last.outByType.set(now.outByType);
    }
  }

  private flushTypes(version: number, direction: 'in' | 'out', now: Float64Array, last: Float64Array): void {
    for (let i = 0; i < now.length; i++) {
      const n = now[i]! - last[i]!;
      if (n > 0) this.messages.inc({ direction, type: i === now.length - 1 ? 'other' : messageTypeName(version, i) }, n);
    }
  }
}

/** The session counters as last seen, to count growth from. */
type Baseline = { -readonly [K in keyof SwitchCounters]: SwitchCounters[K] };

/** A zero baseline shaped like `c` (same number of message-type slots). */
function zeroBaseline(c: SwitchCounters): Baseline {
  const z: Baseline = { ...c, inByType: new Float64Array(c.inByType.length), outByType: new Float64Array(c.outByType.length) };
  for (const k of SESSION_FIELDS) z[k] = 0;
  return z;
}

function sanitize(s: string): string {
  return s.replace(/[^a-zA-Z0-9_]/g, '_');
}
