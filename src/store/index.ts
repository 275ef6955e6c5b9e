/** Persistence: the Store interface, its LevelDB and in-memory backends, and helpers for secrets and settings. */
import { randomBytes } from 'node:crypto';
import { LevelStore } from './level-store.js';
import { MemoryStore, NAMESPACES, StoreError, type Store, type StoreValue, type StoreWatcher, type TxnBody } from './store.js';

export { LevelStore, LEVEL_SUBDIR } from './level-store.js';
export { LocalWatchers, MemoryStore, NAMESPACES, NamespaceLocks, StoreError, TXN_MAX_ATTEMPTS, decodeValue, encodeValue, type Store, type StoreEntry, type StoreOp, type StoreValue, type StoreWatcher, type TxnBody, type TxnOutcome } from './store.js';

/**
 * Opens the store for a data directory (`memory:` gives an in-memory store). Rejects with a
 * StoreError naming the path when the database is locked, corrupt or unreadable; callers should
 * stop start-up on it.
 */
export async function openStore(dataDir: string): Promise<Store> {
  if (dataDir === 'memory:') return new MemoryStore();
  return LevelStore.open(dataDir);
}

/**
 * A secret kept in the store's `secrets` namespace: returns the stored bytes, or creates and
 * stores `len` random bytes on first use. A stored secret of another length is an error, never
 * silently replaced.
 */
export async function loadOrCreateStoredSecret(store: Store, name: string, len = 32): Promise<Buffer> {
  const existing = await store.get(NAMESPACES.secrets, name);
  if (existing !== undefined) {
    if (!Buffer.isBuffer(existing) || existing.length !== len) {
      throw new StoreError(
        `${store.location}: secret ${JSON.stringify(name)} should be ${len} bytes, found ${Buffer.isBuffer(existing) ? `${existing.length} bytes` : typeof existing}; delete it to generate a new one`,
        store.location,
        'decode',
      );
    }
    return existing;
  }
  const secret = randomBytes(len);
  await store.put(NAMESPACES.secrets, name, secret);
  return secret;
}

/**
 * One namespace of a store as a flat key/value store with prefix listing: the shape of the app
 * framework's `KeyValueStore` (src/core/app.ts), so apps can keep their state in the real store.
 */
export function namespaceView(store: Store, ns: string): {
  get<T extends StoreValue = StoreValue>(key: string): Promise<T | undefined>;
  put(key: string, value: StoreValue): Promise<void>;
  del(key: string): Promise<boolean>;
  list<T extends StoreValue = StoreValue>(prefix?: string): Promise<[string, T][]>;
  watch(prefix: string, onChange: StoreWatcher): () => void;
  transact<R>(keys: readonly string[], body: TxnBody<R>): Promise<R>;
} {
  return {
    get: <T extends StoreValue = StoreValue>(key: string) => store.get<T>(ns, key),
    put: (key, value) => store.put(ns, key, value),
    del: (key) => store.del(ns, key),
    list: async <T extends StoreValue = StoreValue>(prefix = '') =>
      (await store.list<T>(ns)).filter((e) => e.key.startsWith(prefix)).map((e): [string, T] => [e.key, e.value]),
    watch: (prefix, onChange) => store.watch(ns, prefix, onChange),
    transact: (keys, body) => store.transact(ns, keys, body),
  };
}
