/**
 * The trace's JSON answer (`POST /api/v1/trace`, `signalbox trace --json`): hops with the tables
 * visited, the actions applied in order, the changed fields and the outputs, then the outcome.
 */
import { dpidToHex } from '../core/ids.js';
import { toJsonValue, type Json, type JsonObject } from '../openflow/json.js';
import { changedFields } from './packet.js';
import type { HopNext, NetworkTrace, TraceHop } from './network.js';
import { RESERVED_PORT_NAMES, type SwitchOutput, type TraceFlow } from './pipeline.js';

/** A flow in the answer: `{cookie, owner, priority, match, instructions}` (cookie as a decimal string, as the flow API writes it). */
function flowJson(f: TraceFlow, ownerOf: ((cookie: bigint) => string | undefined) | undefined): JsonObject {
  return {
    cookie: f.cookie.toString(),
    owner: f.owner ?? ownerOf?.(f.cookie) ?? null,
    priority: f.priority,
    match: toJsonValue(f.match),
    instructions: toJsonValue(f.instructions),
  };
}

/** The port of an output: its number, a reserved port's name (`CONTROLLER`, `NORMAL`, `LOCAL`), or null for a drop. */
function outputPort(o: SwitchOutput): Json {
  switch (o.kind) {
    case 'port':
      return o.port;
    case 'local':
      return 'LOCAL';
    case 'controller':
      return 'CONTROLLER';
    case 'unknown':
      return RESERVED_PORT_NAMES.get(o.port) ?? o.port;
    case 'drop':
      return null;
    default:
      return assertNever(o);
  }
}

function assertNever(x: never): never {
  throw new Error(`unexpected ${JSON.stringify(x)}`);
}

function nextJson(n: HopNext): Json {
  if (typeof n === 'string') return n;
  if ('host' in n) return { host: n.host };
  return { dpid: dpidToHex(n.dpid), inPort: n.inPort };
}

function hopJson(h: TraceHop, ownerOf: ((cookie: bigint) => string | undefined) | undefined): JsonObject {
  const t = h.trace;
  const after = toJsonValue(changedFields(t.packetIn, t.packetOut)) as JsonObject;
  const afterText = JSON.stringify(after);
  return {
    dpid: dpidToHex(h.dpid),
    inPort: h.inPort,
    tables: t.tables.map((v) => ({ tableId: v.tableId, flow: v.flow ? flowJson(v.flow, ownerOf) : null, ...(v.skipped ? { skipped: v.skipped } : {}) })),
    actions: t.actions.map((a) => {
      const o = toJsonValue(a.action) as JsonObject;
      o.stage = a.stage;
      if (a.tableId !== undefined) o.tableId = a.tableId;
      if (a.groupId !== undefined) o.groupId = a.groupId;
      if (a.bucket !== undefined) o.bucket = a.bucket;
      if (a.note !== undefined) o.note = a.note;
      return o;
    }),
    packetAfter: after,
    outputs: h.outputs.map((ho) => {
      const o = ho.output;
      const j: JsonObject = { port: outputPort(o), next: nextJson(ho.next) };
      if (o.kind === 'port' && o.via !== undefined) j.via = o.via;
      if (ho.reason !== undefined) j.reason = ho.reason;
      if (o.groups.length > 0) j.groups = o.groups.map((g) => ({ groupId: g.groupId, type: g.groupType, bucket: g.bucket }));
      if (o.groups.some((g) => g.groupType === 'select')) j.oneOf = true;
      // A copy rewritten differently from the pipeline's packet (a group bucket, an apply-actions output before a rewrite).
      const own = toJsonValue(changedFields(t.packetIn, o.packet)) as JsonObject;
      if (JSON.stringify(own) !== afterText) j.packetAfter = own;
      return j;
    }),
    ...(t.notes.length > 0 ? { notes: [...t.notes] } : {}),
  };
}

/**
 * The answer `{hops, outcome, reason}`. `ownerOf` names the app of a cookie for flows whose
 * source did not say (a live dump).
 */
export function traceToJson(t: NetworkTrace, ownerOf?: (cookie: bigint) => string | undefined): JsonObject {
  return { hops: t.hops.map((h) => hopJson(h, ownerOf)), outcome: t.outcome, reason: t.reason };
}
