/**
 * What an app's pure logic asks its shell to do (flows to declare or withdraw in the app's cookie
 * space, packets to send, whether the packet-in chain stops), and the one function that does it
 * through the app's services. Every built-in app's `index.ts` applies its logic's results here.
 */
import type { BufferedPacket, FlowRecord, FlowRule } from '../core/services.js';
import type { Match } from '../openflow/codec/v13/oxm.js';
import type { PacketOutSpec } from '../core/model.js';
import type { AppContext } from '../core/app.js';
import { OFP_NO_BUFFER } from '../openflow/codec/constants.js';

export type { PacketOutSpec } from '../core/model.js';

/** A flow to declare or withdraw on a switch. */
export interface FlowAt {
  readonly dpid: bigint;
  readonly rule: FlowRule;
  /**
   * Set by `applyEffects` when it declares the flow: the flow service's record of it. Logic that
   * keeps the FlowAt can later ask whether that flow still stands (FlowScope.isCurrent) instead
   * of building and declaring it again.
   */
  record?: FlowRecord;
  /**
   * The packet-in this flow answers, when the switch buffered it: the flow's ADD carries the buffer
   * id, and a packet-out of that buffer on the same switch in these effects goes out only if no
   * ADD took it (see BufferedPacket). Only for a flow that does to the packet what that packet-out does.
   */
  readonly buffered?: BufferedPacket;
}

/**
 * The packet-in's buffer for the ADD of a flow going into table `tableId` to carry (see
 * FlowAt.buffered), or undefined: the switch did not buffer the packet, or the flow goes in another
 * table than 0, where the buffered packet would not start (a flow mod runs it from table 0).
 */
export function bufferedFor(bufferId: number, tableId: number): BufferedPacket | undefined {
  return bufferId !== OFP_NO_BUFFER && tableId === 0 ? { bufferId, taken: false } : undefined;
}

/** A packet to send. */
export interface PacketOutAt {
  readonly dpid: bigint;
  readonly spec: PacketOutSpec;
  /** Sent instead when `dpid` cannot take the packet-out (cluster mode: another instance masters it). */
  readonly fallback?: PacketOutAt;
}

/** A withdrawal wider than one flow's identity, in the app's own cookie space. */
export type Withdrawal =
  /** Every flow of the app on the switch whose match includes all of `match` (a non-strict delete). */
  | { readonly kind: 'matching'; readonly dpid: bigint; readonly match: Match }
  /** The app's flows that `pick` selects, on one switch or (dpid undefined) all of them. */
  | { readonly kind: 'where'; readonly dpid: bigint | undefined; readonly pick: (r: FlowRecord) => boolean };

/**
 * What the shell must do, applied in this order: `remove` (so a flow can be replaced in the same
 * breath), `install`, `withdraw` (after the installs: a set of flows that moves is never absent),
 * `packetOuts`. `handled` false lets the next app see the packet-in.
 */
export interface Effects {
  /** Flows to withdraw by identity (table, priority, match: delete_strict). */
  readonly remove: FlowAt[];
  /** Flows to declare; one equal to a flow already declared sends nothing. */
  readonly install: FlowAt[];
  readonly withdraw?: Withdrawal[];
  readonly packetOuts: PacketOutAt[];
  handled: boolean;
}

/** Empty effects; `handled` says whether the packet-in (if any) stops here. */
export function effects(handled = true): Effects {
  return { remove: [], install: [], packetOuts: [], handled };
}

/** Effects that declare `rules` on one switch (e.g. the flows a switch gets when it connects). */
export function installs(dpid: bigint, rules: readonly FlowRule[]): Effects {
  const fx = effects();
  for (const rule of rules) fx.install.push({ dpid, rule });
  return fx;
}

/** Effects that send one packet (e.g. a reply the controller built). */
export function sends(dpid: bigint, spec: PacketOutSpec): Effects {
  const fx = effects();
  fx.packetOuts.push({ dpid, spec });
  return fx;
}

/** How `applyEffects` treats an app's effects. */
export interface ApplyOptions {
  /** Names the flows in the log line of a failed removal. */
  readonly what?: string;
  /**
   * Declare and remove flows (`install`, `remove`) only on switches this instance may write to (see `canWrite`):
   * in a cluster, apps whose every instance computes the same flows from the same packets
   * (forwarding, router) leave another instance's switches to that instance's own copy.
   */
  readonly onlyWritable?: boolean;
}

const DEFAULT_OPTIONS: ApplyOptions = {};
/** What applyEffects returns when there were no removals to wait for (no allocation on the hot path). */
const DONE: Promise<void> = Promise.resolve();

/**
 * True when this controller may write to the switch: it is connected here and, in a cluster, not
 * mastered by another instance.
 */
export function canWrite(c: AppContext<object>, dpid: bigint): boolean {
  return c.devices.canWrite(dpid);
}

/** True when a flow's ADD took the buffered packet this packet-out would send (the switch has it already, and the buffer is gone). */
function takenByInstall(install: readonly FlowAt[], p: PacketOutAt): boolean {
  const bufferId = p.spec.bufferId;
  if (bufferId === undefined) return false;
  for (let i = 0; i < install.length; i++) {
    const b = install[i]!.buffered;
    if (b !== undefined && b.taken && b.bufferId === bufferId && install[i]!.dpid === p.dpid) return true;
  }
  return false;
}

/**
 * Performs the effects through the app's flow scope and packet service. A failed removal is
 * logged, never thrown. Resolves when the removals have been sent (callers on a hot path need
 * not wait); everything else is done when it returns.
 */
export function applyEffects(c: AppContext<object>, fx: Effects, opts: ApplyOptions = DEFAULT_OPTIONS): Promise<void> {
  // Indexed loops behind length checks: this runs for every packet-in, and most lists are empty.
  const only = opts.onlyWritable === true;
  let removals: Promise<unknown>[] | undefined;
  const remove = fx.remove;
  for (let i = 0; i < remove.length; i++) {
    const r = remove[i]!;
    if (only && !canWrite(c, r.dpid)) continue;
    const p = c.flows.remove(r.dpid, r.rule).catch((e: Error) => c.log.warn({ err: e.message }, `${opts.what ?? 'flow'} not removed`));
    (removals ??= []).push(p);
  }
  const install = fx.install;
  for (let i = 0; i < install.length; i++) {
    const at = install[i]!;
    if (only && !canWrite(c, at.dpid)) continue;
    at.record = c.flows.install(at.dpid, at.rule, at.buffered);
  }
  const withdraw = fx.withdraw;
  if (withdraw !== undefined) {
    for (let i = 0; i < withdraw.length; i++) {
      const w = withdraw[i]!;
      switch (w.kind) {
        case 'matching':
          c.flows.removeMatching(w.dpid, w.match);
          break;
        case 'where':
          c.flows.removeWhere(w.dpid, w.pick);
          break;
        default: {
          const never: never = w;
          throw new Error(`unknown withdrawal ${JSON.stringify(never)}`);
        }
      }
    }
  }
  // The packet service says false where it cannot send (another instance masters the switch).
  const outs = fx.packetOuts;
  for (let i = 0; i < outs.length; i++) {
    const p = outs[i]!;
    if (takenByInstall(install, p)) continue;
    if (!c.packets.packetOut(p.dpid, p.spec) && p.fallback) c.packets.packetOut(p.fallback.dpid, p.fallback.spec);
  }
  return removals ? Promise.all(removals).then(() => undefined) : DONE;
}
