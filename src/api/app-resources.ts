/**
 * The API's collections backed by running apps: static flows (the static-flows app), ACL rules
 * (the acl app) and static routes (the router app). An app that is not running answers 503; an
 * app's validation error becomes a 400 naming the field.
 */
import type { AppManager } from '../apps/manager.js';
import type { AclApp } from '../apps/acl/index.js';
import { AclRuleError } from '../apps/acl/index.js';
import type { RouterApp } from '../apps/router/index.js';
import { RouteError } from '../apps/router/index.js';
import type { StaticFlowsApp } from '../apps/static-flows/index.js';
import { StaticFlowConflict, StaticFlowError } from '../apps/static-flows/index.js';
import { ApiError } from './errors.js';
import type { ApiResource, ResourceApi } from './context.js';

function running<T>(apps: AppManager, name: string): T {
  const app = apps.instance(name) as T | undefined;
  if (!app) throw new ApiError('service_unavailable', `the ${name} app is not running (enable it: POST /api/v1/apps/${name}/enable)`);
  return app;
}

/** Where declared entries come from (the network config file), for refusals; undefined when unknown. */
export type DeclaredOrigin = () => string | undefined;

async function mapErrors<T>(fn: () => Promise<T> | T, origin?: DeclaredOrigin): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    // An entry the config declares: the refusal names the file it is declared in.
    const d = e as { declared?: boolean; field?: string; message?: string };
    if (d?.declared === true) {
      const file = origin?.();
      throw new ApiError('conflict', file !== undefined ? `${d.message!.replace(/; change it there$/, '')}, from the network config ${file}: change it there and reload` : d.message!, d.field);
    }
    if (e instanceof StaticFlowError || e instanceof AclRuleError || e instanceof RouteError) throw new ApiError('invalid_input', e.message, `body.${e.field}`);
    if (e instanceof StaticFlowConflict) throw new ApiError('conflict', e.message, 'body.match');
    throw e;
  }
}

/** Static flows by name (the resource id is the flow's name). */
export function staticFlowsResource(apps: AppManager, origin?: DeclaredOrigin): ResourceApi {
  const app = (): StaticFlowsApp => running<StaticFlowsApp>(apps, 'static-flows');
  const asResource = (f: { name: string }): ApiResource => ({ id: f.name, ...f });
  return {
    list: () => app().list().map(asResource),
    get: (id) => {
      const f = app().get(id);
      return f && asResource(f);
    },
    create: (body) =>
      mapErrors(async () => {
        const name = (body as { name?: unknown } | null)?.name;
        if (typeof name === 'string' && app().get(name)) throw new ApiError('conflict', `a static flow named "${name}" exists; PUT /api/v1/static-flows/${name} replaces it`, 'body.name');
        return asResource((await app().put(body, { createOnly: true })).flow);
      }, origin),
    replace: (id, body) => mapErrors(async () => asResource((await app().put({ ...(body as object), name: id })).flow), origin),
    remove: (id) => mapErrors(() => app().remove(id), origin),
  };
}

/** ACL rules by id, in evaluation order. */
export function aclResource(apps: AppManager, origin?: DeclaredOrigin): ResourceApi {
  const app = (): AclApp => running<AclApp>(apps, 'acl');
  return {
    list: () => app().list(),
    get: (id) => app().get(id),
    create: (body) => mapErrors(() => app().add(body), origin),
    replace: (id, body) =>
      mapErrors(async () => {
        const r = await app().update(id, body);
        if (!r) throw new ApiError('not_found', `no ACL rule "${id}"`, 'params.id');
        return r;
      }, origin),
    remove: (id) => mapErrors(() => app().remove(id), origin),
  };
}

/** Static routes by id (Ryu rest_router's `{ destination, gateway }`): the config file's (`config-N`, read-only) and the API's (`rN`). */
export function routesResource(apps: AppManager): ResourceApi {
  const app = (): RouterApp => running<RouterApp>(apps, 'router');
  return {
    list: () => app().staticRoutes(),
    get: (id) => app().getRoute(id),
    create: (body) => mapErrors(() => app().addRoute(body)),
    replace: (id, body) =>
      mapErrors(async () => {
        const r = await app().replaceRoute(id, body);
        if (!r) throw new ApiError('not_found', `no route "${id}"`, 'params.id');
        return r;
      }),
    remove: (id) => app().removeRoute(id),
  };
}
