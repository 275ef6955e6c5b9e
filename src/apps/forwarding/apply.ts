/** The shell side shared by the path-installing apps (forwarding, router): applying what their logic decided. */
import type { AppContext } from '../types.js';
import type { Effects } from './logic.js';

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
  for (const p of fx.packetOuts) {
    const out = p.fallback && !canWrite(c, p.dpid) ? p.fallback : p;
    if (canWrite(c, out.dpid)) c.packets.packetOut(out.dpid, out.spec);
  }
}
