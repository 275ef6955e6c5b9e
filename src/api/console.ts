/**
 * The web console: its built files (dist/web, made by scripts/build-web.mjs) served at `/` with a
 * Content-Security-Policy and caching, and `GET /api/v1/whoami`, which tells a page whether it
 * needs a token and what the one it holds may do.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TokenAuth } from './auth.js';
import { ApiError } from './errors.js';

/**
 * The console's policy: scripts, styles and connections only from this origin (the event stream's
 * `ws://` included: CSP 3 `'self'` matches it), no inline script, no framing.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** One file of the console, read once at start (the whole console is a few hundred KB). */
interface ConsoleFile {
  readonly body: Buffer;
  readonly gzip: Buffer | undefined;
  readonly type: string;
  /** Hashed names never change content: cache them for a year. */
  readonly immutable: boolean;
}

/**
 * Where the built console is: `dist/web` beside the compiled API (`dist/src/api` → `dist/web`),
 * or, when the API runs from its TypeScript sources (tests, `tsx`), the repository's `dist/web`.
 */
export function defaultConsoleDir(): string | undefined {
  for (const rel of ['../../web/', '../../dist/web/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(join(dir, 'index.html')) && existsSync(join(dir, 'assets'))) return dir;
  }
  return undefined;
}

/** Every file below `dir` by URL path (`/index.html`, `/assets/main-XYZ.js`); `.gz` twins ride along. */
function loadFiles(dir: string): Map<string, ConsoleFile> {
  const out = new Map<string, ConsoleFile>();
  const walk = (sub: string): void => {
    for (const name of readdirSync(join(dir, sub))) {
      const rel = sub ? `${sub}/${name}` : name;
      const full = join(dir, rel);
      if (statSync(full).isDirectory()) {
        walk(rel);
        continue;
      }
      if (name.endsWith('.gz')) continue;
      const type = TYPES[extname(name)];
      if (type === undefined) continue;
      out.set(`/${rel}`, { body: readFileSync(full), gzip: existsSync(`${full}.gz`) ? readFileSync(`${full}.gz`) : undefined, type, immutable: rel.startsWith('assets/') });
    }
  };
  walk('');
  return out;
}

/** Sends one console file with its type, caching, security headers and (when the client takes it) gzip. */
function sendFile(req: FastifyRequest, reply: FastifyReply, f: ConsoleFile): FastifyReply {
  void reply
    .header('content-type', f.type)
    .header('cache-control', f.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('vary', 'accept-encoding');
  if (f.type.startsWith('text/html')) void reply.header('content-security-policy', CONSOLE_CSP).header('x-frame-options', 'DENY');
  const accepts = String(req.headers['accept-encoding'] ?? '');
  if (f.gzip && /\bgzip\b/.test(accepts)) return reply.header('content-encoding', 'gzip').send(f.gzip);
  return reply.send(f.body);
}

/**
 * Registers `GET /` (the console's page) and `GET /assets/*`, `GET /favicon.svg` at the root.
 * Without a built console (`npm run build` makes it) `/` answers 503 saying so.
 */
export function consoleRoutes(app: FastifyInstance, opts: { dir?: string | undefined }): void {
  const dir = opts.dir ?? defaultConsoleDir();
  const files = dir !== undefined && existsSync(join(dir, 'index.html')) ? loadFiles(dir) : new Map<string, ConsoleFile>();
  const schema = { hide: true };
  const missing = (): never => {
    throw new ApiError('service_unavailable', 'the web console is not built: run `npm run build` (it writes dist/web)');
  };
  app.get('/', { schema, config: { scope: 'none' } }, async (req, reply) => {
    const f = files.get('/index.html');
    return f ? sendFile(req, reply, f) : missing();
  });
  app.get('/favicon.svg', { schema, config: { scope: 'none' } }, async (req, reply) => {
    const f = files.get('/favicon.svg');
    if (!f) throw new ApiError('not_found', 'no favicon');
    return sendFile(req, reply, f);
  });
  app.get<{ Params: { '*': string } }>('/assets/*', { schema, config: { scope: 'none' } }, async (req, reply) => {
    const f = files.get(`/assets/${req.params['*']}`);
    if (!f) throw new ApiError('not_found', `no console file /assets/${req.params['*']}`);
    return sendFile(req, reply, f);
  });
}

/**
 * Registers `GET /api/v1/whoami` under the current prefix: open to anyone (a page must learn that
 * it needs a token without a failed request), it tells whether tokens are required and the name
 * and scope of the bearer token sent, if any and valid. Without tokens configured every local
 * client may write, so the scope is `admin`.
 */
export function whoamiRoute(app: FastifyInstance, auth: TokenAuth): void {
  app.get(
    '/whoami',
    {
      config: { scope: 'none' },
      schema: {
        tags: ['auth'],
        summary: 'Whether this API needs a token, and the scope of the one sent (none when absent or unknown)',
        response: {
          200: {
            type: 'object',
            required: ['tokensRequired', 'scope'],
            properties: {
              tokensRequired: { type: 'boolean' },
              scope: { type: 'string', enum: ['none', 'read', 'admin'] },
              name: { type: 'string', description: 'the token name, when one was sent and is valid' },
            },
          },
        },
      },
    },
    async (req) => {
      if (!auth.enabled) return { tokensRequired: false, scope: 'admin' };
      const m = /^Bearer\s+(\S+)\s*$/i.exec(String(req.headers.authorization ?? ''));
      const token = m ? auth.identify(m[1]!) : undefined;
      return token ? { tokensRequired: true, scope: token.scope, name: token.name } : { tokensRequired: true, scope: 'none' };
    },
  );
}
