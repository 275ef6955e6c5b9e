/**
 * Which apps an operator enabled or disabled at run time (POST /api/v1/apps/:name/enable and
 * /disable), kept in the store (LevelDB standalone, etcd in a cluster) so the choice survives a
 * restart and, followed, holds on every instance. One key per app (`enabled/<name>` → boolean):
 * setting it is a whole-key write, never a read-modify-write of a shared list.
 */
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../core/clock.js';
import { sameStored, StoreFollower, type KeyValueStore } from './store.js';

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
export class AppEnablement {
  private readonly byApp = new Map<string, boolean>();
  private follower: StoreFollower<Map<string, boolean>> | undefined;

  constructor(
    private readonly store: KeyValueStore,
    /** Time for the follower's debounce and retry; default the system clock. */
    private readonly clock: Clock = systemClock,
  ) {}

  private async read(): Promise<Map<string, boolean>> {
    const out = new Map<string, boolean>();
    for (const [k, v] of await this.store.list(ENABLED_PREFIX)) if (typeof v === 'boolean') out.set(k.slice(ENABLED_PREFIX.length), v);
    return out;
  }

  /** Reads every stored choice (call before apps start). */
  async load(): Promise<void> {
    const all = await this.read();
    this.byApp.clear();
    for (const [k, v] of all) this.byApp.set(k, v);
  }

  /**
   * Follows the store: when choices change there (another instance's enable or disable), they are
   * taken in and `onChange` gets the names whose choice changed. This instance's own writes come
   * back too and change nothing. Call before `load`, so nothing is missed.
   */
  follow(onChange: (apps: readonly string[]) => void, log?: Logger): void {
    this.unfollow();
    this.follower = new StoreFollower(this.store, ENABLED_PREFIX, {
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
    return this.follower ? this.follower.write(write) : write();
  }
}
