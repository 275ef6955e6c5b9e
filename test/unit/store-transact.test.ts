/** Store transactions (LevelDB and memory): concurrent read-modify-writes lose nothing, a failed body writes nothing, prefixed views map keys. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore, namespaceView, openStore, type Store, type StoreValue } from '../../src/store/index.js';
import { PrefixedStore } from '../../src/apps/store.js';

const open: Store[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close().catch(() => undefined);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function make(kind: 'level' | 'memory'): Promise<Store> {
  if (kind === 'memory') return new MemoryStore();
  const dir = mkdtempSync(join(tmpdir(), 'sbx-txn-'));
  dirs.push(dir);
  const s = await openStore(dir);
  open.push(s);
  return s;
}

/** Takes the next id from `next` and stores an entry under it, in one transaction. */
function addEntry(s: Store, value: StoreValue): Promise<number> {
  return s.transact('acl', ['next'], (v) => {
    const id = (v.get('next') as number | undefined) ?? 1;
    return { ops: [{ type: 'put', key: 'next', value: id + 1 }, { type: 'put', key: `e/${id}`, value }], result: id };
  });
}

for (const kind of ['level', 'memory'] as const) {
  describe(`${kind} store transactions`, () => {
    it('200 concurrent counter transactions give 200 distinct ids and store every entry', async () => {
      const s = await make(kind);
      const ids = await Promise.all(Array.from({ length: 200 }, (_, i) => addEntry(s, { i })));
      expect(new Set(ids).size).toBe(200);
      expect([...ids].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      expect(await s.get('acl', 'next')).toBe(201);
      expect((await s.list('acl')).filter((e) => e.key.startsWith('e/'))).toHaveLength(200);
    });

    it('plain puts and transactions of one namespace do not lose each other', async () => {
      const s = await make(kind);
      await s.put('acl', 'n', 0);
      const incs = Array.from({ length: 50 }, () => s.transact('acl', ['n'], (v) => ({ ops: [{ type: 'put', key: 'n', value: (v.get('n') as number) + 1 }], result: undefined })));
      const puts = Array.from({ length: 50 }, (_, i) => s.put('acl', `p/${i}`, i));
      await Promise.all([...incs, ...puts]);
      expect(await s.get('acl', 'n')).toBe(50);
      expect((await s.list('acl')).filter((e) => e.key.startsWith('p/'))).toHaveLength(50);
    });

    it('a body that throws writes nothing and rejects with its error; a bad outcome is refused', async () => {
      const s = await make(kind);
      await expect(
        s.transact('acl', ['a'], () => {
          throw new Error('no');
        }),
      ).rejects.toThrow('no');
      await expect(s.transact('acl', [], () => ({ ops: [{ type: 'put', key: 'x', value: 1 }, { type: 'put', key: 'x', value: 2 }], result: 0 }))).rejects.toThrow(/twice/);
      expect(await s.list('acl')).toEqual([]);
    });

    it('gives the body absent keys as undefined and applies deletes with puts atomically', async () => {
      const s = await make(kind);
      await s.put('acl', 'old', [1, 2]);
      const seen = await s.transact('acl', ['old', 'none'], (v) => ({
        ops: [{ type: 'del', key: 'old' }, { type: 'put', key: 'new/1', value: 1 }, { type: 'put', key: 'new/2', value: 2 }],
        result: [v.get('old'), v.has('none'), v.get('none')],
      }));
      expect(seen).toEqual([[1, 2], true, undefined]);
      expect(await s.list('acl')).toEqual([{ key: 'new/1', value: 1 }, { key: 'new/2', value: 2 }]);
    });

    it('an app-prefixed view reads and writes its own keys and the change feed names them', async () => {
      const s = await make(kind);
      const kv = new PrefixedStore(namespaceView(s, 'apps'), 'apps/acl/');
      const seen: (string | undefined)[] = [];
      kv.watch('', (k) => seen.push(k));
      await kv.put('n', 41);
      const r = await kv.transact(['n'], (v) => ({ ops: [{ type: 'put', key: 'n', value: (v.get('n') as number) + 1 }], result: v.get('n') }));
      expect(r).toBe(41);
      expect(await s.get('apps', 'apps/acl/n')).toBe(42);
      await new Promise((resolve) => queueMicrotask(() => resolve(undefined)));
      expect(seen).toEqual(['n', 'n']);
    });
  });
}

describe('LevelDB durability', () => {
  it('keeps every transaction written before a reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbx-txn-'));
    dirs.push(dir);
    const a = await openStore(dir);
    await Promise.all(Array.from({ length: 20 }, (_, i) => addEntry(a, i)));
    await a.close();
    const b = await openStore(dir);
    open.push(b);
    expect(await b.get('acl', 'next')).toBe(21);
    expect((await b.list('acl')).length).toBe(21);
  });
});
