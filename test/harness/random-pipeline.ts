/**
 * fast-check generators of random OpenFlow 1.3 pipelines that Open vSwitch accepts (several
 * tables, goto_table, distinct priorities, masked matches with their prerequisites, set_field,
 * VLAN push/pop, dec_nw_ttl, write_metadata, apply/write/clear actions, groups all / indirect /
 * fast-failover, outputs to ports, IN_PORT, CONTROLLER and drop), and of packets drawn from the
 * same small value pools so that random flows and random packets actually meet.
 */
import fc from 'fast-check';
import { OFPP } from '../../src/openflow/codec/constants.js';
import { OFPGT } from '../../src/openflow/codec/v13/enums.js';
import type { Action } from '../../src/openflow/codec/v13/actions.js';
import type { Instruction } from '../../src/openflow/codec/v13/instructions.js';
import type { Match, OxmField } from '../../src/openflow/codec/v13/oxm.js';
import type { Bucket } from '../../src/openflow/codec/v13/structs.js';
import type { TracePacket } from './ofproto-trace.js';

// Value pools shared by matches, set_field and packets.
const MACS = ['00:00:00:00:00:01', '00:00:00:00:00:02', '0a:00:00:00:00:03', 'ff:ff:ff:ff:ff:ff'] as const;
const MAC_MASKS = ['01:00:00:00:00:00', 'ff:ff:ff:00:00:00', '00:00:00:00:00:03'] as const;
const IPS = ['10.0.0.1', '10.0.0.2', '10.0.1.1', '192.168.1.1'] as const;
const IP_MASKS = ['255.255.255.0', '255.255.0.0', '255.0.0.0', '0.0.0.1'] as const;
const VIDS = [10, 20] as const;
const PCPS = [0, 3, 5] as const;
const TCP_PORTS = [22, 80, 443] as const;
const UDP_PORTS = [53, 67, 4789] as const;
const DSCPS = [0, 10, 46] as const;
const TTLS = [64, 64, 2, 1] as const;
const ICMP_TYPES = [0, 8] as const;
const ARP_OPS = [1, 2] as const;
const OTHER_ETH_TYPE = 0x88b5;
const METADATA = [1n, 2n, 3n] as const;
const METADATA_MASKS = [0xffn, 0x1n] as const;
const OFPVID_PRESENT = 0x1000;

/** One flow of a pipeline, as a flow mod carries it. */
export interface PipelineFlow {
  readonly tableId: number;
  readonly priority: number;
  readonly match: Match;
  readonly instructions: readonly Instruction[];
}

/** One group of a pipeline (created in array order; a bucket only chains to an earlier group). */
export interface PipelineGroup {
  readonly groupId: number;
  /** OFPGT_ALL, OFPGT_INDIRECT or OFPGT_FF. */
  readonly groupType: number;
  readonly buckets: readonly Bucket[];
}

/** A random pipeline for one bridge. */
export interface Pipeline {
  readonly tables: number;
  readonly groups: readonly PipelineGroup[];
  readonly flows: readonly PipelineFlow[];
}

/** The bridge the pipeline is drawn for. */
export interface PipelineShape {
  /** OpenFlow port numbers on the bridge (outputs, in_port matches, fast-failover watch ports). */
  readonly ports: readonly number[];
  /** Number of tables used (≥ 3). */
  readonly tables: number;
  /** Flows per table, at most (table 0 gets at least one). */
  readonly maxFlowsPerTable?: number;
  /** Groups, at most. */
  readonly maxGroups?: number;
}

/** A packet entering the bridge. */
export interface PipelinePacket {
  readonly inPort: number;
  readonly packet: TracePacket;
}

type Gen = fc.GeneratorValue;

/** What a flow's match (and the actions before) guarantee about the packet: set_field and pop_vlan prerequisites, as OVS checks them. */
interface Known {
  ethType?: number;
  ipProto?: number;
  /** 'yes': tagged; 'no': untagged; undefined: either. */
  vlan?: 'yes' | 'no';
}

const pick = <T>(g: Gen, xs: readonly T[]): T => g(fc.constantFrom, ...xs);
const chance = (g: Gen, p: number): boolean => g(fc.integer, { min: 0, max: 999 }) < p * 1000;

/** Clears the bits of an address (MAC or dotted IPv4) that its mask leaves out: a switch refuses a value with bits outside its mask (OFPBMC_BAD_WILDCARDS). */
function underMask(value: string, mask: string): string {
  const sep = value.includes(':') ? ':' : '.';
  const radix = sep === ':' ? 16 : 10;
  const m = mask.split(sep);
  return value
    .split(sep)
    .map((part, i) => {
      const b = parseInt(part, radix) & parseInt(m[i]!, radix);
      return sep === ':' ? b.toString(16).padStart(2, '0') : String(b);
    })
    .join(sep);
}

/** An address field, masked or not. */
function addr(g: Gen, field: 'eth_src' | 'eth_dst' | 'ipv4_src' | 'ipv4_dst' | 'arp_spa' | 'arp_tpa', pool: readonly string[], masks: readonly string[], pMask: number): OxmField {
  const value = pick(g, pool);
  if (!chance(g, pMask)) return { field, value } as OxmField;
  const mask = pick(g, masks);
  return { field, value: underMask(value, mask), mask } as OxmField;
}

/** A random match (fields in any order; the codec sorts them) and what it guarantees. */
function drawMatch(g: Gen, shape: PipelineShape, tableId: number): { match: OxmField[]; known: Known } {
  const m: OxmField[] = [];
  const known: Known = {};
  if (chance(g, 0.3)) m.push({ field: 'in_port', value: pick(g, shape.ports) });
  if (tableId > 0 && chance(g, 0.2)) {
    const value = pick(g, METADATA);
    const mask = chance(g, 0.5) ? pick(g, METADATA_MASKS) : undefined;
    m.push(mask === undefined ? { field: 'metadata', value } : { field: 'metadata', value: value & mask, mask });
  }
  for (const f of ['eth_src', 'eth_dst'] as const) {
    if (chance(g, 0.25)) m.push(addr(g, f, MACS, MAC_MASKS, 0.4));
  }
  switch (pick(g, ['any', 'none', 'present', 'vid'] as const)) {
    case 'any':
      break;
    case 'none':
      m.push({ field: 'vlan_vid', value: 0 });
      known.vlan = 'no';
      break;
    case 'present':
      m.push({ field: 'vlan_vid', value: OFPVID_PRESENT, mask: OFPVID_PRESENT });
      known.vlan = 'yes';
      break;
    case 'vid':
      m.push({ field: 'vlan_vid', value: OFPVID_PRESENT | pick(g, VIDS) });
      known.vlan = 'yes';
      if (chance(g, 0.3)) m.push({ field: 'vlan_pcp', value: pick(g, PCPS) });
      break;
  }
  const l3 = pick(g, ['any', 'any', 'ip', 'tcp', 'udp', 'icmp', 'arp', 'other'] as const);
  if (l3 === 'other') {
    m.push({ field: 'eth_type', value: OTHER_ETH_TYPE });
    known.ethType = OTHER_ETH_TYPE;
  } else if (l3 === 'arp') {
    m.push({ field: 'eth_type', value: 0x0806 });
    known.ethType = 0x0806;
    if (chance(g, 0.4)) m.push({ field: 'arp_op', value: pick(g, ARP_OPS) });
    for (const f of ['arp_spa', 'arp_tpa'] as const) {
      if (chance(g, 0.3)) m.push(addr(g, f, IPS, IP_MASKS, 0.4));
    }
    if (chance(g, 0.15)) m.push({ field: 'arp_sha', value: pick(g, MACS) });
  } else if (l3 !== 'any') {
    m.push({ field: 'eth_type', value: 0x0800 });
    known.ethType = 0x0800;
    for (const f of ['ipv4_src', 'ipv4_dst'] as const) {
      if (chance(g, 0.35)) m.push(addr(g, f, IPS, IP_MASKS, 0.5));
    }
    if (chance(g, 0.2)) m.push({ field: 'ip_dscp', value: pick(g, DSCPS) });
    if (l3 !== 'ip') {
      const proto = l3 === 'tcp' ? 6 : l3 === 'udp' ? 17 : 1;
      m.push({ field: 'ip_proto', value: proto });
      known.ipProto = proto;
      if (l3 === 'tcp' || l3 === 'udp') {
        const pool = l3 === 'tcp' ? TCP_PORTS : UDP_PORTS;
        if (chance(g, 0.4)) m.push({ field: `${l3}_src`, value: pick(g, pool) } as OxmField);
        if (chance(g, 0.4)) m.push({ field: `${l3}_dst`, value: pick(g, pool) } as OxmField);
      } else if (chance(g, 0.5)) {
        m.push({ field: 'icmpv4_type', value: pick(g, ICMP_TYPES) });
      }
    }
  }
  return { match: m, known };
}

/** A set_field whose prerequisites `known` guarantees, or undefined when none is. */
function drawSetField(g: Gen, known: Known, exclude: ReadonlySet<string> = new Set()): Action | undefined {
  const options: OxmField[] = [
    { field: 'eth_src', value: pick(g, MACS) },
    { field: 'eth_dst', value: pick(g, MACS) },
  ];
  if (known.vlan === 'yes') options.push({ field: 'vlan_vid', value: OFPVID_PRESENT | pick(g, VIDS) }, { field: 'vlan_pcp', value: pick(g, PCPS) });
  if (known.ethType === 0x0800) {
    options.push({ field: 'ipv4_src', value: pick(g, IPS) }, { field: 'ipv4_dst', value: pick(g, IPS) }, { field: 'ip_dscp', value: pick(g, DSCPS) });
    if (known.ipProto === 6) options.push({ field: 'tcp_src', value: pick(g, TCP_PORTS) }, { field: 'tcp_dst', value: pick(g, TCP_PORTS) });
    if (known.ipProto === 17) options.push({ field: 'udp_src', value: pick(g, UDP_PORTS) }, { field: 'udp_dst', value: pick(g, UDP_PORTS) });
  }
  if (known.ethType === 0x0806) options.push({ field: 'arp_spa', value: pick(g, IPS) }, { field: 'arp_tha', value: pick(g, MACS) });
  const allowed = options.filter((o) => !exclude.has(o.field));
  if (allowed.length === 0) return undefined;
  return { type: 'set_field', field: pick(g, allowed) };
}

/** An output: one of the bridge's ports mostly, sometimes IN_PORT or the controller. */
function drawOutput(g: Gen, shape: PipelineShape): Action {
  const r = g(fc.integer, { min: 0, max: 99 });
  if (r < 12) return { type: 'output', port: OFPP.CONTROLLER, maxLen: 0xffff };
  if (r < 18) return { type: 'output', port: OFPP.IN_PORT };
  return { type: 'output', port: pick(g, shape.ports) };
}

/** An apply-actions list (1–5 actions), keeping `known` up to date as VLAN tags come and go. */
function drawApply(g: Gen, shape: PipelineShape, known: Known, groups: readonly PipelineGroup[]): Action[] {
  const out: Action[] = [];
  const n = g(fc.integer, { min: 1, max: 5 });
  for (let i = 0; i < n; i++) {
    const kind = pick(g, ['output', 'output', 'set_field', 'set_field', 'push_vlan', 'pop_vlan', 'dec_nw_ttl', 'group'] as const);
    if (kind === 'output') out.push(drawOutput(g, shape));
    else if (kind === 'set_field') {
      const a = drawSetField(g, known);
      if (a) out.push(a);
    } else if (kind === 'push_vlan' && known.vlan === 'no') {
      // A pushed tag copies VID and PCP from nothing (0): set a VID as a switch user would.
      out.push({ type: 'push_vlan', ethertype: 0x8100 }, { type: 'set_field', field: { field: 'vlan_vid', value: OFPVID_PRESENT | pick(g, VIDS) } });
      known.vlan = 'yes';
    } else if (kind === 'pop_vlan' && known.vlan === 'yes') {
      out.push({ type: 'pop_vlan' });
      known.vlan = 'no';
    } else if (kind === 'dec_nw_ttl' && known.ethType === 0x0800) out.push({ type: 'dec_nw_ttl' });
    else if (kind === 'group' && groups.length > 0) out.push({ type: 'group', groupId: pick(g, groups).groupId });
  }
  return out;
}

/** A write-actions set: at most one action of each type, listed in the action set's execution order (OpenFlow 1.3.5 §5.10). */
function drawWrite(g: Gen, shape: PipelineShape, known: Known, groups: readonly PipelineGroup[]): Action[] {
  const k: Known = { ...known };
  const out: Action[] = [];
  if (k.vlan === 'yes' && chance(g, 0.15)) {
    out.push({ type: 'pop_vlan' });
    k.vlan = 'no';
  } else if (k.vlan === 'no' && chance(g, 0.2)) {
    out.push({ type: 'push_vlan', ethertype: 0x8100 });
    k.vlan = 'yes';
  }
  if (k.ethType === 0x0800 && chance(g, 0.25)) out.push({ type: 'dec_nw_ttl' });
  const fields = new Set<string>();
  if (out.some((a) => a.type === 'push_vlan')) {
    out.push({ type: 'set_field', field: { field: 'vlan_vid', value: OFPVID_PRESENT | pick(g, VIDS) } });
    fields.add('vlan_vid');
  }
  const nSet = g(fc.integer, { min: 0, max: 2 });
  for (let i = 0; i < nSet; i++) {
    const a = drawSetField(g, k, fields);
    if (a?.type === 'set_field') {
      out.push(a);
      fields.add(a.field.field);
    }
  }
  const end = pick(g, ['output', 'output', 'group', 'none'] as const);
  if (end === 'group' && groups.length > 0) out.push({ type: 'group', groupId: pick(g, groups).groupId });
  else if (end !== 'none') out.push(drawOutput(g, shape));
  return out;
}

/** Groups 1..n: all (2–3 buckets), indirect (1 bucket), fast-failover (2–3 buckets watching ports); buckets rewrite MACs, output, or chain to an earlier group. */
function drawGroups(g: Gen, shape: PipelineShape): PipelineGroup[] {
  const n = g(fc.integer, { min: 0, max: shape.maxGroups ?? 4 });
  const groups: PipelineGroup[] = [];
  for (let id = 1; id <= n; id++) {
    const groupType = pick(g, [OFPGT.ALL, OFPGT.INDIRECT, OFPGT.FF]);
    const nb = groupType === OFPGT.INDIRECT ? 1 : g(fc.integer, { min: 2, max: 3 });
    const buckets: Bucket[] = [];
    for (let b = 0; b < nb; b++) {
      const actions: Action[] = [];
      if (chance(g, 0.4)) actions.push({ type: 'set_field', field: { field: pick(g, ['eth_src', 'eth_dst'] as const), value: pick(g, MACS) } });
      if (groups.length > 0 && chance(g, 0.2)) actions.push({ type: 'group', groupId: pick(g, groups).groupId });
      else actions.push(drawOutput(g, shape));
      const watchPort = groupType === OFPGT.FF ? pick(g, shape.ports) : OFPP.ANY;
      buckets.push({ weight: 0, watchPort, watchGroup: 0xffffffff, actions });
    }
    groups.push({ groupId: id, groupType, buckets });
  }
  return groups;
}

/** One flow's instructions in the spec's execution order (apply, clear, write, write_metadata, goto). */
function drawInstructions(g: Gen, shape: PipelineShape, tableId: number, known: Known, groups: readonly PipelineGroup[]): Instruction[] {
  const ins: Instruction[] = [];
  const k: Known = { ...known };
  if (chance(g, 0.6)) ins.push({ type: 'apply_actions', actions: drawApply(g, shape, k, groups) });
  if (chance(g, 0.1)) ins.push({ type: 'clear_actions' });
  if (chance(g, 0.35)) ins.push({ type: 'write_actions', actions: drawWrite(g, shape, k, groups) });
  const last = tableId === shape.tables - 1;
  if (!last && chance(g, 0.2)) ins.push({ type: 'write_metadata', metadata: pick(g, METADATA), metadataMask: pick(g, METADATA_MASKS) });
  if (!last && chance(g, 0.6)) ins.push({ type: 'goto_table', tableId: g(fc.integer, { min: tableId + 1, max: shape.tables - 1 }) });
  return ins;
}

/** A random pipeline for a bridge of this shape (table-miss flows sometimes, distinct priorities per table). */
export function pipelineArb(shape: PipelineShape): fc.Arbitrary<Pipeline> {
  if (shape.tables < 2) throw new RangeError('pipelineArb: at least 2 tables');
  return fc.gen().map((g) => {
    const groups = drawGroups(g, shape);
    const flows: PipelineFlow[] = [];
    for (let t = 0; t < shape.tables; t++) {
      const n = g(fc.integer, { min: t === 0 ? 2 : 1, max: shape.maxFlowsPerTable ?? 8 });
      // Distinct priorities: two overlapping flows of equal priority are undefined behaviour (§5.3).
      const priorities: number[] = g(() => fc.uniqueArray(fc.integer({ min: 1, max: 500 }), { minLength: n, maxLength: n }));
      for (const priority of priorities) {
        const { match, known } = drawMatch(g, shape, t);
        flows.push({ tableId: t, priority, match, instructions: drawInstructions(g, shape, t, known, groups) });
      }
      // Table-miss flows mostly after table 0: a miss with no such flow is where OVS departs from the spec (see trace-ovs.test.ts).
      if (chance(g, t === 0 ? 0.3 : 0.75)) flows.push({ tableId: t, priority: 0, match: [], instructions: drawInstructions(g, shape, t, {}, groups) });
    }
    return { tables: shape.tables, groups, flows };
  });
}

/** A random packet entering at one of `ports`: IPv4 TCP/UDP/ICMP, ARP or another EtherType, tagged or not. */
export function packetArb(ports: readonly number[]): fc.Arbitrary<PipelinePacket> {
  return fc.gen().map((g) => {
    const fields: Record<string, number | string> = { eth_src: pick(g, MACS), eth_dst: pick(g, MACS) };
    const vlans = chance(g, 0.35) ? [{ vid: pick(g, VIDS), pcp: pick(g, PCPS) }] : [];
    let ttl: number | undefined;
    const kind = pick(g, ['tcp', 'udp', 'icmp', 'arp', 'other'] as const);
    if (kind === 'arp') {
      Object.assign(fields, { eth_type: 0x0806, arp_op: pick(g, ARP_OPS), arp_spa: pick(g, IPS), arp_tpa: pick(g, IPS), arp_sha: pick(g, MACS), arp_tha: pick(g, MACS) });
    } else if (kind === 'other') {
      fields.eth_type = OTHER_ETH_TYPE;
    } else {
      const proto = kind === 'tcp' ? 6 : kind === 'udp' ? 17 : 1;
      Object.assign(fields, { eth_type: 0x0800, ipv4_src: pick(g, IPS), ipv4_dst: pick(g, IPS), ip_proto: proto, ip_dscp: pick(g, DSCPS), ip_ecn: 0 });
      ttl = pick(g, TTLS);
      if (kind === 'icmp') Object.assign(fields, { icmpv4_type: pick(g, ICMP_TYPES), icmpv4_code: 0 });
      else {
        const pool = kind === 'tcp' ? TCP_PORTS : UDP_PORTS;
        Object.assign(fields, { [`${kind}_src`]: pick(g, pool), [`${kind}_dst`]: pick(g, pool) });
      }
    }
    return { inPort: pick(g, ports), packet: { fields, vlans, ...(ttl !== undefined ? { ttl } : {}) } };
  });
}
