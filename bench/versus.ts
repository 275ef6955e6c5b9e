/**
 * Signalbox against Open vSwitch's C learning switch (`ovs-testcontroller`), side by side: for
 * each number of switches, OpenFlow version and mode (cbench latency and throughput), the same
 * generator (`signalbox bench --controller`, in its own process) measures both controllers,
 * alternating which goes first, over several rounds; each controller is a fresh process per
 * measurement (Signalbox: `signalbox start` with l2-learning and the packet-in rate guard off). Prints
 * the medians as the README's Markdown table (or JSON with --json).
 *
 *   node dist/bench/versus.js [--rounds 3] [--switches 1,4,16,64,256] [--versions 1.0,1.3]
 *                             [--modes latency,throughput] [--macs 1000] [--loops 5] [--warmup 1] [--json]
 *                             [--set KEY=VALUE ...]   (Signalbox settings, e.g. openflow.batchIo=false)
 *
 * Run it under the same priority for both (e.g. `nice -n -5`); the children inherit it.
 *
 * With `--against DIR` (another checkout, built) it compares this checkout's Signalbox with that
 * one's instead, in alternating pairs of runs, by each run's controller CPU divided by the
 * generator's (the virtual machine's speed changes both alike, so this ratio moves far less than
 * round trips a second): prints each build's medians and the median of the pairs' ratios. Once
 * both processes keep a core busy (the steady seconds) that ratio is near 1 for any build, so it
 * mostly weighs the learning pass; the per-round log's later loops compare the steady state.
 *
 *   node dist/bench/versus.js --against DIR [--rounds 12] [--switches 16] [--versions 1.0] [--modes latency]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { cpuPerRoundTrip, type CbenchMode, type CbenchResult, type CpuPerRoundTrip } from '../src/loadgen/cbench.js';
import { processCpuTime } from '../src/loadgen/process-cpu.js';
import { endChild } from '../test/harness/exec.js';

/** The checkout's bin/signalbox (this file runs from dist/bench). */
const SIGNALBOX = fileURLToPath(new URL('../../bin/signalbox', import.meta.url));

/** `signalbox` is this checkout's; `signalbox-against` the one given with --against. */
type ControllerName = 'signalbox' | 'ovs-testcontroller' | 'signalbox-against';

/**
 * ovs-testcontroller serves at most 16 switches (MAX_SWITCHES in Open vSwitch's
 * utilities/ovs-testcontroller.c; the 17th never gets its handshake): larger runs measure
 * Signalbox alone.
 */
const OVS_MAX_SWITCHES = 16;

/** One controller process listening on a port. */
interface Running {
  readonly name: ControllerName;
  readonly port: number;
  readonly child: ChildProcess;
  readonly cleanup: () => void;
}

/** The figures kept from one generator run. */
export interface Sample {
  readonly controller: ControllerName;
  readonly switches: number;
  readonly version: '1.0' | '1.3';
  readonly mode: CbenchMode;
  readonly answeredPerSec: number;
  /**
   * Round trips a second in the first measured loop and, on average, in the loops after it (null
   * with one loop): a fresh controller learns the generator's hosts and flows, and warms its JIT,
   * in its first seconds, and with one warm-up loop the tail of that is in the first measured one.
   */
  readonly firstLoopPerSec: number;
  readonly laterLoopsPerSec: number | null;
  readonly meanMs: number | null;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly lost: number;
  /** The generator's learning pass (CbenchResult.learningPassMs): its first 2 × macs answers on every switch. */
  readonly learningPassMs: number | null;
  readonly loadAvg: number;
  /** CPU of the controller process during the generator's run (/proc/PID/stat). */
  readonly controllerCpuMs: number;
  /** CPU of the generator process (its own count, from its start). */
  readonly generatorCpuMs: number;
  /**
   * CPU per round trip in the later loops, the controller's (user and system) and the generator's:
   * once both keep a core busy, the round trips a second follow the slower side, and these show
   * what each side spends.
   */
  readonly laterCpu: CpuPerRoundTrip | null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resolves once something accepts connections on the port (or rejects after `ms`). */
async function listening(port: number, child: ChildProcess, ms = 30_000): Promise<void> {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    if (child.exitCode !== null) throw new Error(`controller exited with code ${child.exitCode} before listening`);
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect({ host: '127.0.0.1', port }, () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    await delay(100);
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${ms} ms`);
}

/** Resolves once the controller's API answers GET /readyz with 200 (its start-up is over), or rejects after `ms`. */
async function apiReady(apiPort: number, child: ChildProcess, ms = 30_000): Promise<void> {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    if (child.exitCode !== null) throw new Error(`controller exited with code ${child.exitCode} before it was ready`);
    const status = await fetch(`http://127.0.0.1:${apiPort}/readyz`).then(
      (r) => r.arrayBuffer().then(() => r.status),
      () => 0,
    );
    if (status === 200) return;
    await delay(50);
  }
  throw new Error(`the controller's /readyz on 127.0.0.1:${apiPort} did not answer 200 within ${ms} ms`);
}

async function start(name: ControllerName, sets: readonly string[], signalbox = SIGNALBOX): Promise<Running> {
  const port = await freePort();
  if (name === 'ovs-testcontroller') {
    const child = spawn('ovs-testcontroller', [`ptcp:${port}:127.0.0.1`], { stdio: 'ignore' });
    const failed = new Promise<never>((_, reject) => child.once('error', (e) => reject(new Error(`ovs-testcontroller: ${e.message} (apt-get install openvswitch-testcontroller)`))));
    await Promise.race([listening(port, child), failed]);
    return { name, port, child, cleanup: () => undefined };
  }
  const data = mkdtempSync(join(tmpdir(), 'signalbox-versus-'));
  const apiPort = await freePort();
  const child = spawn(
    process.execPath,
    [
      signalbox, 'start', '--listen', `127.0.0.1:${port}`, '--api', `127.0.0.1:${apiPort}`, '--data', data, '--apps', 'l2-learning', '--log-level', 'error',
      // The storm guards are for a network, not a benchmark: no per-switch packet-in rate, and
      // every emulated switch may handshake at once from the one address.
      '--set', 'openflow.packetInRatePps=0', '--set', 'openflow.maxHandshakesPerAddress=0', '--set', 'openflow.maxConnectionsPerAddress=0',
      ...sets.flatMap((kv) => ['--set', kv]),
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  await listening(port, child);
  // Signalbox opens its OpenFlow listener before its API, whose route schemas it compiles next:
  // measured from the first accept, the generator's first seconds shared the main thread with
  // that start-up (27% of its samples then). ovs-testcontroller is started when it listens;
  // Signalbox once /readyz answers 200.
  await apiReady(apiPort, child);
  return { name, port, child, cleanup: () => rmSync(data, { recursive: true, force: true }) };
}

async function stop(r: Running): Promise<void> {
  await endChild(r.child, { graceMs: 10_000 });
  r.cleanup();
}

function loadAvg(): number {
  const out = spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).stdout;
  return Number(out.split(' ')[0]);
}

/** User + system CPU of a process so far, in ms (0 when it cannot be read). */
function cpuMsOf(pid: number | undefined): number {
  const t = pid === undefined ? undefined : processCpuTime(pid);
  return t === undefined ? 0 : t.userMs + t.systemMs;
}

/** One generator run in its own process (so it never shares the controller's event loop or core). */
function measure(r: Running, switches: number, version: '1.0' | '1.3', mode: CbenchMode, o: { macs: number; loops: number; warmup: number }): Sample {
  const cpuBefore = cpuMsOf(r.child.pid);
  const args = [SIGNALBOX, 'bench', '--controller', `127.0.0.1:${r.port}`, '--mode', mode, '-s', String(switches), '-M', String(o.macs), '-l', String(o.loops), '-w', String(o.warmup), '--version', version, '--json', ...(r.child.pid !== undefined ? ['--cpu-of', String(r.child.pid)] : [])];
  const p = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (p.status !== 0) throw new Error(`signalbox bench against ${r.name} failed (${p.status}): ${p.stderr.trim().split('\n').slice(-3).join(' / ')}`);
  const res = JSON.parse(p.stdout) as CbenchResult & { generatorCpuMs: number };
  const controllerCpuMs = cpuMsOf(r.child.pid) - cpuBefore;
  const measuredLoops = res.loops.filter((l) => !l.warmup);
  const measured = measuredLoops.map((l) => l.answeredPerSec);
  const later = measured.slice(1);
  return {
    controller: r.name,
    switches,
    version,
    mode,
    answeredPerSec: res.answeredPerSec.avg,
    firstLoopPerSec: measured[0] ?? 0,
    laterLoopsPerSec: later.length > 0 ? later.reduce((a, b) => a + b, 0) / later.length : null,
    meanMs: res.avgLatencyMs,
    p50Ms: res.p50LatencyMs,
    p99Ms: res.p99LatencyMs,
    lost: res.lost,
    learningPassMs: res.learningPassMs,
    loadAvg: loadAvg(),
    controllerCpuMs,
    generatorCpuMs: res.generatorCpuMs,
    laterCpu: cpuPerRoundTrip(measuredLoops.slice(1)),
  };
}

/** The median of the samples' figures that are there (null when none is). */
function med(xs: readonly Sample[], f: (s: Sample) => number | null): number | null {
  const v = xs.map(f).filter((x): x is number => x !== null);
  return v.length ? median(v) : null;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const k = (n: number | null): string => (n === null ? '–' : n >= 10_000 ? `${Math.round(n / 1000)} k` : n >= 1000 ? `${(n / 1000).toFixed(1)} k` : String(Math.round(n)));
const ms = (n: number | null): string => (n === null ? '–' : n < 1 ? n.toFixed(3) : n.toFixed(2));

/** Medians of the samples' later-loops CPU per round trip: controller user + system / generator, µs ('–' where not measured). */
function cpuCell(xs: readonly Sample[]): string {
  const user = med(xs, (s) => s.laterCpu?.watched?.userUs ?? null);
  const system = med(xs, (s) => s.laterCpu?.watched?.systemUs ?? null);
  const gen = med(xs, (s) => s.laterCpu?.generatorUs ?? null);
  const us = (n: number | null): string => (n === null ? '–' : n.toFixed(1));
  return `${us(user)} + ${us(system)} / ${us(gen)}`;
}

/** The medians as a Markdown table: one row per (switches, version), latency and throughput side by side. */
export function formatTable(samples: readonly Sample[]): string {
  const keys = [...new Set(samples.map((s) => `${s.switches}|${s.version}`))];
  const pick = (sw: number, v: string, c: ControllerName, m: CbenchMode): Sample[] => samples.filter((s) => s.switches === sw && s.version === v && s.controller === c && s.mode === m);
  const lines = [
    '| switches | OF | controller | latency rt/s | latency: first measured loop / later loops | mean / p50 / p99 ms | learning pass ms | latency, later loops: CPU µs per round trip, controller user + system / generator | throughput answered/s | ratio (Signalbox / ovs) latency, later loops, throughput; learning pass time |',
    '|---:|---|---|---:|---|---|---:|---|---:|---|',
  ];
  for (const key of keys) {
    const [swText, v] = key.split('|') as [string, string];
    const sw = Number(swText);
    const fig: Record<'signalbox' | 'ovs-testcontroller', { lat: number | null; later: number | null; thr: number | null; pass: number | null }> = {
      signalbox: { lat: null, later: null, thr: null, pass: null },
      'ovs-testcontroller': { lat: null, later: null, thr: null, pass: null },
    };
    for (const c of ['signalbox', 'ovs-testcontroller'] as const) {
      const lat = pick(sw, v, c, 'latency');
      const thr = pick(sw, v, c, 'throughput');
      if (lat.length === 0 && thr.length === 0) continue;
      // The learning pass of latency runs: each has one packet-in outstanding per switch, so it is
      // time spent per answer, where a throughput run's pass mostly measures the generator's window.
      fig[c] = { lat: med(lat, (s) => s.answeredPerSec), later: med(lat, (s) => s.laterLoopsPerSec), thr: med(thr, (s) => s.answeredPerSec), pass: med(lat, (s) => s.learningPassMs) };
      const first = med(lat, (s) => s.firstLoopPerSec);
      const ratio = (a: number | null, b: number | null): string => (a !== null && b !== null && b > 0 ? `${(a / b).toFixed(2)}×` : '–');
      const ratios = c === 'signalbox' ? '' : `${ratio(fig.signalbox.lat, fig[c].lat)}, ${ratio(fig.signalbox.later, fig[c].later)}, ${ratio(fig.signalbox.thr, fig[c].thr)}; ${ratio(fig.signalbox.pass, fig[c].pass)}`;
      lines.push(
        `| ${sw} | ${v} | ${c} | ${k(fig[c].lat)} | ${k(first)} / ${k(fig[c].later)} | ${ms(med(lat, (s) => s.meanMs))} / ${ms(med(lat, (s) => s.p50Ms))} / ${ms(med(lat, (s) => s.p99Ms))} | ${fig[c].pass === null ? '–' : Math.round(fig[c].pass)} | ${cpuCell(lat)} | ${k(fig[c].thr)} | ${ratios} |`,
      );
    }
  }
  return lines.join('\n');
}

/**
 * The --against comparison: per (switches, version, mode), each build's medians, the median of the
 * rounds' CPU ratios (the other checkout's controller/generator CPU over this one's: below 1, the
 * other costs less; this mostly weighs the learning pass, see formatTable's caveat), of their
 * controllers' CPU per round trip in the later loops (the other's over this one's: below 1, the
 * other spends less in the steady state, where the round trips a second may be the generator's
 * limit), and the median of the rounds' later-loops ratios (this build's round trips a second after the first measured
 * loop over the other's: above 1, this one answers faster in the steady state) and of their
 * learning passes (this build's time over the other's: below 1, this one learns faster), with how
 * many pairs went each way.
 */
export function formatPairs(samples: readonly Sample[]): string {
  const keys = [...new Set(samples.map((s) => `${s.switches}|${s.version}|${s.mode}`))];
  const cpu = (s: Sample): number => s.controllerCpuMs / s.generatorCpuMs;
  const later = (s: Sample): number => s.laterLoopsPerSec ?? s.answeredPerSec;
  const rtCpu = (s: Sample): number | null => (s.laterCpu?.watched ? s.laterCpu.watched.userUs + s.laterCpu.watched.systemUs : null);
  const lines = [
    '| switches | OF | mode | build | rt/s (median) | later loops rt/s (median) | controller / generator CPU (median) | later loops: controller CPU µs per round trip (median) | learning pass ms (median) | other / this CPU, pairs: median, lower | other / this later loops\' CPU per round trip, pairs: median, lower | this / other later loops, pairs: median, higher | this / other learning pass, pairs: median, shorter |',
    '|---:|---|---|---|---:|---:|---:|---:|---:|---|---|---|---|',
  ];
  const summary = (ratios: readonly number[], counts: (r: number) => boolean): string =>
    ratios.length === 0 ? '–' : `${median(ratios).toFixed(3)}, ${ratios.filter(counts).length} of ${ratios.length}`;
  for (const key of keys) {
    const [sw, v, m] = key.split('|') as [string, string, string];
    const of = (c: ControllerName): Sample[] => samples.filter((s) => `${s.switches}|${s.version}|${s.mode}` === key && s.controller === c);
    const a = of('signalbox');
    const b = of('signalbox-against');
    const n = Math.min(a.length, b.length);
    const cpuRatios = a.slice(0, n).map((s, i) => cpu(b[i]!) / cpu(s));
    const laterRatios = a.slice(0, n).map((s, i) => later(s) / later(b[i]!));
    const passRatios = a.slice(0, n).flatMap((s, i) => (s.learningPassMs !== null && b[i]!.learningPassMs ? [s.learningPassMs / b[i]!.learningPassMs] : []));
    const rtCpuRatios = a.slice(0, n).flatMap((s, i) => {
      const mine = rtCpu(s);
      const theirs = rtCpu(b[i]!);
      return mine !== null && theirs !== null && mine > 0 ? [theirs / mine] : [];
    });
    const rtCpuMedian = (xs: readonly Sample[]): string => {
      const m = med(xs, rtCpu);
      return m === null ? '–' : m.toFixed(2);
    };
    const pass = (xs: readonly Sample[]): string => {
      const m = med(xs, (s) => s.learningPassMs);
      return m === null ? '–' : String(Math.round(m));
    };
    lines.push(`| ${sw} | ${v} | ${m} | this | ${k(median(a.map((s) => s.answeredPerSec)))} | ${k(median(a.map(later)))} | ${median(a.map(cpu)).toFixed(3)} | ${rtCpuMedian(a)} | ${pass(a)} | | | | |`);
    lines.push(
      `| ${sw} | ${v} | ${m} | other | ${k(median(b.map((s) => s.answeredPerSec)))} | ${k(median(b.map(later)))} | ${median(b.map(cpu)).toFixed(3)} | ${rtCpuMedian(b)} | ${pass(b)} | ${summary(cpuRatios, (r) => r < 1)} | ${summary(rtCpuRatios, (r) => r < 1)} | ${summary(laterRatios, (r) => r > 1)} | ${summary(passRatios, (r) => r < 1)} |`,
    );
  }
  return lines.join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rounds: { type: 'string' },
      switches: { type: 'string' },
      versions: { type: 'string' },
      modes: { type: 'string' },
      macs: { type: 'string' },
      loops: { type: 'string' },
      warmup: { type: 'string' },
      json: { type: 'boolean' },
      set: { type: 'string', multiple: true },
      against: { type: 'string' },
    },
    strict: true,
  });
  const againstDir = values.against === undefined ? undefined : resolve(values.against);
  if (againstDir !== undefined && !existsSync(join(againstDir, 'dist/src/cli.js'))) throw new Error(`--against ${values.against}: no built checkout there (run npm run build in it)`);
  // Without its native module a build reads and writes through streams, a quarter slower for that
  // alone: both builds have it or neither does.
  const nativeModule = (root: string): boolean => existsSync(join(root, 'build/Release/signalbox_batch_io.node'));
  if (againstDir !== undefined && nativeModule(againstDir) !== nativeModule(resolve(dirname(SIGNALBOX), '..'))) {
    throw new Error(`--against ${values.against}: one build has the native batch I/O module (build/Release) and the other not (run node scripts/build-native.mjs in the one without)`);
  }
  const against = againstDir === undefined ? undefined : join(againstDir, 'bin/signalbox');
  const list = (v: string | undefined, d: string): string[] => (v ?? d).split(',').filter(Boolean);
  const rounds = Number(values.rounds ?? 3);
  const switchCounts = list(values.switches, '1,4,16,64,256').map(Number);
  const versions = list(values.versions, '1.0,1.3') as ('1.0' | '1.3')[];
  const modes = list(values.modes, 'latency,throughput') as CbenchMode[];
  const o = { macs: Number(values.macs ?? 1000), loops: Number(values.loops ?? 5), warmup: Number(values.warmup ?? 1) };
  const samples: Sample[] = [];
  for (let round = 0; round < rounds; round++) {
    // Alternate who goes first, so neither always runs on the warmer (or busier) machine.
    const other: ControllerName = against === undefined ? 'ovs-testcontroller' : 'signalbox-against';
    const order: ControllerName[] = round % 2 === 0 ? ['signalbox', other] : [other, 'signalbox'];
    for (const sw of switchCounts) {
      for (const v of versions) {
        for (const m of modes) {
          for (const c of order) {
            if (c === 'ovs-testcontroller' && sw > OVS_MAX_SWITCHES) continue;
            // A fresh controller per measurement: one that served the same datapath ids before
            // would start with their learned state (Signalbox re-declares its flows on reconnect).
            const r = await start(c, values.set ?? [], c === 'signalbox-against' ? against : SIGNALBOX);
            let s: Sample;
            try {
              s = measure(r, sw, v, m, o);
            } finally {
              await stop(r);
            }
            samples.push(s);
            process.stderr.write(
              `round ${round + 1}: ${c} ${sw} switches OF${v} ${m}: ${Math.round(s.answeredPerSec).toLocaleString('en-US')}/s (first loop ${Math.round(s.firstLoopPerSec).toLocaleString('en-US')}, later ${s.laterLoopsPerSec === null ? '–' : Math.round(s.laterLoopsPerSec).toLocaleString('en-US')}), mean ${ms(s.meanMs)} p50 ${ms(s.p50Ms)} p99 ${ms(s.p99Ms)} ms, lost ${s.lost}, learning pass ${s.learningPassMs === null ? '–' : `${Math.round(s.learningPassMs)} ms`}, CPU controller/generator ${(s.controllerCpuMs / s.generatorCpuMs).toFixed(3)}, later loops' CPU per round trip ${cpuCell([s])} µs, load ${s.loadAvg}\n`,
            );
          }
        }
      }
    }
  }
  process.stdout.write(values.json ? `${JSON.stringify(samples, null, 2)}\n` : `${against === undefined ? formatTable(samples) : formatPairs(samples)}\n`);
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
