/** Identifiers shared by every layer: the datapath id and its one text form. */

/** A switch's 64-bit datapath id (`ofp_switch_features.datapath_id`). */
export type Dpid = bigint;

/** dpid as 16 hex digits, the form used in JSON, logs and URLs. */
export function dpidToHex(dpid: Dpid): string {
  return dpid.toString(16).padStart(16, '0');
}

/** Parses a dpid given as 16 (or fewer) hex digits, with or without colons, or `0x…`; throws RangeError. */
export function parseDpid(s: string): Dpid {
  const t = s.replace(/:/g, '').replace(/^0x/i, '');
  if (!/^[0-9a-fA-F]{1,16}$/.test(t)) throw new RangeError(`not a datapath id: ${JSON.stringify(s)}`);
  return BigInt(`0x${t}`);
}
