/**
 * The counters OpenFlow 1.0 and 1.3 share (ofp_port_stats, ofp_queue_stats, ofp_table_stats,
 * ofp_aggregate_stats_reply, durations), written once as types and as struct layouts; each
 * version's stats codec puts its own header fields around them.
 */
import { structCodec, type Layout } from './struct.js';

/** The twelve counters of ofp_port_stats, in wire order. A counter a switch does not keep is all ones. */
export interface PortCounters {
  readonly rxPackets: bigint;
  readonly txPackets: bigint;
  readonly rxBytes: bigint;
  readonly txBytes: bigint;
  readonly rxDropped: bigint;
  readonly txDropped: bigint;
  readonly rxErrors: bigint;
  readonly txErrors: bigint;
  readonly rxFrameErr: bigint;
  readonly rxOverErr: bigint;
  readonly rxCrcErr: bigint;
  readonly collisions: bigint;
}

export const PORT_COUNTERS: Layout<PortCounters> = [
  ['rxPackets', 8],
  ['txPackets', 8],
  ['rxBytes', 8],
  ['txBytes', 8],
  ['rxDropped', 8],
  ['txDropped', 8],
  ['rxErrors', 8],
  ['txErrors', 8],
  ['rxFrameErr', 8],
  ['rxOverErr', 8],
  ['rxCrcErr', 8],
  ['collisions', 8],
];

/** The counters of ofp_queue_stats. */
export interface QueueCounters {
  readonly txBytes: bigint;
  readonly txPackets: bigint;
  readonly txErrors: bigint;
}

export const QUEUE_COUNTERS: Layout<QueueCounters> = [
  ['txBytes', 8],
  ['txPackets', 8],
  ['txErrors', 8],
];

/** The counters that end ofp_table_stats. */
export interface TableCounters {
  readonly activeCount: number;
  readonly lookupCount: bigint;
  readonly matchedCount: bigint;
}

export const TABLE_COUNTERS: Layout<TableCounters> = [
  ['activeCount', 4],
  ['lookupCount', 8],
  ['matchedCount', 8],
];

/** ofp_aggregate_stats_reply (the same 24 bytes in both versions). */
export interface AggregateCounters {
  readonly packetCount: bigint;
  readonly byteCount: bigint;
  readonly flowCount: number;
}

export const AGGREGATE_COUNTERS: Layout<AggregateCounters> = [
  ['packetCount', 8],
  ['byteCount', 8],
  ['flowCount', 4],
  [null, 4],
];

/** The aggregate reply body of both versions: `read(r, 'aggregate')`. */
export const AGGREGATE_REPLY = structCodec<{ readonly type: 'aggregate' } & AggregateCounters>(AGGREGATE_COUNTERS, ['type']);

/** How long an entry has been alive (1.3 port, queue, group and meter stats). */
export interface Duration {
  readonly durationSec: number;
  readonly durationNsec: number;
}

export const DURATION: Layout<Duration> = [
  ['durationSec', 4],
  ['durationNsec', 4],
];
