/**
 * Writes accepted on any instance: the cluster route forwards a write for a switch that another
 * instance masters to that instance's API (real HTTP between two APIs) and relays its answer;
 * reads, writes for its own switches and already-forwarded requests are served locally.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, expect, it } from 'vitest';
import { buildApi } from '../../src/api/app.js';
import { FORWARDED_HEADER, SERVED_BY_HEADER, type WriteRouting } from '../../src/api/routes/cluster.js';
import { EventBus } from '../../src/core/events.js';
import type { Datapath } from '../../src/openflow/datapath.js';
import { apiSwitches } from '../../src/openflow/switch-admin.js';

const apps: FastifyInstance[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});

/** An API whose cluster says `routes` for each dpid, recording the requests it serves itself. */
async function instance(id: string, routes: (dpid: bigint) => { instanceId: string; api: string } | undefined): Promise<{ app: FastifyInstance; seen: string[] }> {
  const seen: string[] = [];
  const cluster: WriteRouting & { status(): unknown } = { status: () => ({ mode: 'cluster', instanceId: id }), masterApiFor: routes };
  const { app } = await buildApi({ bus: new EventBus(), ...apiSwitches(new Map<bigint, Datapath>()), cluster, instanceId: id });
  app.addHook('onRequest', async (req) => {
    seen.push(`${req.method} ${req.url} ${String(req.headers[FORWARDED_HEADER] ?? '-')}`);
  });
  apps.push(app);
  return { app, seen };
}

it('forwards writes for a switch another instance masters, once, and serves the rest locally', async () => {
  const master = await instance('c2', () => undefined);
  await master.app.listen({ host: '127.0.0.1', port: 0 });
  const api = `127.0.0.1:${(master.app.server.address() as { port: number }).port}`;
  const bystander = await instance('c1', (dpid) => (dpid === 0xan ? { instanceId: 'c2', api } : undefined));
  const flow = { priority: 10, match: [{ field: 'eth_type', value: 0x88b5 }], actions: [] };

  // Mastered elsewhere: the master answers (no such switch connected to it here: its 404), relayed as is.
  const r = await bystander.app.inject({ method: 'POST', url: '/api/v1/switches/000000000000000a/flows', payload: flow });
  expect(r.statusCode).toBe(404);
  expect(r.headers[SERVED_BY_HEADER]).toBe('c2');
  expect(r.json()).toMatchObject({ code: 'switch_not_found' });
  expect(master.seen).toEqual(['POST /api/v1/switches/000000000000000a/flows c1']);

  // Reads, this instance's own switches, its own role and already-forwarded writes stay here.
  await bystander.app.inject({ method: 'GET', url: '/api/v1/switches/000000000000000a/flows' });
  await bystander.app.inject({ method: 'POST', url: '/api/v1/switches/000000000000000b/flows', payload: flow });
  await bystander.app.inject({ method: 'PUT', url: '/api/v1/switches/000000000000000a/role', payload: { role: 'slave' } });
  const again = await bystander.app.inject({ method: 'POST', url: '/api/v1/switches/000000000000000a/flows', payload: flow, headers: { [FORWARDED_HEADER]: 'c3' } });
  expect(again.headers[SERVED_BY_HEADER]).toBeUndefined();
  expect(master.seen).toHaveLength(1);
});

it('answers 503 (retryable) for a write to a switch nobody masters while this instance is its slave', async () => {
  const datapaths = new Map<bigint, Datapath>([[0xcn, { mastership: 'slave' } as Datapath]]);
  const cluster: WriteRouting & { status(): unknown } = { status: () => ({}), masterApiFor: () => undefined };
  const { app } = await buildApi({ bus: new EventBus(), ...apiSwitches(datapaths), cluster, instanceId: 'c1' });
  apps.push(app);
  const r = await app.inject({ method: 'POST', url: '/api/v1/switches/000000000000000c/flows', payload: { priority: 1, match: [], actions: [] } });
  expect(r.statusCode).toBe(503);
  expect(r.headers['retry-after']).toBe('2');
  expect(r.json()).toMatchObject({ code: 'service_unavailable' });
  expect(r.json().message).toMatch(/no master instance right now/);
  // The same for a write another instance forwarded here (it believed this one the master).
  const fwd = await app.inject({ method: 'POST', url: '/api/v1/switches/000000000000000c/flows', payload: { priority: 1, match: [], actions: [] }, headers: { [FORWARDED_HEADER]: 'c2' } });
  expect(fwd.statusCode).toBe(503);
  expect(fwd.headers['retry-after']).toBe('2');
});

it('answers 503 naming the master when it cannot be reached', async () => {
  const bystander = await instance('c1', () => ({ instanceId: 'c9', api: '127.0.0.1:1' }));
  const r = await bystander.app.inject({ method: 'DELETE', url: '/api/v1/switches/000000000000000a/flows' });
  expect(r.statusCode).toBe(503);
  expect(r.headers['retry-after']).toBe('2');
  expect(r.json().message).toMatch(/c9/);
});
