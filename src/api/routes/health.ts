/** /healthz (the process answers), /readyz (the controller is ready) and /metrics (Prometheus). */
import type { FastifyInstance } from 'fastify';
import type { ControllerMetrics } from '../metrics.js';
import type { ReadinessCheck } from '../readiness.js';
import type { ApiContext } from '../context.js';

const READY_BODY = {
  type: 'object',
  required: ['status', 'failing', 'checks', 'switches'],
  properties: {
    status: { type: 'string', enum: ['ready', 'not_ready'] },
    message: { type: 'string', description: 'which checks fail and why' },
    failing: { type: 'array', items: { type: 'string' } },
    checks: {
      type: 'array',
      items: { type: 'object', required: ['name', 'ok', 'detail'], properties: { name: { type: 'string' }, ok: { type: 'boolean' }, detail: { type: 'string' } } },
    },
    switches: { type: 'integer', description: 'switches connected' },
  },
} as const;

/** Registers the health and metrics routes at the root. */
export function healthRoutes(app: FastifyInstance, ctx: ApiContext, metrics: ControllerMetrics): void {
  app.get('/healthz', { config: { scope: 'none' }, schema: { tags: ['health'], summary: 'Liveness: 200 while the process serves requests' } }, async () => ({ status: 'ok' }));
  app.get(
    '/readyz',
    {
      config: { scope: 'none' },
      schema: {
        tags: ['health'],
        summary: 'Readiness: 200 once the store is open, the OpenFlow listeners are bound and (cluster mode) this instance is registered; 503 naming the checks that fail',
        response: { 200: READY_BODY, 503: READY_BODY },
      },
    },
    async (_req, reply) => {
      const checks: ReadinessCheck[] = [...(ctx.readiness?.() ?? [])];
      if (ctx.ready) {
        const started = ctx.ready();
        checks.push({ name: 'started', ok: started, detail: started ? 'controller started' : 'controller still starting' });
      }
      const failing = checks.filter((c) => !c.ok).map((c) => c.name);
      const ready = failing.length === 0;
      return reply.status(ready ? 200 : 503).send({
        status: ready ? 'ready' : 'not_ready',
        ...(ready ? {} : { message: `not ready: ${checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`).join('; ')}` }),
        failing,
        checks,
        switches: ctx.devices.size,
      });
    },
  );
  app.get('/metrics', { config: { scope: 'read' }, schema: { tags: ['health'], summary: 'Prometheus metrics (text exposition format)' } }, async (_req, reply) => {
    const m = await metrics.render();
    return reply.type(m.contentType).send(m.body);
  });
}
