/**
 * The built-in `acl` app: ordered allow/deny rules kept in the app's store, installed at high
 * priority on all or chosen switches, with CRUD methods for the REST layer (`list`, `get`,
 * `add`, `update`, `remove`). Packet-ins a deny rule matches stop here. The store is followed:
 * rules another instance of a cluster changes are applied here too.
 */
import { dpidToHex } from '../../core/ids.js';
import { applyEffects, installs } from '../effects.js';
import { sameStored, StoreFollower, type StoreOp, type StoreValue } from '../store.js';
import type { App, AppContext, PacketInResult } from '../../core/app.js';
import { aclSchema, aclFlows, aclSync, AclRuleError, checkRule, declaredRules, defaultAclConfig, firstMatch, type AclConfig, type AclRule } from './logic.js';

export { aclFlows, aclSync, checkRule, checkDeclaredRules, declaredRules, firstMatch, matchesOverlap, ruleMatch, packetMatches, AclRuleError, defaultAclConfig, aclSchema, type AclConfig, type AclRule, type AclRuleInput, type AclMatch } from './logic.js';

/** The ACL app with its rule API. Every change is persisted before it resolves, then installed on every switch. */
export interface AclApp extends App<AclConfig> {
  /** Rules in order (first match wins). */
  list(): AclRule[];
  get(id: string): AclRule | undefined;
  /** Adds a rule at `position` (0 = first; default last); throws AclRuleError on a bad rule. */
  add(rule: unknown, position?: number): Promise<AclRule>;
  /** Replaces a rule's action, match, switches and description (and moves it when `position` is given); undefined when unknown. */
  update(id: string, rule: unknown, position?: number): Promise<AclRule | undefined>;
  /** Deletes a rule; false when unknown. */
  remove(id: string): Promise<boolean>;
  /** A new config while running (PUT /api/v1/apps/acl/config): the rule flows move to the new priorities and table without a gap. */
  reconfigure(config: AclConfig): void;
}

/** One key per rule (`rule/<id>`): writers of different rules never touch the same key. */
const RULE_PREFIX = 'rule/';
/** The id counter, taken in the same transaction as the rule it numbers. */
const NEXT_ID_KEY = 'nextId';
/** The old format: every rule in one list, rewritten on each change (migrated at start). */
const OLD_RULES_KEY = 'rules';
/** Rules written per batch while migrating the old list (etcd allows 128 operations per transaction by default). */
const MIGRATE_CHUNK = 100;

/**
 * A rule as stored: the rule and its place in the order. `seq` orders the rules (ties by id
 * number): a rule added at the end takes its id number, one inserted between two takes the
 * midpoint of theirs, so an insert or a move writes only its own key.
 */
type StoredRule = AclRule & { readonly seq: number };

/** The number of an id `r12` (NaN for another shape). */
const idNumber = (id: string): number => Number(id.slice(1));

function byOrder(a: StoredRule, b: StoredRule): number {
  return a.seq - b.seq || idNumber(a.id) - idNumber(b.id) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The stored rule without its order field (what the API shows). */
function plain(r: StoredRule): AclRule {
  const { seq: _seq, ...rule } = r;
  return rule;
}

/**
 * The `seq` that puts a rule at `position` among `others` (sorted, without the rule itself), or
 * undefined for "at the end" (the caller takes a fresh number from the counter).
 */
export function seqAt(others: readonly { readonly seq: number }[], position: number | undefined): number | undefined {
  if (position === undefined || position >= others.length) return undefined;
  if (position <= 0) return others[0]!.seq - 1;
  return (others[position - 1]!.seq + others[position]!.seq) / 2;
}

/** Makes the app (fresh state each time it is enabled; rules come back from the store). */
export function aclApp(): AclApp {
  let ctx: AppContext<AclConfig> | undefined;
  /** The live config: ctx.config, or what `reconfigure` gave since. */
  let cfg: AclConfig = defaultAclConfig;
  /** The rules in order, with their `seq`. */
  let ordered: StoredRule[] = [];
  /** The same without `seq`: the API's rules. */
  let rules: AclRule[] = [];
  /** The rules the config declares (`cfg.rules`): before the API's. */
  let declared: AclRule[] = [];
  /** Declared then API rules: the order flows and packet-ins follow, and the API lists. */
  let all: AclRule[] = [];
  const combine = (): void => {
    all = declared.length === 0 ? rules : [...declared, ...rules];
  };
  let dropped: { inc(): void } | undefined;
  let follower: StoreFollower<StoredRule[]> | undefined;
  /** Local writes taken into the local copy so far. */
  let localWrites = 0;

  const need = (): AppContext<AclConfig> => {
    if (!ctx || !follower) throw new Error('acl app is not running');
    return ctx;
  };

  /** The stored rules in order. */
  const load = async (c: AppContext<AclConfig>): Promise<StoredRule[]> =>
    (await c.store.list<StoreValue>(RULE_PREFIX))
      .map(([, v]) => v as unknown as StoredRule)
      .filter((r) => r !== null && typeof r === 'object' && typeof r.id === 'string' && typeof r.seq === 'number')
      .sort(byOrder);

  const take = (next: StoredRule[]): void => {
    ordered = next;
    rules = next.map(plain);
    combine();
  };

  /** A declared rule is changed in the config, not through the API (409). */
  const notDeclared = (id: string): void => {
    if (declared.some((r) => r.id === id)) throw Object.assign(new Error(`ACL rule "${id}" is declared in the config (apps.settings.acl.rules); change it there`), { code: 'conflict', field: 'params.id', declared: true });
  };

  /** Makes every connected switch's ACL flows match the rules. */
  const sync = (): void => {
    const c = ctx;
    if (!c) return;
    for (const dp of c.devices.list()) void applyEffects(c, aclSync(all, dp.dpid, cfg));
  };

  /** What a local write changed: a rule stored (new or replaced) or deleted. */
  type Delta = { readonly put: StoredRule } | { readonly removed: string };

  /**
   * A local change: reads the stored rules first (another instance may have changed them a
   * moment ago, its change not followed yet), then runs `fn`, which writes its own rule's key in
   * a transaction, and takes the result into the local copy and the switches.
   */
  const change = <R>(fn: (c: AppContext<AclConfig>) => Promise<{ delta: Delta; result: R } | undefined>): Promise<R | undefined> => {
    const c = need();
    return follower!.write(async () => {
      const before = localWrites;
      const stored = await load(c);
      // A read that overlapped another local write may lack it: keep the local copy then.
      if (localWrites === before && !sameStored(stored, ordered)) take(stored);
      const r = await fn(c);
      if (r === undefined) return undefined;
      // Applied to the local copy as it is now (other local writes may have landed meanwhile).
      const d = r.delta;
      const id = 'put' in d ? d.put.id : d.removed;
      const rest = ordered.filter((x) => x.id !== id);
      take('put' in d ? [...rest, d.put].sort(byOrder) : rest);
      localWrites++;
      sync();
      return r.result;
    });
  };

  /** What another instance (or this one's own echo) stored: applied when it differs. */
  const follow = (stored: StoredRule[]): void => {
    if (sameStored(stored, ordered)) return;
    take(stored);
    ctx?.log.info({ rules: rules.length }, 'ACL rules changed in the store');
    sync();
  };

  /**
   * Moves rules kept in the old format (one list under `rules`) to one key each, in order, and
   * the counter past their ids; the list is deleted last, in a transaction that checks it did not
   * change meanwhile (else it starts over). Writing a rule twice is harmless.
   */
  const migrate = async (c: AppContext<AclConfig>): Promise<void> => {
    for (let round = 0; round < 10; round++) {
      const old = await c.store.get<StoreValue>(OLD_RULES_KEY);
      if (old === undefined) return;
      const list = Array.isArray(old) ? (old as unknown as AclRule[]).filter((r) => r !== null && typeof r === 'object' && typeof r.id === 'string') : [];
      // Before every rule added since (their seq is their id number, >= 1).
      const entries: StoredRule[] = list.map((r, i) => ({ ...r, seq: i - list.length }));
      for (let i = 0; i < entries.length; i += MIGRATE_CHUNK) {
        await c.store.transact([], () => ({ ops: entries.slice(i, i + MIGRATE_CHUNK).map((r) => ({ type: 'put' as const, key: RULE_PREFIX + r.id, value: r as unknown as StoreValue })), result: undefined }));
      }
      const maxId = Math.max(0, ...list.map((r) => idNumber(r.id)).filter(Number.isFinite));
      const done = await c.store.transact([OLD_RULES_KEY, NEXT_ID_KEY], (v) => {
        if (!sameStored(v.get(OLD_RULES_KEY), old)) return { ops: [], result: false };
        const next = Math.max(maxId + 1, typeof v.get(NEXT_ID_KEY) === 'number' ? (v.get(NEXT_ID_KEY) as number) : 1);
        return { ops: [{ type: 'del', key: OLD_RULES_KEY }, { type: 'put', key: NEXT_ID_KEY, value: next }], result: true };
      });
      if (done) {
        c.log.info({ rules: list.length }, 'ACL rules moved from the old single-list format to one key per rule');
        return;
      }
    }
    throw new Error('the stored ACL rule list kept changing while it was being migrated');
  };

  /** The next id: the stored counter, and past every id known (a counter that lags must not hand out a used id). */
  const counter = (v: ReadonlyMap<string, StoreValue | undefined>): number => {
    const n = v.get(NEXT_ID_KEY);
    const stored = typeof n === 'number' && Number.isInteger(n) && n >= 1 ? n : 1;
    return Math.max(stored, Math.max(0, ...ordered.map((r) => idNumber(r.id)).filter(Number.isFinite)) + 1);
  };

  const at = (position: number | undefined, n: number): number => {
    if (position === undefined) return n;
    if (!Number.isInteger(position) || position < 0) throw new AclRuleError('position', `expected an integer >= 0, got ${position}`);
    return Math.min(position, n);
  };

  return {
    name: 'acl',
    description: 'Ordered allow/deny rules on L2-L4 fields, installed at high priority on all or chosen switches',
    // With the guards: before proxy-arp, the router and forwarding.
    packetInPriority: 500,
    config: aclSchema,

    async start(c) {
      ctx = c;
      cfg = c.config;
      declared = declaredRules(cfg);
      // Following first, so a change made while the rules load is not missed.
      follower = new StoreFollower(c.store, RULE_PREFIX, { load: () => load(c), apply: follow, log: c.log, clock: c.clock });
      await migrate(c);
      take(await load(c));
      dropped = c.metrics.counter('denied_packet_ins_total', 'Packet-ins dropped by a deny rule');
    },

    stop() {
      follower?.stop();
      follower = undefined;
      ctx = undefined;
    },

    reconfigure(config) {
      // Declaring the new flows and removing the old ones in one sync: no moment without the rules.
      cfg = config;
      declared = declaredRules(config);
      combine();
      sync();
    },

    list: () => all.map((r) => ({ ...r })),
    get: (id) => all.find((r) => r.id === id),

    async add(input, position) {
      need();
      const checked = checkRule(input);
      at(position, 0);
      const added = await change(async (c) => {
        const seq = seqAt(ordered, position);
        const r = await c.store.transact([NEXT_ID_KEY], (v) => {
          const n = counter(v);
          const rule: StoredRule = { id: `r${n}`, ...checked, seq: seq ?? n };
          return { ops: [{ type: 'put', key: NEXT_ID_KEY, value: n + 1 }, { type: 'put', key: RULE_PREFIX + rule.id, value: rule as unknown as StoreValue }], result: rule };
        });
        return { delta: { put: r }, result: plain(r) };
      });
      return added!;
    },

    async update(id, input, position) {
      need();
      notDeclared(id);
      const checked = checkRule(input);
      if (position !== undefined) at(position, 0);
      return change(async (c) => {
        if (!ordered.some((r) => r.id === id)) return undefined;
        const seq = position === undefined ? undefined : seqAt(ordered.filter((r) => r.id !== id), position);
        // The rule's own key is read and compared: an update never brings back a rule another instance deleted.
        const r = await c.store.transact([RULE_PREFIX + id, NEXT_ID_KEY], (v) => {
          const cur = v.get(RULE_PREFIX + id) as unknown as StoredRule | undefined;
          if (cur === undefined) return { ops: [], result: undefined };
          const ops: StoreOp[] = [];
          let newSeq = seq ?? cur.seq;
          if (position !== undefined && seq === undefined) {
            // To the end: a fresh number from the counter.
            newSeq = counter(v);
            ops.push({ type: 'put', key: NEXT_ID_KEY, value: newSeq + 1 });
          }
          const rule: StoredRule = { id, ...checked, seq: newSeq };
          ops.push({ type: 'put', key: RULE_PREFIX + id, value: rule as unknown as StoreValue });
          return { ops, result: rule };
        });
        if (r === undefined) return { delta: { removed: id }, result: undefined };
        return { delta: { put: r }, result: plain(r) };
      });
    },

    async remove(id) {
      need();
      notDeclared(id);
      const removed = await change(async (c) => {
        // The store decides: of two concurrent deletes of a rule, one finds it.
        const existed = await c.store.del(RULE_PREFIX + id);
        return { delta: { removed: id }, result: existed };
      });
      return removed ?? false;
    },

    onSwitchConnected(e) {
      const c = ctx;
      if (!c) return;
      void applyEffects(c, installs(e.dpid, aclFlows(all, dpidToHex(e.dpid), cfg)));
    },

    onPacketIn(e): PacketInResult {
      if (all.length === 0) return undefined;
      const r = firstMatch(all, dpidToHex(e.dpid), e.msg.data, e.msg.inPort);
      if (r?.action !== 'deny') return undefined;
      dropped?.inc();
      return 'handled';
    },
  };
}
