/**
 * End-to-end suite: a Signalbox Controller in this process answers the load generator's
 * PACKET_INs (16 switches x 1,000 MACs, OpenFlow 1.3 and 1.0, throughput and latency modes);
 * the generator runs in a worker thread so each side has a core.
 *
 * The app answering is the built-in responder (src/loadgen/responder.ts: one FLOW_MOD and one
 * PACKET_OUT per packet-in through the Datapath API), not l2-learning: src/apps exports no
 * learning app yet. Swap it in here once it does.
 */
import { pathToFileURL } from 'node:url';
import { defaultConfig } from '../src/config.js';
import { Controller } from '../src/controller.js';
import { runCbenchInWorker, type CbenchMode, type CbenchResult } from '../src/loadgen/cbench.js';
import { attachResponder } from '../src/loadgen/responder.js';
import type { BenchSuite, Row } from './harness.js';

const SUITE = 'e2e';
const APP = 'built-in responder (FLOW_MOD + PACKET_OUT)';
const SWITCHES = Number(process.env.SIGNALBOX_BENCH_E2E_SWITCHES ?? 16);
const MACS = Number(process.env.SIGNALBOX_BENCH_E2E_MACS ?? 1000);
const LOOPS = Number(process.env.SIGNALBOX_BENCH_E2E_LOOPS ?? 5);
const LOOP_MS = Number(process.env.SIGNALBOX_BENCH_E2E_MS ?? 1000);

/** One controller + generator run. */
export async function runE2e(version: 1 | 4, mode: CbenchMode): Promise<CbenchResult> {
  const ctrl = new Controller({
    ...defaultConfig,
    openflow: { ...defaultConfig.openflow, listen: ['127.0.0.1:0'], echoIntervalMs: 0 },
  });
  const detach = attachResponder(ctrl);
  try {
    const port = (await ctrl.start()).openflow[0]!.port;
    return await runCbenchInWorker({
      host: '127.0.0.1',
      port,
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
    detach();
    await ctrl.stop();
  }
}

function row(r: CbenchResult): Row {
  const v = r.version === 1 ? '1.0' : '1.3';
  const ops = r.answeredPerSec.avg;
  const extra =
    r.mode === 'latency'
      ? `, mean RTT ${r.avgLatencyMs?.toFixed(3) ?? 'n/a'} ms`
      : `, window ${r.window}, responses ${Math.round(r.responsesPerSec.avg).toLocaleString('en-US')}/s`;
  return {
    suite: SUITE,
    case: `OF${v} ${r.mode}: packet-ins answered, ${r.switches} sw x ${r.macs} MACs, ${APP}${extra}, stdev ${Math.round(r.answeredPerSec.stdev).toLocaleString('en-US')}`,
    opsPerSec: ops,
    nsPerOp: ops > 0 ? 1e9 / ops : 0,
  };
}

export const e2eSuite: BenchSuite = {
  name: SUITE,
  async run(): Promise<Row[]> {
    const rows: Row[] = [];
    for (const version of [4, 1] as const) {
      for (const mode of ['throughput', 'latency'] as const) rows.push(row(await runE2e(version, mode)));
    }
    return rows;
  },
};

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await e2eSuite.run()) process.stdout.write(`${r.case}: ${Math.round(r.opsPerSec).toLocaleString('en-US')}/s\n`);
}
