/**
 * A model OpenFlow 1.3 switch pipeline for tests (after Faucet's fakeoftable): it applies the flow
 * and group mods we emit — add/modify/delete, strict or not, priorities, cookie masks, timeouts by
 * `now`; groups all/select/indirect/fast-failover — refusing what a switch would refuse, and answers
 * "where does this packet go?" through its tables (goto_table, apply/write/clear actions, set_field,
 * VLAN push/pop, TTL, groups). Matching is the oracle's (oxm-oracle.ts), not src/flows/compare.ts.
 * It can stand behind an EmulatedSwitch, applying the controller's FLOW_MODs and answering flow
 * stats in 1.3 or 1.0. test/fakes/fake-network.ts joins several by links.
 */
import { OFPG, OFPP, OFPTT } from '../../src/openflow/codec/constants.js';
import type { OfMessage } from '../../src/openflow/codec/index.js';
import type { Action } from '../../src/openflow/codec/v13/actions.js';
import { OFPFF, OFPGC, OFPGT, OFPR, OFPRR } from '../../src/openflow/codec/v13/enums.js';
import type { Instruction } from '../../src/openflow/codec/v13/instructions.js';
import type { Match } from '../../src/openflow/codec/v13/oxm.js';
import type { Bucket } from '../../src/openflow/codec/v13/structs.js';
import type { FlowEntry, FlowSpec, PacketOutSpec } from '../../src/core/model.js';
import { actionsFrom10, actionsTo10, match10ToOxm, oxmToMatch10, portFrom10 } from '../../src/openflow/translate.js';
import type { EmulatedSwitch } from './emulated-switch.js';
import { filterSelects, matchesOverlap, matchesPacket, matchProblem, sameMatch } from './oxm-oracle.js';
import { packetOf, rewrite, viewOf, type Packet, type PacketFields } from './fake-packet.js';

export type { PacketFields } from './fake-packet.js';

/** One flow in the model table. */
export interface FakeFlow {
  tableId: number;
  priority: number;
  cookie: bigint;
  idleTimeout: number;
  hardTimeout: number;
  flags: number;
  match: Match;
  instructions: readonly Instruction[];
  installedAt: number;
  lastUsedAt: number;
  packetCount: number;
}

/** Where a packet went (the ports as the actions named them). */
export interface Forwarding {
  /** Output ports in order (reserved ports such as OFPP_FLOOD kept as numbers). */
  readonly outputs: number[];
  /** True when an output went to OFPP_CONTROLLER. */
  readonly toController: boolean;
  /** The flows that matched, one per table visited. */
  readonly hits: FakeFlow[];
}

/** A FLOW_REMOVED the model would send. */
export interface RemovedNotice {
  readonly flow: FakeFlow;
  readonly reason: number;
}

/** A group in the model (ofp_group_desc). */
export interface FakeGroup {
  readonly groupId: number;
  /** OFPGT_*. */
  readonly groupType: number;
  readonly buckets: readonly Bucket[];
  packetCount: number;
}

/** A GROUP_MOD: the codec's message, or its fields with command and type by name. */
export interface GroupModSpec {
  readonly command: number | 'add' | 'modify' | 'delete';
  readonly groupType?: number | 'all' | 'select' | 'indirect' | 'ff';
  readonly groupId: number;
  readonly buckets?: readonly Bucket[];
}

/** A copy of a packet leaving the pipeline by an output action. */
export interface Emission {
  /** The port as the action named it (reserved ports kept). */
  readonly port: number;
  readonly packet: Packet;
  /** The table and flow whose instructions sent it (undefined for a packet-out). */
  readonly tableId?: number;
  readonly flow?: FakeFlow;
  /** OFPR_* for a packet sent to the controller: NO_MATCH from a table-miss flow, ACTION otherwise. */
  readonly reason: number;
  readonly maxLen?: number;
}

/** Why a packet (or one copy of it) ended in the pipeline. */
export type PipelineDrop =
  | { readonly reason: 'miss'; readonly tableId: number }
  | { readonly reason: 'no-actions'; readonly tableId: number }
  | { readonly reason: 'ttl'; readonly tableId?: number }
  | { readonly reason: 'group-dead'; readonly groupId: number };

/** What one switch's pipeline did with a packet. */
export interface PipelineResult {
  readonly emissions: Emission[];
  readonly drops: PipelineDrop[];
  /** The flows that matched, in order. */
  readonly hits: FakeFlow[];
}

/** A request the switch refuses, with the error it would send (`OFPET_.../OFP...C_...`). */
export class FakeSwitchError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'FakeSwitchError';
  }
}

/** Options of {@link FakeFlowTable}. */
export interface FakeFlowTableOptions {
  /** Whether a port is live (fast-failover and select buckets watch it). Default: every port. */
  readonly portLive?: (port: number) => boolean;
  /** Picks a select group's bucket among the live ones (indexes into `live`). Default: a hash of the packet's addresses, by weight. */
  readonly selectBucket?: (live: readonly Bucket[], packet: Packet) => number;
  /** Refuse invalid flow and group mods with a FakeSwitchError (a bad match, a missing group, goto backwards). Default true. */
  readonly strict?: boolean;
}

const FLOW_CMD = { add: 0, modify: 1, modify_strict: 2, delete: 3, delete_strict: 4 } as const;
const GROUP_CMD = { add: OFPGC.ADD, modify: OFPGC.MODIFY, delete: OFPGC.DELETE } as const;
const GROUP_TYPE = { all: OFPGT.ALL, select: OFPGT.SELECT, indirect: OFPGT.INDIRECT, ff: OFPGT.FF } as const;
/** Group chains deeper than this are refused as loops (OFPGMFC_LOOP). */
const MAX_GROUP_DEPTH = 16;

/** Whether a packet matches a whole match (the oracle's semantics; `in_port` from the packet's fields). */
export function packetMatches(match: Match, pkt: PacketFields): boolean {
  return matchesPacket(match, viewOf(packetOf(pkt), Number(pkt.in_port ?? 0), typeof pkt.metadata === 'bigint' ? pkt.metadata : 0n));
}

function cookieSelects(flowCookie: bigint, cookie: bigint, mask: bigint): boolean {
  return (flowCookie & mask) === (cookie & mask);
}

/** The instructions a flow mod stands for: `actions` alone are one apply-actions instruction (ofp_flow_mod as Datapath sends it). */
function instructionsOf(spec: FlowSpec): readonly Instruction[] {
  if (spec.instructions) return spec.instructions;
  return spec.actions && spec.actions.length > 0 ? [{ type: 'apply_actions', actions: spec.actions }] : [];
}

function actionsIn(instructions: readonly Instruction[]): Action[] {
  const out: Action[] = [];
  for (const i of instructions) if (i.type === 'apply_actions' || i.type === 'write_actions') out.push(...i.actions);
  return out;
}

function outputsTo(instructions: readonly Instruction[], port: number): boolean {
  return actionsIn(instructions).some((a) => a.type === 'output' && a.port === port);
}

function groupsIn(actions: readonly Action[]): number[] {
  return actions.flatMap((a) => (a.type === 'group' ? [a.groupId] : []));
}

/** §5.10: the order an action set runs in (lower first); output last, and not at all when a group is set. */
function setOrder(a: Action): number {
  switch (a.type) {
    case 'copy_ttl_in': return 1;
    case 'pop_vlan': case 'pop_mpls': case 'pop_pbb': return 2;
    case 'push_mpls': return 3;
    case 'push_pbb': return 4;
    case 'push_vlan': return 5;
    case 'copy_ttl_out': return 6;
    case 'dec_mpls_ttl': case 'dec_nw_ttl': return 7;
    case 'set_field': case 'set_mpls_ttl': case 'set_nw_ttl': return 8;
    case 'set_queue': return 9;
    case 'group': return 10;
    case 'output': return 11;
    case 'experimenter': case 'unknown': return 8;
    default: {
      const never: never = a;
      throw new Error(`unknown action ${JSON.stringify(never)}`);
    }
  }
}

/** The key under which an action set holds one action per type (one set_field per field). */
function setKey(a: Action): string {
  return a.type === 'set_field' ? `set_field:${a.field.field === 'raw' ? `${a.field.oxmClass}/${a.field.oxmField}` : a.field.field}` : a.type;
}

/** §5.5: instructions run in this order whatever the order of the list. */
const INSTRUCTION_ORDER: Readonly<Record<Instruction['type'], number>> = {
  meter: 0, apply_actions: 1, clear_actions: 2, write_actions: 3, write_metadata: 4, goto_table: 5, experimenter: 6, unknown: 6,
};

function hashPacket(p: Packet): number {
  const f = p.fields;
  const key = [f.eth_src, f.eth_dst, f.ipv4_src, f.ipv4_dst, f.ipv6_src, f.ipv6_dst, f.ip_proto, f.tcp_src, f.tcp_dst, f.udp_src, f.udp_dst].map(String).join('|');
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function defaultSelect(live: readonly Bucket[], p: Packet): number {
  const total = live.reduce((t, b) => t + b.weight, 0);
  let x = hashPacket(p) % total;
  for (let i = 0; i < live.length; i++) {
    x -= live[i]!.weight;
    if (x < 0) return i;
  }
  return live.length - 1;
}

/** Mutable state of one packet through the pipeline. */
interface Walk {
  readonly inPort: number;
  readonly out: PipelineResult;
  tableId?: number;
  flow?: FakeFlow;
}

/** The model switch: its flow tables and groups. */
export class FakeFlowTable {
  flows: FakeFlow[] = [];
  /** Groups by id. */
  readonly groups = new Map<number, FakeGroup>();
  /** Every flow mod applied, in order (for "how many flow mods did the switch get"). */
  readonly applied: FlowSpec[] = [];
  /** Every group mod applied, in order. */
  readonly appliedGroups: GroupModSpec[] = [];
  private readonly opts: FakeFlowTableOptions;

  constructor(opts: FakeFlowTableOptions = {}) {
    this.opts = opts;
  }

  private get strict(): boolean {
    return this.opts.strict ?? true;
  }

  private portLive(port: number): boolean {
    return this.opts.portLive?.(port) ?? true;
  }

  /** Refuses what a switch would refuse: a bad match, goto_table backwards or past the last table, a group that does not exist. */
  private check(spec: FlowSpec, tableId: number, instructions: readonly Instruction[]): void {
    if (!this.strict) return;
    const bad = matchProblem(spec.match ?? []);
    if (bad) throw new FakeSwitchError(`OFPET_BAD_MATCH/OFPBMC_${bad.code}`, bad.text);
    const types = new Set<string>();
    for (const i of instructions) {
      if (types.has(i.type)) throw new FakeSwitchError('OFPET_BAD_INSTRUCTION/OFPBIC_DUP_INST', i.type);
      types.add(i.type);
      if (i.type === 'goto_table' && (i.tableId <= tableId || i.tableId >= OFPTT.ALL)) throw new FakeSwitchError('OFPET_BAD_INSTRUCTION/OFPBIC_BAD_TABLE_ID', `goto_table ${i.tableId} from table ${tableId}`);
    }
    for (const g of groupsIn(actionsIn(instructions))) {
      if (!this.groups.has(g)) throw new FakeSwitchError('OFPET_BAD_ACTION/OFPBAC_BAD_OUT_GROUP', `group ${g} does not exist`);
    }
  }

  /** Applies one flow mod in 1.3 terms at time `now` (ms); returns the flows it removed (with reason DELETE). Throws FakeSwitchError on what a switch refuses. */
  apply(spec: FlowSpec, now = 0): RemovedNotice[] {
    const cmd = FLOW_CMD[spec.command ?? 'add'];
    const match = spec.match ?? [];
    const priority = spec.priority ?? 0x8000;
    const cookie = spec.cookie ?? 0n;
    const mask = spec.cookieMask ?? 0n;
    const isDelete = cmd === FLOW_CMD.delete || cmd === FLOW_CMD.delete_strict;
    const tableId = spec.tableId ?? (isDelete ? OFPTT.ALL : 0);
    const inTable = (f: FakeFlow): boolean => tableId === OFPTT.ALL || f.tableId === tableId;
    const instructions = instructionsOf(spec);
    if (!isDelete) {
      if (tableId >= OFPTT.ALL && this.strict) throw new FakeSwitchError('OFPET_FLOW_MOD_FAILED/OFPFMFC_BAD_TABLE_ID', `table ${tableId}`);
      this.check(spec, tableId, instructions);
    }
    this.applied.push(spec);
    switch (cmd) {
      case FLOW_CMD.add: {
        const flags = spec.flags ?? 0;
        if (flags & OFPFF.CHECK_OVERLAP && this.flows.some((f) => f.tableId === tableId && f.priority === priority && !sameMatch(f.match, match) && matchesOverlap(f.match, match))) {
          throw new FakeSwitchError('OFPET_FLOW_MOD_FAILED/OFPFMFC_OVERLAP', 'an entry of the same priority overlaps');
        }
        const flow: FakeFlow = {
          tableId,
          priority,
          cookie,
          idleTimeout: spec.idleTimeout ?? 0,
          hardTimeout: spec.hardTimeout ?? 0,
          flags,
          match,
          instructions,
          installedAt: now,
          lastUsedAt: now,
          packetCount: 0,
        };
        // OpenFlow 1.3 §6.4: an identical (table, priority, match) entry is replaced.
        const i = this.flows.findIndex((f) => f.tableId === tableId && f.priority === priority && sameMatch(f.match, match));
        if (i >= 0) this.flows[i] = flow;
        else this.flows.push(flow);
        return [];
      }
      case FLOW_CMD.modify:
      case FLOW_CMD.modify_strict: {
        const strict = cmd === FLOW_CMD.modify_strict;
        for (const f of this.flows) {
          if (!inTable(f) || !cookieSelects(f.cookie, cookie, mask)) continue;
          if (strict ? f.priority === priority && sameMatch(f.match, match) : filterSelects(match, f.match)) {
            f.instructions = instructions;
            if ((spec.flags ?? 0) & OFPFF.RESET_COUNTS) f.packetCount = 0;
          }
        }
        return [];
      }
      case FLOW_CMD.delete:
      case FLOW_CMD.delete_strict: {
        const strict = cmd === FLOW_CMD.delete_strict;
        const outPort = spec.outPort ?? OFPP.ANY;
        const outGroup = spec.outGroup ?? OFPG.ANY;
        const removed: RemovedNotice[] = [];
        this.flows = this.flows.filter((f) => {
          const hit =
            inTable(f) &&
            cookieSelects(f.cookie, cookie, mask) &&
            (outPort === OFPP.ANY || outputsTo(f.instructions, outPort)) &&
            (outGroup === OFPG.ANY || groupsIn(actionsIn(f.instructions)).includes(outGroup)) &&
            (strict ? f.priority === priority && sameMatch(f.match, match) : filterSelects(match, f.match));
          if (hit && f.flags & OFPFF.SEND_FLOW_REM) removed.push({ flow: f, reason: OFPRR.DELETE });
          return !hit;
        });
        return removed;
      }
      default:
        throw new Error(`unknown flow mod command ${String(spec.command)}`);
    }
  }

  /**
   * Applies one group mod (§6.5): ADD of an existing id, MODIFY of a missing one, an indirect group
   * without exactly one bucket, a fast-failover bucket watching nothing, or a chain to a missing
   * group or back to itself are refused. DELETE (OFPG_ALL for every group) also removes the flows
   * that use the group; it returns them (reason GROUP_DELETE).
   */
  applyGroup(mod: GroupModSpec | (OfMessage & { type: 'group_mod' })): RemovedNotice[] {
    const command = typeof mod.command === 'number' ? mod.command : GROUP_CMD[mod.command];
    const groupType = mod.groupType === undefined ? OFPGT.ALL : typeof mod.groupType === 'number' ? mod.groupType : GROUP_TYPE[mod.groupType];
    const buckets = mod.buckets ?? [];
    this.appliedGroups.push(mod as GroupModSpec);
    if (command === OFPGC.DELETE) {
      const gone = mod.groupId === OFPG.ALL ? [...this.groups.keys()] : this.groups.has(mod.groupId) ? [mod.groupId] : [];
      for (const g of gone) this.groups.delete(g);
      const removed: RemovedNotice[] = [];
      this.flows = this.flows.filter((f) => {
        const hit = groupsIn(actionsIn(f.instructions)).some((g) => gone.includes(g));
        if (hit && f.flags & OFPFF.SEND_FLOW_REM) removed.push({ flow: f, reason: OFPRR.GROUP_DELETE });
        return !hit;
      });
      return removed;
    }
    const exists = this.groups.has(mod.groupId);
    if (command === OFPGC.ADD && exists) throw new FakeSwitchError('OFPET_GROUP_MOD_FAILED/OFPGMFC_GROUP_EXISTS', `group ${mod.groupId}`);
    if (command === OFPGC.MODIFY && !exists) throw new FakeSwitchError('OFPET_GROUP_MOD_FAILED/OFPGMFC_UNKNOWN_GROUP', `group ${mod.groupId}`);
    if (command !== OFPGC.ADD && command !== OFPGC.MODIFY) throw new FakeSwitchError('OFPET_GROUP_MOD_FAILED/OFPGMFC_BAD_COMMAND', String(command));
    if (mod.groupId > OFPG.MAX) throw new FakeSwitchError('OFPET_GROUP_MOD_FAILED/OFPGMFC_INVALID_GROUP', `group id ${mod.groupId} is reserved`);
    if (groupType === OFPGT.INDIRECT && buckets.length !== 1) throw new FakeSwitchError('OFPET_GROUP_MOD_FAILED/OFPGMFC_INVALID_GROUP', 'an indirect group has exactly one bucket');
    if (groupType === OFPGT.FF && buckets.some((b) => b.watchPort === OFPP.ANY && b.watchGroup === OFPG.ANY)) throw new FakeSwitchError('OFPET_GROUP_MOD_FAILED/OFPGMFC_BAD_WATCH', 'a fast-failover bucket watches nothing');
    if (groupType !== OFPGT.SELECT && buckets.some((b) => b.weight !== 0) && this.strict) throw new FakeSwitchError('OFPET_GROUP_MOD_FAILED/OFPGMFC_BAD_BUCKET', 'weight outside a select group');
    for (const b of buckets) {
      for (const g of [...groupsIn(b.actions), ...(b.watchGroup !== OFPG.ANY ? [b.watchGroup] : [])]) {
        if (g === mod.groupId) throw new FakeSwitchError('OFPET_GROUP_MOD_FAILED/OFPGMFC_LOOP', `group ${g} refers to itself`);
        if (!this.groups.has(g)) throw new FakeSwitchError('OFPET_BAD_ACTION/OFPBAC_BAD_OUT_GROUP', `group ${g} does not exist`);
      }
    }
    const prev = this.groups.get(mod.groupId);
    this.groups.set(mod.groupId, { groupId: mod.groupId, groupType, buckets, packetCount: prev?.packetCount ?? 0 });
    return [];
  }

  /** Removes flows whose idle or hard timeout has run out at `now`; returns them with the reason. */
  expire(now: number): RemovedNotice[] {
    const out: RemovedNotice[] = [];
    this.flows = this.flows.filter((f) => {
      if (f.hardTimeout > 0 && now - f.installedAt >= f.hardTimeout * 1000) {
        out.push({ flow: f, reason: OFPRR.HARD_TIMEOUT });
        return false;
      }
      if (f.idleTimeout > 0 && now - f.lastUsedAt >= f.idleTimeout * 1000) {
        out.push({ flow: f, reason: OFPRR.IDLE_TIMEOUT });
        return false;
      }
      return true;
    });
    return out;
  }

  /** The highest-priority flow of a table matching the packet (the first installed among equals). */
  lookup(tableId: number, pkt: PacketFields): FakeFlow | undefined {
    return this.find(tableId, packetOf(pkt), Number(pkt.in_port ?? 0), 0n);
  }

  private find(tableId: number, p: Packet, inPort: number, metadata: bigint): FakeFlow | undefined {
    const view = viewOf(p, inPort, metadata);
    let best: FakeFlow | undefined;
    for (const f of this.flows) {
      if (f.tableId !== tableId) continue;
      if (best && f.priority <= best.priority) continue;
      if (matchesPacket(f.match, view)) best = f;
    }
    return best;
  }

  /**
   * Where the packet goes, as the actions name the ports: the pipeline from table 0 (see
   * {@link process}). Marks the flows used at `now`.
   */
  forward(pkt: PacketFields, now = 0): Forwarding {
    const r = this.process(packetOf(pkt), Number(pkt.in_port ?? 0), now);
    const ports = r.emissions.map((e) => e.port);
    return { outputs: ports.filter((p) => p !== OFPP.CONTROLLER), toController: ports.includes(OFPP.CONTROLLER), hits: r.hits };
  }

  /**
   * The OpenFlow 1.3 pipeline (§5): from table 0, the best match of each table; its instructions
   * in spec order (apply-actions now, clear/write the action set, write metadata, goto_table);
   * a table without a match drops the packet (1.3 has no implicit table-miss); at the end the
   * action set runs in §5.10 order. Every output is an emission with the packet as it was then.
   */
  process(packet: Packet, inPort: number, now = 0): PipelineResult {
    const out: PipelineResult = { emissions: [], drops: [], hits: [] };
    const walk: Walk = { inPort, out };
    let p: Packet | undefined = packet;
    let metadata = 0n;
    let set = new Map<string, Action>();
    let table = 0;
    for (;;) {
      const f = this.find(table, p, inPort, metadata);
      if (!f) {
        out.drops.push({ reason: 'miss', tableId: table });
        return out;
      }
      out.hits.push(f);
      f.lastUsedAt = now;
      f.packetCount++;
      walk.tableId = table;
      walk.flow = f;
      let next: number | undefined;
      const ordered = [...f.instructions].sort((a, b) => INSTRUCTION_ORDER[a.type] - INSTRUCTION_ORDER[b.type]);
      for (const i of ordered) {
        switch (i.type) {
          case 'apply_actions':
            p = this.runActions(p, i.actions, walk, 0);
            if (!p) return out;
            break;
          case 'clear_actions':
            set = new Map();
            break;
          case 'write_actions':
            for (const a of i.actions) set.set(setKey(a), a);
            break;
          case 'write_metadata':
            metadata = (metadata & ~i.metadataMask) | (i.metadata & i.metadataMask);
            break;
          case 'goto_table':
            next = i.tableId;
            break;
          case 'meter':
            break;
          case 'experimenter':
          case 'unknown':
            throw new Error(`fake switch: instruction ${i.type} is not modelled`);
          default: {
            const never: never = i;
            throw new Error(`unknown instruction ${JSON.stringify(never)}`);
          }
        }
      }
      if (next === undefined) break;
      table = next;
    }
    const actions = [...set.values()].sort((a, b) => setOrder(a) - setOrder(b));
    const final = actions.some((a) => a.type === 'group') ? actions.filter((a) => a.type !== 'output') : actions;
    if (final.length === 0 && out.emissions.length === 0 && out.drops.length === 0) out.drops.push({ reason: 'no-actions', tableId: table });
    this.runActions(p, final, walk, 0);
    return out;
  }

  /**
   * Runs an action list as a packet-out does (§7.3.7): outputs may name OFPP_TABLE, which
   * submits the packet to the pipeline from table 0 with `inPort`.
   */
  packetOut(packet: Packet, inPort: number, actions: readonly Action[], now = 0): PipelineResult {
    const out: PipelineResult = { emissions: [], drops: [], hits: [] };
    const walk: Walk = { inPort, out };
    let p: Packet | undefined = packet;
    for (const a of actions) {
      if (!p) break;
      if (a.type === 'output' && a.port === OFPP.TABLE) {
        const r = this.process(p, inPort, now);
        out.emissions.push(...r.emissions);
        out.drops.push(...r.drops);
        out.hits.push(...r.hits);
        continue;
      }
      p = this.runActions(p, [a], walk, 0);
    }
    return out;
  }

  /** Applies actions in order; returns the packet after them, or undefined when it is gone (TTL). */
  private runActions(packet: Packet, actions: readonly Action[], walk: Walk, depth: number): Packet | undefined {
    let p = packet;
    for (const a of actions) {
      if (a.type === 'output') {
        const isMiss = walk.flow !== undefined && walk.flow.priority === 0 && walk.flow.match.length === 0;
        walk.out.emissions.push({
          port: a.port,
          packet: p,
          ...(walk.tableId !== undefined ? { tableId: walk.tableId } : {}),
          ...(walk.flow ? { flow: walk.flow } : {}),
          reason: isMiss ? OFPR.NO_MATCH : OFPR.ACTION,
          ...(a.maxLen !== undefined ? { maxLen: a.maxLen } : {}),
        });
        continue;
      }
      if (a.type === 'group') {
        this.runGroup(a.groupId, p, walk, depth + 1);
        continue;
      }
      const r = rewrite(p, a);
      if ('dropped' in r) {
        walk.out.drops.push({ reason: 'ttl', ...(walk.tableId !== undefined ? { tableId: walk.tableId } : {}) });
        return undefined;
      }
      p = r.packet;
    }
    return p;
  }

  private bucketLive(b: Bucket, depth: number): boolean {
    if (depth > MAX_GROUP_DEPTH) return false;
    const portOk = b.watchPort === OFPP.ANY || this.portLive(b.watchPort);
    const groupOk = b.watchGroup === OFPG.ANY || this.groupLive(b.watchGroup, depth + 1);
    return portOk && groupOk;
  }

  /** A group is live when it has a live bucket (fast-failover and select liveness, §6.5). */
  groupLive(groupId: number, depth = 0): boolean {
    const g = this.groups.get(groupId);
    return g !== undefined && g.buckets.some((b) => this.bucketLive(b, depth));
  }

  /** §5.6.1: all runs every bucket on a copy, select one live bucket, indirect its one bucket, fast-failover the first live bucket. */
  private runGroup(groupId: number, p: Packet, walk: Walk, depth: number): void {
    const g = this.groups.get(groupId);
    if (!g) throw new Error(`fake switch: group ${groupId} vanished`);
    if (depth > MAX_GROUP_DEPTH) throw new Error(`fake switch: group chain deeper than ${MAX_GROUP_DEPTH}`);
    g.packetCount++;
    let chosen: readonly Bucket[];
    switch (g.groupType) {
      case OFPGT.ALL:
        chosen = g.buckets;
        break;
      case OFPGT.INDIRECT:
        chosen = g.buckets.slice(0, 1);
        break;
      case OFPGT.SELECT: {
        const live = g.buckets.filter((b) => b.weight > 0 && this.bucketLive(b, depth));
        chosen = live.length === 0 ? [] : [live[(this.opts.selectBucket ?? defaultSelect)(live, p)]!];
        break;
      }
      case OFPGT.FF: {
        const first = g.buckets.find((b) => this.bucketLive(b, depth));
        chosen = first ? [first] : [];
        break;
      }
      default:
        throw new Error(`fake switch: group type ${g.groupType}`);
    }
    if (chosen.length === 0) walk.out.drops.push({ reason: 'group-dead', groupId });
    // Each bucket works on its own copy (§5.6.1): packets are immutable, so the same one.
    for (const b of chosen) this.runActions(p, b.actions, walk, depth);
  }

  /** The flows as a switch reports them in flow stats (1.3 terms). */
  entries(now = 0): FlowEntry[] {
    return this.flows.map((f) => ({
      tableId: f.tableId,
      priority: f.priority,
      cookie: f.cookie,
      idleTimeout: f.idleTimeout,
      hardTimeout: f.hardTimeout,
      flags: f.flags,
      durationSec: Math.floor((now - f.installedAt) / 1000),
      packetCount: BigInt(f.packetCount),
      byteCount: 0n,
      match: f.match,
      instructions: f.instructions,
    }));
  }
}

/** The output ports of a packet-out's actions. */
export function packetOutPorts(spec: PacketOutSpec): number[] {
  const out: number[] = [];
  for (const a of spec.actions) if (a.type === 'output') out.push(a.port);
  return out;
}

/** A FLOW_MOD message (either version) in 1.3 FlowSpec terms. */
export function flowModToSpec(m: OfMessage & { type: 'flow_mod' }): FlowSpec {
  const commands = ['add', 'modify', 'modify_strict', 'delete', 'delete_strict'] as const;
  const command = commands[m.command];
  if (!command) throw new Error(`unknown flow mod command ${m.command}`);
  if (m.version === 1) {
    return {
      command,
      priority: m.priority,
      cookie: m.cookie,
      // 1.0 deletes cannot select on cookie: an all-zero mask selects every cookie.
      cookieMask: 0n,
      idleTimeout: m.idleTimeout,
      hardTimeout: m.hardTimeout,
      flags: m.flags,
      outPort: m.outPort === 0xffff ? OFPP.ANY : portFrom10(m.outPort),
      match: match10ToOxm(m.match),
      actions: actionsFrom10(m.actions),
      ...(command === 'add' || command === 'modify' || command === 'modify_strict' ? { tableId: 0 } : { tableId: OFPTT.ALL }),
    };
  }
  return {
    command,
    tableId: m.tableId,
    priority: m.priority,
    cookie: m.cookie,
    cookieMask: m.cookieMask,
    idleTimeout: m.idleTimeout,
    hardTimeout: m.hardTimeout,
    flags: m.flags,
    outPort: m.outPort,
    outGroup: m.outGroup,
    match: m.match,
    instructions: m.instructions,
  };
}

/** Options of {@link bindFlowTable}. */
export interface BindOptions {
  /** Clock for installs and expiry (ms). */
  readonly now?: () => number;
  /** Flows per flow stats reply part (multipart REPLY_MORE), default 200. */
  readonly statsChunk?: number;
}

/**
 * Puts a model table behind an EmulatedSwitch: every FLOW_MOD the controller sends (and the
 * switch does not reject through its `rejectFlowMod` option) is applied, and flow stats requests
 * are answered from the table in the session's version (in parts, as a real switch does).
 * Returns a function that unbinds. Sends FLOW_REMOVED for deletes of flows with SEND_FLOW_REM.
 */
export function bindFlowTable(sw: EmulatedSwitch, table: FakeFlowTable, opts: BindOptions = {}): () => void {
  const now = opts.now ?? (() => 0);
  const chunk = opts.statsChunk ?? 200;
  const on = (m: OfMessage): void => {
    if (m.type === 'flow_mod') {
      if (sw.opts.rejectFlowMod?.(m)) return;
      const removed = table.apply(flowModToSpec(m), now());
      for (const r of removed) sendFlowRemoved(sw, m.version, r, now());
      return;
    }
    if (m.type === 'multipart_request' && m.body.type === 'flow') {
      const body = m.body;
      const flows = table
        .entries(now())
        .filter((f) => (body.tableId === OFPTT.ALL || f.tableId === body.tableId) && cookieSelects(f.cookie, body.cookie, body.cookieMask) && filterSelects(body.match, f.match))
        .map((f) => ({ ...f, durationNsec: 0 }));
      for (let i = 0; i < flows.length || i === 0; i += chunk) {
        const more = i + chunk < flows.length;
        sw.send({ version: 4, type: 'multipart_reply', xid: m.xid, flags: more ? 1 : 0, body: { type: 'flow', flows: flows.slice(i, i + chunk) } });
      }
      return;
    }
    if (m.type === 'stats_request' && m.body.type === 'flow') {
      // The emulated switch answers 1.0 flow stats with an empty table after us; the session takes the first answer.
      const flows = table.entries(now()).map((f) => ({
        tableId: f.tableId,
        match: oxmToMatch10(f.match),
        durationSec: f.durationSec,
        durationNsec: 0,
        priority: f.priority,
        idleTimeout: f.idleTimeout,
        hardTimeout: f.hardTimeout,
        cookie: f.cookie,
        packetCount: f.packetCount,
        byteCount: f.byteCount,
        actions: actionsTo10(f.instructions.flatMap((i) => (i.type === 'apply_actions' ? i.actions : []))),
      }));
      for (let i = 0; i < flows.length || i === 0; i += chunk) {
        const more = i + chunk < flows.length;
        sw.send({ version: 1, type: 'stats_reply', xid: m.xid, flags: more ? 1 : 0, body: { type: 'flow', flows: flows.slice(i, i + chunk) } });
      }
    }
  };
  sw.on('message', on);
  return () => sw.off('message', on);
}

/** Sends the FLOW_REMOVED a switch would send for a removed flow. */
export function sendFlowRemoved(sw: EmulatedSwitch, version: number, r: RemovedNotice, now: number): void {
  const f = r.flow;
  if (version === 1) {
    sw.send({
      version: 1,
      type: 'flow_removed',
      xid: 0,
      match: oxmToMatch10(f.match),
      cookie: f.cookie,
      priority: f.priority,
      reason: r.reason,
      durationSec: Math.floor((now - f.installedAt) / 1000),
      durationNsec: 0,
      idleTimeout: f.idleTimeout,
      packetCount: BigInt(f.packetCount),
      byteCount: 0n,
    });
    return;
  }
  sw.send({
    version: 4,
    type: 'flow_removed',
    xid: 0,
    cookie: f.cookie,
    priority: f.priority,
    reason: r.reason,
    tableId: f.tableId,
    durationSec: Math.floor((now - f.installedAt) / 1000),
    durationNsec: 0,
    idleTimeout: f.idleTimeout,
    hardTimeout: f.hardTimeout,
    packetCount: BigInt(f.packetCount),
    byteCount: 0n,
    match: f.match,
  });
}
