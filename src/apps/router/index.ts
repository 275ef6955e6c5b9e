/**
 * The built-in `router` app: a thin shell around the pure Router logic. Gateways answer ARP and
 * ICMP echo, packets to the gateway MAC are routed (flows along the shortest path with MAC
 * rewrite and TTL decrement), next hops are resolved by ARP, and routes follow topology changes.
 */
import { OFPPC, OFPPS } from '../../openflow/codec/v13/enums.js';
import type { ConfigSchema } from '../schema.js';
import type { App, AppContext, PacketInResult } from '../types.js';
import { applyEffects } from '../forwarding/apply.js';
import type { Effects, ForwardingTopology } from '../forwarding/logic.js';
import { checkRouterConfig, defaultRouterConfig, Router, type RouterConfig } from './logic.js';

export { Router, defaultRouterConfig, parseInterfaces, parseRoutes, checkRouterConfig, type RouterConfig, type RouterInterface, type StaticRoute } from './logic.js';

/** Settings schema of `apps.settings.router`. */
export const routerSchema: ConfigSchema<RouterConfig> = {
  defaults: defaultRouterConfig,
  fields: {
    interfaces: { type: 'string[]', description: 'gateway addresses with their subnet, e.g. 10.0.1.254/24' },
    routes: { type: 'string[]', description: 'static routes, e.g. "10.0.3.0/24 via 10.0.1.1"' },
    gatewayMac: { type: 'string', description: 'the MAC the gateway addresses answer with' },
    flowPriority: { type: 'number', integer: true, min: 1, max: 65535, description: 'priority of routed flows' },
    idleTimeoutSec: { type: 'number', integer: true, min: 0, max: 65535, description: 'idle timeout of routed flows (s)' },
    tableId: { type: 'number', integer: true, min: 0, max: 254, description: 'table of the flows' },
    maxQueuedPerNextHop: { type: 'number', integer: true, min: 0, max: 1024, description: 'packets kept while a next hop is resolved' },
    arpRetryMs: { type: 'number', integer: true, min: 100, description: 'ARP for an unresolved next hop again after this long (ms)' },
  },
  validate: checkRouterConfig,
};


/** The router app with read-only views for the API. */
export interface RouterApp extends App<RouterConfig> {
  neighbors(): ReturnType<Router['listNeighbors']>;
  routes(): ReturnType<Router['listRoutes']>;
}

/** Makes the app (fresh state each time it is enabled). */
export function routerApp(): RouterApp {
  let ctx: AppContext<RouterConfig> | undefined;
  let logic: Router | undefined;
  let applied: ForwardingTopology | undefined;

  const apply = (fx: Effects): void => {
    if (ctx) applyEffects(ctx, fx, 'routed flow');
  };
  const refresh = (): void => {
    const snap = ctx?.topology?.snapshot?.();
    if (!snap || snap === applied || !logic || !ctx) return;
    applied = snap;
    apply(logic.setTopology(snap, ctx.now()));
  };

  return {
    name: 'router',
    description: 'IPv4 routing between subnets: gateways answer ARP and ping, routed flows rewrite MACs and decrement the TTL, static routes',
    // Ahead of proxy-arp (300) and forwarding (0): ARP for gateways and packets to the gateway MAC are the router's.
    packetInPriority: 400,
    config: routerSchema,

    start(c) {
      ctx = c;
      logic = new Router(c.config);
      applied = undefined;
      const l = logic;
      c.flows.on('removed', (rec, why) => {
        if (why === 'idle_timeout' || why === 'hard_timeout' || why === 'expired_while_away') l.flowRemoved(rec.dpid, rec.spec.match ?? []);
      });
      c.every(c.config.arpRetryMs, (now) => apply(l.retry(now)));
      refresh();
    },

    stop() {
      ctx = undefined;
      logic = undefined;
      applied = undefined;
    },

    neighbors: () => logic?.listNeighbors() ?? [],
    routes: () => logic?.listRoutes() ?? [],

    onTopologyChanged(e) {
      if (!logic || !ctx) return;
      applied = e.snapshot;
      apply(logic.setTopology(e.snapshot, ctx.now()));
    },

    onPortModified(e) {
      const down = (e.port.config & OFPPC.PORT_DOWN) !== 0 || (e.port.state & OFPPS.LINK_DOWN) !== 0;
      if (down && logic) apply(logic.portDown(e.dpid, e.port.portNo));
    },

    onPortRemoved(e) {
      if (logic) apply(logic.portDown(e.dpid, e.port.portNo));
    },

    onPacketIn(e): PacketInResult {
      const c = ctx;
      const l = logic;
      if (!c || !l) return undefined;
      refresh();
      const fx = l.packetIn(e.dpid, e.msg.inPort, e.msg.data, c.now());
      apply(fx);
      return fx.handled ? 'handled' : undefined;
    },
  };
}
