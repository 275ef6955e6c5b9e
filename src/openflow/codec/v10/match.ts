/** The OpenFlow 1.0 flat match (ofp_match, 40 bytes): type, wire codec and a builder that sets the wildcards. */
import { formatMac, ipv4Number, putMacText } from '../../../core/addr.js';
import { OfEncodeError } from '../errors.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { OFP10_SIZE, OFPFW10 } from './enums.js';

/**
 * ofp_match. All twelve fields are always present and keep their wire value even when the
 * wildcards say they are not matched, so a decoded match re-encodes byte for byte.
 * `nwSrc`/`nwDst` are dotted quads; how many of their low bits are ignored is in the
 * OFPFW10.NW_SRC/NW_DST fields of `wildcards`.
 */
export interface Match10 {
  /** OFPFW10_* bits: a set bit means the field is not matched. */
  readonly wildcards: number;
  readonly inPort: number;
  readonly dlSrc: string;
  readonly dlDst: string;
  /** VLAN id; 0xffff (OFP10_VLAN_NONE) matches untagged frames. */
  readonly dlVlan: number;
  readonly dlVlanPcp: number;
  readonly dlType: number;
  /** IP ToS, the DSCP in the upper 6 bits. */
  readonly nwTos: number;
  /** IP protocol, or the ARP opcode's low byte. */
  readonly nwProto: number;
  readonly nwSrc: string;
  readonly nwDst: string;
  /** TCP/UDP port, or ICMP type. */
  readonly tpSrc: number;
  /** TCP/UDP port, or ICMP code. */
  readonly tpDst: number;
}

/**
 * Fields for `match10`: every field given is matched, every field left out is wildcarded.
 * `nwSrc`/`nwDst` accept CIDR (`10.0.0.0/8`).
 */
export type Match10Fields = Partial<Omit<Match10, 'wildcards'>>;

const ZERO_MAC = '00:00:00:00:00:00';
const ZERO_IP = '0.0.0.0';

/** A match with every field wildcarded (all values zero). */
export const MATCH10_ALL: Match10 = Object.freeze({
  wildcards: OFPFW10.ALL,
  inPort: 0,
  dlSrc: ZERO_MAC,
  dlDst: ZERO_MAC,
  dlVlan: 0,
  dlVlanPcp: 0,
  dlType: 0,
  nwTos: 0,
  nwProto: 0,
  nwSrc: ZERO_IP,
  nwDst: ZERO_IP,
  tpSrc: 0,
  tpDst: 0,
});

/** Reads an ofp_match; a short buffer fails with the reader's length error. */
export function decodeMatch10(r: Reader): Match10 {
  r.need(OFP10_SIZE.MATCH, 'ofp_match');
  const b = r.buf;
  const p = r.pos;
  r.pos = p + OFP10_SIZE.MATCH;
  // Layout: wildcards u32, in_port u16, dl_src[6], dl_dst[6], dl_vlan u16, dl_vlan_pcp u8, pad,
  // dl_type u16, nw_tos u8, nw_proto u8, pad[2], nw_src u32, nw_dst u32, tp_src u16, tp_dst u16.
  return {
    wildcards: ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0,
    inPort: (b[p + 4]! << 8) | b[p + 5]!,
    dlSrc: formatMac(b, p + 6),
    dlDst: formatMac(b, p + 12),
    dlVlan: (b[p + 18]! << 8) | b[p + 19]!,
    dlVlanPcp: b[p + 20]!,
    dlType: (b[p + 22]! << 8) | b[p + 23]!,
    nwTos: b[p + 24]!,
    nwProto: b[p + 25]!,
    nwSrc: `${b[p + 28]}.${b[p + 29]}.${b[p + 30]}.${b[p + 31]}`,
    nwDst: `${b[p + 32]}.${b[p + 33]}.${b[p + 34]}.${b[p + 35]}`,
    tpSrc: (b[p + 36]! << 8) | b[p + 37]!,
    tpDst: (b[p + 38]! << 8) | b[p + 39]!,
  };
}

/**
 * Writes an ofp_match (40 bytes, padding zeroed). `field` names it in encode errors.
 * Flow mod encoding is a hot path: bytes are stored directly, without per-field calls that check bounds.
 */
export function encodeMatch10(w: Writer, m: Match10, field = 'match'): void {
  w.ensure(OFP10_SIZE.MATCH);
  const b = w.buf;
  const p = w.pos;
  put32(b, p, m.wildcards);
  put16(b, p + 4, m.inPort);
  putMac(b, p + 6, m.dlSrc, field, 'dlSrc');
  putMac(b, p + 12, m.dlDst, field, 'dlDst');
  put16(b, p + 18, m.dlVlan);
  b[p + 20] = m.dlVlanPcp;
  b[p + 21] = 0;
  put16(b, p + 22, m.dlType);
  b[p + 24] = m.nwTos;
  b[p + 25] = m.nwProto;
  b[p + 26] = 0;
  b[p + 27] = 0;
  put32(b, p + 28, m.nwSrc === ZERO_IP ? 0 : ipv4Value(m.nwSrc, field, 'nwSrc'));
  put32(b, p + 32, m.nwDst === ZERO_IP ? 0 : ipv4Value(m.nwDst, field, 'nwDst'));
  put16(b, p + 36, m.tpSrc);
  put16(b, p + 38, m.tpDst);
  w.pos = p + OFP10_SIZE.MATCH;
}

/** Stores a big-endian u16 (room already ensured). */
export function put16(b: Buffer, p: number, v: number): void {
  b[p] = v >>> 8;
  b[p + 1] = v;
}

/** Stores a big-endian u32 (room already ensured). */
export function put32(b: Buffer, p: number, v: number): void {
  b[p] = v >>> 24;
  b[p + 1] = v >>> 16;
  b[p + 2] = v >>> 8;
  b[p + 3] = v;
}

/**
 * Builds a match from the fields given: each one is matched, every other field is wildcarded
 * and left zero. `nwSrc`/`nwDst` may carry a prefix length (`10.0.0.0/8`), which sets the
 * OFPFW10.NW_SRC/NW_DST bits to 32 - prefix and zeroes the host bits of the address (so equal
 * rules give equal bytes). Throws OfEncodeError on a malformed address or prefix.
 */
export function match10(fields: Match10Fields): Match10 {
  let wc: number = OFPFW10.ALL;
  if (fields.inPort !== undefined) wc &= ~OFPFW10.IN_PORT;
  if (fields.dlSrc !== undefined) wc &= ~OFPFW10.DL_SRC;
  if (fields.dlDst !== undefined) wc &= ~OFPFW10.DL_DST;
  if (fields.dlVlan !== undefined) wc &= ~OFPFW10.DL_VLAN;
  if (fields.dlVlanPcp !== undefined) wc &= ~OFPFW10.DL_VLAN_PCP;
  if (fields.dlType !== undefined) wc &= ~OFPFW10.DL_TYPE;
  if (fields.nwTos !== undefined) wc &= ~OFPFW10.NW_TOS;
  if (fields.nwProto !== undefined) wc &= ~OFPFW10.NW_PROTO;
  if (fields.tpSrc !== undefined) wc &= ~OFPFW10.TP_SRC;
  if (fields.tpDst !== undefined) wc &= ~OFPFW10.TP_DST;
  let nwSrc = ZERO_IP;
  if (fields.nwSrc !== undefined) {
    const [addr, wild] = parseCidr(fields.nwSrc, 'nwSrc');
    nwSrc = addr;
    wc = (wc & ~OFPFW10.NW_SRC_MASK) | (wild << OFPFW10.NW_SRC_SHIFT);
  }
  let nwDst = ZERO_IP;
  if (fields.nwDst !== undefined) {
    const [addr, wild] = parseCidr(fields.nwDst, 'nwDst');
    nwDst = addr;
    wc = (wc & ~OFPFW10.NW_DST_MASK) | (wild << OFPFW10.NW_DST_SHIFT);
  }
  return {
    wildcards: wc,
    inPort: fields.inPort ?? 0,
    dlSrc: fields.dlSrc ?? ZERO_MAC,
    dlDst: fields.dlDst ?? ZERO_MAC,
    dlVlan: fields.dlVlan ?? 0,
    dlVlanPcp: fields.dlVlanPcp ?? 0,
    dlType: fields.dlType ?? 0,
    nwTos: fields.nwTos ?? 0,
    nwProto: fields.nwProto ?? 0,
    nwSrc,
    nwDst,
    tpSrc: fields.tpSrc ?? 0,
    tpDst: fields.tpDst ?? 0,
  };
}

/** How many low bits of nw_src the wildcards ignore (0 = exact, 32 = not matched at all). */
export function nwSrcWildBits(wildcards: number): number {
  return Math.min(32, (wildcards & OFPFW10.NW_SRC_MASK) >>> OFPFW10.NW_SRC_SHIFT);
}

/** How many low bits of nw_dst the wildcards ignore (0 = exact, 32 = not matched at all). */
export function nwDstWildBits(wildcards: number): number {
  return Math.min(32, (wildcards & OFPFW10.NW_DST_MASK) >>> OFPFW10.NW_DST_SHIFT);
}

/** `a.b.c.d[/n]` → [address with host bits cleared, number of wildcarded low bits]. */
function parseCidr(s: string, field: string): [string, number] {
  const slash = s.indexOf('/');
  const addrText = slash < 0 ? s : s.slice(0, slash);
  let prefix = 32;
  if (slash >= 0) {
    const t = s.slice(slash + 1);
    if (!/^\d{1,2}$/.test(t) || Number(t) > 32) throw new OfEncodeError(`bad prefix length in ${JSON.stringify(s)}`, field);
    prefix = Number(t);
  }
  const v = ipv4Value(addrText, field);
  const masked = prefix === 0 ? 0 : (v & (0xffffffff << (32 - prefix))) >>> 0;
  return [`${masked >>> 24}.${(masked >>> 16) & 255}.${(masked >>> 8) & 255}.${masked & 255}`, 32 - prefix];
}

/** Writes a MAC into `b` at `off` (text as core/addr's parseMac reads it). */
function putMac(b: Buffer, off: number, s: string, field: string, sub: string): void {
  if (typeof s !== 'string' || !putMacText(s, b, off)) throw new OfEncodeError(`not a MAC address: ${JSON.stringify(s)}`, `${field}.${sub}`);
}

/** The 32-bit value of a dotted quad (see core/addr's ipv4Number); OfEncodeError naming the field if malformed. */
export function ipv4Value(s: string, field: string, sub?: string): number {
  const v = typeof s === 'string' ? ipv4Number(s) : -1;
  if (v < 0) throw new OfEncodeError(`not an IPv4 address: ${JSON.stringify(s)}`, sub === undefined ? field : `${field}.${sub}`);
  return v;
}
