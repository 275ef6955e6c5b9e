/**
 * The built-in `static-flows` app (Floodlight's static entry pusher): named operator flows kept
 * in the app's store, installed through the flow service, declared again on every (re)connect so
 * reconciliation puts back what a switch lost. CRUD methods for the REST layer. The store is
 * followed: an entry another instance of a cluster writes is installed here too (on the switches
 * this instance masters), one it deletes is removed.
 */
import { dpidToHex, parseDpid } from '../../core/ids.js';
import { applyEffects, effects, installs, type ApplyOptions } from '../effects.js';
import { StoreFollower, type StoreValue } from '../store.js';
import type { App, AppContext } from '../../core/app.js';
import { checkStaticFlow, planFollow, sameIdentity, staticFlowAt, StaticFlowConflict, staticRule, type StaticFlow } from './logic.js';

export { checkStaticFlow, nameCookie, planFollow, staticFlowAt, staticRule, StaticFlowConflict, StaticFlowError, type StaticFlow } from './logic.js';

/** The app with its API. Changes are persisted before they resolve. */
export interface StaticFlowsApp extends App {
  /** Entries by name, optionally of one switch (hex dpid). */
  list(dpid?: string): StaticFlow[];
  get(name: string): StaticFlow | undefined;
  /**
   * Creates or replaces the entry with this name; throws StaticFlowError on a bad entry. With
   * `createOnly`, an entry of that name already stored (by any instance) is an error with code
   * `conflict` instead. Resolves, once stored, with the entry and whether it was new.
   */
  put(entry: unknown, options?: { readonly createOnly?: boolean }): Promise<{ flow: StaticFlow; created: boolean }>;
  /** Deletes an entry and its flow; false when unknown. */
  remove(name: string): Promise<boolean>;
}

const PREFIX = 'flow/';
const APPLY: ApplyOptions = { what: 'static flow' };

/** Makes the app (entries come back from the store on every enable). */
export function staticFlowsApp(): StaticFlowsApp {
  let ctx: AppContext | undefined;
  let follower: StoreFollower<Map<string, StaticFlow>> | undefined;
  const flows = new Map<string, StaticFlow>();

  const need = (): AppContext => {
    if (!ctx || !follower) throw new Error('static-flows app is not running');
    return ctx;
  };

  /** The stored entries by name; `warn` logs the ones that no longer check (at start only, not on every reload). */
  const load = async (c: AppContext, warn: boolean): Promise<Map<string, StaticFlow>> => {
    const out = new Map<string, StaticFlow>();
    for (const [k, v] of await c.store.list(PREFIX)) {
      try {
        const f = checkStaticFlow(v);
        out.set(f.name, f);
      } catch (e) {
        if (warn) c.log.warn({ key: k, err: (e as Error).message }, 'skipping a stored static flow that no longer checks');
      }
    }
    return out;
  };

  /** Makes the entries (and their flows) what the store holds now (see planFollow). */
  const follow = (next: Map<string, StaticFlow>): void => {
    const c = ctx;
    if (!c) return;
    const plan = planFollow(flows, next);
    for (const name of flows.keys()) if (!next.has(name)) flows.delete(name);
    for (const f of plan.installed) flows.set(f.name, f);
    void applyEffects(c, plan.effects, APPLY);
    if (plan.installed.length > 0) c.log.info({ installed: plan.installed.map((f) => f.name) }, 'static flows changed in the store');
  };

  return {
    name: 'static-flows',
    description: 'Named operator flows, persisted and put back on reconnect (static entry pusher)',

    async start(c) {
      ctx = c;
      flows.clear();
      // Following first, so a change made while the entries load is not missed.
      follower = new StoreFollower(c.store, PREFIX, { load: () => load(c, false), apply: follow, log: c.log, clock: c.clock });
      for (const [name, f] of await load(c, true)) flows.set(name, f);
      // Switches already connected get theirs from the manager's onSwitchConnected calls.
    },

    stop() {
      follower?.stop();
      follower = undefined;
      ctx = undefined;
    },

    list: (dpid) => {
      const d = dpid === undefined ? undefined : dpidToHex(parseDpid(dpid));
      return [...flows.values()].filter((f) => d === undefined || f.dpid === d).sort((a, b) => (a.name < b.name ? -1 : 1));
    },
    get: (name) => flows.get(name),

    async put(entry, options) {
      const c = need();
      const f = checkStaticFlow(entry);
      return follower!.write(async () => {
        for (const other of flows.values()) {
          if (other.name !== f.name && sameIdentity(other, f)) throw new StaticFlowConflict(`static flow "${f.name}" has the same switch, table, priority and match as "${other.name}"`);
        }
        // Another instance may have created it a moment ago (its change not followed yet): the store
        // decides, in one transaction, whether this creates it.
        const created = await c.store.transact([PREFIX + f.name], (v) => {
          const exists = v.get(PREFIX + f.name) !== undefined;
          if (exists && options?.createOnly) {
            throw Object.assign(new Error(`a static flow named "${f.name}" exists; PUT /api/v1/static-flows/${f.name} replaces it`), { code: 'conflict', field: 'body.name' });
          }
          return { ops: [{ type: 'put', key: PREFIX + f.name, value: f as unknown as StoreValue }], result: !exists };
        });
        const prev = flows.get(f.name);
        flows.set(f.name, f);
        const fx = installs(parseDpid(f.dpid), [staticRule(f)]);
        if (prev && !sameIdentity(prev, f)) fx.remove.push(staticFlowAt(prev));
        await applyEffects(c, fx, APPLY);
        return { flow: f, created };
      });
    },

    async remove(name) {
      const c = need();
      return follower!.write(async () => {
        const f = flows.get(name);
        // Known here, or stored by another instance a moment ago: either way the store decides.
        const existed = await c.store.del(PREFIX + name);
        if (!f) return existed;
        flows.delete(name);
        const fx = effects();
        fx.remove.push(staticFlowAt(f));
        await applyEffects(c, fx, APPLY);
        return true;
      });
    },

    onSwitchConnected(e) {
      const c = ctx;
      if (!c) return;
      const hex = dpidToHex(e.dpid);
      const fx = effects();
      for (const f of flows.values()) if (f.dpid === hex) fx.install.push({ dpid: e.dpid, rule: staticRule(f) });
      void applyEffects(c, fx);
    },
  };
}
