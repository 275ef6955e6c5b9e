/** OpenFlow 1.0 actions (ofp_action_*): types and codec. */
import { formatMac } from '../../../core/addr.js';
import { OFPBAC, OFPET } from '../constants.js';
import { assertNever, OfEncodeError } from '../errors.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { OFPAT10 } from './enums.js';
import { ipv4Value } from './match.js';

/**
 * An OpenFlow 1.0 action. Field names follow the spec's struct members. Vendor actions (e.g.
 * Nicira's, vendor 0x2320) and unknown action types keep their bytes and re-encode byte-exact.
 */
export type Action10 =
  /** OFPAT_OUTPUT. `maxLen` (bytes sent to the controller) defaults to 0xffff (whole packet). */
  | { readonly type: 'output'; readonly port: number; readonly maxLen?: number }
  | { readonly type: 'set_vlan_vid'; readonly vlanVid: number }
  | { readonly type: 'set_vlan_pcp'; readonly vlanPcp: number }
  | { readonly type: 'strip_vlan' }
  | { readonly type: 'set_dl_src'; readonly dlAddr: string }
  | { readonly type: 'set_dl_dst'; readonly dlAddr: string }
  | { readonly type: 'set_nw_src'; readonly nwAddr: string }
  | { readonly type: 'set_nw_dst'; readonly nwAddr: string }
  | { readonly type: 'set_nw_tos'; readonly nwTos: number }
  | { readonly type: 'set_tp_src'; readonly tpPort: number }
  | { readonly type: 'set_tp_dst'; readonly tpPort: number }
  /** OFPAT_ENQUEUE: output to `port` through queue `queueId`. */
  | { readonly type: 'enqueue'; readonly port: number; readonly queueId: number }
  /** OFPAT_VENDOR (ofp_action_vendor_header): `data` is everything after the vendor id, padding included. */
  | { readonly type: 'vendor'; readonly vendor: number; readonly data: Buffer }
  /** An action type this codec does not know: `data` is everything after type and len. */
  | { readonly type: 'unknown'; readonly actionType: number; readonly data: Buffer };

/** Wire length of each fixed-size standard action, by OFPAT10 number. */
const FIXED_LEN: readonly number[] = [8, 8, 8, 8, 16, 16, 8, 8, 8, 8, 8, 16];

/**
 * Reads actions until `r` is exhausted (an action list bounded by its declared length).
 * A length under 8, not a multiple of 8, past the list's end, or wrong for the action type
 * fails with OFPET_BAD_ACTION / OFPBAC_BAD_LEN.
 */
export function decodeActions10(r: Reader): Action10[] {
  const out: Action10[] = [];
  const b = r.buf;
  while (r.remaining > 0) {
    const p = r.pos;
    if (r.remaining < 8) r.fail(OFPET.BAD_ACTION, OFPBAC.BAD_LEN, `${r.remaining} bytes left, too short for an action`);
    const actionType = b.readUInt16BE(p);
    const len = b.readUInt16BE(p + 2);
    if (len < 8 || len % 8 !== 0 || len > r.remaining) {
      r.fail(OFPET.BAD_ACTION, OFPBAC.BAD_LEN, `action type ${actionType} has bad length ${len}`);
    }
    const fixed = FIXED_LEN[actionType];
    if (fixed !== undefined && len !== fixed) {
      r.fail(OFPET.BAD_ACTION, OFPBAC.BAD_LEN, `action type ${actionType} length ${len} != ${fixed}`);
    }
    r.pos = p + len;
    switch (actionType) {
      case OFPAT10.OUTPUT:
        out.push({ type: 'output', port: b.readUInt16BE(p + 4), maxLen: b.readUInt16BE(p + 6) });
        break;
      case OFPAT10.SET_VLAN_VID:
        out.push({ type: 'set_vlan_vid', vlanVid: b.readUInt16BE(p + 4) });
        break;
      case OFPAT10.SET_VLAN_PCP:
        out.push({ type: 'set_vlan_pcp', vlanPcp: b[p + 4]! });
        break;
      case OFPAT10.STRIP_VLAN:
        out.push({ type: 'strip_vlan' });
        break;
      case OFPAT10.SET_DL_SRC:
        out.push({ type: 'set_dl_src', dlAddr: formatMac(b, p + 4) });
        break;
      case OFPAT10.SET_DL_DST:
        out.push({ type: 'set_dl_dst', dlAddr: formatMac(b, p + 4) });
        break;
      case OFPAT10.SET_NW_SRC:
        out.push({ type: 'set_nw_src', nwAddr: `${b[p + 4]}.${b[p + 5]}.${b[p + 6]}.${b[p + 7]}` });
        break;
      case OFPAT10.SET_NW_DST:
        out.push({ type: 'set_nw_dst', nwAddr: `${b[p + 4]}.${b[p + 5]}.${b[p + 6]}.${b[p + 7]}` });
        break;
      case OFPAT10.SET_NW_TOS:
        out.push({ type: 'set_nw_tos', nwTos: b[p + 4]! });
        break;
      case OFPAT10.SET_TP_SRC:
        out.push({ type: 'set_tp_src', tpPort: b.readUInt16BE(p + 4) });
        break;
      case OFPAT10.SET_TP_DST:
        out.push({ type: 'set_tp_dst', tpPort: b.readUInt16BE(p + 4) });
        break;
      case OFPAT10.ENQUEUE:
        // ofp_action_enqueue: type, len, port u16, pad[6], queue_id u32.
        out.push({ type: 'enqueue', port: b.readUInt16BE(p + 4), queueId: b.readUInt32BE(p + 12) });
        break;
      case OFPAT10.VENDOR:
        out.push({ type: 'vendor', vendor: b.readUInt32BE(p + 4), data: b.subarray(p + 8, p + len) });
        break;
      default:
        out.push({ type: 'unknown', actionType, data: b.subarray(p + 4, p + len) });
    }
  }
  return out;
}

/**
 * Writes an action list and returns its length in bytes (for packet_out's actions_len).
 * Vendor and unknown actions are zero-padded to a multiple of 8 if their data is not.
 */
export function encodeActions10(w: Writer, actions: readonly Action10[], field = 'actions'): number {
  const start = w.pos;
  for (let i = 0; i < actions.length; i++) {
    const a = actions[i]!;
    switch (a.type) {
      case 'output':
        w.ensure(8);
        put4(w, OFPAT10.OUTPUT, 8, a.port, a.maxLen ?? 0xffff);
        break;
      case 'set_vlan_vid':
        w.ensure(8);
        put4(w, OFPAT10.SET_VLAN_VID, 8, a.vlanVid, 0);
        break;
      case 'set_vlan_pcp':
        w.ensure(8);
        put4(w, OFPAT10.SET_VLAN_PCP, 8, (a.vlanPcp & 0xff) << 8, 0);
        break;
      case 'strip_vlan':
        w.ensure(8);
        put4(w, OFPAT10.STRIP_VLAN, 8, 0, 0);
        break;
      case 'set_dl_src':
      case 'set_dl_dst':
        w.u16(a.type === 'set_dl_src' ? OFPAT10.SET_DL_SRC : OFPAT10.SET_DL_DST);
        w.u16(16);
        w.mac(a.dlAddr, `${field}[${i}].dlAddr`);
        w.zeros(6);
        break;
      case 'set_nw_src':
      case 'set_nw_dst':
        w.u16(a.type === 'set_nw_src' ? OFPAT10.SET_NW_SRC : OFPAT10.SET_NW_DST);
        w.u16(8);
        w.u32(ipv4Value(a.nwAddr, `${field}[${i}].nwAddr`));
        break;
      case 'set_nw_tos':
        w.ensure(8);
        put4(w, OFPAT10.SET_NW_TOS, 8, (a.nwTos & 0xff) << 8, 0);
        break;
      case 'set_tp_src':
        w.ensure(8);
        put4(w, OFPAT10.SET_TP_SRC, 8, a.tpPort, 0);
        break;
      case 'set_tp_dst':
        w.ensure(8);
        put4(w, OFPAT10.SET_TP_DST, 8, a.tpPort, 0);
        break;
      case 'enqueue':
        w.u16(OFPAT10.ENQUEUE);
        w.u16(16);
        w.u16(a.port);
        w.zeros(6);
        w.u32(a.queueId);
        break;
      case 'vendor': {
        const s = w.pos;
        w.u16(OFPAT10.VENDOR);
        w.u16(0);
        w.u32(a.vendor);
        w.bytes(a.data);
        w.pad8(s);
        patchActionLen(w, s, `${field}[${i}]`);
        break;
      }
      case 'unknown': {
        const s = w.pos;
        w.u16(a.actionType);
        w.u16(0);
        w.bytes(a.data);
        w.pad8(s);
        patchActionLen(w, s, `${field}[${i}]`);
        break;
      }
      default:
        assertNever(a, 'action');
    }
  }
  return w.pos - start;
}

/** Writes an 8-byte action as four u16 words (room already ensured). */
function put4(w: Writer, t: number, len: number, a: number, b: number): void {
  const buf = w.buf;
  const p = w.pos;
  buf[p] = t >>> 8;
  buf[p + 1] = t;
  buf[p + 2] = len >>> 8;
  buf[p + 3] = len;
  buf[p + 4] = a >>> 8;
  buf[p + 5] = a;
  buf[p + 6] = b >>> 8;
  buf[p + 7] = b;
  w.pos = p + 8;
}

function patchActionLen(w: Writer, start: number, field: string): void {
  const len = w.pos - start;
  if (len > 0xffff) throw new OfEncodeError(`action of ${len} bytes is too long`, field);
  w.patchU16(start + 2, len);
}
