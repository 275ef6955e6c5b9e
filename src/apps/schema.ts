/** App config schemas: defaults plus per-field checks, so a bad setting fails at load naming `apps.settings.<app>.<field>`. */

/** How one config field is checked. */
export type FieldSpec =
  | { readonly type: 'number'; readonly description?: string; readonly min?: number; readonly max?: number; readonly integer?: boolean }
  | { readonly type: 'boolean'; readonly description?: string }
  | { readonly type: 'string'; readonly description?: string; readonly enum?: readonly string[] }
  | { readonly type: 'string[]'; readonly description?: string }
  | { readonly type: 'number[]'; readonly description?: string; readonly integer?: boolean };

/** An app's config: every field has a default and a spec; `validate` checks fields against each other. */
export interface ConfigSchema<C extends object> {
  readonly defaults: C;
  readonly fields: { readonly [K in keyof C]: FieldSpec };
  /** Returns a message when the whole config is inconsistent. */
  validate?(config: C): string | undefined;
}

/** A config value that does not fit the app's schema. */
export class AppConfigError extends Error {
  override readonly name = 'AppConfigError';
  /** The setting at fault within the app's section (`basePriority`), or undefined when the whole section is. */
  readonly key: string | undefined;
  constructor(
    /** `apps.settings.<app>.<field>`. */
    readonly path: string,
    /** What is wrong, without the path. */
    readonly detail: string,
  ) {
    super(`${path}: ${detail}`);
    this.key = /^apps\.settings\.[^.]+\.(.+)$/.exec(path)?.[1];
  }
}

function checkField(path: string, spec: FieldSpec, v: unknown): void {
  switch (spec.type) {
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new AppConfigError(path, `expected a number, got ${JSON.stringify(v)}`);
      if (spec.integer && !Number.isInteger(v)) throw new AppConfigError(path, `expected an integer, got ${v}`);
      if (spec.min !== undefined && v < spec.min) throw new AppConfigError(path, `must be at least ${spec.min}, got ${v}`);
      if (spec.max !== undefined && v > spec.max) throw new AppConfigError(path, `must be at most ${spec.max}, got ${v}`);
      return;
    case 'boolean':
      if (typeof v !== 'boolean') throw new AppConfigError(path, `expected true or false, got ${JSON.stringify(v)}`);
      return;
    case 'string':
      if (typeof v !== 'string') throw new AppConfigError(path, `expected a string, got ${JSON.stringify(v)}`);
      if (spec.enum && !spec.enum.includes(v)) throw new AppConfigError(path, `expected one of ${spec.enum.join(', ')}, got ${JSON.stringify(v)}`);
      return;
    case 'string[]':
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new AppConfigError(path, `expected a list of strings, got ${JSON.stringify(v)}`);
      return;
    case 'number[]':
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x) && (!spec.integer || Number.isInteger(x)))) {
        throw new AppConfigError(path, `expected a list of ${spec.integer ? 'integers' : 'numbers'}, got ${JSON.stringify(v)}`);
      }
      return;
    default: {
      const never: never = spec;
      throw new AppConfigError(path, `unknown field type ${JSON.stringify(never)}`);
    }
  }
}

/**
 * The app's effective config: its defaults overlaid with `given` (an object from the config
 * file). Unknown keys and ill-typed values throw AppConfigError naming the field.
 */
export function resolveAppConfig<C extends object>(app: string, schema: ConfigSchema<C> | undefined, given: unknown): C {
  const base = `apps.settings.${app}`;
  if (given !== undefined && (given === null || typeof given !== 'object' || Array.isArray(given))) {
    throw new AppConfigError(base, `expected an object, got ${JSON.stringify(given)}`);
  }
  const g = (given ?? {}) as Record<string, unknown>;
  if (!schema) {
    const keys = Object.keys(g);
    if (keys.length > 0) throw new AppConfigError(`${base}.${keys[0]}`, 'this app takes no settings');
    return {} as C;
  }
  const fields = schema.fields as Record<string, FieldSpec>;
  for (const k of Object.keys(g)) {
    if (!(k in fields)) throw new AppConfigError(`${base}.${k}`, `unknown setting; known: ${Object.keys(fields).join(', ')}`);
  }
  const out: Record<string, unknown> = { ...(schema.defaults as Record<string, unknown>) };
  for (const [k, spec] of Object.entries(fields)) {
    const v = k in g ? g[k] : out[k];
    checkField(`${base}.${k}`, spec, v);
    out[k] = v;
  }
  const c = out as C;
  const why = schema.validate?.(c);
  if (why !== undefined) throw new AppConfigError(base, why);
  return Object.freeze(c);
}
