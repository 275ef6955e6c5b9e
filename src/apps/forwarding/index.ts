/**
 * The built-in `forwarding` app: a thin shell around the pure Forwarding logic. It installs the
 * table-miss flow on connect, turns packet-ins into whole-path flows (or edge floods), feeds
 * every topology change to the logic so broken paths are rerouted at once, and forgets hosts on
 * port and switch loss.
 */
import { dpidToHex } from '../../core/ids.js';
import { applyEffects, canWrite, installs } from '../effects.js';
import { PathShell } from '../path-shell.js';
import type { App, PacketInResult } from '../../core/app.js';
import { forwardingSchema, Forwarding, type ForwardingConfig, type Hop } from './logic.js';

export { Forwarding, defaultForwardingConfig, forwardingSchema, type ForwardingConfig, type ForwardingTopology, type ForwardingEffects, type Hop } from './logic.js';


/** The forwarding app with a read-only view for the API. */
export interface ForwardingApp extends App<ForwardingConfig> {
  /** Installed paths (source, destination, hops). */
  paths(): ReturnType<Forwarding['listPaths']>;
  /** Switches whose floods are still held (discovery has not probed their ports yet), as 16-hex-digit dpids. */
  holding(): string[];
}

/** Makes the app (fresh state each time it is enabled). */
export function forwardingApp(): ForwardingApp {
  const shell = new PathShell<ForwardingConfig, Forwarding>('path flow');
  let counters: { routed: { inc(): void }; flooded: { inc(): void }; dropped: { inc(): void } } | undefined;

  return {
    name: 'forwarding',
    description: 'Topology-aware reactive forwarding: whole shortest paths both ways on the first packet, edge floods, reroute on link loss',
    packetInPriority: 0,
    config: forwardingSchema,

    start(c) {
      const l = new Forwarding(c.config, (dpid) => canWrite(c, dpid));
      shell.start(c, l);
      const apply = shell.apply;
      counters = {
        routed: c.metrics.counter('routed_total', 'Packet-ins answered with a path'),
        flooded: c.metrics.counter('flooded_total', 'Packet-ins flooded'),
        dropped: c.metrics.counter('dropped_total', 'Packet-ins dropped'),
      };
      // A hop the switch itself refused (an OFPT_ERROR; not a mastership handover, which the new
      // master settles): the path goes, so the next packet sets it up, and retries, again.
      c.flows.on('failed', (rec) => {
        if (rec.error && rec.error.errType >= 0) apply(l.flowRemoved(rec.dpid, rec.spec.match ?? []), 'flow refused by the switch');
      });
      c.flows.on('removed', (rec, why) => {
        if (why === 'idle_timeout' || why === 'hard_timeout' || why === 'deleted' || why === 'expired_while_away') apply(l.flowRemoved(rec.dpid, rec.spec.match ?? []), `flow ${why}`);
      });
      c.every(Math.max(1000, (c.config.hostAgeSec * 1000) / 4), (now) => void l.expire(now));
      shell.refresh();
    },

    stop() {
      shell.stop();
    },

    paths: () => shell.logic?.listPaths() ?? [],

    holding: () => {
      const { ctx, logic } = shell;
      if (!ctx || !logic) return [];
      shell.refresh();
      return logic.holding(ctx.now()).map(dpidToHex);
    },

    onSwitchConnected(e) {
      const { ctx, logic } = shell;
      if (!ctx || !logic) return;
      // The topology service hears of the switch first (it subscribed before the apps): with its
      // current snapshot the logic can tell a switch discovery already knows from a new one.
      shell.refresh();
      logic.switchConnected(e.dpid, ctx.now());
      void applyEffects(ctx, installs(e.dpid, logic.switchFlows()));
    },

    onSwitchDisconnected(e) {
      if (shell.logic) shell.apply(shell.logic.switchDisconnected(e.dpid), 'switch disconnected');
    },

    onTopologyChanged: (e) => shell.topologyChanged(e),
    onPortModified: (e) => shell.portModified(e),
    onPortRemoved: (e) => shell.portRemoved(e),

    onPacketIn(e): PacketInResult {
      const m = e.msg;
      const fx = shell.packetIn((c, l) => l.packetIn(e.dpid, m.inPort, m.bufferId, m.data, c.now()));
      if (!fx) return undefined;
      if (fx.kind === 'route') counters?.routed.inc();
      else if (fx.kind === 'flood') counters?.flooded.inc();
      else counters?.dropped.inc();
      return fx.handled ? 'handled' : undefined;
    },
  };
}

/** For typing the hops of `paths()`. */
export type ForwardingHop = Hop;
