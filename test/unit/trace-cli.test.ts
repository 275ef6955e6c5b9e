/** `signalbox trace` against a real API server (startApi on a free port) over emulated switches (s1:2 <-> s2:1, h1 on s1:1, h2 on s2:2). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type RunningApi } from '../../src/api/index.js';
import { hostArg, traceBody } from '../../src/cli/client/trace.js';
import { defaultConfig } from '../../src/config.js';
import { runCli } from '../harness/cli.js';
import { fakeTopology, makeRig, type ApiRig } from './api-harness.js';

let rig: ApiRig;
let api: RunningApi;

beforeAll(async () => {
  rig = await makeRig({ switches: [{ dpid: 1n }, { dpid: 2n }] });
  api = await startApi({
    context: { bus: rig.controller.bus, devices: rig.controller.devices, admin: rig.controller.admin, topology: fakeTopology() },
    config: { api: { ...defaultConfig.api, listen: '127.0.0.1:0' } },
  });
  const add = async (dpid: string, body: object) => {
    const r = await rig.app.inject({ method: 'POST', url: `/api/v1/switches/${dpid}/flows`, payload: body });
    expect(r.statusCode).toBe(201);
  };
  await add('0000000000000001', { priority: 10, match: { eth_dst: 'aa:aa:aa:aa:aa:02' }, actions: [{ type: 'output', port: 2 }] });
  await add('0000000000000002', { priority: 10, match: { eth_dst: 'aa:aa:aa:aa:aa:02' }, actions: [{ type: 'set_field', field: { field: 'eth_src', value: '02:00:00:00:00:99' } }, { type: 'output', port: 2 }] });
});
afterAll(async () => {
  await api.close();
  await rig.close();
});

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const prev = process.env.SIGNALBOX_URL;
  process.env.SIGNALBOX_URL = api.address;
  try {
    const { code, out, err } = await runCli(argv);
    return { code, out, err };
  } finally {
    if (prev === undefined) delete process.env.SIGNALBOX_URL;
    else process.env.SIGNALBOX_URL = prev;
  }
}

describe('signalbox trace', () => {
  it('--from/--to prints the hops as tables and the outcome', async () => {
    const r = await run(['trace', '--from', 'aa:aa:aa:aa:aa:01', '--to', '10.0.0.2']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      [
        'HOP  SWITCH            IN  TABLE  PRIORITY  OWNER  MATCH                      INSTRUCTIONS',
        '1    0000000000000001  1   0      10        0x0    eth_dst=aa:aa:aa:aa:aa:02  output:2',
        '2    0000000000000002  1   0      10        0x0    eth_dst=aa:aa:aa:aa:aa:02  set_field:eth_src=02:00:00:00:00:99,output:2',
        '',
        'HOP  OUT  NEXT                     CHANGED',
        '1    2    0000000000000002 port 1  -',
        '2    2    host aa:aa:aa:aa:aa:02   eth_src=02:00:00:00:00:99',
        '',
        'delivered: to aa:aa:aa:aa:aa:02 at 0000000000000002 port 2',
        '',
      ].join('\n'),
    );
  });

  it('DPID PORT FIELD=VALUE... with --json prints the API answer', async () => {
    const r = await run(['trace', 's1', '1', 'eth_dst=aa:aa:aa:aa:aa:09', 'eth_type=0x800', '--json']);
    expect(r.code).toBe(0);
    const a = JSON.parse(r.out) as { outcome: string; hops: { tables: { flow: unknown }[] }[] };
    expect(a.outcome).toBe('dropped');
    expect(a.hops[0]!.tables[0]!.flow).toBeNull();
  });

  it('reports the API refusal with the field, and usage errors with exit 2', async () => {
    const bad = await run(['trace', '0000000000000001', '1', 'tcp_dst=80']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/400 invalid_input: .*tcp_dst/);
    expect((await run(['trace', '--from', 'h1'])).code).toBe(2);
    expect((await run(['trace', '0000000000000001', 'one'])).code).toBe(2);
    expect((await run(['trace', '0000000000000001', '1', 'novalue'])).code).toBe(2);
  });

  it('lab names: hN is Mininet\'s 10.0.0.N, sN is dpid N', () => {
    expect(hostArg('h3')).toBe('10.0.0.3');
    expect(hostArg('h300')).toBe('10.0.1.44');
    expect(hostArg('aa:bb:cc:dd:ee:ff')).toBe('aa:bb:cc:dd:ee:ff');
    expect(traceBody(['s12', '3', 'eth_type=2048', 'ipv4_dst=10.0.0.2'], { source: 'desired' })).toEqual({
      dpid: '000000000000000c',
      inPort: 3,
      packet: { eth_type: 2048, ipv4_dst: '10.0.0.2' },
      source: 'desired',
    });
  });
});
