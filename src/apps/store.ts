/**
 * The key-value store apps keep state in: one namespace of the controller's store (src/store:
 * LevelDB standalone, etcd in a cluster; see namespaceView), each app under its own prefix.
 */
import { MemoryStore, NAMESPACES, namespaceView, type StoreValue } from '../store/index.js';

export type { StoreValue } from '../store/index.js';

/** Asynchronous key-value store. Keys are strings; `list` returns entries in key order. */
export interface KeyValueStore {
  get<T extends StoreValue = StoreValue>(key: string): Promise<T | undefined>;
  put(key: string, value: StoreValue): Promise<void>;
  /** Resolves true when the key existed. */
  del(key: string): Promise<boolean>;
  /** Entries whose key starts with `prefix` (all when absent), sorted by key. */
  list<T extends StoreValue = StoreValue>(prefix?: string): Promise<[string, T][]>;
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

/** An in-memory apps store (the real store's in-memory backend): the default without a data directory, and for app tests. */
export function memoryAppStore(): KeyValueStore {
  return namespaceView(new MemoryStore(), NAMESPACES.apps);
}
