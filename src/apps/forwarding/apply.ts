/** The shell side shared by the path-installing apps (forwarding, router): applying what their logic decided. */
import type { AppContext } from '../types.js';
import type { Effects, ForwardingTopology } from './logic.js';

/**
 * True when this controller may write to the switch: it is connected here and, in a cluster, not
 * mastered by another instance (whose own copy of the app installs that switch's hops).
 */
export function canWrite(c: AppContext<object>, dpid: bigint): boolean {
  const dp = c.datapaths.get(dpid);
  return dp !== undefined && dp.mastership !== 'slave';
}

/**
 * Sends the logic's effects: flow removals (failures logged as `what`), installs, packet-outs
 * (or their fallbacks). Flows on switches another instance masters are left to that instance.
 */
export function applyEffects(c: AppContext<object>, fx: Effects, what: string): void {
  for (const r of fx.remove) if (canWrite(c, r.dpid)) c.flows.remove(r.dpid, r.rule).catch((e: Error) => c.log.warn({ err: e.message }, `${what} not removed`));
  for (const i of fx.install) if (canWrite(c, i.dpid)) c.flows.install(i.dpid, i.rule);
  // The packet service says false where it cannot send (another instance masters the switch).
  for (const p of fx.packetOuts) if (!c.packets.packetOut(p.dpid, p.spec) && p.fallback) c.packets.packetOut(p.fallback.dpid, p.fallback.spec);
}

/** What a path app's logic takes from the topology. */
export interface TopologyConsumer {
  setTopology(topo: ForwardingTopology, now: number): Effects;
}

/**
 * Feeds a path app's logic the topology snapshot. Before a packet-in (`beforePacket`) it catches up
 * only when switches, ports or links changed (a cheap identity check), so a path never follows a
 * stale link set; host changes arrive with the coalesced topologyChanged (`changed`), because a
 * snapshot per new host would cost O(hosts) per packet-in while thousands of hosts appear.
 */
export class TopologyFeed {
  private applied: ForwardingTopology | undefined;
  private appliedFabric: unknown;

  constructor(
    private readonly c: AppContext<object>,
    private readonly logic: TopologyConsumer,
    private readonly apply: (fx: Effects) => void,
  ) {}

  /** Catches up with a fabric change (or the first snapshot). */
  beforePacket(): void {
    const topo = this.c.topology;
    if (!topo?.snapshot) return;
    const fabric = topo.fabricVersion?.();
    if (this.applied !== undefined && fabric !== undefined && fabric === this.appliedFabric) return;
    this.changed(topo.snapshot(), fabric);
  }

  /** A new snapshot (topologyChanged). */
  changed(snap: ForwardingTopology, fabric: unknown = this.c.topology?.fabricVersion?.()): void {
    if (snap === this.applied) return;
    this.applied = snap;
    this.appliedFabric = fabric;
    this.apply(this.logic.setTopology(snap, this.c.now()));
  }

  /** Forgets what was applied (the logic was rebuilt). */
  reset(): void {
    this.applied = undefined;
    this.appliedFabric = undefined;
  }
}
