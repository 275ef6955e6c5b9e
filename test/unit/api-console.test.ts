/** The web console's serving: its files at `/` with types, caching, gzip and a CSP; whoami for the login; switch names. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CONSOLE_CSP } from '../../src/api/console.js';
import { switchName } from '../../src/api/routes/topology.js';
import type { SwitchView } from '../../src/core/services.js';
import { OFPP } from '../../src/openflow/codec/constants.js';
import { makeRig, type ApiRig } from './api-harness.js';

const built = mkdtempSync(join(tmpdir(), 'sbx-web-'));
mkdirSync(join(built, 'assets'));
writeFileSync(join(built, 'index.html'), '<!doctype html><script type="module" src="/assets/main-AB12.js"></script>');
writeFileSync(join(built, 'assets/main-AB12.js'), 'console.log("console")');
writeFileSync(join(built, 'assets/main-AB12.js.gz'), gzipSync('console.log("console")'));
writeFileSync(join(built, 'assets/main-AB12.css'), 'body{}');
writeFileSync(join(built, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');

const rigs: ApiRig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.close();
});
afterAll(() => rmSync(built, { recursive: true, force: true }));

async function rig(opts: Parameters<typeof makeRig>[0] = {}): Promise<ApiRig> {
  const r = await makeRig({ consoleDir: built, ...opts });
  rigs.push(r);
  return r;
}

const TOKENS = [
  { name: 'viewer', token: 'read-token', scope: 'read' as const },
  { name: 'ops', token: 'admin-token', scope: 'admin' as const },
];

describe('the console at /', () => {
  it('serves the page with a CSP that allows no inline script, and never caches it', async () => {
    const { app } = await rig();
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toMatch(/script-src 'self'(;|$)/);
    expect(CONSOLE_CSP).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.body).toContain('/assets/main-AB12.js');
  });

  it('serves hashed assets with their type, cached for a year, gzipped when the client takes it', async () => {
    const { app } = await rig();
    const plain = await app.inject({ method: 'GET', url: '/assets/main-AB12.js' });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe('console.log("console")');
    const gz = await app.inject({ method: 'GET', url: '/assets/main-AB12.js', headers: { 'accept-encoding': 'gzip, deflate' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.vary).toBe('accept-encoding');
    const css = await app.inject({ method: 'GET', url: '/assets/main-AB12.css' });
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    const icon = await app.inject({ method: 'GET', url: '/favicon.svg' });
    expect(icon.headers['content-type']).toBe('image/svg+xml');
    const missing = await app.inject({ method: 'GET', url: '/assets/nope.js' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'not_found' });
    const escape = await app.inject({ method: 'GET', url: '/assets/../index.html' });
    expect(escape.headers['cache-control']).not.toBe('public, max-age=31536000, immutable');
  });

  it('needs no token for its files (the login page must load), but keeps the Host check', async () => {
    const { app } = await rig({ api: { tokens: TOKENS } });
    expect((await app.inject({ method: 'GET', url: '/' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/assets/main-AB12.js' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/v1/switches' })).statusCode).toBe(401);
    const rebound = await app.inject({ method: 'GET', url: '/', headers: { host: 'evil.example:8080' } });
    expect(rebound.statusCode).toBe(403);
    expect(rebound.json()).toMatchObject({ code: 'host_not_allowed' });
  });

  it('answers 503 saying how to build it when the console is not built', async () => {
    const { app } = await rig({ consoleDir: join(built, 'missing') });
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ code: 'service_unavailable', message: expect.stringMatching(/npm run build/) });
  });
});

describe('GET /api/v1/whoami', () => {
  it('without tokens: none required, every local client is admin', async () => {
    const { app } = await rig();
    expect((await app.inject({ method: 'GET', url: '/api/v1/whoami' })).json()).toEqual({ tokensRequired: false, scope: 'admin' });
  });

  it('with tokens: 200 whatever is sent, naming the scope of a valid token and none otherwise', async () => {
    const { app } = await rig({ api: { tokens: TOKENS } });
    const who = async (authorization?: string) => {
      const res = await app.inject({ method: 'GET', url: '/api/v1/whoami', headers: authorization ? { authorization } : {} });
      expect(res.statusCode).toBe(200);
      return res.json() as Record<string, unknown>;
    };
    expect(await who()).toEqual({ tokensRequired: true, scope: 'none' });
    expect(await who('Bearer wrong')).toEqual({ tokensRequired: true, scope: 'none' });
    expect(await who('Basic abc')).toEqual({ tokensRequired: true, scope: 'none' });
    expect(await who('Bearer read-token')).toEqual({ tokensRequired: true, scope: 'read', name: 'viewer' });
    expect(await who('Bearer admin-token')).toEqual({ tokensRequired: true, scope: 'admin', name: 'ops' });
  });
});

describe('switch names', () => {
  const view = (ports: [number, string][]): SwitchView => ({ ports: new Map(ports.map(([n, name]) => [n, { portNo: n, name }])) }) as unknown as SwitchView;
  it("are the local port's name (the bridge on Open vSwitch), else absent", () => {
    expect(switchName(view([[1, 's1-eth1'], [OFPP.LOCAL, 's1']]))).toBe('s1');
    expect(switchName(view([[1, 'eth1']]))).toBeUndefined();
    expect(switchName(view([[OFPP.LOCAL, '  ']]))).toBeUndefined();
  });
});
