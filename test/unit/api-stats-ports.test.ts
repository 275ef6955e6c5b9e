/** `GET /api/v1/stats/ports`: every switch's port counters in one request, with port speeds, one switch's failure not failing the rest. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRig, type ApiRig } from './api-harness.js';

const D1 = '0000000000000001';
const D2 = '0000000000000002';
const D3 = '0000000000000003';

let rig: ApiRig;
beforeAll(async () => {
  rig = await makeRig({ switches: [{ dpid: 2n }, { dpid: 1n }, { dpid: 3n }] });
  // Switch 3 refuses port stats (OFPET_BAD_REQUEST / OFPBRC_BAD_MULTIPART): its entry carries the error.
  const fake3 = rig.switches.get(3n)!.fake;
  fake3.removeAllListeners('message');
  fake3.on('message', (m) => {
    if (m.type === 'multipart_request' && m.body.type === 'port_stats') fake3.send({ version: 4, type: 'error', xid: m.xid, errType: 1, code: 2, data: Buffer.alloc(0) });
  });
});
afterAll(async () => rig.close());

describe('GET /api/v1/stats/ports', () => {
  it('answers every connected switch by dpid with its counters, duration and port speed', async () => {
    const r = await rig.app.inject({ url: `/api/v1/stats/ports?dpid=${D1},${D2}` });
    expect(r.statusCode).toBe(200);
    const body = r.json() as { dpid: string; ports: Record<string, unknown>[] }[];
    expect(body.map((s) => s.dpid)).toEqual([D1, D2]);
    expect(body[0]!.ports).toHaveLength(3);
    expect(body[0]!.ports[1]).toMatchObject({ portNo: 2, rxBytes: '738', txBytes: '252', durationSec: 12, durationNsec: 976000000 });
    const speed = rig.controller.devices.get(1n)!.ports.get(2)!.currSpeed;
    expect(speed).toBeGreaterThan(0);
    expect(body[0]!.ports[1]!.currSpeed).toBe(speed);
  });

  it('names the switch that did not answer and still answers the others', async () => {
    const r = await rig.app.inject({ url: '/api/v1/stats/ports' });
    expect(r.statusCode).toBe(200);
    const body = r.json() as { dpid: string; ports?: unknown[]; error?: string }[];
    expect(body.map((s) => s.dpid)).toEqual([D1, D2, D3]);
    expect(body[2]!.ports).toBeUndefined();
    expect(body[2]!.error).toMatch(/.+/);
    expect(body[1]!.ports).toHaveLength(3);
  });

  it('refuses a malformed dpid naming query.dpid', async () => {
    const r = await rig.app.inject({ url: '/api/v1/stats/ports?dpid=0000000000000001,zz' });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ code: 'invalid_input', field: 'query.dpid' });
  });
});
