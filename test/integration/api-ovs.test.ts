/** The northbound API end to end with real Open vSwitch: flows in and out through REST, switch errors surfaced, the CLI against a running controller. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApi } from '../../src/api/index.js';
import type { Controller } from '../../src/controller.js';
import { cleanupAll, waitFor, type Bridge } from '../harness/ovs.js';
import { startOvsApi, type OvsApi } from '../harness/ovs-api.js';
import { runCli } from '../harness/cli.js';

const DPID = 0xb1n;
const HEX = '00000000000000b1';
let ctrl: Controller;
let api: RunningApi;
let br: Bridge;

let http: OvsApi['http'];
let rig: OvsApi | undefined;

beforeAll(async () => {
  rig = await startOvsApi({ dpid: DPID, dataDirPrefix: 'sbx-api-ovs-' });
  ({ ctrl, api, br, http } = rig);
  await br.addPort({ kind: 'internal' });
  await br.addPort({ kind: 'internal' });
  await waitFor(async () => (ctrl.datapaths.get(DPID)?.ports.size ?? 0) >= 3, 15_000, 50);
});

afterAll(async () => {
  await rig?.stop();
  await cleanupAll();
});

describe('REST against Open vSwitch', () => {
  it('POST a flow → ovs-ofctl dump-flows shows it; DELETE → gone', async () => {
    const add = await http('POST', `/api/v1/switches/${HEX}/flows`, { priority: 1234, cookie: '0x7701', match: { in_port: 1, eth_type: 2048, ipv4_dst: '10.1.0.0/24' }, actions: [{ type: 'output', port: 2 }] });
    expect(add.status).toBe(201);
    const dumped = (await br.dumpFlows('OpenFlow13')).filter((f) => f.cookie === 0x7701n);
    expect(dumped).toHaveLength(1);
    expect(dumped[0]).toMatchObject({ priority: 1234, actions: 'output:2' });
    expect(dumped[0]!.match).toMatch(/in_port=1/);
    expect(dumped[0]!.match).toMatch(/nw_dst=10\.1\.0\.0\/24/);

    const live = (await http('GET', `/api/v1/switches/${HEX}/flows?cookie=0x7701`)).json as { priority: number }[];
    expect(live.map((f) => f.priority)).toEqual([1234]);

    const del = await http('DELETE', `/api/v1/switches/${HEX}/flows?cookie=0x7701`);
    expect(del.status).toBe(200);
    expect((await br.dumpFlows('OpenFlow13')).filter((f) => f.cookie === 0x7701n)).toEqual([]);
  });

  it('Ryu ofctl_rest: flowentry/add shows in dump-flows and in /stats/flow; clear removes it', async () => {
    const add = await http('POST', '/stats/flowentry/add', { dpid: Number(DPID), cookie: 0x7702, priority: 4321, match: { in_port: 2 }, actions: [{ type: 'OUTPUT', port: 1 }] });
    expect(add.status).toBe(200);
    expect((await br.dumpFlows('OpenFlow13')).filter((f) => f.cookie === 0x7702n)).toMatchObject([{ priority: 4321, actions: 'output:1' }]);
    const stats = (await http('GET', `/stats/flow/${Number(DPID)}`)).json as Record<string, { cookie: number; priority: number; match: unknown; actions: unknown }[]>;
    expect(stats[String(Number(DPID))]!.find((f) => f.cookie === 0x7702)).toMatchObject({ priority: 4321, match: { in_port: 2 }, actions: ['OUTPUT:1'] });
    expect((await http('GET', '/stats/switches')).json).toContain(Number(DPID));
    expect((await http('DELETE', `/stats/flowentry/clear/${Number(DPID)}`)).status).toBe(200);
    expect((await br.dumpFlows('OpenFlow13')).filter((f) => f.cookie === 0x7702n)).toEqual([]);
  });

  it("surfaces Open vSwitch's error for a flow it refuses (422 with the error names)", async () => {
    // goto_table must go forward: OVS refuses a jump from table 1 to table 0 (OFPBIC_BAD_TABLE_ID).
    const r = await http('POST', `/api/v1/switches/${HEX}/flows`, { tableId: 1, priority: 1, instructions: [{ type: 'goto_table', tableId: 0 }] });
    expect(r.status).toBe(422);
    expect(r.json).toMatchObject({ code: 'switch_rejected', details: { type: 'OFPET_BAD_INSTRUCTION' } });
  });

  it('groups and meters through REST reach the switch', async () => {
    expect((await http('POST', `/api/v1/switches/${HEX}/groups`, { groupId: 7, type: 'all', buckets: [{ actions: [{ type: 'output', port: 1 }] }, { actions: [{ type: 'output', port: 2 }] }] })).status).toBe(201);
    const groups = (await http('GET', `/api/v1/switches/${HEX}/groups`)).json as { groupId: number; buckets: unknown[] }[];
    expect(groups.find((g) => g.groupId === 7)?.buckets).toHaveLength(2);
    expect((await http('DELETE', `/api/v1/switches/${HEX}/groups/7`)).status).toBe(200);
    expect(((await http('GET', `/api/v1/switches/${HEX}/groups`)).json as unknown[]).length).toBe(0);
  });

  it('port down and up with PORT_MOD', async () => {
    expect((await http('PATCH', `/api/v1/switches/${HEX}/ports/1`, { up: false })).status).toBe(200);
    await waitFor(async () => ((ctrl.datapaths.get(DPID)!.ports.get(1)?.config ?? 0) & 1) === 1, 5000, 50);
    expect((await http('PATCH', `/api/v1/switches/${HEX}/ports/1`, { up: true })).status).toBe(200);
    await waitFor(async () => ((ctrl.datapaths.get(DPID)!.ports.get(1)?.config ?? 1) & 1) === 0, 5000, 50);
  });

  it('Ryu ofctl_rest: /stats/tablefeatures lists the tables Open vSwitch reports, with their match fields', async () => {
    const r = await http('GET', `/stats/tablefeatures/${Number(DPID)}`);
    expect(r.status).toBe(200);
    const tables = (r.json as Record<string, { table_id: number; name: string; max_entries: number; properties: { type: string; oxm_ids?: { type: string }[]; instruction_ids?: { type: number }[] }[] }[]>)[String(Number(DPID))]!;
    // One entry per table the switch announced in its FEATURES_REPLY, in order.
    const nTables = ctrl.datapaths.get(DPID)!.session.features!.nTables;
    expect(tables.map((t) => t.table_id)).toEqual(Array.from({ length: nTables }, (_, i) => i));
    const t0 = tables.find((t) => t.table_id === 0)!;
    expect(t0.max_entries).toBeGreaterThan(0);
    const match = t0.properties.find((p) => p.type === 'MATCH');
    expect(match?.oxm_ids?.map((o) => o.type)).toEqual(expect.arrayContaining(['in_port', 'eth_dst', 'ipv4_dst', 'tcp_dst']));
    // OFPIT_APPLY_ACTIONS (4) among the instructions table 0 takes.
    expect(t0.properties.find((p) => p.type === 'INSTRUCTIONS')?.instruction_ids?.map((i) => i.type)).toContain(4);
  });
});

describe('CLI against a running controller', () => {
  it('signalbox switches prints the bridge', async () => {
    const { code, out, err } = await runCli(['switches', '--url', api.address]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(new RegExp(`^${HEX}\\s+1\\.3\\s+3\\s+127\\.0\\.0\\.1:\\d+\\s+.*Nicira`, 'm'));
  });
});
