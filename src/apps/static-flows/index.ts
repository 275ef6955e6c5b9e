/**
 * The built-in `static-flows` app (Floodlight's static entry pusher): named operator flows kept
 * in the app's store, installed through the flow service, declared again on every (re)connect so
 * reconciliation puts back what a switch lost. CRUD methods for the REST layer.
 */
import { parseDpid } from '../../events.js';
import type { StoreValue } from '../store.js';
import type { App, AppContext } from '../types.js';
import { checkStaticFlow, sameIdentity, staticRule, type StaticFlow } from './logic.js';

export { checkStaticFlow, nameCookie, staticRule, StaticFlowError, type StaticFlow } from './logic.js';

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
  const flows = new Map<string, StaticFlow>();

  const need = (): AppContext => {
    if (!ctx) throw new Error('static-flows app is not running');
    return ctx;
  };

  const uninstall = (c: AppContext, f: StaticFlow): Promise<boolean> => c.flows.remove(parseDpid(f.dpid), staticRule(f));

  return {
    name: 'static-flows',
    description: 'Named operator flows, persisted and put back on reconnect (static entry pusher)',

    async start(c) {
      ctx = c;
      flows.clear();
      for (const [k, v] of await c.store.list(PREFIX)) {
        try {
          const f = checkStaticFlow(v);
          flows.set(f.name, f);
        } catch (e) {
          c.log.warn({ key: k, err: (e as Error).message }, 'skipping a stored static flow that no longer checks');
        }
      }
      // Switches already connected get theirs from the manager's onSwitchConnected calls.
    },

    stop() {
      ctx = undefined;
    },

    list: (dpid) => {
      const d = dpid === undefined ? undefined : parseDpid(dpid).toString(16).padStart(16, '0');
      return [...flows.values()].filter((f) => d === undefined || f.dpid === d).sort((a, b) => (a.name < b.name ? -1 : 1));
    },
    get: (name) => flows.get(name),

    async put(entry) {
      const c = need();
      const f = checkStaticFlow(entry);
      const old = flows.get(f.name);
      for (const other of flows.values()) {
        if (other.name !== f.name && sameIdentity(other, f)) throw new Error(`static flow "${f.name}" has the same switch, table, priority and match as "${other.name}"`);
      }
      await c.store.put(PREFIX + f.name, f as unknown as StoreValue);
      flows.set(f.name, f);
      if (old && !sameIdentity(old, f)) await uninstall(c, old);
      c.flows.install(parseDpid(f.dpid), staticRule(f));
      return { flow: f, created: old === undefined };
    },

    async remove(name) {
      const c = need();
      const f = flows.get(name);
      if (!f) return false;
      await c.store.del(PREFIX + name);
      flows.delete(name);
      await uninstall(c, f);
      return true;
    },

    onSwitchConnected(e) {
      const c = ctx;
      if (!c) return;
      const hex = e.dpid.toString(16).padStart(16, '0');
      for (const f of flows.values()) if (f.dpid === hex) c.flows.install(e.dpid, staticRule(f));
    },
  };
}
