/**
 * Converts Ryu's expected JSON for a message into the object Signalbox's codec should decode
 * from the same bytes: Ryu class names to our `type` tags, snake_case to camelCase, OFPMatch to
 * an OXM field list, 64-bit numbers to bigints, base64 to Buffers, NX extensions to our raw
 * variants. Every key of every Ryu object is read or explicitly skipped (RyuObj.done), so a field
 * Ryu knows and the mapping forgets makes the test fail.
 *
 * Length fields (`len`, `length`, `actions_len`, `match_len`) are skipped: Signalbox computes
 * them when encoding and keeps none in its objects; the byte-exact re-encode in the test proves
 * they agree with the wire.
 */
import { Bytes, extensionOxm, nxActionData, NX_VENDOR_ID, ONF_EXPERIMENTER_ID } from './nx.js';
import { untag, type RyuObj, type RyuValue, type Tagged } from './ryu-json.js';

/** A message object as our codec represents it (checked against the codec's types by the test). */
export type Obj = Record<string, unknown>;

/**
 * The OpenFlow-basic OXM fields (OpenFlow 1.3.5 §7.2.3.7): Ryu name → field number, width in
 * bytes, and how the value is written (number, bigint, or address text). Kept here rather than
 * imported from the codec so that the conformance test does not trust the table it checks.
 */
const OXM_BASIC: Readonly<Record<string, readonly [field: number, width: number, kind: 'int' | 'big' | 'mac' | 'ipv4' | 'ipv6']>> = {
  in_port: [0, 4, 'int'], in_phy_port: [1, 4, 'int'], metadata: [2, 8, 'big'], eth_dst: [3, 6, 'mac'],
  eth_src: [4, 6, 'mac'], eth_type: [5, 2, 'int'], vlan_vid: [6, 2, 'int'], vlan_pcp: [7, 1, 'int'],
  ip_dscp: [8, 1, 'int'], ip_ecn: [9, 1, 'int'], ip_proto: [10, 1, 'int'], ipv4_src: [11, 4, 'ipv4'],
  ipv4_dst: [12, 4, 'ipv4'], tcp_src: [13, 2, 'int'], tcp_dst: [14, 2, 'int'], udp_src: [15, 2, 'int'],
  udp_dst: [16, 2, 'int'], sctp_src: [17, 2, 'int'], sctp_dst: [18, 2, 'int'], icmpv4_type: [19, 1, 'int'],
  icmpv4_code: [20, 1, 'int'], arp_op: [21, 2, 'int'], arp_spa: [22, 4, 'ipv4'], arp_tpa: [23, 4, 'ipv4'],
  arp_sha: [24, 6, 'mac'], arp_tha: [25, 6, 'mac'], ipv6_src: [26, 16, 'ipv6'], ipv6_dst: [27, 16, 'ipv6'],
  ipv6_flabel: [28, 4, 'int'], icmpv6_type: [29, 1, 'int'], icmpv6_code: [30, 1, 'int'],
  ipv6_nd_target: [31, 16, 'ipv6'], ipv6_nd_sll: [32, 6, 'mac'], ipv6_nd_tll: [33, 6, 'mac'],
  mpls_label: [34, 4, 'int'], mpls_tc: [35, 1, 'int'], mpls_bos: [36, 1, 'int'], pbb_isid: [37, 3, 'int'],
  tunnel_id: [38, 8, 'big'], ipv6_exthdr: [39, 2, 'int'],
};

// ---------------------------------------------------------------------------------------------
// OpenFlow 1.3

/** A Ryu OXMTlv → our OxmField (basic fields by name, NX/ONF extension fields as `raw`). */
function oxm(t: Tagged): Obj {
  if (t.cls !== 'OXMTlv') throw new Error(`${t.o.path}: expected OXMTlv, got ${t.cls}`);
  const o = t.o;
  const name = o.str('field');
  const basic = OXM_BASIC[name];
  let out: Obj;
  if (basic !== undefined) {
    const conv = (v: RyuValue): unknown => (basic[2] === 'big' ? BigInt(v as number | bigint) : v);
    const mask = o.get('mask');
    out = { field: name, value: conv(o.get('value')) };
    if (mask !== null) out.mask = conv(mask);
  } else {
    // Nicira NXM / ONF experimenter fields: Signalbox keeps them raw by design.
    const raw = extensionOxm(o, name);
    if (raw === undefined) throw new Error(`${o.path}: unknown OXM field ${name}`);
    out = { field: 'raw', ...raw };
  }
  o.done();
  return out;
}

/** A Ryu OFPMatch → our Match (OXM field list in wire order). */
function match13(t: Tagged): Obj[] {
  if (t.cls !== 'OFPMatch') throw new Error(`${t.o.path}: expected OFPMatch, got ${t.cls}`);
  const o = t.o;
  if (o.num('type') !== 1) throw new Error(`${o.path}: only OFPMT_OXM matches are expected`);
  o.skip('length');
  const fields = o.taggedList('oxm_fields').map(oxm);
  o.done();
  return fields;
}

/** The wire bytes of a basic or extension OXM TLV (header included), for data Signalbox keeps raw. */
function oxmBytes(t: Tagged): Buffer {
  const f = oxm(t);
  const b = new Bytes();
  if (f.field === 'raw') {
    const data = f.data as Buffer;
    b.u16(f.oxmClass as number).u8(((f.oxmField as number) << 1) | (f.hasMask ? 1 : 0)).u8(data.length).bytes(data);
    return b.buf();
  }
  const [field, width, kind] = OXM_BASIC[f.field as string]!;
  const hasMask = f.mask !== undefined;
  b.u16(0x8000).u8((field << 1) | (hasMask ? 1 : 0)).u8(hasMask ? 2 * width : width);
  const put = (v: unknown): void => {
    switch (kind) {
      case 'int': b.uN(BigInt(v as number), width); break;
      case 'big': b.uN(v as bigint, width); break;
      case 'mac': b.mac(v as string); break;
      case 'ipv4': b.ipv4(v as string); break;
      case 'ipv6': b.ipv6(v as string); break;
    }
  };
  put(f.value);
  if (hasMask) put(f.mask);
  return b.buf();
}

/** OFPAT_* numbers of Ryu's OF1.3 action classes. */
const OFPAT13: Readonly<Record<string, number>> = {
  OFPActionOutput: 0, OFPActionCopyTtlOut: 11, OFPActionCopyTtlIn: 12, OFPActionSetMplsTtl: 15,
  OFPActionDecMplsTtl: 16, OFPActionPushVlan: 17, OFPActionPopVlan: 18, OFPActionPushMpls: 19,
  OFPActionPopMpls: 20, OFPActionSetQueue: 21, OFPActionGroup: 22, OFPActionSetNwTtl: 23,
  OFPActionDecNwTtl: 24, OFPActionSetField: 25, OFPActionPushPbb: 26, OFPActionPopPbb: 27,
  OFPActionExperimenterUnknown: 0xffff,
};

/** A Ryu OF1.3 action → our Action. */
function action13(t: Tagged): Obj {
  const o = t.o;
  if (t.cls.startsWith('NXAction')) {
    return { type: 'experimenter', experimenter: NX_VENDOR_ID, data: nxActionData(t, 4, nestedActionBytes) };
  }
  const at = OFPAT13[t.cls];
  if (at === undefined) throw new Error(`${o.path}: unknown action class ${t.cls}`);
  if (o.num('type') !== at) throw new Error(`${o.path}: type ${o.num('type')} is not OFPAT ${at}`);
  o.skip('len');
  let out: Obj;
  switch (t.cls) {
    case 'OFPActionOutput': out = { type: 'output', port: o.num('port'), maxLen: o.num('max_len') }; break;
    case 'OFPActionCopyTtlOut': out = { type: 'copy_ttl_out' }; break;
    case 'OFPActionCopyTtlIn': out = { type: 'copy_ttl_in' }; break;
    case 'OFPActionSetMplsTtl': out = { type: 'set_mpls_ttl', ttl: o.num('mpls_ttl') }; break;
    case 'OFPActionDecMplsTtl': out = { type: 'dec_mpls_ttl' }; break;
    case 'OFPActionPushVlan': out = { type: 'push_vlan', ethertype: o.num('ethertype') }; break;
    case 'OFPActionPopVlan': out = { type: 'pop_vlan' }; break;
    case 'OFPActionPushMpls': out = { type: 'push_mpls', ethertype: o.num('ethertype') }; break;
    case 'OFPActionPopMpls': out = { type: 'pop_mpls', ethertype: o.num('ethertype') }; break;
    case 'OFPActionSetQueue': out = { type: 'set_queue', queueId: o.num('queue_id') }; break;
    case 'OFPActionGroup': out = { type: 'group', groupId: o.num('group_id') }; break;
    case 'OFPActionSetNwTtl': out = { type: 'set_nw_ttl', ttl: o.num('nw_ttl') }; break;
    case 'OFPActionDecNwTtl': out = { type: 'dec_nw_ttl' }; break;
    case 'OFPActionSetField': out = { type: 'set_field', field: oxm(o.tagged('field')) }; break;
    case 'OFPActionPushPbb': out = { type: 'push_pbb', ethertype: o.num('ethertype') }; break;
    case 'OFPActionPopPbb': out = { type: 'pop_pbb' }; break;
    case 'OFPActionExperimenterUnknown':
      // ofp_action_experimenter_header then data; Ryu's data is everything after the experimenter id.
      out = { type: 'experimenter', experimenter: o.num('experimenter'), data: o.b64('data') };
      break;
    default:
      throw new Error(`${o.path}: unmapped action class ${t.cls}`);
  }
  o.done();
  return out;
}

/** Wire bytes (header included) of an action nested inside an NX action (NXActionCT's list). */
function nestedActionBytes(t: Tagged): Buffer {
  if (t.cls.startsWith('NXAction')) {
    const data = nxActionData(t, 4, nestedActionBytes);
    return new Bytes().u16(0xffff).u16(8 + data.length).u32(NX_VENDOR_ID).bytes(data).buf();
  }
  if (t.cls === 'OFPActionSetField') {
    const o = t.o;
    if (o.num('type') !== 25) throw new Error(`${o.path}: bad type`);
    const body = oxmBytes(o.tagged('field'));
    const b = new Bytes().u16(25).u16(0).bytes(body).pad8();
    const out = b.buf();
    out.writeUInt16BE(out.length, 2);
    if (o.num('len') !== out.length) throw new Error(`${o.path}: len ${o.num('len')} but ${out.length} bytes`);
    o.done();
    return out;
  }
  throw new Error(`${t.o.path}: no nested layout for ${t.cls}`);
}

/** A Ryu OF1.3 instruction → our Instruction. */
function instruction(t: Tagged): Obj {
  const o = t.o;
  o.skip('len');
  let out: Obj;
  const type = o.num('type');
  switch (t.cls) {
    case 'OFPInstructionActions': {
      const actions = o.taggedList('actions').map(action13);
      if (type === 4) out = { type: 'apply_actions', actions };
      else if (type === 3) out = { type: 'write_actions', actions };
      else if (type === 5 && actions.length === 0) out = { type: 'clear_actions' };
      else throw new Error(`${o.path}: OFPInstructionActions type ${type}`);
      break;
    }
    case 'OFPInstructionGotoTable':
      if (type !== 1) throw new Error(`${o.path}: type ${type}`);
      out = { type: 'goto_table', tableId: o.num('table_id') };
      break;
    case 'OFPInstructionMeter':
      if (type !== 6) throw new Error(`${o.path}: type ${type}`);
      out = { type: 'meter', meterId: o.num('meter_id') };
      break;
    case 'OFPInstructionWriteMetadata':
      if (type !== 2) throw new Error(`${o.path}: type ${type}`);
      out = { type: 'write_metadata', metadata: o.big('metadata'), metadataMask: o.big('metadata_mask') };
      break;
    default:
      throw new Error(`${o.path}: unknown instruction class ${t.cls}`);
  }
  o.done();
  return out;
}

function port13(t: Tagged): Obj {
  if (t.cls !== 'OFPPort') throw new Error(`${t.o.path}: expected OFPPort`);
  const o = t.o;
  const out = {
    portNo: o.num('port_no'), hwAddr: o.str('hw_addr'), name: o.str('name'), config: o.num('config'),
    state: o.num('state'), curr: o.num('curr'), advertised: o.num('advertised'), supported: o.num('supported'),
    peer: o.num('peer'), currSpeed: o.num('curr_speed'), maxSpeed: o.num('max_speed'),
  };
  o.done();
  return out;
}

function bucket(t: Tagged): Obj {
  if (t.cls !== 'OFPBucket') throw new Error(`${t.o.path}: expected OFPBucket`);
  const o = t.o;
  o.skip('len');
  const out = { weight: o.num('weight'), watchPort: o.num('watch_port'), watchGroup: o.num('watch_group'), actions: o.taggedList('actions').map(action13) };
  o.done();
  return out;
}

function meterBand(t: Tagged): Obj {
  const o = t.o;
  o.skip('len');
  const type = o.num('type');
  const rate = o.num('rate');
  const burstSize = o.num('burst_size');
  let out: Obj;
  switch (t.cls) {
    case 'OFPMeterBandDrop':
      if (type !== 1) throw new Error(`${o.path}: type ${type}`);
      out = { type: 'drop', rate, burstSize };
      break;
    case 'OFPMeterBandDscpRemark':
      if (type !== 2) throw new Error(`${o.path}: type ${type}`);
      out = { type: 'dscp_remark', rate, burstSize, precLevel: o.num('prec_level') };
      break;
    case 'OFPMeterBandExperimenter':
      // Ryu keeps no data for an experimenter band; these vectors have none (len 16).
      if (type !== 0xffff || o.num('len') !== 16) throw new Error(`${o.path}: unexpected experimenter band`);
      out = { type: 'experimenter', rate, burstSize, experimenter: o.num('experimenter'), data: Buffer.alloc(0) };
      break;
    default:
      throw new Error(`${o.path}: unknown band ${t.cls}`);
  }
  o.done();
  return out;
}

function queueProp(t: Tagged): Obj {
  const o = t.o;
  o.skip('len');
  const prop = o.num('property');
  let out: Obj;
  switch (t.cls) {
    case 'OFPQueuePropMinRate':
    case 'OFPQueuePropMaxRate':
      if (prop !== (t.cls === 'OFPQueuePropMinRate' ? 1 : 2)) throw new Error(`${o.path}: property ${prop}`);
      out = { type: t.cls === 'OFPQueuePropMinRate' ? 'min_rate' : 'max_rate', rate: o.num('rate') };
      break;
    case 'OFPQueuePropExperimenter':
      // Ryu lists the data as numbers; len 17 with one entry shows they are bytes here (the
      // properties are not padded), not the 32-bit words the README mentions.
      if (prop !== 0xffff) throw new Error(`${o.path}: property ${prop}`);
      out = { type: 'experimenter', experimenter: o.num('experimenter'), data: Buffer.from(o.nums('data')) };
      if (o.num('len') !== 16 + (out.data as Buffer).length) throw new Error(`${o.path}: len does not match data`);
      break;
    default:
      throw new Error(`${o.path}: unknown queue property ${t.cls}`);
  }
  o.done();
  return out;
}

function packetQueue(t: Tagged): Obj {
  if (t.cls !== 'OFPPacketQueue') throw new Error(`${t.o.path}: expected OFPPacketQueue`);
  const o = t.o;
  o.skip('len');
  const out = { queueId: o.num('queue_id'), port: o.num('port'), properties: o.taggedList('properties').map(queueProp) };
  o.done();
  return out;
}

/** OFPTFPT_* number → our table feature property type tag. */
const TFPT: Readonly<Record<number, string>> = {
  0: 'instructions', 1: 'instructions_miss', 2: 'next_tables', 3: 'next_tables_miss', 4: 'write_actions',
  5: 'write_actions_miss', 6: 'apply_actions', 7: 'apply_actions_miss', 8: 'match', 10: 'wildcards',
  12: 'write_setfield', 13: 'write_setfield_miss', 14: 'apply_setfield', 15: 'apply_setfield_miss',
  0xfffe: 'experimenter', 0xffff: 'experimenter_miss',
};

function tableFeatureProp(t: Tagged): Obj {
  const o = t.o;
  o.skip('length');
  const pt = o.num('type');
  const type = TFPT[pt];
  if (type === undefined) throw new Error(`${o.path}: unknown property type ${pt}`);
  let out: Obj;
  const ids = (k: string, cls: string, tag: string): Obj[] =>
    o.taggedList(k).map((x) => {
      if (x.cls !== cls) throw new Error(`${x.o.path}: expected ${cls}`);
      // Every id in these vectors is the bare 4-byte form (no experimenter data).
      if (x.o.num('len') !== 4) throw new Error(`${x.o.path}: id with data not expected`);
      const id = { [tag]: x.o.num('type') };
      x.o.done();
      return id;
    });
  switch (t.cls) {
    case 'OFPTableFeaturePropInstructions':
      out = { type, instructionIds: ids('instruction_ids', 'OFPInstructionId', 'instructionType') };
      break;
    case 'OFPTableFeaturePropActions':
      out = { type, actionIds: ids('action_ids', 'OFPActionId', 'actionType') };
      break;
    case 'OFPTableFeaturePropNextTables':
      out = { type, tableIds: o.nums('table_ids') };
      break;
    case 'OFPTableFeaturePropOxm':
      out = {
        type,
        oxmIds: o.taggedList('oxm_ids').map((x) => {
          const name = x.o.str('type');
          const basic = OXM_BASIC[name];
          if (x.cls !== 'OFPOxmId' || basic === undefined) throw new Error(`${x.o.path}: unexpected OXM id ${name}`);
          const id = { oxmClass: 0x8000, oxmField: basic[0], hasMask: x.o.num('hasmask') === 1, length: x.o.num('length') };
          x.o.done();
          return id;
        }),
      };
      break;
    case 'OFPTableFeaturePropExperimenter': {
      // Ryu lists experimenter property data as 32-bit words.
      const words = o.nums('data');
      const b = new Bytes();
      for (const w of words) b.u32(w);
      out = { type, experimenter: o.num('experimenter'), expType: o.num('exp_type'), data: b.buf() };
      break;
    }
    default:
      throw new Error(`${o.path}: unknown table feature property ${t.cls}`);
  }
  o.done();
  return out;
}

function tableFeatures(t: Tagged): Obj {
  if (t.cls !== 'OFPTableFeaturesStats') throw new Error(`${t.o.path}: expected OFPTableFeaturesStats`);
  const o = t.o;
  o.skip('length');
  const out = {
    tableId: o.num('table_id'), name: o.str('name'), metadataMatch: o.big('metadata_match'),
    metadataWrite: o.big('metadata_write'), config: o.num('config'), maxEntries: o.num('max_entries'),
    properties: o.taggedList('properties').map(tableFeatureProp),
  };
  o.done();
  return out;
}

function flowStats(t: Tagged): Obj {
  if (t.cls !== 'OFPFlowStats') throw new Error(`${t.o.path}: expected OFPFlowStats`);
  const o = t.o;
  o.skip('length');
  const out = {
    tableId: o.num('table_id'), durationSec: o.num('duration_sec'), durationNsec: o.num('duration_nsec'),
    priority: o.num('priority'), idleTimeout: o.num('idle_timeout'), hardTimeout: o.num('hard_timeout'),
    flags: o.num('flags'), cookie: o.big('cookie'), packetCount: o.big('packet_count'), byteCount: o.big('byte_count'),
    match: match13(o.tagged('match')), instructions: o.taggedList('instructions').map(instruction),
  };
  o.done();
  return out;
}

/** A list of `cls` entries converted by `f` (fields read from each entry's own object). */
function entries(o: RyuObj, cls: string, f: (e: RyuObj) => Obj): Obj[] {
  return o.taggedList('body').map((x) => {
    if (x.cls !== cls) throw new Error(`${x.o.path}: expected ${cls}`);
    const out = f(x.o);
    x.o.done();
    return out;
  });
}

/** The single body entry of a reply kind that has one (Ryu wraps METER_FEATURES in a list). */
function single(o: RyuObj, cls: string): RyuObj {
  const v = o.get('body');
  const t = Array.isArray(v) ? (v.length === 1 ? untag(v[0]!, `${o.path}.body[0]`) : undefined) : untag(v, `${o.path}.body`);
  if (t === undefined || t.cls !== cls) throw new Error(`${o.path}.body: expected one ${cls}`);
  return t.o;
}

/** Multipart reply body by Ryu class; returns [OFPMP number, our body]. */
function replyBody(cls: string, o: RyuObj): [number, Obj] {
  switch (cls) {
    case 'OFPDescStatsReply': {
      const d = single(o, 'OFPDescStats');
      const b = { type: 'desc', mfrDesc: d.str('mfr_desc'), hwDesc: d.str('hw_desc'), swDesc: d.str('sw_desc'), serialNum: d.str('serial_num'), dpDesc: d.str('dp_desc') };
      d.done();
      return [0, b];
    }
    case 'OFPFlowStatsReply':
      return [1, { type: 'flow', flows: o.taggedList('body').map(flowStats) }];
    case 'OFPAggregateStatsReply': {
      const d = single(o, 'OFPAggregateStats');
      const b = { type: 'aggregate', packetCount: d.big('packet_count'), byteCount: d.big('byte_count'), flowCount: d.num('flow_count') };
      d.done();
      return [2, b];
    }
    case 'OFPTableStatsReply':
      return [3, { type: 'table', tables: entries(o, 'OFPTableStats', (e) => ({ tableId: e.num('table_id'), activeCount: e.num('active_count'), lookupCount: e.big('lookup_count'), matchedCount: e.big('matched_count') })) }];
    case 'OFPPortStatsReply':
      return [4, {
        type: 'port_stats',
        ports: entries(o, 'OFPPortStats', (e) => ({
          portNo: e.num('port_no'), rxPackets: e.big('rx_packets'), txPackets: e.big('tx_packets'), rxBytes: e.big('rx_bytes'),
          txBytes: e.big('tx_bytes'), rxDropped: e.big('rx_dropped'), txDropped: e.big('tx_dropped'), rxErrors: e.big('rx_errors'),
          txErrors: e.big('tx_errors'), rxFrameErr: e.big('rx_frame_err'), rxOverErr: e.big('rx_over_err'), rxCrcErr: e.big('rx_crc_err'),
          collisions: e.big('collisions'), durationSec: e.num('duration_sec'), durationNsec: e.num('duration_nsec'),
        })),
      }];
    case 'OFPQueueStatsReply':
      return [5, {
        type: 'queue',
        queues: entries(o, 'OFPQueueStats', (e) => ({
          portNo: e.num('port_no'), queueId: e.num('queue_id'), txBytes: e.big('tx_bytes'), txPackets: e.big('tx_packets'),
          txErrors: e.big('tx_errors'), durationSec: e.num('duration_sec'), durationNsec: e.num('duration_nsec'),
        })),
      }];
    case 'OFPGroupStatsReply':
      return [6, {
        type: 'group',
        groups: entries(o, 'OFPGroupStats', (e) => {
          e.skip('length');
          return {
            groupId: e.num('group_id'), refCount: e.num('ref_count'), packetCount: e.big('packet_count'), byteCount: e.big('byte_count'),
            durationSec: e.num('duration_sec'), durationNsec: e.num('duration_nsec'),
            bucketStats: e.taggedList('bucket_stats').map((c) => {
              if (c.cls !== 'OFPBucketCounter') throw new Error(`${c.o.path}: expected OFPBucketCounter`);
              const x = { packetCount: c.o.big('packet_count'), byteCount: c.o.big('byte_count') };
              c.o.done();
              return x;
            }),
          };
        }),
      }];
    case 'OFPGroupDescStatsReply':
      return [7, {
        type: 'group_desc',
        groups: entries(o, 'OFPGroupDescStats', (e) => {
          e.skip('length');
          return { groupType: e.num('type'), groupId: e.num('group_id'), buckets: e.taggedList('buckets').map(bucket) };
        }),
      }];
    case 'OFPGroupFeaturesStatsReply': {
      const d = single(o, 'OFPGroupFeaturesStats');
      const b = { type: 'group_features', types: d.num('types'), capabilities: d.num('capabilities'), maxGroups: d.nums('max_groups'), actions: d.nums('actions') };
      d.done();
      return [8, b];
    }
    case 'OFPMeterStatsReply':
      return [9, {
        type: 'meter',
        meters: entries(o, 'OFPMeterStats', (e) => {
          e.skip('len');
          return {
            meterId: e.num('meter_id'), flowCount: e.num('flow_count'), packetInCount: e.big('packet_in_count'),
            byteInCount: e.big('byte_in_count'), durationSec: e.num('duration_sec'), durationNsec: e.num('duration_nsec'),
            bandStats: e.taggedList('band_stats').map((c) => {
              if (c.cls !== 'OFPMeterBandStats') throw new Error(`${c.o.path}: expected OFPMeterBandStats`);
              const x = { packetBandCount: c.o.big('packet_band_count'), byteBandCount: c.o.big('byte_band_count') };
              c.o.done();
              return x;
            }),
          };
        }),
      }];
    case 'OFPMeterConfigStatsReply':
      return [10, {
        type: 'meter_config',
        meters: entries(o, 'OFPMeterConfigStats', (e) => {
          e.skip('length');
          return { flags: e.num('flags'), meterId: e.num('meter_id'), bands: e.taggedList('bands').map(meterBand) };
        }),
      }];
    case 'OFPMeterFeaturesStatsReply': {
      const d = single(o, 'OFPMeterFeaturesStats');
      const b = { type: 'meter_features', maxMeter: d.num('max_meter'), bandTypes: d.num('band_types'), capabilities: d.num('capabilities'), maxBands: d.num('max_bands'), maxColor: d.num('max_color') };
      d.done();
      return [11, b];
    }
    case 'OFPTableFeaturesStatsReply':
      return [12, { type: 'table_features', tables: o.taggedList('body').map(tableFeatures) }];
    case 'OFPPortDescStatsReply':
      return [13, { type: 'port_desc', ports: o.taggedList('body').map(port13) }];
    case 'OFPExperimenterStatsReply': {
      const d = single(o, 'OFPExperimenterMultipart');
      const b = { type: 'experimenter', experimenter: d.num('experimenter'), expType: d.num('exp_type'), data: d.b64('data') };
      d.done();
      return [0xffff, b];
    }
    default:
      throw new Error(`${o.path}: unknown multipart reply ${cls}`);
  }
}

/** Multipart request body by Ryu class; returns [OFPMP number, our body]. */
function requestBody(cls: string, o: RyuObj): [number, Obj] {
  switch (cls) {
    case 'OFPDescStatsRequest': return [0, { type: 'desc' }];
    case 'OFPFlowStatsRequest':
    case 'OFPAggregateStatsRequest':
      return [cls === 'OFPFlowStatsRequest' ? 1 : 2, {
        type: cls === 'OFPFlowStatsRequest' ? 'flow' : 'aggregate',
        tableId: o.num('table_id'), outPort: o.num('out_port'), outGroup: o.num('out_group'),
        cookie: o.big('cookie'), cookieMask: o.big('cookie_mask'), match: match13(o.tagged('match')),
      }];
    case 'OFPTableStatsRequest': return [3, { type: 'table' }];
    case 'OFPPortStatsRequest': return [4, { type: 'port_stats', portNo: o.num('port_no') }];
    case 'OFPQueueStatsRequest': return [5, { type: 'queue', portNo: o.num('port_no'), queueId: o.num('queue_id') }];
    case 'OFPGroupStatsRequest': return [6, { type: 'group', groupId: o.num('group_id') }];
    case 'OFPGroupDescStatsRequest': return [7, { type: 'group_desc' }];
    case 'OFPGroupFeaturesStatsRequest': return [8, { type: 'group_features' }];
    case 'OFPMeterStatsRequest': return [9, { type: 'meter', meterId: o.num('meter_id') }];
    case 'OFPMeterConfigStatsRequest': return [10, { type: 'meter_config', meterId: o.num('meter_id') }];
    case 'OFPMeterFeaturesStatsRequest': return [11, { type: 'meter_features' }];
    case 'OFPTableFeaturesStatsRequest': return [12, { type: 'table_features', tables: o.taggedList('body').map(tableFeatures) }];
    case 'OFPPortDescStatsRequest': return [13, { type: 'port_desc' }];
    case 'OFPExperimenterStatsRequest':
      return [0xffff, { type: 'experimenter', experimenter: o.num('experimenter'), expType: o.num('exp_type'), data: o.b64('data') }];
    case 'ONFFlowMonitorStatsRequest': {
      // ONF's flow monitor (experimenter ONF, exp_type 1870) is an experimenter multipart body that
      // Signalbox keeps as bytes. Each onf_flow_monitor_request is: id, flags, match_len, out_port,
      // table_id, pad[3], then match_len bytes of OXM TLVs padded to 8.
      if (o.num('experimenter') !== ONF_EXPERIMENTER_ID) throw new Error(`${o.path}: not ONF`);
      const b = new Bytes();
      for (const e of o.taggedList('body')) {
        if (e.cls !== 'ONFFlowMonitorRequest') throw new Error(`${e.o.path}: expected ONFFlowMonitorRequest`);
        const m = e.o.tagged('match');
        if (m.cls !== 'OFPMatch' || m.o.num('type') !== 1) throw new Error(`${m.o.path}: expected an OXM OFPMatch`);
        m.o.skip('length');
        const tlvs = m.o.taggedList('oxm_fields').map(oxmBytes);
        m.o.done();
        const matchLen = tlvs.reduce((n, x) => n + x.length, 0);
        if (e.o.num('match_len') !== matchLen) throw new Error(`${e.o.path}: match_len ${e.o.num('match_len')} != ${matchLen}`);
        b.u32(e.o.num('id')).u16(e.o.num('flags')).u16(matchLen).u32(e.o.num('out_port')).u8(e.o.num('table_id')).zeros(3);
        for (const x of tlvs) b.bytes(x);
        b.pad8();
        e.o.done();
      }
      return [0xffff, { type: 'experimenter', experimenter: ONF_EXPERIMENTER_ID, expType: o.num('exp_type'), data: b.buf() }];
    }
    default:
      throw new Error(`${o.path}: unknown multipart request ${cls}`);
  }
}

/**
 * Ryu's JSON for one OpenFlow 1.3 message → our message object. `wire` is the message's bytes,
 * used only where Ryu's JSON cannot describe them (the packet-library payload).
 */
export function ryuToMessage13(json: RyuValue, wire?: Buffer): Obj {
  const { cls, o } = untag(json, '');
  const h = { version: 4, xid: 0 };
  let m: Obj;
  switch (cls) {
    case 'OFPHello':
      m = {
        ...h, type: 'hello',
        elements: o.taggedList('elements').map((e) => {
          if (e.cls !== 'OFPHelloElemVersionBitmap' || e.o.num('type') !== 1) throw new Error(`${e.o.path}: unexpected hello element`);
          e.o.skip('length');
          const x = { type: 'versionbitmap', versions: e.o.nums('versions') };
          e.o.done();
          return x;
        }),
      };
      break;
    case 'OFPErrorMsg': {
      const errType = o.num('type');
      if (errType === 0xffff) {
        // ofp_error_experimenter_msg: Ryu writes code null and the exp_type; ours keeps exp_type in `code`.
        if (o.get('code') !== null) throw new Error(`${o.path}: experimenter error with a code`);
        m = { ...h, type: 'error', errType, code: o.num('exp_type'), experimenter: o.num('experimenter'), data: o.b64('data') };
      } else {
        m = { ...h, type: 'error', errType, code: o.num('code'), data: o.b64('data') };
      }
      break;
    }
    case 'OFPEchoRequest': m = { ...h, type: 'echo_request', data: o.b64('data') }; break;
    case 'OFPEchoReply': m = { ...h, type: 'echo_reply', data: o.b64('data') }; break;
    case 'OFPExperimenter':
      m = { ...h, type: 'experimenter', experimenter: o.num('experimenter'), expType: o.num('exp_type'), data: o.b64('data') };
      break;
    case 'OFPFeaturesRequest': m = { ...h, type: 'features_request' }; break;
    case 'OFPSwitchFeatures':
      // Ryu does not show ofp_switch_features.reserved; the vectors carry 0 there (the re-encode checks the byte).
      m = {
        ...h, type: 'features_reply', datapathId: o.big('datapath_id'), nBuffers: o.num('n_buffers'), nTables: o.num('n_tables'),
        auxiliaryId: o.num('auxiliary_id'), capabilities: o.num('capabilities'), reserved: 0,
      };
      break;
    case 'OFPGetConfigRequest': m = { ...h, type: 'get_config_request' }; break;
    case 'OFPGetConfigReply':
    case 'OFPSetConfig':
      m = { ...h, type: cls === 'OFPSetConfig' ? 'set_config' : 'get_config_reply', flags: o.num('flags'), missSendLen: o.num('miss_send_len') };
      break;
    case 'OFPPacketIn':
      m = {
        ...h, type: 'packet_in', bufferId: o.num('buffer_id'), totalLen: o.num('total_len'), reason: o.num('reason'),
        tableId: o.num('table_id'), cookie: o.big('cookie'), match: match13(o.tagged('match')), data: o.b64('data'),
      };
      break;
    case 'OFPFlowRemoved':
      m = {
        ...h, type: 'flow_removed', cookie: o.big('cookie'), priority: o.num('priority'), reason: o.num('reason'), tableId: o.num('table_id'),
        durationSec: o.num('duration_sec'), durationNsec: o.num('duration_nsec'), idleTimeout: o.num('idle_timeout'),
        hardTimeout: o.num('hard_timeout'), packetCount: o.big('packet_count'), byteCount: o.big('byte_count'), match: match13(o.tagged('match')),
      };
      break;
    case 'OFPPortStatus':
      m = { ...h, type: 'port_status', reason: o.num('reason'), port: port13(o.tagged('desc')) };
      break;
    case 'OFPPacketOut': {
      o.skip('actions_len');
      const actions = o.taggedList('actions').map(action13);
      m = { ...h, type: 'packet_out', bufferId: o.num('buffer_id'), inPort: o.num('in_port'), actions, data: packetOutData(o, wire, 24) };
      break;
    }
    case 'OFPFlowMod':
      m = flowMod13(o, h);
      break;
    case 'OFPGroupMod':
      m = { ...h, type: 'group_mod', command: o.num('command'), groupType: o.num('type'), groupId: o.num('group_id'), buckets: o.taggedList('buckets').map(bucket) };
      break;
    case 'OFPPortMod':
      m = { ...h, type: 'port_mod', portNo: o.num('port_no'), hwAddr: o.str('hw_addr'), config: o.num('config'), mask: o.num('mask'), advertise: o.num('advertise') };
      break;
    case 'OFPTableMod':
      m = { ...h, type: 'table_mod', tableId: o.num('table_id'), config: o.num('config') };
      break;
    case 'OFPQueueGetConfigRequest':
      m = { ...h, type: 'queue_get_config_request', port: o.num('port') };
      break;
    case 'OFPQueueGetConfigReply':
      m = { ...h, type: 'queue_get_config_reply', port: o.num('port'), queues: o.taggedList('queues').map(packetQueue) };
      break;
    case 'OFPRoleRequest':
    case 'OFPRoleReply':
      m = { ...h, type: cls === 'OFPRoleRequest' ? 'role_request' : 'role_reply', role: o.num('role'), generationId: o.big('generation_id') };
      break;
    case 'OFPGetAsyncRequest': m = { ...h, type: 'get_async_request' }; break;
    case 'OFPGetAsyncReply':
    case 'OFPSetAsync':
      m = {
        ...h, type: cls === 'OFPSetAsync' ? 'set_async' : 'get_async_reply',
        packetInMask: o.nums('packet_in_mask'), portStatusMask: o.nums('port_status_mask'), flowRemovedMask: o.nums('flow_removed_mask'),
      };
      break;
    case 'OFPMeterMod':
      m = { ...h, type: 'meter_mod', command: o.num('command'), flags: o.num('flags'), meterId: o.num('meter_id'), bands: o.taggedList('bands').map(meterBand) };
      break;
    case 'OFPBarrierRequest': m = { ...h, type: 'barrier_request' }; break;
    case 'OFPBarrierReply': m = { ...h, type: 'barrier_reply' }; break;
    default: {
      const isReply = cls.endsWith('StatsReply');
      if (!isReply && !cls.endsWith('StatsRequest')) throw new Error(`unknown Ryu message class ${cls}`);
      const [mp, body] = isReply ? replyBody(cls, o) : requestBody(cls, o);
      if (o.num('type') !== mp) throw new Error(`${o.path}: type ${o.num('type')} is not OFPMP ${mp}`);
      m = { ...h, type: isReply ? 'multipart_reply' : 'multipart_request', flags: o.num('flags'), body };
    }
  }
  o.done();
  return m;
}

function flowMod13(o: RyuObj, h: Obj): Obj {
  return {
    ...h, type: 'flow_mod', cookie: o.big('cookie'), cookieMask: o.big('cookie_mask'), tableId: o.num('table_id'),
    command: o.num('command'), idleTimeout: o.num('idle_timeout'), hardTimeout: o.num('hard_timeout'),
    priority: o.num('priority'), bufferId: o.num('buffer_id'), outPort: o.num('out_port'), outGroup: o.num('out_group'),
    flags: o.num('flags'), match: match13(o.tagged('match')), instructions: o.taggedList('instructions').map(instruction),
  };
}

/**
 * PACKET_OUT data. Usually base64; in the two *_packet_out_packet_library vectors Ryu shows the
 * frame parsed by its packet library instead, which Signalbox's codec does not do: the expected
 * data is then the payload bytes of the wire message (after the `fixed` bytes and the actions),
 * after a light check that Ryu's parsed Ethernet header agrees with them.
 */
function packetOutData(o: RyuObj, wire: Buffer | undefined, fixed: number): Buffer {
  const v = o.get('data');
  if (typeof v === 'string') return Buffer.from(v, 'base64');
  if (wire === undefined) throw new Error(`${o.path}.data: a parsed packet needs the wire bytes`);
  const actionsLen = wire.readUInt16BE(fixed === 24 ? 16 : 14);
  const payload = wire.subarray(fixed + actionsLen);
  const eth = untag(v, `${o.path}.data`);
  if (eth.cls !== 'Packet') throw new Error(`${o.path}.data: expected a Packet`);
  const first = untag(eth.o.arr('protocols')[0]!, `${o.path}.data.protocols[0]`);
  const mac = (b: Buffer): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
  if (first.cls !== 'ethernet' || first.o.str('dst') !== mac(payload.subarray(0, 6)) || first.o.str('src') !== mac(payload.subarray(6, 12))
    || first.o.num('ethertype') !== payload.readUInt16BE(12)) {
    throw new Error(`${o.path}.data: Ryu's parsed Ethernet header does not match the payload bytes`);
  }
  return Buffer.from(payload);
}

// ---------------------------------------------------------------------------------------------
// OpenFlow 1.0

function match10(t: Tagged): Obj {
  if (t.cls !== 'OFPMatch') throw new Error(`${t.o.path}: expected OFPMatch`);
  const o = t.o;
  const out = {
    wildcards: o.num('wildcards'), inPort: o.num('in_port'), dlSrc: o.str('dl_src'), dlDst: o.str('dl_dst'),
    dlVlan: o.num('dl_vlan'), dlVlanPcp: o.num('dl_vlan_pcp'), dlType: o.num('dl_type'), nwTos: o.num('nw_tos'),
    nwProto: o.num('nw_proto'), nwSrc: o.str('nw_src'), nwDst: o.str('nw_dst'), tpSrc: o.num('tp_src'), tpDst: o.num('tp_dst'),
  };
  o.done();
  return out;
}

/** A Ryu OF1.0 action (no type/len in the JSON) → our Action10. */
function action10(t: Tagged): Obj {
  const o = t.o;
  if (t.cls.startsWith('NXAction')) {
    // Nicira vendor actions are kept raw: vendor 0x2320, data = subtype and body, padded.
    return { type: 'vendor', vendor: NX_VENDOR_ID, data: nxActionData(t, 1, nestedActionBytes) };
  }
  let out: Obj;
  switch (t.cls) {
    case 'OFPActionOutput': out = { type: 'output', port: o.num('port'), maxLen: o.num('max_len') }; break;
    default: throw new Error(`${o.path}: unmapped OF1.0 action ${t.cls}`);
  }
  o.done();
  return out;
}

function phyPort(t: Tagged): Obj {
  if (t.cls !== 'OFPPhyPort') throw new Error(`${t.o.path}: expected OFPPhyPort`);
  const o = t.o;
  const out = {
    portNo: o.num('port_no'), hwAddr: o.str('hw_addr'), name: o.str('name'), config: o.num('config'), state: o.num('state'),
    curr: o.num('curr'), advertised: o.num('advertised'), supported: o.num('supported'), peer: o.num('peer'),
  };
  o.done();
  return out;
}

/** Ryu's JSON for one OpenFlow 1.0 message → our message object (see ryuToMessage13). */
export function ryuToMessage10(json: RyuValue, wire?: Buffer): Obj {
  const { cls, o } = untag(json, '');
  const h = { version: 1, xid: 0 };
  let m: Obj;
  switch (cls) {
    case 'OFPFeaturesRequest': m = { ...h, type: 'features_request' }; break;
    case 'OFPSwitchFeatures': {
      // Ryu keys the ports by port number as a string, losing the wire order: the list is built
      // in ascending port order and the test compares it with the decoded ports sorted the same
      // way (the byte-exact re-encode still checks the wire order).
      const ports = o.obj('ports');
      const list = ports.keys().map((k) => {
        const p = phyPort(ports.tagged(k));
        if (String(p.portNo) !== k) throw new Error(`${ports.path}.${k}: key does not match port_no ${String(p.portNo)}`);
        return p;
      });
      ports.done();
      list.sort((a, b) => (a.portNo as number) - (b.portNo as number));
      m = {
        ...h, type: 'features_reply', datapathId: o.big('datapath_id'), nBuffers: o.num('n_buffers'), nTables: o.num('n_tables'),
        capabilities: o.num('capabilities'), actions: o.num('actions'), ports: list,
      };
      break;
    }
    case 'OFPPacketIn':
      m = { ...h, type: 'packet_in', bufferId: o.num('buffer_id'), totalLen: o.num('total_len'), inPort: o.num('in_port'), reason: o.num('reason'), data: o.b64('data') };
      break;
    case 'OFPPacketOut': {
      const actions = o.taggedList('actions').map(action10);
      m = { ...h, type: 'packet_out', bufferId: o.num('buffer_id'), inPort: o.num('in_port'), actions, data: packetOutData(o, wire, 16) };
      break;
    }
    case 'OFPFlowMod':
      m = {
        ...h, type: 'flow_mod', match: match10(o.tagged('match')), cookie: o.big('cookie'), command: o.num('command'),
        idleTimeout: o.num('idle_timeout'), hardTimeout: o.num('hard_timeout'), priority: o.num('priority'),
        bufferId: o.num('buffer_id'), outPort: o.num('out_port'), flags: o.num('flags'), actions: o.taggedList('actions').map(action10),
      };
      break;
    default:
      throw new Error(`unknown Ryu OF1.0 message class ${cls}`);
  }
  o.done();
  return m;
}

/** Ryu's JSON → our message, by version (1 or 4). */
export function ryuToMessage(version: 1 | 4, json: RyuValue, wire?: Buffer): Obj {
  return version === 1 ? ryuToMessage10(json, wire) : ryuToMessage13(json, wire);
}

/** The fixed fields of the OFPFlowMod inside the truncation vector's OFPTruncatedMessage (match and instructions left out). */
export function truncatedFlowModFixed(json: RyuValue): Obj {
  const outer = untag(json, '');
  if (outer.cls !== 'OFPTruncatedMessage') throw new Error('expected OFPTruncatedMessage');
  const inner = untag(outer.o.raw, 'OFPTruncatedMessage');
  if (inner.cls !== 'OFPFlowMod') throw new Error('expected a truncated OFPFlowMod');
  const o = inner.o;
  const m = flowMod13(o, { version: 4, xid: 0 });
  o.done();
  const { match: _match, instructions: _instructions, ...fixed } = m;
  return fixed;
}
