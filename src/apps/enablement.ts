/**
 * Which apps an operator enabled or disabled at run time (POST /api/v1/apps/:name/enable and
 * /disable), kept in the store (LevelDB standalone, etcd in a cluster) so the choice survives a
 * restart and, followed, holds on every instance. One key per app (`enabled/<name>` → boolean):
 * setting it is a whole-key write, never a read-modify-write of a shared list.
 */
import type { Clock } from '../core/clock.js';
import type { KeyValueStore } from './store.js';
import { StoredPerApp } from './stored-per-app.js';

/** Store key prefix in the manager's store (the `apps` namespace; apps' own keys live under `apps/<name>/`). */
export const ENABLED_PREFIX = 'enabled/';

/**
 * The apps to run: those the config file enables (in its order) unless a stored choice disables
 * them, then those a stored choice enables (in name order). Pure: the manager's start and tests.
 */
export function wantedApps(configured: readonly string[], stored: ReadonlyMap<string, boolean>): string[] {
  const out = configured.filter((n) => stored.get(n) !== false);
  const extra = [...stored].filter(([n, on]) => on && !out.includes(n)).map(([n]) => n).sort();
  return [...out, ...extra];
}

/** The stored choices, loaded at start, written through on every enable/disable, followed once `follow` is called. */
export class AppEnablement extends StoredPerApp<boolean> {
  constructor(store: KeyValueStore, clock?: Clock) {
    super(store, ENABLED_PREFIX, (v): v is boolean => typeof v === 'boolean', clock);
  }

  /** Every stored choice. */
  all(): ReadonlyMap<string, boolean> {
    return this.byApp;
  }

  /** The stored choice for an app: true (enabled), false (disabled), undefined (none: the config file decides). */
  get(app: string): boolean | undefined {
    return this.byApp.get(app);
  }

  /** Stores a choice; durable when the promise resolves. */
  set(app: string, on: boolean): Promise<void> {
    const write = async (): Promise<void> => {
      await this.store.put(ENABLED_PREFIX + app, on);
      this.byApp.set(app, on);
    };
    return this.write(write);
  }
}
