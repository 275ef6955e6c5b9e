/**
 * The Ryu-compatible routes, checked against the request and response examples of Ryu's
 * ryu.app.ofctl_rest documentation (doc/source/app/ofctl_rest.rst) and rest_topology's shapes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OfMessage } from '../../src/openflow/codec/index.js';
import { fakeTopology, makeRig, type ApiRig } from './api-harness.js';

let rig: ApiRig;
beforeAll(async () => {
  rig = await makeRig({ switches: [{ dpid: 1n }, { dpid: 2n, versions: [1] }], context: { topology: fakeTopology() } });
});
afterAll(async () => rig.close());

/** As curl -X POST -d '...' sends it: form content type, JSON text. */
async function curl(method: string, url: string, body?: unknown) {
  const r = await rig.app.inject({
    method: method as 'GET',
    url,
    ...(body !== undefined ? { payload: JSON.stringify(body), headers: { 'content-type': 'application/x-www-form-urlencoded' } } : {}),
  });
  return { status: r.statusCode, text: r.body, json: r.body === '' ? undefined : (r.json() as Record<string, unknown>) };
}

const model = () => rig.switches.get(1n)!.model;

describe('ofctl_rest: retrieve the switch stats', () => {
  it('GET /stats/switches lists decimal dpids', async () => {
    expect((await curl('GET', '/stats/switches')).json).toEqual([1, 2]);
  });

  it('GET /stats/desc/<dpid>', async () => {
    expect((await curl('GET', '/stats/desc/1')).json).toEqual({ '1': { mfr_desc: 'Fake', hw_desc: 'fake 1.3', sw_desc: 'test', serial_num: '1', dp_desc: 'fake switch' } });
  });

  it('POST /stats/flowentry/add with the documented body, then GET /stats/flow/<dpid> shows the documented entry', async () => {
    model().flows = [];
    const add = await curl('POST', '/stats/flowentry/add', {
      dpid: 1,
      cookie: 1,
      cookie_mask: 1,
      table_id: 0,
      idle_timeout: 30,
      hard_timeout: 30,
      priority: 11111,
      flags: 1,
      match: { in_port: 1 },
      actions: [{ type: 'OUTPUT', port: 2 }],
    });
    expect(add.status).toBe(200);
    const r = await curl('GET', '/stats/flow/1');
    // The documented example: length 88, table 0, priority 11111, flags 1, cookie 1, match {"in_port": 1}, actions ["OUTPUT:2"].
    expect(r.json).toEqual({
      '1': [
        {
          length: 88,
          table_id: 0,
          duration_sec: 3,
          duration_nsec: 5000,
          priority: 11111,
          idle_timeout: 30,
          hard_timeout: 30,
          flags: 1,
          cookie: 1,
          packet_count: 7,
          byte_count: 700,
          match: { in_port: 1 },
          actions: ['OUTPUT:2'],
        },
      ],
    });
  });

  it('POST /stats/flow/<dpid> filters by the documented fields', async () => {
    const hit = await curl('POST', '/stats/flow/1', { table_id: 0, out_port: 2, cookie: 1, cookie_mask: 1, match: { in_port: 1 } });
    expect((hit.json!['1'] as unknown[]).length).toBe(1);
    const miss = await curl('POST', '/stats/flow/1', { cookie: 2, cookie_mask: 3 });
    expect(miss.json).toEqual({ '1': [] });
  });

  it('/stats/flowdesc/<dpid> answers exactly as /stats/flow/<dpid> (Ryu routes both to get_flow_stats), GET and POST with a filter', async () => {
    const all = await curl('GET', '/stats/flowdesc/1');
    expect(all.status).toBe(200);
    expect((all.json!['1'] as unknown[]).length).toBeGreaterThan(0);
    expect(all.text).toBe((await curl('GET', '/stats/flow/1')).text);
    const filter = { table_id: 0, out_port: 2, cookie: 1, cookie_mask: 1, match: { in_port: 1 } };
    const hit = await curl('POST', '/stats/flowdesc/1', filter);
    expect(hit.text).toBe((await curl('POST', '/stats/flow/1', filter)).text);
    expect((hit.json!['1'] as unknown[]).length).toBe(1);
    expect((await curl('POST', '/stats/flowdesc/1', { cookie: 2, cookie_mask: 3 })).json).toEqual({ '1': [] });
    expect((await curl('POST', '/stats/flowdesc/1', { match: { no_such: 1 } })).json).toMatchObject({ field: 'body.match.no_such' });
    expect((await curl('GET', '/stats/flowdesc/99')).status).toBe(404);
  });

  it('GET and POST /stats/aggregateflow/<dpid>', async () => {
    expect((await curl('GET', '/stats/aggregateflow/1')).json).toEqual({ '1': [{ packet_count: 18, byte_count: 756, flow_count: 1 }] });
    expect((await curl('POST', '/stats/aggregateflow/1', { table_id: 0, match: { in_port: 1 } })).json).toEqual({ '1': [{ packet_count: 18, byte_count: 756, flow_count: 1 }] });
  });

  it('GET /stats/port/<dpid>[/<port>] with the documented fields', async () => {
    const all = await curl('GET', '/stats/port/1');
    expect((all.json!['1'] as unknown[]).length).toBe(3);
    expect((await curl('GET', '/stats/port/1/1')).json).toEqual({
      '1': [
        {
          port_no: 1, rx_packets: 9, tx_packets: 6, rx_bytes: 738, tx_bytes: 252, rx_dropped: 0, tx_dropped: 0, rx_errors: 0, tx_errors: 0,
          rx_frame_err: 0, rx_over_err: 0, rx_crc_err: 0, collisions: 0, duration_sec: 12, duration_nsec: 976000000,
        },
      ],
    });
  });

  it('GET /stats/portdesc/<dpid>', async () => {
    expect(((await curl('GET', '/stats/portdesc/1')).json!['1'] as unknown[])[0]).toEqual({
      port_no: 1, hw_addr: '02:00:00:00:00:01', name: 'eth1', config: 0, state: 0, curr: 2048, advertised: 0, supported: 0, peer: 0, curr_speed: 1000000, max_speed: 1000000,
    });
  });

  it('GET /stats/table/<dpid> (OpenFlow 1.3 form)', async () => {
    expect((await curl('GET', '/stats/table/1')).json).toEqual({
      '1': [
        { table_id: 0, active_count: 1, lookup_count: 8, matched_count: 0 },
        { table_id: 1, active_count: 0, lookup_count: 0, matched_count: 0 },
      ],
    });
  });

  it('GET /stats/queue/<dpid>', async () => {
    expect((await curl('GET', '/stats/queue/1')).json).toEqual({ '1': [{ port_no: 1, queue_id: 0, tx_bytes: 0, tx_packets: 0, tx_errors: 0, duration_sec: 4294963425, duration_nsec: 3912967296 }] });
  });
});

describe('ofctl_rest: groups, meters, role, port', () => {
  it('POST /stats/groupentry/add (documented body) → groupdesc and group stats as documented', async () => {
    expect((await curl('POST', '/stats/groupentry/add', { dpid: 1, type: 'ALL', group_id: 1, buckets: [{ actions: [{ type: 'OUTPUT', port: 1 }] }] })).status).toBe(200);
    expect((await curl('GET', '/stats/groupdesc/1')).json).toEqual({
      '1': [{ type: 'ALL', group_id: 1, buckets: [{ weight: 0, watch_port: 4294967295, watch_group: 4294967295, actions: ['OUTPUT:1'] }] }],
    });
    expect((await curl('GET', '/stats/group/1')).json).toEqual({
      '1': [{ length: 56, group_id: 1, ref_count: 1, packet_count: 0, byte_count: 0, duration_sec: 161, duration_nsec: 303000000, bucket_stats: [{ packet_count: 0, byte_count: 0 }] }],
    });
    expect((await curl('POST', '/stats/groupentry/modify', { dpid: 1, type: 'SELECT', group_id: 1, buckets: [{ weight: 1, actions: [{ type: 'OUTPUT', port: 2 }] }] })).status).toBe(200);
    expect(model().groups.get(1)).toMatchObject({ groupType: 1, buckets: [{ weight: 1 }] });
    expect((await curl('POST', '/stats/groupentry/delete', { dpid: 1, group_id: 1 })).status).toBe(200);
    expect(model().groups.size).toBe(0);
  });

  it('GET /stats/groupfeatures/<dpid> in the documented shape', async () => {
    expect((await curl('GET', '/stats/groupfeatures/1')).json).toEqual({
      '1': [
        {
          types: [],
          capabilities: ['SELECT_WEIGHT', 'SELECT_LIVENESS', 'CHAINING'],
          max_groups: [{ ALL: 4294967040 }, { SELECT: 4294967040 }, { INDIRECT: 4294967040 }, { FF: 4294967040 }],
          actions: [
            { ALL: ['OUTPUT', 'COPY_TTL_OUT', 'COPY_TTL_IN', 'SET_MPLS_TTL', 'DEC_MPLS_TTL', 'PUSH_VLAN', 'POP_VLAN', 'PUSH_MPLS', 'POP_MPLS', 'SET_QUEUE', 'GROUP', 'SET_NW_TTL', 'DEC_NW_TTL', 'SET_FIELD'] },
            { SELECT: [] },
            { INDIRECT: [] },
            { FF: [] },
          ],
        },
      ],
    });
  });

  it('POST /stats/meterentry/add (documented body, flags as a string) → meterconfig and meter stats as documented', async () => {
    expect((await curl('POST', '/stats/meterentry/add', { dpid: 1, flags: 'KBPS', meter_id: 1, bands: [{ type: 'DROP', rate: 1000 }] })).status).toBe(200);
    expect((await curl('GET', '/stats/meterconfig/1')).json).toEqual({ '1': [{ flags: ['KBPS'], meter_id: 1, bands: [{ type: 'DROP', rate: 1000, burst_size: 0 }] }] });
    // meterdesc (OpenFlow 1.5's name for the meter config) answers the same, all meters or one.
    expect((await curl('GET', '/stats/meterdesc/1')).json).toEqual({ '1': [{ flags: ['KBPS'], meter_id: 1, bands: [{ type: 'DROP', rate: 1000, burst_size: 0 }] }] });
    expect((await curl('GET', '/stats/meterdesc/1/1')).json).toEqual({ '1': [{ flags: ['KBPS'], meter_id: 1, bands: [{ type: 'DROP', rate: 1000, burst_size: 0 }] }] });
    expect((await curl('GET', '/stats/meterdesc/2')).status).toBe(501);
    expect((await curl('GET', '/stats/meter/1')).json).toEqual({
      '1': [{ meter_id: 1, len: 56, flow_count: 0, packet_in_count: 0, byte_in_count: 0, duration_sec: 37, duration_nsec: 988000, band_stats: [{ packet_band_count: 0, byte_band_count: 0 }] }],
    });
    expect((await curl('POST', '/stats/meterentry/modify', { dpid: 1, meter_id: 1, flags: ['PKTPS', 'BURST'], bands: [{ type: 'DSCP_REMARK', rate: 10, burst_size: 5, prec_level: 1 }] })).status).toBe(200);
    expect(model().meters.get(1)).toEqual({ flags: 6, meterId: 1, bands: [{ type: 'dscp_remark', rate: 10, burstSize: 5, precLevel: 1 }] });
    expect((await curl('POST', '/stats/meterentry/delete', { dpid: 1, meter_id: 1 })).status).toBe(200);
    expect(model().meters.size).toBe(0);
  });

  it('GET /stats/meterfeatures/<dpid> as documented', async () => {
    expect((await curl('GET', '/stats/meterfeatures/1')).json).toEqual({ '1': [{ max_meter: 256, band_types: ['DROP'], capabilities: ['KBPS', 'BURST', 'STATS'], max_bands: 16, max_color: 8 }] });
  });

  it('POST /stats/role and GET /stats/role/<dpid>', async () => {
    expect((await curl('POST', '/stats/role', { dpid: 1, role: 'MASTER' })).status).toBe(200);
    const r = await curl('GET', '/stats/role/1');
    expect(r.json).toEqual({ '1': [{ generation_id: expect.any(Number), role: expect.stringMatching(/^(NOCHANGE|EQUAL|MASTER|SLAVE)$/) }] });
    expect((await curl('POST', '/stats/role', { dpid: 1, role: 'BOSS' })).json).toMatchObject({ code: 'invalid_input', field: 'body.role' });
  });

  it('POST /stats/portdesc/modify (documented body) sends PORT_MOD with the port\'s address', async () => {
    model().portMods = [];
    expect((await curl('POST', '/stats/portdesc/modify', { dpid: 1, port_no: 1, config: 1, mask: 1 })).status).toBe(200);
    expect(model().portMods).toMatchObject([{ type: 'port_mod', portNo: 1, config: 1, mask: 1, hwAddr: '02:00:00:00:00:01' }]);
  });

  it('answers 501 for groups and meters on an OpenFlow 1.0 switch, as Ryu does', async () => {
    expect((await curl('GET', '/stats/meter/2')).status).toBe(501);
    expect((await curl('POST', '/stats/groupentry/add', { dpid: 2, group_id: 1 })).status).toBe(501);
  });
});

describe('ofctl_rest: match and action forms of the reference section', () => {
  it('the documented GOTO_TABLE, WRITE_METADATA and METER examples become instructions', async () => {
    model().flows = [];
    await curl('POST', '/stats/flowentry/add', { dpid: 1, priority: 22222, match: { in_port: 1 }, actions: [{ type: 'GOTO_TABLE', table_id: 1 }] });
    await curl('POST', '/stats/flowentry/add', { dpid: 1, priority: 33333, match: { in_port: 1 }, actions: [{ type: 'WRITE_METADATA', metadata: 1, metadata_mask: 1 }] });
    await curl('POST', '/stats/flowentry/add', { dpid: 1, priority: 44444, match: { in_port: 1 }, actions: [{ type: 'METER', meter_id: 1 }] });
    expect(model().flows.map((f) => f.instructions)).toEqual([[{ type: 'goto_table', tableId: 1 }], [{ type: 'write_metadata', metadata: 1n, metadataMask: 1n }], [{ type: 'meter', meterId: 1 }]]);
    const shown = ((await curl('GET', '/stats/flow/1')).json!['1'] as { priority: number; actions: unknown[] }[]).map((f) => [f.priority, f.actions]);
    expect(shown).toEqual([
      [22222, ['GOTO_TABLE:1']],
      [33333, ['WRITE_METADATA:0x1/0x1']],
      [44444, ['METER:1']],
    ]);
  });

  it('old field names, masks, dl_vlan rules, tp_* by protocol, ARP nw_* and reserved ports', async () => {
    model().flows = [];
    const add = await curl('POST', '/stats/flowentry/add', {
      dpid: 1,
      priority: 5,
      match: { in_port: 'LOCAL', dl_dst: 'AA:BB:CC:11:22:33/00:00:00:00:ff:ff', dl_type: 2048, dl_vlan: 5, nw_src: '192.168.0.1/24', nw_dst: '192.168.10.10/255.255.255.0', nw_proto: 6, tp_dst: 80 },
      actions: [
        { type: 'PUSH_VLAN', ethertype: 33024 },
        { type: 'SET_FIELD', field: 'vlan_vid', value: 4102 },
        { type: 'OUTPUT', port: 'CONTROLLER' },
        { type: 'WRITE_ACTIONS', actions: [{ type: 'POP_VLAN' }, { type: 'OUTPUT', port: 2 }] },
        { type: 'CLEAR_ACTIONS' },
      ],
    });
    expect(add.status).toBe(200);
    const f = model().flows[0]!;
    expect(f.match).toEqual([
      { field: 'in_port', value: 0xfffffffe },
      { field: 'eth_dst', value: 'aa:bb:cc:11:22:33', mask: '00:00:00:00:ff:ff' },
      { field: 'eth_type', value: 2048 },
      { field: 'vlan_vid', value: 0x1005 },
      { field: 'ip_proto', value: 6 },
      { field: 'ipv4_src', value: '192.168.0.1', mask: '255.255.255.0' },
      { field: 'ipv4_dst', value: '192.168.10.10', mask: '255.255.255.0' },
      { field: 'tcp_dst', value: 80 },
    ]);
    expect(f.instructions).toEqual([
      { type: 'write_actions', actions: [{ type: 'pop_vlan' }, { type: 'output', port: 2, maxLen: 0xffe5 }] },
      { type: 'clear_actions' },
      { type: 'apply_actions', actions: [{ type: 'push_vlan', ethertype: 33024 }, { type: 'set_field', field: { field: 'vlan_vid', value: 4102 } }, { type: 'output', port: 0xfffffffd, maxLen: 0xffe5 }] },
    ]);
    const e = ((await curl('GET', '/stats/flow/1')).json!['1'] as { match: unknown; actions: unknown }[])[0]!;
    expect(e.match).toEqual({ in_port: 'LOCAL', dl_dst: 'aa:bb:cc:11:22:33/00:00:00:00:ff:ff', dl_type: 2048, dl_vlan: '5', nw_proto: 6, nw_src: '192.168.0.1/255.255.255.0', nw_dst: '192.168.10.10/255.255.255.0', tp_dst: 80 });
    expect(e.actions).toEqual([{ WRITE_ACTIONS: ['POP_VLAN', 'OUTPUT:2'] }, 'CLEAR_ACTIONS', 'PUSH_VLAN:33024', 'SET_FIELD: {vlan_vid:4102}', 'OUTPUT:CONTROLLER']);

    model().flows = [];
    await curl('POST', '/stats/flowentry/add', { dpid: 1, match: { dl_type: 2054, nw_src: '10.0.0.1', dl_vlan: '0x0000', metadata: '0x1212/0xffff' } });
    expect(model().flows[0]!.match).toEqual([
      { field: 'metadata', value: 0x1212n, mask: 0xffffn },
      { field: 'eth_type', value: 2054 },
      { field: 'vlan_vid', value: 0 },
      { field: 'arp_spa', value: '10.0.0.1' },
    ]);
    expect(model().flows[0]!.priority).toBe(0); // Ryu's default priority
  });

  it('modify, delete_strict, delete and clear', async () => {
    model().flows = [];
    await curl('POST', '/stats/flowentry/add', { dpid: 1, priority: 7, match: { in_port: 1 }, actions: [{ type: 'OUTPUT', port: 2 }] });
    await curl('POST', '/stats/flowentry/modify', { dpid: 1, match: { in_port: 1 }, actions: [{ type: 'OUTPUT', port: 3 }] });
    expect(model().flows[0]!.instructions).toEqual([{ type: 'apply_actions', actions: [{ type: 'output', port: 3, maxLen: 0xffe5 }] }]);
    await curl('POST', '/stats/flowentry/delete_strict', { dpid: 1, priority: 8, match: { in_port: 1 } });
    expect(model().flows).toHaveLength(1);
    await curl('POST', '/stats/flowentry/delete_strict', { dpid: 1, priority: 7, match: { in_port: 1 } });
    expect(model().flows).toHaveLength(0);
    await curl('POST', '/stats/flowentry/add', { dpid: 1, priority: 7, table_id: 3, match: { in_port: 1 } });
    const clear = await curl('DELETE', '/stats/flowentry/clear/1');
    expect(clear.status).toBe(200);
    expect(model().flows).toHaveLength(0); // every table, not only table 0
  });

  it('keeps every digit of 64-bit cookies in both directions', async () => {
    model().flows = [];
    await curl('POST', '/stats/flowentry/add', { dpid: 1, cookie: '18446744073709551615', match: {} });
    expect(model().flows[0]!.cookie).toBe(0xffff_ffff_ffff_ffffn);
    expect((await curl('GET', '/stats/flow/1')).text).toContain('"cookie":18446744073709551615');
    model().flows = [];
  });
});

describe('ofctl_rest: dpids as Ryu reads them', () => {
  it('takes 1, "1", "0x1" and "0x0000000000000001" in the URL and the body', async () => {
    const want = (await curl('GET', '/stats/flow/1')).json;
    for (const d of ['0x1', '0X1', '0x0000000000000001']) expect((await curl('GET', `/stats/flow/${d}`)).json, d).toEqual(want);
    for (const dpid of [1, '1', '0x1']) {
      model().flows = [];
      const add = await curl('POST', '/stats/flowentry/add', { dpid, priority: 7, match: { in_port: 1 }, actions: [] });
      expect(add.status, String(dpid)).toBe(200);
      expect(((await curl('GET', '/stats/flow/0x1')).json!['1'] as { priority: number }[]).map((f) => f.priority), String(dpid)).toEqual([7]);
    }
    model().flows = [];
  });
});

describe('ofctl_rest: errors', () => {
  it('404 for a switch that is not connected, 400 for malformed dpids and bodies, naming the field', async () => {
    expect((await curl('GET', '/stats/desc/99')).status).toBe(404);
    // Ryu reads a dpid with int(s, 0): 0x hex is the same switch, anything else is a 400 naming it.
    expect((await curl('GET', '/stats/desc/0x1')).json).toEqual((await curl('GET', '/stats/desc/1')).json);
    expect((await curl('GET', '/stats/desc/0xZZ')).json).toMatchObject({ code: 'invalid_input', field: 'params.dpid' });
    expect((await curl('GET', '/stats/desc/1e3')).json).toMatchObject({ code: 'invalid_input', field: 'params.dpid' });
    expect((await curl('GET', '/stats/desc/0x63')).status).toBe(404);
    expect((await curl('POST', '/stats/flowentry/add', { dpid: '0x9', match: {} })).status).toBe(404);
    expect((await curl('POST', '/stats/flowentry/add', { dpid: 'one', match: {} })).json).toMatchObject({ code: 'invalid_input', field: 'body.dpid' });
    expect((await curl('POST', '/stats/flowentry/add', { match: {} })).json).toMatchObject({ code: 'invalid_input', field: 'body.dpid' });
    expect((await curl('POST', '/stats/flowentry/add', { dpid: 9, match: {} })).status).toBe(404);
    expect((await curl('POST', '/stats/flowentry/add', { dpid: 1, match: { tp_dst: 80 } })).json).toMatchObject({ field: 'body.match.tp_dst' });
    expect((await curl('POST', '/stats/flowentry/add', { dpid: 1, match: { nw_src: 17 } })).json).toMatchObject({ field: 'body.match.nw_src' });
    expect((await curl('POST', '/stats/flowentry/add', { dpid: 1, match: { no_such: 1 } })).json).toMatchObject({ field: 'body.match.no_such' });
    expect((await curl('POST', '/stats/flowentry/add', { dpid: 1, actions: [{ type: 'TELEPORT' }] })).json).toMatchObject({ field: 'body.actions[0].type' });
    expect((await curl('POST', '/stats/flowentry/add', { dpid: 1, actions: [{ type: 'OUTPUT', port: 'NOWHERE' }] })).json).toMatchObject({ field: 'body.actions[0].port' });
    expect((await curl('POST', '/stats/flowentry/add', { dpid: 1, priority: 70000 })).json).toMatchObject({ field: 'body.priority' });
    expect((await curl('POST', '/stats/flowentry/explode', { dpid: 1 })).json).toMatchObject({ code: 'invalid_input', field: 'params.cmd' });
    expect((await curl('POST', '/stats/meterentry/add', { dpid: 1, flags: 'FAST' })).json).toMatchObject({ field: 'body.flags' });
    expect((await curl('POST', '/stats/groupentry/add', { dpid: 1, type: 'SOME' })).json).toMatchObject({ field: 'body.type' });
  });

  it('/stats/queuedesc is OpenFlow 1.4+: 501 for a connected switch as Ryu answers for 1.3, 404 for an unknown one', async () => {
    for (const url of ['/stats/queuedesc/1', '/stats/queuedesc/1/1', '/stats/queuedesc/1/ALL/0', '/stats/queuedesc/2']) {
      const r = await curl('GET', url);
      expect(r.status, url).toBe(501);
      expect(r.json, url).toMatchObject({ code: 'version_unsupported' });
    }
    expect((await curl('GET', '/stats/queuedesc/99')).status).toBe(404);
    expect((await curl('GET', '/stats/queuedesc/0xZZ')).json).toMatchObject({ field: 'params.dpid' });
  });
});

describe('rest_topology', () => {
  it('GET /v1.0/topology/switches, links and hosts in Ryu\'s shapes', async () => {
    const sw = (await curl('GET', '/v1.0/topology/switches')).json as unknown as { dpid: string; ports: unknown[] }[];
    expect(sw.map((s) => s.dpid)).toEqual(['0000000000000001', '0000000000000002']);
    expect(sw[0]!.ports[0]).toEqual({ dpid: '0000000000000001', port_no: '00000001', hw_addr: '02:00:00:00:00:01', name: 'eth1' });
    expect((await curl('GET', '/v1.0/topology/switches/0000000000000002')).json).toHaveLength(1);
    const links = (await curl('GET', '/v1.0/topology/links')).json as unknown as unknown[];
    expect(links).toEqual([
      { src: { dpid: '0000000000000001', port_no: '00000002', hw_addr: '02:00:00:00:00:02', name: 'eth2' }, dst: { dpid: '0000000000000002', port_no: '00000001', hw_addr: '02:00:00:00:00:01', name: 'eth1' } },
      { src: { dpid: '0000000000000002', port_no: '00000001', hw_addr: '02:00:00:00:00:01', name: 'eth1' }, dst: { dpid: '0000000000000001', port_no: '00000002', hw_addr: '02:00:00:00:00:02', name: 'eth2' } },
    ]);
    expect((await curl('GET', '/v1.0/topology/links/0000000000000002')).json).toHaveLength(1);
    expect((await curl('GET', '/v1.0/topology/hosts')).json).toEqual([
      { mac: 'aa:aa:aa:aa:aa:01', ipv4: ['10.0.0.1'], ipv6: [], port: { dpid: '0000000000000001', port_no: '00000001', hw_addr: '02:00:00:00:00:01', name: 'eth1' } },
      { mac: 'aa:aa:aa:aa:aa:02', ipv4: ['10.0.0.2'], ipv6: ['fe80::2'], port: { dpid: '0000000000000002', port_no: '00000002', hw_addr: '02:00:00:00:00:02', name: 'eth2' } },
    ]);
    expect((await curl('GET', '/v1.0/topology/hosts/zz')).status).toBe(400);
  });
});

describe('ofctl_rest: table features, queue config, experimenter', () => {
  /** Answers the requests the emulated switch does not know, the way OVS does. */
  const answer = (fn: (m: OfMessage) => OfMessage | undefined): (() => void) => {
    const fake = rig.switches.get(1n)!.fake;
    const on = (m: OfMessage): void => {
      const r = fn(m);
      if (r) fake.send(r);
    };
    fake.on('message', on);
    return () => fake.off('message', on);
  };

  it('GET /stats/tablefeatures/<dpid> in Ryu\'s shape (property names, ids as {len, type}, OXM ids by field name)', async () => {
    const off = answer((m) =>
      m.type === 'multipart_request' && m.version === 4 && m.body.type === 'table_features'
        ? ({
            version: 4,
            type: 'multipart_reply',
            xid: m.xid,
            flags: 0,
            body: {
              type: 'table_features',
              tables: [
                {
                  tableId: 0,
                  name: 'table0',
                  metadataMatch: 0xffff_ffff_ffff_ffffn,
                  metadataWrite: 0xffff_ffff_ffff_ffffn,
                  config: 0,
                  maxEntries: 1000000,
                  properties: [
                    { type: 'instructions', instructionIds: [{ instructionType: 1 }, { instructionType: 4 }] },
                    { type: 'next_tables', tableIds: [1, 2] },
                    { type: 'apply_actions', actionIds: [{ actionType: 0 }, { actionType: 0xffff, data: Buffer.from([0, 0, 0x23, 0x20]) }] },
                    { type: 'match', oxmIds: [{ oxmClass: 0x8000, oxmField: 0, hasMask: false, length: 4 }, { oxmClass: 0x8000, oxmField: 3, hasMask: true, length: 12 }, { oxmClass: 1, oxmField: 5, hasMask: false, length: 4 }] },
                    { type: 'experimenter', experimenter: 0x2320, expType: 1, data: Buffer.alloc(0) },
                    { type: 'unknown', propType: 0xfff0, data: Buffer.alloc(0) },
                  ],
                },
              ],
            },
          } as OfMessage)
        : undefined,
    );
    try {
      const r = await curl('GET', '/stats/tablefeatures/1');
      expect(r.status).toBe(200);
      // 64-bit metadata masks print as bare digits, as Python's json does.
      expect(r.text).toContain('"metadata_match":18446744073709551615');
      const t = (r.json as Record<string, Record<string, unknown>[]>)['1']![0]!;
      expect({ ...t, metadata_match: undefined, metadata_write: undefined }).toEqual({
        name: 'table0',
        metadata_match: undefined,
        metadata_write: undefined,
        config: 0,
        max_entries: 1000000,
        table_id: 0,
        properties: [
          { type: 'INSTRUCTIONS', instruction_ids: [{ len: 4, type: 1 }, { len: 4, type: 4 }] },
          { type: 'NEXT_TABLES', table_ids: [1, 2] },
          { type: 'APPLY_ACTIONS', action_ids: [{ len: 4, type: 0 }, { len: 8, type: 65535 }] },
          { type: 'MATCH', oxm_ids: [{ hasmask: 0, length: 4, type: 'in_port' }, { hasmask: 1, length: 12, type: 'eth_dst' }, { hasmask: 0, length: 4, type: 'field_133' }] },
          { type: 'EXPERIMENTER' },
          { type: 'UNKNOWN' },
        ],
      });
    } finally {
      off();
    }
    // An OpenFlow 1.0 switch has no table features: 501 naming it.
    expect((await curl('GET', '/stats/tablefeatures/2')).status).toBe(501);
    expect((await curl('GET', '/stats/tablefeatures/9')).status).toBe(404);
  });

  it('GET /stats/queueconfig/<dpid>[/<port>] sends OFPT_QUEUE_GET_CONFIG_REQUEST for all ports or one', async () => {
    const asked: number[] = [];
    const off = answer((m) => {
      if (m.type !== 'queue_get_config_request') return undefined;
      asked.push(m.port);
      return {
        version: 4,
        type: 'queue_get_config_reply',
        xid: m.xid,
        port: m.port,
        queues: [
          { queueId: 1, port: 2, properties: [{ type: 'min_rate', rate: 100 }, { type: 'max_rate', rate: 900 }] },
          { queueId: 2, port: 2, properties: [{ type: 'experimenter', experimenter: 0x2320, data: Buffer.from([1, 2]) }] },
        ],
      } as OfMessage;
    });
    try {
      const all = await curl('GET', '/stats/queueconfig/1');
      expect(all.json).toEqual({
        '1': [
          {
            port: 'ANY',
            queues: [
              { port: 2, queue_id: 1, properties: [{ property: 'MIN_RATE', rate: 100 }, { property: 'MAX_RATE', rate: 900 }] },
              { port: 2, queue_id: 2, properties: [{ property: 'EXPERIMENTER', experimenter: 0x2320, data: '0102' }] },
            ],
          },
        ],
      });
      expect(((await curl('GET', '/stats/queueconfig/1/2')).json as Record<string, { port: unknown }[]>)['1']![0]!.port).toBe(2);
      expect(asked).toEqual([0xffffffff, 2]);
      expect((await curl('GET', '/stats/queueconfig/1/nope')).json).toMatchObject({ statusCode: 400, field: 'params.port' });
    } finally {
      off();
    }
  });

  it('POST /stats/experimenter/<dpid> sends the message (ascii or base64 data) and surfaces the switch\'s refusal', async () => {
    const seen: { experimenter: number; expType: number; data: string }[] = [];
    const off = answer((m) => {
      if (m.type !== 'experimenter') return undefined;
      seen.push({ experimenter: m.experimenter, expType: m.expType, data: m.data.toString('hex') });
      // OFPET_BAD_REQUEST / OFPBRC_BAD_EXPERIMENTER for any but 0x2320.
      return m.experimenter === 0x2320 ? undefined : ({ version: 4, type: 'error', xid: m.xid, errType: 1, code: 3, data: Buffer.alloc(0) } as OfMessage);
    });
    try {
      const ok = await curl('POST', '/stats/experimenter/1', { experimenter: 0x2320, exp_type: 3, data_type: 'ascii', data: 'hi' });
      expect(ok.status).toBe(200);
      const b64 = await curl('POST', '/stats/experimenter/1', { experimenter: 0x2320, exp_type: 4, data_type: 'base64', data: 'AQID' });
      expect(b64.status).toBe(200);
      expect(seen).toEqual([
        { experimenter: 0x2320, expType: 3, data: '6869' },
        { experimenter: 0x2320, expType: 4, data: '010203' },
      ]);
      const refused = await curl('POST', '/stats/experimenter/1', { experimenter: 99, exp_type: 1 });
      expect(refused.status).toBe(422);
      expect(refused.json).toMatchObject({ code: 'switch_rejected', details: { type: 'OFPET_BAD_REQUEST', code: 'OFPBRC_BAD_EXPERIMENTER' } });
      expect((await curl('POST', '/stats/experimenter/1', { data_type: 'hex', data: '00' })).json).toMatchObject({ statusCode: 400, field: 'body.data_type' });
      expect((await curl('POST', '/stats/experimenter/1', { data_type: 'base64', data: '!!' })).json).toMatchObject({ statusCode: 400, field: 'body.data' });
      expect((await curl('POST', '/stats/experimenter/1', { experimenter: -1 })).json).toMatchObject({ statusCode: 400, field: 'body.experimenter' });
    } finally {
      off();
    }
  });
});
