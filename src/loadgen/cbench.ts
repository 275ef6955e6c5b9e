/**
 * A cbench-like OpenFlow load generator: N load switches connect to a controller, each keeps
 * PACKET_INs for M source MACs outstanding, and the controller's answers are counted over L
 * loops of D ms after W warm-up loops. Runs in the calling thread or in a worker thread.
 */
import { existsSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { buildPacketIn, FastSwitch, type BufferMode, type FastSwitchCounters } from './fast-switch.js';
import { LatencyHistogram } from './latency-histogram.js';
import { systemClock } from '../core/clock.js';
import { cpuBetween, ownCpuTime, processCpuTime, type CpuTime } from './process-cpu.js';

/** `throughput`: keep the pipe full (up to `window` outstanding per switch); `latency`: one at a time. */
export type CbenchMode = 'throughput' | 'latency';

/** Options of a run. */
export interface CbenchOptions {
  readonly host: string;
  readonly port: number;
  /** Load switches (cbench -s). */
  readonly switches: number;
  /** Source MACs per switch (cbench -M). */
  readonly macs: number;
  /** Measured loops (cbench -l). */
  readonly loops: number;
  /** Length of a loop in ms (cbench -m). */
  readonly loopMs: number;
  /** Warm-up loops, not counted in the statistics (cbench -w). */
  readonly warmup: number;
  readonly mode: CbenchMode;
  /** 4 (OpenFlow 1.3) or 1 (OpenFlow 1.0). */
  readonly version: 1 | 4;
  /** Outstanding PACKET_INs per switch in throughput mode (default {@link defaultWindow}). */
  readonly window?: number;
  /** Wait this long after the last handshake before the first loop (cbench -D); default 500 ms. */
  readonly delayMs?: number;
  /** Give up when not every switch finished its handshake by then (default 30 s). */
  readonly connectTimeoutMs?: number;
  /**
   * A PACKET_IN with no answer after this long is counted lost and its slot reused; 0: never.
   * Default 1000 ms in latency mode, 0 in throughput mode: as cbench, which never times out a
   * packet-in there and counts answers per second whenever they come (with many switches each
   * one's window of answers takes longer than a second to come back, and is no less answered for
   * it). Without a timeout, a PACKET_IN still unanswered a ring of two windows later is given up.
   */
  readonly replyTimeoutMs?: number;
  /** Buffer ids in PACKET_INs (default `auto`, see FastSwitchOptions.buffer). */
  readonly buffer?: BufferMode;
  /** First datapath id (default 1); switch i gets dpidBase + i. */
  readonly dpidBase?: bigint;
  /**
   * A local process (the controller under test) whose CPU each loop reports, from /proc/PID/stat
   * (Linux): with the generator's own, what a round trip costs each side.
   */
  readonly watchPid?: number;
}

/** The reply timeout of a mode when none is given (see CbenchOptions.replyTimeoutMs). */
export function defaultReplyTimeoutMs(mode: CbenchMode): number {
  return mode === 'latency' ? 1000 : 0;
}

/** The figures of one loop; rates are per second of the loop's measured length. */
export interface LoopResult {
  readonly loop: number;
  readonly warmup: boolean;
  readonly ms: number;
  /** PACKET_INs answered (by a FLOW_MOD or PACKET_OUT naming them), each once. */
  readonly answeredPerSec: number;
  /** Every FLOW_MOD and PACKET_OUT, as cbench counts ("responses"). */
  readonly responsesPerSec: number;
  readonly flowModsPerSec: number;
  readonly packetOutsPerSec: number;
  /** Replies naming a PACKET_IN already answered (e.g. the PACKET_OUT after its FLOW_MOD). */
  readonly repeatsPerSec: number;
  /** Replies naming none of the PACKET_INs sent. */
  readonly unmatchedPerSec: number;
  readonly sentPerSec: number;
  /** PACKET_INs given up on in this loop. */
  readonly lost: number;
  /** Mean time from sending a PACKET_IN to its first answer, ms (null when none was answered). */
  readonly avgLatencyMs: number | null;
  /** Answered per second, per switch. */
  readonly perSwitch: readonly number[];
  /** CPU this generator's process (all its threads) used in the loop. */
  readonly generatorCpu: CpuTime;
  /** CPU the `watchPid` process used in the loop (absent without one, or where it cannot be read). */
  readonly watchedCpu?: CpuTime;
}

/** min / max / avg / stdev (population) over the measured loops. */
export interface Summary {
  readonly min: number;
  readonly max: number;
  readonly avg: number;
  readonly stdev: number;
}

/** The result of a run. */
export interface CbenchResult {
  readonly controller: string;
  readonly switches: number;
  readonly macs: number;
  readonly mode: CbenchMode;
  readonly version: 1 | 4;
  /** Window per switch actually used (1 in latency mode). */
  readonly window: number;
  /** Whether the PACKET_INs carried buffer ids (decided per switch; this is switch 0's). */
  readonly buffered: boolean;
  readonly loopMs: number;
  readonly warmup: number;
  readonly loops: readonly LoopResult[];
  readonly answeredPerSec: Summary;
  readonly responsesPerSec: Summary;
  readonly flowModsPerSec: Summary;
  readonly packetOutsPerSec: Summary;
  readonly avgLatencyMs: number | null;
  /** Median and 99th percentile of the measured loops' round trips, ms (within about 3%; null when none was answered). */
  readonly p50LatencyMs: number | null;
  readonly p99LatencyMs: number | null;
  readonly lost: number;
  /**
   * Time from the first PACKET_IN until every switch had 2 × macs of them answered, ms: a learning
   * switch's learning rounds (each source MAC new and flooded, then each flow set up), warm-up
   * included; null when some switch did not get there.
   */
  readonly learningPassMs: number | null;
  /** Replies to the controller's other messages during the run. */
  readonly barriers: number;
  readonly echoes: number;
  readonly errors: number;
}

/** CPU per answered packet-in over some loops, µs (see {@link cpuPerRoundTrip}). */
export interface CpuPerRoundTrip {
  readonly generatorUs: number;
  /** The watched process's (CbenchOptions.watchPid): absent when a loop lacks it. */
  readonly watched?: { readonly userUs: number; readonly systemUs: number };
}

/**
 * CPU per answered packet-in over `loops`, µs (null when none was answered). Over the loops after
 * a learning pass both sides of a CPU-bound run show what a round trip costs them, which the round
 * trips a second hide once one side (often the generator) is the bottleneck.
 */
export function cpuPerRoundTrip(loops: readonly LoopResult[]): CpuPerRoundTrip | null {
  let answered = 0;
  let gen = 0;
  let user = 0;
  let system = 0;
  let watched = loops.length > 0;
  for (const l of loops) {
    answered += (l.answeredPerSec * l.ms) / 1000;
    gen += l.generatorCpu.userMs + l.generatorCpu.systemMs;
    if (l.watchedCpu) {
      user += l.watchedCpu.userMs;
      system += l.watchedCpu.systemMs;
    } else watched = false;
  }
  if (answered <= 0) return null;
  const us = (ms: number): number => (ms * 1000) / answered;
  return { generatorUs: us(gen), ...(watched ? { watched: { userUs: us(user), systemUs: us(system) } } : {}) };
}

/** Size of cbench's output buffer: in throughput mode it keeps this many bytes of PACKET_INs queued. */
const CBENCH_BUFFER = 65_536;

/** cbench's throughput depth: as many PACKET_INs as fill its 64 KiB output buffer. */
export function defaultWindow(packetInLength: number): number {
  return Math.max(1, Math.floor(CBENCH_BUFFER / packetInLength));
}

/** Summary of a list (zeros when empty). */
export function summarize(xs: readonly number[]): Summary {
  if (xs.length === 0) return { min: 0, max: 0, avg: 0, stdev: 0 };
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const x of xs) {
    if (x < min) min = x;
    if (x > max) max = x;
    sum += x;
  }
  const avg = sum / xs.length;
  let sq = 0;
  for (const x of xs) sq += (x - avg) * (x - avg);
  return { min, max, avg, stdev: Math.sqrt(sq / xs.length) };
}

function sumCounters(sw: readonly FastSwitch[]): FastSwitchCounters {
  const t: FastSwitchCounters = { sent: 0, answered: 0, flowMods: 0, packetOuts: 0, repeats: 0, unmatched: 0, barriers: 0, echoes: 0, errors: 0, other: 0, lost: 0, latencySumMs: 0 };
  for (const s of sw) {
    const c = s.counters;
    t.sent += c.sent;
    t.answered += c.answered;
    t.flowMods += c.flowMods;
    t.packetOuts += c.packetOuts;
    t.repeats += c.repeats;
    t.unmatched += c.unmatched;
    t.barriers += c.barriers;
    t.echoes += c.echoes;
    t.errors += c.errors;
    t.other += c.other;
    t.lost += c.lost;
    t.latencySumMs += c.latencySumMs;
  }
  return t;
}

function mergedLatency(sw: readonly FastSwitch[]): LatencyHistogram {
  const h = new LatencyHistogram();
  for (const s of sw) h.add(s.latency);
  return h;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = systemClock.after(ms, done);
    function done(): void {
      t.cancel();
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Checks the options; throws RangeError naming the bad one. */
export function validateOptions(o: CbenchOptions): void {
  const int = (v: number | undefined, name: string, min: number): void => {
    if (v !== undefined && (!Number.isInteger(v) || v < min)) throw new RangeError(`${name} must be an integer >= ${min}, got ${v}`);
  };
  int(o.port, 'port', 1);
  if (o.port > 65535) throw new RangeError(`port must be <= 65535, got ${o.port}`);
  int(o.switches, 'switches', 1);
  if (o.switches > 65536) throw new RangeError(`switches must be <= 65536, got ${o.switches}`);
  int(o.macs, 'macs', 1);
  if (o.macs > 0xffffff) throw new RangeError(`macs must be <= ${0xffffff}, got ${o.macs}`);
  int(o.loops, 'loops', 1);
  int(o.loopMs, 'loopMs', 10);
  int(o.warmup, 'warmup', 0);
  int(o.window, 'window', 1);
  int(o.delayMs, 'delayMs', 0);
  if (o.mode !== 'throughput' && o.mode !== 'latency') throw new RangeError(`mode must be throughput or latency, got ${String(o.mode)}`);
  if (o.version !== 1 && o.version !== 4) throw new RangeError(`version must be 1 (OpenFlow 1.0) or 4 (OpenFlow 1.3), got ${String(o.version)}`);
}

/**
 * Runs the load in this thread: connects the switches, waits for every handshake, then measures.
 * `onLoop` sees each loop (warm-up ones too) as it ends. Aborting `signal` ends the run early
 * with the loops measured so far. Rejects when the switches cannot connect or all disconnect.
 */
export async function runCbench(o: CbenchOptions, onLoop?: (l: LoopResult) => void, signal?: AbortSignal): Promise<CbenchResult> {
  validateOptions(o);
  const switches: FastSwitch[] = [];
  let ready = 0;
  let closed = 0;
  let described = 0;
  let firstClose: string | undefined;
  let wake: (() => void) | undefined;
  const dpidBase = o.dpidBase ?? 1n;
  // The window must be known before the switches exist; a 1.3 PACKET_IN is 102 bytes, a 1.0 one 78.
  const piLen = buildPacketIn(o.version, 0, 0, 1, 4).length;
  const window = o.mode === 'latency' ? 1 : (o.window ?? defaultWindow(piLen));
  const replyTimeoutMs = o.replyTimeoutMs ?? defaultReplyTimeoutMs(o.mode);
  try {
    for (let i = 0; i < o.switches; i++) {
      const socket = net.connect({ host: o.host, port: o.port });
      socket.setNoDelay(true);
      const sw = new FastSwitch(
        socket,
        { index: i, dpid: dpidBase + BigInt(i), version: o.version, macs: o.macs, window, buffer: o.buffer ?? 'auto' },
        () => {
          ready++;
          wake?.();
        },
        () => {
          described++;
          wake?.();
        },
      );
      socket.once('close', () => {
        closed++;
        firstClose ??= sw.closeReason ?? 'connection closed';
        wake?.();
      });
      switches.push(sw);
    }
    // Handshakes.
    const deadline = systemClock.now() + (o.connectTimeoutMs ?? 30_000);
    while (ready < o.switches) {
      if (closed > 0) throw new Error(`a load switch lost its connection during the handshake: ${firstClose}`);
      if (signal?.aborted) throw new Error('aborted');
      const left = deadline - systemClock.now();
      if (left <= 0) throw new Error(`only ${ready} of ${o.switches} switches completed the handshake within ${o.connectTimeoutMs ?? 30_000} ms`);
      await new Promise<void>((r) => {
        wake = r;
        systemClock.after(Math.min(left, 200), r);
      });
      wake = undefined;
    }
    // Wait for every controller to ask each switch for its description (Signalbox's sessions
    // are ready then); a controller that never asks gets the whole delay.
    const settleBy = systemClock.now() + (o.delayMs ?? 500);
    while (described < o.switches && !signal?.aborted) {
      const left = settleBy - systemClock.now();
      if (left <= 0) break;
      await new Promise<void>((r) => {
        wake = r;
        systemClock.after(Math.min(left, 200), r);
      });
      wake = undefined;
    }
    for (const sw of switches) sw.start();
    const expiry =
      replyTimeoutMs > 0
        ? systemClock.every(Math.max(50, Math.min(250, replyTimeoutMs / 4)), () => {
            const now = performance.now();
            for (const sw of switches) sw.expire(now, replyTimeoutMs);
          })
        : undefined;
    const loops: LoopResult[] = [];
    let latencyBefore: LatencyHistogram | undefined;
    try {
      let prev = sumCounters(switches);
      let prevPer = switches.map((s) => s.counters.answered);
      let cpu0 = ownCpuTime();
      let watched0 = o.watchPid === undefined ? undefined : processCpuTime(o.watchPid);
      let t0 = performance.now();
      const total = o.warmup + o.loops;
      for (let i = 0; i < total; i++) {
        if (i === o.warmup) latencyBefore = mergedLatency(switches);
        await sleep(o.loopMs, signal);
        const t1 = performance.now();
        const cpu1 = ownCpuTime();
        const watched1 = o.watchPid === undefined ? undefined : processCpuTime(o.watchPid);
        const cur = sumCounters(switches);
        const per = switches.map((s) => s.counters.answered);
        const sec = (t1 - t0) / 1000;
        const answered = cur.answered - prev.answered;
        const l: LoopResult = {
          loop: i + 1,
          warmup: i < o.warmup,
          ms: t1 - t0,
          answeredPerSec: answered / sec,
          responsesPerSec: (cur.flowMods + cur.packetOuts - prev.flowMods - prev.packetOuts) / sec,
          flowModsPerSec: (cur.flowMods - prev.flowMods) / sec,
          packetOutsPerSec: (cur.packetOuts - prev.packetOuts) / sec,
          repeatsPerSec: (cur.repeats - prev.repeats) / sec,
          unmatchedPerSec: (cur.unmatched - prev.unmatched) / sec,
          sentPerSec: (cur.sent - prev.sent) / sec,
          lost: cur.lost - prev.lost,
          avgLatencyMs: answered > 0 ? (cur.latencySumMs - prev.latencySumMs) / answered : null,
          perSwitch: per.map((a, j) => (a - prevPer[j]!) / sec),
          generatorCpu: cpuBetween(cpu0, cpu1),
          ...(watched0 && watched1 ? { watchedCpu: cpuBetween(watched0, watched1) } : {}),
        };
        loops.push(l);
        onLoop?.(l);
        prev = cur;
        prevPer = per;
        cpu0 = cpu1;
        watched0 = watched1;
        t0 = t1;
        if (signal?.aborted) break;
        if (closed === o.switches) throw new Error(`every load switch lost its connection: ${firstClose}`);
      }
    } finally {
      expiry?.cancel();
    }
    const measured = loops.filter((l) => !l.warmup);
    const latency = latencyBefore ? mergedLatency(switches).since(latencyBefore) : new LatencyHistogram();
    const totals = sumCounters(switches);
    let latSum = 0;
    let latN = 0;
    for (const l of measured) {
      if (l.avgLatencyMs === null) continue;
      const n = l.answeredPerSec * (l.ms / 1000);
      latSum += l.avgLatencyMs * n;
      latN += n;
    }
    return {
      controller: `${o.host}:${o.port}`,
      switches: o.switches,
      macs: o.macs,
      mode: o.mode,
      version: o.version,
      window: switches[0]!.effectiveWindow,
      buffered: switches[0]!.isBuffered,
      loopMs: o.loopMs,
      warmup: o.warmup,
      loops,
      answeredPerSec: summarize(measured.map((l) => l.answeredPerSec)),
      responsesPerSec: summarize(measured.map((l) => l.responsesPerSec)),
      flowModsPerSec: summarize(measured.map((l) => l.flowModsPerSec)),
      packetOutsPerSec: summarize(measured.map((l) => l.packetOutsPerSec)),
      avgLatencyMs: latN > 0 ? latSum / latN : null,
      p50LatencyMs: latency.quantileMs(0.5),
      p99LatencyMs: latency.quantileMs(0.99),
      lost: measured.reduce((a, l) => a + l.lost, 0),
      learningPassMs: switches.every((sw) => sw.learnedInMs !== undefined) ? Math.max(...switches.map((sw) => sw.learnedInMs!)) : null,
      barriers: totals.barriers,
      echoes: totals.echoes,
      errors: totals.errors,
    };
  } finally {
    for (const sw of switches) sw.close();
  }
}

/** Messages the worker posts to its parent. */
export type WorkerMessage =
  | { readonly kind: 'loop'; readonly loop: LoopResult }
  | { readonly kind: 'done'; readonly result: CbenchResult }
  | { readonly kind: 'error'; readonly message: string };

/** The compiled worker next to this module, if there is one (there is none when running the TypeScript sources). */
function workerFile(): URL | undefined {
  const url = new URL('./cbench-worker.js', import.meta.url);
  return existsSync(fileURLToPath(url)) ? url : undefined;
}

/**
 * Runs the load in a worker thread, so the generator and a controller in this process use
 * separate cores. Falls back to this thread when the compiled worker is not available (sources
 * run through a TypeScript loader). Aborting `signal` stops the run early.
 */
export async function runCbenchInWorker(o: CbenchOptions, onLoop?: (l: LoopResult) => void, signal?: AbortSignal): Promise<CbenchResult> {
  validateOptions(o);
  const file = workerFile();
  if (!file) return runCbench(o, onLoop, signal);
  const worker = new Worker(file, { workerData: { ...o, dpidBase: (o.dpidBase ?? 1n).toString() } });
  const onAbort = (): void => worker.postMessage('stop');
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await new Promise<CbenchResult>((resolve, reject) => {
      worker.on('message', (m: WorkerMessage) => {
        if (m.kind === 'loop') onLoop?.(m.loop);
        else if (m.kind === 'done') resolve(m.result);
        else reject(new Error(m.message));
      });
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`load generator worker exited with code ${code}`)));
    });
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await worker.terminate();
  }
}
