/**
 * fast-check arbitraries for valid OpenFlow 1.3 messages: every message type, every multipart
 * kind, every action, instruction, OXM field (with and without mask), meter band, bucket, queue
 * property and table feature property, in the exact form the decoder returns (so that
 * decode(encode(x)) deep-equals x).
 */
import fc from 'fast-check';
import type { Hello, HelloElement } from '../../src/openflow/codec/common.js';
import type { Action } from '../../src/openflow/codec/v13/actions.js';
import type { Instruction } from '../../src/openflow/codec/v13/instructions.js';
import type {
  MultipartReplyBody,
  MultipartRequestBody,
  TableFeatureProp,
  TableFeatures,
} from '../../src/openflow/codec/v13/multipart.js';
import type { Of13Message } from '../../src/openflow/codec/v13/messages.js';
import type { OxmField } from '../../src/openflow/codec/v13/oxm.js';
import { OXM_FIELDS } from '../../src/openflow/codec/v13/oxm-fields.js';
import type { Bucket, MeterBand, PacketQueue, Port, QueueProp } from '../../src/openflow/codec/v13/structs.js';
import { bytes, bytesMod8, cstr, ipv4, ipv6, mac, other, u16, u32, u64, u8, uint, xid } from './common.js';

const V = 4 as const;

// ---------------------------------------------------------------------------------------------
// OXM

/** A value of a basic field's kind and width. */
function oxmValue(kind: string, width: number): fc.Arbitrary<number | bigint | string> {
  switch (kind) {
    case 'int': return uint(width);
    case 'bigint': return u64;
    case 'mac': return mac;
    case 'ipv4': return ipv4;
    default: return ipv6;
  }
}

/** Every basic field, masked or not (the codec carries a mask on any field; validity is validateMatch's job). */
export const oxmBasic: fc.Arbitrary<OxmField> = fc.constantFrom(...OXM_FIELDS).chain((spec) =>
  fc
    .tuple(oxmValue(spec.kind, spec.width), fc.option(oxmValue(spec.kind, spec.width), { nil: undefined }))
    .map(([value, mask]) => (mask === undefined ? { field: spec.name, value } : { field: spec.name, value, mask }) as OxmField),
);

/**
 * A field the codec keeps raw: a non-basic class (NXM_0, NXM_1, experimenter, any other), or a
 * basic field number it does not know (40..127).
 */
export const oxmRaw: fc.Arbitrary<OxmField> = fc
  .tuple(
    fc.oneof(
      fc.record({ oxmClass: fc.constantFrom(0x0000, 0x0001, 0xffff), oxmField: uint(1).map((x) => x & 0x7f) }),
      fc.record({ oxmClass: u16.filter((c) => c !== 0x8000), oxmField: uint(1).map((x) => x & 0x7f) }),
      fc.record({ oxmClass: fc.constant(0x8000), oxmField: fc.integer({ min: 40, max: 127 }) }),
    ),
    fc.boolean(),
    bytes(24),
  )
  .map(([{ oxmClass, oxmField }, hasMask, data]) => ({ field: 'raw', oxmClass, oxmField, hasMask, data }));

export const oxmField: fc.Arbitrary<OxmField> = fc.oneof({ arbitrary: oxmBasic, weight: 4 }, { arbitrary: oxmRaw, weight: 1 });
export const match = fc.array(oxmField, { maxLength: 6 });

// ---------------------------------------------------------------------------------------------
// Actions and instructions

/** OFPAT numbers the codec decodes to a named variant (everything else is `unknown`). */
const KNOWN_ACTIONS = [0, 11, 12, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 0xffff];

export const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ type: fc.constant('output' as const), port: u32, maxLen: u16 }),
  fc.constantFrom<Action>(
    { type: 'copy_ttl_out' }, { type: 'copy_ttl_in' }, { type: 'dec_mpls_ttl' }, { type: 'pop_vlan' },
    { type: 'dec_nw_ttl' }, { type: 'pop_pbb' },
  ),
  fc.record({ type: fc.constantFrom('set_mpls_ttl' as const, 'set_nw_ttl' as const), ttl: u8 }),
  fc.record({ type: fc.constantFrom('push_vlan' as const, 'push_mpls' as const, 'pop_mpls' as const, 'push_pbb' as const), ethertype: u16 }),
  fc.record({ type: fc.constant('set_queue' as const), queueId: u32 }),
  fc.record({ type: fc.constant('group' as const), groupId: u32 }),
  fc.record({ type: fc.constant('set_field' as const), field: oxmField }),
  // ofp_action_experimenter_header is 8 bytes: the body must keep the action a multiple of 8.
  fc.record({ type: fc.constant('experimenter' as const), experimenter: u32, data: bytesMod8(3, 0) }),
  fc.record({ type: fc.constant('unknown' as const), actionType: other(0xffff, KNOWN_ACTIONS), data: bytesMod8(3, 4) }),
);
export const actions = fc.array(action, { maxLength: 5 });

const KNOWN_INSTRUCTIONS = [1, 2, 3, 4, 5, 6, 0xffff];

export const instruction: fc.Arbitrary<Instruction> = fc.oneof(
  fc.record({ type: fc.constant('goto_table' as const), tableId: u8 }),
  fc.record({ type: fc.constant('write_metadata' as const), metadata: u64, metadataMask: u64 }),
  fc.record({ type: fc.constantFrom('write_actions' as const, 'apply_actions' as const), actions }),
  fc.constant<Instruction>({ type: 'clear_actions' }),
  fc.record({ type: fc.constant('meter' as const), meterId: u32 }),
  fc.record({ type: fc.constant('experimenter' as const), experimenter: u32, data: bytesMod8(2, 0) }),
  fc.record({ type: fc.constant('unknown' as const), instructionType: other(0xffff, KNOWN_INSTRUCTIONS), data: bytesMod8(2, 4) }),
);
export const instructions = fc.array(instruction, { maxLength: 4 });

// ---------------------------------------------------------------------------------------------
// Structures

export const port: fc.Arbitrary<Port> = fc.record({
  portNo: u32, hwAddr: mac, name: cstr(16), config: u32, state: u32, curr: u32, advertised: u32,
  supported: u32, peer: u32, currSpeed: u32, maxSpeed: u32,
});

export const bucket: fc.Arbitrary<Bucket> = fc.record({ weight: u16, watchPort: u32, watchGroup: u32, actions });

export const meterBand: fc.Arbitrary<MeterBand> = fc.oneof(
  fc.record({ type: fc.constant('drop' as const), rate: u32, burstSize: u32 }),
  fc.record({ type: fc.constant('dscp_remark' as const), rate: u32, burstSize: u32, precLevel: u8 }),
  fc.record({ type: fc.constant('experimenter' as const), rate: u32, burstSize: u32, experimenter: u32, data: bytes(20) }),
  fc.record({ type: fc.constant('unknown' as const), bandType: other(0xffff, [1, 2, 0xffff]), rate: u32, burstSize: u32, data: bytes(20) }),
);

export const queueProp: fc.Arbitrary<QueueProp> = fc.oneof(
  fc.record({ type: fc.constantFrom('min_rate' as const, 'max_rate' as const), rate: u16 }),
  fc.record({ type: fc.constant('experimenter' as const), experimenter: u32, data: bytes(20) }),
  // An unknown property's data starts with the 4 padding bytes of ofp_queue_prop_header.
  fc.record({ type: fc.constant('unknown' as const), propType: other(0xffff, [1, 2, 0xffff]), data: bytes(20, (n) => n >= 4) }),
);

export const packetQueue: fc.Arbitrary<PacketQueue> = fc.record({ queueId: u32, port: u32, properties: fc.array(queueProp, { maxLength: 4 }) });

const KNOWN_TFPT = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 13, 14, 15, 0xfffe, 0xffff];

const instructionId = fc.oneof(
  fc.record({ instructionType: u16 }),
  fc.record({ instructionType: u16, data: bytes(12, (n) => n > 0) }),
);
const actionId = fc.oneof(fc.record({ actionType: u16 }), fc.record({ actionType: u16, data: bytes(12, (n) => n > 0) }));
const oxmId = fc.oneof(
  fc.record({ oxmClass: u16.filter((c) => c !== 0xffff), oxmField: fc.integer({ min: 0, max: 127 }), hasMask: fc.boolean(), length: u8 }),
  fc.record({ oxmClass: fc.constant(0xffff), oxmField: fc.integer({ min: 0, max: 127 }), hasMask: fc.boolean(), length: u8, experimenter: u32 }),
);

export const tableFeatureProp: fc.Arbitrary<TableFeatureProp> = fc.oneof(
  fc.record({ type: fc.constantFrom('instructions' as const, 'instructions_miss' as const), instructionIds: fc.array(instructionId, { maxLength: 5 }) }),
  fc.record({ type: fc.constantFrom('next_tables' as const, 'next_tables_miss' as const), tableIds: fc.array(u8, { maxLength: 10 }) }),
  fc.record({
    type: fc.constantFrom('write_actions' as const, 'write_actions_miss' as const, 'apply_actions' as const, 'apply_actions_miss' as const),
    actionIds: fc.array(actionId, { maxLength: 5 }),
  }),
  fc.record({
    type: fc.constantFrom('match' as const, 'wildcards' as const, 'write_setfield' as const, 'write_setfield_miss' as const, 'apply_setfield' as const, 'apply_setfield_miss' as const),
    oxmIds: fc.array(oxmId, { maxLength: 6 }),
  }),
  fc.record({ type: fc.constantFrom('experimenter' as const, 'experimenter_miss' as const), experimenter: u32, expType: u32, data: bytes(12) }),
  fc.record({ type: fc.constant('unknown' as const), propType: other(0xffff, KNOWN_TFPT), data: bytes(12) }),
);

export const tableFeatures: fc.Arbitrary<TableFeatures> = fc.record({
  tableId: u8, name: cstr(32), metadataMatch: u64, metadataWrite: u64, config: u32, maxEntries: u32,
  properties: fc.array(tableFeatureProp, { maxLength: 5 }),
});

// ---------------------------------------------------------------------------------------------
// Multipart bodies

const KNOWN_MP = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 0xffff];
const experimenterMp = fc.record({ type: fc.constant('experimenter' as const), experimenter: u32, expType: u32, data: bytes(24) });
const unknownMp = fc.record({ type: fc.constant('unknown' as const), mpType: other(0xffff, KNOWN_MP), data: bytes(24) });

export const multipartRequestBody: fc.Arbitrary<MultipartRequestBody> = fc.oneof(
  fc.constantFrom<MultipartRequestBody>(
    { type: 'desc' }, { type: 'table' }, { type: 'group_desc' }, { type: 'group_features' }, { type: 'meter_features' }, { type: 'port_desc' },
  ),
  fc.record({ type: fc.constantFrom('flow' as const, 'aggregate' as const), tableId: u8, outPort: u32, outGroup: u32, cookie: u64, cookieMask: u64, match }),
  fc.record({ type: fc.constant('port_stats' as const), portNo: u32 }),
  fc.record({ type: fc.constant('queue' as const), portNo: u32, queueId: u32 }),
  fc.record({ type: fc.constant('group' as const), groupId: u32 }),
  fc.record({ type: fc.constantFrom('meter' as const, 'meter_config' as const), meterId: u32 }),
  fc.record({ type: fc.constant('table_features' as const), tables: fc.array(tableFeatures, { maxLength: 3 }) }),
  experimenterMp,
  unknownMp,
);

const flowStats = fc.record({
  tableId: u8, durationSec: u32, durationNsec: u32, priority: u16, idleTimeout: u16, hardTimeout: u16, flags: u16,
  cookie: u64, packetCount: u64, byteCount: u64, match, instructions,
});
const portStats = fc.record({
  portNo: u32, rxPackets: u64, txPackets: u64, rxBytes: u64, txBytes: u64, rxDropped: u64, txDropped: u64, rxErrors: u64,
  txErrors: u64, rxFrameErr: u64, rxOverErr: u64, rxCrcErr: u64, collisions: u64, durationSec: u32, durationNsec: u32,
});
const counters = fc.record({ packetCount: u64, byteCount: u64 });
const bandCounters = fc.record({ packetBandCount: u64, byteBandCount: u64 });
const four = fc.array(u32, { minLength: 4, maxLength: 4 });

export const multipartReplyBody: fc.Arbitrary<MultipartReplyBody> = fc.oneof(
  fc.record({ type: fc.constant('desc' as const), mfrDesc: cstr(256), hwDesc: cstr(256), swDesc: cstr(256), serialNum: cstr(32), dpDesc: cstr(256) }),
  fc.record({ type: fc.constant('flow' as const), flows: fc.array(flowStats, { maxLength: 3 }) }),
  fc.record({ type: fc.constant('aggregate' as const), packetCount: u64, byteCount: u64, flowCount: u32 }),
  fc.record({ type: fc.constant('table' as const), tables: fc.array(fc.record({ tableId: u8, activeCount: u32, lookupCount: u64, matchedCount: u64 }), { maxLength: 4 }) }),
  fc.record({ type: fc.constant('port_stats' as const), ports: fc.array(portStats, { maxLength: 3 }) }),
  fc.record({
    type: fc.constant('queue' as const),
    queues: fc.array(fc.record({ portNo: u32, queueId: u32, txBytes: u64, txPackets: u64, txErrors: u64, durationSec: u32, durationNsec: u32 }), { maxLength: 3 }),
  }),
  fc.record({
    type: fc.constant('group' as const),
    groups: fc.array(
      fc.record({ groupId: u32, refCount: u32, packetCount: u64, byteCount: u64, durationSec: u32, durationNsec: u32, bucketStats: fc.array(counters, { maxLength: 3 }) }),
      { maxLength: 3 },
    ),
  }),
  fc.record({ type: fc.constant('group_desc' as const), groups: fc.array(fc.record({ groupType: u8, groupId: u32, buckets: fc.array(bucket, { maxLength: 3 }) }), { maxLength: 3 }) }),
  fc.record({ type: fc.constant('group_features' as const), types: u32, capabilities: u32, maxGroups: four, actions: four }),
  fc.record({
    type: fc.constant('meter' as const),
    meters: fc.array(
      fc.record({ meterId: u32, flowCount: u32, packetInCount: u64, byteInCount: u64, durationSec: u32, durationNsec: u32, bandStats: fc.array(bandCounters, { maxLength: 3 }) }),
      { maxLength: 3 },
    ),
  }),
  fc.record({ type: fc.constant('meter_config' as const), meters: fc.array(fc.record({ flags: u16, meterId: u32, bands: fc.array(meterBand, { maxLength: 3 }) }), { maxLength: 3 }) }),
  fc.record({ type: fc.constant('meter_features' as const), maxMeter: u32, bandTypes: u32, capabilities: u32, maxBands: u8, maxColor: u8 }),
  fc.record({ type: fc.constant('table_features' as const), tables: fc.array(tableFeatures, { maxLength: 3 }) }),
  fc.record({ type: fc.constant('port_desc' as const), ports: fc.array(port, { maxLength: 3 }) }),
  experimenterMp,
  unknownMp,
);

// ---------------------------------------------------------------------------------------------
// Messages

export const helloElement: fc.Arbitrary<HelloElement> = fc.oneof(
  fc.record({ type: fc.constant('versionbitmap' as const), versions: fc.uniqueArray(fc.integer({ min: 0, max: 95 }), { maxLength: 8 }).map((v) => v.sort((a, b) => a - b)) }),
  fc.record({ type: fc.constant('unknown' as const), elemType: other(0xffff, [1]), data: bytes(12) }),
);

/** A HELLO of any version number (the codec answers HELLO from versions it does not speak). */
export function hello(version: fc.Arbitrary<number>): fc.Arbitrary<Hello> {
  return fc.record({ version, type: fc.constant('hello' as const), xid, elements: fc.array(helloElement, { maxLength: 3 }) });
}

const KNOWN_OFPT13 = Array.from({ length: 30 }, (_, i) => i);

/** Every OpenFlow 1.3 message type, one arbitrary each. */
export const of13Messages: Readonly<Record<string, fc.Arbitrary<Of13Message>>> = {
  hello: hello(fc.constant(V)),
  error: fc.oneof(
    fc.record({ version: fc.constant(V), type: fc.constant('error' as const), xid, errType: u16.filter((t) => t !== 0xffff), code: u16, data: bytes(64) }),
    fc.record({ version: fc.constant(V), type: fc.constant('error' as const), xid, errType: fc.constant(0xffff), code: u16, experimenter: u32, data: bytes(64) }),
  ),
  echo: fc.record({ version: fc.constant(V), type: fc.constantFrom('echo_request' as const, 'echo_reply' as const), xid, data: bytes(64) }),
  headerOnly: fc.record({
    version: fc.constant(V),
    type: fc.constantFrom('features_request' as const, 'get_config_request' as const, 'barrier_request' as const, 'barrier_reply' as const, 'get_async_request' as const),
    xid,
  }),
  switchConfig: fc.record({ version: fc.constant(V), type: fc.constantFrom('get_config_reply' as const, 'set_config' as const), xid, flags: u16, missSendLen: u16 }),
  experimenter: fc.record({ version: fc.constant(V), type: fc.constant('experimenter' as const), xid, experimenter: u32, expType: u32, data: bytes(64) }),
  featuresReply: fc.record({
    version: fc.constant(V), type: fc.constant('features_reply' as const), xid, datapathId: u64, nBuffers: u32, nTables: u8,
    auxiliaryId: u8, capabilities: u32, reserved: u32,
  }),
  packetIn: fc.record({
    version: fc.constant(V), type: fc.constant('packet_in' as const), xid, bufferId: u32, totalLen: u16, reason: u8, tableId: u8,
    cookie: u64, match, data: bytes(128),
  }),
  flowRemoved: fc.record({
    version: fc.constant(V), type: fc.constant('flow_removed' as const), xid, cookie: u64, priority: u16, reason: u8, tableId: u8,
    durationSec: u32, durationNsec: u32, idleTimeout: u16, hardTimeout: u16, packetCount: u64, byteCount: u64, match,
  }),
  portStatus: fc.record({ version: fc.constant(V), type: fc.constant('port_status' as const), xid, reason: u8, port }),
  packetOut: fc.record({ version: fc.constant(V), type: fc.constant('packet_out' as const), xid, bufferId: u32, inPort: u32, actions, data: bytes(128) }),
  flowMod: fc.record({
    version: fc.constant(V), type: fc.constant('flow_mod' as const), xid, cookie: u64, cookieMask: u64, tableId: u8, command: u8,
    idleTimeout: u16, hardTimeout: u16, priority: u16, bufferId: u32, outPort: u32, outGroup: u32, flags: u16, match, instructions,
  }),
  groupMod: fc.record({ version: fc.constant(V), type: fc.constant('group_mod' as const), xid, command: u16, groupType: u8, groupId: u32, buckets: fc.array(bucket, { maxLength: 4 }) }),
  portMod: fc.record({ version: fc.constant(V), type: fc.constant('port_mod' as const), xid, portNo: u32, hwAddr: mac, config: u32, mask: u32, advertise: u32 }),
  tableMod: fc.record({ version: fc.constant(V), type: fc.constant('table_mod' as const), xid, tableId: u8, config: u32 }),
  multipartRequest: fc.record({ version: fc.constant(V), type: fc.constant('multipart_request' as const), xid, flags: u16, body: multipartRequestBody }),
  multipartReply: fc.record({ version: fc.constant(V), type: fc.constant('multipart_reply' as const), xid, flags: u16, body: multipartReplyBody }),
  queueGetConfigRequest: fc.record({ version: fc.constant(V), type: fc.constant('queue_get_config_request' as const), xid, port: u32 }),
  queueGetConfigReply: fc.record({ version: fc.constant(V), type: fc.constant('queue_get_config_reply' as const), xid, port: u32, queues: fc.array(packetQueue, { maxLength: 3 }) }),
  role: fc.record({ version: fc.constant(V), type: fc.constantFrom('role_request' as const, 'role_reply' as const), xid, role: u32, generationId: u64 }),
  async: fc.record({
    version: fc.constant(V), type: fc.constantFrom('get_async_reply' as const, 'set_async' as const), xid,
    packetInMask: fc.tuple(u32, u32), portStatusMask: fc.tuple(u32, u32), flowRemovedMask: fc.tuple(u32, u32),
  }),
  meterMod: fc.record({ version: fc.constant(V), type: fc.constant('meter_mod' as const), xid, command: u16, flags: u16, meterId: u32, bands: fc.array(meterBand, { maxLength: 4 }) }),
  unknown: fc.record({ version: fc.constant(V), type: fc.constant('unknown' as const), xid, msgType: other(0xff, KNOWN_OFPT13), data: bytes(64) }),
};

/** Any valid OpenFlow 1.3 message. */
export const of13Message: fc.Arbitrary<Of13Message> = fc.oneof(...Object.values(of13Messages));
