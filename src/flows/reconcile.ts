/**
 * Reconciliation as a pure plan (Faucet's valve shape): from the flows every owner wants on a
 * switch, the flows the switch reported and a policy, decide which flow mods make the switch
 * right and what became of each flow. No I/O: the flow service sends the plan and keeps the books.
 */
import type { Match } from '../openflow/codec/v13/oxm.js';
import type { FlowEntry, FlowSpec } from '../core/model.js';
import type { ForeignFlowPolicy, StaleReactivePolicy } from './config.js';
import { entrySatisfies, flowKey } from './compare.js';
import { cookieOwnerId } from './cookie.js';

/** One flow an owner wants on the switch. */
export interface DesiredFlow {
  /** Its identity as the switch files it: `flowKey(table, priority, match)` of the spec (table 0 on OpenFlow 1.0). */
  readonly key: string;
  /** The ADD that installs it: full cookie, table, priority, timeouts, flags, instructions. */
  readonly spec: FlowSpec;
  /**
   * A reactive flow (idle or hard timeout) already confirmed on the switch once: if the switch no
   * longer has it, it timed out (or the switch restarted) and is forgotten instead of put back.
   */
  readonly expiredIfMissing: boolean;
}

/** How flows of an owner id we manage are treated when nobody wants them. */
export interface ManagedOwner {
  /** The owner is live (has a scope): its untracked reactive flows may be adopted (see `staleReactiveFlows`). */
  readonly adoptable: boolean;
}

/** What the plan may touch and how. */
export interface ReconcilePolicy {
  /** Owner ids (top 16 cookie bits) whose flows we manage: a flow of theirs nobody wants is ours to delete (or adopt). Any other id is foreign. */
  readonly managed: ReadonlyMap<number, ManagedOwner>;
  /** An untracked reactive flow of an adoptable owner: `adopt` keeps it (tracked, no flow mod), `delete` deletes it. */
  readonly staleReactiveFlows: StaleReactivePolicy;
  /** Foreign flows: `keep` leaves them alone, `delete` deletes them (except `protectedOwnerIds`). */
  readonly foreignFlows: ForeignFlowPolicy;
  /** Owner ids never deleted as foreign flows (the controller's own, cookie 0x5b1d…). */
  readonly protectedOwnerIds: ReadonlySet<number>;
  /** OpenFlow 1.0: one table (identities use table 0) and deletes cannot filter on cookie. */
  readonly openflow10: boolean;
}

/**
 * What to do to a switch. Every flow mod is in `flowMods`, in the order to send: strict deletes
 * first (ordered by identity), then ADDs (in the order the flows were desired). An ADD both
 * installs a missing flow and replaces a changed one (OpenFlow 1.3 §6.4: same table, priority
 * and match), resetting its timeouts and cookie, which a MODIFY would not.
 */
export interface ReconcilePlan<D extends DesiredFlow = DesiredFlow> {
  readonly flowMods: readonly FlowSpec[];
  /** Desired flows to ADD: `missing` and `changed`, in desired order. */
  readonly adds: readonly D[];
  /** Strict deletes: `extraneous` and `foreignDeleted`, ordered by identity. */
  readonly deletes: readonly FlowSpec[];
  /** Desired flows found on the switch as wanted: no flow mod. */
  readonly confirmed: readonly D[];
  /** Desired flows absent from the switch: added. */
  readonly missing: readonly D[];
  /** Desired flows present with other instructions, timeouts or cookie: replaced by an ADD. */
  readonly changed: readonly D[];
  /** Desired reactive flows that expired while away (`expiredIfMissing` and absent): to forget, no flow mod. */
  readonly forgotten: readonly D[];
  /** Flows of managed owners nobody wants: deleted. */
  readonly extraneous: readonly FlowEntry[];
  /** Untracked reactive flows of adoptable owners: to track as installed, no flow mod. */
  readonly adopted: readonly FlowEntry[];
  /** Foreign flows left alone. */
  readonly foreignKept: readonly FlowEntry[];
  /** Foreign flows deleted (`foreignFlows: 'delete'`). */
  readonly foreignDeleted: readonly FlowEntry[];
}

const ALL_ONES_64 = 0xffff_ffff_ffff_ffffn;

/**
 * The delete_strict of exactly one flow. On 1.3 the full cookie mask keeps it to that owner's
 * flow (ofp_flow_mod cookie/cookie_mask); 1.0 deletes have no cookie filter.
 */
export function strictDeleteSpec(openflow10: boolean, tableId: number, priority: number, match: Match, cookie: bigint): FlowSpec {
  return openflow10
    ? { command: 'delete_strict', priority, match }
    : { command: 'delete_strict', tableId, priority, match, cookie, cookieMask: ALL_ONES_64 };
}

/** The identity of a reported flow as the switch files it. */
export function entryKey(e: FlowEntry, openflow10: boolean): string {
  return flowKey(openflow10 ? 0 : e.tableId, e.priority, e.match);
}

function isReactive(e: FlowEntry): boolean {
  return e.idleTimeout > 0 || e.hardTimeout > 0;
}

/**
 * Plans the reconciliation of one switch: which desired flows are already right (compared by
 * meaning with compare.ts: identity by table, priority and match; then cookie, timeouts and
 * instructions), which to add or replace, which reported flows to delete one by one, and which
 * to leave alone. Never a table wipe. Pure: the same input gives the same plan.
 *
 * `desired` must hold at most one flow per key (the flow service files them by key). Of several
 * reported flows with one identity (a 1.0 switch folding tables), the last one counts.
 */
export function planReconcile<D extends DesiredFlow>(desired: Iterable<D>, actual: readonly FlowEntry[], policy: ReconcilePolicy): ReconcilePlan<D> {
  const onSwitch = new Map<string, FlowEntry>();
  for (const e of actual) onSwitch.set(entryKey(e, policy.openflow10), e);
  const confirmed: D[] = [];
  const missing: D[] = [];
  const changed: D[] = [];
  const forgotten: D[] = [];
  const adds: D[] = [];
  for (const d of desired) {
    const e = onSwitch.get(d.key);
    if (e) {
      onSwitch.delete(d.key);
      if (entrySatisfies(e, d.spec)) {
        confirmed.push(d);
      } else {
        changed.push(d);
        adds.push(d);
      }
    } else if (d.expiredIfMissing) {
      forgotten.push(d);
    } else {
      missing.push(d);
      adds.push(d);
    }
  }
  const extraneous: FlowEntry[] = [];
  const adopted: FlowEntry[] = [];
  const foreignKept: FlowEntry[] = [];
  const foreignDeleted: FlowEntry[] = [];
  const doomed: [string, FlowEntry][] = [];
  for (const [key, e] of onSwitch) {
    const id = cookieOwnerId(e.cookie);
    const owner = policy.managed.get(id);
    if (owner !== undefined) {
      if (owner.adoptable && isReactive(e) && policy.staleReactiveFlows === 'adopt') {
        adopted.push(e);
      } else {
        extraneous.push(e);
        doomed.push([key, e]);
      }
    } else if (policy.foreignFlows === 'delete' && !policy.protectedOwnerIds.has(id)) {
      foreignDeleted.push(e);
      doomed.push([key, e]);
    } else {
      foreignKept.push(e);
    }
  }
  // Deletes in identity order, whatever order the switch reported its flows in.
  doomed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const deletes = doomed.map(([, e]) => strictDeleteSpec(policy.openflow10, e.tableId, e.priority, e.match, e.cookie));
  const flowMods: FlowSpec[] = deletes.length === 0 && adds.length === 0 ? [] : [...deletes, ...adds.map((d) => d.spec)];
  return { flowMods, adds, deletes, confirmed, missing, changed, forgotten, extraneous, adopted, foreignKept, foreignDeleted };
}

/**
 * Why each flow mod of a plan is sent and whose flow it is, one `why owner key` line each
 * (deletes, then ADDs): what a log reader needs when a reconciliation that should have sent
 * nothing (a takeover, a restart) sent something. `ownerOf` names a cookie's owner.
 */
export function planReasons(plan: ReconcilePlan, openflow10: boolean, ownerOf: (cookie: bigint) => string): string[] {
  const line = (why: string, cookie: bigint | undefined, key: string): string => `${why} ${ownerOf(cookie ?? 0n)} ${key}`;
  return [
    ...plan.extraneous.map((e) => line('delete extraneous', e.cookie, entryKey(e, openflow10))),
    ...plan.foreignDeleted.map((e) => line('delete foreign', e.cookie, entryKey(e, openflow10))),
    ...plan.missing.map((d) => line('add missing', d.spec.cookie, d.key)),
    ...plan.changed.map((d) => line('add changed', d.spec.cookie, d.key)),
  ];
}
