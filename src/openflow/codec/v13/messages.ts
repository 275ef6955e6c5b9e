/** OpenFlow 1.3 messages: the discriminated union of every 1.3 message, and its decoder and encoder. */
import {
  decodeCommon,
  encodeCommon,
  expectEnd,
  type BarrierReply,
  type BarrierRequest,
  type CommonMessage,
  type EchoReply,
  type EchoRequest,
  type ErrorMsg,
  type FeaturesRequest,
  type GetConfigReply,
  type GetConfigRequest,
  type Hello,
  type SetConfig,
} from '../common.js';
import { OFP_HEADER_LEN, OFP_MAX_MESSAGE_LEN, OFP_VERSION_1_3, OFPT13 } from '../constants.js';
import { assertNever, OfEncodeError } from '../errors.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { decodeActions, encodeActions, type Action } from './actions.js';
import { decodeInstructions, encodeInstructions, type Instruction } from './instructions.js';
import {
  decodeMultipartReply,
  decodeMultipartRequest,
  encodeMultipartBody,
  type MultipartReply,
  type MultipartRequest,
} from './multipart.js';
import { decodeMatch, encodeMatch, type Match } from './oxm.js';
import {
  decodeBuckets,
  decodeMeterBands,
  decodePacketQueues,
  decodePort,
  encodeBuckets,
  encodeMeterBands,
  encodePacketQueues,
  encodePort,
  type Bucket,
  type MeterBand,
  type PacketQueue,
  type Port,
} from './structs.js';

export type { MultipartReply, MultipartRequest };

/** OFPT_EXPERIMENTER (ofp_experimenter_header + data). */
export interface Experimenter {
  readonly version: 4;
  readonly type: 'experimenter';
  readonly xid: number;
  readonly experimenter: number;
  readonly expType: number;
  /** Experimenter-defined bytes; a view into the received buffer when decoded. */
  readonly data: Buffer;
}

/** OFPT_FEATURES_REPLY (ofp_switch_features). */
export interface FeaturesReply {
  readonly version: 4;
  readonly type: 'features_reply';
  readonly xid: number;
  readonly datapathId: bigint;
  readonly nBuffers: number;
  readonly nTables: number;
  /** 0 on the main connection, otherwise the auxiliary connection's id. */
  readonly auxiliaryId: number;
  /** OFPC_* bits. */
  readonly capabilities: number;
  readonly reserved: number;
}

/** OFPT_PACKET_IN (ofp_packet_in). */
export interface PacketIn {
  readonly version: 4;
  readonly type: 'packet_in';
  readonly xid: number;
  /** Switch buffer holding the packet, or OFP_NO_BUFFER (0xffffffff). */
  readonly bufferId: number;
  /** Length of the whole frame, which `data` may hold only part of. */
  readonly totalLen: number;
  /** OFPR_* reason. */
  readonly reason: number;
  readonly tableId: number;
  /** Cookie of the flow entry that sent the packet. */
  readonly cookie: bigint;
  /** Pipeline fields (in_port and whatever else the switch reports). */
  readonly match: Match;
  /**
   * The frame (or its first bytes). When decoded this is a VIEW into the received buffer,
   * not a copy: copy it (`Buffer.from(data)`) before keeping it past the current handler.
   */
  readonly data: Buffer;
}

/** OFPT_FLOW_REMOVED (ofp_flow_removed). */
export interface FlowRemoved {
  readonly version: 4;
  readonly type: 'flow_removed';
  readonly xid: number;
  readonly cookie: bigint;
  readonly priority: number;
  /** OFPRR_* reason. */
  readonly reason: number;
  readonly tableId: number;
  readonly durationSec: number;
  readonly durationNsec: number;
  readonly idleTimeout: number;
  readonly hardTimeout: number;
  readonly packetCount: bigint;
  readonly byteCount: bigint;
  readonly match: Match;
}

/** OFPT_PORT_STATUS (ofp_port_status). */
export interface PortStatus {
  readonly version: 4;
  readonly type: 'port_status';
  readonly xid: number;
  /** OFPPR_* reason. */
  readonly reason: number;
  readonly port: Port;
}

/** OFPT_PACKET_OUT (ofp_packet_out). */
export interface PacketOut {
  readonly version: 4;
  readonly type: 'packet_out';
  readonly xid: number;
  /** Buffered packet to send, or OFP_NO_BUFFER with the frame in `data`. */
  readonly bufferId: number;
  /** Ingress port the actions see (OFPP_CONTROLLER when none). */
  readonly inPort: number;
  readonly actions: readonly Action[];
  /** The frame; empty when bufferId names a buffered packet. A view when decoded. */
  readonly data: Buffer;
}

/** OFPT_FLOW_MOD (ofp_flow_mod). */
export interface FlowMod {
  readonly version: 4;
  readonly type: 'flow_mod';
  readonly xid: number;
  readonly cookie: bigint;
  /** For modify/delete: which cookie bits must match (0 = ignore the cookie). */
  readonly cookieMask: bigint;
  readonly tableId: number;
  /** OFPFC_* command. */
  readonly command: number;
  readonly idleTimeout: number;
  readonly hardTimeout: number;
  readonly priority: number;
  readonly bufferId: number;
  /** For delete: only entries that output to this port (OFPP_ANY = any). */
  readonly outPort: number;
  /** For delete: only entries that output to this group (OFPG_ANY = any). */
  readonly outGroup: number;
  /** OFPFF_* bits. */
  readonly flags: number;
  readonly match: Match;
  readonly instructions: readonly Instruction[];
}

/** OFPT_GROUP_MOD (ofp_group_mod). */
export interface GroupMod {
  readonly version: 4;
  readonly type: 'group_mod';
  readonly xid: number;
  /** OFPGC_* command. */
  readonly command: number;
  /** OFPGT_* group type. */
  readonly groupType: number;
  readonly groupId: number;
  readonly buckets: readonly Bucket[];
}

/** OFPT_PORT_MOD (ofp_port_mod). */
export interface PortMod {
  readonly version: 4;
  readonly type: 'port_mod';
  readonly xid: number;
  readonly portNo: number;
  /** Must match the port's address (a sanity check the switch makes). */
  readonly hwAddr: string;
  /** OFPPC_* bits to set ... */
  readonly config: number;
  /** ... among these OFPPC_* bits. */
  readonly mask: number;
  /** OFPPF_* bits to advertise; 0 leaves them unchanged. */
  readonly advertise: number;
}

/** OFPT_TABLE_MOD (ofp_table_mod). */
export interface TableMod {
  readonly version: 4;
  readonly type: 'table_mod';
  readonly xid: number;
  /** A table, or OFPTT_ALL. */
  readonly tableId: number;
  /** OFPTC_* bits (all deprecated in 1.3). */
  readonly config: number;
}

/** OFPT_QUEUE_GET_CONFIG_REQUEST (ofp_queue_get_config_request). */
export interface QueueGetConfigRequest {
  readonly version: 4;
  readonly type: 'queue_get_config_request';
  readonly xid: number;
  /** A port, or OFPP_ANY for all ports. */
  readonly port: number;
}

/** OFPT_QUEUE_GET_CONFIG_REPLY (ofp_queue_get_config_reply). */
export interface QueueGetConfigReply {
  readonly version: 4;
  readonly type: 'queue_get_config_reply';
  readonly xid: number;
  readonly port: number;
  readonly queues: readonly PacketQueue[];
}

/** OFPT_ROLE_REQUEST / OFPT_ROLE_REPLY (ofp_role_request). */
export interface RoleMessage<T extends 'role_request' | 'role_reply'> {
  readonly version: 4;
  readonly type: T;
  readonly xid: number;
  /** OFPCR_ROLE_* role. */
  readonly role: number;
  /** Master election generation; ignored for EQUAL and NOCHANGE. */
  readonly generationId: bigint;
}
export type RoleRequest = RoleMessage<'role_request'>;
export type RoleReply = RoleMessage<'role_reply'>;

/** OFPT_GET_ASYNC_REQUEST: header only. */
export interface GetAsyncRequest {
  readonly version: 4;
  readonly type: 'get_async_request';
  readonly xid: number;
}

/** One async mask as the spec's two-element array: [master or equal role, slave role]. */
export type AsyncMask = readonly [masterOrEqual: number, slave: number];

/** OFPT_GET_ASYNC_REPLY / OFPT_SET_ASYNC (ofp_async_config). Bits are `1 << reason`. */
export interface AsyncConfig<T extends 'get_async_reply' | 'set_async'> {
  readonly version: 4;
  readonly type: T;
  readonly xid: number;
  /** Bits `1 << OFPR_*`. */
  readonly packetInMask: AsyncMask;
  /** Bits `1 << OFPPR_*`. */
  readonly portStatusMask: AsyncMask;
  /** Bits `1 << OFPRR_*`. */
  readonly flowRemovedMask: AsyncMask;
}
export type GetAsyncReply = AsyncConfig<'get_async_reply'>;
export type SetAsync = AsyncConfig<'set_async'>;

/** OFPT_METER_MOD (ofp_meter_mod). */
export interface MeterMod {
  readonly version: 4;
  readonly type: 'meter_mod';
  readonly xid: number;
  /** OFPMC_* command. */
  readonly command: number;
  /** OFPMF_* bits. */
  readonly flags: number;
  readonly meterId: number;
  readonly bands: readonly MeterBand[];
}

/** A message whose type number this codec does not know: the body is kept and re-encodes byte-exact. */
export interface UnknownMessage {
  readonly version: 4;
  readonly type: 'unknown';
  readonly xid: number;
  readonly msgType: number;
  /** Everything after the header; a view when decoded. */
  readonly data: Buffer;
}

/** Every OpenFlow 1.3 message. */
export type Of13Message =
  | CommonMessage
  | Experimenter
  | FeaturesReply
  | PacketIn
  | FlowRemoved
  | PortStatus
  | PacketOut
  | FlowMod
  | GroupMod
  | PortMod
  | TableMod
  | MultipartRequest
  | MultipartReply
  | QueueGetConfigRequest
  | QueueGetConfigReply
  | RoleRequest
  | RoleReply
  | GetAsyncRequest
  | GetAsyncReply
  | SetAsync
  | MeterMod
  | UnknownMessage;

// Re-exported so that users of the 1.3 union can name every member from one module.
export type {
  BarrierReply,
  BarrierRequest,
  EchoReply,
  EchoRequest,
  ErrorMsg,
  FeaturesRequest,
  GetConfigReply,
  GetConfigRequest,
  Hello,
  SetConfig,
};

const V4 = OFP_VERSION_1_3;

/**
 * A 64-bit big-endian value. Hot path: a zero cookie (table-miss entries) allocates nothing,
 * and a value with a zero high word needs no BigInt shift.
 */
function readU64(b: Buffer, p: number): bigint {
  const hi = b.readUInt32BE(p);
  const lo = b.readUInt32BE(p + 4);
  if (hi === 0) return lo === 0 ? 0n : BigInt(lo);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/**
 * Decodes the body of a 1.3 message; `r` is bounded to the message and positioned after the
 * header. Throws only OfDecodeError: a fixed-size message that is too short or too long fails
 * with OFPBRC_BAD_LEN. Byte fields (`data`) are views of the input buffer.
 */
export function decodeV13(msgType: number, xid: number, r: Reader): Of13Message {
  switch (msgType) {
    case OFPT13.PACKET_IN:
      return decodePacketIn(xid, r);
    case OFPT13.EXPERIMENTER: {
      const experimenter = r.u32();
      const expType = r.u32();
      return { version: V4, type: 'experimenter', xid, experimenter, expType, data: r.rest() };
    }
    case OFPT13.FEATURES_REPLY: {
      // ofp_switch_features: datapath_id, n_buffers, n_tables, auxiliary_id, pad[2], capabilities, reserved.
      const datapathId = r.u64();
      const nBuffers = r.u32();
      const nTables = r.u8();
      const auxiliaryId = r.u8();
      r.skip(2);
      const capabilities = r.u32();
      const reserved = r.u32();
      expectEnd(r);
      return { version: V4, type: 'features_reply', xid, datapathId, nBuffers, nTables, auxiliaryId, capabilities, reserved };
    }
    case OFPT13.FLOW_REMOVED: {
      const cookie = r.u64();
      const priority = r.u16();
      const reason = r.u8();
      const tableId = r.u8();
      const durationSec = r.u32();
      const durationNsec = r.u32();
      const idleTimeout = r.u16();
      const hardTimeout = r.u16();
      const packetCount = r.u64();
      const byteCount = r.u64();
      const match = decodeMatch(r);
      expectEnd(r);
      return {
        version: V4, type: 'flow_removed', xid, cookie, priority, reason, tableId, durationSec, durationNsec,
        idleTimeout, hardTimeout, packetCount, byteCount, match,
      };
    }
    case OFPT13.PORT_STATUS: {
      const reason = r.u8();
      r.skip(7);
      const port = decodePort(r);
      expectEnd(r);
      return { version: V4, type: 'port_status', xid, reason, port };
    }
    case OFPT13.PACKET_OUT: {
      // ofp_packet_out: buffer_id, in_port, actions_len, pad[6], actions, data.
      const bufferId = r.u32();
      const inPort = r.u32();
      const actionsLen = r.u16();
      r.skip(6);
      const actions = decodeActions(r.sub(actionsLen, undefined, undefined, 'packet_out actions'));
      return { version: V4, type: 'packet_out', xid, bufferId, inPort, actions, data: r.rest() };
    }
    case OFPT13.FLOW_MOD:
      return decodeFlowMod(xid, r);
    case OFPT13.GROUP_MOD: {
      const command = r.u16();
      const groupType = r.u8();
      r.skip(1);
      const groupId = r.u32();
      const buckets = decodeBuckets(r);
      return { version: V4, type: 'group_mod', xid, command, groupType, groupId, buckets };
    }
    case OFPT13.PORT_MOD: {
      // ofp_port_mod: port_no, pad[4], hw_addr, pad[2], config, mask, advertise, pad[4].
      const portNo = r.u32();
      r.skip(4);
      const hwAddr = r.mac();
      r.skip(2);
      const config = r.u32();
      const mask = r.u32();
      const advertise = r.u32();
      r.skip(4);
      expectEnd(r);
      return { version: V4, type: 'port_mod', xid, portNo, hwAddr, config, mask, advertise };
    }
    case OFPT13.TABLE_MOD: {
      const tableId = r.u8();
      r.skip(3);
      const config = r.u32();
      expectEnd(r);
      return { version: V4, type: 'table_mod', xid, tableId, config };
    }
    case OFPT13.MULTIPART_REQUEST:
      return decodeMultipartRequest(xid, r);
    case OFPT13.MULTIPART_REPLY:
      return decodeMultipartReply(xid, r);
    case OFPT13.QUEUE_GET_CONFIG_REQUEST: {
      const port = r.u32();
      r.skip(4);
      expectEnd(r);
      return { version: V4, type: 'queue_get_config_request', xid, port };
    }
    case OFPT13.QUEUE_GET_CONFIG_REPLY: {
      const port = r.u32();
      r.skip(4);
      const queues = decodePacketQueues(r);
      return { version: V4, type: 'queue_get_config_reply', xid, port, queues };
    }
    case OFPT13.ROLE_REQUEST:
    case OFPT13.ROLE_REPLY: {
      const role = r.u32();
      r.skip(4);
      const generationId = r.u64();
      expectEnd(r);
      return msgType === OFPT13.ROLE_REQUEST
        ? { version: V4, type: 'role_request', xid, role, generationId }
        : { version: V4, type: 'role_reply', xid, role, generationId };
    }
    case OFPT13.GET_ASYNC_REQUEST:
      expectEnd(r);
      return { version: V4, type: 'get_async_request', xid };
    case OFPT13.GET_ASYNC_REPLY:
    case OFPT13.SET_ASYNC: {
      // ofp_async_config: three uint32_t[2] arrays, master/equal first.
      const packetInMask: AsyncMask = [r.u32(), r.u32()];
      const portStatusMask: AsyncMask = [r.u32(), r.u32()];
      const flowRemovedMask: AsyncMask = [r.u32(), r.u32()];
      expectEnd(r);
      return msgType === OFPT13.SET_ASYNC
        ? { version: V4, type: 'set_async', xid, packetInMask, portStatusMask, flowRemovedMask }
        : { version: V4, type: 'get_async_reply', xid, packetInMask, portStatusMask, flowRemovedMask };
    }
    case OFPT13.METER_MOD: {
      const command = r.u16();
      const flags = r.u16();
      const meterId = r.u32();
      const bands = decodeMeterBands(r);
      return { version: V4, type: 'meter_mod', xid, command, flags, meterId, bands };
    }
    default: {
      const common = decodeCommon(V4, msgType, xid, r);
      if (common !== undefined) return common;
      return { version: V4, type: 'unknown', xid, msgType, data: r.rest() };
    }
  }
}

/**
 * ofp_packet_in: buffer_id, total_len, reason, table_id, cookie, match, pad[2], data.
 * Hot path: the fixed part is read with one bounds check.
 */
function decodePacketIn(xid: number, r: Reader): PacketIn {
  r.need(16, 'ofp_packet_in');
  const b = r.buf;
  const p = r.pos;
  const bufferId = b.readUInt32BE(p);
  const totalLen = b.readUInt16BE(p + 4);
  const reason = b[p + 6]!;
  const tableId = b[p + 7]!;
  const cookie = readU64(b, p + 8);
  r.pos = p + 16;
  const match = decodeMatch(r);
  r.skip(2);
  return { version: V4, type: 'packet_in', xid, bufferId, totalLen, reason, tableId, cookie, match, data: r.rest() };
}

/** ofp_flow_mod: 40 fixed bytes, then the match and the instructions. */
function decodeFlowMod(xid: number, r: Reader): FlowMod {
  r.need(40, 'ofp_flow_mod');
  const b = r.buf;
  const p = r.pos;
  const cookie = readU64(b, p);
  const cookieMask = readU64(b, p + 8);
  const tableId = b[p + 16]!;
  const command = b[p + 17]!;
  const idleTimeout = b.readUInt16BE(p + 18);
  const hardTimeout = b.readUInt16BE(p + 20);
  const priority = b.readUInt16BE(p + 22);
  const bufferId = b.readUInt32BE(p + 24);
  const outPort = b.readUInt32BE(p + 28);
  const outGroup = b.readUInt32BE(p + 32);
  const flags = b.readUInt16BE(p + 36);
  r.pos = p + 40;
  const match = decodeMatch(r);
  const instructions = decodeInstructions(r);
  return {
    version: V4, type: 'flow_mod', xid, cookie, cookieMask, tableId, command, idleTimeout, hardTimeout,
    priority, bufferId, outPort, outGroup, flags, match, instructions,
  };
}

/** Writes the 8-byte ofp_header with length 0 (patched by the caller); returns its offset. */
function writeHeader(w: Writer, msgType: number, xid: number): number {
  const start = w.pos;
  w.ensure(OFP_HEADER_LEN);
  const b = w.buf;
  b[start] = V4;
  b[start + 1] = msgType;
  b[start + 2] = 0;
  b[start + 3] = 0;
  b.writeUInt32BE(xid >>> 0, start + 4);
  w.pos = start + OFP_HEADER_LEN;
  return start;
}

// The last 64-bit value written and its two words: an app sends many flow mods with the same
// cookie, and splitting a bigint into words allocates, so one cached entry saves most of it.
let lastU64 = 0n;
let lastHi = 0;
let lastLo = 0;

/** Writes a 64-bit field at `p` of a buffer already large enough; rejects non-bigint values. */
function putU64(b: Buffer, p: number, v: bigint, field: string): void {
  if (v === 0n) {
    // cookieMask is usually 0: keep it out of the one-entry cache that the cookie uses.
    b.writeUInt32BE(0, p);
    b.writeUInt32BE(0, p + 4);
    return;
  }
  if (v !== lastU64) {
    if (typeof v !== 'bigint') throw new OfEncodeError(`expected a bigint, got ${typeof v}`, field);
    const u = BigInt.asUintN(64, v);
    lastHi = Number(u >> 32n);
    lastLo = Number(u & 0xffffffffn);
    lastU64 = v;
  }
  b.writeUInt32BE(lastHi, p);
  b.writeUInt32BE(lastLo, p + 4);
}

/** Writer.u64 with a clear error for a value that is not a bigint. */
function u64(w: Writer, v: bigint, field: string): void {
  w.ensure(8);
  putU64(w.buf, w.pos, v, field);
  w.pos += 8;
}

/**
 * Writes a whole 1.3 message, header included, every length computed here (length fields in the
 * object are not consulted). Throws OfEncodeError on a bad field or a message over 65535 bytes.
 */
export function encodeV13(w: Writer, m: Of13Message): void {
  let start: number;
  // The hot messages come first: V8 tests string cases in order.
  switch (m.type) {
    case 'flow_mod':
      start = encodeFlowMod(w, m);
      break;
    case 'hello':
    case 'error':
    case 'echo_request':
    case 'echo_reply':
    case 'features_request':
    case 'get_config_request':
    case 'get_config_reply':
    case 'set_config':
    case 'barrier_request':
    case 'barrier_reply':
      encodeCommon(w, m);
      return;
    case 'packet_out': {
      start = writeHeader(w, OFPT13.PACKET_OUT, m.xid);
      w.u32(m.bufferId);
      w.u32(m.inPort);
      const lenAt = w.pos;
      w.u16(0);
      w.zeros(6);
      encodeActions(w, m.actions);
      const actionsLen = w.pos - lenAt - 8;
      if (actionsLen > 0xffff) throw new OfEncodeError(`actions of ${actionsLen} bytes are too long`, 'actions');
      w.patchU16(lenAt, actionsLen);
      w.bytes(m.data);
      break;
    }
    case 'packet_in': {
      start = writeHeader(w, OFPT13.PACKET_IN, m.xid);
      w.u32(m.bufferId);
      w.u16(m.totalLen);
      w.u8(m.reason);
      w.u8(m.tableId);
      u64(w, m.cookie, 'cookie');
      encodeMatch(w, m.match);
      w.zeros(2);
      w.bytes(m.data);
      break;
    }
    case 'experimenter':
      start = writeHeader(w, OFPT13.EXPERIMENTER, m.xid);
      w.u32(m.experimenter);
      w.u32(m.expType);
      w.bytes(m.data);
      break;
    case 'features_reply':
      start = writeHeader(w, OFPT13.FEATURES_REPLY, m.xid);
      u64(w, m.datapathId, 'datapathId');
      w.u32(m.nBuffers);
      w.u8(m.nTables);
      w.u8(m.auxiliaryId);
      w.zeros(2);
      w.u32(m.capabilities);
      w.u32(m.reserved);
      break;
    case 'flow_removed':
      start = writeHeader(w, OFPT13.FLOW_REMOVED, m.xid);
      u64(w, m.cookie, 'cookie');
      w.u16(m.priority);
      w.u8(m.reason);
      w.u8(m.tableId);
      w.u32(m.durationSec);
      w.u32(m.durationNsec);
      w.u16(m.idleTimeout);
      w.u16(m.hardTimeout);
      u64(w, m.packetCount, 'packetCount');
      u64(w, m.byteCount, 'byteCount');
      encodeMatch(w, m.match);
      break;
    case 'port_status':
      start = writeHeader(w, OFPT13.PORT_STATUS, m.xid);
      w.u8(m.reason);
      w.zeros(7);
      encodePort(w, m.port);
      break;
    case 'group_mod':
      start = writeHeader(w, OFPT13.GROUP_MOD, m.xid);
      w.u16(m.command);
      w.u8(m.groupType);
      w.zeros(1);
      w.u32(m.groupId);
      encodeBuckets(w, m.buckets);
      break;
    case 'port_mod':
      start = writeHeader(w, OFPT13.PORT_MOD, m.xid);
      w.u32(m.portNo);
      w.zeros(4);
      w.mac(m.hwAddr, 'hwAddr');
      w.zeros(2);
      w.u32(m.config);
      w.u32(m.mask);
      w.u32(m.advertise);
      w.zeros(4);
      break;
    case 'table_mod':
      start = writeHeader(w, OFPT13.TABLE_MOD, m.xid);
      w.u8(m.tableId);
      w.zeros(3);
      w.u32(m.config);
      break;
    case 'multipart_request':
    case 'multipart_reply':
      start = writeHeader(w, m.type === 'multipart_request' ? OFPT13.MULTIPART_REQUEST : OFPT13.MULTIPART_REPLY, m.xid);
      encodeMultipartBody(w, m);
      break;
    case 'queue_get_config_request':
      start = writeHeader(w, OFPT13.QUEUE_GET_CONFIG_REQUEST, m.xid);
      w.u32(m.port);
      w.zeros(4);
      break;
    case 'queue_get_config_reply':
      start = writeHeader(w, OFPT13.QUEUE_GET_CONFIG_REPLY, m.xid);
      w.u32(m.port);
      w.zeros(4);
      encodePacketQueues(w, m.queues);
      break;
    case 'role_request':
    case 'role_reply':
      start = writeHeader(w, m.type === 'role_request' ? OFPT13.ROLE_REQUEST : OFPT13.ROLE_REPLY, m.xid);
      w.u32(m.role);
      w.zeros(4);
      u64(w, m.generationId, 'generationId');
      break;
    case 'get_async_request':
      start = writeHeader(w, OFPT13.GET_ASYNC_REQUEST, m.xid);
      break;
    case 'get_async_reply':
    case 'set_async':
      start = writeHeader(w, m.type === 'set_async' ? OFPT13.SET_ASYNC : OFPT13.GET_ASYNC_REPLY, m.xid);
      writeAsyncMask(w, m.packetInMask, 'packetInMask');
      writeAsyncMask(w, m.portStatusMask, 'portStatusMask');
      writeAsyncMask(w, m.flowRemovedMask, 'flowRemovedMask');
      break;
    case 'meter_mod':
      start = writeHeader(w, OFPT13.METER_MOD, m.xid);
      w.u16(m.command);
      w.u16(m.flags);
      w.u32(m.meterId);
      encodeMeterBands(w, m.bands);
      break;
    case 'unknown':
      start = writeHeader(w, m.msgType, m.xid);
      w.bytes(m.data);
      break;
    default:
      assertNever(m, 'OpenFlow 1.3 message');
  }
  const len = w.pos - start;
  if (len > OFP_MAX_MESSAGE_LEN) throw new OfEncodeError(`message of ${len} bytes exceeds ${OFP_MAX_MESSAGE_LEN}`, m.type);
  w.patchU16(start + 2, len);
}

function writeAsyncMask(w: Writer, mask: AsyncMask, field: string): void {
  if (mask.length !== 2) throw new OfEncodeError('expected [masterOrEqual, slave]', field);
  w.u32(mask[0]);
  w.u32(mask[1]);
}

/**
 * Header and the 40 fixed bytes of ofp_flow_mod in one bounds check, then match and
 * instructions. Hot path: no per-field Writer calls. Returns the message's start offset.
 */
function encodeFlowMod(w: Writer, m: FlowMod): number {
  const start = w.pos;
  w.ensure(OFP_HEADER_LEN + 40);
  const b = w.buf;
  const p = start;
  b[p] = V4;
  b[p + 1] = OFPT13.FLOW_MOD;
  b[p + 2] = 0;
  b[p + 3] = 0;
  b.writeUInt32BE(m.xid >>> 0, p + 4);
  putU64(b, p + 8, m.cookie, 'cookie');
  putU64(b, p + 16, m.cookieMask, 'cookieMask');
  b[p + 24] = m.tableId & 0xff;
  b[p + 25] = m.command & 0xff;
  b.writeUInt16BE(m.idleTimeout & 0xffff, p + 26);
  b.writeUInt16BE(m.hardTimeout & 0xffff, p + 28);
  b.writeUInt16BE(m.priority & 0xffff, p + 30);
  b.writeUInt32BE(m.bufferId >>> 0, p + 32);
  b.writeUInt32BE(m.outPort >>> 0, p + 36);
  b.writeUInt32BE(m.outGroup >>> 0, p + 40);
  b.writeUInt16BE(m.flags & 0xffff, p + 44);
  b[p + 46] = 0;
  b[p + 47] = 0;
  w.pos = p + OFP_HEADER_LEN + 40;
  encodeMatch(w, m.match);
  encodeInstructions(w, m.instructions);
  return start;
}
