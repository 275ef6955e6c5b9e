/**
 * One switch's OpenFlow pipeline as a pure function (OpenFlow 1.3.5 §5): table lookup by
 * priority, the instructions of the matching entry, the action set executed in the order of
 * §5.10, groups, and outputs to ports (reserved ones included). Given the switch's tables (a
 * live dump or the flow service's desired state) and a packet, it says which entries match and
 * where the packet leaves. It knows nothing of the network: src/trace/network.ts follows links.
 */
import { OFP_VERSION_1_0, OFPG, OFPP } from '../openflow/codec/constants.js';
import type { Action } from '../openflow/codec/v13/actions.js';
import { OFPGT, OFPPC, OFPPS } from '../openflow/codec/v13/enums.js';
import type { Instruction } from '../openflow/codec/v13/instructions.js';
import type { GroupDesc } from '../openflow/codec/v13/multipart.js';
import type { Match } from '../openflow/codec/v13/oxm.js';
import { OXM_FIELD_BY_NAME, type OxmBasicFieldName } from '../openflow/codec/v13/oxm-fields.js';
import type { FlowSpec } from '../core/model.js';
import { compileMatch, type CompiledMatch } from './match.js';
import { FlowTableIndex } from './table-index.js';
import { FIELD_OFFSET, packetFromFields, prereqText, writeWords, PacketState, type TracePacket } from './packet.js';

/** A flow entry as the trace needs it: the codec's flow-stats shape (FlowEntry) fits as it is. */
export interface TraceFlow {
  readonly tableId: number;
  readonly priority: number;
  readonly cookie: bigint;
  readonly match: Match;
  readonly instructions: readonly Instruction[];
  /** The owner (app) when the source knows it (the flow service's desired state does); else resolved from the cookie. */
  readonly owner?: string;
}

/** A port as the trace needs it: the codec's ofp_port (Port) fits as it is. */
export interface TracePort {
  readonly portNo: number;
  /** OFPPC_* bits (PORT_DOWN, NO_FWD...; for OpenFlow 1.0 also NO_FLOOD = 1 << 4). */
  readonly config: number;
  /** OFPPS_* bits (LINK_DOWN, LIVE...). */
  readonly state: number;
}

/** A group as the trace needs it: the codec's ofp_group_desc (GroupDesc). */
export type TraceGroup = GroupDesc;

/**
 * Everything the trace reads of one switch. `version` is the OpenFlow wire version (4 for 1.3,
 * 1 for 1.0: one table, no groups, a table miss goes to the controller). Flows are in 1.3 terms
 * for both versions, as the Datapath reads them. `ports` may be empty when unknown: then every
 * port number is taken to exist and be live, and FLOOD/ALL cannot be expanded.
 */
export interface SwitchTables {
  readonly version: number;
  readonly flows: readonly TraceFlow[];
  readonly groups: readonly TraceGroup[];
  readonly ports: readonly TracePort[];
}

/** A flow of the flow service's desired state (a FlowSpec, and its owner when known) in the trace's shape. */
export function traceFlowFromSpec(spec: FlowSpec, owner?: string): TraceFlow {
  return {
    ...(owner !== undefined ? { owner } : {}),
    tableId: spec.tableId ?? 0,
    priority: spec.priority ?? 0x8000,
    cookie: spec.cookie ?? 0n,
    match: spec.match ?? [],
    instructions: spec.instructions ?? (spec.actions ? [{ type: 'apply_actions', actions: spec.actions }] : []),
  };
}

/** An entry of a prepared table. */
export interface PreparedFlow {
  readonly flow: TraceFlow;
  readonly priority: number;
  readonly match: CompiledMatch;
}

/** A switch's tables indexed for lookups (tables sorted by priority, groups and ports by number). Build once, trace many packets. */
export interface PreparedSwitch {
  readonly prepared: true;
  readonly version: number;
  /** Per table id, its entries indexed for lookups (`entries`: by descending priority, ties in input order). */
  readonly tables: ReadonlyMap<number, FlowTableIndex<PreparedFlow>>;
  readonly groups: ReadonlyMap<number, TraceGroup>;
  readonly ports: ReadonlyMap<number, TracePort>;
}

/** Indexes a switch's tables for traceSwitch. */
export function prepareSwitch(s: SwitchTables): PreparedSwitch {
  const byTable = new Map<number, PreparedFlow[]>();
  for (const flow of s.flows) {
    if (s.version === OFP_VERSION_1_0 && flow.tableId !== 0) continue;
    let t = byTable.get(flow.tableId);
    if (!t) byTable.set(flow.tableId, (t = []));
    t.push({ flow, priority: flow.priority, match: compileMatch(flow.match) });
  }
  return {
    prepared: true,
    version: s.version,
    tables: new Map([...byTable].map(([id, entries]) => [id, new FlowTableIndex(entries)])),
    groups: new Map(s.version === OFP_VERSION_1_0 ? [] : s.groups.map((g) => [g.groupId, g])),
    ports: new Map(s.ports.map((p) => [p.portNo, p])),
  };
}

/** One table visited: the entry that matched, or null for a table miss. */
export interface TableVisit {
  readonly tableId: number;
  readonly flow: TraceFlow | null;
  /** Entries the trace could not evaluate in this table (a non-basic match field), which it took as not matching. */
  readonly skipped?: number;
}

/** Where an executed action came from: an apply-actions list, the action set, or a group bucket. */
export type ActionStage = 'apply_actions' | 'action_set' | 'group';

/** An action as executed, in execution order. */
export interface ExecutedAction {
  readonly action: Action;
  readonly stage: ActionStage;
  /** The table whose entry gave it (apply_actions / action_set). */
  readonly tableId?: number;
  /** For a group bucket's action: the group and bucket index. */
  readonly groupId?: number;
  readonly bucket?: number;
  /** Why the action had no effect or was not simulated, when so. */
  readonly note?: string;
}

/** A group bucket on the way to an output (outermost group first). */
export interface GroupHop {
  readonly groupId: number;
  readonly groupType: 'all' | 'select' | 'indirect' | 'fast_failover';
  readonly bucket: number;
}

/**
 * Where one copy of the packet went. `packet` is that copy as it left (rewrites applied).
 * `groups` lists the group buckets it went through; a `select` among them means the switch sends
 * the packet through one of the buckets, and this is one possibility ("one of").
 */
export type SwitchOutput =
  /** Out of a port (a standard port; `via` names the reserved port that picked it). */
  | { readonly kind: 'port'; readonly port: number; readonly via?: 'FLOOD' | 'ALL' | 'IN_PORT'; readonly packet: PacketState; readonly groups: readonly GroupHop[] }
  /** OFPP_LOCAL: to the switch's own network stack. */
  | { readonly kind: 'local'; readonly port: number; readonly packet: PacketState; readonly groups: readonly GroupHop[] }
  /** A packet-in: an output to OFPP_CONTROLLER, or a table miss on an OpenFlow 1.0 switch. */
  | { readonly kind: 'controller'; readonly reason: 'action' | 'table_miss'; readonly packet: PacketState; readonly groups: readonly GroupHop[] }
  /** What the trace cannot follow: OFPP_NORMAL (the switch's own L2 logic), TABLE in a flow. */
  | { readonly kind: 'unknown'; readonly port: number; readonly reason: string; readonly packet: PacketState; readonly groups: readonly GroupHop[] }
  /** The packet (or this copy of it) is dropped. */
  | { readonly kind: 'drop'; readonly reason: string; readonly packet: PacketState; readonly groups: readonly GroupHop[] };

/** The trace of one packet through one switch. */
export interface SwitchTrace {
  readonly inPort: number;
  /** The packet as it entered. */
  readonly packetIn: PacketState;
  /** The pipeline's packet when processing ended (after the action set): `packetAfter` compares it with packetIn. */
  readonly packetOut: PacketState;
  /** Tables visited in order. */
  readonly tables: readonly TableVisit[];
  /** Actions executed, in order (apply-actions as met, then the action set, group buckets where run). */
  readonly actions: readonly ExecutedAction[];
  /** Every copy's fate; never empty (a packet nothing outputs is one drop). */
  readonly outputs: readonly SwitchOutput[];
  /** What was noted but not simulated (meters, queues, experimenter actions...). */
  readonly notes: readonly string[];
}

/** How deep groups may chain before the trace calls it a loop (OpenFlow forbids cycles; switches refuse them). */
const MAX_GROUP_DEPTH = 16;
/** OpenFlow 1.0's OFPPC_NO_FLOOD (removed in 1.3). */
const OFPPC10_NO_FLOOD = 1 << 4;

const GROUP_TYPE_NAMES: Record<number, GroupHop['groupType']> = {
  [OFPGT.ALL]: 'all',
  [OFPGT.SELECT]: 'select',
  [OFPGT.INDIRECT]: 'indirect',
  [OFPGT.FF]: 'fast_failover',
};

/** Reserved port names by number (for reasons and the API's answer). */
export const RESERVED_PORT_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(OFPP).map(([k, v]) => [v, k]));

class Run {
  readonly actions: ExecutedAction[] = [];
  readonly outputs: SwitchOutput[] = [];
  readonly notes: string[] = [];
  /** Set when processing stops (TTL expired): the reason. */
  halted: string | undefined;

  constructor(
    readonly sw: PreparedSwitch,
    readonly inPort: number,
  ) {}

  note(s: string): void {
    if (!this.notes.includes(s)) this.notes.push(s);
  }

  /** Runs an action list in order on `p` (apply-actions, a group bucket). */
  runList(list: readonly Action[], p: PacketState, where: Omit<ExecutedAction, 'action' | 'note'>, groups: readonly GroupHop[], depth: number): void {
    for (const a of list) {
      if (this.halted !== undefined) return;
      this.runAction(a, p, where, groups, depth);
    }
  }

  runAction(a: Action, p: PacketState, where: Omit<ExecutedAction, 'action' | 'note'>, groups: readonly GroupHop[], depth: number): void {
    const note = this.apply(a, p, groups, depth);
    this.actions.push(note === undefined ? { action: a, ...where } : { action: a, ...where, note });
  }

  /** Executes one action; returns a note when it had no effect or is not simulated. */
  private apply(a: Action, p: PacketState, groups: readonly GroupHop[], depth: number): string | undefined {
    switch (a.type) {
      case 'output':
        this.output(a.port, p.clone(), groups);
        return undefined;
      case 'group':
        // The group works on its own copy: later actions of this list see the packet unchanged.
        this.group(a.groupId, p.clone(), groups, depth + 1);
        return undefined;
      case 'set_field': {
        const f = a.field;
        if (f.field === 'raw') return this.unsimulated('set_field of a non-basic field');
        const spec = OXM_FIELD_BY_NAME[f.field as OxmBasicFieldName];
        if (f.field === 'vlan_vid' || f.field === 'vlan_pcp') {
          const tag = p.vlans[0];
          if (!tag) return 'no VLAN tag: nothing to set';
          if (f.field === 'vlan_vid') tag.vid = (f.value as number) & 0xfff;
          else tag.pcp = (f.value as number) & 7;
          p.syncVlan();
          return undefined;
        }
        if (!p.prereqHolds(spec) || !p.present[spec.field]) return `the packet has no ${f.field} (needs ${prereqText(spec)})`;
        try {
          writeWords(p.words, FIELD_OFFSET[spec.field]!, spec, f.value, f.field);
        } catch (e) {
          return `not applied: ${(e as Error).message}`;
        }
        if (f.field === 'mpls_label' || f.field === 'mpls_tc') {
          const top = p.mpls[0];
          if (top) {
            if (f.field === 'mpls_label') top.label = f.value as number;
            else top.tc = f.value as number;
          }
          p.syncMpls();
        }
        return undefined;
      }
      case 'push_vlan': {
        const outer = p.vlans[0];
        // §7.2.6.x: a new tag copies VID and PCP from the existing outer tag, else they are 0.
        p.vlans.unshift({ tpid: a.ethertype, vid: outer?.vid ?? 0, pcp: outer?.pcp ?? 0 });
        p.syncVlan();
        return undefined;
      }
      case 'pop_vlan':
        if (p.vlans.length === 0) return 'no VLAN tag to pop';
        p.vlans.shift();
        p.syncVlan();
        return undefined;
      case 'push_mpls': {
        const outer = p.mpls[0];
        p.mpls.unshift({ label: outer?.label ?? 0, tc: outer?.tc ?? 0, ttl: outer?.ttl ?? p.nwTtl ?? 0 });
        p.setInt('eth_type', a.ethertype);
        p.syncMpls();
        return undefined;
      }
      case 'pop_mpls':
        if (p.mpls.length === 0) return 'no MPLS label to pop';
        p.mpls.shift();
        if (p.mpls.length === 0) p.setInt('eth_type', a.ethertype);
        p.syncMpls();
        return undefined;
      case 'dec_nw_ttl':
        if (p.nwTtl === undefined) return 'not an IP packet: no TTL';
        if (p.nwTtl <= 1) {
          this.halted = `TTL expired (dec_nw_ttl with TTL ${p.nwTtl})`;
          return 'TTL expired: the packet is dropped';
        }
        p.nwTtl -= 1;
        return undefined;
      case 'set_nw_ttl':
        if (p.nwTtl === undefined) return 'not an IP packet: no TTL';
        p.nwTtl = a.ttl;
        return undefined;
      case 'dec_mpls_ttl': {
        const top = p.mpls[0];
        if (!top) return 'no MPLS label: no TTL';
        if (top.ttl <= 1) {
          this.halted = `MPLS TTL expired (dec_mpls_ttl with TTL ${top.ttl})`;
          return 'TTL expired: the packet is dropped';
        }
        top.ttl -= 1;
        return undefined;
      }
      case 'set_mpls_ttl': {
        const top = p.mpls[0];
        if (!top) return 'no MPLS label: no TTL';
        top.ttl = a.ttl;
        return undefined;
      }
      case 'copy_ttl_out': {
        const top = p.mpls[0];
        if (top && p.nwTtl !== undefined && p.mpls.length === 1) top.ttl = p.nwTtl;
        else if (top && p.mpls[1]) top.ttl = p.mpls[1].ttl;
        return undefined;
      }
      case 'copy_ttl_in': {
        const top = p.mpls[0];
        if (top && p.mpls[1]) p.mpls[1].ttl = top.ttl;
        else if (top && p.nwTtl !== undefined) p.nwTtl = top.ttl;
        return undefined;
      }
      case 'set_queue':
        return this.unsimulated(`queue ${a.queueId} noted (queues are not simulated)`);
      case 'push_pbb':
      case 'pop_pbb':
        return this.unsimulated(`${a.type} is not simulated`);
      case 'experimenter':
        return this.unsimulated(`experimenter action 0x${a.experimenter.toString(16)} is not simulated`);
      case 'unknown':
        return this.unsimulated(`action type ${a.actionType} is not simulated`);
      default:
        return assertNever(a);
    }
  }

  private unsimulated(s: string): string {
    this.note(s);
    return s;
  }

  /** An output action to `port` of the packet copy `p`. */
  output(port: number, p: PacketState, groups: readonly GroupHop[]): void {
    const ports = this.sw.ports;
    switch (port) {
      case OFPP.IN_PORT:
        this.toPort(this.inPort, p, groups, 'IN_PORT');
        return;
      case OFPP.CONTROLLER:
        this.outputs.push({ kind: 'controller', reason: 'action', packet: p, groups });
        return;
      case OFPP.NORMAL:
        this.outputs.push({ kind: 'unknown', port, reason: 'unknown: NORMAL', packet: p, groups });
        return;
      case OFPP.TABLE:
        this.outputs.push({ kind: 'unknown', port, reason: 'unknown: TABLE (valid only in a packet-out)', packet: p, groups });
        return;
      case OFPP.FLOOD:
      case OFPP.ALL: {
        const via = port === OFPP.FLOOD ? 'FLOOD' : 'ALL';
        if (ports.size === 0) {
          this.outputs.push({ kind: 'unknown', port, reason: `unknown: ${via} (the switch's ports are not known)`, packet: p, groups });
          return;
        }
        const noFlood = OFPPC.NO_FWD | (this.sw.version === OFP_VERSION_1_0 ? OFPPC10_NO_FLOOD : 0);
        let any = false;
        for (const pt of [...ports.values()].sort((a, b) => a.portNo - b.portNo)) {
          if (pt.portNo === this.inPort) continue;
          if (pt.portNo > OFPP.MAX && pt.portNo !== OFPP.LOCAL) continue;
          if (via === 'FLOOD' && (pt.config & noFlood) !== 0) continue;
          any = true;
          this.toPort(pt.portNo, p.clone(), groups, via);
        }
        if (!any) this.outputs.push({ kind: 'drop', reason: `${via}: no port other than the in port`, packet: p, groups });
        return;
      }
      default:
        this.toPort(port, p, groups);
    }
  }

  private toPort(port: number, p: PacketState, groups: readonly GroupHop[], via?: 'FLOOD' | 'ALL' | 'IN_PORT'): void {
    const pt = this.sw.ports.get(port);
    const drop = (reason: string): void => {
      this.outputs.push({ kind: 'drop', reason, packet: p, groups });
    };
    if (port === this.inPort && via === undefined) return drop(`output to the in port ${port} is dropped (OpenFlow needs OFPP_IN_PORT for that)`);
    if (port === OFPP.LOCAL) {
      if (this.sw.ports.size > 0 && !pt) return drop('the switch has no LOCAL port');
      this.outputs.push({ kind: 'local', port, packet: p, groups });
      return;
    }
    if (port > OFPP.MAX) return drop(`output to reserved port ${RESERVED_PORT_NAMES.get(port) ?? port} is not valid here`);
    if (this.sw.ports.size > 0 && !pt) return drop(`port ${port} does not exist`);
    if (pt && (pt.config & OFPPC.NO_FWD) !== 0) return drop(`port ${port} is configured NO_FWD`);
    this.outputs.push(via === undefined ? { kind: 'port', port, packet: p, groups } : { kind: 'port', port, via, packet: p, groups });
  }

  /** True when a port is live for fast-failover: it exists, is not administratively down and its link is up. */
  portLive(port: number): boolean {
    if (port === OFPP.ANY) return true;
    if (this.sw.ports.size === 0) return true;
    const pt = this.sw.ports.get(port);
    return pt !== undefined && (pt.config & OFPPC.PORT_DOWN) === 0 && (pt.state & OFPPS.LINK_DOWN) === 0;
  }

  /** True when a group is live: some bucket of it is live (OpenFlow 1.3.5 §6.5). */
  groupLive(groupId: number, depth: number): boolean {
    if (groupId === OFPG.ANY) return true;
    const g = this.sw.groups.get(groupId);
    if (!g || depth > MAX_GROUP_DEPTH) return false;
    return g.buckets.some((b) => this.bucketLive(b, depth + 1));
  }

  bucketLive(b: TraceGroup['buckets'][number], depth: number): boolean {
    return this.portLive(b.watchPort) && this.groupLive(b.watchGroup, depth);
  }

  /** A group action on the packet copy `p`. */
  group(groupId: number, p: PacketState, groups: readonly GroupHop[], depth: number): void {
    const g = this.sw.groups.get(groupId);
    if (!g) {
      this.outputs.push({ kind: 'drop', reason: `group ${groupId} does not exist`, packet: p, groups });
      return;
    }
    if (depth > MAX_GROUP_DEPTH) {
      this.outputs.push({ kind: 'drop', reason: `groups chained deeper than ${MAX_GROUP_DEPTH} at group ${groupId}`, packet: p, groups });
      return;
    }
    const groupType = GROUP_TYPE_NAMES[g.groupType];
    if (groupType === undefined) {
      this.outputs.push({ kind: 'unknown', port: OFPP.ANY, reason: `unknown: group ${groupId} of type ${g.groupType}`, packet: p, groups });
      return;
    }
    const runBucket = (i: number, copy: PacketState): void => {
      const b = g.buckets[i]!;
      // Open vSwitch runs a bucket's actions as a list, in order, as the trace does.
      this.runList(b.actions, copy, { stage: 'group', groupId, bucket: i }, [...groups, { groupId, groupType, bucket: i }], depth);
    };
    if (g.buckets.length === 0) {
      this.outputs.push({ kind: 'drop', reason: `group ${groupId} has no bucket`, packet: p, groups });
      return;
    }
    switch (groupType) {
      case 'all':
      case 'select':
        if (groupType === 'select') this.note(`select group ${groupId}: the switch sends each packet through one of its ${g.buckets.length} buckets; every bucket is traced`);
        for (let i = 0; i < g.buckets.length && this.halted === undefined; i++) runBucket(i, i === g.buckets.length - 1 ? p : p.clone());
        return;
      case 'indirect':
        runBucket(0, p);
        return;
      case 'fast_failover': {
        const live = g.buckets.findIndex((b) => this.bucketLive(b, depth + 1));
        if (live < 0) {
          this.outputs.push({ kind: 'drop', reason: `fast-failover group ${groupId} has no live bucket`, packet: p, groups });
          return;
        }
        runBucket(live, p);
        return;
      }
      default:
        return assertNever(groupType);
    }
  }
}

function assertNever(x: never): never {
  throw new Error(`unexpected ${JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`);
}

/**
 * The action set's slots in the execution order of OpenFlow 1.3.5 §5.10: copy TTL inwards, pops,
 * push-MPLS, push-PBB, push-VLAN, copy TTL outwards, decrement TTL, set (set_field, set TTL),
 * qos, group, output. An output is executed only when there is no group action.
 */
const ACTION_SET_ORDER: readonly Action['type'][] = [
  'copy_ttl_in',
  'pop_vlan',
  'pop_pbb',
  'pop_mpls',
  'push_mpls',
  'push_pbb',
  'push_vlan',
  'copy_ttl_out',
  'dec_mpls_ttl',
  'dec_nw_ttl',
  'set_mpls_ttl',
  'set_nw_ttl',
  'set_field',
  'set_queue',
  'experimenter',
  'unknown',
  'group',
  'output',
];
const SLOT_RANK = new Map(ACTION_SET_ORDER.map((t, i) => [t, i]));

/** The slot key of an action in the action set: one action per type, set_field one per field (§5.10). */
function slotKey(a: Action): string {
  if (a.type === 'set_field') return a.field.field === 'raw' ? `set_field:raw:${a.field.oxmClass}:${a.field.oxmField}` : `set_field:${a.field.field}`;
  if (a.type === 'experimenter') return `experimenter:${a.experimenter}`;
  if (a.type === 'unknown') return `unknown:${a.actionType}`;
  return a.type;
}

/** Instructions run in this order whatever their order in the entry (§5.9). */
const INSTRUCTION_ORDER: Readonly<Record<Instruction['type'], number>> = {
  meter: 0,
  apply_actions: 1,
  clear_actions: 2,
  write_actions: 3,
  write_metadata: 4,
  goto_table: 5,
  experimenter: 6,
  unknown: 7,
};

/**
 * Traces one packet through one switch. `packet` is a PacketState (from packetFromFields or a
 * previous hop's output) or plain fields (validated here: throws TracePacketError). The packet
 * is not modified. Pure: the same tables and packet always give the same trace.
 */
export function traceSwitch(sw: SwitchTables | PreparedSwitch, inPort: number, packet: PacketState | TracePacket): SwitchTrace {
  const prepared = 'prepared' in sw ? sw : prepareSwitch(sw);
  const packetIn = packet instanceof PacketState ? withInPort(packet, inPort) : packetFromFields(packet, inPort);
  const p = packetIn.clone();
  const run = new Run(prepared, inPort);
  const tables: TableVisit[] = [];
  const actionSet = new Map<string, Action>();
  let tableId = 0;
  for (;;) {
    const { hit, skipped } = prepared.tables.get(tableId)?.lookup(p) ?? { hit: undefined, skipped: 0 };
    tables.push(skipped > 0 ? { tableId, flow: hit?.flow ?? null, skipped } : { tableId, flow: hit?.flow ?? null });
    if (skipped > 0) run.note(`table ${tableId}: ${skipped} entr${skipped === 1 ? 'y' : 'ies'} with match fields the trace cannot evaluate were taken as not matching`);
    if (!hit) {
      // Table miss without a table-miss entry: OpenFlow 1.3 drops, 1.0 sends to the controller.
      if (prepared.version === OFP_VERSION_1_0) run.outputs.push({ kind: 'controller', reason: 'table_miss', packet: p.clone(), groups: [] });
      else run.outputs.push({ kind: 'drop', reason: `table miss in table ${tableId}`, packet: p.clone(), groups: [] });
      break;
    }
    let next: number | undefined;
    const ins = [...hit.flow.instructions].sort((a, b) => INSTRUCTION_ORDER[a.type] - INSTRUCTION_ORDER[b.type]);
    for (const i of ins) {
      if (run.halted !== undefined) break;
      switch (i.type) {
        case 'meter':
          run.note(`meter ${i.meterId} (table ${tableId}) noted, not simulated`);
          break;
        case 'apply_actions':
          run.runList(i.actions, p, { stage: 'apply_actions', tableId }, [], 0);
          break;
        case 'clear_actions':
          actionSet.clear();
          break;
        case 'write_actions':
          for (const a of i.actions) {
            const k = slotKey(a);
            actionSet.delete(k); // a rewrite moves the action to the end of its slot
            actionSet.set(k, a);
          }
          break;
        case 'write_metadata': {
          const o = FIELD_OFFSET[OXM_FIELD_BY_NAME.metadata.field]!;
          const cur = (BigInt(p.words[o]!) << 32n) | BigInt(p.words[o + 1]!);
          const v = (cur & ~i.metadataMask) | (i.metadata & i.metadataMask);
          p.words[o] = Number((v >> 32n) & 0xffffffffn);
          p.words[o + 1] = Number(v & 0xffffffffn);
          break;
        }
        case 'goto_table':
          next = i.tableId;
          break;
        case 'experimenter':
          run.note(`experimenter instruction 0x${i.experimenter.toString(16)} (table ${tableId}) not simulated`);
          break;
        case 'unknown':
          run.note(`instruction type ${i.instructionType} (table ${tableId}) not simulated`);
          break;
        default:
          assertNever(i);
      }
    }
    if (run.halted !== undefined) break;
    if (next !== undefined) {
      if (prepared.version === OFP_VERSION_1_0 || next <= tableId) {
        run.outputs.push({ kind: 'drop', reason: `goto_table ${next} from table ${tableId} is not allowed (tables only go forward)`, packet: p.clone(), groups: [] });
        break;
      }
      tableId = next;
      continue;
    }
    executeActionSet(run, actionSet, p, tableId);
    break;
  }
  if (run.halted !== undefined) run.outputs.push({ kind: 'drop', reason: run.halted, packet: p.clone(), groups: [] });
  if (run.outputs.length === 0) run.outputs.push({ kind: 'drop', reason: 'no output action', packet: p.clone(), groups: [] });
  return { inPort, packetIn, packetOut: p, tables, actions: run.actions, outputs: run.outputs, notes: run.notes };
}

function executeActionSet(run: Run, set: ReadonlyMap<string, Action>, p: PacketState, tableId: number): void {
  const ordered = [...set.values()].map((a, i) => ({ a, i })).sort((x, y) => SLOT_RANK.get(x.a.type)! - SLOT_RANK.get(y.a.type)! || x.i - y.i);
  const hasGroup = set.has('group');
  for (const { a } of ordered) {
    if (run.halted !== undefined) return;
    if (a.type === 'output' && hasGroup) {
      run.actions.push({ action: a, stage: 'action_set', tableId, note: 'not executed: the action set has a group action, which takes precedence' });
      continue;
    }
    run.runAction(a, p, { stage: 'action_set', tableId }, [], 0);
  }
}

/** `p` with its ingress fields set to `inPort` (a copy when they differ). */
function withInPort(p: PacketState, inPort: number): PacketState {
  // Metadata does not cross switches: a new pipeline starts with 0.
  const o = FIELD_OFFSET[OXM_FIELD_BY_NAME.metadata.field]!;
  if (p.int('in_port') === inPort && p.words[o] === 0 && p.words[o + 1] === 0) return p;
  const q = p.clone();
  q.setInt('in_port', inPort);
  q.setInt('in_phy_port', inPort);
  q.words[o] = 0;
  q.words[o + 1] = 0;
  return q;
}
