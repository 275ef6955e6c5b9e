// OpenFlow 1.0 message codec: round trips of every message, exact bytes of hand-built messages,
// Ryu/os-ken of10 vectors decoded, checked by hand against their JSON and re-encoded byte-exact,
// and only OfDecodeError on truncated or garbled input.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OFP_NO_BUFFER, OFPBAC, OFPBRC, OFPET, OFPP10 } from '../../src/openflow/codec/constants.js';
import { OfDecodeError, OfEncodeError } from '../../src/openflow/codec/errors.js';
import { decodeMessage, encodeMessage } from '../../src/openflow/codec/index.js';
import { Writer } from '../../src/openflow/codec/writer.js';
import type { Action10 } from '../../src/openflow/codec/v10/actions.js';
import {
  MATCH10_ALL,
  match10,
  mergeStatsReplies10,
  OFPAT10,
  OFPFC10,
  OFPFF10,
  OFPST,
  OFPSF,
  type FlowMod,
  type Of10Message,
  type PhyPort,
  type StatsReply,
} from '../../src/openflow/codec/v10/messages.js';
import { encodeV10 } from '../../src/openflow/codec/v10/messages.js';
import { RYU_VECTORS } from '../harness/paths.js';

const VECTORS = `${RYU_VECTORS}/of10`;

function vector(name: string): Buffer {
  return readFileSync(join(VECTORS, `${name}.packet`));
}

function vectorJson(name: string): Record<string, Record<string, unknown>> {
  return JSON.parse(readFileSync(join(VECTORS, `${name}.packet.json`), 'utf8')) as Record<string, Record<string, unknown>>;
}

/** Encodes, decodes, and checks the object and the bytes survive the trip. */
function roundTrip(m: Of10Message): Buffer {
  const bytes = encodeMessage(m);
  expect(bytes[0]).toBe(1);
  expect(bytes.readUInt16BE(2)).toBe(bytes.length);
  const back = decodeMessage(bytes);
  expect(back).toEqual(m);
  expect(encodeMessage(back)).toEqual(bytes);
  return bytes;
}

/** Decoding gives an OfDecodeError (returned) or succeeds (undefined); anything else thrown fails the test. */
function decodeError(buf: Buffer): OfDecodeError | undefined {
  try {
    decodeMessage(buf);
    return undefined;
  } catch (e) {
    if (!(e instanceof OfDecodeError)) throw new Error(`not an OfDecodeError: ${String(e)}`);
    return e;
  }
}

/** The first `n` bytes of a message with its header length set to `n`. */
function truncated(bytes: Buffer, n: number): Buffer {
  const b = Buffer.from(bytes.subarray(0, n));
  b.writeUInt16BE(n, 2);
  return b;
}

/** The message with `k` zero bytes appended, header length updated. */
function extended(bytes: Buffer, k = 1): Buffer {
  const b = Buffer.concat([bytes, Buffer.alloc(k)]);
  b.writeUInt16BE(b.length, 2);
  return b;
}

const port6: PhyPort = {
  portNo: 6,
  hwAddr: 'f2:0b:a4:7d:f8:ea',
  name: 'Port6',
  config: 0,
  state: 2,
  curr: 648,
  advertised: 640,
  supported: 648,
  peer: 648,
};

const allActions: Action10[] = [
  { type: 'output', port: 3, maxLen: 128 },
  { type: 'set_vlan_vid', vlanVid: 42 },
  { type: 'set_vlan_pcp', vlanPcp: 5 },
  { type: 'strip_vlan' },
  { type: 'set_dl_src', dlAddr: '00:11:22:33:44:55' },
  { type: 'set_dl_dst', dlAddr: 'aa:bb:cc:dd:ee:ff' },
  { type: 'set_nw_src', nwAddr: '10.0.0.1' },
  { type: 'set_nw_dst', nwAddr: '192.168.255.254' },
  { type: 'set_nw_tos', nwTos: 0xb8 },
  { type: 'set_tp_src', tpPort: 1234 },
  { type: 'set_tp_dst', tpPort: 80 },
  { type: 'enqueue', port: 2, queueId: 7 },
  { type: 'vendor', vendor: 0x2320, data: Buffer.from([0, 18, 0, 0, 0, 0, 0, 0]) },
  { type: 'unknown', actionType: 77, data: Buffer.from([1, 2, 3, 4]) },
  { type: 'output', port: OFPP10.CONTROLLER, maxLen: 0xffff },
];

const fullMatch = match10({
  inPort: 1,
  dlSrc: '00:00:00:00:00:01',
  dlDst: '00:00:00:00:00:02',
  dlVlan: 100,
  dlVlanPcp: 3,
  dlType: 0x0800,
  nwTos: 0x10,
  nwProto: 6,
  nwSrc: '10.0.0.0/8',
  nwDst: '192.168.1.7',
  tpSrc: 1000,
  tpDst: 22,
});

const flowMod: FlowMod = {
  version: 1,
  type: 'flow_mod',
  xid: 0x01020304,
  match: fullMatch,
  cookie: 0xfedcba9876543210n,
  command: OFPFC10.MODIFY_STRICT,
  idleTimeout: 10,
  hardTimeout: 300,
  priority: 0x8000,
  bufferId: OFP_NO_BUFFER,
  outPort: OFPP10.NONE,
  flags: OFPFF10.SEND_FLOW_REM | OFPFF10.CHECK_OVERLAP,
  actions: allActions,
};

/** One of each message this codec owns, and a few common ones through the 1.0 door. */
const samples: Of10Message[] = [
  { version: 1, type: 'hello', xid: 1, elements: [] },
  { version: 1, type: 'error', xid: 2, errType: 1, code: 6, data: Buffer.from('0102', 'hex') },
  { version: 1, type: 'echo_request', xid: 3, data: Buffer.from('ping') },
  { version: 1, type: 'features_request', xid: 4 },
  { version: 1, type: 'set_config', xid: 5, flags: 0, missSendLen: 128 },
  { version: 1, type: 'barrier_reply', xid: 6 },
  { version: 1, type: 'vendor', xid: 7, vendor: 0x2320, data: Buffer.from('000000100000000a', 'hex') },
  {
    version: 1,
    type: 'features_reply',
    xid: 8,
    datapathId: 0xffffffffffffffffn,
    nBuffers: 256,
    nTables: 2,
    capabilities: 0xc7,
    actions: 0xfff,
    ports: [port6, { ...port6, portNo: OFPP10.LOCAL, name: 'br0-with-long-n', hwAddr: '00:00:00:00:00:01' }],
  },
  { version: 1, type: 'features_reply', xid: 9, datapathId: 1n, nBuffers: 0, nTables: 1, capabilities: 0, actions: 1, ports: [] },
  { version: 1, type: 'packet_in', xid: 10, bufferId: 0x1234, totalLen: 60, inPort: 3, reason: 0, data: Buffer.alloc(60, 7) },
  { version: 1, type: 'packet_in', xid: 11, bufferId: OFP_NO_BUFFER, totalLen: 1500, inPort: 1, reason: 1, data: Buffer.alloc(0) },
  {
    version: 1,
    type: 'flow_removed',
    xid: 12,
    match: fullMatch,
    cookie: 99n,
    priority: 7,
    reason: 2,
    durationSec: 100,
    durationNsec: 999_999_999,
    idleTimeout: 60,
    packetCount: 1n << 40n,
    byteCount: (1n << 64n) - 1n,
  },
  { version: 1, type: 'port_status', xid: 13, reason: 2, port: port6 },
  {
    version: 1,
    type: 'packet_out',
    xid: 14,
    bufferId: OFP_NO_BUFFER,
    inPort: OFPP10.CONTROLLER,
    actions: [{ type: 'output', port: OFPP10.FLOOD, maxLen: 0 }],
    data: Buffer.from('ffffffffffff0000000000010806', 'hex'),
  },
  { version: 1, type: 'packet_out', xid: 15, bufferId: 77, inPort: 2, actions: [], data: Buffer.alloc(0) },
  flowMod,
  { ...flowMod, xid: 16, actions: [], match: MATCH10_ALL, command: OFPFC10.DELETE },
  { version: 1, type: 'port_mod', xid: 17, portNo: 3, hwAddr: '02:00:00:00:00:03', config: 1, mask: 1, advertise: 0 },
  { version: 1, type: 'stats_request', xid: 18, flags: 0, body: { type: 'desc' } },
  { version: 1, type: 'stats_request', xid: 19, flags: 0, body: { type: 'flow', match: MATCH10_ALL, tableId: 0xff, outPort: OFPP10.NONE } },
  { version: 1, type: 'stats_request', xid: 20, flags: 0, body: { type: 'aggregate', match: fullMatch, tableId: 0, outPort: 4 } },
  { version: 1, type: 'stats_request', xid: 21, flags: 0, body: { type: 'table' } },
  { version: 1, type: 'stats_request', xid: 22, flags: 0, body: { type: 'port', portNo: OFPP10.NONE } },
  { version: 1, type: 'stats_request', xid: 23, flags: 0, body: { type: 'queue', portNo: OFPP10.ALL, queueId: 0xffffffff } },
  { version: 1, type: 'stats_request', xid: 24, flags: 0, body: { type: 'vendor', vendor: 0x2320, data: Buffer.from('0000000000000000', 'hex') } },
  { version: 1, type: 'stats_request', xid: 25, flags: 0, body: { type: 'unknown', statsType: 9, data: Buffer.from([1, 2, 3]) } },
  {
    version: 1,
    type: 'stats_reply',
    xid: 26,
    flags: 0,
    body: { type: 'desc', mfrDesc: 'Nicira, Inc.', hwDesc: 'Open vSwitch', swDesc: '3.1.0', serialNum: 'None', dpDesc: 's1 ünïcode' },
  },
  {
    version: 1,
    type: 'stats_reply',
    xid: 27,
    flags: OFPSF.REPLY_MORE,
    body: {
      type: 'flow',
      flows: [
        {
          tableId: 0,
          match: fullMatch,
          durationSec: 5,
          durationNsec: 6,
          priority: 100,
          idleTimeout: 0,
          hardTimeout: 30,
          cookie: 0x42n,
          packetCount: 10n,
          byteCount: 1000n,
          actions: allActions,
        },
        {
          tableId: 1,
          match: MATCH10_ALL,
          durationSec: 0,
          durationNsec: 0,
          priority: 0,
          idleTimeout: 0,
          hardTimeout: 0,
          cookie: 0n,
          packetCount: 0n,
          byteCount: 0n,
          actions: [],
        },
      ],
    },
  },
  { version: 1, type: 'stats_reply', xid: 28, flags: 0, body: { type: 'aggregate', packetCount: 5n, byteCount: 500n, flowCount: 3 } },
  {
    version: 1,
    type: 'stats_reply',
    xid: 29,
    flags: 0,
    body: {
      type: 'table',
      tables: [
        { tableId: 0, name: 'classifier', wildcards: 0x3fffff, maxEntries: 1000000, activeCount: 3, lookupCount: 100n, matchedCount: 90n },
        { tableId: 1, name: '', wildcards: 0, maxEntries: 0, activeCount: 0, lookupCount: 0n, matchedCount: 0n },
      ],
    },
  },
  {
    version: 1,
    type: 'stats_reply',
    xid: 30,
    flags: 0,
    body: {
      type: 'port',
      ports: [
        {
          portNo: 1,
          rxPackets: 1n,
          txPackets: 2n,
          rxBytes: 3n,
          txBytes: 4n,
          rxDropped: 5n,
          txDropped: 6n,
          rxErrors: 7n,
          txErrors: 8n,
          rxFrameErr: 9n,
          rxOverErr: 10n,
          rxCrcErr: 11n,
          collisions: (1n << 64n) - 1n,
        },
      ],
    },
  },
  { version: 1, type: 'stats_reply', xid: 31, flags: 0, body: { type: 'queue', queues: [{ portNo: 1, queueId: 2, txBytes: 3n, txPackets: 4n, txErrors: 5n }] } },
  { version: 1, type: 'stats_reply', xid: 32, flags: 0, body: { type: 'vendor', vendor: 0x2320, data: Buffer.from('deadbeef', 'hex') } },
  { version: 1, type: 'stats_reply', xid: 33, flags: 0, body: { type: 'unknown', statsType: 0x77, data: Buffer.alloc(0) } },
  { version: 1, type: 'queue_get_config_request', xid: 34, port: 5 },
  {
    version: 1,
    type: 'queue_get_config_reply',
    xid: 35,
    port: 5,
    queues: [
      { queueId: 1, properties: [{ type: 'min_rate', rate: 500 }, { type: 'unknown', propType: 0, data: Buffer.alloc(4) }] },
      { queueId: 2, properties: [] },
      { queueId: 3, properties: [{ type: 'unknown', propType: 9, data: Buffer.from('000000000102030405', 'hex') }] },
    ],
  },
  { version: 1, type: 'unknown', xid: 36, msgType: 0x30, data: Buffer.from('opaque body') },
  { version: 1, type: 'unknown', xid: 37, msgType: 22, data: Buffer.alloc(0) },
];

describe('OpenFlow 1.0 round trips', () => {
  it.each(samples.map((m) => [`${m.type} xid ${m.xid}`, m] as const))('%s', (_name, m) => {
    roundTrip(m);
  });

  it('fills in output maxLen 0xffff when not given', () => {
    const bytes = encodeMessage({ version: 1, type: 'packet_out', xid: 1, bufferId: 5, inPort: 1, actions: [{ type: 'output', port: 2 }], data: Buffer.alloc(0) });
    const m = decodeMessage(bytes);
    expect(m.type === 'packet_out' && m.actions[0]).toEqual({ type: 'output', port: 2, maxLen: 0xffff });
  });

  it('writes several messages back to back into one writer', () => {
    const w = new Writer(16);
    for (const m of samples) encodeV10(w, m);
    const all = w.take();
    let off = 0;
    for (const m of samples) {
      const len = all.readUInt16BE(off + 2);
      expect(decodeMessage(all.subarray(off, off + len))).toEqual(m);
      off += len;
    }
    expect(off).toBe(all.length);
  });

  it('packet_in data is a view of the input, not a copy', () => {
    const bytes = encodeMessage(samples.find((m) => m.type === 'packet_in')!);
    const m = decodeMessage(bytes);
    if (m.type !== 'packet_in') throw new Error('expected packet_in');
    expect(m.data.buffer).toBe(bytes.buffer);
    expect(m.data.byteOffset).toBe(bytes.byteOffset + 18);
  });
});

describe('OpenFlow 1.0 exact bytes', () => {
  it('flow_mod: ofp_match, fixed fields and actions at their spec offsets', () => {
    const bytes = encodeMessage({
      version: 1,
      type: 'flow_mod',
      xid: 0xaabbccdd,
      match: match10({ inPort: 1, dlType: 0x0800, nwDst: '10.0.0.0/24' }),
      cookie: 0x0102030405060708n,
      command: OFPFC10.ADD,
      idleTimeout: 5,
      hardTimeout: 6,
      priority: 7,
      bufferId: 8,
      outPort: OFPP10.NONE,
      flags: OFPFF10.SEND_FLOW_REM,
      actions: [{ type: 'output', port: 2, maxLen: 0 }, { type: 'set_dl_dst', dlAddr: '01:02:03:04:05:06' }],
    });
    const hex = [
      '010e0060aabbccdd', // header: version 1, type 14, length 96
      // wildcards: all but IN_PORT and DL_TYPE, nw_dst wild bits 8
      ((0x3fffff & ~1 & ~0x10 & ~(0x3f << 14)) | (8 << 14)).toString(16).padStart(8, '0'),
      '0001', // in_port
      '000000000000000000000000', // dl_src, dl_dst
      '0000', '00', '00', '0800', // dl_vlan, pcp, pad, dl_type
      '00', '00', '0000', // nw_tos, nw_proto, pad
      '00000000', '0a000000', // nw_src, nw_dst
      '0000', '0000', // tp_src, tp_dst
      '0102030405060708', // cookie
      '0000', '0005', '0006', '0007', // command, idle, hard, priority
      '00000008', 'ffff', '0001', // buffer_id, out_port, flags
      '0000000800020000', // output port 2 max_len 0
      '00050010010203040506000000000000', // set_dl_dst
    ].join('');
    expect(bytes.toString('hex')).toBe(hex);
  });

  it('flow_mod cookies: each message gets its own (the encoder caches the last one)', () => {
    for (const cookie of [0n, 1n, 0xfedcba9876543210n, 1n, 0n, 0xffffffffn, 1n << 32n]) {
      const bytes = encodeMessage({ ...flowMod, cookie });
      expect(bytes.readBigUInt64BE(48)).toBe(cookie);
    }
  });

  it('packet_out: actions_len computed, data after the actions', () => {
    const bytes = encodeMessage({
      version: 1,
      type: 'packet_out',
      xid: 1,
      bufferId: OFP_NO_BUFFER,
      inPort: OFPP10.CONTROLLER,
      actions: [{ type: 'enqueue', port: 3, queueId: 9 }],
      data: Buffer.from('abcd', 'hex'),
    });
    expect(bytes.toString('hex')).toBe('010d002200000001' + 'fffffffffffd0010' + '000b001000030000000000000000000' + '9' + 'abcd');
  });

  it('vendor and unknown actions are padded to 8 bytes on encode', () => {
    const bytes = encodeMessage({
      version: 1,
      type: 'packet_out',
      xid: 1,
      bufferId: 1,
      inPort: 1,
      actions: [{ type: 'vendor', vendor: 0x2320, data: Buffer.from([0, 0x12]) }, { type: 'unknown', actionType: 50, data: Buffer.alloc(0) }],
      data: Buffer.alloc(0),
    });
    expect(bytes.subarray(16).toString('hex')).toBe('ffff001000002320' + '0012000000000000' + '0032000800000000');
    expect(bytes.readUInt16BE(14)).toBe(24);
  });
});

describe('OpenFlow 1.0 Ryu/os-ken vectors', () => {
  const names = readdirSync(VECTORS)
    .filter((f) => f.endsWith('.packet'))
    .map((f) => f.slice(0, -'.packet'.length));

  it('has the 13 vectors', () => {
    expect(names).toHaveLength(13);
  });

  it.each(names)('%s decodes and re-encodes byte-exact', (name) => {
    const bytes = vector(name);
    const m = decodeMessage(bytes);
    expect(m.version).toBe(1);
    expect(encodeMessage(m)).toEqual(bytes);
    checkAgainstJson(m as Of10Message, vectorJson(name));
  });

  it('features reply: dpid, ports in wire order', () => {
    const m = decodeMessage(vector('1-6-ofp_switch_features'));
    if (m.type !== 'features_reply' || m.version !== 1) throw new Error('expected a 1.0 features_reply');
    expect(m.datapathId).toBe(0xff12345678n);
    expect(m.nBuffers).toBe(0);
    expect(m.nTables).toBe(255);
    expect(m.capabilities).toBe(169);
    expect(m.actions).toBe(2115);
    expect(m.ports).toEqual([
      { portNo: 7, hwAddr: 'f2:0b:a4:d0:3f:70', name: 'Port7', config: 0, state: 16, curr: 648, advertised: 640, supported: 648, peer: 648 },
      port6,
    ]);
  });

  it('flow_mod: the match the builder makes for dl_dst only', () => {
    const m = decodeMessage(vector('1-2-ofp_flow_mod'));
    if (m.type !== 'flow_mod' || m.version !== 1) throw new Error('expected a 1.0 flow_mod');
    expect(m.match).toEqual(match10({ dlDst: 'f2:0b:a4:7d:f8:ea' }));
    expect(m.match.wildcards).toBe(4194295);
    expect(m.bufferId).toBe(65535);
    expect(m.outPort).toBe(OFPP10.ALL);
    expect(m.priority).toBe(123);
    expect(m.actions).toEqual([{ type: 'output', port: 6, maxLen: 65535 }]);
  });

  it('flow_mod with a Nicira vendor action keeps its bytes', () => {
    const m = decodeMessage(vector('ovs-ofctl-of10-action_push_mpls'));
    if (m.type !== 'flow_mod' || m.version !== 1) throw new Error('expected a 1.0 flow_mod');
    expect(m.match.dlType).toBe(0x0800);
    expect(m.match.wildcards).toBe(3678447);
    expect(m.actions).toEqual([{ type: 'vendor', vendor: 0x2320, data: Buffer.from('0017884700000000', 'hex') }]);
  });

  it('packet_in: fields and data', () => {
    const m = decodeMessage(vector('1-4-ofp_packet_in'));
    if (m.type !== 'packet_in' || m.version !== 1) throw new Error('expected a 1.0 packet_in');
    expect(m).toMatchObject({ bufferId: 2, totalLen: 42, inPort: 99, reason: 1 });
    expect(m.data.toString('base64')).toBe('////////8gukffjqCAYAAQgABgQAAfILpH346goAAAEAAAAAAAAKAAAD');
  });
});

/** Checks the decoded message against Ryu's JSON for the fields these vectors carry. */
function checkAgainstJson(m: Of10Message, json: Record<string, Record<string, unknown>>): void {
  const [cls, body] = Object.entries(json)[0]!;
  const actionsFromJson = (list: unknown[]): unknown[] =>
    list.map((entry) => {
      const [k, v] = Object.entries(entry as Record<string, Record<string, number>>)[0]!;
      if (k === 'OFPActionOutput') return { type: 'output', port: v.port, maxLen: v.max_len };
      if (k.startsWith('NXAction')) return { type: 'vendor', vendor: v.vendor, subtype: v.subtype };
      throw new Error(`no check for ${k}`);
    });
  const actionsOf = (list: readonly Action10[]): unknown[] =>
    list.map((a) => (a.type === 'vendor' ? { type: 'vendor', vendor: a.vendor, subtype: a.data.readUInt16BE(0) } : a));
  switch (cls) {
    case 'OFPFeaturesRequest':
      expect(m.type).toBe('features_request');
      return;
    case 'OFPPacketIn':
      expect(m.type).toBe('packet_in');
      if (m.type !== 'packet_in') return;
      expect(m.bufferId).toBe(body.buffer_id);
      expect(m.totalLen).toBe(body.total_len);
      expect(m.inPort).toBe(body.in_port);
      expect(m.reason).toBe(body.reason);
      expect(m.data.toString('base64')).toBe(body.data);
      return;
    case 'OFPPacketOut':
      expect(m.type).toBe('packet_out');
      if (m.type !== 'packet_out') return;
      expect(m.bufferId).toBe(body.buffer_id);
      expect(m.inPort).toBe(body.in_port);
      expect(actionsOf(m.actions)).toEqual(actionsFromJson(body.actions as unknown[]));
      // The packet-library vector gives data as a parsed packet; the other as base64.
      if (typeof body.data === 'string') expect(m.data.toString('base64')).toBe(body.data);
      else expect(m.data.length).toBe(98);
      return;
    case 'OFPSwitchFeatures': {
      expect(m.type).toBe('features_reply');
      if (m.type !== 'features_reply' || m.version !== 1) return;
      expect(m.datapathId).toBe(BigInt(body.datapath_id as number));
      expect(m.nBuffers).toBe(body.n_buffers);
      expect(m.nTables).toBe(body.n_tables);
      expect(m.capabilities).toBe(body.capabilities);
      expect(m.actions).toBe(body.actions);
      const ports = body.ports as Record<string, { OFPPhyPort: Record<string, unknown> }>;
      expect(m.ports.map((p) => String(p.portNo)).sort()).toEqual(Object.keys(ports).sort());
      for (const p of m.ports) {
        const j = ports[String(p.portNo)]!.OFPPhyPort;
        expect(p).toEqual({
          portNo: j.port_no,
          hwAddr: j.hw_addr,
          name: j.name,
          config: j.config,
          state: j.state,
          curr: j.curr,
          advertised: j.advertised,
          supported: j.supported,
          peer: j.peer,
        });
      }
      return;
    }
    case 'OFPFlowMod': {
      expect(m.type).toBe('flow_mod');
      if (m.type !== 'flow_mod' || m.version !== 1) return;
      const j = (body.match as { OFPMatch: Record<string, unknown> }).OFPMatch;
      expect(m.match).toEqual({
        wildcards: j.wildcards,
        inPort: j.in_port,
        dlSrc: j.dl_src,
        dlDst: j.dl_dst,
        dlVlan: j.dl_vlan,
        dlVlanPcp: j.dl_vlan_pcp,
        dlType: j.dl_type,
        nwTos: j.nw_tos,
        nwProto: j.nw_proto,
        nwSrc: j.nw_src,
        nwDst: j.nw_dst,
        tpSrc: j.tp_src,
        tpDst: j.tp_dst,
      });
      expect(m.cookie).toBe(BigInt(body.cookie as number));
      expect(m.command).toBe(body.command);
      expect(m.idleTimeout).toBe(body.idle_timeout);
      expect(m.hardTimeout).toBe(body.hard_timeout);
      expect(m.priority).toBe(body.priority);
      expect(m.bufferId).toBe(body.buffer_id);
      expect(m.outPort).toBe(body.out_port);
      expect(m.flags).toBe(body.flags);
      expect(actionsOf(m.actions)).toEqual(actionsFromJson(body.actions as unknown[]));
      return;
    }
    default:
      throw new Error(`no check for ${cls}`);
  }
}

describe('OpenFlow 1.0 malformed input', () => {
  const encoded = samples.map((m) => [`${m.type} xid ${m.xid}`, encodeMessage(m)] as const);
  const vectors = readdirSync(VECTORS)
    .filter((f) => f.endsWith('.packet'))
    .map((f) => [f, readFileSync(join(VECTORS, f))] as const);

  it.each([...encoded, ...vectors])('%s: every truncation gives a result or an OfDecodeError', (_name, bytes) => {
    for (let n = 8; n < bytes.length; n++) decodeError(truncated(bytes, n));
    decodeError(extended(bytes, 1));
    decodeError(extended(bytes, 8));
  });

  it('fixed-size messages cut short or extended fail with BAD_REQUEST / BAD_LEN', () => {
    const fixed = samples.filter((m) => ['port_status', 'port_mod', 'flow_removed', 'queue_get_config_request'].includes(m.type));
    expect(fixed.length).toBe(4);
    for (const m of fixed) {
      const bytes = encodeMessage(m);
      for (const b of [truncated(bytes, bytes.length - 1), truncated(bytes, 10), extended(bytes)]) {
        const e = decodeError(b);
        expect(e, m.type).toBeDefined();
        expect([e!.errType, e!.errCode]).toEqual([OFPET.BAD_REQUEST, OFPBRC.BAD_LEN]);
      }
    }
  });

  it('flow_mod cut inside the match or fixed fields: BAD_REQUEST / BAD_LEN', () => {
    const bytes = encodeMessage(flowMod);
    for (const n of [9, 20, 47, 48, 60, 71]) {
      const e = decodeError(truncated(bytes, n));
      expect([e?.errType, e?.errCode], `cut at ${n}`).toEqual([OFPET.BAD_REQUEST, OFPBRC.BAD_LEN]);
    }
  });

  it('flow_mod cut inside an action: BAD_ACTION / BAD_LEN', () => {
    const bytes = encodeMessage(flowMod);
    for (const n of [81, 84, 90, 100]) {
      const e = decodeError(truncated(bytes, n));
      expect([e?.errType, e?.errCode], `cut at ${n}`).toEqual([OFPET.BAD_ACTION, OFPBAC.BAD_LEN]);
    }
  });

  it('bad action lengths: BAD_ACTION / BAD_LEN', () => {
    const base = encodeMessage({ version: 1, type: 'packet_out', xid: 1, bufferId: 1, inPort: 1, actions: [{ type: 'output', port: 1, maxLen: 0 }], data: Buffer.alloc(0) });
    for (const len of [0, 4, 7, 12, 16]) {
      const b = Buffer.from(base);
      b.writeUInt16BE(len, 18);
      const e = decodeError(b);
      expect([e?.errType, e?.errCode], `len ${len}`).toEqual([OFPET.BAD_ACTION, OFPBAC.BAD_LEN]);
    }
    // set_dl_src must be 16 bytes
    const dl = Buffer.from(base);
    dl.writeUInt16BE(OFPAT10.SET_DL_SRC, 16);
    expect(decodeError(dl)?.errType).toBe(OFPET.BAD_ACTION);
  });

  it('packet_out actions_len past the message: BAD_REQUEST / BAD_LEN', () => {
    const base = encodeMessage({ version: 1, type: 'packet_out', xid: 1, bufferId: 1, inPort: 1, actions: [], data: Buffer.alloc(4) });
    base.writeUInt16BE(16, 14);
    const e = decodeError(base);
    expect([e?.errType, e?.errCode]).toEqual([OFPET.BAD_REQUEST, OFPBRC.BAD_LEN]);
  });

  it('features reply with a partial port: BAD_REQUEST / BAD_LEN', () => {
    const bytes = vector('1-6-ofp_switch_features');
    const e = decodeError(truncated(bytes, bytes.length - 10));
    expect([e?.errType, e?.errCode]).toEqual([OFPET.BAD_REQUEST, OFPBRC.BAD_LEN]);
  });

  it('stats bodies of the wrong size: BAD_REQUEST / BAD_LEN', () => {
    for (const m of samples.filter((s) => s.type === 'stats_reply' && ['desc', 'table', 'port', 'queue', 'aggregate'].includes(s.body.type))) {
      const e = decodeError(extended(encodeMessage(m), 4));
      expect([e?.errType, e?.errCode], m.type).toEqual([OFPET.BAD_REQUEST, OFPBRC.BAD_LEN]);
    }
  });

  it('random mutations give a result or an OfDecodeError', () => {
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const all = [...encoded.map(([, b]) => b), ...vectors.map(([, b]) => b)];
    for (let i = 0; i < 20000; i++) {
      const b = Buffer.from(all[rand(all.length)]!);
      const flips = 1 + rand(4);
      for (let k = 0; k < flips; k++) b[8 + rand(b.length - 8)] = rand(256);
      decodeError(b);
      // Whatever decodes encodes again; the only refusal allowed is a name whose bytes were not
      // UTF-8 (replacement characters make it longer than its fixed-size field).
      let m: ReturnType<typeof decodeMessage> | undefined;
      try {
        m = decodeMessage(b);
      } catch (e) {
        expect(e).toBeInstanceOf(OfDecodeError);
      }
      if (m) {
        try {
          encodeMessage(m);
        } catch (e) {
          expect(e).toBeInstanceOf(OfEncodeError);
          expect((e as OfEncodeError).field).toMatch(/name|Desc|serialNum/);
        }
      }
    }
  });
});

describe('OpenFlow 1.0 encode errors', () => {
  it('a bad MAC, IPv4 or oversize string throws OfEncodeError naming the field', () => {
    const bad: Array<[Of10Message, string]> = [
      [{ ...flowMod, match: { ...fullMatch, dlSrc: 'nope' } }, 'match.dlSrc'],
      [{ ...flowMod, match: { ...fullMatch, nwDst: '1.2.3.256' } }, 'match.nwDst'],
      [{ ...flowMod, actions: [{ type: 'set_nw_src', nwAddr: '1.2.3' }] }, 'actions[0].nwAddr'],
      [{ version: 1, type: 'port_status', xid: 1, reason: 0, port: { ...port6, name: 'x'.repeat(17) } }, 'port.name'],
    ];
    for (const [m, field] of bad) {
      let err: unknown;
      try {
        encodeMessage(m);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(OfEncodeError);
      expect((err as OfEncodeError).field).toBe(field);
    }
  });

  it('accepts MACs in other spellings through the slow path', () => {
    const bytes = encodeMessage({ ...flowMod, match: { ...fullMatch, dlSrc: 'AA-BB-CC-DD-EE-0F' } });
    const m = decodeMessage(bytes);
    expect(m.type === 'flow_mod' && m.version === 1 && m.match.dlSrc).toBe('aa:bb:cc:dd:ee:0f');
  });
});

describe('mergeStatsReplies10', () => {
  const part = (xid: number, flags: number, ports: number[]): StatsReply => ({
    version: 1,
    type: 'stats_reply',
    xid,
    flags,
    body: { type: 'queue', queues: ports.map((p) => ({ portNo: p, queueId: 0, txBytes: 0n, txPackets: 0n, txErrors: 0n })) },
  });

  it('concatenates entry lists in order and clears REPLY_MORE', () => {
    const merged = mergeStatsReplies10([part(5, OFPSF.REPLY_MORE, [1, 2]), part(5, OFPSF.REPLY_MORE, [3]), part(5, 0, [4])]);
    expect(merged.flags).toBe(0);
    expect(merged.xid).toBe(5);
    expect(merged.body.type === 'queue' && merged.body.queues.map((q) => q.portNo)).toEqual([1, 2, 3, 4]);
  });

  it('concatenates vendor data and refuses mixed kinds', () => {
    const v = (d: string): StatsReply => ({ version: 1, type: 'stats_reply', xid: 1, flags: 0, body: { type: 'vendor', vendor: 0x2320, data: Buffer.from(d, 'hex') } });
    const merged = mergeStatsReplies10([v('0102'), v('0304')]);
    expect(merged.body).toEqual({ type: 'vendor', vendor: 0x2320, data: Buffer.from('01020304', 'hex') });
    expect(() => mergeStatsReplies10([v('01'), part(1, 0, [1])])).toThrow(OfEncodeError);
  });

  it('stats kinds have the spec numbers', () => {
    expect(OFPST).toEqual({ DESC: 0, FLOW: 1, AGGREGATE: 2, TABLE: 3, PORT: 4, QUEUE: 5, VENDOR: 0xffff });
  });
});
