/** OpenFlow 1.3 multipart requests and replies (ofp_multipart_request/reply): every OFPMP_* body, and reassembly of split replies. */
import { expectEnd } from '../common.js';
import { OFPBRC, OFPET, OFPTFFC } from '../constants.js';
import {
  AGGREGATE_REPLY,
  DURATION,
  PORT_COUNTERS,
  QUEUE_COUNTERS,
  TABLE_COUNTERS,
  type AggregateCounters,
  type Duration,
  type PortCounters,
  type QueueCounters,
  type TableCounters,
} from '../counters.js';
import { assertNever, OfDecodeError, OfEncodeError } from '../errors.js';
import type { Reader } from '../reader.js';
import { structCodec } from '../struct.js';
import type { Writer } from '../writer.js';
import { decodeInstructions, encodeInstructions, type Instruction } from './instructions.js';
import { decodeMatch, encodeMatch, type Match } from './oxm.js';
import {
  decodeBuckets,
  decodeMeterBands,
  decodePort,
  encodeBuckets,
  encodeMeterBands,
  encodePort,
  type Bucket,
  type MeterBand,
  type Port,
} from './structs.js';

/** ofp_multipart_type. */
export const OFPMP = {
  DESC: 0,
  FLOW: 1,
  AGGREGATE: 2,
  TABLE: 3,
  PORT_STATS: 4,
  QUEUE: 5,
  GROUP: 6,
  GROUP_DESC: 7,
  GROUP_FEATURES: 8,
  METER: 9,
  METER_CONFIG: 10,
  METER_FEATURES: 11,
  TABLE_FEATURES: 12,
  PORT_DESC: 13,
  EXPERIMENTER: 0xffff,
} as const;

/** ofp_multipart_request_flags and ofp_multipart_reply_flags (both have one bit, "more parts follow"). */
export const OFPMPF = { REQ_MORE: 1, REPLY_MORE: 1 } as const;

/** ofp_table_feature_prop_type. */
export const OFPTFPT = {
  INSTRUCTIONS: 0,
  INSTRUCTIONS_MISS: 1,
  NEXT_TABLES: 2,
  NEXT_TABLES_MISS: 3,
  WRITE_ACTIONS: 4,
  WRITE_ACTIONS_MISS: 5,
  APPLY_ACTIONS: 6,
  APPLY_ACTIONS_MISS: 7,
  MATCH: 8,
  WILDCARDS: 10,
  WRITE_SETFIELD: 12,
  WRITE_SETFIELD_MISS: 13,
  APPLY_SETFIELD: 14,
  APPLY_SETFIELD_MISS: 15,
  EXPERIMENTER: 0xfffe,
  EXPERIMENTER_MISS: 0xffff,
} as const;

/** Sizes of the char arrays in ofp_desc and ofp_table_features. */
export const DESC_STR_LEN = 256;
export const SERIAL_NUM_LEN = 32;
export const OFP_MAX_TABLE_NAME_LEN = 32;

/** OXM class whose ids carry a 32-bit experimenter id after the header (OFPXMC_EXPERIMENTER). */
const OFPXMC_EXPERIMENTER = 0xffff;

// Fixed parts of the variable-length entries (bytes, length field included).
const FLOW_STATS_FIXED = 48; // ofp_flow_stats up to the match
const GROUP_STATS_FIXED = 40; // ofp_group_stats without bucket_stats
const BUCKET_COUNTER_LEN = 16; // ofp_bucket_counter
const GROUP_DESC_FIXED = 8; // ofp_group_desc without buckets
const METER_STATS_FIXED = 40; // ofp_meter_stats without band_stats
const METER_BAND_STATS_LEN = 16; // ofp_meter_band_stats
const METER_CONFIG_FIXED = 8; // ofp_meter_config without bands
const TABLE_FEATURES_FIXED = 64; // ofp_table_features without properties
const PORT_LEN = 64; // ofp_port

// ---------------------------------------------------------------------------------------------
// Table features (ofp_table_features and its properties)

/**
 * An ofp_instruction_id: an OFPIT_* number. `data` holds the bytes after type and len when the
 * id is longer than 4 bytes (an OFPIT_EXPERIMENTER id: it starts with the experimenter id).
 */
export interface InstructionId {
  readonly instructionType: number;
  readonly data?: Buffer;
}

/**
 * An ofp_action_id: an OFPAT_* number. `data` holds the bytes after type and len when the id is
 * longer than 4 bytes (an OFPAT_EXPERIMENTER id: it starts with the experimenter id).
 */
export interface ActionId {
  readonly actionType: number;
  readonly data?: Buffer;
}

/**
 * An OXM id: an OXM header without a value. `length` is kept as sent (switches often send 0);
 * ids of class OFPXMC_EXPERIMENTER (0xffff) are 8 bytes and carry `experimenter`.
 */
export interface OxmId {
  readonly oxmClass: number;
  readonly oxmField: number;
  readonly hasMask: boolean;
  readonly length: number;
  readonly experimenter?: number;
}

/** Property types holding instruction ids. */
export type InstructionsPropType = 'instructions' | 'instructions_miss';
/** Property types holding table ids. */
export type NextTablesPropType = 'next_tables' | 'next_tables_miss';
/** Property types holding action ids. */
export type ActionsPropType = 'write_actions' | 'write_actions_miss' | 'apply_actions' | 'apply_actions_miss';
/** Property types holding OXM ids. */
export type OxmPropType =
  | 'match'
  | 'wildcards'
  | 'write_setfield'
  | 'write_setfield_miss'
  | 'apply_setfield'
  | 'apply_setfield_miss';

/** One table feature property (ofp_table_feature_prop_*); unknown types keep their bytes. */
export type TableFeatureProp =
  | { readonly type: InstructionsPropType; readonly instructionIds: readonly InstructionId[] }
  | { readonly type: NextTablesPropType; readonly tableIds: readonly number[] }
  | { readonly type: ActionsPropType; readonly actionIds: readonly ActionId[] }
  | { readonly type: OxmPropType; readonly oxmIds: readonly OxmId[] }
  /** OFPTFPT_EXPERIMENTER(_MISS): `data` is what follows exp_type, without padding. */
  | {
      readonly type: 'experimenter' | 'experimenter_miss';
      readonly experimenter: number;
      readonly expType: number;
      readonly data: Buffer;
    }
  /** A property type this codec does not know: `data` is the body after type and length, without padding. */
  | { readonly type: 'unknown'; readonly propType: number; readonly data: Buffer };

/** ofp_table_features: one table's capabilities (reply), or its desired configuration (request). */
export interface TableFeatures {
  readonly tableId: number;
  readonly name: string;
  readonly metadataMatch: bigint;
  readonly metadataWrite: bigint;
  /** OFPTC_* bits. */
  readonly config: number;
  readonly maxEntries: number;
  readonly properties: readonly TableFeatureProp[];
}

// ---------------------------------------------------------------------------------------------
// Request bodies

/** ofp_flow_stats_request, for OFPMP_FLOW and OFPMP_AGGREGATE (same layout). */
export interface FlowStatsRequest {
  readonly type: 'flow' | 'aggregate';
  /** A table id, or OFPTT_ALL. */
  readonly tableId: number;
  /** Only flows with an output to this port; OFPP_ANY for all. */
  readonly outPort: number;
  /** Only flows with an output to this group; OFPG_ANY for all. */
  readonly outGroup: number;
  readonly cookie: bigint;
  readonly cookieMask: bigint;
  readonly match: Match;
}

/** ofp_experimenter_multipart_header with its data, in a request or a reply. */
export interface ExperimenterMultipart {
  readonly type: 'experimenter';
  readonly experimenter: number;
  readonly expType: number;
  /** What follows exp_type. A view into the received buffer. */
  readonly data: Buffer;
}

/** A multipart kind this codec does not know: the body is kept as bytes. */
export interface UnknownMultipart {
  readonly type: 'unknown';
  /** The OFPMP_* number. */
  readonly mpType: number;
  readonly data: Buffer;
}

/** A body of OFPT_MULTIPART_REQUEST, tagged by the OFPMP_* kind. */
export type MultipartRequestBody =
  | { readonly type: 'desc' }
  | FlowStatsRequest
  | { readonly type: 'table' }
  /** ofp_port_stats_request: a port, or OFPP_ANY. */
  | { readonly type: 'port_stats'; readonly portNo: number }
  /** ofp_queue_stats_request: OFPP_ANY and OFPQ_ALL are wildcards. */
  | { readonly type: 'queue'; readonly portNo: number; readonly queueId: number }
  /** ofp_group_stats_request: a group, or OFPG_ALL. */
  | { readonly type: 'group'; readonly groupId: number }
  | { readonly type: 'group_desc' }
  | { readonly type: 'group_features' }
  /** ofp_meter_multipart_request: a meter, or OFPM_ALL. */
  | { readonly type: 'meter'; readonly meterId: number }
  | { readonly type: 'meter_config'; readonly meterId: number }
  | { readonly type: 'meter_features' }
  /** An empty list queries the tables' features; a non-empty one asks the switch to set them. */
  | { readonly type: 'table_features'; readonly tables: readonly TableFeatures[] }
  | { readonly type: 'port_desc' }
  | ExperimenterMultipart
  | UnknownMultipart;

// ---------------------------------------------------------------------------------------------
// Reply bodies

/** ofp_flow_stats: one flow entry. */
export interface FlowStats {
  readonly tableId: number;
  readonly durationSec: number;
  readonly durationNsec: number;
  readonly priority: number;
  readonly idleTimeout: number;
  readonly hardTimeout: number;
  /** OFPFF_* bits. */
  readonly flags: number;
  readonly cookie: bigint;
  readonly packetCount: bigint;
  readonly byteCount: bigint;
  readonly match: Match;
  readonly instructions: readonly Instruction[];
}

/** ofp_table_stats. */
export interface TableStats extends TableCounters {
  readonly tableId: number;
}

/** ofp_port_stats. A counter the switch does not support is all ones. */
export interface PortStats extends PortCounters, Duration {
  readonly portNo: number;
}

/** ofp_queue_stats. */
export interface QueueStats extends QueueCounters, Duration {
  readonly portNo: number;
  readonly queueId: number;
}

/** ofp_table_stats. */
const TABLE_STATS = structCodec<TableStats>([['tableId', 1], [null, 3], ...TABLE_COUNTERS]);
/** ofp_port_stats. */
const PORT_STATS = structCodec<PortStats>([['portNo', 4], [null, 4], ...PORT_COUNTERS, ...DURATION]);
/** ofp_queue_stats. */
const QUEUE_STATS = structCodec<QueueStats>([['portNo', 4], ['queueId', 4], ...QUEUE_COUNTERS, ...DURATION]);

/** ofp_bucket_counter. */
export interface BucketCounter {
  readonly packetCount: bigint;
  readonly byteCount: bigint;
}

/** ofp_group_stats, with one counter per bucket. */
export interface GroupStats {
  readonly groupId: number;
  readonly refCount: number;
  readonly packetCount: bigint;
  readonly byteCount: bigint;
  readonly durationSec: number;
  readonly durationNsec: number;
  readonly bucketStats: readonly BucketCounter[];
}

/** ofp_group_desc. */
export interface GroupDesc {
  /** OFPGT_* number. */
  readonly groupType: number;
  readonly groupId: number;
  readonly buckets: readonly Bucket[];
}

/** ofp_meter_band_stats. */
export interface MeterBandStats {
  readonly packetBandCount: bigint;
  readonly byteBandCount: bigint;
}

/** ofp_meter_stats, with one counter per band. */
export interface MeterStats {
  readonly meterId: number;
  readonly flowCount: number;
  readonly packetInCount: bigint;
  readonly byteInCount: bigint;
  readonly durationSec: number;
  readonly durationNsec: number;
  readonly bandStats: readonly MeterBandStats[];
}

/** ofp_meter_config. */
export interface MeterConfig {
  /** OFPMF_* bits. */
  readonly flags: number;
  readonly meterId: number;
  readonly bands: readonly MeterBand[];
}

/** ofp_desc. */
export interface DescReply {
  readonly type: 'desc';
  readonly mfrDesc: string;
  readonly hwDesc: string;
  readonly swDesc: string;
  readonly serialNum: string;
  readonly dpDesc: string;
}

/** ofp_group_features. `maxGroups` and `actions` have one entry per OFPGT_* (all, select, indirect, ff). */
export interface GroupFeaturesReply {
  readonly type: 'group_features';
  /** Bitmap of 1 << OFPGT_*. */
  readonly types: number;
  /** OFPGFC_* bits. */
  readonly capabilities: number;
  readonly maxGroups: readonly number[];
  /** Bitmaps of 1 << OFPAT_*. */
  readonly actions: readonly number[];
}

/** ofp_meter_features. */
export interface MeterFeaturesReply {
  readonly type: 'meter_features';
  readonly maxMeter: number;
  /** Bitmap of 1 << OFPMBT_*. */
  readonly bandTypes: number;
  /** OFPMF_* bits. */
  readonly capabilities: number;
  readonly maxBands: number;
  readonly maxColor: number;
}

/** A body of OFPT_MULTIPART_REPLY, tagged by the OFPMP_* kind. */
export type MultipartReplyBody =
  | DescReply
  | { readonly type: 'flow'; readonly flows: readonly FlowStats[] }
  /** ofp_aggregate_stats_reply. */
  | ({ readonly type: 'aggregate' } & AggregateCounters)
  | { readonly type: 'table'; readonly tables: readonly TableStats[] }
  | { readonly type: 'port_stats'; readonly ports: readonly PortStats[] }
  | { readonly type: 'queue'; readonly queues: readonly QueueStats[] }
  | { readonly type: 'group'; readonly groups: readonly GroupStats[] }
  | { readonly type: 'group_desc'; readonly groups: readonly GroupDesc[] }
  | GroupFeaturesReply
  | { readonly type: 'meter'; readonly meters: readonly MeterStats[] }
  | { readonly type: 'meter_config'; readonly meters: readonly MeterConfig[] }
  | MeterFeaturesReply
  | { readonly type: 'table_features'; readonly tables: readonly TableFeatures[] }
  | { readonly type: 'port_desc'; readonly ports: readonly Port[] }
  | ExperimenterMultipart
  | UnknownMultipart;

export interface MultipartRequest {
  readonly version: 4;
  readonly type: 'multipart_request';
  readonly xid: number;
  /** OFPMPF_REQ_* bits. */
  readonly flags: number;
  readonly body: MultipartRequestBody;
}

export interface MultipartReply {
  readonly version: 4;
  readonly type: 'multipart_reply';
  readonly xid: number;
  /** OFPMPF_REPLY_* bits (OFPMPF_REPLY_MORE = 1: more parts follow). */
  readonly flags: number;
  readonly body: MultipartReplyBody;
}

/** The OFPMP_* number of a request or reply body. */
export function multipartType(body: MultipartRequestBody | MultipartReplyBody): number {
  switch (body.type) {
    case 'desc': return OFPMP.DESC;
    case 'flow': return OFPMP.FLOW;
    case 'aggregate': return OFPMP.AGGREGATE;
    case 'table': return OFPMP.TABLE;
    case 'port_stats': return OFPMP.PORT_STATS;
    case 'queue': return OFPMP.QUEUE;
    case 'group': return OFPMP.GROUP;
    case 'group_desc': return OFPMP.GROUP_DESC;
    case 'group_features': return OFPMP.GROUP_FEATURES;
    case 'meter': return OFPMP.METER;
    case 'meter_config': return OFPMP.METER_CONFIG;
    case 'meter_features': return OFPMP.METER_FEATURES;
    case 'table_features': return OFPMP.TABLE_FEATURES;
    case 'port_desc': return OFPMP.PORT_DESC;
    case 'experimenter': return OFPMP.EXPERIMENTER;
    case 'unknown': return body.mpType;
    default: return assertNever(body, 'multipart body');
  }
}

// ---------------------------------------------------------------------------------------------
// Decoding

/** Fails with OFPBRC_BAD_LEN: an entry's declared length does not fit its layout. */
function badLen(r: Reader, what: string, len: number): never {
  return r.fail(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, `${what} length ${len} is invalid`);
}

/** Decodes a MULTIPART_REQUEST; `r` is bounded to the message and positioned after the header. */
export function decodeMultipartRequest(xid: number, r: Reader): MultipartRequest {
  const mpType = r.u16();
  const flags = r.u16();
  r.skip(4);
  return { version: 4, type: 'multipart_request', xid, flags, body: decodeRequestBody(mpType, r) };
}

/** Decodes a MULTIPART_REPLY; `r` is bounded to the message and positioned after the header. */
export function decodeMultipartReply(xid: number, r: Reader): MultipartReply {
  const mpType = r.u16();
  const flags = r.u16();
  r.skip(4);
  return { version: 4, type: 'multipart_reply', xid, flags, body: decodeReplyBody(mpType, r) };
}

function decodeRequestBody(mpType: number, r: Reader): MultipartRequestBody {
  switch (mpType) {
    case OFPMP.DESC:
      expectEnd(r);
      return { type: 'desc' };
    case OFPMP.FLOW:
    case OFPMP.AGGREGATE: {
      // ofp_flow_stats_request
      const tableId = r.u8();
      r.skip(3);
      const outPort = r.u32();
      const outGroup = r.u32();
      r.skip(4);
      const cookie = r.u64();
      const cookieMask = r.u64();
      const match = decodeMatch(r);
      expectEnd(r);
      const type = mpType === OFPMP.FLOW ? 'flow' : 'aggregate';
      return { type, tableId, outPort, outGroup, cookie, cookieMask, match };
    }
    case OFPMP.TABLE:
      expectEnd(r);
      return { type: 'table' };
    case OFPMP.PORT_STATS: {
      const portNo = r.u32();
      r.skip(4);
      expectEnd(r);
      return { type: 'port_stats', portNo };
    }
    case OFPMP.QUEUE: {
      const portNo = r.u32();
      const queueId = r.u32();
      expectEnd(r);
      return { type: 'queue', portNo, queueId };
    }
    case OFPMP.GROUP: {
      const groupId = r.u32();
      r.skip(4);
      expectEnd(r);
      return { type: 'group', groupId };
    }
    case OFPMP.GROUP_DESC:
      expectEnd(r);
      return { type: 'group_desc' };
    case OFPMP.GROUP_FEATURES:
      expectEnd(r);
      return { type: 'group_features' };
    case OFPMP.METER:
    case OFPMP.METER_CONFIG: {
      // ofp_meter_multipart_request
      const meterId = r.u32();
      r.skip(4);
      expectEnd(r);
      return { type: mpType === OFPMP.METER ? 'meter' : 'meter_config', meterId };
    }
    case OFPMP.METER_FEATURES:
      expectEnd(r);
      return { type: 'meter_features' };
    case OFPMP.TABLE_FEATURES:
      return { type: 'table_features', tables: decodeTableFeaturesList(r) };
    case OFPMP.PORT_DESC:
      expectEnd(r);
      return { type: 'port_desc' };
    case OFPMP.EXPERIMENTER:
      return decodeExperimenter(r);
    default:
      // Kept as bytes: the session answers OFPBRC_BAD_MULTIPART if it cannot serve it.
      return { type: 'unknown', mpType, data: r.rest() };
  }
}

function decodeReplyBody(mpType: number, r: Reader): MultipartReplyBody {
  switch (mpType) {
    case OFPMP.DESC: {
      // ofp_desc
      const mfrDesc = r.str(DESC_STR_LEN);
      const hwDesc = r.str(DESC_STR_LEN);
      const swDesc = r.str(DESC_STR_LEN);
      const serialNum = r.str(SERIAL_NUM_LEN);
      const dpDesc = r.str(DESC_STR_LEN);
      expectEnd(r);
      return { type: 'desc', mfrDesc, hwDesc, swDesc, serialNum, dpDesc };
    }
    case OFPMP.FLOW: {
      const flows: FlowStats[] = [];
      while (r.remaining > 0) flows.push(decodeFlowStats(r));
      return { type: 'flow', flows };
    }
    case OFPMP.AGGREGATE: {
      const body = AGGREGATE_REPLY.read(r, 'aggregate');
      expectEnd(r);
      return body;
    }
    case OFPMP.TABLE: {
      const tables: TableStats[] = [];
      while (r.remaining > 0) tables.push(TABLE_STATS.read(r));
      return { type: 'table', tables };
    }
    case OFPMP.PORT_STATS: {
      const ports: PortStats[] = [];
      while (r.remaining > 0) ports.push(PORT_STATS.read(r));
      return { type: 'port_stats', ports };
    }
    case OFPMP.QUEUE: {
      const queues: QueueStats[] = [];
      while (r.remaining > 0) queues.push(QUEUE_STATS.read(r));
      return { type: 'queue', queues };
    }
    case OFPMP.GROUP: {
      const groups: GroupStats[] = [];
      while (r.remaining > 0) groups.push(decodeGroupStats(r));
      return { type: 'group', groups };
    }
    case OFPMP.GROUP_DESC: {
      const groups: GroupDesc[] = [];
      while (r.remaining > 0) {
        // ofp_group_desc
        const length = r.u16();
        if (length < GROUP_DESC_FIXED) badLen(r, 'ofp_group_desc', length);
        const e = r.sub(length - 2);
        const groupType = e.u8();
        e.skip(1);
        const groupId = e.u32();
        groups.push({ groupType, groupId, buckets: decodeBuckets(e) });
      }
      return { type: 'group_desc', groups };
    }
    case OFPMP.GROUP_FEATURES: {
      // ofp_group_features
      const types = r.u32();
      const capabilities = r.u32();
      const maxGroups = [r.u32(), r.u32(), r.u32(), r.u32()];
      const actions = [r.u32(), r.u32(), r.u32(), r.u32()];
      expectEnd(r);
      return { type: 'group_features', types, capabilities, maxGroups, actions };
    }
    case OFPMP.METER: {
      const meters: MeterStats[] = [];
      while (r.remaining > 0) meters.push(decodeMeterStats(r));
      return { type: 'meter', meters };
    }
    case OFPMP.METER_CONFIG: {
      const meters: MeterConfig[] = [];
      while (r.remaining > 0) {
        // ofp_meter_config
        const length = r.u16();
        if (length < METER_CONFIG_FIXED) badLen(r, 'ofp_meter_config', length);
        const e = r.sub(length - 2);
        const flags = e.u16();
        const meterId = e.u32();
        meters.push({ flags, meterId, bands: decodeMeterBands(e) });
      }
      return { type: 'meter_config', meters };
    }
    case OFPMP.METER_FEATURES: {
      // ofp_meter_features
      const maxMeter = r.u32();
      const bandTypes = r.u32();
      const capabilities = r.u32();
      const maxBands = r.u8();
      const maxColor = r.u8();
      r.skip(2);
      expectEnd(r);
      return { type: 'meter_features', maxMeter, bandTypes, capabilities, maxBands, maxColor };
    }
    case OFPMP.TABLE_FEATURES:
      return { type: 'table_features', tables: decodeTableFeaturesList(r) };
    case OFPMP.PORT_DESC: {
      const ports: Port[] = [];
      while (r.remaining > 0) ports.push(decodePort(r.sub(PORT_LEN, r.errType, r.errCode, 'ofp_port')));
      return { type: 'port_desc', ports };
    }
    case OFPMP.EXPERIMENTER:
      return decodeExperimenter(r);
    default:
      return { type: 'unknown', mpType, data: r.rest() };
  }
}

function decodeExperimenter(r: Reader): ExperimenterMultipart {
  // ofp_experimenter_multipart_header
  const experimenter = r.u32();
  const expType = r.u32();
  return { type: 'experimenter', experimenter, expType, data: r.rest() };
}

function decodeFlowStats(r: Reader): FlowStats {
  // ofp_flow_stats: the length covers the match and the instructions.
  const length = r.u16();
  if (length < FLOW_STATS_FIXED + 8) badLen(r, 'ofp_flow_stats', length);
  const e = r.sub(length - 2);
  const tableId = e.u8();
  e.skip(1);
  const durationSec = e.u32();
  const durationNsec = e.u32();
  const priority = e.u16();
  const idleTimeout = e.u16();
  const hardTimeout = e.u16();
  const flags = e.u16();
  e.skip(4);
  const cookie = e.u64();
  const packetCount = e.u64();
  const byteCount = e.u64();
  const match = decodeMatch(e);
  const instructions = decodeInstructions(e);
  return {
    tableId,
    durationSec,
    durationNsec,
    priority,
    idleTimeout,
    hardTimeout,
    flags,
    cookie,
    packetCount,
    byteCount,
    match,
    instructions,
  };
}

function decodeGroupStats(r: Reader): GroupStats {
  // ofp_group_stats: bucket_stats fill the rest of the declared length.
  const length = r.u16();
  if (length < GROUP_STATS_FIXED || (length - GROUP_STATS_FIXED) % BUCKET_COUNTER_LEN !== 0) {
    badLen(r, 'ofp_group_stats', length);
  }
  const e = r.sub(length - 2);
  e.skip(2);
  const groupId = e.u32();
  const refCount = e.u32();
  e.skip(4);
  const packetCount = e.u64();
  const byteCount = e.u64();
  const durationSec = e.u32();
  const durationNsec = e.u32();
  const bucketStats: BucketCounter[] = [];
  while (e.remaining > 0) bucketStats.push({ packetCount: e.u64(), byteCount: e.u64() });
  return { groupId, refCount, packetCount, byteCount, durationSec, durationNsec, bucketStats };
}

function decodeMeterStats(r: Reader): MeterStats {
  // ofp_meter_stats: the length field comes after meter_id.
  const meterId = r.u32();
  const len = r.u16();
  if (len < METER_STATS_FIXED || (len - METER_STATS_FIXED) % METER_BAND_STATS_LEN !== 0) {
    badLen(r, 'ofp_meter_stats', len);
  }
  const e = r.sub(len - 6);
  e.skip(6);
  const flowCount = e.u32();
  const packetInCount = e.u64();
  const byteInCount = e.u64();
  const durationSec = e.u32();
  const durationNsec = e.u32();
  const bandStats: MeterBandStats[] = [];
  while (e.remaining > 0) bandStats.push({ packetBandCount: e.u64(), byteBandCount: e.u64() });
  return { meterId, flowCount, packetInCount, byteInCount, durationSec, durationNsec, bandStats };
}

/** Reads ofp_table_features entries until `r` is exhausted. */
function decodeTableFeaturesList(r: Reader): TableFeatures[] {
  const tables: TableFeatures[] = [];
  while (r.remaining > 0) tables.push(decodeTableFeatures(r));
  return tables;
}

function decodeTableFeatures(r: Reader): TableFeatures {
  const length = r.u16();
  if (length < TABLE_FEATURES_FIXED) badLen(r, 'ofp_table_features', length);
  const e = r.sub(length - 2);
  const tableId = e.u8();
  e.skip(5);
  const name = e.str(OFP_MAX_TABLE_NAME_LEN);
  const metadataMatch = e.u64();
  const metadataWrite = e.u64();
  const config = e.u32();
  const maxEntries = e.u32();
  // Property errors are OFPET_TABLE_FEATURES_FAILED / OFPTFFC_BAD_LEN, as the spec asks.
  const props = e.sub(e.remaining, OFPET.TABLE_FEATURES_FAILED, OFPTFFC.BAD_LEN, 'table feature properties');
  const properties: TableFeatureProp[] = [];
  while (props.remaining > 0) properties.push(decodeTableFeatureProp(props));
  return { tableId, name, metadataMatch, metadataWrite, config, maxEntries, properties };
}

function decodeTableFeatureProp(r: Reader): TableFeatureProp {
  // ofp_table_feature_prop_header; `length` excludes the padding to 8 that follows.
  const propType = r.u16();
  const length = r.u16();
  if (length < 4) r.fail(OFPET.TABLE_FEATURES_FAILED, OFPTFFC.BAD_LEN, `table feature property length ${length} < 4`);
  const p = r.sub(length - 4);
  const pad = (8 - (length % 8)) % 8;
  // The last property's padding may be cut by a lenient sender: accept what is there.
  r.skip(pad < r.remaining ? pad : r.remaining);
  switch (propType) {
    case OFPTFPT.INSTRUCTIONS:
      return { type: 'instructions', instructionIds: decodeInstructionIds(p) };
    case OFPTFPT.INSTRUCTIONS_MISS:
      return { type: 'instructions_miss', instructionIds: decodeInstructionIds(p) };
    case OFPTFPT.NEXT_TABLES:
      return { type: 'next_tables', tableIds: decodeTableIds(p) };
    case OFPTFPT.NEXT_TABLES_MISS:
      return { type: 'next_tables_miss', tableIds: decodeTableIds(p) };
    case OFPTFPT.WRITE_ACTIONS:
      return { type: 'write_actions', actionIds: decodeActionIds(p) };
    case OFPTFPT.WRITE_ACTIONS_MISS:
      return { type: 'write_actions_miss', actionIds: decodeActionIds(p) };
    case OFPTFPT.APPLY_ACTIONS:
      return { type: 'apply_actions', actionIds: decodeActionIds(p) };
    case OFPTFPT.APPLY_ACTIONS_MISS:
      return { type: 'apply_actions_miss', actionIds: decodeActionIds(p) };
    case OFPTFPT.MATCH:
      return { type: 'match', oxmIds: decodeOxmIds(p) };
    case OFPTFPT.WILDCARDS:
      return { type: 'wildcards', oxmIds: decodeOxmIds(p) };
    case OFPTFPT.WRITE_SETFIELD:
      return { type: 'write_setfield', oxmIds: decodeOxmIds(p) };
    case OFPTFPT.WRITE_SETFIELD_MISS:
      return { type: 'write_setfield_miss', oxmIds: decodeOxmIds(p) };
    case OFPTFPT.APPLY_SETFIELD:
      return { type: 'apply_setfield', oxmIds: decodeOxmIds(p) };
    case OFPTFPT.APPLY_SETFIELD_MISS:
      return { type: 'apply_setfield_miss', oxmIds: decodeOxmIds(p) };
    case OFPTFPT.EXPERIMENTER:
    case OFPTFPT.EXPERIMENTER_MISS: {
      // ofp_table_feature_prop_experimenter
      const experimenter = p.u32();
      const expType = p.u32();
      const type = propType === OFPTFPT.EXPERIMENTER ? 'experimenter' : 'experimenter_miss';
      return { type, experimenter, expType, data: p.rest() };
    }
    default:
      return { type: 'unknown', propType, data: p.rest() };
  }
}

/** ofp_instruction_id list. */
function decodeInstructionIds(p: Reader): InstructionId[] {
  const ids: InstructionId[] = [];
  while (p.remaining > 0) {
    const instructionType = p.u16();
    const len = p.u16();
    if (len < 4) p.fail(OFPET.TABLE_FEATURES_FAILED, OFPTFFC.BAD_LEN, `instruction id length ${len} < 4`);
    ids.push(len === 4 ? { instructionType } : { instructionType, data: p.bytes(len - 4, 'instruction id') });
  }
  return ids;
}

/** ofp_action_id list. */
function decodeActionIds(p: Reader): ActionId[] {
  const ids: ActionId[] = [];
  while (p.remaining > 0) {
    const actionType = p.u16();
    const len = p.u16();
    if (len < 4) p.fail(OFPET.TABLE_FEATURES_FAILED, OFPTFFC.BAD_LEN, `action id length ${len} < 4`);
    ids.push(len === 4 ? { actionType } : { actionType, data: p.bytes(len - 4, 'action id') });
  }
  return ids;
}

/** A list of OXM headers (4 bytes, 8 for OFPXMC_EXPERIMENTER). */
function decodeOxmIds(p: Reader): OxmId[] {
  const ids: OxmId[] = [];
  while (p.remaining > 0) {
    const h = p.u32();
    const oxmClass = h >>> 16;
    const oxmField = (h >>> 9) & 0x7f;
    const hasMask = (h & 0x100) !== 0;
    const length = h & 0xff;
    if (oxmClass === OFPXMC_EXPERIMENTER) {
      ids.push({ oxmClass, oxmField, hasMask, length, experimenter: p.u32() });
    } else {
      ids.push({ oxmClass, oxmField, hasMask, length });
    }
  }
  return ids;
}

function decodeTableIds(p: Reader): number[] {
  const n = p.remaining;
  const ids = new Array<number>(n);
  for (let i = 0; i < n; i++) ids[i] = p.u8();
  return ids;
}

// ---------------------------------------------------------------------------------------------
// Encoding

/** Writes everything after the 8-byte header: type, flags, padding and the body. */
export function encodeMultipartBody(w: Writer, m: MultipartRequest | MultipartReply): void {
  w.u16(multipartType(m.body));
  w.u16(m.flags);
  w.zeros(4);
  if (m.type === 'multipart_request') encodeRequestBody(w, m.body);
  else encodeReplyBody(w, m.body);
}

function encodeRequestBody(w: Writer, b: MultipartRequestBody): void {
  switch (b.type) {
    case 'desc':
    case 'table':
    case 'group_desc':
    case 'group_features':
    case 'meter_features':
    case 'port_desc':
      return;
    case 'flow':
    case 'aggregate':
      w.u8(b.tableId);
      w.zeros(3);
      w.u32(b.outPort);
      w.u32(b.outGroup);
      w.zeros(4);
      w.u64(b.cookie);
      w.u64(b.cookieMask);
      encodeMatch(w, b.match);
      return;
    case 'port_stats':
      w.u32(b.portNo);
      w.zeros(4);
      return;
    case 'queue':
      w.u32(b.portNo);
      w.u32(b.queueId);
      return;
    case 'group':
      w.u32(b.groupId);
      w.zeros(4);
      return;
    case 'meter':
    case 'meter_config':
      w.u32(b.meterId);
      w.zeros(4);
      return;
    case 'table_features':
      encodeTableFeaturesList(w, b.tables);
      return;
    case 'experimenter':
      encodeExperimenter(w, b);
      return;
    case 'unknown':
      w.bytes(b.data);
      return;
    default:
      assertNever(b, 'multipart request body');
  }
}

function encodeReplyBody(w: Writer, b: MultipartReplyBody): void {
  switch (b.type) {
    case 'desc':
      w.str(b.mfrDesc, DESC_STR_LEN, 'body.mfrDesc');
      w.str(b.hwDesc, DESC_STR_LEN, 'body.hwDesc');
      w.str(b.swDesc, DESC_STR_LEN, 'body.swDesc');
      w.str(b.serialNum, SERIAL_NUM_LEN, 'body.serialNum');
      w.str(b.dpDesc, DESC_STR_LEN, 'body.dpDesc');
      return;
    case 'flow':
      for (let i = 0; i < b.flows.length; i++) encodeFlowStats(w, b.flows[i]!, i);
      return;
    case 'aggregate':
      AGGREGATE_REPLY.write(w, b);
      return;
    case 'table':
      for (const t of b.tables) TABLE_STATS.write(w, t);
      return;
    case 'port_stats':
      for (const p of b.ports) PORT_STATS.write(w, p);
      return;
    case 'queue':
      for (const q of b.queues) QUEUE_STATS.write(w, q);
      return;
    case 'group':
      for (let i = 0; i < b.groups.length; i++) {
        const g = b.groups[i]!;
        const len = GROUP_STATS_FIXED + g.bucketStats.length * BUCKET_COUNTER_LEN;
        if (len > 0xffff) throw new OfEncodeError('too many bucket counters', `body.groups[${i}].bucketStats`);
        w.u16(len);
        w.zeros(2);
        w.u32(g.groupId);
        w.u32(g.refCount);
        w.zeros(4);
        w.u64(g.packetCount);
        w.u64(g.byteCount);
        w.u32(g.durationSec);
        w.u32(g.durationNsec);
        for (const c of g.bucketStats) {
          w.u64(c.packetCount);
          w.u64(c.byteCount);
        }
      }
      return;
    case 'group_desc':
      for (let i = 0; i < b.groups.length; i++) {
        const g = b.groups[i]!;
        const start = w.pos;
        w.u16(0);
        w.u8(g.groupType);
        w.zeros(1);
        w.u32(g.groupId);
        encodeBuckets(w, g.buckets);
        patchLength(w, start, `body.groups[${i}]`);
      }
      return;
    case 'group_features':
      w.u32(b.types);
      w.u32(b.capabilities);
      encodeFourWords(w, b.maxGroups, 'body.maxGroups');
      encodeFourWords(w, b.actions, 'body.actions');
      return;
    case 'meter':
      for (let i = 0; i < b.meters.length; i++) {
        const m = b.meters[i]!;
        const len = METER_STATS_FIXED + m.bandStats.length * METER_BAND_STATS_LEN;
        if (len > 0xffff) throw new OfEncodeError('too many band counters', `body.meters[${i}].bandStats`);
        w.u32(m.meterId);
        w.u16(len);
        w.zeros(6);
        w.u32(m.flowCount);
        w.u64(m.packetInCount);
        w.u64(m.byteInCount);
        w.u32(m.durationSec);
        w.u32(m.durationNsec);
        for (const s of m.bandStats) {
          w.u64(s.packetBandCount);
          w.u64(s.byteBandCount);
        }
      }
      return;
    case 'meter_config':
      for (let i = 0; i < b.meters.length; i++) {
        const m = b.meters[i]!;
        const start = w.pos;
        w.u16(0);
        w.u16(m.flags);
        w.u32(m.meterId);
        encodeMeterBands(w, m.bands);
        patchLength(w, start, `body.meters[${i}]`);
      }
      return;
    case 'meter_features':
      w.u32(b.maxMeter);
      w.u32(b.bandTypes);
      w.u32(b.capabilities);
      w.u8(b.maxBands);
      w.u8(b.maxColor);
      w.zeros(2);
      return;
    case 'table_features':
      encodeTableFeaturesList(w, b.tables);
      return;
    case 'port_desc':
      for (let i = 0; i < b.ports.length; i++) encodePort(w, b.ports[i]!, `body.ports[${i}]`);
      return;
    case 'experimenter':
      encodeExperimenter(w, b);
      return;
    case 'unknown':
      w.bytes(b.data);
      return;
    default:
      assertNever(b, 'multipart reply body');
  }
}

/**
 * Fills in the 16-bit length of a structure that began at `start` (the field sits `at` bytes
 * in), covering everything written since; fails if it does not fit.
 */
function patchLength(w: Writer, start: number, field: string, at = 0): void {
  const len = w.pos - start;
  if (len > 0xffff) throw new OfEncodeError(`length ${len} does not fit in 16 bits`, field);
  w.patchU16(start + at, len);
}

function encodeFourWords(w: Writer, words: readonly number[], field: string): void {
  if (words.length !== 4) throw new OfEncodeError(`needs 4 entries, has ${words.length}`, field);
  for (let i = 0; i < 4; i++) w.u32(words[i]!);
}

function encodeExperimenter(w: Writer, b: ExperimenterMultipart): void {
  w.u32(b.experimenter);
  w.u32(b.expType);
  w.bytes(b.data);
}

function encodeFlowStats(w: Writer, f: FlowStats, i: number): void {
  const start = w.pos;
  w.u16(0);
  w.u8(f.tableId);
  w.zeros(1);
  w.u32(f.durationSec);
  w.u32(f.durationNsec);
  w.u16(f.priority);
  w.u16(f.idleTimeout);
  w.u16(f.hardTimeout);
  w.u16(f.flags);
  w.zeros(4);
  w.u64(f.cookie);
  w.u64(f.packetCount);
  w.u64(f.byteCount);
  encodeMatch(w, f.match);
  encodeInstructions(w, f.instructions);
  patchLength(w, start, `body.flows[${i}]`);
}

function encodeTableFeaturesList(w: Writer, tables: readonly TableFeatures[]): void {
  for (let i = 0; i < tables.length; i++) {
    const t = tables[i]!;
    const field = `body.tables[${i}]`;
    const start = w.pos;
    w.u16(0);
    w.u8(t.tableId);
    w.zeros(5);
    w.str(t.name, OFP_MAX_TABLE_NAME_LEN, `${field}.name`);
    w.u64(t.metadataMatch);
    w.u64(t.metadataWrite);
    w.u32(t.config);
    w.u32(t.maxEntries);
    for (let j = 0; j < t.properties.length; j++) {
      encodeTableFeatureProp(w, t.properties[j]!, `${field}.properties[${j}]`);
    }
    patchLength(w, start, field);
  }
}

/** The OFPTFPT_* number of a property. */
function tableFeaturePropType(p: TableFeatureProp): number {
  switch (p.type) {
    case 'instructions': return OFPTFPT.INSTRUCTIONS;
    case 'instructions_miss': return OFPTFPT.INSTRUCTIONS_MISS;
    case 'next_tables': return OFPTFPT.NEXT_TABLES;
    case 'next_tables_miss': return OFPTFPT.NEXT_TABLES_MISS;
    case 'write_actions': return OFPTFPT.WRITE_ACTIONS;
    case 'write_actions_miss': return OFPTFPT.WRITE_ACTIONS_MISS;
    case 'apply_actions': return OFPTFPT.APPLY_ACTIONS;
    case 'apply_actions_miss': return OFPTFPT.APPLY_ACTIONS_MISS;
    case 'match': return OFPTFPT.MATCH;
    case 'wildcards': return OFPTFPT.WILDCARDS;
    case 'write_setfield': return OFPTFPT.WRITE_SETFIELD;
    case 'write_setfield_miss': return OFPTFPT.WRITE_SETFIELD_MISS;
    case 'apply_setfield': return OFPTFPT.APPLY_SETFIELD;
    case 'apply_setfield_miss': return OFPTFPT.APPLY_SETFIELD_MISS;
    case 'experimenter': return OFPTFPT.EXPERIMENTER;
    case 'experimenter_miss': return OFPTFPT.EXPERIMENTER_MISS;
    case 'unknown': return p.propType;
    default: return assertNever(p, 'table feature property');
  }
}

function encodeTableFeatureProp(w: Writer, p: TableFeatureProp, field: string): void {
  const start = w.pos;
  w.u16(tableFeaturePropType(p));
  w.u16(0);
  switch (p.type) {
    case 'instructions':
    case 'instructions_miss':
      for (const id of p.instructionIds) encodeId(w, id.instructionType, id.data, field);
      break;
    case 'next_tables':
    case 'next_tables_miss':
      for (let i = 0; i < p.tableIds.length; i++) {
        const id = p.tableIds[i]!;
        if (!Number.isInteger(id) || id < 0 || id > 0xff) throw new OfEncodeError(`bad table id ${id}`, `${field}.tableIds[${i}]`);
        w.u8(id);
      }
      break;
    case 'write_actions':
    case 'write_actions_miss':
    case 'apply_actions':
    case 'apply_actions_miss':
      for (const id of p.actionIds) encodeId(w, id.actionType, id.data, field);
      break;
    case 'match':
    case 'wildcards':
    case 'write_setfield':
    case 'write_setfield_miss':
    case 'apply_setfield':
    case 'apply_setfield_miss':
      for (let i = 0; i < p.oxmIds.length; i++) encodeOxmId(w, p.oxmIds[i]!, `${field}.oxmIds[${i}]`);
      break;
    case 'experimenter':
    case 'experimenter_miss':
      w.u32(p.experimenter);
      w.u32(p.expType);
      w.bytes(p.data);
      break;
    case 'unknown':
      w.bytes(p.data);
      break;
    default:
      assertNever(p, 'table feature property');
  }
  patchLength(w, start, field, 2);
  // The padding follows the property and is not counted in its length.
  w.pad8(start);
}

/** Writes an ofp_instruction_id or ofp_action_id: type, len, then any experimenter bytes. */
function encodeId(w: Writer, idType: number, data: Buffer | undefined, field: string): void {
  const len = 4 + (data === undefined ? 0 : data.length);
  if (len > 0xffff) throw new OfEncodeError('id too long', field);
  w.u16(idType);
  w.u16(len);
  if (data !== undefined) w.bytes(data);
}

function encodeOxmId(w: Writer, id: OxmId, field: string): void {
  if (id.oxmClass < 0 || id.oxmClass > 0xffff || id.oxmField < 0 || id.oxmField > 0x7f || id.length < 0 || id.length > 0xff) {
    throw new OfEncodeError('class, field or length out of range', field);
  }
  w.u32(((id.oxmClass << 16) | (id.oxmField << 9) | (id.hasMask ? 0x100 : 0) | id.length) >>> 0);
  if (id.oxmClass === OFPXMC_EXPERIMENTER) {
    if (id.experimenter === undefined) throw new OfEncodeError('experimenter OXM id needs an experimenter', field);
    w.u32(id.experimenter);
  }
}

// ---------------------------------------------------------------------------------------------
// Reassembly

function badMultipart(message: string): never {
  throw new OfDecodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_MULTIPART, message);
}

/** Concatenates one list field of every part, in order. */
function gather<B, T>(parts: readonly MultipartReply[], pick: (b: B) => readonly T[]): T[] {
  const out: T[] = [];
  for (let i = 0; i < parts.length; i++) {
    const list = pick(parts[i]!.body as B);
    for (let j = 0; j < list.length; j++) out.push(list[j]!);
  }
  return out;
}

type ReplyOf<K extends MultipartReplyBody['type']> = Extract<MultipartReplyBody, { type: K }>;

/**
 * Joins the parts of a reply sent with OFPMPF_REPLY_MORE into one reply (lists concatenated in
 * order, experimenter and unknown data concatenated). The result has the first part's xid and
 * the last part's flags without OFPMPF_REPLY_MORE. Throws OfDecodeError OFPBRC_BAD_MULTIPART when
 * there are no parts, when the parts differ in kind, xid or experimenter, or when a single-body
 * kind (desc, aggregate, group_features, meter_features) comes in more than one part.
 */
export function mergeMultipartReplies(parts: readonly MultipartReply[]): MultipartReply {
  const first = parts[0];
  const last = parts[parts.length - 1];
  if (first === undefined || last === undefined) return badMultipart('no multipart reply parts to merge');
  const kind = first.body.type;
  const mpType = multipartType(first.body);
  for (let i = 1; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.xid !== first.xid) badMultipart(`part ${i} has xid ${p.xid}, expected ${first.xid}`);
    if (p.body.type !== kind || multipartType(p.body) !== mpType) {
      badMultipart(`part ${i} is ${p.body.type}, expected ${kind}`);
    }
  }
  const flags = last.flags & ~OFPMPF.REPLY_MORE;
  if (parts.length === 1) return { version: 4, type: 'multipart_reply', xid: first.xid, flags, body: first.body };
  let body: MultipartReplyBody;
  const b = first.body;
  switch (b.type) {
    case 'desc':
    case 'aggregate':
    case 'group_features':
    case 'meter_features':
      return badMultipart(`a ${b.type} reply has a single body and cannot come in ${parts.length} parts`);
    case 'flow':
      body = { type: 'flow', flows: gather(parts, (x: ReplyOf<'flow'>) => x.flows) };
      break;
    case 'table':
      body = { type: 'table', tables: gather(parts, (x: ReplyOf<'table'>) => x.tables) };
      break;
    case 'port_stats':
      body = { type: 'port_stats', ports: gather(parts, (x: ReplyOf<'port_stats'>) => x.ports) };
      break;
    case 'queue':
      body = { type: 'queue', queues: gather(parts, (x: ReplyOf<'queue'>) => x.queues) };
      break;
    case 'group':
      body = { type: 'group', groups: gather(parts, (x: ReplyOf<'group'>) => x.groups) };
      break;
    case 'group_desc':
      body = { type: 'group_desc', groups: gather(parts, (x: ReplyOf<'group_desc'>) => x.groups) };
      break;
    case 'meter':
      body = { type: 'meter', meters: gather(parts, (x: ReplyOf<'meter'>) => x.meters) };
      break;
    case 'meter_config':
      body = { type: 'meter_config', meters: gather(parts, (x: ReplyOf<'meter_config'>) => x.meters) };
      break;
    case 'table_features':
      body = { type: 'table_features', tables: gather(parts, (x: ReplyOf<'table_features'>) => x.tables) };
      break;
    case 'port_desc':
      body = { type: 'port_desc', ports: gather(parts, (x: ReplyOf<'port_desc'>) => x.ports) };
      break;
    case 'experimenter': {
      const datas: Buffer[] = [];
      for (let i = 0; i < parts.length; i++) {
        const x = parts[i]!.body as ExperimenterMultipart;
        if (x.experimenter !== b.experimenter || x.expType !== b.expType) {
          badMultipart(`part ${i} is for experimenter ${x.experimenter}/${x.expType}, expected ${b.experimenter}/${b.expType}`);
        }
        datas.push(x.data);
      }
      body = { type: 'experimenter', experimenter: b.experimenter, expType: b.expType, data: Buffer.concat(datas) };
      break;
    }
    case 'unknown': {
      const datas: Buffer[] = [];
      for (let i = 0; i < parts.length; i++) datas.push((parts[i]!.body as UnknownMultipart).data);
      body = { type: 'unknown', mpType: b.mpType, data: Buffer.concat(datas) };
      break;
    }
    default:
      return assertNever(b, 'multipart reply body');
  }
  return { version: 4, type: 'multipart_reply', xid: first.xid, flags, body };
}
