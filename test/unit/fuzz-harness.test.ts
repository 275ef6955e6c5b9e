/** The fuzz harness's pure parts: the seeded source, the OpenFlow mutations, the request generator and the answer contract. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mutate, MUTATIONS, randomSplits, synthetic, withDpid } from '../../fuzz/corpus.js';
import { answerViolation, operations, request, valid, type FuzzRequest } from '../../fuzz/rest-fuzzer.js';
import { Rng } from '../../fuzz/rng.js';
import { rssGrowth, rssOf, storeDumpOf } from '../../fuzz/harness.js';
import { LevelStore } from '../../src/store/index.js';
import { decodeMessage } from '../../src/openflow/codec/index.js';
import { featuresReply } from '../../src/loadgen/features.js';
import { encodeMessage } from '../../src/openflow/codec/index.js';
import { fakeApps, fakeResources, fakeTopology, makeRig } from './api-harness.js';

const REQ: FuzzRequest = { method: 'POST', url: '/api/v1/x', headers: {}, op: 'POST /api/v1/x' };

describe('fuzz harness parts', () => {
  it('the same seed gives the same draws', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    expect(Array.from({ length: 20 }, () => a.int(1000))).toEqual(Array.from({ length: 20 }, () => b.int(1000)));
    expect(new Rng(43).int(1_000_000)).not.toBe(new Rng(42).int(1_000_000));
  });

  it('builds realistic messages the codec decodes, mutates copies only, and splits without losing bytes', () => {
    const rng = new Rng(7);
    for (let i = 0; i < 200; i++) {
      const m = synthetic(rng, 0xabn, i);
      expect(() => decodeMessage(m)).not.toThrow();
      const copy = Buffer.from(m);
      const { bytes, mutation } = mutate(rng, m);
      expect(MUTATIONS).toContain(mutation);
      expect(m).toEqual(copy);
      expect(Buffer.concat(randomSplits(rng, bytes))).toEqual(bytes);
    }
    const fr = encodeMessage(featuresReply(4, 9, 0x1n, []));
    expect(decodeMessage(withDpid(fr, 0xf00dn))).toMatchObject({ type: 'features_reply', datapathId: 0xf00dn });
  });

  it('reads the operations of an OpenAPI document and generates requests for them', () => {
    const ops = operations({
      paths: {
        '/api/v1/switches/{dpid}/ports/{port}': {
          patch: {
            parameters: [
              { in: 'path', name: 'dpid', required: true, schema: { type: 'string' } },
              { in: 'path', name: 'port', required: true, schema: { type: 'integer' } },
            ],
            requestBody: { content: { 'application/json': { schema: { type: 'object', required: ['up'], properties: { up: { type: 'boolean' } } } } } },
          },
        },
        '/api/v1/events': { get: {} },
      },
    });
    expect(ops.map((o) => `${o.method} ${o.path}`)).toEqual(['PATCH /api/v1/switches/{dpid}/ports/{port}']);
    const rng = new Rng(1);
    const reqs = Array.from({ length: 50 }, () => request(rng, ops[0]!, { dpidHex: '00000000000000aa', ports: [1, 2] }, 'tok'));
    expect(reqs.some((r) => r.url.startsWith('/api/v1/switches/00000000000000aa/ports/'))).toBe(true);
    expect(reqs.some((r) => !r.url.includes('00000000000000aa'))).toBe(true); // bad dpids too
    expect(reqs.some((r) => r.headers.authorization === undefined)).toBe(true); // and without the token
    expect(valid(rng, { type: 'object', required: ['up'], properties: { up: { type: 'boolean' } } }, { dpidHex: '1', ports: [] })).toHaveProperty('up');
  });

  it('holds answers to the contract: no 500, a JSON message on every 4xx and 5xx', () => {
    expect(answerViolation(200, 'application/json', '{}', REQ)).toBeUndefined();
    expect(answerViolation(400, 'application/json', '{"message":"body.x: bad"}', REQ)).toBeUndefined();
    expect(answerViolation(503, 'application/json', '{"message":"later"}', REQ)).toBeUndefined();
    expect(answerViolation(500, 'application/json', '{"message":"oops"}', REQ)).toMatch(/500/);
    expect(answerViolation(404, 'text/plain', 'nope', REQ)).toMatch(/without a JSON body/);
    expect(answerViolation(400, 'application/json', '{"error":"x"}', REQ)).toMatch(/without a message/);
  });

  it('the REST fuzzer finds no answer that breaks the contract in the API over emulated switches (2,000 requests, 50 at a time, seed 13)', async () => {
    const rig = await makeRig({
      switches: [{ dpid: 1n }, { dpid: 2n, versions: [1] }],
      context: { topology: fakeTopology(), apps: fakeApps(), staticFlows: fakeResources('sf'), aclRules: fakeResources('acl'), routes: fakeResources('rt'), instanceId: 'fuzz-1' },
    });
    try {
      // Not the reads the emulated switches never answer (table features, queue config, 1.0 port stats): each would wait out the request timeout.
      const ops = operations((await rig.app.inject({ url: '/openapi.json' })).json()).filter((o) => !/tablefeatures|queueconfig|\/api\/v1\/stats\/ports/.test(o.path));
      expect(ops.length).toBeGreaterThan(50);
      const rng = new Rng(13);
      const bad: string[] = [];
      // 50 at a time: a request the emulated switch never answers waits for its timeout without holding up the rest.
      for (let i = 0; i < 2_000; i += 50) {
        const batch = Array.from({ length: 50 }, () => request(rng, rng.pick(ops), { dpidHex: '0000000000000001', ports: [1, 2, 3] }, undefined));
        await Promise.all(
          batch.map(async (r) => {
            const res = await rig.app.inject({ method: r.method as 'GET', url: r.url, headers: r.headers, ...(r.body !== undefined ? { payload: r.body } : {}) });
            const v = answerViolation(res.statusCode, (res.headers['content-type'] as string | undefined) ?? null, res.body, r);
            if (v) bad.push(`${r.method} ${r.url} ${r.body ?? ''} -> ${v}: ${res.body.slice(0, 200)}`);
          }),
        );
      }
      expect(bad).toEqual([]);
    } finally {
      await rig.close();
    }
  }, 180_000);
});

describe('fuzz harness invariants', () => {
  it('RSS growth after warm-up: the last third\'s largest sample over the first third\'s, so a GC sawtooth that levels off is not growth and a steady climb is', () => {
    expect(rssGrowth([])).toBe(0);
    expect(rssGrowth([100, 900])).toBe(0);
    // Warm-up to 200 MiB, then a sawtooth between 180 and 205: levelled off.
    expect(rssGrowth([120, 200, 190, 180, 205, 185, 200, 182, 204])).toBe(4);
    // 5 MiB more every second: grows with the run.
    expect(rssGrowth(Array.from({ length: 30 }, (_, i) => 150 + 5 * i))).toBe(295 - 195);
  });

  it('reads the RSS of a process from /proc/PID/status, and nothing for a process that is gone', () => {
    const mine = rssOf(process.pid);
    expect(mine).toBeGreaterThan(10);
    expect(Math.abs(mine! - process.memoryUsage().rss / 2 ** 20)).toBeLessThan(64);
    expect(rssOf(2 ** 30)).toBeUndefined();
  });

  it('dumps the store of a data directory that another holder keeps open (LevelDB locks it), with every acknowledged write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbx-fuzz-dump-'));
    const store = await LevelStore.open(dir);
    try {
      await store.put('static-flows', 'a', { priority: 7 });
      await store.put('settings', 'b', 'x');
      expect(await storeDumpOf(dir)).toBe('static-flows/a={"priority":7}\nsettings/b="x"');
      await store.del('settings', 'b');
      expect(await storeDumpOf(dir)).toBe('static-flows/a={"priority":7}');
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
