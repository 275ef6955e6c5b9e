/**
 * One flow table indexed for lookups by tuple space search: entries with the same priority,
 * fields and masks share a hash map keyed by their masked values, so a lookup costs one hash
 * probe per (priority, mask shape) instead of one match per entry. It answers exactly what a scan
 * by descending priority would (ties: the entry given first).
 */
import type { CompiledMatch } from './match.js';
import type { PacketState } from './packet.js';

/** An entry of the table: anything with a priority and a compiled match. */
export interface IndexedEntry {
  readonly priority: number;
  readonly match: CompiledMatch;
}

interface Tuple<E> {
  readonly priority: number;
  readonly fields: readonly number[];
  readonly idx: readonly number[];
  readonly mask: readonly number[];
  /** Masked values (joined) → the first entry given with them, and its input position. */
  readonly map: Map<string, { readonly entry: E; readonly order: number }>;
}

/** The result of a lookup. */
export interface Lookup<E> {
  /** The highest-priority matching entry, or undefined (a table miss). */
  readonly hit: E | undefined;
  /** Entries of at least the hit's priority that the trace cannot evaluate (taken as not matching). */
  readonly skipped: number;
}

/** A flow table's entries indexed for lookups. */
export class FlowTableIndex<E extends IndexedEntry> {
  private readonly tuples: Tuple<E>[] = [];
  /** Priorities of entries whose match cannot be evaluated, descending. */
  private readonly unsupported: number[] = [];
  /** Every entry, by descending priority (ties in input order). */
  readonly entries: readonly E[];

  constructor(entries: readonly E[]) {
    const byShape = new Map<string, Tuple<E>>();
    entries.forEach((e, order) => {
      const m = e.match;
      if (m.unsupported !== undefined) {
        this.unsupported.push(e.priority);
        return;
      }
      const shape = `${e.priority}|${m.shape}`;
      let t = byShape.get(shape);
      if (!t) {
        t = { priority: e.priority, fields: m.fields, idx: m.idx, mask: m.mask, map: new Map() };
        byShape.set(shape, t);
        this.tuples.push(t);
      }
      if (!t.map.has(m.key)) t.map.set(m.key, { entry: e, order });
    });
    this.tuples.sort((a, b) => b.priority - a.priority);
    this.unsupported.sort((a, b) => b - a);
    this.entries = entries.map((e, order) => ({ e, order })).sort((a, b) => b.e.priority - a.e.priority || a.order - b.order).map((x) => x.e);
  }

  /** The entry a switch would pick for `p`. */
  lookup(p: PacketState): Lookup<E> {
    const present = p.present;
    const words = p.words;
    let best: { readonly entry: E; readonly order: number } | undefined;
    for (let t = 0; t < this.tuples.length; t++) {
      const tp = this.tuples[t]!;
      if (best !== undefined && tp.priority < best.entry.priority) break;
      let ok = true;
      for (let i = 0; i < tp.fields.length; i++) {
        if (present[tp.fields[i]!] !== 1) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      let key = '';
      for (let i = 0; i < tp.idx.length; i++) key += (i === 0 ? '' : ',') + (words[tp.idx[i]!]! & tp.mask[i]!);
      const e = tp.map.get(key);
      if (e !== undefined && (best === undefined || e.order < best.order)) best = e;
    }
    const floor = best?.entry.priority ?? -1;
    let skipped = 0;
    while (skipped < this.unsupported.length && this.unsupported[skipped]! >= floor) skipped++;
    return { hit: best?.entry, skipped };
  }
}
