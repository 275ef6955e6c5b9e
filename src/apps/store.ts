/** The key-value store apps keep state in: an interface (LevelDB comes with the store issue) and an in-memory implementation. */

/** A JSON-like value a store keeps (bigint allowed: the LevelDB store will encode it). */
export type StoreValue = null | boolean | number | bigint | string | readonly StoreValue[] | { readonly [k: string]: StoreValue };

/** Asynchronous key-value store. Keys are strings; `list` returns entries in key order. */
export interface KeyValueStore {
  get<T extends StoreValue = StoreValue>(key: string): Promise<T | undefined>;
  put(key: string, value: StoreValue): Promise<void>;
  /** Resolves true when the key existed. */
  del(key: string): Promise<boolean>;
  /** Entries whose key starts with `prefix` (all when absent), sorted by key. */
  list<T extends StoreValue = StoreValue>(prefix?: string): Promise<[string, T][]>;
}

/** A store in a Map. Values are cloned in and out, as a persistent store would give copies. */
export class MemoryStore implements KeyValueStore {
  private readonly data = new Map<string, StoreValue>();

  get<T extends StoreValue = StoreValue>(key: string): Promise<T | undefined> {
    const v = this.data.get(key);
    return Promise.resolve(v === undefined ? undefined : (structuredClone(v) as T));
  }

  put(key: string, value: StoreValue): Promise<void> {
    this.data.set(key, structuredClone(value));
    return Promise.resolve();
  }

  del(key: string): Promise<boolean> {
    return Promise.resolve(this.data.delete(key));
  }

  list<T extends StoreValue = StoreValue>(prefix = ''): Promise<[string, T][]> {
    const out: [string, T][] = [];
    for (const [k, v] of this.data) if (k.startsWith(prefix)) out.push([k, structuredClone(v) as T]);
    out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return Promise.resolve(out);
  }
}

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
}
