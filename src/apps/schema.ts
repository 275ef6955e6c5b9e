/**
 * App settings: an app declares its `config` in the configuration schema language
 * (src/core/config-schema.ts: `section({ key: int({ default, min, doc }) })`, or the older
 * defaults-plus-fields form), and a bad setting fails naming `apps.settings.<app>.<field>`,
 * whether it came from the config file, a flag or `PUT /api/v1/apps/<name>/config`.
 */
import { defaultsOf, formatPath, mergeValues, toSection, validate, type ConfigSchema } from '../core/config-schema.js';

// The language itself, so an app declares its settings as the built-in ones do.
export {
  any,
  bool,
  defaultsOf,
  int,
  list,
  num,
  oneOf,
  optional,
  record,
  section,
  str,
  toSection,
  type ConfigOf,
  type ConfigSchema,
  type FieldSpec,
  type FieldSpecSchema,
  type SectionOf,
  type Setting,
} from '../core/config-schema.js';

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

/**
 * The app's effective config: its defaults overlaid with `given` (an object from the config
 * file, flags or a stored override). Unknown keys and ill-typed values throw AppConfigError
 * naming the field.
 */
export function resolveAppConfig<C extends object>(app: string, schema: ConfigSchema<C> | undefined, given: unknown): C {
  const base = ['apps', 'settings', app];
  if (given !== undefined && (given === null || typeof given !== 'object' || Array.isArray(given))) {
    throw new AppConfigError(formatPath(base), `expected an object, got ${JSON.stringify(given)}`);
  }
  const g = (given ?? {}) as Record<string, unknown>;
  if (!schema) {
    const keys = Object.keys(g);
    if (keys.length > 0) throw new AppConfigError(formatPath([...base, keys[0]!]), 'this app takes no settings');
    return {} as C;
  }
  const s = toSection(schema as ConfigSchema<object>);
  const partial = validate(s, g, base, { partial: true });
  if (partial) throw new AppConfigError(formatPath(partial.path), partial.message);
  const out = mergeValues(s, defaultsOf(s), g);
  const whole = validate(s, out, base);
  if (whole) throw new AppConfigError(formatPath(whole.path), whole.message);
  return Object.freeze(out) as C;
}
