/**
 * Flow identity and comparison by meaning: the key a flow is filed under (table, priority, match)
 * and whether what a switch reports is what we asked for, whatever order, mask spelling, port
 * text or version translation the switch used.
 */
import { OFPP } from '../openflow/codec/constants.js';
import type { Action } from '../openflow/codec/v13/actions.js';
import type { Instruction } from '../openflow/codec/v13/instructions.js';
import { OXM_FIELD_BY_NAME } from '../openflow/codec/v13/oxm-fields.js';
import { oxmEquals, type Match, type OxmField } from '../openflow/codec/v13/oxm.js';
import type { FlowEntry, FlowSpec } from '../core/model.js';
import { formatMac, hexBytes, isFormattedMac, parseIpv4, parseIpv6, parseMac } from '../core/addr.js';

const NO_BUFFER_LEN = 0xffff;
const macScratch = new Uint8Array(6);
const macMaskScratch = new Uint8Array(6);
const v6Scratch = new Uint8Array(16);
const v6MaskScratch = new Uint8Array(16);

/**
 * The canonical text of one field: equal for any two fields oxmEquals calls equal (full masks
 * dropped, value bits outside the mask cleared; MACs as `formatMac` writes them, other addresses
 * as hex bytes).
 */
export function oxmKey(f: OxmField): string {
  if (f.field === 'raw') return `raw:${f.oxmClass}:${f.oxmField}:${f.hasMask ? 1 : 0}:${f.data.toString('hex')}`;
  const spec = OXM_FIELD_BY_NAME[f.field];
  switch (spec.kind) {
    case 'int': {
      const full = spec.bits >= 32 ? 0xffffffff : 2 ** spec.bits - 1;
      const m = f.mask === undefined ? full : ((f.mask as number) & full) >>> 0;
      const v = ((f.value as number) & m) >>> 0;
      return m === full ? `${f.field}=${v}` : `${f.field}=${v}/${m}`;
    }
    case 'bigint': {
      const m = f.mask === undefined ? 0xffff_ffff_ffff_ffffn : (f.mask as bigint);
      const v = (f.value as bigint) & m;
      return m === 0xffff_ffff_ffff_ffffn ? `${f.field}=${v}` : `${f.field}=${v}/${m}`;
    }
    case 'mac': {
      // Most MACs come formatted already (an app's numberToMac): no parse and re-format per flow.
      if (f.mask === undefined && isFormattedMac(f.value as string)) return `${f.field}=${f.value as string}`;
      const v = parseMac(f.value as string, macScratch);
      if (f.mask === undefined) return `${f.field}=${formatMac(v)}`;
      const m = parseMac(f.mask as string, macMaskScratch);
      return maskInPlace(v, m, 6) ? `${f.field}=${formatMac(v)}` : `${f.field}=${formatMac(v)}/${formatMac(m)}`;
    }
    case 'ipv4':
    case 'ipv6': {
      const n = spec.width;
      const v = spec.kind === 'ipv6' ? parseIpv6(f.value as string, v6Scratch) : ipv4Bytes(f.value as string, macScratch);
      if (f.mask === undefined) return `${f.field}=${hexBytes(v, n)}`;
      const m = spec.kind === 'ipv6' ? parseIpv6(f.mask as string, v6MaskScratch) : ipv4Bytes(f.mask as string, macMaskScratch);
      return maskInPlace(v, m, n) ? `${f.field}=${hexBytes(v, n)}` : `${f.field}=${hexBytes(v, n)}/${hexBytes(m, n)}`;
    }
    default: {
      const never: never = spec.kind;
      throw new Error(`unknown OXM value kind ${String(never)}`);
    }
  }
}

/** Clears the value's bits outside the mask (first `n` bytes); true when the mask is full, and so left out of a key. */
function maskInPlace(v: Uint8Array, m: Uint8Array, n: number): boolean {
  let full = true;
  for (let i = 0; i < n; i++) {
    if (m[i] !== 0xff) full = false;
    v[i] = v[i]! & m[i]!;
  }
  return full;
}

function ipv4Bytes(s: string, out: Uint8Array): Uint8Array {
  const v = parseIpv4(s);
  out[0] = v >>> 24;
  out[1] = (v >>> 16) & 0xff;
  out[2] = (v >>> 8) & 0xff;
  out[3] = v & 0xff;
  return out;
}

function fieldOrder(f: OxmField): number {
  return f.field === 'raw' ? 1000 : OXM_FIELD_BY_NAME[f.field].field;
}

/** The canonical text of a match: field keys in field-number order, so any order of the same fields gives the same text. */
export function matchKey(match: Match): string {
  const n = match.length;
  if (n === 0) return '';
  if (n === 1) return oxmKey(match[0]!);
  let sorted = true;
  for (let i = 1; i < n; i++) {
    if (fieldOrder(match[i - 1]!) > fieldOrder(match[i]!)) {
      sorted = false;
      break;
    }
  }
  const fields = sorted ? match : match.slice().sort((a, b) => fieldOrder(a) - fieldOrder(b) || (oxmKey(a) < oxmKey(b) ? -1 : 1));
  let s = oxmKey(fields[0]!);
  for (let i = 1; i < n; i++) s += `,${oxmKey(fields[i]!)}`;
  return s;
}

/**
 * A flow's identity on a switch: table, priority and match by meaning (OpenFlow 1.3 §6.4: ADD
 * replaces an entry with these equal). One flat string: text joined with `+` or a template is kept
 * by V8 as a tree of its pieces, a dozen objects per flow held for as long as the flow, and
 * slower to hash on every lookup.
 */
export function flowKey(tableId: number, priority: number, match: Match): string {
  return [tableId, priority, matchKey(match)].join('/');
}

/** The instructions a spec stands for (`actions` alone mean one apply-actions instruction, as Datapath.buildFlowMod sends). */
export function specInstructions(spec: FlowSpec): readonly Instruction[] {
  return spec.instructions ?? (spec.actions && spec.actions.length > 0 ? [{ type: 'apply_actions', actions: spec.actions }] : []);
}

/** Without the apply-actions instructions that do nothing (1.0 switches and OVS report none for them). */
function meaningful(list: readonly Instruction[]): readonly Instruction[] {
  for (const i of list) {
    if (i.type === 'apply_actions' && i.actions.length === 0) return list.filter((x) => !(x.type === 'apply_actions' && x.actions.length === 0));
  }
  return list;
}

/** set_field fields that a 1.0 switch reports under another name (set_tp_src/dst come back as tcp_*). */
function setFieldName(name: string): string {
  if (name === 'udp_src' || name === 'sctp_src') return 'tcp_src';
  if (name === 'udp_dst' || name === 'sctp_dst') return 'tcp_dst';
  return name;
}

function setFieldEquals(a: OxmField, b: OxmField): boolean {
  if (a.field === 'raw' || b.field === 'raw') return oxmEquals(a, b);
  if (a.field === 'vlan_vid' && b.field === 'vlan_vid') {
    // OFPVID_PRESENT is implied by a set-field on vlan_vid; 1.0 set_vlan_vid comes back with it.
    return ((a.value as number) & 0xfff) === ((b.value as number) & 0xfff);
  }
  if (a.field !== b.field) {
    if (setFieldName(a.field) !== setFieldName(b.field)) return false;
    return a.value === b.value && a.mask === b.mask;
  }
  return oxmEquals(a, b);
}

/**
 * Whether two actions do the same thing. An output's max_len only matters towards the
 * controller (OVS reports it as given, a 1.0 round trip turns "absent" into 0xffff).
 */
export function actionEquals(a: Action, b: Action): boolean {
  if (a.type !== b.type) return false;
  switch (a.type) {
    case 'output': {
      const o = b as typeof a;
      if (a.port !== o.port) return false;
      return a.port !== OFPP.CONTROLLER || (a.maxLen ?? NO_BUFFER_LEN) === (o.maxLen ?? NO_BUFFER_LEN);
    }
    case 'copy_ttl_out':
    case 'copy_ttl_in':
    case 'dec_mpls_ttl':
    case 'pop_vlan':
    case 'dec_nw_ttl':
    case 'pop_pbb':
      return true;
    case 'set_mpls_ttl':
    case 'set_nw_ttl':
      return a.ttl === (b as typeof a).ttl;
    case 'push_vlan':
    case 'push_mpls':
    case 'pop_mpls':
    case 'push_pbb':
      return a.ethertype === (b as typeof a).ethertype;
    case 'set_queue':
      return a.queueId === (b as typeof a).queueId;
    case 'group':
      return a.groupId === (b as typeof a).groupId;
    case 'set_field':
      return setFieldEquals(a.field, (b as typeof a).field);
    case 'experimenter':
      return a.experimenter === (b as typeof a).experimenter && a.data.equals((b as typeof a).data);
    case 'unknown':
      return a.actionType === (b as typeof a).actionType && a.data.equals((b as typeof a).data);
    default: {
      const never: never = a;
      throw new Error(`unknown action ${JSON.stringify(never)}`);
    }
  }
}

/** Ordered action lists (apply-actions run in order). */
export function actionsEqual(a: readonly Action[], b: readonly Action[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!actionEquals(a[i]!, b[i]!)) return false;
  return true;
}

/** An action set (write-actions): the switch applies it in its own order, so compare as a multiset. */
function actionSetsEqual(a: readonly Action[], b: readonly Action[]): boolean {
  if (a.length !== b.length) return false;
  const used = new Uint8Array(b.length);
  for (const x of a) {
    let found = false;
    for (let j = 0; j < b.length; j++) {
      if (used[j] === 0 && actionEquals(x, b[j]!)) {
        used[j] = 1;
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

function instructionEquals(a: Instruction, b: Instruction): boolean {
  if (a.type !== b.type) return false;
  switch (a.type) {
    case 'goto_table':
      return a.tableId === (b as typeof a).tableId;
    case 'write_metadata': {
      const o = b as typeof a;
      return a.metadataMask === o.metadataMask && (a.metadata & a.metadataMask) === (o.metadata & o.metadataMask);
    }
    case 'write_actions':
      return actionSetsEqual(a.actions, (b as typeof a).actions);
    case 'apply_actions':
      return actionsEqual(a.actions, (b as typeof a).actions);
    case 'clear_actions':
      return true;
    case 'meter':
      return a.meterId === (b as typeof a).meterId;
    case 'experimenter':
      return a.experimenter === (b as typeof a).experimenter && a.data.equals((b as typeof a).data);
    case 'unknown':
      return a.instructionType === (b as typeof a).instructionType && a.data.equals((b as typeof a).data);
    default: {
      const never: never = a;
      throw new Error(`unknown instruction ${JSON.stringify(never)}`);
    }
  }
}

/**
 * Whether two instruction lists do the same thing: each instruction type appears at most once
 * (OFPBIC_DUP_INST) and the switch runs them in a fixed order, so pair them by type.
 */
export function instructionsEqual(a: readonly Instruction[], b: readonly Instruction[]): boolean {
  const x = meaningful(a);
  const y = meaningful(b);
  if (x.length !== y.length) return false;
  for (const i of x) {
    const j = y.find((k) => k.type === i.type);
    if (!j || !instructionEquals(i, j)) return false;
  }
  return true;
}

/**
 * Whether a flow read from a switch is the flow we want in everything we control: cookie,
 * timeouts and instructions (identity — table, priority, match — is assumed equal). Flags are
 * not compared: 1.0 flow stats do not carry them.
 */
export function entrySatisfies(entry: FlowEntry, spec: FlowSpec): boolean {
  return (
    entry.cookie === (spec.cookie ?? 0n) &&
    entry.idleTimeout === (spec.idleTimeout ?? 0) &&
    entry.hardTimeout === (spec.hardTimeout ?? 0) &&
    instructionsEqual(entry.instructions, specInstructions(spec))
  );
}

/** Whether two desired flows are the same request (what an app re-sending a flow would give). */
export function specsEquivalent(a: FlowSpec, b: FlowSpec): boolean {
  return (
    (a.cookie ?? 0n) === (b.cookie ?? 0n) &&
    (a.idleTimeout ?? 0) === (b.idleTimeout ?? 0) &&
    (a.hardTimeout ?? 0) === (b.hardTimeout ?? 0) &&
    (a.flags ?? 0) === (b.flags ?? 0) &&
    instructionsEqual(specInstructions(a), specInstructions(b))
  );
}

/** True when every field of `filter` is in `match` with the same meaning (a non-strict delete's selection, for our own records). */
export function matchCovers(filter: Match, match: Match): boolean {
  for (const f of filter) {
    let found = false;
    for (const g of match) {
      if (oxmEquals(f, g)) {
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}
