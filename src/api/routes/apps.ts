/** Native API: apps (list, status, enable, disable, config get/put). */
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.js';
import type { ApiContext, AppsApi } from '../context.js';
import { native, requireService } from '../util.js';

const NAME = { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: 100 } } } as const;

/** Registers the app routes under the current prefix. */
export function appRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const apps = (): AppsApi => requireService(ctx.apps, 'apps');
  const known = (name: string): AppsApi => {
    const a = apps();
    if (!a.status(name)) throw new ApiError('not_found', `no app named ${JSON.stringify(name)}`, 'params.name');
    return a;
  };

  app.get('/apps', { schema: { tags: ['apps'], summary: 'Apps and their state' } }, async () => native(apps().list()));
  app.get<{ Params: { name: string } }>('/apps/:name', { schema: { tags: ['apps'], summary: 'One app', params: NAME } }, async (req) => native(known(req.params.name).status(req.params.name)));
  /** The network config's `apps` list holds which apps run: the API's enable/disable are refused. */
  const notDeclared = (): void => {
    const file = ctx.networkConfig?.declaresApps();
    if (file !== undefined) throw new ApiError('conflict', `which apps run is declared by the network config ${file} (apps); change it there and reload`, 'params.name');
  };
  app.post<{ Params: { name: string } }>('/apps/:name/enable', { schema: { tags: ['apps'], summary: 'Start an app; the choice is stored (holds across restarts and on every instance of a cluster). 409 when the network config declares the apps', params: NAME } }, async (req) => {
    const a = known(req.params.name);
    notDeclared();
    return native(await a.enable(req.params.name));
  });
  app.post<{ Params: { name: string } }>('/apps/:name/disable', { schema: { tags: ['apps'], summary: 'Stop an app and remove its flows; the choice is stored (holds across restarts and on every instance of a cluster). 409 when the network config declares the apps', params: NAME } }, async (req) => {
    const a = known(req.params.name);
    notDeclared();
    return native(await a.disable(req.params.name));
  });
  app.get<{ Params: { name: string } }>('/apps/:name/config', { schema: { tags: ['apps'], summary: "An app's config", params: NAME } }, async (req) => {
    const a = known(req.params.name);
    if (!a.getConfig) throw new ApiError('service_unavailable', 'the apps service does not expose configs');
    return native(a.getConfig(req.params.name) ?? {});
  });
  app.get<{ Params: { name: string } }>(
    '/apps/:name/config/override',
    { schema: { tags: ['apps'], summary: "An app's stored config override alone (`{}` when it has none): the keys a PUT of its config set", params: NAME } },
    async (req) => {
      const a = known(req.params.name);
      if (!a.getOverride) throw new ApiError('service_unavailable', 'the apps service does not expose configs');
      return native(a.getOverride(req.params.name) ?? {});
    },
  );
  app.put<{ Params: { name: string }; Body: Record<string, unknown> }>(
    '/apps/:name/config',
    {
      schema: {
        tags: ['apps'],
        summary: "Set an app's config override: its keys are laid over the config file's settings, checked against the app's schema (400 naming the key), stored (survives a restart) and applied (the app is restarted unless it can reconfigure live)",
        params: NAME,
        body: { type: 'object' },
      },
    },
    async (req) => {
      const a = known(req.params.name);
      if (!a.setConfig) throw new ApiError('service_unavailable', 'the apps service does not expose configs');
      return native(await a.setConfig(req.params.name, req.body));
    },
  );
  app.delete<{ Params: { name: string } }>(
    '/apps/:name/config',
    { schema: { tags: ['apps'], summary: "Drop the app's stored config override (back to the config file's settings) and apply that", params: NAME } },
    async (req) => {
      const a = known(req.params.name);
      if (!a.resetConfig) throw new ApiError('service_unavailable', 'the apps service does not expose configs');
      return native(await a.resetConfig(req.params.name));
    },
  );
}
