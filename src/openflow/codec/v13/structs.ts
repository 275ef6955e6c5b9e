/** OpenFlow 1.3 structures shared by several messages: ofp_port, ofp_bucket, meter bands, queue properties. */
import { OFPBAC, OFPBRC, OFPET } from '../constants.js';
import { assertNever, OfEncodeError } from '../errors.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { decodeActions, encodeActions, type Action } from './actions.js';
import { OFPMBT, OFPQT } from './enums.js';

/** ofp_port (64 bytes). Speeds are kbps. */
export interface Port {
  readonly portNo: number;
  readonly hwAddr: string;
  readonly name: string;
  /** OFPPC_* bits. */
  readonly config: number;
  /** OFPPS_* bits. */
  readonly state: number;
  /** OFPPF_* bits. */
  readonly curr: number;
  readonly advertised: number;
  readonly supported: number;
  readonly peer: number;
  readonly currSpeed: number;
  readonly maxSpeed: number;
}

/** ofp_bucket, in GROUP_MOD and group description replies. */
export interface Bucket {
  readonly weight: number;
  readonly watchPort: number;
  readonly watchGroup: number;
  readonly actions: readonly Action[];
}

/** A meter band (ofp_meter_band_*): rate in kbps or pkt/s per the meter's flags. */
export type MeterBand =
  | { readonly type: 'drop'; readonly rate: number; readonly burstSize: number }
  | { readonly type: 'dscp_remark'; readonly rate: number; readonly burstSize: number; readonly precLevel: number }
  /** OFPMBT_EXPERIMENTER: `data` is what follows the experimenter id. */
  | { readonly type: 'experimenter'; readonly rate: number; readonly burstSize: number; readonly experimenter: number; readonly data: Buffer }
  | { readonly type: 'unknown'; readonly bandType: number; readonly rate: number; readonly burstSize: number; readonly data: Buffer };

/** A queue property (ofp_queue_prop_*) in QUEUE_GET_CONFIG_REPLY. Rates in 1/10 of a percent. */
export type QueueProp =
  | { readonly type: 'min_rate'; readonly rate: number }
  | { readonly type: 'max_rate'; readonly rate: number }
  | { readonly type: 'experimenter'; readonly experimenter: number; readonly data: Buffer }
  | { readonly type: 'unknown'; readonly propType: number; readonly data: Buffer };

/** ofp_packet_queue. */
export interface PacketQueue {
  readonly queueId: number;
  readonly port: number;
  readonly properties: readonly QueueProp[];
}

const OFPQT_MIN_RATE = OFPQT.MIN_RATE;
const OFPQT_MAX_RATE = OFPQT.MAX_RATE;
const OFPQT_EXPERIMENTER = OFPQT.EXPERIMENTER;
const OFPMBT_DROP = OFPMBT.DROP;
const OFPMBT_DSCP_REMARK = OFPMBT.DSCP_REMARK;
const OFPMBT_EXPERIMENTER = OFPMBT.EXPERIMENTER;

/** Size of ofp_port. */
export const OFP_PORT_LEN = 64;
/** Size of ofp_bucket before its actions. */
const OFP_BUCKET_LEN = 16;
/** Size of ofp_meter_band_header (type, len, rate, burst_size). */
const OFP_METER_BAND_HEADER_LEN = 12;
/** Size of ofp_packet_queue before its properties. */
const OFP_PACKET_QUEUE_LEN = 16;
/** Size of ofp_queue_prop_header. */
const OFP_QUEUE_PROP_HEADER_LEN = 8;

/** Reads one ofp_port (64 bytes: port_no, pad[4], hw_addr, pad[2], name[16], eight u32). */
export function decodePort(r: Reader): Port {
  r.need(OFP_PORT_LEN, 'ofp_port');
  const portNo = r.u32();
  r.skip(4);
  const hwAddr = r.mac();
  r.skip(2);
  const name = r.str(16);
  return {
    portNo,
    hwAddr,
    name,
    config: r.u32(),
    state: r.u32(),
    curr: r.u32(),
    advertised: r.u32(),
    supported: r.u32(),
    peer: r.u32(),
    currSpeed: r.u32(),
    maxSpeed: r.u32(),
  };
}

/** Writes one ofp_port (64 bytes). A name longer than 16 bytes is an encode error. */
export function encodePort(w: Writer, p: Port, field = 'port'): void {
  w.u32(p.portNo);
  w.zeros(4);
  w.mac(p.hwAddr, `${field}.hwAddr`);
  w.zeros(2);
  w.str(p.name, 16, `${field}.name`);
  w.u32(p.config);
  w.u32(p.state);
  w.u32(p.curr);
  w.u32(p.advertised);
  w.u32(p.supported);
  w.u32(p.peer);
  w.u32(p.currSpeed);
  w.u32(p.maxSpeed);
}

/**
 * Reads ofp_bucket structures until `r` is exhausted. A bucket length below 16 or past the
 * end fails with OFPBRC_BAD_LEN; its action list is bounded by the bucket (OFPBAC_BAD_LEN).
 */
export function decodeBuckets(r: Reader): Bucket[] {
  const out: Bucket[] = [];
  while (r.remaining > 0) {
    r.need(OFP_BUCKET_LEN, 'ofp_bucket');
    const len = r.u16();
    if (len < OFP_BUCKET_LEN) r.fail(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, `bucket length ${len} < ${OFP_BUCKET_LEN}`);
    r.need(len - 2, 'ofp_bucket');
    const weight = r.u16();
    const watchPort = r.u32();
    const watchGroup = r.u32();
    r.skip(4);
    const actions = decodeActions(r.sub(len - OFP_BUCKET_LEN, OFPET.BAD_ACTION, OFPBAC.BAD_LEN, 'bucket actions'));
    out.push({ weight, watchPort, watchGroup, actions });
  }
  return out;
}

/** Writes ofp_bucket structures, each with its computed length. */
export function encodeBuckets(w: Writer, buckets: readonly Bucket[]): void {
  for (let i = 0; i < buckets.length; i++) {
    const b = buckets[i]!;
    const start = w.pos;
    w.u16(0);
    w.u16(b.weight);
    w.u32(b.watchPort);
    w.u32(b.watchGroup);
    w.zeros(4);
    encodeActions(w, b.actions);
    const len = w.pos - start;
    if (len > 0xffff) throw new OfEncodeError(`bucket of ${len} bytes is too long`, `buckets[${i}]`);
    w.patchU16(start, len);
  }
}

/**
 * Reads meter bands (ofp_meter_band_*) until `r` is exhausted, each bounded by its own len.
 * Drop and DSCP-remark bands must be 16 bytes, an experimenter band at least 16; a band of
 * an unknown type keeps its bytes. Length problems fail with OFPBRC_BAD_LEN.
 */
export function decodeMeterBands(r: Reader): MeterBand[] {
  const out: MeterBand[] = [];
  while (r.remaining > 0) {
    r.need(OFP_METER_BAND_HEADER_LEN, 'meter band');
    const bandType = r.u16();
    const len = r.u16();
    if (len < OFP_METER_BAND_HEADER_LEN) r.fail(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, `meter band length ${len} < 12`);
    const br = r.sub(len - 4, OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, 'meter band');
    const rate = br.u32();
    const burstSize = br.u32();
    switch (bandType) {
      case OFPMBT_DROP:
        if (len !== 16) r.fail(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, `drop band length ${len} != 16`);
        br.skip(4);
        out.push({ type: 'drop', rate, burstSize });
        break;
      case OFPMBT_DSCP_REMARK: {
        if (len !== 16) r.fail(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, `dscp_remark band length ${len} != 16`);
        const precLevel = br.u8();
        br.skip(3);
        out.push({ type: 'dscp_remark', rate, burstSize, precLevel });
        break;
      }
      case OFPMBT_EXPERIMENTER: {
        const experimenter = br.u32();
        out.push({ type: 'experimenter', rate, burstSize, experimenter, data: br.rest() });
        break;
      }
      default:
        out.push({ type: 'unknown', bandType, rate, burstSize, data: br.rest() });
    }
  }
  return out;
}

/** Writes meter bands with computed lengths; experimenter and unknown bands are written as given (no padding added). */
export function encodeMeterBands(w: Writer, bands: readonly MeterBand[]): void {
  for (let i = 0; i < bands.length; i++) {
    const b = bands[i]!;
    const start = w.pos;
    switch (b.type) {
      case 'drop':
        w.u16(OFPMBT_DROP);
        w.u16(16);
        w.u32(b.rate);
        w.u32(b.burstSize);
        w.zeros(4);
        break;
      case 'dscp_remark':
        w.u16(OFPMBT_DSCP_REMARK);
        w.u16(16);
        w.u32(b.rate);
        w.u32(b.burstSize);
        w.u8(b.precLevel);
        w.zeros(3);
        break;
      case 'experimenter':
        w.u16(OFPMBT_EXPERIMENTER);
        w.u16(0);
        w.u32(b.rate);
        w.u32(b.burstSize);
        w.u32(b.experimenter);
        w.bytes(b.data);
        break;
      case 'unknown':
        w.u16(b.bandType);
        w.u16(0);
        w.u32(b.rate);
        w.u32(b.burstSize);
        w.bytes(b.data);
        break;
      default:
        assertNever(b, 'meter band');
    }
    const len = w.pos - start;
    if (len > 0xffff) throw new OfEncodeError(`meter band of ${len} bytes is too long`, `bands[${i}]`);
    w.patchU16(start + 2, len);
  }
}

/**
 * Reads queue properties (ofp_queue_prop_*) until `r` is exhausted. Each is bounded by its own
 * len, which need not be a multiple of 8: experimenter properties of 17 or 18 bytes occur in
 * the wild, and the next property starts right after them.
 */
export function decodeQueueProps(r: Reader): QueueProp[] {
  const out: QueueProp[] = [];
  while (r.remaining > 0) {
    r.need(4, 'queue property');
    const propType = r.u16();
    const len = r.u16();
    if (len < OFP_QUEUE_PROP_HEADER_LEN) r.fail(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, `queue property length ${len} < 8`);
    const pr = r.sub(len - 4, OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, 'queue property');
    switch (propType) {
      case OFPQT_MIN_RATE:
      case OFPQT_MAX_RATE: {
        // ofp_queue_prop_min_rate / max_rate: header, rate u16, pad[6].
        if (len !== 16) r.fail(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, `rate queue property length ${len} != 16`);
        pr.skip(4);
        const rate = pr.u16();
        pr.skip(6);
        out.push({ type: propType === OFPQT_MIN_RATE ? 'min_rate' : 'max_rate', rate });
        break;
      }
      case OFPQT_EXPERIMENTER: {
        // ofp_queue_prop_experimenter: header, experimenter u32, pad[4], data.
        if (len < 16) r.fail(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, `experimenter queue property length ${len} < 16`);
        pr.skip(4);
        const experimenter = pr.u32();
        pr.skip(4);
        out.push({ type: 'experimenter', experimenter, data: pr.rest() });
        break;
      }
      default:
        out.push({ type: 'unknown', propType, data: pr.rest() });
    }
  }
  return out;
}

/**
 * Writes queue properties with computed lengths. Experimenter and unknown properties are not
 * padded: their len covers exactly the bytes given, as peers that send 17-byte properties expect.
 */
export function encodeQueueProps(w: Writer, props: readonly QueueProp[]): void {
  for (let i = 0; i < props.length; i++) {
    const p = props[i]!;
    const start = w.pos;
    switch (p.type) {
      case 'min_rate':
      case 'max_rate':
        w.u16(p.type === 'min_rate' ? OFPQT_MIN_RATE : OFPQT_MAX_RATE);
        w.u16(16);
        w.zeros(4);
        w.u16(p.rate);
        w.zeros(6);
        break;
      case 'experimenter':
        w.u16(OFPQT_EXPERIMENTER);
        w.u16(0);
        w.zeros(4);
        w.u32(p.experimenter);
        w.zeros(4);
        w.bytes(p.data);
        break;
      case 'unknown':
        if (p.data.length < 4) throw new OfEncodeError('unknown queue property needs at least its 4 padding bytes', `properties[${i}].data`);
        w.u16(p.propType);
        w.u16(0);
        w.bytes(p.data);
        break;
      default:
        assertNever(p, 'queue property');
    }
    const len = w.pos - start;
    if (len > 0xffff) throw new OfEncodeError(`queue property of ${len} bytes is too long`, `properties[${i}]`);
    w.patchU16(start + 2, len);
  }
}

/**
 * Reads ofp_packet_queue structures until `r` is exhausted (QUEUE_GET_CONFIG_REPLY body).
 * Each queue is bounded by its own len, which may be odd when it holds an unpadded property.
 */
export function decodePacketQueues(r: Reader): PacketQueue[] {
  const out: PacketQueue[] = [];
  while (r.remaining > 0) {
    r.need(OFP_PACKET_QUEUE_LEN, 'ofp_packet_queue');
    const queueId = r.u32();
    const port = r.u32();
    const len = r.u16();
    if (len < OFP_PACKET_QUEUE_LEN) r.fail(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, `packet queue length ${len} < 16`);
    r.skip(6);
    const properties = decodeQueueProps(r.sub(len - OFP_PACKET_QUEUE_LEN, OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, 'queue properties'));
    out.push({ queueId, port, properties });
  }
  return out;
}

/** Writes ofp_packet_queue structures with computed lengths. */
export function encodePacketQueues(w: Writer, queues: readonly PacketQueue[]): void {
  for (let i = 0; i < queues.length; i++) {
    const q = queues[i]!;
    const start = w.pos;
    w.u32(q.queueId);
    w.u32(q.port);
    w.u16(0);
    w.zeros(6);
    encodeQueueProps(w, q.properties);
    const len = w.pos - start;
    if (len > 0xffff) throw new OfEncodeError(`queue of ${len} bytes is too long`, `queues[${i}]`);
    w.patchU16(start + 8, len);
  }
}
