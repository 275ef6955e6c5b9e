/**
 * The built-in `stats` app: polls every switch's port and flow counters at an interval into the
 * app metrics and a latest-stats view the API reads (`latest()`, `forSwitch(dpid)`).
 */
import type { SwitchView } from '../../core/services.js';
import { bool, defaultsOf, int, section, type ConfigOf } from '../../core/config-schema.js';
import type { App, AppContext } from '../../core/app.js';
import { StatsView, type PortCounters, type SwitchStats } from './logic.js';

export { StatsView, type SwitchStats, type PortView, type FlowView, type PortCounters, type FlowCounters, type PortDeltas } from './logic.js';

/** Settings schema of `apps.settings.stats`. */
export const statsSchema = section(
  {
    intervalMs: int({ default: 10_000, min: 100, unit: 'ms', doc: 'Poll every switch this often.' }),
    portStats: bool({ default: true, doc: 'Poll port counters.' }),
    flowStats: bool({ default: true, doc: 'Poll flow counters.' }),
  },
  { doc: "Polls every switch's port and flow counters into the app metrics and the API's stats views." },
);

/** Settings of the stats app. */
export type StatsConfig = ConfigOf<typeof statsSchema>;

/** Defaults of the stats app. */
export const defaultStatsConfig: StatsConfig = defaultsOf(statsSchema);

/** The stats app with its read view. */
export interface StatsApp extends App<StatsConfig> {
  /** Latest stats of every switch polled. */
  latest(): SwitchStats[];
  /** Latest stats of one switch. */
  forSwitch(dpid: bigint): SwitchStats | undefined;
  /** Polls every connected switch now (also what the timer does); resolves when all answered or failed. */
  pollNow(): Promise<void>;
}

/** Makes the app. */
export function statsApp(): StatsApp {
  let ctx: AppContext<StatsConfig> | undefined;
  let view = new StatsView();
  let m:
    | {
        polls: { inc(n?: number): void };
        errors: { inc(n?: number): void };
        rxBytes: { inc(n?: number): void };
        txBytes: { inc(n?: number): void };
        rxPackets: { inc(n?: number): void };
        txPackets: { inc(n?: number): void };
        dropped: { inc(n?: number): void };
        duration: { observe(v: number): void };
      }
    | undefined;

  const pollOne = async (c: AppContext<StatsConfig>, dp: SwitchView): Promise<void> => {
    const t0 = performance.now();
    try {
      if (c.config.portStats) {
        const body = await c.devices.portStats(dp.dpid);
        const ports = (body.type === 'port_stats' || body.type === 'port' ? body.ports : []) as readonly PortCounters[];
        const d = view.recordPorts(dp.dpid, c.now(), ports);
        m?.rxBytes.inc(d.rxBytes);
        m?.txBytes.inc(d.txBytes);
        m?.rxPackets.inc(d.rxPackets);
        m?.txPackets.inc(d.txPackets);
        m?.dropped.inc(d.rxDropped + d.txDropped);
      }
      if (c.config.flowStats) view.recordFlows(dp.dpid, c.now(), await c.devices.flowStats(dp.dpid));
      m?.polls.inc();
    } catch (e) {
      m?.errors.inc();
      c.log.debug({ dpid: dp.dpidHex, err: (e as Error).message }, 'stats poll failed');
    }
    m?.duration.observe((performance.now() - t0) / 1000);
  };

  const pollAll = async (): Promise<void> => {
    const c = ctx;
    if (!c) return;
    await Promise.all(c.devices.list().filter((dp) => dp.connected).map((dp) => pollOne(c, dp)));
  };

  return {
    name: 'stats',
    description: 'Polls port and flow counters into metrics and a latest-stats view',
    config: statsSchema,

    start(c) {
      ctx = c;
      view = new StatsView();
      m = {
        polls: c.metrics.counter('polls_total', 'Switch polls answered'),
        errors: c.metrics.counter('poll_errors_total', 'Switch polls that failed or timed out'),
        rxBytes: c.metrics.counter('port_rx_bytes_total', 'Bytes received on all polled ports'),
        txBytes: c.metrics.counter('port_tx_bytes_total', 'Bytes sent on all polled ports'),
        rxPackets: c.metrics.counter('port_rx_packets_total', 'Packets received on all polled ports'),
        txPackets: c.metrics.counter('port_tx_packets_total', 'Packets sent on all polled ports'),
        dropped: c.metrics.counter('port_dropped_total', 'Packets dropped on all polled ports'),
        duration: c.metrics.histogram('poll_duration_seconds', 'Time to poll one switch'),
      };
      // Errors are counted per switch inside: one slow switch does not fail the app.
      c.every(c.config.intervalMs, () => pollAll());
    },

    stop() {
      ctx = undefined;
    },

    latest: () => view.all(),
    forSwitch: (dpid) => view.get(dpid),
    pollNow: pollAll,

    onSwitchDisconnected(e) {
      view.forget(e.dpid);
    },
  };
}
