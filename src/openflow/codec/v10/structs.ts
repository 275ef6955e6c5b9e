/** OpenFlow 1.0 structures shared by several messages: ofp_phy_port, ofp_packet_queue and queue properties. */
import { formatMac } from '../../../core/addr.js';
import { OFPBRC, OFPET } from '../constants.js';
import { assertNever, OfEncodeError } from '../errors.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { OFP10_SIZE, OFP10_STR_LEN, OFPQT10 } from './enums.js';

/** ofp_phy_port (48 bytes). Port numbers are 16-bit (OFPP10). No speed fields in 1.0. */
export interface PhyPort {
  readonly portNo: number;
  readonly hwAddr: string;
  readonly name: string;
  /** OFPPC10_* bits. */
  readonly config: number;
  /** OFPPS10_* bits. */
  readonly state: number;
  /** OFPPF10_* bits. */
  readonly curr: number;
  readonly advertised: number;
  readonly supported: number;
  readonly peer: number;
}

/** A queue property (ofp_queue_prop_*) in 1.0. Rates are in 1/10 of a percent. */
export type QueueProp10 =
  /** OFPQT_MIN_RATE (ofp_queue_prop_min_rate). */
  | { readonly type: 'min_rate'; readonly rate: number }
  /** Any other property (OFPQT_NONE included): `data` is everything after property and len, padding included. */
  | { readonly type: 'unknown'; readonly propType: number; readonly data: Buffer };

/** ofp_packet_queue, OpenFlow 1.0 (no port field, unlike 1.3). */
export interface PacketQueue10 {
  readonly queueId: number;
  readonly properties: readonly QueueProp10[];
}

/** Reads one ofp_phy_port. */
export function decodePhyPort(r: Reader): PhyPort {
  r.need(OFP10_SIZE.PHY_PORT, 'ofp_phy_port');
  const b = r.buf;
  const p = r.pos;
  const portNo = b.readUInt16BE(p);
  const hwAddr = formatMac(b, p + 2);
  r.pos = p + 8;
  const name = r.str(OFP10_STR_LEN.PORT_NAME);
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
  };
}

/** Writes one ofp_phy_port. */
export function encodePhyPort(w: Writer, port: PhyPort, field = 'port'): void {
  w.u16(port.portNo);
  w.mac(port.hwAddr, `${field}.hwAddr`);
  w.str(port.name, OFP10_STR_LEN.PORT_NAME, `${field}.name`);
  w.u32(port.config);
  w.u32(port.state);
  w.u32(port.curr);
  w.u32(port.advertised);
  w.u32(port.supported);
  w.u32(port.peer);
}

/** Reads ofp_phy_port structures until `r` is exhausted; a partial port fails with OFPBRC_BAD_LEN. */
export function decodePhyPorts(r: Reader): PhyPort[] {
  if (r.remaining % OFP10_SIZE.PHY_PORT !== 0) {
    r.fail(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, `${r.remaining} bytes of ports is not a multiple of 48`);
  }
  const out: PhyPort[] = [];
  while (r.remaining > 0) out.push(decodePhyPort(r));
  return out;
}

/** Reads queue properties until `r` is exhausted; each is bounded by its own len. */
export function decodeQueueProps10(r: Reader): QueueProp10[] {
  const out: QueueProp10[] = [];
  while (r.remaining > 0) {
    r.need(4, 'queue property');
    const propType = r.u16();
    const len = r.u16();
    if (len < OFP10_SIZE.QUEUE_PROP_HEADER) r.fail(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, `queue property length ${len} < 8`);
    const pr = r.sub(len - 4, OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, 'queue property');
    if (propType === OFPQT10.MIN_RATE) {
      // ofp_queue_prop_min_rate: header (property, len, pad[4]), rate u16, pad[6].
      if (len !== OFP10_SIZE.QUEUE_PROP_MIN_RATE) r.fail(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, `min_rate property length ${len} != 16`);
      pr.skip(4);
      const rate = pr.u16();
      pr.skip(6);
      out.push({ type: 'min_rate', rate });
    } else {
      out.push({ type: 'unknown', propType, data: pr.rest() });
    }
  }
  return out;
}

/** Writes queue properties; an unknown one covers exactly its data (no padding added, byte-exact). */
export function encodeQueueProps10(w: Writer, props: readonly QueueProp10[], field = 'properties'): void {
  for (let i = 0; i < props.length; i++) {
    const prop = props[i]!;
    const start = w.pos;
    switch (prop.type) {
      case 'min_rate':
        w.u16(OFPQT10.MIN_RATE);
        w.u16(OFP10_SIZE.QUEUE_PROP_MIN_RATE);
        w.zeros(4);
        w.u16(prop.rate);
        w.zeros(6);
        break;
      case 'unknown':
        if (prop.data.length < 4) throw new OfEncodeError('unknown queue property needs at least its 4 padding bytes', `${field}[${i}].data`);
        w.u16(prop.propType);
        w.u16(0);
        w.bytes(prop.data);
        break;
      default:
        assertNever(prop, 'queue property');
    }
    const len = w.pos - start;
    if (len > 0xffff) throw new OfEncodeError(`queue property of ${len} bytes is too long`, `${field}[${i}]`);
    w.patchU16(start + 2, len);
  }
}

/** Reads ofp_packet_queue structures until `r` is exhausted (QUEUE_GET_CONFIG_REPLY body). */
export function decodePacketQueues10(r: Reader): PacketQueue10[] {
  const out: PacketQueue10[] = [];
  while (r.remaining > 0) {
    r.need(OFP10_SIZE.PACKET_QUEUE, 'ofp_packet_queue');
    const queueId = r.u32();
    const len = r.u16();
    if (len < OFP10_SIZE.PACKET_QUEUE) r.fail(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, `packet queue length ${len} < 8`);
    r.skip(2);
    const properties = decodeQueueProps10(r.sub(len - OFP10_SIZE.PACKET_QUEUE, OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, 'queue properties'));
    out.push({ queueId, properties });
  }
  return out;
}

/** Writes ofp_packet_queue structures with computed lengths. */
export function encodePacketQueues10(w: Writer, queues: readonly PacketQueue10[]): void {
  for (let i = 0; i < queues.length; i++) {
    const q = queues[i]!;
    const start = w.pos;
    w.u32(q.queueId);
    w.u16(0);
    w.zeros(2);
    encodeQueueProps10(w, q.properties, `queues[${i}].properties`);
    const len = w.pos - start;
    if (len > 0xffff) throw new OfEncodeError(`queue of ${len} bytes is too long`, `queues[${i}]`);
    w.patchU16(start + 4, len);
  }
}
