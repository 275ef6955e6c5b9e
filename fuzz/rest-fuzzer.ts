/**
 * The REST side of the fuzz harness, driven by the live server's own `/openapi.json`: for each
 * operation, parameters and bodies drawn from its schema (valid ones and mutated ones: wrong
 * types, missing fields, huge values, bad dpids), with and without the token. Every answer must be
 * 2xx/3xx/4xx with a JSON message (5xx only the documented 501-504 with one), and a write answered
 * 4xx must leave the store as it was.
 */
import type { Rng } from './rng.js';

/** A JSON schema, as far as the fuzzer reads it. */
export interface Schema {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  readonly items?: Schema;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly anyOf?: readonly Schema[];
  readonly oneOf?: readonly Schema[];
  readonly allOf?: readonly Schema[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly nullable?: boolean;
  readonly default?: unknown;
}

interface Parameter {
  readonly in: 'path' | 'query' | 'header' | 'cookie';
  readonly name: string;
  readonly required?: boolean;
  readonly schema?: Schema;
}

/** One operation of the OpenAPI document. */
export interface Operation {
  readonly method: string;
  readonly path: string;
  readonly parameters: readonly Parameter[];
  readonly body: Schema | undefined;
}

/** The operations of an OpenAPI 3 document, minus the event stream (a WebSocket). */
export function operations(doc: { paths?: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: { content?: Record<string, { schema?: Schema }> } }>> }): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    if (path.endsWith('/events')) continue;
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      out.push({ method: method.toUpperCase(), path, parameters: op.parameters ?? [], body: op.requestBody?.content?.['application/json']?.schema });
    }
  }
  return out.sort((a, b) => (a.path + a.method).localeCompare(b.path + b.method));
}

/** What the request generator knows about the network under test. */
export interface Knowledge {
  /** The bridge's dpid as 16 hex digits. */
  readonly dpidHex: string;
  /** Its OpenFlow port numbers. */
  readonly ports: readonly number[];
}

const HUGE = ['x'.repeat(70_000), 2 ** 53 + 1, -1, 1e308, -(2 ** 31), 0xffffffff + 1, '18446744073709551616', '0x1ffffffffffffffff'];
const WRONG = [null, true, false, 0, -1, 1.5, '', 'x', '0', 'false', [], [1], {}, { a: 1 }, '\u0000', '../../etc/passwd', '<script>', '%00'];
const BAD_DPIDS = ['0', 'xyz', 'ffffffffffffffffff', '-1', '0x', '00000000000000zz', '%20', 'ffffffffffffffff', '0000000000000000', '1'.repeat(40)];

/** A value that fits the schema (as far as the generator can tell). */
export function valid(rng: Rng, s: Schema | undefined, k: Knowledge, name = '', depth = 0): unknown {
  if (!s || depth > 6) return rng.pick(WRONG);
  if (s.const !== undefined) return s.const;
  if (s.enum && s.enum.length > 0) return rng.pick(s.enum);
  const alts = s.anyOf ?? s.oneOf;
  if (alts && alts.length > 0) return valid(rng, rng.pick(alts), k, name, depth + 1);
  if (s.allOf && s.allOf.length > 0) return valid(rng, s.allOf[0], k, name, depth + 1);
  if (/dpid/i.test(name)) return rng.chance(0.8) ? k.dpidHex : rng.pick(BAD_DPIDS);
  const type = Array.isArray(s.type) ? rng.pick(s.type as readonly string[]) : (s.type as string | undefined) ?? (s.properties ? 'object' : 'string');
  switch (type) {
    case 'integer':
    case 'number': {
      if (/port/i.test(name) && k.ports.length > 0 && rng.chance(0.6)) return rng.pick(k.ports);
      const lo = s.minimum ?? 0;
      const hi = Math.min(s.maximum ?? 65_535, lo + 100_000);
      return rng.range(lo, Math.max(lo, hi));
    }
    case 'boolean':
      return rng.chance(0.5);
    case 'array': {
      const n = rng.range(0, 3);
      return Array.from({ length: n }, () => valid(rng, s.items, k, name, depth + 1));
    }
    case 'object': {
      const out: Record<string, unknown> = {};
      const req = new Set(s.required ?? []);
      for (const [key, sub] of Object.entries(s.properties ?? {})) if (req.has(key) || rng.chance(0.5)) out[key] = valid(rng, sub, k, key, depth + 1);
      return out;
    }
    case 'null':
      return null;
    default: {
      if (s.pattern?.includes('0-9a-f') && rng.chance(0.5)) return '0x' + rng.int(2 ** 31).toString(16);
      const len = rng.range(s.minLength ?? 1, Math.min(s.maxLength ?? 12, (s.minLength ?? 1) + 12));
      return Array.from({ length: len }, () => rng.pick([...'abcdefghij0123456789-_.:'])).join('');
    }
  }
}

/** A mutated copy of a valid value: a wrong type, a huge value, a missing or extra field somewhere. */
export function mutated(rng: Rng, v: unknown, s: Schema | undefined, depth = 0): unknown {
  if (rng.chance(0.25) || depth > 4) return rng.chance(0.5) ? rng.pick(WRONG) : rng.pick(HUGE);
  if (Array.isArray(v)) {
    if (v.length === 0 || rng.chance(0.3)) return [...v, rng.pick(WRONG)];
    const i = rng.int(v.length);
    return v.map((x, j) => (j === i ? mutated(rng, x, s?.items, depth + 1) : x));
  }
  if (v !== null && typeof v === 'object') {
    const o = { ...(v as Record<string, unknown>) };
    const keys = Object.keys(o);
    const r = rng.int(4);
    if (r === 0 && keys.length > 0) delete o[rng.pick(keys)];
    else if (r === 1) o[rng.pick(['__proto__', 'constructor', 'extra', 'x'.repeat(300)])] = rng.pick(WRONG);
    else if (keys.length > 0) {
      const key = rng.pick(keys);
      o[key] = mutated(rng, o[key], s?.properties?.[key], depth + 1);
    } else o.junk = rng.pick(HUGE);
    return o;
  }
  return rng.chance(0.5) ? rng.pick(WRONG) : rng.pick(HUGE);
}

/** One generated request. */
export interface FuzzRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  /** The raw body text, when there is one. */
  readonly body?: string;
  /** The operation it came from (`PUT /api/v1/static-flows/{id}`). */
  readonly op: string;
}

function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v) ?? '';
}

/** A request for an operation: valid or mutated parameters and body, with or without the token. */
export function request(rng: Rng, op: Operation, k: Knowledge, token: string | undefined): FuzzRequest {
  const mutate = rng.chance(0.5);
  let path = op.path;
  const q = new URLSearchParams();
  for (const p of op.parameters) {
    let v: unknown = valid(rng, p.schema, k, p.name);
    if (mutate && rng.chance(0.4)) v = p.in === 'path' && /dpid/i.test(p.name) ? rng.pick(BAD_DPIDS) : mutated(rng, v, p.schema);
    if (p.in === 'path') path = path.replace(`{${p.name}}`, encodeURIComponent(text(v)));
    else if (p.in === 'query' && (p.required || rng.chance(0.5)) && !(mutate && rng.chance(0.1))) q.set(p.name, text(v));
  }
  if (mutate && rng.chance(0.1)) q.set(rng.pick(['limit', 'offset', 'zzz']), text(rng.pick(HUGE)));
  const qs = q.toString();
  const headers: Record<string, string> = {};
  // Mostly with the token: without it, every protected route should say 401 and nothing else happens.
  if (token !== undefined && rng.chance(0.85)) headers.authorization = `Bearer ${rng.chance(0.97) ? token : 'wrong-token'}`;
  let body: string | undefined;
  if (op.body !== undefined || (op.method !== 'GET' && rng.chance(0.2))) {
    const v = valid(rng, op.body, k);
    const b = mutate && rng.chance(0.6) ? mutated(rng, v, op.body) : v;
    const r = rng.int(20);
    body = r === 0 ? JSON.stringify(b).slice(0, rng.int(JSON.stringify(b).length + 1)) : r === 1 ? '{"a":' + '['.repeat(rng.range(10, 5_000)) : JSON.stringify(b);
    headers['content-type'] = rng.chance(0.95) ? 'application/json' : rng.pick(['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1']);
  }
  return { method: op.method, url: path + (qs ? `?${qs}` : ''), headers, ...(body !== undefined ? { body } : {}), op: `${op.method} ${op.path}` };
}

/** Why an answer breaks the contract, or undefined when it keeps it. */
export function answerViolation(status: number, contentType: string | null, bodyText: string, req: FuzzRequest): string | undefined {
  if (status >= 500 && ![501, 502, 503, 504].includes(status)) return `answered ${status}`;
  if (status >= 400) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(bodyText);
    } catch {
      return `answered ${status} without a JSON body (${contentType ?? 'no content type'})`;
    }
    const msg = (parsed as { message?: unknown } | null)?.message;
    if (typeof msg !== 'string' || msg === '') return `answered ${status} without a message`;
  }
  if (status < 200 || (status >= 300 && status < 400 && !req.url.startsWith('/docs'))) return `answered ${status}`;
  return undefined;
}
