/**
 * The native API's JSON for flows, groups and meters ⇄ the Datapath's objects. Flows use the
 * codec's own JSON (OXM fields by their spec names, actions and instructions as the codec's
 * objects, 64-bit values as strings), with two conveniences: a match may be an object
 * (`{"in_port": 1, "ipv4_dst": "10.0.0.0/24"}`) and an output port may be a reserved name
 * (`"controller"`).
 */
import { fromJsonValue } from '../openflow/json.js';
import type { FlowCommand, FlowFilter, FlowSpec } from '../core/model.js';
import type { Action } from '../openflow/codec/v13/actions.js';
import type { Instruction } from '../openflow/codec/v13/instructions.js';
import { validateMatch, type Match, type OxmField } from '../openflow/codec/v13/oxm.js';
import type { Bucket, MeterBand } from '../openflow/codec/v13/structs.js';
import { OFPGT, OFPMF } from '../openflow/codec/v13/enums.js';
import { ApiError } from './errors.js';
import { bigFrom, oxmFromText, reservedFromUser, sortMatch } from './ryu/ofctl.js';

// The string form first: with type coercion on, an integer branch first would turn a long digit string into a lossy number.
const U64 = { anyOf: [{ type: 'string', pattern: '^(0[xX][0-9a-fA-F]{1,16}|[0-9]{1,20})$' }, { type: 'integer', minimum: 0 }] } as const;
const PORT = { anyOf: [{ type: 'integer', minimum: 0, maximum: 0xffffffff }, { type: 'string', minLength: 1 }] } as const;
const u = (max: number) => ({ type: 'integer', minimum: 0, maximum: max }) as const;

/** JSON schema of one OXM field in array form. */
export const OXM_SCHEMA = {
  type: 'object',
  required: ['field'],
  properties: { field: { type: 'string' }, value: {}, mask: {} },
} as const;

/** JSON schema of a match: a list of OXM fields, or an object of field → value. */
export const MATCH_SCHEMA = {
  anyOf: [{ type: 'array', items: OXM_SCHEMA }, { type: 'object' }],
  description: 'OXM fields: [{"field":"in_port","value":1}] or {"in_port":1,"ipv4_dst":"10.0.0.0/24"}',
} as const;

/** JSON schema of an action or instruction (details checked by the encoder, which names the field). */
export const TYPED_OBJECT = { type: 'object', required: ['type'], properties: { type: { type: 'string' } } } as const;

/** JSON schema of a flow in the native API. */
export const FLOW_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    tableId: u(255),
    priority: u(65535),
    cookie: U64,
    cookieMask: U64,
    idleTimeout: u(65535),
    hardTimeout: u(65535),
    flags: u(65535),
    bufferId: u(0xffffffff),
    outPort: PORT,
    outGroup: u(0xffffffff),
    match: MATCH_SCHEMA,
    actions: { type: 'array', items: TYPED_OBJECT },
    instructions: { type: 'array', items: TYPED_OBJECT },
  },
} as const;

/** The native flow body shape (after schema validation). */
export interface FlowBody {
  readonly tableId?: number;
  readonly priority?: number;
  readonly cookie?: number | string;
  readonly cookieMask?: number | string;
  readonly idleTimeout?: number;
  readonly hardTimeout?: number;
  readonly flags?: number;
  readonly bufferId?: number;
  readonly outPort?: number | string;
  readonly outGroup?: number;
  readonly match?: unknown;
  readonly actions?: readonly unknown[];
  readonly instructions?: readonly unknown[];
}

/** A match from the native JSON (array or object form); errors name the field under `path`. */
export function matchFromJson(m: unknown, path: string): Match {
  if (m === undefined || m === null) return [];
  if (Array.isArray(m)) {
    return m.map((f, i) => {
      const p = `${path}[${i}]`;
      const o = f as Record<string, unknown>;
      if (typeof o !== 'object' || o === null || typeof o.field !== 'string') throw new ApiError('invalid_input', `${p}.field is required`, `${p}.field`);
      if (o.field === 'raw') return fromJsonValue(o, p) as OxmField;
      // Values may be given as the codec has them or as text; normalise through the text parser.
      const value = o.mask === undefined ? o.value : `${String(o.value)}/${String(o.mask)}`;
      return oxmFromText(o.field, value, `${p}.value`);
    });
  }
  if (typeof m === 'object') {
    return Object.entries(m as Record<string, unknown>).map(([k, v]) => {
      const obj = v as { value?: unknown; mask?: unknown } | null;
      const value = obj !== null && typeof obj === 'object' && 'value' in obj ? (obj.mask === undefined ? obj.value : `${String(obj.value)}/${String(obj.mask)}`) : v;
      return oxmFromText(k, value, `${path}.${k}`);
    });
  }
  throw new ApiError('invalid_input', `${path}: expected a list of OXM fields or an object`, path);
}

function actionsFromJson(list: readonly unknown[], path: string): Action[] {
  return list.map((a, i) => {
    const p = `${path}[${i}]`;
    const o = fromJsonValue(a, p) as Record<string, unknown>;
    if (o.type === 'output' && o.port !== undefined) o.port = reservedFromUser('port', o.port, `${p}.port`);
    if (o.type === 'set_field' && o.field !== null && typeof o.field === 'object') {
      const f = o.field as Record<string, unknown>;
      if (typeof f.field === 'string' && f.field !== 'raw') o.field = oxmFromText(f.field, f.value, `${p}.field.value`);
    }
    return o as unknown as Action;
  });
}

function instructionsFromJson(list: readonly unknown[], path: string): Instruction[] {
  return list.map((x, i) => {
    const p = `${path}[${i}]`;
    const o = fromJsonValue(x, p) as Record<string, unknown>;
    if ((o.type === 'apply_actions' || o.type === 'write_actions') && Array.isArray(o.actions)) o.actions = actionsFromJson((x as { actions: unknown[] }).actions, `${p}.actions`);
    return o as unknown as Instruction;
  });
}

function big(v: number | string | undefined, path: string): bigint | undefined {
  return v === undefined ? undefined : bigFrom(v, path);
}

/** A FlowSpec from the native JSON body; `path` prefixes field names in errors (`body`). */
export function flowSpecFromJson(b: FlowBody, command: FlowCommand, path = 'body'): FlowSpec {
  if (b.actions !== undefined && b.instructions !== undefined) {
    throw new ApiError('invalid_input', `${path}: give either actions or instructions, not both`, `${path}.instructions`);
  }
  const spec: { -readonly [K in keyof FlowSpec]: FlowSpec[K] } = { command };
  if (b.tableId !== undefined) spec.tableId = b.tableId;
  if (b.priority !== undefined) spec.priority = b.priority;
  const cookie = big(b.cookie, `${path}.cookie`);
  if (cookie !== undefined) spec.cookie = cookie;
  const cookieMask = big(b.cookieMask, `${path}.cookieMask`);
  if (cookieMask !== undefined) spec.cookieMask = cookieMask;
  if (b.idleTimeout !== undefined) spec.idleTimeout = b.idleTimeout;
  if (b.hardTimeout !== undefined) spec.hardTimeout = b.hardTimeout;
  if (b.flags !== undefined) spec.flags = b.flags;
  if (b.bufferId !== undefined) spec.bufferId = b.bufferId;
  if (b.outPort !== undefined) spec.outPort = reservedFromUser('port', b.outPort, `${path}.outPort`);
  if (b.outGroup !== undefined) spec.outGroup = b.outGroup;
  spec.match = sortMatch([...matchFromJson(b.match, `${path}.match`)]);
  try {
    validateMatch(spec.match);
  } catch (e) {
    const f = (e as { field?: string }).field;
    throw new ApiError('invalid_input', `${path}.${(e as Error).message}`, f === undefined ? `${path}.match` : `${path}.${f}`);
  }
  if (b.actions !== undefined) spec.actions = actionsFromJson(b.actions, `${path}.actions`);
  if (b.instructions !== undefined) spec.instructions = instructionsFromJson(b.instructions, `${path}.instructions`);
  return spec;
}

/** A flow filter from query parameters already parsed. */
export function flowFilter(q: { table?: number; outPort?: number | string; outGroup?: number }, cookie: { cookie: bigint; mask: bigint } | undefined): FlowFilter {
  const f: { -readonly [K in keyof FlowFilter]: FlowFilter[K] } = {};
  if (q.table !== undefined) f.tableId = q.table;
  if (q.outPort !== undefined) f.outPort = reservedFromUser('port', q.outPort, 'query.outPort');
  if (q.outGroup !== undefined) f.outGroup = q.outGroup;
  if (cookie) {
    f.cookie = cookie.cookie;
    f.cookieMask = cookie.mask;
  }
  return f;
}

// ---------------------------------------------------------------------------------------------
// Groups and meters

/** Group types by lower-case name. */
export const GROUP_TYPES: Readonly<Record<string, number>> = { all: OFPGT.ALL, select: OFPGT.SELECT, indirect: OFPGT.INDIRECT, ff: OFPGT.FF, fast_failover: OFPGT.FF };

/** JSON schema of a group body. */
export const GROUP_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['type'],
  properties: {
    groupId: u(0xffffff00),
    type: { anyOf: [{ type: 'string', enum: Object.keys(GROUP_TYPES) }, u(3)] },
    buckets: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        properties: { weight: u(65535), watchPort: PORT, watchGroup: u(0xffffffff), actions: { type: 'array', items: TYPED_OBJECT } },
      },
    },
  },
} as const;

/** Buckets from the native JSON. */
export function bucketsFromJson(list: readonly { weight?: number; watchPort?: number | string; watchGroup?: number; actions?: readonly unknown[] }[] | undefined, path: string): Bucket[] {
  return (list ?? []).map((b, i) => ({
    weight: b.weight ?? 0,
    watchPort: b.watchPort === undefined ? 0xffffffff : reservedFromUser('port', b.watchPort, `${path}[${i}].watchPort`),
    watchGroup: b.watchGroup ?? 0xffffffff,
    actions: actionsFromJson(b.actions ?? [], `${path}[${i}].actions`),
  }));
}

/** Meter flags by lower-case name. */
export const METER_FLAGS: Readonly<Record<string, number>> = { kbps: OFPMF.KBPS, pktps: OFPMF.PKTPS, burst: OFPMF.BURST, stats: OFPMF.STATS };

/** JSON schema of a meter body. */
export const METER_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    meterId: u(0xffff0000),
    flags: { anyOf: [{ type: 'array', items: { type: 'string', enum: Object.keys(METER_FLAGS) } }, u(0xffff)] },
    bands: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['type', 'rate'],
        properties: { type: { type: 'string', enum: ['drop', 'dscp_remark'] }, rate: u(0xffffffff), burstSize: u(0xffffffff), precLevel: u(255) },
      },
    },
  },
} as const;

/** Meter flags as a number. */
export function meterFlags(f: readonly string[] | number | undefined): number {
  if (f === undefined) return OFPMF.KBPS;
  if (typeof f === 'number') return f;
  return f.reduce((acc, n) => acc | (METER_FLAGS[n] ?? 0), 0);
}

/** Bands from the native JSON. */
export function bandsFromJson(list: readonly { type: string; rate: number; burstSize?: number; precLevel?: number }[] | undefined): MeterBand[] {
  return (list ?? []).map((b) =>
    b.type === 'dscp_remark' ? { type: 'dscp_remark', rate: b.rate, burstSize: b.burstSize ?? 0, precLevel: b.precLevel ?? 0 } : { type: 'drop', rate: b.rate, burstSize: b.burstSize ?? 0 },
  );
}
