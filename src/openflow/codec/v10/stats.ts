/** OpenFlow 1.0 statistics (ofp_stats_request / ofp_stats_reply and their bodies): types and codec. */
import { expectEnd } from '../common.js';
import { OFPBRC, OFPET } from '../constants.js';
import { AGGREGATE_REPLY, PORT_COUNTERS, QUEUE_COUNTERS, TABLE_COUNTERS, type AggregateCounters, type PortCounters, type QueueCounters, type TableCounters } from '../counters.js';
import { assertNever, OfEncodeError } from '../errors.js';
import type { Reader } from '../reader.js';
import { structCodec } from '../struct.js';
import type { Writer } from '../writer.js';
import { decodeActions10, encodeActions10, type Action10 } from './actions.js';
import { OFP10_SIZE, OFP10_STR_LEN, OFPST } from './enums.js';
import { decodeMatch10, encodeMatch10, type Match10 } from './match.js';

/** A STATS_REQUEST body, tagged by its OFPST_* kind. */
export type StatsRequestBody =
  | { readonly type: 'desc' }
  /** ofp_flow_stats_request: `tableId` 0xff for all tables, `outPort` 0xffff (OFPP_NONE) for any. */
  | { readonly type: 'flow'; readonly match: Match10; readonly tableId: number; readonly outPort: number }
  /** ofp_aggregate_stats_request: same fields as the flow request. */
  | { readonly type: 'aggregate'; readonly match: Match10; readonly tableId: number; readonly outPort: number }
  | { readonly type: 'table' }
  /** ofp_port_stats_request: `portNo` 0xffff (OFPP_NONE) for all ports. */
  | { readonly type: 'port'; readonly portNo: number }
  /** ofp_queue_stats_request: `portNo` 0xfffc (OFPP_ALL) and `queueId` 0xffffffff (OFPQ_ALL) for all. */
  | { readonly type: 'queue'; readonly portNo: number; readonly queueId: number }
  /** OFPST_VENDOR: `data` is what follows the vendor id. */
  | { readonly type: 'vendor'; readonly vendor: number; readonly data: Buffer }
  /** A stats kind this codec does not know: the raw body. */
  | { readonly type: 'unknown'; readonly statsType: number; readonly data: Buffer };

/** ofp_desc_stats. */
export interface DescStats10 {
  readonly mfrDesc: string;
  readonly hwDesc: string;
  readonly swDesc: string;
  readonly serialNum: string;
  readonly dpDesc: string;
}

/** ofp_flow_stats. */
export interface FlowStats10 {
  readonly tableId: number;
  readonly match: Match10;
  readonly durationSec: number;
  readonly durationNsec: number;
  readonly priority: number;
  readonly idleTimeout: number;
  readonly hardTimeout: number;
  readonly cookie: bigint;
  readonly packetCount: bigint;
  readonly byteCount: bigint;
  readonly actions: readonly Action10[];
}

/** ofp_table_stats. */
export interface TableStats10 extends TableCounters {
  readonly tableId: number;
  readonly name: string;
  /** OFPFW10_* bits the table supports. */
  readonly wildcards: number;
  readonly maxEntries: number;
}

/** ofp_port_stats. A counter a switch does not keep is all ones. */
export interface PortStats10 extends PortCounters {
  readonly portNo: number;
}

/** ofp_queue_stats. */
export interface QueueStats10 extends QueueCounters {
  readonly portNo: number;
  readonly queueId: number;
}

/** ofp_table_stats after table_id, its padding and name. */
const TABLE_STATS_TAIL = structCodec<TableStats10>([['wildcards', 4], ['maxEntries', 4], ...TABLE_COUNTERS], ['tableId', 'name']);
/** ofp_port_stats. */
const PORT_STATS = structCodec<PortStats10>([['portNo', 2], [null, 6], ...PORT_COUNTERS]);
/** ofp_queue_stats. */
const QUEUE_STATS = structCodec<QueueStats10>([['portNo', 2], [null, 2], ['queueId', 4], ...QUEUE_COUNTERS]);

/** A STATS_REPLY body, tagged by its OFPST_* kind. */
export type StatsReplyBody =
  | ({ readonly type: 'desc' } & DescStats10)
  | { readonly type: 'flow'; readonly flows: readonly FlowStats10[] }
  /** ofp_aggregate_stats_reply. */
  | ({ readonly type: 'aggregate' } & AggregateCounters)
  | { readonly type: 'table'; readonly tables: readonly TableStats10[] }
  | { readonly type: 'port'; readonly ports: readonly PortStats10[] }
  | { readonly type: 'queue'; readonly queues: readonly QueueStats10[] }
  | { readonly type: 'vendor'; readonly vendor: number; readonly data: Buffer }
  | { readonly type: 'unknown'; readonly statsType: number; readonly data: Buffer };

/** OFPT_STATS_REQUEST. */
export interface StatsRequest {
  readonly version: 1;
  readonly type: 'stats_request';
  readonly xid: number;
  /** No request flags are defined in 1.0: 0. */
  readonly flags: number;
  readonly body: StatsRequestBody;
}

/** OFPT_STATS_REPLY. */
export interface StatsReply {
  readonly version: 1;
  readonly type: 'stats_reply';
  readonly xid: number;
  /** OFPSF_REPLY_MORE (1): more parts with this xid follow. */
  readonly flags: number;
  readonly body: StatsReplyBody;
}

function decodeFlowStatsRequest(r: Reader): { match: Match10; tableId: number; outPort: number } {
  // ofp_flow_stats_request / ofp_aggregate_stats_request: match, table_id u8, pad, out_port u16.
  const match = decodeMatch10(r);
  const tableId = r.u8();
  r.skip(1);
  const outPort = r.u16();
  expectEnd(r);
  return { match, tableId, outPort };
}

/** Decodes an OFPT_STATS_REQUEST; `r` is bounded to the message and positioned after the header. */
export function decodeStatsRequest(xid: number, r: Reader): StatsRequest {
  const statsType = r.u16();
  const flags = r.u16();
  let body: StatsRequestBody;
  switch (statsType) {
    case OFPST.DESC:
      expectEnd(r);
      body = { type: 'desc' };
      break;
    case OFPST.FLOW:
      body = { type: 'flow', ...decodeFlowStatsRequest(r) };
      break;
    case OFPST.AGGREGATE:
      body = { type: 'aggregate', ...decodeFlowStatsRequest(r) };
      break;
    case OFPST.TABLE:
      expectEnd(r);
      body = { type: 'table' };
      break;
    case OFPST.PORT: {
      const portNo = r.u16();
      r.skip(6);
      expectEnd(r);
      body = { type: 'port', portNo };
      break;
    }
    case OFPST.QUEUE: {
      const portNo = r.u16();
      r.skip(2);
      const queueId = r.u32();
      expectEnd(r);
      body = { type: 'queue', portNo, queueId };
      break;
    }
    case OFPST.VENDOR:
      body = { type: 'vendor', vendor: r.u32(), data: r.rest() };
      break;
    default:
      body = { type: 'unknown', statsType, data: r.rest() };
  }
  return { version: 1, type: 'stats_request', xid, flags, body };
}

function decodeFlowStats(r: Reader): FlowStats10[] {
  const out: FlowStats10[] = [];
  while (r.remaining > 0) {
    const len = r.u16();
    if (len < OFP10_SIZE.FLOW_STATS) r.fail(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, `flow stats length ${len} < 88`);
    const e = r.sub(len - 2, OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, 'ofp_flow_stats');
    // ofp_flow_stats: length u16, table_id u8, pad, match, duration_sec u32, duration_nsec u32,
    // priority u16, idle_timeout u16, hard_timeout u16, pad[6], cookie, packet_count, byte_count u64, actions.
    const tableId = e.u8();
    e.skip(1);
    const match = decodeMatch10(e);
    const durationSec = e.u32();
    const durationNsec = e.u32();
    const priority = e.u16();
    const idleTimeout = e.u16();
    const hardTimeout = e.u16();
    e.skip(6);
    const cookie = e.u64();
    const packetCount = e.u64();
    const byteCount = e.u64();
    const actions = decodeActions10(e);
    out.push({ tableId, match, durationSec, durationNsec, priority, idleTimeout, hardTimeout, cookie, packetCount, byteCount, actions });
  }
  return out;
}

/** Fails with OFPBRC_BAD_LEN unless the body is a whole number of `size`-byte entries. */
function expectEntries(r: Reader, size: number, what: string): void {
  if (r.remaining % size !== 0) r.fail(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, `${r.remaining} bytes is not a whole number of ${what} (${size} bytes)`);
}

/** Decodes an OFPT_STATS_REPLY; `r` is bounded to the message and positioned after the header. */
export function decodeStatsReply(xid: number, r: Reader): StatsReply {
  const statsType = r.u16();
  const flags = r.u16();
  let body: StatsReplyBody;
  switch (statsType) {
    case OFPST.DESC: {
      const mfrDesc = r.str(OFP10_STR_LEN.DESC);
      const hwDesc = r.str(OFP10_STR_LEN.DESC);
      const swDesc = r.str(OFP10_STR_LEN.DESC);
      const serialNum = r.str(OFP10_STR_LEN.SERIAL_NUM);
      const dpDesc = r.str(OFP10_STR_LEN.DESC);
      expectEnd(r);
      body = { type: 'desc', mfrDesc, hwDesc, swDesc, serialNum, dpDesc };
      break;
    }
    case OFPST.FLOW:
      body = { type: 'flow', flows: decodeFlowStats(r) };
      break;
    case OFPST.AGGREGATE:
      body = AGGREGATE_REPLY.read(r, 'aggregate');
      expectEnd(r);
      break;
    case OFPST.TABLE: {
      expectEntries(r, OFP10_SIZE.TABLE_STATS, 'ofp_table_stats');
      const tables: TableStats10[] = [];
      while (r.remaining > 0) {
        const tableId = r.u8();
        r.skip(3);
        const name = r.str(OFP10_STR_LEN.TABLE_NAME);
        tables.push(TABLE_STATS_TAIL.read(r, tableId, name));
      }
      body = { type: 'table', tables };
      break;
    }
    case OFPST.PORT: {
      expectEntries(r, OFP10_SIZE.PORT_STATS, 'ofp_port_stats');
      const ports: PortStats10[] = [];
      while (r.remaining > 0) ports.push(PORT_STATS.read(r));
      body = { type: 'port', ports };
      break;
    }
    case OFPST.QUEUE: {
      expectEntries(r, OFP10_SIZE.QUEUE_STATS, 'ofp_queue_stats');
      const queues: QueueStats10[] = [];
      while (r.remaining > 0) queues.push(QUEUE_STATS.read(r));
      body = { type: 'queue', queues };
      break;
    }
    case OFPST.VENDOR:
      body = { type: 'vendor', vendor: r.u32(), data: r.rest() };
      break;
    default:
      body = { type: 'unknown', statsType, data: r.rest() };
  }
  return { version: 1, type: 'stats_reply', xid, flags, body };
}

/** The OFPST_* number of a body. */
export function statsTypeNumber(body: StatsRequestBody | StatsReplyBody): number {
  switch (body.type) {
    case 'desc': return OFPST.DESC;
    case 'flow': return OFPST.FLOW;
    case 'aggregate': return OFPST.AGGREGATE;
    case 'table': return OFPST.TABLE;
    case 'port': return OFPST.PORT;
    case 'queue': return OFPST.QUEUE;
    case 'vendor': return OFPST.VENDOR;
    case 'unknown': return body.statsType;
    default: return assertNever(body, 'stats body');
  }
}

function encodeRequestBody(w: Writer, b: StatsRequestBody): void {
  switch (b.type) {
    case 'desc':
    case 'table':
      break;
    case 'flow':
    case 'aggregate':
      encodeMatch10(w, b.match, 'body.match');
      w.u8(b.tableId);
      w.u8(0);
      w.u16(b.outPort);
      break;
    case 'port':
      w.u16(b.portNo);
      w.zeros(6);
      break;
    case 'queue':
      w.u16(b.portNo);
      w.zeros(2);
      w.u32(b.queueId);
      break;
    case 'vendor':
      w.u32(b.vendor);
      w.bytes(b.data);
      break;
    case 'unknown':
      w.bytes(b.data);
      break;
    default:
      assertNever(b, 'stats request body');
  }
}

function encodeReplyBody(w: Writer, b: StatsReplyBody): void {
  switch (b.type) {
    case 'desc':
      w.str(b.mfrDesc, OFP10_STR_LEN.DESC, 'body.mfrDesc');
      w.str(b.hwDesc, OFP10_STR_LEN.DESC, 'body.hwDesc');
      w.str(b.swDesc, OFP10_STR_LEN.DESC, 'body.swDesc');
      w.str(b.serialNum, OFP10_STR_LEN.SERIAL_NUM, 'body.serialNum');
      w.str(b.dpDesc, OFP10_STR_LEN.DESC, 'body.dpDesc');
      break;
    case 'flow':
      for (let i = 0; i < b.flows.length; i++) {
        const f = b.flows[i]!;
        const start = w.pos;
        w.u16(0);
        w.u8(f.tableId);
        w.u8(0);
        encodeMatch10(w, f.match, `body.flows[${i}].match`);
        w.u32(f.durationSec);
        w.u32(f.durationNsec);
        w.u16(f.priority);
        w.u16(f.idleTimeout);
        w.u16(f.hardTimeout);
        w.zeros(6);
        w.u64(f.cookie);
        w.u64(f.packetCount);
        w.u64(f.byteCount);
        encodeActions10(w, f.actions, `body.flows[${i}].actions`);
        const len = w.pos - start;
        if (len > 0xffff) throw new OfEncodeError(`flow stats entry of ${len} bytes is too long`, `body.flows[${i}]`);
        w.patchU16(start, len);
      }
      break;
    case 'aggregate':
      AGGREGATE_REPLY.write(w, b);
      break;
    case 'table':
      for (let i = 0; i < b.tables.length; i++) {
        const t = b.tables[i]!;
        w.u8(t.tableId);
        w.zeros(3);
        w.str(t.name, OFP10_STR_LEN.TABLE_NAME, `body.tables[${i}].name`);
        TABLE_STATS_TAIL.write(w, t);
      }
      break;
    case 'port':
      for (const p of b.ports) PORT_STATS.write(w, p);
      break;
    case 'queue':
      for (const q of b.queues) QUEUE_STATS.write(w, q);
      break;
    case 'vendor':
      w.u32(b.vendor);
      w.bytes(b.data);
      break;
    case 'unknown':
      w.bytes(b.data);
      break;
    default:
      assertNever(b, 'stats reply body');
  }
}

/** Writes everything after the 8-byte header of a stats request or reply: type, flags and the body. */
export function encodeStatsBody(w: Writer, m: StatsRequest | StatsReply): void {
  w.u16(statsTypeNumber(m.body));
  w.u16(m.flags);
  if (m.type === 'stats_request') encodeRequestBody(w, m.body);
  else encodeReplyBody(w, m.body);
}

/**
 * Joins the parts of a reply sent with OFPSF_REPLY_MORE into one reply: entry lists are
 * concatenated in order, vendor and unknown bodies have their data concatenated (Nicira's
 * vendor stats split between whole entries). The result has the first part's xid and flags 0.
 * Parts of different kinds (or of another vendor) are an error.
 */
export function mergeStatsReplies10(parts: readonly StatsReply[]): StatsReply {
  const first = parts[0];
  if (!first) throw new OfEncodeError('no stats reply parts to merge');
  if (parts.length === 1) return { ...first, flags: 0 };
  const kind = first.body.type;
  for (let i = 1; i < parts.length; i++) {
    const b = parts[i]!.body;
    if (b.type !== kind) throw new OfEncodeError(`stats reply part ${i} is '${b.type}', expected '${kind}'`, `parts[${i}].body`);
  }
  const bodies = parts.map((p) => p.body);
  let body: StatsReplyBody;
  switch (first.body.type) {
    case 'flow':
      body = { type: 'flow', flows: bodies.flatMap((b) => (b.type === 'flow' ? b.flows : [])) };
      break;
    case 'table':
      body = { type: 'table', tables: bodies.flatMap((b) => (b.type === 'table' ? b.tables : [])) };
      break;
    case 'port':
      body = { type: 'port', ports: bodies.flatMap((b) => (b.type === 'port' ? b.ports : [])) };
      break;
    case 'queue':
      body = { type: 'queue', queues: bodies.flatMap((b) => (b.type === 'queue' ? b.queues : [])) };
      break;
    case 'vendor': {
      const vendor = first.body.vendor;
      const data: Buffer[] = [];
      for (let i = 0; i < bodies.length; i++) {
        const b = bodies[i]!;
        if (b.type !== 'vendor' || b.vendor !== vendor) throw new OfEncodeError(`stats reply part ${i} is from another vendor`, `parts[${i}].body.vendor`);
        data.push(b.data);
      }
      body = { type: 'vendor', vendor, data: Buffer.concat(data) };
      break;
    }
    case 'unknown': {
      const statsType = first.body.statsType;
      const data: Buffer[] = [];
      for (let i = 0; i < bodies.length; i++) {
        const b = bodies[i]!;
        if (b.type !== 'unknown' || b.statsType !== statsType) throw new OfEncodeError(`stats reply part ${i} is of another stats type`, `parts[${i}].body.statsType`);
        data.push(b.data);
      }
      body = { type: 'unknown', statsType, data: Buffer.concat(data) };
      break;
    }
    case 'desc':
    case 'aggregate':
      // Single-entry kinds are never split; keep the last part, which carries the final value.
      body = parts[parts.length - 1]!.body;
      break;
    default:
      return assertNever(first.body, 'stats reply body');
  }
  return { version: 1, type: 'stats_reply', xid: first.xid, flags: 0, body };
}
