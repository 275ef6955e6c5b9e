/**
 * A load-generating emulated switch (cbench's fakeswitch, in 1.3 and 1.0): it completes a real
 * handshake, then keeps a bounded number of precomputed PACKET_INs outstanding and matches the
 * controller's FLOW_MOD / PACKET_OUT answers to them by buffer id or by the packet's MACs,
 * reading only the bytes it needs (no full decode on the hot path).
 */
import type { Duplex } from 'node:stream';
import { Framer } from '../openflow/codec/framer.js';
import { OFP_NO_BUFFER, OFPBRC, OFPET, OFPT10, OFPT13 } from '../openflow/codec/constants.js';
import { decodeMessage, encodeMessage, type OfMessage } from '../openflow/codec/index.js';
import { emulatedPort, featuresReply } from './features.js';
import { LatencyHistogram } from './latency-histogram.js';

/** Where a load switch is in its life. */
export type FastSwitchState = 'hello' | 'features' | 'ready' | 'closed';

/** How a switch decides whether its PACKET_INs carry a buffer id. */
export type BufferMode = 'auto' | 'on' | 'off';

/** Options of one load switch. */
export interface FastSwitchOptions {
  /** Index of this switch in its swarm, 0-based: it is part of every MAC the switch sends (0..65535). */
  readonly index: number;
  /** Datapath id (default index + 1). */
  readonly dpid?: bigint;
  /** Wire version: 4 (OpenFlow 1.3) or 1 (OpenFlow 1.0). */
  readonly version: 1 | 4;
  /** Distinct source MACs this switch cycles through (cbench -M). */
  readonly macs: number;
  /** Most PACKET_INs outstanding at once (1 = latency mode). */
  readonly window: number;
  /** Switch ports; packet k comes in on port 1 + (k mod ports) (default 4). */
  readonly ports?: number;
  /**
   * `on`: every PACKET_IN names a buffer id (like cbench); `off`: none (OFP_NO_BUFFER, the whole
   * frame); `auto` (default): buffered unless a 1.3 SET_CONFIG asks for miss_send_len
   * OFPCML_NO_BUFFER, as a 1.3 switch must.
   */
  readonly buffer?: BufferMode;
}

/**
 * What a switch has counted; plain numbers so the generator sums them per loop. A PACKET_IN is
 * `answered` once, by the first FLOW_MOD or PACKET_OUT that names it; later replies naming it
 * are `repeats`, replies naming none of ours `unmatched`.
 */
export interface FastSwitchCounters {
  sent: number;
  answered: number;
  flowMods: number;
  packetOuts: number;
  /** Replies naming a PACKET_IN already answered (the PACKET_OUT after a FLOW_MOD, say) or given up on. */
  repeats: number;
  /** Replies naming none of our PACKET_INs. */
  unmatched: number;
  barriers: number;
  echoes: number;
  errors: number;
  other: number;
  /** PACKET_INs given up on after the reply timeout (their window slot is reused). */
  lost: number;
  /** Sum of the round trips of answered PACKET_INs, in ms. */
  latencySumMs: number;
}

/** Ethernet frame carried by every PACKET_IN: a 60-byte IPv4/UDP packet (minimum frame size). */
export const FRAME_LEN = 60;
/** First byte of every MAC a load switch sends: locally administered, unicast. */
const MAC_TAG = 0x02;
/** OXM class OFPXMC_OPENFLOW_BASIC and the OFB field numbers of eth_dst / eth_src. */
const OXM_BASIC = 0x8000;
const OFB_ETH_DST = 3;
const OFB_ETH_SRC = 4;
/** Sequence numbers (and buffer ids) wrap here, below OFP_NO_BUFFER. */
const SEQ_MOD = 0x4000_0000;

/** Byte offsets that differ between the two versions (ofp_packet_in, ofp_flow_mod, ofp_packet_out). */
interface Layout {
  readonly flowMod: number;
  readonly packetOut: number;
  readonly barrierRequest: number;
  readonly barrierReply: number;
  readonly echoRequest: number;
  readonly multipartRequest: number;
  /** ofp_flow_mod.buffer_id */
  readonly fmBufferId: number;
  /** ofp_flow_mod.match (1.3: ofp_match header; 1.0: ofp_match) */
  readonly fmMatch: number;
  /** ofp_packet_out.actions_len */
  readonly poActionsLen: number;
  /** first action of ofp_packet_out */
  readonly poActions: number;
}

const LAYOUT13: Layout = {
  flowMod: OFPT13.FLOW_MOD,
  packetOut: OFPT13.PACKET_OUT,
  barrierRequest: OFPT13.BARRIER_REQUEST,
  barrierReply: OFPT13.BARRIER_REPLY,
  echoRequest: OFPT13.ECHO_REQUEST,
  multipartRequest: OFPT13.MULTIPART_REQUEST,
  // header 8, cookie 8, cookie_mask 8, table_id 1, command 1, idle 2, hard 2, priority 2
  fmBufferId: 32,
  // ... buffer_id 4, out_port 4, out_group 4, flags 2, pad 2
  fmMatch: 48,
  // header 8, buffer_id 4, in_port 4
  poActionsLen: 16,
  // ... actions_len 2, pad 6
  poActions: 24,
};

const LAYOUT10: Layout = {
  flowMod: OFPT10.FLOW_MOD,
  packetOut: OFPT10.PACKET_OUT,
  barrierRequest: OFPT10.BARRIER_REQUEST,
  barrierReply: OFPT10.BARRIER_REPLY,
  echoRequest: OFPT10.ECHO_REQUEST,
  multipartRequest: OFPT10.STATS_REQUEST,
  // header 8, ofp_match 40, cookie 8, command 2, idle 2, hard 2, priority 2
  fmBufferId: 64,
  fmMatch: 8,
  // header 8, buffer_id 4, in_port 2
  poActionsLen: 14,
  poActions: 16,
};

/** ofp_match (1.0) wildcard bits for dl_src and dl_dst. */
const OFPFW10_DL_SRC = 1 << 2;
const OFPFW10_DL_DST = 1 << 3;

/** The MAC a load switch uses for packet index `k` (02:SS:SS:KK:KK:KK). */
export function loadMac(index: number, k: number, out: Buffer, off: number): void {
  out[off] = MAC_TAG;
  out[off + 1] = (index >>> 8) & 0xff;
  out[off + 2] = index & 0xff;
  out[off + 3] = (k >>> 16) & 0xff;
  out[off + 4] = (k >>> 8) & 0xff;
  out[off + 5] = k & 0xff;
}

/**
 * The PACKET_IN for packet index `k` of switch `index`, xid and buffer id 0 (the sender patches
 * them). The frame goes from MAC k (in on port 1 + k mod ports) to MAC k+1 mod `macs`, so a
 * learning controller that has seen the previous round knows where the destination is.
 */
export function buildPacketIn(version: 1 | 4, index: number, k: number, macs: number, ports: number): Buffer {
  const frame = Buffer.alloc(FRAME_LEN);
  loadMac(index, (k + 1) % macs, frame, 0);
  loadMac(index, k, frame, 6);
  frame.writeUInt16BE(0x0800, 12);
  // IPv4 header: version/IHL, total length 46, TTL 64, UDP; 10.S.S.k -> 10.S.S.k+1 (checksum left 0).
  frame[14] = 0x45;
  frame.writeUInt16BE(FRAME_LEN - 14, 16);
  frame[22] = 64;
  frame[23] = 17;
  frame[26] = 10;
  frame[27] = (index >>> 8) & 0xff;
  frame[28] = index & 0xff;
  frame[29] = k & 0xff;
  frame[30] = 10;
  frame[31] = (index >>> 8) & 0xff;
  frame[32] = index & 0xff;
  frame[33] = ((k + 1) % macs) & 0xff;
  // UDP 1024 -> 9, length 26.
  frame.writeUInt16BE(1024, 34);
  frame.writeUInt16BE(9, 36);
  frame.writeUInt16BE(FRAME_LEN - 34, 38);
  const inPort = 1 + (k % ports);
  if (version === 1) {
    return encodeMessage({ version: 1, type: 'packet_in', xid: 0, bufferId: 0, totalLen: FRAME_LEN, inPort, reason: 0, data: frame });
  }
  return encodeMessage({
    version: 4,
    type: 'packet_in',
    xid: 0,
    bufferId: 0,
    totalLen: FRAME_LEN,
    reason: 0,
    tableId: 0,
    cookie: 0n,
    match: [{ field: 'in_port', value: inPort }],
    data: frame,
  });
}

/**
 * One load switch on a connected stream. It sends HELLO at once; `start()` begins sending
 * PACKET_INs once the handshake is done (`state === 'ready'`).
 */
export class FastSwitch {
  state: FastSwitchState = 'hello';
  readonly counters: FastSwitchCounters = {
    sent: 0,
    answered: 0,
    flowMods: 0,
    packetOuts: 0,
    repeats: 0,
    unmatched: 0,
    barriers: 0,
    echoes: 0,
    errors: 0,
    other: 0,
    lost: 0,
    latencySumMs: 0,
  };
  /** Round trips of answered PACKET_INs (for the percentiles; the mean is `counters.latencySumMs`). */
  readonly latency = new LatencyHistogram();
  /** PACKET_INs sent and not yet answered or given up on. */
  outstanding = 0;
  /** Why the connection ended, once it has. */
  closeReason: string | undefined;
  /**
   * Whether the controller has asked for the switch description. Controllers such as Signalbox
   * ask for it last in their handshake, so once it is answered, PACKET_INs are handled at once.
   */
  described = false;

  readonly index: number;
  readonly dpid: bigint;
  readonly version: 1 | 4;
  private readonly macs: number;
  private readonly window: number;
  private readonly ports: number;
  private readonly bufferMode: BufferMode;
  private buffered: boolean;
  private readonly layout: Layout;
  private readonly framer = new Framer();
  /** One PACKET_IN per in-port, back to back (packet k uses template k mod ports; MACs patched in). */
  private readonly templates: Buffer;
  private readonly piLen: number;
  /** Offset of the Ethernet frame in a PACKET_IN. */
  private readonly dataOff: number;
  /** Offset of ofp_packet_in.buffer_id. */
  private static readonly PI_BUFFER_ID = 8;
  /** Ring of outstanding PACKET_INs by sequence number: seq + 1, or 0 when the slot is free. */
  private readonly slotSeq: Float64Array;
  private readonly slotSentAt: Float64Array;
  private readonly ringMask: number;
  /** Latest sequence number sent with MAC k, for answers that carry no buffer id. */
  private readonly macSeq: Int32Array;
  private seq = 0;
  private running = false;
  private blocked = false;
  /** Timestamp of the chunk being processed, so each chunk reads the clock once. */
  private now = 0;
  private startedAt = 0;
  private learnedAt: number | undefined;
  private readonly onFrameBound: (frame: Buffer) => void;
  private readonly onReady: ((sw: FastSwitch) => void) | undefined;
  private readonly onDescribed: ((sw: FastSwitch) => void) | undefined;

  /**
   * Time from {@link start} until 2 × macs PACKET_INs were answered, ms: a learning switch's two
   * learning rounds (each source MAC new, then each flow to be set up), undefined until then.
   */
  get learnedInMs(): number | undefined {
    return this.learnedAt;
  }

  constructor(
    private readonly stream: Duplex,
    opts: FastSwitchOptions,
    onReady?: (sw: FastSwitch) => void,
    onDescribed?: (sw: FastSwitch) => void,
  ) {
    if (!Number.isInteger(opts.index) || opts.index < 0 || opts.index > 0xffff) throw new RangeError(`switch index ${opts.index} is outside 0..65535`);
    if (!Number.isInteger(opts.macs) || opts.macs < 1 || opts.macs > 0xffffff) throw new RangeError(`macs ${opts.macs} is outside 1..16777215`);
    if (!Number.isInteger(opts.window) || opts.window < 1) throw new RangeError(`window ${opts.window} must be a positive integer`);
    this.index = opts.index;
    this.dpid = opts.dpid ?? BigInt(opts.index + 1);
    this.version = opts.version;
    this.macs = opts.macs;
    this.window = opts.window;
    this.ports = opts.ports ?? 4;
    this.bufferMode = opts.buffer ?? 'auto';
    this.buffered = this.bufferMode !== 'off';
    this.layout = opts.version === 1 ? LAYOUT10 : LAYOUT13;
    this.onReady = onReady;
    this.onDescribed = onDescribed;
    const first = buildPacketIn(this.version, this.index, 0, this.macs, this.ports);
    this.piLen = first.length;
    this.dataOff = this.piLen - FRAME_LEN;
    this.templates = Buffer.allocUnsafe(this.piLen * this.ports);
    for (let p = 0; p < this.ports; p++) buildPacketIn(this.version, this.index, p, this.macs, this.ports).copy(this.templates, p * this.piLen);
    let ring = 2;
    while (ring < 2 * this.window) ring *= 2;
    this.slotSeq = new Float64Array(ring);
    this.slotSentAt = new Float64Array(ring);
    this.ringMask = ring - 1;
    this.macSeq = new Int32Array(this.macs).fill(-1);
    this.onFrameBound = (f) => this.onFrame(f);
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('drain', () => {
      this.blocked = false;
      this.topUp();
    });
    stream.on('error', (e: Error) => this.close(`connection error: ${e.message}`));
    stream.on('close', () => this.close('connection closed'));
    stream.on('end', () => this.close('connection closed by the controller'));
    this.sendMsg({ version: this.version, type: 'hello', xid: 1, elements: this.version === 4 ? [{ type: 'versionbitmap', versions: [4] }] : [] });
  }

  /** Bytes of one PACKET_IN. */
  get packetInLength(): number {
    return this.piLen;
  }

  /** Whether PACKET_INs currently carry buffer ids. */
  get isBuffered(): boolean {
    return this.buffered;
  }

  /** The window in force: without buffer ids answers are matched by MAC, so at most one packet per MAC is outstanding. */
  get effectiveWindow(): number {
    return this.buffered ? this.window : Math.min(this.window, this.macs);
  }

  /** Starts (or resumes) sending PACKET_INs. */
  start(): void {
    if (this.state !== 'ready') return;
    this.running = true;
    this.now = performance.now();
    this.startedAt = this.now;
    this.topUp();
  }

  /** Stops sending new PACKET_INs; answers are still counted. */
  pause(): void {
    this.running = false;
  }

  /** Gives up on PACKET_INs older than `timeoutMs` (counted as lost) and refills the window. */
  expire(now: number, timeoutMs: number): void {
    const limit = now - timeoutMs;
    let freed = 0;
    for (let i = 0; i <= this.ringMask; i++) {
      if (this.slotSeq[i] !== 0 && this.slotSentAt[i]! < limit) {
        this.slotSeq[i] = 0;
        freed++;
      }
    }
    if (freed === 0) return;
    this.outstanding -= freed;
    this.counters.lost += freed;
    this.now = now;
    this.topUp();
  }

  /** Closes the connection. */
  close(reason = 'closed by the load generator'): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.running = false;
    this.closeReason = reason;
    this.stream.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    this.now = performance.now();
    try {
      this.framer.push(chunk, this.onFrameBound);
    } catch (e) {
      this.close(`broken stream from the controller: ${(e as Error).message}`);
      return;
    }
    // Everything this chunk freed goes out again in one write.
    this.topUp();
  }

  private onFrame(frame: Buffer): void {
    const t = frame[1]!;
    const L = this.layout;
    if (t === L.flowMod) {
      this.counters.flowMods++;
      this.matchFlowMod(frame);
    } else if (t === L.packetOut) {
      this.counters.packetOuts++;
      this.matchPacketOut(frame);
    } else if (t === L.echoRequest) {
      this.counters.echoes++;
      const reply = Buffer.from(frame);
      reply[1] = OFPT13.ECHO_REPLY; // 3 in both versions
      this.stream.write(reply);
    } else if (t === L.barrierRequest) {
      this.counters.barriers++;
      const reply = Buffer.alloc(8);
      frame.copy(reply, 0, 0, 8);
      reply[1] = L.barrierReply;
      reply.writeUInt16BE(8, 2);
      this.stream.write(reply);
    } else if (t === OFPT13.ERROR) {
      this.counters.errors++;
    } else {
      this.control(frame, t);
    }
  }

  /** ofp_flow_mod: buffer_id, else the MACs in its match. */
  private matchFlowMod(frame: Buffer): void {
    const L = this.layout;
    if (frame.length < L.fmBufferId + 4) {
      this.counters.unmatched++;
      return;
    }
    const bufferId = frame.readUInt32BE(L.fmBufferId);
    if (bufferId !== OFP_NO_BUFFER) {
      this.resolve(bufferId);
      return;
    }
    let srcAt = -1;
    let dstAt = -1;
    if (this.version === 1) {
      // ofp_match (1.0): wildcards 4, in_port 2, dl_src 6, dl_dst 6.
      const wild = frame.readUInt32BE(L.fmMatch);
      if ((wild & OFPFW10_DL_SRC) === 0) srcAt = L.fmMatch + 6;
      if ((wild & OFPFW10_DL_DST) === 0) dstAt = L.fmMatch + 12;
    } else if (frame.length >= L.fmMatch + 4) {
      // ofp_match (1.3): type 2, length 2, then OXM TLVs up to `length`.
      const end = Math.min(frame.length, L.fmMatch + frame.readUInt16BE(L.fmMatch + 2));
      let p = L.fmMatch + 4;
      while (p + 4 <= end) {
        const cls = (frame[p]! << 8) | frame[p + 1]!;
        const field = frame[p + 2]! >>> 1;
        const len = frame[p + 3]!;
        if (cls === OXM_BASIC && len >= 6 && p + 10 <= end) {
          if (field === OFB_ETH_SRC) srcAt = p + 4;
          else if (field === OFB_ETH_DST) dstAt = p + 4;
        }
        p += 4 + len;
      }
    }
    if (srcAt >= 0 && this.resolveMac(frame, srcAt, 0)) return;
    if (dstAt >= 0 && this.resolveMac(frame, dstAt, -1)) return;
    this.counters.unmatched++;
  }

  /** ofp_packet_out: buffer_id, else the source MAC of the packet it carries. */
  private matchPacketOut(frame: Buffer): void {
    const L = this.layout;
    if (frame.length < L.poActions) {
      this.counters.unmatched++;
      return;
    }
    const bufferId = frame.readUInt32BE(8);
    if (bufferId !== OFP_NO_BUFFER) {
      this.resolve(bufferId);
      return;
    }
    const data = L.poActions + frame.readUInt16BE(L.poActionsLen);
    if (data + 12 <= frame.length && this.resolveMac(frame, data + 6, 0)) return;
    this.counters.unmatched++;
  }

  /**
   * Answers the PACKET_IN named by the MAC at `off` (one of ours), `shift` packets from the MAC's
   * own index (-1 for a destination MAC: packet k goes to MAC k+1). False when it is not ours.
   */
  private resolveMac(frame: Buffer, off: number, shift: number): boolean {
    if (frame[off] !== MAC_TAG || ((frame[off + 1]! << 8) | frame[off + 2]!) !== this.index) return false;
    let k = (frame[off + 3]! << 16) | (frame[off + 4]! << 8) | frame[off + 5]!;
    if (k >= this.macs) return false;
    k = (k + shift + this.macs) % this.macs;
    const s = this.macSeq[k]!;
    if (s < 0) return false;
    return this.resolve(s);
  }

  /** Marks PACKET_IN `seq` answered, or counts a repeat when it is no longer outstanding. */
  private resolve(seq: number): boolean {
    const slot = seq & this.ringMask;
    if (this.slotSeq[slot] !== seq + 1) {
      this.counters.repeats++;
      return true;
    }
    this.slotSeq[slot] = 0;
    this.outstanding--;
    if (++this.counters.answered === 2 * this.macs) this.learnedAt = this.now - this.startedAt;
    const rtMs = this.now - this.slotSentAt[slot]!;
    this.counters.latencySumMs += rtMs;
    this.latency.record(rtMs);
    return true;
  }

  /** Fills the window: the free slots' PACKET_INs go out in one write. */
  private topUp(): void {
    if (!this.running || this.blocked || this.state !== 'ready') return;
    const n = this.effectiveWindow - this.outstanding;
    if (n <= 0) return;
    const len = this.piLen;
    const out = Buffer.allocUnsafe(n * len);
    const now = this.now;
    const buffered = this.buffered;
    let seq = this.seq;
    let off = 0;
    const macs = this.macs;
    const ports = this.ports;
    for (let i = 0; i < n; i++) {
      const k = seq % macs;
      const t = (k % ports) * len;
      this.templates.copy(out, off, t, t + len);
      // Only the bytes that depend on k: destination MAC k+1, source MAC k, the IPv4 hosts' low bytes.
      const d = off + this.dataOff;
      const k1 = k + 1 === macs ? 0 : k + 1;
      out[d + 3] = (k1 >>> 16) & 0xff;
      out[d + 4] = (k1 >>> 8) & 0xff;
      out[d + 5] = k1 & 0xff;
      out[d + 9] = (k >>> 16) & 0xff;
      out[d + 10] = (k >>> 8) & 0xff;
      out[d + 11] = k & 0xff;
      out[d + 29] = k & 0xff;
      out[d + 33] = k1 & 0xff;
      out.writeUInt32BE(seq, off + 4);
      out.writeUInt32BE(buffered ? seq : OFP_NO_BUFFER, off + FastSwitch.PI_BUFFER_ID);
      const slot = seq & this.ringMask;
      if (this.slotSeq[slot] !== 0) {
        // Still unanswered a whole ring later: give it up.
        this.outstanding--;
        this.counters.lost++;
      }
      this.slotSeq[slot] = seq + 1;
      this.slotSentAt[slot] = now;
      this.macSeq[k] = seq;
      seq = seq + 1 === SEQ_MOD ? 0 : seq + 1;
      off += len;
    }
    this.seq = seq;
    this.outstanding += n;
    this.counters.sent += n;
    if (!this.stream.write(out)) this.blocked = true;
  }

  private sendMsg(m: OfMessage): void {
    if (this.state !== 'closed' && !this.stream.destroyed) this.stream.write(encodeMessage(m));
  }

  /** The rare messages (handshake, config, multipart): decoded in full and answered like a switch. */
  private control(frame: Buffer, t: number): void {
    let m: OfMessage;
    try {
      m = decodeMessage(frame);
    } catch {
      this.counters.other++;
      return;
    }
    const v = this.version;
    switch (m.type) {
      case 'hello':
        if (m.version < v) this.close(`controller offered OpenFlow version ${m.version}, this switch speaks ${v}`);
        else this.state = 'features';
        return;
      case 'features_request':
        this.sendMsg(featuresReply(v, m.xid, this.dpid, this.portList()));
        if (this.state !== 'ready') {
          this.state = 'ready';
          this.onReady?.(this);
        }
        return;
      case 'set_config':
        // OFPCML_NO_BUFFER (1.3 only): the switch must send whole packets with no buffer id.
        if (this.bufferMode === 'auto') this.buffered = !(v === 4 && m.missSendLen === 0xffff);
        return;
      case 'get_config_request':
        this.sendMsg({ version: v, type: 'get_config_reply', xid: m.xid, flags: 0, missSendLen: this.buffered ? 128 : 0xffff });
        return;
      case 'role_request':
        this.sendMsg({ version: 4, type: 'role_reply', xid: m.xid, role: m.role, generationId: m.generationId });
        return;
      case 'multipart_request':
        if (m.body.type === 'desc') {
          this.sendMsg({ version: 4, type: 'multipart_reply', xid: m.xid, flags: 0, body: { type: 'desc', ...this.desc() } });
          this.markDescribed();
        } else if (m.body.type === 'port_desc') {
          this.sendMsg({ version: 4, type: 'multipart_reply', xid: m.xid, flags: 0, body: { type: 'port_desc', ports: this.portList() } });
        } else {
          this.refuse(frame, m.xid);
        }
        return;
      case 'stats_request':
        if (m.body.type === 'desc') {
          this.sendMsg({ version: 1, type: 'stats_reply', xid: m.xid, flags: 0, body: { type: 'desc', ...this.desc() } });
          this.markDescribed();
        } else this.refuse(frame, m.xid);
        return;
      default:
        this.counters.other++;
        if (t === this.layout.multipartRequest) this.refuse(frame, m.xid);
    }
  }

  private markDescribed(): void {
    if (this.described) return;
    this.described = true;
    this.onDescribed?.(this);
  }

  /** OFPT_ERROR OFPET_BAD_REQUEST / OFPBRC_BAD_MULTIPART (1.0: OFPBRC_BAD_STAT, the same number). */
  private refuse(frame: Buffer, xid: number): void {
    this.sendMsg({ version: this.version, type: 'error', xid, errType: OFPET.BAD_REQUEST, code: OFPBRC.BAD_MULTIPART, data: Buffer.from(frame.subarray(0, 64)) });
  }

  private desc(): { mfrDesc: string; hwDesc: string; swDesc: string; serialNum: string; dpDesc: string } {
    return { mfrDesc: 'Signalbox', hwDesc: 'load generator', swDesc: 'signalbox bench', serialNum: String(this.index + 1), dpDesc: `load switch ${this.index + 1}` };
  }

  private portList(): ReturnType<typeof emulatedPort>[] {
    const ports = [];
    for (let p = 1; p <= this.ports; p++) ports.push(emulatedPort(p));
    return ports;
  }
}
