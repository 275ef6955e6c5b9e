/**
 * The flow rule service: keeps the flows every owner (app) wants on every switch, installs them
 * in barrier-confirmed batches, tracks each flow's state, follows FLOW_REMOVED, and reconciles
 * switches hitlessly: a switch that already has the right flows gets no flow mod at all.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { OFP_VERSION_1_0, OFPTT, errorNames } from '../openflow/codec/constants.js';
import { OFPFF, OFPRR } from '../openflow/codec/v13/enums.js';
import type { Match } from '../openflow/codec/v13/oxm.js';
import type { RemovedFlow } from '../core/model.js';
import type { Datapath } from '../openflow/datapath.js';
import type { Settle } from '../openflow/session.js';
import type { FlowEntry, FlowSpec } from '../core/model.js';
import { OfErrorReply, SessionClosedError } from '../openflow/errors.js';
import type { ControllerEvents, EventBus } from '../core/events.js';
import type { BufferedPacket, FlowError, FlowRecord, FlowRemovedReason, FlowResult, FlowRule, FlowScope, FlowScopeEvents, FlowState } from '../core/services.js';
import { dpidToHex } from '../core/ids.js';
import { flowKey, matchCovers, specsEquivalent } from './compare.js';
import { defaultFlowsConfig, type FlowsConfig } from './config.js';
import { cookieOwnerId, isReservedOwnerId, LOCAL_COOKIE_MASK, OWNER_COOKIE_MASK, ownerCookie, ownerIdFor, STATIC_OWNER_ID, SYSTEM_OWNER_ID } from './cookie.js';
import { entryKey, planReasons, planReconcile, strictDeleteSpec, type DesiredFlow, type ManagedOwner, type ReconcilePolicy } from './reconcile.js';
import { systemClock, type Clock, type Timer } from '../core/clock.js';

interface Rec {
  readonly dpid: bigint;
  readonly owner: string;
  readonly ownerId: number;
  readonly key: string;
  readonly spec: FlowSpec;
  readonly reactive: boolean;
  state: FlowState;
  error: FlowError | undefined;
  updatedAt: number;
  /** The switch's send sequence number of the last flow mod for this record; 0 = never sent. */
  sentSeq: number;
  /** Bumped on every send, so a late confirmation of an older send is ignored. */
  gen: number;
  /** Was confirmed on the switch before it disconnected (a reactive flow missing after that has expired). */
  wasInstalled: boolean;
  /**
   * True while this record is the one its switch files under its key (`byKey.get(key) === this`):
   * kept by {@link file} and {@link unfile}, so `isCurrent` on every packet-in of a flow being set
   * up reads a field instead of two map lookups (the switch by bigint, its flows by key string).
   */
  filed: boolean;
}

interface SwitchFlows {
  readonly byKey: Map<string, Rec>;
  /** Flow mods sent to this switch (records carry the number of their last one). */
  seq: number;
  /** True from connect until the first reconciliation has diffed: desired flows wait instead of being sent. */
  syncing: boolean;
  reconciling: Promise<ReconcileReport> | undefined;
  /** Removals this switch may still report for flows our deletes removed. */
  readonly awaited: AwaitedRemovals;
}

/**
 * How long after a switch confirmed a delete its FLOW_REMOVED may still come: Open vSwitch sends
 * the report after the barrier reply. A delete that removed nothing gets no report, and its
 * expectation lapses then.
 */
const REMOVAL_REPORT_GRACE_MS = 2_000;

/**
 * The FLOW_REMOVED reports a switch owes for our deletes, by flow key. While one is owed, a report
 * for that key is the deleted flow's, not news about a flow filed under the same key since (an
 * app moving a path deletes and re-adds a match in one turn, and the report comes after both).
 */
export class AwaitedRemovals {
  private readonly owed = new Map<string, number>();
  /** Confirmed deletes' keys in the order their expectations lapse. */
  private readonly lapsing: { readonly key: string; readonly at: number }[] = [];
  private head = 0;

  /** A delete of the flow filed under `key` was sent. */
  expect(key: string): void {
    this.owed.set(key, (this.owed.get(key) ?? 0) + 1);
  }

  /** The switch confirmed (or the session dropped) that delete at `now`. */
  settled(key: string, now: number): void {
    this.lapse(now);
    this.lapsing.push({ key, at: now + REMOVAL_REPORT_GRACE_MS });
  }

  /** True, consuming one expectation, when a report for `key` at `now` answers one of our deletes. */
  take(key: string, now: number): boolean {
    this.lapse(now);
    return this.drop(key);
  }

  private drop(key: string): boolean {
    const n = this.owed.get(key);
    if (n === undefined) return false;
    if (n > 1) this.owed.set(key, n - 1);
    else this.owed.delete(key);
    return true;
  }

  private lapse(now: number): void {
    const q = this.lapsing;
    while (this.head < q.length && q[this.head]!.at <= now) this.drop(q[this.head++]!.key);
    if (this.head > 64 && this.head * 2 > q.length) {
      q.splice(0, this.head);
      this.head = 0;
    }
  }
}

/** What one reconciliation found and did. Every flow mod it sent is counted in one of the fields. */
export interface ReconcileReport {
  readonly dpid: bigint;
  readonly durationMs: number;
  /** Flows the switch reported. */
  readonly onSwitch: number;
  /** Desired flows considered. */
  readonly desired: number;
  /** Desired flows found as wanted (no flow mod). */
  readonly confirmed: number;
  /** Desired flows absent from the switch, re-added. */
  readonly missing: number;
  /** Desired flows present with other instructions, timeouts or cookie, replaced by an ADD. */
  readonly changed: number;
  /** Flows in our cookie space nobody wants, deleted. */
  readonly extraneous: number;
  /** Reactive flows of ours found untracked and adopted (no flow mod). */
  readonly adopted: number;
  /** Reactive flows we tracked that the switch no longer has (expired): dropped from the desired state. */
  readonly forgotten: number;
  /** Flows of other owners left alone. */
  readonly foreignKept: number;
  /** Flows of other owners deleted (foreignFlows: 'delete'). */
  readonly foreignDeleted: number;
  /** Flow mods sent. */
  readonly flowMods: number;
  /** Flow mods the switch rejected. */
  readonly failed: number;
}

/** Counters of everything the service did (a snapshot object; the metrics issue exports them). */
export interface FlowCounters {
  /** FLOW_MOD messages sent, all kinds. */
  flowModsSent: number;
  /** ADDs sent for desired flows (first install or re-send). */
  installsSent: number;
  installConfirmed: number;
  installFailed: number;
  /** Installs unconfirmed because the session closed or the barrier timed out (retried on reconcile). */
  installUnsettled: number;
  /** Install requests equal to a flow already desired: no flow mod. */
  duplicates: number;
  /** Install requests refused because another owner holds the same identity. */
  conflicts: number;
  deletesSent: number;
  flowRemovedIdle: number;
  flowRemovedHard: number;
  flowRemovedDelete: number;
  flowRemovedOther: number;
  /** FLOW_REMOVED for flows we do not track. */
  flowRemovedUnknown: number;
  /** Flows put back after someone else deleted them. */
  restored: number;
  reconciles: number;
  reconcileErrors: number;
  reconcileConfirmed: number;
  reconcileMissing: number;
  reconcileChanged: number;
  reconcileExtraneous: number;
  reconcileAdopted: number;
  reconcileForgotten: number;
  reconcileForeignKept: number;
  reconcileForeignDeleted: number;
  /** Flow mods sent by reconciliation (the "hitless" figure: 0 when the switch was right). */
  reconcileFlowMods: number;
}

function zeroCounters(): FlowCounters {
  return {
    flowModsSent: 0,
    installsSent: 0,
    installConfirmed: 0,
    installFailed: 0,
    installUnsettled: 0,
    duplicates: 0,
    conflicts: 0,
    deletesSent: 0,
    flowRemovedIdle: 0,
    flowRemovedHard: 0,
    flowRemovedDelete: 0,
    flowRemovedOther: 0,
    flowRemovedUnknown: 0,
    restored: 0,
    reconciles: 0,
    reconcileErrors: 0,
    reconcileConfirmed: 0,
    reconcileMissing: 0,
    reconcileChanged: 0,
    reconcileExtraneous: 0,
    reconcileAdopted: 0,
    reconcileForgotten: 0,
    reconcileForeignKept: 0,
    reconcileForeignDeleted: 0,
    reconcileFlowMods: 0,
  };
}

/** Options of the service. */
export interface FlowServiceOptions {
  readonly bus: EventBus;
  readonly datapaths: ReadonlyMap<bigint, Datapath>;
  readonly config?: Partial<FlowsConfig>;
  readonly log: Logger;
  /** Time for periodic reconciliation and `updatedAt`; default the system clock. */
  readonly clock?: Clock;
}

/** A desired flow handed to planReconcile, with the record it stands for. */
interface ConsideredFlow extends DesiredFlow {
  readonly rec: Rec;
}

/** Owner ids never deleted as foreign flows: the controller's own (the LLDP flow among them). */
const PROTECTED_OWNER_IDS: ReadonlySet<number> = new Set([SYSTEM_OWNER_ID]);

/**
 * True when flow mods may go to the switch now. A slave (cluster mode: another instance masters
 * the switch) gets none: its flows stay desired and pending, and are reconciled if this instance
 * becomes master; a pending mastership still takes writes (the Datapath holds them).
 */
function writable(dp: Datapath | undefined): dp is Datapath {
  return dp !== undefined && dp.connected && dp.mastership !== 'slave';
}

/** One owner's view of the service (the core FlowScope): apps get one in their AppContext. */
export class FlowScopeImpl extends EventEmitter<FlowScopeEvents> implements FlowScope {
  /** @internal Created by FlowService.scope. */
  constructor(
    private readonly service: FlowService,
    /** Owner name (an app's name). */
    readonly owner: string,
    /** Owner id: the top 16 bits of every cookie of this owner. */
    readonly id: number,
  ) {
    super();
    this.baseCookie = ownerCookie(id);
  }

  /** The cookie with the owner's bits alone: most flows' (four BigInt operations fewer per flow set up). */
  private readonly baseCookie: bigint;

  /** The full cookie for the owner's own low 48 bits. */
  cookie(local = 0n): bigint {
    return local === 0n ? this.baseCookie : ownerCookie(this.id, local);
  }

  /**
   * Adds a flow to the desired state of a switch and sends it (confirmation is asynchronous:
   * watch the record's state or the `failed` event). A flow equal to one already desired sends
   * nothing. The switch need not be connected: the flow goes out when it connects.
   */
  install(dpid: bigint, rule: FlowRule, buffered?: BufferedPacket): FlowRecord {
    return this.service.install(this, dpid, rule, buffered);
  }

  /**
   * True while `rec` is still the desired flow for its identity and not refused: installing the
   * same rule again would send nothing. Cheap (one map lookup), so hot paths can remember what
   * they installed and skip re-declaring it.
   */
  isCurrent(rec: FlowRecord): boolean {
    return rec.owner === this.owner && this.service.isCurrent(rec);
  }

  /** Installs several flows and resolves when the switch has confirmed or refused each (one barrier per batch). */
  installAll(dpid: bigint, rules: readonly FlowRule[]): Promise<FlowResult[]> {
    return this.service.installAll(this, dpid, rules);
  }

  /** Removes one flow of this owner by identity (delete_strict). Resolves false when it was not desired. */
  remove(dpid: bigint, rule: Pick<FlowRule, 'tableId' | 'priority' | 'match'>): Promise<boolean> {
    return this.service.removeOne(this, dpid, rule);
  }

  /** Removes every flow of this owner on a switch whose match includes all of `match` (a non-strict delete limited to our cookie). Returns how many desired flows went. */
  removeMatching(dpid: bigint, match: Match, tableId?: number): number {
    return this.service.removeMatching(this, dpid, match, tableId);
  }

  /** Removes this owner's flows that `pick` selects, on one switch or all (one delete_strict each). Returns how many. */
  removeWhere(dpid: bigint | undefined, pick: (r: FlowRecord) => boolean): number {
    return this.service.removeWhere(this, dpid, pick);
  }

  /** Removes all of this owner's flows, on one switch or on all of them. */
  removeAll(dpid?: bigint): Promise<void> {
    return this.service.removeAllOf(this, dpid);
  }

  /** This owner's desired flows, on one switch or all. */
  list(dpid?: bigint): FlowRecord[] {
    return this.service.flows(dpid).filter((r) => r.owner === this.owner);
  }
}

/** The flow rule service. Construct it with the controller's bus and datapaths; `start()` subscribes. */
export class FlowService {
  readonly config: FlowsConfig;
  readonly counters: FlowCounters = zeroCounters();
  private readonly bus: EventBus;
  private readonly datapaths: ReadonlyMap<bigint, Datapath>;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly switches = new Map<bigint, SwitchFlows>();
  private readonly scopes = new Map<string, FlowScopeImpl>();
  /** Owner ids we treat as ours (registered scopes plus config.extraOwnedIds), with the owner name. */
  private readonly ownedIds = new Map<number, string>();
  private timer: Timer | undefined;
  private started = false;

  private readonly onConnected = (e: ControllerEvents['switchConnected'][0]): void => {
    const dp = this.datapaths.get(e.dpid);
    if (dp) this.switchConnected(e.dpid, dp);
  };
  private readonly onDisconnected = (e: ControllerEvents['switchDisconnected'][0]): void => this.switchDisconnected(e.dpid);
  private readonly onFlowRemoved = (e: ControllerEvents['flowRemoved'][0]): void => this.flowRemoved(e.dpid, e.msg);
  private readonly onMastership = (e: ControllerEvents['mastershipChanged'][0]): void => this.mastershipChanged(e.dpid, e.role);

  constructor(opts: FlowServiceOptions) {
    this.bus = opts.bus;
    this.datapaths = opts.datapaths;
    this.config = { ...defaultFlowsConfig, ...opts.config };
    this.log = opts.log;
    this.clock = opts.clock ?? systemClock;
    for (const id of this.config.extraOwnedIds) this.ownedIds.set(id, `#${id}`);
  }

  /** Subscribes to the bus and starts periodic reconciliation. Switches already connected are reconciled now. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.bus.on('switchConnected', this.onConnected);
    this.bus.on('switchDisconnected', this.onDisconnected);
    this.bus.on('flowRemoved', this.onFlowRemoved);
    this.bus.on('mastershipChanged', this.onMastership);
    if (this.config.reconcileIntervalMs > 0) {
      this.timer = this.clock.every(this.config.reconcileIntervalMs, () => void this.reconcileAll().catch(() => undefined));
      this.timer.unref();
    }
    for (const [dpid, dp] of this.datapaths) if (dp.connected) this.switchConnected(dpid, dp);
  }

  /** Unsubscribes and stops the timer. The desired state is kept (start again to resume). */
  stop(): void {
    if (!this.started) return;
    this.started = false;
    this.bus.off('switchConnected', this.onConnected);
    this.bus.off('switchDisconnected', this.onDisconnected);
    this.bus.off('flowRemoved', this.onFlowRemoved);
    this.bus.off('mastershipChanged', this.onMastership);
    this.timer?.cancel();
    this.timer = undefined;
  }

  /**
   * The owner whose id is in a cookie's top 16 bits: an owner that has a scope here, `system` or
   * `static` for the reserved ids, else undefined (cookie 0, another controller's flows).
   */
  ownerOfCookie(cookie: bigint): string | undefined {
    const id = cookieOwnerId(cookie);
    const owner = this.ownedIds.get(id);
    if (owner !== undefined && this.scopes.has(owner)) return owner;
    if (id === SYSTEM_OWNER_ID) return 'system';
    if (id === STATIC_OWNER_ID) return 'static';
    return undefined;
  }

  /** The owner id a name gets here: `config.ownerIds[name]`, else derived from the name (ownerIdFor). */
  ownerId(owner: string): number {
    return this.config.ownerIds[owner] ?? ownerIdFor(owner);
  }

  /**
   * The scope of an owner, created on first use. Throws when the owner's id is taken by another
   * owner (a 16-bit hash collision: settle it with `flows.ownerIds`), or when an app name maps
   * to a reserved id without being its reserved owner.
   */
  scope(owner: string): FlowScopeImpl {
    const existing = this.scopes.get(owner);
    if (existing) return existing;
    const id = this.ownerId(owner);
    const holder = this.ownedIds.get(id);
    if (holder !== undefined && holder !== owner && this.scopes.has(holder)) {
      throw new Error(`flow owner id 0x${id.toString(16)} of "${owner}" is already held by "${holder}"; give one of them another id in flows.ownerIds`);
    }
    if (isReservedOwnerId(id) && this.config.ownerIds[owner] === undefined && ownerIdFor(owner) !== id) {
      throw new Error(`flow owner "${owner}" maps to reserved id 0x${id.toString(16)}`);
    }
    const s = new FlowScopeImpl(this, owner, id);
    this.scopes.set(owner, s);
    this.ownedIds.set(id, owner);
    return s;
  }

  /** Every desired flow, on one switch or all (removed ones are not kept). */
  flows(dpid?: bigint): FlowRecord[] {
    const out: FlowRecord[] = [];
    const add = (sw: SwitchFlows): void => {
      for (const r of sw.byKey.values()) out.push(r);
    };
    if (dpid !== undefined) {
      const sw = this.switches.get(dpid);
      if (sw) add(sw);
    } else {
      for (const sw of this.switches.values()) add(sw);
    }
    return out;
  }

  /** The desired flow with this identity on a switch. */
  get(dpid: bigint, tableId: number, priority: number, match: Match): FlowRecord | undefined {
    return this.switches.get(dpid)?.byKey.get(flowKey(tableId, priority, match));
  }

  /** True while `rec` is the desired flow filed under its key on its switch and not failed (see FlowScope.isCurrent). */
  isCurrent(rec: FlowRecord): boolean {
    return (rec as Rec).filed === true && rec.state !== 'failed' && rec.state !== 'removed';
  }

  /** True while the switch's first reconciliation after connecting has not diffed yet. */
  isSyncing(dpid: bigint): boolean {
    return this.switches.get(dpid)?.syncing ?? false;
  }

  // ---- installing -------------------------------------------------------------------------

  private sw(dpid: bigint): SwitchFlows {
    let sw = this.switches.get(dpid);
    if (!sw) {
      sw = { byKey: new Map(), seq: 0, syncing: false, reconciling: undefined, awaited: new AwaitedRemovals() };
      this.switches.set(dpid, sw);
    }
    return sw;
  }

  private toSpec(scope: FlowScopeImpl, rule: FlowRule): FlowSpec {
    const reactive = (rule.idleTimeout ?? 0) > 0 || (rule.hardTimeout ?? 0) > 0;
    let flags = rule.flags ?? 0;
    if (this.config.sendFlowRemoved || reactive) flags |= OFPFF.SEND_FLOW_REM;
    const tableId = rule.tableId ?? 0;
    const priority = rule.priority ?? 0x8000;
    const cookie = scope.cookie(rule.cookie ?? 0n);
    const idleTimeout = rule.idleTimeout ?? 0;
    const hardTimeout = rule.hardTimeout ?? 0;
    const match = rule.match ?? [];
    // Two literals, not a spread of the one that differs: this runs for every flow a packet-in sets up.
    if (rule.instructions) return { command: 'add', tableId, priority, cookie, idleTimeout, hardTimeout, flags, match, instructions: rule.instructions };
    return { command: 'add', tableId, priority, cookie, idleTimeout, hardTimeout, flags, match, actions: rule.actions ?? [] };
  }

  /** Files a rule as desired; returns the record and whether a flow mod is needed. */
  private desire(scope: FlowScopeImpl, dpid: bigint, rule: FlowRule): { rec: Rec; send: boolean } {
    const sw = this.sw(dpid);
    const spec = this.toSpec(scope, rule);
    const key = flowKey(spec.tableId!, spec.priority!, spec.match!);
    const prev = sw.byKey.get(key);
    if (prev) {
      if (prev.owner !== scope.owner) {
        this.counters.conflicts++;
        const rec = this.newRec(scope, dpid, key, spec);
        rec.state = 'failed';
        rec.error = { errType: -1, code: -1, message: `flow ${key} is held by owner "${prev.owner}"` };
        return { rec, send: false };
      }
      if (prev.state !== 'failed' && specsEquivalent(prev.spec, spec)) {
        this.counters.duplicates++;
        return { rec: prev, send: false };
      }
    }
    const rec = this.newRec(scope, dpid, key, spec);
    file(sw, rec, prev);
    return { rec, send: !sw.syncing };
  }

  private newRec(scope: FlowScopeImpl, dpid: bigint, key: string, spec: FlowSpec): Rec {
    return {
      dpid,
      owner: scope.owner,
      ownerId: scope.id,
      key,
      spec,
      reactive: (spec.idleTimeout ?? 0) > 0 || (spec.hardTimeout ?? 0) > 0,
      state: 'pending',
      error: undefined,
      updatedAt: this.clock.now(),
      sentSeq: 0,
      gen: 0,
      wasInstalled: false,
      filed: false,
    };
  }

  /** @internal FlowScope.install. */
  install(scope: FlowScopeImpl, dpid: bigint, rule: FlowRule, buffered?: BufferedPacket): FlowRecord {
    if (buffered !== undefined) buffered.taken = false;
    const { rec, send } = this.desire(scope, dpid, rule);
    if (rec.state === 'failed' && rec.error) {
      this.emitScope(rec, 'failed');
      return rec;
    }
    if (send) {
      const dp = this.datapaths.get(dpid);
      // Nobody awaits this install (an app's answer to a packet-in, say): its barrier may wait (openflow.lazyConfirmMs).
      if (writable(dp)) this.sendAdd(dp, this.sw(dpid), rec, true, buffered);
    }
    return rec;
  }

  /** @internal FlowScope.installAll. */
  async installAll(scope: FlowScopeImpl, dpid: bigint, rules: readonly FlowRule[]): Promise<FlowResult[]> {
    const recs: Rec[] = [];
    const toSend: Rec[] = [];
    for (const rule of rules) {
      const { rec, send } = this.desire(scope, dpid, rule);
      recs.push(rec);
      if (rec.state === 'failed' && rec.error && !send) this.emitScope(rec, 'failed');
      else if (send) toSend.push(rec);
    }
    const dp = this.datapaths.get(dpid);
    if (writable(dp) && toSend.length > 0) await this.sendBatches(dp, this.sw(dpid), toSend.map((r) => () => this.sendAddSettled(dp, this.sw(dpid), r)));
    return recs.map((r) => ({ record: r, state: r.state, ...(r.error ? { error: r.error } : {}) }));
  }

  /** Runs send thunks in batches of `batchSize`, waiting for each batch's barrier. */
  private async sendBatches(dp: Datapath, _sw: SwitchFlows, thunks: readonly (() => Promise<void>)[]): Promise<void> {
    const n = Math.max(1, this.config.batchSize);
    for (let i = 0; i < thunks.length; i += n) {
      if (!dp.connected) return;
      const batch: Promise<void>[] = [];
      for (let j = i; j < Math.min(i + n, thunks.length); j++) batch.push(thunks[j]!());
      await Promise.all(batch);
    }
  }

  /**
   * Sends the ADD of a record; `done` runs once it is settled either way (`lazy`: see
   * Datapath.flowModConfirmed). `buffered`: this ADD carries its buffer id, and it is marked taken
   * once the ADD is written; a re-send (reconcile) never carries one.
   */
  private sendAdd(dp: Datapath, sw: SwitchFlows, rec: Rec, lazy = false, buffered?: BufferedPacket, done?: () => void): void {
    rec.sentSeq = ++sw.seq;
    const gen = ++rec.gen;
    if (rec.state !== 'pending') this.setState(rec, 'pending');
    try {
      dp.flowModTo(rec.spec, new AddOutcome(this, rec, gen, done), lazy, buffered?.bufferId);
    } catch (e) {
      this.installFailed(rec, gen, e as Error);
      done?.();
      return;
    }
    if (buffered !== undefined) buffered.taken = true;
    this.counters.flowModsSent++;
    this.counters.installsSent++;
  }

  /** {@link sendAdd} as a Promise that settles (never rejects) with the ADD, for a batch to wait on. */
  private sendAddSettled(dp: Datapath, sw: SwitchFlows, rec: Rec): Promise<void> {
    return new Promise((resolve) => this.sendAdd(dp, sw, rec, false, undefined, resolve));
  }

  private setState(rec: Rec, state: FlowState): void {
    rec.state = state;
    rec.updatedAt = this.clock.now();
  }

  /** @internal The ADD of `rec` (its send number `gen`) was confirmed (see AddOutcome). */
  installOk(rec: Rec, gen: number): void {
    if (rec.gen !== gen || rec.state !== 'pending') return;
    this.counters.installConfirmed++;
    this.setState(rec, 'installed');
  }

  /** @internal The ADD of `rec` (its send number `gen`) failed or its outcome is unknown (see AddOutcome). */
  installFailed(rec: Rec, gen: number, e: Error): void {
    if (rec.gen !== gen || rec.state !== 'pending') return;
    if (e instanceof SessionClosedError || e.name === 'OfTimeoutError') {
      // Unknown outcome: the next reconciliation reads the switch and settles it.
      this.counters.installUnsettled++;
      return;
    }
    this.counters.installFailed++;
    if (e instanceof OfErrorReply) {
      const n = errorNames(e.reply.errType, e.reply.code);
      rec.error = { errType: e.reply.errType, code: e.reply.code, message: `${n.type}/${n.code}` };
    } else {
      rec.error = { errType: -1, code: -1, message: e.message };
    }
    this.setState(rec, 'failed');
    this.log.warn({ owner: rec.owner, dpid: dpidToHex(rec.dpid), flow: rec.key, err: rec.error.message }, 'flow install failed');
    this.emitScope(rec, 'failed');
  }

  private emitScope(rec: Rec, what: 'failed' | 'restored'): void;
  private emitScope(rec: Rec, what: 'removed', reason: FlowRemovedReason): void;
  private emitScope(rec: Rec, what: 'failed' | 'restored' | 'removed', reason?: FlowRemovedReason): void {
    const scope = this.scopes.get(rec.owner);
    if (!scope || scope.listenerCount(what) === 0) return;
    try {
      if (what === 'removed') scope.emit('removed', rec, reason!);
      else scope.emit(what, rec);
    } catch (e) {
      this.log.error({ owner: rec.owner, dpid: dpidToHex(rec.dpid), event: `flow ${what}`, err: (e as Error).message }, 'flow listener threw');
    }
  }

  // ---- removing ---------------------------------------------------------------------------

  private forget(sw: SwitchFlows, rec: Rec, reason: FlowRemovedReason): void {
    unfile(sw, rec);
    rec.gen++;
    this.setState(rec, 'removed');
    if (reason !== 'owner' && reason !== 'replaced') this.emitScope(rec, 'removed', reason);
  }

  /** Sends a delete; `reported` are the keys of the flows it removes that the switch will report (SEND_FLOW_REM). */
  private sendDelete(dp: Datapath, sw: SwitchFlows | undefined, spec: FlowSpec, reported: readonly string[]): Promise<void> {
    let p: Promise<void>;
    try {
      p = dp.flowModConfirmed(spec);
    } catch (e) {
      this.log.warn({ dpid: dp.dpidHex, err: (e as Error).message }, 'flow delete could not be encoded');
      return Promise.resolve();
    }
    this.counters.flowModsSent++;
    this.counters.deletesSent++;
    const awaited = sw?.awaited;
    if (awaited) for (const k of reported) awaited.expect(k);
    return p
      .catch((e: Error) => {
        if (!(e instanceof SessionClosedError)) this.log.warn({ dpid: dp.dpidHex, err: e.message }, 'flow delete failed');
      })
      .finally(() => {
        if (!awaited) return;
        const now = this.clock.now();
        for (const k of reported) awaited.settled(k, now);
      });
  }

  /** delete_strict of one flow; on 1.3 the cookie mask keeps it to that exact owner's flow. */
  private strictDelete(dp: Datapath, tableId: number, priority: number, match: Match, cookie: bigint): FlowSpec {
    return strictDeleteSpec(dp.version === OFP_VERSION_1_0, tableId, priority, match, cookie);
  }

  /** @internal FlowScope.remove. */
  async removeOne(scope: FlowScopeImpl, dpid: bigint, rule: Pick<FlowRule, 'tableId' | 'priority' | 'match'>): Promise<boolean> {
    const sw = this.switches.get(dpid);
    const key = flowKey(rule.tableId ?? 0, rule.priority ?? 0x8000, rule.match ?? []);
    const rec = sw?.byKey.get(key);
    if (!sw || !rec || rec.owner !== scope.owner) return false;
    this.forget(sw, rec, 'owner');
    const dp = this.datapaths.get(dpid);
    if (writable(dp)) await this.sendDelete(dp, sw, this.strictDelete(dp, rec.spec.tableId!, rec.spec.priority!, rec.spec.match!, rec.spec.cookie!), reportedKeys([rec]));
    return true;
  }

  /** @internal FlowScope.removeMatching. */
  removeMatching(scope: FlowScopeImpl, dpid: bigint, match: Match, tableId?: number): number {
    const sw = this.switches.get(dpid);
    if (!sw) return 0;
    const gone: Rec[] = [];
    for (const rec of sw.byKey.values()) {
      if (rec.owner !== scope.owner) continue;
      if (tableId !== undefined && rec.spec.tableId !== tableId) continue;
      if (matchCovers(match, rec.spec.match!)) gone.push(rec);
    }
    for (const rec of gone) this.forget(sw, rec, 'owner');
    const dp = this.datapaths.get(dpid);
    if (writable(dp)) {
      if (dp.version === OFP_VERSION_1_0) {
        // 1.0 deletes cannot filter on cookie: delete exactly our records, nobody else's.
        for (const rec of gone) void this.sendDelete(dp, sw, this.strictDelete(dp, 0, rec.spec.priority!, rec.spec.match!, rec.spec.cookie!), reportedKeys([rec]));
      } else {
        const keys = reportedKeys(gone);
        void this.sendDelete(dp, sw, { command: 'delete', tableId: tableId ?? OFPTT.ALL, match, cookie: scope.cookie(), cookieMask: OWNER_COOKIE_MASK }, keys);
      }
    }
    return gone.length;
  }

  /** @internal FlowScope.removeWhere. */
  removeWhere(scope: FlowScopeImpl, dpid: bigint | undefined, pick: (r: FlowRecord) => boolean): number {
    let n = 0;
    const targets = dpid !== undefined ? [dpid] : [...this.switches.keys()];
    for (const d of targets) {
      const sw = this.switches.get(d);
      if (!sw) continue;
      const gone: Rec[] = [];
      for (const rec of sw.byKey.values()) if (rec.owner === scope.owner && pick(rec)) gone.push(rec);
      for (const rec of gone) this.forget(sw, rec, 'owner');
      n += gone.length;
      const dp = this.datapaths.get(d);
      if (!writable(dp)) continue;
      for (const rec of gone) void this.sendDelete(dp, sw, this.strictDelete(dp, rec.spec.tableId!, rec.spec.priority!, rec.spec.match!, rec.spec.cookie!), reportedKeys([rec]));
    }
    return n;
  }

  /** @internal FlowScope.removeAll: forgets the owner's flows and deletes them from the switches (1.3: one cookie-masked delete per switch). */
  async removeAllOf(scope: FlowScopeImpl, dpid?: bigint): Promise<void> {
    const targets = dpid !== undefined ? [dpid] : [...new Set([...this.switches.keys(), ...this.datapaths.keys()])];
    const sends: Promise<void>[] = [];
    for (const d of targets) {
      const sw = this.switches.get(d);
      const mine: Rec[] = [];
      if (sw) for (const rec of sw.byKey.values()) if (rec.owner === scope.owner) mine.push(rec);
      if (sw) for (const rec of mine) this.forget(sw, rec, 'owner');
      const dp = this.datapaths.get(d);
      if (!writable(dp)) continue;
      if (dp.version === OFP_VERSION_1_0) {
        for (const rec of mine) sends.push(this.sendDelete(dp, sw, this.strictDelete(dp, 0, rec.spec.priority!, rec.spec.match!, rec.spec.cookie!), reportedKeys([rec])));
      } else {
        const keys = reportedKeys(mine);
        sends.push(this.sendDelete(dp, sw, { command: 'delete', tableId: OFPTT.ALL, match: [], cookie: scope.cookie(), cookieMask: OWNER_COOKIE_MASK }, keys));
      }
    }
    await Promise.all(sends);
  }

  // ---- switch events ----------------------------------------------------------------------

  private switchConnected(dpid: bigint, dp: Datapath): void {
    const sw = this.sw(dpid);
    if (this.config.reconcileOnConnect) {
      // Hold desired flows until the switch's own table has been read (hitless reconnect).
      sw.syncing = true;
      // After the other switchConnected listeners (apps declaring their flows) have run.
      setImmediate(() => {
        void this.reconcile(dpid).catch(() => undefined);
      });
      return;
    }
    sw.syncing = false;
    const pending = [...sw.byKey.values()].filter((r) => r.state !== 'failed');
    void this.sendBatches(dp, sw, pending.map((r) => () => this.sendAddSettled(dp, sw, r)));
  }

  /**
   * Cluster mode: a new master reconciles the switch hitlessly, and flows refused while this
   * instance was not master (NotMasterError) are wanted again. A slave does nothing.
   */
  private mastershipChanged(dpid: bigint, role: 'standalone' | 'master' | 'slave'): void {
    if (role !== 'master') return;
    const sw = this.switches.get(dpid);
    if (sw) for (const rec of sw.byKey.values()) if (rec.state === 'failed') this.setState(rec, 'pending');
    const dp = this.datapaths.get(dpid);
    if (dp?.connected) void this.reconcile(dpid).catch(() => undefined);
  }

  private switchDisconnected(dpid: bigint): void {
    const sw = this.switches.get(dpid);
    if (!sw) return;
    sw.syncing = false;
    // What was installed is unknown until the switch is back and read again.
    for (const rec of sw.byKey.values()) {
      if (rec.state === 'installed') {
        rec.gen++;
        this.setState(rec, 'pending');
        rec.sentSeq = 0;
        rec.wasInstalled = true;
      } else if (rec.state === 'pending') {
        rec.gen++;
        rec.sentSeq = 0;
      }
    }
  }

  /** FLOW_REMOVED: an expired reactive flow leaves the desired state; a flow someone else deleted is put back. */
  private flowRemoved(dpid: bigint, msg: RemovedFlow): void {
    const sw = this.switches.get(dpid);
    const dp = this.datapaths.get(dpid);
    const tableId = dp && dp.version === OFP_VERSION_1_0 ? 0 : msg.tableId;
    const key = flowKey(tableId, msg.priority, msg.match);
    const rec = sw?.byKey.get(key);
    // Owed for a delete of ours: the flow it deleted (or one that expired just before), not one filed under that key since.
    if (!sw || sw.awaited.take(key, this.clock.now()) || !rec || rec.spec.cookie !== msg.cookie) {
      this.counters.flowRemovedUnknown++;
      return;
    }
    switch (msg.reason) {
      case OFPRR.IDLE_TIMEOUT:
        this.counters.flowRemovedIdle++;
        this.forget(sw, rec, 'idle_timeout');
        return;
      case OFPRR.HARD_TIMEOUT:
        this.counters.flowRemovedHard++;
        this.forget(sw, rec, 'hard_timeout');
        return;
      case OFPRR.DELETE:
        this.counters.flowRemovedDelete++;
        if (this.config.restoreDeleted && !rec.reactive && dp && dp.connected && !sw.syncing) {
          this.counters.restored++;
          this.log.info({ owner: rec.owner, dpid: dpidToHex(dpid), flow: rec.key }, 'flow deleted by someone else: restoring it');
          this.sendAdd(dp, sw, rec);
          this.emitScope(rec, 'restored');
          return;
        }
        this.forget(sw, rec, 'deleted');
        return;
      default:
        this.counters.flowRemovedOther++;
        this.forget(sw, rec, 'deleted');
    }
  }

  // ---- reconciliation ---------------------------------------------------------------------

  /** Reconciles every connected switch; resolves with their reports (failed ones left out). */
  async reconcileAll(): Promise<ReconcileReport[]> {
    const out: ReconcileReport[] = [];
    for (const dpid of [...this.datapaths.keys()]) {
      try {
        out.push(await this.reconcile(dpid));
      } catch {
        // counted and logged in reconcile
      }
    }
    return out;
  }

  /**
   * Reads the switch's flows and makes them what we want, touching nothing that is already
   * right: missing desired flows are added, wrong ones replaced, flows of ours nobody wants
   * deleted one by one (delete_strict), other owners' flows left alone unless `foreignFlows` is
   * `delete`. Never a table wipe. Concurrent calls for one switch share one run.
   */
  reconcile(dpid: bigint): Promise<ReconcileReport> {
    const dp = this.datapaths.get(dpid);
    if (!dp || !dp.connected) return Promise.reject(new Error(`switch ${dpidToHex(dpid)} is not connected`));
    // Another instance masters this switch (cluster mode): it reconciles, not us.
    if (dp.mastership === 'slave') return Promise.reject(new Error(`switch ${dpidToHex(dpid)} is mastered by another instance`));
    const sw = this.sw(dpid);
    if (sw.reconciling) return sw.reconciling;
    const p = this.runReconcile(dp, sw).finally(() => {
      sw.reconciling = undefined;
    });
    sw.reconciling = p;
    return p;
  }


  /** What reconciliation may touch: the owner ids we hold (adoptable when the owner has a scope) and the configured policies. */
  private reconcilePolicy(openflow10: boolean): ReconcilePolicy {
    const managed = new Map<number, ManagedOwner>();
    for (const [id, owner] of this.ownedIds) managed.set(id, { adoptable: this.scopes.has(owner) });
    return {
      managed,
      staleReactiveFlows: this.config.staleReactiveFlows,
      foreignFlows: this.config.foreignFlows,
      protectedOwnerIds: PROTECTED_OWNER_IDS,
      openflow10,
    };
  }

  private async runReconcile(dp: Datapath, sw: SwitchFlows): Promise<ReconcileReport> {
    const t0 = performance.now();
    const dpid = dp.dpid;
    const snapshot = sw.seq;
    let entries: FlowEntry[];
    try {
      entries = await dp.flowStats();
    } catch (e) {
      this.counters.reconcileErrors++;
      this.log.warn({ dpid: dp.dpidHex, err: (e as Error).message }, 'reconciliation could not read the flow table');
      if (sw.syncing && dp.connected) {
        // Without the switch's table we cannot diff: send what we want (ADD replaces equal flows).
        sw.syncing = false;
        const pending = [...sw.byKey.values()].filter((r) => r.state === 'pending');
        if (pending.length > 0) this.log.warn({ dpid: dp.dpidHex, flowMods: pending.length, flows: capLines(pending.map((r) => `add unread ${r.owner} ${r.key}`)) }, 'sending every desired flow without a table read');
        void this.sendBatches(dp, sw, pending.map((r) => () => this.sendAddSettled(dp, sw, r)));
      }
      throw e;
    }
    if (this.datapaths.get(dpid) !== dp || !dp.connected) throw new Error(`switch ${dp.dpidHex} went away during reconciliation`);
    this.counters.reconciles++;
    const is10 = dp.version === OFP_VERSION_1_0;
    const considered: ConsideredFlow[] = [];
    for (const rec of sw.byKey.values()) {
      if (rec.state === 'failed') continue;
      // Sent after the stats request left: the reply cannot show it yet.
      if (rec.sentSeq > snapshot) continue;
      considered.push({ key: rec.key, spec: rec.spec, expiredIfMissing: rec.reactive && (rec.state === 'installed' || rec.wasInstalled), rec });
    }
    const plan = planReconcile(considered, entries, this.reconcilePolicy(is10));
    for (const { rec } of plan.confirmed) {
      rec.wasInstalled = false;
      if (rec.state !== 'installed') {
        rec.gen++;
        this.setState(rec, 'installed');
      }
    }
    // It was on the switch and timed out (or the switch restarted): a reactive flow is not put back.
    for (const { rec } of plan.forgotten) this.forget(sw, rec, 'expired_while_away');
    for (const e of plan.adopted) this.adopt(sw, this.scopes.get(this.ownedIds.get(cookieOwnerId(e.cookie))!)!, dpid, e, is10);
    // Desired flows held back while syncing are either confirmed above or in `adds`.
    sw.syncing = false;
    const before = this.counters.flowModsSent;
    const failedBefore = this.counters.installFailed;
    const thunks: (() => Promise<void>)[] = [];
    // The doomed flows whose removal the switch will report: 1.0's flow stats carry no flags, so all of them there.
    const reported = new Set<string>();
    for (const e of [...plan.extraneous, ...plan.foreignDeleted]) if (is10 || e.flags & OFPFF.SEND_FLOW_REM) reported.add(entryKey(e, is10));
    for (const spec of plan.deletes) {
      const key = flowKey(is10 ? 0 : spec.tableId!, spec.priority!, spec.match!);
      thunks.push(() => this.sendDelete(dp, sw, spec, reported.has(key) ? [key] : []));
    }
    for (const { rec } of plan.adds) thunks.push(() => this.sendAddSettled(dp, sw, rec));
    await this.sendBatches(dp, sw, thunks);
    const flowMods = this.counters.flowModsSent - before;
    const c = this.counters;
    const report: ReconcileReport = {
      dpid,
      durationMs: performance.now() - t0,
      onSwitch: entries.length,
      desired: considered.length,
      confirmed: plan.confirmed.length,
      missing: plan.missing.length,
      changed: plan.changed.length,
      extraneous: plan.extraneous.length,
      adopted: plan.adopted.length,
      forgotten: plan.forgotten.length,
      foreignKept: plan.foreignKept.length,
      foreignDeleted: plan.foreignDeleted.length,
      flowMods,
      failed: this.counters.installFailed - failedBefore,
    };
    c.reconcileConfirmed += report.confirmed;
    c.reconcileMissing += report.missing;
    c.reconcileChanged += report.changed;
    c.reconcileExtraneous += report.extraneous;
    c.reconcileAdopted += report.adopted;
    c.reconcileForgotten += report.forgotten;
    c.reconcileForeignKept += report.foreignKept;
    c.reconcileForeignDeleted += report.foreignDeleted;
    c.reconcileFlowMods += flowMods;
    if (flowMods > 0 || report.forgotten > 0 || report.adopted > 0) {
      const flows = capLines(planReasons(plan, is10, (cookie) => this.ownerOfCookie(cookie) ?? `cookie 0x${cookie.toString(16)}`));
      this.log.info({ ...report, dpid: dp.dpidHex, ...(flows.length > 0 ? { flows } : {}) }, 'reconciled switch');
    }
    else this.log.debug({ dpid: dp.dpidHex, confirmed: report.confirmed, foreignKept: report.foreignKept }, 'switch already as wanted');
    return report;
  }

  /** Tracks an untracked reactive flow of ours as installed (it expires by itself; FLOW_REMOVED then forgets it). */
  private adopt(sw: SwitchFlows, scope: FlowScopeImpl, dpid: bigint, e: FlowEntry, is10: boolean): void {
    const spec: FlowSpec = {
      command: 'add',
      tableId: e.tableId,
      priority: e.priority,
      cookie: e.cookie,
      idleTimeout: e.idleTimeout,
      hardTimeout: e.hardTimeout,
      flags: e.flags | (this.config.sendFlowRemoved ? OFPFF.SEND_FLOW_REM : 0),
      match: e.match,
      instructions: e.instructions,
    };
    const rec = this.newRec(scope, dpid, flowKey(is10 ? 0 : e.tableId, e.priority, e.match), spec);
    rec.state = 'installed';
    file(sw, rec);
  }
}

/**
 * The outcome of one ADD, for its record: the session settles it directly, so an install made per
 * packet-in costs this one object instead of a Promise, a derived Promise and two closures.
 */
class AddOutcome implements Settle {
  constructor(
    private readonly service: Pick<FlowService, 'installOk' | 'installFailed'>,
    private readonly rec: Rec,
    private readonly gen: number,
    private readonly done: (() => void) | undefined,
  ) {}

  resolve(): void {
    this.service.installOk(this.rec, this.gen);
    this.done?.();
  }

  reject(e: Error): void {
    this.service.installFailed(this.rec, this.gen, e);
    this.done?.();
  }
}

/**
 * Files `rec` under its key on its switch; a record filed there before is no longer current.
 * `prev`: what is filed there now, when the caller has looked it up already.
 */
/** The keys of the records whose removal the switch reports (SEND_FLOW_REM). */
function reportedKeys(recs: readonly Rec[]): string[] {
  const out: string[] = [];
  for (const rec of recs) if ((rec.spec.flags ?? 0) & OFPFF.SEND_FLOW_REM) out.push(rec.key);
  return out;
}

function file(sw: SwitchFlows, rec: Rec, prev = sw.byKey.get(rec.key)): void {
  if (prev !== undefined && prev !== rec) prev.filed = false;
  sw.byKey.set(rec.key, rec);
  rec.filed = true;
}

/** Takes `rec` out of its switch's flows if it is the one filed under its key. */
function unfile(sw: SwitchFlows, rec: Rec): void {
  if (sw.byKey.get(rec.key) === rec) sw.byKey.delete(rec.key);
  rec.filed = false;
}

/** Flows named in one log line at most; the rest are counted. */
const MAX_LOGGED_FLOWS = 20;

/** `lines`, the first {@link MAX_LOGGED_FLOWS} of them and how many more. */
function capLines(lines: readonly string[]): string[] {
  return lines.length <= MAX_LOGGED_FLOWS ? [...lines] : [...lines.slice(0, MAX_LOGGED_FLOWS), `and ${lines.length - MAX_LOGGED_FLOWS} more`];
}

/** Low 48 bits of a cookie (the owner's own part). */
export function cookieLocal(cookie: bigint): bigint {
  return cookie & LOCAL_COOKIE_MASK;
}
