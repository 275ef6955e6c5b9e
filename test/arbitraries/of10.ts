/**
 * fast-check arbitraries for valid OpenFlow 1.0 messages: every message type, every stats kind,
 * every action, in the exact form the decoder returns (so that decode(encode(x)) deep-equals x).
 */
import fc from 'fast-check';
import type { Action10 } from '../../src/openflow/codec/v10/actions.js';
import type { Match10 } from '../../src/openflow/codec/v10/match.js';
import type { Of10Message, StatsReplyBody, StatsRequestBody } from '../../src/openflow/codec/v10/messages.js';
import type { PacketQueue10, PhyPort, QueueProp10 } from '../../src/openflow/codec/v10/structs.js';
import { bytes, bytesMod8, cstr, ipv4, mac, other, u16, u32, u64, u8, xid } from './common.js';
import { hello } from './of13.js';

const V = 1 as const;

export const match10: fc.Arbitrary<Match10> = fc.record({
  wildcards: u32, inPort: u16, dlSrc: mac, dlDst: mac, dlVlan: u16, dlVlanPcp: u8, dlType: u16, nwTos: u8,
  nwProto: u8, nwSrc: ipv4, nwDst: ipv4, tpSrc: u16, tpDst: u16,
});

/** OFPAT10 numbers the codec decodes to a named variant. */
const KNOWN_ACTIONS10 = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0xffff];

export const action10: fc.Arbitrary<Action10> = fc.oneof(
  fc.record({ type: fc.constant('output' as const), port: u16, maxLen: u16 }),
  fc.record({ type: fc.constant('set_vlan_vid' as const), vlanVid: u16 }),
  fc.record({ type: fc.constant('set_vlan_pcp' as const), vlanPcp: u8 }),
  fc.constant<Action10>({ type: 'strip_vlan' }),
  fc.record({ type: fc.constantFrom('set_dl_src' as const, 'set_dl_dst' as const), dlAddr: mac }),
  fc.record({ type: fc.constantFrom('set_nw_src' as const, 'set_nw_dst' as const), nwAddr: ipv4 }),
  fc.record({ type: fc.constant('set_nw_tos' as const), nwTos: u8 }),
  fc.record({ type: fc.constantFrom('set_tp_src' as const, 'set_tp_dst' as const), tpPort: u16 }),
  fc.record({ type: fc.constant('enqueue' as const), port: u16, queueId: u32 }),
  // ofp_action_vendor_header is 8 bytes: the body keeps the action a multiple of 8.
  fc.record({ type: fc.constant('vendor' as const), vendor: u32, data: bytesMod8(3, 0) }),
  fc.record({ type: fc.constant('unknown' as const), actionType: other(0xffff, KNOWN_ACTIONS10), data: bytesMod8(3, 4) }),
);
export const actions10 = fc.array(action10, { maxLength: 5 });

export const phyPort: fc.Arbitrary<PhyPort> = fc.record({
  portNo: u16, hwAddr: mac, name: cstr(16), config: u32, state: u32, curr: u32, advertised: u32, supported: u32, peer: u32,
});

export const queueProp10: fc.Arbitrary<QueueProp10> = fc.oneof(
  fc.record({ type: fc.constant('min_rate' as const), rate: u16 }),
  // Any other property (OFPQT_NONE included) is kept raw; its data starts with the header's pad[4].
  fc.record({ type: fc.constant('unknown' as const), propType: other(0xffff, [1]), data: bytes(20, (n) => n >= 4) }),
);
export const packetQueue10: fc.Arbitrary<PacketQueue10> = fc.record({ queueId: u32, properties: fc.array(queueProp10, { maxLength: 3 }) });

const KNOWN_ST = [0, 1, 2, 3, 4, 5, 0xffff];

export const statsRequestBody: fc.Arbitrary<StatsRequestBody> = fc.oneof(
  fc.constantFrom<StatsRequestBody>({ type: 'desc' }, { type: 'table' }),
  fc.record({ type: fc.constantFrom('flow' as const, 'aggregate' as const), match: match10, tableId: u8, outPort: u16 }),
  fc.record({ type: fc.constant('port' as const), portNo: u16 }),
  fc.record({ type: fc.constant('queue' as const), portNo: u16, queueId: u32 }),
  fc.record({ type: fc.constant('vendor' as const), vendor: u32, data: bytes(24) }),
  fc.record({ type: fc.constant('unknown' as const), statsType: other(0xffff, KNOWN_ST), data: bytes(24) }),
);

export const statsReplyBody: fc.Arbitrary<StatsReplyBody> = fc.oneof(
  fc.record({ type: fc.constant('desc' as const), mfrDesc: cstr(256), hwDesc: cstr(256), swDesc: cstr(256), serialNum: cstr(32), dpDesc: cstr(256) }),
  fc.record({
    type: fc.constant('flow' as const),
    flows: fc.array(
      fc.record({
        tableId: u8, match: match10, durationSec: u32, durationNsec: u32, priority: u16, idleTimeout: u16, hardTimeout: u16,
        cookie: u64, packetCount: u64, byteCount: u64, actions: actions10,
      }),
      { maxLength: 3 },
    ),
  }),
  fc.record({ type: fc.constant('aggregate' as const), packetCount: u64, byteCount: u64, flowCount: u32 }),
  fc.record({
    type: fc.constant('table' as const),
    tables: fc.array(fc.record({ tableId: u8, name: cstr(32), wildcards: u32, maxEntries: u32, activeCount: u32, lookupCount: u64, matchedCount: u64 }), { maxLength: 3 }),
  }),
  fc.record({
    type: fc.constant('port' as const),
    ports: fc.array(
      fc.record({
        portNo: u16, rxPackets: u64, txPackets: u64, rxBytes: u64, txBytes: u64, rxDropped: u64, txDropped: u64, rxErrors: u64,
        txErrors: u64, rxFrameErr: u64, rxOverErr: u64, rxCrcErr: u64, collisions: u64,
      }),
      { maxLength: 3 },
    ),
  }),
  fc.record({ type: fc.constant('queue' as const), queues: fc.array(fc.record({ portNo: u16, queueId: u32, txBytes: u64, txPackets: u64, txErrors: u64 }), { maxLength: 3 }) }),
  fc.record({ type: fc.constant('vendor' as const), vendor: u32, data: bytes(24) }),
  fc.record({ type: fc.constant('unknown' as const), statsType: other(0xffff, KNOWN_ST), data: bytes(24) }),
);

const KNOWN_OFPT10 = Array.from({ length: 22 }, (_, i) => i);

/** Every OpenFlow 1.0 message type, one arbitrary each. */
export const of10Messages: Readonly<Record<string, fc.Arbitrary<Of10Message>>> = {
  hello: hello(fc.constant(V)),
  error: fc.record({ version: fc.constant(V), type: fc.constant('error' as const), xid, errType: u16, code: u16, data: bytes(64) }),
  echo: fc.record({ version: fc.constant(V), type: fc.constantFrom('echo_request' as const, 'echo_reply' as const), xid, data: bytes(64) }),
  headerOnly: fc.record({
    version: fc.constant(V),
    type: fc.constantFrom('features_request' as const, 'get_config_request' as const, 'barrier_request' as const, 'barrier_reply' as const),
    xid,
  }),
  switchConfig: fc.record({ version: fc.constant(V), type: fc.constantFrom('get_config_reply' as const, 'set_config' as const), xid, flags: u16, missSendLen: u16 }),
  vendor: fc.record({ version: fc.constant(V), type: fc.constant('vendor' as const), xid, vendor: u32, data: bytes(64) }),
  featuresReply: fc.record({
    version: fc.constant(V), type: fc.constant('features_reply' as const), xid, datapathId: u64, nBuffers: u32, nTables: u8,
    capabilities: u32, actions: u32, ports: fc.array(phyPort, { maxLength: 4 }),
  }),
  packetIn: fc.record({ version: fc.constant(V), type: fc.constant('packet_in' as const), xid, bufferId: u32, totalLen: u16, inPort: u16, reason: u8, data: bytes(128) }),
  flowRemoved: fc.record({
    version: fc.constant(V), type: fc.constant('flow_removed' as const), xid, match: match10, cookie: u64, priority: u16, reason: u8,
    durationSec: u32, durationNsec: u32, idleTimeout: u16, packetCount: u64, byteCount: u64,
  }),
  portStatus: fc.record({ version: fc.constant(V), type: fc.constant('port_status' as const), xid, reason: u8, port: phyPort }),
  packetOut: fc.record({ version: fc.constant(V), type: fc.constant('packet_out' as const), xid, bufferId: u32, inPort: u16, actions: actions10, data: bytes(128) }),
  flowMod: fc.record({
    version: fc.constant(V), type: fc.constant('flow_mod' as const), xid, match: match10, cookie: u64, command: u16, idleTimeout: u16,
    hardTimeout: u16, priority: u16, bufferId: u32, outPort: u16, flags: u16, actions: actions10,
  }),
  portMod: fc.record({ version: fc.constant(V), type: fc.constant('port_mod' as const), xid, portNo: u16, hwAddr: mac, config: u32, mask: u32, advertise: u32 }),
  statsRequest: fc.record({ version: fc.constant(V), type: fc.constant('stats_request' as const), xid, flags: u16, body: statsRequestBody }),
  statsReply: fc.record({ version: fc.constant(V), type: fc.constant('stats_reply' as const), xid, flags: u16, body: statsReplyBody }),
  queueGetConfigRequest: fc.record({ version: fc.constant(V), type: fc.constant('queue_get_config_request' as const), xid, port: u16 }),
  queueGetConfigReply: fc.record({ version: fc.constant(V), type: fc.constant('queue_get_config_reply' as const), xid, port: u16, queues: fc.array(packetQueue10, { maxLength: 3 }) }),
  unknown: fc.record({ version: fc.constant(V), type: fc.constant('unknown' as const), xid, msgType: other(0xff, KNOWN_OFPT10), data: bytes(64) }),
};

/** Any valid OpenFlow 1.0 message. */
export const of10Message: fc.Arbitrary<Of10Message> = fc.oneof(...Object.values(of10Messages));
