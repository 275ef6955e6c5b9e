/** WebSocket /api/v1/events, bearer tokens and scopes, body limits, CORS. */
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { ControllerMetrics } from '../../src/api/metrics.js';
import { ManualClock } from '../fakes/manual-clock.js';
import { fakeTopology, makeRig, type ApiRig } from './api-harness.js';
import { waitFor } from '../harness/exec.js';

const rigs: ApiRig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.close();
});
async function rig(opts: Parameters<typeof makeRig>[0]): Promise<ApiRig> {
  const r = await makeRig(opts);
  rigs.push(r);
  return r;
}

type Collector = ReturnType<typeof collect>;

/** Opens an event stream with its collector attached before the first message can arrive. */
async function open(r: ApiRig, path: string, headers?: Record<string, string>): Promise<{ ws: WebSocket; c: Collector }> {
  let c: Collector | undefined;
  const ws = await r.app.injectWS(path, headers ? { headers } : {}, { onInit: (w) => (c = collect(w)) });
  return { ws, c: c! };
}

/** Collects a socket's messages; `next(type)` resolves with the next one of that type. */
function collect(ws: WebSocket) {
  const seen: Record<string, unknown>[] = [];
  const waiters: { type: string; resolve: (m: Record<string, unknown>) => void }[] = [];
  ws.on('message', (d: Buffer) => {
    const m = JSON.parse(d.toString()) as Record<string, unknown>;
    seen.push(m);
    for (const w of waiters.splice(0)) {
      if (w.type === m.type) w.resolve(m);
      else waiters.push(w);
    }
  });
  return {
    seen,
    // No timer of its own: a message that never comes fails the test at vitest's test timeout.
    next: (type: string) =>
      new Promise<Record<string, unknown>>((resolve) => {
        const found = seen.find((m) => m.type === type);
        if (found) {
          seen.splice(seen.indexOf(found), 1);
          return resolve(found);
        }
        waiters.push({ type, resolve: (m) => (seen.splice(seen.indexOf(m), 1), resolve(m)) });
      }),
  };
}

describe('WebSocket events', () => {
  it('streams controller events as JSON, filtered by type and dpid, with a heartbeat', async () => {
    const topo = fakeTopology();
    const clock = new ManualClock();
    const r = await rig({ switches: [{ dpid: 1n }], api: { eventsHeartbeatMs: 50 }, context: { topology: topo }, clock });
    const { ws: all, c: a } = await open(r, '/api/v1/events');
    const { ws: onlyTwo, c: b } = await open(r, '/api/v1/events?types=switchConnected,portModified,linkAdded&dpid=0000000000000002');
    expect(await a.next('hello')).toMatchObject({ events: expect.arrayContaining(['switchConnected', 'packetIn', 'linkAdded']), heartbeatMs: 50 });
    expect(await b.next('hello')).toMatchObject({ events: ['switchConnected', 'portModified', 'linkAdded'] });

    await r.connect({ dpid: 2n, ports: [1, 2] });
    const conn = await b.next('switchConnected');
    expect(conn).toMatchObject({ type: 'switchConnected', dpid: '0000000000000002', switch: { version: '1.3' } });
    expect(typeof conn.time).toBe('string');
    expect(await a.next('switchConnected')).toMatchObject({ dpid: '0000000000000002' });

    // A port status from switch 1 reaches the unfiltered stream only.
    const { fake } = r.switches.get(1n)!;
    fake.send({ version: 4, type: 'port_status', xid: 0, reason: 2, port: { portNo: 1, hwAddr: '02:00:00:00:00:01', name: 'eth1', config: 1, state: 1, curr: 0, advertised: 0, supported: 0, peer: 0, currSpeed: 0, maxSpeed: 0 } });
    expect(await a.next('portModified')).toMatchObject({ dpid: '0000000000000001', port: { portNo: 1, config: 1 }, previous: { portNo: 1, config: 0 } });

    // Packet-ins carry the packet as hex.
    fake.send({ version: 4, type: 'packet_in', xid: 0, bufferId: 0xffffffff, totalLen: 4, reason: 0, tableId: 0, cookie: 5n, match: [{ field: 'in_port', value: 3 }], data: Buffer.from('0a0b0c0d', 'hex') });
    expect(await a.next('packetIn')).toMatchObject({ dpid: '0000000000000001', msg: { inPort: 3, cookie: '5', data: '0a0b0c0d' } });

    // Topology events, dpids in hex, filtered by either end of the link.
    topo.emit('linkAdded', { link: { src: 1n, srcPort: 2, dst: 2n, dstPort: 1, discoveredAt: 5, lastSeen: 5 } });
    expect(await b.next('linkAdded')).toMatchObject({ link: { src: '0000000000000001', srcPort: 2, dst: '0000000000000002', dstPort: 1 } });

    expect(a.seen.filter((m) => m.type === 'heartbeat')).toEqual([]);
    clock.advance(50);
    expect(await a.next('heartbeat')).toMatchObject({ type: 'heartbeat', time: new Date(clock.now()).toISOString() });
    expect(b.seen.filter((m) => m.type === 'portModified' || m.type === 'packetIn')).toEqual([]);
    all.terminate();
    onlyTwo.terminate();
  });

  it("streams the cluster's statusChanged as clusterChanged, to streams without a dpid filter, and lets go of the listener on close", async () => {
    const cluster = Object.assign(new EventEmitter(), { status: () => ({ mode: 'cluster' }), masterApiFor: () => undefined });
    const r = await rig({ context: { cluster } });
    const { ws: all, c: a } = await open(r, '/api/v1/events');
    const { ws: onlyWs, c: only } = await open(r, '/api/v1/events?types=clusterChanged');
    const { ws: byDpid, c: d } = await open(r, '/api/v1/events?dpid=0000000000000001');
    expect(await a.next('hello')).toMatchObject({ events: expect.arrayContaining(['clusterChanged']) });
    await only.next('hello');
    await d.next('hello');
    expect(cluster.listenerCount('statusChanged')).toBe(2);
    cluster.emit('statusChanged');
    expect(await a.next('clusterChanged')).toEqual({ type: 'clusterChanged', time: expect.any(String) });
    expect(await only.next('clusterChanged')).toMatchObject({ type: 'clusterChanged' });
    expect(d.seen.filter((m) => m.type === 'clusterChanged')).toEqual([]);
    all.terminate();
    byDpid.terminate();
    await waitFor(() => cluster.listenerCount('statusChanged') === 1, 2_000, 10);
    onlyWs.terminate();
  });

  it('stamps switch, link and host events with the topology version, and the hello with the version the stream began at', async () => {
    let version = 7;
    const topo = Object.defineProperty(fakeTopology(), 'currentVersion', { get: () => version });
    const r = await rig({ switches: [{ dpid: 1n }], context: { topology: topo } });
    const { ws, c } = await open(r, '/api/v1/events');
    expect(await c.next('hello')).toMatchObject({ topologyVersion: 7 });
    // The service bumps its version, then emits: the event carries the version that shows it.
    version = 8;
    topo.emit('linkAdded', { link: { src: 1n, srcPort: 2, dst: 2n, dstPort: 1, discoveredAt: 5, lastSeen: 5 } });
    expect(await c.next('linkAdded')).toMatchObject({ topologyVersion: 8 });
    version = 9;
    topo.emit('hostAdded', { host: { id: 'm', mac: 'm', ipv4: [], ipv6: [], location: { dpid: 1n, port: 1 }, firstSeen: 1, lastSeen: 1 } });
    expect(await c.next('hostAdded')).toMatchObject({ topologyVersion: 9 });
    topo.emit('topologyChanged', { version: 9 });
    // topologyChanged has its own `version`; port events are not the topology's.
    expect(await c.next('topologyChanged')).not.toHaveProperty('topologyVersion');
    version = 10;
    await r.connect({ dpid: 2n, ports: [1, 2] });
    expect(await c.next('switchConnected')).toMatchObject({ dpid: '0000000000000002', topologyVersion: 10 });
    const { fake } = r.switches.get(1n)!;
    fake.send({ version: 4, type: 'port_status', xid: 0, reason: 2, port: { portNo: 1, hwAddr: '02:00:00:00:00:01', name: 'eth1', config: 1, state: 1, curr: 0, advertised: 0, supported: 0, peer: 0, currSpeed: 0, maxSpeed: 0 } });
    expect(await c.next('portModified')).not.toHaveProperty('topologyVersion');
    ws.terminate();

    // A topology service that keeps no version: nothing stamped.
    const plain = await rig({ context: { topology: fakeTopology() } });
    const p = await open(plain, '/api/v1/events');
    expect(await p.c.next('hello')).not.toHaveProperty('topologyVersion');
    p.ws.terminate();
  });

  it('refuses unknown event types and bad dpids with 400 naming the filter', async () => {
    const r = await rig({});
    const bad = await r.app.inject({ url: '/api/v1/events?types=explosions', headers: { connection: 'upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'invalid_input', field: 'query.types' });
    const d = await r.app.inject({ url: '/api/v1/events?dpid=zz', headers: { connection: 'upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' } });
    expect(d.json()).toMatchObject({ field: 'query.dpid' });
  });
});

describe('bearer tokens', () => {
  const tokens = [
    { name: 'ops', token: 'admin-secret-0123456789', scope: 'admin' as const },
    { name: 'grafana', token: 'read-secret-0123456789', scope: 'read' as const },
  ];

  it('needs a token on every route but health; read tokens may only read', async () => {
    const r = await rig({ switches: [{ dpid: 1n }], api: { tokens } });
    const get = (url: string, token?: string) => r.app.inject({ url, headers: token ? { authorization: `Bearer ${token}` } : {} });
    expect((await get('/healthz')).statusCode).toBe(200);
    expect((await get('/readyz')).statusCode).toBe(200);
    const none = await get('/api/v1/switches');
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ code: 'unauthorized' });
    expect((await get('/api/v1/switches', 'wrong-token-0123456789')).json()).toMatchObject({ code: 'unauthorized', message: 'unknown token' });
    expect((await r.app.inject({ url: '/api/v1/switches', headers: { authorization: 'Basic abc' } })).statusCode).toBe(401);
    expect((await get('/api/v1/switches', 'read-secret-0123456789')).statusCode).toBe(200);
    expect((await get('/metrics', 'read-secret-0123456789')).statusCode).toBe(200);
    expect((await get('/metrics')).statusCode).toBe(401);
    expect((await get('/stats/switches')).statusCode).toBe(401);
    expect((await get('/openapi.json')).statusCode).toBe(401);

    const post = (token: string) => r.app.inject({ method: 'POST', url: '/api/v1/switches/1/flows', payload: { priority: 1 }, headers: { authorization: `Bearer ${token}` } });
    const denied = await post('read-secret-0123456789');
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toMatchObject({ code: 'forbidden', message: 'token "grafana" has read scope; this route needs admin' });
    expect((await post('admin-secret-0123456789')).statusCode).toBe(201);
    // Ryu's filtered flow query is a POST that only reads.
    expect((await r.app.inject({ method: 'POST', url: '/stats/flow/1', payload: {}, headers: { authorization: 'Bearer read-secret-0123456789' } })).statusCode).toBe(200);
  });

  it('lets WebSocket clients authenticate by header or access_token, and refuses them otherwise', async () => {
    const r = await rig({ api: { tokens } });
    const up = { connection: 'upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' };
    expect((await r.app.inject({ url: '/api/v1/events', headers: up })).statusCode).toBe(401);
    const one = await open(r, '/api/v1/events?access_token=read-secret-0123456789');
    expect(await one.c.next('hello')).toMatchObject({ type: 'hello' });
    one.ws.terminate();
    const two = await open(r, '/api/v1/events', { authorization: 'Bearer admin-secret-0123456789' });
    expect(await two.c.next('hello')).toMatchObject({ type: 'hello' });
    two.ws.terminate();
  });
});

describe('limits and CORS', () => {
  it('refuses bodies over the limit with 413 payload_too_large', async () => {
    const r = await rig({ api: { bodyLimitBytes: 2048 } });
    const res = await r.app.inject({ method: 'POST', url: '/stats/flowentry/add', payload: JSON.stringify({ dpid: 1, pad: 'x'.repeat(5000) }), headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ code: 'payload_too_large' });
  });

  it('answers CORS preflights for configured origins only', async () => {
    const r = await rig({ api: { corsOrigins: ['https://ui.example'] } });
    const ok = await r.app.inject({ method: 'OPTIONS', url: '/api/v1/switches', headers: { origin: 'https://ui.example', 'access-control-request-method': 'GET' } });
    expect(ok.headers['access-control-allow-origin']).toBe('https://ui.example');
    const other = await r.app.inject({ method: 'GET', url: '/api/v1/switches', headers: { origin: 'https://evil.example' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const none = await rig({});
    expect((await none.app.inject({ method: 'GET', url: '/api/v1/switches', headers: { origin: 'https://ui.example' } })).headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('event stream bounds', () => {
  it('refuses event streams over api.maxEventStreams with 503 and Retry-After, counted, and admits again once one closes', async () => {
    const r = await rig({ api: { maxEventStreams: 2 } });
    const up = { connection: 'upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' };
    const one = await open(r, '/api/v1/events');
    const two = await open(r, '/api/v1/events');
    await one.c.next('hello');
    await two.c.next('hello');
    const refused = await r.app.inject({ url: '/api/v1/events', headers: up });
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBeDefined();
    expect(refused.json()).toMatchObject({ code: 'event_streams_full' });
    expect((await r.app.inject({ url: '/metrics' })).body).toContain('signalbox_api_event_streams_refused_total{reason="full"} 1');
    one.ws.terminate();
    await waitFor(async () => (await r.app.inject({ url: '/metrics' })).body.includes('signalbox_api_event_streams 1'));
    const three = await open(r, '/api/v1/events');
    expect(await three.c.next('hello')).toMatchObject({ type: 'hello' });
    two.ws.terminate();
    three.ws.terminate();
  });
});

describe('metrics registry for others', () => {
  it('gives apps counters and histograms under their name, and observes handler latency', async () => {
    const r = await rig({});
    const m: ControllerMetrics = r.metrics;
    const view = m.appMetrics('l2-learning');
    const c = view.counter('macs_learned', 'MACs learned');
    c.inc();
    c.inc(2);
    expect(c.value).toBe(3);
    view.histogram('decide_seconds').observe(0.002);
    m.appHandlerSeconds.observe({ app: 'l2-learning', event: 'packetIn' }, 0.0001);
    m.reconciliations.inc({ result: 'ok' });
    const text = (await m.render()).body;
    expect(text).toContain('signalbox_app_l2_learning_macs_learned 3');
    expect(text).toContain('signalbox_app_l2_learning_decide_seconds_count 1');
    expect(text).toContain('signalbox_app_handler_seconds_count{app="l2-learning",event="packetIn"} 1');
    expect(text).toContain('signalbox_reconciliations_total{result="ok"} 1');
    expect(m.appMetrics('l2-learning')).toBe(view);
  });
});
