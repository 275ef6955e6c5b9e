/**
 * OpenFlow 1.3 terms ⇄ OpenFlow 1.0 wire structures, so apps write one flow spec (OXM match,
 * 1.3 actions) and 1.0 switches still get it. What 1.0 cannot say is an OfEncodeError naming it.
 */
import { formatIpv4, parseIpv4 } from '../core/addr.js';
import { OFPFW10, OFP10_VLAN_NONE } from './codec/v10/enums.js';
import { match10, nwDstWildBits, nwSrcWildBits, type Match10, type Match10Fields } from './codec/v10/match.js';
import type { Action10 } from './codec/v10/actions.js';
import type { FlowStats10 } from './codec/v10/messages.js';
import { OfEncodeError } from './codec/errors.js';
import type { Action } from './codec/v13/actions.js';
import type { Match, OxmField } from './codec/v13/oxm.js';
import type { FlowEntry } from '../core/model.js';

const OFPVID_PRESENT = 0x1000;

/** A 1.3 (32-bit) port number as a 1.0 (16-bit) one; reserved ports map to their 1.0 values. */
export function portTo10(port: number): number {
  if (port >= 0xffffff00) return port & 0xffff;
  if (port >= 0xff00) throw new OfEncodeError(`port ${port} does not fit OpenFlow 1.0's 16-bit port numbers`, 'port');
  return port;
}

/** A 1.0 port number as a 1.3 one (reserved ports widened). */
export function portFrom10(port: number): number {
  return port >= 0xff00 ? (port | 0xffff0000) >>> 0 : port;
}

/** Prefix length of a contiguous IPv4 netmask, or -1. */
function prefixLength(mask: string): number {
  const m = parseIpv4(mask);
  const inv = ~m >>> 0;
  if ((inv & (inv + 1)) !== 0) return -1;
  return 32 - Math.log2(inv + 1);
}

function cidr(f: { field: string; value: string; mask?: string }): string {
  if (f.mask === undefined) return f.value;
  const len = prefixLength(f.mask);
  if (len < 0) throw new OfEncodeError(`OpenFlow 1.0 can only match ${f.field} by prefix, not mask ${f.mask}`, f.field);
  return `${f.value}/${len}`;
}

function noMask(f: OxmField): void {
  if ('mask' in f && f.mask !== undefined) throw new OfEncodeError(`OpenFlow 1.0 cannot mask ${f.field}`, f.field);
}

/** An OXM match as an OpenFlow 1.0 ofp_match. */
export function oxmToMatch10(match: Match): Match10 {
  const m: { -readonly [K in keyof Match10Fields]: Match10Fields[K] } = {};
  for (const f of match) {
    switch (f.field) {
      case 'in_port':
        noMask(f);
        m.inPort = portTo10(f.value);
        break;
      case 'eth_src':
        noMask(f);
        m.dlSrc = f.value;
        break;
      case 'eth_dst':
        noMask(f);
        m.dlDst = f.value;
        break;
      case 'eth_type':
        m.dlType = f.value;
        break;
      case 'vlan_vid':
        noMask(f);
        m.dlVlan = f.value & OFPVID_PRESENT ? f.value & 0xfff : OFP10_VLAN_NONE;
        break;
      case 'vlan_pcp':
        m.dlVlanPcp = f.value;
        break;
      case 'ip_dscp':
        m.nwTos = f.value << 2;
        break;
      case 'ip_proto':
        m.nwProto = f.value;
        break;
      case 'arp_op':
        m.nwProto = f.value & 0xff;
        break;
      case 'ipv4_src':
      case 'arp_spa':
        m.nwSrc = cidr(f);
        break;
      case 'ipv4_dst':
      case 'arp_tpa':
        m.nwDst = cidr(f);
        break;
      case 'tcp_src':
      case 'udp_src':
      case 'sctp_src':
      case 'icmpv4_type':
        noMask(f);
        m.tpSrc = f.value;
        break;
      case 'tcp_dst':
      case 'udp_dst':
      case 'sctp_dst':
      case 'icmpv4_code':
        noMask(f);
        m.tpDst = f.value;
        break;
      default:
        throw new OfEncodeError(`match field ${f.field} has no OpenFlow 1.0 equivalent`, f.field);
    }
  }
  return match10(m);
}

function maskOfWildBits(bits: number): string | undefined {
  if (bits === 0) return undefined;
  return formatIpv4(bits >= 32 ? 0 : (~0 << bits) >>> 0);
}

/** An OpenFlow 1.0 ofp_match as OXM fields (only the fields it matches, in OXM order). */
export function match10ToOxm(m: Match10): Match {
  const wc = m.wildcards;
  const out: OxmField[] = [];
  const has = (bit: number) => (wc & bit) === 0;
  if (has(OFPFW10.IN_PORT)) out.push({ field: 'in_port', value: portFrom10(m.inPort) });
  if (has(OFPFW10.DL_DST)) out.push({ field: 'eth_dst', value: m.dlDst });
  if (has(OFPFW10.DL_SRC)) out.push({ field: 'eth_src', value: m.dlSrc });
  const dlType = has(OFPFW10.DL_TYPE) ? m.dlType : undefined;
  if (dlType !== undefined) out.push({ field: 'eth_type', value: dlType });
  if (has(OFPFW10.DL_VLAN)) out.push({ field: 'vlan_vid', value: m.dlVlan === OFP10_VLAN_NONE ? 0 : m.dlVlan | OFPVID_PRESENT });
  if (has(OFPFW10.DL_VLAN_PCP)) out.push({ field: 'vlan_pcp', value: m.dlVlanPcp });
  const isArp = dlType === 0x0806;
  if (has(OFPFW10.NW_TOS) && !isArp) out.push({ field: 'ip_dscp', value: m.nwTos >> 2 });
  const proto = has(OFPFW10.NW_PROTO) ? m.nwProto : undefined;
  if (proto !== undefined) out.push(isArp ? { field: 'arp_op', value: proto } : { field: 'ip_proto', value: proto });
  const srcBits = nwSrcWildBits(wc);
  if (srcBits < 32) {
    const mask = maskOfWildBits(srcBits);
    out.push({ field: isArp ? 'arp_spa' : 'ipv4_src', value: m.nwSrc, ...(mask ? { mask } : {}) });
  }
  const dstBits = nwDstWildBits(wc);
  if (dstBits < 32) {
    const mask = maskOfWildBits(dstBits);
    out.push({ field: isArp ? 'arp_tpa' : 'ipv4_dst', value: m.nwDst, ...(mask ? { mask } : {}) });
  }
  const [srcName, dstName] = proto === 6 ? (['tcp_src', 'tcp_dst'] as const) : proto === 17 ? (['udp_src', 'udp_dst'] as const) : proto === 132 ? (['sctp_src', 'sctp_dst'] as const) : (['icmpv4_type', 'icmpv4_code'] as const);
  if (has(OFPFW10.TP_SRC)) out.push({ field: srcName, value: m.tpSrc });
  if (has(OFPFW10.TP_DST)) out.push({ field: dstName, value: m.tpDst });
  return out;
}

/**
 * Translations of frozen lists of frozen output actions (nothing in them can change): an app that
 * answers packet-ins with shared lists (see `outputTo`) gets their 1.0 form without two
 * allocations per packet-out. Weak: a list nobody holds any more takes its translation with it.
 */
const frozenTo10 = new WeakMap<readonly Action[], readonly Action10[]>();

function frozenOutputs(actions: readonly Action[]): boolean {
  if (!Object.isFrozen(actions)) return false;
  for (let i = 0; i < actions.length; i++) {
    const a = actions[i]!;
    if (a.type !== 'output' || !Object.isFrozen(a)) return false;
  }
  return true;
}

/** 1.3 actions as 1.0 actions (set_queue + output become enqueue). The result must not be changed (it may be shared). */
export function actionsTo10(actions: readonly Action[]): readonly Action10[] {
  // Looked up first: only a list found frozen goes in, and what is frozen stays so (Object.isFrozen
  // is a call into the runtime, twice per packet-out).
  const known = frozenTo10.get(actions);
  if (known !== undefined) return known;
  const out = translateActionsTo10(actions);
  if (frozenOutputs(actions)) frozenTo10.set(actions, Object.freeze(out));
  return out;
}

function translateActionsTo10(actions: readonly Action[]): Action10[] {
  const out: Action10[] = [];
  let queueId: number | undefined;
  for (const a of actions) {
    switch (a.type) {
      case 'output':
        if (queueId !== undefined) out.push({ type: 'enqueue', port: portTo10(a.port), queueId });
        else out.push({ type: 'output', port: portTo10(a.port), maxLen: a.maxLen ?? 0xffff });
        break;
      case 'set_queue':
        queueId = a.queueId;
        break;
      case 'pop_vlan':
        out.push({ type: 'strip_vlan' });
        break;
      case 'set_field':
        out.push(setFieldTo10(a.field));
        break;
      case 'experimenter':
        out.push({ type: 'vendor', vendor: a.experimenter, data: a.data });
        break;
      default:
        throw new OfEncodeError(`action ${a.type} has no OpenFlow 1.0 equivalent`, 'actions');
    }
  }
  return out;
}

function setFieldTo10(f: OxmField): Action10 {
  switch (f.field) {
    case 'eth_src':
      return { type: 'set_dl_src', dlAddr: f.value };
    case 'eth_dst':
      return { type: 'set_dl_dst', dlAddr: f.value };
    case 'ipv4_src':
      return { type: 'set_nw_src', nwAddr: f.value };
    case 'ipv4_dst':
      return { type: 'set_nw_dst', nwAddr: f.value };
    case 'ip_dscp':
      return { type: 'set_nw_tos', nwTos: f.value << 2 };
    case 'tcp_src':
    case 'udp_src':
      return { type: 'set_tp_src', tpPort: f.value };
    case 'tcp_dst':
    case 'udp_dst':
      return { type: 'set_tp_dst', tpPort: f.value };
    case 'vlan_vid':
      return { type: 'set_vlan_vid', vlanVid: f.value & 0xfff };
    case 'vlan_pcp':
      return { type: 'set_vlan_pcp', vlanPcp: f.value };
    default:
      throw new OfEncodeError(`set_field ${f.field} has no OpenFlow 1.0 equivalent`, 'actions');
  }
}

/** 1.0 actions as 1.3 actions. */
export function actionsFrom10(actions: readonly Action10[]): Action[] {
  const out: Action[] = [];
  for (const a of actions) {
    switch (a.type) {
      case 'output':
        out.push({ type: 'output', port: portFrom10(a.port), maxLen: a.maxLen ?? 0xffff });
        break;
      case 'enqueue':
        out.push({ type: 'set_queue', queueId: a.queueId }, { type: 'output', port: portFrom10(a.port), maxLen: 0xffff });
        break;
      case 'strip_vlan':
        out.push({ type: 'pop_vlan' });
        break;
      case 'set_vlan_vid':
        out.push({ type: 'set_field', field: { field: 'vlan_vid', value: a.vlanVid | OFPVID_PRESENT } });
        break;
      case 'set_vlan_pcp':
        out.push({ type: 'set_field', field: { field: 'vlan_pcp', value: a.vlanPcp } });
        break;
      case 'set_dl_src':
        out.push({ type: 'set_field', field: { field: 'eth_src', value: a.dlAddr } });
        break;
      case 'set_dl_dst':
        out.push({ type: 'set_field', field: { field: 'eth_dst', value: a.dlAddr } });
        break;
      case 'set_nw_src':
        out.push({ type: 'set_field', field: { field: 'ipv4_src', value: a.nwAddr } });
        break;
      case 'set_nw_dst':
        out.push({ type: 'set_field', field: { field: 'ipv4_dst', value: a.nwAddr } });
        break;
      case 'set_nw_tos':
        out.push({ type: 'set_field', field: { field: 'ip_dscp', value: a.nwTos >> 2 } });
        break;
      case 'set_tp_src':
        out.push({ type: 'set_field', field: { field: 'tcp_src', value: a.tpPort } });
        break;
      case 'set_tp_dst':
        out.push({ type: 'set_field', field: { field: 'tcp_dst', value: a.tpPort } });
        break;
      case 'vendor':
        out.push({ type: 'experimenter', experimenter: a.vendor, data: a.data });
        break;
      case 'unknown':
        out.push({ type: 'unknown', actionType: a.actionType, data: a.data });
        break;
    }
  }
  return out;
}

/** A 1.0 flow stats entry in 1.3 terms. */
export function flowStats10To13(f: FlowStats10): FlowEntry {
  return {
    tableId: f.tableId,
    priority: f.priority,
    cookie: f.cookie,
    idleTimeout: f.idleTimeout,
    hardTimeout: f.hardTimeout,
    flags: 0,
    durationSec: f.durationSec,
    packetCount: f.packetCount,
    byteCount: f.byteCount,
    match: match10ToOxm(f.match),
    instructions: f.actions.length > 0 ? [{ type: 'apply_actions', actions: actionsFrom10(f.actions) }] : [],
  };
}
