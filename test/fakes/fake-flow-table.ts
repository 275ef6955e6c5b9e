/**
 * A model OpenFlow 1.3 flow table for tests (after Faucet's fakeoftable): it applies the flow
 * mods we emit — add/modify/delete, strict or not, priorities, cookie masks, timeouts by `now` —
 * and answers "where does this packet go?". It can stand behind an EmulatedSwitch, applying
 * the controller's FLOW_MODs and answering flow stats in 1.3 or 1.0.
 */
import { OFPP, OFPTT } from '../../src/openflow/codec/constants.js';
import type { OfMessage } from '../../src/openflow/codec/index.js';
import type { Action } from '../../src/openflow/codec/v13/actions.js';
import { OFPFF, OFPRR } from '../../src/openflow/codec/v13/enums.js';
import type { Instruction } from '../../src/openflow/codec/v13/instructions.js';
import { matchEquals, oxmEquals, type Match, type OxmField } from '../../src/openflow/codec/v13/oxm.js';
import type { FlowEntry, FlowSpec, PacketOutSpec } from '../../src/openflow/datapath.js';
import { actionsFrom10, actionsTo10, match10ToOxm, oxmToMatch10, portFrom10 } from '../../src/openflow/translate.js';
import type { EmulatedSwitch } from '../../src/loadgen/emulated-switch.js';
import { specInstructions, matchCovers } from '../../src/flows/compare.js';

/** A packet's header fields by OXM field name (`in_port`, `eth_dst`, `eth_type`, ...). */
export type PacketFields = Readonly<Partial<Record<Exclude<OxmField['field'], 'raw'>, number | bigint | string>>>;

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

/** Where a packet went. */
export interface Forwarding {
  /** Output ports in order (reserved ports such as OFPP_FLOOD kept as numbers). */
  readonly outputs: number[];
  /** True when an output went to OFPP_CONTROLLER (or the packet missed and the table-miss sends it there). */
  readonly toController: boolean;
  /** The flows that matched, one per table visited. */
  readonly hits: FakeFlow[];
}

/** A FLOW_REMOVED the model would send. */
export interface RemovedNotice {
  readonly flow: FakeFlow;
  readonly reason: number;
}

const FLOW_CMD = { add: 0, modify: 1, modify_strict: 2, delete: 3, delete_strict: 4 } as const;

/** Whether a packet matches one field (masked fields compare under the flow's mask). */
function fieldMatches(f: OxmField, pkt: PacketFields): boolean {
  if (f.field === 'raw') return false;
  const v = pkt[f.field];
  if (v === undefined) return false;
  return oxmEquals(f, { field: f.field, value: v, ...(f.mask !== undefined ? { mask: f.mask } : {}) } as OxmField);
}

/** Whether a packet matches a whole match. */
export function packetMatches(match: Match, pkt: PacketFields): boolean {
  for (const f of match) if (!fieldMatches(f, pkt)) return false;
  return true;
}

function cookieSelects(flowCookie: bigint, cookie: bigint, mask: bigint): boolean {
  return (flowCookie & mask) === (cookie & mask);
}

function outputsTo(instructions: readonly Instruction[], port: number): boolean {
  for (const i of instructions) {
    if (i.type !== 'apply_actions' && i.type !== 'write_actions') continue;
    for (const a of i.actions) if (a.type === 'output' && a.port === port) return true;
  }
  return false;
}

/** The model table (all tables of one switch). */
export class FakeFlowTable {
  flows: FakeFlow[] = [];
  /** Every flow mod applied, in order (for "how many flow mods did the switch get"). */
  readonly applied: FlowSpec[] = [];

  /** Applies one flow mod in 1.3 terms at time `now` (ms); returns the flows it removed (with reason DELETE). */
  apply(spec: FlowSpec, now = 0): RemovedNotice[] {
    this.applied.push(spec);
    const cmd = FLOW_CMD[spec.command ?? 'add'];
    const match = spec.match ?? [];
    const priority = spec.priority ?? 0x8000;
    const cookie = spec.cookie ?? 0n;
    const mask = spec.cookieMask ?? 0n;
    const isDelete = cmd === FLOW_CMD.delete || cmd === FLOW_CMD.delete_strict;
    const tableId = spec.tableId ?? (isDelete ? OFPTT.ALL : 0);
    const inTable = (f: FakeFlow): boolean => tableId === OFPTT.ALL || f.tableId === tableId;
    switch (cmd) {
      case FLOW_CMD.add: {
        const flow: FakeFlow = {
          tableId,
          priority,
          cookie,
          idleTimeout: spec.idleTimeout ?? 0,
          hardTimeout: spec.hardTimeout ?? 0,
          flags: spec.flags ?? 0,
          match,
          instructions: specInstructions(spec),
          installedAt: now,
          lastUsedAt: now,
          packetCount: 0,
        };
        // OpenFlow 1.3 §6.4: an identical (table, priority, match) entry is replaced.
        const i = this.flows.findIndex((f) => f.tableId === tableId && f.priority === priority && matchEquals(f.match, match));
        if (i >= 0) this.flows[i] = flow;
        else this.flows.push(flow);
        return [];
      }
      case FLOW_CMD.modify:
      case FLOW_CMD.modify_strict: {
        const strict = cmd === FLOW_CMD.modify_strict;
        for (const f of this.flows) {
          if (!inTable(f) || !cookieSelects(f.cookie, cookie, mask)) continue;
          if (strict ? f.priority === priority && matchEquals(f.match, match) : matchCovers(match, f.match)) f.instructions = specInstructions(spec);
        }
        return [];
      }
      case FLOW_CMD.delete:
      case FLOW_CMD.delete_strict: {
        const strict = cmd === FLOW_CMD.delete_strict;
        const outPort = spec.outPort ?? OFPP.ANY;
        const removed: RemovedNotice[] = [];
        this.flows = this.flows.filter((f) => {
          const hit =
            inTable(f) &&
            cookieSelects(f.cookie, cookie, mask) &&
            (outPort === OFPP.ANY || outputsTo(f.instructions, outPort)) &&
            (strict ? f.priority === priority && matchEquals(f.match, match) : matchCovers(match, f.match));
          if (hit && f.flags & OFPFF.SEND_FLOW_REM) removed.push({ flow: f, reason: OFPRR.DELETE });
          return !hit;
        });
        return removed;
      }
      default:
        throw new Error(`unknown flow mod command ${String(spec.command)}`);
    }
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
    let best: FakeFlow | undefined;
    for (const f of this.flows) {
      if (f.tableId !== tableId) continue;
      if (best && f.priority <= best.priority) continue;
      if (packetMatches(f.match, pkt)) best = f;
    }
    return best;
  }

  /**
   * Where the packet goes: tables from 0 following goto_table, apply-actions in order, the
   * action set at the end. A miss drops it (1.3 has no implicit table-miss). Marks the flows used at `now`.
   */
  forward(pkt: PacketFields, now = 0): Forwarding {
    const outputs: number[] = [];
    const hits: FakeFlow[] = [];
    let toController = false;
    let actionSet: Action[] = [];
    let table = 0;
    for (let guard = 0; guard < 256; guard++) {
      const f = this.lookup(table, pkt);
      if (!f) break;
      hits.push(f);
      f.lastUsedAt = now;
      f.packetCount++;
      let next: number | undefined;
      for (const i of f.instructions) {
        if (i.type === 'apply_actions') {
          for (const a of i.actions) if (a.type === 'output') outputs.push(a.port);
        } else if (i.type === 'write_actions') actionSet = [...actionSet, ...i.actions];
        else if (i.type === 'clear_actions') actionSet = [];
        else if (i.type === 'goto_table') next = i.tableId;
      }
      if (next === undefined) break;
      table = next;
    }
    for (const a of actionSet) if (a.type === 'output') outputs.push(a.port);
    if (outputs.includes(OFPP.CONTROLLER)) toController = true;
    return { outputs: outputs.filter((p) => p !== OFPP.CONTROLLER), toController, hits };
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
        .filter((f) => (body.tableId === OFPTT.ALL || f.tableId === body.tableId) && cookieSelects(f.cookie, body.cookie, body.cookieMask) && matchCovers(body.match, f.match))
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
