/**
 * The northbound API as a fastify app: native routes under /api/v1, Ryu-compatible routes at
 * the root, the WebSocket event stream, /metrics, /healthz, /readyz, the OpenAPI document and
 * docs; bearer-token scopes, CORS, body limits and one error format for everything.
 */
import '@fastify/swagger';
import fastifyCors from '@fastify/cors';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyWebsocket from '@fastify/websocket';
import type { IncomingMessage, ServerResponse } from 'node:http';
import AjvCompiler from '@fastify/ajv-compiler';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest, type FastifySchemaCompiler, type FastifyServerOptions, type RawServerDefault } from 'fastify';
import type { Logger } from 'pino';
import { defaultConfig, type ApiConfig } from '../config.js';
import { silentLogger } from '../log.js';
import { TokenAuth } from './auth.js';
import { checkBodyType, checkOrigin, originPolicy } from './origin.js';
import { consoleRoutes, whoamiRoute } from './console.js';
import { ApiError, errorBody, RETRY_AFTER_SEC, toApiError } from './errors.js';
import { ControllerMetrics } from './metrics.js';
import { appRoutes } from './routes/apps.js';
import { configRoutes } from './routes/config.js';
import { clusterRoutes } from './routes/cluster.js';
import { healthRoutes } from './routes/health.js';
import { resourceRoutes } from './routes/resources.js';
import { ryuOfctlRoutes } from './routes/ryu-ofctl.js';
import { ryuTableRoutes } from './routes/ryu-ofctl-tables.js';
import { ryuTopologyRoutes } from './routes/ryu-topology.js';
import { statsRoutes } from './routes/stats.js';
import { switchRoutes } from './routes/switches.js';
import { topologyRoutes } from './routes/topology.js';
import { traceRoutes } from './routes/trace.js';
import type { ApiContext } from './context.js';
import type { RouteConfig, RouteScope } from './util.js';
import { eventRoutes } from './websocket.js';
import type { Clock } from '../core/clock.js';

/** Every API setting with its default filled in. */
export type ResolvedApiConfig = Required<ApiConfig>;

/** The API config with defaults for what it leaves out. */
export function resolveApiConfig(c: Partial<ApiConfig> | undefined): ResolvedApiConfig {
  const d = defaultConfig.api as ResolvedApiConfig;
  const out = { ...d };
  for (const [k, v] of Object.entries(c ?? {})) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** Options of buildApi. */
export interface BuildApiOptions {
  readonly config?: Partial<ApiConfig>;
  readonly log?: Logger;
  /** Use these metrics (default: the context's, else new ones). */
  readonly metrics?: ControllerMetrics;
  /** Time for event timestamps and heartbeats; default the system clock. */
  readonly clock?: Clock;
  /** The built web console to serve at `/` (default: dist/web, see defaultConsoleDir). */
  readonly consoleDir?: string;
}

/** JSON.parse without prototype pollution through `__proto__` / `constructor.prototype` keys. */
function safeJsonParse(text: string): unknown {
  return JSON.parse(text, function (key, value: unknown) {
    if (key === '__proto__') return undefined;
    if (key === 'constructor' && value !== null && typeof value === 'object' && 'prototype' in (value as object)) return undefined;
    return value;
  });
}

type ValidatorFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildValidator'];

/** ajv settings of every schema; coercion is set per part by strictBodyValidators. */
const AJV_OPTIONS = { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } as const;

/**
 * fastify's own ajv compiler twice: params and querystrings are strings by nature and keep
 * coercion ("7" is port 7), but a body is JSON with its own types, so a write's `{"up": 0}` or
 * `{"priority": true}` is refused instead of read as false or 1.
 */
export function strictBodyValidators(externalSchemas: Record<string, unknown>, options?: { customOptions?: object }): FastifySchemaCompiler<unknown> {
  // Declared as ajv's compile(schema) and JTD-or-ajv options; fastify calls them with a route definition.
  const build = AjvCompiler() as unknown as (ext: Record<string, unknown>, o?: { customOptions?: object }) => FastifySchemaCompiler<unknown>;
  const coercing = build(externalSchemas, options);
  const strict = build(externalSchemas, { ...options, customOptions: { ...options?.customOptions, coerceTypes: false } });
  return (route) => (route.httpPart === 'body' ? strict : coercing)(route);
}

/** Builds the API app (not listening: call `listen`, or `inject` in tests). */
export async function buildApi(ctx: ApiContext, opts: BuildApiOptions = {}): Promise<{ app: FastifyInstance; metrics: ControllerMetrics; auth: TokenAuth; config: ResolvedApiConfig }> {
  const config = resolveApiConfig(opts.config);
  const log = opts.log ?? silentLogger;
  const metrics =
    opts.metrics ??
    ctx.metrics ??
    new ControllerMetrics({
      bus: ctx.bus,
      devices: ctx.devices,
      topologySizes: ctx.topology
        ? () => {
            const s = ctx.topology!.snapshot();
            return { switches: s.switches.size, links: s.links.length, hosts: s.hosts.length };
          }
        : undefined,
      topologyCounters: () => ctx.topology?.counters,
      flowCounters: () => ctx.flowCounters?.(),
      connectionCounters: () => ctx.connectionCounters?.(),
    });
  const auth = new TokenAuth(config.tokens);
  const app = Fastify<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger>({
    loggerInstance: log.child({ component: 'api' }) as FastifyBaseLogger,
    // Requests are counted in metrics; a log line per request would drown the controller's own.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    ajv: { customOptions: AJV_OPTIONS },
    schemaController: { compilersFactory: { buildValidator: strictBodyValidators as unknown as ValidatorFactory } },
    // Ryu clients send dpids and cookies above 2^53 in URLs; fastify must not reject long params.
    routerOptions: { maxParamLength: 200 },
  });

  // Bodies: JSON only, but an empty body is "no body", and curl's default form content type is
  // parsed as JSON too, because Ryu's tutorials use `curl -X POST -d '{...}'` without a header;
  // checkBodyType then admits such bodies only on Ryu's routes and only from non-browser clients.
  app.removeContentTypeParser('application/json');
  const parseJson = (_req: FastifyRequest, body: string, done: (err: Error | null, v?: unknown) => void): void => {
    if (body.trim() === '') return done(null, undefined);
    try {
      done(null, safeJsonParse(body));
    } catch (e) {
      done(new ApiError('invalid_json', `the body is not valid JSON: ${(e as Error).message}`, 'body'));
    }
  };
  app.addContentTypeParser(['application/json', 'application/x-www-form-urlencoded', 'text/plain'], { parseAs: 'string' }, parseJson);

  app.setErrorHandler((err, req, reply) => {
    const e = toApiError(err);
    if (e.statusCode >= 500) req.log.error({ err: (err as Error).message, stack: (err as Error).stack, url: req.url, method: req.method }, 'request failed');
    void reply.status(e.statusCode).type('application/json; charset=utf-8').send(errorBody(e));
  });
  app.setNotFoundHandler((req, reply) => {
    const e = new ApiError('route_not_found', `no route ${req.method} ${req.url.split('?')[0]}`);
    void reply.status(e.statusCode).send(errorBody(e));
  });

  // Host and origin first (a foreign page or a rebound name gets nothing, token or not), then
  // authentication: every route needs a token when tokens are configured, except health.
  const origins = originPolicy(config);
  app.addHook('onRequest', async (req) => {
    const rc = req.routeOptions.config as RouteConfig | undefined;
    const scope: RouteScope = rc?.scope ?? (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS' ? 'read' : 'admin');
    if (req.routeOptions.url === undefined) return; // 404s answer without leaking which routes exist
    checkOrigin(req, origins);
    auth.check(req, scope);
  });
  app.addHook('preValidation', async (req) => {
    if (req.routeOptions.url !== undefined) checkBodyType(req, req.routeOptions.url.startsWith('/api/'));
  });

  // Every 503 says when to try again (RFC 9110 §10.2.3): a failover, a starting instance, an app or
  // the store not available yet are all temporary. A route or a relayed answer that set its own keeps it.
  app.addHook('onSend', async (_req, reply, payload) => {
    if (reply.statusCode === 503 && !reply.hasHeader('retry-after')) void reply.header('retry-after', String(RETRY_AFTER_SEC));
    return payload;
  });

  app.addHook('onResponse', async (req, reply) => {
    // A WebSocket upgrade refused before the websocket plugin saw it keeps its socket otherwise.
    if (req.headers.upgrade !== undefined && reply.statusCode >= 400) req.raw.socket?.destroy();
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.apiRequests.inc({ method: req.method, route, status: String(reply.statusCode) });
    metrics.apiRequestSeconds.observe({ method: req.method, route }, reply.elapsedTime / 1000);
  });

  if (config.corsOrigins.length > 0) {
    await app.register(fastifyCors, {
      origin: config.corsOrigins.includes('*') ? true : [...config.corsOrigins],
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type'],
    });
  }

  if (config.docs) {
    await app.register(fastifySwagger, {
      openapi: {
        openapi: '3.0.3',
        info: { title: 'Signalbox northbound API', version: '1', description: 'Native API under /api/v1 (dpids as 16 hex digits); Ryu ofctl_rest and rest_topology compatible routes at the root.' },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
        security: config.tokens.length > 0 ? [{ bearer: [] }] : [],
      },
    });
    await app.register(fastifySwaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } });
    app.get('/openapi.json', { schema: { hide: true }, config: { scope: 'read' } }, async () => app.swagger());
  }

  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });

  healthRoutes(app, ctx, metrics);
  await app.register(
    async (api) => {
      switchRoutes(api, ctx, { onFlowMod: (dpid) => metrics.recordFlowMod(dpid, 'api') });
      topologyRoutes(api, ctx);
      appRoutes(api, ctx);
      configRoutes(api, ctx);
      resourceRoutes(api, ctx);
      clusterRoutes(api, ctx, opts.clock);
      whoamiRoute(api, auth);
      traceRoutes(api, ctx);
      statsRoutes(api, ctx);
      eventRoutes(api, ctx, { heartbeatMs: config.eventsHeartbeatMs, maxStreams: config.maxEventStreams, maxBufferedBytes: config.eventsMaxBufferedBytes, auth, log, metrics, ...(opts.clock ? { clock: opts.clock } : {}) });
    },
    { prefix: '/api/v1' },
  );
  ryuOfctlRoutes(app, ctx, { onFlowMod: (dpid) => metrics.recordFlowMod(dpid, 'api') });
  ryuTableRoutes(app, ctx);
  ryuTopologyRoutes(app, ctx);
  consoleRoutes(app, { dir: opts.consoleDir });
  return { app, metrics, auth, config };
}
