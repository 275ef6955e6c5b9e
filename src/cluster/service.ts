/**
 * The ClusterService: the I/O shell of cluster mode. It registers this instance in etcd under a
 * lease and keeps the lease alive, publishes which switches it is connected to, claims and
 * releases switch mastership in etcd transactions as the (pure) assignment says, turns each term
 * into an OpenFlow ROLE_REQUEST through the datapath's mastership gate, demotes itself before
 * its lease can expire when etcd stops answering, and shares the topology every instance learns.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { Etcd3, EtcdLeaseInvalidError, type IKeyValue, type Lease, type Watcher } from 'etcd3';
import type { IOptions, IWatchResponse } from 'etcd3';
import type { ControllerEvents, EventBus } from '../core/events.js';
import { dpidToHex } from '../core/ids.js';
import { silentLogger } from '../log.js';
import { OFP_VERSION_1_0, OFPBRC, OFPET, OFPT13 } from '../openflow/codec/constants.js';
import type { Datapath, LeaseGate } from '../openflow/datapath.js';
import type { Mastership } from '../core/model.js';
import type { Host, LinkInfo } from '../core/model.js';
import { linkKey } from '../topology/types.js';
import { assignWithHoldDown, HoldDown, planMastership } from './assignment.js';
import type { ClusterConfig } from './config.js';
import { EtcdStore, grpcDeadline, loadOrCreateClusterSecret, type CallOptions } from './etcd-store.js';
import { LeaseHealth, StallDetector } from './health.js';
import { ClusterTopologyView, datapathSwitches, decodeHost, decodeLink, encodeHost, encodeLink } from './topology-view.js';
import { delay, systemClock, type Clock, type Timer } from '../core/clock.js';

/** What a switch's mastership changed to on this instance (the flow service reconciles on `master`). */
export interface MastershipChange {
  readonly dpid: bigint;
  readonly role: Exclude<Mastership, 'pending'>;
  /** The term: the etcd revision that created the mastership record, sent as the ROLE_REQUEST generation_id. */
  readonly generationId: bigint;
}

/** Events of the ClusterService. */
export interface ClusterEvents {
  mastershipChanged: [MastershipChange];
  /** This instance's lease is healthy again, or is not (it demoted itself). */
  healthChanged: [{ readonly healthy: boolean; readonly reason: string }];
  /** The set of live instances changed. */
  membersChanged: [{ readonly members: readonly string[] }];
  /**
   * What `status()` answers changed (members, masters, connections, this instance's roles or
   * health): one event per burst, at most every {@link STATUS_COALESCE_MS}, no payload.
   */
  statusChanged: [];
}

/** A failover moves many switches at once: their changes make one `statusChanged`. */
export const STATUS_COALESCE_MS = 100;

/** The local topology the service publishes (a TopologyService fits). */
export interface LocalTopology {
  links(): readonly LinkInfo[];
  hostList(): readonly Host[];
}

/** What the controller hands the service. */
export interface ClusterServiceOptions {
  readonly config: ClusterConfig;
  readonly bus: EventBus;
  /** The controller's registry of ready switches (read only). */
  readonly datapaths: ReadonlyMap<bigint, Datapath>;
  readonly log?: Logger;
  /** The local topology service, read at start and whenever the bus reports a link or host change. */
  readonly topology?: () => LocalTopology | undefined;
  /** Addresses to advertise when the config leaves them empty (the bound API and OpenFlow addresses). */
  readonly advertise?: { readonly api?: string; readonly openflow?: string };
  /** Time for keepalives, demotion, hold and publish timers; default the system clock. */
  readonly clock?: Clock;
  /**
   * How long a dead instance's hosts stay in the merged view unless another instance re-learns
   * them: the host idle timeout (`topology.hostIdleTimeoutMs`); default `topologyGraceMs`.
   */
  readonly hostIdleTimeoutMs?: number;
  /** Merged-view changes within this window make one bus `topologyChanged` (`topology.changeCoalesceMs`); default 20. */
  readonly topologyCoalesceMs?: number;
  /** Emit `mastershipChanged` on the controller bus too (default true), where the flow service listens. */
  readonly forwardToBus?: boolean;
}

/** One instance as etcd knows it. */
export interface MemberRecord {
  readonly instanceId: string;
  readonly lease: string;
  readonly api: string;
  readonly openflow: string;
  readonly startedAt: string;
}

/** One instance in `clusterStatus()`. */
export interface ClusterMemberStatus extends Omit<MemberRecord, 'lease'> {
  readonly self: boolean;
  /** `healthy`: its lease is alive in etcd. For this instance, `isolated` when it demoted itself for want of keepalives. */
  readonly health: 'healthy' | 'isolated';
  /** Switches it masters (dpids, 16 hex digits). */
  readonly masterOf: readonly string[];
  /** Switches it is connected to. */
  readonly connected: readonly string[];
}

/** `clusterStatus()`: what GET /api/v1/cluster returns in cluster mode. */
export interface ClusterStatus {
  readonly mode: 'cluster';
  readonly instanceId: string;
  /** This instance's lease state: healthy, or isolated (demoted, not claiming). */
  readonly health: 'healthy' | 'isolated';
  readonly since: string;
  readonly leaseTtlSec: number;
  /** Ms since the last keepalive that etcd confirmed was sent. */
  readonly lastKeepaliveAgoMs: number | null;
  readonly members: readonly ClusterMemberStatus[];
  readonly switches: readonly {
    readonly dpid: string;
    readonly master: string | null;
    readonly generationId: string | null;
    /** This instance's role on it (standalone for an OpenFlow 1.0 switch, absent when not connected here). */
    readonly localRole?: Mastership;
    /**
     * What this instance's session to the switch has sent so far (absent when not connected
     * here): the writes a failover must not cause, counted where they leave.
     */
    readonly sent?: { readonly flowMods: number; readonly packetOuts: number };
  }[];
}

/**
 * etcd3's default per-host policy is a circuit breaker that refuses every request for 5 s after
 * three failures: longer than a lease, so a stall of a few seconds (whose requests all miss their
 * deadlines) would keep keepalives and re-registration from even being tried once etcd answers
 * again. The service's requests have their own deadlines and retry on their own timers.
 */
const PASS_THROUGH = {
  execute: <T>(fn: (context: { signal: AbortSignal }) => PromiseLike<T> | T): Promise<T> => Promise.resolve().then(() => fn({ signal: new AbortController().signal })),
  onSuccess: () => ({ dispose: () => undefined }),
  onFailure: () => ({ dispose: () => undefined }),
} as unknown as ReturnType<NonNullable<NonNullable<IOptions['faultHandling']>['host']>>;

/** Message type numbers counted in `sent` (the same in OpenFlow 1.0 and 1.3). */
const OFPT_FLOW_MOD = OFPT13.FLOW_MOD;
const OFPT_PACKET_OUT = OFPT13.PACKET_OUT;

interface MasterRecord {
  readonly instanceId: string;
  readonly lease: string;
  /** mod revision of the record: the term's generation id. */
  readonly generation: bigint;
}

/** The service. Start it before the controller accepts switches; stop it after. */
export class ClusterService extends EventEmitter<ClusterEvents> {
  readonly instanceId: string;
  readonly view: ClusterTopologyView;
  /** The shared desired state (EtcdStore over this service's client). */
  readonly store: EtcdStore;
  private readonly client: Etcd3;
  private readonly cfg: ClusterConfig;
  private readonly bus: EventBus;
  private readonly datapaths: ReadonlyMap<bigint, Datapath>;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly now: () => number;
  private readonly health: LeaseHealth;
  /** Notices event-loop stalls from the keepalive timer's lateness. */
  private readonly stall: StallDetector;
  /** Instances that left and came back get switches only after this. */
  private readonly holdDown: HoldDown;
  /** Datapaths holding writes because a write found the lease in doubt. */
  private readonly doubted = new Set<Datapath>();
  /** What every datapath's mastership gate asks before a write as master. */
  private readonly gate: LeaseGate;
  private readonly p: string;
  private lease: Lease | undefined;
  private leaseId = '';
  private watcher: Watcher | undefined;
  private readonly members = new Map<string, MemberRecord>();
  /** dpid hex → instances connected to it. */
  private readonly conns = new Map<string, Set<string>>();
  private readonly owners = new Map<string, MasterRecord>();
  /** Last known term per switch (kept after the record goes, so slaves can send a current generation). */
  private readonly lastGen = new Map<string, bigint>();
  /** Last role asked of each connected switch, and last role announced. */
  private readonly asked = new Map<string, { role: 'master' | 'slave'; gen: bigint }>();
  private readonly announced = new Map<string, { role: Exclude<Mastership, 'pending'>; gen: bigint }>();
  private readonly claiming = new Set<string>();
  /** When this instance last became master of each switch (ms): its own probes leave from then on. */
  private readonly masterSince = new Map<string, number>();
  private readonly releasing = new Set<string>();
  /** Conn keys this instance has written. */
  private readonly myConns = new Set<string>();
  /** Topology: desired and published etcd key → value of this instance. */
  private readonly topoDesired = new Map<string, string>();
  private readonly topoPublished = new Map<string, string>();
  /** Links that timed out here while another instance was probing them, kept published for the grace period. */
  private readonly heldLinks = new Map<string, { link: LinkInfo; until: number }>();
  private topoTimer: Timer | undefined;
  private mergedTimer: Timer | undefined;
  private readonly viewListeners: (() => void)[] = [];
  private holdTimer: Timer | undefined;
  private publishing = false;
  private isolated = true;
  private relaunching = false;
  private started = false;
  private stopped = false;
  private keepaliveInFlight = false;
  private reconcileQueued = false;
  private timers: Timer[] = [];
  private healthTimer: Timer | undefined;
  private readonly since: string;
  private readonly busListeners: [keyof ControllerEvents, (...a: never[]) => void][] = [];
  private readonly advertise: { api: string; openflow: string };
  private readonly forwardToBus: boolean;
  private readonly topologyCoalesceMs: number;
  private readonly ownsClient: boolean;
  private readonly topologySource: (() => LocalTopology | undefined) | undefined;
  private statusTimer: Timer | undefined;

  constructor(opts: ClusterServiceOptions, client?: Etcd3) {
    super();
    this.setMaxListeners(0);
    this.cfg = opts.config;
    if (opts.config.etcd.endpoints.length === 0 && !client) throw new RangeError('cluster mode needs cluster.etcd.endpoints');
    this.instanceId = opts.config.instanceId;
    this.bus = opts.bus;
    this.datapaths = opts.datapaths;
    this.log = (opts.log ?? silentLogger).child({ component: 'cluster', instance: this.instanceId });
    this.clock = opts.clock ?? systemClock;
    this.now = () => this.clock.now();
    this.since = new Date(this.clock.now()).toISOString();
    this.health = new LeaseHealth(opts.config.leaseTtlSec * 1000, opts.config.demoteMarginMs);
    // A keepalive tick later than a whole interval means the process did not run for that long.
    this.stall = new StallDetector(opts.config.keepaliveIntervalMs, opts.config.keepaliveIntervalMs);
    this.holdDown = new HoldDown(opts.config.holdDownMs);
    this.gate = { valid: () => this.healthy, doubted: (dp) => this.onLeaseDoubt(dp) };
    this.p = `${opts.config.etcd.prefix}live/`;
    this.client = client ?? new Etcd3({ hosts: [...opts.config.etcd.endpoints], dialTimeout: opts.config.etcd.requestTimeoutMs, faultHandling: { host: () => PASS_THROUGH } });
    this.ownsClient = client === undefined;
    this.store = new EtcdStore(this.client, opts.config.etcd.endpoints, { prefix: opts.config.etcd.prefix, requestTimeoutMs: opts.config.etcd.requestTimeoutMs, clock: this.clock });
    this.view = new ClusterTopologyView(opts.config.topologyGraceMs, this.now, opts.hostIdleTimeoutMs ?? opts.config.topologyGraceMs);
    this.topologySource = opts.topology;
    this.advertise = {
      api: opts.config.advertise.api || opts.advertise?.api || '',
      openflow: opts.config.advertise.openflow || opts.advertise?.openflow || '',
    };
    this.forwardToBus = opts.forwardToBus ?? true;
    this.topologyCoalesceMs = opts.topologyCoalesceMs ?? 20;
    this.on('healthChanged', () => this.statusChanged());
    this.on('mastershipChanged', () => this.statusChanged());
    // Links of the merged view come and go rarely (a failover must not move them): log each.
    this.view.on('linkAdded', (e) => this.log.info({ link: linkKey(e.link), by: e.instanceId }, 'merged view: link added'));
    this.view.on('linkRemoved', (e) => this.log.info({ link: linkKey(e.link) }, 'merged view: link removed'));
  }

  /** The cluster-wide LLDP secret (created by whichever instance asks first). */
  lldpSecret(): Promise<Buffer> {
    return loadOrCreateClusterSecret(this.store);
  }

  /** True while this instance may master switches (lease alive and renewed in time). */
  get healthy(): boolean {
    return !this.isolated && this.health.healthy(this.now());
  }

  /** Instances whose lease is alive, sorted. */
  liveMembers(): string[] {
    return [...new Set([...this.members.values()].map((m) => m.instanceId))].sort();
  }

  /** The instance mastering a switch, as etcd says. */
  masterOf(dpid: bigint): string | undefined {
    return this.owners.get(dpidToHex(dpid))?.instanceId;
  }

  /**
   * Where writes to a switch go when another live instance masters it: that instance's id and
   * advertised API address (the API forwards there). Undefined when this instance masters it,
   * nobody does yet, or the master advertises no API.
   */
  masterApiFor(dpid: bigint): { instanceId: string; api: string } | undefined {
    const o = this.owners.get(dpidToHex(dpid));
    if (!o || o.lease === this.leaseId) return undefined;
    const m = this.members.get(o.instanceId);
    if (!m || m.lease !== o.lease || !m.api) return undefined;
    return { instanceId: m.instanceId, api: m.api };
  }

  /** The current term of a switch (its generation id), if it has a master. */
  generationOf(dpid: bigint): bigint | undefined {
    return this.owners.get(dpidToHex(dpid))?.generation;
  }

  /**
   * Registers under a fresh lease, loads the cluster state, starts watching it and starts the
   * keepalive and demotion timers. Rejects when etcd cannot be reached.
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.launch();
    // The merged view's snapshot is over the connected switches and their live ports: each change
    // of those moves its version before the API stamps the event (the mastership gate below is
    // prepended later, so it still runs first).
    for (const name of ['switchConnected', 'switchDisconnected', 'portAdded', 'portModified', 'portRemoved'] as const) {
      this.onBus(name, () => this.view.switchesChanged(), true);
    }
    this.onBus(
      'switchConnected',
      (e) => {
        const dp = this.datapaths.get(e.dpid);
        if (dp) this.onSwitchConnected(dp);
      },
      true,
    );
    this.onBus('switchDisconnected', (e) => this.onSwitchDisconnected(e.dpid));
    this.onBus('errorReceived', (e) => {
      if (e.msg.errType === OFPET.BAD_REQUEST && e.msg.code === OFPBRC.IS_SLAVE) {
        const dp = this.datapaths.get(e.dpid);
        if (dp) this.announce(dp, this.asked.get(dp.dpidHex)?.gen ?? this.lastGen.get(dp.dpidHex) ?? 0n);
        this.scheduleReconcile(); // etcd decides: a newer term shows up there, or this term is re-asserted
      }
    });
    this.onBus('linkRemoved', (e) => {
      // Probes over this link come from its source switch's master and come back as packet-ins
      // to its destination switch's master: when either end's master changed (it died, or one
      // came back and took its switch), they stop until the new master probes or publishes
      // (which may be this instance, since a moment). Keep publishing the link meanwhile, so the
      // cluster's tree does not change for a failover; only a link whose two ends this instance
      // has mastered for a whole grace period is proof.
      const proven = this.masteredForGrace(dpidToHex(e.link.src)) && this.masteredForGrace(dpidToHex(e.link.dst));
      if (e.reason === 'timeout' && !proven) {
        this.heldLinks.set(linkKey(e.link), { link: e.link, until: this.now() + this.cfg.topologyGraceMs });
      }
    });
    for (const name of ['linkAdded', 'linkRemoved', 'hostAdded', 'hostMoved', 'hostUpdated', 'hostRemoved'] as const) {
      this.onBus(name, () => this.localTopologyChanged());
    }
    if (this.forwardToBus) {
      // Apps read the merged view: they hear of its changes (switch and port changes included, see
      // above) as the bus's topologyChanged, coalesced, with the merged snapshot.
      const changed = (): void => this.mergedChangedSoon();
      this.view.on('topologyChanged', changed);
      this.viewListeners.push(changed);
    }
    for (const dp of this.datapaths.values()) this.onSwitchConnected(dp);
    this.localTopologyChanged();
    this.timers.push(this.clock.every(this.cfg.keepaliveIntervalMs, () => this.keepaliveTick()));
    this.timers.push(this.clock.every(500, () => this.view.expireOrphans()));
    // A safety net: whatever made a switch's role drift from etcd (a refused or timed-out role
    // request), the next pass puts it back.
    this.timers.push(this.clock.every(1_000, () => this.scheduleReconcile()));
    for (const t of this.timers) t.unref();
    this.scheduleReconcile();
  }

  /**
   * Leaves the cluster cleanly: demotes this instance on every switch, then revokes the lease so
   * its switches get new masters at once, and closes the etcd client.
   */
  async stop(): Promise<void> {
    if (!this.started || this.stopped) return;
    this.demoteAll('stopping');
    this.halt();
    try {
      await this.lease?.revoke(grpcDeadline(this.cfg.etcd.requestTimeoutMs));
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'lease not revoked; it will expire');
    }
    await this.closeClient();
  }

  /**
   * Stops as a crash would, for tests and benchmarks: timers and watches end and the client is
   * closed without revoking the lease, so the other instances notice only when it expires.
   * Switch sessions are left to the caller (stop the controller).
   */
  async abandon(): Promise<void> {
    if (!this.started || this.stopped) return;
    this.halt();
    this.lease?.release();
    await this.closeClient();
  }

  private halt(): void {
    this.stopped = true;
    this.isolated = true;
    for (const t of this.timers) t.cancel();
    this.timers = [];
    this.healthTimer?.cancel();
    this.topoTimer?.cancel();
    this.statusTimer?.cancel();
    this.statusTimer = undefined;
    this.holdTimer?.cancel();
    this.mergedTimer?.cancel();
    for (const fn of this.viewListeners.splice(0)) this.view.off('topologyChanged', fn);
    for (const [name, fn] of this.busListeners) this.bus.off(name, fn as never);
    this.busListeners.length = 0;
  }

  private async closeClient(): Promise<void> {
    const w = this.watcher;
    this.watcher = undefined;
    await w?.cancel().catch(() => undefined);
    if (this.ownsClient) this.client.close();
  }

  /** Cluster membership, health and mastership, for GET /api/v1/cluster. */
  clusterStatus(): ClusterStatus {
    const masterOf = new Map<string, string[]>();
    for (const [d, o] of this.owners) {
      const l = masterOf.get(o.instanceId) ?? [];
      l.push(d);
      masterOf.set(o.instanceId, l);
    }
    const connected = new Map<string, string[]>();
    for (const [d, ids] of this.conns) {
      for (const id of ids) {
        const l = connected.get(id) ?? [];
        l.push(d);
        connected.set(id, l);
      }
    }
    const members = [...this.members.values()]
      .sort((a, b) => (a.instanceId < b.instanceId ? -1 : 1))
      .map((m) => ({
        instanceId: m.instanceId,
        api: m.api,
        openflow: m.openflow,
        startedAt: m.startedAt,
        self: m.lease === this.leaseId,
        health: m.lease === this.leaseId && !this.healthy ? ('isolated' as const) : ('healthy' as const),
        masterOf: (masterOf.get(m.instanceId) ?? []).sort(),
        connected: (connected.get(m.instanceId) ?? []).sort(),
      }));
    const dpids = new Set<string>([...this.owners.keys(), ...this.conns.keys()]);
    for (const dp of this.datapaths.values()) dpids.add(dp.dpidHex);
    const byHex = new Map([...this.datapaths.values()].map((dp) => [dp.dpidHex, dp]));
    const since = this.health.sinceOk(this.now());
    return {
      mode: 'cluster',
      instanceId: this.instanceId,
      health: this.healthy ? 'healthy' : 'isolated',
      since: this.since,
      leaseTtlSec: this.cfg.leaseTtlSec,
      lastKeepaliveAgoMs: since === undefined ? null : since,
      members,
      switches: [...dpids].sort().map((d) => {
        const o = this.owners.get(d);
        const dp = byHex.get(d);
        return {
          dpid: d,
          master: o?.instanceId ?? null,
          generationId: o ? o.generation.toString() : null,
          ...(dp ? { localRole: dp.mastership, sent: { flowMods: dp.counters.outByType[OFPT_FLOW_MOD] ?? 0, packetOuts: dp.counters.outByType[OFPT_PACKET_OUT] ?? 0 } } : {}),
        };
      }),
    };
  }

  /** The ClusterApi shape the API's /cluster route calls. */
  status(): ClusterStatus {
    return this.clusterStatus();
  }

  // ---- etcd session ----

  private call(): CallOptions {
    return grpcDeadline(this.cfg.etcd.requestTimeoutMs);
  }

  private key(...parts: string[]): string {
    return this.p + parts.join('/');
  }

  /** Grants a lease, registers, republishes, loads the state and (re)starts the watch. */
  private async launch(): Promise<void> {
    const lease = this.client.lease(this.cfg.leaseTtlSec, { autoKeepAlive: false });
    lease.on('lost', () => undefined); // handled where keepaliveOnce rejects
    const sentAt = this.now();
    const id = await lease.grant();
    this.lease = lease;
    this.leaseId = id;
    this.health.ok(sentAt);
    const member: MemberRecord = {
      instanceId: this.instanceId,
      lease: id,
      api: this.advertise.api,
      openflow: this.advertise.openflow,
      startedAt: this.since,
    };
    await this.client.put(this.key('members', this.instanceId)).value(JSON.stringify(member)).lease(id).options(this.call()).exec();
    this.myConns.clear();
    this.topoPublished.clear();
    for (const dp of this.datapaths.values()) await this.putConn(dp.dpidHex);
    const r = await this.client.getAll().prefix(this.p).options(this.call()).exec();
    // Instances that left while this one was not watching (or this one itself, back under a new
    // lease) are returning: the hold-down applies to them.
    for (const [mid, m] of this.members) if (mid === this.instanceId || m.lease !== this.memberLeaseIn(r.kvs, mid)) this.holdDown.left(mid);
    this.members.clear();
    this.conns.clear();
    this.owners.clear();
    this.view.clear();
    this.applyEvents(r.kvs.map((kv) => ({ type: 'Put' as const, kv })));
    const w = this.watcher;
    this.watcher = undefined;
    await w?.cancel().catch(() => undefined);
    const watcher = await this.client
      .watch()
      .prefix(this.p)
      .startRevision(String(BigInt(r.header.revision) + 1n))
      .create();
    watcher.on('data', (res: IWatchResponse) => this.applyEvents(res.events));
    watcher.on('error', (e) => this.log.warn({ err: e.message }, 'etcd watch failed'));
    this.watcher = watcher;
    this.isolated = false;
    this.armHealthTimer();
    this.publishSoon(0);
    this.log.info({ lease: id, members: this.liveMembers() }, 'joined the cluster');
    this.emit('healthChanged', { healthy: true, reason: 'lease granted' });
  }

  /** The lease of an instance's member record among loaded keys ('' when absent). */
  private memberLeaseIn(kvs: readonly IKeyValue[], id: string): string {
    const k = this.key('members', id);
    const kv = kvs.find((x) => x.key.toString('utf8') === k);
    if (!kv) return '';
    try {
      return (JSON.parse(kv.value.toString('utf8')) as MemberRecord).lease;
    } catch {
      return '';
    }
  }

  private keepaliveTick(): void {
    const lateMs = this.stall.tick(this.now());
    if (lateMs > 0 && !this.stopped) {
      // Whatever ran first after the stall (a packet-in's PACKET_OUT) finds the gate closed
      // until a keepalive sent from now on is confirmed; past the deadline it demotes at once.
      this.health.stalled(this.now());
      this.log.warn({ lateMs }, 'the event loop stalled: writes as master wait until the lease is confirmed');
      this.checkDeadline('stalled past the demotion deadline');
      this.keepaliveInFlight = false; // a keepalive sent before the stall proves nothing now
    }
    this.sendKeepalive();
  }

  /** One keepalive, unless one is in flight; its success moves the demotion deadline. */
  private sendKeepalive(): void {
    if (this.stopped || this.relaunching || this.keepaliveInFlight || !this.lease) return;
    this.keepaliveInFlight = true;
    const sentAt = this.now();
    const timeout = Math.min(this.cfg.etcd.requestTimeoutMs, this.cfg.leaseTtlSec * 1000 - this.cfg.demoteMarginMs);
    this.lease
      .keepaliveOnce(grpcDeadline(timeout))
      .then(() => {
        if (this.stopped) return;
        const wasHealthy = this.healthy;
        this.health.ok(sentAt);
        this.armHealthTimer();
        if (this.healthy) this.resumeDoubted();
        if (this.isolated && !wasHealthy) {
          this.isolated = false;
          this.log.warn('keepalives succeed again: the lease outlived the outage, resuming mastership');
          this.emit('healthChanged', { healthy: true, reason: 'keepalive succeeded' });
          this.scheduleReconcile();
        }
      })
      .catch((e: Error) => {
        if (this.stopped) return;
        if (e instanceof EtcdLeaseInvalidError) void this.relaunch('lease expired or revoked');
        else this.log.debug({ err: e.message }, 'keepalive failed');
      })
      .finally(() => {
        this.keepaliveInFlight = false;
      });
  }

  /** Fires at the demotion deadline; demotes unless a keepalive moved it. */
  private armHealthTimer(): void {
    this.healthTimer?.cancel();
    if (this.stopped) return;
    const wait = Math.max(0, this.health.deadline() - this.now());
    this.healthTimer = this.clock.after(wait + 1, () => {
      this.healthTimer = undefined;
      if (this.stopped || this.isolated) return;
      if (this.health.withinDeadline(this.now())) {
        this.armHealthTimer();
        return;
      }
      this.log.error(
        { sinceKeepaliveMs: this.health.sinceOk(this.now()), ttlSec: this.cfg.leaseTtlSec },
        'no keepalive confirmed in time: demoting this instance on every switch before the lease can expire',
      );
      this.demoteAll('keepalive overdue');
    });
    this.healthTimer.unref();
  }

  /**
   * A write as master found the lease in doubt (a stall, or the deadline passed before the health
   * timer could run): demote at once when the deadline has passed, else confirm the lease now.
   */
  private onLeaseDoubt(dp: Datapath): void {
    if (this.stopped) return;
    if (this.isolated) {
      // Demoted already: this switch's role lags behind; make it a slave too.
      this.askRole(dp, 'slave', this.lastGen.get(dp.dpidHex) ?? this.asked.get(dp.dpidHex)?.gen ?? 0n);
      return;
    }
    this.doubted.add(dp);
    if (this.checkDeadline('the lease deadline passed before a write')) return;
    this.sendKeepalive(); // a stall is unresolved: a keepalive sent from now on confirms the lease
  }

  /** Demotes when the demotion deadline has passed (a timer may not have run yet); true if so. */
  private checkDeadline(reason: string): boolean {
    if (this.isolated || this.health.withinDeadline(this.now())) return false;
    this.log.error({ sinceKeepaliveMs: this.health.sinceOk(this.now()), ttlSec: this.cfg.leaseTtlSec }, `${reason}: demoting this instance on every switch`);
    this.demoteAll(reason);
    return true;
  }

  /** The lease is confirmed: switches that held writes for a doubt send them. */
  private resumeDoubted(): void {
    const dps = [...this.doubted];
    this.doubted.clear();
    for (const dp of dps) if (this.datapaths.get(dp.dpid) === dp) dp.resumeMastership();
  }

  /** Gives up mastership on every switch at once (the gate refuses writes from now on) and stops claiming. */
  private demoteAll(reason: string): void {
    const wasIsolated = this.isolated;
    this.isolated = true;
    this.doubted.clear();
    for (const dp of this.datapaths.values()) {
      if (dp.mastership === 'master' || dp.mastership === 'pending') {
        this.askRole(dp, 'slave', this.lastGen.get(dp.dpidHex) ?? this.asked.get(dp.dpidHex)?.gen ?? 0n);
      }
    }
    if (!wasIsolated) this.emit('healthChanged', { healthy: false, reason });
  }

  /** The lease is gone: demote, then register again under a new one (retrying until etcd answers). */
  private async relaunch(reason: string): Promise<void> {
    if (this.relaunching || this.stopped) return;
    this.relaunching = true;
    this.log.error({ reason }, 'lost the cluster lease; re-registering');
    this.demoteAll(reason);
    this.health.reset();
    for (const [d, o] of this.owners) if (o.lease === this.leaseId) this.owners.delete(d);
    try {
      while (!this.stopped) {
        try {
          await this.launch();
          this.scheduleReconcile();
          return;
        } catch (e) {
          this.log.warn({ err: (e as Error).message }, 'cannot register again yet');
          await delay(this.clock, this.cfg.keepaliveIntervalMs);
        }
      }
    } finally {
      this.relaunching = false;
    }
  }

  // ---- etcd state ----

  private applyEvents(events: readonly { type: 'Put' | 'Delete'; kv: IKeyValue }[]): void {
    if (this.stopped) return;
    // Member deletions first: a lease's keys all go in one revision, in no set order, and the
    // topology must know whether an entry left with its instance.
    const membersPrefix = `${this.p}members/`;
    const rank = (e: { type: string; kv: IKeyValue }): number => (e.type === 'Delete' && e.kv.key.toString('utf8').startsWith(membersPrefix) ? 0 : 1);
    const ordered = [...events].sort((a, b) => rank(a) - rank(b));
    let changed = false;
    for (const e of ordered) {
      const key = e.kv.key.toString('utf8');
      if (!key.startsWith(this.p)) continue;
      const parts = key.slice(this.p.length).split('/');
      const put = e.type === 'Put';
      const value = put ? e.kv.value.toString('utf8') : '';
      switch (parts[0]) {
        case 'members':
          changed = this.onMember(parts[1]!, put ? value : undefined) || changed;
          break;
        case 'conn':
          changed = this.onConn(parts[1]!, parts[2]!, put) || changed;
          break;
        case 'masters':
          changed = this.onMaster(parts[1]!, put ? value : undefined, BigInt(e.kv.mod_revision)) || changed;
          break;
        case 'topo':
          this.onTopo(parts[1]!, parts[2]!, parts.slice(3).join('/'), put ? value : undefined, Number(e.kv.mod_revision));
          break;
        default:
          break;
      }
    }
    if (changed) {
      this.scheduleReconcile();
      this.statusChanged();
    }
  }

  /** Emits `statusChanged` once for the changes of the next {@link STATUS_COALESCE_MS}. */
  private statusChanged(): void {
    if (this.statusTimer || this.stopped) return;
    this.statusTimer = this.clock
      .after(STATUS_COALESCE_MS, () => {
        this.statusTimer = undefined;
        this.emit('statusChanged');
      })
      .unref();
  }

  private onMember(id: string, value: string | undefined): boolean {
    if (value === undefined) {
      if (!this.members.delete(id)) return false;
      this.holdDown.left(id);
    } else {
      let rec: MemberRecord;
      try {
        rec = JSON.parse(value) as MemberRecord;
      } catch {
        return false;
      }
      const prev = this.members.get(id);
      if (prev && prev.lease !== rec.lease) this.holdDown.left(id); // a new lease: it went away meanwhile
      this.members.set(id, rec);
      this.holdDown.joined(id, this.now());
    }
    this.emit('membersChanged', { members: this.liveMembers() });
    return true;
  }

  private onConn(dpid: string, id: string, present: boolean): boolean {
    let s = this.conns.get(dpid);
    if (present) {
      if (!s) this.conns.set(dpid, (s = new Set()));
      if (s.has(id)) return false;
      s.add(id);
      return true;
    }
    if (!s?.delete(id)) return false;
    if (s.size === 0) this.conns.delete(dpid);
    return true;
  }

  private onMaster(dpid: string, value: string | undefined, rev: bigint): boolean {
    if (value === undefined) {
      const had = this.owners.get(dpid);
      if (!had) return false;
      this.owners.delete(dpid);
      return true;
    }
    let rec: { instanceId: string; lease: string };
    try {
      rec = JSON.parse(value) as typeof rec;
    } catch {
      return false;
    }
    const prev = this.owners.get(dpid);
    this.owners.set(dpid, { instanceId: rec.instanceId, lease: rec.lease, generation: rev });
    if ((this.lastGen.get(dpid) ?? -1n) < rev) this.lastGen.set(dpid, rev);
    if (rec.lease !== this.leaseId) {
      // Someone else's term: be a slave with the current generation (refused writes from here on).
      const dp = this.findDp(dpid);
      if (dp && !(this.asked.get(dpid)?.role === 'slave' && this.asked.get(dpid)?.gen === rev)) this.askRole(dp, 'slave', rev);
    }
    return prev?.generation !== rev;
  }

  private onTopo(id: string, kind: string, key: string, value: string | undefined, rev: number): void {
    if (kind !== 'link' && kind !== 'host') return;
    if (value === undefined) {
      this.view.remove(id, kind, key, this.liveMembers().includes(id));
      return;
    }
    const v = kind === 'link' ? decodeLink(value) : decodeHost(value);
    if (v) this.view.put(id, kind, key, v, rev);
  }

  // ---- switches ----

  private findDp(dpidHex: string): Datapath | undefined {
    const dp = this.datapaths.get(BigInt(`0x${dpidHex}`));
    return dp && dp.connected ? dp : undefined;
  }

  /** Runs first on switchConnected, so the gate is set before any other listener can write. */
  private onSwitchConnected(dp: Datapath): void {
    const d = dp.dpidHex;
    dp.leaseGate = this.gate;
    this.asked.delete(d);
    this.announced.delete(d);
    if (dp.version === OFP_VERSION_1_0) {
      this.log.warn({ dpid: d }, 'OpenFlow 1.0 has no controller roles: connect this switch to one instance only');
    }
    const o = this.owners.get(d);
    if (o && o.lease === this.leaseId && this.healthy) this.askRole(dp, 'master', o.generation);
    else if (o || !this.healthy || dp.version === OFP_VERSION_1_0) this.askRole(dp, 'slave', o?.generation ?? this.lastGen.get(d) ?? 0n);
    else this.holdUndecided(dp);
    void this.putConn(d).then(() => this.scheduleReconcile());
  }

  /**
   * Nobody masters the switch yet and this instance may be the one: hold its writes in the gate
   * (as for a pending claim) rather than refuse them, so what apps install on connect goes out if
   * the claim is ours and fails with NotMasterError if another instance's record appears. If
   * nothing is decided within a lease TTL, become a slave.
   */
  private holdUndecided(dp: Datapath): void {
    dp.mastership = 'pending';
    const t = this.clock.after(this.cfg.leaseTtlSec * 1000, () => {
      if (this.stopped || this.datapaths.get(dp.dpid) !== dp || this.asked.has(dp.dpidHex) || dp.mastership !== 'pending') return;
      this.askRole(dp, 'slave', this.lastGen.get(dp.dpidHex) ?? 0n);
    });
    t.unref();
  }

  private onSwitchDisconnected(dpid: bigint): void {
    if (this.datapaths.has(dpid)) return; // replaced by a new connection
    const d = dpidToHex(dpid);
    this.asked.delete(d);
    this.announced.delete(d);
    if (!this.myConns.has(d)) return;
    this.myConns.delete(d);
    this.client
      .delete()
      .key(this.key('conn', d, this.instanceId))
      .options(this.call())
      .exec()
      .catch((e: Error) => this.log.debug({ dpid: d, err: e.message }, 'conn record not removed (the lease will)'));
  }

  private async putConn(d: string): Promise<void> {
    if (!this.leaseId || this.stopped) return;
    this.myConns.add(d);
    try {
      await this.client.put(this.key('conn', d, this.instanceId)).value(this.leaseId).lease(this.leaseId).options(this.call()).exec();
    } catch (e) {
      this.log.warn({ dpid: d, err: (e as Error).message }, 'conn record not written');
    }
  }

  /** Sends a ROLE_REQUEST through the gate and announces what it leads to. */
  private askRole(dp: Datapath, role: 'master' | 'slave', gen: bigint): void {
    const d = dp.dpidHex;
    this.asked.set(d, { role, gen });
    const done = dp.claimRole(role, gen);
    this.announce(dp, gen); // a slave claim takes effect at once
    done.then(
      () => this.announce(dp, gen),
      (e: Error) => this.log.warn({ dpid: d, role, err: e.message }, 'role request failed'),
    );
  }

  private announce(dp: Datapath, gen: bigint): void {
    const role = dp.mastership;
    if (role === 'pending' || this.datapaths.get(dp.dpid) !== dp) return;
    const last = this.announced.get(dp.dpidHex);
    if (last && last.role === role && (role !== 'master' || last.gen === gen)) return;
    this.announced.set(dp.dpidHex, { role, gen });
    if (role === 'master') this.masterSince.set(dp.dpidHex, this.now());
    else this.masterSince.delete(dp.dpidHex);
    const change: MastershipChange = { dpid: dp.dpid, role, generationId: gen };
    this.log.info({ dpid: dp.dpidHex, role, generationId: gen.toString() }, 'mastership changed');
    this.emit('mastershipChanged', change);
    if (this.forwardToBus) (this.bus as unknown as EventEmitter).emit('mastershipChanged', change);
  }

  // ---- assignment ----

  private scheduleReconcile(): void {
    if (this.reconcileQueued || this.stopped) return;
    this.reconcileQueued = true;
    setImmediate(() => {
      this.reconcileQueued = false;
      this.reconcile();
    });
  }

  /** Claims and releases towards the assignment, and keeps each switch's role in line with etcd. */
  private reconcile(): void {
    if (this.stopped || this.relaunching || !this.healthy) return;
    const owners = new Map<string, string>();
    for (const [d, o] of this.owners) owners.set(d, o.lease === this.leaseId ? this.instanceId : `${o.instanceId}#${o.lease}`);
    const now = this.now();
    const live = this.liveMembers();
    const held = new Set(live.filter((id) => this.holdDown.held(id, now)));
    const assignment = assignWithHoldDown({ instances: live, candidates: this.conns }, held);
    const plan = planMastership(this.instanceId, assignment, owners);
    for (const d of plan.claim) void this.claim(d);
    for (const d of plan.release) void this.release(d);
    // Terms this instance holds: make sure the switch knows (a reconnect, or back from isolation).
    for (const [d, o] of this.owners) {
      if (o.lease !== this.leaseId || plan.release.includes(d)) continue;
      const dp = this.findDp(d);
      if (!dp) continue;
      const a = this.asked.get(d);
      if (!(a?.role === 'master' && a.gen === o.generation && dp.mastership !== 'slave')) this.askRole(dp, 'master', o.generation);
    }
  }

  /** Creates the mastership record if absent (one transaction): the new revision is the term. */
  private async claim(d: string): Promise<void> {
    if (this.claiming.has(d)) return;
    this.claiming.add(d);
    const k = this.key('masters', d);
    try {
      const leaseId = this.leaseId;
      const r = await this.client
        .if(k, 'Create', '==', 0)
        .then(this.client.put(k).value(JSON.stringify({ instanceId: this.instanceId, lease: leaseId })).lease(leaseId))
        .options(this.call())
        .commit();
      if (!r.succeeded) return; // someone else's; the watch tells whose
      const gen = BigInt(r.header.revision);
      this.owners.set(d, { instanceId: this.instanceId, lease: leaseId, generation: gen });
      if ((this.lastGen.get(d) ?? -1n) < gen) this.lastGen.set(d, gen);
      this.log.info({ dpid: d, generationId: gen.toString() }, 'claimed mastership');
      const dp = this.findDp(d);
      if (dp && this.healthy) this.askRole(dp, 'master', gen);
    } catch (e) {
      this.log.warn({ dpid: d, err: (e as Error).message }, 'mastership claim failed');
    } finally {
      this.claiming.delete(d);
    }
  }

  /** Hands a switch over: become slave first, then delete the record if it is still this term. */
  private async release(d: string): Promise<void> {
    if (this.releasing.has(d)) return;
    const o = this.owners.get(d);
    if (!o || o.lease !== this.leaseId) return;
    this.releasing.add(d);
    const dp = this.findDp(d);
    if (dp) this.askRole(dp, 'slave', o.generation);
    const k = this.key('masters', d);
    try {
      await this.client.if(k, 'Mod', '==', o.generation.toString()).then(this.client.delete().key(k)).options(this.call()).commit();
      this.log.info({ dpid: d, generationId: o.generation.toString() }, 'released mastership for rebalancing');
    } catch (e) {
      this.log.warn({ dpid: d, err: (e as Error).message }, 'mastership release failed');
    } finally {
      this.releasing.delete(d);
    }
  }

  // ---- topology publication ----

  /** True when this instance has mastered the switch for at least `topologyGraceMs`. */
  private masteredForGrace(dpidHex: string): boolean {
    const since = this.masterSince.get(dpidHex);
    return this.owners.get(dpidHex)?.lease === this.leaseId && since !== undefined && this.now() - since >= this.cfg.topologyGraceMs;
  }

  private localTopologyChanged(): void {
    this.publishSoon(this.cfg.topologyPublishMs);
  }

  /** What this instance should have published now (read from the local topology). */
  private readLocalTopology(): void {
    const t = this.topologySource?.();
    if (!t) return;
    this.topoDesired.clear();
    const now = this.now();
    let nextExpiry = Infinity;
    for (const [k, h] of this.heldLinks) {
      if (h.until <= now) this.heldLinks.delete(k);
      else {
        this.topoDesired.set(this.key('topo', this.instanceId, 'link', k), encodeLink(h.link));
        nextExpiry = Math.min(nextExpiry, h.until);
      }
    }
    for (const l of t.links()) {
      this.heldLinks.delete(linkKey(l)); // probed again
      this.topoDesired.set(this.key('topo', this.instanceId, 'link', linkKey(l)), encodeLink(l));
    }
    if (nextExpiry < Infinity && !this.holdTimer && !this.stopped) {
      this.holdTimer = this.clock.after(nextExpiry - now + 1, () => {
        this.holdTimer = undefined;
        this.publishSoon(0);
      });
      this.holdTimer.unref();
    }
    for (const h of t.hostList()) this.topoDesired.set(this.key('topo', this.instanceId, 'host', h.id), encodeHost(h));
  }

  /** One bus `topologyChanged` with the merged snapshot for a burst of changes (`topologyCoalesceMs`). */
  private mergedChangedSoon(): void {
    if (this.mergedTimer || this.stopped) return;
    this.mergedTimer = this.clock.after(this.topologyCoalesceMs, () => {
      this.mergedTimer = undefined;
      if (this.stopped) return;
      const snapshot = this.view.snapshot(datapathSwitches(this.datapaths));
      (this.bus as unknown as EventEmitter).emit('topologyChanged', { version: snapshot.version, snapshot });
    });
    this.mergedTimer.unref();
  }

  private publishSoon(ms: number): void {
    if (this.topoTimer || this.stopped) return;
    this.topoTimer = this.clock.after(ms, () => {
      this.topoTimer = undefined;
      void this.publish();
    });
    this.topoTimer.unref();
  }

  /** Writes the difference between what this instance knows and what it has published (under its lease). */
  private async publish(): Promise<void> {
    if (this.publishing || this.stopped || !this.leaseId) return;
    this.publishing = true;
    this.readLocalTopology();
    const ops: { key: string; value: string | undefined }[] = [];
    for (const [k, v] of this.topoDesired) if (this.topoPublished.get(k) !== v) ops.push({ key: k, value: v });
    for (const k of this.topoPublished.keys()) if (!this.topoDesired.has(k)) ops.push({ key: k, value: undefined });
    const leaseId = this.leaseId;
    try {
      for (let i = 0; i < ops.length; i += 100) {
        const chunk = ops.slice(i, i + 100);
        await this.client
          .if(this.key('members', this.instanceId), 'Lease', '==', leaseId)
          .then(...chunk.map((o) => (o.value === undefined ? this.client.delete().key(o.key) : this.client.put(o.key).value(o.value).lease(leaseId))))
          .options(this.call())
          .commit();
        for (const o of chunk) {
          if (o.value === undefined) this.topoPublished.delete(o.key);
          else this.topoPublished.set(o.key, o.value);
        }
      }
    } catch (e) {
      this.log.debug({ err: (e as Error).message }, 'topology not published; retrying');
      this.publishing = false;
      this.publishSoon(this.cfg.keepaliveIntervalMs);
      return;
    }
    this.publishing = false;
  }

  private onBus<K extends keyof ControllerEvents>(name: K, fn: (...a: ControllerEvents[K]) => void, first = false): void {
    const wrapped = ((...a: ControllerEvents[K]) => {
      try {
        fn(...a);
      } catch (err) {
        this.log.error({ err: (err as Error).message, event: name }, 'cluster handler failed');
      }
    }) as unknown as (...a: never[]) => void;
    this.busListeners.push([name, wrapped]);
    if (first) this.bus.prependListener(name, wrapped as never);
    else this.bus.on(name, wrapped as never);
  }
}
