/** The northbound API's entry point: build the fastify app, bind it (localhost only without tokens), close it. */
import { BlockList, isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { parseHostPort, type Config } from '../config.js';
import { silentLogger } from '../log.js';
import { buildApi, resolveApiConfig } from './app.js';
import type { ControllerMetrics } from './metrics.js';
import type { ApiContext } from './context.js';
import type { Clock } from '../core/clock.js';

export { buildApi, resolveApiConfig, type BuildApiOptions, type ResolvedApiConfig } from './app.js';
export { API_ERRORS, ApiError, toApiError, type ApiErrorCode } from './errors.js';
export { ControllerMetrics, type AppMetricsView } from './metrics.js';
export type * from './context.js';

/** A running API. */
export interface RunningApi {
  /** `http://host:port` it listens on. */
  readonly address: string;
  readonly host: string;
  readonly port: number;
  readonly app: FastifyInstance;
  readonly metrics: ControllerMetrics;
  close(): Promise<void>;
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
LOOPBACK.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

/**
 * True for addresses only this machine can reach: `localhost`, 127.0.0.0/8, ::1 and IPv4-mapped
 * 127/8. An address is parsed, not prefix-matched (`127.evil.example` is a name, not loopback).
 */
export function isLoopback(host: string): boolean {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (h.toLowerCase() === 'localhost') return true;
  const family = isIP(h);
  return family !== 0 && LOOPBACK.check(h, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Starts the API on `config.api.listen`. Without tokens it binds to 127.0.0.1 whatever the
 * config says, and logs so; with tokens every route but /healthz and /readyz needs one.
 */
export async function startApi(opts: { context: ApiContext; config: Pick<Config, 'api'>; log?: Logger; clock?: Clock }): Promise<RunningApi> {
  const log = opts.log ?? silentLogger;
  const cfg = resolveApiConfig(opts.config.api);
  const { host: wantHost, port } = parseHostPort(cfg.listen, 'api.listen');
  let host = wantHost;
  if (cfg.tokens.length === 0) {
    if (!isLoopback(host)) {
      log.warn({ configured: cfg.listen }, `no API token is configured (api.tokens): the API listens on 127.0.0.1 only instead of ${host}; configure tokens to expose it`);
      host = '127.0.0.1';
    } else {
      log.info('no API token is configured (api.tokens): the API is open to local clients only');
    }
  }
  const { app, metrics } = await buildApi(opts.context, { config: cfg, log, ...(opts.clock ? { clock: opts.clock } : {}) });
  await app.listen({ host, port });
  const addr = app.server.address();
  const boundPort = typeof addr === 'object' && addr ? addr.port : port;
  const shown = host.includes(':') ? `[${host}]` : host;
  const address = `http://${shown}:${boundPort}`;
  log.info({ address, auth: cfg.tokens.length > 0 ? `${cfg.tokens.length} token(s)` : 'none (localhost only)' }, 'northbound API listening');
  return {
    address,
    host,
    port: boundPort,
    app,
    metrics,
    close: async () => {
      metrics.detach();
      await app.close();
    },
  };
}
