/** The shell side shared by the path-installing apps (forwarding, router): applying what their logic decided. */
import type { AppContext } from '../types.js';
import type { Effects } from './logic.js';

/** Sends the logic's effects: flow removals (failures logged as `what`), installs, packet-outs. */
export function applyEffects(c: AppContext<object>, fx: Effects, what: string): void {
  for (const r of fx.remove) c.flows.remove(r.dpid, r.rule).catch((e: Error) => c.log.warn({ err: e.message }, `${what} not removed`));
  for (const i of fx.install) c.flows.install(i.dpid, i.rule);
  for (const p of fx.packetOuts) c.packets.packetOut(p.dpid, p.spec);
}
