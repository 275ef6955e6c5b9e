/**
 * Sessions suite: N emulated switches (in a child process) connect over loopback TCP; measures
 * the time until every handshake completes, the controller's heap per idle session, and the echo
 * round trip while all are connected.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { defaultConfig } from '../src/config.js';
import { Controller } from '../src/controller.js';
import type { BenchSuite, Row } from './harness.js';

const SIZES = (process.env.SIGNALBOX_BENCH_SWITCHES ?? '100,1000,5000').split(',').map(Number);
const CONNECT_TIMEOUT_MS = 60_000;

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

async function settleHeap(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 50));
  }
  return process.memoryUsage().heapUsed;
}

/** Every emulated switch connects from 127.0.0.1 at once: the per-address caps of a production listener would refuse most of them. */
const NO_CONNECTION_CAPS = { maxConnections: 0, maxConnectionsPerAddress: 0, maxHandshakes: 0, maxHandshakesPerAddress: 0 };

async function runSize(n: number): Promise<Row[]> {
  const ctrl = new Controller({
    ...defaultConfig,
    openflow: { ...defaultConfig.openflow, listen: ['127.0.0.1:0'], echoIntervalMs: 0, handshakeTimeoutMs: CONNECT_TIMEOUT_MS, ...NO_CONNECTION_CAPS },
  });
  const port = (await ctrl.start()).openflow[0]!.port;
  const heap0 = await settleHeap();
  const t0 = performance.now();
  const swarm = spawn(process.execPath, [fileURLToPath(new URL('./switch-swarm.js', import.meta.url)), '127.0.0.1', String(port), String(n)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`only ${ctrl.datapaths.size} of ${n} switches connected in ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
      const check = () => {
        if (ctrl.datapaths.size >= n) {
          clearTimeout(deadline);
          resolve();
        }
      };
      ctrl.bus.on('switchConnected', check);
      swarm.once('exit', (code) => reject(new Error(`switch swarm exited with ${code}`)));
    });
    const connectMs = performance.now() - t0;
    const heap1 = await settleHeap();
    const heapPerSession = (heap1 - heap0) / n;
    // Echo round trips: one at a time over a sample, then all switches at once.
    const dps = [...ctrl.datapaths.values()];
    const sample = dps.filter((_, i) => i % Math.max(1, Math.floor(n / 200)) === 0);
    const rtts: number[] = [];
    for (const dp of sample) rtts.push(await dp.session.echo(5000));
    rtts.sort((a, b) => a - b);
    const median = rtts[Math.floor(rtts.length / 2)]!;
    const tAll = performance.now();
    await Promise.all(dps.map((dp) => dp.session.echo(20_000)));
    const allMs = performance.now() - tAll;
    return [
      { suite: 'sessions', case: `${n} switches: handshake`, opsPerSec: (n / connectMs) * 1000, nsPerOp: (connectMs * 1e6) / n, note: `all connected in ${connectMs.toFixed(0)} ms; heap ${(heapPerSession / 1024).toFixed(1)} KB per idle session` },
      { suite: 'sessions', case: `${n} switches: echo one at a time`, opsPerSec: 1000 / median, nsPerOp: median * 1e6, note: `median RTT ${median.toFixed(3)} ms over ${sample.length} switches` },
      { suite: 'sessions', case: `${n} switches: echo to all at once`, opsPerSec: (n / allMs) * 1000, nsPerOp: (allMs * 1e6) / n, note: `all answered in ${allMs.toFixed(0)} ms` },
    ];
  } finally {
    swarm.stdin?.end();
    swarm.kill('SIGTERM');
    await ctrl.stop();
  }
}

export const sessionsSuite: BenchSuite = {
  name: 'sessions',
  async run(): Promise<Row[]> {
    const rows: Row[] = [];
    for (const n of SIZES) rows.push(...(await runSize(n)));
    return rows;
  },
};
