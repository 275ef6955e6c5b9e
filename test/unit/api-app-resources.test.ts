/** Routes, ACL rules and app configs through fastify.inject over a real Controller and its apps: CRUD, 400s naming the field, flows declared, and everything back on a second Controller over the same store. */
import { duplexPair } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApi } from '../../src/api/app.js';
import { aclResource, routesResource, staticFlowsResource } from '../../src/api/app-resources.js';
import { defaultConfig } from '../../src/config.js';
import { Controller } from '../../src/controller.js';
import { EmulatedSwitch } from '../fakes/emulated-switch.js';
import { Session } from '../../src/openflow/session.js';
import { MemoryStore, StoreError } from '../../src/store/index.js';
import type { FastifyInstance } from 'fastify';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A started Controller (acl, router, static-flows) on `store`, one emulated switch, and the API over it. */
async function rig(store: MemoryStore): Promise<{ ctrl: Controller; app: FastifyInstance }> {
  const ctrl = new Controller(
    {
      ...defaultConfig,
      dataDir: 'memory:',
      openflow: { ...defaultConfig.openflow, listen: ['127.0.0.1:0'], echoIntervalMs: 0 },
      apps: { ...defaultConfig.apps, enabled: ['acl', 'router', 'static-flows'], settings: { router: { interfaces: ['10.0.1.254/24', '10.0.2.254/24'], routes: ['192.168.0.0/16 via 10.0.2.1'] } } },
      flows: { ...defaultConfig.flows, reconcileIntervalMs: 0 },
    },
    undefined,
    { store, secret: Buffer.alloc(32, 7) },
  );
  await ctrl.start();
  const up = new Promise<void>((resolve) => ctrl.bus.once('switchConnected', () => resolve()));
  const [a, b] = duplexPair();
  const s = new Session(a, { echoIntervalMs: 0 });
  ctrl.attach(s);
  new EmulatedSwitch(b, { dpid: 5n, ports: [1, 2] });
  await up;
  const apps = ctrl.apps!;
  const { app, metrics } = await buildApi({ bus: ctrl.bus, devices: ctrl.devices, admin: ctrl.admin, apps, routes: routesResource(apps), aclRules: aclResource(apps), staticFlows: staticFlowsResource(apps) });
  cleanups.push(async () => {
    await app.close();
    metrics.detach();
    s.close('test over');
    await ctrl.stop();
  });
  return { ctrl, app };
}

const aclPriorities = (ctrl: Controller): number[] =>
  ctrl.flows!.flows(5n)
    .filter((r) => r.owner === 'acl')
    .map((r) => r.spec.priority ?? 0)
    .sort((a, b) => b - a);

describe('routes, ACL rules and app config over the real apps', () => {
  it('CRUD of static routes: config routes read-only, 400 naming the field, 409 on a taken destination', async () => {
    const { app } = await rig(new MemoryStore());
    const list0 = await app.inject({ url: '/api/v1/routes' });
    expect(list0.json()).toEqual([{ id: 'config-1', destination: '192.168.0.0/16', gateway: '10.0.2.1', source: 'config' }]);
    const add = await app.inject({ method: 'POST', url: '/api/v1/routes', payload: { destination: '10.9.0.0/16', gateway: '10.0.1.1', description: 'lab' } });
    expect(add.statusCode).toBe(201);
    expect(add.json()).toEqual({ id: 'r1', destination: '10.9.0.0/16', gateway: '10.0.1.1', description: 'lab', source: 'api' });
    const bad = await app.inject({ method: 'POST', url: '/api/v1/routes', payload: { destination: '10.8.0.0/16', gateway: '10.7.0.1' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'invalid_input', field: 'body.gateway' });
    expect(bad.json().message).toMatch(/no interface's subnet/);
    const badDst = await app.inject({ method: 'POST', url: '/api/v1/routes', payload: { destination: 'ten', gateway: '10.0.1.1' } });
    expect(badDst.json()).toMatchObject({ statusCode: 400, field: 'body.destination' });
    const taken = await app.inject({ method: 'POST', url: '/api/v1/routes', payload: { destination: '192.168.7.0/16', gateway: '10.0.1.1' } });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().message).toMatch(/config-1/);
    const put = await app.inject({ method: 'PUT', url: '/api/v1/routes/r1', payload: { destination: '10.9.0.0/16', gateway: '10.0.1.2' } });
    expect(put.json()).toMatchObject({ id: 'r1', gateway: '10.0.1.2' });
    expect((await app.inject({ method: 'PUT', url: '/api/v1/routes/r9', payload: { destination: '10.9.0.0/16', gateway: '10.0.1.2' } })).statusCode).toBe(404);
    expect((await app.inject({ method: 'PUT', url: '/api/v1/routes/config-1', payload: { destination: '10.9.0.0/16', gateway: '10.0.1.2' } })).statusCode).toBe(409);
    expect((await app.inject({ method: 'DELETE', url: '/api/v1/routes/config-1' })).statusCode).toBe(409);
    expect((await app.inject({ url: '/api/v1/routes/r1' })).json()).toMatchObject({ gateway: '10.0.1.2' });
    expect((await app.inject({ method: 'DELETE', url: '/api/v1/routes/r1' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'DELETE', url: '/api/v1/routes/r1' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/api/v1/routes' })).json()).toHaveLength(1);
    // The router stopped: 503 naming how to start it.
    await app.inject({ method: 'POST', url: '/api/v1/apps/router/disable' });
    const off = await app.inject({ url: '/api/v1/routes' });
    expect(off.statusCode).toBe(503);
    expect(off.headers['retry-after']).toBe('2');
    expect(off.json().message).toMatch(/apps\/router\/enable/);
  });

  it('static flows: unencodable actions are a 400 naming the action, a PUT colliding with another entry is a 409, and neither is stored', async () => {
    const { ctrl, app } = await rig(new MemoryStore());
    const base = { dpid: '0000000000000005', priority: 100, match: [{ field: 'eth_type', value: 0x0806 }] };
    const bogus = await app.inject({ method: 'POST', url: '/api/v1/static-flows', payload: { ...base, name: 'bogus', actions: [{ type: 'output', port: 'bogus' }] } });
    expect(bogus.statusCode).toBe(400);
    expect(bogus.json()).toMatchObject({ code: 'invalid_input', field: 'body.actions[0].port' });
    const badInstr = await app.inject({ method: 'POST', url: '/api/v1/static-flows', payload: { ...base, name: 'bad-goto', instructions: [{ type: 'goto_table', tableId: 300 }] } });
    expect(badInstr.json()).toMatchObject({ statusCode: 400, field: 'body.instructions[0].tableId' });
    expect((await app.inject({ method: 'POST', url: '/api/v1/static-flows', payload: { ...base, name: 'a', actions: [{ type: 'output', port: 1 }] } })).statusCode).toBe(201);
    expect((await app.inject({ method: 'POST', url: '/api/v1/static-flows', payload: { ...base, name: 'b', priority: 101, actions: [] } })).statusCode).toBe(201);
    const clash = await app.inject({ method: 'PUT', url: '/api/v1/static-flows/b', payload: { ...base, actions: [{ type: 'output', port: 2 }] } });
    expect(clash.statusCode).toBe(409);
    expect(clash.json()).toMatchObject({ code: 'conflict' });
    expect(clash.json().message).toMatch(/"a"/);
    const list = (await app.inject({ url: '/api/v1/static-flows' })).json() as { name: string; priority: number }[];
    expect(list.map((f) => [f.name, f.priority])).toEqual([
      ['a', 100],
      ['b', 101],
    ]);
    expect(ctrl.flows!.flows(5n).filter((r) => r.owner === 'static-flows')).toHaveLength(2);
  });

  it('static flows: a priority of the wrong JSON type (true, [7], null, "7") is a 400 naming priority, not coerced, and nothing is stored', async () => {
    const { ctrl, app } = await rig(new MemoryStore());
    const base = { dpid: '0000000000000005', match: [], actions: [] };
    for (const [i, priority] of [true, [7], null, '7'].entries()) {
      const r = await app.inject({ method: 'POST', url: '/api/v1/static-flows', payload: { ...base, name: `p${i}`, priority } });
      expect(r.statusCode, JSON.stringify(priority)).toBe(400);
      expect(r.json(), JSON.stringify(priority)).toMatchObject({ code: 'invalid_input', field: 'body.priority' });
    }
    expect((await app.inject({ url: '/api/v1/static-flows' })).json()).toEqual([]);
    expect(ctrl.flows!.flows(5n).filter((r) => r.owner === 'static-flows')).toHaveLength(0);
  });

  it('app config get/put/delete: 400 naming the key, applied live (ACL flows move), stored, and back with routes and rules on a new controller over the same store', async () => {
    const store = new MemoryStore();
    const first = await rig(store);
    const rule = await first.app.inject({ method: 'POST', url: '/api/v1/acl-rules', payload: { action: 'deny', match: { ethType: 2048, ipv4Dst: '10.0.0.9' } } });
    expect(rule.statusCode).toBe(201);
    await first.app.inject({ method: 'POST', url: '/api/v1/routes', payload: { destination: '172.16.0.0/12', gateway: '10.0.1.1' } });
    const cfg = await first.app.inject({ url: '/api/v1/apps/acl/config' });
    expect(cfg.json()).toEqual({ basePriority: expect.any(Number), tableId: 0, rules: [] });
    const base = (cfg.json() as { basePriority: number }).basePriority;
    expect(aclPriorities(first.ctrl)).toEqual([base]);

    const bad = await first.app.inject({ method: 'PUT', url: '/api/v1/apps/acl/config', payload: { basePriority: 1 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'invalid_input', field: 'body.basePriority' });
    expect(bad.json().message).toMatch(/at least 2/);
    const unknown = await first.app.inject({ method: 'PUT', url: '/api/v1/apps/acl/config', payload: { colour: 'red' } });
    expect(unknown.json()).toMatchObject({ statusCode: 400, field: 'body.colour' });
    expect((await first.app.inject({ method: 'PUT', url: '/api/v1/apps/nope/config', payload: {} })).statusCode).toBe(404);

    // No override yet: the override route says so (the effective config is the defaults).
    expect((await first.app.inject({ url: '/api/v1/apps/acl/config/override' })).json()).toEqual({});
    expect((await first.app.inject({ url: '/api/v1/apps/nope/config/override' })).statusCode).toBe(404);
    const put = await first.app.inject({ method: 'PUT', url: '/api/v1/apps/acl/config', payload: { basePriority: 30000 } });
    expect(put.statusCode).toBe(200);
    // The override alone: what was PUT, not the whole effective config.
    expect((await first.app.inject({ url: '/api/v1/apps/acl/config/override' })).json()).toEqual({ basePriority: 30000 });
    expect(put.json()).toEqual({ basePriority: 30000, tableId: 0, rules: [] });
    // acl reconfigures live: the rule's flow moved, the app did not restart.
    expect(aclPriorities(first.ctrl)).toEqual([30000]);
    // A new flow priority reshapes every routed flow: the router restarts with it, its API routes kept.
    const rput = await first.app.inject({ method: 'PUT', url: '/api/v1/apps/router/config', payload: { flowPriority: 33 } });
    expect(rput.json()).toMatchObject({ flowPriority: 33, interfaces: ['10.0.1.254/24', '10.0.2.254/24'] });
    expect((await first.app.inject({ url: '/api/v1/routes' })).json()).toHaveLength(2);
    await first.app.close();
    await cleanups.pop()!();

    const second = await rig(store);
    expect((await second.app.inject({ url: '/api/v1/apps/acl/config' })).json()).toEqual({ basePriority: 30000, tableId: 0, rules: [] });
    expect((await second.app.inject({ url: '/api/v1/apps/router/config' })).json()).toMatchObject({ flowPriority: 33 });
    expect((await second.app.inject({ url: '/api/v1/acl-rules' })).json()).toMatchObject([{ action: 'deny', match: { ipv4Dst: '10.0.0.9/32' } }]);
    expect((await second.app.inject({ url: '/api/v1/routes' })).json()).toEqual([
      { id: 'config-1', destination: '192.168.0.0/16', gateway: '10.0.2.1', source: 'config' },
      { id: 'r1', destination: '172.16.0.0/12', gateway: '10.0.1.1', source: 'api' },
    ]);
    expect(aclPriorities(second.ctrl)).toEqual([30000]);
    // DELETE drops the override: back to the default, flows follow.
    const reset = await second.app.inject({ method: 'DELETE', url: '/api/v1/apps/acl/config' });
    expect(reset.json()).toEqual({ basePriority: base, tableId: 0, rules: [] });
    expect((await second.app.inject({ url: '/api/v1/apps/acl/config/override' })).json()).toEqual({});
    expect(aclPriorities(second.ctrl)).toEqual([base]);
    // The next id continues after a restart.
    expect((await second.app.inject({ method: 'POST', url: '/api/v1/routes', payload: { destination: '172.32.0.0/16', gateway: '10.0.1.1' } })).json()).toMatchObject({ id: 'r2' });
  });
});

describe('writes the store cannot take', () => {
  it('answer 503 with Retry-After and store nothing: an unreachable store, a transaction that kept losing', async () => {
    /** A store whose transactions fail as etcd's do when it is unreachable, once `down` is set. */
    class FlakyStore extends MemoryStore {
      down: 'io' | 'conflict' | undefined;
      override transact<R>(ns: string, keys: readonly string[], body: Parameters<MemoryStore['transact']>[2]): Promise<R> {
        if (this.down) return Promise.reject(new StoreError(`etcd: ${this.down}`, 'etcd:test', this.down));
        return super.transact(ns, keys, body) as Promise<R>;
      }
    }
    const store = new FlakyStore();
    const { app } = await rig(store);
    for (const down of ['io', 'conflict'] as const) {
      store.down = down;
      const r = await app.inject({ method: 'POST', url: '/api/v1/acl-rules', payload: { action: 'deny', match: {} } });
      expect(r.statusCode).toBe(503);
      expect(r.headers['retry-after']).toBe('2');
      expect(r.json()).toMatchObject({ code: 'service_unavailable', message: expect.stringMatching(/nothing was stored/) });
    }
    store.down = undefined;
    expect((await app.inject({ url: '/api/v1/acl-rules' })).json()).toEqual([]);
    expect((await app.inject({ method: 'POST', url: '/api/v1/acl-rules', payload: { action: 'deny', match: {} } })).statusCode).toBe(201);
  });
});
