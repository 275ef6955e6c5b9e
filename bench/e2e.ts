/**
 * End-to-end suite: a Signalbox controller in this process answers the load generator's
 * PACKET_INs (16 switches x 1,000 MACs, OpenFlow 1.3 and 1.0, throughput and latency modes);
 * the generator runs in a worker thread so each side has a core. Two answering apps: the real
 * l2-learning app (through the app framework and flow service), and the built-in responder
 * (src/lab/responder.ts: one FLOW_MOD and one PACKET_OUT per packet-in straight through the
 * Datapath API), which shows the cost of the session and codec without app logic.
 * SIGNALBOX_BENCH_E2E_APPS=l2-learning (or responder) runs one of them.
 */
import { pathToFileURL } from 'node:url';
import { startInProcess, RESPONDER } from '../src/lab/in-process.js';
import { runCbenchInWorker, type CbenchMode, type CbenchResult } from '../src/loadgen/cbench.js';
import type { BenchSuite, Row } from './harness.js';

const SUITE = 'e2e';
const APPS = (process.env.SIGNALBOX_BENCH_E2E_APPS ?? `l2-learning,${RESPONDER}`).split(',').filter(Boolean);
const SWITCHES = Number(process.env.SIGNALBOX_BENCH_E2E_SWITCHES ?? 16);
const MACS = Number(process.env.SIGNALBOX_BENCH_E2E_MACS ?? 1000);
const LOOPS = Number(process.env.SIGNALBOX_BENCH_E2E_LOOPS ?? 5);
const LOOP_MS = Number(process.env.SIGNALBOX_BENCH_E2E_MS ?? 1000);

/** One controller + generator run with `app` answering. */
export async function runE2e(app: string, version: 1 | 4, mode: CbenchMode): Promise<CbenchResult> {
  const ctrl = await startInProcess({ apps: [app], openflow: { echoIntervalMs: 0, packetInRatePps: 0 } });
  try {
    return await runCbenchInWorker({
      host: '127.0.0.1',
      port: ctrl.port,
      switches: SWITCHES,
      macs: MACS,
      loops: LOOPS,
      loopMs: LOOP_MS,
      warmup: 1,
      mode,
      version,
      delayMs: 300,
    });
  } finally {
    await ctrl.stop();
  }
}

function row(app: string, r: CbenchResult): Row {
  const v = r.version === 1 ? '1.0' : '1.3';
  const ops = r.answeredPerSec.avg;
  const k = (n: number): string => Math.round(n).toLocaleString('en-US');
  const extra =
    r.mode === 'latency'
      ? `mean RTT ${r.avgLatencyMs?.toFixed(3) ?? 'n/a'} ms, p50 ${r.p50LatencyMs?.toFixed(3) ?? 'n/a'} ms, p99 ${r.p99LatencyMs?.toFixed(3) ?? 'n/a'} ms`
      : `window ${r.window}, flow_mod ${k(r.flowModsPerSec.avg)}/s, packet_out ${k(r.packetOutsPerSec.avg)}/s`;
  return {
    suite: SUITE,
    case: `${app}, OF${v} ${r.mode}: packet-ins answered, ${r.switches} sw x ${r.macs} MACs (${extra}; stdev ${k(r.answeredPerSec.stdev)}, lost ${r.lost})`,
    opsPerSec: ops,
    nsPerOp: ops > 0 ? 1e9 / ops : 0,
  };
}

export const e2eSuite: BenchSuite = {
  name: SUITE,
  async run(): Promise<Row[]> {
    const rows: Row[] = [];
    for (const app of APPS) {
      for (const version of [4, 1] as const) {
        for (const mode of ['throughput', 'latency'] as const) rows.push(row(app, await runE2e(app, version, mode)));
      }
    }
    return rows;
  },
};

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await e2eSuite.run()) process.stdout.write(`${r.case}: ${Math.round(r.opsPerSec).toLocaleString('en-US')}/s\n`);
}
