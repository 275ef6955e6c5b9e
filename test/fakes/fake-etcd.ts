/**
 * An in-memory etcd for unit tests of the ClusterService on a ManualClock: keys with create and
 * mod revisions, leases that expire by the clock (their keys deleted in one revision), compare
 * transactions (Create, Mod, Lease), prefix reads and watches that replay from a start revision.
 * It offers only the slice of the etcd3 client's builder API the service uses (`client()`).
 */
import { EventEmitter } from 'node:events';
import { EtcdLeaseInvalidError, type Etcd3, type IKeyValue } from 'etcd3';
import type { Clock } from '../../src/core/clock.js';

interface Entry {
  value: string;
  create: number;
  mod: number;
  version: number;
  lease: string;
}

interface WatchEvent {
  readonly rev: number;
  readonly type: 'Put' | 'Delete';
  readonly kv: IKeyValue;
}

/** A put or delete, as the client's builders describe it. */
interface Op {
  kind: 'put' | 'delete';
  key: string;
  value: string;
  lease: string;
}

/** A compare of a transaction. */
interface Cmp {
  readonly key: string;
  readonly target: 'Create' | 'Mod' | 'Lease';
  readonly value: string;
}

/** The etcd server: shared by every client made from it. */
export class FakeEtcd {
  revision = 1;
  private readonly kv = new Map<string, Entry>();
  private readonly leases = new Map<string, { ttlMs: number; expiresAt: number }>();
  private readonly log: WatchEvent[] = [];
  private readonly watchers = new Set<{ prefix: string; from: number; emit: (events: WatchEvent[]) => void }>();
  private nextLease = 7001;
  /** While true every request hangs until it is false again (etcd unreachable). */
  private unreachable: (() => void)[] | undefined;

  constructor(private readonly clock: Clock) {}

  /** Lease ids alive now. */
  liveLeases(): string[] {
    this.expire();
    return [...this.leases.keys()];
  }

  /** The value of a key, if any. */
  get(key: string): string | undefined {
    this.expire();
    return this.kv.get(key)?.value;
  }

  /** Keys under a prefix with their values. */
  list(prefix: string): Map<string, string> {
    this.expire();
    return new Map([...this.kv].filter(([k]) => k.startsWith(prefix)).map(([k, e]) => [k, e.value]));
  }

  /** Expires every lease whose time is up, as the server does on its own clock. */
  expire(): void {
    const now = this.clock.now();
    for (const [id, l] of this.leases) if (l.expiresAt <= now) this.revoke(id);
  }

  /** Requests hang from now on, until `reachable()`. */
  cutOff(): void {
    this.unreachable ??= [];
  }

  reachable(): void {
    const waiting = this.unreachable ?? [];
    this.unreachable = undefined;
    for (const w of waiting) w();
  }

  /** A client of this server (an Etcd3 as far as the service is concerned). */
  client(): Etcd3 {
    return new FakeClient(this) as unknown as Etcd3;
  }

  // ---- what the client calls ----

  /** Resolves when the server answers (at once unless cut off), after expiring leases. */
  async reach(): Promise<void> {
    if (this.unreachable) await new Promise<void>((r) => this.unreachable!.push(r));
    await Promise.resolve();
    this.expire();
  }

  grant(ttlMs: number): string {
    const id = String(this.nextLease++);
    this.leases.set(id, { ttlMs, expiresAt: this.clock.now() + ttlMs });
    return id;
  }

  keepalive(id: string): void {
    const l = this.leases.get(id);
    if (!l) throw new EtcdLeaseInvalidError(id);
    l.expiresAt = this.clock.now() + l.ttlMs;
  }

  revoke(id: string): void {
    if (!this.leases.delete(id)) return;
    const ops: Op[] = [...this.kv].filter(([, e]) => e.lease === id).map(([key]) => ({ kind: 'delete', key, value: '', lease: '' }));
    if (ops.length > 0) this.apply(ops);
  }

  txn(cmps: readonly Cmp[], ops: readonly Op[]): { succeeded: boolean; header: { revision: string } } {
    const ok = cmps.every((c) => {
      const e = this.kv.get(c.key);
      const actual = c.target === 'Create' ? String(e?.create ?? 0) : c.target === 'Mod' ? String(e?.mod ?? 0) : (e?.lease ?? '0');
      return actual === String(c.value);
    });
    if (ok && ops.length > 0) {
      for (const o of ops) if (o.kind === 'put' && o.lease && o.lease !== '0' && !this.leases.has(o.lease)) throw new Error(`etcdserver: requested lease not found (${o.lease})`);
      this.apply(ops);
    }
    return { succeeded: ok, header: { revision: String(this.revision) } };
  }

  range(prefix: string): { kvs: IKeyValue[]; header: { revision: string } } {
    const kvs = [...this.kv].filter(([k]) => k.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, e]) => toKv(k, e));
    return { kvs, header: { revision: String(this.revision) } };
  }

  watch(prefix: string, from: number, emit: (events: WatchEvent[]) => void): () => void {
    const w = { prefix, from, emit };
    const replay = this.log.filter((e) => e.rev >= from && keyOf(e).startsWith(prefix));
    if (replay.length > 0) queueMicrotask(() => emit(replay));
    this.watchers.add(w);
    return () => this.watchers.delete(w);
  }

  /** One revision: every op of a transaction, then the watchers hear of it. */
  private apply(ops: readonly Op[]): void {
    const rev = ++this.revision;
    const events: WatchEvent[] = [];
    for (const o of ops) {
      if (o.kind === 'put') {
        const prev = this.kv.get(o.key);
        const e: Entry = { value: o.value, create: prev?.create ?? rev, mod: rev, version: (prev?.version ?? 0) + 1, lease: o.lease || '0' };
        this.kv.set(o.key, e);
        events.push({ rev, type: 'Put', kv: toKv(o.key, e) });
      } else {
        const prev = this.kv.get(o.key);
        if (!prev) continue;
        this.kv.delete(o.key);
        events.push({ rev, type: 'Delete', kv: toKv(o.key, { ...prev, mod: rev }) });
      }
    }
    this.log.push(...events);
    for (const w of this.watchers) {
      const mine = events.filter((e) => keyOf(e).startsWith(w.prefix));
      if (mine.length > 0) queueMicrotask(() => w.emit(mine));
    }
  }
}

function keyOf(e: WatchEvent): string {
  return e.kv.key.toString('utf8');
}

function toKv(key: string, e: Entry): IKeyValue {
  return {
    key: Buffer.from(key),
    value: Buffer.from(e.value),
    create_revision: String(e.create),
    mod_revision: String(e.mod),
    version: String(e.version),
    lease: e.lease,
  };
}

/** A put or delete builder, usable alone (`exec`) or inside a transaction's `then`. */
class OpBuilder {
  readonly op: Op;
  constructor(
    private readonly etcd: FakeEtcd,
    kind: Op['kind'],
    key = '',
  ) {
    this.op = { kind, key, value: '', lease: '' };
  }
  key(k: string): this {
    this.op.key = k;
    return this;
  }
  value(v: string): this {
    this.op.value = v;
    return this;
  }
  lease(id: string): this {
    this.op.lease = id;
    return this;
  }
  options(): this {
    return this;
  }
  async exec(): Promise<unknown> {
    await this.etcd.reach();
    return this.etcd.txn([], [this.op]);
  }
}

class FakeLease extends EventEmitter {
  private id: string | undefined;
  constructor(
    private readonly etcd: FakeEtcd,
    private readonly ttlMs: number,
  ) {
    super();
  }
  async grant(): Promise<string> {
    await this.etcd.reach();
    this.id = this.etcd.grant(this.ttlMs);
    return this.id;
  }
  async keepaliveOnce(): Promise<void> {
    await this.etcd.reach();
    this.etcd.keepalive(this.id!);
  }
  async revoke(): Promise<void> {
    await this.etcd.reach();
    if (this.id) this.etcd.revoke(this.id);
  }
  release(): void {
    // A crash: the lease lives on in etcd until it expires.
  }
}

class FakeWatcher extends EventEmitter {
  stop: (() => void) | undefined;
  cancel(): Promise<void> {
    this.stop?.();
    return Promise.resolve();
  }
}

/** The slice of the Etcd3 client the ClusterService uses. */
class FakeClient {
  constructor(private readonly etcd: FakeEtcd) {}

  lease(ttlSec: number): FakeLease {
    return new FakeLease(this.etcd, ttlSec * 1000);
  }

  put(key: string): OpBuilder {
    return new OpBuilder(this.etcd, 'put', key);
  }

  delete(): OpBuilder {
    return new OpBuilder(this.etcd, 'delete');
  }

  getAll(): { prefix(p: string): { options(): { exec(): Promise<unknown> } } } {
    const etcd = this.etcd;
    return {
      prefix: (p: string) => ({
        options: () => ({
          exec: async () => {
            await etcd.reach();
            return etcd.range(p);
          },
        }),
      }),
    };
  }

  if(key: string, target: Cmp['target'], _op: '==', value: string | number): { then(...ops: OpBuilder[]): { options(): { commit(): Promise<unknown> } } } {
    const etcd = this.etcd;
    return {
      then: (...ops: OpBuilder[]) => ({
        options: () => ({
          commit: async () => {
            await etcd.reach();
            return etcd.txn([{ key, target, value: String(value) }], ops.map((o) => o.op));
          },
        }),
      }),
    };
  }

  watch(): { prefix(p: string): { startRevision(r: string): { create(): Promise<FakeWatcher> } } } {
    const etcd = this.etcd;
    return {
      prefix: (p: string) => ({
        startRevision: (r: string) => ({
          create: async () => {
            await etcd.reach();
            const w = new FakeWatcher();
            w.stop = etcd.watch(p, Number(r), (events) => w.emit('data', { events }));
            return w;
          },
        }),
      }),
    };
  }

  close(): void {
    // nothing to close
  }
}
