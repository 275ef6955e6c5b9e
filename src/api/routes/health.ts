/** /healthz (the process answers), /readyz (the controller is ready) and /metrics (Prometheus). */
import type { FastifyInstance } from 'fastify';
import type { ControllerMetrics } from '../metrics.js';
import type { ApiContext } from '../services.js';

/** Registers the health and metrics routes at the root. */
export function healthRoutes(app: FastifyInstance, ctx: ApiContext, metrics: ControllerMetrics): void {
  app.get('/healthz', { config: { scope: 'none' }, schema: { tags: ['health'], summary: 'Liveness: 200 while the process serves requests' } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { scope: 'none' }, schema: { tags: ['health'], summary: 'Readiness: 200 once the controller is started, 503 before' } }, async (_req, reply) => {
    const ready = ctx.ready ? ctx.ready() : true;
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'starting', switches: ctx.datapaths.size });
  });
  app.get('/metrics', { config: { scope: 'read' }, schema: { tags: ['health'], summary: 'Prometheus metrics (text exposition format)' } }, async (_req, reply) => {
    const m = await metrics.render();
    return reply.type(m.contentType).send(m.body);
  });
}
