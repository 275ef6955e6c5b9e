/**
 * One stored value per app under a key prefix of the manager's store, loaded at start, written
 * through, and (once `follow` is called) reloaded when another instance changes it: the shared
 * part of app enablement and app config overrides.
 */
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../core/clock.js';
import { sameStored, StoreFollower, type KeyValueStore } from './store.js';

/** Per-app values kept under `prefix` + app name; subclasses add the typed reads and writes. */
export abstract class StoredPerApp<V> {
  protected readonly byApp = new Map<string, V>();
  private follower: StoreFollower<Map<string, V>> | undefined;

  constructor(
    protected readonly store: KeyValueStore,
    private readonly prefix: string,
    /** Which stored values are this kind's (others under the prefix are ignored). */
    private readonly accepts: (v: unknown) => v is V,
    /** Time for the follower's debounce and retry; default the system clock. */
    private readonly clock: Clock = systemClock,
  ) {}

  private async read(): Promise<Map<string, V>> {
    const out = new Map<string, V>();
    for (const [k, v] of await this.store.list(this.prefix)) if (this.accepts(v)) out.set(k.slice(this.prefix.length), v);
    return out;
  }

  private replace(all: ReadonlyMap<string, V>): void {
    this.byApp.clear();
    for (const [k, v] of all) this.byApp.set(k, v);
  }

  /** Reads every stored value (call before apps start). */
  async load(): Promise<void> {
    this.replace(await this.read());
  }

  /**
   * Follows the store: when values change there (another instance's write), they are taken in
   * and `onChange` gets the names of the apps whose value changed. This instance's own writes
   * come back too and change nothing. Call before `load`, so nothing is missed.
   */
  follow(onChange: (apps: readonly string[]) => void, log?: Logger): void {
    this.unfollow();
    this.follower = new StoreFollower(this.store, this.prefix, {
      load: () => this.read(),
      apply: (all) => {
        const changed: string[] = [];
        for (const [app, v] of all) if (!sameStored(this.byApp.get(app), v)) changed.push(app);
        for (const app of this.byApp.keys()) if (!all.has(app)) changed.push(app);
        if (changed.length === 0) return;
        this.replace(all);
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

  /** Runs a write in order with the follower's reloads (directly when not following). */
  protected write<R>(fn: () => Promise<R>): Promise<R> {
    return this.follower ? this.follower.write(fn) : fn();
  }
}
