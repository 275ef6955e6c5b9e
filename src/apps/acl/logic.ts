/**
 * Access control lists, pure: ordered allow/deny rules on L2–L4 fields, checked and turned into
 * flows (first match wins, so earlier rules get higher priorities), and the packet-in check for
 * packets that reach the controller. Deny rules drop in the switch. An allow rule needs a flow
 * only where it carves an exception out of a later deny rule (the switch would drop it
 * otherwise): there it sends the packets to the controller, which lets them on to forwarding.
 */
import { CONTROLLER_ACTIONS } from '../../openflow/packet-out.js';
import type { OxmField } from '../../openflow/codec/v13/oxm.js';
import { flowKey } from '../../flows/compare.js';
import type { FlowRule } from '../../core/services.js';
import { ETH_TYPE, IP_PROTO } from '../../packet/constants.js';
import { parsePacket, type ParsedPacket } from '../../packet/packet.js';
import { parseIpv4, parseMac } from '../../core/addr.js';
import { dpidToHex, parseDpid } from '../../core/ids.js';
import { effects, type Effects } from '../effects.js';
import { any, defaultsOf, int, list, section, type ConfigOf, type Issue } from '../../core/config-schema.js';

/** The fields a rule may match (all optional; absent = any). IPv4 addresses take an optional `/len`. */
export interface AclMatch {
  readonly inPort?: number;
  readonly ethSrc?: string;
  readonly ethDst?: string;
  readonly ethType?: number;
  readonly vlanVid?: number;
  readonly ipProto?: number;
  readonly ipv4Src?: string;
  readonly ipv4Dst?: string;
  readonly tcpSrc?: number;
  readonly tcpDst?: number;
  readonly udpSrc?: number;
  readonly udpDst?: number;
  readonly icmpType?: number;
}

/** What a client gives to add or update a rule. */
export interface AclRuleInput {
  readonly action: 'allow' | 'deny';
  readonly match: AclMatch;
  /** Datapath ids (hex) the rule applies to; absent or empty = every switch. */
  readonly switches?: readonly string[];
  readonly description?: string;
}

/** A stored rule. */
export interface AclRule extends AclRuleInput {
  readonly id: string;
  /** `config` for a rule the config declares (read-only through the API); absent for the API's own. */
  readonly source?: 'config';
}

/** A rule that does not make sense, naming the field. */
export class AclRuleError extends Error {
  override readonly name = 'AclRuleError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

const MATCH_KEYS: readonly (keyof AclMatch)[] = ['inPort', 'ethSrc', 'ethDst', 'ethType', 'vlanVid', 'ipProto', 'ipv4Src', 'ipv4Dst', 'tcpSrc', 'tcpDst', 'udpSrc', 'udpDst', 'icmpType'];

/**
 * The OpenFlow 1.3 OXM name of each match field (`eth_type`, as static flows and `signalbox flows`
 * take them): the documented spelling of a rule's match. The camelCase keys stay accepted as
 * aliases, and are the form rules are stored and listed in (existing clients read them).
 */
export const ACL_OPENFLOW_NAMES: Readonly<Record<keyof AclMatch, string>> = {
  inPort: 'in_port',
  ethSrc: 'eth_src',
  ethDst: 'eth_dst',
  ethType: 'eth_type',
  vlanVid: 'vlan_vid',
  ipProto: 'ip_proto',
  ipv4Src: 'ipv4_src',
  ipv4Dst: 'ipv4_dst',
  tcpSrc: 'tcp_src',
  tcpDst: 'tcp_dst',
  udpSrc: 'udp_src',
  udpDst: 'udp_dst',
  icmpType: 'icmpv4_type',
};

const BY_OPENFLOW_NAME = new Map(MATCH_KEYS.map((k) => [ACL_OPENFLOW_NAMES[k], k]));

/**
 * A client's match with every key in its camelCase form, and the name each field was given by
 * (for errors); throws AclRuleError on an unknown key or a field given under both names.
 */
function canonicalMatch(m: Record<string, unknown>): { match: Record<string, unknown>; given: Map<string, string> } {
  const match: Record<string, unknown> = {};
  const given = new Map<string, string>();
  for (const [k, v] of Object.entries(m)) {
    const key = BY_OPENFLOW_NAME.get(k) ?? (MATCH_KEYS.includes(k as keyof AclMatch) ? k : undefined);
    if (key === undefined) throw new AclRuleError(`match.${k}`, `unknown field; known: ${MATCH_KEYS.map((x) => ACL_OPENFLOW_NAMES[x]).join(', ')} (or their camelCase aliases: ethType, ipv4Dst, ...)`);
    const twin = given.get(key);
    if (twin !== undefined) throw new AclRuleError(`match.${k}`, `given twice, as ${twin} and as ${k}: use one (${ACL_OPENFLOW_NAMES[key as keyof AclMatch]})`);
    given.set(key, k);
    match[key] = v;
  }
  return { match, given };
}

function intIn(v: unknown, max: number, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) throw new AclRuleError(field, `expected an integer in 0..${max}, got ${JSON.stringify(v)}`);
  return v;
}

function cidr(v: unknown, field: string): { ip: number; len: number } {
  if (typeof v !== 'string') throw new AclRuleError(field, `expected an IPv4 address or prefix, got ${JSON.stringify(v)}`);
  const [a, l] = v.split('/');
  const len = l === undefined ? 32 : Number(l);
  if (!Number.isInteger(len) || len < 0 || len > 32) throw new AclRuleError(field, `bad prefix length in ${JSON.stringify(v)}`);
  let ip: number;
  try {
    ip = parseIpv4(a!) >>> 0;
  } catch {
    throw new AclRuleError(field, `not an IPv4 address: ${JSON.stringify(v)}`);
  }
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return { ip: (ip & mask) >>> 0, len };
}

/** Checks a rule input and returns it normalised (lower-case MACs, IPv4 prefixes, implied eth_type/ip_proto); throws AclRuleError. */
export function checkRule(r: unknown): AclRuleInput {
  if (typeof r !== 'object' || r === null) throw new AclRuleError('rule', 'expected an object');
  const x = r as Record<string, unknown>;
  if (x.action !== 'allow' && x.action !== 'deny') throw new AclRuleError('action', `expected "allow" or "deny", got ${JSON.stringify(x.action)}`);
  const raw = (x.match ?? {}) as Record<string, unknown>;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new AclRuleError('match', 'expected an object');
  const { match: m, given } = canonicalMatch(raw);
  /** A field's path as the client named it (`match.eth_type` or `match.ethType`). */
  const at = (k: keyof AclMatch): string => `match.${given.get(k) ?? k}`;
  const out: Record<string, number | string> = {};
  if (m.inPort !== undefined) out.inPort = intIn(m.inPort, 0xffffff00, at('inPort'));
  for (const k of ['ethSrc', 'ethDst'] as const) {
    if (m[k] === undefined) continue;
    try {
      parseMac(String(m[k]));
    } catch {
      throw new AclRuleError(at(k), `not a MAC address: ${JSON.stringify(m[k])}`);
    }
    out[k] = String(m[k]).toLowerCase();
  }
  if (m.ethType !== undefined) out.ethType = intIn(m.ethType, 0xffff, at('ethType'));
  if (m.vlanVid !== undefined) out.vlanVid = intIn(m.vlanVid, 4095, at('vlanVid'));
  if (m.ipProto !== undefined) out.ipProto = intIn(m.ipProto, 255, at('ipProto'));
  for (const k of ['ipv4Src', 'ipv4Dst'] as const) {
    if (m[k] === undefined) continue;
    const c = cidr(m[k], at(k));
    out[k] = `${(c.ip >>> 24) & 255}.${(c.ip >>> 16) & 255}.${(c.ip >>> 8) & 255}.${c.ip & 255}/${c.len}`;
  }
  for (const k of ['tcpSrc', 'tcpDst', 'udpSrc', 'udpDst'] as const) if (m[k] !== undefined) out[k] = intIn(m[k], 0xffff, at(k));
  if (m.icmpType !== undefined) out.icmpType = intIn(m.icmpType, 255, at('icmpType'));
  // Prerequisites (OpenFlow 1.3 §7.2.3.6): L3 fields need eth_type, L4 fields need ip_proto.
  const needsIp = out.ipv4Src !== undefined || out.ipv4Dst !== undefined || out.ipProto !== undefined;
  if (needsIp) {
    if (out.ethType !== undefined && out.ethType !== ETH_TYPE.IPV4) throw new AclRuleError(at('ethType'), 'IPv4 fields need ethType 0x0800');
    out.ethType = ETH_TYPE.IPV4;
  }
  const l4 = (keys: readonly string[], proto: number, name: string): void => {
    if (!keys.some((k) => out[k] !== undefined)) return;
    if (out.ipProto !== undefined && out.ipProto !== proto) throw new AclRuleError(at('ipProto'), `${name} ports need ipProto ${proto}`);
    out.ipProto = proto;
    out.ethType ??= ETH_TYPE.IPV4;
    if (out.ethType !== ETH_TYPE.IPV4) throw new AclRuleError(at('ethType'), `${name} fields here need IPv4`);
  };
  l4(['tcpSrc', 'tcpDst'], IP_PROTO.TCP, 'TCP');
  l4(['udpSrc', 'udpDst'], IP_PROTO.UDP, 'UDP');
  l4(['icmpType'], IP_PROTO.ICMP, 'ICMP');
  if ([out.tcpSrc ?? out.tcpDst, out.udpSrc ?? out.udpDst, out.icmpType].filter((v) => v !== undefined).length > 1) throw new AclRuleError('match', 'TCP, UDP and ICMP fields exclude each other');
  let switches: string[] | undefined;
  if (x.switches !== undefined) {
    if (!Array.isArray(x.switches) || !x.switches.every((s) => typeof s === 'string' && /^(0x)?[0-9a-fA-F:]{1,23}$/.test(s))) throw new AclRuleError('switches', 'expected a list of datapath ids in hex');
    switches = (x.switches as string[]).map((s) => dpidToHex(parseDpid(s)));
  }
  if (x.description !== undefined && typeof x.description !== 'string') throw new AclRuleError('description', 'expected a string');
  return {
    action: x.action,
    match: out as AclMatch,
    ...(switches && switches.length > 0 ? { switches } : {}),
    ...(typeof x.description === 'string' ? { description: x.description } : {}),
  };
}

/** The OXM match of a rule, in canonical field order. */
export function ruleMatch(m: AclMatch): OxmField[] {
  const f: OxmField[] = [];
  if (m.inPort !== undefined) f.push({ field: 'in_port', value: m.inPort });
  if (m.ethDst !== undefined) f.push({ field: 'eth_dst', value: m.ethDst });
  if (m.ethSrc !== undefined) f.push({ field: 'eth_src', value: m.ethSrc });
  if (m.ethType !== undefined) f.push({ field: 'eth_type', value: m.ethType });
  if (m.vlanVid !== undefined) f.push({ field: 'vlan_vid', value: 0x1000 | m.vlanVid });
  if (m.ipProto !== undefined) f.push({ field: 'ip_proto', value: m.ipProto });
  for (const [k, field] of [
    ['ipv4Src', 'ipv4_src'],
    ['ipv4Dst', 'ipv4_dst'],
  ] as const) {
    const v = m[k];
    if (v === undefined) continue;
    const c = cidr(v, k);
    const ip = `${(c.ip >>> 24) & 255}.${(c.ip >>> 16) & 255}.${(c.ip >>> 8) & 255}.${c.ip & 255}`;
    if (c.len === 32) f.push({ field, value: ip });
    else if (c.len > 0) {
      const mask = (0xffffffff << (32 - c.len)) >>> 0;
      f.push({ field, value: ip, mask: `${(mask >>> 24) & 255}.${(mask >>> 16) & 255}.${(mask >>> 8) & 255}.${mask & 255}` });
    }
  }
  if (m.tcpSrc !== undefined) f.push({ field: 'tcp_src', value: m.tcpSrc });
  if (m.tcpDst !== undefined) f.push({ field: 'tcp_dst', value: m.tcpDst });
  if (m.udpSrc !== undefined) f.push({ field: 'udp_src', value: m.udpSrc });
  if (m.udpDst !== undefined) f.push({ field: 'udp_dst', value: m.udpDst });
  if (m.icmpType !== undefined) f.push({ field: 'icmpv4_type', value: m.icmpType });
  return f;
}

function ipIn(ip: string, rule: string): boolean {
  const c = cidr(rule, 'ip');
  const mask = c.len === 0 ? 0 : (0xffffffff << (32 - c.len)) >>> 0;
  return ((parseIpv4(ip) >>> 0) & mask) >>> 0 === c.ip;
}

/** Whether a parsed packet that entered at `inPort` matches a rule. */
export function packetMatches(m: AclMatch, p: ParsedPacket, inPort: number): boolean {
  const eth = p.eth;
  if (!eth) return false;
  if (m.inPort !== undefined && m.inPort !== inPort) return false;
  if (m.ethSrc !== undefined && m.ethSrc !== eth.src) return false;
  if (m.ethDst !== undefined && m.ethDst !== eth.dst) return false;
  if (m.ethType !== undefined && m.ethType !== eth.ethertype) return false;
  if (m.vlanVid !== undefined && eth.vlans[0]?.vid !== m.vlanVid) return false;
  const ip = p.ipv4;
  if (m.ipProto !== undefined && ip?.protocol !== m.ipProto) return false;
  if (m.ipv4Src !== undefined && (!ip || !ipIn(ip.src, m.ipv4Src))) return false;
  if (m.ipv4Dst !== undefined && (!ip || !ipIn(ip.dst, m.ipv4Dst))) return false;
  if (m.tcpSrc !== undefined && p.tcp?.srcPort !== m.tcpSrc) return false;
  if (m.tcpDst !== undefined && p.tcp?.dstPort !== m.tcpDst) return false;
  if (m.udpSrc !== undefined && p.udp?.srcPort !== m.udpSrc) return false;
  if (m.udpDst !== undefined && p.udp?.dstPort !== m.udpDst) return false;
  if (m.icmpType !== undefined && p.icmp?.type !== m.icmpType) return false;
  return true;
}

/** Whether some packet can match both rules (each field either absent on one side or compatible). */
export function matchesOverlap(a: AclMatch, b: AclMatch): boolean {
  for (const k of MATCH_KEYS) {
    const x = a[k];
    const y = b[k];
    if (x === undefined || y === undefined) continue;
    if (k === 'ipv4Src' || k === 'ipv4Dst') {
      const p = cidr(x, k);
      const q = cidr(y, k);
      const len = Math.min(p.len, q.len);
      const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
      if (((p.ip & mask) >>> 0) !== ((q.ip & mask) >>> 0)) return false;
    } else if (x !== y) return false;
  }
  return true;
}

/** Ids the API gives its rules (`r7`): a declared rule may not take one. */
const API_ID = /^r[0-9]+$/;
const DECLARED_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A field path (`match.ipv4Dst`, `switches[0]`) as path parts. */
export function fieldPath(field: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of field.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return out;
}

/**
 * Checks declared rules (`apps.settings.acl.rules`, the network config's `acl`): each a rule with
 * an `id`; returns the first issue, its path under the list, or undefined.
 */
export function checkDeclaredRules(list: readonly unknown[]): Issue | undefined {
  const seen = new Set<string>();
  for (let i = 0; i < list.length; i++) {
    const x = list[i] as Record<string, unknown> | null;
    const id = x !== null && typeof x === 'object' ? x.id : undefined;
    if (typeof id !== 'string' || !DECLARED_ID.test(id)) return { path: ['rules', i, 'id'], message: `expected 1-64 letters, digits, ".", "_" or "-", got ${JSON.stringify(id)}` };
    if (API_ID.test(id)) return { path: ['rules', i, 'id'], message: `${JSON.stringify(id)} looks like an id the API gives (r1, r2...); choose another` };
    if (seen.has(id)) return { path: ['rules', i, 'id'], message: `${JSON.stringify(id)} is used twice` };
    seen.add(id);
    const { id: _id, source: _source, ...rest } = x as Record<string, unknown>;
    try {
      checkRule(rest);
    } catch (e) {
      if (e instanceof AclRuleError) return { path: ['rules', i, ...fieldPath(e.field)], message: e.message.slice(e.field.length + 2) };
      throw e;
    }
  }
  return undefined;
}

/** The declared rules of a config, checked and normalised, marked `source: 'config'`. */
export function declaredRules(c: AclConfig): AclRule[] {
  return c.rules.map((x) => {
    const { id, source: _source, ...rest } = x as Record<string, unknown>;
    return { id: id as string, ...checkRule(rest), source: 'config' as const };
  });
}

/** Settings schema of `apps.settings.acl`. */
export const aclSchema = section(
  {
    basePriority: int({ default: 40_000, min: 2, max: 65_000, doc: 'Priority of the first rule; each later rule gets one less. Above forwarding and the router.' }),
    tableId: int({ default: 0, min: 0, max: 254, doc: 'Table of the rule flows.' }),
    rules: list(any(), {
      default: [],
      doc: "Declared rules `{id, action, match, switches?, description?}` (the network config's `acl`, docs/config-as-code.md): evaluated before the API's, listed with `source: \"config\"`, read-only through the API.",
    }),
  },
  { doc: 'Ordered allow/deny rules (kept in the store, changed through the API; declared ones from the config).', validate: (c) => checkDeclaredRules(c.rules) },
);

/** Settings of the ACL app. */
export type AclConfig = ConfigOf<typeof aclSchema>;

/** Defaults of the ACL app. */
export const defaultAclConfig: AclConfig = defaultsOf(aclSchema);


function appliesTo(r: AclRuleInput, dpidHex: string): boolean {
  return !r.switches || r.switches.length === 0 || r.switches.includes(dpidHex);
}

/**
 * The flows of an ordered rule list on one switch: deny → drop; allow → to the controller only
 * where a later deny rule on this switch overlaps it. Priorities from `basePriority` down.
 */
export function aclFlows(rules: readonly AclRule[], dpidHex: string, c: AclConfig = defaultAclConfig): FlowRule[] {
  const here = rules.filter((r) => appliesTo(r, dpidHex));
  const out: FlowRule[] = [];
  for (let i = 0; i < here.length; i++) {
    const r = here[i]!;
    const priority = c.basePriority - i;
    if (priority < 1) break;
    if (r.action === 'deny') {
      out.push({ tableId: c.tableId, priority, match: ruleMatch(r.match), actions: [] });
    } else if (here.slice(i + 1).some((d) => d.action === 'deny' && matchesOverlap(r.match, d.match))) {
      out.push({ tableId: c.tableId, priority, match: ruleMatch(r.match), actions: CONTROLLER_ACTIONS });
    }
  }
  return out;
}

/**
 * What makes a switch's ACL flows match the rules: the rules' flows declared, then the app's
 * other flows on that switch withdrawn (after the installs, so a rule moving priority is never
 * absent).
 */
export function aclSync(rules: readonly AclRule[], dpid: bigint, c: AclConfig = defaultAclConfig): Effects {
  const fx = effects();
  const keys = new Set<string>();
  for (const rule of aclFlows(rules, dpidToHex(dpid), c)) {
    fx.install.push({ dpid, rule });
    keys.add(flowKey(rule.tableId ?? 0, rule.priority ?? 0, rule.match ?? []));
  }
  return { ...fx, withdraw: [{ kind: 'where', dpid, pick: (r) => !keys.has(r.key) }] };
}

/** The first rule that matches a packet-in on a switch, or undefined. */
export function firstMatch(rules: readonly AclRule[], dpidHex: string, data: Buffer, inPort: number): AclRule | undefined {
  const p = parsePacket(data);
  for (const r of rules) if (appliesTo(r, dpidHex) && packetMatches(r.match, p, inPort)) return r;
  return undefined;
}
