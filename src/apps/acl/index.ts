/**
 * The built-in `acl` app: ordered allow/deny rules kept in the app's store, installed at high
 * priority on all or chosen switches, with CRUD methods for the REST layer (`list`, `get`,
 * `add`, `update`, `remove`). Packet-ins a deny rule matches stop here.
 */
import { dpidToHex } from '../../events.js';
import { flowKey } from '../../flows/compare.js';
import type { ConfigSchema } from '../schema.js';
import type { StoreValue } from '../store.js';
import type { App, AppContext, PacketInResult } from '../types.js';
import { aclFlows, AclRuleError, checkRule, defaultAclConfig, firstMatch, type AclConfig, type AclRule } from './logic.js';

export { aclFlows, checkRule, firstMatch, matchesOverlap, ruleMatch, packetMatches, AclRuleError, defaultAclConfig, type AclConfig, type AclRule, type AclRuleInput, type AclMatch } from './logic.js';

/** Settings schema of `apps.settings.acl`. */
export const aclSchema: ConfigSchema<AclConfig> = {
  defaults: defaultAclConfig,
  fields: {
    basePriority: { type: 'number', integer: true, min: 2, max: 65_000, description: 'priority of the first rule (later rules get one less each)' },
    tableId: { type: 'number', integer: true, min: 0, max: 254, description: 'table of the rule flows' },
  },
};

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

  const need = (): AppContext<AclConfig> => {
    if (!ctx) throw new Error('acl app is not running');
    return ctx;
  };

  /** Makes every connected switch's ACL flows match the rules. */
  const sync = (): void => {
    const c = ctx;
    if (!c) return;
    for (const dp of c.datapaths.list()) {
      const want = aclFlows(rules, dpidToHex(dp.dpid), cfg);
      const keys = new Set(want.map((f) => flowKey(f.tableId ?? 0, f.priority ?? 0, f.match ?? [])));
      // New flows first, then the ones no longer wanted: a rule moving priority is never absent.
      for (const f of want) c.flows.install(dp.dpid, f);
      c.flows.removeWhere(dp.dpid, (r) => !keys.has(r.key));
    }
  };

  const persist = async (): Promise<void> => {
    const c = need();
    await c.store.put(RULES_KEY, rules as unknown as StoreValue);
    await c.store.put(NEXT_ID_KEY, nextId);
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
      rules = (await c.store.get<StoreValue>(RULES_KEY)) as unknown as AclRule[] | undefined ?? [];
      nextId = (await c.store.get<number>(NEXT_ID_KEY)) ?? rules.length + 1;
      dropped = c.metrics.counter('denied_packet_ins_total', 'Packet-ins dropped by a deny rule');
    },

    stop() {
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
      const r: AclRule = { id: `r${nextId++}`, ...checked };
      const next = [...rules];
      next.splice(at(position, next.length), 0, r);
      rules = next;
      await persist();
      sync();
      return r;
    },

    async update(id, input, position) {
      need();
      const i = rules.findIndex((r) => r.id === id);
      if (i < 0) return undefined;
      const r: AclRule = { id, ...checkRule(input) };
      const next = [...rules];
      next.splice(i, 1);
      next.splice(position === undefined ? i : at(position, next.length), 0, r);
      rules = next;
      await persist();
      sync();
      return r;
    },

    async remove(id) {
      need();
      const next = rules.filter((r) => r.id !== id);
      if (next.length === rules.length) return false;
      rules = next;
      await persist();
      sync();
      return true;
    },

    onSwitchConnected(e) {
      const c = ctx;
      if (!c) return;
      for (const f of aclFlows(rules, dpidToHex(e.dpid), cfg)) c.flows.install(e.dpid, f);
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
