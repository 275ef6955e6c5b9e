/** OpenFlow 1.3 match (ofp_match with OXM TLVs): types, codec and prerequisite checks. */
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';

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

/**
 * Reads an ofp_match (type, length, OXM TLVs, padding to 8). Fails with OFPET_BAD_MATCH codes
 * (BAD_TYPE for a non-OXM match, BAD_LEN, BAD_FIELD, ...).
 */
export function decodeMatch(_r: Reader): Match {
  throw new Error('not implemented');
}

/** Writes an ofp_match with its padding. Fields go out in the order given. */
export function encodeMatch(_w: Writer, _m: Match): void {
  throw new Error('not implemented');
}

/** Reads one OXM TLV (as used by OFPAT_SET_FIELD), bounded by `r`. */
export function decodeOxm(_r: Reader): OxmField {
  throw new Error('not implemented');
}

/** Writes one OXM TLV (no padding). */
export function encodeOxm(_w: Writer, _f: OxmField): void {
  throw new Error('not implemented');
}
