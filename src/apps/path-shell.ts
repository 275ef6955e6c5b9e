/**
 * The shell the path-installing apps (forwarding, router) share around their pure logic: it keeps
 * the logic fed with topology snapshots, turns port loss into the logic's portDown, and applies
 * every result with applyEffects on the switches this instance may write to.
 */
import { OFPPC, OFPPS } from '../openflow/codec/v13/enums.js';
import { applyEffects, type ApplyOptions, type Effects } from './effects.js';
import type { PathTopology } from './paths.js';
import type { AppContext, PortModifiedEvent, PortRemovedEvent, TopologyChangedEvent } from '../core/app.js';

/** What a path app's logic offers the shared shell. */
export interface PathLogic {
  /**
   * A new snapshot. `withHosts` false: only switches, ports or links changed since the last call
   * that matters (a catch-up before a packet-in); the logic must not read `topo.hosts` (O(hosts))
   * then, a call with `withHosts` true follows with the coalesced topologyChanged.
   */
  setTopology(topo: PathTopology, now: number, withHosts?: boolean): Effects;
  /** A port went down or away. */
  portDown(dpid: bigint, port: number): Effects;
}

/**
 * Feeds a path app's logic the topology snapshot. Before a packet-in (`beforePacket`) it catches up
 * only when switches, ports or links changed (a cheap identity check), and with those only, so a
 * path never follows a stale link set; host changes arrive with the coalesced topologyChanged
 * (`changed`), because reading the hosts per packet-in would cost O(hosts) each while thousands
 * of hosts appear or the fabric keeps changing.
 */
export class TopologyFeed {
  private applied: PathTopology | undefined;
  private appliedFabric: unknown;
  /** Whether the logic has read the hosts of `applied` (a fabric catch-up does not). */
  private hostsApplied = false;

  constructor(
    private readonly c: AppContext<object>,
    private readonly logic: PathLogic,
    private readonly apply: (fx: Effects, why?: string) => void,
  ) {}

  /** Catches up with a fabric change (or the first snapshot). */
  beforePacket(): void {
    const topo = this.c.topology;
    if (!topo) return;
    const fabric = topo.fabricVersion();
    if (this.applied !== undefined && fabric !== undefined && fabric === this.appliedFabric) return;
    const snap = topo.snapshot();
    if (snap === this.applied) return;
    // The first snapshot is read whole; later ones only for their fabric: while hostile or flapping
    // switches change the fabric between packet-ins, reading every host here cost O(hosts) per
    // packet-in (the fuzz harness's profile: most of the controller's CPU, growing with the hosts).
    const withHosts = this.applied === undefined;
    this.applied = snap;
    this.appliedFabric = fabric;
    this.hostsApplied = withHosts;
    this.apply(this.logic.setTopology(snap, this.c.now(), withHosts), 'topology changed');
  }

  /** A new snapshot (topologyChanged): read whole, hosts included, once. */
  changed(snap: PathTopology, fabric: unknown = this.c.topology?.fabricVersion()): void {
    if (snap === this.applied && this.hostsApplied) return;
    this.applied = snap;
    this.appliedFabric = fabric;
    this.hostsApplied = true;
    this.apply(this.logic.setTopology(snap, this.c.now(), true), 'topology changed');
  }
}

/** True when a port's config or state says it is down. */
function isDown(port: { readonly config: number; readonly state: number }): boolean {
  return (port.config & OFPPC.PORT_DOWN) !== 0 || (port.state & OFPPS.LINK_DOWN) !== 0;
}

/**
 * The running state of a path app (its context, logic and topology feed) and the handlers both
 * apps have alike. `start` with a fresh logic on every enable, `stop` on disable.
 */
export class PathShell<C extends object, L extends PathLogic> {
  ctx: AppContext<C> | undefined;
  logic: L | undefined;
  private feed: TopologyFeed | undefined;
  private readonly opts: ApplyOptions;

  /** `what` names the app's flows in log lines. */
  constructor(what: string) {
    // Every instance of a cluster computes the same paths: each writes only to the switches it masters.
    this.opts = { what, onlyWritable: true };
  }

  start(c: AppContext<C>, logic: L): void {
    this.ctx = c;
    this.logic = logic;
    this.feed = new TopologyFeed(c, logic, this.apply);
  }

  stop(): void {
    this.ctx = undefined;
    this.logic = undefined;
    this.feed = undefined;
  }

  /** Applies the logic's effects (nothing once stopped); path flows removed are logged with `why`. */
  readonly apply = (fx: Effects, why = 'effects'): void => {
    if (!this.ctx) return;
    // Paths that go cost packets: say which and why (a failover must cause none).
    if (fx.remove.length > 0) this.ctx.log.info({ why, flows: fx.remove.length, switches: [...new Set(fx.remove.map((r) => r.dpid.toString(16)))] }, 'path flows removed');
    void applyEffects(this.ctx, fx, this.opts);
  };

  /** Catches the logic up with a fabric change before it decides (a packet-in, a connect, a read). */
  refresh(): void {
    this.feed?.beforePacket();
  }

  topologyChanged(e: TopologyChangedEvent): void {
    if (!this.logic || !this.ctx) return;
    this.feed?.changed(e.snapshot);
  }

  /**
   * A port went down: paths to hosts there go, and paths over its links move at once. The topology
   * service hears a port status before the apps (the controller subscribes it first) and has
   * already dropped the links, so catching up with the fabric now reroutes without waiting for
   * the coalesced topologyChanged (`changeCoalesceMs` later, traffic on the cut link lost meanwhile).
   */
  portModified(e: PortModifiedEvent): void {
    if (!isDown(e.port) || !this.logic) return;
    this.apply(this.logic.portDown(e.dpid, e.port.portNo), 'port down');
    this.refresh();
  }

  portRemoved(e: PortRemovedEvent): void {
    if (!this.logic) return;
    this.apply(this.logic.portDown(e.dpid, e.port.portNo), 'port removed');
    this.refresh();
  }

  /**
   * A packet-in: refreshes the topology, lets `decide` answer it and applies the answer. Returns
   * the effects (undefined when the app is stopped) for the app's counters and chain verdict.
   */
  packetIn<F extends Effects>(decide: (c: AppContext<C>, l: L) => F): F | undefined {
    const c = this.ctx;
    const l = this.logic;
    if (!c || !l) return undefined;
    this.refresh();
    const fx = decide(c, l);
    this.apply(fx);
    return fx;
  }
}
