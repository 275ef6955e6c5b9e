/** POST /api/v1/trace through fastify.inject, over a real Controller with emulated switches (s1:2 <-> s2:1, h1 on s1:1, h2 on s2:2). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SwitchAdminService } from '../../src/core/services.js';
import type { FlowSpec } from '../../src/core/model.js';
import { OfTimeoutError } from '../../src/openflow/errors.js';
import { fakeTopology, makeRig, type ApiRig } from './api-harness.js';

const D1 = '0000000000000001';
const D2 = '0000000000000002';
const H1 = 'aa:aa:aa:aa:aa:01';
const H2 = 'aa:aa:aa:aa:aa:02';
const ACL_COOKIE = 0x1234_0000_0000_0007n;

let rig: ApiRig;
let timeoutOn: bigint | undefined;
const desired = new Map<bigint, { owner: string; spec: FlowSpec }[]>();

beforeAll(async () => {
  // The switch-admin service, with a switch that can be made not to answer its flow dump.
  const admin = new Proxy({} as SwitchAdminService, {
    get: (_t, k: keyof SwitchAdminService) => {
      const real = rig.controller.admin;
      if (k === 'flowStats') return async (dpid: bigint, f: unknown) => {
        if (dpid === timeoutOn) throw new OfTimeoutError('multipart_request', 10_000);
        return real.flowStats(dpid, f as never);
      };
      return real[k];
    },
  });
  rig = await makeRig({
    switches: [{ dpid: 1n }, { dpid: 2n }],
    context: {
      topology: fakeTopology(),
      admin,
      flows: { flows: (dpid) => desired.get(dpid) ?? [], ownerOfCookie: (c) => (c >> 48n === 0x1234n ? 'acl' : undefined) },
    },
  });
  const add = async (dpid: string, body: object) => expect((await req(`/api/v1/switches/${dpid}/flows`, body)).status).toBe(201);
  await add(D1, { priority: 10, match: { eth_dst: H2 }, actions: [{ type: 'output', port: 2 }] });
  await add(D1, { priority: 300, cookie: ACL_COOKIE.toString(), match: { eth_type: 0x0800, ip_proto: 6, tcp_dst: 23 }, instructions: [] });
  await add(D2, { priority: 10, match: { eth_dst: H2 }, actions: [{ type: 'set_field', field: { field: 'eth_src', value: '02:00:00:00:00:99' } }, { type: 'output', port: 2 }] });
  await add(D2, { priority: 5, match: { eth_dst: 'ff:ff:ff:ff:ff:ff' }, actions: [{ type: 'output', port: 'flood' }] });
});
afterAll(async () => rig.close());

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = any;
async function req(url: string, payload: unknown): Promise<{ status: number; body: Body }> {
  const r = await rig.app.inject({ method: 'POST', url, payload: payload as object });
  return { status: r.statusCode, body: r.json() };
}
const trace = (body: unknown) => req('/api/v1/trace', body);

describe('POST /api/v1/trace', () => {
  it('from one host to another: hop by hop, with the rewrite and the delivery', async () => {
    const r = await trace({ from: H1, to: '10.0.0.2' });
    expect(r.status).toBe(200);
    expect(r.body.outcome).toBe('delivered');
    expect(r.body.reason).toBe(`to ${H2} at ${D2} port 2`);
    expect(r.body.hops).toHaveLength(2);
    const [a, b] = r.body.hops;
    expect(a).toMatchObject({
      dpid: D1,
      inPort: 1,
      tables: [{ tableId: 0, flow: { cookie: '0', owner: null, priority: 10, match: [{ field: 'eth_dst', value: H2 }], instructions: [{ type: 'apply_actions' }] } }],
      actions: [{ type: 'output', port: 2, stage: 'apply_actions', tableId: 0 }],
      packetAfter: {},
      outputs: [{ port: 2, next: { dpid: D2, inPort: 1 } }],
    });
    expect(b).toMatchObject({ dpid: D2, inPort: 1, packetAfter: { eth_src: '02:00:00:00:00:99' }, outputs: [{ port: 2, next: { host: H2 } }] });
  });

  it('an explicit packet: the ACL-like drop names its flow and owner', async () => {
    const r = await trace({ dpid: D1, inPort: 1, packet: { eth_dst: H2, eth_type: 0x0800, ipv4_dst: '10.0.0.2', ip_proto: 6, tcp_dst: 23 } });
    expect(r.status).toBe(200);
    expect(r.body.outcome).toBe('dropped');
    expect(r.body.reason).toBe(`dropped at ${D1}: no output action (table 0, flow of acl, priority 300)`);
    expect(r.body.hops[0].tables[0].flow).toMatchObject({ owner: 'acl', cookie: ACL_COOKIE.toString() });
    expect(r.body.hops[0].outputs).toEqual([{ port: null, next: 'drop', reason: 'no output action' }]);
  });

  it('a flood branches to every other port; edge ports with hosts are deliveries', async () => {
    const r = await trace({ dpid: D2, inPort: 2, packet: { eth_dst: 'ff:ff:ff:ff:ff:ff', eth_type: 0x0806 } });
    expect(r.body.hops[0].outputs.map((o: Body) => [o.port, o.via])).toEqual([
      [1, 'FLOOD'],
      [3, 'FLOOD'],
    ]);
    expect(r.body.hops[0].outputs[1].next).toBe('flood');
    // s1 has no flow for the broadcast: its copy is dropped there.
    expect(r.body.hops[1]).toMatchObject({ dpid: D1, inPort: 2, tables: [{ tableId: 0, flow: null }] });
    expect(r.body.outcome).toBe('delivered');
    expect(r.body.reason).toMatch(/flooded out of edge port .* \(also 1 copy dropped\)/);
  });

  it('source desired traces the flow service\'s intent (owner from the record)', async () => {
    desired.set(1n, [{ owner: 'acl', spec: { tableId: 0, priority: 100, cookie: ACL_COOKIE, match: [], instructions: [] } }]);
    const r = await trace({ from: H1, to: H2, source: 'desired' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ outcome: 'dropped', hops: [{ dpid: D1, tables: [{ flow: { owner: 'acl', priority: 100 } }] }] });
    desired.clear();
  });

  it('answers 400 naming the field for bad input', async () => {
    const cases: [unknown, string][] = [
      [{ dpid: '00000000000000ff', inPort: 1, packet: {} }, 'body.dpid'],
      [{ dpid: 'xyz', inPort: 1, packet: {} }, 'body.dpid'],
      [{ dpid: D1, inPort: 9, packet: {} }, 'body.inPort'],
      [{ dpid: D1, inPort: 'one', packet: {} }, 'body.inPort'],
      [{ dpid: D1, inPort: 1 }, 'body.packet'],
      [{ dpid: D1, inPort: 1, packet: { eth_dst: 5 } }, 'body.packet.eth_dst'],
      [{ dpid: D1, inPort: 1, packet: { eth_type: 0x0800, tcp_dst: 80 } }, 'body.packet.tcp_dst'],
      [{ dpid: D1, inPort: 1, packet: { nosuch: 1 } }, 'body.packet.nosuch'],
      [{ dpid: D1, inPort: 1, packet: {}, source: 'later' }, 'body.source'],
      [{ from: H1 }, 'body.to'],
      [{ from: '10.9.9.9', to: H2 }, 'body.from'],
      [{ from: H1, to: H2, dpid: D1 }, 'body.dpid'],
    ];
    for (const [body, field] of cases) {
      const r = await trace(body);
      expect([r.status, r.body.code, r.body.field], JSON.stringify(body)).toEqual([400, 'invalid_input', field]);
    }
  });

  it('answers 504 naming the switch that does not answer its table dump', async () => {
    timeoutOn = 2n;
    try {
      const r = await trace({ from: H1, to: H2 });
      expect(r.status).toBe(504);
      expect(r.body).toMatchObject({ code: 'switch_timeout', details: { dpid: D2 } });
      expect(r.body.message).toContain(D2);
    } finally {
      timeoutOn = undefined;
    }
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await rig.app.inject({ url: '/openapi.json' })).json();
    expect(doc.paths['/api/v1/trace'].post.requestBody.content['application/json'].schema.properties).toHaveProperty('packet');
  });
});
