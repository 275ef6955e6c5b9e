/** Bearer-token authentication: read and admin scopes from the config, compared in constant time. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { ApiToken } from '../config.js';
import { ApiError } from './errors.js';
import type { RouteScope } from './util.js';

/** Checks tokens; with none configured every request passes (the API is then bound to localhost). */
export class TokenAuth {
  private readonly digests: { readonly digest: Buffer; readonly token: ApiToken }[];

  constructor(tokens: readonly ApiToken[]) {
    this.digests = tokens.map((t) => ({ digest: sha256(t.token), token: t }));
  }

  /** True when tokens are configured. */
  get enabled(): boolean {
    return this.digests.length > 0;
  }

  /** The token a presented secret matches, or undefined. Every configured token is compared, so timing says nothing. */
  identify(secret: string): ApiToken | undefined {
    const d = sha256(secret);
    let found: ApiToken | undefined;
    for (const t of this.digests) if (timingSafeEqual(d, t.digest)) found = t.token;
    return found;
  }

  /**
   * Admits or refuses a request needing `scope`: throws 401 `unauthorized` without a valid token,
   * 403 `forbidden` when a read token calls an admin route. `queryToken` is for WebSocket clients
   * (browsers cannot set headers on one).
   */
  check(req: FastifyRequest, scope: RouteScope, queryToken?: string): ApiToken | undefined {
    if (!this.enabled || scope === 'none') return undefined;
    const h = req.headers.authorization;
    let secret: string | undefined;
    if (typeof h === 'string') {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
      if (!m) throw new ApiError('unauthorized', 'the Authorization header must be "Bearer <token>"');
      secret = m[1];
    } else {
      secret = queryToken;
    }
    if (secret === undefined) throw new ApiError('unauthorized', 'this API needs a bearer token (Authorization: Bearer <token>)');
    const token = this.identify(secret);
    if (!token) throw new ApiError('unauthorized', 'unknown token');
    if (scope === 'admin' && token.scope !== 'admin') throw new ApiError('forbidden', `token "${token.name}" has read scope; this route needs admin`);
    return token;
  }
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}
