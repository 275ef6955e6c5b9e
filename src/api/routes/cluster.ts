/** Cluster status: standalone until the etcd-backed cluster service exists. */
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../services.js';

/** Registers GET /cluster under the current prefix. */
export function clusterRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const started = new Date().toISOString();
  app.get('/cluster', { schema: { tags: ['cluster'], summary: 'Cluster membership and mastership (standalone for now)' } }, async () => {
    if (ctx.cluster) return ctx.cluster.status();
    return {
      mode: 'standalone',
      instanceId: ctx.instanceId ?? 'standalone',
      role: 'master',
      since: started,
      members: [{ instanceId: ctx.instanceId ?? 'standalone', self: true, role: 'master' }],
      switches: ctx.datapaths.size,
    };
  });
}
