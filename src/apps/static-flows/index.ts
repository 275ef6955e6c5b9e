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
import { checkStaticFlow, declaredFlows, defaultStaticFlowsConfig, planFollow, sameIdentity, staticFlowAt, StaticFlowConflict, staticFlowsSchema, staticRule, type StaticFlow, type StaticFlowsConfig } from './logic.js';

export { checkStaticFlow, checkDeclaredFlows, declaredFlows, staticFlowsSchema, defaultStaticFlowsConfig, type StaticFlowsConfig, nameCookie, planFollow, staticFlowAt, staticRule, StaticFlowConflict, StaticFlowError, type StaticFlow } from './logic.js';

/** The app with its API. Changes are persisted before they resolve. */
export interface StaticFlowsApp extends App<StaticFlowsConfig> {
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
  /** New declared entries (`flows`) while running: only the entries that changed move. */
  reconfigure(config: StaticFlowsConfig): void;
}

const PREFIX = 'flow/';
const APPLY: ApplyOptions = { what: 'static flow' };

/** Makes the app (entries come back from the store on every enable). */
export function staticFlowsApp(): StaticFlowsApp {
  let ctx: AppContext<StaticFlowsConfig> | undefined;
  let follower: StoreFollower<Map<string, StaticFlow>> | undefined;
  /** The API's entries (stored). */
  const flows = new Map<string, StaticFlow>();
  /** The config's entries (`flows` setting): they win over an API entry of the same name. */
  let declared = new Map<string, StaticFlow>();
  const visible = (): StaticFlow[] => [...declared.values(), ...[...flows.values()].filter((f) => !declared.has(f.name))];

  /** A declared entry is changed in the config, not through the API (409). */
  const notDeclared = (name: string): void => {
    if (declared.has(name)) throw Object.assign(new Error(`static flow "${name}" is declared in the config (apps.settings.static-flows.flows); change it there`), { code: 'conflict', field: 'params.id', declared: true });
  };

  const need = (): AppContext<StaticFlowsConfig> => {
    if (!ctx || !follower) throw new Error('static-flows app is not running');
    return ctx;
  };

  /** The stored entries by name; `warn` logs the ones that no longer check (at start only, not on every reload). */
  const load = async (c: AppContext<StaticFlowsConfig>, warn: boolean): Promise<Map<string, StaticFlow>> => {
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
    // An API entry shadowed by a declared one of the same name has no flow of its own.
    const shadowed = (m: ReadonlyMap<string, StaticFlow>): Map<string, StaticFlow> => new Map([...m].filter(([n]) => !declared.has(n)));
    const plan = planFollow(shadowed(flows), shadowed(next));
    for (const name of flows.keys()) if (!next.has(name)) flows.delete(name);
    for (const [name, f] of next) flows.set(name, f);
    void applyEffects(c, plan.effects, APPLY);
    if (plan.installed.length > 0) c.log.info({ installed: plan.installed.map((f) => f.name) }, 'static flows changed in the store');
  };

  return {
    name: 'static-flows',
    description: 'Named operator flows, persisted and put back on reconnect (static entry pusher)',
    config: staticFlowsSchema,

    async start(c) {
      ctx = c;
      flows.clear();
      declared = declaredFlows(c.config ?? defaultStaticFlowsConfig);
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

    reconfigure(config) {
      const c = ctx;
      if (!c) return;
      const next = declaredFlows(config);
      // Before: what each name installed (declared, else the API's); after: the same with the new declared set.
      const effective = (d: ReadonlyMap<string, StaticFlow>): Map<string, StaticFlow> => {
        const out = new Map<string, StaticFlow>(flows);
        for (const [n, f] of d) out.set(n, f);
        return out;
      };
      const plan = planFollow(effective(declared), effective(next));
      declared = next;
      void applyEffects(c, plan.effects, APPLY);
      if (plan.installed.length > 0) c.log.info({ installed: plan.installed.map((f) => f.name) }, 'declared static flows changed');
    },

    list: (dpid) => {
      const d = dpid === undefined ? undefined : dpidToHex(parseDpid(dpid));
      return visible().filter((f) => d === undefined || f.dpid === d).sort((a, b) => (a.name < b.name ? -1 : 1));
    },
    get: (name) => declared.get(name) ?? flows.get(name),

    async put(entry, options) {
      const c = need();
      const f = checkStaticFlow(entry);
      notDeclared(f.name);
      return follower!.write(async () => {
        for (const other of visible()) {
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
      notDeclared(name);
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
      for (const f of visible()) if (f.dpid === hex) fx.install.push({ dpid: e.dpid, rule: staticRule(f) });
      void applyEffects(c, fx);
    },
  };
}
