/** OpenFlow 1.3 actions (ofp_action_*): types and codec. */
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import type { OxmField } from './oxm.js';

/** An OpenFlow 1.3 action. Unknown action types and experimenter actions keep their bytes. */
export type Action =
  /** OFPAT_OUTPUT. `maxLen` (bytes sent to the controller) defaults to OFPCML_NO_BUFFER (0xffff). */
  | { readonly type: 'output'; readonly port: number; readonly maxLen?: number }
  | { readonly type: 'copy_ttl_out' }
  | { readonly type: 'copy_ttl_in' }
  | { readonly type: 'set_mpls_ttl'; readonly ttl: number }
  | { readonly type: 'dec_mpls_ttl' }
  | { readonly type: 'push_vlan'; readonly ethertype: number }
  | { readonly type: 'pop_vlan' }
  | { readonly type: 'push_mpls'; readonly ethertype: number }
  | { readonly type: 'pop_mpls'; readonly ethertype: number }
  | { readonly type: 'set_queue'; readonly queueId: number }
  | { readonly type: 'group'; readonly groupId: number }
  | { readonly type: 'set_nw_ttl'; readonly ttl: number }
  | { readonly type: 'dec_nw_ttl' }
  | { readonly type: 'set_field'; readonly field: OxmField }
  | { readonly type: 'push_pbb'; readonly ethertype: number }
  | { readonly type: 'pop_pbb' }
  /** OFPAT_EXPERIMENTER: `data` is everything after the experimenter id, padding included. */
  | { readonly type: 'experimenter'; readonly experimenter: number; readonly data: Buffer }
  /** An action type this codec does not know: `data` is everything after type and len. */
  | { readonly type: 'unknown'; readonly actionType: number; readonly data: Buffer };

/** Reads actions until `r` is exhausted (an action list bounded by its declared length). */
export function decodeActions(_r: Reader): Action[] {
  throw new Error('not implemented');
}

/** Writes an action list. */
export function encodeActions(_w: Writer, _actions: readonly Action[]): void {
  throw new Error('not implemented');
}
