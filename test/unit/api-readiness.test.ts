/** /readyz through fastify.inject: 503 naming each failing check (store, OpenFlow listener, cluster registration) until all pass. */
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/app.js';
import type { ControllerMetrics } from '../../src/api/metrics.js';
import { readinessChecks } from '../../src/api/readiness.js';
import { EventBus } from '../../src/core/events.js';
import { apiSwitches } from '../../src/openflow/switch-admin.js';

const open: { app: FastifyInstance; metrics: ControllerMetrics }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.app.close();
    o.metrics.detach();
  }
});

describe('/readyz', () => {
  it('is 503 until the store is open, the OpenFlow listener bound and the cluster registered, naming what fails', async () => {
    const state = { store: false, listeners: [] as { host: string; port: number; tls: boolean }[], registered: false, healthy: false };
    const built = await buildApi({
      bus: new EventBus(),
      ...apiSwitches(new Map()),
      readiness: () =>
        readinessChecks({
          store: () => ({ location: '/var/lib/signalbox', open: state.store }),
          openflow: () => state.listeners,
          cluster: () => ({ registered: state.registered, healthy: state.healthy, instanceId: 'sbx-1' }),
        }),
    });
    open.push(built);
    const get = async () => {
      const r = await built.app.inject({ url: '/readyz' });
      return { status: r.statusCode, retryAfter: r.headers['retry-after'], body: r.json() as { status: string; failing: string[]; message?: string; checks: { name: string; ok: boolean; detail: string }[] } };
    };
    let r = await get();
    expect(r.status).toBe(503);
    expect(r.retryAfter).toBe('2'); // every 503 says when to try again
    expect(r.body.status).toBe('not_ready');
    expect(r.body.failing).toEqual(['store', 'openflow', 'cluster']);
    expect(r.body.message).toMatch(/store: not open \(\/var\/lib\/signalbox\)/);
    expect(r.body.message).toMatch(/no OpenFlow listener bound/);
    expect(r.body.message).toMatch(/sbx-1 has not registered/);

    state.store = true;
    state.listeners = [{ host: '0.0.0.0', port: 6653, tls: false }];
    r = await get();
    expect(r.status).toBe(503);
    expect(r.body.failing).toEqual(['cluster']);
    expect(r.body.checks.find((c) => c.name === 'openflow')).toEqual({ name: 'openflow', ok: true, detail: 'listening on 0.0.0.0:6653' });

    state.registered = true;
    state.healthy = true;
    r = await get();
    expect(r.status).toBe(200);
    expect(r.retryAfter).toBeUndefined();
    expect(r.body).toMatchObject({ status: 'ready', failing: [] });
    expect(r.body.message).toBeUndefined();

    // An instance that loses its lease is not ready any more.
    state.healthy = false;
    r = await get();
    expect(r.status).toBe(503);
    expect(r.body.message).toMatch(/lost its lease/);
    // Health answers whatever readiness says.
    expect((await built.app.inject({ url: '/healthz' })).statusCode).toBe(200);
  });

  it('standalone: no cluster check; a context `ready` flag counts as the "started" check', async () => {
    let started = false;
    const built = await buildApi({
      bus: new EventBus(),
      ...apiSwitches(new Map()),
      ready: () => started,
      readiness: () => readinessChecks({ store: () => ({ location: 'memory:', open: true }), openflow: () => [{ host: '127.0.0.1', port: 1, tls: true }] }),
    });
    open.push(built);
    const r1 = await built.app.inject({ url: '/readyz' });
    expect(r1.statusCode).toBe(503);
    expect(r1.json()).toMatchObject({ failing: ['started'] });
    expect((r1.json() as { checks: { name: string }[] }).checks.map((c) => c.name)).toEqual(['store', 'openflow', 'started']);
    started = true;
    expect((await built.app.inject({ url: '/readyz' })).statusCode).toBe(200);
  });
});
