/**
 * planReconcile, the pure reconciliation plan, against the fake flow table: applying the plan to
 * a table holding the switch's flows leaves exactly the desired flows of the owners we manage,
 * foreign flows as the policy says, and a second plan with nothing to do.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OFPP } from '../../src/openflow/codec/constants.js';
import type { Match } from '../../src/openflow/codec/v13/oxm.js';
import type { FlowEntry, FlowSpec } from '../../src/core/model.js';
import { entrySatisfies, flowKey } from '../../src/flows/compare.js';
import { cookieOwnerId, ownerCookie } from '../../src/flows/cookie.js';
import { entryKey, planReconcile, type DesiredFlow, type ReconcilePolicy } from '../../src/flows/reconcile.js';
import { FakeFlowTable } from '../fakes/fake-flow-table.js';

/** Fixed seed unless FC_SEED is set, so a failure reproduces; fast-check prints the counterexample. */
const SEED = process.env.FC_SEED === undefined ? 0x5eed : Number(process.env.FC_SEED);

const APP = 0x1111; // a live app: managed, its stray reactive flows adoptable
const RETIRED = 0x2222; // managed (flows.extraOwnedIds) but without a scope: nothing to adopt into
const SYSTEM = 0x5b1d; // the controller's own: managed, and never deleted as foreign
const OTHER = 0x4242; // another controller's

function policy(over: Partial<ReconcilePolicy> = {}): ReconcilePolicy {
  return {
    managed: new Map([
      [APP, { adoptable: true }],
      [RETIRED, { adoptable: false }],
      [SYSTEM, { adoptable: true }],
    ]),
    staleReactiveFlows: 'adopt',
    foreignFlows: 'keep',
    protectedOwnerIds: new Set([SYSTEM]),
    openflow10: false,
    ...over,
  };
}

function desired(spec: FlowSpec, expiredIfMissing = false): DesiredFlow {
  const full: FlowSpec = { command: 'add', tableId: 0, priority: 0x8000, cookie: 0n, idleTimeout: 0, hardTimeout: 0, flags: 1, match: [], ...spec };
  return { key: flowKey(full.tableId!, full.priority!, full.match!), spec: full, expiredIfMissing };
}

const dst = (i: number): Match => [{ field: 'in_port', value: 1 }, { field: 'eth_dst', value: `00:00:00:00:00:0${i}` }];
const out = (port: number) => [{ type: 'output' as const, port }];

/** A table holding `specs` as a switch would report them. */
function tableOf(...specs: FlowSpec[]): FakeFlowTable {
  const t = new FakeFlowTable();
  for (const s of specs) t.apply(s);
  t.applied.length = 0;
  return t;
}

function applyPlan(t: FakeFlowTable, mods: readonly FlowSpec[]): void {
  for (const m of mods) t.apply(m);
}

describe('planReconcile', () => {
  it('adds the missing, replaces the changed, deletes our strays one by one, and leaves foreign flows alone', () => {
    const want = [
      desired({ priority: 10, cookie: ownerCookie(APP), match: dst(1), actions: out(2) }),
      desired({ priority: 10, cookie: ownerCookie(APP), match: dst(2), actions: out(2) }),
      desired({ priority: 10, cookie: ownerCookie(APP), match: dst(3), actions: out(2) }),
    ];
    const t = tableOf(
      // dst(1) lost; dst(2) changed; dst(3) right (fields in another order).
      { priority: 10, cookie: ownerCookie(APP), match: dst(2), actions: out(9) },
      { priority: 10, cookie: ownerCookie(APP), match: [...dst(3)].reverse(), actions: out(2) },
      { priority: 10, cookie: ownerCookie(APP, 5n), match: dst(9), actions: out(3) }, // a stray of ours
      { priority: 1, cookie: 0n, match: [], actions: out(OFPP.NORMAL) }, // an operator's
      { priority: 2, cookie: ownerCookie(OTHER), match: [{ field: 'in_port', value: 3 }], actions: [] },
    );
    const plan = planReconcile(want, t.entries(), policy());
    expect(plan.confirmed).toEqual([want[2]]);
    expect(plan.missing).toEqual([want[0]]);
    expect(plan.changed).toEqual([want[1]]);
    expect(plan.extraneous.map((e) => e.cookie)).toEqual([ownerCookie(APP, 5n)]);
    expect(plan.foreignKept).toHaveLength(2);
    expect(plan.flowMods.map((m) => m.command)).toEqual(['delete_strict', 'add', 'add']);
    expect(plan.deletes[0]).toMatchObject({ tableId: 0, priority: 10, cookie: ownerCookie(APP, 5n), cookieMask: 0xffff_ffff_ffff_ffffn });
    applyPlan(t, plan.flowMods);
    expect(t.forward({ in_port: 1, eth_dst: '00:00:00:00:00:01' }).outputs).toEqual([2]);
    expect(t.forward({ in_port: 1, eth_dst: '00:00:00:00:00:02' }).outputs).toEqual([2]);
    expect(t.forward({ in_port: 1, eth_dst: '00:00:00:00:00:09' }).outputs).toEqual([OFPP.NORMAL]);
    expect(t.flows).toHaveLength(5);
    expect(planReconcile(want, t.entries(), policy()).flowMods).toEqual([]);
  });

  it('forgets a reactive flow that expired while away, adopts a stray reactive one of a live owner, deletes one of a retired owner', () => {
    const gone = desired({ priority: 20, cookie: ownerCookie(APP), idleTimeout: 30, match: dst(4), actions: out(2) }, true);
    const lost = desired({ priority: 20, cookie: ownerCookie(APP), idleTimeout: 30, match: dst(5), actions: out(2) }, false);
    const t = tableOf(
      { priority: 20, cookie: ownerCookie(APP, 7n), idleTimeout: 60, match: dst(6), actions: out(2) },
      { priority: 20, cookie: ownerCookie(RETIRED), idleTimeout: 60, match: dst(7), actions: out(2) },
    );
    const plan = planReconcile([gone, lost], t.entries(), policy());
    expect(plan.forgotten).toEqual([gone]);
    expect(plan.missing).toEqual([lost]); // never confirmed yet: sent again
    expect(plan.adopted.map((e) => e.cookie)).toEqual([ownerCookie(APP, 7n)]);
    expect(plan.extraneous.map((e) => e.cookie)).toEqual([ownerCookie(RETIRED)]);
    expect(planReconcile([], t.entries(), policy({ staleReactiveFlows: 'delete' })).extraneous).toHaveLength(2);
  });

  it('deletes foreign flows when told to, never the protected (controller) ones', () => {
    const t = tableOf(
      { priority: 1, cookie: 0n, match: [], actions: out(OFPP.NORMAL) },
      { priority: 65000, cookie: ownerCookie(SYSTEM, 1n), match: [{ field: 'eth_type', value: 0x88cc }], actions: out(OFPP.CONTROLLER) },
    );
    // The system owner not managed here (no topology scope): still protected.
    const p = policy({ foreignFlows: 'delete', managed: new Map([[APP, { adoptable: true }]]) });
    const plan = planReconcile([], t.entries(), p);
    expect(plan.foreignDeleted.map((e) => e.priority)).toEqual([1]);
    expect(plan.foreignKept.map((e) => e.priority)).toEqual([65000]);
  });

  it('OpenFlow 1.0: identities in table 0, deletes without a cookie filter', () => {
    const e: FlowEntry = { tableId: 3, priority: 5, cookie: ownerCookie(APP), idleTimeout: 0, hardTimeout: 0, flags: 0, durationSec: 0, packetCount: 0n, byteCount: 0n, match: dst(1), instructions: [] };
    expect(entryKey(e, true)).toBe(flowKey(0, 5, dst(1)));
    const plan = planReconcile([], [e], policy({ openflow10: true }));
    expect(plan.deletes).toEqual([{ command: 'delete_strict', priority: 5, match: dst(1) }]);
  });

  it('is deterministic: the order the switch reports its flows in changes nothing', () => {
    const specs: FlowSpec[] = [1, 2, 3, 4, 5].map((i) => ({ priority: 10 + i, cookie: ownerCookie(i % 2 ? APP : OTHER), match: dst(i), actions: out(i) }));
    const entries = tableOf(...specs).entries();
    const want = [desired({ priority: 11, cookie: ownerCookie(APP), match: dst(1), actions: out(7) }), desired({ priority: 99, cookie: ownerCookie(APP), match: [], actions: [] })];
    const p = policy({ foreignFlows: 'delete' });
    const a = planReconcile(want, entries, p);
    const b = planReconcile(want, [...entries].reverse(), p);
    expect(b.flowMods).toEqual(a.flowMods);
    expect(a.flowMods.map((m) => `${m.command}:${m.priority}`)).toEqual(['delete_strict:12', 'delete_strict:13', 'delete_strict:14', 'delete_strict:15', 'add:11', 'add:99']);
  });
});

// ---- properties -------------------------------------------------------------------------------

const MATCHES: readonly Match[] = [[], dst(1), dst(2), [{ field: 'eth_type', value: 0x0800 }, { field: 'ipv4_dst', value: '10.0.0.0', mask: '255.255.255.0' }]];

interface Shape {
  tableId: number;
  priority: number;
  match: number;
  owner: number;
  local: bigint;
  port: number;
  idle: number;
}

function shape(tables: number, owners: readonly number[]): fc.Arbitrary<Shape> {
  return fc.record({
    tableId: fc.integer({ min: 0, max: tables - 1 }),
    priority: fc.constantFrom(10, 20),
    match: fc.integer({ min: 0, max: MATCHES.length - 1 }),
    owner: fc.constantFrom(...owners),
    local: fc.constantFrom(0n, 1n),
    port: fc.integer({ min: 0, max: 3 }),
    idle: fc.constantFrom(0, 0, 30),
  });
}

const shapeId = (s: Shape): string => `${s.tableId}/${s.priority}/${s.match}`;

function specOf(s: Shape): FlowSpec {
  return {
    command: 'add',
    tableId: s.tableId,
    priority: s.priority,
    cookie: ownerCookie(s.owner, s.local),
    idleTimeout: s.idle,
    hardTimeout: 0,
    flags: 1,
    match: MATCHES[s.match]!,
    actions: s.port === 0 ? [] : out(s.port),
  };
}

/** The switch's flows exactly as reported, for "untouched" checks. */
const text = (e: FlowEntry): string => `${e.tableId}/${e.priority}/${JSON.stringify(e.match)} c=${e.cookie} i=${e.idleTimeout} ${JSON.stringify(e.instructions)}`;

describe.each([false, true])('planReconcile properties (OpenFlow 1.0: %s)', (openflow10) => {
  const tables = openflow10 ? 1 : 2;
  const scenario = fc.record({
    want: fc.uniqueArray(fc.tuple(shape(tables, [APP, RETIRED, SYSTEM]), fc.boolean()), { maxLength: 12, selector: ([s]) => shapeId(s) }),
    have: fc.uniqueArray(shape(tables, [APP, RETIRED, SYSTEM, OTHER, 0]), { maxLength: 12, selector: shapeId }),
    foreignFlows: fc.constantFrom('keep' as const, 'delete' as const),
    staleReactiveFlows: fc.constantFrom('adopt' as const, 'delete' as const),
  });

  it('after the plan, the table holds the desired flows, the adopted ones and the foreign flows the policy keeps, untouched; a second plan is empty', () => {
    fc.assert(
      fc.property(scenario, ({ want, have, foreignFlows, staleReactiveFlows }) => {
        const p = policy({ openflow10, foreignFlows, staleReactiveFlows });
        const d = want.map(([s, expired]) => desired(specOf(s), expired && s.idle > 0));
        const t = tableOf(...have.map(specOf));
        const before = t.entries();
        const plan = planReconcile(d, before, p);
        applyPlan(t, plan.flowMods);
        const after = t.entries();

        // Every desired flow but the forgotten is there, as wanted.
        const live = d.filter((x) => !plan.forgotten.includes(x));
        for (const x of live) {
          const e = after.find((f) => entryKey(f, openflow10) === x.key);
          expect(e && entrySatisfies(e, x.spec)).toBe(true);
        }
        // Every other flow is one the switch had and the policy keeps, byte for byte.
        const wantedKeys = new Set(live.map((x) => x.key));
        const rest = after.filter((f) => !wantedKeys.has(entryKey(f, openflow10)));
        const keep = (f: FlowEntry): boolean => {
          if (d.some((x) => x.key === entryKey(f, openflow10))) return false; // forgotten
          const m = p.managed.get(cookieOwnerId(f.cookie));
          if (m) return m.adoptable && f.idleTimeout > 0 && staleReactiveFlows === 'adopt';
          return foreignFlows === 'keep' || p.protectedOwnerIds.has(cookieOwnerId(f.cookie));
        };
        expect(rest.map(text).sort()).toEqual(before.filter(keep).map(text).sort());
        expect(plan.adopted.map(text).sort()).toEqual(before.filter((f) => keep(f) && p.managed.has(cookieOwnerId(f.cookie))).map(text).sort());
        // Flow mods: one per add and one per delete, nothing else.
        expect(plan.flowMods).toHaveLength(plan.missing.length + plan.changed.length + plan.extraneous.length + plan.foreignDeleted.length);

        // The service then tracks the adopted flows and drops the forgotten: nothing left to do.
        const tracked = [...live.map((x) => ({ ...x, expiredIfMissing: false })), ...plan.adopted.map((e) => desired({ ...e, command: 'add' }))];
        const again = planReconcile(tracked, after, p);
        expect(again.flowMods).toEqual([]);
        expect(again.confirmed).toHaveLength(tracked.length);
      }),
      { numRuns: 300, seed: SEED, endOnFailure: true },
    );
  });
});
