/**
 * The built-in `router` app: a thin shell around the pure Router logic. Gateways answer ARP and
 * ICMP echo, packets to the gateway MAC are routed (flows along the shortest path with MAC
 * rewrite and TTL decrement), next hops are resolved by ARP, and routes follow topology changes.
 * Static routes come from the config (`routes`) and from the API (CRUD here, kept in the app's
 * store, applied at once; routes another instance of a cluster changes are followed).
 */
import { PathShell } from '../path-shell.js';
import { sameStored, StoreFollower, type StoreOp, type StoreValue } from '../store.js';
import type { App, AppContext, PacketInResult } from '../../core/app.js';
import { formatIpv4 } from '../../core/addr.js';
import { routerSchema, checkRoute, entryRoute, parseInterfaces, parseRoutes, Router, type RouteEntry, type RouterConfig, type RouterInterface, type StaticRoute } from './logic.js';

export { Router, defaultRouterConfig, routerSchema, parseInterfaces, parseRoutes, checkRouterConfig, checkRoute, RouteError, type RouteEntry, type RouterConfig, type RouterInterface, type StaticRoute } from './logic.js';


/** A static route as listed: the API's own, or one from the config file (read-only here). */
export interface ListedRoute extends RouteEntry {
  readonly source: 'api' | 'config';
}

/** The router app with read-only views and static-route CRUD for the API. Changes are persisted before they resolve, then applied. */
export interface RouterApp extends App<RouterConfig> {
  neighbors(): ReturnType<Router['listNeighbors']>;
  /** Routes installed from packets seen (ingress switch, destination host, next hop). */
  routes(): ReturnType<Router['listRoutes']>;
  /** Static routes: the config file's (`config-N`, read-only) then the API's, in id order. */
  staticRoutes(): ListedRoute[];
  getRoute(id: string): ListedRoute | undefined;
  /** Adds a route; throws RouteError naming the field, or an error with code `conflict` when the destination has a route already. */
  addRoute(input: unknown): Promise<ListedRoute>;
  /** Replaces an API route; undefined when unknown; a config route is a `conflict`. */
  replaceRoute(id: string, input: unknown): Promise<ListedRoute | undefined>;
  /** Deletes an API route; false when unknown; a config route is a `conflict`. */
  removeRoute(id: string): Promise<boolean>;
}

const ROUTE_PREFIX = 'route/';
const NEXT_ID_KEY = 'nextRouteId';
/**
 * One key per destination (`dest/<destination>` → route id), written in the route's own
 * transaction: two adds of one destination at once (here or on two instances) cannot both win.
 */
const DEST_PREFIX = 'dest/';
const destKey = (destination: string): string => DEST_PREFIX + destination;

/** An error the API maps by its `code` (409 conflict). */
function conflict(message: string, field: string): Error {
  return Object.assign(new Error(message), { code: 'conflict', field });
}

function routeKey(id: string): string {
  return ROUTE_PREFIX + id;
}

/** API route ids (`r7`) in number order (store keys sort as text: r10 before r9). */
function byIdNumber(a: RouteEntry, b: RouteEntry): number {
  return Number(a.id.slice(1)) - Number(b.id.slice(1));
}

/** Makes the app (fresh state each time it is enabled). */
export function routerApp(): RouterApp {
  const shell = new PathShell<RouterConfig, Router>('routed flow');
  /** API routes by id, in creation order. */
  const stored = new Map<string, RouteEntry>();
  /** Local writes taken into `stored` so far (a read that overlapped one is not adopted). */
  let localWrites = 0;
  let follower: StoreFollower<{ routes: Map<string, RouteEntry> }> | undefined;
  /** The live config: ctx.config, or what `reconfigure` took since. */
  let cfg: RouterConfig | undefined;

  /** The API routes in the store (those that fit the interfaces; `warn` logs the others, at start only). */
  const load = async (c: AppContext<RouterConfig>, l: Router, warn: boolean): Promise<{ routes: Map<string, RouteEntry> }> => {
    const routes = new Map<string, RouteEntry>();
    for (const [k, v] of await c.store.list(ROUTE_PREFIX)) {
      try {
        const id = k.slice(ROUTE_PREFIX.length);
        routes.set(id, { id, ...checkRoute(v, l.interfaces) });
      } catch (e) {
        // Kept in the store (nothing is silently deleted): it applies again once the interfaces fit.
        if (warn) c.log.warn({ key: k, err: (e as Error).message }, 'skipping a stored route that does not fit the interfaces');
      }
    }
    return { routes };
  };

  /**
   * The next id: the stored counter, and past every route known (the old code wrote the route and
   * then the counter: a crash in between left the counter on a used id).
   */
  const nextIdFrom = (n: StoreValue | undefined): number => {
    const counter = typeof n === 'number' && Number.isInteger(n) && n >= 1 ? n : 1;
    return Math.max(counter, Math.max(0, ...[...stored.keys()].map((id) => Number(id.slice(1))).filter(Number.isFinite)) + 1);
  };

  /** Takes what the store holds (another instance's change, or this one's own echo); true when the routes changed. */
  const adopt = (s: { routes: Map<string, RouteEntry> }): boolean => {
    const before = [...stored.values()].sort(byIdNumber);
    const after = [...s.routes.values()].sort(byIdNumber);
    if (sameStored(before, after)) return false;
    stored.clear();
    for (const r of after) stored.set(r.id, r);
    return true;
  };

  /** A local change: the stored routes are read first (another instance may have changed them a moment ago). */
  const change = <R>(fn: (c: AppContext<RouterConfig>) => Promise<R>): Promise<R> => {
    const c = need();
    const l = shell.logic!;
    return follower!.write(async () => {
      const before = localWrites;
      const fresh = await load(c, l, false);
      // A read that overlapped another local write may lack it: keep the local copy then.
      if (localWrites === before && adopt(fresh)) applyRoutes();
      return fn(c);
    });
  };

  const configRoutes = (): ListedRoute[] => {
    if (!shell.ctx || !cfg) return [];
    return parseRoutes(cfg.routes).map((r, i) => ({ id: `config-${i + 1}`, destination: `${formatIpv4(r.network)}/${r.prefixLen}`, gateway: r.via, source: 'config' as const }));
  };
  const listAll = (): ListedRoute[] => [...configRoutes(), ...[...stored.values()].sort(byIdNumber).map((r) => ({ ...r, source: 'api' as const }))];
  /** The API's routes that fit the gateways (one that does not stays stored and applies again once they fit). */
  const apiRoutes = (interfaces: readonly RouterInterface[]): StaticRoute[] =>
    [...stored.values()].flatMap((r) => {
      try {
        return [entryRoute(checkRoute(r, interfaces))];
      } catch {
        return [];
      }
    });
  /** Hands the logic every static route and applies what moved. */
  const applyRoutes = (): void => {
    const { ctx: c, logic } = shell;
    if (!c || !logic) return;
    shell.apply(logic.setRoutes([...parseRoutes(logic.config.routes), ...apiRoutes(logic.interfaces)]));
  };
  const need = (): AppContext<RouterConfig> => {
    if (!shell.ctx || !shell.logic) throw new Error('router app is not running');
    return shell.ctx;
  };
  const checkFree = (destination: string, except?: string): void => {
    const other = listAll().find((r) => r.destination === destination && r.id !== except);
    if (other) throw conflict(`a route to ${destination} exists already (${other.id}, via ${other.gateway})`, 'body.destination');
  };
  const readOnly = (id: string): void => {
    if (id.startsWith('config-') && configRoutes().some((r) => r.id === id)) {
      throw conflict(`route ${id} comes from the config file (apps.settings.router.routes); change it there or with PUT /api/v1/apps/router/config`, 'params.id');
    }
  };

  return {
    name: 'router',
    description: 'IPv4 routing between subnets: gateways answer ARP and ping, routed flows rewrite MACs and decrement the TTL, static routes',
    // Ahead of proxy-arp (300) and forwarding (0): ARP for gateways and packets to the gateway MAC are the router's.
    packetInPriority: 400,
    config: routerSchema,

    async start(c) {
      const l = new Router(c.config);
      cfg = c.config;
      shell.start(c, l);
      stored.clear();
      // Following first, so a change made while the routes load is not missed.
      follower = new StoreFollower(c.store, ROUTE_PREFIX, {
        load: () => load(c, l, false),
        apply: (s) => {
          if (!adopt(s)) return;
          c.log.info({ routes: stored.size }, 'static routes changed in the store');
          applyRoutes();
        },
        log: c.log,
        clock: c.clock,
      });
      const first = await load(c, l, true);
      for (const [id, r] of first.routes) stored.set(id, r);
      if (stored.size > 0) l.setRoutes([...parseRoutes(c.config.routes), ...[...stored.values()].map(entryRoute)]);
      c.flows.on('removed', (rec, why) => {
        if (why === 'idle_timeout' || why === 'hard_timeout' || why === 'expired_while_away') l.flowRemoved(rec.dpid, rec.spec.match ?? []);
      });
      c.every(c.config.arpRetryMs, (now) => shell.apply(l.retry(now)));
      shell.refresh();
    },

    stop() {
      follower?.stop();
      follower = undefined;
      cfg = undefined;
      shell.stop();
    },

    reconfigure(config) {
      const l = shell.logic;
      if (!l) return 'restart';
      // Gateways and routes move live (a config file reload is hitless); the API's routes that fit
      // the new gateways go with them, as at start.
      const fx = l.reconfigure(config, apiRoutes(parseInterfaces(config.interfaces)));
      if (!fx) return 'restart';
      cfg = config;
      shell.apply(fx, 'router reconfigured');
      return undefined;
    },

    neighbors: () => shell.logic?.listNeighbors() ?? [],
    routes: () => shell.logic?.listRoutes() ?? [],
    staticRoutes: () => listAll(),
    getRoute: (id) => listAll().find((r) => r.id === id),

    async addRoute(input) {
      need();
      const r = checkRoute(input, shell.logic!.interfaces);
      return change(async (c) => {
        checkFree(r.destination);
        // The id and the route in one transaction: concurrent adds (here or on another instance) never share an id.
        const entry = await c.store.transact([NEXT_ID_KEY, destKey(r.destination)], (v) => {
          const holder = v.get(destKey(r.destination));
          if (typeof holder === 'string') throw conflict(`a route to ${r.destination} exists already (${holder})`, 'body.destination');
          const n = nextIdFrom(v.get(NEXT_ID_KEY));
          const e: RouteEntry = { id: `r${n}`, ...r };
          return {
            ops: [
              { type: 'put', key: NEXT_ID_KEY, value: n + 1 },
              { type: 'put', key: routeKey(e.id), value: e as unknown as StoreValue },
              { type: 'put', key: destKey(e.destination), value: e.id },
            ],
            result: e,
          };
        });
        stored.set(entry.id, entry);
        localWrites++;
        applyRoutes();
        return { ...entry, source: 'api' as const };
      });
    },

    async replaceRoute(id, input) {
      need();
      readOnly(id);
      const r = checkRoute(input, shell.logic!.interfaces);
      return change(async (c) => {
        if (!stored.has(id)) return undefined;
        checkFree(r.destination, id);
        // Compared with what is stored: a replace never brings back a route another instance deleted.
        const entry = await c.store.transact([routeKey(id), destKey(r.destination)], (v) => {
          const cur = v.get(routeKey(id)) as unknown as RouteEntry | undefined;
          if (cur === undefined) return { ops: [], result: undefined };
          const holder = v.get(destKey(r.destination));
          if (typeof holder === 'string' && holder !== id) throw conflict(`a route to ${r.destination} exists already (${holder})`, 'body.destination');
          const e: RouteEntry = { id, ...r };
          const ops: StoreOp[] = [{ type: 'put', key: routeKey(id), value: e as unknown as StoreValue }, { type: 'put', key: destKey(e.destination), value: id }];
          if (cur.destination !== e.destination) ops.push({ type: 'del', key: destKey(cur.destination) });
          return { ops, result: e };
        });
        localWrites++;
        if (entry === undefined) {
          stored.delete(id);
          applyRoutes();
          return undefined;
        }
        stored.set(id, entry);
        applyRoutes();
        return { ...entry, source: 'api' as const };
      });
    },

    async removeRoute(id) {
      need();
      readOnly(id);
      return change(async (c) => {
        if (!stored.has(id)) return false;
        // The store decides: of two concurrent deletes of a route, one finds it. Its destination goes with it.
        const existed = await c.store.transact([routeKey(id)], (v) => {
          const cur = v.get(routeKey(id)) as unknown as RouteEntry | undefined;
          if (cur === undefined) return { ops: [], result: false };
          return { ops: [{ type: 'del', key: routeKey(id) }, { type: 'del', key: destKey(cur.destination) }], result: true };
        });
        stored.delete(id);
        localWrites++;
        if (!existed) {
          applyRoutes();
          return false;
        }
        applyRoutes();
        return true;
      });
    },

    onTopologyChanged: (e) => shell.topologyChanged(e),
    onPortModified: (e) => shell.portModified(e),
    onPortRemoved: (e) => shell.portRemoved(e),

    onPacketIn(e): PacketInResult {
      const fx = shell.packetIn((c, l) => l.packetIn(e.dpid, e.msg.inPort, e.msg.data, c.now()));
      return fx?.handled ? 'handled' : undefined;
    },
  };
}
