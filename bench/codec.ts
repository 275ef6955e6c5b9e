/**
 * Codec benchmarks: PACKET_IN decode, FLOW_MOD encode, stream framing, and the JSON form (the
 * controller's hot paths); and the port counters a stats poll brings, in both versions.
 */
import { OFP_NO_BUFFER, OFPCML, OFPG, OFPP } from '../src/openflow/codec/constants.js';
import { Framer } from '../src/openflow/codec/framer.js';
import { decodeMessage, encodeMessage, encodeMessageInto, type OfMessage } from '../src/openflow/codec/index.js';
import type { FlowMod, PacketIn } from '../src/openflow/codec/v13/messages.js';
import { OFPFC, OFPR } from '../src/openflow/codec/v13/enums.js';
import { Writer } from '../src/openflow/codec/writer.js';
import { messageToJson } from '../src/openflow/json.js';
import { measure, type BenchSuite, type Row } from './harness.js';

const SUITE = 'codec';

/** A 128-byte Ethernet frame (IPv4/UDP) with a recognisable payload. */
function ethernetFrame(len = 128): Buffer {
  const f = Buffer.alloc(len);
  Buffer.from('0000000000020000000000010800', 'hex').copy(f, 0); // dst, src, ethertype IPv4
  Buffer.from('45000072000040004011000a0a0000010a000002', 'hex').copy(f, 14); // IPv4 header, proto UDP
  for (let i = 34; i < len; i++) f[i] = i & 0xff;
  return f;
}

/** A table-miss PACKET_IN as OVS sends it: unbuffered, match with in_port only. */
export const packetIn: PacketIn = {
  version: 4,
  type: 'packet_in',
  xid: 0,
  bufferId: OFP_NO_BUFFER,
  totalLen: 128,
  reason: OFPR.NO_MATCH,
  tableId: 0,
  cookie: 0n,
  match: [{ field: 'in_port', value: 3 }],
  data: ethernetFrame(),
};

/** A learning-switch flow: in_port + eth_src + eth_dst, apply-actions output. */
export const flowMod: FlowMod = {
  version: 4,
  type: 'flow_mod',
  xid: 0x1234,
  cookie: 0x5b0000000000001n,
  cookieMask: 0n,
  tableId: 0,
  command: OFPFC.ADD,
  idleTimeout: 60,
  hardTimeout: 0,
  priority: 100,
  bufferId: OFP_NO_BUFFER,
  outPort: OFPP.ANY,
  outGroup: OFPG.ANY,
  flags: 1,
  match: [
    { field: 'in_port', value: 3 },
    { field: 'eth_dst', value: '00:00:00:00:00:02' },
    { field: 'eth_src', value: '00:00:00:00:00:01' },
  ],
  instructions: [{ type: 'apply_actions', actions: [{ type: 'output', port: 4, maxLen: OFPCML.NO_BUFFER }] }],
};

/**
 * A switch's typical inbound traffic: mostly PACKET_INs, with echo requests, barrier replies,
 * flow-removed and port-status-sized messages mixed in, cut into 64 KiB chunks. Returns the
 * chunks (the stream repeats seamlessly when they are pushed in a cycle) and the message count.
 */
function mixedStream(): { chunks: Buffer[]; messages: number } {
  const pi = encodeMessage(packetIn);
  const echo = encodeMessage({ version: 4, type: 'echo_request', xid: 7, data: Buffer.alloc(8) });
  const barrier = encodeMessage({ version: 4, type: 'barrier_reply', xid: 9 });
  const fm = encodeMessage(flowMod);
  const cycle = [pi, pi, pi, echo, pi, pi, barrier, pi, fm, pi];
  const msgs: Buffer[] = [];
  let len = 0;
  // ~8 chunks of 64 KiB: enough that every chunk boundary splits a message differently.
  while (len < 8 * 65536) {
    const m = cycle[msgs.length % cycle.length]!;
    msgs.push(m);
    len += m.length;
  }
  const all = Buffer.concat(msgs);
  const chunks: Buffer[] = [];
  for (let off = 0; off < all.length; off += 65536) chunks.push(all.subarray(off, off + 65536));
  return { chunks, messages: msgs.length };
}

/** A switch's answer to a port stats poll: `n` ports with busy counters, as 1.3 and 1.0 replies. */
function portStatsReplies(n: number): { v13: Buffer; v10: Buffer } {
  const counters = (i: number) => {
    const b = BigInt(i + 1) * 1_000_003n;
    return {
      rxPackets: b, txPackets: b + 1n, rxBytes: b * 64n, txBytes: b * 65n, rxDropped: 0n, txDropped: 1n,
      rxErrors: 2n, txErrors: 3n, rxFrameErr: 0n, rxOverErr: 0n, rxCrcErr: 0n, collisions: 0n,
    };
  };
  const idx = Array.from({ length: n }, (_, i) => i);
  return {
    v13: encodeMessage({
      version: 4, type: 'multipart_reply', xid: 5, flags: 0,
      body: { type: 'port_stats', ports: idx.map((i) => ({ portNo: i + 1, ...counters(i), durationSec: 3600 + i, durationNsec: 5000 })) },
    }),
    v10: encodeMessage({ version: 1, type: 'stats_reply', xid: 5, flags: 0, body: { type: 'port', ports: idx.map((i) => ({ portNo: i + 1, ...counters(i) })) } }),
  };
}

let counted = 0;
function countMessage(_m: Buffer): void {
  counted++;
}
let decoded: OfMessage | undefined;
function decodeOne(m: Buffer): void {
  decoded = decodeMessage(m);
}

export const codecSuite: BenchSuite = {
  name: SUITE,
  async run(): Promise<Row[]> {
    const rows: Row[] = [];
    const piBytes = encodeMessage(packetIn);
    rows.push(measure(SUITE, `decode PACKET_IN (OF1.3, ${piBytes.length} B, 128 B frame, in_port match)`, () => decodeMessage(piBytes)));

    // The session's path: many messages appended to one writer, handed out per burst.
    const w = new Writer(1 << 16);
    rows.push(
      measure(SUITE, 'encode FLOW_MOD into a session writer (3-field match, output)', () => {
        if (w.pos > 60000) w.pos = 0;
        encodeMessageInto(w, flowMod);
      }),
    );
    rows.push(measure(SUITE, 'encodeMessage FLOW_MOD (own Buffer each)', () => encodeMessage(flowMod)));

    const { chunks, messages } = mixedStream();
    let framer = new Framer();
    rows.push(
      measure(
        SUITE,
        'frame 64 KiB chunks of mixed messages (per message)',
        () => {
          for (let i = 0; i < chunks.length; i++) framer.push(chunks[i]!, countMessage);
          return counted;
        },
        { opsPerCall: messages },
      ),
    );
    framer = new Framer();
    rows.push(
      measure(
        SUITE,
        'frame + decode 64 KiB chunks of mixed messages (per message)',
        () => {
          for (let i = 0; i < chunks.length; i++) framer.push(chunks[i]!, decodeOne);
          return decoded;
        },
        { opsPerCall: messages },
      ),
    );

    const stats = portStatsReplies(48);
    const stats13 = decodeMessage(stats.v13);
    const stats10 = decodeMessage(stats.v10);
    rows.push(measure(SUITE, 'decode PORT_STATS reply (OF1.3, 48 ports)', () => decodeMessage(stats.v13)));
    rows.push(measure(SUITE, 'encode PORT_STATS reply (OF1.3, 48 ports)', () => encodeMessage(stats13)));
    rows.push(measure(SUITE, 'decode port STATS_REPLY (OF1.0, 48 ports)', () => decodeMessage(stats.v10)));
    rows.push(measure(SUITE, 'encode port STATS_REPLY (OF1.0, 48 ports)', () => encodeMessage(stats10)));

    const fmDecoded = decodeMessage(encodeMessage(flowMod));
    rows.push(measure(SUITE, 'JSON.stringify(messageToJson(FLOW_MOD))', () => JSON.stringify(messageToJson(fmDecoded))));
    return rows;
  },
};
