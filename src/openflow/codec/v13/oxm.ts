/** OpenFlow 1.3 match (ofp_match with OXM TLVs): types, codec and prerequisite checks. */
import { OFPBMC, OFPET } from '../constants.js';
import { OfDecodeError, OfEncodeError } from '../errors.js';
import { Reader } from '../reader.js';
import { Writer } from '../writer.js';
import { formatIpv6, formatMac, ipv4Number, parseIpv6, putMacText } from '../../../core/addr.js';
import {
  OFPMT,
  OFPXMC,
  OXM_FIELD_BY_NAME,
  OXM_FIELDS,
  oxmHeader,
  type OxmBasicFieldName,
  type OxmBigFieldName,
  type OxmFieldSpec,
  type OxmIntFieldName,
  type OxmIpv4FieldName,
  type OxmIpv6FieldName,
  type OxmMacFieldName,
  type OxmPrereq,
} from './oxm-fields.js';

export type {
  OxmBasicFieldName,
  OxmBigFieldName,
  OxmIntFieldName,
  OxmIpv4FieldName,
  OxmIpv6FieldName,
  OxmMacFieldName,
} from './oxm-fields.js';

/**
 * One match field. `mask` is present only when the TLV has a mask (hasmask = 1), in the same
 * form as the value. Non-basic classes (Nicira NXM, experimenter 0xffff, ...) are kept as
 * `raw` and re-encode byte-exact.
 */
export type OxmField =
  | { readonly field: OxmIntFieldName; readonly value: number; readonly mask?: number }
  | { readonly field: OxmBigFieldName; readonly value: bigint; readonly mask?: bigint }
  | { readonly field: OxmMacFieldName; readonly value: string; readonly mask?: string }
  | { readonly field: OxmIpv4FieldName; readonly value: string; readonly mask?: string }
  | { readonly field: OxmIpv6FieldName; readonly value: string; readonly mask?: string }
  | {
      readonly field: 'raw';
      readonly oxmClass: number;
      readonly oxmField: number;
      readonly hasMask: boolean;
      /** Everything after the 4-byte OXM header (for class 0xffff this starts with the experimenter id). */
      readonly data: Buffer;
    };

/** An OFPMT_OXM match: its fields in wire order. */
export type Match = readonly OxmField[];

export { OFPMT, OFPVID_NONE, OFPVID_PRESENT, OFPXMC, OFPXMT_OFB } from './oxm-fields.js';

/** Rows by name in a Map: a keyed lookup on the encode hot path (faster than a 40-key object). */
const SPEC_BY_NAME: ReadonlyMap<string, OxmFieldSpec> = new Map(OXM_FIELDS.map((s) => [s.name, s]));

/** The OXM header of in_port without mask (0x80000004): a packet-in's usual only field. */
const IN_PORT_HEADER = oxmHeader(OFPXMC.OPENFLOW_BASIC, 0, false, 4);

// ---------------------------------------------------------------------------------------------
// Decoding

/**
 * Reads an ofp_match (type, length, OXM TLVs, padding to 8). Fails with OFPET_BAD_MATCH codes:
 * BAD_TYPE for a non-OXM match, BAD_LEN for a bad length, an overrun, or a basic field whose
 * payload fits neither its width nor twice it. Semantics (prerequisites, duplicates) are not
 * checked here: see validateMatch.
 */
export function decodeMatch(r: Reader): Match {
  const buf = r.buf;
  const p = r.pos;
  if (r.end - p < 4) {
    throw new OfDecodeError(OFPET.BAD_MATCH, OFPBMC.BAD_LEN, `ofp_match needs 4 bytes, ${r.end - p} left`, p);
  }
  const type = buf.readUInt16BE(p);
  const length = buf.readUInt16BE(p + 2);
  if (type !== OFPMT.OXM) {
    throw new OfDecodeError(OFPET.BAD_MATCH, OFPBMC.BAD_TYPE, `ofp_match type ${type} is not OFPMT_OXM`, p);
  }
  if (length < 4) {
    throw new OfDecodeError(OFPET.BAD_MATCH, OFPBMC.BAD_LEN, `ofp_match length ${length} < 4`, p + 2);
  }
  // ofp_match is padded to a multiple of 8 bytes; the length field excludes the padding.
  const padded = (length + 7) & ~7;
  if (padded > r.end - p) {
    throw new OfDecodeError(OFPET.BAD_MATCH, OFPBMC.BAD_LEN, `ofp_match of ${padded} bytes (padded), ${r.end - p} left`, p + 2);
  }
  r.pos = p + padded;
  // Fast path: a packet-in's match is usually just in_port.
  if (length === 12 && buf.readUInt32BE(p + 4) === IN_PORT_HEADER) {
    return [{ field: 'in_port', value: buf.readUInt32BE(p + 8) }];
  }
  const body = new Reader(buf, p + 4, p + length, OFPET.BAD_MATCH, OFPBMC.BAD_LEN);
  const fields: OxmField[] = [];
  while (body.pos < body.end) fields.push(decodeOxm(body));
  return fields;
}

/**
 * Reads one OXM TLV (as used by OFPAT_SET_FIELD), bounded by `r`. Length errors carry `r`'s
 * error pair (OFPBMC_BAD_LEN inside a match, OFPBAC_BAD_SET_LEN inside a set-field action).
 * Unknown basic fields and other classes come back as `raw`, as does a basic TLV whose hasmask
 * bit disagrees with its length (kept byte-exact rather than guessed at).
 */
export function decodeOxm(r: Reader): OxmField {
  const buf = r.buf;
  const p = r.pos;
  if (r.end - p < 4) {
    throw new OfDecodeError(r.errType, r.errCode, `OXM header needs 4 bytes, ${r.end - p} left`, p);
  }
  const oxmClass = (buf[p]! << 8) | buf[p + 1]!;
  const fh = buf[p + 2]!;
  const len = buf[p + 3]!;
  const field = fh >>> 1;
  const hasMask = (fh & 1) === 1;
  const v = p + 4;
  if (len > r.end - v) {
    throw new OfDecodeError(r.errType, r.errCode, `OXM payload of ${len} bytes, ${r.end - v} left`, p + 3);
  }
  r.pos = v + len;
  if (oxmClass === OFPXMC.OPENFLOW_BASIC) {
    const spec = OXM_FIELDS[field];
    if (spec !== undefined) {
      const width = spec.width;
      if (len === width) {
        if (!hasMask) return { field: spec.name, value: readValue(buf, v, spec) } as OxmField;
      } else if (len === 2 * width) {
        if (hasMask) {
          return { field: spec.name, value: readValue(buf, v, spec), mask: readValue(buf, v + width, spec) } as OxmField;
        }
      } else {
        throw new OfDecodeError(r.errType, r.errCode, `OXM ${spec.name} payload of ${len} bytes (expected ${width} or ${2 * width})`, p + 3);
      }
    }
  }
  return { field: 'raw', oxmClass, oxmField: field, hasMask, data: buf.subarray(v, v + len) };
}

function readValue(buf: Buffer, off: number, spec: OxmFieldSpec): number | bigint | string {
  switch (spec.kind) {
    case 'int':
      switch (spec.width) {
        case 1: return buf[off]!;
        case 2: return (buf[off]! << 8) | buf[off + 1]!;
        case 4: return buf.readUInt32BE(off);
        default: return buf.readUIntBE(off, spec.width);
      }
    case 'bigint':
      return buf.readBigUInt64BE(off);
    case 'mac':
      return formatMac(buf, off);
    case 'ipv4':
      return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
    case 'ipv6':
      return formatIpv6(buf, off);
    default:
      return assertNeverKind(spec.kind);
  }
}

function assertNeverKind(k: never): never {
  throw new OfEncodeError(`unknown OXM value kind ${String(k)}`);
}

// ---------------------------------------------------------------------------------------------
// Encoding

/** Writes an ofp_match with its padding. Fields go out in the order given (see buildMatch for canonical order). */
export function encodeMatch(w: Writer, m: Match): void {
  const start = w.pos;
  w.ensure(4);
  let buf = w.buf;
  buf[start] = 0;
  buf[start + 1] = OFPMT.OXM;
  w.pos = start + 4;
  for (let i = 0; i < m.length; i++) writeOxm(w, m[i]!, 'match', i);
  // ofp_match.length excludes the padding to 8 that follows.
  const len = w.pos - start;
  if (len > 0xffff) throw new OfEncodeError(`match of ${len} bytes`, 'match');
  const pad = (8 - (len & 7)) & 7;
  w.ensure(pad);
  buf = w.buf;
  buf[start + 2] = len >>> 8;
  buf[start + 3] = len;
  let p = w.pos;
  for (let k = 0; k < pad; k++) buf[p++] = 0;
  w.pos = p;
}

/** The bytes encodeMatch writes for `m`, padding included. */
export function matchLength(m: Match): number {
  let n = 4;
  for (let i = 0; i < m.length; i++) {
    const f = m[i]!;
    if (f.field === 'raw') n += 4 + f.data.length;
    else {
      const spec = OXM_FIELD_BY_NAME[f.field];
      n += 4 + (spec === undefined ? 0 : f.mask === undefined ? spec.width : 2 * spec.width);
    }
  }
  return (n + 7) & ~7;
}

/** Writes one OXM TLV (no padding). `path` names the field in error messages. */
export function encodeOxm(w: Writer, f: OxmField, path = 'oxm'): void {
  writeOxm(w, f, path, -1);
}

function pathOf(base: string, idx: number, part?: string): string {
  const p = idx < 0 ? base : `${base}[${idx}]`;
  return part === undefined ? p : `${p}.${part}`;
}

function writeOxm(w: Writer, f: OxmField, base: string, idx: number): void {
  if (f === null || typeof f !== 'object') throw new OfEncodeError('not an OXM field object', pathOf(base, idx));
  if (f.field === 'raw') {
    const { oxmClass, oxmField, data } = f;
    if ((oxmClass & 0xffff) !== oxmClass) throw new OfEncodeError(`oxmClass ${oxmClass} is not a 16-bit number`, pathOf(base, idx, 'oxmClass'));
    if ((oxmField & 0x7f) !== oxmField) throw new OfEncodeError(`oxmField ${oxmField} is not a 7-bit number`, pathOf(base, idx, 'oxmField'));
    if (!(data instanceof Uint8Array) || data.length > 255) {
      throw new OfEncodeError('data must be a Buffer of at most 255 bytes', pathOf(base, idx, 'data'));
    }
    w.u32(oxmHeader(oxmClass, oxmField, f.hasMask === true, data.length));
    w.bytes(data);
    return;
  }
  const spec = SPEC_BY_NAME.get(f.field);
  if (spec === undefined) throw new OfEncodeError(`unknown OXM field ${JSON.stringify(f.field)}`, pathOf(base, idx, 'field'));
  const mask = f.mask;
  w.ensure(4 + 2 * spec.width);
  const h = mask === undefined ? spec.header : spec.headerMasked;
  const buf = w.buf;
  const p = w.pos;
  buf[p] = h >>> 24;
  buf[p + 1] = h >>> 16;
  buf[p + 2] = h >>> 8;
  buf[p + 3] = h;
  w.pos = p + 4;
  if (!writeValue(w, spec, f.value)) throw badValue(spec, f.value, base, idx, 'value');
  if (mask !== undefined && !writeValue(w, spec, mask)) throw badValue(spec, mask, base, idx, 'mask');
}

function badValue(spec: OxmFieldSpec, v: unknown, base: string, idx: number, part: string): OfEncodeError {
  const shown = typeof v === 'bigint' ? `${v}n` : JSON.stringify(v);
  const want =
    spec.kind === 'int' ? `an integer 0..${2 ** (8 * spec.width) - 1}`
    : spec.kind === 'bigint' ? 'a 64-bit unsigned bigint'
    : spec.kind === 'mac' ? 'a MAC address aa:bb:cc:dd:ee:ff'
    : spec.kind === 'ipv4' ? 'an IPv4 dotted quad'
    : 'an IPv6 address';
  return new OfEncodeError(`${spec.name} ${part} ${shown} is not ${want}`, pathOf(base, idx, part));
}

/** Writes a value of `spec`'s kind and width; false (nothing written) when the value is not valid for it. */
function writeValue(w: Writer, spec: OxmFieldSpec, v: unknown): boolean {
  switch (spec.kind) {
    case 'int': {
      if (typeof v !== 'number') return false;
      const buf = w.buf;
      const p = w.pos;
      switch (spec.width) {
        case 1:
          if ((v & 0xff) !== v) return false;
          buf[p] = v;
          break;
        case 2:
          if ((v & 0xffff) !== v) return false;
          buf[p] = v >>> 8;
          buf[p + 1] = v & 0xff;
          break;
        case 3:
          if ((v & 0xffffff) !== v) return false;
          buf[p] = v >>> 16;
          buf[p + 1] = (v >>> 8) & 0xff;
          buf[p + 2] = v & 0xff;
          break;
        default:
          if (v >>> 0 !== v) return false;
          buf[p] = v >>> 24;
          buf[p + 1] = v >>> 16;
          buf[p + 2] = v >>> 8;
          buf[p + 3] = v;
      }
      w.pos = p + spec.width;
      return true;
    }
    case 'bigint':
      if (typeof v !== 'bigint' || BigInt.asUintN(64, v) !== v) return false;
      w.buf.writeBigUInt64BE(v, w.pos);
      w.pos += 8;
      return true;
    case 'mac':
      if (typeof v !== 'string' || !putMacText(v, w.buf, w.pos)) return false;
      w.pos += 6;
      return true;
    case 'ipv4': {
      const n = typeof v === 'string' ? ipv4Number(v) : -1;
      if (n < 0) return false;
      const buf = w.buf;
      const p = w.pos;
      buf[p] = n >>> 24;
      buf[p + 1] = n >>> 16;
      buf[p + 2] = n >>> 8;
      buf[p + 3] = n;
      w.pos = p + 4;
      return true;
    }
    case 'ipv6':
      if (typeof v !== 'string' || !putIpv6(v, w.buf, w.pos)) return false;
      w.pos += 16;
      return true;
    default:
      return assertNeverKind(spec.kind);
  }
}

/** Writes 16 bytes of IPv6 text at `off`; false on bad text. IPv6 is rare enough for addr.ts's parser. */
function putIpv6(s: string, out: Uint8Array, off: number): boolean {
  try {
    parseIpv6(s, out, off);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Semantics: prerequisites, canonical order, equality

const FIELD_COUNT = OXM_FIELDS.length;

/** Wire bytes of an address value, or undefined when the text is not valid. */
function addrBytes(spec: OxmFieldSpec, s: unknown): Uint8Array | undefined {
  if (typeof s !== 'string') return undefined;
  const out = new Uint8Array(spec.width);
  switch (spec.kind) {
    case 'mac':
      return putMacText(s, out, 0) ? out : undefined;
    case 'ipv4': {
      const n = ipv4Number(s);
      if (n < 0) return undefined;
      out[0] = n >>> 24;
      out[1] = (n >>> 16) & 0xff;
      out[2] = (n >>> 8) & 0xff;
      out[3] = n & 0xff;
      return out;
    }
    case 'ipv6':
      return putIpv6(s, out, 0) ? out : undefined;
    default:
      return undefined;
  }
}

function hex16(v: number): string {
  return `0x${v.toString(16).padStart(4, '0')}`;
}

function showPrereqValue(field: OxmBasicFieldName, v: number): string {
  return field === 'eth_type' ? hex16(v) : String(v);
}

function describePrereq(pr: OxmPrereq): string {
  switch (pr.kind) {
    case 'equals':
      return `${pr.field}=${pr.values.map((v) => showPrereqValue(pr.field, v)).join(' or ')}`;
    case 'bits':
      return pr.text;
    case 'present':
      return pr.field;
    default:
      return assertNeverPrereq(pr);
  }
}

function assertNeverPrereq(pr: never): never {
  throw new OfEncodeError(`unknown prerequisite ${JSON.stringify(pr)}`);
}

/** Why `have` does not satisfy `pr`, or undefined when it does. */
function prereqFailure(pr: OxmPrereq, have: OxmField | undefined): string | undefined {
  if (have === undefined || have.field === 'raw') return `missing ${pr.field}`;
  switch (pr.kind) {
    case 'present':
      return undefined;
    case 'equals': {
      if (have.mask !== undefined) return `${pr.field} is masked`;
      const v = have.value as number;
      return pr.values.includes(v) ? undefined : `${pr.field} is ${showPrereqValue(pr.field, v)}`;
    }
    case 'bits': {
      const v = have.value as number;
      const m = have.mask as number | undefined;
      if ((v & pr.bits) === pr.bits && (m === undefined || (m & pr.bits) === pr.bits)) return undefined;
      return `${pr.field} is ${hex16(v)}${m === undefined ? '' : `/${hex16(m)}`}`;
    }
    default:
      return assertNeverPrereq(pr);
  }
}

/**
 * Checks a match the way a switch would (OpenFlow 1.3.5 §7.2.3.6): every field known and well
 * formed, no field twice (OFPBMC_DUP_FIELD), masks only on maskable fields (OFPBMC_BAD_MASK), no
 * value bits outside the field's width (OFPBMC_BAD_VALUE) or outside its mask
 * (OFPBMC_BAD_WILDCARDS), and every prerequisite present (OFPBMC_BAD_PREREQ). Throws
 * OfEncodeError naming the field, e.g. `match[1]: ipv4_src requires eth_type=0x0800 (missing eth_type)`.
 * Raw (non-basic) fields are not checked beyond their shape.
 */
export function validateMatch(match: Match): void {
  const at: (number | undefined)[] = new Array<number | undefined>(FIELD_COUNT);
  const w = scratchWriter();
  for (let i = 0; i < match.length; i++) {
    const f = match[i]!;
    // Shape, type and width of value and mask: the encoder's own checks.
    w.pos = 0;
    writeOxm(w, f, 'match', i);
    if (f.field === 'raw') continue;
    const spec = OXM_FIELD_BY_NAME[f.field];
    const prev = at[spec.field];
    if (prev !== undefined) throw new OfEncodeError(`${spec.name} appears twice (also match[${prev}])`, pathOf('match', i));
    at[spec.field] = i;
    if (f.mask !== undefined && !spec.maskable) throw new OfEncodeError(`${spec.name} is not maskable`, pathOf('match', i, 'mask'));
    if (spec.kind === 'int') {
      const v = f.value as number;
      const limit = 2 ** spec.bits;
      if (v >= limit) throw new OfEncodeError(`${spec.name} value ${v} does not fit in ${spec.bits} bits`, pathOf('match', i, 'value'));
    }
    if (f.mask !== undefined) {
      // The value bytes were just written after the 4-byte header, the mask bytes after them.
      const b = w.buf;
      for (let k = 0; k < spec.width; k++) {
        if ((b[4 + k]! & ~b[4 + spec.width + k]!) !== 0) {
          throw new OfEncodeError(`${spec.name} value has bits set outside its mask`, pathOf('match', i, 'value'));
        }
      }
    }
  }
  for (let i = 0; i < match.length; i++) {
    const f = match[i]!;
    if (f.field === 'raw') continue;
    const pr = OXM_FIELD_BY_NAME[f.field].prereq;
    if (pr === undefined) continue;
    const j = at[OXM_FIELD_BY_NAME[pr.field].field];
    const why = prereqFailure(pr, j === undefined ? undefined : match[j]);
    if (why !== undefined) throw new OfEncodeError(`${f.field} requires ${describePrereq(pr)} (${why})`, pathOf('match', i));
  }
}

let scratch: Writer | undefined;
function scratchWriter(): Writer {
  if (scratch === undefined) scratch = new Writer(64);
  return scratch;
}

function fieldOrder(f: OxmField): number {
  return f.field === 'raw' ? FIELD_COUNT : OXM_FIELD_BY_NAME[f.field].field;
}

/**
 * Validates `fields` (see validateMatch) and returns them in canonical order: basic fields by
 * field number, raw fields last in the order given. Equal rules then encode to equal bytes.
 */
export function buildMatch(fields: readonly OxmField[]): Match {
  validateMatch(fields);
  const out = fields.slice();
  out.sort((a, b) => fieldOrder(a) - fieldOrder(b));
  return out;
}

/** The full mask of an integer field's significant bits. */
function intFull(spec: OxmFieldSpec): number {
  return spec.bits >= 32 ? 0xffffffff : 2 ** spec.bits - 1;
}

const U64 = (1n << 64n) - 1n;

/**
 * Whether two OXM fields match the same packets: a mask of all ones equals no mask, bits outside
 * the mask (or outside the field) are ignored, address text is compared as bytes. Raw fields
 * compare byte for byte.
 */
export function oxmEquals(a: OxmField, b: OxmField): boolean {
  if (a.field !== b.field) return false;
  if (a.field === 'raw') {
    if (b.field !== 'raw') return false;
    return a.oxmClass === b.oxmClass && a.oxmField === b.oxmField && a.hasMask === b.hasMask && a.data.equals(b.data);
  }
  if (b.field === 'raw') return false;
  const spec = OXM_FIELD_BY_NAME[a.field];
  switch (spec.kind) {
    case 'int': {
      const full = intFull(spec);
      const ma = a.mask === undefined ? full : ((a.mask as number) & full) >>> 0;
      const mb = b.mask === undefined ? full : ((b.mask as number) & full) >>> 0;
      return ma === mb && (((a.value as number) & ma) >>> 0) === (((b.value as number) & mb) >>> 0);
    }
    case 'bigint': {
      const ma = a.mask === undefined ? U64 : (a.mask as bigint);
      const mb = b.mask === undefined ? U64 : (b.mask as bigint);
      return ma === mb && ((a.value as bigint) & ma) === ((b.value as bigint) & mb);
    }
    case 'mac':
    case 'ipv4':
    case 'ipv6': {
      if (a.value === b.value && a.mask === b.mask) return true;
      const va = addrBytes(spec, a.value);
      const vb = addrBytes(spec, b.value);
      const ma = a.mask === undefined ? undefined : addrBytes(spec, a.mask);
      const mb = b.mask === undefined ? undefined : addrBytes(spec, b.mask);
      if (!va || !vb || (a.mask !== undefined && !ma) || (b.mask !== undefined && !mb)) return false;
      for (let k = 0; k < spec.width; k++) {
        const x = ma ? ma[k]! : 0xff;
        const y = mb ? mb[k]! : 0xff;
        if (x !== y || (va[k]! & x) !== (vb[k]! & y)) return false;
      }
      return true;
    }
    default:
      return assertNeverKind(spec.kind);
  }
}

/**
 * Whether two matches select the same packets, in any field order (a switch may return fields
 * in another order than sent). Fields compare with oxmEquals; same-order matches take one pass.
 */
export function matchEquals(a: Match, b: Match): boolean {
  if (a === b) return true;
  const n = a.length;
  if (n !== b.length) return false;
  let i = 0;
  while (i < n && oxmEquals(a[i]!, b[i]!)) i++;
  if (i === n) return true;
  // Different order: pair each remaining field of `a` with an unused equal field of `b`.
  const used = new Uint8Array(n);
  used.fill(1, 0, i);
  for (; i < n; i++) {
    const f = a[i]!;
    let found = false;
    for (let j = 0; j < n; j++) {
      if (used[j] === 0 && oxmEquals(f, b[j]!)) {
        used[j] = 1;
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}
