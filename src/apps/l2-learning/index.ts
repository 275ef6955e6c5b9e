/**
 * The built-in `l2-learning` app: a thin shell around the pure L2Learning logic. It installs the
 * table-miss flow on connect, answers packet-ins (learned flow + packet-out, or a flood on the
 * topology's broadcast tree when there is a topology), and forgets MACs on port and switch loss.
 */
import { OFPPC, OFPPS } from '../../openflow/codec/v13/enums.js';
import { applyEffects, installs } from '../effects.js';
import type { App, AppContext, PacketInResult } from '../../core/app.js';
import { l2LearningSchema, L2Learning, type L2LearningConfig } from './logic.js';

export { L2Learning, defaultL2LearningConfig, l2LearningSchema, type L2LearningConfig, type L2Decision } from './logic.js';

/** Makes the app (fresh state each time it is enabled). */
export function l2LearningApp(): App<L2LearningConfig> {
  let ctx: AppContext<L2LearningConfig> | undefined;
  let logic: L2Learning | undefined;
  let treeSignature: string | undefined;
  const app: App<L2LearningConfig> = {
    name: 'l2-learning',
    description: 'Per-switch MAC learning: learned flows with an idle timeout, floods on the broadcast tree',
    // Last in the chain: discovery, ARP and routing apps see packets first.
    packetInPriority: 0,
    config: l2LearningSchema,

    start(c) {
      ctx = c;
      const topo = c.topology;
      logic = new L2Learning(
        c.config,
        topo ? (dpid, inPort) => topo.floodPorts(dpid, inPort) : undefined,
        topo ? (dpid, port) => topo.isBlockedPort(dpid, port) : undefined,
        (rec) => c.flows.isCurrent(rec),
      );
      treeSignature = topo?.treeSignature();
      const l = logic;
      c.every(Math.max(1000, (c.config.macAgeSec * 1000) / 4), (now) => void l.expire(now));
    },

    stop() {
      ctx = undefined;
      logic = undefined;
    },

    onSwitchConnected(e) {
      if (!ctx || !logic) return;
      void applyEffects(ctx, installs(e.dpid, logic.switchFlows()));
    },

    onTopologyChanged() {
      // Learned ports follow the broadcast tree; when it changes they may point along a loop.
      const sig = ctx?.topology?.treeSignature();
      if (!ctx || !logic || sig === undefined || sig === treeSignature) return;
      // Rare and costly (every learned flow goes): say why, for the operator.
      ctx.log.info({ before: treeSignature, after: sig }, 'broadcast tree changed: forgetting learned MACs and their flows');
      treeSignature = sig;
      void applyEffects(ctx, logic.treeChanged());
    },

    onSwitchDisconnected(e) {
      logic?.switchDisconnected(e.dpid);
    },

    onPortModified(e) {
      const down = (e.port.config & OFPPC.PORT_DOWN) !== 0 || (e.port.state & OFPPS.LINK_DOWN) !== 0;
      if (down) logic?.portDown(e.dpid, e.port.portNo);
    },

    onPortRemoved(e) {
      logic?.portDown(e.dpid, e.port.portNo);
    },

    onPacketIn(e): PacketInResult {
      const c = ctx;
      const l = logic;
      if (!c || !l) return undefined;
      const msg = e.msg;
      const d = l.packetIn(e.dpid, msg.inPort, msg.data, c.now());
      const fx = l.effectsOf(e.dpid, d, msg.inPort, msg.bufferId, msg.data);
      void applyEffects(c, fx);
      return fx.handled ? 'handled' : undefined;
    },
  };
  return app;
}
