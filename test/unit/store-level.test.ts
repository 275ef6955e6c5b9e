/** The Store: LevelDB and in-memory backends, the value encoding, locked/corrupt stores, persistence across restarts. */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeValue, encodeValue, LEVEL_SUBDIR, loadOrCreateStoredSecret, MemoryStore, NAMESPACES, openStore, StoreError, type Store, type StoreValue } from '../../src/store/index.js';
import type { ApiResource, ResourceApi } from '../../src/api/context.js';
import { makeRig } from './api-harness.js';

const open: Store[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close().catch(() => undefined);
});
async function store(dir: string): Promise<Store> {
  const s = await openStore(dir);
  open.push(s);
  return s;
}
const tmp = (): string => mkdtempSync(join(tmpdir(), 'sbx-store-'));

describe('value encoding', () => {
  it('round-trips bigints, buffers and objects that look like tags', () => {
    const v: StoreValue = { cookie: 0xffff_ffff_ffff_ffffn, secret: Buffer.from('0a0b', 'hex'), list: [1, 'a', null, true, 5n], tricky: { $bigint: 'not a tag' }, nested: { $obj: 1 } };
    const text = encodeValue(v);
    expect(text).toContain('{"$bigint":"18446744073709551615"}');
    expect(decodeValue(text)).toEqual(v);
  });
});

for (const kind of ['level', 'memory'] as const) {
  describe(`${kind} store`, () => {
    const make = async () => (kind === 'level' ? store(tmp()) : new MemoryStore());

    it('gets, puts, deletes and lists in key order per namespace', async () => {
      const s = await make();
      await s.put('apps', 'b', { on: true });
      await s.put('apps', 'a', { on: false, cookie: 5n });
      await s.put('routes', 'a', 'other namespace');
      expect(await s.get('apps', 'a')).toEqual({ on: false, cookie: 5n });
      expect(await s.get('apps', 'zz')).toBeUndefined();
      expect(await s.list('apps')).toEqual([
        { key: 'a', value: { on: false, cookie: 5n } },
        { key: 'b', value: { on: true } },
      ]);
      expect(await s.del('apps', 'a')).toBe(true);
      expect(await s.del('apps', 'a')).toBe(false);
      await s.batch('apps', [{ type: 'put', key: 'c', value: 1 }, { type: 'del', key: 'b' }]);
      expect(await s.list('apps')).toEqual([{ key: 'c', value: 1 }]);
      expect(await s.list('routes')).toEqual([{ key: 'a', value: 'other namespace' }]);
      await expect(s.put('apps', '', 1)).rejects.toThrow(/key must be a non-empty string/);
      await expect(s.put('a!b', 'k', 1)).rejects.toThrow(/namespace may not contain/);
    });

    it('keeps a stored secret and refuses one of the wrong length', async () => {
      const s = await make();
      const a = await loadOrCreateStoredSecret(s, 'lldp', 32);
      expect(a).toHaveLength(32);
      expect(await loadOrCreateStoredSecret(s, 'lldp', 32)).toEqual(a);
      await s.put(NAMESPACES.secrets, 'short', Buffer.alloc(3));
      await expect(loadOrCreateStoredSecret(s, 'short', 32)).rejects.toThrow(/should be 32 bytes, found 3 bytes/);
    });
  });
}

describe('LevelDB on disk', () => {
  it('keeps everything across a restart', async () => {
    const dir = tmp();
    const a = await openStore(dir);
    await a.put(NAMESPACES.staticFlows, 'sf-1', { dpid: '0000000000000001', cookie: 0x5b1e000000000001n });
    const secret = await loadOrCreateStoredSecret(a, 'lldp');
    await a.put(NAMESPACES.settings, 'instanceId', 'ctl-a');
    await a.close();
    const b = await store(dir);
    expect(b.location).toBe(join(dir, LEVEL_SUBDIR));
    expect(await b.get(NAMESPACES.staticFlows, 'sf-1')).toEqual({ dpid: '0000000000000001', cookie: 0x5b1e000000000001n });
    expect(await loadOrCreateStoredSecret(b, 'lldp')).toEqual(secret);
    expect(await b.get(NAMESPACES.settings, 'instanceId')).toBe('ctl-a');
  });

  it('refuses a store another process holds, naming the path', async () => {
    const dir = tmp();
    await store(dir);
    const err = await openStore(dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).reason).toBe('locked');
    expect((err as Error).message).toContain(join(dir, LEVEL_SUBDIR));
    expect((err as Error).message).toMatch(/locked by another process/);
  });

  it('refuses a corrupt store with the path and leaves its files as they were', async () => {
    const dir = tmp();
    const s = await openStore(dir);
    await s.put('apps', 'a', 1);
    await s.close();
    const loc = join(dir, LEVEL_SUBDIR);
    writeFileSync(join(loc, 'CURRENT'), 'garbage');
    const before = readdirSync(loc).map((f) => [f, f === 'LOG' || f === 'LOG.old' || f === 'LOCK' ? '' : readFileSync(join(loc, f)).toString('hex')]);
    const err = await openStore(dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).reason).toBe('corrupt');
    expect((err as Error).message).toContain(loc);
    expect((err as Error).message).toMatch(/corrupt.*does not reset it/);
    // Every file that was there is still there, byte for byte (LevelDB may add an info log).
    const after = new Map(readdirSync(loc).map((f) => [f, f === 'LOG' || f === 'LOG.old' || f === 'LOCK' ? '' : readFileSync(join(loc, f)).toString('hex')]));
    for (const [f, content] of before) expect(after.get(f!), f).toBe(content);
  });

  it('refuses a damaged entry instead of returning garbage', async () => {
    const dir = tmp();
    const s = await store(dir);
    // Write a raw value that is not our encoding, through level directly.
    const { Level } = await import('level');
    await s.close();
    open.splice(0);
    const raw = new Level<string, string>(join(dir, LEVEL_SUBDIR));
    await raw.sublevel<string, string>('apps', { valueEncoding: 'utf8' }).put('x', '{not json');
    await raw.close();
    const t = await store(dir);
    await expect(t.get('apps', 'x')).rejects.toThrow(/entry apps\/x is not valid JSON/);
  });
});

/** A static-flows service kept in the store, as the real one will be (the API only sees ResourceApi). */
function storedStaticFlows(s: Store): ResourceApi {
  return {
    list: async () => (await s.list<ApiResource & StoreValue>(NAMESPACES.staticFlows)).map((e) => e.value),
    get: (id) => s.get<ApiResource & StoreValue>(NAMESPACES.staticFlows, id),
    create: async (body) => {
      const id = `sf-${(await s.list(NAMESPACES.staticFlows)).length + 1}`;
      const r = { ...(body as Record<string, StoreValue>), id };
      await s.put(NAMESPACES.staticFlows, id, r);
      return r;
    },
    replace: async (id, body) => {
      const r = { ...(body as Record<string, StoreValue>), id };
      await s.put(NAMESPACES.staticFlows, id, r);
      return r;
    },
    remove: (id) => s.del(NAMESPACES.staticFlows, id),
  };
}

describe('restart persistence through the API', () => {
  it('a static flow created over REST is there after the controller restarts on the same data directory', async () => {
    const dir = tmp();
    const s1 = await openStore(dir);
    const rig1 = await makeRig({ context: { staticFlows: storedStaticFlows(s1), store: s1 } });
    const created = await rig1.app.inject({ method: 'POST', url: '/api/v1/static-flows', payload: { dpid: '0000000000000001', priority: 10, cookie: '0x5b1e000000000001' } });
    expect(created.statusCode).toBe(201);
    await rig1.close();
    await s1.close();

    const s2 = await store(dir);
    const rig2 = await makeRig({ context: { staticFlows: storedStaticFlows(s2), store: s2 } });
    const list = await rig2.app.inject({ url: '/api/v1/static-flows' });
    expect(list.json()).toEqual([{ dpid: '0000000000000001', priority: 10, cookie: '0x5b1e000000000001', id: 'sf-1' }]);
    await rig2.close();
  });
});

describe('namespace view', () => {
  it('is a flat key/value store over one namespace, the shape the app framework uses', async () => {
    const { namespaceView } = await import('../../src/store/index.js');
    const s = new MemoryStore();
    const v = namespaceView(s, NAMESPACES.apps);
    await v.put('l2/macs', { n: 1n });
    await v.put('l2/ports', 2);
    await v.put('acl/rules', []);
    expect(await v.get('l2/macs')).toEqual({ n: 1n });
    expect(await v.list('l2/')).toEqual([
      ['l2/macs', { n: 1n }],
      ['l2/ports', 2],
    ]);
    expect(await v.del('l2/ports')).toBe(true);
    expect(await s.list(NAMESPACES.apps)).toHaveLength(2);
    const kv: import('../../src/apps/store.js').KeyValueStore = v; // fits the app framework's interface
    expect(kv).toBe(v);
  });
});
