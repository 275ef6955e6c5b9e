/** EtcdStore transactions on a real etcd: two clients (two instances) taking ids from one counter at once never share one or lose an entry; a body that throws writes nothing. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdStore } from '../../src/cluster/etcd-store.js';
import type { Store } from '../../src/store/index.js';
import { startEtcd, type EtcdServer } from '../harness/etcd.js';

let etcd: EtcdServer;
beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await etcd?.stop();
});

/** Takes the next id from `next` and stores an entry under it, in one transaction. */
function addEntry(s: Store, value: string): Promise<number> {
  return s.transact('acl', ['next'], (v) => {
    const id = (v.get('next') as number | undefined) ?? 1;
    return { ops: [{ type: 'put', key: 'next', value: id + 1 }, { type: 'put', key: `e/${id}`, value }], result: id };
  });
}

describe('EtcdStore.transact', () => {
  it('2 clients × 8 writers × 25 adds on one counter: 400 distinct ids, every entry stored', async () => {
    const prefix = `txn-${process.pid}-${Date.now()}/`;
    const a = EtcdStore.connect([etcd.endpoint], prefix);
    const b = EtcdStore.connect([etcd.endpoint], prefix);
    try {
      const writer = async (s: Store, w: number): Promise<number[]> => {
        const out: number[] = [];
        for (let i = 0; i < 25; i++) out.push(await addEntry(s, `${w}-${i}`));
        return out;
      };
      const ids = (await Promise.all([...Array.from({ length: 8 }, (_, w) => writer(a, w)), ...Array.from({ length: 8 }, (_, w) => writer(b, 8 + w))])).flat();
      expect(new Set(ids).size).toBe(400);
      expect(await a.get('acl', 'next')).toBe(401);
      const entries = (await b.list('acl')).filter((e) => e.key.startsWith('e/'));
      expect(entries).toHaveLength(400);
      expect(new Set(entries.map((e) => e.value)).size).toBe(400);
    } finally {
      await a.close();
      await b.close();
    }
  }, 60_000);

  it('a body that throws writes nothing; deletes and puts commit together', async () => {
    const prefix = `txn2-${process.pid}-${Date.now()}/`;
    const a = EtcdStore.connect([etcd.endpoint], prefix);
    try {
      await a.put('acl', 'old', [1]);
      await expect(
        a.transact('acl', ['old'], () => {
          throw new Error('refused');
        }),
      ).rejects.toThrow('refused');
      expect(await a.get('acl', 'old')).toEqual([1]);
      const r = await a.transact('acl', ['old', 'none'], (v) => ({ ops: [{ type: 'del', key: 'old' }, { type: 'put', key: 'new', value: 2 }], result: [v.get('old'), v.get('none') === undefined] }));
      expect(r).toEqual([[1], true]);
      expect(await a.list('acl')).toEqual([{ key: 'new', value: 2 }]);
    } finally {
      await a.close();
    }
  });
});
