/** Native API: static flows, ACL rules and routes, each a collection with CRUD routes over its service. */
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.js';
import type { ApiContext, ResourceApi } from '../context.js';
import { native, requireService } from '../util.js';

const ID = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 200 } } } as const;

function collection(app: FastifyInstance, path: string, tag: string, what: string, svc: () => ResourceApi | undefined, service: string): void {
  const get = (): ResourceApi => requireService(svc(), service);
  app.get(path, { schema: { tags: [tag], summary: `List ${what}` } }, async () => native(await get().list()));
  app.get<{ Params: { id: string } }>(`${path}/:id`, { schema: { tags: [tag], summary: `One of the ${what}`, params: ID } }, async (req) => {
    const r = await get().get(req.params.id);
    if (r === undefined) throw new ApiError('not_found', `no ${tag} with id ${JSON.stringify(req.params.id)}`, 'params.id');
    return native(r);
  });
  app.post<{ Body: unknown }>(path, { schema: { tags: [tag], summary: `Create one of the ${what} (stored; survives restarts)`, body: { type: 'object' } } }, async (req, reply) => {
    return reply.status(201).send(native(await get().create(req.body)));
  });
  app.put<{ Params: { id: string }; Body: unknown }>(`${path}/:id`, { schema: { tags: [tag], summary: `Replace one of the ${what}`, params: ID, body: { type: 'object' } } }, async (req) =>
    native(await get().replace(req.params.id, req.body)),
  );
  app.delete<{ Params: { id: string } }>(`${path}/:id`, { schema: { tags: [tag], summary: `Delete one of the ${what}`, params: ID } }, async (req) => {
    if (!(await get().remove(req.params.id))) throw new ApiError('not_found', `no ${tag} with id ${JSON.stringify(req.params.id)}`, 'params.id');
    return { status: 'deleted', id: req.params.id };
  });
}

/** Registers /static-flows, /acl-rules and /routes under the current prefix. */
export function resourceRoutes(app: FastifyInstance, ctx: ApiContext): void {
  collection(app, '/static-flows', 'static-flows', 'static flows', () => ctx.staticFlows, 'static flows');
  collection(app, '/acl-rules', 'acl-rules', 'ACL rules', () => ctx.aclRules, 'ACL');
  collection(app, '/routes', 'routes', 'routes', () => ctx.routes, 'routing');
}
