/** Helpers the route modules share: switch lookup, service checks, JSON forms, scopes. */
import type { FastifyReply } from 'fastify';
import { dpidToHex, parseDpid } from '../core/ids.js';
import { toJsonValue, type Json } from '../openflow/json.js';
import type { SwitchView } from '../core/services.js';
import { ApiError } from './errors.js';
import type { ApiContext } from './context.js';

/** Who may call a route: anyone (health), a read token, or an admin token. */
export type RouteScope = 'none' | 'read' | 'admin';

/** Route `config` carrying the scope (default: read for GET/HEAD, admin for the rest). */
export interface RouteConfig {
  readonly scope?: RouteScope;
}

/** The connected switch with this dpid (16 hex digits), or a 404 `switch_not_found`. */
export function datapathByHex(ctx: ApiContext, hex: string, field = 'params.dpid'): SwitchView {
  let dpid: bigint;
  try {
    dpid = parseDpid(hex);
  } catch {
    throw new ApiError('invalid_input', `${field}: expected a datapath id as 16 hex digits, got ${JSON.stringify(hex)}`, field);
  }
  return datapathById(ctx, dpid);
}

/** The connected switch with this dpid, or a 404 `switch_not_found`. */
export function datapathById(ctx: ApiContext, dpid: bigint): SwitchView {
  const dp = ctx.devices.get(dpid);
  if (!dp) throw new ApiError('switch_not_found', `no switch with datapath id ${dpidToHex(dpid)} is connected`);
  return dp;
}

/** The service, or a 503 naming it. */
export function requireService<T>(svc: T | undefined, name: string): T {
  if (svc === undefined) throw new ApiError('service_unavailable', `the ${name} service is not running in this controller`);
  return svc;
}

/** Meters and groups need OpenFlow 1.3: a 501 naming the switch otherwise. */
export function require13(dp: SwitchView, what: string): void {
  if (dp.version !== 4) throw new ApiError('version_unsupported', `${what} needs OpenFlow 1.3; switch ${dp.dpidHex} speaks OpenFlow 1.0`);
}

/** The native JSON form of any value (bigints as decimal strings, dpids and bytes as hex). */
export function native(v: unknown): Json {
  return toJsonValue(v);
}

/**
 * JSON text with bigints as bare digits, the way Ryu's Python JSON prints 64-bit integers (so
 * nothing above 2^53 loses digits on the wire; JavaScript clients should parse such fields with care).
 */
export function stringifyExact(v: unknown): string {
  const marks: string[] = [];
  const text = JSON.stringify(v, (_k, x: unknown) => {
    if (typeof x === 'bigint') {
      marks.push(x.toString());
      return `\u0000big${marks.length - 1}\u0000`;
    }
    if (Buffer.isBuffer(x)) return x.toString('hex');
    return x;
  });
  if (marks.length === 0) return text;
  return text.replace(/"\\u0000big(\d+)\\u0000"/g, (_m, i: string) => marks[Number(i)]!);
}

/** Sends a value as exact JSON (see stringifyExact). */
export function sendExact(reply: FastifyReply, v: unknown, status = 200): FastifyReply {
  return reply.status(status).type('application/json; charset=utf-8').send(stringifyExact(v));
}

/** Parses a 64-bit query value (decimal or 0x hex); 400 naming the field otherwise. */
export function parseU64(v: string | undefined, field: string): bigint | undefined {
  if (v === undefined) return undefined;
  if (/^[0-9]+$/.test(v) || /^0x[0-9a-f]{1,16}$/i.test(v)) {
    const n = BigInt(v);
    if (n < 1n << 64n) return n;
  }
  throw new ApiError('invalid_input', `${field}: expected a 64-bit unsigned integer (decimal or 0x hex), got ${JSON.stringify(v)}`, field);
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route (see RouteScope). */
    scope?: RouteScope;
  }
}

/** Querystring schema of a paginated list: `limit` (default 1000, at most 10000) and `offset`. */
export const PAGE_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 10000, default: 1000, description: 'at most this many items (1-10000, default 1000)' },
    offset: { type: 'integer', minimum: 0, default: 0, description: 'skip this many items first' },
  },
} as const;

/**
 * One page of a list that grows with the network; the answer stays an array (as before pagination)
 * and the `X-Total-Count` header says how many there are in all.
 */
export function page<T>(items: readonly T[], q: { limit?: number; offset?: number }, reply: { header(name: string, value: string): unknown }): T[] {
  const offset = q.offset ?? 0;
  void reply.header('x-total-count', String(items.length));
  return items.slice(offset, offset + (q.limit ?? PAGE_QUERY.properties.limit.default));
}
