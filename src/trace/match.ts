/**
 * Flow entry matching for the trace (OpenFlow 1.3.5 §7.2.3): a match compiled once into
 * (word, value, mask) triples over the packet's words, so a lookup is integer compares only.
 */
import { OXM_FIELD_BY_NAME, type OxmBasicFieldName } from '../openflow/codec/v13/oxm-fields.js';
import type { Match } from '../openflow/codec/v13/oxm.js';
import { FIELD_OFFSET, writeWords, type PacketState } from './packet.js';

/** A match ready for lookups. */
export interface CompiledMatch {
  /** OXM field numbers the packet must have (an ARP packet never matches `ipv4_src`). */
  readonly fields: readonly number[];
  /** Word index, expected value (already masked, as int32) and mask (int32) of each 32-bit word compared. */
  readonly idx: readonly number[];
  readonly val: readonly number[];
  readonly mask: readonly number[];
  /**
   * Why the trace cannot evaluate this match (a Nicira or experimenter field, a value it cannot
   * read), or undefined. Such an entry never matches and the table step says so.
   */
  readonly unsupported: string | undefined;
  /** The fields, word indexes and masks as text: entries with equal shapes (and priority) share a hash table. */
  readonly shape: string;
  /** The masked values as text: the entry's key in its shape's hash table. */
  readonly key: string;
}

// Matches are immutable values shared by the flow service's records: compile each one once.
const cache = new WeakMap<Match, CompiledMatch>();
// Scratch words for one value and its mask (the widest field, IPv6, takes 4).
const v = new Int32Array(4);
const k = new Int32Array(4);

/** The compiled form of `m` (cached per match object). */
export function compileMatch(m: Match): CompiledMatch {
  let c = cache.get(m);
  if (c === undefined) {
    c = compile(m);
    cache.set(m, c);
  }
  return c;
}

function compile(m: Match): CompiledMatch {
  const fields: number[] = [];
  const idx: number[] = [];
  const val: number[] = [];
  const mask: number[] = [];
  let unsupported: string | undefined;
  for (let i = 0; i < m.length; i++) {
    const f = m[i]!;
    if (f.field === 'raw') {
      unsupported = `match field of class 0x${f.oxmClass.toString(16)} field ${f.oxmField} is not an OpenFlow-basic field`;
      continue;
    }
    const spec = OXM_FIELD_BY_NAME[f.field as OxmBasicFieldName];
    const o = FIELD_OFFSET[spec.field]!;
    const n = FIELD_OFFSET[spec.field + 1]! - o;
    try {
      writeWords(v, 0, spec, f.value, `match.${f.field}`);
      if (f.mask === undefined) k.fill(-1);
      else writeWords(k, 0, spec, f.mask, `match.${f.field}.mask`);
    } catch (e) {
      unsupported = (e as Error).message;
      continue;
    }
    fields.push(spec.field);
    for (let w = 0; w < n; w++) {
      if (k[w] === 0) continue;
      idx.push(o + w);
      val.push(v[w]! & k[w]!);
      mask.push(k[w]!);
    }
  }
  return { fields, idx, val, mask, unsupported, shape: `${fields.join(',')}|${idx.join(',')}|${mask.join(',')}`, key: val.join(',') };
}

/** True when the packet has every field of the match and agrees with it under each mask. */
export function matchesPacket(c: CompiledMatch, p: PacketState): boolean {
  if (c.unsupported !== undefined) return false;
  const present = p.present;
  const fields = c.fields;
  for (let i = 0; i < fields.length; i++) if (present[fields[i]!] !== 1) return false;
  const words = p.words;
  const idx = c.idx;
  const val = c.val;
  const mask = c.mask;
  for (let i = 0; i < idx.length; i++) {
    if (((words[idx[i]!]! ^ val[i]!) & mask[i]!) !== 0) return false;
  }
  return true;
}
