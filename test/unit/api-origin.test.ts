/** Cross-site requests and DNS rebinding: Host, Origin and body type checks on a listening API. */
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import WebSocket from 'ws';
import { isLoopback } from '../../src/api/index.js';
import type { ApiConfig } from '../../src/config.js';
import { fakeResources, makeRig, type ApiRig } from './api-harness.js';

const rigs: ApiRig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.close();
});

/** A rig whose API listens on a real loopback port, so requests carry what real clients send. */
async function listening(api: Partial<ApiConfig> = {}): Promise<{ rig: ApiRig; base: string; port: number }> {
  const staticFlows = fakeResources('sf');
  const rig = await makeRig({ api, context: { staticFlows } });
  rigs.push(rig);
  await rig.app.listen({ host: '127.0.0.1', port: 0 });
  const addr = rig.app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return { rig, base: `http://127.0.0.1:${port}`, port };
}

/** GET with a chosen Host header (fetch does not let a caller set it). */
function getWithHost(port: number, path: string, host: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host }, agent: false }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end();
  });
}

const FLOW = JSON.stringify({ name: 'x', dpid: '0000000000000001', priority: 50000, match: [], actions: [] });

describe('cross-site writes', () => {
  it('refuses a foreign page posting text/plain, and a form, to a native route; stores nothing', async () => {
    const { base } = await listening();
    const evil = await fetch(`${base}/api/v1/static-flows`, { method: 'POST', headers: { origin: 'http://evil.example', 'content-type': 'text/plain' }, body: FLOW });
    expect(evil.status).toBe(403);
    expect(await evil.json()).toMatchObject({ code: 'origin_not_allowed', field: 'headers.origin' });
    // Same origin but a body type a form or a no-preflight fetch can send: 415.
    const plain = await fetch(`${base}/api/v1/static-flows`, { method: 'POST', headers: { origin: base, 'content-type': 'text/plain' }, body: FLOW });
    expect(plain.status).toBe(415);
    expect(await plain.json()).toMatchObject({ code: 'unsupported_media_type' });
    // curl without a header sends a form type: refused on native routes whoever sends it.
    const form = await fetch(`${base}/api/v1/static-flows`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: FLOW });
    expect(form.status).toBe(415);
    const list = await fetch(`${base}/api/v1/static-flows`);
    expect(await list.json()).toEqual([]);
  });

  it('accepts JSON writes from the API own origin, from a configured origin, and from non-browser clients', async () => {
    const { base } = await listening({ corsOrigins: ['https://console.example'] });
    for (const headers of [{ origin: base }, { origin: 'https://console.example' }, {}] as Record<string, string>[]) {
      const r = await fetch(`${base}/api/v1/static-flows`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: FLOW });
      expect(r.status).toBe(201);
    }
  });

  it('lets non-browser Ryu scripts post curl-style form bodies, but not pages', async () => {
    const { base } = await listening();
    const script = await fetch(`${base}/stats/flowentry/add`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: JSON.stringify({ dpid: 99, match: {}, actions: [] }) });
    expect(script.status).toBe(404); // got past the guards: no switch 99
    const page = await fetch(`${base}/stats/flowentry/add`, { method: 'POST', headers: { origin: base, 'content-type': 'application/x-www-form-urlencoded' }, body: JSON.stringify({ dpid: 99, match: {}, actions: [] }) });
    expect(page.status).toBe(415);
  });

  it('refuses a browser write that says it is cross-site even without Origin', async () => {
    const { base } = await listening();
    const r = await fetch(`${base}/api/v1/static-flows`, { method: 'POST', headers: { 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' }, body: FLOW });
    expect(r.status).toBe(403);
  });
});

describe('DNS rebinding', () => {
  it('refuses requests naming another host, reads included; the configured names pass', async () => {
    const { port } = await listening({ allowedHosts: ['controller.lab'] });
    const rebound = await getWithHost(port, '/api/v1/switches', `evil.example:${port}`);
    expect(rebound.status).toBe(403);
    expect(rebound.body).toMatchObject({ code: 'host_not_allowed', field: 'headers.host' });
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `controller.lab:${port}`, 'LOCALHOST']) {
      expect((await getWithHost(port, '/api/v1/switches', host)).status).toBe(200);
    }
  });

  it('admits any host when allowedHosts has *', async () => {
    const { port } = await listening({ allowedHosts: ['*'] });
    expect((await getWithHost(port, '/api/v1/switches', `anything.example:${port}`)).status).toBe(200);
  });
});

describe('event stream', () => {
  const openWs = (url: string, opts: WebSocket.ClientOptions): Promise<{ ok: boolean; status?: number }> =>
    new Promise((resolve) => {
      const ws = new WebSocket(url, opts);
      ws.once('open', () => {
        ws.terminate();
        resolve({ ok: true });
      });
      ws.once('unexpected-response', (req, res) => {
        resolve({ ok: false, status: res.statusCode });
        req.destroy();
      });
      ws.once('error', () => resolve({ ok: false }));
    });

  it('refuses a WebSocket from a foreign origin or host, admits its own origin and plain clients', async () => {
    const { base, port } = await listening();
    const url = `ws://127.0.0.1:${port}/api/v1/events`;
    expect(await openWs(url, { origin: 'http://evil.example' })).toEqual({ ok: false, status: 403 });
    expect(await openWs(url, { headers: { host: `evil.example:${port}` } })).toEqual({ ok: false, status: 403 });
    expect(await openWs(url, { origin: base })).toEqual({ ok: true });
    expect(await openWs(url, {})).toEqual({ ok: true });
  });
});

describe('isLoopback', () => {
  it('parses addresses instead of matching a prefix', () => {
    for (const h of ['localhost', '127.0.0.1', '127.9.9.9', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopback(h)).toBe(true);
    for (const h of ['127.evil.example', '10.0.0.1', '0.0.0.0', '::', 'example.com', '128.0.0.1']) expect(isLoopback(h)).toBe(false);
  });
});
