// OpenFlow 1.3 message codec: round trips of every message, exact bytes against the spec layout,
// Ryu/os-ken vectors re-encoded byte-exact, and only OfDecodeError on truncated or garbled input.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OFP_NO_BUFFER, OFPBRC, OFPET, OFPG, OFPP, OFPT13 } from '../../src/openflow/codec/constants.js';
import { OfDecodeError, OfEncodeError } from '../../src/openflow/codec/errors.js';
import { decodeMessage, encodeMessage, encodeMessageInto } from '../../src/openflow/codec/index.js';
import { Reader } from '../../src/openflow/codec/reader.js';
import { Writer } from '../../src/openflow/codec/writer.js';
import { OFPCR_ROLE, OFPFC, OFPFF, OFPGC, OFPGT, OFPMC, OFPMF, OFPPR, OFPR, OFPRR } from '../../src/openflow/codec/v13/enums.js';
import type { Of13Message, PacketIn } from '../../src/openflow/codec/v13/messages.js';
import {
  decodeMeterBands,
  decodePacketQueues,
  decodePort,
  encodeMeterBands,
  encodePacketQueues,
  encodePort,
  type Port,
} from '../../src/openflow/codec/v13/structs.js';
import { RYU_VECTORS } from '../harness/paths.js';

const VECTORS = `${RYU_VECTORS}/of13`;

function vector(name: string): Buffer {
  return readFileSync(join(VECTORS, `${name}.packet`));
}

/** Encodes, decodes, and checks the object and the bytes survive the trip. */
function roundTrip(m: Of13Message): Buffer {
  const bytes = encodeMessage(m);
  expect(bytes.readUInt16BE(2)).toBe(bytes.length);
  const back = decodeMessage(bytes);
  expect(back).toEqual(m);
  expect(encodeMessage(back)).toEqual(bytes);
  return bytes;
}

/** Decoding gives an OfDecodeError (returned), anything else thrown fails the test. */
function decodeError(buf: Buffer): OfDecodeError | undefined {
  try {
    decodeMessage(buf);
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(OfDecodeError);
    return e as OfDecodeError;
  }
}

/** The first `n` bytes of a message with its header length set to `n`. */
function truncated(bytes: Buffer, n: number): Buffer {
  const b = Buffer.from(bytes.subarray(0, n));
  b.writeUInt16BE(n, 2);
  return b;
}

/** The message with one zero byte appended, header length updated. */
function extended(bytes: Buffer): Buffer {
  const b = Buffer.concat([bytes, Buffer.alloc(1)]);
  b.writeUInt16BE(b.length, 2);
  return b;
}

const port: Port = {
  portNo: 7,
  hwAddr: 'f2:0b:a4:d0:3f:70',
  name: 'eth7',
  config: 0,
  state: 4,
  curr: 0x2808,
  advertised: 0x2800,
  supported: 0x2808,
  peer: 0x2808,
  currSpeed: 5000,
  maxSpeed: 5000,
};

const packetIn: PacketIn = {
  version: 4,
  type: 'packet_in',
  xid: 0x11223344,
  bufferId: OFP_NO_BUFFER,
  totalLen: 4,
  reason: OFPR.ACTION,
  tableId: 3,
  cookie: 0x0102030405060708n,
  match: [{ field: 'in_port', value: 3 }],
  data: Buffer.from([0xde, 0xad, 0xbe, 0xef]),
};

const flowMod: Of13Message = {
  version: 4,
  type: 'flow_mod',
  xid: 5,
  cookie: 0x0102030405060708n,
  cookieMask: 0xffffffffffffffffn,
  tableId: 1,
  command: OFPFC.ADD,
  idleTimeout: 10,
  hardTimeout: 20,
  priority: 0x8000,
  bufferId: OFP_NO_BUFFER,
  outPort: OFPP.ANY,
  outGroup: OFPG.ANY,
  flags: OFPFF.SEND_FLOW_REM,
  match: [{ field: 'eth_type', value: 0x0800 }],
  instructions: [{ type: 'apply_actions', actions: [{ type: 'output', port: 2, maxLen: 0xffe5 }] }],
};

/** One message of every 1.3-specific type (common messages are covered with them). */
const samples: Of13Message[] = [
  packetIn,
  flowMod,
  { version: 4, type: 'hello', xid: 1, elements: [{ type: 'versionbitmap', versions: [1, 4] }] },
  { version: 4, type: 'echo_request', xid: 2, data: Buffer.from('ping') },
  { version: 4, type: 'barrier_request', xid: 3 },
  { version: 4, type: 'set_config', xid: 4, flags: 0, missSendLen: 0xffff },
  { version: 4, type: 'error', xid: 9, errType: OFPET.BAD_REQUEST, code: OFPBRC.BAD_LEN, data: Buffer.from([4, 14, 0, 8]) },
  { version: 4, type: 'experimenter', xid: 6, experimenter: 0x2320, expType: 17, data: Buffer.from('nazo') },
  { version: 4, type: 'experimenter', xid: 6, experimenter: 0x2320, expType: 17, data: Buffer.alloc(0) },
  {
    version: 4, type: 'features_reply', xid: 7, datapathId: 0xfedcba9876543210n, nBuffers: 256, nTables: 254,
    auxiliaryId: 1, capabilities: 0x4f, reserved: 0,
  },
  { ...packetIn, bufferId: 42, totalLen: 1500, data: Buffer.alloc(0), match: [] },
  {
    version: 4, type: 'flow_removed', xid: 8, cookie: 1n, priority: 100, reason: OFPRR.IDLE_TIMEOUT, tableId: 0,
    durationSec: 3, durationNsec: 48800000, idleTimeout: 3, hardTimeout: 0, packetCount: 1n,
    byteCount: 0xffffffffffffffffn, match: [{ field: 'eth_dst', value: 'f2:0b:a4:7d:f8:ea' }],
  },
  { version: 4, type: 'port_status', xid: 0, reason: OFPPR.MODIFY, port },
  {
    version: 4, type: 'packet_out', xid: 10, bufferId: OFP_NO_BUFFER, inPort: OFPP.CONTROLLER,
    actions: [{ type: 'output', port: OFPP.FLOOD, maxLen: 0xffff }], data: Buffer.from([1, 2, 3, 4, 5]),
  },
  { version: 4, type: 'packet_out', xid: 10, bufferId: 9, inPort: 1, actions: [], data: Buffer.alloc(0) },
  {
    version: 4, type: 'group_mod', xid: 11, command: OFPGC.ADD, groupType: OFPGT.SELECT, groupId: 1,
    buckets: [
      { weight: 1, watchPort: OFPP.ANY, watchGroup: OFPG.ANY, actions: [{ type: 'output', port: 2, maxLen: 0xffff }] },
      { weight: 2, watchPort: 3, watchGroup: OFPG.ANY, actions: [] },
    ],
  },
  { version: 4, type: 'group_mod', xid: 11, command: OFPGC.DELETE, groupType: OFPGT.ALL, groupId: OFPG.ALL, buckets: [] },
  { version: 4, type: 'port_mod', xid: 12, portNo: 1, hwAddr: '00:11:00:00:11:11', config: 1, mask: 1, advertise: 0x1000 },
  { version: 4, type: 'table_mod', xid: 13, tableId: 0xff, config: 3 },
  { version: 4, type: 'queue_get_config_request', xid: 14, port: OFPP.ANY },
  {
    version: 4, type: 'queue_get_config_reply', xid: 15, port: 1,
    queues: [
      { queueId: 1, port: 1, properties: [{ type: 'min_rate', rate: 10 }, { type: 'max_rate', rate: 900 }] },
      { queueId: 2, port: 1, properties: [{ type: 'experimenter', experimenter: 999, data: Buffer.from([1]) }] },
      { queueId: 3, port: 1, properties: [{ type: 'unknown', propType: 7, data: Buffer.from([0, 0, 0, 0, 9, 9, 9, 9]) }] },
      { queueId: 4, port: 1, properties: [] },
    ],
  },
  { version: 4, type: 'role_request', xid: 16, role: OFPCR_ROLE.MASTER, generationId: 0xf000f000f000f000n },
  { version: 4, type: 'role_reply', xid: 17, role: OFPCR_ROLE.SLAVE, generationId: 0n },
  { version: 4, type: 'get_async_request', xid: 18 },
  { version: 4, type: 'get_async_reply', xid: 19, packetInMask: [5, 1], portStatusMask: [7, 3], flowRemovedMask: [15, 3] },
  { version: 4, type: 'set_async', xid: 20, packetInMask: [3, 0], portStatusMask: [7, 7], flowRemovedMask: [0, 0xffffffff] },
  {
    version: 4, type: 'meter_mod', xid: 21, command: OFPMC.ADD, flags: OFPMF.KBPS | OFPMF.BURST, meterId: 100,
    bands: [
      { type: 'drop', rate: 1000, burstSize: 10 },
      { type: 'dscp_remark', rate: 1000, burstSize: 10, precLevel: 1 },
      { type: 'experimenter', rate: 1000, burstSize: 10, experimenter: 999, data: Buffer.from([1, 2, 3, 4]) },
      { type: 'unknown', bandType: 3, rate: 5, burstSize: 6, data: Buffer.from([0, 0, 0, 0]) },
    ],
  },
  { version: 4, type: 'unknown', xid: 22, msgType: 99, data: Buffer.from([1, 2, 3]) },
  { version: 4, type: 'unknown', xid: 23, msgType: 30, data: Buffer.alloc(0) },
];

describe('OpenFlow 1.3 messages: round trips', () => {
  for (const m of samples) {
    it(`${m.type} (xid ${m.xid}) survives encode → decode → encode`, () => {
      roundTrip(m);
    });
  }

  it('decoded packet_in data is a view of the input, not a copy', () => {
    const bytes = encodeMessage(packetIn);
    const m = decodeMessage(bytes) as PacketIn;
    expect(m.data.buffer).toBe(bytes.buffer);
    expect(m.data.byteOffset).toBe(bytes.byteOffset + bytes.length - 4);
  });

  it('encodes several messages back to back into one writer', () => {
    const w = new Writer(16); // small on purpose: the writer must grow mid-message
    for (const m of samples) encodeMessageInto(w, m);
    const all = w.take();
    let off = 0;
    for (const m of samples) {
      const len = all.readUInt16BE(off + 2);
      expect(decodeMessage(all.subarray(off, off + len))).toEqual(m);
      off += len;
    }
    expect(off).toBe(all.length);
  });
});

describe('OpenFlow 1.3 messages: exact bytes', () => {
  it('packet_in matches the ofp_packet_in layout', () => {
    const expected = Buffer.from(
      [
        '04 0a 002e 11223344', // header: version 4, OFPT_PACKET_IN, length 46, xid
        'ffffffff 0004 01 03', // buffer_id, total_len, reason ACTION, table_id 3
        '0102030405060708', // cookie
        '0001 000c 80000004 00000003 00000000', // ofp_match: OXM, length 12, in_port = 3, pad to 8
        '0000', // pad[2]
        'deadbeef', // data
      ].join('').replace(/ /g, ''),
      'hex',
    );
    expect(encodeMessage(packetIn).toString('hex')).toBe(expected.toString('hex'));
    expect(decodeMessage(expected)).toEqual(packetIn);
  });

  it('flow_mod matches the ofp_flow_mod layout', () => {
    const expected = Buffer.from(
      [
        '04 0e 0058 00000005', // header: OFPT_FLOW_MOD, length 88
        '0102030405060708 ffffffffffffffff', // cookie, cookie_mask
        '01 00 000a 0014 8000', // table_id, command ADD, idle 10, hard 20, priority
        'ffffffff ffffffff ffffffff', // buffer_id, out_port ANY, out_group ANY
        '0001 0000', // flags SEND_FLOW_REM, pad[2]
        '0001 000a 80000a02 0800 000000000000', // match: eth_type = 0x0800, padded to 16
        '0004 0018 00000000', // OFPIT_APPLY_ACTIONS, len 24, pad
        '0000 0010 00000002 ffe5 000000000000', // OFPAT_OUTPUT port 2, max_len 0xffe5, pad
      ].join('').replace(/ /g, ''),
      'hex',
    );
    expect(encodeMessage(flowMod).toString('hex')).toBe(expected.toString('hex'));
    expect(decodeMessage(expected)).toEqual(flowMod);
  });

  it('computes lengths itself and writes fixed sizes', () => {
    const sizes: Partial<Record<Of13Message['type'], number>> = {
      features_reply: 32, port_status: 80, port_mod: 40, table_mod: 16, queue_get_config_request: 16,
      role_request: 24, role_reply: 24, get_async_request: 8, get_async_reply: 32, set_async: 32,
    };
    for (const m of samples) {
      const want = sizes[m.type];
      if (want !== undefined) expect(encodeMessage(m).length, m.type).toBe(want);
    }
  });

  it('queue properties: experimenter data is not padded (ofp_queue_prop_experimenter len 17)', () => {
    const w = new Writer();
    encodePacketQueues(w, [{ queueId: 88, port: 77, properties: [{ type: 'experimenter', experimenter: 999, data: Buffer.from([1]) }] }]);
    const b = w.take();
    expect(b.toString('hex')).toBe('00000058' + '0000004d' + '0021' + '000000000000' + 'ffff0011' + '00000000' + '000003e7' + '00000000' + '01');
    expect(decodePacketQueues(new Reader(b))).toEqual([
      { queueId: 88, port: 77, properties: [{ type: 'experimenter', experimenter: 999, data: Buffer.from([1]) }] },
    ]);
  });

  it('ofp_port is 64 bytes and its name is NUL padded', () => {
    const w = new Writer();
    encodePort(w, port);
    const b = w.take();
    expect(b.length).toBe(64);
    expect(b.subarray(16, 32).toString('hex')).toBe(Buffer.from('eth7').toString('hex') + '00'.repeat(12));
    expect(decodePort(new Reader(b))).toEqual(port);
  });
});

describe('OpenFlow 1.3 messages: Ryu/os-ken vectors', () => {
  it('4-4-ofp_packet_in decodes to Ryu\'s values and re-encodes byte-exact', () => {
    const bytes = vector('4-4-ofp_packet_in');
    const m = decodeMessage(bytes) as PacketIn;
    expect(m).toMatchObject({
      version: 4, type: 'packet_in', xid: 0, bufferId: 2, totalLen: 42, reason: 1, tableId: 1, cookie: 0x0001020300000000n,
    });
    expect(m.match[0]).toEqual({ field: 'in_port', value: 6 });
    expect(m.match.length).toBe(9);
    expect(m.data.length).toBe(42);
    expect(m.data.subarray(0, 6).toString('hex')).toBe('ffffffffffff');
    expect(encodeMessage(m)).toEqual(bytes);
  });

  it('4-2-ofp_flow_mod decodes and re-encodes byte-exact', () => {
    const bytes = vector('4-2-ofp_flow_mod');
    const m = decodeMessage(bytes);
    expect(m).toMatchObject({
      type: 'flow_mod', cookie: 0n, cookieMask: 0n, tableId: 1, command: 0, idleTimeout: 0, hardTimeout: 0,
      priority: 123, bufferId: 65535, outPort: OFPP.ANY, outGroup: OFPG.ANY, flags: 0,
    });
    expect(encodeMessage(m)).toEqual(bytes);
  });

  it('4-39-ofp_port_status decodes its UTF-8 port name', () => {
    const bytes = vector('4-39-ofp_port_status');
    const m = decodeMessage(bytes);
    expect(m).toEqual({
      version: 4, type: 'port_status', xid: 0, reason: 0,
      port: {
        portNo: 7, hwAddr: 'f2:0b:a4:d0:3f:70', name: '私のポート', config: 0, state: 4, curr: 10248,
        advertised: 10240, supported: 10248, peer: 10248, currSpeed: 5000, maxSpeed: 5000,
      },
    });
    expect(encodeMessage(m)).toEqual(bytes);
  });

  it('4-19-ofp_role_request keeps a generation_id above 2^53', () => {
    const bytes = vector('4-19-ofp_role_request');
    const m = decodeMessage(bytes);
    expect(m).toEqual({ version: 4, type: 'role_request', xid: 0, role: 2, generationId: 17294086455919964160n });
    expect(encodeMessage(m)).toEqual(bytes);
  });

  it('4-43-ofp_get_async_reply gives [master/equal, slave] pairs', () => {
    const bytes = vector('4-43-ofp_get_async_reply');
    const m = decodeMessage(bytes);
    expect(m).toEqual({
      version: 4, type: 'get_async_reply', xid: 0, packetInMask: [5, 1], portStatusMask: [7, 3], flowRemovedMask: [15, 3],
    });
    expect(encodeMessage(m)).toEqual(bytes);
  });

  it('4-36-ofp_queue_get_config_reply reads unpadded 17/18-byte experimenter properties', () => {
    const bytes = vector('4-36-ofp_queue_get_config_reply');
    const m = decodeMessage(bytes);
    const exp = (queueId: number, min: number, max: number, data: number[]) => ({
      queueId, port: 77, properties: [
        { type: 'min_rate', rate: min },
        { type: 'max_rate', rate: max },
        { type: 'experimenter', experimenter: 999, data: Buffer.from(data) },
      ],
    });
    expect(m).toEqual({
      version: 4, type: 'queue_get_config_reply', xid: 0, port: 0xffffffff,
      queues: [exp(99, 10, 900, []), exp(88, 100, 200, [1]), exp(77, 200, 400, [1, 2])],
    });
    expect(encodeMessage(m)).toEqual(bytes);
  });

  it('4-45-ofp_meter_mod and 4-21-ofp_group_mod re-encode byte-exact', () => {
    const meter = decodeMessage(vector('4-45-ofp_meter_mod'));
    expect(meter).toEqual({
      version: 4, type: 'meter_mod', xid: 0, command: 0, flags: 14, meterId: 100,
      bands: [
        { type: 'drop', rate: 1000, burstSize: 10 },
        { type: 'dscp_remark', rate: 1000, burstSize: 10, precLevel: 1 },
        { type: 'experimenter', rate: 1000, burstSize: 10, experimenter: 999, data: Buffer.alloc(0) },
      ],
    });
    expect(encodeMessage(meter)).toEqual(vector('4-45-ofp_meter_mod'));
    const group = decodeMessage(vector('4-21-ofp_group_mod'));
    expect(group).toMatchObject({ type: 'group_mod', command: 0, groupType: 0, groupId: 1 });
    expect(encodeMessage(group)).toEqual(vector('4-21-ofp_group_mod'));
  });

  it('4-6-ofp_features_reply and 4-16-ofp_experimenter decode to Ryu\'s values', () => {
    expect(decodeMessage(vector('4-6-ofp_features_reply'))).toEqual({
      version: 4, type: 'features_reply', xid: 0, datapathId: 9210263729383n, nBuffers: 0, nTables: 255,
      auxiliaryId: 99, capabilities: 79, reserved: 0,
    });
    expect(decodeMessage(vector('4-16-ofp_experimenter'))).toEqual({
      version: 4, type: 'experimenter', xid: 0, experimenter: 98765432, expType: 123456789, data: Buffer.from('nazo'),
    });
  });

  it('multipart messages get their header and patched length here (bodies: v13-multipart tests)', () => {
    for (const f of ['4-24-ofp_desc_request', '4-53-ofp_port_desc_request', '4-54-ofp_port_desc_reply']) {
      const bytes = vector(f);
      const m = decodeMessage(bytes);
      expect(m.type, f).toMatch(/^multipart_(request|reply)$/);
      expect(encodeMessage(m), f).toEqual(bytes);
    }
  });

  // Every OF1.3 vector, except multipart bodies which have their own suite, re-encodes byte-exact.
  const files = readdirSync(VECTORS).filter((f) => f.endsWith('.packet'));
  for (const f of files) {
    const bytes = readFileSync(join(VECTORS, f));
    if (bytes[1] === OFPT13.MULTIPART_REQUEST || bytes[1] === OFPT13.MULTIPART_REPLY) continue;
    it(`${f} re-encodes byte-exact`, () => {
      const m = decodeMessage(bytes);
      const again = encodeMessage(m);
      const firstDiff = again.findIndex((b, i) => b !== bytes[i]);
      expect({ length: again.length, firstDiff }).toEqual({ length: bytes.length, firstDiff: again.length === bytes.length ? -1 : firstDiff });
      expect(again).toEqual(bytes);
    });
  }
});

describe('OpenFlow 1.3 messages: bad input', () => {
  const fixedSize = new Set(['features_reply', 'port_status', 'port_mod', 'table_mod', 'queue_get_config_request',
    'role_request', 'role_reply', 'get_async_request', 'get_async_reply', 'set_async', 'flow_removed']);

  for (const m of samples) {
    it(`${m.type} (xid ${m.xid}) truncated at every length gives only OfDecodeError`, () => {
      const bytes = encodeMessage(m);
      for (let n = 8; n < bytes.length; n++) {
        const err = decodeError(truncated(bytes, n));
        if (fixedSize.has(m.type)) {
          expect(err, `cut at ${n}`).toBeDefined();
          if (m.type !== 'flow_removed') expect([err?.errType, err?.errCode]).toEqual([OFPET.BAD_REQUEST, OFPBRC.BAD_LEN]);
        }
      }
    });
  }

  it('a fixed-size message with a byte left over fails with OFPBRC_BAD_LEN', () => {
    for (const m of samples) {
      if (!fixedSize.has(m.type)) continue;
      const err = decodeError(extended(encodeMessage(m)));
      expect([m.type, err?.errType, err?.errCode]).toEqual([m.type, OFPET.BAD_REQUEST, OFPBRC.BAD_LEN]);
    }
  });

  it('garbled bytes give only OfDecodeError (mutation fuzz)', () => {
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (const m of samples) {
      const bytes = encodeMessage(m);
      for (let i = 0; i < 300; i++) {
        const b = Buffer.from(bytes);
        const flips = 1 + rand(3);
        for (let k = 0; k < flips; k++) {
          const at = 8 + rand(Math.max(1, b.length - 8));
          if (at < b.length) b[at] = rand(256);
        }
        decodeError(b);
      }
    }
  });

  it('inner lengths that overrun their container fail with a length error', () => {
    // A bucket claiming 0x40 bytes in a 48-byte group_mod.
    const group = Buffer.from(vector('4-21-ofp_group_mod'));
    group.writeUInt16BE(0x40, 16);
    expect(decodeError(group)).toMatchObject({ errType: OFPET.BAD_REQUEST, errCode: OFPBRC.BAD_LEN });
    // A packet_out whose actions_len runs past the message.
    const out = Buffer.from(vector('4-1-ofp_packet_out'));
    out.writeUInt16BE(0x200, 16);
    expect(decodeError(out)).toMatchObject({ errType: OFPET.BAD_REQUEST, errCode: OFPBRC.BAD_LEN });
    // A queue whose len is below the ofp_packet_queue header.
    const queue = Buffer.from(vector('4-36-ofp_queue_get_config_reply'));
    queue.writeUInt16BE(8, 24);
    expect(decodeError(queue)).toMatchObject({ errType: OFPET.BAD_REQUEST, errCode: OFPBRC.BAD_LEN });
    // A drop band that is not 16 bytes.
    expect(() => decodeMeterBands(new Reader(Buffer.from('0001000c000003e80000000a', 'hex')))).toThrow(OfDecodeError);
  });

  it('unknown message types decode to a raw message, not an error', () => {
    const b = Buffer.from('04630009000000012a', 'hex');
    expect(decodeMessage(b)).toEqual({ version: 4, type: 'unknown', xid: 1, msgType: 0x63, data: Buffer.from([0x2a]) });
    expect(encodeMessage(decodeMessage(b))).toEqual(b);
  });

  it('encode errors are OfEncodeError naming the field', () => {
    expect(() => encodeMessage({ ...flowMod, cookie: 5 as unknown as bigint } as Of13Message)).toThrow(OfEncodeError);
    expect(() => encodeMessage({ ...(samples.find((s) => s.type === 'port_mod') as Of13Message), hwAddr: 'nope' } as Of13Message))
      .toThrow(/hwAddr/);
    expect(() => encodeMessage({ version: 4, type: 'port_status', xid: 0, reason: 0, port: { ...port, name: 'x'.repeat(17) } }))
      .toThrow(/port\.name/);
    expect(() => encodeMessage({ version: 4, type: 'experimenter', xid: 0, experimenter: 1, expType: 1, data: Buffer.alloc(70000) }))
      .toThrow(OfEncodeError);
    const w = new Writer();
    expect(() => encodeMeterBands(w, [{ type: 'bogus' } as never])).toThrow(OfEncodeError);
  });
});
