/**
 * Cluster status (GET /cluster) and, in cluster mode, writes accepted on any instance: a write to
 * a switch that another instance masters is forwarded to that instance's API and its answer
 * relayed, since only the master may write to the switch (OFPCR_ROLE_SLAVE refuses the rest).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseDpid } from '../../core/ids.js';
import { ApiError } from '../errors.js';
import type { ApiContext, ClusterApi, MasterApi } from '../context.js';
import { systemClock, type Clock } from '../../core/clock.js';

/** The instance a switch's writes must go to (ClusterApi.masterApiFor; the ClusterService provides it). */
export type WriteRouting = Pick<ClusterApi, 'masterApiFor'>;

/** Set on a forwarded request (the forwarding instance's id): the receiver handles it itself, never forwards again. */
export const FORWARDED_HEADER = 'x-signalbox-forwarded-by';
/** Set on a relayed answer: the instance that handled the write. */
export const SERVED_BY_HEADER = 'x-signalbox-served-by';

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Switch routes whose writes belong to this instance itself, not to the switch's master. */
const LOCAL_ONLY = /\/role$/;
const FORWARD_TIMEOUT_MS = 15_000;

/** Registers GET /cluster under the current prefix, and write forwarding for /switches/:dpid/... in cluster mode. */
export function clusterRoutes(app: FastifyInstance, ctx: ApiContext, clock: Clock = systemClock): void {
  const started = new Date(clock.now()).toISOString();
  app.get('/cluster', { schema: { tags: ['cluster'], summary: 'Cluster membership, health and which switches each instance masters' } }, async () => {
    if (ctx.cluster) return ctx.cluster.status();
    return {
      mode: 'standalone',
      instanceId: ctx.instanceId ?? 'standalone',
      role: 'master',
      since: started,
      members: [{ instanceId: ctx.instanceId ?? 'standalone', self: true, role: 'master' }],
      switches: ctx.devices.size,
    };
  });

  // Standalone: no cluster, every write is this instance's own.
  const routing = ctx.cluster;
  if (!routing) return;
  // preHandler: after authentication (onRequest) and body parsing, before the route runs.
  app.addHook('preHandler', async (req, reply) => {
    if (!WRITE_METHODS.has(req.method)) return;
    const url = req.routeOptions.url ?? '';
    if (!url.includes('/switches/:dpid') || LOCAL_ONLY.test(url)) return;
    let dpid: bigint;
    try {
      dpid = parseDpid((req.params as { dpid?: string }).dpid ?? '');
    } catch {
      return; // the route names the bad field
    }
    // A forwarded write is never forwarded again (the two instances' views may differ for a moment).
    const master = req.headers[FORWARDED_HEADER] === undefined ? routing.masterApiFor(dpid) : undefined;
    if (master) return forward(req, reply, master, ctx.instanceId ?? '');
    // Nobody masters it right now (a failover or a handover in progress) and this instance is a
    // slave there: the gate would refuse the write; say so, retryable, not as an internal error.
    if (ctx.devices.get(dpid)?.mastership === 'slave') {
      throw new ApiError('service_unavailable', `switch ${(req.params as { dpid: string }).dpid} has no master instance right now (failover in progress): retry in a few seconds`);
    }
    // Otherwise it is ours (or pending for us): the mastership gate holds the write until the switch confirms.
  });
}

/** Sends the request to the master's API and relays its answer as is. */
async function forward(req: FastifyRequest, reply: FastifyReply, master: MasterApi, self: string): Promise<void> {
  const headers: Record<string, string> = { [FORWARDED_HEADER]: self || 'unknown' };
  if (req.headers.authorization) headers.authorization = req.headers.authorization;
  const hasBody = req.body !== undefined && req.body !== null;
  if (hasBody) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`http://${master.api}${req.url}`, {
      method: req.method,
      headers,
      ...(hasBody ? { body: JSON.stringify(req.body) } : {}),
      signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
    });
  } catch (e) {
    throw new ApiError('service_unavailable', `switch is mastered by instance ${master.instanceId} (${master.api}), which did not answer: ${(e as Error).message}`);
  }
  const body = Buffer.from(await res.arrayBuffer());
  reply.status(res.status).header(SERVED_BY_HEADER, master.instanceId);
  const type = res.headers.get('content-type');
  if (type) reply.header('content-type', type);
  const retryAfter = res.headers.get('retry-after');
  if (retryAfter) reply.header('retry-after', retryAfter);
  await reply.send(body);
}
