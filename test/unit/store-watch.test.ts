/** The store's change feed on the single-process backends (memory, LevelDB) and through namespaceView: what the apps follow in a cluster. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore, namespaceView, openStore, type Store } from '../../src/store/index.js';
import { memoryAppStore, PrefixedStore, StoreFollower, type KeyValueStore } from '../../src/apps/store.js';
import { ManualClock } from '../fakes/manual-clock.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Lets queued microtasks (the notifications) run. */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

for (const kind of ['memory', 'level'] as const) {
  describe(`${kind} store watch`, () => {
    const make = async (): Promise<Store> => {
      if (kind === 'memory') return new MemoryStore();
      const dir = mkdtempSync(join(tmpdir(), 'sbx-store-watch-'));
      const s = await openStore(dir);
      cleanups.push(async () => {
        await s.close().catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      });
      return s;
    };

    it('tells put, delete and batch keys under the prefix, in that namespace only, after the write', async () => {
      const s = await make();
      const seen: (string | undefined)[] = [];
      let storedWhenCalled: unknown = 'never called';
      s.watch('apps', 'acl/', (k) => {
        seen.push(k);
        if (storedWhenCalled === 'never called') storedWhenCalled = s.get('apps', 'acl/rules');
      });
      const put = s.put('apps', 'acl/rules', [1]);
      expect(seen).toEqual([]); // never inside the writer's call stack
      await put;
      await s.put('apps', 'static-flows/x', 1); // other prefix
      await s.put('routes', 'acl/rules', 1); // other namespace
      expect(await s.del('apps', 'acl/missing')).toBe(false); // nothing changed: silent
      await s.del('apps', 'acl/rules');
      await s.batch('apps', [
        { type: 'put', key: 'acl/a', value: 1 },
        { type: 'put', key: 'other', value: 2 },
        { type: 'del', key: 'acl/b' },
      ]);
      await settle();
      expect(seen).toEqual(['acl/rules', 'acl/rules', 'acl/a', 'acl/b']);
      // The write was durable when the listener ran.
      expect(await (storedWhenCalled as Promise<unknown>)).toEqual([1]);
    });

    it('unsubscribes, and a throwing listener does not stop the others', async () => {
      const s = await make();
      const a: (string | undefined)[] = [];
      const b: (string | undefined)[] = [];
      s.watch('apps', '', () => {
        throw new Error('listener bug');
      });
      const stopA = s.watch('apps', '', (k) => a.push(k));
      s.watch('apps', '', (k) => b.push(k));
      await s.put('apps', 'k1', 1);
      await settle();
      stopA();
      await s.put('apps', 'k2', 2);
      await settle();
      expect(a).toEqual(['k1']);
      expect(b).toEqual(['k1', 'k2']);
    });
  });
}

describe('namespaceView watch', () => {
  it('watches one namespace under a prefix, with the keys as the view names them', async () => {
    const s = new MemoryStore();
    const v = namespaceView(s, 'apps');
    const seen: (string | undefined)[] = [];
    v.watch('config/', (k) => seen.push(k));
    await v.put('config/acl', { tableId: 1 });
    await s.put('apps', 'apps/acl/rules', []);
    await v.del('config/acl');
    await settle();
    expect(seen).toEqual(['config/acl', 'config/acl']);
  });
});

describe('StoreFollower', () => {
  it('debounces a burst of changes into one reload and stops with the app', async () => {
    const store = memoryAppStore();
    const applied: number[] = [];
    const clock = new ManualClock();
    const f = new StoreFollower(store, 'x/', { load: async () => (await store.list('x/')).length, apply: (n) => applied.push(n), debounceMs: 20, clock });
    for (let i = 0; i < 5; i++) await store.put(`x/${i}`, i);
    await clock.advanceAsync(19);
    expect(applied).toEqual([]);
    await clock.advanceAsync(1);
    await f.idle();
    expect(applied).toEqual([5]);
    f.stop();
    await store.put('x/9', 9);
    await clock.advanceAsync(1000);
    expect(applied).toEqual([5]);
    expect(clock.pending).toBe(0);
  });

  it('tries a reload that failed again after retryMs', async () => {
    const store = memoryAppStore();
    const clock = new ManualClock();
    let reachable = false;
    const applied: number[] = [];
    const load = async (): Promise<number> => {
      if (!reachable) throw new Error('store unreachable');
      return (await store.list('r/')).length;
    };
    const f = new StoreFollower(store, 'r/', { load, apply: (n) => applied.push(n), debounceMs: 10, retryMs: 500, clock });
    await store.put('r/1', 1);
    await clock.advanceAsync(10);
    reachable = true;
    await clock.advanceAsync(499);
    expect(applied).toEqual([]);
    await clock.advanceAsync(1);
    await f.idle();
    expect(applied).toEqual([1]);
    f.stop();
  });

  it('never applies a read that overlapped a local write: the reload is redone after it', async () => {
    const inner = memoryAppStore();
    let slow: Promise<void> | undefined;
    // A store whose list waits on `slow`, so a local write can run while a reload reads.
    const store: KeyValueStore = { ...inner, watch: inner.watch.bind(inner), list: async (p) => {
      const r = await inner.list(p);
      if (slow) await slow;
      return r as never;
    } };
    const applied: string[][] = [];
    const clock = new ManualClock();
    const f = new StoreFollower(store, 'k/', { load: async () => (await store.list('k/')).map(([k]) => k), apply: (keys) => applied.push(keys), debounceMs: 1, clock });
    let release!: () => void;
    slow = new Promise((r) => (release = r));
    await inner.put('k/a', 1); // a change: the reload starts and reads [k/a], then waits
    await clock.advanceAsync(20);
    const write = f.write(async () => {
      await inner.put('k/b', 2);
    });
    release();
    slow = undefined;
    await write;
    await clock.advanceAsync(20);
    await f.idle();
    // The stale read ([k/a] without k/b) was dropped; what was applied is the store after the write.
    expect(applied.at(-1)).toEqual(['k/a', 'k/b']);
    expect(applied.some((keys) => keys.length === 1)).toBe(false);
    f.stop();
  });

  it('a prefixed view watches its own prefix and names keys relative to it', async () => {
    const store = memoryAppStore();
    const view = new PrefixedStore(store, 'apps/acl/');
    const seen: (string | undefined)[] = [];
    view.watch('rules', (k) => seen.push(k));
    await view.put('rules', []);
    await store.put('apps/other/rules', []);
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual(['rules']);
  });
});

