/**
 * The built-in `static-flows` app (Floodlight's static entry pusher): named operator flows kept
 * in the app's store, installed through the flow service, declared again on every (re)connect so
 * reconciliation puts back what a switch lost. CRUD methods for the REST layer. The store is
 * followed: an entry another instance of a cluster writes is installed here too (on the switches
 * this instance masters), one it deletes is removed.
 */
import { dpidToHex, parseDpid } from '../../core/ids.js';
import { sameStored, StoreFollower, type StoreValue } from '../store.js';
import type { App, AppContext } from '../types.js';
import { checkStaticFlow, sameIdentity, StaticFlowConflict, staticRule, type StaticFlow } from './logic.js';

export { checkStaticFlow, nameCookie, staticRule, StaticFlowConflict, StaticFlowError, type StaticFlow } from './logic.js';

/** The app with its API. Changes are persisted before they resolve. */
export interface StaticFlowsApp extends App {
  /** Entries by name, optionally of one switch (hex dpid). */
  list(dpid?: string): StaticFlow[];
  get(name: string): StaticFlow | undefined;
  /** Creates or replaces the entry with this name; throws StaticFlowError on a bad entry. Resolves with the stored entry and whether it was new. */
  put(entry: unknown): Promise<{ flow: StaticFlow; created: boolean }>;
  /** Deletes an entry and its flow; false when unknown. */
  remove(name: string): Promise<boolean>;
}

const PREFIX = 'flow/';

/** Makes the app (entries come back from the store on every enable). */
export function staticFlowsApp(): StaticFlowsApp {
  let ctx: AppContext | undefined;
  let follower: StoreFollower<Map<string, StaticFlow>> | undefined;
  const flows = new Map<string, StaticFlow>();

  const need = (): AppContext => {
    if (!ctx || !follower) throw new Error('static-flows app is not running');
    return ctx;
  };

  const uninstall = (c: AppContext, f: StaticFlow): Promise<boolean> => c.flows.remove(parseDpid(f.dpid), staticRule(f));
  const uninstallLater = (c: AppContext, f: StaticFlow): void => {
    uninstall(c, f).catch((e: unknown) => c.log.warn({ name: f.name, err: (e as Error).message }, 'could not remove a static flow'));
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

  /**
   * Makes the entries (and their flows) what the store holds now: gone ones and ones whose
   * switch, table, priority or match moved are removed first, then new and changed ones are
   * installed. Unchanged entries (this instance's own writes coming back) are left alone.
   */
  const follow = (next: Map<string, StaticFlow>): void => {
    const c = ctx;
    if (!c) return;
    const install: StaticFlow[] = [];
    for (const [name, old] of flows) {
      const f = next.get(name);
      if (f === undefined) {
        flows.delete(name);
        uninstallLater(c, old);
      } else if (!sameIdentity(old, f)) {
        uninstallLater(c, old);
      }
    }
    for (const [name, f] of next) {
      const old = flows.get(name);
      if (old !== undefined && sameStored(old, f)) continue;
      flows.set(name, f);
      install.push(f);
    }
    for (const f of install) c.flows.install(parseDpid(f.dpid), staticRule(f));
    if (install.length > 0) c.log.info({ installed: install.map((f) => f.name) }, 'static flows changed in the store');
  };

  return {
    name: 'static-flows',
    description: 'Named operator flows, persisted and put back on reconnect (static entry pusher)',

    async start(c) {
      ctx = c;
      flows.clear();
      // Following first, so a change made while the entries load is not missed.
      follower = new StoreFollower(c.store, PREFIX, { load: () => load(c, false), apply: follow, log: c.log });
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

    async put(entry) {
      const c = need();
      const f = checkStaticFlow(entry);
      return follower!.write(async () => {
        for (const other of flows.values()) {
          if (other.name !== f.name && sameIdentity(other, f)) throw new StaticFlowConflict(`static flow "${f.name}" has the same switch, table, priority and match as "${other.name}"`);
        }
        // Another instance may have created it a moment ago (its change not followed yet): ask the store.
        const created = !flows.has(f.name) && (await c.store.get(PREFIX + f.name)) === undefined;
        await c.store.put(PREFIX + f.name, f as unknown as StoreValue);
        const prev = flows.get(f.name);
        flows.set(f.name, f);
        if (prev && !sameIdentity(prev, f)) await uninstall(c, prev);
        c.flows.install(parseDpid(f.dpid), staticRule(f));
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
        await uninstall(c, f);
        return true;
      });
    },

    onSwitchConnected(e) {
      const c = ctx;
      if (!c) return;
      const hex = dpidToHex(e.dpid);
      for (const f of flows.values()) if (f.dpid === hex) c.flows.install(e.dpid, staticRule(f));
    },
  };
}
