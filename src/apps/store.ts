/**
 * The key-value store apps keep state in: one namespace of the controller's store (src/store:
 * LevelDB standalone, etcd in a cluster; see namespaceView), each app under its own prefix, with
 * its change feed and a follower that reloads an app's state when another instance changes it.
 */
import type { Logger } from 'pino';
import { systemClock, type Clock, type Timer } from '../core/clock.js';
import type { KeyValueStore, StoreValue, StoreWatcher, TxnBody } from '../core/app.js';
import { encodeValue, MemoryStore, NAMESPACES, namespaceView } from '../store/index.js';

export type { KeyValueStore, StoreOp, StoreValue, StoreWatcher, TxnBody, TxnOutcome } from '../core/app.js';


/** A view of a store under `prefix` (an app's own namespace: `apps/<name>/`). */
export class PrefixedStore implements KeyValueStore {
  constructor(
    private readonly inner: KeyValueStore,
    private readonly prefix: string,
  ) {}

  get<T extends StoreValue = StoreValue>(key: string): Promise<T | undefined> {
    return this.inner.get<T>(this.prefix + key);
  }

  put(key: string, value: StoreValue): Promise<void> {
    return this.inner.put(this.prefix + key, value);
  }

  del(key: string): Promise<boolean> {
    return this.inner.del(this.prefix + key);
  }

  async list<T extends StoreValue = StoreValue>(prefix = ''): Promise<[string, T][]> {
    const n = this.prefix.length;
    return (await this.inner.list<T>(this.prefix + prefix)).map(([k, v]) => [k.slice(n), v]);
  }

  watch(prefix: string, onChange: StoreWatcher): () => void {
    const n = this.prefix.length;
    return this.inner.watch(this.prefix + prefix, (k) => onChange(k === undefined ? undefined : k.slice(n)));
  }

  transact<R>(keys: readonly string[], body: TxnBody<R>): Promise<R> {
    const n = this.prefix.length;
    return this.inner.transact(
      keys.map((k) => this.prefix + k),
      (values) => {
        const mine = new Map<string, StoreValue | undefined>();
        for (const [k, v] of values) mine.set(k.slice(n), v);
        const out = body(mine);
        return { result: out.result, ops: out.ops.map((op) => ({ ...op, key: this.prefix + op.key })) };
      },
    );
  }
}

/** True when two values would be stored alike (same keys in the same order, same values): "did this entry change?". */
export function sameStored(a: unknown, b: unknown): boolean {
  return encodeValue(a as StoreValue) === encodeValue(b as StoreValue);
}

/** Options of {@link StoreFollower}. */
export interface StoreFollowerOptions<T> {
  /** Reads what is stored under the prefix (the app's entries). */
  load(): Promise<T>;
  /**
   * Makes the app's state and flows match what `load` read: idempotent (own writes come back
   * too) and synchronous, so no local write can slip in between the check and the apply.
   */
  apply(loaded: T): void;
  /** Quiet time after a change before the reload (ms), so a burst of writes is one reload. Default 75. */
  readonly debounceMs?: number;
  /** A reload that failed (store unreachable) is tried again after this long (ms). Default 1000. */
  readonly retryMs?: number;
  readonly log?: Logger;
  /** Time for the debounce and the retry; default the system clock (apps pass `ctx.clock`). */
  readonly clock?: Clock;
}

/**
 * Follows one prefix of an app's store: every change there (another instance's write, or this
 * one's own echo) schedules a debounced reload, `load` then `apply`, one at a time. Local writes
 * go through `write`: a reload that read the store while one was under way is redone after it,
 * so a stale read never undoes a write this instance just made.
 */
export class StoreFollower<T> {
  private readonly unwatch: () => void;
  private readonly debounceMs: number;
  private readonly retryMs: number;
  private readonly clock: Clock;
  private timer: Timer | undefined;
  /** Woken when a scheduled reload's timer fires or is cancelled (see idle). */
  private timerWaiters: (() => void)[] = [];
  private running: Promise<void> | undefined;
  /** A change arrived while a reload ran: run again after it. */
  private again = false;
  /** A reload was skipped for a local write under way: run when it ends. */
  private deferred = false;
  /** Bumped when a local write starts and ends. */
  private seq = 0;
  private inflight = 0;
  private stopped = false;

  constructor(
    store: KeyValueStore,
    prefix: string,
    private readonly opts: StoreFollowerOptions<T>,
  ) {
    this.debounceMs = opts.debounceMs ?? 75;
    this.retryMs = opts.retryMs ?? 1_000;
    this.clock = opts.clock ?? systemClock;
    this.unwatch = store.watch(prefix, () => this.schedule(this.debounceMs));
  }

  /** Runs a local write (store write and local apply); overlapping reloads are redone after it. */
  async write<R>(fn: () => Promise<R>): Promise<R> {
    this.inflight++;
    this.seq++;
    try {
      return await fn();
    } finally {
      this.inflight--;
      this.seq++;
      if (this.inflight === 0 && this.deferred) {
        this.deferred = false;
        this.schedule(0);
      }
    }
  }

  /** Reloads after `delayMs` unless one is already scheduled. */
  schedule(delayMs = this.debounceMs): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) return;
    this.timer = this.clock.after(delayMs, () => {
      this.timer = undefined;
      this.running = this.run().finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.schedule(0);
        }
      });
      this.wakeTimerWaiters();
    });
    this.timer.unref();
  }

  /** Resolves once no reload is scheduled or running (tests, orderly stops). */
  async idle(): Promise<void> {
    while (this.timer || this.running) {
      if (this.running) await this.running;
      else await new Promise<void>((resolve) => this.timerWaiters.push(resolve));
    }
  }

  /** Stops following (the app stopped). */
  stop(): void {
    this.stopped = true;
    this.unwatch();
    this.timer?.cancel();
    this.timer = undefined;
    this.wakeTimerWaiters();
  }

  private wakeTimerWaiters(): void {
    const waiters = this.timerWaiters;
    this.timerWaiters = [];
    for (const w of waiters) w();
  }

  private async run(): Promise<void> {
    for (let round = 0; round < 10 && !this.stopped; round++) {
      if (this.inflight > 0) {
        this.deferred = true;
        return;
      }
      const seq = this.seq;
      let loaded: T;
      try {
        loaded = await this.opts.load();
      } catch (e) {
        this.opts.log?.warn({ err: (e as Error).message }, 'could not reload from the store after a change; trying again');
        if (!this.stopped) {
          this.timer = this.clock.after(this.retryMs, () => {
            this.timer = undefined;
            this.wakeTimerWaiters();
            this.schedule(0);
          });
          this.timer.unref();
        }
        return;
      }
      if (this.stopped) return;
      if (this.inflight > 0) {
        this.deferred = true;
        return;
      }
      if (this.seq !== seq) continue; // a local write came and went meanwhile: read again
      try {
        this.opts.apply(loaded);
      } catch (e) {
        this.opts.log?.error({ err: (e as Error).message, stack: (e as Error).stack }, 'applying a change from the store failed');
      }
      return;
    }
  }
}

/** An in-memory apps store (the real store's in-memory backend): the default without a data directory, and for app tests. */
export function memoryAppStore(): KeyValueStore {
  return namespaceView(new MemoryStore(), NAMESPACES.apps);
}
