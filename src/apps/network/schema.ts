/**
 * The network as code, pure: the schema of a network config file (static flows, ACL rules with
 * their ports and VLANs, router gateways and static routes, per-app settings, which apps run),
 * its parsing from YAML or JSON with every error's path and line, and its translation into what
 * the app manager takes (DeclaredApps: each app's declared settings). docs/config-as-code.md.
 */
import { LineCounter, parseDocument } from 'yaml';
import { any, closestKey, formatPath, int, list, oneOf, optional, record, section, str, validate, type ConfigOf, type Issue, type Path, type SectionSetting } from '../../core/config-schema.js';
import { checkStaticFlow, StaticFlowError } from '../static-flows/logic.js';
import { checkRule, AclRuleError, fieldPath } from '../acl/logic.js';
import { checkRoute, parseInterfaces, RouteError } from '../router/logic.js';
import { resolveAppConfig, AppConfigError, type ConfigSchema } from '../schema.js';
import type { DeclaredApps } from '../manager.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const NAME_DOC = '1-64 letters, digits, ".", "_" or "-"';

/** A static flow as the file declares it (the static-flows app's entry: OpenFlow 1.3 names). */
const flowEntry = section({
  name: str({ pattern: NAME, patternDoc: NAME_DOC, doc: 'Unique name; the flow cookie derives from it.' }),
  dpid: str({ nonEmpty: true, doc: 'Datapath id in hex (`0000000000000001`, `0x1`).' }),
  tableId: optional(int({ min: 0, max: 254 })),
  priority: optional(int({ min: 0, max: 65535 })),
  match: optional(any({ doc: 'OXM fields `[{field, value, mask?}]`.' })),
  actions: optional(any({ doc: 'Apply-actions.' })),
  instructions: optional(any({ doc: 'Instructions, instead of `actions`.' })),
  idleTimeout: optional(int({ min: 0, max: 65535, unit: 's' })),
  hardTimeout: optional(int({ min: 0, max: 65535, unit: 's' })),
});

/** An ACL rule as the file declares it: one rule, or one per port × VLAN listed. */
const aclEntry = section({
  name: optional(str({ pattern: NAME, patternDoc: NAME_DOC, doc: 'The rule id in the API (default `acl-N`, N its place in the list).' })),
  action: oneOf(['allow', 'deny']),
  match: optional(any({ doc: 'The ACL match in OpenFlow field names `{eth_type?, ipv4_src?, ipv4_dst?, ip_proto?, tcp_dst?, ...}` (docs/api.md; camelCase aliases accepted).' })),
  switches: optional(list(str(), { doc: 'Datapath ids the rule applies to; absent = every switch.' })),
  ports: optional(list(int({ min: 1, max: 0xffffff00 }), { nonEmpty: true, doc: 'In-ports the rule applies to (one rule per port).' })),
  vlans: optional(list(int({ min: 0, max: 4095 }), { nonEmpty: true, doc: 'VLAN ids the rule applies to (one rule per VLAN).' })),
  description: optional(str()),
});

const routeEntry = section({
  destination: str({ doc: 'Destination prefix, `10.0.3.0/24`.' }),
  gateway: str({ doc: "Next hop, in a gateway interface's subnet." }),
  description: optional(str()),
});

/** The network config: every key optional; a key present is owned by the file (the API may not change what it declares). */
export const networkSchema = section({
  apps: optional(list(str({ nonEmpty: true }), { doc: 'The apps to run, by name; absent leaves that to `apps.enabled` and the API.' })),
  settings: optional(record(record(any()), { keyDoc: 'app names', doc: "Per-app settings by app name, checked against each app's schema." })),
  flows: optional(list(flowEntry, { uniqueBy: 'name', doc: 'Static flows (the static-flows app).' })),
  acl: optional(list(aclEntry, { doc: 'Ordered ACL rules (the acl app), evaluated before the API\'s.' })),
  router: optional(
    section({
      interfaces: optional(list(str(), { doc: 'Gateway addresses with their subnet, `10.0.1.254/24`.' })),
      routes: optional(list(routeEntry, { doc: 'Static routes.' })),
    }, { doc: 'The router app: gateways (subnets) and static routes.' }),
  ),
});

/** A network config as the file gives it (after its schema checked it). */
export type NetworkConfig = ConfigOf<typeof networkSchema>;

/** One thing wrong with a network config file: the path in the file, its line when known. */
export interface NetworkIssue {
  /** `network.acl[2].match.ipv4Dst`. */
  readonly path: string;
  readonly line?: number;
  readonly message: string;
}

/** A network config that does not check; `issues` lists every error. */
export class NetworkConfigError extends Error {
  override readonly name = 'NetworkConfigError';
  readonly code = 'invalid_input';
  constructor(
    readonly file: string,
    readonly issues: readonly NetworkIssue[],
  ) {
    super(`${file}: ${issues.length} error${issues.length === 1 ? '' : 's'}:\n${issues.map((i) => `  ${formatIssue(file, i)}`).join('\n')}`);
  }
}

/** `net.yaml:12: network.acl[0].action: expected one of allow, deny, got "drop"`. */
export function formatIssue(file: string, i: NetworkIssue): string {
  return `${file}${i.line !== undefined ? `:${i.line}` : ''}: ${i.path === '' ? '' : `${i.path}: `}${i.message}`;
}

/** An app's settings schema, for checking the `settings` the file gives (the built-ins and any registered app). */
export type AppSchemas = ReadonlyMap<string, ConfigSchema<object> | undefined>;

/** Every issue of one setting over a list's items (each item checked alone, so every bad item is reported). */
function issuesOf(s: SectionSetting, v: unknown): Issue[] {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return [validate(s, v)!].filter(Boolean);
  const out: Issue[] = [];
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (x === undefined) continue;
    const f = s.fields[k];
    if (!f) {
      const hint = closestKey(k, Object.keys(s.fields));
      out.push({ path: [k], message: hint ? `unknown key (did you mean ${hint}?)` : `unknown key; known: ${Object.keys(s.fields).join(', ')}` });
      continue;
    }
    if (f.kind === 'list' && Array.isArray(x) && f.item.kind === 'section') {
      x.forEach((item, i) => {
        const bad = validate(f.item, item, [k, i]);
        if (bad) out.push(bad);
      });
      if (out.some((o) => o.path[0] === k)) continue;
    }
    if (f.kind === 'section') {
      for (const i of issuesOf(f, x)) out.push({ path: [k, ...i.path], message: i.message });
      continue;
    }
    const bad = validate(f, x, [k]);
    if (bad) out.push(bad);
  }
  return out;
}

/** `10.0.3.0/24 via 10.0.1.1`: the router's `routes` setting form of a route entry. */
function routeText(r: { destination: string; gateway: string }): string {
  return `${r.destination.trim()} via ${r.gateway.trim()}`;
}

/** The ACL rules a file entry stands for: one per port × VLAN listed (ids `NAME.pP.vV`), else one. */
function expandAcl(e: NonNullable<NetworkConfig['acl']>[number], i: number): Record<string, unknown>[] {
  const base = e.name ?? `acl-${i + 1}`;
  const ports: (number | undefined)[] = e.ports ? [...e.ports] : [undefined];
  const vlans: (number | undefined)[] = e.vlans ? [...e.vlans] : [undefined];
  const out: Record<string, unknown>[] = [];
  for (const p of ports) {
    for (const v of vlans) {
      const suffix = `${p !== undefined && ports.length > 1 ? `.p${p}` : ''}${v !== undefined && vlans.length > 1 ? `.v${v}` : ''}`;
      const match = { ...(e.match as Record<string, unknown> | undefined), ...(p !== undefined ? { inPort: p } : {}), ...(v !== undefined ? { vlanVid: v } : {}) };
      out.push({
        id: base + suffix,
        action: e.action,
        match,
        ...(e.switches ? { switches: e.switches } : {}),
        ...(e.description !== undefined ? { description: e.description } : {}),
      });
    }
  }
  return out;
}

/**
 * What a network config declares of the apps: `apps`, `settings`, and the sections turned into
 * the apps' settings (`flows` → static-flows `flows`, `acl` → acl `rules`, `router` → router
 * `interfaces` and `routes`).
 */
export function declaredApps(n: NetworkConfig, origin?: string): DeclaredApps {
  const settings: Record<string, Record<string, unknown>> = {};
  for (const [app, s] of Object.entries(n.settings ?? {})) settings[app] = { ...s };
  const put = (app: string, key: string, v: unknown): void => {
    settings[app] = { ...settings[app], [key]: v };
  };
  if (n.flows) put('static-flows', 'flows', n.flows);
  if (n.acl) put('acl', 'rules', n.acl.flatMap((e, i) => expandAcl(e, i)));
  if (n.router?.interfaces) put('router', 'interfaces', n.router.interfaces);
  if (n.router?.routes) put('router', 'routes', n.router.routes.map(routeText));
  return { ...(n.apps ? { enabled: [...n.apps] } : {}), settings, ...(origin !== undefined ? { origin } : {}) };
}

/** The keys the file's sections own in each app's settings (a `settings` entry may not declare them too). */
const OWNED: readonly (readonly [keyof NetworkConfig, string, string])[] = [
  ['flows', 'static-flows', 'flows'],
  ['acl', 'acl', 'rules'],
];

/**
 * Every issue of a parsed network config (paths relative to it): the schema, then each entry's
 * meaning (a static flow the codec cannot write, an ACL match that makes no sense, a route to no
 * gateway's subnet), then each app's settings against its schema when `apps` is given.
 */
export function checkNetwork(doc: unknown, apps?: AppSchemas): Issue[] {
  const issues = issuesOf(networkSchema, doc);
  if (issues.length > 0) return issues;
  const n = doc as NetworkConfig;
  (n.flows ?? []).forEach((f, i) => {
    try {
      checkStaticFlow(f);
    } catch (e) {
      if (!(e instanceof StaticFlowError)) throw e;
      issues.push({ path: ['flows', i, ...fieldPath(e.field)], message: e.message.slice(e.field.length + 2) });
    }
  });
  const ids = new Map<string, number>();
  (n.acl ?? []).forEach((e, i) => {
    for (const r of expandAcl(e, i)) {
      const id = r.id as string;
      if (/^r[0-9]+$/.test(id)) issues.push({ path: ['acl', i, 'name'], message: `${JSON.stringify(id)} looks like an id the API gives (r1, r2...); choose another` });
      const twin = ids.get(id);
      if (twin !== undefined) issues.push({ path: ['acl', i, 'name'], message: `rule id ${JSON.stringify(id)} is also the id of acl[${twin}]` });
      ids.set(id, i);
      try {
        const { id: _id, ...rule } = r;
        checkRule(rule);
      } catch (err) {
        if (!(err instanceof AclRuleError)) throw err;
        const f = err.field === 'match.inPort' && e.ports ? ['ports'] : err.field === 'match.vlanVid' && e.vlans ? ['vlans'] : fieldPath(err.field);
        issues.push({ path: ['acl', i, ...f], message: err.message.slice(err.field.length + 2) });
        break;
      }
    }
  });
  if (n.router) {
    const ifs = n.router.interfaces ?? ((n.settings?.router as { interfaces?: unknown } | undefined)?.interfaces as string[] | undefined) ?? [];
    let parsed: ReturnType<typeof parseInterfaces> | undefined;
    (n.router.interfaces ?? []).forEach((s, i) => {
      try {
        parseInterfaces([s]);
      } catch (e) {
        issues.push({ path: ['router', 'interfaces', i], message: (e as Error).message.replace(/^interfaces: /, '') });
      }
    });
    try {
      parsed = parseInterfaces(ifs);
    } catch {
      parsed = undefined;
    }
    if (parsed) {
      (n.router.routes ?? []).forEach((r, i) => {
        try {
          checkRoute(r, parsed!);
        } catch (e) {
          if (!(e instanceof RouteError)) throw e;
          issues.push({ path: ['router', 'routes', i, ...fieldPath(e.field)], message: e.message.slice(e.field.length + 2) });
        }
      });
    }
  }
  for (const [key, app, setting] of OWNED) {
    if (n[key] !== undefined && n.settings?.[app]?.[setting] !== undefined) issues.push({ path: ['settings', app, setting], message: `declared by the file's \`${key}\` section already; keep one` });
  }
  if (issues.length > 0 || !apps) return issues;
  for (const [i, name] of (n.apps ?? []).entries()) {
    if (!apps.has(name)) issues.push({ path: ['apps', i], message: `unknown app ${JSON.stringify(name)}; known: ${[...apps.keys()].sort().join(', ')}` });
  }
  const declared = declaredApps(n);
  for (const [name, s] of Object.entries(declared.settings)) {
    if (!apps.has(name)) {
      issues.push({ path: ['settings', name], message: `unknown app; known: ${[...apps.keys()].sort().join(', ')}` });
      continue;
    }
    try {
      resolveAppConfig(name, apps.get(name), s);
    } catch (e) {
      if (!(e instanceof AppConfigError)) throw e;
      issues.push({ path: ['settings', name, ...(e.key !== undefined ? fieldPath(e.key) : [])], message: e.detail });
    }
  }
  return issues;
}

/** A network config file read: the config when it checks, else every issue. */
export interface ParsedNetwork {
  readonly network?: NetworkConfig;
  readonly issues: readonly NetworkIssue[];
}

/**
 * Parses a network config file's text (YAML, or JSON, which is YAML too) and checks it. The
 * config is the file's `network:` section when it has one (a Signalbox config file), else the
 * whole file (`nested`: a Signalbox config file, which must have it). Issues carry the path in the
 * file and the line.
 */
export function parseNetworkText(text: string, apps?: AppSchemas, opts: { readonly nested?: boolean } = {}): ParsedNetwork {
  const lines = new LineCounter();
  const parsed = parseDocument(text, { prettyErrors: false, intAsBigInt: false, lineCounter: lines });
  if (parsed.errors.length > 0) {
    return { issues: parsed.errors.map((e) => ({ path: '', line: lines.linePos(e.pos[0]).line, message: `not valid YAML or JSON: ${e.message.split('\n')[0]}` })) };
  }
  const whole = (parsed.toJS() ?? {}) as unknown;
  const nested = typeof whole === 'object' && whole !== null && !Array.isArray(whole) && 'network' in whole;
  if (opts.nested && !nested) return { issues: [{ path: 'network', message: 'this config file has no network: section' }] };
  const prefix: Path = nested ? ['network'] : [];
  const doc = nested ? ((whole as Record<string, unknown>).network ?? {}) : whole;
  const lineOf = (path: Path): number | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = parsed.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return lines.linePos(node.range[0]).line;
    }
    return undefined;
  };
  const issues = checkNetwork(doc, apps).map((i): NetworkIssue => {
    const path = [...prefix, ...i.path];
    const line = lineOf(path);
    return { path: formatPath(path), ...(line !== undefined ? { line } : {}), message: i.message };
  });
  return issues.length > 0 ? { issues } : { network: doc as NetworkConfig, issues };
}

/** Checks a network config given as an object (the main config's `network`, a stored one); throws NetworkConfigError. */
export function checkNetworkObject(doc: unknown, origin: string, apps?: AppSchemas): NetworkConfig {
  const issues = checkNetwork(doc, apps);
  if (issues.length > 0) throw new NetworkConfigError(origin, issues.map((i) => ({ path: formatPath(i.path), message: i.message })));
  return doc as NetworkConfig;
}
