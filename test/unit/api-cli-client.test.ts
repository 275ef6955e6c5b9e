/** The CLI client commands against a real API server (startApi on a free port) over emulated switches. */
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type RunningApi } from '../../src/api/index.js';
import { main } from '../../src/cli.js';
import { parseActionsArg, parseMatchArg, runClient } from '../../src/cli/client/index.js';
import type { CliIo } from '../../src/cli/io.js';
import { defaultConfig } from '../../src/config.js';
import { ownerIdFor } from '../../src/flows/cookie.js';
import { fakeApps, fakeTopology, makeRig, type ApiRig } from './api-harness.js';

let rig: ApiRig;
let api: RunningApi;
const topo = fakeTopology();
const TOKEN = 'cli-admin-token-0123456789';

beforeAll(async () => {
  rig = await makeRig({ switches: [{ dpid: 1n }, { dpid: 2n }] });
  api = await startApi({
    context: {
      bus: rig.controller.bus,
      devices: rig.controller.devices,
      admin: rig.controller.admin,
      topology: topo,
      apps: fakeApps(),
      // The flow service's owners: static flows and one app.
      flows: { flows: () => [], ownerOfCookie: (c: bigint) => ({ [ownerIdFor('static')]: 'static', [ownerIdFor('forwarding')]: 'forwarding' })[Number(c >> 48n)] },
    },
    config: { api: { ...defaultConfig.api, listen: '127.0.0.1:0', tokens: [{ name: 'cli', token: TOKEN, scope: 'admin' }] } },
  });
});
afterAll(async () => {
  await api.close();
  await rig.close();
});

/** Resolves once everything written to `stream` so far contains `text` (event-driven, no polling). */
function written(stream: PassThrough, sofar: () => string, text: string): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (!sofar().includes(text)) return;
      stream.off('data', check);
      resolve();
    };
    // Listeners run in order: the accumulating one was added first, so `sofar()` already has this chunk.
    stream.on('data', check);
    check();
  });
}

function io(): CliIo & { out: () => string; err: () => string; outHas: (t: string) => Promise<void>; errHas: (t: string) => Promise<void> } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (d: Buffer) => (o += d.toString()));
  stderr.on('data', (d: Buffer) => (e += d.toString()));
  const out = (): string => o;
  const err = (): string => e;
  return { stdin: new PassThrough(), stdout, stderr, out, err, outHas: (t) => written(stdout, out, t), errHas: (t) => written(stderr, err, t) };
}

const env = () => ({ SIGNALBOX_URL: api.address, SIGNALBOX_TOKEN: TOKEN });

async function run(argv: string[], e: Record<string, string | undefined> = env()) {
  const s = io();
  const code = await runClient(argv[0] as never, argv.slice(1), s, { env: e });
  return { code, out: s.out(), err: s.err() };
}

describe('client commands', () => {
  it('switches: a table by default, the API JSON with --json', async () => {
    const t = await run(['switches']);
    expect(t.code).toBe(0);
    const lines = t.out.trim().split('\n');
    expect(lines[0]).toMatch(/^DPID\s+VERSION\s+PORTS\s+ADDRESS\s+CONNECTED\s+SOFTWARE$/);
    expect(lines[1]).toMatch(/^0000000000000001\s+1\.3\s+3\s+/);
    expect(lines).toHaveLength(3);
    const j = await run(['switches', '--json']);
    expect(JSON.parse(j.out).map((s: { dpid: string }) => s.dpid)).toEqual(['0000000000000001', '0000000000000002']);
  });

  it('ports DPID', async () => {
    const r = await run(['ports', '1']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^PORT\s+NAME\s+MAC\s+STATE\s+SPEED\n1\s+eth1\s+02:00:00:00:00:01\s+up\s+1000 Mb\/s\n/);
  });

  it('flow add, flows, flow del', async () => {
    const add = await run(['flow', 'add', '1', '--match', 'in_port=1,eth_type=0x800,ipv4_dst=10.0.0.0/24', '--actions', 'output:2,output:controller', '--priority', '100', '--cookie', '0x51']);
    expect(add).toMatchObject({ code: 0, out: 'flow added\n' });
    const model = rig.switches.get(1n)!.model;
    expect(model.flows[0]).toMatchObject({ priority: 100, cookie: 0x51n });
    const list = await run(['flows', '0000000000000001']);
    expect(list.out).toMatch(/TABLE\s+PRIO\s+OWNER\s+COOKIE\s+PACKETS\s+BYTES\s+AGE\s+MATCH\s+ACTIONS/);
    // eth_type as it was entered (hex); a cookie nobody owns shows as '-'.
    expect(list.out).toContain('in_port=1,eth_type=0x0800,ipv4_dst=10.0.0.0/255.255.255.0');
    expect(list.out).toMatch(/\n0\s+100\s+-\s+0x51\s/);
    expect(list.out).toContain('output:2,output:controller');
    expect(list.out).toContain('0x51');
    const del = await run(['flow', 'del', '1', '--cookie', '0x51']);
    expect(del).toMatchObject({ code: 0, out: '1 flow deleted\n' });
    expect(model.flows).toHaveLength(0);
  });

  it('flows: OWNER by cookie, --owner refuses an unknown owner; ovs-ofctl field names; flow del without a selector needs --all and counts', async () => {
    const model = rig.switches.get(2n)!.model;
    const staticCookie = `0x${((BigInt(ownerIdFor('static')) << 48n) | 7n).toString(16)}`;
    expect((await run(['flow', 'add', '2', '--match', 'dl_type=0x800,nw_dst=10.0.0.9', '--actions', 'output:1', '--priority', '10', '--cookie', staticCookie])).code).toBe(0);
    expect((await run(['flow', 'add', '2', '--match', 'dl_type=0x800,nw_proto=17,tp_dst=53', '--actions', 'output:2', '--priority', '20'])).code).toBe(0);
    expect(model.flows.map((f) => f.match.map((m) => m.field))).toEqual([
      ['eth_type', 'ipv4_dst'],
      ['eth_type', 'ip_proto', 'udp_dst'],
    ]);
    const list = await run(['flows', '2']);
    expect(list.out).toMatch(/\n0\s+10\s+static\s+0x5b1e000000000007\s.*eth_type=0x0800,ipv4_dst=10\.0\.0\.9/);
    expect(list.out).toMatch(/\n0\s+20\s+-\s+0x0\s/);
    expect(JSON.parse((await run(['flows', '2', '--owner', 'static', '--json'])).out)).toMatchObject([{ owner: 'static', priority: 10 }]);
    const bad = await run(['flows', '2', '--owner', 'nosuch']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/400 invalid_input: query\.owner: no flow owner named "nosuch"/);

    const refused = await run(['flow', 'del', '2']);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/every flow of the switch; add --all/);
    expect(model.flows).toHaveLength(2);
    expect(await run(['flow', 'del', '2', '--all'])).toMatchObject({ code: 0, out: '2 flows deleted\n' });
    expect(model.flows).toHaveLength(0);
  });

  it('topology, hosts, links and path', async () => {
    const t = await run(['topology']);
    expect(t.out).toContain('Switches (2)');
    // The same port count as `switches` (every reported port), then the live ones discovery uses.
    const sw = JSON.parse((await run(['switches', '--json'])).out) as { dpid: string; ports: number }[];
    const topoJson = JSON.parse((await run(['topology', '--json'])).out) as { switches: { dpid: string; ports: number[] }[] };
    expect(t.out).toMatch(/DPID\s+PORTS\s+LIVE\s+CONNECTED/);
    for (const s of topoJson.switches) expect(t.out).toMatch(new RegExp(`\\n${s.dpid}\\s+${sw.find((x) => x.dpid === s.dpid)?.ports ?? '-'}\\s+${s.ports.length}\\s+`));
    expect(t.out).toContain('Links (2, one per direction)');
    expect(t.out).toMatch(/0000000000000001\s+2\s+0000000000000002\s+1/);
    expect((await run(['hosts'])).out).toMatch(/aa:aa:aa:aa:aa:01\s+-\s+10\.0\.0\.1\s+-\s+0000000000000001\s+1/);
    expect(JSON.parse((await run(['links', '--json'])).out)).toHaveLength(2);
    const p = await run(['path', '10.0.0.1', 'aa:aa:aa:aa:aa:02']);
    expect(p.out).toMatch(/1\s+1\s+0000000000000001:2 -> 0000000000000002:1/);
  });

  it('switches, ports, flows, hosts and links read every page of a paged list (not the first page only)', async () => {
    const small = async (argv: string[]) => {
      const s = io();
      const code = await runClient(argv[0] as never, argv.slice(1), s, { env: env(), pageLimit: 1 });
      expect(code, argv.join(' ')).toBe(0);
      return JSON.parse(s.out()) as unknown[];
    };
    const model = rig.switches.get(1n)!.model;
    for (const p of [11, 12, 13]) expect((await run(['flow', 'add', '1', '--priority', String(p), '--cookie', '0x77', '--actions', 'drop'])).code).toBe(0);
    expect(model.flows.filter((f) => f.cookie === 0x77n)).toHaveLength(3);
    expect(await small(['flows', '1', '--cookie', '0x77', '--json'])).toHaveLength(3);
    expect(await small(['switches', '--json'])).toHaveLength(2);
    expect(await small(['ports', '1', '--json'])).toHaveLength(rig.controller.devices.get(1n)!.ports.size);
    expect(await small(['hosts', '--json'])).toHaveLength(2);
    expect(await small(['links', '--json'])).toHaveLength(2);
    expect(await run(['flow', 'del', '1', '--cookie', '0x77'])).toMatchObject({ code: 0, out: '3 flows deleted\n' });
  });

  it('apps and app enable|disable', async () => {
    expect((await run(['apps'])).out).toMatch(/NAME\s+STATE\s+DESCRIPTION\n/);
    expect(await run(['app', 'enable', 'acl'])).toMatchObject({ code: 0, out: 'acl: running\n' });
    expect(await run(['app', 'disable', 'acl'])).toMatchObject({ code: 0, out: 'acl: stopped\n' });
    expect(await run(['app', 'enable', 'nope'])).toMatchObject({ code: 1, err: expect.stringContaining('404 not_found') });
  });

  it('events follows the stream until stopped', async () => {
    const s = io();
    const ac = new AbortController();
    const done = runClient('events', ['--types', 'portModified'], s, { env: env(), signal: ac.signal });
    await s.errHas('following');
    expect(s.err()).toContain('following portModified');
    rig.switches.get(2n)!.fake.send({ version: 4, type: 'port_status', xid: 0, reason: 2, port: { portNo: 3, hwAddr: '02:00:00:00:00:03', name: 'eth3', config: 1, state: 1, curr: 0, advertised: 0, supported: 0, peer: 0, currSpeed: 0, maxSpeed: 0 } });
    await s.outHas('portModified');
    expect(s.out()).toMatch(/portModified\s+0000000000000002\s+port=3/);
    ac.abort();
    expect(await done).toBe(0);
  });

  it('exit codes: 2 for usage, 1 for server and connection errors', async () => {
    expect((await run(['ports'])).code).toBe(2);
    expect((await run(['ports', 'not-a-dpid'])).code).toBe(2);
    expect((await run(['flow', 'add', '1', '--match', 'in_port'])).code).toBe(2);
    expect((await run(['flow', 'add', '1', '--match', 'in_port=1'])).err).toMatch(/--actions is required/);
    expect((await run(['flow', 'zap'])).code).toBe(2);
    expect((await run(['switches', '--bogus'])).code).toBe(2);
    const notFound = await run(['ports', 'ff']);
    expect(notFound).toMatchObject({ code: 1, err: expect.stringContaining('404 switch_not_found') });
    const noToken = await run(['switches'], { SIGNALBOX_URL: api.address });
    expect(noToken).toMatchObject({ code: 1, err: expect.stringContaining('401 unauthorized') });
    const down = await run(['switches'], { SIGNALBOX_URL: 'http://127.0.0.1:1' });
    expect(down).toMatchObject({ code: 1, err: expect.stringContaining('cannot reach http://127.0.0.1:1') });
    const flags = await run(['switches', '--url', api.address, '--token', TOKEN, '--json'], {});
    expect(flags.code).toBe(0);
  });

  it('the signalbox dispatcher routes client commands and lists them in its usage', async () => {
    const s = io();
    const code = await main(['help'], s);
    expect(code).toBe(0);
    expect(s.out()).toContain('flow add DPID');
    const u = io();
    expect(await main(['flows'], u)).toBe(2);
  });
});

describe('argument parsers', () => {
  it('parses matches and actions', () => {
    expect(parseMatchArg('in_port=1,ipv4_dst=10.0.0.0/24')).toEqual({ in_port: 1, ipv4_dst: '10.0.0.0/24' });
    expect(parseActionsArg('meter:3,output:2,set_field:eth_dst=aa:bb:cc:dd:ee:ff,goto_table:1')).toEqual([
      { type: 'meter', meterId: 3 },
      { type: 'apply_actions', actions: [{ type: 'output', port: 2 }, { type: 'set_field', field: { field: 'eth_dst', value: 'aa:bb:cc:dd:ee:ff' } }] },
      { type: 'goto_table', tableId: 1 },
    ]);
    expect(parseActionsArg('drop')).toEqual([]);
    expect(() => parseActionsArg('fly:1')).toThrow(/unknown action/);
  });
});
