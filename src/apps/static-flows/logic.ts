/**
 * Static flows, pure (Floodlight's static entry pusher): named operator flows on one switch each,
 * checked on entry, with a cookie derived from the name so each can be told apart on the switch.
 */
import { validateMatch, type Match, type OxmField } from '../../openflow/codec/v13/oxm.js';
import type { Action } from '../../openflow/codec/v13/actions.js';
import { validateInstructions, type Instruction } from '../../openflow/codec/v13/instructions.js';
import type { FlowRule } from '../../core/services.js';
import { dpidToHex, parseDpid } from '../../core/ids.js';
import { effects, type Effects, type FlowAt } from '../effects.js';
import { sameStored } from '../store.js';
import { any, defaultsOf, list, section, type ConfigOf, type Issue } from '../../core/config-schema.js';

/** A named flow as the operator gives it (OpenFlow 1.3 terms; 1.0 switches get it translated). */
export interface StaticFlow {
  /** Unique name: letters, digits, `-`, `_`, `.`. */
  readonly name: string;
  /** Datapath id, 16 hex digits. */
  readonly dpid: string;
  readonly tableId: number;
  readonly priority: number;
  readonly match: Match;
  /** Apply-actions; ignored when `instructions` is given. */
  readonly actions?: readonly Action[];
  readonly instructions?: readonly Instruction[];
  readonly idleTimeout: number;
  readonly hardTimeout: number;
  /** `config` for an entry the config declares (read-only through the API); absent for the API's own. */
  readonly source?: 'config';
}

/** A bad static flow, naming the field. */
export class StaticFlowError extends Error {
  override readonly name = 'StaticFlowError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** An entry that would install the same flow (switch, table, priority, match) as another entry. */
export class StaticFlowConflict extends Error {
  override readonly name = 'StaticFlowConflict';
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function int(v: unknown, min: number, max: number, field: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new StaticFlowError(field, `expected an integer in ${min}..${max}, got ${JSON.stringify(v)}`);
  return v;
}

/** Checks and normalises an entry from the API or the store; throws StaticFlowError. */
export function checkStaticFlow(x: unknown): StaticFlow {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new StaticFlowError('flow', 'expected an object');
  const o = x as Record<string, unknown>;
  if (typeof o.name !== 'string' || !NAME.test(o.name)) throw new StaticFlowError('name', `expected 1-64 letters, digits, ".", "_" or "-", got ${JSON.stringify(o.name)}`);
  if (typeof o.dpid !== 'string' || !/^(0x)?[0-9a-fA-F:]{1,23}$/.test(o.dpid)) throw new StaticFlowError('dpid', `expected a datapath id in hex, got ${JSON.stringify(o.dpid)}`);
  const dpid = BigInt(`0x${o.dpid.replace(/:/g, '').replace(/^0x/i, '')}`);
  if (dpid > 0xffff_ffff_ffff_ffffn) throw new StaticFlowError('dpid', 'more than 64 bits');
  const match = (o.match ?? []) as OxmField[];
  if (!Array.isArray(match) || !match.every((f) => typeof f === 'object' && f !== null && typeof (f as { field?: unknown }).field === 'string')) {
    throw new StaticFlowError('match', 'expected a list of OXM fields ({ field, value, mask? })');
  }
  try {
    validateMatch(match);
  } catch (e) {
    throw new StaticFlowError('match', (e as Error).message);
  }
  if (o.actions !== undefined && !Array.isArray(o.actions)) throw new StaticFlowError('actions', 'expected a list of actions');
  if (o.instructions !== undefined && !Array.isArray(o.instructions)) throw new StaticFlowError('instructions', 'expected a list of instructions');
  for (const [k, list] of [['actions', o.actions], ['instructions', o.instructions]] as const) {
    (list as unknown[] | undefined)?.forEach((a, i) => {
      if (typeof a !== 'object' || a === null || typeof (a as { type?: unknown }).type !== 'string') throw new StaticFlowError(`${k}[${i}]`, 'expected an object with a type');
    });
    // Encoding is the check: an entry the codec cannot write would be stored and fail at every reconnect.
    if (list !== undefined) {
      try {
        validateInstructions(list as Instruction[], k);
      } catch (e) {
        const field = (e as { field?: string }).field;
        throw new StaticFlowError(field ?? k, field ? (e as Error).message.slice(field.length + 2) : (e as Error).message);
      }
    }
  }
  return {
    name: o.name,
    dpid: dpidToHex(dpid),
    tableId: int(o.tableId, 0, 254, 'tableId', 0),
    priority: int(o.priority, 0, 65535, 'priority', 0x8000),
    match,
    ...(o.instructions !== undefined ? { instructions: o.instructions as Instruction[] } : { actions: (o.actions ?? []) as Action[] }),
    idleTimeout: int(o.idleTimeout, 0, 65535, 'idleTimeout', 0),
    hardTimeout: int(o.hardTimeout, 0, 65535, 'hardTimeout', 0),
  };
}

/** The low 48 bits of a static flow's cookie: FNV-1a of its name, so flows are told apart on the switch. */
export function nameCookie(name: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < name.length; i++) {
    h ^= BigInt(name.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffff_ffff_ffff_ffffn;
  }
  return h & 0xffff_ffff_ffffn;
}

/** The flow rule of an entry. */
export function staticRule(f: StaticFlow): FlowRule {
  return {
    tableId: f.tableId,
    priority: f.priority,
    match: f.match,
    ...(f.instructions ? { instructions: f.instructions } : { actions: f.actions ?? [] }),
    idleTimeout: f.idleTimeout,
    hardTimeout: f.hardTimeout,
    cookie: nameCookie(f.name),
  };
}

/** True when two entries name the same flow identity on the same switch (table, priority, match). */
export function sameIdentity(a: StaticFlow, b: StaticFlow): boolean {
  return a.dpid === b.dpid && a.tableId === b.tableId && a.priority === b.priority && JSON.stringify(a.match) === JSON.stringify(b.match);
}

/** An entry's flow on its switch. */
export function staticFlowAt(f: StaticFlow): FlowAt {
  return { dpid: parseDpid(f.dpid), rule: staticRule(f) };
}

/**
 * What makes the flows follow the stored entries: entries gone, and those whose switch, table,
 * priority or match moved, lose their old flow first; new and changed entries are declared.
 * Unchanged entries (this instance's own writes coming back) are left alone. `installed` lists
 * the entries declared.
 */
export function planFollow(current: ReadonlyMap<string, StaticFlow>, next: ReadonlyMap<string, StaticFlow>): { effects: Effects; installed: StaticFlow[] } {
  const fx = effects();
  const installed: StaticFlow[] = [];
  for (const [name, old] of current) {
    const f = next.get(name);
    if (f === undefined || !sameIdentity(old, f)) fx.remove.push(staticFlowAt(old));
  }
  for (const [name, f] of next) {
    const old = current.get(name);
    if (old !== undefined && sameStored(old, f)) continue;
    installed.push(f);
    fx.install.push(staticFlowAt(f));
  }
  return { effects: fx, installed };
}

/** A field path (`match`, `actions[0]`) as path parts. */
function fieldParts(field: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of field.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return out;
}

/**
 * Checks declared entries (`apps.settings.static-flows.flows`, the network config's `flows`):
 * names unique, no two with one identity; returns the first issue (path under the settings).
 */
export function checkDeclaredFlows(list: readonly unknown[]): Issue | undefined {
  const seen: StaticFlow[] = [];
  for (let i = 0; i < list.length; i++) {
    let f: StaticFlow;
    try {
      const { source: _source, ...rest } = (list[i] ?? {}) as Record<string, unknown>;
      f = checkStaticFlow(rest);
    } catch (e) {
      if (e instanceof StaticFlowError) return { path: ['flows', i, ...fieldParts(e.field)], message: e.message.slice(e.field.length + 2) };
      throw e;
    }
    const twin = seen.find((o) => o.name === f.name);
    if (twin) return { path: ['flows', i, 'name'], message: `${JSON.stringify(f.name)} is used twice` };
    const same = seen.find((o) => sameIdentity(o, f));
    if (same) return { path: ['flows', i, 'match'], message: `same switch, table, priority and match as "${same.name}"` };
    seen.push(f);
  }
  return undefined;
}

/** Settings schema of `apps.settings.static-flows`. */
export const staticFlowsSchema = section(
  {
    flows: list(any(), {
      default: [],
      doc: 'Declared entries `{name, dpid, tableId?, priority?, match, actions | instructions, idleTimeout?, hardTimeout?}` (the network config\'s `flows`, docs/config-as-code.md): listed with `source: "config"`, read-only through the API.',
    }),
  },
  { doc: 'Named operator flows (kept in the store, changed through the API; declared ones from the config).', validate: (c) => checkDeclaredFlows(c.flows) },
);

/** Settings of the static-flows app. */
export type StaticFlowsConfig = ConfigOf<typeof staticFlowsSchema>;

/** Defaults of the static-flows app. */
export const defaultStaticFlowsConfig: StaticFlowsConfig = defaultsOf(staticFlowsSchema);

/** The declared entries of a config, checked, by name, marked `source: 'config'`. */
export function declaredFlows(c: StaticFlowsConfig): Map<string, StaticFlow> {
  const out = new Map<string, StaticFlow>();
  for (const x of c.flows) {
    const { source: _source, ...rest } = x as Record<string, unknown>;
    const f = checkStaticFlow(rest);
    out.set(f.name, { ...f, source: 'config' });
  }
  return out;
}
