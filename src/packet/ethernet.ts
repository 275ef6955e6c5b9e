/** Ethernet II headers with 802.1Q / 802.1ad VLAN tag stacks: types, builder and the hot-path peek. */

import { parseMac } from '../core/addr.js';
import { ETH_HEADER_LEN, ETH_TYPE } from './constants.js';
import { macToNumber } from './mac.js';

/** One VLAN tag (IEEE 802.1Q TCI with the TPID that introduced it). */
export interface VlanTag {
  /** Tag protocol identifier: 0x8100 (C-TAG), 0x88a8 (S-TAG) or 0x9100 (legacy QinQ). */
  readonly tpid: number;
  /** Priority code point, 0..7. */
  readonly pcp: number;
  /** Drop eligible indicator, 0 or 1. */
  readonly dei: number;
  /** VLAN id, 0..4095 (0 is a priority-only tag). */
  readonly vid: number;
}

/** A parsed Ethernet header. `vlans` lists tags outermost first; `ethertype` is the one after the last tag. */
export interface Ethernet {
  readonly dst: string;
  readonly src: string;
  /** EtherType of the payload (an IEEE 802.3 length when below 0x0600). */
  readonly ethertype: number;
  readonly vlans: readonly VlanTag[];
}

/** Input of {@link buildVlanTag}: `tpid` defaults to 0x8100, `pcp` and `dei` to 0. */
export interface VlanTagFields {
  readonly tpid?: number;
  readonly pcp?: number;
  readonly dei?: number;
  readonly vid: number;
}

/** Input of {@link buildEthernet}; a parsed {@link Ethernet} is one. */
export interface EthernetFields {
  readonly dst: string;
  readonly src: string;
  readonly ethertype: number;
  /** Tags outermost first; none when absent. */
  readonly vlans?: readonly VlanTagFields[];
}

/** Options of {@link buildEthernet}. */
export interface EthernetBuildOptions {
  /** Bytes appended after the payload (e.g. the padding of a parsed frame). */
  readonly trailer?: Uint8Array;
  /** Pad with zeros up to this many bytes, e.g. `ETH_MIN_FRAME_LEN` (60). Default 0: no padding. */
  readonly minLength?: number;
}

/** True for the TPIDs that introduce a VLAN tag. */
export function isVlanTpid(ethertype: number): boolean {
  return ethertype === ETH_TYPE.VLAN || ethertype === ETH_TYPE.QINQ || ethertype === ETH_TYPE.QINQ_LEGACY;
}

function checkField(value: number, max: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new RangeError(`${field}: ${value} is not in 0..${max}`);
  return value;
}

/** Ethernet frame bytes: header, VLAN tags, payload, then `trailer` and zero padding up to `minLength`. */
export function buildEthernet(eth: EthernetFields, payload: Uint8Array, opts?: EthernetBuildOptions): Buffer {
  const vlans = eth.vlans ?? [];
  const trailer = opts?.trailer;
  const headerLen = ETH_HEADER_LEN + 4 * vlans.length;
  const used = headerLen + payload.length + (trailer ? trailer.length : 0);
  const total = Math.max(used, opts?.minLength ?? 0);
  const out = Buffer.alloc(total);
  parseMac(eth.dst, out, 0);
  parseMac(eth.src, out, 6);
  let off = 12;
  for (let i = 0; i < vlans.length; i++) {
    const v = vlans[i]!;
    const field = `eth.vlans[${i}]`;
    const tci =
      (checkField(v.pcp ?? 0, 7, `${field}.pcp`) << 13) |
      (checkField(v.dei ?? 0, 1, `${field}.dei`) << 12) |
      checkField(v.vid, 0xfff, `${field}.vid`);
    out.writeUInt16BE(checkField(v.tpid ?? ETH_TYPE.VLAN, 0xffff, `${field}.tpid`), off);
    out.writeUInt16BE(tci, off + 2);
    off += 4;
  }
  out.writeUInt16BE(checkField(eth.ethertype, 0xffff, 'eth.ethertype'), off);
  out.set(payload, headerLen);
  if (trailer) out.set(trailer, headerLen + payload.length);
  return out;
}

/** What {@link peekEthernet} reads: numbers only, so the hot loop builds no strings. */
export interface EthernetPeek {
  /** Destination MAC as a 48-bit number. */
  readonly dst: number;
  /** Source MAC as a 48-bit number. */
  readonly src: number;
  /** EtherType after all VLAN tags. */
  readonly ethertype: number;
  /** VLAN id of the outermost tag, or -1 when the frame is untagged. */
  readonly vid: number;
  /** Offset of the first byte after the Ethernet header and tags. */
  readonly l3Offset: number;
}

/**
 * Reads MACs, the outer VLAN id and the inner EtherType with one small allocation, for packet-in
 * handlers that run on every packet. Returns undefined when the header or a tag is truncated.
 */
export function peekEthernet(buf: Uint8Array): EthernetPeek | undefined {
  const n = buf.length;
  if (n < ETH_HEADER_LEN) return undefined;
  let off = 12;
  let ethertype = (buf[12]! << 8) | buf[13]!;
  let vid = -1;
  while (isVlanTpid(ethertype)) {
    if (off + 6 > n) return undefined;
    if (vid < 0) vid = ((buf[off + 2]! << 8) | buf[off + 3]!) & 0xfff;
    off += 4;
    ethertype = (buf[off]! << 8) | buf[off + 1]!;
  }
  return { dst: macToNumber(buf, 0), src: macToNumber(buf, 6), ethertype, vid, l3Offset: off + 2 };
}
