/** The persistence interface every backend implements (LevelDB, and etcd in src/cluster) with its change feed, and an in-memory backend for tests. */
import type { StoreOp, StoreValue, StoreWatcher, TxnBody, TxnOutcome } from '../core/app.js';

export type { StoreOp, StoreValue, StoreWatcher, TxnBody, TxnOutcome } from '../core/app.js';


/** One stored entry. */
export interface StoreEntry<T = StoreValue> {
  readonly key: string;
  readonly value: T;
}

/**
 * The namespaces the controller uses; any other name works too. Values are the services' own:
 * app configs by app name, static flows / ACL rules / routes by id, instance settings by key,
 * secrets (the LLDP signing key) by name.
 */
export const NAMESPACES = {
  apps: 'apps',
  staticFlows: 'static-flows',
  acl: 'acl',
  routes: 'routes',
  settings: 'settings',
  secrets: 'secrets',
} as const;

/**
 * Key/value persistence split into namespaces. Writes are durable when the promise resolves.
 * Keys are non-empty strings; `list` returns entries in key order.
 */
export interface Store {
  /** Where the data lives (a directory for LevelDB, `memory:` for the in-memory store); errors name it. */
  readonly location: string;
  get<T extends StoreValue = StoreValue>(ns: string, key: string): Promise<T | undefined>;
  put(ns: string, key: string, value: StoreValue): Promise<void>;
  /** Resolves true when the key existed. */
  del(ns: string, key: string): Promise<boolean>;
  list<T extends StoreValue = StoreValue>(ns: string): Promise<StoreEntry<T>[]>;
  /** Writes several entries of one namespace atomically (all or none). */
  batch(ns: string, ops: readonly StoreOp[]): Promise<void>;
  /**
   * Atomic read-modify-write in one namespace: reads `keys`, runs `body` on their values
   * (`undefined` when absent) and writes the ops it returns all or none, only if none of the keys
   * read changed in between; on a conflict it runs `body` again on fresh values (etcd: a
   * transaction comparing each key's mod revision; LevelDB and memory: the namespace's writes
   * are serialized in this process, which alone holds the database). After
   * {@link TXN_MAX_ATTEMPTS} conflicts it rejects with a StoreError (`conflict`). Resolves with
   * `body`'s result once the writes are durable.
   */
  transact<R>(ns: string, keys: readonly string[], body: TxnBody<R>): Promise<R>;
  /**
   * The change feed: calls `onChange` with the key of every entry of `ns` starting with `prefix`
   * that is put or deleted, this instance's own writes included (handle them idempotently: the
   * feed says what changed, read the store for the value). `undefined` means changes may have
   * been missed (a watch (re)connected): reload everything under the prefix. Calls come after
   * the write is durable, never inside the writer's call stack; returns the unsubscribe function.
   */
  watch(ns: string, prefix: string, onChange: StoreWatcher): () => void;
  close(): Promise<void>;
}


/**
 * Local change notifications of a single-process backend (memory, LevelDB): each write tells
 * the watchers of its namespace, on a microtask, so a listener never runs inside the writer.
 * A listener that throws is ignored (it must catch its own errors).
 */
export class LocalWatchers {
  private readonly byNs = new Map<string, Set<{ readonly prefix: string; readonly fn: StoreWatcher }>>();

  /** Adds a watcher; returns the unsubscribe function. */
  add(ns: string, prefix: string, fn: StoreWatcher): () => void {
    checkKey('namespace', ns);
    let set = this.byNs.get(ns);
    if (!set) this.byNs.set(ns, (set = new Set()));
    const w = { prefix, fn };
    set.add(w);
    return () => {
      set.delete(w);
    };
  }

  /** Tells the watchers of `ns` that `keys` changed. Costs one map lookup when nobody watches. */
  notify(ns: string, keys: readonly string[]): void {
    const set = this.byNs.get(ns);
    if (!set || set.size === 0) return;
    const targets = [...set];
    queueMicrotask(() => {
      for (const w of targets) {
        for (const k of keys) {
          if (!k.startsWith(w.prefix)) continue;
          try {
            w.fn(k);
          } catch {
            // a listener's own failure; the feed goes on
          }
        }
      }
    });
  }

  clear(): void {
    this.byNs.clear();
  }
}

/** Attempts of a transaction before it gives up with a `conflict` StoreError. */
export const TXN_MAX_ATTEMPTS = 64;

/**
 * Serializes the writes of each namespace of a single-process backend (memory, LevelDB): a
 * transaction's read and its write run with no other write of that namespace in between, so it
 * never conflicts. Reads are not queued.
 */
export class NamespaceLocks {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `fn` after every earlier call for `ns` has settled; resolves or rejects as `fn` does. */
  run<R>(ns: string, fn: () => Promise<R>): Promise<R> {
    const prev = this.tails.get(ns) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(ns, tail);
    // Forget a settled tail, so an idle namespace holds nothing.
    void tail.then(() => {
      if (this.tails.get(ns) === tail) this.tails.delete(ns);
    });
    return next;
  }
}

/** Checks a transaction's outcome (keys non-empty, at most one op per key); returns it. */
export function checkOutcome<R>(out: TxnOutcome<R>): TxnOutcome<R> {
  if (out === null || typeof out !== 'object' || !Array.isArray(out.ops)) throw new TypeError('a transaction body must return { ops, result }');
  const seen = new Set<string>();
  for (const op of out.ops) {
    checkKey('key', op.key);
    if (seen.has(op.key)) throw new RangeError(`a transaction writes ${JSON.stringify(op.key)} twice`);
    seen.add(op.key);
  }
  return out;
}

/** The store could not be opened or read: locked by another process, corrupt, unreadable. Stops start-up. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    message: string,
    /** The data directory concerned. */
    readonly location: string,
    /** `locked`, `corrupt`, `io` or `decode`; `conflict` when a transaction kept losing to other writers. */
    readonly reason: 'locked' | 'corrupt' | 'io' | 'decode' | 'conflict',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/*
 * Encoding: JSON, with bigint and Buffer values tagged as one-key objects
 * (`{"$bigint":"18446744073709551615"}`, `{"$bytes":"0a0b"}`). A plain object whose only key is
 * `$bigint`/`$bytes` would be ambiguous, so one more tag escapes such objects: `{"$obj": {...}}`.
 */

/** The stored text of a value. Throws TypeError on values JSON cannot hold (functions, undefined in arrays...). */
export function encodeValue(v: StoreValue): string {
  return JSON.stringify(tag(v));
}

/** The value a stored text encodes; throws SyntaxError on garbage. */
export function decodeValue(s: string): StoreValue {
  return untag(JSON.parse(s) as unknown);
}

function tag(v: unknown): unknown {
  if (typeof v === 'bigint') return { $bigint: v.toString() };
  if (Buffer.isBuffer(v)) return { $bytes: v.toString('hex') };
  if (Array.isArray(v)) return v.map(tag);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = tag(x);
    const keys = Object.keys(out);
    return keys.length === 1 && (keys[0] === '$bigint' || keys[0] === '$bytes' || keys[0] === '$obj') ? { $obj: out } : out;
  }
  if (typeof v === 'function' || typeof v === 'symbol') throw new TypeError(`cannot store a ${typeof v}`);
  return v;
}

function untag(v: unknown): StoreValue {
  if (Array.isArray(v)) return v.map(untag);
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1) {
      if (keys[0] === '$bigint' && typeof o.$bigint === 'string') return BigInt(o.$bigint);
      if (keys[0] === '$bytes' && typeof o.$bytes === 'string') return Buffer.from(o.$bytes, 'hex');
      if (keys[0] === '$obj' && typeof o.$obj === 'object' && o.$obj !== null) {
        const out: Record<string, StoreValue> = {};
        for (const [k, x] of Object.entries(o.$obj as Record<string, unknown>)) out[k] = untag(x);
        return out;
      }
    }
    const out: Record<string, StoreValue> = {};
    for (const k of keys) out[k] = untag(o[k]);
    return out;
  }
  return v as StoreValue;
}

/** Checks a namespace or key; throws RangeError naming it. */
export function checkKey(what: 'namespace' | 'key', s: string): void {
  if (typeof s !== 'string' || s.length === 0) throw new RangeError(`store ${what} must be a non-empty string`);
  if (what === 'namespace' && s.includes('!')) throw new RangeError(`store namespace may not contain '!': ${JSON.stringify(s)}`);
}

/** A store in memory (tests, `--data memory:`); values are copied through the encoding so callers cannot alias them. */
export class MemoryStore implements Store {
  readonly location = 'memory:';
  private readonly data = new Map<string, Map<string, string>>();
  private readonly watchers = new LocalWatchers();
  private closed = false;

  private ns(ns: string): Map<string, string> {
    if (this.closed) throw new StoreError('store is closed', this.location, 'io');
    checkKey('namespace', ns);
    let m = this.data.get(ns);
    if (!m) this.data.set(ns, (m = new Map()));
    return m;
  }

  async get<T extends StoreValue = StoreValue>(ns: string, key: string): Promise<T | undefined> {
    checkKey('key', key);
    const s = this.ns(ns).get(key);
    return s === undefined ? undefined : (decodeValue(s) as T);
  }

  async put(ns: string, key: string, value: StoreValue): Promise<void> {
    checkKey('key', key);
    this.ns(ns).set(key, encodeValue(value));
    this.watchers.notify(ns, [key]);
  }

  async del(ns: string, key: string): Promise<boolean> {
    checkKey('key', key);
    const had = this.ns(ns).delete(key);
    if (had) this.watchers.notify(ns, [key]);
    return had;
  }

  /** Reads, runs the body and writes in one synchronous step: nothing can come in between. */
  async transact<R>(ns: string, keys: readonly string[], body: TxnBody<R>): Promise<R> {
    for (const k of keys) checkKey('key', k);
    const m = this.ns(ns);
    const values = new Map<string, StoreValue | undefined>();
    for (const k of keys) {
      const s = m.get(k);
      values.set(k, s === undefined ? undefined : decodeValue(s));
    }
    const out = checkOutcome(body(values));
    const encoded = out.ops.map((op) => ({ key: op.key, s: op.type === 'put' ? encodeValue(op.value) : undefined }));
    for (const e of encoded) {
      if (e.s === undefined) m.delete(e.key);
      else m.set(e.key, e.s);
    }
    if (encoded.length > 0) this.watchers.notify(ns, encoded.map((e) => e.key));
    return out.result;
  }

  async list<T extends StoreValue = StoreValue>(ns: string): Promise<StoreEntry<T>[]> {
    const m = this.ns(ns);
    return [...m.keys()].sort().map((key) => ({ key, value: decodeValue(m.get(key)!) as T }));
  }

  async batch(ns: string, ops: readonly StoreOp[]): Promise<void> {
    const m = this.ns(ns);
    const encoded = ops.map((op) => {
      checkKey('key', op.key);
      return op.type === 'put' ? { key: op.key, s: encodeValue(op.value) } : { key: op.key, s: undefined };
    });
    for (const e of encoded) {
      if (e.s === undefined) m.delete(e.key);
      else m.set(e.key, e.s);
    }
    this.watchers.notify(ns, encoded.map((e) => e.key));
  }

  watch(ns: string, prefix: string, onChange: StoreWatcher): () => void {
    return this.watchers.add(ns, prefix, onChange);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watchers.clear();
  }
}
