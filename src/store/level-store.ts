/** The LevelDB backend of the Store interface: one database in the data directory, one sublevel per namespace. */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Level } from 'level';
import type { AbstractBatchOptions, AbstractDelOptions, AbstractPutOptions, AbstractSublevel } from 'abstract-level';
import { checkKey, checkOutcome, decodeValue, encodeValue, LocalWatchers, NamespaceLocks, StoreError, type Store, type StoreEntry, type StoreOp, type StoreValue, type StoreWatcher, type TxnBody } from './store.js';

/** Directory under the data directory that holds the LevelDB files. */
export const LEVEL_SUBDIR = 'store';

type Sub = AbstractSublevel<Level<string, string>, string | Buffer | Uint8Array, string, string>;

/**
 * Every write is synced to disk before it resolves: an acknowledged write survives a crash of the
 * process or the machine. classic-level reads `sync` (binding.cc) but abstract-level's option
 * types do not declare it, hence the cast; a sublevel hands its options to the database as given.
 */
const SYNC = { sync: true } as unknown as AbstractBatchOptions<string, string> & AbstractPutOptions<string, string> & AbstractDelOptions<string>;

/**
 * A LevelDB-backed store. Open it with `LevelStore.open` (or `openStore`); a database that is
 * locked by another process or corrupt is refused with a StoreError naming the path. Nothing is
 * ever repaired or reset here: that is an operator's decision. Writes of one namespace run one
 * at a time (LevelDB serializes them anyway), so a transaction's read and write see no other
 * write in between: one process holds the database, so this is all the isolation it needs.
 */
export class LevelStore implements Store {
  private readonly subs = new Map<string, Sub>();
  /** One process holds the database (LevelDB locks it), so every change is one of ours: local notifications. */
  private readonly watchers = new LocalWatchers();
  private readonly locks = new NamespaceLocks();

  private constructor(
    private readonly db: Level<string, string>,
    readonly location: string,
  ) {}

  /** Opens (creating if needed) the database at `<dataDir>/store`. */
  static async open(dataDir: string): Promise<LevelStore> {
    const location = resolve(dataDir, LEVEL_SUBDIR);
    try {
      await mkdir(location, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new StoreError(`cannot create the data directory ${location}: ${(e as Error).message}`, location, 'io', { cause: e });
    }
    const db = new Level<string, string>(location, { valueEncoding: 'utf8', keyEncoding: 'utf8' });
    try {
      await db.open();
    } catch (e) {
      throw describeOpenError(e, location);
    }
    return new LevelStore(db, location);
  }

  private sub(ns: string): Sub {
    checkKey('namespace', ns);
    let s = this.subs.get(ns);
    if (!s) {
      s = this.db.sublevel<string, string>(ns, { valueEncoding: 'utf8', keyEncoding: 'utf8' });
      this.subs.set(ns, s);
    }
    return s;
  }

  private decode(ns: string, key: string, s: string): StoreValue {
    try {
      return decodeValue(s);
    } catch (e) {
      throw new StoreError(`${this.location}: entry ${ns}/${key} is not valid JSON (${(e as Error).message}); the store is damaged`, this.location, 'decode', { cause: e });
    }
  }

  async get<T extends StoreValue = StoreValue>(ns: string, key: string): Promise<T | undefined> {
    checkKey('key', key);
    const s = await this.sub(ns).get(key);
    return s === undefined ? undefined : (this.decode(ns, key, s) as T);
  }

  async put(ns: string, key: string, value: StoreValue): Promise<void> {
    checkKey('key', key);
    const sub = this.sub(ns);
    const s = encodeValue(value);
    await this.locks.run(ns, () => sub.put(key, s, SYNC));
    this.watchers.notify(ns, [key]);
  }

  async del(ns: string, key: string): Promise<boolean> {
    checkKey('key', key);
    const sub = this.sub(ns);
    const had = await this.locks.run(ns, async () => {
      if ((await sub.get(key)) === undefined) return false;
      await sub.del(key, SYNC);
      return true;
    });
    if (had) this.watchers.notify(ns, [key]);
    return had;
  }

  async transact<R>(ns: string, keys: readonly string[], body: TxnBody<R>): Promise<R> {
    for (const k of keys) checkKey('key', k);
    const sub = this.sub(ns);
    const { result, written } = await this.locks.run(ns, async () => {
      const values = new Map<string, StoreValue | undefined>();
      for (const k of keys) {
        const s = await sub.get(k);
        values.set(k, s === undefined ? undefined : this.decode(ns, k, s));
      }
      const out = checkOutcome(body(values));
      const encoded = out.ops.map((op) => (op.type === 'put' ? { type: 'put' as const, key: op.key, value: encodeValue(op.value) } : { type: 'del' as const, key: op.key }));
      if (encoded.length > 0) await sub.batch(encoded, SYNC);
      return { result: out.result, written: encoded.map((e) => e.key) };
    });
    if (written.length > 0) this.watchers.notify(ns, written);
    return result;
  }

  async list<T extends StoreValue = StoreValue>(ns: string): Promise<StoreEntry<T>[]> {
    const out: StoreEntry<T>[] = [];
    for await (const [key, s] of this.sub(ns).iterator()) out.push({ key, value: this.decode(ns, key, s) as T });
    return out;
  }

  async batch(ns: string, ops: readonly StoreOp[]): Promise<void> {
    const sub = this.sub(ns);
    const encoded = ops.map((op) => {
      checkKey('key', op.key);
      return op.type === 'put' ? { type: 'put' as const, key: op.key, value: encodeValue(op.value) } : { type: 'del' as const, key: op.key };
    });
    await this.locks.run(ns, () => sub.batch(encoded, SYNC));
    this.watchers.notify(ns, encoded.map((e) => e.key));
  }

  watch(ns: string, prefix: string, onChange: StoreWatcher): () => void {
    return this.watchers.add(ns, prefix, onChange);
  }

  async close(): Promise<void> {
    this.watchers.clear();
    await this.db.close();
  }
}

/** Turns level's open error into a StoreError that says what happened, where, and what to do. */
function describeOpenError(e: unknown, location: string): StoreError {
  const err = e as Error & { code?: string; cause?: Error & { code?: string } };
  const code = err.cause?.code ?? err.code;
  const detail = err.cause?.message ?? err.message;
  if (code === 'LEVEL_LOCKED') {
    return new StoreError(
      `the store at ${location} is locked by another process (is another Signalbox running with the same data directory?): ${detail}`,
      location,
      'locked',
      { cause: e },
    );
  }
  if (code === 'LEVEL_CORRUPTION') {
    return new StoreError(
      `the store at ${location} is corrupt and was not opened (${detail}); restore it from a backup or move it aside — Signalbox does not reset it`,
      location,
      'corrupt',
      { cause: e },
    );
  }
  return new StoreError(`cannot open the store at ${location}: ${detail}`, location, 'io', { cause: e });
}
