/** Keys the topology layer indexes links and ports by (the data types themselves are in src/core/model.ts). */
import { dpidToHex, type Dpid } from '../core/ids.js';
import type { Link } from '../core/model.js';

/** The key of a directed link: `srcHex:port>dstHex:port`. */
export function linkKey(l: Link): string {
  return `${dpidToHex(l.src)}:${l.srcPort}>${dpidToHex(l.dst)}:${l.dstPort}`;
}

/** The key of a switch port: `dpidHex:port` (also the key of `linkWeights`). */
export function portKey(dpid: Dpid, port: number): string {
  return `${dpidToHex(dpid)}:${port}`;
}
