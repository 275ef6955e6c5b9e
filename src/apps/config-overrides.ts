/**
 * App config overrides set at run time (PUT /api/v1/apps/:name/config), kept in the store so
 * they survive a restart and, in a cluster, reach every instance (the store is followed). An app
 * starts with its schema's defaults, then `apps.settings.<name>` from the config file, then the
 * stored override, key by key.
 */
import { AppConfigError, resolveAppConfig, type ConfigSchema } from './schema.js';
import type { Logger } from 'pino';
import type { KeyValueStore, StoreValue } from './store.js';
import type { Clock } from '../core/clock.js';
import { StoredPerApp } from './stored-per-app.js';

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

/**
 * The stored overrides, loaded at start, written through on every change, and (once `follow`
 * is called) reloaded when another instance changes them.
 */
export class ConfigOverrides extends StoredPerApp<AppSettings> {
  constructor(store: KeyValueStore, clock?: Clock) {
    super(store, PREFIX, (v): v is AppSettings => v !== null && typeof v === 'object' && !Array.isArray(v), clock);
  }

  /** The stored override of an app. */
  get(app: string): AppSettings | undefined {
    return this.byApp.get(app);
  }

  /** Stores an override (durable when the promise resolves). */
  set(app: string, value: AppSettings): Promise<void> {
    return this.write(async () => {
      await this.store.put(PREFIX + app, value as StoreValue);
      this.byApp.set(app, value);
    });
  }

  /** Deletes an override; resolves true when there was one (here, or stored by another instance). */
  clear(app: string): Promise<boolean> {
    return this.write(async () => {
      const had = this.byApp.delete(app);
      return (await this.store.del(PREFIX + app)) || had;
    });
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
