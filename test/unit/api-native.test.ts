/** The native REST API through fastify.inject, over a real Controller with emulated switches. */
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TopologyAnswerCache } from '../../src/api/routes/topology.js';
import { OFPET, OFPFMFC } from '../../src/openflow/codec/constants.js';
import { fakeApps, fakeResources, fakeTopology, makeRig, type ApiRig } from './api-harness.js';

const D1 = '0000000000000001';
const D2 = '0000000000000002';

let rig: ApiRig;
const topo = fakeTopology();

beforeAll(async () => {
  rig = await makeRig({
    switches: [
      { dpid: 1n, rejectFlowMod: (m) => (m.type === 'flow_mod' && m.priority === 13 ? { errType: OFPET.FLOW_MOD_FAILED, code: OFPFMFC.TABLE_FULL } : undefined) },
      { dpid: 2n, versions: [1] },
    ],
    context: { topology: topo, apps: fakeApps(), staticFlows: fakeResources('sf'), aclRules: fakeResources('acl'), routes: fakeResources('rt'), instanceId: 'test-1' },
  });
});
afterAll(async () => rig.close());

// Response bodies are whatever JSON the route sends; the assertions check their shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = any;

async function req(method: string, url: string, payload?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Body }> {
  const r = await rig.app.inject({ method: method as 'GET', url, ...(payload !== undefined ? { payload: payload as object } : {}), headers });
  return { status: r.statusCode, body: r.body === '' ? undefined : r.json() };
}

describe('switches', () => {
  it('lists the connected switches with version and description', async () => {
    const r = await req('GET', '/api/v1/switches');
    expect(r.status).toBe(200);
    expect(r.body).toHaveLength(2);
    expect(r.body[0]).toMatchObject({ dpid: D1, version: '1.3', ports: 3, description: { mfrDesc: 'Fake', dpDesc: 'fake switch' }, features: { datapathId: D1, nTables: 254 } });
    expect(r.body[1]).toMatchObject({ dpid: D2, version: '1.0' });
  });

  it('shows one switch, its ports, description and features', async () => {
    expect((await req('GET', `/api/v1/switches/${D1}`)).body).toMatchObject({ dpid: D1, portList: [{ portNo: 1, name: 'eth1', up: true }, { portNo: 2 }, { portNo: 3 }] });
    expect((await req('GET', `/api/v1/switches/${D1}/ports`)).body[0]).toMatchObject({ portNo: 1, hwAddr: '02:00:00:00:00:01', up: true });
    expect((await req('GET', `/api/v1/switches/${D1}/description`)).body).toEqual({ mfrDesc: 'Fake', hwDesc: 'fake 1.3', swDesc: 'test', serialNum: '1', dpDesc: 'fake switch' });
    expect((await req('GET', `/api/v1/switches/${D1}/features`)).body).toMatchObject({ datapathId: D1, version: '1.3', nBuffers: 256 });
    expect((await req('GET', '/api/v1/switches/1')).status).toBe(200); // short hex is fine
  });

  it('answers 404 switch_not_found for an unknown dpid and 400 naming the field for a malformed one', async () => {
    const r = await req('GET', '/api/v1/switches/00000000000000ff/ports');
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ statusCode: 404, code: 'switch_not_found', message: 'no switch with datapath id 00000000000000ff is connected' });
    const b = await req('GET', '/api/v1/switches/xyz');
    expect(b.status).toBe(400);
    expect(b.body).toMatchObject({ code: 'invalid_input', field: 'params.dpid' });
  });

  it('brings a port down and up with PORT_MOD', async () => {
    const model = rig.switches.get(1n)!.model;
    expect((await req('PATCH', `/api/v1/switches/${D1}/ports/2`, { up: false })).body).toEqual({ dpid: D1, port: 2, config: 1, mask: 1 });
    await req('PATCH', `/api/v1/switches/${D1}/ports/2`, { up: true });
    expect(model.portMods.map((m) => m.type === 'port_mod' && [m.portNo, m.config, m.mask, m.hwAddr])).toEqual([
      [2, 1, 1, '02:00:00:00:00:02'],
      [2, 0, 1, '02:00:00:00:00:02'],
    ]);
    expect((await req('PATCH', `/api/v1/switches/${D1}/ports/9`, { up: false })).body).toMatchObject({ code: 'not_found', field: 'params.port' });
    expect((await req('PATCH', `/api/v1/switches/${D1}/ports/2`, { up: 'no' })).body).toMatchObject({ code: 'invalid_input', field: 'body.up' });
    expect((await req('PATCH', `/api/v1/switches/${D1}/ports/2`, {})).body).toMatchObject({ code: 'invalid_input', field: 'body.up' });
    // Bodies are not coerced: each of these used to take the port down.
    const before = rig.switches.get(1n)!.model.portMods.length;
    for (const up of [null, 0, 'false', [false]]) {
      const r = await req('PATCH', `/api/v1/switches/${D1}/ports/2`, { up });
      expect(r.status, JSON.stringify(up)).toBe(400);
      expect(r.body, JSON.stringify(up)).toMatchObject({ code: 'invalid_input', field: 'body.up' });
    }
    expect(rig.switches.get(1n)!.model.portMods.length).toBe(before);
  });

  it('reads and sets the role (1.3), and refuses it on 1.0 with 501', async () => {
    expect((await req('PUT', `/api/v1/switches/${D1}/role`, { role: 'master', generationId: '5' })).body).toEqual({ role: 'master', generationId: '5' });
    expect((await req('GET', `/api/v1/switches/${D1}/role`)).body).toMatchObject({ role: expect.any(String), generationId: expect.stringMatching(/^[0-9]+$/) });
    expect((await req('PUT', `/api/v1/switches/${D1}/role`, { role: 'boss' })).body).toMatchObject({ code: 'invalid_input', field: 'body.role' });
    expect((await req('GET', `/api/v1/switches/${D2}/role`)).body).toMatchObject({ statusCode: 501, code: 'version_unsupported' });
  });
});

describe('flows', () => {
  it('adds a flow, reads it back live, modifies and deletes it', async () => {
    const model = rig.switches.get(1n)!.model;
    const add = await req('POST', `/api/v1/switches/${D1}/flows`, {
      priority: 100,
      cookie: '0x51',
      match: { in_port: 1, eth_type: 2048, ipv4_dst: '10.0.0.0/24' },
      actions: [{ type: 'output', port: 2 }, { type: 'output', port: 'controller', maxLen: 65535 }],
    });
    expect(add.status).toBe(201);
    expect(model.flows).toHaveLength(1);
    expect(model.flows[0]).toMatchObject({ priority: 100, cookie: 0x51n, match: [{ field: 'in_port', value: 1 }, { field: 'eth_type', value: 2048 }, { field: 'ipv4_dst', value: '10.0.0.0', mask: '255.255.255.0' }] });

    const list = await req('GET', `/api/v1/switches/${D1}/flows`);
    expect(list.body).toEqual([
      expect.objectContaining({
        priority: 100,
        cookie: '81',
        packetCount: '7',
        match: [{ field: 'in_port', value: 1 }, { field: 'eth_type', value: 2048 }, { field: 'ipv4_dst', value: '10.0.0.0', mask: '255.255.255.0' }],
        instructions: [{ type: 'apply_actions', actions: [{ type: 'output', port: 2, maxLen: 65535 }, { type: 'output', port: 0xfffffffd, maxLen: 65535 }] }],
      }),
    ]);
    expect((await req('GET', `/api/v1/switches/${D1}/flows?cookie=82`)).body).toEqual([]);
    expect((await req('GET', `/api/v1/switches/${D1}/flows?cookie=0x51&table=0`)).body).toHaveLength(1);

    expect((await req('PUT', `/api/v1/switches/${D1}/flows`, { match: [{ field: 'in_port', value: 1 }, { field: 'eth_type', value: 2048 }, { field: 'ipv4_dst', value: '10.0.0.0', mask: '255.255.255.0' }], actions: [{ type: 'output', port: 3 }] })).status).toBe(200);
    expect(model.flows[0]!.instructions).toEqual([{ type: 'apply_actions', actions: [{ type: 'output', port: 3, maxLen: 65535 }] }]);

    const del = await req('DELETE', `/api/v1/switches/${D1}/flows?cookie=0x51`);
    expect(del).toEqual({ status: 200, body: { status: 'deleted' } });
    expect(model.flows).toHaveLength(0);
  });

  it('filters by owner app: the owner id in the top 16 cookie bits', async () => {
    const model = rig.switches.get(1n)!.model;
    model.flows = [];
    const { ownerCookie, ownerIdFor } = await import('../../src/flows/cookie.js');
    const mine = ownerCookie(ownerIdFor('l2-learning'), 5n);
    expect((await req('POST', `/api/v1/switches/${D1}/flows`, { priority: 1, cookie: mine.toString(), match: {}, actions: [] })).status).toBe(201);
    await req('POST', `/api/v1/switches/${D1}/flows`, { priority: 2, cookie: '7', match: {}, actions: [] });
    const owned = await req('GET', `/api/v1/switches/${D1}/flows?owner=l2-learning`);
    expect(owned.body.map((f: { priority: number }) => f.priority)).toEqual([1]);
    expect((await req('GET', `/api/v1/switches/${D1}/flows?owner=x&cookie=1`)).body).toMatchObject({ code: 'invalid_input', field: 'query.owner' });
    await req('DELETE', `/api/v1/switches/${D1}/flows`);
    expect(model.flows).toHaveLength(0);
  });

  it('surfaces the switch error with its type and code names (422)', async () => {
    const r = await req('POST', `/api/v1/switches/${D1}/flows`, { priority: 13, actions: [{ type: 'output', port: 1 }] });
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ code: 'switch_rejected', details: { type: 'OFPET_FLOW_MOD_FAILED', code: 'OFPFMFC_TABLE_FULL' } });
  });

  it('names the bad field of a flow body (400)', async () => {
    const cases: [unknown, string][] = [
      [{ priority: 70000 }, 'body.priority'],
      [{ priority: 'high' }, 'body.priority'],
      [{ priority: true }, 'body.priority'],
      [{ priority: [7] }, 'body.priority'],
      [{ priority: null }, 'body.priority'],
      [{ priority: '7' }, 'body.priority'],
      [{ tableId: '1' }, 'body.tableId'],
      [{ tableId: 1, colour: 'red' }, 'body.colour'],
      [{ match: { in_port: 1, bogus_field: 3 } }, 'body.match.bogus_field'],
      [{ match: { ipv4_dst: 'ten' , eth_type: 2048 } }, 'body.match'],
      [{ match: [{ value: 1 }] }, 'body.match'],
      [{ cookie: 'x' }, 'body.cookie'],
      [{ actions: [{ port: 1 }] }, 'body.actions[0].type'],
      [{ actions: [{ type: 'output', port: 'sideways' }] }, 'body.actions[0].port'],
      [{ actions: [], instructions: [] }, 'body.instructions'],
    ];
    for (const [payload, field] of cases) {
      const r = await req('POST', `/api/v1/switches/${D1}/flows`, payload);
      expect(r.status, JSON.stringify(payload)).toBe(400);
      expect(r.body.code).toBe('invalid_input');
      expect(String(r.body.field), JSON.stringify(payload)).toContain(field);
      expect(String(r.body.message)).toContain(field.split('.')[0]!);
    }
  });

  it('refuses a match the encoder rejects, naming the OXM (missing prerequisite)', async () => {
    const r = await req('POST', `/api/v1/switches/${D1}/flows`, { match: { tcp_dst: 80 }, actions: [] });
    expect(r.status).toBe(400);
    expect(String(r.body.field)).toMatch(/^body\.match/);
  });

  it('translates flows for an OpenFlow 1.0 switch', async () => {
    const fake = rig.switches.get(2n)!.fake;
    const got = fake.next('flow_mod');
    expect((await req('POST', `/api/v1/switches/${D2}/flows`, { priority: 9, match: { in_port: 1 }, actions: [{ type: 'output', port: 2 }] })).status).toBe(201);
    expect(await got).toMatchObject({ version: 1, priority: 9, actions: [{ type: 'output', port: 2 }] });
    expect((await req('GET', `/api/v1/switches/${D2}/flows`)).body).toEqual([]);
  });
});

describe('groups and meters', () => {
  it('adds, lists, modifies and deletes a group, with stats', async () => {
    const add = await req('POST', `/api/v1/switches/${D1}/groups`, { groupId: 1, type: 'select', buckets: [{ weight: 1, actions: [{ type: 'output', port: 1 }] }, { weight: 2, actions: [{ type: 'output', port: 2 }] }] });
    expect(add.status).toBe(201);
    expect((await req('GET', `/api/v1/switches/${D1}/groups`)).body).toEqual([
      { groupType: 1, groupId: 1, buckets: [{ weight: 1, watchPort: 0xffffffff, watchGroup: 0xffffffff, actions: [{ type: 'output', port: 1, maxLen: 65535 }] }, { weight: 2, watchPort: 0xffffffff, watchGroup: 0xffffffff, actions: [{ type: 'output', port: 2, maxLen: 65535 }] }] },
    ]);
    expect((await req('GET', `/api/v1/switches/${D1}/groups/stats`)).body).toMatchObject([{ groupId: 1, refCount: 1, packetCount: '0', bucketStats: [{}, {}] }]);
    expect((await req('PUT', `/api/v1/switches/${D1}/groups/1`, { type: 'all', buckets: [] })).status).toBe(200);
    expect(rig.switches.get(1n)!.model.groups.get(1)).toMatchObject({ groupType: 0, buckets: [] });
    expect((await req('DELETE', `/api/v1/switches/${D1}/groups/1`)).status).toBe(200);
    expect(rig.switches.get(1n)!.model.groups.size).toBe(0);
    expect((await req('POST', `/api/v1/switches/${D1}/groups`, { groupId: 1, type: 'round-robin' })).body).toMatchObject({ field: 'body.type' });
    expect((await req('POST', `/api/v1/switches/${D1}/groups`, { type: 'all' })).body).toMatchObject({ field: 'body.groupId' });
  });

  it('adds, lists, modifies and deletes a meter, with stats', async () => {
    expect((await req('POST', `/api/v1/switches/${D1}/meters`, { meterId: 3, flags: ['kbps', 'stats'], bands: [{ type: 'drop', rate: 1000 }] })).status).toBe(201);
    expect((await req('GET', `/api/v1/switches/${D1}/meters`)).body).toEqual([{ flags: 9, meterId: 3, bands: [{ type: 'drop', rate: 1000, burstSize: 0 }] }]);
    expect((await req('GET', `/api/v1/switches/${D1}/meters/stats`)).body).toMatchObject([{ meterId: 3, bandStats: [{ packetBandCount: '0' }] }]);
    await req('PUT', `/api/v1/switches/${D1}/meters/3`, { flags: ['pktps'], bands: [{ type: 'dscp_remark', rate: 5, precLevel: 1 }] });
    expect(rig.switches.get(1n)!.model.meters.get(3)).toEqual({ flags: 2, meterId: 3, bands: [{ type: 'dscp_remark', rate: 5, burstSize: 0, precLevel: 1 }] });
    await req('DELETE', `/api/v1/switches/${D1}/meters/3`);
    expect(rig.switches.get(1n)!.model.meters.size).toBe(0);
    expect((await req('POST', `/api/v1/switches/${D1}/meters`, { meterId: 3, bands: [{ type: 'drop' }] })).body).toMatchObject({ field: 'body.bands[0].rate' });
  });

  it('surfaces a switch error on group and meter mods, and 501 on OpenFlow 1.0', async () => {
    const model = rig.switches.get(1n)!.model;
    model.rejectMods = { errType: OFPET.GROUP_MOD_FAILED, code: 0 };
    const r = await req('POST', `/api/v1/switches/${D1}/groups`, { groupId: 1, type: 'all' });
    model.rejectMods = undefined;
    expect(r).toMatchObject({ status: 422, body: { code: 'switch_rejected', details: { type: 'OFPET_GROUP_MOD_FAILED', code: 'OFPGMFC_GROUP_EXISTS' } } });
    expect((await req('GET', `/api/v1/switches/${D2}/meters`)).status).toBe(501);
    expect((await req('POST', `/api/v1/switches/${D2}/groups`, { groupId: 1, type: 'all' })).status).toBe(501);
  });
});

describe('stats', () => {
  it('ports, tables, aggregate and queues', async () => {
    expect((await req('GET', `/api/v1/switches/${D1}/stats/ports`)).body).toHaveLength(3);
    expect((await req('GET', `/api/v1/switches/${D1}/stats/ports?port=2`)).body).toEqual([expect.objectContaining({ portNo: 2, rxPackets: '9', txBytes: '252' })]);
    expect((await req('GET', `/api/v1/switches/${D1}/stats/tables`)).body).toHaveLength(2);
    expect((await req('GET', `/api/v1/switches/${D1}/stats/aggregate?table=0`)).body).toMatchObject({ packetCount: '18', byteCount: '756', flowCount: expect.any(Number) });
    expect((await req('GET', `/api/v1/switches/${D1}/stats/queues`)).body).toMatchObject([{ portNo: 1, queueId: 0 }]);
    expect((await req('GET', `/api/v1/switches/${D1}/stats/ports?port=-1`)).body).toMatchObject({ code: 'invalid_input', field: 'query.port' });
  });
});

describe('topology, paths, apps, resources, cluster', () => {
  it('gives the topology with one link entry per direction', async () => {
    const r = await req('GET', '/api/v1/topology');
    expect(r.body).toEqual({
      version: 7,
      switches: [
        { dpid: D1, ports: [1, 2], connected: true },
        { dpid: D2, ports: [1, 2], connected: true },
      ],
      links: [
        { src: { dpid: D1, port: 2 }, dst: { dpid: D2, port: 1 }, discoveredAt: new Date(1000).toISOString(), lastSeen: new Date(2000).toISOString() },
        { src: { dpid: D2, port: 1 }, dst: { dpid: D1, port: 2 }, discoveredAt: new Date(1000).toISOString(), lastSeen: new Date(2000).toISOString() },
      ],
      hosts: [
        { id: 'aa:aa:aa:aa:aa:01', mac: 'aa:aa:aa:aa:aa:01', ipv4: ['10.0.0.1'], ipv6: [], location: { dpid: D1, port: 1 }, firstSeen: new Date(1000).toISOString(), lastSeen: new Date(2000).toISOString() },
        { id: 'aa:aa:aa:aa:aa:02', mac: 'aa:aa:aa:aa:aa:02', ipv4: ['10.0.0.2'], ipv6: ['fe80::2'], location: { dpid: D2, port: 2 }, firstSeen: new Date(1000).toISOString(), lastSeen: new Date(2000).toISOString() },
      ],
    });
    expect((await req('GET', '/api/v1/links')).body).toHaveLength(2);
    expect((await req('GET', '/api/v1/hosts')).body).toHaveLength(2);
  });

  it('sends the topology gzipped to a client that takes it, the same JSON; plain otherwise', async () => {
    const plain = await rig.app.inject({ url: '/api/v1/topology' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers['content-type']).toBe('application/json; charset=utf-8');
    // The fake topology is small: pad it with hosts so compression is worth it.
    const many = Array.from({ length: 50 }, (_, i) => ({ id: `aa:aa:aa:aa:ab:${i.toString(16).padStart(2, '0')}`, mac: `aa:aa:aa:aa:ab:${i.toString(16).padStart(2, '0')}`, ipv4: [], ipv6: [], location: { dpid: 1n, port: 1 }, firstSeen: 1000, lastSeen: 2000 }));
    const snapshot = topo.snapshot;
    topo.snapshot = () => ({ ...snapshot(), hosts: many });
    try {
      const want = (await rig.app.inject({ url: '/api/v1/topology', headers: { 'accept-encoding': 'identity' } })).rawPayload;
      const zipped = await rig.app.inject({ url: '/api/v1/topology', headers: { 'accept-encoding': 'br, gzip;q=0.8' } });
      expect(zipped.headers['content-encoding']).toBe('gzip');
      expect(zipped.headers.vary).toMatch(/accept-encoding/);
      expect(gunzipSync(zipped.rawPayload).equals(want)).toBe(true);
      expect(zipped.rawPayload.length).toBeLessThan(want.length / 4);
      expect(JSON.parse(want.toString()).hosts).toHaveLength(50);
      const refused = await rig.app.inject({ url: '/api/v1/topology', headers: { 'accept-encoding': 'gzip;q=0' } });
      expect(refused.headers['content-encoding']).toBeUndefined();
      expect(refused.rawPayload.equals(want)).toBe(true);
    } finally {
      topo.snapshot = snapshot;
    }
  });

  it('makes the topology answer once per snapshot and switch list', () => {
    const cache = new TopologyAnswerCache();
    const s = topo.snapshot();
    const a = cache.answer(s, '[]');
    expect(cache.answer(s, '[]')).toBe(a);
    expect(JSON.parse(a.body.toString())).toMatchObject({ version: 7, switches: [], links: [{ src: { dpid: D1, port: 2 } }, { src: { dpid: D2, port: 1 } }] });
    // A new snapshot (a new version) or another switch list (a name, a connection): made again.
    const b = cache.answer(topo.snapshot(), '[]');
    expect(b).not.toBe(a);
    const c = cache.answer(s, '[{"dpid":"0000000000000001","ports":[],"connected":false}]');
    expect(c).not.toBe(a);
    expect(JSON.parse(c.body.toString()).switches).toEqual([{ dpid: D1, ports: [], connected: false }]);
  });

  it('pages hosts: limit and offset, the total in X-Total-Count, 400 naming a bad limit', async () => {
    const all = await rig.app.inject({ url: '/api/v1/hosts' });
    expect(all.headers['x-total-count']).toBe('2');
    const second = await rig.app.inject({ url: '/api/v1/hosts?limit=1&offset=1' });
    expect(second.headers['x-total-count']).toBe('2');
    expect(second.json().map((h: { mac: string }) => h.mac)).toEqual(['aa:aa:aa:aa:aa:02']);
    expect((await req('GET', '/api/v1/hosts?limit=1')).body.map((h: { mac: string }) => h.mac)).toEqual(['aa:aa:aa:aa:aa:01']);
    expect((await req('GET', '/api/v1/hosts?offset=5')).body).toEqual([]);
    for (const q of ['limit=0', 'limit=10001', 'limit=x', 'offset=-1']) {
      const r = await req('GET', `/api/v1/hosts?${q}`);
      expect(r.status, q).toBe(400);
      expect(String(r.body.field), q).toContain(`query.${q.split('=')[0]}`);
    }
  });

  it('pages every list that grows with the network (switches, ports, live flows, port stats, links) like hosts', async () => {
    const pageOf = async (url: string): Promise<{ total: string | undefined; body: Body }> => {
      const r = await rig.app.inject({ url });
      expect(r.statusCode, url).toBe(200);
      return { total: r.headers['x-total-count'] as string | undefined, body: r.json() };
    };
    expect(await pageOf('/api/v1/switches?limit=1&offset=1')).toMatchObject({ total: '2', body: [{ dpid: D2 }] });
    expect(await pageOf(`/api/v1/switches/${D1}/ports?limit=2&offset=1`)).toMatchObject({ total: '3', body: [{ portNo: 2 }, { portNo: 3 }] });
    expect((await pageOf(`/api/v1/switches/${D1}/stats/ports?limit=1`)).total).toBe('3');
    expect((await pageOf(`/api/v1/switches/${D1}/stats/ports?limit=1`)).body).toHaveLength(1);
    expect(await pageOf('/api/v1/links?offset=1')).toMatchObject({ total: '2', body: [{ src: { dpid: D2 } }] });
    for (const priority of [301, 302, 303]) expect((await req('POST', `/api/v1/switches/${D1}/flows`, { priority, cookie: '0x3030', match: { in_port: priority - 300 }, actions: [] })).status).toBe(201);
    const all = await pageOf(`/api/v1/switches/${D1}/flows?cookie=0x3030`);
    expect(all.total).toBe('3');
    const pages = [];
    for (let offset = 0; offset < 3; offset += 2) pages.push(...(await pageOf(`/api/v1/switches/${D1}/flows?cookie=0x3030&limit=2&offset=${offset}`)).body);
    expect(pages.map((f: { priority: number }) => f.priority)).toEqual(all.body.map((f: { priority: number }) => f.priority));
    expect(pages).toHaveLength(3);
    await req('DELETE', `/api/v1/switches/${D1}/flows?cookie=0x3030`);
    for (const url of ['/api/v1/switches?limit=0', `/api/v1/switches/${D1}/ports?offset=-1`, `/api/v1/switches/${D1}/flows?limit=10001`, '/api/v1/links?limit=x', `/api/v1/switches/${D1}/stats/ports?limit=0`]) {
      const r = await req('GET', url);
      expect(r.status, url).toBe(400);
      expect(String(r.body.field), url).toMatch(/^query\.(limit|offset)/);
    }
  });

  it('finds paths between hosts (MAC or IP) and switches', async () => {
    const r = await req('GET', '/api/v1/paths?src=10.0.0.1&dst=aa:aa:aa:aa:aa:02&k=2');
    expect(r.body).toMatchObject({
      src: { host: { mac: 'aa:aa:aa:aa:aa:01' } },
      dst: { host: { mac: 'aa:aa:aa:aa:aa:02' } },
      paths: [{ src: D1, dst: D2, cost: 1, hops: [D1, D2], links: [{ src: { dpid: D1, port: 2 }, dst: { dpid: D2, port: 1 } }] }],
    });
    expect((await req('GET', `/api/v1/paths?src=${D2}&dst=${D1}`)).body).toMatchObject({ paths: [{ hops: [D2, D1] }] });
    expect((await req('GET', '/api/v1/paths?src=10.9.9.9&dst=1')).body).toMatchObject({ code: 'not_found', field: 'query.src' });
    expect((await req('GET', '/api/v1/paths?src=1')).body).toMatchObject({ code: 'invalid_input', field: 'query.dst' });
    expect((await req('GET', '/api/v1/paths?src=1&dst=2&k=0')).body).toMatchObject({ code: 'invalid_input', field: 'query.k' });
  });

  it('lists, enables and disables apps, and gets and puts their config', async () => {
    expect((await req('GET', '/api/v1/apps')).body).toHaveLength(2);
    expect((await req('POST', '/api/v1/apps/acl/enable')).body).toMatchObject({ name: 'acl', state: 'running' });
    expect((await req('GET', '/api/v1/apps/acl')).body).toMatchObject({ state: 'running' });
    expect((await req('POST', '/api/v1/apps/acl/disable')).body).toMatchObject({ state: 'stopped' });
    expect((await req('POST', '/api/v1/apps/nope/enable')).body).toMatchObject({ statusCode: 404, code: 'not_found', field: 'params.name' });
    expect((await req('GET', '/api/v1/apps/l2-learning/config')).body).toEqual({ idleTimeoutSec: 300 });
    expect((await req('PUT', '/api/v1/apps/l2-learning/config', { idleTimeoutSec: 60 })).body).toEqual({ idleTimeoutSec: 60 });
    expect((await req('PUT', '/api/v1/apps/l2-learning/config', { idleTimeoutSec: 'long' })).body).toMatchObject({ statusCode: 400, code: 'invalid_input', field: 'body.idleTimeoutSec' });
    expect((await req('PUT', '/api/v1/apps/l2-learning/config', [1])).body).toMatchObject({ statusCode: 400, field: 'body' });
  });

  it('creates, reads, replaces and deletes static flows, ACL rules and routes', async () => {
    for (const path of ['static-flows', 'acl-rules', 'routes']) {
      const c = await req('POST', `/api/v1/${path}`, { dpid: D1, priority: 5 });
      expect(c.status).toBe(201);
      const id = c.body.id as string;
      expect((await req('GET', `/api/v1/${path}`)).body).toEqual([{ dpid: D1, priority: 5, id }]);
      expect((await req('PUT', `/api/v1/${path}/${id}`, { dpid: D1, priority: 6 })).body).toEqual({ dpid: D1, priority: 6, id });
      expect((await req('GET', `/api/v1/${path}/${id}`)).body).toEqual({ dpid: D1, priority: 6, id });
      expect((await req('POST', `/api/v1/${path}`, { priority: 5 })).body).toMatchObject({ statusCode: 400, code: 'invalid_input', field: 'body.dpid' });
      expect((await req('PUT', `/api/v1/${path}/nope`, { dpid: D1 })).body).toMatchObject({ statusCode: 404, code: 'not_found' });
      expect((await req('DELETE', `/api/v1/${path}/${id}`)).status).toBe(200);
      expect((await req('DELETE', `/api/v1/${path}/${id}`)).status).toBe(404);
    }
  });

  it('reports a standalone cluster', async () => {
    expect((await req('GET', '/api/v1/cluster')).body).toMatchObject({ mode: 'standalone', instanceId: 'test-1', role: 'master', switches: 2 });
  });
});

describe('plumbing', () => {
  it('serves health, readiness, OpenAPI and docs', async () => {
    expect(await req('GET', '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await req('GET', '/readyz')).toEqual({ status: 200, body: { status: 'ready', failing: [], checks: [], switches: 2 } });
    const doc = (await req('GET', '/openapi.json')).body as unknown as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe('3.0.3');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/switches', '/api/v1/switches/{dpid}/flows', '/api/v1/topology', '/stats/flowentry/{cmd}', '/v1.0/topology/links', '/metrics']));
    expect(doc.paths['/api/v1/switches/{dpid}/flows']).toHaveProperty('post');
    // Response schemas of the main routes are documented.
    const ok = (path: string) => (doc.paths[path] as { get: { responses: Record<string, { content?: Record<string, { schema?: { type?: string } }> }> } }).get.responses;
    expect(ok('/api/v1/switches')['200']!.content!['application/json']!.schema!.type).toBe('array');
    expect(ok('/api/v1/topology')['200']!.content!['application/json']!.schema).toMatchObject({ type: 'object', required: ['switches', 'links', 'hosts'] });
    expect(ok('/api/v1/switches/{dpid}/flows')['404']).toBeDefined();
    expect(JSON.stringify(ok('/api/v1/switches/{dpid}/flows')['200'])).toContain('packetCount');
    const ui = await rig.app.inject({ url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toMatch(/swagger/i);
  });

  it('answers unknown routes, bad JSON and wrong content types in the one error format', async () => {
    expect(await req('GET', '/api/v1/nothing')).toEqual({ status: 404, body: { statusCode: 404, code: 'route_not_found', error: 'Not Found', message: 'no route GET /api/v1/nothing' } });
    const bad = await rig.app.inject({ method: 'POST', url: `/api/v1/switches/${D1}/flows`, payload: '{"priority":', headers: { 'content-type': 'application/json' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'invalid_json', field: 'body' });
    const xml = await rig.app.inject({ method: 'POST', url: `/api/v1/switches/${D1}/flows`, payload: '<flow/>', headers: { 'content-type': 'application/xml' } });
    expect(xml.statusCode).toBe(415);
    expect(xml.json()).toMatchObject({ code: 'unsupported_media_type' });
    const proto = await rig.app.inject({ method: 'POST', url: '/api/v1/static-flows', payload: '{"dpid":"1","__proto__":{"polluted":true}}', headers: { 'content-type': 'application/json' } });
    expect(proto.statusCode).toBe(201);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('exposes Prometheus metrics', async () => {
    const m = await rig.app.inject({ url: '/metrics' });
    expect(m.statusCode).toBe(200);
    expect(m.headers['content-type']).toMatch(/text\/plain/);
    for (const name of ['signalbox_switches_connected 2', 'signalbox_openflow_messages_total{direction="in",type="features_reply"}', 'signalbox_openflow_messages_total{direction="out",type="features_request"}', 'signalbox_flow_mods_total{dpid="0000000000000001",source="api"}', 'signalbox_topology_size{kind="links"} 2', 'signalbox_process_resident_memory_bytes', 'signalbox_api_requests_total', 'signalbox_app_handler_seconds']) {
      expect(m.body).toContain(name);
    }
  });
});
