/** OpenFlow 1.3 actions (ofp_action_*): types and codec. */
import { OFPBAC, OFPCML, OFPET } from '../constants.js';
import { assertNever, OfDecodeError, OfEncodeError } from '../errors.js';
import { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { decodeOxm, encodeOxm, type OxmField } from './oxm.js';

/** ofp_action_type. */
export const OFPAT = {
  OUTPUT: 0,
  COPY_TTL_OUT: 11,
  COPY_TTL_IN: 12,
  SET_MPLS_TTL: 15,
  DEC_MPLS_TTL: 16,
  PUSH_VLAN: 17,
  POP_VLAN: 18,
  PUSH_MPLS: 19,
  POP_MPLS: 20,
  SET_QUEUE: 21,
  GROUP: 22,
  SET_NW_TTL: 23,
  DEC_NW_TTL: 24,
  SET_FIELD: 25,
  PUSH_PBB: 26,
  POP_PBB: 27,
  EXPERIMENTER: 0xffff,
} as const;

/** Experimenter id of Nicira (Open vSwitch) extension actions. */
export const NX_EXPERIMENTER_ID = 0x00002320;

/** An OpenFlow 1.3 action. Unknown action types and experimenter actions keep their bytes. */
export type Action =
  /** OFPAT_OUTPUT. `maxLen` (bytes sent to the controller) defaults to OFPCML_NO_BUFFER (0xffff). */
  | { readonly type: 'output'; readonly port: number; readonly maxLen?: number }
  | { readonly type: 'copy_ttl_out' }
  | { readonly type: 'copy_ttl_in' }
  | { readonly type: 'set_mpls_ttl'; readonly ttl: number }
  | { readonly type: 'dec_mpls_ttl' }
  | { readonly type: 'push_vlan'; readonly ethertype: number }
  | { readonly type: 'pop_vlan' }
  | { readonly type: 'push_mpls'; readonly ethertype: number }
  | { readonly type: 'pop_mpls'; readonly ethertype: number }
  | { readonly type: 'set_queue'; readonly queueId: number }
  | { readonly type: 'group'; readonly groupId: number }
  | { readonly type: 'set_nw_ttl'; readonly ttl: number }
  | { readonly type: 'dec_nw_ttl' }
  | { readonly type: 'set_field'; readonly field: OxmField }
  | { readonly type: 'push_pbb'; readonly ethertype: number }
  | { readonly type: 'pop_pbb' }
  /** OFPAT_EXPERIMENTER: `data` is everything after the experimenter id, padding included. */
  | { readonly type: 'experimenter'; readonly experimenter: number; readonly data: Buffer }
  /** An action type this codec does not know: `data` is everything after type and len. */
  | { readonly type: 'unknown'; readonly actionType: number; readonly data: Buffer };

// Header-only actions (ofp_action_generic: type, len = 8, pad[4]) are shared constants: they
// carry no data, so decoding them allocates nothing.
const COPY_TTL_OUT: Action = Object.freeze({ type: 'copy_ttl_out' });
const COPY_TTL_IN: Action = Object.freeze({ type: 'copy_ttl_in' });
const DEC_MPLS_TTL: Action = Object.freeze({ type: 'dec_mpls_ttl' });
const POP_VLAN: Action = Object.freeze({ type: 'pop_vlan' });
const DEC_NW_TTL: Action = Object.freeze({ type: 'dec_nw_ttl' });
const POP_PBB: Action = Object.freeze({ type: 'pop_pbb' });

function badLen(at: number, message: string): never {
  throw new OfDecodeError(OFPET.BAD_ACTION, OFPBAC.BAD_LEN, message, at);
}

/**
 * Reads actions until `r` is exhausted (an action list bounded by its declared length).
 * Errors are OFPET_BAD_ACTION pairs: OFPBAC_BAD_LEN for a length under 8, not a multiple of 8,
 * past the list, or wrong for a fixed-size action; OFPBAC_BAD_SET_LEN for a set-field whose
 * OXM does not fit its action. Byte fields are views of the input.
 */
export function decodeActions(r: Reader): Action[] {
  const actions: Action[] = [];
  const buf = r.buf;
  while (r.pos < r.end) {
    const p = r.pos;
    if (r.end - p < 4) badLen(p, `action header needs 4 bytes, ${r.end - p} left`);
    const type = (buf[p]! << 8) | buf[p + 1]!;
    const len = (buf[p + 2]! << 8) | buf[p + 3]!;
    if (len < 8) badLen(p + 2, `action length ${len} < 8`);
    if ((len & 7) !== 0) badLen(p + 2, `action length ${len} is not a multiple of 8`);
    if (len > r.end - p) badLen(p + 2, `action length ${len}, ${r.end - p} bytes left in the list`);
    r.pos = p + len;
    actions.push(decodeAction(buf, p, type, len));
  }
  return actions;
}

/** One action of `len` bytes at `p` (length already checked to be >= 8, a multiple of 8, within bounds). */
function decodeAction(buf: Buffer, p: number, type: number, len: number): Action {
  switch (type) {
    case OFPAT.OUTPUT:
      // ofp_action_output: port, max_len, pad[6] = 16 bytes.
      if (len !== 16) badLen(p + 2, `output action length ${len} != 16`);
      return { type: 'output', port: buf.readUInt32BE(p + 4), maxLen: (buf[p + 8]! << 8) | buf[p + 9]! };
    case OFPAT.COPY_TTL_OUT:
      return generic(p, len, COPY_TTL_OUT);
    case OFPAT.COPY_TTL_IN:
      return generic(p, len, COPY_TTL_IN);
    case OFPAT.DEC_MPLS_TTL:
      return generic(p, len, DEC_MPLS_TTL);
    case OFPAT.POP_VLAN:
      return generic(p, len, POP_VLAN);
    case OFPAT.DEC_NW_TTL:
      return generic(p, len, DEC_NW_TTL);
    case OFPAT.POP_PBB:
      return generic(p, len, POP_PBB);
    case OFPAT.SET_MPLS_TTL:
      // ofp_action_mpls_ttl: mpls_ttl, pad[3].
      fixed8(p, len, 'set_mpls_ttl');
      return { type: 'set_mpls_ttl', ttl: buf[p + 4]! };
    case OFPAT.SET_NW_TTL:
      // ofp_action_nw_ttl: nw_ttl, pad[3].
      fixed8(p, len, 'set_nw_ttl');
      return { type: 'set_nw_ttl', ttl: buf[p + 4]! };
    case OFPAT.PUSH_VLAN:
      // ofp_action_push: ethertype, pad[2].
      fixed8(p, len, 'push_vlan');
      return { type: 'push_vlan', ethertype: (buf[p + 4]! << 8) | buf[p + 5]! };
    case OFPAT.PUSH_MPLS:
      fixed8(p, len, 'push_mpls');
      return { type: 'push_mpls', ethertype: (buf[p + 4]! << 8) | buf[p + 5]! };
    case OFPAT.PUSH_PBB:
      fixed8(p, len, 'push_pbb');
      return { type: 'push_pbb', ethertype: (buf[p + 4]! << 8) | buf[p + 5]! };
    case OFPAT.POP_MPLS:
      // ofp_action_pop_mpls: ethertype, pad[2].
      fixed8(p, len, 'pop_mpls');
      return { type: 'pop_mpls', ethertype: (buf[p + 4]! << 8) | buf[p + 5]! };
    case OFPAT.SET_QUEUE:
      // ofp_action_set_queue: queue_id.
      fixed8(p, len, 'set_queue');
      return { type: 'set_queue', queueId: buf.readUInt32BE(p + 4) };
    case OFPAT.GROUP:
      // ofp_action_group: group_id.
      fixed8(p, len, 'group');
      return { type: 'group', groupId: buf.readUInt32BE(p + 4) };
    case OFPAT.SET_FIELD: {
      // ofp_action_set_field: one OXM TLV, then padding to 8. Its length problems are
      // OFPBAC_BAD_SET_LEN; the action must be exactly the padded size of its TLV.
      const body = new Reader(buf, p + 4, p + len, OFPET.BAD_ACTION, OFPBAC.BAD_SET_LEN);
      const field = decodeOxm(body);
      const want = (body.pos - p + 7) & ~7;
      if (want !== len) {
        throw new OfDecodeError(OFPET.BAD_ACTION, OFPBAC.BAD_SET_LEN, `set_field action length ${len}, its OXM needs ${want}`, p + 2);
      }
      return { type: 'set_field', field };
    }
    case OFPAT.EXPERIMENTER:
      // ofp_action_experimenter_header: experimenter id, then the experimenter's own body.
      return { type: 'experimenter', experimenter: buf.readUInt32BE(p + 4), data: buf.subarray(p + 8, p + len) };
    default:
      return { type: 'unknown', actionType: type, data: buf.subarray(p + 4, p + len) };
  }
}

function generic(p: number, len: number, a: Action): Action {
  if (len !== 8) badLen(p + 2, `${a.type} action length ${len} != 8`);
  return a;
}

function fixed8(p: number, len: number, name: string): void {
  if (len !== 8) badLen(p + 2, `${name} action length ${len} != 8`);
}

/** Writes an action list. `path` names the list in error messages (`actions[2].port`). */
export function encodeActions(w: Writer, actions: readonly Action[], path = 'actions'): void {
  for (let i = 0; i < actions.length; i++) encodeAction(w, actions[i]!, path, -1, i);
}

/**
 * Writes the action list of instruction `instructionIndex` of the list `instructionsPath`; error
 * paths read `instructions[1].actions[0].port`, built only when an error is thrown.
 */
export function encodeInstructionActions(w: Writer, actions: readonly Action[], instructionsPath: string, instructionIndex: number): void {
  for (let i = 0; i < actions.length; i++) encodeAction(w, actions[i]!, instructionsPath, instructionIndex, i);
}

/**
 * Where an action sits, for error messages, as plain numbers so that nothing is allocated unless
 * an error is thrown: `list[i]`, or `list[parent].actions[i]` when `parent >= 0`.
 */
function at(list: string, parent: number, i: number, part?: string): string {
  const l = parent < 0 ? list : `${list}[${parent}].actions`;
  return part === undefined ? `${l}[${i}]` : `${l}[${i}].${part}`;
}

function checkU8(v: number, list: string, parent: number, i: number, part: string): void {
  if ((v & 0xff) !== v) throw new OfEncodeError(`${String(v)} is not an 8-bit unsigned integer`, at(list, parent, i, part));
}
function checkU16(v: number, list: string, parent: number, i: number, part: string): void {
  if ((v & 0xffff) !== v) throw new OfEncodeError(`${String(v)} is not a 16-bit unsigned integer`, at(list, parent, i, part));
}
function checkU32(v: number, list: string, parent: number, i: number, part: string): void {
  if (v >>> 0 !== v) throw new OfEncodeError(`${String(v)} is not a 32-bit unsigned integer`, at(list, parent, i, part));
}

/**
 * Writes two big-endian 32-bit words straight into the writer's buffer: an 8-byte action or
 * instruction (type and len, then its argument). Cheaper than four Writer calls on the hot path.
 */
export function putWords8(w: Writer, a: number, b: number): void {
  w.ensure(8);
  const buf = w.buf;
  const p = w.pos;
  buf[p] = a >>> 24;
  buf[p + 1] = a >>> 16;
  buf[p + 2] = a >>> 8;
  buf[p + 3] = a;
  buf[p + 4] = b >>> 24;
  buf[p + 5] = b >>> 16;
  buf[p + 6] = b >>> 8;
  buf[p + 7] = b;
  w.pos = p + 8;
}

/** Zero-pads from `start` to a multiple of 8 and stores the padded length at `start + 2`. */
export function closeTlv8(w: Writer, start: number): number {
  const pad = (8 - ((w.pos - start) & 7)) & 7;
  w.ensure(pad);
  const buf = w.buf;
  let p = w.pos;
  for (let k = 0; k < pad; k++) buf[p++] = 0;
  w.pos = p;
  const len = p - start;
  buf[start + 2] = len >>> 8;
  buf[start + 3] = len;
  return len;
}

/** Writes ofp_action_generic: type, len 8, pad[4]. */
function writeGeneric(w: Writer, type: number): void {
  putWords8(w, (type << 16) | 8, 0);
}

/** Writes an 8-byte action whose 16-bit argument is followed by pad[2] (ofp_action_push, ofp_action_pop_mpls). */
function writeEthertype(w: Writer, type: number, ethertype: number, list: string, parent: number, i: number): void {
  checkU16(ethertype, list, parent, i, 'ethertype');
  putWords8(w, (type << 16) | 8, ethertype << 16);
}

/** Writes an 8-byte action with a u8 argument and pad[3] (ofp_action_mpls_ttl, ofp_action_nw_ttl). */
function writeTtl(w: Writer, type: number, ttl: number, list: string, parent: number, i: number): void {
  checkU8(ttl, list, parent, i, 'ttl');
  putWords8(w, (type << 16) | 8, ttl << 24);
}

/** Writes an 8-byte action with a u32 argument (ofp_action_set_queue, ofp_action_group). */
function writeU32Action(w: Writer, type: number, v: number, list: string, parent: number, i: number, part: string): void {
  checkU32(v, list, parent, i, part);
  putWords8(w, (type << 16) | 8, v);
}

function encodeAction(w: Writer, a: Action, list: string, parent: number, i: number): void {
  if (a === null || typeof a !== 'object') throw new OfEncodeError('not an action object', at(list, parent, i));
  switch (a.type) {
    case 'output': {
      const maxLen = a.maxLen ?? OFPCML.NO_BUFFER;
      checkU32(a.port, list, parent, i, 'port');
      checkU16(maxLen, list, parent, i, 'maxLen');
      // ofp_action_output: type, len 16, port, max_len, pad[6].
      putWords8(w, (OFPAT.OUTPUT << 16) | 16, a.port);
      putWords8(w, maxLen << 16, 0);
      return;
    }
    case 'copy_ttl_out':
      return writeGeneric(w, OFPAT.COPY_TTL_OUT);
    case 'copy_ttl_in':
      return writeGeneric(w, OFPAT.COPY_TTL_IN);
    case 'dec_mpls_ttl':
      return writeGeneric(w, OFPAT.DEC_MPLS_TTL);
    case 'pop_vlan':
      return writeGeneric(w, OFPAT.POP_VLAN);
    case 'dec_nw_ttl':
      return writeGeneric(w, OFPAT.DEC_NW_TTL);
    case 'pop_pbb':
      return writeGeneric(w, OFPAT.POP_PBB);
    case 'set_mpls_ttl':
      return writeTtl(w, OFPAT.SET_MPLS_TTL, a.ttl, list, parent, i);
    case 'set_nw_ttl':
      return writeTtl(w, OFPAT.SET_NW_TTL, a.ttl, list, parent, i);
    case 'push_vlan':
      return writeEthertype(w, OFPAT.PUSH_VLAN, a.ethertype, list, parent, i);
    case 'push_mpls':
      return writeEthertype(w, OFPAT.PUSH_MPLS, a.ethertype, list, parent, i);
    case 'push_pbb':
      return writeEthertype(w, OFPAT.PUSH_PBB, a.ethertype, list, parent, i);
    case 'pop_mpls':
      return writeEthertype(w, OFPAT.POP_MPLS, a.ethertype, list, parent, i);
    case 'set_queue':
      return writeU32Action(w, OFPAT.SET_QUEUE, a.queueId, list, parent, i, 'queueId');
    case 'group':
      return writeU32Action(w, OFPAT.GROUP, a.groupId, list, parent, i, 'groupId');
    case 'set_field': {
      const start = w.pos;
      w.u32(OFPAT.SET_FIELD << 16);
      encodeOxm(w, a.field, at(list, parent, i, 'field'));
      closeTlv8(w, start);
      return;
    }
    case 'experimenter': {
      checkU32(a.experimenter, list, parent, i, 'experimenter');
      if (!(a.data instanceof Uint8Array)) throw new OfEncodeError('data must be a Buffer', at(list, parent, i, 'data'));
      const start = w.pos;
      if (a.data.length > 0xffff - 15) throw new OfEncodeError(`experimenter action data of ${a.data.length} bytes`, at(list, parent, i, 'data'));
      putWords8(w, (OFPAT.EXPERIMENTER << 16) >>> 0, a.experimenter);
      w.bytes(a.data);
      // The body normally carries its own padding; pad anyway so the list stays aligned.
      closeTlv8(w, start);
      return;
    }
    case 'unknown': {
      checkU16(a.actionType, list, parent, i, 'actionType');
      if (!(a.data instanceof Uint8Array)) throw new OfEncodeError('data must be a Buffer', at(list, parent, i, 'data'));
      const start = w.pos;
      if (a.data.length > 0xffff - 11) throw new OfEncodeError(`action data of ${a.data.length} bytes`, at(list, parent, i, 'data'));
      w.u32((a.actionType << 16) >>> 0);
      w.bytes(a.data);
      closeTlv8(w, start);
      return;
    }
    default:
      return assertNever(a, 'action');
  }
}
