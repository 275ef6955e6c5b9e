/**
 * OpenFlow 1.3 match semantics written from the spec (§7.2.3), independently of src/flows/compare.ts
 * and the codec's field table, so the fake switches can judge the controller's flows: masked
 * matching, the VLAN present bit, prerequisites, and how flow mods select entries.
 */
import type { Match, OxmField } from '../../src/openflow/codec/v13/oxm.js';

/** How a field's value is written in a Match. */
type Kind = 'int' | 'big' | 'mac' | 'ip4' | 'ip6';

/** A prerequisite: `field` must be in the match, unmasked, with one of `values` ('vlan' = vlan_vid with OFPVID_PRESENT). */
type Prereq = { readonly field: string; readonly values: readonly number[] } | 'vlan';

interface FieldRow {
  readonly kind: Kind;
  readonly bits: number;
  readonly maskable: boolean;
  readonly prereq?: Prereq;
}

const IP = [0x0800, 0x86dd];
const row = (kind: Kind, bits: number, maskable: boolean, prereq?: Prereq): FieldRow => ({ kind, bits, maskable, ...(prereq ? { prereq } : {}) });
const on = (field: string, ...values: number[]): Prereq => ({ field, values });

/** OpenFlow 1.3.5 Table 12 ("Header match fields"), by field name: value width, maskability, prerequisite. */
const FIELDS: Readonly<Record<string, FieldRow>> = {
  in_port: row('int', 32, false),
  in_phy_port: row('int', 32, false, { field: 'in_port', values: [] }),
  metadata: row('big', 64, true),
  eth_dst: row('mac', 48, true),
  eth_src: row('mac', 48, true),
  eth_type: row('int', 16, false),
  vlan_vid: row('int', 13, true),
  vlan_pcp: row('int', 3, false, 'vlan'),
  ip_dscp: row('int', 6, false, on('eth_type', ...IP)),
  ip_ecn: row('int', 2, false, on('eth_type', ...IP)),
  ip_proto: row('int', 8, false, on('eth_type', ...IP)),
  ipv4_src: row('ip4', 32, true, on('eth_type', 0x0800)),
  ipv4_dst: row('ip4', 32, true, on('eth_type', 0x0800)),
  tcp_src: row('int', 16, false, on('ip_proto', 6)),
  tcp_dst: row('int', 16, false, on('ip_proto', 6)),
  udp_src: row('int', 16, false, on('ip_proto', 17)),
  udp_dst: row('int', 16, false, on('ip_proto', 17)),
  sctp_src: row('int', 16, false, on('ip_proto', 132)),
  sctp_dst: row('int', 16, false, on('ip_proto', 132)),
  icmpv4_type: row('int', 8, false, on('ip_proto', 1)),
  icmpv4_code: row('int', 8, false, on('ip_proto', 1)),
  arp_op: row('int', 16, false, on('eth_type', 0x0806)),
  arp_spa: row('ip4', 32, true, on('eth_type', 0x0806)),
  arp_tpa: row('ip4', 32, true, on('eth_type', 0x0806)),
  arp_sha: row('mac', 48, true, on('eth_type', 0x0806)),
  arp_tha: row('mac', 48, true, on('eth_type', 0x0806)),
  ipv6_src: row('ip6', 128, true, on('eth_type', 0x86dd)),
  ipv6_dst: row('ip6', 128, true, on('eth_type', 0x86dd)),
  ipv6_flabel: row('int', 20, true, on('eth_type', 0x86dd)),
  icmpv6_type: row('int', 8, false, on('ip_proto', 58)),
  icmpv6_code: row('int', 8, false, on('ip_proto', 58)),
  ipv6_nd_target: row('ip6', 128, false, on('icmpv6_type', 135, 136)),
  ipv6_nd_sll: row('mac', 48, false, on('icmpv6_type', 135)),
  ipv6_nd_tll: row('mac', 48, false, on('icmpv6_type', 136)),
  mpls_label: row('int', 20, false, on('eth_type', 0x8847, 0x8848)),
  mpls_tc: row('int', 3, false, on('eth_type', 0x8847, 0x8848)),
  mpls_bos: row('int', 1, false, on('eth_type', 0x8847, 0x8848)),
  pbb_isid: row('int', 24, true, on('eth_type', 0x88e7)),
  tunnel_id: row('big', 64, true),
  ipv6_exthdr: row('int', 9, true, on('eth_type', 0x86dd)),
};

/** ofp_vlan_id OFPVID_PRESENT: set in a packet's vlan_vid when it carries a tag. */
export const VID_PRESENT = 0x1000;

/** A value in any of the forms a Match or a test's packet uses (number, bigint, MAC / IPv4 / IPv6 text). */
export type FieldValue = number | bigint | string;

/** Whether a name is an OpenFlow-basic field this oracle knows. */
export function isField(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(FIELDS, name);
}

function rowOf(name: string): FieldRow {
  const r = FIELDS[name];
  if (!r) throw new Error(`oracle: unknown OXM field ${name}`);
  return r;
}

function parseMacText(s: string): bigint {
  const hex = s.replace(/[:-]/g, '');
  if (!/^[0-9a-fA-F]{12}$/.test(hex)) throw new Error(`oracle: bad MAC ${s}`);
  return BigInt(`0x${hex}`);
}

function parseIpv4Text(s: string): bigint {
  const parts = s.split('.');
  if (parts.length !== 4) throw new Error(`oracle: bad IPv4 address ${s}`);
  let v = 0n;
  for (const p of parts) {
    const n = Number(p);
    if (!/^\d{1,3}$/.test(p) || n > 255) throw new Error(`oracle: bad IPv4 address ${s}`);
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

function parseIpv6Text(s: string): bigint {
  let text = s;
  const groups: number[] = [];
  // An IPv4 tail (::ffff:1.2.3.4) is two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  let tail: number[] = [];
  if (v4) {
    const n = Number(parseIpv4Text(v4[1]!));
    tail = [n >>> 16, n & 0xffff];
    text = text.slice(0, -v4[1]!.length);
    if (text.endsWith(':') && !text.endsWith('::')) text = text.slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) throw new Error(`oracle: bad IPv6 address ${s}`);
  const read = (h: string): number[] => (h === '' ? [] : h.split(':').map((g) => {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw new Error(`oracle: bad IPv6 address ${s}`);
    return parseInt(g, 16);
  }));
  const head = read(halves[0]!);
  const rest = halves.length === 2 ? read(halves[1]!) : [];
  const fill = 8 - head.length - rest.length - tail.length;
  if (halves.length === 1 ? fill !== 0 : fill < 1) throw new Error(`oracle: bad IPv6 address ${s}`);
  groups.push(...head, ...Array<number>(halves.length === 2 ? fill : 0).fill(0), ...rest, ...tail);
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(g);
  return v;
}

/** A field's value (or mask) as an unsigned integer of the field's width. */
export function fieldBits(name: string, v: FieldValue): bigint {
  const r = rowOf(name);
  switch (r.kind) {
    case 'int':
    case 'big':
      if (typeof v === 'string') throw new Error(`oracle: ${name} wants a number, got ${v}`);
      return BigInt(v);
    case 'mac':
      return parseMacText(String(v));
    case 'ip4':
      return parseIpv4Text(String(v));
    case 'ip6':
      return parseIpv6Text(String(v));
    default: {
      const never: never = r.kind;
      throw new Error(`oracle: unknown kind ${String(never)}`);
    }
  }
}

function allOnes(name: string): bigint {
  return (1n << BigInt(rowOf(name).bits)) - 1n;
}

/** The (value, mask) of one match field; a missing mask is all ones. */
function valueAndMask(f: OxmField & { field: Exclude<OxmField['field'], 'raw'> }): { v: bigint; m: bigint } {
  const m = f.mask === undefined ? allOnes(f.field) : fieldBits(f.field, f.mask) & allOnes(f.field);
  return { v: fieldBits(f.field, f.value), m };
}

/** A packet as the match sees it: a field's value, or undefined when the packet has no such header. */
export type PacketView = (field: string) => bigint | undefined;

/**
 * Whether a packet matches (§7.2.3.5): every field of the match is in the packet and equal under
 * the field's mask. A field of another class (`raw`) matches nothing here.
 */
export function matchesPacket(match: Match, view: PacketView): boolean {
  for (const f of match) {
    if (f.field === 'raw') return false;
    const got = view(f.field);
    if (got === undefined) return false;
    const { v, m } = valueAndMask(f);
    if (((got ^ v) & m) !== 0n) return false;
  }
  return true;
}

/** Why a switch refuses a match (ofp_bad_match_code names), or undefined when it is valid. */
export function matchProblem(match: Match): { readonly code: 'BAD_FIELD' | 'DUP_FIELD' | 'BAD_MASK' | 'BAD_VALUE' | 'BAD_PREREQ'; readonly text: string } | undefined {
  const seen = new Map<string, { v: bigint; m: bigint }>();
  for (const f of match) {
    if (f.field === 'raw') continue;
    if (!isField(f.field)) return { code: 'BAD_FIELD', text: f.field };
    if (seen.has(f.field)) return { code: 'DUP_FIELD', text: f.field };
    if (f.mask !== undefined && !rowOf(f.field).maskable) return { code: 'BAD_MASK', text: `${f.field} is not maskable` };
    const vm = valueAndMask(f);
    if (vm.v > allOnes(f.field)) return { code: 'BAD_VALUE', text: `${f.field}=${String(f.value)} is wider than the field` };
    seen.set(f.field, vm);
  }
  for (const name of seen.keys()) {
    const p = rowOf(name).prereq;
    if (!p) continue;
    if (p === 'vlan') {
      const vid = seen.get('vlan_vid');
      if (!vid || (vid.v & vid.m & BigInt(VID_PRESENT)) === 0n) return { code: 'BAD_PREREQ', text: `${name} needs vlan_vid with OFPVID_PRESENT` };
      continue;
    }
    const dep = seen.get(p.field);
    if (!dep) return { code: 'BAD_PREREQ', text: `${name} needs ${p.field}` };
    if (p.values.length > 0 && (dep.m !== allOnes(p.field) || !p.values.some((x) => BigInt(x) === dep.v))) {
      return { code: 'BAD_PREREQ', text: `${name} needs ${p.field} in ${p.values.join('/')}` };
    }
  }
  return undefined;
}

function rawEqual(a: OxmField, b: OxmField): boolean {
  return a.field === 'raw' && b.field === 'raw' && a.oxmClass === b.oxmClass && a.oxmField === b.oxmField && a.hasMask === b.hasMask && a.data.equals(b.data);
}

/** One field of `b` with `a`'s name (raw fields by class, number and bytes). */
function sameNamed(a: OxmField, b: Match): OxmField | undefined {
  for (const g of b) {
    if (a.field === 'raw' ? rawEqual(a, g) : g.field === a.field) return g;
  }
  return undefined;
}

/**
 * Whether a non-strict MODIFY or DELETE with `filter` selects a flow with `match` (§6.4): the flow
 * must be at least as specific, field by field (each filter field in the flow, the flow's mask
 * covering the filter's, the values equal under the filter's mask). An empty filter selects all.
 */
export function filterSelects(filter: Match, match: Match): boolean {
  for (const f of filter) {
    const g = sameNamed(f, match);
    if (!g) return false;
    if (f.field === 'raw' || g.field === 'raw') continue;
    const a = valueAndMask(f);
    const b = valueAndMask(g as typeof f);
    if ((b.m & a.m) !== a.m || ((a.v ^ b.v) & a.m) !== 0n) return false;
  }
  return true;
}

/** Whether two matches are the same by meaning (a strict command's identity): same fields, same masks, same significant bits. */
export function sameMatch(a: Match, b: Match): boolean {
  if (a.length !== b.length) return false;
  return filterSelects(a, b) && filterSelects(b, a);
}

/** Whether some packet could match both (OFPFF_CHECK_OVERLAP): every shared field agrees under both masks. */
export function matchesOverlap(a: Match, b: Match): boolean {
  for (const f of a) {
    if (f.field === 'raw') continue;
    const g = sameNamed(f, b);
    if (!g || g.field === 'raw') continue;
    const x = valueAndMask(f);
    const y = valueAndMask(g as typeof f);
    if (((x.v ^ y.v) & x.m & y.m) !== 0n) return false;
  }
  return true;
}
