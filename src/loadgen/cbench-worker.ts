/** Worker-thread entry of the load generator: runs `runCbench` with the options in workerData and posts each loop and the result. */
import { parentPort, workerData } from 'node:worker_threads';
import { runCbench, type CbenchOptions, type WorkerMessage } from './cbench.js';

const raw = workerData as CbenchOptions & { dpidBase: string };
const opts: CbenchOptions = { ...raw, dpidBase: BigInt(raw.dpidBase) };
const stop = new AbortController();
parentPort?.on('message', (m) => {
  if (m === 'stop') stop.abort();
});
const post = (m: WorkerMessage): void => parentPort?.postMessage(m);
try {
  const result = await runCbench(opts, (loop) => post({ kind: 'loop', loop }), stop.signal);
  post({ kind: 'done', result });
} catch (e) {
  post({ kind: 'error', message: (e as Error).message });
}
