/**
 * An example external app: drops traffic from blocklisted source MACs. It installs a drop flow
 * per MAC on every switch (above l2-learning's flows) and, for packets that reach the controller
 * before the flow is in, answers its packet-in with 'handled' so forwarding apps never see them.
 *
 * docs/apps.md shows this file whole and tells how to build and load it from the installed
 * package (`apps.modules: ['./mac-blocklist.js']`, `apps.enabled: ['mac-blocklist', 'l2-learning']`);
 * test/integration/package.test.ts does exactly that.
 */
import { dpidToHex, macToNumber, peekEthernet, type App, type AppContext, type ConfigSchema } from 'signalbox';

/** Settings of `apps.settings.mac-blocklist`. */
export interface MacBlocklistConfig {
  /** Source MACs to drop, `aa:bb:cc:dd:ee:ff`. */
  readonly macs: readonly string[];
  /** Priority of the drop flows (above l2-learning's 10). */
  readonly priority: number;
}

const schema: ConfigSchema<MacBlocklistConfig> = {
  defaults: { macs: [], priority: 1000 },
  fields: {
    macs: { type: 'string[]', description: 'source MACs to drop' },
    priority: { type: 'number', integer: true, min: 1, max: 65535, description: 'priority of the drop flows' },
  },
  validate: (c) => {
    const bad = c.macs.find((m) => !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(m));
    return bad === undefined ? undefined : `not a MAC address: ${bad}`;
  },
};

/** Makes the app: a fresh instance, with fresh state, each time it is enabled. */
export default function macBlocklist(): App<MacBlocklistConfig> {
  let ctx: AppContext<MacBlocklistConfig> | undefined;
  // Source MACs as 48-bit numbers, as peekEthernet reads them: no string per packet.
  let blocked = new Set<number>();
  return {
    name: 'mac-blocklist',
    description: 'Drops frames from blocklisted source MACs (drop flows plus a packet-in guard)',
    // Before forwarding apps (l2-learning runs at 0).
    packetInPriority: 500,
    config: schema,

    start(c) {
      ctx = c;
      blocked = new Set(c.config.macs.map((m) => macToNumber(m)));
      c.log.info({ macs: c.config.macs.length }, 'mac-blocklist started');
    },

    stop() {
      // The framework removes our flows; nothing else to undo.
      ctx = undefined;
    },

    onSwitchConnected(e) {
      if (!ctx) return;
      for (const mac of ctx.config.macs) {
        // No actions: the switch drops matching frames.
        ctx.flows.install(e.dpid, { priority: ctx.config.priority, match: [{ field: 'eth_src', value: mac.toLowerCase() }], actions: [] });
      }
    },

    onPacketIn(e) {
      const eth = peekEthernet(e.msg.data);
      if (!ctx || !eth || !blocked.has(eth.src)) return undefined;
      ctx.metrics.counter('dropped_total', 'packet-ins dropped for a blocklisted source').inc();
      void ctx.store.put(`seen/${dpidToHex(e.dpid)}`, ctx.now());
      return 'handled';
    },
  };
}
