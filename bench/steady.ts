/**
 * The controller's idle cost on a large network: the real runtime (store, controller, API) with the
 * console benchmark's world (bench/grid-swarm.ts: 1,000 emulated switches in a 25×40 grid, 3,870
 * directed links, 10,000 hosts) in a child process, measured once every link and host is known:
 * the controller's and the switches' CPU a second and the probes a second, over
 * SIGNALBOX_STEADY_SECONDS (default 10) from SIGNALBOX_STEADY_SETTLE_MS (default 20 s) after every
 * link and host is known. `npm run bench -- steady`.
 * SIGNALBOX_STEADY_PROFILE=FILE writes a V8 CPU profile of the controller over the same seconds
 * (open it in Chrome's DevTools or speedscope).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { startGridWorld } from './grid-world.js';
import type { BenchSuite, Row } from './harness.js';

const SUITE = 'steady';
const SECONDS = Math.max(1, Number(process.env.SIGNALBOX_STEADY_SECONDS) || 10);
/** Wait after every link and host is known before measuring (`SIGNALBOX_STEADY_SETTLE_MS`, default 20 s). */
const SETTLE_MS = Math.max(0, Number(process.env.SIGNALBOX_STEADY_SETTLE_MS ?? 20_000));
/** Clock ticks a second in /proc/PID/stat's CPU times (USER_HZ, 100 on Linux). */
const TICKS_PER_SEC = 100;

/** CPU ms a process has used (user + system), from /proc (0 where there is none). */
function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / TICKS_PER_SEC;
  } catch {
    return 0;
  }
}

/** CPU ms used so far by each thread of this process, main thread and the others (Linux; empty elsewhere). */
function threadCpuMs(): Map<string, number> {
  const out = new Map<string, number>();
  let tasks: string[] = [];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const t of tasks) {
    try {
      const stat = readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
      // The main thread's id is the process's; the others (GC, compiler, libuv pool) are summed.
      const name = Number(t) === process.pid ? 'main' : 'others';
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(name, (out.get(name) ?? 0) + ((Number(f[11]) + Number(f[12])) * 1000) / TICKS_PER_SEC);
    } catch {
      // The thread ended meanwhile.
    }
  }
  return out;
}

/** Read and write system calls this process has made so far (Linux; zeros elsewhere). */
function syscalls(): { reads: number; writes: number } {
  try {
    const io = readFileSync('/proc/self/io', 'utf8');
    return { reads: Number(/syscr: (\d+)/.exec(io)?.[1] ?? 0), writes: Number(/syscw: (\d+)/.exec(io)?.[1] ?? 0) };
  } catch {
    return { reads: 0, writes: 0 };
  }
}

/** Runs the measurement and returns its row. */
export async function measureSteady(): Promise<Row[]> {
  const world = await startGridWorld('sbx-steady-bench-');
  const { running, swarm, switches, directed, hosts, removals: removed } = world;
  const topo = running.controller.topology!;
  try {
    // Let the learning burst and its garbage settle before measuring.
    await new Promise((r) => setTimeout(r, SETTLE_MS));

    const profileFile = process.env.SIGNALBOX_STEADY_PROFILE;
    const inspector = profileFile ? new Session() : undefined;
    if (inspector) {
      inspector.connect();
      await inspector.post('Profiler.enable');
      await inspector.post('Profiler.start');
    }
    const sentBefore = topo.counters.probesSent;
    const receivedBefore = topo.counters.probesReceived;
    const removedBefore = [...removed.values()].reduce((a, b) => a + b, 0);
    const threads0 = threadCpuMs();
    const io0 = syscalls();
    const cpu0 = process.cpuUsage();
    const sw0 = processCpuMs(swarm.pid ?? 0);
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const sec = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const controllerMs = (cpu.user + cpu.system) / 1000 / sec;
    const switchesMs = (processCpuMs(swarm.pid ?? 0) - sw0) / sec;
    const sentPerSec = (topo.counters.probesSent - sentBefore) / sec;
    const receivedPerSec = (topo.counters.probesReceived - receivedBefore) / sec;
    const threads = [...threadCpuMs()].map(([name, ms]) => [name, (ms - (threads0.get(name) ?? 0)) / sec] as const).filter(([, ms]) => ms >= 1);
    const byThread = threads.sort((a, b) => b[1] - a[1]).map(([name, ms]) => `${name} ${Math.round(ms)}`).join(', ');
    const io = syscalls();
    const ioNote = `${Math.round((io.reads - io0.reads) / sec)} reads and ${Math.round((io.writes - io0.writes) / sec)} writes a second`;
    const flaps = [...removed.values()].reduce((a, b) => a + b, 0) - removedBefore;
    if (inspector && profileFile) {
      const { profile } = await inspector.post('Profiler.stop');
      writeFileSync(profileFile, JSON.stringify(profile));
      inspector.disconnect();
      process.stderr.write(`steady bench: profile in ${profileFile}\n`);
    }
    const perProbeUs = sentPerSec > 0 ? (controllerMs * 1000) / sentPerSec : NaN;
    const note = `controller ${Math.round(controllerMs)} ms CPU a second (${perProbeUs.toFixed(1)} µs a probe sent; by thread: ${byThread}), emulated switches ${Math.round(switchesMs)} ms; probes ${Math.round(sentPerSec)}/s sent, ${Math.round(receivedPerSec)}/s received; ${ioNote}; ${topo.linkCount} links, ${flaps} removed meanwhile; over ${sec.toFixed(1)} s`;
    process.stderr.write(`steady bench: ${note}\n`);
    return [{ suite: SUITE, case: `steady network, ${switches} switches, ${directed} links, ${hosts.toLocaleString('en-US')} hosts: controller CPU ms a second`, opsPerSec: 0, nsPerOp: controllerMs * 1e6, note }];
  } finally {
    await world.stop();
  }
}

/** The suite for bench/run.ts. */
export const steadySuite: BenchSuite = { name: SUITE, run: measureSteady };
