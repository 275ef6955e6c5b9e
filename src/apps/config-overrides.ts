/**
 * App config overrides set at run time (PUT /api/v1/apps/:name/config), kept in the store so
 * they survive a restart and, in a cluster, reach every instance (the store is followed). An app
 * starts with its schema's defaults, then `apps.settings.<name>` from the config file, then the
 * stored override, key by key.
 */
import type { Logger } from 'pino';
import { AppConfigError, resolveAppConfig, type ConfigSchema } from './schema.js';
import { sameStored, StoreFollower, type KeyValueStore, type StoreValue } from './store.js';
import { systemClock, type Clock } from '../core/clock.js';

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
export class ConfigOverrides {
  private readonly byApp = new Map<string, AppSettings>();
  private follower: StoreFollower<Map<string, AppSettings>> | undefined;

  constructor(
    private readonly store: KeyValueStore,
    /** Time for the follower's debounce and retry; default the system clock. */
    private readonly clock: Clock = systemClock,
  ) {}

  private async read(): Promise<Map<string, AppSettings>> {
    const out = new Map<string, AppSettings>();
    for (const [k, v] of await this.store.list(PREFIX)) {
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) out.set(k.slice(PREFIX.length), v as AppSettings);
    }
    return out;
  }

  /** Reads every stored override (call before apps start). */
  async load(): Promise<void> {
    const all = await this.read();
    this.byApp.clear();
    for (const [k, v] of all) this.byApp.set(k, v);
  }

  /**
   * Follows the store: when overrides change there (another instance's PUT or DELETE), they are
   * taken in and `onChange` gets the names of the apps whose override changed. This instance's
   * own changes come back too and change nothing. Call before `load`, so nothing is missed.
   */
  follow(onChange: (apps: readonly string[]) => void, log?: Logger): void {
    this.unfollow();
    this.follower = new StoreFollower(this.store, PREFIX, {
      load: () => this.read(),
      apply: (all) => {
        const changed: string[] = [];
        for (const [app, v] of all) if (!sameStored(this.byApp.get(app), v)) changed.push(app);
        for (const app of this.byApp.keys()) if (!all.has(app)) changed.push(app);
        if (changed.length === 0) return;
        this.byApp.clear();
        for (const [k, v] of all) this.byApp.set(k, v);
        onChange(changed.sort());
      },
      ...(log ? { log } : {}),
      clock: this.clock,
    });
  }

  /** Stops following the store. */
  unfollow(): void {
    this.follower?.stop();
    this.follower = undefined;
  }

  private write<R>(fn: () => Promise<R>): Promise<R> {
    return this.follower ? this.follower.write(fn) : fn();
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
