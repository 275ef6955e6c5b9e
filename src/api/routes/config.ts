/**
 * Native API: the network config (config as code, docs/config-as-code.md): the applied one, and
 * check, diff, apply and reload. A file that does not check is a 400 listing every error (path
 * and line) in `details.errors`, and changes nothing.
 */
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.js';
import type { ApiContext, NetworkConfigApi } from '../context.js';
import { native, requireService } from '../util.js';

const SOURCE = {
  type: 'object',
  required: ['text'],
  additionalProperties: false,
  properties: {
    text: { type: 'string', description: 'The file\'s text: YAML or JSON, its `network:` section or the whole file' },
    file: { type: 'string', maxLength: 1024, description: 'The file\'s name, as messages and the API\'s `source` show it (default `request`)' },
  },
} as const;

/** A NetworkConfigError (duck-typed: `issues`) as a 400 with every issue. */
async function mapped<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const issues = (e as { issues?: unknown }).issues;
    if (Array.isArray(issues)) throw new ApiError('invalid_input', (e as Error).message, 'body.text', { errors: issues });
    throw e;
  }
}

/** Registers the network config routes under the current prefix. */
export function configRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const svc = (): NetworkConfigApi => requireService(ctx.networkConfig, 'network config');
  const source = (b: { text: string; file?: string }): { text: string; file: string } => ({ text: b.text, file: b.file ?? 'request' });

  app.get('/config', { schema: { tags: ['config'], summary: 'The network config in force: its file, when it was applied, and what it declares (empty object when none)' } }, async () => native(svc().status() ?? {}));
  app.post<{ Body: { text: string; file?: string } }>(
    '/config/check',
    { schema: { tags: ['config'], summary: 'Check a network config file: `{ok, errors: [{path, line, message}]}`; changes nothing', body: SOURCE }, config: { scope: 'read' } },
    async (req) => {
      const errors = svc().check(source(req.body));
      return native({ ok: errors.length === 0, errors });
    },
  );
  app.post<{ Body: { text: string; file?: string } }>(
    '/config/diff',
    { schema: { tags: ['config'], summary: 'What applying a network config file would change: apps, settings, ACL rules, static flows, gateways, routes, and the flows added, removed or modified per switch; changes nothing', body: SOURCE }, config: { scope: 'read' } },
    async (req) => native(await mapped(() => svc().diff(source(req.body)))),
  );
  app.post<{ Body: { text: string; file?: string } }>(
    '/config/apply',
    { schema: { tags: ['config'], summary: 'Apply a network config file: only the difference reaches the switches (a switch whose flows do not change gets no FLOW_MOD); stored, so every instance of a cluster applies it and it survives restarts. Answers what changed', body: SOURCE } },
    async (req) => native(await mapped(() => svc().apply(source(req.body)))),
  );
  app.post('/config/reload', { schema: { tags: ['config'], summary: "Re-read the controller's own network config file (`networkFile`, or the `network:` section of its `--config` file) and apply it, as SIGHUP does; answers what changed" } }, async () => {
    try {
      return native(await mapped(() => svc().reload()));
    } catch (e) {
      if ((e as { name?: string }).name === 'NetworkConfigUnavailable') throw new ApiError('conflict', (e as Error).message);
      throw e;
    }
  });
}
