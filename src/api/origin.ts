/**
 * Who may drive the API from a browser: the Host header must name this controller (DNS
 * rebinding sends the attacker's name), a write or an event-stream upgrade must come from the
 * API's own origin or a configured one (any page the operator opens can POST to localhost), and
 * native writes carry JSON (an HTML form or a `text/plain` fetch needs no CORS preflight).
 */
import { hostname, networkInterfaces } from 'node:os';
import type { FastifyRequest } from 'fastify';
import { parseHostPort } from '../config.js';
import { ApiError } from './errors.js';

/** What the guard admits, resolved once from the API config. */
export interface OriginPolicy {
  /** Host names (lower case, no port, IPv6 without brackets) requests may carry; `any` turns the check off. */
  readonly hosts: ReadonlySet<string> | 'any';
  /** Origins besides the API's own that may write (`scheme://host[:port]`); `any` admits every origin. */
  readonly origins: ReadonlySet<string> | 'any';
}

/** Names every machine calls itself. */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];

/**
 * The policy for an API listening on `listen`: `allowedHosts` when given (`*` for any), else the
 * loopback names, the listen host and, when it listens on every interface, this machine's
 * hostname and interface addresses. Origins are the CORS list (`*` for any).
 */
export function originPolicy(cfg: { readonly listen: string; readonly allowedHosts: readonly string[]; readonly corsOrigins: readonly string[] }): OriginPolicy {
  const origins = cfg.corsOrigins.includes('*') ? 'any' : new Set(cfg.corsOrigins.map((o) => o.toLowerCase().replace(/\/+$/, '')));
  if (cfg.allowedHosts.includes('*')) return { hosts: 'any', origins };
  const hosts = new Set(LOOPBACK_NAMES);
  for (const h of cfg.allowedHosts) hosts.add(bareHost(h));
  const { host } = parseHostPort(cfg.listen, 'api.listen');
  hosts.add(bareHost(host));
  if (host === '0.0.0.0' || host === '::') {
    hosts.add(hostname().toLowerCase());
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) hosts.add(a.address.toLowerCase());
  }
  return { hosts, origins };
}

/** `Host`-style text without port or IPv6 brackets, lower case. */
function bareHost(h: string): string {
  const t = h.trim().toLowerCase();
  if (t.startsWith('[')) return t.slice(1, t.indexOf(']') > 0 ? t.indexOf(']') : undefined);
  const colons = t.split(':').length - 1;
  return colons === 1 ? t.slice(0, t.indexOf(':')) : t; // more than one colon: a bare IPv6 address
}

/** True for the methods that change nothing. */
function isRead(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
}

/**
 * Admits a request or throws 403: every request that names a host must name an allowed one; a write, or the
 * WebSocket upgrade, from a browser (it carries `Origin`) must come from the API's own origin or
 * an allowed one. Requests without `Origin` are not from a page (curl, scripts, the CLI).
 */
export function checkOrigin(req: FastifyRequest, policy: OriginPolicy): void {
  const host = req.headers.host;
  // No Host at all is an HTTP/1.0 tool, never a browser: DNS rebinding always carries one.
  if (policy.hosts !== 'any' && host !== undefined && !policy.hosts.has(bareHost(host))) {
    throw new ApiError('host_not_allowed', `Host ${JSON.stringify(host ?? '')} is not a name of this controller; add it to api.allowedHosts`, 'headers.host');
  }
  const upgrade = typeof req.headers.upgrade === 'string' && req.headers.upgrade.toLowerCase() === 'websocket';
  if (isRead(req.method) && !upgrade) return;
  const origin = req.headers.origin;
  if (origin === undefined) {
    // A browser that leaves Origin out still says where the request came from.
    const site = req.headers['sec-fetch-site'];
    if (site === 'cross-site' || site === 'same-site') throw new ApiError('origin_not_allowed', `a ${site} request may not ${upgrade ? 'open the event stream' : 'write'}`, 'headers.sec-fetch-site');
    return;
  }
  const o = origin.toLowerCase().replace(/\/+$/, '');
  if (host !== undefined && (o === `http://${host.toLowerCase()}` || o === `https://${host.toLowerCase()}`)) return;
  if (policy.origins === 'any' || policy.origins.has(o)) return;
  throw new ApiError('origin_not_allowed', `origin ${JSON.stringify(origin)} may not ${upgrade ? 'open the event stream' : 'write'}; allow it in api.corsOrigins`, 'headers.origin');
}

/**
 * Bodies of native writes must be `application/json`; Ryu's compatible routes also take curl's
 * default form type (Ryu's own examples use `curl -d '{...}'`), but only from clients that are
 * not a browser page (no `Origin`).
 */
export function checkBodyType(req: FastifyRequest, native: boolean): void {
  if (req.body === undefined || isRead(req.method)) return;
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json') return;
  if (!native && req.headers.origin === undefined) return;
  throw new ApiError('unsupported_media_type', `the body must be sent as Content-Type: application/json, not ${JSON.stringify(type)}`, 'headers.content-type');
}
