/** Reads Ryu's expected-JSON files exactly: a JSON parser that keeps 64-bit integers, and a key-tracking object view. */

/** A parsed JSON value; integers beyond 2^53 come back as `bigint` so no digit is lost. */
export type RyuValue = null | boolean | number | bigint | string | RyuValue[] | { [key: string]: RyuValue };

/**
 * Parses JSON text like JSON.parse, except that an integer literal that is not a safe integer
 * becomes a `bigint` (Ryu writes 64-bit fields such as cookie_mask 18446744073709551615 as bare
 * numbers, which JSON.parse would round).
 */
export function parseRyuJson(text: string): RyuValue {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (what: string): never => {
    throw new SyntaxError(`ryu json: ${what} at offset ${i}`);
  };
  const value = (): RyuValue => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const out: { [key: string]: RyuValue } = {};
      ws();
      if (text[i] === '}') {
        i++;
        return out;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a key');
        const k = string();
        ws();
        if (text[i] !== ':') fail('expected :');
        i++;
        out[k] = value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return out;
        }
        fail('expected , or }');
      }
    }
    if (c === '[') {
      i++;
      const out: RyuValue[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return out;
      }
      for (;;) {
        out.push(value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return out;
        }
        fail('expected , or ]');
      }
    }
    if (c === '"') return string();
    if (text.startsWith('true', i)) {
      i += 4;
      return true;
    }
    if (text.startsWith('false', i)) {
      i += 5;
      return false;
    }
    if (text.startsWith('null', i)) {
      i += 4;
      return null;
    }
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (m === null) return fail('unexpected character');
    i += m[0].length;
    if (m[2] === undefined && m[3] === undefined) {
      const n = Number(m[0]);
      return Number.isSafeInteger(n) ? n : BigInt(m[0]);
    }
    return Number(m[0]);
  };
  const string = (): string => {
    // JSON string syntax is a subset of JS string syntax: let JSON.parse do the unescaping.
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) fail('unterminated string');
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const v = value();
  ws();
  if (i !== text.length) fail('trailing characters');
  return v;
}

/**
 * A view of one JSON object that records which keys were read, so a converter can prove it
 * looked at every field Ryu wrote (`done()` throws on a key nobody read).
 */
export class RyuObj {
  private readonly used = new Set<string>();

  constructor(
    readonly raw: { [key: string]: RyuValue },
    /** Where this object sits in the file, for error messages (`OFPFlowMod.match.oxm_fields[2]`). */
    readonly path: string,
  ) {}

  /** The keys of the object. */
  keys(): string[] {
    return Object.keys(this.raw);
  }

  has(k: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.raw, k);
  }

  /** The raw value of `k` (marks it read); throws if absent. */
  get(k: string): RyuValue {
    if (!this.has(k)) throw new Error(`${this.path}: missing key ${k}`);
    this.used.add(k);
    return this.raw[k]!;
  }

  /** A number that must fit a JS number exactly (up to 32-bit fields). */
  num(k: string): number {
    const v = this.get(k);
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new Error(`${this.path}.${k}: expected an integer, got ${String(v)}`);
    return v;
  }

  /** A 64-bit field as a bigint (Ryu writes it as a bare number of any size). */
  big(k: string): bigint {
    const v = this.get(k);
    if (typeof v === 'bigint') return v;
    if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
    throw new Error(`${this.path}.${k}: expected an integer, got ${String(v)}`);
  }

  str(k: string): string {
    const v = this.get(k);
    if (typeof v !== 'string') throw new Error(`${this.path}.${k}: expected a string, got ${String(v)}`);
    return v;
  }

  bool(k: string): boolean {
    const v = this.get(k);
    if (typeof v !== 'boolean') throw new Error(`${this.path}.${k}: expected a boolean, got ${String(v)}`);
    return v;
  }

  /** A list of values. */
  arr(k: string): RyuValue[] {
    const v = this.get(k);
    if (!Array.isArray(v)) throw new Error(`${this.path}.${k}: expected a list`);
    return v;
  }

  /** A list of integers. */
  nums(k: string): number[] {
    return this.arr(k).map((x, i) => {
      if (typeof x !== 'number' || !Number.isInteger(x)) throw new Error(`${this.path}.${k}[${i}]: expected an integer`);
      return x;
    });
  }

  /** A base64 byte string. */
  b64(k: string): Buffer {
    return Buffer.from(this.str(k), 'base64');
  }

  /** A plain nested object (not a `{Class: {...}}` wrapper). */
  obj(k: string): RyuObj {
    return asObj(this.get(k), `${this.path}.${k}`);
  }

  /** A nested `{ClassName: {fields}}` value. */
  tagged(k: string): Tagged {
    return untag(this.get(k), `${this.path}.${k}`);
  }

  /** A list of `{ClassName: {fields}}` values. */
  taggedList(k: string): Tagged[] {
    return this.arr(k).map((x, i) => untag(x, `${this.path}.${k}[${i}]`));
  }

  /** Marks keys as read without using them (each call site says why). */
  skip(...ks: string[]): void {
    for (const k of ks) if (this.has(k)) this.used.add(k);
  }

  /** Throws unless every key of the object was read or skipped. */
  done(): void {
    const left = this.keys().filter((k) => !this.used.has(k));
    if (left.length > 0) throw new Error(`${this.path}: keys not mapped: ${left.join(', ')}`);
  }
}

/** A Ryu `{ClassName: {fields}}` value. */
export interface Tagged {
  readonly cls: string;
  readonly o: RyuObj;
}

export function asObj(v: RyuValue, path: string): RyuObj {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${path}: expected an object`);
  return new RyuObj(v, path);
}

/** Splits `{ClassName: {fields}}` into the class name and a view of the fields. */
export function untag(v: RyuValue, path: string): Tagged {
  const o = asObj(v, path);
  const ks = o.keys();
  if (ks.length !== 1) throw new Error(`${path}: expected one {ClassName: {...}} key, got ${ks.join(', ')}`);
  const cls = ks[0]!;
  return { cls, o: asObj(o.raw[cls]!, `${path}.${cls}`) };
}
