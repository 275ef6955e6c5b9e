/** Composition root: wires the OpenFlow server, the datapath registry and the event bus together. */
import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { defaultConfig, type Config } from './config.js';
import { EventBus, TOPOLOGY_EVENT_NAMES } from './core/events.js';
import { dpidToHex } from './core/ids.js';
import { silentLogger } from './log.js';
import { systemClock, type Clock } from './core/clock.js';
import { Datapath } from './openflow/datapath.js';
import { OpenFlowServer, type BoundListener } from './openflow/server.js';
import type { ConnectionCounters } from './openflow/connection-limits.js';
import { DpidPolicy, type IdentityRefusal } from './openflow/dpid-policy.js';
import { LogLimiter, limitedLog } from './core/log-limiter.js';
import { Session } from './openflow/session.js';
import { switchAdmin } from './openflow/switch-admin.js';
import { deviceService, packetService } from './openflow/switch-services.js';
import type { DeviceService, SwitchAdminService } from './core/services.js';
import { appTopology, loadOrCreateSecret, TopologyService, type TopologySource } from './topology/index.js';
import { AppManager, type AppDefinition, type DeclaredApps } from './apps/index.js';
import { FlowService } from './flows/index.js';
import { NAMESPACES, namespaceView, type Store } from './store/index.js';

/** What the config does not say: injected parts, mostly for tests and embedding. */
export interface ControllerOptions {
  /** The LLDP signing secret; by default loaded from (or created in) the data directory. */
  readonly secret?: Buffer;
  /** Persistent store; apps keep their state under its `apps` namespace. Default: in memory. */
  readonly store?: Store;
  /**
   * Where apps read the topology from; default this instance's own topology service. In cluster
   * mode it is the merged view of every instance's links and hosts, and whoever provides it emits
   * `topologyChanged` on the bus with its snapshot: the local service's (a partial topology: what
   * this instance probed) is then not forwarded, or apps would reroute along it.
   */
  readonly appTopology?: TopologySource;
  /** Apps available besides the built-ins and configured modules (embedding, tests); enable them by name in `apps.enabled`. */
  readonly apps?: readonly AppDefinition[];
  /** What the network config declares of the apps at start (src/apps/network). */
  readonly declared?: DeclaredApps;
  /** The one source of time for sessions, topology, flows and apps; default the system clock. */
  readonly clock?: Clock;
}

/**
 * The running controller. Switches are admitted once their handshake completes; a second
 * connection claiming a dpid that is already connected is handled by `admit` (see there).
 */
export class Controller {
  readonly bus = new EventBus();
  /** Ready switches by dpid. */
  readonly datapaths = new Map<bigint, Datapath>();
  /** The connected switches, read only (what the API and apps see of `datapaths`). */
  readonly devices: DeviceService = deviceService(this.datapaths);
  /** Writes and stats reads by dpid, through each switch's mastership gate (the API's). */
  readonly admin: SwitchAdminService = switchAdmin(this.datapaths);
  readonly log: Logger;
  /** The time every part of this controller runs on. */
  readonly clock: Clock;
  /** Links, hosts, paths and the broadcast tree; created by `start()`. */
  topology: TopologyService | undefined;
  /** Desired flows per switch, installed and reconciled; created by `start()`. */
  flows: FlowService | undefined;
  /** The running apps; created by `start()`. */
  apps: AppManager | undefined;
  private server: OpenFlowServer | undefined;
  /** Who may claim which dpid (`openflow.dpidPolicy`). */
  private readonly dpidPolicy: DpidPolicy;
  /** Claims refused by the dpid policy, by reason. */
  readonly identityRefused: Record<IdentityRefusal, number> = { address: 0, certificate: 0 };
  private readonly identityLog: (write: () => void) => boolean;
  /** Per-dpid admission chain, so contenders for one dpid are judged one at a time. */
  private readonly admitting = new Map<bigint, Promise<void>>();

  constructor(
    readonly config: Config = defaultConfig,
    logger: Logger = silentLogger,
    private readonly options: ControllerOptions = {},
  ) {
    this.log = logger;
    this.clock = options.clock ?? systemClock;
    this.dpidPolicy = new DpidPolicy(config.openflow.dpidPolicy ?? [], { requireTlsBinding: config.openflow.tls.requireBinding });
    const clock = this.clock;
    const limiter = new LogLimiter(config.openflow.logLinesPerSecond);
    this.identityLog = limitedLog(limiter, () => clock.now(), (ms, fn) => clock.after(ms, fn), (n) =>
      this.log.warn({ suppressed: n }, `suppressed ${n} messages about refused dpid claims (over openflow.logLinesPerSecond ${limiter.perSecond})`),
    );
  }

  /** The OpenFlow listeners' admission counters (connections open, in handshake, refused by reason); undefined before `start()`. */
  get connectionCounters(): ConnectionCounters | undefined {
    const s = this.server;
    return s ? { ...s.limits.counts, refused: s.limits.refused, logLinesSuppressed: s.tlsLogLimiter.suppressedTotal, identityRefused: this.identityRefused } : undefined;
  }

  /** Starts the OpenFlow listeners; resolves with the addresses bound. */
  async start(): Promise<{ openflow: BoundListener[] }> {
    // The flow service subscribes first: on a connect it must hold desired flows for its
    // reconciliation before anyone (the topology's LLDP flow, then the apps) declares them.
    this.flows = new FlowService({ bus: this.bus, datapaths: this.datapaths, config: this.config.flows, log: this.log.child({ component: 'flows' }), clock: this.clock });
    this.flows.start();
    this.topology = new TopologyService({
      bus: this.bus,
      devices: this.devices,
      // Probes only go out of single ports: the packet service needs no topology to flood with.
      packets: packetService(this.datapaths, undefined),
      config: this.config.topology,
      log: this.log.child({ component: 'topology' }),
      secret: this.options.secret ?? loadOrCreateSecret(this.config.dataDir),
      clock: this.clock,
      flows: this.flows.scope('topology'),
      // Cluster mode: the merged view's switch links are no place for hosts either.
      ...(this.options.appTopology ? { knownInfrastructure: (dpid: bigint, port: number) => this.options.appTopology!.isInfrastructurePort(dpid, port) } : {}),
    });
    const emitter = this.topology as unknown as EventEmitter;
    const bus = this.bus as unknown as EventEmitter;
    for (const name of TOPOLOGY_EVENT_NAMES) {
      if (name === 'topologyChanged' && this.options.appTopology) continue;
      emitter.on(name, (e: unknown) => bus.emit(name, e));
    }
    this.topology.start();
    const topology = this.topology;
    // Apps subscribe before the listener opens, so no switch connects unseen.
    this.apps = new AppManager({
      bus: this.bus,
      datapaths: this.datapaths,
      config: this.config.apps,
      log: this.log,
      clock: this.clock,
      flows: this.flows,
      topology: appTopology(this.options.appTopology ?? this.topology),
      hosts: { findByMac: (mac) => topology.findHost(mac), list: () => topology.hostList() },
      ...(this.options.apps ? { apps: this.options.apps } : {}),
      ...(this.options.declared ? { declared: this.options.declared } : {}),
      ...(this.options.store ? { store: namespaceView(this.options.store, NAMESPACES.apps) } : {}),
    });
    await this.apps.start();
    this.server = new OpenFlowServer({
      config: this.config.openflow,
      logger: this.log.child({ component: 'openflow' }),
      clock: this.clock,
      onSession: (s) => this.attach(s),
    });
    const openflow = await this.server.listen();
    return { openflow };
  }

  /**
   * Stops listening and closes every switch session. Apps' flows stay on the switches (a
   * restart reconciles them hitlessly); `apps.stop()` is for removing them on purpose.
   */
  async stop(): Promise<void> {
    await this.apps?.shutdown();
    this.flows?.stop();
    await this.server?.close();
    this.server = undefined;
    this.topology?.stop();
  }

  /**
   * Takes a session from any transport (the TCP server, or a test's in-memory stream pair) and
   * admits its switch when the handshake completes.
   */
  attach(session: Session): void {
    session.once('ready', () => {
      const dpid = session.features!.datapathId;
      const prev = this.admitting.get(dpid) ?? Promise.resolve();
      const next = prev.then(() => this.admit(session)).catch((e: Error) => {
        this.log.error({ err: e.message, dpid: dpidToHex(dpid) }, 'admission failed');
        session.close(`admission failed: ${e.message}`);
      });
      this.admitting.set(dpid, next);
      void next.finally(() => {
        if (this.admitting.get(dpid) === next) this.admitting.delete(dpid);
      });
    });
  }

  /**
   * Duplicate-dpid policy (the Floodlight CVE-2024-29461 lesson: a newcomer must not knock a
   * live switch off). When a dpid is already connected, the existing session is probed with an
   * echo: if it answers within `duplicateProbeMs`, it is the real switch and the newcomer is
   * refused; if it does not, it is a dead connection (a switch that rebooted or lost its TCP
   * state) and the newcomer replaces it, with exactly one switchDisconnected and one
   * switchConnected event.
   */
  private async admit(session: Session): Promise<void> {
    if (session.state !== 'ready') return;
    const dpid = session.features!.datapathId;
    // The dpid policy first: an impostor refused here never gets to probe or hold a live switch's dpid.
    const verdict = this.dpidPolicy.check(dpid, { address: session.peerAddress, subject: session.peerSubject, tls: session.overTls });
    if (!verdict.ok) {
      this.identityRefused[verdict.reason]++;
      this.identityLog(() => this.log.warn({ dpid: dpidToHex(dpid), remote: session.remoteAddress, reason: verdict.reason }, `refused a switch: ${verdict.message}`));
      session.close(`dpid policy: ${verdict.message}`);
      return;
    }
    const existing = this.datapaths.get(dpid);
    if (existing && existing.session !== session) {
      let alive = false;
      try {
        await existing.session.echo(this.config.openflow.duplicateProbeMs);
        alive = existing.session.state === 'ready';
      } catch {
        alive = false;
      }
      if (alive) {
        this.log.warn(
          { dpid: dpidToHex(dpid), existing: existing.remoteAddress, newcomer: session.remoteAddress },
          'refused a second connection for a datapath id that is connected and alive',
        );
        session.close(`duplicate datapath id ${dpidToHex(dpid)}: already connected from ${existing.remoteAddress} and alive`);
        return;
      }
      existing.session.close(`replaced by a new connection from ${session.remoteAddress}: old one did not answer echo`);
    }
    if (session.state !== 'ready') return;
    this.register(session);
  }

  private register(session: Session): void {
    const dp = new Datapath(session, this.bus);
    this.datapaths.set(dp.dpid, dp);
    session.once('close', (reason) => {
      if (this.datapaths.get(dp.dpid) !== dp) return;
      this.datapaths.delete(dp.dpid);
      this.bus.emit('switchDisconnected', { dpid: dp.dpid, reason });
    });
    this.log.info({ dpid: dp.dpidHex, remote: dp.remoteAddress, version: dp.version }, 'switch connected');
    this.bus.emit('switchConnected', { dpid: dp.dpid, version: dp.version, remoteAddress: dp.remoteAddress });
    // What the switch sent while it was being admitted, now that the apps know it.
    session.releaseBacklog();
  }
}
