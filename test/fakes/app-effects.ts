/**
 * Applies an app's pure-logic Effects to a fake network as the app's shell and the flow service
 * would: flows in the app's cookie space (removals strict, withdrawals non-strict), then the
 * packet-outs, which the caller runs or hands back to the network's controller callback.
 */
import type { Effects, PacketOutAt } from '../../src/apps/effects.js';
import type { FlowRule } from '../../src/core/services.js';
import type { FakeNetwork } from './fake-network.js';

/** The flow service gives each app the top 16 bits of the cookie. */
export const APP_COOKIE_MASK = 0xffff_0000_0000_0000n;

/** Options of {@link applyEffects}. */
export interface ApplyEffectsOptions {
  /** The app's cookie (its top 16 bits are the app's). */
  readonly cookie: bigint;
  /** Switches this controller instance may write to (a cluster); default all. */
  readonly canWrite?: (dpid: bigint) => boolean;
}

/** What applying effects sent. */
export interface Applied {
  /** Flow mods sent. */
  readonly flowMods: number;
  /** The packet-outs to run, a fallback taken where the first choice is not writable. */
  readonly packetOuts: PacketOutAt[];
}

function withCookie(rule: FlowRule, cookie: bigint): FlowRule {
  return { ...rule, cookie };
}

/** Applies effects in the order the shell does: remove, install, withdraw; returns the packet-outs to send. */
export function applyEffects(net: FakeNetwork, fx: Effects, opts: ApplyEffectsOptions): Applied {
  const can = opts.canWrite ?? ((): boolean => true);
  let flowMods = 0;
  for (const r of fx.remove) {
    if (!can(r.dpid)) continue;
    flowMods++;
    net.flowMod(r.dpid, { ...withCookie(r.rule, opts.cookie), command: 'delete_strict', cookieMask: APP_COOKIE_MASK });
  }
  for (const i of fx.install) {
    if (!can(i.dpid)) continue;
    flowMods++;
    net.flowMod(i.dpid, withCookie(i.rule, opts.cookie));
  }
  for (const w of fx.withdraw ?? []) {
    switch (w.kind) {
      case 'matching':
        if (!can(w.dpid)) continue;
        flowMods++;
        net.flowMod(w.dpid, { command: 'delete', match: w.match, cookie: opts.cookie, cookieMask: APP_COOKIE_MASK });
        break;
      case 'where':
        throw new Error('app-effects: a "where" withdrawal needs the flow service\'s records, which the fake network does not keep');
      default: {
        const never: never = w;
        throw new Error(`unknown withdrawal ${JSON.stringify(never)}`);
      }
    }
  }
  const packetOuts: PacketOutAt[] = [];
  for (const po of fx.packetOuts) {
    const chosen = !can(po.dpid) && po.fallback ? po.fallback : po;
    if (can(chosen.dpid)) packetOuts.push(chosen);
  }
  return { flowMods, packetOuts };
}
