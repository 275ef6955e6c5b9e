/**
 * A map keyed by 48-bit MAC numbers, for packet-in hot paths: open addressing over a Float64Array
 * of keys, values by slot, entries linked in insertion order.
 *
 * Why not a `Map<number, V>`: a MAC above 2^31 is a heap number, so each probe of a Map follows
 * the stored key's pointer to compare it, a cache miss of its own in a table of thousands of
 * hosts; here a probe compares the key in place, and the value sits at the same slot index.
 */

const EMPTY = -1;
const MIN_CAPACITY = 16;
const TWO_32 = 0x1_0000_0000;

/** Slot of a MAC in a table of `mask + 1` slots (a power of two). */
function slotOf(key: number, mask: number): number {
  const lo = key >>> 0;
  const hi = (key / TWO_32) | 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 15;
  return h & mask;
}

/** MAC (48-bit number, 0 ≤ key < 2^48) → V, iterated in insertion order like a Map. */
export class MacMap<V> {
  private keys: Float64Array;
  private vals: (V | undefined)[];
  /** Insertion-order links by slot (-1: none). */
  private prev: Int32Array;
  private next: Int32Array;
  private head = -1;
  private tail = -1;
  private mask: number;
  private count = 0;

  constructor(capacity = MIN_CAPACITY) {
    let cap = MIN_CAPACITY;
    while (cap < capacity * 2) cap *= 2;
    this.mask = cap - 1;
    this.keys = new Float64Array(cap).fill(EMPTY);
    this.vals = new Array<V | undefined>(cap).fill(undefined);
    this.prev = new Int32Array(cap);
    this.next = new Int32Array(cap);
  }

  /** Entries held. */
  get size(): number {
    return this.count;
  }

  get(key: number): V | undefined {
    const keys = this.keys;
    const mask = this.mask;
    for (let i = slotOf(key, mask); ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === EMPTY) return undefined;
      if (k === key) return this.vals[i];
    }
  }

  has(key: number): boolean {
    return this.find(key) >= 0;
  }

  /** Sets the value of `key`; a new key goes last in insertion order, a known one keeps its place. */
  set(key: number, value: V): this {
    if (!(key >= 0 && key < 2 ** 48 && Number.isInteger(key))) throw new RangeError(`not a 48-bit MAC number: ${key}`);
    const keys = this.keys;
    const mask = this.mask;
    let i = slotOf(key, mask);
    for (; ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === key) {
        this.vals[i] = value;
        return this;
      }
      if (k === EMPTY) break;
    }
    keys[i] = key;
    this.vals[i] = value;
    this.prev[i] = this.tail;
    this.next[i] = -1;
    if (this.tail >= 0) this.next[this.tail] = i;
    else this.head = i;
    this.tail = i;
    // Grown at half full: linear probes stay short.
    if (++this.count * 2 > mask + 1) this.resize((mask + 1) * 2);
    return this;
  }

  /** Removes `key`; true when it was there. */
  delete(key: number): boolean {
    const i = this.find(key);
    if (i < 0) return false;
    this.unlink(i);
    this.count--;
    // Backward-shift deletion: entries after the hole that probed past it move into it, so a
    // lookup never needs tombstones.
    const keys = this.keys;
    const mask = this.mask;
    let hole = i;
    for (let j = (i + 1) & mask; keys[j] !== EMPTY; j = (j + 1) & mask) {
      const home = slotOf(keys[j]!, mask);
      // j's entry may fill the hole when its home slot is not cyclically in (hole, j].
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        this.move(j, hole);
        hole = j;
      }
    }
    keys[hole] = EMPTY;
    this.vals[hole] = undefined;
    return true;
  }

  /** Removes every entry (keeps the table's size). */
  clear(): void {
    this.keys.fill(EMPTY);
    this.vals.fill(undefined);
    this.head = this.tail = -1;
    this.count = 0;
  }

  /** The key inserted first among those held, or undefined when empty. */
  firstKey(): number | undefined {
    return this.head < 0 ? undefined : this.keys[this.head];
  }

  /** [key, value] in insertion order; the map must not change during the iteration (collect keys, then delete). */
  *entries(): IterableIterator<[number, V]> {
    for (let i = this.head; i >= 0; i = this.next[i]!) yield [this.keys[i]!, this.vals[i] as V];
  }

  /** Values in insertion order; the map must not change during the iteration. */
  *values(): IterableIterator<V> {
    for (let i = this.head; i >= 0; i = this.next[i]!) yield this.vals[i] as V;
  }

  private find(key: number): number {
    const keys = this.keys;
    const mask = this.mask;
    for (let i = slotOf(key, mask); ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === EMPTY) return -1;
      if (k === key) return i;
    }
  }

  private unlink(i: number): void {
    const p = this.prev[i]!;
    const n = this.next[i]!;
    if (p >= 0) this.next[p] = n;
    else this.head = n;
    if (n >= 0) this.prev[n] = p;
    else this.tail = p;
  }

  /** Moves the entry at slot `from` to the empty slot `to`, keeping its place in insertion order. */
  private move(from: number, to: number): void {
    this.keys[to] = this.keys[from]!;
    this.vals[to] = this.vals[from];
    const p = this.prev[from]!;
    const n = this.next[from]!;
    this.prev[to] = p;
    this.next[to] = n;
    if (p >= 0) this.next[p] = to;
    else this.head = to;
    if (n >= 0) this.prev[n] = to;
    else this.tail = to;
  }

  private resize(cap: number): void {
    const oldKeys = this.keys;
    const oldVals = this.vals;
    const oldNext = this.next;
    let i = this.head;
    this.mask = cap - 1;
    this.keys = new Float64Array(cap).fill(EMPTY);
    this.vals = new Array<V | undefined>(cap).fill(undefined);
    this.prev = new Int32Array(cap);
    this.next = new Int32Array(cap);
    this.head = this.tail = -1;
    this.count = 0;
    for (; i >= 0; i = oldNext[i]!) this.set(oldKeys[i]!, oldVals[i] as V);
  }
}
