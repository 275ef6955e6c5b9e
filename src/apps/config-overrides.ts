/**
 * App config overrides set at run time (PUT /api/v1/apps/:name/config), kept in the store so
 * they survive a restart. An app starts with its schema's defaults, then `apps.settings.<name>`
 * from the config file, then the stored override, key by key.
 */
import type { Logger } from 'pino';
import { AppConfigError, resolveAppConfig, type ConfigSchema } from './schema.js';
import type { KeyValueStore, StoreValue } from './store.js';

/** Settings as given: a plain object of keys the app's schema knows. */
export type AppSettings = Readonly<Record<string, unknown>>;

/** Store key prefix, in the manager's store (the `apps` namespace; apps' own keys live under `apps/<name>/`). */
const PREFIX = 'config/';

/** The file's settings with the override's keys laid over them. */
export function mergeSettings(file: AppSettings | undefined, override: AppSettings | undefined): AppSettings | undefined {
  if (override === undefined) return file;
  return { ...file, ...override };
}

/** Checks that an override is a JSON object; throws AppConfigError naming the app's section. */
export function checkOverride(app: string, value: unknown): AppSettings {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new AppConfigError(`apps.settings.${app}`, `expected an object of settings, got ${JSON.stringify(value)}`);
  }
  return value as AppSettings;
}

/** The stored overrides, loaded once at start and written through on every change. */
export class ConfigOverrides {
  private readonly byApp = new Map<string, AppSettings>();

  constructor(private readonly store: KeyValueStore) {}

  /** Reads every stored override (call before apps start). */
  async load(): Promise<void> {
    this.byApp.clear();
    for (const [k, v] of await this.store.list(PREFIX)) {
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) this.byApp.set(k.slice(PREFIX.length), v as AppSettings);
    }
  }

  /** The stored override of an app. */
  get(app: string): AppSettings | undefined {
    return this.byApp.get(app);
  }

  /** Stores an override (durable when the promise resolves). */
  async set(app: string, value: AppSettings): Promise<void> {
    await this.store.put(PREFIX + app, value as StoreValue);
    this.byApp.set(app, value);
  }

  /** Deletes an override; resolves true when there was one. */
  async clear(app: string): Promise<boolean> {
    const had = this.byApp.delete(app);
    await this.store.del(PREFIX + app);
    return had;
  }

  /**
   * The settings an app starts with: the file's, with its stored override laid over. An override
   * that no longer fits the schema (the app changed since it was stored) is logged and left out
   * for this run, but stays stored: nothing is silently deleted.
   */
  settingsFor(app: string, schema: ConfigSchema<object> | undefined, file: AppSettings | undefined, log: Logger): AppSettings | undefined {
    const o = this.byApp.get(app);
    if (o === undefined) return file;
    const merged = mergeSettings(file, o);
    try {
      resolveAppConfig(app, schema, merged);
      return merged;
    } catch (e) {
      log.error({ app, err: (e as Error).message }, 'the stored config override of this app does not fit its settings any more; starting it without (PUT or DELETE /api/v1/apps/<name>/config to fix)');
      return file;
    }
  }
}
