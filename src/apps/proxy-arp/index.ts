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
      const l = logic;
      if (c.hosts) l.setHosts(c.hosts.list());
      c.every(Math.max(1000, (c.config.bindingAgeSec * 1000) / 4), (now) => void l.expire(now));
    },

    stop() {
      ctx = undefined;
      logic = undefined;
    },

    bindings: () => logic?.list() ?? [],

    onTopologyChanged(e) {
      logic?.setHosts(ctx?.hosts?.list() ?? e.snapshot.hosts);
    },

    onPacketIn(e): PacketInResult {
      const c = ctx;
      const l = logic;
      if (!c || !l) return undefined;
      const d = l.packetIn(e.dpid, e.msg.inPort, e.msg.data, c.now());
      if (d.kind !== 'reply') return undefined;
      void applyEffects(c, sends(d.dpid, d.spec));
      answered?.inc();
      return 'handled';
    },
  };
}
