/** The etcd backend of the Store interface: shared desired state for every instance of a cluster. */
import { randomBytes } from 'node:crypto';
import { Etcd3, type IKeyValue, type PutBuilder, type Watcher } from 'etcd3';
import { checkKey, checkOutcome, decodeValue, encodeValue, NamespaceLocks, StoreError, TXN_MAX_ATTEMPTS, type Store, type StoreEntry, type StoreOp, type StoreValue, type StoreWatcher, type TxnBody } from '../store/store.js';
import { delay, systemClock, type Clock, type Timer } from '../core/clock.js';

/** gRPC call options (a deadline), as etcd3's builders take them. */
export type CallOptions = NonNullable<Parameters<PutBuilder['options']>[0]>;

/** Options of {@link EtcdStore}. */
export interface EtcdStoreOptions {
  /** Key prefix of the cluster (`signalbox/`); entries live under `<prefix>store/<namespace>/<key>`. */
  readonly prefix: string;
  /** Limit of one etcd request. */
  readonly requestTimeoutMs?: number;
  /** Time for the watch retry; default the system clock. */
  readonly clock?: Clock;
  /** Close the client with the store (true when the store built it). */
  readonly ownsClient?: boolean;
  /** A watch that could not be opened or broke is opened again after this long (ms). */
  readonly watchRetryMs?: number;
}

/**
 * A Store in etcd. Namespaces are URI-encoded in the key, so a `/` in a namespace cannot run
 * into another one; keys are kept as given. Each batch is one etcd transaction (atomic; etcd
 * limits a transaction to `--max-txn-ops` operations, 128 by default). Failures reaching etcd
 * reject with a StoreError (`io`) naming the endpoints. `watch` is an etcd watch on the key
 * prefix, so every instance hears every instance's writes.
 */
export class EtcdStore implements Store {
  readonly location: string;
  private readonly base: string;
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  /** Cancel functions of the open watches, so close() ends them. */
  private readonly watches = new Set<() => void>();
  /** This instance's transactions on a namespace take turns: only other instances can conflict with them. */
  private readonly txnLocks = new NamespaceLocks();
  private closed = false;

  constructor(
    private readonly client: Etcd3,
    endpoints: readonly string[],
    private readonly opts: EtcdStoreOptions,
  ) {
    this.location = `etcd:${endpoints.join(',')}/${opts.prefix}store`;
    this.base = `${opts.prefix}store/`;
    this.timeoutMs = opts.requestTimeoutMs ?? 2_000;
    this.clock = opts.clock ?? systemClock;
  }

  /** A store with its own client. */
  static connect(endpoints: readonly string[], prefix: string, requestTimeoutMs = 2_000, clock: Clock = systemClock): EtcdStore {
    const client = new Etcd3({ hosts: [...endpoints], dialTimeout: requestTimeoutMs });
    return new EtcdStore(client, endpoints, { prefix, requestTimeoutMs, ownsClient: true, clock });
  }

  private nsPrefix(ns: string): string {
    if (this.closed) throw new StoreError('store is closed', this.location, 'io');
    checkKey('namespace', ns);
    return `${this.base}${encodeURIComponent(ns)}/`;
  }

  private call(): CallOptions {
    return grpcDeadline(this.timeoutMs);
  }

  private async io<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof StoreError) throw e;
      throw new StoreError(`${this.location}: ${what} failed: ${(e as Error).message}`, this.location, 'io', { cause: e });
    }
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
    const k = this.nsPrefix(ns) + key;
    const s = await this.io(`get ${ns}/${key}`, () => this.client.get(k).options(this.call()).string());
    return s === null ? undefined : (this.decode(ns, key, s) as T);
  }

  async put(ns: string, key: string, value: StoreValue): Promise<void> {
    checkKey('key', key);
    const k = this.nsPrefix(ns) + key;
    const s = encodeValue(value);
    await this.io(`put ${ns}/${key}`, () => this.client.put(k).value(s).options(this.call()).exec());
  }

  async del(ns: string, key: string): Promise<boolean> {
    checkKey('key', key);
    const k = this.nsPrefix(ns) + key;
    const r = await this.io(`delete ${ns}/${key}`, () => this.client.delete().key(k).options(this.call()).exec());
    return Number(r.deleted) > 0;
  }

  async list<T extends StoreValue = StoreValue>(ns: string): Promise<StoreEntry<T>[]> {
    const p = this.nsPrefix(ns);
    const r = await this.io(`list ${ns}`, () => this.client.getAll().prefix(p).options(this.call()).exec());
    const out = r.kvs.map((kv) => {
      const key = kv.key.toString('utf8').slice(p.length);
      return { key, value: this.decode(ns, key, kv.value.toString('utf8')) as T };
    });
    // The same order as the other backends (UTF-16 code units), not etcd's byte order.
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async batch(ns: string, ops: readonly StoreOp[]): Promise<void> {
    const p = this.nsPrefix(ns);
    const encoded = ops.map((op) => {
      checkKey('key', op.key);
      return op.type === 'put' ? { key: p + op.key, value: encodeValue(op.value) } : { key: p + op.key, value: undefined };
    });
    if (encoded.length === 0) return;
    await this.io(`batch of ${encoded.length} in ${ns}`, async () => {
      const txn = this.client.if(p, 'Version', '>', -1).options(this.call());
      txn.then(...encoded.map((e) => (e.value !== undefined ? this.client.put(e.key).value(e.value) : this.client.delete().key(e.key))));
      const r = await txn.commit();
      if (!r.succeeded) throw new Error('transaction not applied');
    });
  }

  /**
   * Reads the keys with their mod revisions, runs `body`, and commits its writes in a transaction
   * that compares every key's mod revision with what was read (0 for a key that was absent): when
   * another writer (this instance or another) changed one meanwhile, nothing is written and it
   * starts over after a short random pause, so contenders spread out. Rejects with a StoreError
   * (`conflict`) after TXN_MAX_ATTEMPTS attempts, (`io`) when etcd cannot be reached. This
   * instance's own transactions on `ns` run one at a time, so they never retry against each other.
   */
  transact<R>(ns: string, keys: readonly string[], body: TxnBody<R>): Promise<R> {
    for (const k of keys) checkKey('key', k);
    const p = this.nsPrefix(ns);
    return this.txnLocks.run(ns, () => this.transactOnce(ns, p, keys, body));
  }

  private async transactOnce<R>(ns: string, p: string, keys: readonly string[], body: TxnBody<R>): Promise<R> {
    for (let attempt = 1; attempt <= TXN_MAX_ATTEMPTS; attempt++) {
      const read = await this.io(`read ${keys.length} keys of ${ns}`, () => Promise.all(keys.map((k) => this.client.get(p + k).options(this.call()).exec())));
      const values = new Map<string, StoreValue | undefined>();
      const revs: string[] = [];
      keys.forEach((k, i) => {
        const kv = read[i]!.kvs[0];
        values.set(k, kv ? this.decode(ns, k, kv.value.toString('utf8')) : undefined);
        revs.push(kv ? kv.mod_revision : '0');
      });
      const out = checkOutcome(body(values));
      const ops = out.ops.map((op) => (op.type === 'put' ? this.client.put(p + op.key).value(encodeValue(op.value)) : this.client.delete().key(p + op.key)));
      const committed = await this.io(`transaction on ${ns}`, async () => {
        let txn = keys.length === 0 ? this.client.if(p, 'Version', '>', -1) : this.client.if(p + keys[0]!, 'Mod', '==', revs[0]!);
        for (let i = 1; i < keys.length; i++) txn = txn.and(p + keys[i]!, 'Mod', '==', revs[i]!);
        const r = await txn.then(...ops).options(this.call()).commit();
        return r.succeeded;
      });
      if (committed) return out.result;
      // Lost to another writer: back off a little (more after each loss) so one of them wins.
      await delay(this.clock, Math.random() * Math.min(50, 2 * attempt));
    }
    throw new StoreError(`${this.location}: a transaction on ${ns} (${keys.join(', ')}) lost to other writers ${TXN_MAX_ATTEMPTS} times; try again`, this.location, 'conflict');
  }

  /**
   * An etcd watch on `<prefix>store/<ns>/<prefix>`: each put or delete event calls `onChange`
   * with its key. Once the watch is established, and again whenever etcd3 reconnects it,
   * `onChange(undefined)` says "reload": a write made before the watch existed is read then. A
   * watch etcd cancels (compaction, permissions) is opened again after `watchRetryMs`.
   */
  watch(ns: string, prefix: string, onChange: StoreWatcher): () => void {
    const p = this.nsPrefix(ns);
    const retryMs = this.opts.watchRetryMs ?? 1_000;
    let cancelled = false;
    let watcher: Watcher | undefined;
    let retry: Timer | undefined;
    const fire = (key: string | undefined): void => {
      if (cancelled) return;
      try {
        onChange(key);
      } catch {
        // the listener's own failure; the feed goes on
      }
    };
    const keyOf = (kv: IKeyValue): string => kv.key.toString('utf8').slice(p.length);
    const again = (): void => {
      if (cancelled || retry) return;
      retry = this.clock.after(retryMs, () => {
        retry = undefined;
        open();
      });
      retry.unref();
    };
    const open = (): void => {
      if (cancelled || this.closed) return;
      let created: Promise<Watcher>;
      try {
        created = this.client.watch().prefix(p + prefix).create();
      } catch {
        again();
        return;
      }
      created.then(
        (w) => {
          if (cancelled) {
            void w.cancel().catch(() => undefined);
            return;
          }
          watcher = w;
          w.on('put', (kv) => fire(keyOf(kv)));
          w.on('delete', (kv) => fire(keyOf(kv)));
          w.on('connected', () => fire(undefined));
          w.on('error', () => {
            if (watcher === w) watcher = undefined;
            void w.cancel().catch(() => undefined);
            again();
          });
          fire(undefined);
        },
        () => again(),
      );
    };
    const cancel = (): void => {
      if (cancelled) return;
      cancelled = true;
      this.watches.delete(cancel);
      retry?.cancel();
      const w = watcher;
      watcher = undefined;
      void w?.cancel().catch(() => undefined);
    };
    this.watches.add(cancel);
    open();
    return cancel;
  }

  /**
   * Stores `value` unless the key exists, in one transaction, and returns what is stored then:
   * the value given, or the one another instance stored first. Every instance gets the same.
   */
  async createIfAbsent<T extends StoreValue>(ns: string, key: string, value: T): Promise<StoreValue> {
    checkKey('key', key);
    const k = this.nsPrefix(ns) + key;
    const s = encodeValue(value);
    const r = await this.io(`create ${ns}/${key}`, () =>
      this.client.if(k, 'Create', '==', 0).then(this.client.put(k).value(s)).else(this.client.get(k)).options(this.call()).commit(),
    );
    if (r.succeeded) return this.decode(ns, key, s);
    const kv = r.responses[0]?.response_range?.kvs[0];
    if (!kv) throw new StoreError(`${this.location}: ${ns}/${key} vanished while being created`, this.location, 'io');
    return this.decode(ns, key, kv.value.toString('utf8'));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const cancel of [...this.watches]) cancel();
    if (this.opts.ownsClient) this.client.close();
  }
}

/** Name of the LLDP signing secret in the `secrets` namespace. */
export const LLDP_SECRET_NAME = 'lldp';

/**
 * The cluster-wide LLDP secret: created once (create-if-absent in a transaction) so every
 * instance signs and verifies probes with the same key. Throws a StoreError on a stored value
 * that is not `len` bytes (never replaced silently).
 */
export async function loadOrCreateClusterSecret(store: EtcdStore, len = 32, fresh: Buffer = randomBytes(len)): Promise<Buffer> {
  const v = await store.createIfAbsent('secrets', LLDP_SECRET_NAME, fresh);
  if (!Buffer.isBuffer(v) || v.length !== len) {
    throw new StoreError(`${store.location}: secret ${LLDP_SECRET_NAME} should be ${len} bytes; delete it to generate a new one`, store.location, 'decode');
  }
  return v;
}

/**
 * gRPC call options with a deadline `ms` from now. gRPC compares deadlines with the real time, so
 * this reads the system clock whatever clock its caller runs on.
 */
export function grpcDeadline(ms: number): CallOptions {
  return { deadline: systemClock.now() + ms };
}
