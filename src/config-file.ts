/**
 * Loads the configuration: defaults (src/config.ts) ← a YAML or JSON file ← SIGNALBOX_*
 * environment variables ← command-line flags, each later source winning, then validates the
 * result. Every error names the key and where the bad value came from.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { defaultConfig, parseHostPort, type Config } from './config.js';

/** A partial config as a file or flags give it (any depth). */
export type DeepPartial<T> = T extends readonly (infer U)[] ? readonly U[] : T extends object ? { -readonly [K in keyof T]?: DeepPartial<T[K]> } : T;

/** A config value that is wrong; `key` is its dotted path, `source` where it came from. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly key: string,
    readonly source: string,
    message: string,
  ) {
    super(`${source}: ${key === '' ? '' : `${key}: `}${message}`);
  }
}

/** Options of loadConfig. */
export interface LoadConfigOptions {
  /** A YAML (or JSON) config file; when absent, `SIGNALBOX_CONFIG` in `env` names one. */
  readonly file?: string;
  /** Environment variables (pass `process.env`); only `SIGNALBOX_*` ones are read. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Values from command-line flags, as a partial config. */
  readonly flags?: DeepPartial<Config>;
  /** Told about ignored input (an unknown SIGNALBOX_* variable). */
  readonly onWarning?: (message: string) => void;
}

type Kind =
  | { readonly t: 'int'; readonly min: number; readonly max?: number }
  | { readonly t: 'number'; readonly min: number; readonly exclusiveMin?: boolean }
  | { readonly t: 'string'; readonly nonEmpty?: boolean }
  | { readonly t: 'bool' }
  | { readonly t: 'enum'; readonly values: readonly string[] }
  | { readonly t: 'strings'; readonly item?: (s: string, key: string) => void }
  | { readonly t: 'ints'; readonly allowed?: readonly number[]; readonly nonEmpty?: boolean }
  | { readonly t: 'weights' }
  | { readonly t: 'tokens' }
  /** A free-form object (per-app settings...): its owner checks the contents. */
  | { readonly t: 'record'; readonly values?: 'int' | 'object' }
  /** A list of anything (an empty list default says no more). */
  | { readonly t: 'list' };

/** Keys whose rule is not just "same type as the default" (and optional keys with no default). */
const SPECIAL: Readonly<Record<string, { kind: Kind; optional?: boolean }>> = {
  'openflow.listen': { kind: { t: 'strings', item: hostPort } },
  'openflow.tls.listen': { kind: { t: 'strings', item: hostPort } },
  'openflow.tls.key': { kind: { t: 'string', nonEmpty: true }, optional: true },
  'openflow.tls.cert': { kind: { t: 'string', nonEmpty: true }, optional: true },
  'openflow.tls.ca': { kind: { t: 'string', nonEmpty: true }, optional: true },
  'openflow.versions': { kind: { t: 'ints', allowed: [1, 4], nonEmpty: true } },
  'openflow.missSendLen': { kind: { t: 'int', min: 0, max: 0xffff } },
  'openflow.maxMessageLen': { kind: { t: 'int', min: 8, max: 0xffff } },
  'topology.defaultLinkWeight': { kind: { t: 'number', min: 0, exclusiveMin: true } },
  'topology.linkWeights': { kind: { t: 'weights' } },
  'topology.lldpFlowPriority': { kind: { t: 'int', min: 0, max: 0xffff } },
  'api.listen': { kind: { t: 'string', nonEmpty: true } },
  'api.tokens': { kind: { t: 'tokens' } },
  'api.bodyLimitBytes': { kind: { t: 'int', min: 1024 } },
  'dataDir': { kind: { t: 'string', nonEmpty: true } },
  'apps.enabled': { kind: { t: 'strings' } },
  'apps.modules': { kind: { t: 'strings' } },
  'apps.settings': { kind: { t: 'record', values: 'object' } },
  'flows.foreignFlows': { kind: { t: 'enum', values: ['keep', 'delete'] } },
  'flows.staleReactiveFlows': { kind: { t: 'enum', values: ['adopt', 'delete'] } },
  'flows.extraOwnedIds': { kind: { t: 'ints' } },
  'flows.ownerIds': { kind: { t: 'record', values: 'int' } },
  'logLevel': { kind: { t: 'enum', values: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] } },
};

function hostPort(s: string, key: string): void {
  try {
    parseHostPort(s, key);
  } catch (e) {
    throw new Error((e as Error).message.replace(`${key}: `, ''));
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every leaf key of the config with its rule, from the defaults plus SPECIAL. */
function leafKinds(): Map<string, { kind: Kind; optional: boolean }> {
  const out = new Map<string, { kind: Kind; optional: boolean }>();
  const walk = (o: Record<string, unknown>, prefix: string): void => {
    for (const [k, v] of Object.entries(o)) {
      const key = prefix ? `${prefix}.${k}` : k;
      const special = SPECIAL[key];
      if (special) out.set(key, { kind: special.kind, optional: special.optional ?? false });
      else if (isObject(v) && Object.keys(v).length === 0) out.set(key, { kind: { t: 'record' }, optional: false });
      else if (isObject(v)) walk(v, key);
      else if (typeof v === 'boolean') out.set(key, { kind: { t: 'bool' }, optional: false });
      else if (typeof v === 'number') out.set(key, { kind: Number.isInteger(v) ? { t: 'int', min: 0 } : { t: 'number', min: 0 }, optional: false });
      else if (typeof v === 'string') out.set(key, { kind: { t: 'string' }, optional: false });
      else if (Array.isArray(v)) out.set(key, { kind: v.length === 0 ? { t: 'list' } : v.every((x) => typeof x === 'number') ? { t: 'ints' } : { t: 'strings' }, optional: false });
    }
  };
  walk(defaultConfig as unknown as Record<string, unknown>, '');
  // Optional keys have no default to find them by; a SPECIAL key missing from the defaults otherwise was renamed or removed, and is skipped.
  for (const [k, s] of Object.entries(SPECIAL)) if (!out.has(k) && s.optional) out.set(k, { kind: s.kind, optional: true });
  return out;
}

const LEAVES = leafKinds();
/** Keys that hold objects (sections). */
const SECTIONS = new Set([...LEAVES.keys()].flatMap((k) => k.split('.').slice(0, -1).map((_, i, a) => a.slice(0, i + 1).join('.'))));

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return JSON.stringify(v);
}

function closest(key: string, candidates: readonly string[]): string | undefined {
  const last = key.split('.').pop()!.toLowerCase();
  return candidates.find((c) => c.split('.').pop()!.toLowerCase() === last) ?? candidates.find((c) => c.toLowerCase().includes(last) || last.includes(c.split('.').pop()!.toLowerCase()));
}

/** Checks one value against its rule; returns an error message or undefined. */
function check(kind: Kind, v: unknown, key: string): string | undefined {
  switch (kind.t) {
    case 'int':
      if (typeof v !== 'number' || !Number.isInteger(v)) return `expected an integer, got ${describe(v)}`;
      if (v < kind.min || (kind.max !== undefined && v > kind.max)) return `expected an integer from ${kind.min}${kind.max !== undefined ? ` to ${kind.max}` : ' up'}, got ${v}`;
      return undefined;
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v)) return `expected a number, got ${describe(v)}`;
      if (kind.exclusiveMin ? v <= kind.min : v < kind.min) return `expected a number ${kind.exclusiveMin ? 'above' : 'of at least'} ${kind.min}, got ${v}`;
      return undefined;
    case 'string':
      if (typeof v !== 'string') return `expected a string, got ${describe(v)}`;
      if (kind.nonEmpty && v.length === 0) return 'must not be empty';
      if (key === 'api.listen') {
        try {
          hostPort(v, key);
        } catch (e) {
          return (e as Error).message;
        }
      }
      return undefined;
    case 'bool':
      return typeof v === 'boolean' ? undefined : `expected true or false, got ${describe(v)}`;
    case 'enum':
      return typeof v === 'string' && kind.values.includes(v) ? undefined : `expected one of ${kind.values.join(', ')}, got ${describe(v)}`;
    case 'strings': {
      if (!Array.isArray(v)) return `expected a list of strings, got ${describe(v)}`;
      for (let i = 0; i < v.length; i++) {
        const s = v[i] as unknown;
        if (typeof s !== 'string') return `[${i}]: expected a string, got ${describe(s)}`;
        if (kind.item) {
          try {
            kind.item(s, key);
          } catch (e) {
            return `[${i}]: ${(e as Error).message}`;
          }
        }
      }
      return undefined;
    }
    case 'ints': {
      if (!Array.isArray(v)) return `expected a list of integers, got ${describe(v)}`;
      if (kind.nonEmpty && v.length === 0) return 'must not be empty';
      for (let i = 0; i < v.length; i++) {
        const n = v[i] as unknown;
        if (typeof n !== 'number' || !Number.isInteger(n)) return `[${i}]: expected an integer, got ${describe(n)}`;
        if (kind.allowed && !kind.allowed.includes(n)) return `[${i}]: expected one of ${kind.allowed.join(', ')}, got ${n}`;
      }
      return undefined;
    }
    case 'weights': {
      if (!isObject(v)) return `expected an object of "dpidHex:port": weight, got ${describe(v)}`;
      for (const [k, w] of Object.entries(v)) {
        if (!/^[0-9a-f]{16}:[0-9]+$/.test(k)) return `${JSON.stringify(k)}: keys are the link's source as 16 hex digits, a colon and the port (0000000000000001:2)`;
        if (typeof w !== 'number' || !(w > 0)) return `${JSON.stringify(k)}: expected a weight above 0, got ${describe(w)}`;
      }
      return undefined;
    }
    case 'tokens': {
      if (!Array.isArray(v)) return `expected a list of {name, token, scope}, got ${describe(v)}`;
      const names = new Set<string>();
      for (let i = 0; i < v.length; i++) {
        const t = v[i] as unknown;
        if (!isObject(t)) return `[${i}]: expected {name, token, scope}, got ${describe(t)}`;
        for (const k of Object.keys(t)) if (!['name', 'token', 'scope'].includes(k)) return `[${i}].${k}: unknown key (name, token, scope)`;
        if (typeof t.name !== 'string' || t.name === '') return `[${i}].name: expected a non-empty string`;
        if (names.has(t.name)) return `[${i}].name: ${JSON.stringify(t.name)} is used twice`;
        names.add(t.name);
        if (typeof t.token !== 'string' || t.token.length < 16) return `[${i}].token: expected a secret of at least 16 characters`;
        if (t.scope !== 'read' && t.scope !== 'admin') return `[${i}].scope: expected "read" or "admin", got ${describe(t.scope)}`;
      }
      return undefined;
    }
    case 'record': {
      if (!isObject(v)) return `expected an object, got ${describe(v)}`;
      for (const [k, x] of Object.entries(v)) {
        if (kind.values === 'int' && (typeof x !== 'number' || !Number.isInteger(x) || x < 0)) return `${JSON.stringify(k)}: expected a non-negative integer, got ${describe(x)}`;
        if (kind.values === 'object' && !isObject(x)) return `${JSON.stringify(k)}: expected an object, got ${describe(x)}`;
      }
      return undefined;
    }
    case 'list':
      return Array.isArray(v) ? undefined : `expected a list, got ${describe(v)}`;
    default:
      return undefined;
  }
}

/** Validates a partial config from one source: known keys, right types. */
function validatePartial(o: unknown, source: string, prefix = ''): void {
  if (!isObject(o)) throw new ConfigError(prefix, source, `expected an object of settings, got ${describe(o)}`);
  for (const [k, v] of Object.entries(o)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v === undefined) continue;
    const leaf = LEAVES.get(key);
    if (leaf) {
      if (v === null && leaf.optional) continue;
      const err = check(leaf.kind, v, key);
      if (err) throw new ConfigError(err.startsWith('[') ? `${key}${err.slice(0, err.indexOf(':'))}` : key, source, err.startsWith('[') ? err.slice(err.indexOf(':') + 2) : err);
      continue;
    }
    if (SECTIONS.has(key)) {
      validatePartial(v, source, key);
      continue;
    }
    const hint = closest(key, [...LEAVES.keys(), ...SECTIONS]);
    throw new ConfigError(key, source, `unknown setting${hint ? ` (did you mean ${hint}?)` : ''}`);
  }
}

/** Deep merge: objects merge key by key, everything else (lists included) is replaced. */
function merge(base: Record<string, unknown>, over: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const key = prefix ? `${prefix}.${k}` : k;
    const leaf = LEAVES.get(key);
    if (isObject(v) && isObject(out[k]) && !leaf) out[k] = merge(out[k] as Record<string, unknown>, v, key);
    else if (isObject(v) && isObject(out[k]) && leaf?.kind.t === 'record' && leaf.kind.values === 'object') out[k] = mergeRecords(out[k] as Record<string, unknown>, v);
    else out[k] = v;
  }
  return out;
}

/** Per-app settings: a later source overrides an app's keys one by one and leaves other apps alone. */
function mergeRecords(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [name, v] of Object.entries(over)) out[name] = isObject(v) && isObject(out[name]) ? { ...out[name], ...v } : v;
  return out;
}

/** `echoIntervalMs` → `ECHO_INTERVAL_MS`. */
function upperSnake(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** The environment variable of a config key: `openflow.echoIntervalMs` → `SIGNALBOX_OPENFLOW_ECHO_INTERVAL_MS`. */
export function envName(key: string): string {
  return `SIGNALBOX_${key.split('.').map(upperSnake).join('_')}`;
}

/** SIGNALBOX_* variables that are not config keys (client settings, the config file itself, benchmarks). */
const ENV_IGNORED = [/^SIGNALBOX_URL$/, /^SIGNALBOX_TOKEN$/, /^SIGNALBOX_CONFIG$/, /^SIGNALBOX_BENCH_/, /^SIGNALBOX_TEST_/];

/** The value an environment variable's text stands for, per the key's rule. */
function envValue(kind: Kind, text: string, name: string): unknown {
  const json = (): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      throw new ConfigError('', `environment ${name}`, `expected JSON, got ${JSON.stringify(text)}`);
    }
  };
  switch (kind.t) {
    case 'int':
    case 'number': {
      const n = Number(text.trim());
      return text.trim() === '' || Number.isNaN(n) ? text : n;
    }
    case 'bool':
      return /^(1|true|yes|on)$/i.test(text.trim()) ? true : /^(0|false|no|off)$/i.test(text.trim()) ? false : text;
    case 'strings':
      return text.trim().startsWith('[') ? json() : text.split(',').map((s) => s.trim()).filter(Boolean);
    case 'ints':
      return text.trim().startsWith('[') ? json() : text.split(',').map((s) => Number(s.trim()));
    case 'weights':
    case 'tokens':
    case 'record':
      return json();
    case 'list':
      return text.trim().startsWith('[') ? json() : text.split(',').map((s) => s.trim()).filter(Boolean);
    default:
      return text;
  }
}

/** The partial config the environment gives. */
export function configFromEnv(env: Readonly<Record<string, string | undefined>>, onWarning?: (m: string) => void): DeepPartial<Config> {
  const byName = new Map<string, string>();
  for (const key of LEAVES.keys()) byName.set(envName(key), key);
  let out: Record<string, unknown> = {};
  for (const [name, text] of Object.entries(env)) {
    if (!name.startsWith('SIGNALBOX_') || text === undefined) continue;
    const key = byName.get(name);
    if (!key) {
      if (!ENV_IGNORED.some((r) => r.test(name))) onWarning?.(`ignoring environment variable ${name}: no such setting`);
      continue;
    }
    const value = envValue(LEAVES.get(key)!.kind, text, name);
    const parts = key.split('.');
    const leafObj: Record<string, unknown> = {};
    let cur = leafObj;
    for (let i = 0; i < parts.length - 1; i++) cur = cur[parts[i]!] = {} as Record<string, unknown>;
    cur[parts[parts.length - 1]!] = value;
    validatePartial(leafObj, `environment ${name}`);
    out = merge(out, leafObj);
  }
  return out as DeepPartial<Config>;
}

/** Reads and parses a config file (YAML; JSON is YAML too). */
export function readConfigFile(file: string): DeepPartial<Config> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError('', `config file ${file}`, `cannot read it: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true, intAsBigInt: false });
  } catch (e) {
    throw new ConfigError('', `config file ${file}`, `not valid YAML or JSON: ${(e as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  validatePartial(doc, `config file ${file}`);
  return doc as DeepPartial<Config>;
}

/**
 * The configuration from defaults, file, environment and flags (later wins), validated. Throws
 * ConfigError naming the key and the source of the bad value.
 */
export function loadConfig(opts: LoadConfigOptions = {}): Config {
  const env = opts.env ?? {};
  const file = opts.file ?? env.SIGNALBOX_CONFIG;
  let cfg = defaultConfig as unknown as Record<string, unknown>;
  if (file !== undefined && file !== '') cfg = merge(cfg, readConfigFile(file) as Record<string, unknown>);
  cfg = merge(cfg, configFromEnv(env, opts.onWarning) as Record<string, unknown>);
  if (opts.flags) {
    validatePartial(opts.flags, 'command line');
    cfg = merge(cfg, opts.flags as Record<string, unknown>);
  }
  // The whole: every required key present with the right type (a source may have set null).
  for (const [key, leaf] of LEAVES) {
    const v = key.split('.').reduce<unknown>((o, k) => (isObject(o) ? o[k] : undefined), cfg);
    if (v === undefined || v === null) {
      if (leaf.optional) continue;
      throw new ConfigError(key, 'configuration', 'is required');
    }
    const err = check(leaf.kind, v, key);
    if (err) throw new ConfigError(key, 'configuration', err);
  }
  const c = cfg as unknown as Config;
  if (c.openflow.tls.key !== undefined && c.openflow.tls.cert === undefined) throw new ConfigError('openflow.tls.cert', 'configuration', 'is required when openflow.tls.key is set');
  if (c.openflow.tls.cert !== undefined && c.openflow.tls.key === undefined) throw new ConfigError('openflow.tls.key', 'configuration', 'is required when openflow.tls.cert is set');
  if (c.openflow.tls.verifyPeer && c.openflow.tls.ca === undefined) throw new ConfigError('openflow.tls.ca', 'configuration', 'is required when openflow.tls.verifyPeer is true');
  return c;
}

/**
 * The flags `signalbox start` understands, as a partial config plus the config file named by
 * `--config`: `--listen`, `--api`, `--data`, `--apps`, `--log-level`, and `--set key=value` (any
 * key; the value is read as the environment would read it). Throws ConfigError on a bad flag.
 */
export function flagsFromArgs(values: { listen?: string; api?: string; data?: string; apps?: string; 'log-level'?: string; config?: string; set?: readonly string[] }): { flags: DeepPartial<Config>; file?: string } {
  let flags: Record<string, unknown> = {};
  const put = (key: string, value: unknown): void => {
    const parts = key.split('.');
    const o: Record<string, unknown> = {};
    let cur = o;
    for (let i = 0; i < parts.length - 1; i++) cur = cur[parts[i]!] = {} as Record<string, unknown>;
    cur[parts[parts.length - 1]!] = value;
    flags = merge(flags, o);
  };
  if (values.listen !== undefined) put('openflow.listen', values.listen.split(',').filter(Boolean));
  if (values.api !== undefined) put('api.listen', values.api);
  if (values.data !== undefined) put('dataDir', values.data);
  if (values.apps !== undefined) put('apps.enabled', values.apps.split(',').filter(Boolean));
  if (values['log-level'] !== undefined) put('logLevel', values['log-level']);
  for (const s of values.set ?? []) {
    const i = s.indexOf('=');
    const key = i < 0 ? s : s.slice(0, i);
    if (i >= 0 && /^apps\.settings\.[^.]+\.[^.]+$/.test(key)) {
      // One app setting: the app's schema checks it at start, so only its JSON form is read here.
      put(key, appSettingValue(s.slice(i + 1)));
      continue;
    }
    const leaf = LEAVES.get(key);
    if (i < 0 || !leaf) throw new ConfigError(key, '--set', i < 0 ? 'expected KEY=VALUE' : `unknown setting${closest(key, [...LEAVES.keys()]) ? ` (did you mean ${closest(key, [...LEAVES.keys()])}?)` : ''}`);
    put(key, envValue(leaf.kind, s.slice(i + 1), `--set ${key}`));
  }
  validatePartial(flags, 'command line');
  return { flags: flags as DeepPartial<Config>, ...(values.config !== undefined ? { file: values.config } : {}) };
}

/** `--set apps.settings.APP.KEY=VALUE`: JSON when it reads as JSON (numbers, booleans, lists), else the text. */
function appSettingValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Every config key with its environment variable and default, for docs and `--help`. */
export function configKeys(): { key: string; env: string; default: unknown }[] {
  return [...LEAVES.keys()].sort().map((key) => ({ key, env: envName(key), default: key.split('.').reduce<unknown>((o, k) => (isObject(o) ? o[k] : undefined), defaultConfig) }));
}
