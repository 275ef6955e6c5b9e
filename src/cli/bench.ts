/** `signalbox bench`: the cbench-like load generator against any OpenFlow controller, or against an in-process Signalbox. */
import { parseArgs } from 'node:util';
import { defaultConfig, parseHostPort } from '../config.js';
import { startInProcess, type InProcess } from '../lab/in-process.js';
import { cpuPerRoundTrip, runCbench, runCbenchInWorker, type CbenchOptions, type CbenchResult, type LoopResult, type Summary } from '../loadgen/cbench.js';
import type { BufferMode } from '../loadgen/fast-switch.js';
import type { CliIo } from './io.js';

export const BENCH_USAGE = `Usage: signalbox bench [options]

Emulates N OpenFlow switches that send PACKET_INs for M source MACs each, and counts the
controller's FLOW_MOD / PACKET_OUT answers (like cbench, for OpenFlow 1.3 and 1.0).

  --controller HOST:PORT   controller to measure (default 127.0.0.1:6653)
  --self                   start a Signalbox controller in this process and measure it
  --apps NAME[,NAME]       its apps (default l2-learning); \`responder\` is a built-in
                           responder: one FLOW_MOD + one PACKET_OUT per packet-in
  -s, --switches N         emulated switches (default 16)
  -M, --macs N             source MACs per switch (default 100000)
  -l, --loops N            measured loops (default 16)
  -m, --ms N               length of a loop in ms (default 1000)
  -w, --warmup N           warm-up loops, not counted (default 1)
  --mode MODE              throughput (keep the pipe full) | latency (one packet-in
                           outstanding per switch) (default throughput)
  --window N               packet-ins outstanding per switch in throughput mode
                           (default: as many as fill 64 KiB, like cbench)
  --of10                   OpenFlow 1.0 switches (default 1.3); or --version 1.0|1.3
  -D, --delay MS           after the handshakes, wait until the controller has asked every
                           switch for its description, at most MS (default 500)
  --buffer auto|on|off     buffer ids in packet-ins (default auto: none when a 1.3
                           controller sets miss_send_len to OFPCML_NO_BUFFER)
  --timeout MS             a packet-in unanswered this long counts as lost, 0 never (default:
                           1000 in latency mode, 0 in throughput mode, as cbench)
  --dpid-base N            first datapath id (default 1)
  --cpu-of PID             also report that local process's CPU (the controller's) per loop
                           and per round trip (Linux, from /proc/PID/stat)
  --no-worker              run the switches in the main thread
  --json                   print the result as JSON (with generatorCpuMs, this process's CPU)

"answered" counts each packet-in once, when the first FLOW_MOD or PACKET_OUT naming it
(by buffer id or by its MACs) arrives; "responses" counts every FLOW_MOD and PACKET_OUT,
as cbench does. "learning pass" is the time from the first packet-in until every switch had
2 x macs of them answered: a learning switch's two rounds (each source new and flooded, then
each flow set up), warm-up included.
`;

/** Bench options parsed from the command line, plus the CLI-only flags. */
export interface BenchArgs {
  readonly options: CbenchOptions;
  readonly self: boolean;
  /** Apps of the --self controller. */
  readonly apps: readonly string[];
  readonly json: boolean;
  readonly worker: boolean;
}

function intArg(v: string | undefined, name: string, dflt: number, min = 0): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v) || Number(v) < min) throw new RangeError(`${name}: expected an integer >= ${min}, got ${JSON.stringify(v)}`);
  return Number(v);
}

/** Parses `signalbox bench` arguments; throws Error naming the bad flag. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      controller: { type: 'string' },
      self: { type: 'boolean' },
      apps: { type: 'string' },
      switches: { type: 'string', short: 's' },
      macs: { type: 'string', short: 'M' },
      loops: { type: 'string', short: 'l' },
      ms: { type: 'string', short: 'm' },
      warmup: { type: 'string', short: 'w' },
      mode: { type: 'string' },
      window: { type: 'string' },
      of10: { type: 'boolean' },
      version: { type: 'string' },
      delay: { type: 'string', short: 'D' },
      buffer: { type: 'string' },
      timeout: { type: 'string' },
      'dpid-base': { type: 'string' },
      'cpu-of': { type: 'string' },
      'no-worker': { type: 'boolean' },
      json: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.self && values.controller) throw new Error('--self and --controller exclude each other');
  if (values.apps !== undefined && !values.self) throw new Error('--apps configures the --self controller');
  if (values['cpu-of'] !== undefined && values.self) throw new Error('--cpu-of watches another process; --self runs the controller in this one');
  const { host, port } = parseHostPort(values.controller ?? '127.0.0.1:6653', '--controller');
  const mode = values.mode ?? 'throughput';
  if (mode !== 'throughput' && mode !== 'latency') throw new Error(`--mode: expected throughput or latency, got ${JSON.stringify(mode)}`);
  let version: 1 | 4 = values.of10 ? 1 : 4;
  if (values.version !== undefined) {
    if (values.version === '1.0' || values.version === '1') version = 1;
    else if (values.version === '1.3' || values.version === '4') version = 4;
    else throw new Error(`--version: expected 1.0 or 1.3, got ${JSON.stringify(values.version)}`);
    if (values.of10 && version !== 1) throw new Error('--of10 and --version 1.3 contradict each other');
  }
  const buffer = values.buffer ?? 'auto';
  if (buffer !== 'auto' && buffer !== 'on' && buffer !== 'off') throw new Error(`--buffer: expected auto, on or off, got ${JSON.stringify(buffer)}`);
  let dpidBase = 1n;
  if (values['dpid-base'] !== undefined) {
    if (!/^(0x[0-9a-f]{1,16}|\d+)$/i.test(values['dpid-base'])) throw new Error(`--dpid-base: not a datapath id: ${JSON.stringify(values['dpid-base'])}`);
    dpidBase = BigInt(values['dpid-base']);
  }
  const options: CbenchOptions = {
    host: host === '0.0.0.0' ? '127.0.0.1' : host,
    port,
    switches: intArg(values.switches, '--switches', 16, 1),
    macs: intArg(values.macs, '--macs', 100_000, 1),
    loops: intArg(values.loops, '--loops', 16, 1),
    loopMs: intArg(values.ms, '--ms', 1000, 10),
    warmup: intArg(values.warmup, '--warmup', 1, 0),
    mode,
    version,
    ...(values.window !== undefined ? { window: intArg(values.window, '--window', 1, 1) } : {}),
    delayMs: intArg(values.delay, '--delay', 500, 0),
    ...(values.timeout !== undefined ? { replyTimeoutMs: intArg(values.timeout, '--timeout', 0, 0) } : {}),
    buffer: buffer as BufferMode,
    dpidBase,
    ...(values['cpu-of'] !== undefined ? { watchPid: intArg(values['cpu-of'], '--cpu-of', 1, 1) } : {}),
  };
  const apps = values.apps === undefined ? defaultConfig.apps.enabled : values.apps === 'none' ? [] : values.apps.split(',').filter(Boolean);
  return { options, self: values.self ?? false, apps, json: values.json ?? false, worker: !values['no-worker'] };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** One loop as a text line (cbench prints one per loop too). */
export function formatLoop(l: LoopResult): string {
  const lat = l.avgLatencyMs === null ? '-' : `${l.avgLatencyMs.toFixed(3)} ms`;
  return (
    `loop ${String(l.loop).padStart(3)}${l.warmup ? ' (warm-up)' : '          '}  answered ${fmt(l.answeredPerSec).padStart(10)}/s` +
    `  responses ${fmt(l.responsesPerSec).padStart(10)}/s  flow_mod ${fmt(l.flowModsPerSec).padStart(10)}/s  packet_out ${fmt(l.packetOutsPerSec).padStart(10)}/s` +
    `  repeats ${fmt(l.repeatsPerSec)}/s  unmatched ${fmt(l.unmatchedPerSec)}/s  lost ${l.lost}  latency ${lat}` +
    `  cpu ${fmt(l.generatorCpu.userMs + l.generatorCpu.systemMs)} ms` +
    (l.watchedCpu ? `  watched cpu ${fmt(l.watchedCpu.userMs)} + ${fmt(l.watchedCpu.systemMs)} ms (user + system)` : '')
  );
}

/** The header line of a run. */
export function describeRun(o: CbenchOptions, target: string): string {
  return `signalbox bench: ${o.switches} switches x ${o.macs.toLocaleString('en-US')} MACs, OpenFlow ${o.version === 1 ? '1.0' : '1.3'}, ${o.mode} mode, ${o.loops} loops of ${o.loopMs} ms after ${o.warmup} warm-up, controller ${target}`;
}

/** The closing table: min/max/avg/stdev per figure. */
export function formatSummary(r: CbenchResult): string {
  const rows: [string, Summary][] = [
    ['packet-ins answered/s', r.answeredPerSec],
    ['responses/s (cbench)', r.responsesPerSec],
    ['flow_mod/s', r.flowModsPerSec],
    ['packet_out/s', r.packetOutsPerSec],
  ];
  const head = ['', 'min', 'max', 'avg', 'stdev'];
  const body = rows.map(([name, s]) => [name, fmt(s.min), fmt(s.max), fmt(s.avg), fmt(s.stdev)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const measured = r.loops.filter((l) => !l.warmup).length;
  const ms = (v: number | null): string => (v === null ? 'n/a' : `${v.toFixed(3)} ms`);
  const lat = r.avgLatencyMs === null ? 'n/a' : `${ms(r.avgLatencyMs)} (p50 ${ms(r.p50LatencyMs)}, p99 ${ms(r.p99LatencyMs)})`;
  return [
    `RESULT: ${r.switches} switches, ${measured} loops of ${r.loopMs} ms, window ${r.window} per switch, ${r.buffered ? 'buffer ids' : 'no buffer ids (whole frames)'}`,
    line(head),
    ...body.map(line),
    `mean packet-in round trip ${lat}; lost ${r.lost}; also answered ${r.echoes} echo and ${r.barriers} barrier requests, got ${r.errors} errors`,
    `learning pass (2 × ${r.macs} packet-ins answered on every switch): ${r.learningPassMs === null ? 'not reached' : `${r.learningPassMs.toFixed(0)} ms`}`,
    `CPU per packet-in answered, measured loops after the first: ${formatCpu(cpuPerRoundTrip(r.loops.filter((l) => !l.warmup).slice(1)))}`,
  ].join('\n');
}

function formatCpu(c: ReturnType<typeof cpuPerRoundTrip>): string {
  if (c === null) return 'n/a';
  const us = (n: number): string => `${n.toFixed(2)} µs`;
  return `generator ${us(c.generatorUs)}` + (c.watched ? `, watched process ${us(c.watched.userUs + c.watched.systemUs)} (user ${us(c.watched.userUs)}, system ${us(c.watched.systemUs)})` : '');
}

/** Runs `signalbox bench`; returns the exit code. */
export async function benchCommand(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(BENCH_USAGE);
    return 0;
  }
  let args: BenchArgs;
  try {
    args = parseBenchArgs(argv);
  } catch (e) {
    io.stderr.write(`signalbox bench: ${(e as Error).message}\n\n${BENCH_USAGE}`);
    return 2;
  }
  let options = args.options;
  let self: InProcess | undefined;
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  try {
    if (args.self) {
      // A throughput measurement: the packet-in rate limit (flood protection) would be what it measures.
      self = await startInProcess({ apps: args.apps, openflow: { echoIntervalMs: 0, packetInRatePps: 0, maxHandshakesPerAddress: 0, maxConnectionsPerAddress: 0 } });
      options = { ...options, host: '127.0.0.1', port: self.port };
    }
    const target = args.self ? `Signalbox in-process on 127.0.0.1:${options.port} (apps: ${args.apps.join(', ') || 'none'})` : `${options.host}:${options.port}`;
    if (!args.json) io.stdout.write(`${describeRun(options, target)}\n`);
    const onLoop = args.json ? undefined : (l: LoopResult): void => void io.stdout.write(`${formatLoop(l)}\n`);
    const run = args.worker ? runCbenchInWorker : runCbench;
    const result = await run(options, onLoop, stop.signal);
    // With --json, the generator's own CPU (all its threads, from its start): a controller's cost
    // compares as its CPU against this, which the machine's speed changes alike.
    const cpu = process.cpuUsage();
    io.stdout.write(args.json ? `${JSON.stringify({ ...result, generatorCpuMs: (cpu.user + cpu.system) / 1000 }, null, 2)}\n` : `${formatSummary(result)}\n`);
    return 0;
  } catch (e) {
    io.stderr.write(`signalbox bench: ${(e as Error).message}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    await self?.stop();
  }
}
