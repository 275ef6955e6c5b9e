/** The JSON form of OpenFlow messages (CLI, REST API, logs): messages as they are, with 64-bit values and bytes as strings. */
import type { OfMessage } from './codec/index.js';
import { OfEncodeError } from './codec/errors.js';
import { OXM_FIELDS } from './codec/v13/oxm-fields.js';
import { dpidToHex } from '../core/ids.js';

/** A JSON value as JSON.parse returns it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** A JSON object. */
export type JsonObject = { [key: string]: Json };

/*
 * The mapping, both ways:
 * - a `bigint` becomes a decimal string (`"18446744073709551615"`), except `datapathId`, which is
 *   written as 16 lower-case hex digits (`"00000000000000a1"`) as everywhere else in Signalbox;
 * - a `Buffer` (or any Uint8Array) becomes a lower-case hex string (`"0a0b"`), `""` when empty;
 * - everything else (numbers, strings, booleans, arrays, nested objects) stays as it is; an
 *   `undefined` property is left out.
 * JSON has no type tags, so `messageFromJson` knows from the key name which strings to turn back:
 * keys in BIGINT_KEYS hold 64-bit values, keys in BYTES_KEYS hold bytes, and the `value`/`mask`
 * of an OXM field named in OXM_BIGINT_FIELDS (metadata, tunnel_id) are 64-bit. A 64-bit value may
 * also be given as a `0x`-prefixed hex string or a JSON number that is a safe integer; a
 * `datapathId` string is always read as hex (with or without `0x`, colons allowed:
 * `00:00:00:00:00:00:00:a1`).
 */

/** Keys whose value is a 64-bit unsigned integer (bigint) wherever they occur. */
export const BIGINT_KEYS: ReadonlySet<string> = new Set([
  'datapathId',
  'cookie',
  'cookieMask',
  'metadata',
  'metadataMask',
  'metadataMatch',
  'metadataWrite',
  'generationId',
  'packetCount',
  'byteCount',
  'lookupCount',
  'matchedCount',
  'rxPackets',
  'txPackets',
  'rxBytes',
  'txBytes',
  'rxDropped',
  'txDropped',
  'rxErrors',
  'txErrors',
  'rxFrameErr',
  'rxOverErr',
  'rxCrcErr',
  'collisions',
  'packetInCount',
  'byteInCount',
  'packetBandCount',
  'byteBandCount',
]);

/** Keys whose value is a byte string (Buffer) wherever they occur. */
export const BYTES_KEYS: ReadonlySet<string> = new Set(['data']);

/** Keys of bigint values printed as 16 hex digits instead of decimal. */
export const HEX_BIGINT_KEYS: ReadonlySet<string> = new Set(['datapathId']);

/** OXM fields (`{ field, value, mask? }`) whose value and mask are 64-bit: metadata, tunnel_id (from the OXM table). */
export const OXM_BIGINT_FIELDS: ReadonlySet<string> = new Set(OXM_FIELDS.filter((f) => f.kind === 'bigint').map((f) => f.name));

/** The JSON form of a message (see the mapping above). The result shares no memory with `msg`. */
export function messageToJson(msg: OfMessage): JsonObject {
  return toJsonValue(msg) as JsonObject;
}

/**
 * The JSON form of any codec value (a message, a port, a flow stats entry...). `key` is the
 * property name the value sits under, which picks the hex form for a datapathId.
 */
export function toJsonValue(v: unknown, key?: string): Json {
  switch (typeof v) {
    case 'bigint':
      return key !== undefined && HEX_BIGINT_KEYS.has(key) ? dpidToHex(v) : v.toString();
    case 'number':
    case 'string':
    case 'boolean':
      return v;
    case 'object': {
      if (v === null) return null;
      if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
      if (Array.isArray(v)) {
        const out: Json[] = new Array<Json>(v.length);
        for (let i = 0; i < v.length; i++) out[i] = toJsonValue(v[i], key);
        return out;
      }
      const out: JsonObject = {};
      const o = v as Record<string, unknown>;
      for (const k in o) {
        const x = o[k];
        if (x !== undefined) out[k] = toJsonValue(x, k);
      }
      return out;
    }
    default:
      // undefined, functions and symbols have no JSON form; null keeps array positions.
      return null;
  }
}

/**
 * The message a JSON object describes (the inverse of messageToJson; also accepts the looser
 * inputs listed above). Checks only the JSON-level form: the header fields, and that every
 * 64-bit and byte field parses; the encoder checks the rest. Throws OfEncodeError naming the
 * field (`match[1].value`). The result shares no memory with `obj`.
 */
export function messageFromJson(obj: unknown): OfMessage {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new OfEncodeError('a message must be a JSON object');
  }
  const o = obj as Record<string, unknown>;
  const { version, type, xid } = o;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0 || version > 0xff) {
    throw new OfEncodeError('must be an OpenFlow version number (1 or 4)', 'version');
  }
  if (typeof type !== 'string') throw new OfEncodeError('must be a message type name such as "flow_mod"', 'type');
  if (xid === undefined) throw new OfEncodeError('is missing', 'xid');
  if (typeof xid !== 'number' || !Number.isInteger(xid) || xid < 0 || xid > 0xffffffff) {
    throw new OfEncodeError('must be an integer from 0 to 4294967295', 'xid');
  }
  return fromJsonValue(obj, '') as OfMessage;
}

/** The codec value a JSON value describes; `path` names it in errors, `key` picks the conversion. */
export function fromJsonValue(v: unknown, path: string, key?: string): unknown {
  if (key !== undefined) {
    if (BIGINT_KEYS.has(key)) return mapLeaves(v, path, HEX_BIGINT_KEYS.has(key) ? parseHexBigint : parseBigint);
    if (BYTES_KEYS.has(key)) return mapLeaves(v, path, parseBytes);
  }
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const out: unknown[] = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = fromJsonValue(v[i], `${path}[${i}]`, key);
    return out;
  }
  const o = v as Record<string, unknown>;
  const bigOxm = typeof o.field === 'string' && OXM_BIGINT_FIELDS.has(o.field);
  const out: Record<string, unknown> = {};
  for (const k in o) {
    const sub = path === '' ? k : `${path}.${k}`;
    const x = o[k];
    out[k] = bigOxm && (k === 'value' || k === 'mask') ? parseBigint(x, sub) : fromJsonValue(x, sub, k);
  }
  return out;
}

/** Applies `conv` to a value, or to each element of an array of them. */
function mapLeaves(v: unknown, path: string, conv: (x: unknown, path: string) => unknown): unknown {
  if (!Array.isArray(v)) return conv(v, path);
  const out: unknown[] = new Array<unknown>(v.length);
  for (let i = 0; i < v.length; i++) out[i] = conv(v[i], `${path}[${i}]`);
  return out;
}

const DECIMAL = /^[0-9]+$/;
const HEX = /^[0-9a-fA-F]+$/;
const MAX_U64 = (1n << 64n) - 1n;

/** A 64-bit unsigned value from a decimal string, a 0x-hex string or a safe-integer number. */
function parseBigint(v: unknown, path: string): bigint {
  let n: bigint;
  if (typeof v === 'string') {
    if (DECIMAL.test(v)) n = BigInt(v);
    else if ((v.startsWith('0x') || v.startsWith('0X')) && HEX.test(v.slice(2))) n = BigInt(v);
    else throw new OfEncodeError(`expected a 64-bit unsigned integer as a decimal or 0x-hex string, got ${JSON.stringify(v)}`, path);
  } else if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) {
    n = BigInt(v);
  } else {
    throw new OfEncodeError(`expected a 64-bit unsigned integer as a string, got ${describe(v)}`, path);
  }
  if (n > MAX_U64) throw new OfEncodeError(`${v} does not fit in 64 bits`, path);
  return n;
}

/** A datapath id: hex digits (optionally 0x-prefixed or colon-separated), or a safe-integer number. */
function parseHexBigint(v: unknown, path: string): bigint {
  if (typeof v === 'number') return parseBigint(v, path);
  if (typeof v !== 'string') throw new OfEncodeError(`expected 16 hex digits, got ${describe(v)}`, path);
  let s = v.startsWith('0x') || v.startsWith('0X') ? v.slice(2) : v;
  if (s.includes(':')) s = s.split(':').join('');
  if (!HEX.test(s) || s.length > 16) throw new OfEncodeError(`expected up to 16 hex digits, got ${JSON.stringify(v)}`, path);
  return BigInt(`0x${s}`);
}

/** Bytes from an even-length hex string (a fresh Buffer). */
function parseBytes(v: unknown, path: string): Buffer {
  if (typeof v !== 'string') throw new OfEncodeError(`expected a hex string, got ${describe(v)}`, path);
  if (v.length % 2 !== 0 || (v.length > 0 && !HEX.test(v))) {
    throw new OfEncodeError(`expected an even number of hex digits, got ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`, path);
  }
  return Buffer.from(v, 'hex');
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return String(v);
  return typeof v === 'object' ? 'an object' : typeof v;
}
