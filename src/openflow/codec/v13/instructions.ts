/** OpenFlow 1.3 instructions (ofp_instruction_*): types and codec. */
import { OFPBIC, OFPET } from '../constants.js';
import { assertNever, OfDecodeError, OfEncodeError } from '../errors.js';
import { Reader } from '../reader.js';
import { Writer } from '../writer.js';
import { closeTlv8, decodeActions, encodeActions, encodeInstructionActions, putWords8, type Action } from './actions.js';

/** ofp_instruction_type. */
export const OFPIT = {
  GOTO_TABLE: 1,
  WRITE_METADATA: 2,
  WRITE_ACTIONS: 3,
  APPLY_ACTIONS: 4,
  CLEAR_ACTIONS: 5,
  METER: 6,
  EXPERIMENTER: 0xffff,
} as const;

/** An OpenFlow 1.3 instruction. Unknown and experimenter instructions keep their bytes. */
export type Instruction =
  | { readonly type: 'goto_table'; readonly tableId: number }
  | { readonly type: 'write_metadata'; readonly metadata: bigint; readonly metadataMask: bigint }
  | { readonly type: 'write_actions'; readonly actions: readonly Action[] }
  | { readonly type: 'apply_actions'; readonly actions: readonly Action[] }
  | { readonly type: 'clear_actions' }
  | { readonly type: 'meter'; readonly meterId: number }
  /** OFPIT_EXPERIMENTER: `data` is everything after the experimenter id. */
  | { readonly type: 'experimenter'; readonly experimenter: number; readonly data: Buffer }
  | { readonly type: 'unknown'; readonly instructionType: number; readonly data: Buffer };

const CLEAR_ACTIONS: Instruction = Object.freeze({ type: 'clear_actions' });

function badLen(at: number, message: string): never {
  throw new OfDecodeError(OFPET.BAD_INSTRUCTION, OFPBIC.BAD_LEN, message, at);
}

/**
 * Reads instructions until `r` is exhausted. Length problems of an instruction are
 * OFPET_BAD_INSTRUCTION / OFPBIC_BAD_LEN (under 8, not a multiple of 8, past the list, wrong for
 * a fixed-size instruction); errors inside an action list keep their OFPET_BAD_ACTION pair.
 */
export function decodeInstructions(r: Reader): Instruction[] {
  const out: Instruction[] = [];
  const buf = r.buf;
  while (r.pos < r.end) {
    const p = r.pos;
    if (r.end - p < 4) badLen(p, `instruction header needs 4 bytes, ${r.end - p} left`);
    const type = (buf[p]! << 8) | buf[p + 1]!;
    const len = (buf[p + 2]! << 8) | buf[p + 3]!;
    if (len < 8) badLen(p + 2, `instruction length ${len} < 8`);
    if ((len & 7) !== 0) badLen(p + 2, `instruction length ${len} is not a multiple of 8`);
    if (len > r.end - p) badLen(p + 2, `instruction length ${len}, ${r.end - p} bytes left in the list`);
    r.pos = p + len;
    out.push(decodeInstruction(buf, p, type, len));
  }
  return out;
}

function decodeInstruction(buf: Buffer, p: number, type: number, len: number): Instruction {
  switch (type) {
    case OFPIT.GOTO_TABLE:
      // ofp_instruction_goto_table: table_id, pad[3].
      if (len !== 8) badLen(p + 2, `goto_table instruction length ${len} != 8`);
      return { type: 'goto_table', tableId: buf[p + 4]! };
    case OFPIT.WRITE_METADATA:
      // ofp_instruction_write_metadata: pad[4], metadata, metadata_mask.
      if (len !== 24) badLen(p + 2, `write_metadata instruction length ${len} != 24`);
      return { type: 'write_metadata', metadata: buf.readBigUInt64BE(p + 8), metadataMask: buf.readBigUInt64BE(p + 16) };
    case OFPIT.WRITE_ACTIONS:
    case OFPIT.APPLY_ACTIONS: {
      // ofp_instruction_actions: pad[4], then actions to the end of the instruction.
      const actions = decodeActions(new Reader(buf, p + 8, p + len, OFPET.BAD_INSTRUCTION, OFPBIC.BAD_LEN));
      return type === OFPIT.WRITE_ACTIONS ? { type: 'write_actions', actions } : { type: 'apply_actions', actions };
    }
    case OFPIT.CLEAR_ACTIONS:
      // ofp_instruction_actions with no actions.
      if (len !== 8) badLen(p + 2, `clear_actions instruction length ${len} != 8`);
      return CLEAR_ACTIONS;
    case OFPIT.METER:
      // ofp_instruction_meter: meter_id.
      if (len !== 8) badLen(p + 2, `meter instruction length ${len} != 8`);
      return { type: 'meter', meterId: buf.readUInt32BE(p + 4) };
    case OFPIT.EXPERIMENTER:
      // ofp_instruction_experimenter: experimenter id, then its own body.
      return { type: 'experimenter', experimenter: buf.readUInt32BE(p + 4), data: buf.subarray(p + 8, p + len) };
    default:
      return { type: 'unknown', instructionType: type, data: buf.subarray(p + 4, p + len) };
  }
}

function at(base: string, i: number, part?: string): string {
  return part === undefined ? `${base}[${i}]` : `${base}[${i}].${part}`;
}

/** Writes an instruction list. `path` names the list in error messages (`instructions[1].actions[0].port`). */
export function encodeInstructions(w: Writer, instructions: readonly Instruction[], path = 'instructions'): void {
  for (let i = 0; i < instructions.length; i++) encodeInstruction(w, instructions[i]!, path, i);
}

function encodeInstruction(w: Writer, ins: Instruction, base: string, i: number): void {
  if (ins === null || typeof ins !== 'object') throw new OfEncodeError('not an instruction object', at(base, i));
  switch (ins.type) {
    case 'goto_table':
      if ((ins.tableId & 0xff) !== ins.tableId) throw new OfEncodeError(`${String(ins.tableId)} is not a table id`, at(base, i, 'tableId'));
      putWords8(w, (OFPIT.GOTO_TABLE << 16) | 8, ins.tableId << 24);
      return;
    case 'write_metadata':
      if (typeof ins.metadata !== 'bigint' || BigInt.asUintN(64, ins.metadata) !== ins.metadata) {
        throw new OfEncodeError('not a 64-bit unsigned bigint', at(base, i, 'metadata'));
      }
      if (typeof ins.metadataMask !== 'bigint' || BigInt.asUintN(64, ins.metadataMask) !== ins.metadataMask) {
        throw new OfEncodeError('not a 64-bit unsigned bigint', at(base, i, 'metadataMask'));
      }
      putWords8(w, (OFPIT.WRITE_METADATA << 16) | 24, 0);
      w.u64(ins.metadata);
      w.u64(ins.metadataMask);
      return;
    case 'write_actions':
    case 'apply_actions': {
      if (!Array.isArray(ins.actions)) throw new OfEncodeError('actions must be an array', at(base, i, 'actions'));
      const start = w.pos;
      putWords8(w, (ins.type === 'write_actions' ? OFPIT.WRITE_ACTIONS : OFPIT.APPLY_ACTIONS) << 16, 0);
      encodeInstructionActions(w, ins.actions, base, i);
      const len = w.pos - start;
      if (len > 0xffff) throw new OfEncodeError(`instruction of ${len} bytes`, at(base, i, 'actions'));
      w.buf[start + 2] = len >>> 8;
      w.buf[start + 3] = len;
      return;
    }
    case 'clear_actions':
      putWords8(w, (OFPIT.CLEAR_ACTIONS << 16) | 8, 0);
      return;
    case 'meter':
      if (ins.meterId >>> 0 !== ins.meterId) throw new OfEncodeError(`${String(ins.meterId)} is not a meter id`, at(base, i, 'meterId'));
      putWords8(w, (OFPIT.METER << 16) | 8, ins.meterId);
      return;
    case 'experimenter': {
      if (ins.experimenter >>> 0 !== ins.experimenter) {
        throw new OfEncodeError(`${String(ins.experimenter)} is not a 32-bit experimenter id`, at(base, i, 'experimenter'));
      }
      if (!(ins.data instanceof Uint8Array)) throw new OfEncodeError('data must be a Buffer', at(base, i, 'data'));
      if (ins.data.length > 0xffff - 15) throw new OfEncodeError(`experimenter data of ${ins.data.length} bytes`, at(base, i, 'data'));
      const start = w.pos;
      putWords8(w, (OFPIT.EXPERIMENTER << 16) >>> 0, ins.experimenter);
      w.bytes(ins.data);
      closeTlv8(w, start);
      return;
    }
    case 'unknown': {
      if ((ins.instructionType & 0xffff) !== ins.instructionType) {
        throw new OfEncodeError(`${String(ins.instructionType)} is not a 16-bit type`, at(base, i, 'instructionType'));
      }
      if (!(ins.data instanceof Uint8Array)) throw new OfEncodeError('data must be a Buffer', at(base, i, 'data'));
      if (ins.data.length > 0xffff - 11) throw new OfEncodeError(`instruction data of ${ins.data.length} bytes`, at(base, i, 'data'));
      const start = w.pos;
      w.u32((ins.instructionType << 16) >>> 0);
      w.bytes(ins.data);
      closeTlv8(w, start);
      return;
    }
    default:
      return assertNever(ins, 'instruction');
  }
}

/**
 * Checks that an instruction list (or, with `kind: 'actions'`, an action list) can be encoded:
 * every type known, every field of the right type and in range. Throws OfEncodeError naming the
 * field (`instructions[1].actions[0].port`), so a stored rule is refused before it ever reaches
 * a switch.
 */
export function validateInstructions(list: readonly Instruction[] | readonly Action[], kind: 'instructions' | 'actions' = 'instructions'): void {
  const w = new Writer(256);
  if (kind === 'actions') encodeActions(w, list as readonly Action[]);
  else encodeInstructions(w, list as readonly Instruction[]);
}
