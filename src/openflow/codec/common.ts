/**
 * Messages whose layout is the same in OpenFlow 1.0 and 1.3 (ofp_hello, ofp_error_msg,
 * echo, features request, switch config, barrier): one codec for both versions, which also
 * serves HELLO from versions we do not speak, for negotiation.
 */
import { OfDecodeError } from './errors.js';
import {
  OFP_HEADER_LEN,
  OFP_VERSION_1_0,
  OFPBRC,
  OFPET,
  OFPT10,
  OFPT13,
} from './constants.js';
import type { Reader } from './reader.js';
import type { Writer } from './writer.js';

/** ofp_hello_elem_type. */
export const OFPHET_VERSIONBITMAP = 1;

/** One element of a HELLO (ofp_hello_elem_header). */
export type HelloElement =
  /** OFPHET_VERSIONBITMAP: the versions the sender supports (wire version numbers, ascending). */
  | { readonly type: 'versionbitmap'; readonly versions: readonly number[] }
  /** Any other element, kept byte-exact (body after the 4-byte element header, before padding). */
  | { readonly type: 'unknown'; readonly elemType: number; readonly data: Buffer };

/** OFPT_HELLO, any version. */
export interface Hello {
  readonly version: number;
  readonly type: 'hello';
  readonly xid: number;
  readonly elements: readonly HelloElement[];
}

/** OFPT_ERROR (ofp_error_msg, and ofp_error_experimenter_msg when errType is 0xffff in 1.3). */
export interface ErrorMsg {
  readonly version: number;
  readonly type: 'error';
  readonly xid: number;
  readonly errType: number;
  /** The code; for an experimenter error (1.3, errType 0xffff) this is `exp_type`. */
  readonly code: number;
  /** Set only for an experimenter error. */
  readonly experimenter?: number;
  /** Usually the first bytes of the offending message. A view into the received buffer. */
  readonly data: Buffer;
}

export interface EchoRequest {
  readonly version: number;
  readonly type: 'echo_request';
  readonly xid: number;
  readonly data: Buffer;
}

export interface EchoReply {
  readonly version: number;
  readonly type: 'echo_reply';
  readonly xid: number;
  readonly data: Buffer;
}

/** Header-only messages. */
export interface HeaderOnly<T extends string> {
  readonly version: number;
  readonly type: T;
  readonly xid: number;
}

export type FeaturesRequest = HeaderOnly<'features_request'>;
export type GetConfigRequest = HeaderOnly<'get_config_request'>;
export type BarrierRequest = HeaderOnly<'barrier_request'>;
export type BarrierReply = HeaderOnly<'barrier_reply'>;

/** ofp_switch_config, as GET_CONFIG_REPLY and SET_CONFIG. */
export interface SwitchConfig<T extends 'get_config_reply' | 'set_config'> {
  readonly version: number;
  readonly type: T;
  readonly xid: number;
  /** OFPC_FRAG_* bits. */
  readonly flags: number;
  /** Bytes of a table-miss packet sent to the controller (0xffff: whole packet, no buffering). */
  readonly missSendLen: number;
}
export type GetConfigReply = SwitchConfig<'get_config_reply'>;
export type SetConfig = SwitchConfig<'set_config'>;

/** Messages in this file. */
export type CommonMessage =
  | Hello
  | ErrorMsg
  | EchoRequest
  | EchoReply
  | FeaturesRequest
  | GetConfigRequest
  | GetConfigReply
  | SetConfig
  | BarrierRequest
  | BarrierReply;

/** The wire type number of a common message in the given version. */
export function commonTypeNumber(version: number, type: CommonMessage['type']): number {
  const t = version === OFP_VERSION_1_0 ? OFPT10 : OFPT13;
  switch (type) {
    case 'hello': return t.HELLO;
    case 'error': return t.ERROR;
    case 'echo_request': return t.ECHO_REQUEST;
    case 'echo_reply': return t.ECHO_REPLY;
    case 'features_request': return t.FEATURES_REQUEST;
    case 'get_config_request': return t.GET_CONFIG_REQUEST;
    case 'get_config_reply': return t.GET_CONFIG_REPLY;
    case 'set_config': return t.SET_CONFIG;
    case 'barrier_request': return t.BARRIER_REQUEST;
    case 'barrier_reply': return t.BARRIER_REPLY;
  }
}

/**
 * Decodes the body of a common message. `r` is bounded to the whole message and positioned
 * after the 8-byte header. Returns undefined when `msgType` is not a common message of `version`.
 */
export function decodeCommon(version: number, msgType: number, xid: number, r: Reader): CommonMessage | undefined {
  const t = version === OFP_VERSION_1_0 ? OFPT10 : OFPT13;
  switch (msgType) {
    case t.HELLO:
      return { version, type: 'hello', xid, elements: decodeHelloElements(r) };
    case t.ERROR: {
      const errType = r.u16();
      if (errType === OFPET.EXPERIMENTER && version !== OFP_VERSION_1_0) {
        const code = r.u16();
        const experimenter = r.u32();
        return { version, type: 'error', xid, errType, code, experimenter, data: r.rest() };
      }
      const code = r.u16();
      return { version, type: 'error', xid, errType, code, data: r.rest() };
    }
    case t.ECHO_REQUEST:
      return { version, type: 'echo_request', xid, data: r.rest() };
    case t.ECHO_REPLY:
      return { version, type: 'echo_reply', xid, data: r.rest() };
    case t.FEATURES_REQUEST:
      return headerOnly(version, 'features_request', xid, r);
    case t.GET_CONFIG_REQUEST:
      return headerOnly(version, 'get_config_request', xid, r);
    case t.BARRIER_REQUEST:
      return headerOnly(version, 'barrier_request', xid, r);
    case t.BARRIER_REPLY:
      return headerOnly(version, 'barrier_reply', xid, r);
    case t.GET_CONFIG_REPLY:
    case t.SET_CONFIG: {
      const flags = r.u16();
      const missSendLen = r.u16();
      expectEnd(r);
      return { version, type: msgType === t.SET_CONFIG ? 'set_config' : 'get_config_reply', xid, flags, missSendLen };
    }
    default:
      return undefined;
  }
}

function headerOnly<T extends string>(version: number, type: T, xid: number, r: Reader): HeaderOnly<T> {
  expectEnd(r);
  return { version, type, xid };
}

/** Fails with OFPBRC.BAD_LEN when a fixed-size message has bytes left over. */
export function expectEnd(r: Reader): void {
  if (r.remaining !== 0) {
    throw new OfDecodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, `${r.remaining} unexpected trailing bytes`, r.pos);
  }
}

function decodeHelloElements(r: Reader): HelloElement[] {
  const elements: HelloElement[] = [];
  // A 1.0 peer (or any peer) may send a bare header; a tail too short for an element is ignored
  // as the spec asks implementations to ignore unknown trailing data in HELLO.
  while (r.remaining >= 4) {
    const elemType = r.u16();
    const len = r.u16();
    if (len < 4) r.fail(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, `hello element length ${len} < 4`);
    const body = r.sub(len - 4);
    if (elemType === OFPHET_VERSIONBITMAP) {
      const versions: number[] = [];
      for (let word = 0; body.remaining >= 4; word++) {
        const bits = body.u32();
        for (let bit = 0; bit < 32; bit++) if (bits & (1 << bit)) versions.push(word * 32 + bit);
      }
      elements.push({ type: 'versionbitmap', versions });
    } else {
      elements.push({ type: 'unknown', elemType, data: body.rest() });
    }
    // Elements are padded to 8 bytes; the padding may be absent on the last one.
    const pad = (8 - (len % 8)) % 8;
    r.skip(Math.min(pad, r.remaining));
  }
  r.skip(r.remaining);
  return elements;
}

/** Writes the whole message (header included) for a common message. */
export function encodeCommon(w: Writer, m: CommonMessage): void {
  const start = w.pos;
  w.u8(m.version);
  w.u8(commonTypeNumber(m.version, m.type));
  w.u16(0);
  w.u32(m.xid);
  switch (m.type) {
    case 'hello':
      for (const e of m.elements) {
        const es = w.pos;
        if (e.type === 'versionbitmap') {
          w.u16(OFPHET_VERSIONBITMAP);
          w.u16(0);
          const max = e.versions.reduce((a, b) => Math.max(a, b), 0);
          const words = new Array<number>(Math.floor(max / 32) + 1).fill(0);
          for (const v of e.versions) words[Math.floor(v / 32)]! |= 1 << (v % 32);
          for (const word of words) w.u32(word >>> 0);
        } else {
          w.u16(e.elemType);
          w.u16(0);
          w.bytes(e.data);
        }
        w.patchU16(es + 2, w.pos - es);
        w.pad8(es);
      }
      break;
    case 'error':
      w.u16(m.errType);
      w.u16(m.code);
      if (m.errType === OFPET.EXPERIMENTER && m.version !== OFP_VERSION_1_0) w.u32(m.experimenter ?? 0);
      w.bytes(m.data);
      break;
    case 'echo_request':
    case 'echo_reply':
      w.bytes(m.data);
      break;
    case 'get_config_reply':
    case 'set_config':
      w.u16(m.flags);
      w.u16(m.missSendLen);
      break;
    case 'features_request':
    case 'get_config_request':
    case 'barrier_request':
    case 'barrier_reply':
      break;
  }
  w.patchU16(start + 2, w.pos - start);
}

export { OFP_HEADER_LEN };
