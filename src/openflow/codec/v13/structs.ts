/** OpenFlow 1.3 structures shared by several messages: ofp_port, ofp_bucket, meter bands, queue properties. */
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import type { Action } from './actions.js';

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

export function decodePort(_r: Reader): Port {
  throw new Error('not implemented');
}
export function encodePort(_w: Writer, _p: Port): void {
  throw new Error('not implemented');
}
/** Reads buckets until `r` is exhausted. */
export function decodeBuckets(_r: Reader): Bucket[] {
  throw new Error('not implemented');
}
export function encodeBuckets(_w: Writer, _b: readonly Bucket[]): void {
  throw new Error('not implemented');
}
/** Reads meter bands until `r` is exhausted. */
export function decodeMeterBands(_r: Reader): MeterBand[] {
  throw new Error('not implemented');
}
export function encodeMeterBands(_w: Writer, _b: readonly MeterBand[]): void {
  throw new Error('not implemented');
}
