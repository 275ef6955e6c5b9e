/**
 * Nicira (NX) extension layouts needed to check the Ryu vectors: NXM field headers and the bytes of
 * each NXAction* body that Signalbox keeps raw. Layouts are Open vSwitch's nx_action_* structs
 * (include/openflow/nicira-ext.h, lib/ofp-actions.c) and field numbers its meta-flow.h NXM lines.
 */
import type { RyuObj, Tagged } from './ryu-json.js';

/** Nicira's experimenter/vendor id. */
export const NX_VENDOR_ID = 0x00002320;
/** ONF's experimenter id (ONF experimenter OXM fields, ONF flow monitor). */
export const ONF_EXPERIMENTER_ID = 0x4f4e4600;

/** Packs an NXM/OXM header: class(16) | field(7) | hasmask(1) | length(8). */
export function nxmHeader(oxmClass: number, field: number, hasMask: boolean, length: number): number {
  return ((oxmClass << 16) | (field << 9) | (hasMask ? 0x100 : 0) | length) >>> 0;
}

/**
 * Ryu's names for NXM/OXM fields that are NOT OpenFlow-basic OXM fields in a match, with their
 * NXM class, field number and value width. From OVS meta-flow.h: NXM_NX_REG<n>(n), NXM_NX_TUN_IPV4_SRC(31),
 * NXM_NX_TUN_IPV4_DST(32), NXM_NX_PKT_MARK(33), NXM_NX_CONJ_ID(37), NXM_NX_CT_STATE(105),
 * NXM_NX_CT_MARK(107), NXM_NX_TUN_ID(16), NXM_OF_ETH_DST(1), NXM_OF_ETH_SRC(2). Ryu's `_nxm`
 * suffix names the NXM (class 0/1) code point of a field that also exists in OXM.
 */
export const NX_FIELDS: Readonly<Record<string, { readonly cls: number; readonly field: number; readonly width: number; readonly kind: 'int' | 'ipv4' | 'mac' | 'big' }>> = {
  ...Object.fromEntries(Array.from({ length: 16 }, (_, n) => [`reg${n}`, { cls: 0x0001, field: n, width: 4, kind: 'int' as const }])),
  tun_ipv4_src: { cls: 0x0001, field: 31, width: 4, kind: 'ipv4' },
  tun_ipv4_dst: { cls: 0x0001, field: 32, width: 4, kind: 'ipv4' },
  pkt_mark: { cls: 0x0001, field: 33, width: 4, kind: 'int' },
  conj_id: { cls: 0x0001, field: 37, width: 4, kind: 'int' },
  ct_state: { cls: 0x0001, field: 105, width: 4, kind: 'int' },
  ct_mark: { cls: 0x0001, field: 107, width: 4, kind: 'int' },
  tunnel_id_nxm: { cls: 0x0001, field: 16, width: 8, kind: 'big' },
  eth_dst_nxm: { cls: 0x0000, field: 1, width: 6, kind: 'mac' },
  eth_src_nxm: { cls: 0x0000, field: 2, width: 6, kind: 'mac' },
};

/** OpenFlow-basic OXM headers of the basic fields NX actions refer to in these vectors. */
const BASIC_REFS: Readonly<Record<string, number>> = {
  in_port: nxmHeader(0x8000, 0, false, 4),
  vlan_vid: nxmHeader(0x8000, 6, false, 2),
};

/** The 32-bit header an NX action uses to name a field (`reg0`, `eth_dst_nxm`, `vlan_vid`...). */
export function fieldRefHeader(name: string): number {
  const basic = BASIC_REFS[name];
  if (basic !== undefined) return basic;
  const f = NX_FIELDS[name];
  if (f === undefined) throw new Error(`no NXM header known for field ${name}`);
  return nxmHeader(f.cls, f.field, false, f.width);
}

/** A tiny big-endian byte builder for expected bytes. */
export class Bytes {
  private readonly parts: number[] = [];

  get length(): number {
    return this.parts.length;
  }

  u8(v: number): this {
    this.parts.push(v & 0xff);
    return this;
  }

  u16(v: number): this {
    return this.u8(v >>> 8).u8(v);
  }

  u32(v: number): this {
    return this.u16(v >>> 16).u16(v & 0xffff);
  }

  u64(v: bigint): this {
    return this.u32(Number((v >> 32n) & 0xffffffffn)).u32(Number(v & 0xffffffffn));
  }

  /** A u-N big-endian value of `n` bytes. */
  uN(v: bigint, n: number): this {
    for (let i = n - 1; i >= 0; i--) this.u8(Number((v >> BigInt(8 * i)) & 0xffn));
    return this;
  }

  bytes(b: Iterable<number>): this {
    for (const x of b) this.u8(x);
    return this;
  }

  zeros(n: number): this {
    for (let i = 0; i < n; i++) this.u8(0);
    return this;
  }

  /** Zero-pads so that `offset + length` is a multiple of 8. */
  pad8(offset = 0): this {
    while ((offset + this.parts.length) % 8 !== 0) this.u8(0);
    return this;
  }

  ipv4(s: string): this {
    return this.bytes(s.split('.').map(Number));
  }

  ipv6(s: string): this {
    const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
    const h = head === '' ? [] : head!.split(':');
    const t = tail === undefined || tail === '' ? [] : tail.split(':');
    const groups = tail === undefined ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
    for (const g of groups) this.u16(parseInt(g, 16));
    return this;
  }

  mac(s: string): this {
    return this.bytes(s.split(':').map((x) => parseInt(x, 16)));
  }

  buf(): Buffer {
    return Buffer.from(this.parts);
  }
}

/** Writes an NX match field value of `kind` and `width`. */
export function nxValue(b: Bytes, kind: 'int' | 'ipv4' | 'mac' | 'big', width: number, v: unknown): void {
  switch (kind) {
    case 'int':
      b.uN(BigInt(v as number), width);
      return;
    case 'big':
      b.uN(BigInt(v as number | bigint), width);
      return;
    case 'ipv4':
      b.ipv4(v as string);
      return;
    case 'mac':
      b.mac(v as string);
      return;
  }
}

/**
 * Converts one action found inside an NX action (CT's nested list) to expected wire bytes,
 * including its own 4-byte type/len header. Signalbox never parses these: they are part of the
 * CT action's raw data.
 */
export type NestedActionBytes = (t: Tagged) => Buffer;

/**
 * The bytes of an NXAction* after its 8-byte header (type, len, experimenter), i.e. exactly
 * Signalbox's raw `data`, padding included. `version` 1 means an OF1.0 vendor action (Ryu
 * gives `vendor` and `subtype` only). Checks experimenter/vendor and `len` against the result.
 * Every JSON key is consumed; `type` is 65535 (OFPAT_EXPERIMENTER) by definition.
 */
export function nxActionData(t: Tagged, version: 1 | 4, nested: NestedActionBytes): Buffer {
  const o = t.o;
  const vendor = version === 1 ? o.num('vendor') : o.num('experimenter');
  if (vendor !== NX_VENDOR_ID) throw new Error(`${o.path}: vendor ${vendor} is not Nicira's`);
  if (version === 4 && o.num('type') !== 0xffff) throw new Error(`${o.path}: type is not OFPAT_EXPERIMENTER`);
  const b = new Bytes();
  b.u16(o.num('subtype'));
  switch (t.cls) {
    // nx_action_header with only padding after the subtype.
    case 'NXActionDecTtl':
    case 'NXActionDecMplsTtl':
    case 'NXActionCTClear':
      b.zeros(6);
      break;
    case 'NXActionPushMpls':
    case 'NXActionPopMpls':
      // nx_action_push_mpls / nx_action_pop_mpls: ethertype, pad[4].
      b.u16(o.num('ethertype')).zeros(4);
      break;
    case 'NXActionSetMplsLabel':
      // nx_action_mpls_label: pad[2], label.
      b.zeros(2).u32(o.num('label'));
      break;
    case 'NXActionSetMplsTc':
      // nx_action_mpls_tc: tc, pad[5].
      b.u8(o.num('tc')).zeros(5);
      break;
    case 'NXActionSetMplsTtl':
      // nx_action_mpls_ttl: ttl, pad[5].
      b.u8(o.num('ttl')).zeros(5);
      break;
    case 'NXActionRegLoad':
      // nx_action_reg_load: ofs_nbits, dst, value.
      b.u16(o.num('ofs_nbits')).u32(fieldRefHeader(o.str('dst'))).u64(o.big('value'));
      break;
    case 'NXActionRegMove':
      // nx_action_reg_move: n_bits, src_ofs, dst_ofs, src, dst.
      b.u16(o.num('n_bits')).u16(o.num('src_ofs')).u16(o.num('dst_ofs'));
      b.u32(fieldRefHeader(o.str('src_field'))).u32(fieldRefHeader(o.str('dst_field')));
      break;
    case 'NXActionResubmitTable':
      // nx_action_resubmit (NXAST_RESUBMIT_TABLE): in_port, table, pad[3].
      b.u16(o.num('in_port')).u8(o.num('table_id')).zeros(3);
      break;
    case 'NXActionConjunction':
      // nx_action_conjunction: clause, n_clauses, id.
      b.u8(o.num('clause')).u8(o.num('n_clauses')).u32(o.num('id'));
      break;
    case 'NXActionNote':
      // nx_action_note: the note bytes (Ryu lists them, padding included).
      b.bytes(o.nums('note'));
      break;
    case 'NXActionFinTimeout':
      // nx_action_fin_timeout: fin_idle_timeout, fin_hard_timeout, pad[2].
      b.u16(o.num('fin_idle_timeout')).u16(o.num('fin_hard_timeout')).zeros(2);
      break;
    case 'NXActionOutputTrunc':
      // nx_action_output_trunc: port, max_len.
      b.u16(o.num('port')).u32(o.num('max_len'));
      break;
    case 'NXActionDecTtlCntIds': {
      // nx_action_cnt_ids: n_controllers, pad[4], then the ids as u16.
      const ids = o.nums('cnt_ids');
      b.u16(ids.length).zeros(4);
      for (const id of ids) b.u16(id);
      break;
    }
    case 'NXActionController':
      // nx_action_controller: max_len, controller_id, reason, pad.
      b.u16(o.num('max_len')).u16(o.num('controller_id')).u8(o.num('reason')).zeros(1);
      break;
    case 'NXActionController2': {
      // nx_action_controller2: pad[6], then NXAC2PT_* properties (type, len, value), each padded to 8,
      // in the order OVS writes them: MAX_LEN(0), CONTROLLER_ID(1), REASON(2), USERDATA(3), PAUSE(4).
      // The two u16 properties are ofp_prop_u16 (value, pad[2]: len 8); REASON is a bare u8 (len 5).
      b.zeros(6);
      const prop = (type: number, body: number[]): void => {
        const p = new Bytes().u16(type).u16(4 + body.length).bytes(body).pad8();
        b.bytes(p.buf());
      };
      prop(0, [o.num('max_len') >> 8, o.num('max_len') & 0xff, 0, 0]);
      prop(1, [o.num('controller_id') >> 8, o.num('controller_id') & 0xff, 0, 0]);
      prop(2, [o.num('reason')]);
      prop(3, o.nums('userdata'));
      if (o.bool('pause')) prop(4, []);
      break;
    }
    case 'NXActionStackPush':
    case 'NXActionStackPop':
      // nx_action_stack: offset, field, n_bits, pad[6]. Ryu calls the offset `start` and n_bits `end`.
      b.u16(o.num('start')).u32(fieldRefHeader(o.str('field'))).u16(o.num('end')).zeros(6);
      break;
    case 'NXActionSample':
      // nx_action_sample: probability, collector_set_id, obs_domain_id, obs_point_id.
      b.u16(o.num('probability')).u32(o.num('collector_set_id')).u32(o.num('obs_domain_id')).u32(o.num('obs_point_id'));
      break;
    case 'NXActionSample2':
      // nx_action_sample2: nx_action_sample, then sampling_port, direction (0, not in Ryu's JSON), pad[5].
      b.u16(o.num('probability')).u32(o.num('collector_set_id')).u32(o.num('obs_domain_id')).u32(o.num('obs_point_id'));
      b.u16(o.num('sampling_port')).u8(0).zeros(5);
      break;
    case 'NXActionCT': {
      // nx_action_conntrack: flags, zone_src, zone_ofs_nbits, recirc_table, pad[3], alg, then nested actions.
      const zone = o.str('zone_src');
      b.u16(o.num('flags')).u32(zone === '' ? 0 : fieldRefHeader(zone)).u16(o.num('zone_ofs_nbits'));
      b.u8(o.num('recirc_table')).zeros(3).u16(o.num('alg'));
      for (const a of o.taggedList('actions')) b.bytes(nested(a));
      break;
    }
    case 'NXActionNAT': {
      // nx_action_nat: pad[2], flags, range_present, then the present ranges in the order
      // ipv4 min/max, ipv6 min/max, proto min/max (NX_NAT_RANGE_* bits 1, 2, 4, 8, 16, 32).
      const v4min = o.str('range_ipv4_min');
      const v4max = o.str('range_ipv4_max');
      const v6min = o.str('range_ipv6_min');
      const v6max = o.str('range_ipv6_max');
      const pmin = o.get('range_proto_min');
      const pmax = o.get('range_proto_max');
      const present = (v4min !== '' ? 1 : 0) | (v4max !== '' ? 2 : 0) | (v6min !== '' ? 4 : 0) | (v6max !== '' ? 8 : 0)
        | (pmin !== null ? 16 : 0) | (pmax !== null ? 32 : 0);
      b.zeros(2).u16(o.num('flags')).u16(present);
      if (v4min !== '') b.ipv4(v4min);
      if (v4max !== '') b.ipv4(v4max);
      if (v6min !== '') b.ipv6(v6min);
      if (v6max !== '') b.ipv6(v6max);
      if (pmin !== null) b.u16(pmin as number);
      if (pmax !== null) b.u16(pmax as number);
      break;
    }
    case 'NXActionLearn': {
      // nx_action_learn: idle_timeout, hard_timeout, priority, cookie, flags, table_id, pad,
      // fin_idle_timeout, fin_hard_timeout, then flow specs (nx_learn_spec_header + src + dst).
      b.u16(o.num('idle_timeout')).u16(o.num('hard_timeout')).u16(o.num('priority')).u64(o.big('cookie'));
      b.u16(o.num('flags')).u8(o.num('table_id')).zeros(1).u16(o.num('fin_idle_timeout')).u16(o.num('fin_hard_timeout'));
      for (const s of o.taggedList('specs')) b.bytes(learnSpec(s));
      break;
    }
    case 'NXActionUnknown':
      // Ryu's catch-all: the bytes after the subtype, as base64.
      b.bytes(o.b64('data'));
      break;
    default:
      throw new Error(`${o.path}: no layout for ${t.cls}`);
  }
  // OVS pads every NX action to a multiple of 8 bytes (the 8-byte header included).
  b.pad8(0);
  const data = b.buf();
  if (version === 4) {
    const len = o.num('len');
    if (len !== 8 + data.length) throw new Error(`${o.path}: len ${len} but the layout gives ${8 + data.length} bytes`);
  }
  o.done();
  return data;
}

/** One nx_learn_spec: header (src_type bit 13, dst_type bits 11-12, n_bits), src, dst. */
function learnSpec(t: Tagged): Buffer {
  const o = t.o;
  const nBits = o.num('n_bits');
  const dstType = t.cls === 'NXFlowSpecMatch' ? 0 : t.cls === 'NXFlowSpecLoad' ? 1 : t.cls === 'NXFlowSpecOutput' ? 2 : -1;
  if (dstType < 0) throw new Error(`${o.path}: unknown learn spec ${t.cls}`);
  const src = o.get('src');
  const immediate = !Array.isArray(src);
  const b = new Bytes().u16((immediate ? 1 << 13 : 0) | (dstType << 11) | nBits);
  if (immediate) {
    // An immediate value takes whole 16-bit units.
    b.uN(BigInt(src as number), 2 * Math.ceil(nBits / 16));
  } else {
    b.u32(fieldRefHeader(src[0] as string)).u16(src[1] as number);
  }
  const dst = o.get('dst');
  if (dstType !== 2) {
    if (!Array.isArray(dst)) throw new Error(`${o.path}: dst must be [field, ofs]`);
    b.u32(fieldRefHeader(dst[0] as string)).u16(dst[1] as number);
  } else if (dst !== '') {
    throw new Error(`${o.path}: an output spec has no dst`);
  }
  o.done();
  return b.buf();
}

/** Reads a Ryu OXMTlv whose field is an NX/ONF extension and returns its raw OXM parts (value bytes after the header). */
export function extensionOxm(o: RyuObj, name: string): { oxmClass: number; oxmField: number; hasMask: boolean; data: Buffer } | undefined {
  const mask = o.get('mask');
  if (name === 'pbb_uca') {
    // Ryu's ONF experimenter field: class OFPXMC_EXPERIMENTER, field 0, payload = experimenter id,
    // exp_type 2560 (u16), then the 1-byte value. No mask occurs.
    if (mask !== null) throw new Error(`${o.path}: masked pbb_uca not expected`);
    const data = new Bytes().u32(ONF_EXPERIMENTER_ID).u16(2560).u8(o.num('value')).buf();
    return { oxmClass: 0xffff, oxmField: 0, hasMask: false, data };
  }
  const f = NX_FIELDS[name];
  if (f === undefined) return undefined;
  const b = new Bytes();
  nxValue(b, f.kind, f.width, o.get('value'));
  if (mask !== null) nxValue(b, f.kind, f.width, mask);
  return { oxmClass: f.cls, oxmField: f.field, hasMask: mask !== null, data: b.buf() };
}
