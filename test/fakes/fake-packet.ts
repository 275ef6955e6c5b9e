/**
 * The packets the fake switches carry: header fields by OXM name, a VLAN tag stack and the IP TTL,
 * with the actions that rewrite them (set_field, push/pop VLAN, TTL) and the frame bytes a
 * controller sees (parsed from and built into frames with src/packet, which the fakes do not judge).
 */
import type { Action } from '../../src/openflow/codec/v13/actions.js';
import { buildPacket, parsePacket, type ParsedPacket, type PacketFields as FrameFields } from '../../src/packet/packet.js';
import { fieldBits, isField, VID_PRESENT, type FieldValue, type PacketView } from './oxm-oracle.js';

/** A packet's header fields by OXM field name (`in_port`, `eth_dst`, `eth_type`, `vlan_vid`, ...), as tests write them. */
export type PacketFields = Readonly<Partial<Record<string, FieldValue>>>;

/** A test's packet: OXM fields, plus `ttl` (IPv4 TTL / IPv6 hop limit). `vlan_vid` (with or without OFPVID_PRESENT) makes it tagged. */
export type PacketInput = PacketFields & { readonly ttl?: number };

/** One 802.1Q tag. */
export interface Tag {
  readonly tpid: number;
  readonly vid: number;
  readonly pcp: number;
}

/** A packet in flight. Immutable: actions return a new one. */
export interface Packet {
  /** Header fields by OXM name, except the pipeline's (in_port, metadata) and the tag's (vlan_vid, vlan_pcp). */
  readonly fields: Readonly<Record<string, FieldValue>>;
  /** Tags, outermost first. */
  readonly vlans: readonly Tag[];
  readonly ttl?: number;
  /** The frame as it arrived, while no action has changed a header. */
  readonly data?: Buffer;
  /** The frame it was parsed from, bytes and parse (its payload and other non-OXM parts go into rebuilt frames). */
  readonly original?: { readonly data: Buffer; readonly parsed: ParsedPacket };
}

const PIPELINE_FIELDS = new Set(['in_port', 'in_phy_port', 'metadata', 'vlan_vid', 'vlan_pcp']);

function normalise(name: string, v: FieldValue): FieldValue {
  return typeof v === 'string' && (name.startsWith('eth_') || name.startsWith('arp_') || name.startsWith('ipv6_nd_')) ? v.toLowerCase() : v;
}

/** A packet from a test's fields (`in_port` and `metadata` are ignored: the switch sets them). */
export function packetOf(input: PacketInput): Packet {
  const fields: Record<string, FieldValue> = {};
  for (const [k, v] of Object.entries(input)) {
    if (v === undefined || k === 'ttl' || PIPELINE_FIELDS.has(k)) continue;
    if (!isField(k)) throw new Error(`fake packet: unknown field ${k}`);
    fields[k] = normalise(k, v);
  }
  const vid = input.vlan_vid === undefined ? undefined : Number(input.vlan_vid);
  const vlans: Tag[] = vid !== undefined && vid !== 0 ? [{ tpid: 0x8100, vid: vid & 0xfff, pcp: Number(input.vlan_pcp ?? 0) }] : [];
  return { fields, vlans, ...(input.ttl !== undefined ? { ttl: input.ttl } : isIp(fields) ? { ttl: 64 } : {}) };
}

function isIp(fields: Readonly<Record<string, FieldValue>>): boolean {
  return fields.eth_type === 0x0800 || fields.eth_type === 0x86dd;
}

/** A packet from frame bytes (a host's frame, a controller's packet-out). */
export function packetFromFrame(data: Buffer): Packet {
  const p = parsePacket(data);
  if (!p.eth) throw new Error('fake packet: frame shorter than an Ethernet header');
  const f: Record<string, FieldValue> = { eth_dst: p.eth.dst, eth_src: p.eth.src, eth_type: p.eth.ethertype };
  let ttl: number | undefined;
  if (p.arp) Object.assign(f, { arp_op: p.arp.op, arp_spa: p.arp.spa, arp_tpa: p.arp.tpa, arp_sha: p.arp.sha, arp_tha: p.arp.tha });
  if (p.ipv4) {
    Object.assign(f, { ipv4_src: p.ipv4.src, ipv4_dst: p.ipv4.dst, ip_proto: p.ipv4.protocol, ip_dscp: p.ipv4.dscp, ip_ecn: p.ipv4.ecn });
    ttl = p.ipv4.ttl;
  }
  if (p.ipv6) {
    Object.assign(f, { ipv6_src: p.ipv6.src, ipv6_dst: p.ipv6.dst, ip_proto: p.ipv6.protocol, ip_dscp: p.ipv6.trafficClass >> 2, ip_ecn: p.ipv6.trafficClass & 3, ipv6_flabel: p.ipv6.flowLabel });
    ttl = p.ipv6.hopLimit;
  }
  if (p.tcp) Object.assign(f, { tcp_src: p.tcp.srcPort, tcp_dst: p.tcp.dstPort });
  if (p.udp) Object.assign(f, { udp_src: p.udp.srcPort, udp_dst: p.udp.dstPort });
  if (p.icmp) Object.assign(f, { icmpv4_type: p.icmp.type, icmpv4_code: p.icmp.code });
  if (p.icmpv6) Object.assign(f, { icmpv6_type: p.icmpv6.type, icmpv6_code: p.icmpv6.code });
  const fields: Record<string, FieldValue> = {};
  for (const [k, v] of Object.entries(f)) fields[k] = normalise(k, v);
  const vlans = p.eth.vlans.map((t) => ({ tpid: t.tpid, vid: t.vid, pcp: t.pcp }));
  return { fields, vlans, ...(ttl !== undefined ? { ttl } : {}), data, original: { data, parsed: p } };
}

/** The packet as the match sees it on `inPort` with the pipeline's `metadata`. */
export function viewOf(p: Packet, inPort: number, metadata = 0n): PacketView {
  return (field) => {
    switch (field) {
      case 'in_port':
      case 'in_phy_port':
        return BigInt(inPort);
      case 'metadata':
        return metadata;
      case 'vlan_vid': {
        // §7.2.3.8: an untagged packet has vlan_vid OFPVID_NONE; a tagged one OFPVID_PRESENT | vid.
        const t = p.vlans[0];
        return BigInt(t ? VID_PRESENT | t.vid : 0);
      }
      case 'vlan_pcp':
        return p.vlans[0] ? BigInt(p.vlans[0].pcp) : undefined;
      default: {
        const v = p.fields[field];
        return v === undefined ? undefined : fieldBits(field, v);
      }
    }
  };
}

/** The packet's headers in one flat record, as tests write packets (`vlan_vid` with OFPVID_PRESENT when tagged, `ttl`). */
export function flatten(p: Packet): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = { ...p.fields };
  const t = p.vlans[0];
  if (t) {
    out.vlan_vid = VID_PRESENT | t.vid;
    out.vlan_pcp = t.pcp;
  }
  if (p.ttl !== undefined) out.ttl = p.ttl;
  return out;
}

/** What an action did to a packet: the new packet, or why it is gone. */
export type Rewrite = { readonly packet: Packet } | { readonly dropped: 'ttl' };

function changed(p: Packet, patch: Partial<Pick<Packet, 'fields' | 'vlans' | 'ttl'>>): Packet {
  // The arrival bytes no longer describe the packet; `original` stays for the payload.
  const { data: _data, ...rest } = p;
  return { ...rest, ...patch };
}

/**
 * Applies one header-rewriting action (§5.12): set_field, push_vlan (the new tag copies the
 * outer tag's VID and PCP, or zeros), pop_vlan, dec/set_nw_ttl (a TTL run out drops the packet,
 * the default of OFPC_INVALID_TTL_TO_CONTROLLER being off). Throws on actions the fake does not model.
 */
export function rewrite(p: Packet, a: Action): Rewrite {
  switch (a.type) {
    case 'set_field': {
      const f = a.field;
      if (f.field === 'raw') throw new Error('fake packet: set_field of a non-basic field is not modelled');
      if (f.field === 'vlan_vid' || f.field === 'vlan_pcp') {
        const [outer, ...inner] = p.vlans;
        // An untagged packet has no tag to set (OVS leaves it as is).
        if (!outer) return { packet: p };
        const tag = f.field === 'vlan_vid' ? { ...outer, vid: Number(f.value) & 0xfff } : { ...outer, pcp: Number(f.value) & 7 };
        return { packet: changed(p, { vlans: [tag, ...inner] }) };
      }
      if (f.field === 'in_port' || f.field === 'in_phy_port' || f.field === 'metadata') throw new Error(`fake packet: set_field ${f.field} is not allowed`);
      return { packet: changed(p, { fields: { ...p.fields, [f.field]: normalise(f.field, f.value) } }) };
    }
    case 'push_vlan': {
      const outer = p.vlans[0];
      return { packet: changed(p, { vlans: [{ tpid: a.ethertype, vid: outer?.vid ?? 0, pcp: outer?.pcp ?? 0 }, ...p.vlans] }) };
    }
    case 'pop_vlan':
      return { packet: p.vlans.length === 0 ? p : changed(p, { vlans: p.vlans.slice(1) }) };
    case 'dec_nw_ttl': {
      if (!isIp(p.fields)) return { packet: p };
      const ttl = p.ttl ?? 64;
      if (ttl <= 1) return { dropped: 'ttl' };
      return { packet: changed(p, { ttl: ttl - 1 }) };
    }
    case 'set_nw_ttl':
      return { packet: isIp(p.fields) ? changed(p, { ttl: a.ttl }) : p };
    case 'set_queue':
      return { packet: p };
    case 'output':
    case 'group':
      throw new Error(`fake packet: ${a.type} is the pipeline's, not a rewrite`);
    case 'copy_ttl_out':
    case 'copy_ttl_in':
    case 'set_mpls_ttl':
    case 'dec_mpls_ttl':
    case 'push_mpls':
    case 'pop_mpls':
    case 'push_pbb':
    case 'pop_pbb':
    case 'experimenter':
    case 'unknown':
      throw new Error(`fake packet: action ${a.type} is not modelled`);
    default: {
      const never: never = a;
      throw new Error(`fake packet: unknown action ${JSON.stringify(never)}`);
    }
  }
}

const s = (v: FieldValue | undefined, d = '0.0.0.0'): string => (v === undefined ? d : String(v));
const Z = '00:00:00:00:00:00';
const n = (v: FieldValue | undefined, d = 0): number => (v === undefined ? d : Number(v));

/** The frame bytes of a packet (for a packet-in): the arrival bytes when unchanged, else built from the headers over the original payload. */
export function frameOf(p: Packet): Buffer {
  if (p.data) return p.data;
  const f = p.fields;
  const o = p.original?.parsed;
  const vlans = p.vlans.map((t) => ({ tpid: t.tpid, vid: t.vid, pcp: t.pcp }));
  const eth = { dst: s(f.eth_dst, Z), src: s(f.eth_src, Z), ethertype: n(f.eth_type), vlans };
  if (o?.error !== undefined && o.eth) {
    // A frame the parser could not read through (a test's hand-made bytes): a new Ethernet header, the old rest.
    const head = buildPacket({ eth, payload: Buffer.alloc(0) });
    return Buffer.concat([head, p.original!.data.subarray(14 + 4 * o.eth.vlans.length)]);
  }
  const out: { -readonly [K in keyof FrameFields]: FrameFields[K] } = { eth };
  const proto = n(f.ip_proto);
  if (f.eth_type === 0x0806 && f.arp_op !== undefined) {
    out.arp = { op: n(f.arp_op), sha: s(f.arp_sha, Z), spa: s(f.arp_spa), tha: s(f.arp_tha, Z), tpa: s(f.arp_tpa) };
  } else if (f.eth_type === 0x0800 && f.ipv4_src !== undefined) {
    out.ipv4 = { ...(o?.ipv4 ?? {}), src: s(f.ipv4_src), dst: s(f.ipv4_dst), protocol: proto, ttl: p.ttl ?? 64, dscp: n(f.ip_dscp), ecn: n(f.ip_ecn) };
  } else if (f.eth_type === 0x86dd && f.ipv6_src !== undefined) {
    out.ipv6 = { ...(o?.ipv6 ?? {}), src: s(f.ipv6_src, '::'), dst: s(f.ipv6_dst, '::'), protocol: proto, hopLimit: p.ttl ?? 64, trafficClass: (n(f.ip_dscp) << 2) | n(f.ip_ecn), flowLabel: n(f.ipv6_flabel) };
  }
  if (out.ipv4 || out.ipv6) {
    if (f.tcp_src !== undefined) out.tcp = { ...(o?.tcp ?? {}), srcPort: n(f.tcp_src), dstPort: n(f.tcp_dst) };
    else if (f.udp_src !== undefined) out.udp = { ...(o?.udp ?? {}), srcPort: n(f.udp_src), dstPort: n(f.udp_dst) };
    else if (f.icmpv4_type !== undefined) out.icmp = o?.icmp ? { ...o.icmp, type: n(f.icmpv4_type), code: n(f.icmpv4_code) } as typeof o.icmp : { kind: 'raw', type: n(f.icmpv4_type), code: n(f.icmpv4_code), checksum: 0, body: Buffer.alloc(4) };
    else if (f.icmpv6_type !== undefined && o?.icmpv6) out.icmpv6 = { ...o.icmpv6, type: n(f.icmpv6_type), code: n(f.icmpv6_code) } as typeof o.icmpv6;
    if (!out.icmp && !out.icmpv6 && o?.payload) out.payload = o.payload;
  } else if (!out.arp && o?.payload) out.payload = o.payload;
  return buildPacket(out);
}
