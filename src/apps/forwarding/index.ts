/**
 * The built-in `forwarding` app: a thin shell around the pure Forwarding logic. It installs the
 * table-miss flow on connect, turns packet-ins into whole-path flows (or edge floods), feeds
 * every topology change to the logic so broken paths are rerouted at once, and forgets hosts on
 * port and switch loss.
 */
import { dpidToHex } from '../../core/ids.js';
import { OFPPC, OFPPS } from '../../openflow/codec/v13/enums.js';
import type { ConfigSchema } from '../schema.js';
import type { App, AppContext, PacketInResult } from '../types.js';
import { applyEffects, canWrite, TopologyFeed } from './apply.js';
import { defaultForwardingConfig, Forwarding, type Effects, type ForwardingConfig, type Hop } from './logic.js';

export { Forwarding, defaultForwardingConfig, type ForwardingConfig, type ForwardingTopology, type Effects, type Hop } from './logic.js';

/** Settings schema of `apps.settings.forwarding`. */
export const forwardingSchema: ConfigSchema<ForwardingConfig> = {
  defaults: defaultForwardingConfig,
  fields: {
    idleTimeoutSec: { type: 'number', integer: true, min: 0, max: 65535, description: 'idle timeout of path flows (s)' },
    hardTimeoutSec: { type: 'number', integer: true, min: 0, max: 65535, description: 'hard timeout of path flows (s)' },
    flowPriority: { type: 'number', integer: true, min: 1, max: 65535, description: 'priority of path flows' },
    tableMissPriority: { type: 'number', integer: true, min: 0, max: 65535, description: 'priority of the table-miss flow' },
    tableId: { type: 'number', integer: true, min: 0, max: 254, description: 'table of the flows' },
    installTableMiss: { type: 'boolean', description: 'install the table-miss flow on connect' },
    floodMode: { type: 'string', enum: ['edge', 'tree'], description: 'edge: the controller sends floods out of every edge port; tree: hop by hop on the broadcast tree' },
    floodDedupMs: { type: 'number', integer: true, min: 0, max: 60_000, description: 'drop a frame flooded again within this window (ms)' },
    hostAgeSec: { type: 'number', min: 1, description: 'forget a host location not refreshed for this long (s)' },
    floodHoldMs: { type: 'number', integer: true, min: 0, max: 60_000, description: 'no flooding into or out of a newly connected switch for at most this long (ms), until discovery has probed its ports' },
    floodSettleMs: { type: 'number', integer: true, min: 0, max: 60_000, description: "after a switch's first probe round comes back, wait this long for the rest of it before flooding there (ms)" },
  },
  validate: (c) => (c.tableMissPriority >= c.flowPriority ? 'tableMissPriority must be below flowPriority' : undefined),
};


/** The forwarding app with a read-only view for the API. */
export interface ForwardingApp extends App<ForwardingConfig> {
  /** Installed paths (source, destination, hops). */
  paths(): ReturnType<Forwarding['listPaths']>;
  /** Switches whose floods are still held (discovery has not probed their ports yet), as 16-hex-digit dpids. */
  holding(): string[];
}

/** Makes the app (fresh state each time it is enabled). */
export function forwardingApp(): ForwardingApp {
  let ctx: AppContext<ForwardingConfig> | undefined;
  let logic: Forwarding | undefined;
  let feed: TopologyFeed | undefined;

  const apply = (fx: Effects): void => {
    if (ctx) applyEffects(ctx, fx, 'path flow');
  };

  const refresh = (): void => feed?.beforePacket();

  const app: ForwardingApp = {
    name: 'forwarding',
    description: 'Topology-aware reactive forwarding: whole shortest paths both ways on the first packet, edge floods, reroute on link loss',
    packetInPriority: 0,
    config: forwardingSchema,

    start(c) {
      ctx = c;
      logic = new Forwarding(c.config, (dpid) => canWrite(c, dpid));
      feed = new TopologyFeed(c, logic, apply);
      const l = logic;
      const routed = c.metrics.counter('routed_total', 'Packet-ins answered with a path');
      const flooded = c.metrics.counter('flooded_total', 'Packet-ins flooded');
      const dropped = c.metrics.counter('dropped_total', 'Packet-ins dropped');
      counters = { routed, flooded, dropped };
      // A hop the switch itself refused (an OFPT_ERROR; not a mastership handover, which the new
      // master settles): the path goes, so the next packet sets it up, and retries, again.
      c.flows.on('failed', (rec) => {
        if (rec.error && rec.error.errType >= 0) apply(l.flowRemoved(rec.dpid, rec.spec.match ?? []));
      });
      c.flows.on('removed', (rec, why) => {
        if (why === 'idle_timeout' || why === 'hard_timeout' || why === 'deleted' || why === 'expired_while_away') apply(l.flowRemoved(rec.dpid, rec.spec.match ?? []));
      });
      c.every(Math.max(1000, (c.config.hostAgeSec * 1000) / 4), (now) => void l.expire(now));
      refresh();
    },

    stop() {
      ctx = undefined;
      logic = undefined;
      feed = undefined;
    },

    paths: () => logic?.listPaths() ?? [],

    holding: () => {
      if (!ctx || !logic) return [];
      refresh();
      return logic.holding(ctx.now()).map(dpidToHex);
    },

    onSwitchConnected(e) {
      if (!ctx || !logic) return;
      // The topology service hears of the switch first (it subscribed before the apps): with its
      // current snapshot the logic can tell a switch discovery already knows from a new one.
      refresh();
      logic.switchConnected(e.dpid, ctx.now());
      for (const rule of logic.switchFlows()) ctx.flows.install(e.dpid, rule);
    },

    onSwitchDisconnected(e) {
      if (logic) apply(logic.switchDisconnected(e.dpid));
    },

    onTopologyChanged(e) {
      if (!logic || !ctx) return;
      feed?.changed(e.snapshot);
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
      const m = e.msg;
      const fx = l.packetIn(e.dpid, m.inPort, m.bufferId, m.data, c.now());
      apply(fx);
      if (fx.kind === 'route') counters?.routed.inc();
      else if (fx.kind === 'flood') counters?.flooded.inc();
      else counters?.dropped.inc();
      return fx.handled ? 'handled' : undefined;
    },
  };
  let counters: { routed: { inc(): void }; flooded: { inc(): void }; dropped: { inc(): void } } | undefined;
  return app;
}

/** For typing the hops of `paths()`. */
export type ForwardingHop = Hop;
