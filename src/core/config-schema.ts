/**
 * The configuration schema language: every setting (core sections, cluster, API, each app) is
 * declared once with its type, default and doc, and its TypeScript type, default object,
 * validation, environment/flag text parsing, merging and reference docs all come from that one
 * declaration. Pure data and functions: no I/O, no imports.
 *
 * ```ts
 * const schema = section({
 *   intervalMs: int({ default: 10_000, min: 100, unit: 'ms', doc: 'poll every switch this often' }),
 *   mode: oneOf(['edge', 'tree'], { default: 'edge', doc: 'how floods go out' }),
 * });
 * type Settings = ConfigOf<typeof schema>; // { readonly intervalMs: number; readonly mode: 'edge' | 'tree' }
 * const defaults = defaultsOf(schema);     // { intervalMs: 10000, mode: 'edge' }
 * ```
 */

/** What every setting has. `T` is the value's type (carried for inference only). */
interface Base<T> {
  /** One line (or a few) for the reference docs. */
  readonly doc?: string;
  /** The value when no source gives one; a setting with no default (and not optional) is required. */
  readonly default?: T;
  /** Type-level only: never set. */
  readonly __value?: T;
}

/** A number; `integer` ones refuse fractions. */
export interface NumberSetting extends Base<number> {
  readonly kind: 'number';
  readonly integer: boolean;
  readonly min?: number;
  readonly max?: number;
  /** Exclusive lower bound (`above: 0` = strictly positive). */
  readonly above?: number;
  /** The only values allowed (OpenFlow version numbers...). */
  readonly allowed?: readonly number[];
  /** Shown in the docs (`ms`, `s`, `bytes`); the key's name says it too. */
  readonly unit?: string;
}

/** A string. */
export interface StringSetting extends Base<string> {
  readonly kind: 'string';
  readonly nonEmpty?: boolean;
  /** Shortest length allowed (secrets). */
  readonly minLength?: number;
  /** The value must match; `patternDoc` says what it means in errors and docs. */
  readonly pattern?: RegExp;
  readonly patternDoc?: string;
  /** Any further check: returns what is wrong, or undefined. */
  readonly check?: (s: string) => string | undefined;
  /** Never echoed in errors, never shown in docs. */
  readonly secret?: boolean;
}

/** true or false (the environment also takes 1/0, yes/no, on/off). */
export interface BoolSetting extends Base<boolean> {
  readonly kind: 'bool';
}

/** One of a fixed set of strings. */
export interface EnumSetting<V extends string = string> extends Base<V> {
  readonly kind: 'enum';
  readonly values: readonly V[];
}

/** A list; sources replace it whole. */
export interface ListSetting<I extends Setting = Setting> extends Base<readonly ValueOf<I>[]> {
  readonly kind: 'list';
  readonly item: I;
  readonly nonEmpty?: boolean;
  /** Items are sections whose value of this field must differ. */
  readonly uniqueBy?: string;
}

/** An object of free keys with values of one kind. */
export interface RecordSetting<V extends Setting = Setting> extends Base<Readonly<Record<string, ValueOf<V>>>> {
  readonly kind: 'record';
  readonly value: V;
  /** Keys must match; `keyDoc` says what they are. */
  readonly keyPattern?: RegExp;
  readonly keyDoc?: string;
  /** A later source overrides entries key by key (merging each entry too) instead of replacing the record. */
  readonly mergeKeys?: boolean;
}

/** Any JSON value, checked by its owner (an app's settings before the app is known). */
export interface AnySetting extends Base<unknown> {
  readonly kind: 'any';
}

/** Named settings; sources merge it key by key. */
export interface SectionSetting<F extends Fields = Fields> extends Base<ConfigOf<F>> {
  readonly kind: 'section';
  readonly fields: F;
  /**
   * Checks fields against each other once each is valid; returns what is wrong (with the path of
   * the field at fault, relative to the section, when there is one), or undefined.
   */
  validate?(value: ConfigOf<F>): string | Issue | undefined;
}

/** Any setting. */
export type Setting = NumberSetting | StringSetting | BoolSetting | EnumSetting | ListSetting | RecordSetting | AnySetting | SectionSetting;

/** The settings of a section, by key. */
export interface Fields {
  readonly [key: string]: Setting;
}

/** A setting a section may leave out (no default). */
export type Optional<S extends Setting> = S & { readonly optional: true };

/** The value type of a setting. */
export type ValueOf<S> = S extends { readonly __value?: infer T } ? Exclude<T, undefined> : never;

type IsOptional<S> = S extends { readonly optional: true } ? true : false;

/** The object type of a section's fields: optional settings are optional keys, everything readonly. */
export type ConfigOf<F> = F extends SectionSetting<infer G>
  ? ConfigOf<G>
  : {
      readonly [K in keyof F as IsOptional<F[K]> extends true ? never : K]: ValueOf<F[K]>;
    } & {
      readonly [K in keyof F as IsOptional<F[K]> extends true ? K : never]?: ValueOf<F[K]>;
    };

/** A section whose value is `C` (what an app's `config` is). */
export type SectionOf<C> = Omit<SectionSetting, 'validate' | '__value' | 'default'> & {
  readonly __value?: C;
  readonly default?: C;
  validate?(value: C): string | Issue | undefined;
};

type Opts<T> = Omit<Base<T>, '__value'>;

// ---------------------------------------------------------------- builders

/** An integer setting. */
export function int(o: Opts<number> & Omit<NumberSetting, 'kind' | 'integer' | keyof Base<number>> = {}): NumberSetting {
  return { kind: 'number', integer: true, ...o };
}

/** A number setting (fractions allowed). */
export function num(o: Opts<number> & Omit<NumberSetting, 'kind' | 'integer' | keyof Base<number>> = {}): NumberSetting {
  return { kind: 'number', integer: false, ...o };
}

/** A string setting. */
export function str(o: Opts<string> & Omit<StringSetting, 'kind' | keyof Base<string>> = {}): StringSetting {
  return { kind: 'string', ...o };
}

/** A boolean setting. */
export function bool(o: Opts<boolean> = {}): BoolSetting {
  return { kind: 'bool', ...o };
}

/** One of `values`. */
export function oneOf<const V extends string>(values: readonly V[], o: Opts<NoInfer<V>> = {}): EnumSetting<V> {
  return { kind: 'enum', values, ...o };
}

/** A list of `item`s. */
export function list<I extends Setting>(item: I, o: Opts<readonly ValueOf<I>[]> & Omit<ListSetting, 'kind' | 'item' | keyof Base<unknown>> = {}): ListSetting<I> {
  return { kind: 'list', item, ...o };
}

/** An object of free keys whose values are `value`s. */
export function record<V extends Setting>(value: V, o: Opts<Readonly<Record<string, ValueOf<V>>>> & Omit<RecordSetting, 'kind' | 'value' | keyof Base<unknown>> = {}): RecordSetting<V> {
  return { kind: 'record', value, ...o };
}

/** Any JSON value (its owner checks it). */
export function any(o: Opts<unknown> = {}): AnySetting {
  return { kind: 'any', ...o };
}

/** Named settings. */
export function section<const F extends Fields>(fields: F, o: { readonly doc?: string; validate?(value: ConfigOf<F>): string | Issue | undefined } = {}): SectionSetting<F> {
  return { kind: 'section', fields, ...o } as SectionSetting<F>;
}

/** A setting that may be left out (it has no default). */
export function optional<S extends Setting>(s: S): Optional<S> {
  return { ...s, optional: true };
}

// ---------------------------------------------------------------- defaults

/** The default value of a setting: a section's is the object of its fields' defaults. */
export function defaultsOf<S extends Setting>(s: S): ValueOf<S> {
  return defaultOf(s) as ValueOf<S>;
}

function defaultOf(s: Setting): unknown {
  if (s.default !== undefined || s.kind !== 'section') return s.default;
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(s.fields)) {
    const d = defaultOf(f);
    if (d !== undefined) out[k] = d;
  }
  return out;
}

// ---------------------------------------------------------------- validation

/** A path to a value: keys and list indexes. */
export type Path = readonly (string | number)[];

/** What is wrong, and where. */
export interface Issue {
  readonly path: Path;
  readonly message: string;
}

/** `['api', 'tokens', 0, 'token']` → `api.tokens[0].token`. */
export function formatPath(path: Path): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A value as errors show it. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return JSON.stringify(v) ?? String(v);
}

function isOptional(s: Setting): boolean {
  return (s as { optional?: boolean }).optional === true;
}

/** Whether a section's field must be given (no default, not optional, and not a section that defaults itself). */
function isRequired(s: Setting): boolean {
  return !isOptional(s) && defaultOf(s) === undefined;
}

/** The nearest known key to a mistyped one (same last name in any case, or a substring). */
export function closestKey(key: string, candidates: readonly string[]): string | undefined {
  const last = key.split('.').pop()!.toLowerCase();
  const name = (c: string): string => c.split('.').pop()!.toLowerCase();
  return candidates.find((c) => name(c) === last) ?? candidates.find((c) => c.toLowerCase().includes(last) || last.includes(name(c)));
}

/** Every key path under a section (sections and leaves), for hints. */
function allKeys(s: SectionSetting, prefix: Path): string[] {
  const out: string[] = [];
  for (const [k, f] of Object.entries(s.fields)) {
    const p = [...prefix, k];
    out.push(formatPath(p));
    if (f.kind === 'section') out.push(...allKeys(f, p));
  }
  return out;
}

/** Options of `validate`. */
export interface ValidateOptions {
  /**
   * One source's part of the settings: sections may leave keys out, null unsets an optional
   * one, and sections' cross-field checks wait for the whole.
   */
  readonly partial?: boolean;
  /** Sections whose unknown keys get a "did you mean" hint from here (the root of the config). */
  readonly root?: SectionSetting;
  /** Path of the root (`['apps', 'settings', 'x']` for an app). */
  readonly rootPath?: Path;
}

/**
 * Checks a value against its setting; returns the first issue, with the path of the bad value
 * (under `at`), or undefined when it fits. A record's bad key or entry is reported at the record,
 * with the entry's key first in the message.
 */
export function validate(s: Setting, v: unknown, at: Path = [], opts: ValidateOptions = {}): Issue | undefined {
  const issue = (message: string, path: Path = at): Issue => ({ path, message });
  switch (s.kind) {
    case 'number': {
      if (typeof v !== 'number' || !Number.isFinite(v)) return issue(`expected a number, got ${describeValue(v)}`);
      if (s.integer && !Number.isInteger(v)) return issue(`expected an integer, got ${v}`);
      if (s.allowed && !s.allowed.includes(v)) return issue(`expected one of ${s.allowed.join(', ')}, got ${v}`);
      if (s.min !== undefined && v < s.min) return issue(`must be at least ${s.min}, got ${v}`);
      if (s.above !== undefined && v <= s.above) return issue(`must be above ${s.above}, got ${v}`);
      if (s.max !== undefined && v > s.max) return issue(`must be at most ${s.max}, got ${v}`);
      return undefined;
    }
    case 'string': {
      if (typeof v !== 'string') return issue(`expected a string, got ${s.secret ? typeof v : describeValue(v)}`);
      if (s.nonEmpty && v.length === 0) return issue('must not be empty');
      if (s.minLength !== undefined && v.length < s.minLength) return issue(`must be at least ${s.minLength} characters long${s.secret ? '' : `, got ${describeValue(v)}`}`);
      if (s.pattern && !s.pattern.test(v)) return issue(`expected ${s.patternDoc ?? `a match of ${String(s.pattern)}`}${s.secret ? '' : `, got ${describeValue(v)}`}`);
      const why = s.check?.(v);
      return why === undefined ? undefined : issue(why);
    }
    case 'bool':
      return typeof v === 'boolean' ? undefined : issue(`expected true or false, got ${describeValue(v)}`);
    case 'enum':
      return typeof v === 'string' && s.values.includes(v) ? undefined : issue(`expected one of ${s.values.join(', ')}, got ${describeValue(v)}`);
    case 'list': {
      if (!Array.isArray(v)) return issue(`expected ${listDoc(s)}, got ${describeValue(v)}`);
      if (s.nonEmpty && v.length === 0) return issue('must not be empty');
      const seen = new Set<unknown>();
      for (let i = 0; i < v.length; i++) {
        const bad = validate(s.item, v[i], [...at, i]);
        if (bad) return bad;
        if (s.uniqueBy !== undefined) {
          const id = (v[i] as Record<string, unknown>)[s.uniqueBy];
          if (seen.has(id)) return issue(`${describeValue(id)} is used twice`, [...at, i, s.uniqueBy]);
          seen.add(id);
        }
      }
      return undefined;
    }
    case 'record': {
      if (!isObject(v)) return issue(`expected ${recordDoc(s)}, got ${describeValue(v)}`);
      for (const [k, x] of Object.entries(v)) {
        if (s.keyPattern && !s.keyPattern.test(k)) return issue(`${JSON.stringify(k)}: keys are ${s.keyDoc ?? `matches of ${String(s.keyPattern)}`}`);
        const bad = validate(s.value, x, []);
        if (bad) return issue(`${JSON.stringify(k)}${bad.path.length > 0 ? ` ${formatPath(bad.path)}` : ''}: ${bad.message}`);
      }
      return undefined;
    }
    case 'any':
      return undefined;
    case 'section': {
      if (!isObject(v)) return issue(`expected an object of settings, got ${describeValue(v)}`);
      for (const [k, x] of Object.entries(v)) {
        if (x === undefined) continue;
        const f = s.fields[k];
        if (!f) {
          const known = Object.keys(s.fields);
          const rel = at.slice(opts.rootPath?.length ?? 0);
          const hint = opts.root ? closestKey(formatPath([...rel, k]), allKeys(opts.root, [])) : closestKey(k, known);
          const hintPath = hint === undefined ? undefined : opts.root ? formatPath([...(opts.rootPath ?? []), hint]) : formatPath([...at, hint]);
          return issue(hintPath !== undefined ? `unknown setting (did you mean ${hintPath}?)` : `unknown setting; known: ${known.join(', ')}`, [...at, k]);
        }
        if (x === null && opts.partial && isOptional(f)) continue;
        const bad = validate(f, x, [...at, k], f.kind === 'section' ? opts : {});
        if (bad) return bad;
      }
      if (opts.partial) return undefined;
      for (const [k, f] of Object.entries(s.fields)) {
        const x = v[k];
        if ((x === undefined || x === null) && isRequired(f)) return issue('is required', [...at, k]);
      }
      const why = s.validate?.(v as never);
      return why === undefined ? undefined : typeof why === 'string' ? issue(why) : issue(why.message, [...at, ...why.path]);
    }
    default:
      return assertNever(s);
  }
}

function assertNever(x: never): never {
  throw new Error(`unexpected setting ${JSON.stringify(x)}`);
}

// ---------------------------------------------------------------- merging

/**
 * `over` laid on `base` as a later source wins: sections (and records marked `mergeKeys`) merge
 * key by key, everything else (lists included) is replaced. Neither argument is changed.
 */
export function mergeValues(s: Setting, base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (!isObject(over) || !isObject(base)) return over;
  if (s.kind === 'section') {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) {
      if (v === undefined) continue;
      const f = s.fields[k];
      out[k] = f ? mergeValues(f, out[k], v) : v;
    }
    return out;
  }
  if (s.kind === 'record' && s.mergeKeys) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) if (v !== undefined) out[k] = mergeValues(s.value, out[k], v);
    return out;
  }
  return over;
}

// ---------------------------------------------------------------- text (environment, flags)

/** A value given as text that does not read as its setting's type. */
export class TextValueError extends Error {
  override readonly name = 'TextValueError';
}

function json(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new TextValueError(`expected JSON, got ${JSON.stringify(text)}`);
  }
}

/**
 * The value a text (an environment variable, a `--set KEY=VALUE`) stands for: numbers, booleans
 * (1/0, true/false, yes/no, on/off), lists as `a,b,c` or JSON, records and sections as JSON,
 * `any` as JSON when it reads as JSON and the text otherwise. Throws TextValueError.
 */
export function parseText(s: Setting, text: string): unknown {
  const t = text.trim();
  switch (s.kind) {
    case 'number': {
      const n = Number(t);
      if (t === '' || Number.isNaN(n)) throw new TextValueError(`expected ${s.integer ? 'an integer' : 'a number'}, got ${JSON.stringify(text)}`);
      return n;
    }
    case 'bool':
      if (/^(1|true|yes|on)$/i.test(t)) return true;
      if (/^(0|false|no|off)$/i.test(t)) return false;
      throw new TextValueError(`expected true or false, got ${JSON.stringify(text)}`);
    case 'string':
    case 'enum':
      return text;
    case 'list': {
      if (t.startsWith('[')) return json(t);
      const parts = text.split(',').map((p) => p.trim()).filter(Boolean);
      const item = s.item;
      if (item.kind === 'section' || item.kind === 'record' || item.kind === 'list') return json(t);
      return parts.map((p) => parseText(item, p));
    }
    case 'record':
    case 'section':
      return json(t);
    case 'any':
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text;
      }
    default:
      return assertNever(s);
  }
}

// ---------------------------------------------------------------- walking and docs

/** One setting that is not a section, with its dotted key. */
export interface Leaf {
  readonly key: string;
  readonly path: readonly string[];
  readonly setting: Setting;
}

/** Every setting under a section that is not itself a section, in declaration order. */
export function leaves(s: SectionSetting, prefix: readonly string[] = []): Leaf[] {
  const out: Leaf[] = [];
  for (const [k, f] of Object.entries(s.fields)) {
    const path = [...prefix, k];
    if (f.kind === 'section') out.push(...leaves(f, path));
    else out.push({ key: path.join('.'), path, setting: f });
  }
  return out;
}

/** Every section under (and including) a section, in declaration order, with its key path. */
export function sections(s: SectionSetting, prefix: readonly string[] = []): { readonly path: readonly string[]; readonly setting: SectionSetting }[] {
  const out = [{ path: prefix, setting: s }];
  for (const [k, f] of Object.entries(s.fields)) if (f.kind === 'section') out.push(...sections(f, [...prefix, k]));
  return out;
}

function listDoc(s: ListSetting): string {
  return `a list of ${plural(s.item)}`;
}

function recordDoc(s: RecordSetting): string {
  return s.value.kind === 'any' ? 'an object' : `an object of ${s.keyDoc ? `${s.keyDoc}: ` : ''}${plural(s.value)}`;
}

function plural(s: Setting): string {
  switch (s.kind) {
    case 'number':
      return s.integer ? 'integers' : 'numbers';
    case 'string':
      return 'strings';
    case 'bool':
      return 'booleans';
    case 'enum':
      return `strings (${s.values.join(', ')})`;
    case 'list':
      return 'lists';
    case 'record':
    case 'any':
      return 'objects';
    case 'section':
      return `{${Object.keys(s.fields).join(', ')}}`;
    default:
      return assertNever(s);
  }
}

/** The type of a setting in words, with its bounds (`integer, 0 to 65535, ms`), for docs and help. */
export function describeSetting(s: Setting): string {
  switch (s.kind) {
    case 'number': {
      const parts = [s.integer ? 'integer' : 'number'];
      if (s.allowed) parts.push(`one of ${s.allowed.join(', ')}`);
      if (s.min !== undefined && s.max !== undefined) parts.push(`${s.min} to ${s.max}`);
      else if (s.min !== undefined) parts.push(`≥ ${s.min}`);
      else if (s.max !== undefined) parts.push(`≤ ${s.max}`);
      if (s.above !== undefined) parts.push(`> ${s.above}`);
      if (s.unit) parts.push(s.unit);
      return parts.join(', ');
    }
    case 'string': {
      const parts = ['string'];
      if (s.nonEmpty) parts.push('not empty');
      if (s.minLength !== undefined) parts.push(`at least ${s.minLength} characters`);
      if (s.patternDoc) parts.push(s.patternDoc);
      return parts.join(', ');
    }
    case 'bool':
      return 'boolean';
    case 'enum':
      return s.values.map((v) => `\`${v}\``).join(' \\| ');
    case 'list':
      return `${listDoc(s)}${s.nonEmpty ? ', not empty' : ''}${s.item.kind === 'number' || s.item.kind === 'string' ? ` (${describeSetting(s.item)})` : ''}`;
    case 'record':
      return recordDoc(s);
    case 'any':
      return 'any JSON value';
    case 'section':
      return 'section';
    default:
      return assertNever(s);
  }
}

// ---------------------------------------------------------------- apps' settings

/** How one field was declared before this language (an app's `fields`); still accepted. */
export type FieldSpec =
  | { readonly type: 'number'; readonly description?: string; readonly min?: number; readonly max?: number; readonly integer?: boolean }
  | { readonly type: 'boolean'; readonly description?: string }
  | { readonly type: 'string'; readonly description?: string; readonly enum?: readonly string[] }
  | { readonly type: 'string[]'; readonly description?: string }
  | { readonly type: 'number[]'; readonly description?: string; readonly integer?: boolean };

/** An app's settings in the older form: defaults plus a spec per field; `validate` checks fields against each other. */
export interface FieldSpecSchema<C extends object> {
  readonly defaults: C;
  readonly fields: { readonly [K in keyof C]: FieldSpec };
  /** Returns a message when the whole config is inconsistent. */
  validate?(config: C): string | undefined;
}

/**
 * An app's `config`: a section declared with the builders above (`section({ ... })`), whose
 * value type is the app's settings `C`, or the older defaults-plus-fields form.
 */
export type ConfigSchema<C extends object> = SectionOf<C> | FieldSpecSchema<C>;

const asSections = new WeakMap<object, SectionSetting>();

/** An app's `config` as a section of this language (the older form translated field by field). */
export function toSection(schema: ConfigSchema<object>): SectionSetting {
  if ('kind' in schema && schema.kind === 'section') return schema as SectionSetting;
  const legacy = schema as FieldSpecSchema<Record<string, unknown>>;
  const cached = asSections.get(legacy);
  if (cached) return cached;
  const fields: Record<string, Setting> = {};
  for (const [k, spec] of Object.entries(legacy.fields)) fields[k] = fromFieldSpec(spec, legacy.defaults[k]);
  const validateAll = legacy.validate;
  const s = section(fields, validateAll ? { validate: (c) => validateAll.call(legacy, c as Record<string, unknown>) } : {});
  asSections.set(legacy, s);
  return s;
}

function fromFieldSpec(spec: FieldSpec, def: unknown): Setting {
  const doc = spec.description !== undefined ? { doc: spec.description } : {};
  const d = def !== undefined ? { default: def } : {};
  switch (spec.type) {
    case 'number':
      return { kind: 'number', integer: spec.integer ?? false, ...(spec.min !== undefined ? { min: spec.min } : {}), ...(spec.max !== undefined ? { max: spec.max } : {}), ...doc, ...(d as { default?: number }) };
    case 'boolean':
      return { kind: 'bool', ...doc, ...(d as { default?: boolean }) };
    case 'string':
      return spec.enum ? { kind: 'enum', values: spec.enum, ...doc, ...(d as { default?: string }) } : { kind: 'string', ...doc, ...(d as { default?: string }) };
    case 'string[]':
      return { kind: 'list', item: str(), ...doc, ...(d as { default?: readonly string[] }) };
    case 'number[]':
      return { kind: 'list', item: spec.integer ? int() : num(), ...doc, ...(d as { default?: readonly number[] }) };
    default:
      return assertNever(spec);
  }
}
