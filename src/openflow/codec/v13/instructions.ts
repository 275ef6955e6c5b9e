/** OpenFlow 1.3 instructions (ofp_instruction_*): types and codec. */
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import type { Action } from './actions.js';

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

/** Reads instructions until `r` is exhausted. */
export function decodeInstructions(_r: Reader): Instruction[] {
  throw new Error('not implemented');
}

/** Writes an instruction list. */
export function encodeInstructions(_w: Writer, _instructions: readonly Instruction[]): void {
  throw new Error('not implemented');
}
