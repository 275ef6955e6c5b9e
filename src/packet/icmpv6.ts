/** ICMPv6 (RFC 4443) with echo and neighbor solicitation/advertisement (RFC 4861) parsed; other messages raw. */

import { formatIpv6, formatMac, parseIpv6, parseMac } from '../core/addr.js';
import { finishChecksum, pseudoHeaderSum, sumWords, type PseudoHeader } from './checksum.js';
import { ETH_TYPE, ICMPV6_TYPE, IP_PROTO, NDP_NA_FLAG, NDP_OPT } from './constants.js';
import { buildEthernet, type VlanTagFields } from './ethernet.js';
import { buildIpv6 } from './ipv6.js';
import { u16, u32, view } from './bytes.js';

/** Source (type 1) or target (type 2) link-layer address option carrying an Ethernet MAC. */
export interface NdpLinkAddrOption {
  readonly type: 'source_lladdr' | 'target_lladdr';
  readonly mac: string;
}

/** Any other option: `data` is everything after its type and length bytes. */
export interface NdpRawOption {
  readonly type: 'raw';
  readonly optionType: number;
  readonly data: Buffer;
}

/** A neighbor discovery option (RFC 4861 section 4.6). */
export type NdpOption = NdpLinkAddrOption | NdpRawOption;

/** Echo request (128) or reply (129). `checksum` is as read; builders compute their own. */
export interface Icmpv6Echo {
  readonly kind: 'echo';
  readonly type: number;
  readonly code: number;
  readonly checksum?: number;
  readonly id: number;
  readonly seq: number;
  readonly data: Buffer;
}

/** Neighbor solicitation (135). */
export interface Icmpv6NeighborSolicitation {
  readonly kind: 'neighbor_solicitation';
  readonly type: 135;
  readonly code: number;
  readonly checksum?: number;
  readonly target: string;
  readonly options: readonly NdpOption[];
}

/** Neighbor advertisement (136) with its R, S and O flags. */
export interface Icmpv6NeighborAdvertisement {
  readonly kind: 'neighbor_advertisement';
  readonly type: 136;
  readonly code: number;
  readonly checksum?: number;
  readonly router: boolean;
  readonly solicited: boolean;
  readonly override: boolean;
  readonly target: string;
  readonly options: readonly NdpOption[];
}

/**
 * Any other message (router solicitation/advertisement, errors, ...), and NS/NA whose reserved
 * bits are set: `body` is everything after the 4-byte header, so it re-encodes byte-exact.
 */
export interface Icmpv6Raw {
  readonly kind: 'raw';
  readonly type: number;
  readonly code: number;
  readonly checksum?: number;
  readonly body: Buffer;
}

/** An ICMPv6 message, tagged by `kind` because `type` is the protocol's own number. */
export type Icmpv6 = Icmpv6Echo | Icmpv6NeighborSolicitation | Icmpv6NeighborAdvertisement | Icmpv6Raw;

function parseNdpOptions(b: Buffer, off: number, end: number): NdpOption[] | string {
  const opts: NdpOption[] = [];
  let p = off;
  while (p < end) {
    if (end - p < 2) return `icmpv6: truncated option at offset ${p}`;
    const t = b[p]!;
    const len = b[p + 1]! * 8;
    if (len === 0) return `icmpv6: option ${t} with length 0 at offset ${p}`;
    if (end - p < len) return `icmpv6: option ${t} of ${len} bytes overruns the message at offset ${p}`;
    if ((t === NDP_OPT.SOURCE_LINK_ADDR || t === NDP_OPT.TARGET_LINK_ADDR) && len === 8) {
      opts.push({ type: t === NDP_OPT.SOURCE_LINK_ADDR ? 'source_lladdr' : 'target_lladdr', mac: formatMac(b, p + 2) });
    } else {
      opts.push({ type: 'raw', optionType: t, data: view(b, p + 2, p + len) });
    }
    p += len;
  }
  return opts;
}

/** Parses the ICMPv6 message filling `b[off, end)`; returns an error string when it is truncated or malformed. */
export function parseIcmpv6(b: Buffer, off: number, end: number): Icmpv6 | string {
  if (end - off < 4) return `icmpv6: truncated header at offset ${off}`;
  const type = b[off]!;
  const code = b[off + 1]!;
  const checksum = u16(b, off + 2);
  switch (type) {
    case ICMPV6_TYPE.ECHO_REQUEST:
    case ICMPV6_TYPE.ECHO_REPLY:
      if (end - off < 8) return `icmpv6: truncated echo at offset ${off + 4}`;
      return { kind: 'echo', type, code, checksum, id: u16(b, off + 4), seq: u16(b, off + 6), data: view(b, off + 8, end) };
    case ICMPV6_TYPE.NEIGHBOR_SOLICITATION:
    case ICMPV6_TYPE.NEIGHBOR_ADVERTISEMENT: {
      if (end - off < 24) return `icmpv6: truncated neighbor ${type === 135 ? 'solicitation' : 'advertisement'} at offset ${off + 4}`;
      const word = u32(b, off + 4);
      const flagMask = type === ICMPV6_TYPE.NEIGHBOR_ADVERTISEMENT ? 0xe0000000 : 0;
      // Set reserved bits would be lost by the parsed form: keep such a message raw.
      if ((word & ~flagMask) !== 0) break;
      const options = parseNdpOptions(b, off + 24, end);
      if (typeof options === 'string') return options;
      const target = formatIpv6(b, off + 8);
      if (type === ICMPV6_TYPE.NEIGHBOR_SOLICITATION) return { kind: 'neighbor_solicitation', type, code, checksum, target, options };
      return {
        kind: 'neighbor_advertisement',
        type,
        code,
        checksum,
        router: (word & NDP_NA_FLAG.ROUTER) !== 0,
        solicited: (word & NDP_NA_FLAG.SOLICITED) !== 0,
        override: (word & NDP_NA_FLAG.OVERRIDE) !== 0,
        target,
        options,
      };
    }
    default:
      break;
  }
  return { kind: 'raw', type, code, checksum, body: view(b, off + 4, end) };
}

function check(value: number, max: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new RangeError(`icmpv6.${field}: ${value} is not in 0..${max}`);
  return value;
}

function optionsLength(opts: readonly NdpOption[]): number {
  let n = 0;
  for (let i = 0; i < opts.length; i++) {
    const o = opts[i]!;
    n += o.type === 'raw' ? 2 + o.data.length : 8;
  }
  return n;
}

function writeOptions(out: Buffer, off: number, opts: readonly NdpOption[]): void {
  let p = off;
  for (let i = 0; i < opts.length; i++) {
    const o = opts[i]!;
    switch (o.type) {
      case 'source_lladdr':
      case 'target_lladdr':
        out[p] = o.type === 'source_lladdr' ? NDP_OPT.SOURCE_LINK_ADDR : NDP_OPT.TARGET_LINK_ADDR;
        out[p + 1] = 1;
        parseMac(o.mac, out, p + 2);
        p += 8;
        break;
      case 'raw': {
        const len = 2 + o.data.length;
        if (len % 8 !== 0 || len > 255 * 8) throw new RangeError(`icmpv6.options[${i}].data: option length ${len} is not a multiple of 8 in 8..2040`);
        out[p] = check(o.optionType, 255, `options[${i}].optionType`);
        out[p + 1] = len / 8;
        out.set(o.data, p + 2);
        p += len;
        break;
      }
      default:
        throw new RangeError(`icmpv6.options[${i}]: unknown option ${JSON.stringify(o satisfies never)}`);
    }
  }
}

/**
 * The bytes of an ICMPv6 message, with the checksum over the IPv6 pseudo-header (`ph.dst` is the
 * final destination: see `ipv6FinalDestination`) and the whole message.
 */
export function buildIcmpv6(m: Icmpv6, ph: PseudoHeader): Buffer {
  let out: Buffer;
  switch (m.kind) {
    case 'echo':
      out = Buffer.alloc(8 + m.data.length);
      out.writeUInt16BE(check(m.id, 0xffff, 'id'), 4);
      out.writeUInt16BE(check(m.seq, 0xffff, 'seq'), 6);
      out.set(m.data, 8);
      break;
    case 'neighbor_solicitation':
    case 'neighbor_advertisement':
      out = Buffer.alloc(24 + optionsLength(m.options));
      if (m.kind === 'neighbor_advertisement') {
        const flags = (m.router ? NDP_NA_FLAG.ROUTER : 0) | (m.solicited ? NDP_NA_FLAG.SOLICITED : 0) | (m.override ? NDP_NA_FLAG.OVERRIDE : 0);
        out.writeUInt32BE(flags >>> 0, 4);
      }
      parseIpv6(m.target, out, 8);
      writeOptions(out, 24, m.options);
      break;
    case 'raw':
      out = Buffer.alloc(4 + m.body.length);
      out.set(m.body, 4);
      break;
    default:
      throw new RangeError(`icmpv6: unknown message ${JSON.stringify(m satisfies never)}`);
  }
  out[0] = check(m.type, 255, 'type');
  out[1] = check(m.code, 255, 'code');
  out.writeUInt16BE(finishChecksum(sumWords(out, 0, out.length, pseudoHeaderSum(ph, IP_PROTO.ICMPV6, out.length))), 2);
  return out;
}

/** Input of {@link neighborAdvertisement}. */
export interface NeighborAdvertisementFields {
  /** The MAC that answers for `target`; also the frame's source and the target link-layer option. */
  readonly srcMac: string;
  /** Source IPv6 address of the packet (usually `target` itself). */
  readonly srcIp: string;
  readonly dstMac: string;
  readonly dstIp: string;
  readonly target: string;
  /** Default true: the answer to a solicitation. */
  readonly solicited?: boolean;
  /** Default true. */
  readonly override?: boolean;
  readonly router?: boolean;
  readonly vlans?: readonly VlanTagFields[];
}

/** A whole Ethernet frame: neighbor advertisement for `target` with a target link-layer address option, hop limit 255. */
export function neighborAdvertisement(f: NeighborAdvertisementFields): Buffer {
  const na = buildIcmpv6(
    {
      kind: 'neighbor_advertisement',
      type: ICMPV6_TYPE.NEIGHBOR_ADVERTISEMENT,
      code: 0,
      router: f.router ?? false,
      solicited: f.solicited ?? true,
      override: f.override ?? true,
      target: f.target,
      options: [{ type: 'target_lladdr', mac: f.srcMac }],
    },
    { src: f.srcIp, dst: f.dstIp },
  );
  // RFC 4861 section 7.1.2: receivers drop NDP packets whose hop limit is not 255.
  const ip = buildIpv6({ src: f.srcIp, dst: f.dstIp, protocol: IP_PROTO.ICMPV6, hopLimit: 255 }, na);
  return buildEthernet({ dst: f.dstMac, src: f.srcMac, ethertype: ETH_TYPE.IPV6, vlans: f.vlans }, ip);
}
