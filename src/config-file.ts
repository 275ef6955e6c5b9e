/**
 * Loads the configuration: defaults (src/config.ts) ← a YAML or JSON file ← SIGNALBOX_*
 * environment variables ← command-line flags, each later source winning, then validates the
 * result. Every error names the key and where the bad value came from.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { configSchema, defaultConfig, type Config } from './config.js';
import { any, closestKey, formatPath, leaves, mergeValues, parseText, TextValueError, validate, type Issue, type Path, type Setting } from './core/config-schema.js';

/** A partial config as a file or flags give it (any depth). */
export type DeepPartial<T> = T extends readonly (infer U)[] ? readonly U[] : T extends object ? { -readonly [K in keyof T]?: DeepPartial<T[K]> } : T;

/** A config value that is wrong; `key` is its dotted path, `source` where it came from. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly key: string,
    readonly source: string,
    message: string,
    /** The line of the bad value in a config file. */
    readonly line?: number,
  ) {
    super(`${source}${line !== undefined ? `:${line}` : ''}: ${key === '' ? '' : `${key}: `}${message}`);
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

const LEAVES = new Map(leaves(configSchema).map((l) => [l.key, l.setting]));

/** Throws the issue as a ConfigError from `source`. */
function fail(issue: Issue, source: string, line?: number): never {
  throw new ConfigError(formatPath(issue.path), source, issue.message, line);
}

/** Validates a partial config from one source: known keys, right types. */
function validatePartial(o: unknown, source: string, lineOf?: (path: Path) => number | undefined): void {
  const issue = validate(configSchema, o, [], { partial: true, root: configSchema });
  if (issue) fail(issue, source, lineOf?.(issue.path));
}

/** Deep merge as the schema says: sections (and per-app settings) key by key, everything else replaced. */
function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  return mergeValues(configSchema, base, over) as Record<string, unknown>;
}

/** A partial config holding one value at a dotted key. */
function atKey(key: string, value: unknown): Record<string, unknown> {
  const parts = key.split('.');
  const o: Record<string, unknown> = {};
  let cur = o;
  for (let i = 0; i < parts.length - 1; i++) cur = cur[parts[i]!] = {} as Record<string, unknown>;
  cur[parts[parts.length - 1]!] = value;
  return o;
}

/** The value of a text for a key, as its setting reads text; throws ConfigError from `source`. */
function textValue(setting: Setting, text: string, key: string, source: string): unknown {
  try {
    return parseText(setting, text);
  } catch (e) {
    if (e instanceof TextValueError) throw new ConfigError(key, source, e.message);
    throw e;
  }
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
    const leafObj = atKey(key, textValue(LEAVES.get(key)!, text, key, `environment ${name}`));
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
  const lines = new LineCounter();
  const parsed = parseDocument(text, { prettyErrors: true, intAsBigInt: false, lineCounter: lines });
  if (parsed.errors.length > 0) throw new ConfigError('', `config file ${file}`, `not valid YAML or JSON: ${parsed.errors[0]!.message}`);
  const doc = parsed.toJS() as unknown;
  if (doc === null || doc === undefined) return {};
  // The line of the bad value (or of its nearest enclosing key that is in the file).
  const lineOf = (path: Path): number | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = parsed.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return lines.linePos(node.range[0]).line;
    }
    return undefined;
  };
  validatePartial(doc, `config file ${file}`, lineOf);
  return relativeToFile(doc as DeepPartial<Config>, file);
}

/**
 * The file's app module paths (`./x.js`, `../y.js`) made absolute from the file's own directory,
 * so a config file means the same wherever `signalbox start` runs; npm names stay as they are.
 */
function relativeToFile(cfg: DeepPartial<Config>, file: string): DeepPartial<Config> {
  const modules = cfg.apps?.modules;
  if (!Array.isArray(modules)) return cfg;
  const dir = dirname(resolve(file));
  const fixed = modules.map((m) => (typeof m === 'string' && (m.startsWith('./') || m.startsWith('../')) ? resolve(dir, m) : m));
  return { ...cfg, apps: { ...cfg.apps, modules: fixed } } as DeepPartial<Config>;
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
  // A source may unset an optional key with null: it is left out of the result.
  cfg = dropNulls(cfg);
  // The whole: every required key present with the right type, and the sections' cross-field checks.
  const issue = validate(configSchema, cfg);
  if (issue) fail(issue, 'configuration');
  return cfg as unknown as Config;
}

/**
 * The flags `signalbox start` understands, as a partial config plus the config file named by
 * `--config`: `--listen`, `--api`, `--data`, `--apps`, `--log-level`, and `--set key=value` (any
 * key; the value is read as the environment would read it). Throws ConfigError on a bad flag.
 */
export function flagsFromArgs(values: { listen?: string; api?: string; data?: string; apps?: string; 'log-level'?: string; 'log-format'?: string; config?: string; set?: readonly string[] }): { flags: DeepPartial<Config>; file?: string } {
  let flags: Record<string, unknown> = {};
  const put = (key: string, value: unknown): void => {
    flags = merge(flags, atKey(key, value));
  };
  if (values.listen !== undefined) put('openflow.listen', values.listen.split(',').filter(Boolean));
  if (values.api !== undefined) put('api.listen', values.api);
  if (values.data !== undefined) put('dataDir', values.data);
  if (values.apps !== undefined) put('apps.enabled', values.apps.split(',').filter(Boolean));
  if (values['log-level'] !== undefined) put('logLevel', values['log-level']);
  if (values['log-format'] !== undefined) put('logFormat', values['log-format']);
  for (const s of values.set ?? []) {
    const i = s.indexOf('=');
    const key = i < 0 ? s : s.slice(0, i);
    if (i >= 0 && /^apps\.settings\.[^.]+\.[^.]+$/.test(key)) {
      // One app setting: the app's schema checks it at start, so only its JSON form is read here.
      put(key, parseText(any(), s.slice(i + 1)));
      continue;
    }
    const leaf = LEAVES.get(key);
    if (i < 0 || !leaf) {
      const hint = closestKey(key, [...LEAVES.keys()]);
      throw new ConfigError(key, '--set', i < 0 ? 'expected KEY=VALUE' : `unknown setting${hint ? ` (did you mean ${hint}?)` : ''}`);
    }
    put(key, textValue(leaf, s.slice(i + 1), key, '--set'));
  }
  validatePartial(flags, 'command line');
  return { flags: flags as DeepPartial<Config>, ...(values.config !== undefined ? { file: values.config } : {}) };
}

/** Every config key with its environment variable and default, for docs and `--help`. */
export function configKeys(): { key: string; env: string; default: unknown }[] {
  return [...LEAVES.keys()].sort().map((key) => ({ key, env: envName(key), default: key.split('.').reduce<unknown>((o, k) => (isObject(o) ? o[k] : undefined), defaultConfig) }));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The config without null values (an optional key a source unset). */
function dropNulls(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== null) out[k] = isObject(v) ? dropNulls(v) : v;
  return out;
}
