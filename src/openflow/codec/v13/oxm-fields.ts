/** The OpenFlow 1.3.5 "Header match fields" table as data: one row per OpenFlow-basic OXM field, driving the OXM codec. */

/** OXM fields of class OFPXMC_OPENFLOW_BASIC whose value is an unsigned integer of up to 32 bits. */
export type OxmIntFieldName =
  | 'in_port' | 'in_phy_port' | 'eth_type' | 'vlan_vid' | 'vlan_pcp' | 'ip_dscp' | 'ip_ecn' | 'ip_proto'
  | 'tcp_src' | 'tcp_dst' | 'udp_src' | 'udp_dst' | 'sctp_src' | 'sctp_dst' | 'icmpv4_type' | 'icmpv4_code'
  | 'arp_op' | 'ipv6_flabel' | 'icmpv6_type' | 'icmpv6_code' | 'mpls_label' | 'mpls_tc' | 'mpls_bos'
  | 'pbb_isid' | 'ipv6_exthdr';
/** OXM basic fields with a 64-bit value (bigint). */
export type OxmBigFieldName = 'metadata' | 'tunnel_id';
/** OXM basic fields holding a MAC address (`aa:bb:cc:dd:ee:ff`). */
export type OxmMacFieldName = 'eth_dst' | 'eth_src' | 'arp_sha' | 'arp_tha' | 'ipv6_nd_sll' | 'ipv6_nd_tll';
/** OXM basic fields holding an IPv4 address (dotted quad). */
export type OxmIpv4FieldName = 'ipv4_src' | 'ipv4_dst' | 'arp_spa' | 'arp_tpa';
/** OXM basic fields holding an IPv6 address (RFC 5952 text). */
export type OxmIpv6FieldName = 'ipv6_src' | 'ipv6_dst' | 'ipv6_nd_target';
/** All 40 OpenFlow-basic OXM field names (lower-case spec names without `OFPXMT_OFB_`). */
export type OxmBasicFieldName = OxmIntFieldName | OxmBigFieldName | OxmMacFieldName | OxmIpv4FieldName | OxmIpv6FieldName;

/** ofp_oxm_class. */
export const OFPXMC = {
  NXM_0: 0x0000,
  NXM_1: 0x0001,
  OPENFLOW_BASIC: 0x8000,
  EXPERIMENTER: 0xffff,
} as const;

/** oxm_ofb_match_fields: field numbers of class OFPXMC_OPENFLOW_BASIC. */
export const OFPXMT_OFB = {
  IN_PORT: 0,
  IN_PHY_PORT: 1,
  METADATA: 2,
  ETH_DST: 3,
  ETH_SRC: 4,
  ETH_TYPE: 5,
  VLAN_VID: 6,
  VLAN_PCP: 7,
  IP_DSCP: 8,
  IP_ECN: 9,
  IP_PROTO: 10,
  IPV4_SRC: 11,
  IPV4_DST: 12,
  TCP_SRC: 13,
  TCP_DST: 14,
  UDP_SRC: 15,
  UDP_DST: 16,
  SCTP_SRC: 17,
  SCTP_DST: 18,
  ICMPV4_TYPE: 19,
  ICMPV4_CODE: 20,
  ARP_OP: 21,
  ARP_SPA: 22,
  ARP_TPA: 23,
  ARP_SHA: 24,
  ARP_THA: 25,
  IPV6_SRC: 26,
  IPV6_DST: 27,
  IPV6_FLABEL: 28,
  ICMPV6_TYPE: 29,
  ICMPV6_CODE: 30,
  IPV6_ND_TARGET: 31,
  IPV6_ND_SLL: 32,
  IPV6_ND_TLL: 33,
  MPLS_LABEL: 34,
  MPLS_TC: 35,
  MPLS_BOS: 36,
  PBB_ISID: 37,
  TUNNEL_ID: 38,
  IPV6_EXTHDR: 39,
} as const;

/** ofp_vlan_id: bit set in vlan_vid when a VLAN tag is present, and the value meaning "no tag". */
export const OFPVID_PRESENT = 0x1000;
export const OFPVID_NONE = 0x0000;

/** ofp_match type for OXM matches (OFPMT_OXM); OFPMT_STANDARD (0) is deprecated and refused. */
export const OFPMT = { STANDARD: 0, OXM: 1 } as const;

/** ofp_ipv6exthdr_flags, the bits of OXM_OF_IPV6_EXTHDR. */
export const OFPIEH = {
  NONEXT: 1 << 0,
  ESP: 1 << 1,
  AUTH: 1 << 2,
  DEST: 1 << 3,
  FRAG: 1 << 4,
  ROUTER: 1 << 5,
  HOP: 1 << 6,
  UNREP: 1 << 7,
  UNSEQ: 1 << 8,
} as const;

/** How an OXM value is represented in a Match: number, bigint, or address text. */
export type OxmValueKind = 'int' | 'bigint' | 'mac' | 'ipv4' | 'ipv6';

/**
 * A field's prerequisite, as in the spec's table: another field that must be in the same match.
 * `equals`: that field, unmasked, with one of `values`. `bits`: that field with all of `bits` set
 * in its value (and in its mask, if any), used for VLAN_VID != NONE. `present`: just there.
 */
export type OxmPrereq =
  | { readonly kind: 'equals'; readonly field: OxmBasicFieldName; readonly values: readonly number[] }
  | { readonly kind: 'bits'; readonly field: OxmBasicFieldName; readonly bits: number; readonly text: string }
  | { readonly kind: 'present'; readonly field: OxmBasicFieldName };

/** One row of the table. */
export interface OxmFieldSpec {
  readonly name: OxmBasicFieldName;
  readonly oxmClass: number;
  /** oxm_field (OFPXMT_OFB_*). */
  readonly field: number;
  /** Value width on the wire in bytes (a mask, if present, has the same width). */
  readonly width: number;
  /** Significant bits of the value (vlan_vid: 13, ip_dscp: 6 ...); more set bits are OFPBMC_BAD_VALUE. */
  readonly bits: number;
  readonly maskable: boolean;
  readonly kind: OxmValueKind;
  readonly prereq?: OxmPrereq;
  /** The 32-bit OXM header (class, field, hasmask = 0, length = width). */
  readonly header: number;
  /** The 32-bit OXM header with hasmask = 1 and length = 2 * width. */
  readonly headerMasked: number;
}

/** Packs an OXM header: oxm_class(16) | oxm_field(7) | oxm_hasmask(1) | oxm_length(8). */
export function oxmHeader(oxmClass: number, field: number, hasMask: boolean, length: number): number {
  return ((oxmClass << 16) | (field << 9) | (hasMask ? 0x100 : 0) | length) >>> 0;
}

const ETH_IP = [0x0800, 0x86dd] as const;
const eq = (field: OxmBasicFieldName, ...values: number[]): OxmPrereq => ({ kind: 'equals', field, values });

function row(
  field: number,
  name: OxmBasicFieldName,
  kind: OxmValueKind,
  width: number,
  bits: number,
  maskable: boolean,
  prereq?: OxmPrereq,
): OxmFieldSpec {
  const oxmClass = OFPXMC.OPENFLOW_BASIC;
  return {
    name,
    oxmClass,
    field,
    width,
    bits,
    maskable,
    kind,
    ...(prereq ? { prereq } : {}),
    header: oxmHeader(oxmClass, field, false, width),
    headerMasked: oxmHeader(oxmClass, field, true, 2 * width),
  };
}

/**
 * All 40 OpenFlow-basic fields, indexed by field number (`OXM_FIELDS[n].field === n`), so the
 * decoder finds a row with one array read. Widths and prerequisites per OpenFlow 1.3.5 §7.2.3.7.
 */
export const OXM_FIELDS: readonly OxmFieldSpec[] = [
  row(0, 'in_port', 'int', 4, 32, false),
  row(1, 'in_phy_port', 'int', 4, 32, false, { kind: 'present', field: 'in_port' }),
  row(2, 'metadata', 'bigint', 8, 64, true),
  row(3, 'eth_dst', 'mac', 6, 48, true),
  row(4, 'eth_src', 'mac', 6, 48, true),
  row(5, 'eth_type', 'int', 2, 16, false),
  row(6, 'vlan_vid', 'int', 2, 13, true),
  row(7, 'vlan_pcp', 'int', 1, 3, false, { kind: 'bits', field: 'vlan_vid', bits: OFPVID_PRESENT, text: 'vlan_vid with OFPVID_PRESENT' }),
  row(8, 'ip_dscp', 'int', 1, 6, false, eq('eth_type', ...ETH_IP)),
  row(9, 'ip_ecn', 'int', 1, 2, false, eq('eth_type', ...ETH_IP)),
  row(10, 'ip_proto', 'int', 1, 8, false, eq('eth_type', ...ETH_IP)),
  row(11, 'ipv4_src', 'ipv4', 4, 32, true, eq('eth_type', 0x0800)),
  row(12, 'ipv4_dst', 'ipv4', 4, 32, true, eq('eth_type', 0x0800)),
  row(13, 'tcp_src', 'int', 2, 16, false, eq('ip_proto', 6)),
  row(14, 'tcp_dst', 'int', 2, 16, false, eq('ip_proto', 6)),
  row(15, 'udp_src', 'int', 2, 16, false, eq('ip_proto', 17)),
  row(16, 'udp_dst', 'int', 2, 16, false, eq('ip_proto', 17)),
  row(17, 'sctp_src', 'int', 2, 16, false, eq('ip_proto', 132)),
  row(18, 'sctp_dst', 'int', 2, 16, false, eq('ip_proto', 132)),
  row(19, 'icmpv4_type', 'int', 1, 8, false, eq('ip_proto', 1)),
  row(20, 'icmpv4_code', 'int', 1, 8, false, eq('ip_proto', 1)),
  row(21, 'arp_op', 'int', 2, 16, false, eq('eth_type', 0x0806)),
  row(22, 'arp_spa', 'ipv4', 4, 32, true, eq('eth_type', 0x0806)),
  row(23, 'arp_tpa', 'ipv4', 4, 32, true, eq('eth_type', 0x0806)),
  row(24, 'arp_sha', 'mac', 6, 48, true, eq('eth_type', 0x0806)),
  row(25, 'arp_tha', 'mac', 6, 48, true, eq('eth_type', 0x0806)),
  row(26, 'ipv6_src', 'ipv6', 16, 128, true, eq('eth_type', 0x86dd)),
  row(27, 'ipv6_dst', 'ipv6', 16, 128, true, eq('eth_type', 0x86dd)),
  row(28, 'ipv6_flabel', 'int', 4, 20, true, eq('eth_type', 0x86dd)),
  row(29, 'icmpv6_type', 'int', 1, 8, false, eq('ip_proto', 58)),
  row(30, 'icmpv6_code', 'int', 1, 8, false, eq('ip_proto', 58)),
  row(31, 'ipv6_nd_target', 'ipv6', 16, 128, false, eq('icmpv6_type', 135, 136)),
  row(32, 'ipv6_nd_sll', 'mac', 6, 48, false, eq('icmpv6_type', 135)),
  row(33, 'ipv6_nd_tll', 'mac', 6, 48, false, eq('icmpv6_type', 136)),
  row(34, 'mpls_label', 'int', 4, 20, false, eq('eth_type', 0x8847, 0x8848)),
  row(35, 'mpls_tc', 'int', 1, 3, false, eq('eth_type', 0x8847, 0x8848)),
  row(36, 'mpls_bos', 'int', 1, 1, false, eq('eth_type', 0x8847, 0x8848)),
  row(37, 'pbb_isid', 'int', 3, 24, true, eq('eth_type', 0x88e7)),
  row(38, 'tunnel_id', 'bigint', 8, 64, true),
  row(39, 'ipv6_exthdr', 'int', 2, 9, true, eq('eth_type', 0x86dd)),
];

/** Rows by field name. */
export const OXM_FIELD_BY_NAME: Readonly<Record<OxmBasicFieldName, OxmFieldSpec>> = Object.fromEntries(
  OXM_FIELDS.map((s) => [s.name, s]),
) as Record<OxmBasicFieldName, OxmFieldSpec>;

/** The row of a basic field number, or undefined for a number this table does not know. */
export function oxmFieldSpec(field: number): OxmFieldSpec | undefined {
  return OXM_FIELDS[field];
}
