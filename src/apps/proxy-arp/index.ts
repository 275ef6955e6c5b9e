/** The built-in `proxy-arp` app: answers ARP requests for known hosts from the controller; unknown targets go on to the next app. */
import { applyEffects, sends } from '../effects.js';
import type { App, AppContext, PacketInResult } from '../../core/app.js';
import { proxyArpSchema, ProxyArp, type ProxyArpConfig } from './logic.js';

export { ProxyArp, defaultProxyArpConfig, proxyArpSchema, type ProxyArpConfig, type ProxyArpDecision } from './logic.js';

/** The proxy-arp app with a read-only view for the API. */
export interface ProxyArpApp extends App<ProxyArpConfig> {
  /** Address bindings learned from ARP. */
  bindings(): ReturnType<ProxyArp['list']>;
}

/** Makes the app (fresh state each time it is enabled). */
export function proxyArpApp(): ProxyArpApp {
  let ctx: AppContext<ProxyArpConfig> | undefined;
  let logic: ProxyArp | undefined;
  let answered: { inc(): void } | undefined;
  let refused: { inc(n?: number): void } | undefined;
  let refusedSeen = 0;
  return {
    name: 'proxy-arp',
    description: 'Answers ARP requests for known hosts from the controller',
    // Ahead of forwarding (0), behind guards and ACLs (~500) and the router.
    packetInPriority: 300,
    config: proxyArpSchema,

    start(c) {
      ctx = c;
      logic = new ProxyArp(c.config);
      answered = c.metrics.counter('replies_total', 'ARP requests answered by the controller');
      refused = c.metrics.counter('bindings_refused_total', 'New ARP address bindings not learned because apps.settings.proxy-arp.maxBindings were kept');
      refusedSeen = 0;
      const l = logic;
      if (c.hosts) l.setHosts(c.hosts.list());
      c.every(Math.max(1000, (c.config.bindingAgeSec * 1000) / 4), (now) => void l.expire(now));
    },

    stop() {
      ctx = undefined;
      logic = undefined;
    },

    bindings: () => logic?.list() ?? [],

    onSwitchDisconnected(e) {
      logic?.forget(e.dpid);
    },

    onPortRemoved(e) {
      logic?.forget(e.dpid, e.port.portNo);
    },

    onTopologyChanged(e) {
      logic?.setHosts(ctx?.hosts?.list() ?? e.snapshot.hosts);
    },

    onPacketIn(e): PacketInResult {
      const c = ctx;
      const l = logic;
      if (!c || !l) return undefined;
      const d = l.packetIn(e.dpid, e.msg.inPort, e.msg.data, c.now());
      if (l.refused > refusedSeen) {
        if (refusedSeen === 0) c.log.warn({ max: c.config.maxBindings }, 'ARP bindings reached apps.settings.proxy-arp.maxBindings: new addresses are not learned (counted in signalbox_app_proxy_arp_bindings_refused_total)');
        refused?.inc(l.refused - refusedSeen);
        refusedSeen = l.refused;
      }
      if (d.kind !== 'reply') return undefined;
      void applyEffects(c, sends(d.dpid, d.spec));
      answered?.inc();
      return 'handled';
    },
  };
}
