/**
 * The built-in `acl` app: ordered allow/deny rules kept in the app's store, installed at high
 * priority on all or chosen switches, with CRUD methods for the REST layer (`list`, `get`,
 * `add`, `update`, `remove`). Packet-ins a deny rule matches stop here. The store is followed:
 * rules another instance of a cluster changes are applied here too.
 */
import { dpidToHex } from '../../core/ids.js';
import { applyEffects, installs } from '../effects.js';
import { sameStored, StoreFollower, type StoreValue } from '../store.js';
import type { App, AppContext, PacketInResult } from '../../core/app.js';
import { aclSchema, aclFlows, aclSync, AclRuleError, checkRule, defaultAclConfig, firstMatch, type AclConfig, type AclRule } from './logic.js';

export { aclFlows, aclSync, checkRule, firstMatch, matchesOverlap, ruleMatch, packetMatches, AclRuleError, defaultAclConfig, aclSchema, type AclConfig, type AclRule, type AclRuleInput, type AclMatch } from './logic.js';

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

const RULES_KEY = 'rules';
const NEXT_ID_KEY = 'nextId';

/** Makes the app (fresh state each time it is enabled; rules come back from the store). */
export function aclApp(): AclApp {
  let ctx: AppContext<AclConfig> | undefined;
  /** The live config: ctx.config, or what `reconfigure` gave since. */
  let cfg: AclConfig = defaultAclConfig;
  let rules: AclRule[] = [];
  let nextId = 1;
  let dropped: { inc(): void } | undefined;
  let follower: StoreFollower<{ rules: AclRule[]; nextId: number | undefined }> | undefined;

  const need = (): AppContext<AclConfig> => {
    if (!ctx || !follower) throw new Error('acl app is not running');
    return ctx;
  };

  const load = async (c: AppContext<AclConfig>): Promise<{ rules: AclRule[]; nextId: number | undefined }> => ({
    rules: ((await c.store.get<StoreValue>(RULES_KEY)) as unknown as AclRule[] | undefined) ?? [],
    nextId: await c.store.get<number>(NEXT_ID_KEY),
  });

  /** Makes every connected switch's ACL flows match the rules. */
  const sync = (): void => {
    const c = ctx;
    if (!c) return;
    for (const dp of c.devices.list()) void applyEffects(c, aclSync(rules, dp.dpid, cfg));
  };

  const persist = async (): Promise<void> => {
    const c = need();
    await c.store.put(RULES_KEY, rules as unknown as StoreValue);
    await c.store.put(NEXT_ID_KEY, nextId);
  };

  /**
   * A local change: reads the stored rules first (another instance may have changed them a
   * moment ago, its change not followed yet), applies `change` to them, persists and syncs.
   * Concurrent changes on two instances still race (last write wins): send an API client's
   * changes to one instance at a time.
   */
  const change = <R>(fn: (current: AclRule[]) => { next: AclRule[]; result: R } | undefined): Promise<R | undefined> => {
    const c = need();
    return follower!.write(async () => {
      const stored = await load(c);
      if (!sameStored(stored.rules, rules)) rules = stored.rules;
      nextId = Math.max(nextId, stored.nextId ?? 0);
      const r = fn(rules);
      if (r === undefined) return undefined;
      rules = r.next;
      await persist();
      sync();
      return r.result;
    });
  };

  /** What another instance (or this one's own echo) stored: applied when it differs. */
  const follow = (stored: { rules: AclRule[]; nextId: number | undefined }): void => {
    nextId = Math.max(nextId, stored.nextId ?? 0);
    if (sameStored(stored.rules, rules)) return;
    rules = stored.rules;
    ctx?.log.info({ rules: rules.length }, 'ACL rules changed in the store');
    sync();
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
      // Following first, so a change made while the rules load is not missed.
      follower = new StoreFollower(c.store, RULES_KEY, { load: () => load(c), apply: follow, log: c.log, clock: c.clock });
      const stored = await load(c);
      rules = stored.rules;
      nextId = stored.nextId ?? rules.length + 1;
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
      sync();
    },

    list: () => rules.map((r) => ({ ...r })),
    get: (id) => rules.find((r) => r.id === id),

    async add(input, position) {
      need();
      const checked = checkRule(input);
      at(position, 0);
      const added = await change((current) => {
        const r: AclRule = { id: `r${nextId++}`, ...checked };
        const next = [...current];
        next.splice(at(position, next.length), 0, r);
        return { next, result: r };
      });
      return added!;
    },

    async update(id, input, position) {
      need();
      const checked = checkRule(input);
      if (position !== undefined) at(position, 0);
      return change((current) => {
        const i = current.findIndex((r) => r.id === id);
        if (i < 0) return undefined;
        const r: AclRule = { id, ...checked };
        const next = [...current];
        next.splice(i, 1);
        next.splice(position === undefined ? i : at(position, next.length), 0, r);
        return { next, result: r };
      });
    },

    async remove(id) {
      need();
      const removed = await change((current) => {
        const next = current.filter((r) => r.id !== id);
        return next.length === current.length ? undefined : { next, result: true };
      });
      return removed ?? false;
    },

    onSwitchConnected(e) {
      const c = ctx;
      if (!c) return;
      void applyEffects(c, installs(e.dpid, aclFlows(rules, dpidToHex(e.dpid), cfg)));
    },

    onPacketIn(e): PacketInResult {
      if (rules.length === 0) return undefined;
      const r = firstMatch(rules, dpidToHex(e.dpid), e.msg.data, e.msg.inPort);
      if (r?.action !== 'deny') return undefined;
      dropped?.inc();
      return 'handled';
    },
  };
}
