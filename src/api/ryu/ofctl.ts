/**
 * Ryu's ofctl_rest JSON ⇄ Signalbox's OpenFlow objects: match dicts with Ryu's field names and
 * aliases (`dl_dst`, `nw_src`, `tp_dst`...), action dicts (`{"type": "OUTPUT", "port": 2}`), and
 * the strings Ryu prints for actions (`"OUTPUT:2"`). Written from Ryu's documented behaviour
 * (ryu/lib/ofctl_v1_3.py, ofctl_utils.py, the ofctl_rest docs); every input error names its field.
 */
import { OFPCML, OFPG, OFPM, OFPP, OFPTT } from '../../openflow/codec/constants.js';
import type { Action } from '../../openflow/codec/v13/actions.js';
import type { Instruction } from '../../openflow/codec/v13/instructions.js';
import type { Match, OxmField } from '../../openflow/codec/v13/oxm.js';
import { OXM_FIELD_BY_NAME } from '../../openflow/codec/v13/oxm-fields.js';
import { ApiError } from '../errors.js';

const OFPVID_PRESENT = 0x1000;
const UINT64_MAX = (1n << 64n) - 1n;

/** Reserved numbers by Ryu's user-facing name, per prefix (ofctl_utils' `_reserved_num_from_user`). */
const RESERVED = {
  port: OFPP as Readonly<Record<string, number>>,
  group: OFPG as Readonly<Record<string, number>>,
  meter: OFPM as Readonly<Record<string, number>>,
  table: OFPTT as Readonly<Record<string, number>>,
  cml: OFPCML as Readonly<Record<string, number>>,
  queue: { ALL: 0xffffffff } as Readonly<Record<string, number>>,
} as const;
type ReservedKind = keyof typeof RESERVED;

/** A number as Ryu prints it: the reserved name when it has one (`"CONTROLLER"`, `"ANY"`), else the number. */
export function reservedToUser(kind: ReservedKind, n: number): number | string {
  for (const [k, v] of Object.entries(RESERVED[kind])) if (v === n) return k;
  return n;
}

/** A number from user input: an integer, a decimal or 0x string, or a reserved name (`"CONTROLLER"`, `"OFPP_CONTROLLER"`). */
export function reservedFromUser(kind: ReservedKind, v: unknown, field: string, max = 0xffffffff): number {
  if (typeof v === 'string') {
    const n = parseIntLoose(v);
    if (n !== undefined) return checkRange(n, field, max);
    const name = v.toUpperCase().replace(/^OFP(P|G|M|TT|CML|Q)_/, '');
    const r = RESERVED[kind][name];
    if (r !== undefined) return r;
    throw new ApiError('invalid_input', `${field}: ${JSON.stringify(v)} is neither a number nor one of ${Object.keys(RESERVED[kind]).join(', ')}`, field);
  }
  return intFrom(v, field, max);
}

function parseIntLoose(s: string): number | undefined {
  const t = s.trim();
  if (/^[0-9]+$/.test(t)) return Number(t);
  if (/^0x[0-9a-f]+$/i.test(t)) return Number.parseInt(t.slice(2), 16);
  return undefined;
}

function checkRange(n: number, field: string, max: number): number {
  if (!Number.isSafeInteger(n) || n < 0 || n > max) throw new ApiError('invalid_input', `${field}: ${n} is out of range 0..${max}`, field);
  return n;
}

/** An unsigned integer from a JSON number or a decimal/0x string (Ryu's `int(x)` / `str_to_int`). */
export function intFrom(v: unknown, field: string, max = 0xffffffff): number {
  if (typeof v === 'number' && Number.isInteger(v)) return checkRange(v, field, max);
  if (typeof v === 'string') {
    const n = parseIntLoose(v);
    if (n !== undefined) return checkRange(n, field, max);
  }
  throw new ApiError('invalid_input', `${field}: expected an integer, got ${JSON.stringify(v)}`, field);
}

/** A 64-bit value from a JSON number (safe integers only) or a decimal/0x string. */
export function bigFrom(v: unknown, field: string): bigint {
  let n: bigint | undefined;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) n = BigInt(v);
  else if (typeof v === 'bigint') n = v;
  else if (typeof v === 'string' && (/^[0-9]+$/.test(v.trim()) || /^0x[0-9a-f]+$/i.test(v.trim()))) n = BigInt(v.trim());
  if (n === undefined || n > UINT64_MAX) {
    throw new ApiError('invalid_input', `${field}: expected a 64-bit unsigned integer (a string above 2^53), got ${JSON.stringify(typeof v === 'bigint' ? v.toString() : v)}`, field);
  }
  return n;
}

/**
 * A Ryu datapath id, in the URL or the body: an integer, or a string Ryu's `str_to_int` (Python's
 * `int(s, 0)`) reads: decimal (`"1"`) or hex with `0x` (`"0x1"`, `"0x00000000000000a1"`).
 */
export function dpidFromRyu(v: unknown, field: string): bigint {
  if (v === undefined || v === null) throw new ApiError('invalid_input', `${field} is required`, field);
  if (typeof v === 'string' && /^0[xX][0-9a-fA-F]{1,16}$/.test(v)) return BigInt(v);
  if (typeof v === 'string' && !/^[0-9]+$/.test(v)) throw new ApiError('invalid_input', `${field}: expected a datapath id in decimal or 0x hex, got ${JSON.stringify(v)}`, field);
  return bigFrom(v, field);
}

// ---------------------------------------------------------------------------------------------
// Match: Ryu dict → OXM

/** Ryu's old (OpenFlow 1.0 style) names and the OXM field each stands for (`to_match`'s `keys`). */
const MATCH_ALIASES: Readonly<Record<string, string>> = {
  dl_dst: 'eth_dst',
  dl_src: 'eth_src',
  dl_type: 'eth_type',
  dl_vlan: 'vlan_vid',
  nw_src: 'ipv4_src',
  nw_dst: 'ipv4_dst',
  nw_proto: 'ip_proto',
};

function maskedString(v: unknown, field: string): [string, string | undefined] {
  if (typeof v !== 'string') throw new ApiError('invalid_input', `${field}: expected a string, got ${JSON.stringify(v)}`, field);
  const i = v.indexOf('/');
  return i < 0 ? [v, undefined] : [v.slice(0, i), v.slice(i + 1)];
}

function prefixToMask4(bits: number): string {
  const m = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return [m >>> 24, (m >>> 16) & 0xff, (m >>> 8) & 0xff, m & 0xff].join('.');
}

function prefixToMask6(bits: number): string {
  const groups: string[] = [];
  for (let i = 0; i < 8; i++) {
    const b = Math.max(0, Math.min(16, bits - i * 16));
    groups.push(((0xffff << (16 - b)) & 0xffff).toString(16));
  }
  return groups.join(':');
}

function ipValue(v: unknown, field: string, six: boolean): { value: string; mask?: string } {
  const [addr, mask] = maskedString(v, field);
  if (mask === undefined) return { value: addr };
  if (/^[0-9]+$/.test(mask)) {
    const bits = Number(mask);
    if (bits > (six ? 128 : 32)) throw new ApiError('invalid_input', `${field}: prefix length ${bits} is too long`, field);
    return { value: addr, mask: six ? prefixToMask6(bits) : prefixToMask4(bits) };
  }
  return { value: addr, mask };
}

function macValue(v: unknown, field: string): { value: string; mask?: string } {
  const [addr, mask] = maskedString(v, field);
  return mask === undefined ? { value: addr.toLowerCase() } : { value: addr.toLowerCase(), mask: mask.toLowerCase() };
}

function maskedInt(v: unknown, field: string, max: number): { value: number; mask?: number } {
  if (typeof v === 'string' && v.includes('/')) {
    const [a, b] = v.split('/', 2) as [string, string];
    return { value: intFrom(a, field, max), mask: intFrom(b, field, max) };
  }
  return { value: intFrom(v, field, max) };
}

function maskedBig(v: unknown, field: string): { value: bigint; mask?: bigint } {
  if (typeof v === 'string' && v.includes('/')) {
    const [a, b] = v.split('/', 2) as [string, string];
    return { value: bigFrom(a, field), mask: bigFrom(b, field) };
  }
  return { value: bigFrom(v, field) };
}

/** Ryu's `to_match_vid`: a decimal number means "tagged with this VLAN" (OFPVID_PRESENT added); a hex string is the raw OXM value. */
function vidValue(v: unknown, field: string): { value: number; mask?: number } {
  if (typeof v === 'number') return { value: intFrom(v, field, 0xfff) | OFPVID_PRESENT };
  if (typeof v === 'string') {
    if (v.includes('/')) {
      const [a, b] = v.split('/', 2) as [string, string];
      return { value: intFrom(a, field, 0x1fff), mask: intFrom(b, field, 0x1fff) };
    }
    if (/^[0-9]+$/.test(v)) return { value: intFrom(v, field, 0xfff) | OFPVID_PRESENT };
    return { value: intFrom(v, field, 0x1fff) };
  }
  throw new ApiError('invalid_input', `${field}: expected a VLAN id, got ${JSON.stringify(v)}`, field);
}

/**
 * One OXM field from its name and a text-friendly value: numbers as integers or decimal/0x
 * strings, masks as `value/mask` (IPv4/IPv6 also `/prefixlen`), reserved port names for in_port.
 * With `ryuVlan`, a decimal vlan_vid means "tagged with this VLAN" (Ryu's rule); without, it is
 * the raw OXM value (OFPVID_PRESENT included).
 */
export function oxmFromText(name: string, v: unknown, field: string, ryuVlan = false): OxmField {
  if (name === 'vlan_vid') return ryuVlan ? { field: 'vlan_vid', ...vidValue(v, field) } : { field: 'vlan_vid', ...maskedInt(v, field, 0x1fff) };
  if (name === 'in_port') return { field: 'in_port', value: reservedFromUser('port', v, field) };
  const spec = Object.hasOwn(OXM_FIELD_BY_NAME, name) ? OXM_FIELD_BY_NAME[name as keyof typeof OXM_FIELD_BY_NAME] : undefined;
  if (!spec) throw new ApiError('invalid_input', `${field}: unknown match field ${JSON.stringify(name)}`, field);
  const max = spec.width >= 4 ? 0xffffffff : 2 ** (spec.width * 8) - 1;
  switch (spec.kind) {
    case 'int':
      return { field: spec.name, ...(spec.maskable ? maskedInt(v, field, max) : { value: intFrom(v, field, max) }) } as OxmField;
    case 'bigint':
      return { field: spec.name, ...maskedBig(v, field) } as OxmField;
    case 'mac':
      return { field: spec.name, ...macValue(v, field) } as OxmField;
    case 'ipv4':
      return { field: spec.name, ...ipValue(v, field, false) } as OxmField;
    case 'ipv6':
      return { field: spec.name, ...ipValue(v, field, true) } as OxmField;
    default:
      throw new ApiError('invalid_input', `${field}: unsupported match field ${JSON.stringify(name)}`, field);
  }
}

/**
 * A Ryu match dict as an OXM match (Ryu's `to_match`): old names are accepted, `nw_src`/`nw_dst`
 * become `arp_spa`/`arp_tpa` when `dl_type` is ARP, and `tp_src`/`tp_dst` become the TCP or UDP
 * field per `nw_proto`/`ip_proto` (required then).
 */
export function matchFromRyu(attrs: unknown, field = 'match'): Match {
  if (attrs === undefined || attrs === null) return [];
  if (typeof attrs !== 'object' || Array.isArray(attrs)) throw new ApiError('invalid_input', `${field}: expected an object of match fields`, field);
  const a = { ...(attrs as Record<string, unknown>) };
  const ethType = a.dl_type ?? a.eth_type;
  if (ethType !== undefined && Number(ethType) === 0x0806) {
    if ('nw_src' in a && !('arp_spa' in a)) {
      a.arp_spa = a.nw_src;
      delete a.nw_src;
    }
    if ('nw_dst' in a && !('arp_tpa' in a)) {
      a.arp_tpa = a.nw_dst;
      delete a.nw_dst;
    }
  }
  const out: OxmField[] = [];
  const seen = new Set<string>();
  for (const [key, value] of Object.entries(a)) {
    const f = `${field}.${key}`;
    let name = MATCH_ALIASES[key] ?? key;
    if (key === 'tp_src' || key === 'tp_dst') {
      const proto = a.nw_proto ?? a.ip_proto;
      const p = proto === undefined ? undefined : Number(proto);
      if (p === 6) name = key === 'tp_src' ? 'tcp_src' : 'tcp_dst';
      else if (p === 17) name = key === 'tp_src' ? 'udp_src' : 'udp_dst';
      else throw new ApiError('invalid_input', `${f}: needs nw_proto (or ip_proto) 6 or 17 to tell TCP from UDP`, f);
    }
    if (seen.has(name)) continue; // Ryu keeps the first spelling of a field given twice
    seen.add(name);
    out.push(oxmFromText(name, value, f, true));
  }
  return sortMatch(out);
}

/** Fields in OXM field-number order (raw ones last, in input order), so equal rules give equal bytes. */
export function sortMatch(m: OxmField[]): OxmField[] {
  const num = (f: OxmField): number => (f.field === 'raw' ? 1000 : (OXM_FIELD_BY_NAME[f.field]?.field ?? 999));
  return m.map((f, i) => [f, i] as const).sort((a, b) => num(a[0]) - num(b[0]) || a[1] - b[1]).map(([f]) => f);
}

// ---------------------------------------------------------------------------------------------
// Actions: Ryu dicts → instructions

function actionFromRyu(d: unknown, field: string): Action | undefined {
  if (typeof d !== 'object' || d === null || Array.isArray(d)) throw new ApiError('invalid_input', `${field}: expected an action object`, field);
  const o = d as Record<string, unknown>;
  const type = o.type;
  if (typeof type !== 'string') throw new ApiError('invalid_input', `${field}.type is required`, `${field}.type`);
  const need = (k: string): unknown => {
    if (o[k] === undefined) throw new ApiError('invalid_input', `${field}.${k} is required for ${type}`, `${field}.${k}`);
    return o[k];
  };
  switch (type) {
    case 'OUTPUT':
      return {
        type: 'output',
        port: reservedFromUser('port', o.port ?? OFPP.ANY, `${field}.port`),
        maxLen: reservedFromUser('cml', o.max_len ?? OFPCML.MAX, `${field}.max_len`, 0xffff),
      };
    case 'COPY_TTL_OUT':
      return { type: 'copy_ttl_out' };
    case 'COPY_TTL_IN':
      return { type: 'copy_ttl_in' };
    case 'SET_MPLS_TTL':
      return { type: 'set_mpls_ttl', ttl: intFrom(need('mpls_ttl'), `${field}.mpls_ttl`, 0xff) };
    case 'DEC_MPLS_TTL':
      return { type: 'dec_mpls_ttl' };
    case 'PUSH_VLAN':
      return { type: 'push_vlan', ethertype: intFrom(need('ethertype'), `${field}.ethertype`, 0xffff) };
    case 'POP_VLAN':
      return { type: 'pop_vlan' };
    case 'PUSH_MPLS':
      return { type: 'push_mpls', ethertype: intFrom(need('ethertype'), `${field}.ethertype`, 0xffff) };
    case 'POP_MPLS':
      return { type: 'pop_mpls', ethertype: intFrom(need('ethertype'), `${field}.ethertype`, 0xffff) };
    case 'SET_QUEUE':
      return { type: 'set_queue', queueId: reservedFromUser('queue', need('queue_id'), `${field}.queue_id`) };
    case 'GROUP':
      return { type: 'group', groupId: reservedFromUser('group', need('group_id'), `${field}.group_id`) };
    case 'SET_NW_TTL':
      return { type: 'set_nw_ttl', ttl: intFrom(need('nw_ttl'), `${field}.nw_ttl`, 0xff) };
    case 'DEC_NW_TTL':
      return { type: 'dec_nw_ttl' };
    case 'SET_FIELD': {
      const name = need('field');
      if (typeof name !== 'string') throw new ApiError('invalid_input', `${field}.field: expected a field name`, `${field}.field`);
      const value = need('value');
      // Ryu passes the value straight to OFPActionSetField: a vlan_vid value is raw (OFPVID_PRESENT included).
      const f = name === 'vlan_vid' ? ({ field: 'vlan_vid', value: intFrom(value, `${field}.value`, 0x1fff) } as OxmField) : oxmFromText(name, value, `${field}.value`);
      if ('mask' in f && f.mask !== undefined) throw new ApiError('invalid_input', `${field}.value: a set-field value has no mask`, `${field}.value`);
      return { type: 'set_field', field: f };
    }
    case 'PUSH_PBB':
      return { type: 'push_pbb', ethertype: intFrom(need('ethertype'), `${field}.ethertype`, 0xffff) };
    case 'POP_PBB':
      return { type: 'pop_pbb' };
    case 'EXPERIMENTER': {
      const dataType = o.data_type ?? 'ascii';
      const data = o.data ?? '';
      if (typeof data !== 'string') throw new ApiError('invalid_input', `${field}.data: expected a string`, `${field}.data`);
      if (dataType !== 'ascii' && dataType !== 'base64') throw new ApiError('invalid_input', `${field}.data_type: expected "ascii" or "base64"`, `${field}.data_type`);
      return { type: 'experimenter', experimenter: intFrom(need('experimenter'), `${field}.experimenter`), data: Buffer.from(data, dataType === 'base64' ? 'base64' : 'latin1') };
    }
    default:
      return undefined;
  }
}

/**
 * A Ryu `actions` list as instructions (Ryu's `to_actions`): plain actions form one
 * apply-actions instruction placed last; GOTO_TABLE, WRITE_METADATA, METER, WRITE_ACTIONS and
 * CLEAR_ACTIONS become their instructions. An unknown type is an error (Ryu only logs it).
 */
export function instructionsFromRyu(acts: unknown, field = 'actions'): Instruction[] {
  if (acts === undefined || acts === null) return [];
  if (!Array.isArray(acts)) throw new ApiError('invalid_input', `${field}: expected a list of actions`, field);
  const inst: Instruction[] = [];
  const actions: Action[] = [];
  acts.forEach((a, i) => {
    const f = `${field}[${i}]`;
    const act = actionFromRyu(a, f);
    if (act) {
      actions.push(act);
      return;
    }
    const o = a as Record<string, unknown>;
    switch (o.type) {
      case 'WRITE_ACTIONS': {
        const list = o.actions;
        if (!Array.isArray(list)) throw new ApiError('invalid_input', `${f}.actions: expected a list of actions`, `${f}.actions`);
        const wa = list.map((x, j) => {
          const w = actionFromRyu(x, `${f}.actions[${j}]`);
          if (!w) throw new ApiError('invalid_input', `${f}.actions[${j}].type: unknown action type ${JSON.stringify((x as Record<string, unknown>).type)}`, `${f}.actions[${j}].type`);
          return w;
        });
        if (wa.length > 0) inst.push({ type: 'write_actions', actions: wa });
        return;
      }
      case 'CLEAR_ACTIONS':
        inst.push({ type: 'clear_actions' });
        return;
      case 'GOTO_TABLE':
        inst.push({ type: 'goto_table', tableId: reservedFromUser('table', o.table_id, `${f}.table_id`, 0xff) });
        return;
      case 'WRITE_METADATA':
        inst.push({
          type: 'write_metadata',
          metadata: bigFrom(o.metadata, `${f}.metadata`),
          metadataMask: o.metadata_mask === undefined ? UINT64_MAX : bigFrom(o.metadata_mask, `${f}.metadata_mask`),
        });
        return;
      case 'METER':
        inst.push({ type: 'meter', meterId: reservedFromUser('meter', o.meter_id, `${f}.meter_id`) });
        return;
      default:
        throw new ApiError('invalid_input', `${f}.type: unknown action type ${JSON.stringify(o.type)}`, `${f}.type`);
    }
  });
  if (actions.length > 0) inst.push({ type: 'apply_actions', actions });
  return inst;
}

/** Plain actions only (group buckets): instructions are an error here. */
export function actionsFromRyu(acts: unknown, field: string): Action[] {
  if (acts === undefined || acts === null) return [];
  if (!Array.isArray(acts)) throw new ApiError('invalid_input', `${field}: expected a list of actions`, field);
  return acts.map((a, i) => {
    const act = actionFromRyu(a, `${field}[${i}]`);
    if (!act) throw new ApiError('invalid_input', `${field}[${i}].type: unknown action type ${JSON.stringify((a as Record<string, unknown>).type)}`, `${field}[${i}].type`);
    return act;
  });
}

// ---------------------------------------------------------------------------------------------
// OXM → Ryu match dict, actions → Ryu strings

/** OXM names Ryu prints under their old names (`match_to_str`). */
const MATCH_TO_RYU: Readonly<Record<string, string>> = {
  eth_src: 'dl_src',
  eth_dst: 'dl_dst',
  eth_type: 'dl_type',
  vlan_vid: 'dl_vlan',
  ipv4_src: 'nw_src',
  ipv4_dst: 'nw_dst',
  ip_proto: 'nw_proto',
  tcp_src: 'tp_src',
  tcp_dst: 'tp_dst',
  udp_src: 'tp_src',
  udp_dst: 'tp_dst',
};

/** A value in Ryu's JSON: a bigint stays a bigint (printed as exact digits by the Ryu serializer). */
export type RyuJson = null | boolean | number | string | bigint | RyuJson[] | { [k: string]: RyuJson };

function hex4(n: number): string {
  return `0x${n.toString(16).padStart(4, '0')}`;
}

/** A match as Ryu prints it in flow stats (`match_to_str`). */
export function matchToRyu(match: Match): Record<string, RyuJson> {
  const out: Record<string, RyuJson> = {};
  for (const f of match) {
    if (f.field === 'raw') {
      const key = `oxm_${f.oxmClass.toString(16)}_${f.oxmField}`;
      if (!(key in out)) out[key] = f.data.toString('hex');
      continue;
    }
    const key = MATCH_TO_RYU[f.field] ?? f.field;
    if (key in out) continue;
    let value: RyuJson;
    if (key === 'dl_vlan') {
      const v = f.value as number;
      const m = f.mask as number | undefined;
      value = m !== undefined ? `${hex4(v)}/${hex4(m)}` : v & OFPVID_PRESENT ? String(v & ~OFPVID_PRESENT) : hex4(v);
    } else if (key === 'in_port') {
      value = reservedToUser('port', f.value as number);
    } else if (f.mask !== undefined) {
      value = `${String(f.value)}/${String(f.mask)}`;
    } else {
      value = f.value as RyuJson;
    }
    out[key] = value;
  }
  return out;
}

/** One action as Ryu prints it (`action_to_str`). */
export function actionToRyu(a: Action): string {
  switch (a.type) {
    case 'output':
      return `OUTPUT:${reservedToUser('port', a.port)}`;
    case 'copy_ttl_out':
      return 'COPY_TTL_OUT';
    case 'copy_ttl_in':
      return 'COPY_TTL_IN';
    case 'set_mpls_ttl':
      return `SET_MPLS_TTL:${a.ttl}`;
    case 'dec_mpls_ttl':
      return 'DEC_MPLS_TTL';
    case 'push_vlan':
      return `PUSH_VLAN:${a.ethertype}`;
    case 'pop_vlan':
      return 'POP_VLAN';
    case 'push_mpls':
      return `PUSH_MPLS:${a.ethertype}`;
    case 'pop_mpls':
      return `POP_MPLS:${a.ethertype}`;
    case 'set_queue':
      return `SET_QUEUE:${reservedToUser('queue', a.queueId)}`;
    case 'group':
      return `GROUP:${reservedToUser('group', a.groupId)}`;
    case 'set_nw_ttl':
      return `SET_NW_TTL:${a.ttl}`;
    case 'dec_nw_ttl':
      return 'DEC_NW_TTL';
    case 'set_field':
      return a.field.field === 'raw' ? `SET_FIELD: {raw:${a.field.data.toString('hex')}}` : `SET_FIELD: {${a.field.field}:${String(a.field.value)}}`;
    case 'push_pbb':
      return `PUSH_PBB:${a.ethertype}`;
    case 'pop_pbb':
      return 'POP_PBB';
    case 'experimenter':
      return `EXPERIMENTER: {experimenter:${a.experimenter}, data:${a.data.toString('base64')}}`;
    case 'unknown':
      return 'UNKNOWN';
    default:
      return 'UNKNOWN';
  }
}

/** Instructions as Ryu's `actions` list (`actions_to_str`). */
export function instructionsToRyu(instructions: readonly Instruction[]): RyuJson[] {
  const out: RyuJson[] = [];
  for (const i of instructions) {
    switch (i.type) {
      case 'apply_actions':
        for (const a of i.actions) out.push(actionToRyu(a));
        break;
      case 'write_actions':
        if (i.actions.length > 0) out.push({ WRITE_ACTIONS: i.actions.map(actionToRyu) });
        break;
      case 'clear_actions':
        out.push('CLEAR_ACTIONS');
        break;
      case 'goto_table':
        out.push(`GOTO_TABLE:${reservedToUser('table', i.tableId)}`);
        break;
      case 'write_metadata':
        out.push(i.metadataMask ? `WRITE_METADATA:0x${i.metadata.toString(16)}/0x${i.metadataMask.toString(16)}` : `WRITE_METADATA:0x${i.metadata.toString(16)}`);
        break;
      case 'meter':
        out.push(`METER:${reservedToUser('meter', i.meterId)}`);
        break;
      default:
        break;
    }
  }
  return out;
}
