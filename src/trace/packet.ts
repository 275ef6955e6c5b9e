/**
 * The packet a trace follows: every OpenFlow-basic OXM field as 32-bit words (so a masked match is
 * a few integer operations), its VLAN and MPLS tag stacks and its IP TTL, built from and shown as
 * the field names and value forms of the flow API (`eth_dst: "aa:bb:..."`, `ipv4_src: "10.0.0.1"`).
 */
import { formatIpv4, formatIpv6, formatMac, parseIpv4, parseIpv6, parseMac } from '../core/addr.js';
import { OXM_FIELD_BY_NAME, OXM_FIELDS, OFPVID_PRESENT, type OxmBasicFieldName, type OxmFieldSpec } from '../openflow/codec/v13/oxm-fields.js';

/** A packet field value as the flow API writes it: a number, a 64-bit value (bigint or decimal/0x string) or address text. */
export type PacketValue = number | bigint | string;

/**
 * Names a trace packet may carry: the OXM basic field names (except `in_port`/`in_phy_port`,
 * which come from the ingress port, and `metadata`, which each pipeline starts at 0) plus two header fields OXM cannot match but actions change:
 * `nw_ttl` (IPv4 TTL or IPv6 hop limit, 64 unless given) and `mpls_ttl`.
 */
export type PacketFieldName = OxmBasicFieldName | 'nw_ttl' | 'mpls_ttl';

/**
 * A packet as plain fields, in the flow API's value forms. `vlan_vid` is OXM's: 0x1000 | VID for
 * a tagged packet, 0 (OFPVID_NONE) or absent for an untagged one; a bare VID 1..4095 is read as
 * tagged. Fields whose prerequisites hold but are not given are 0 (an IPv4 packet always has
 * addresses), as a switch sees them.
 */
export type TracePacket = { readonly [K in PacketFieldName]?: PacketValue };

/** A packet field that is missing, of the wrong type, out of range or without its prerequisite. */
export class TracePacketError extends Error {
  /** The field at fault (`tcp_dst`), as the API names it under `packet.`. */
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

/** Words each value kind takes. */
function wordsOf(spec: OxmFieldSpec): number {
  switch (spec.kind) {
    case 'int':
    case 'ipv4':
      return 1;
    case 'bigint':
    case 'mac':
      return 2;
    case 'ipv6':
      return 4;
    default:
      return assertNeverKind(spec.kind);
  }
}

function assertNeverKind(k: never): never {
  throw new Error(`unknown OXM value kind ${String(k)}`);
}

/** First word of each field (indexed by OXM field number), and the total. */
export const FIELD_OFFSET: readonly number[] = (() => {
  const out: number[] = [];
  let n = 0;
  for (const s of OXM_FIELDS) {
    out.push(n);
    n += wordsOf(s);
  }
  out.push(n);
  return out;
})();
const TOTAL_WORDS = FIELD_OFFSET[OXM_FIELDS.length]!;

const F = Object.fromEntries(OXM_FIELDS.map((s) => [s.name, s.field])) as Record<OxmBasicFieldName, number>;
/** OXM field numbers by name. */
export const FIELD_NO: Readonly<Record<OxmBasicFieldName, number>> = F;

/** One 802.1Q tag: `tpid` 0x8100 or 0x88a8, `vid` 0..4095, `pcp` 0..7. */
export interface VlanTag {
  tpid: number;
  vid: number;
  pcp: number;
}

/** One MPLS label stack entry. */
export interface MplsEntry {
  label: number;
  tc: number;
  ttl: number;
}

const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;
const ETH_MPLS = [0x8847, 0x8848];

/**
 * A mutable packet in flight. The pipeline clones it wherever OpenFlow copies a packet (an output,
 * a group bucket). Field values live in `words`; `present[f]` says whether field number `f` exists
 * in this packet (an ARP packet has no `ipv4_src`). `vlan_vid`, `vlan_pcp` and the `mpls_*` fields
 * mirror the outermost tag of `vlans` / `mpls`.
 */
export class PacketState {
  readonly words: Uint32Array;
  readonly present: Uint8Array;
  /** VLAN tags, outermost first. */
  vlans: VlanTag[];
  /** MPLS label stack, outermost first. */
  mpls: MplsEntry[];
  /** IPv4 TTL / IPv6 hop limit; undefined when the packet is not IP. */
  nwTtl: number | undefined;

  constructor(words?: Uint32Array, present?: Uint8Array, vlans: VlanTag[] = [], mpls: MplsEntry[] = [], nwTtl?: number) {
    this.words = words ?? new Uint32Array(TOTAL_WORDS);
    this.present = present ?? new Uint8Array(OXM_FIELDS.length);
    this.vlans = vlans;
    this.mpls = mpls;
    this.nwTtl = nwTtl;
  }

  /** An independent copy. */
  clone(): PacketState {
    return new PacketState(
      this.words.slice(),
      this.present.slice(),
      this.vlans.map((t) => ({ ...t })),
      this.mpls.map((e) => ({ ...e })),
      this.nwTtl,
    );
  }

  /** The value of a one-word field (int or ipv4), or undefined when the packet lacks it. */
  int(name: OxmBasicFieldName): number | undefined {
    const f = F[name];
    return this.present[f] ? this.words[FIELD_OFFSET[f]!] : undefined;
  }

  /** Sets a one-word field (int or ipv4) and marks it present. */
  setInt(name: OxmBasicFieldName, v: number): void {
    const f = F[name];
    this.words[FIELD_OFFSET[f]!] = v >>> 0;
    this.present[f] = 1;
  }

  /** True when the field's OXM prerequisite holds in this packet (OpenFlow 1.3.5 §7.2.3.8). */
  prereqHolds(spec: OxmFieldSpec): boolean {
    const p = spec.prereq;
    if (p === undefined) return true;
    switch (p.kind) {
      case 'present':
        return this.present[F[p.field]] === 1;
      case 'equals': {
        const v = this.int(p.field);
        return v !== undefined && p.values.includes(v);
      }
      case 'bits': {
        const v = this.int(p.field);
        return v !== undefined && (v & p.bits) === p.bits;
      }
      default:
        return assertNeverPrereq(p);
    }
  }

  /** Writes the outer VLAN tag (or its absence) into `vlan_vid` / `vlan_pcp`. */
  syncVlan(): void {
    const t = this.vlans[0];
    this.setInt('vlan_vid', t ? OFPVID_PRESENT | t.vid : 0);
    if (t) this.setInt('vlan_pcp', t.pcp);
    else this.present[F.vlan_pcp] = 0;
  }

  /** Writes the outer MPLS entry (or its absence) into `mpls_label` / `mpls_tc` / `mpls_bos`. */
  syncMpls(): void {
    const e = this.mpls[0];
    if (e) {
      this.setInt('mpls_label', e.label);
      this.setInt('mpls_tc', e.tc);
      this.setInt('mpls_bos', this.mpls.length === 1 ? 1 : 0);
    } else {
      this.present[F.mpls_label] = 0;
      this.present[F.mpls_tc] = 0;
      this.present[F.mpls_bos] = 0;
    }
  }

  /** The packet as plain fields (present fields only; `vlan_vid` always, 0 when untagged). */
  toFields(): Record<string, PacketValue> {
    const out: Record<string, PacketValue> = {};
    for (const spec of OXM_FIELDS) {
      if (spec.field <= 1) continue; // in_port, in_phy_port: the hop's inPort says it
      if (this.present[spec.field]) out[spec.name] = readWords(this.words, FIELD_OFFSET[spec.field]!, spec);
    }
    if (this.nwTtl !== undefined) out.nw_ttl = this.nwTtl;
    if (this.mpls[0]) out.mpls_ttl = this.mpls[0].ttl;
    return out;
  }
}

function assertNeverPrereq(p: never): never {
  throw new Error(`unknown prerequisite ${JSON.stringify(p)}`);
}

/** The value of one field at word offset `o` in the flow API's form. */
export function readWords(w: Uint32Array, o: number, spec: OxmFieldSpec): PacketValue {
  switch (spec.kind) {
    case 'int':
      return w[o]!;
    case 'ipv4':
      return formatIpv4(w[o]!);
    case 'bigint':
      return (BigInt(w[o]!) << 32n) | BigInt(w[o + 1]!);
    case 'mac': {
      const hi = w[o]!;
      const lo = w[o + 1]!;
      return formatMac(Uint8Array.of(hi >>> 8, hi & 255, lo >>> 24, (lo >>> 16) & 255, (lo >>> 8) & 255, lo & 255));
    }
    case 'ipv6': {
      const b = new Uint8Array(16);
      const dv = new DataView(b.buffer);
      for (let i = 0; i < 4; i++) dv.setUint32(4 * i, w[o + i]!);
      return formatIpv6(b);
    }
    default:
      return assertNeverKind(spec.kind);
  }
}

const U64_MAX = (1n << 64n) - 1n;

/**
 * Writes `v` (flow API form) for `spec` at offset `o` of `out`. Throws TracePacketError naming
 * `path` for a value of the wrong type or out of range. Also used for match values and masks.
 */
export function writeWords(out: Uint32Array | Int32Array, o: number, spec: OxmFieldSpec, v: unknown, path: string): void {
  switch (spec.kind) {
    case 'int': {
      const max = spec.bits >= 32 ? 0xffffffff : 2 ** spec.bits - 1;
      const n = typeof v === 'string' && /^(0x[0-9a-f]+|[0-9]+)$/i.test(v.trim()) ? Number(v.trim()) : v;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > max) {
        throw new TracePacketError(path, `expected an integer from 0 to ${max}, got ${JSON.stringify(v)}`);
      }
      out[o] = n;
      return;
    }
    case 'ipv4':
      out[o] = parseText(v, path, 'an IPv4 address', parseIpv4);
      return;
    case 'bigint': {
      let n: bigint | undefined;
      if (typeof v === 'bigint') n = v;
      else if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) n = BigInt(v);
      else if (typeof v === 'string' && /^(0x[0-9a-f]+|[0-9]+)$/i.test(v.trim())) n = BigInt(v.trim());
      if (n === undefined || n < 0n || n > U64_MAX) throw new TracePacketError(path, `expected a 64-bit unsigned integer, got ${describe(v)}`);
      out[o] = Number(n >> 32n);
      out[o + 1] = Number(n & 0xffffffffn);
      return;
    }
    case 'mac': {
      const b = parseText(v, path, 'a MAC address (aa:bb:cc:dd:ee:ff)', (s) => parseMac(s));
      out[o] = (b[0]! << 8) | b[1]!;
      out[o + 1] = ((b[2]! << 24) | (b[3]! << 16) | (b[4]! << 8) | b[5]!) >>> 0;
      return;
    }
    case 'ipv6': {
      const b = parseText(v, path, 'an IPv6 address', (s) => parseIpv6(s));
      const dv = new DataView(b.buffer, b.byteOffset, 16);
      for (let i = 0; i < 4; i++) out[o + i] = dv.getUint32(4 * i);
      return;
    }
    default:
      return assertNeverKind(spec.kind);
  }
}

function parseText<T>(v: unknown, path: string, what: string, parse: (s: string) => T): T {
  if (typeof v !== 'string') throw new TracePacketError(path, `expected ${what}, got ${describe(v)}`);
  try {
    return parse(v);
  } catch {
    throw new TracePacketError(path, `expected ${what}, got ${JSON.stringify(v)}`);
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'bigint') return v.toString();
  return JSON.stringify(v) ?? typeof v;
}

const EXTRA = new Set(['nw_ttl', 'mpls_ttl']);

/**
 * A packet from plain fields entering at `inPort`: checks every field's name, type and range and
 * its OXM prerequisites (`tcp_dst` needs `ip_proto` 6, which needs `eth_type` 0x0800 or 0x86dd),
 * then fills the fields a real packet of that kind would carry with 0. Throws TracePacketError
 * naming the field (prefixed by `path`, e.g. `packet.tcp_dst`).
 */
export function packetFromFields(fields: unknown, inPort: number, path = 'packet'): PacketState {
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    throw new TracePacketError(path, 'expected an object of OXM fields, e.g. {"eth_type": 2048, "ipv4_dst": "10.0.0.2"}');
  }
  const p = new PacketState();
  const given = fields as Record<string, unknown>;
  for (const name of Object.keys(given)) {
    const at = `${path}.${name}`;
    if (name === 'in_port' || name === 'in_phy_port') throw new TracePacketError(at, 'the ingress port is given as inPort, not as a packet field');
    if (name === 'metadata') throw new TracePacketError(at, 'metadata is not part of a packet: every pipeline starts it at 0');
    if (EXTRA.has(name)) continue;
    const spec = Object.hasOwn(OXM_FIELD_BY_NAME, name) ? OXM_FIELD_BY_NAME[name as OxmBasicFieldName] : undefined;
    if (!spec) throw new TracePacketError(at, `unknown packet field; use the OXM names of the flow API (eth_dst, ipv4_src, tcp_dst, ...)`);
    const v = given[name];
    if (v === undefined) continue;
    writeWords(p.words, FIELD_OFFSET[spec.field]!, spec, v, at);
    p.present[spec.field] = 1;
  }
  // VLAN: the OXM form (0x1000 | VID), or a bare VID for a tagged packet; 0 = untagged.
  const vid = p.int('vlan_vid');
  if (vid !== undefined && vid !== 0) {
    p.vlans.push({ tpid: 0x8100, vid: vid & 0xfff, pcp: p.int('vlan_pcp') ?? 0 });
  }
  p.syncVlan();
  if (given.vlan_pcp !== undefined && p.vlans.length === 0) throw new TracePacketError(`${path}.vlan_pcp`, 'needs a VLAN tag (vlan_vid) in the packet');
  // Check prerequisites in field-number order: a prerequisite always has a lower number.
  for (const spec of OXM_FIELDS) {
    if (p.present[spec.field] && spec.field !== F.vlan_vid && !p.prereqHolds(spec)) {
      throw new TracePacketError(`${path}.${spec.name}`, `needs ${prereqText(spec)} in the packet`);
    }
  }
  const ethType = p.int('eth_type');
  const isIp = ethType === ETH_IPV4 || ethType === ETH_IPV6;
  const isMpls = ethType !== undefined && ETH_MPLS.includes(ethType);
  if (given.nw_ttl !== undefined && !isIp) throw new TracePacketError(`${path}.nw_ttl`, 'needs eth_type 2048 (IPv4) or 34525 (IPv6) in the packet');
  if (given.mpls_ttl !== undefined && !isMpls) throw new TracePacketError(`${path}.mpls_ttl`, 'needs eth_type 34887 or 34888 (MPLS) in the packet');
  if (isIp) p.nwTtl = ttlOf(given.nw_ttl, `${path}.nw_ttl`);
  if (isMpls) {
    p.mpls.push({ label: p.int('mpls_label') ?? 0, tc: p.int('mpls_tc') ?? 0, ttl: ttlOf(given.mpls_ttl, `${path}.mpls_ttl`) });
  }
  // What a real packet of this kind carries, 0 where not given; then the ingress fields.
  for (const spec of OXM_FIELDS) {
    if (spec.field <= 1 || p.present[spec.field]) continue;
    if (spec.prereq !== undefined && p.prereqHolds(spec)) p.present[spec.field] = 1;
  }
  p.syncMpls();
  p.present[F.metadata] = 1;
  p.present[F.tunnel_id] = 1;
  p.setInt('in_port', inPort);
  p.setInt('in_phy_port', inPort);
  return p;
}

function ttlOf(v: unknown, path: string): number {
  if (v === undefined) return 64;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 255) throw new TracePacketError(path, `expected an integer from 0 to 255, got ${describe(v)}`);
  return v;
}

/** The prerequisite of a field in words (`ip_proto 6`). */
export function prereqText(spec: OxmFieldSpec): string {
  const p = spec.prereq;
  if (p === undefined) return 'nothing';
  switch (p.kind) {
    case 'present':
      return p.field;
    case 'equals':
      return `${p.field} ${p.values.join(' or ')}`;
    case 'bits':
      return p.text;
    default:
      return assertNeverPrereq(p);
  }
}

/**
 * The fields of `after` that differ from `before` (new values; a field `after` lacks is null):
 * the answer's `packetAfter`.
 */
export function changedFields(before: PacketState, after: PacketState): Record<string, PacketValue | null> {
  const out: Record<string, PacketValue | null> = {};
  for (const spec of OXM_FIELDS) {
    const f = spec.field;
    if (f <= 1) continue;
    const o = FIELD_OFFSET[f]!;
    const n = FIELD_OFFSET[f + 1]!;
    if (!after.present[f]) {
      if (before.present[f]) out[spec.name] = null;
      continue;
    }
    let same = before.present[f] === 1;
    for (let i = o; same && i < n; i++) same = before.words[i] === after.words[i];
    if (!same) out[spec.name] = readWords(after.words, o, spec);
  }
  if (after.nwTtl !== before.nwTtl) out.nw_ttl = after.nwTtl ?? null;
  if (after.mpls[0]?.ttl !== before.mpls[0]?.ttl) out.mpls_ttl = after.mpls[0]?.ttl ?? null;
  return out;
}
