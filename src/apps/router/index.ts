/**
 * The built-in `router` app: a thin shell around the pure Router logic. Gateways answer ARP and
 * ICMP echo, packets to the gateway MAC are routed (flows along the shortest path with MAC
 * rewrite and TTL decrement), next hops are resolved by ARP, and routes follow topology changes.
 * Static routes come from the config (`routes`) and from the API (CRUD here, kept in the app's
 * store, applied at once; routes another instance of a cluster changes are followed).
 */
import { PathShell } from '../path-shell.js';
import { sameStored, StoreFollower, type StoreValue } from '../store.js';
import type { App, AppContext, PacketInResult } from '../../core/app.js';
import { formatIpv4 } from '../../core/addr.js';
import { routerSchema, checkRoute, entryRoute, parseRoutes, Router, type RouteEntry, type RouterConfig } from './logic.js';

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
  let nextId = 1;
  let follower: StoreFollower<{ routes: Map<string, RouteEntry>; nextId: number | undefined }> | undefined;

  /** The API routes in the store (those that fit the interfaces; `warn` logs the others, at start only) and the next id. */
  const load = async (c: AppContext<RouterConfig>, l: Router, warn: boolean): Promise<{ routes: Map<string, RouteEntry>; nextId: number | undefined }> => {
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
    return { routes, nextId: await c.store.get<number>(NEXT_ID_KEY) };
  };

  /** Takes what the store holds (another instance's change, or this one's own echo); true when the routes changed. */
  const adopt = (s: { routes: Map<string, RouteEntry>; nextId: number | undefined }): boolean => {
    nextId = Math.max(nextId, s.nextId ?? 0);
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
      if (adopt(await load(c, l, false))) applyRoutes();
      return fn(c);
    });
  };

  const configRoutes = (): ListedRoute[] => {
    const c = shell.ctx;
    if (!c) return [];
    return parseRoutes(c.config.routes).map((r, i) => ({ id: `config-${i + 1}`, destination: `${formatIpv4(r.network)}/${r.prefixLen}`, gateway: r.via, source: 'config' as const }));
  };
  const listAll = (): ListedRoute[] => [...configRoutes(), ...[...stored.values()].sort(byIdNumber).map((r) => ({ ...r, source: 'api' as const }))];
  /** Hands the logic every static route and applies what moved. */
  const applyRoutes = (): void => {
    const { ctx: c, logic } = shell;
    if (!c || !logic) return;
    shell.apply(logic.setRoutes([...parseRoutes(c.config.routes), ...[...stored.values()].map(entryRoute)]));
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
      nextId = first.nextId ?? stored.size + 1;
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
      shell.stop();
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
        const entry: RouteEntry = { id: `r${nextId}`, ...r };
        await c.store.put(routeKey(entry.id), entry as unknown as StoreValue);
        await c.store.put(NEXT_ID_KEY, ++nextId);
        stored.set(entry.id, entry);
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
        const entry: RouteEntry = { id, ...r };
        await c.store.put(routeKey(id), entry as unknown as StoreValue);
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
        await c.store.del(routeKey(id));
        stored.delete(id);
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
