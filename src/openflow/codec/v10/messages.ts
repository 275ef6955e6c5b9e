/** OpenFlow 1.0 messages: the discriminated union and its codec (what legacy switches and cbench speak). */
import { decodeCommon, encodeCommon, expectEnd, type CommonMessage } from '../common.js';
import { OFP_HEADER_LEN, OFP_MAX_MESSAGE_LEN, OFP_VERSION_1_0, OFPBAC, OFPET, OFPT10 } from '../constants.js';
import { assertNever, OfEncodeError } from '../errors.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { decodeActions10, encodeActions10, type Action10 } from './actions.js';
import { OFP10_SIZE } from './enums.js';
import { decodeMatch10, encodeMatch10, put16, put32, type Match10 } from './match.js';
import { decodeStatsReply, decodeStatsRequest, encodeStatsBody, type StatsReply, type StatsRequest } from './stats.js';
import {
  decodePacketQueues10,
  decodePhyPort,
  decodePhyPorts,
  encodePacketQueues10,
  encodePhyPort,
  type PacketQueue10,
  type PhyPort,
} from './structs.js';

/** OFPT_VENDOR (ofp_vendor_header): `data` is everything after the vendor id, a view of the input. */
export interface Vendor {
  readonly version: 1;
  readonly type: 'vendor';
  readonly xid: number;
  readonly vendor: number;
  readonly data: Buffer;
}

/** OFPT_FEATURES_REPLY (ofp_switch_features) with the switch's physical ports. */
export interface FeaturesReply {
  readonly version: 1;
  readonly type: 'features_reply';
  readonly xid: number;
  readonly datapathId: bigint;
  readonly nBuffers: number;
  readonly nTables: number;
  /** OFPC10_* bits. */
  readonly capabilities: number;
  /** Bitmap of supported OFPAT10_* action types (bit n = action type n). */
  readonly actions: number;
  /** In wire order. */
  readonly ports: readonly PhyPort[];
}

/**
 * OFPT_PACKET_IN (ofp_packet_in). `data` is a view of the received buffer, not a copy: copy it
 * to keep it past the current event.
 */
export interface PacketIn {
  readonly version: 1;
  readonly type: 'packet_in';
  readonly xid: number;
  /** 0xffffffff when the packet is not buffered on the switch. */
  readonly bufferId: number;
  /** Length of the whole frame; `data` may hold fewer bytes. */
  readonly totalLen: number;
  readonly inPort: number;
  /** OFPR10_*: 0 no match, 1 action. */
  readonly reason: number;
  readonly data: Buffer;
}

/** OFPT_FLOW_REMOVED (ofp_flow_removed). */
export interface FlowRemoved {
  readonly version: 1;
  readonly type: 'flow_removed';
  readonly xid: number;
  readonly match: Match10;
  readonly cookie: bigint;
  readonly priority: number;
  /** OFPRR10_*. */
  readonly reason: number;
  readonly durationSec: number;
  readonly durationNsec: number;
  readonly idleTimeout: number;
  readonly packetCount: bigint;
  readonly byteCount: bigint;
}

/** OFPT_PORT_STATUS (ofp_port_status). */
export interface PortStatus {
  readonly version: 1;
  readonly type: 'port_status';
  readonly xid: number;
  /** OFPPR10_*: 0 add, 1 delete, 2 modify. */
  readonly reason: number;
  readonly port: PhyPort;
}

/** OFPT_PACKET_OUT (ofp_packet_out). `data` is sent only when `bufferId` is 0xffffffff. */
export interface PacketOut {
  readonly version: 1;
  readonly type: 'packet_out';
  readonly xid: number;
  readonly bufferId: number;
  /** Ingress port to pretend, or 0xffff (OFPP_NONE); OFPP_CONTROLLER is common. */
  readonly inPort: number;
  readonly actions: readonly Action10[];
  readonly data: Buffer;
}

/** OFPT_FLOW_MOD (ofp_flow_mod). */
export interface FlowMod {
  readonly version: 1;
  readonly type: 'flow_mod';
  readonly xid: number;
  readonly match: Match10;
  readonly cookie: bigint;
  /** OFPFC10_*. */
  readonly command: number;
  readonly idleTimeout: number;
  readonly hardTimeout: number;
  readonly priority: number;
  /** Buffered packet to apply the actions to, or 0xffffffff. */
  readonly bufferId: number;
  /** For delete commands: only flows that output here (0xffff, OFPP_NONE: any). */
  readonly outPort: number;
  /** OFPFF10_* bits. */
  readonly flags: number;
  readonly actions: readonly Action10[];
}

/** OFPT_PORT_MOD (ofp_port_mod). */
export interface PortMod {
  readonly version: 1;
  readonly type: 'port_mod';
  readonly xid: number;
  readonly portNo: number;
  /** Must be the port's hardware address (a sanity check by the switch). */
  readonly hwAddr: string;
  /** OFPPC10_* bits to set, among those selected by `mask`. */
  readonly config: number;
  readonly mask: number;
  /** OFPPF10_* bits to advertise, or 0 to leave unchanged. */
  readonly advertise: number;
}

/** OFPT_QUEUE_GET_CONFIG_REQUEST (ofp_queue_get_config_request). */
export interface QueueGetConfigRequest {
  readonly version: 1;
  readonly type: 'queue_get_config_request';
  readonly xid: number;
  readonly port: number;
}

/** OFPT_QUEUE_GET_CONFIG_REPLY (ofp_queue_get_config_reply). */
export interface QueueGetConfigReply {
  readonly version: 1;
  readonly type: 'queue_get_config_reply';
  readonly xid: number;
  readonly port: number;
  readonly queues: readonly PacketQueue10[];
}

/** A message type number 1.0 does not define: kept byte-exact (`data` is the body after the header). */
export interface Unknown10 {
  readonly version: 1;
  readonly type: 'unknown';
  readonly xid: number;
  readonly msgType: number;
  readonly data: Buffer;
}

/** Every OpenFlow 1.0 message. */
export type Of10Message =
  | CommonMessage
  | Vendor
  | FeaturesReply
  | PacketIn
  | FlowRemoved
  | PortStatus
  | PacketOut
  | FlowMod
  | PortMod
  | StatsRequest
  | StatsReply
  | QueueGetConfigRequest
  | QueueGetConfigReply
  | Unknown10;

/** Decodes the body of a 1.0 message; `r` is bounded to the message and positioned after the header. Throws only OfDecodeError. */
export function decodeV10(msgType: number, xid: number, r: Reader): Of10Message {
  const common = decodeCommon(OFP_VERSION_1_0, msgType, xid, r);
  if (common !== undefined) return common;
  switch (msgType) {
    case OFPT10.PACKET_IN:
      return decodePacketIn(xid, r);
    case OFPT10.FLOW_MOD:
      return decodeFlowMod(xid, r);
    case OFPT10.PACKET_OUT:
      return decodePacketOut(xid, r);
    case OFPT10.FLOW_REMOVED:
      return decodeFlowRemoved(xid, r);
    case OFPT10.PORT_STATUS: {
      const reason = r.u8();
      r.skip(7);
      const port = decodePhyPort(r);
      expectEnd(r);
      return { version: 1, type: 'port_status', xid, reason, port };
    }
    case OFPT10.FEATURES_REPLY: {
      const datapathId = r.u64();
      const nBuffers = r.u32();
      const nTables = r.u8();
      r.skip(3);
      const capabilities = r.u32();
      const actions = r.u32();
      const ports = decodePhyPorts(r);
      return { version: 1, type: 'features_reply', xid, datapathId, nBuffers, nTables, capabilities, actions, ports };
    }
    case OFPT10.VENDOR:
      return { version: 1, type: 'vendor', xid, vendor: r.u32(), data: r.rest() };
    case OFPT10.PORT_MOD: {
      const portNo = r.u16();
      const hwAddr = r.mac();
      const config = r.u32();
      const mask = r.u32();
      const advertise = r.u32();
      r.skip(4);
      expectEnd(r);
      return { version: 1, type: 'port_mod', xid, portNo, hwAddr, config, mask, advertise };
    }
    case OFPT10.STATS_REQUEST:
      return decodeStatsRequest(xid, r);
    case OFPT10.STATS_REPLY:
      return decodeStatsReply(xid, r);
    case OFPT10.QUEUE_GET_CONFIG_REQUEST: {
      const port = r.u16();
      r.skip(2);
      expectEnd(r);
      return { version: 1, type: 'queue_get_config_request', xid, port };
    }
    case OFPT10.QUEUE_GET_CONFIG_REPLY: {
      const port = r.u16();
      r.skip(6);
      return { version: 1, type: 'queue_get_config_reply', xid, port, queues: decodePacketQueues10(r) };
    }
    default:
      return { version: 1, type: 'unknown', xid, msgType, data: r.rest() };
  }
}

/** ofp_packet_in: buffer_id u32, total_len u16, in_port u16, reason u8, pad, data. The hot path of cbench. */
function decodePacketIn(xid: number, r: Reader): PacketIn {
  r.need(OFP10_SIZE.PACKET_IN - OFP_HEADER_LEN, 'ofp_packet_in');
  const b = r.buf;
  const p = r.pos;
  const data = b.subarray(p + 10, r.end);
  r.pos = r.end;
  return {
    version: 1,
    type: 'packet_in',
    xid,
    bufferId: ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0,
    totalLen: (b[p + 4]! << 8) | b[p + 5]!,
    inPort: (b[p + 6]! << 8) | b[p + 7]!,
    reason: b[p + 8]!,
    data,
  };
}

/** ofp_flow_mod: match, cookie, command, idle/hard timeouts, priority, buffer_id, out_port, flags, actions. */
function decodeFlowMod(xid: number, r: Reader): FlowMod {
  const match = decodeMatch10(r);
  r.need(OFP10_SIZE.FLOW_MOD - OFP_HEADER_LEN - OFP10_SIZE.MATCH, 'ofp_flow_mod');
  const cookie = r.u64();
  const command = r.u16();
  const idleTimeout = r.u16();
  const hardTimeout = r.u16();
  const priority = r.u16();
  const bufferId = r.u32();
  const outPort = r.u16();
  const flags = r.u16();
  const actions = decodeActions10(r);
  return { version: 1, type: 'flow_mod', xid, match, cookie, command, idleTimeout, hardTimeout, priority, bufferId, outPort, flags, actions };
}

/** ofp_packet_out: buffer_id u32, in_port u16, actions_len u16, actions, data. */
function decodePacketOut(xid: number, r: Reader): PacketOut {
  const bufferId = r.u32();
  const inPort = r.u16();
  const actionsLen = r.u16();
  // An actions_len past the message is a bad message length (OFPBRC_BAD_LEN); bad lengths inside the list are OFPBAC_BAD_LEN.
  const actions = decodeActions10(r.sub(actionsLen, OFPET.BAD_ACTION, OFPBAC.BAD_LEN, 'actions'));
  return { version: 1, type: 'packet_out', xid, bufferId, inPort, actions, data: r.rest() };
}

/** ofp_flow_removed: match, cookie, priority, reason, pad, durations, idle_timeout, pad[2], counters. */
function decodeFlowRemoved(xid: number, r: Reader): FlowRemoved {
  const match = decodeMatch10(r);
  const cookie = r.u64();
  const priority = r.u16();
  const reason = r.u8();
  r.skip(1);
  const durationSec = r.u32();
  const durationNsec = r.u32();
  const idleTimeout = r.u16();
  r.skip(2);
  const packetCount = r.u64();
  const byteCount = r.u64();
  expectEnd(r);
  return { version: 1, type: 'flow_removed', xid, match, cookie, priority, reason, durationSec, durationNsec, idleTimeout, packetCount, byteCount };
}

/** Writes the 8-byte header with length 0 (patched by `endMessage`); returns the message start. */
function beginMessage(w: Writer, msgType: number, xid: number): number {
  w.ensure(OFP_HEADER_LEN);
  const b = w.buf;
  const p = w.pos;
  b[p] = OFP_VERSION_1_0;
  b[p + 1] = msgType;
  b[p + 2] = 0;
  b[p + 3] = 0;
  put32(b, p + 4, xid);
  w.pos = p + OFP_HEADER_LEN;
  return p;
}

function endMessage(w: Writer, start: number): void {
  const len = w.pos - start;
  if (len > OFP_MAX_MESSAGE_LEN) throw new OfEncodeError(`message of ${len} bytes exceeds ${OFP_MAX_MESSAGE_LEN}`);
  w.patchU16(start + 2, len);
}

/** Writes a whole 1.0 message, header included, lengths filled in. Throws OfEncodeError on a bad field. */
export function encodeV10(w: Writer, m: Of10Message): void {
  // The cbench hot path first.
  switch (m.type) {
    case 'flow_mod':
      return encodeFlowMod(w, m);
    case 'packet_out':
      return encodePacketOut(w, m);
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
      return encodeCommon(w, m);
    default:
      return encodeOther(w, m);
  }
}

// BigInt arithmetic costs as much as the rest of a flow mod: an app writes the same cookie over
// and over, so the halves of the last one are kept.
let lastCookie = 0n;
let lastCookieHi = 0;
let lastCookieLo = 0;

/** Stores a 64-bit cookie big-endian (room already ensured). */
function putCookie(b: Buffer, p: number, cookie: bigint): void {
  if (cookie !== lastCookie) {
    const u = BigInt.asUintN(64, cookie);
    lastCookieHi = Number(u >> 32n);
    lastCookieLo = Number(u & 0xffffffffn);
    lastCookie = cookie;
  }
  put32(b, p, lastCookieHi);
  put32(b, p + 4, lastCookieLo);
}

/** The cbench hot path: header, match, fixed fields and actions written straight into the buffer. */
function encodeFlowMod(w: Writer, m: FlowMod): void {
  const start = beginMessage(w, OFPT10.FLOW_MOD, m.xid);
  encodeMatch10(w, m.match);
  w.ensure(OFP10_SIZE.FLOW_MOD - OFP_HEADER_LEN - OFP10_SIZE.MATCH);
  const b = w.buf;
  const p = w.pos;
  putCookie(b, p, m.cookie);
  put16(b, p + 8, m.command);
  put16(b, p + 10, m.idleTimeout);
  put16(b, p + 12, m.hardTimeout);
  put16(b, p + 14, m.priority);
  put32(b, p + 16, m.bufferId);
  put16(b, p + 20, m.outPort);
  put16(b, p + 22, m.flags);
  w.pos = p + 24;
  encodeActions10(w, m.actions);
  endMessage(w, start);
}

function encodePacketOut(w: Writer, m: PacketOut): void {
  const start = beginMessage(w, OFPT10.PACKET_OUT, m.xid);
  w.ensure(8);
  const b = w.buf;
  const p = w.pos;
  put32(b, p, m.bufferId);
  put16(b, p + 4, m.inPort);
  w.pos = p + 8;
  const actionsLen = encodeActions10(w, m.actions);
  if (actionsLen > 0xffff) throw new OfEncodeError(`actions of ${actionsLen} bytes are too long`, 'actions');
  w.patchU16(p + 6, actionsLen);
  w.bytes(m.data);
  endMessage(w, start);
}

function encodeOther(w: Writer, m: Exclude<Of10Message, CommonMessage | FlowMod | PacketOut>): void {
  let start: number;
  switch (m.type) {
    case 'vendor':
      start = beginMessage(w, OFPT10.VENDOR, m.xid);
      w.u32(m.vendor);
      w.bytes(m.data);
      break;
    case 'features_reply':
      start = beginMessage(w, OFPT10.FEATURES_REPLY, m.xid);
      w.u64(m.datapathId);
      w.u32(m.nBuffers);
      w.u8(m.nTables);
      w.zeros(3);
      w.u32(m.capabilities);
      w.u32(m.actions);
      for (let i = 0; i < m.ports.length; i++) encodePhyPort(w, m.ports[i]!, `ports[${i}]`);
      break;
    case 'packet_in':
      start = beginMessage(w, OFPT10.PACKET_IN, m.xid);
      w.u32(m.bufferId);
      w.u16(m.totalLen);
      w.u16(m.inPort);
      w.u8(m.reason);
      w.u8(0);
      w.bytes(m.data);
      break;
    case 'flow_removed':
      start = beginMessage(w, OFPT10.FLOW_REMOVED, m.xid);
      encodeMatch10(w, m.match);
      w.u64(m.cookie);
      w.u16(m.priority);
      w.u8(m.reason);
      w.u8(0);
      w.u32(m.durationSec);
      w.u32(m.durationNsec);
      w.u16(m.idleTimeout);
      w.zeros(2);
      w.u64(m.packetCount);
      w.u64(m.byteCount);
      break;
    case 'port_status':
      start = beginMessage(w, OFPT10.PORT_STATUS, m.xid);
      w.u8(m.reason);
      w.zeros(7);
      encodePhyPort(w, m.port);
      break;
    case 'port_mod':
      start = beginMessage(w, OFPT10.PORT_MOD, m.xid);
      w.u16(m.portNo);
      w.mac(m.hwAddr, 'hwAddr');
      w.u32(m.config);
      w.u32(m.mask);
      w.u32(m.advertise);
      w.zeros(4);
      break;
    case 'stats_request':
      start = beginMessage(w, OFPT10.STATS_REQUEST, m.xid);
      encodeStatsBody(w, m);
      break;
    case 'stats_reply':
      start = beginMessage(w, OFPT10.STATS_REPLY, m.xid);
      encodeStatsBody(w, m);
      break;
    case 'queue_get_config_request':
      start = beginMessage(w, OFPT10.QUEUE_GET_CONFIG_REQUEST, m.xid);
      w.u16(m.port);
      w.zeros(2);
      break;
    case 'queue_get_config_reply':
      start = beginMessage(w, OFPT10.QUEUE_GET_CONFIG_REPLY, m.xid);
      w.u16(m.port);
      w.zeros(6);
      encodePacketQueues10(w, m.queues);
      break;
    case 'unknown':
      if (m.msgType < 0 || m.msgType > 0xff) throw new OfEncodeError(`message type ${m.msgType} is not a byte`, 'msgType');
      start = beginMessage(w, m.msgType, m.xid);
      w.bytes(m.data);
      break;
    default:
      return assertNever(m, '1.0 message');
  }
  endMessage(w, start);
}

export { mapErrorTo10, type ErrorPair10 } from './error-map.js';
export { mergeStatsReplies10 } from './stats.js';
export type { StatsReply, StatsReplyBody, StatsRequest, StatsRequestBody, DescStats10, FlowStats10, TableStats10, PortStats10, QueueStats10 } from './stats.js';
export type { PhyPort, PacketQueue10, QueueProp10 } from './structs.js';
export type { Action10 } from './actions.js';
export { match10, MATCH10_ALL, type Match10, type Match10Fields } from './match.js';
export * from './enums.js';
