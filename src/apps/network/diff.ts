/**
 * What applying a network config changes, pure: from the apps' effective configs before and after
 * (and the API's own ACL rules and static flows, which stay), the apps started and stopped, the
 * settings changed, the ACL rules, static flows, gateways and routes added or removed, and the
 * proactive flows (ACL, static) added, removed or modified on each switch. A switch absent from
 * `switches` in the result gets no FLOW_MOD from the change.
 */
import { flowKey } from '../../flows/compare.js';
import type { FlowRule } from '../../core/services.js';
import { aclFlows, declaredRules, defaultAclConfig, type AclConfig, type AclRule } from '../acl/logic.js';
import { declaredFlows, defaultStaticFlowsConfig, staticRule, type StaticFlow, type StaticFlowsConfig } from '../static-flows/logic.js';
import { defaultRouterConfig, type RouterConfig } from '../router/logic.js';
import { sameStored } from '../store.js';

/** The apps' state a diff compares. */
export interface NetworkState {
  /** The apps running (before) or that would run (after), by name. */
  readonly enabled: readonly string[];
  /** Effective config by app name. */
  readonly configs: ReadonlyMap<string, object>;
  /** The API's own ACL rules (after the declared ones; unchanged by a network config). */
  readonly apiAclRules: readonly AclRule[];
  /** The API's own static flows (a declared entry of the same name shadows one). */
  readonly apiStaticFlows: readonly StaticFlow[];
}

/** Names added, removed and changed. */
export interface NamedChanges {
  readonly added: string[];
  readonly removed: string[];
  readonly changed: string[];
}

/** A flow as the diff shows it: its owner app and an ovs-ofctl-like text. */
export interface FlowLine {
  readonly owner: string;
  readonly flow: string;
}

/** The flow changes on one switch. */
export interface SwitchChanges {
  readonly dpid: string;
  readonly added: FlowLine[];
  readonly removed: FlowLine[];
  /** Same table, priority and match, other actions or timeouts: one FLOW_MOD each. */
  readonly modified: FlowLine[];
}

/** What applying a network config changes. */
export interface NetworkDiff {
  /** False when applying changes nothing. */
  readonly changed: boolean;
  readonly apps: { readonly start: string[]; readonly stop: string[] };
  /** Apps whose effective settings change, with the keys. */
  readonly settings: { readonly app: string; readonly keys: string[] }[];
  readonly aclRules: NamedChanges;
  readonly staticFlows: NamedChanges;
  readonly interfaces: { readonly added: string[]; readonly removed: string[] };
  readonly routes: { readonly added: string[]; readonly removed: string[] };
  /** Switches whose proactive flows change (the others get no FLOW_MOD), by dpid. */
  readonly switches: SwitchChanges[];
}

function matchText(rule: FlowRule): string {
  return (rule.match ?? [])
    .map((f) => {
      const { field, value, mask } = f as { field: string; value?: unknown; mask?: unknown };
      const v = typeof value === 'number' && field === 'eth_type' ? `0x${value.toString(16).padStart(4, '0')}` : String(value);
      return `${field}=${v}${mask !== undefined ? `/${String(mask)}` : ''}`;
    })
    .join(',');
}

function actionsText(rule: FlowRule): string {
  const list = rule.instructions ? rule.instructions : rule.actions ?? [];
  if (list.length === 0) return 'drop';
  return list
    .map((a) => {
      const { type, ...rest } = a as { type: string } & Record<string, unknown>;
      const vals = Object.values(rest).map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v)));
      return vals.length > 0 ? `${type}:${vals.join(':')}` : type;
    })
    .join(',');
}

/** `table=0 priority=40000 eth_type=0x0800,ipv4_dst=10.0.0.2 actions=drop`. */
export function flowText(rule: FlowRule): string {
  const m = matchText(rule);
  const t = [`table=${rule.tableId ?? 0}`, `priority=${rule.priority ?? 0}`];
  if (m !== '') t.push(m);
  if (rule.idleTimeout) t.push(`idle_timeout=${rule.idleTimeout}`);
  if (rule.hardTimeout) t.push(`hard_timeout=${rule.hardTimeout}`);
  return `${t.join(' ')} actions=${actionsText(rule)}`;
}

/** What decides whether an installed flow needs a FLOW_MOD (everything but the identity). */
function content(rule: FlowRule): string {
  return JSON.stringify(rule, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString(16) : v));
}

const cfgOf = <C>(s: NetworkState, app: string, dflt: C): C => (s.configs.get(app) as C | undefined) ?? dflt;

/** The ACL rules in force: the declared, then the API's. */
function aclRules(s: NetworkState): AclRule[] {
  return [...declaredRules(cfgOf<AclConfig>(s, 'acl', defaultAclConfig)), ...s.apiAclRules];
}

/** The static flows in force by name: the API's, declared ones laid over. */
function staticFlows(s: NetworkState): Map<string, StaticFlow> {
  const out = new Map(s.apiStaticFlows.map((f) => [f.name, f] as const));
  for (const [n, f] of declaredFlows(cfgOf<StaticFlowsConfig>(s, 'static-flows', defaultStaticFlowsConfig))) out.set(n, f);
  return out;
}

/** The proactive flows of a switch by owner-qualified identity. */
function switchFlows(s: NetworkState, dpid: string): Map<string, FlowLine & { readonly content: string }> {
  const out = new Map<string, FlowLine & { readonly content: string }>();
  const add = (owner: string, rule: FlowRule): void => {
    out.set(`${owner}|${flowKey(rule.tableId ?? 0, rule.priority ?? 0, rule.match ?? [])}`, { owner, flow: flowText(rule), content: content(rule) });
  };
  if (s.enabled.includes('acl')) for (const r of aclFlows(aclRules(s), dpid, cfgOf<AclConfig>(s, 'acl', defaultAclConfig))) add('acl', r);
  if (s.enabled.includes('static-flows')) for (const f of staticFlows(s).values()) if (f.dpid === dpid) add('static-flows', staticRule(f));
  return out;
}

function named<T>(before: ReadonlyMap<string, T>, after: ReadonlyMap<string, T>): NamedChanges {
  const added = [...after.keys()].filter((k) => !before.has(k)).sort();
  const removed = [...before.keys()].filter((k) => !after.has(k)).sort();
  const changed = [...after.keys()].filter((k) => before.has(k) && !sameStored(before.get(k), after.get(k))).sort();
  return { added, removed, changed };
}

function setDiff(before: readonly string[], after: readonly string[]): { added: string[]; removed: string[] } {
  return { added: after.filter((x) => !before.includes(x)), removed: before.filter((x) => !after.includes(x)) };
}

/**
 * The changes from `before` to `after`. `switches` are the connected switches (hex dpids); the
 * switches static flows and ACL rules name are looked at too.
 */
export function diffNetwork(before: NetworkState, after: NetworkState, switches: readonly string[]): NetworkDiff {
  const apps = { start: after.enabled.filter((a) => !before.enabled.includes(a)).sort(), stop: before.enabled.filter((a) => !after.enabled.includes(a)).sort() };
  const settings: { app: string; keys: string[] }[] = [];
  for (const app of [...new Set([...before.configs.keys(), ...after.configs.keys()])].sort()) {
    const b = (before.configs.get(app) ?? {}) as Record<string, unknown>;
    const a = (after.configs.get(app) ?? {}) as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((k) => !sameStored(b[k], a[k])).sort();
    if (keys.length > 0) settings.push({ app, keys });
  }
  const rulesOf = (s: NetworkState): Map<string, AclRule> => new Map(aclRules(s).map((r) => [r.id, r] as const));
  const aclChanges = named(rulesOf(before), rulesOf(after));
  const flowChanges = named(staticFlows(before), staticFlows(after));
  const router = (s: NetworkState): RouterConfig => cfgOf<RouterConfig>(s, 'router', defaultRouterConfig);
  const interfaces = setDiff(router(before).interfaces, router(after).interfaces);
  const routes = setDiff(router(before).routes, router(after).routes);
  const dpids = new Set(switches);
  for (const s of [before, after]) {
    for (const f of staticFlows(s).values()) dpids.add(f.dpid);
    for (const r of aclRules(s)) for (const d of r.switches ?? []) dpids.add(d);
  }
  const changes: SwitchChanges[] = [];
  for (const dpid of [...dpids].sort()) {
    const b = switchFlows(before, dpid);
    const a = switchFlows(after, dpid);
    const strip = (l: FlowLine): FlowLine => ({ owner: l.owner, flow: l.flow });
    const added = [...a].filter(([k]) => !b.has(k)).map(([, l]) => strip(l));
    const removed = [...b].filter(([k]) => !a.has(k)).map(([, l]) => strip(l));
    const modified = [...a].filter(([k, l]) => b.has(k) && b.get(k)!.content !== l.content).map(([, l]) => strip(l));
    if (added.length + removed.length + modified.length > 0) changes.push({ dpid, added, removed, modified });
  }
  const changed =
    apps.start.length + apps.stop.length + settings.length > 0 ||
    changes.length > 0 ||
    [aclChanges, flowChanges].some((c) => c.added.length + c.removed.length + c.changed.length > 0) ||
    interfaces.added.length + interfaces.removed.length + routes.added.length + routes.removed.length > 0;
  return { changed, apps, settings, aclRules: aclChanges, staticFlows: flowChanges, interfaces, routes, switches: changes };
}

/** A diff as text for a terminal: one line per change, `no changes` when there are none. */
export function diffText(d: NetworkDiff): string {
  if (!d.changed) return 'no changes\n';
  const out: string[] = [];
  for (const a of d.apps.start) out.push(`+ app ${a}`);
  for (const a of d.apps.stop) out.push(`- app ${a}`);
  for (const s of d.settings) out.push(`~ settings ${s.app}: ${s.keys.join(', ')}`);
  const names = (what: string, c: NamedChanges): void => {
    for (const n of c.added) out.push(`+ ${what} ${n}`);
    for (const n of c.removed) out.push(`- ${what} ${n}`);
    for (const n of c.changed) out.push(`~ ${what} ${n}`);
  };
  names('acl rule', d.aclRules);
  names('static flow', d.staticFlows);
  for (const i of d.interfaces.added) out.push(`+ gateway ${i}`);
  for (const i of d.interfaces.removed) out.push(`- gateway ${i}`);
  for (const r of d.routes.added) out.push(`+ route ${r}`);
  for (const r of d.routes.removed) out.push(`- route ${r}`);
  for (const s of d.switches) {
    out.push(`switch ${s.dpid}: ${s.added.length} added, ${s.removed.length} removed, ${s.modified.length} modified`);
    for (const l of s.added) out.push(`  + [${l.owner}] ${l.flow}`);
    for (const l of s.removed) out.push(`  - [${l.owner}] ${l.flow}`);
    for (const l of s.modified) out.push(`  ~ [${l.owner}] ${l.flow}`);
  }
  return `${out.join('\n')}\n`;
}
