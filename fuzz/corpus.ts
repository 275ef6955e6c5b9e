/**
 * What the hostile OpenFlow clients send: real Open vSwitch traffic recorded from the bridge
 * (a throwaway controller that asks for features and ports and catches packet-ins), realistic
 * messages built with the codec, and the mutations applied to both (bit flips, truncation,
 * length lies, wrong version or type, trailing junk).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { OFP_NO_BUFFER, OFPCML, OFPP } from '../src/openflow/codec/constants.js';
import { Framer } from '../src/openflow/codec/framer.js';
import { flowModMessage } from '../src/openflow/datapath.js';
import { decodeMessage, encodeMessage, type OfMessage } from '../src/openflow/codec/index.js';
import { OFPPR } from '../src/openflow/codec/v13/enums.js';
import type { Port } from '../src/openflow/codec/v13/structs.js';
import { emulatedPort } from '../src/loadgen/features.js';
import { buildPacket } from '../src/packet/packet.js';
import { arpRequest } from '../src/packet/arp.js';
import { buildProbe } from '../src/topology/probe.js';
import type { Rng } from './rng.js';

/** OpenFlow header fields by offset (ofp_header): version, type, length, xid. */
const OFP_HEADER_LEN = 8;

/** Frames the bridge sent to the recorder, by OpenFlow message type name. */
export interface Recording {
  readonly frames: readonly Buffer[];
  /** How many of each type were recorded (for the report). */
  readonly counts: Readonly<Record<string, number>>;
}

/**
 * A throwaway controller for the real bridge: it asks for features, the port list and the
 * description, installs a table-miss to itself so the bridge sends packet-ins, answers echoes,
 * and keeps every frame the bridge sends (copied). Point the bridge at `port`, make traffic,
 * then `close()`.
 */
export class Recorder {
  readonly frames: Buffer[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(server: Server) {
    this.server = server;
  }

  /** Listens on 127.0.0.1 (a free port). */
  static async start(): Promise<Recorder> {
    const server = createServer();
    const r = new Recorder(server);
    server.on('connection', (s) => r.onConnection(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return r;
  }

  get port(): number {
    const a = this.server.address();
    return typeof a === 'object' && a !== null ? a.port : 0;
  }

  /** How many frames of this type were recorded. */
  count(type: string): number {
    return this.frames.filter((f) => typeName(f) === type).length;
  }

  recording(): Recording {
    const counts: Record<string, number> = {};
    for (const f of this.frames) counts[typeName(f)] = (counts[typeName(f)] ?? 0) + 1;
    return { frames: [...this.frames], counts };
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onConnection(s: Socket): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
    s.on('error', () => undefined);
    const framer = new Framer();
    const send = (m: OfMessage): void => void s.write(encodeMessage(m));
    send({ version: 4, type: 'hello', xid: 1, elements: [{ type: 'versionbitmap', versions: [4] }] });
    send({ version: 4, type: 'features_request', xid: 2 });
    send({ version: 4, type: 'multipart_request', xid: 3, flags: 0, body: { type: 'port_desc' } });
    send({ version: 4, type: 'multipart_request', xid: 4, flags: 0, body: { type: 'desc' } });
    // The table-miss flow: every unmatched packet to the controller, unbuffered.
    send(flowModMessage(4, 5, { priority: 0, actions: [{ type: 'output', port: OFPP.CONTROLLER, maxLen: OFPCML.NO_BUFFER }] }));
    send({ version: 4, type: 'barrier_request', xid: 6 });
    s.on('data', (chunk: Buffer) => {
      try {
        framer.push(chunk, (f) => {
          const frame = Buffer.from(f);
          this.frames.push(frame);
          if (frame[1] === 2) s.write(Buffer.concat([Buffer.from([4, 3]), frame.subarray(2)])); // ECHO_REQUEST → ECHO_REPLY, same xid and data
        });
      } catch {
        s.destroy();
      }
    });
  }
}

const TYPE_NAMES: Record<number, string> = { 0: 'hello', 1: 'error', 2: 'echo_request', 3: 'echo_reply', 4: 'experimenter', 6: 'features_reply', 10: 'packet_in', 11: 'flow_removed', 12: 'port_status', 19: 'multipart_reply', 21: 'barrier_reply' };

/** The OpenFlow 1.3 type name of a frame (or `type N`). */
export function typeName(frame: Buffer): string {
  const t = frame[1] ?? -1;
  return TYPE_NAMES[t] ?? `type ${t}`;
}

/** Sets the xid of a frame (a copy). */
export function withXid(frame: Buffer, xid: number): Buffer {
  const b = Buffer.from(frame);
  if (b.length >= OFP_HEADER_LEN) b.writeUInt32BE(xid >>> 0, 4);
  return b;
}

/** A recorded FEATURES_REPLY with another datapath id (ofp_switch_features.datapath_id at offset 8). */
export function withDpid(frame: Buffer, dpid: bigint): Buffer {
  const b = Buffer.from(frame);
  if (b[1] === 6 && b.length >= 16) b.writeBigUInt64BE(dpid, 8);
  return b;
}

function port(n: number, rng: Rng): Port {
  const p = emulatedPort(n & 0xff);
  return { ...p, portNo: n, name: `fz${n}`.slice(0, 15), state: rng.chance(0.3) ? 1 : 0, config: rng.chance(0.2) ? 1 : 0 };
}

function mac(rng: Rng): string {
  return [0x02, ...rng.bytes(5)].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

function ipv4(rng: Rng): string {
  return `10.${rng.int(256)}.${rng.int(256)}.${rng.range(1, 254)}`;
}

/** A data-plane frame a host or a switch could send up: LLDP (forged or foreign), ARP, IPv4/UDP, or junk. */
export function frameFor(rng: Rng, dpid: bigint): Buffer {
  switch (rng.int(5)) {
    case 0:
      // A probe signed with a secret that is not the controller's (forged), claiming some dpid.
      return buildProbe({ dpid: rng.chance(0.5) ? dpid : BigInt(rng.int(1 << 30)), port: rng.range(1, 8), hwAddr: mac(rng), sentAt: rng.int(2 ** 40), ttlSec: 120 }, rng.bytes(32));
    case 1:
      return arpRequest({ srcMac: mac(rng), srcIp: ipv4(rng), dstIp: ipv4(rng) });
    case 2:
      return buildPacket({ eth: { dst: mac(rng), src: mac(rng) }, ipv4: { protocol: 17, src: ipv4(rng), dst: ipv4(rng) }, udp: { srcPort: rng.int(65536), dstPort: rng.int(65536) }, payload: rng.bytes(rng.int(64)) });
    case 3:
      return buildPacket({ eth: { dst: 'ff:ff:ff:ff:ff:ff', src: mac(rng), ethertype: rng.int(65536) }, payload: rng.bytes(rng.int(100)) });
    default:
      return rng.bytes(rng.int(80));
  }
}

/** A realistic OpenFlow 1.3 message from a switch with this dpid, built with the codec. */
export function synthetic(rng: Rng, dpid: bigint, xid: number): Buffer {
  const kind = rng.int(8);
  switch (kind) {
    case 0:
    case 1:
    case 2: {
      const data = frameFor(rng, dpid);
      return encodeMessage({ version: 4, type: 'packet_in', xid, bufferId: OFP_NO_BUFFER, totalLen: data.length, reason: rng.int(3), tableId: 0, cookie: BigInt(rng.int(2 ** 31)), match: [{ field: 'in_port', value: rng.range(1, 8) }], data });
    }
    case 3:
      return encodeMessage({ version: 4, type: 'port_status', xid, reason: rng.pick([OFPPR.ADD, OFPPR.MODIFY, OFPPR.DELETE]), port: port(rng.range(1, 64), rng) });
    case 4:
      return encodeMessage({ version: 4, type: 'multipart_reply', xid, flags: rng.chance(0.2) ? 1 : 0, body: { type: 'port_desc', ports: Array.from({ length: rng.range(0, 20) }, (_, i) => port(i + 1, rng)) } });
    case 5:
      return encodeMessage({ version: 4, type: 'echo_request', xid, data: rng.bytes(rng.int(16)) });
    case 6:
      return encodeMessage({ version: 4, type: 'error', xid, errType: rng.int(16), code: rng.int(16), data: rng.bytes(rng.int(64)) });
    default:
      return encodeMessage({ version: 4, type: 'multipart_reply', xid, flags: 0, body: { type: 'desc', mfrDesc: 'fuzz', hwDesc: 'fuzz', swDesc: 'fuzz', serialNum: String(rng.int(1000)), dpDesc: 'x'.repeat(rng.int(256)) } });
  }
}

/** Names of the mutations, for the report. */
export const MUTATIONS = ['none', 'bitflip', 'truncate', 'length-lie', 'extend', 'version', 'type'] as const;
export type Mutation = (typeof MUTATIONS)[number];

/** A mutated copy of one frame (the original is untouched) and what was done to it. */
export function mutate(rng: Rng, frame: Buffer): { bytes: Buffer; mutation: Mutation } {
  const mutation = rng.pick(MUTATIONS);
  const b = Buffer.from(frame);
  switch (mutation) {
    case 'none':
      return { bytes: b, mutation };
    case 'bitflip': {
      // Mostly past the header, so the message is framed and its body decoded wrong.
      for (let i = rng.range(1, 8); i > 0 && b.length > 0; i--) {
        const at = b.length > OFP_HEADER_LEN && rng.chance(0.8) ? rng.range(OFP_HEADER_LEN, b.length - 1) : rng.int(b.length);
        b[at] = b[at]! ^ (1 << rng.int(8));
      }
      return { bytes: b, mutation };
    }
    case 'truncate': {
      // The header still says the original length: the rest arrives with the next message.
      return { bytes: b.subarray(0, rng.int(b.length)), mutation };
    }
    case 'length-lie': {
      if (b.length >= 4) b.writeUInt16BE(rng.pick([0, 1, 7, 8, rng.int(b.length + 1), b.length + rng.range(1, 64), 0xffff]), 2);
      return { bytes: b, mutation };
    }
    case 'extend': {
      const out = Buffer.concat([b, rng.bytes(rng.range(1, 200))]);
      if (out.length >= 4 && out.length <= 0xffff && rng.chance(0.7)) out.writeUInt16BE(out.length, 2);
      return { bytes: out, mutation };
    }
    case 'version':
      if (b.length > 0) b[0] = rng.pick([0, 1, 2, 3, 5, 6, 0x7f, 0xff]);
      return { bytes: b, mutation };
    case 'type':
      if (b.length > 1) b[1] = rng.int(256);
      return { bytes: b, mutation };
    default:
      return mutation satisfies never;
  }
}

/** Splits bytes into random chunks (1 byte to all of it), as a stream may deliver them. */
export function randomSplits(rng: Rng, bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at < bytes.length) {
    const n = rng.chance(0.3) ? rng.range(1, 8) : rng.range(1, Math.max(1, bytes.length - at));
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}

/** Decodes a frame when it decodes (for printing a failing input); otherwise undefined. */
export function tryDecode(frame: Buffer): OfMessage | undefined {
  try {
    return decodeMessage(frame);
  } catch {
    return undefined;
  }
}
