/**
 * The fuzz harness: a live Signalbox (a `signalbox start` child process with a temporary data
 * directory, so the figures are the controller's and not the fuzzer's) with a real userspace Open
 * vSwitch bridge attached, hostile OpenFlow clients and a REST fuzzer driven by /openapi.json (in
 * this process) for N seconds, and the invariants checked all along: the bridge never
 * disconnects, the process never exits, its RSS stays bounded, /healthz answers fast, every REST
 * answer keeps the contract, and a rejected write leaves the store as it was.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { get } from 'node:http';
import WebSocket from 'ws';
import { dpidToHex } from '../src/core/ids.js';
import { LEVEL_SUBDIR, LevelStore, NAMESPACES, type Store } from '../src/store/index.js';
import { ProcessCluster, requireBuilt, type Instance } from '../test/harness/cluster-processes.js';
import { createBridge, ensureOvs, waitFor, type Bridge } from '../test/harness/ovs.js';
import { Recorder, type Recording } from './corpus.js';
import { newOpenflowStats, runOpenflowFuzz, type OpenflowFuzzStats } from './openflow-fuzzer.js';
import { answerViolation, operations, request, type FuzzRequest, type Operation } from './rest-fuzzer.js';
import { Rng } from './rng.js';

/** Options of {@link runFuzz}. */
export interface FuzzOptions {
  readonly seconds: number;
  readonly seed: number;
  /** Slowest acceptable /healthz answer (default 100 ms). */
  readonly healthzMs?: number;
  /**
   * Seconds of /healthz on the idle controller before the fuzzing starts (default 0: none). With
   * it, the bar is `healthzMs` plus the slowest idle answer: what a loaded machine adds by itself
   * is not blamed on the fuzzing (both are reported).
   */
  readonly idleHealthzSec?: number;
  /** Largest acceptable resident set size of the controller process (default 1024 MiB). */
  readonly rssMb?: number;
  /**
   * Largest acceptable RSS growth of the controller after warm-up (default 64 MiB): from the
   * largest RSS of the first third of the run to the largest of the last third. Caches and JIT
   * fill up early; something that grows with the run (a map keyed by connection, per-client
   * stats) keeps climbing and breaks this in a long run.
   */
  readonly rssGrowthMb?: number;
  /** Hostile OpenFlow clients at once (default 4). */
  readonly clients?: number;
  /** Largest burst of one flooding client, in messages (default 5,000). */
  readonly floodMax?: number;
  /** Where the controller process writes a V8 CPU profile and a sampling heap profile (what is still allocated) when it stops. */
  readonly profileDir?: string;
  /** Progress lines (default: none). */
  readonly log?: (line: string) => void;
}

/** A broken invariant, with what it takes to reproduce it. */
export interface Violation {
  readonly invariant: 'bridge-connected' | 'no-crash' | 'rss' | 'healthz' | 'rest-answer' | 'store-unchanged';
  readonly detail: string;
  /** The failing input: the request, or the OpenFlow connections in flight. */
  readonly input?: unknown;
}

/** What a run saw. */
export interface FuzzReport {
  readonly seed: number;
  readonly seconds: number;
  readonly violations: readonly Violation[];
  readonly healthz: { readonly checks: number; readonly maxMs: number; readonly p50Ms: number; readonly p99Ms: number; readonly over: number; readonly limitMs: number; readonly breachesWith: Readonly<Record<string, number>>; readonly idle?: { readonly checks: number; readonly maxMs: number; readonly p50Ms: number } };
  /** RSS of the controller process: at start, the max, at the end, and sampled every `everySec`. */
  readonly rssMb: { readonly start: number; readonly max: number; readonly end: number; readonly everySec: number; readonly samples: readonly number[]; readonly growth: number };
  readonly rest: { readonly operations: number; readonly requests: number; readonly byStatus: Readonly<Record<string, number>>; readonly rejectedWritesChecked: number; readonly slowest: readonly { readonly op: string; readonly url: string; readonly status: number; readonly ms: number }[] };
  readonly openflow: OpenflowFuzzStats;
  readonly recorded: Readonly<Record<string, number>>;
  /** What the controller wrote to its log (warn and above) during the whole run. */
  readonly controllerLog: { readonly lines: number; readonly kib: number };
}

const BRIDGE_DPID = 0xf22n;
const TOKEN = 'fuzz-admin-token-0123456789abcdef';
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resident set size of a process in MiB, from /proc/PID/status (undefined once it is gone). */
export function rssOf(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * How much RSS grew after warm-up: the largest sample of the last third of the run minus the
 * largest of the first third (maxima, so a GC's sawtooth does not count as growth or shrinking).
 * A run with fewer than 3 samples has no warm-up to compare with: 0.
 */
export function rssGrowth(samplesMb: readonly number[]): number {
  if (samplesMb.length < 3) return 0;
  const third = Math.floor(samplesMb.length / 3);
  return Math.max(...samplesMb.slice(-third)) - Math.max(...samplesMb.slice(0, third));
}

/** Every key and value of the store, as one comparable text. */
export async function storeDump(store: Store): Promise<string> {
  const parts: string[] = [];
  for (const ns of Object.values(NAMESPACES)) for (const e of await store.list(ns)) parts.push(`${ns}/${e.key}=${JSON.stringify(e.value)}`);
  return parts.join('\n');
}

/**
 * The store of a data directory that another process holds open: LevelDB locks it, so this
 * reads a copy (every write is synced before the API answers, so the copy has it).
 */
export async function storeDumpOf(dataDir: string): Promise<string> {
  const copy = mkdtempSync(join(tmpdir(), 'sbx-fuzz-store-'));
  try {
    cpSync(join(dataDir, LEVEL_SUBDIR), join(copy, LEVEL_SUBDIR), { recursive: true, filter: (src) => !src.endsWith('/LOCK') });
    const store = await LevelStore.open(copy);
    try {
      return await storeDump(store);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

/** Records real traffic from the bridge: handshake answers, its port list, port status and ARP packet-ins. */
async function record(bridge: Bridge, log: (s: string) => void): Promise<Recording> {
  const rec = await Recorder.start();
  try {
    await bridge.setController(`tcp:127.0.0.1:${rec.port}`);
    await waitFor(async () => rec.count('multipart_reply') >= 2, 15_000, 50);
    const port = await bridge.addPort({ kind: 'netns', ip: '10.213.0.1/24' });
    // ARP for an address nobody has: the table-miss sends each request up as a packet-in.
    await port.exec(['ping', '-c', '2', '-i', '0.2', '-W', '1', '10.213.0.9'], 10_000).catch(() => undefined);
    await waitFor(async () => rec.count('packet_in') >= 1 && rec.count('port_status') >= 1, 10_000, 50).catch(() => undefined);
    const r = rec.recording();
    log(`recorded from the bridge: ${Object.entries(r.counts).map(([k, v]) => `${v} ${k}`).join(', ')}`);
    return r;
  } finally {
    await rec.close();
  }
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

/** The request as printed in a report (the token masked, a long body cut). */
function shown(r: FuzzRequest): unknown {
  const headers = { ...r.headers };
  if (headers.authorization) headers.authorization = headers.authorization.replace(TOKEN, '<token>');
  return { op: r.op, method: r.method, url: r.url, headers, ...(r.body !== undefined ? { body: r.body.length > 2_000 ? `${r.body.slice(0, 2_000)}... (${r.body.length} chars)` : r.body } : {}) };
}

/**
 * GET /healthz on a connection of its own, as a health prober does: the REST fuzzer's pooled
 * keep-alive connections (one the server closes after a bad request may be picked up again by
 * the pool) must not be what a health check measures. Resolves with the status.
 */
function healthCheck(base: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = get(`${base}/healthz`, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
      res.once('error', reject);
    });
    req.once('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.once('error', reject);
  });
}

/** The controller's view of the bridge: when it connected (a reconnect changes it) and its ports. */
async function bridgeState(base: string): Promise<{ connectedAt: string; ports: number[] } | undefined> {
  const res = await fetch(`${base}/api/v1/switches/${dpidToHex(BRIDGE_DPID)}`, { headers: { authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(10_000) });
  if (res.status !== 200) return undefined;
  const j = (await res.json()) as { connectedAt: string; portList: { portNo: number }[] };
  return { connectedAt: j.connectedAt, ports: j.portList.map((p) => p.portNo) };
}

/** Runs the harness; resolves with the report (violations included), cleans up what it made. */
export async function runFuzz(o: FuzzOptions): Promise<FuzzReport> {
  const log = o.log ?? (() => undefined);
  const rng = new Rng(o.seed);
  let healthzLimit = o.healthzMs ?? 100;
  const rssLimit = o.rssMb ?? 1024;
  const rssGrowthLimit = o.rssGrowthMb ?? 64;
  const violations: Violation[] = [];
  const violate = (v: Violation): void => {
    if (violations.length < 50) violations.push(v);
    log(`VIOLATION ${v.invariant}: ${v.detail}`);
  };
  // The harness's own failures (a client bug) are reported too: they would hide a finding.
  const onCrash = (e: unknown): void => violate({ invariant: 'no-crash', detail: `uncaught in the fuzz process: ${(e as Error)?.stack ?? String(e)}` });
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);

  requireBuilt();
  const controller = new ProcessCluster({
    logLevel: 'warn',
    settings: [`api.tokens=${JSON.stringify([{ name: 'fuzz', token: TOKEN, scope: 'admin' }])}`],
    ...(o.profileDir !== undefined ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${resolve(o.profileDir)}`, '--heap-prof', `--heap-prof-dir=${resolve(o.profileDir)}`] } : {}),
  });
  let bridge: Bridge | undefined;
  let events: WebSocket | undefined;
  let watching = false;
  try {
    await ensureOvs();
    bridge = await createBridge({ protocols: ['OpenFlow13'], dpid: BRIDGE_DPID });
    const recording = await record(bridge, log);
    const inst: Instance = await controller.startInstance('fuzz');
    const pid = inst.proc!.pid!;
    // What the controller logs (warn and above) costs it CPU too: counted for the report.
    const logged = { lines: 0, bytes: 0 };
    for (const out of [inst.proc!.stdout!, inst.proc!.stderr!]) {
      out.on('data', (b: Buffer) => {
        logged.bytes += b.length;
        for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) logged.lines++;
      });
    }
    const base = `http://127.0.0.1:${inst.apiPort}`;
    const ofPort = inst.ofPort;
    await bridge.setController(`tcp:127.0.0.1:${ofPort}`);
    const first = await waitFor(() => bridgeState(base), { timeoutMs: 15_000, intervalMs: 50, message: 'the bridge connected to the controller' });
    const knowledge = { dpidHex: dpidToHex(BRIDGE_DPID), ports: first.ports };
    log(`controller up (pid ${pid}): OpenFlow ${ofPort}, API ${base}; bridge ${knowledge.dpidHex} connected with ports ${knowledge.ports.join(',')}`);

    let inFlight: unknown = undefined;
    const ofStats = newOpenflowStats();
    // Until the run ends: stopping the controller afterwards disconnects the bridge on purpose.
    watching = true;
    inst.proc!.once('exit', (code, signal) => {
      if (watching) violate({ invariant: 'no-crash', detail: `the controller exited (code ${String(code)}, signal ${String(signal)}):\n${inst.lines.slice(-30).join('\n')}`, input: { openflow: [...ofStats.active], rest: inFlight } });
    });
    // The bridge's disconnection as the controller reports it, at once (the end compares connectedAt too).
    const ws = (events = new WebSocket(`ws://127.0.0.1:${inst.apiPort}/api/v1/events?types=switchDisconnected&dpid=${knowledge.dpidHex}`, { headers: { authorization: `Bearer ${TOKEN}` } }));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { type: string; reason?: string };
      if (watching && m.type === 'switchDisconnected') violate({ invariant: 'bridge-connected', detail: `the bridge disconnected: ${m.reason ?? '?'}`, input: { openflow: [...ofStats.active], recent: [...ofStats.recent], rest: inFlight } });
    });
    ws.on('close', (code) => {
      if (watching) log(`the event stream closed (${code}); the bridge is still checked at the end`);
    });

    // Read before the clock starts: the first /openapi.json builds the whole document.
    const doc = (await (await fetch(`${base}/openapi.json`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as Parameters<typeof operations>[0];
    const ops: Operation[] = operations(doc);
    let idle: FuzzReport['healthz']['idle'];
    if ((o.idleHealthzSec ?? 0) > 0) {
      const times: number[] = [];
      const end = performance.now() + o.idleHealthzSec! * 1000;
      while (performance.now() < end) {
        const t0 = performance.now();
        await healthCheck(base, 10_000);
        times.push(performance.now() - t0);
        await sleep(100);
      }
      times.sort((a, b) => a - b);
      idle = { checks: times.length, maxMs: round(times.at(-1) ?? 0), p50Ms: round(percentile(times, 50)) };
      healthzLimit = round(healthzLimit + idle.maxMs);
      log(`/healthz on the idle controller: ${idle.checks} checks, p50 ${idle.p50Ms} ms, max ${idle.maxMs} ms; the bar is ${healthzLimit} ms`);
    }
    const rssStart = rssOf(pid) ?? 0;
    let rssMax = rssStart;
    // The largest RSS of each second of the run.
    const rssBySec: number[] = [];
    const t0Run = performance.now();
    const healthz: number[] = [];
    // For each /healthz over the bar: what was in flight (OpenFlow behaviours, REST operations), counted.
    const breachesWith: Record<string, number> = {};
    let stop!: () => void;
    const until = new Promise<void>((resolve) => (stop = resolve));
    let stopped = false;
    void until.then(() => (stopped = true));

    // Invariants that are sampled: /healthz latency and the controller's RSS.
    const monitor = (async () => {
      while (!stopped) {
        const t0 = performance.now();
        // What was in flight at any time during this check: the open connections and the REST request.
        const ofDuring = new Set(ofStats.active);
        const restDuring = new Set([inFlight]);
        try {
          const status = await healthCheck(base, 10_000);
          const ms = performance.now() - t0;
          healthz.push(ms);
          if (status !== 200) violate({ invariant: 'healthz', detail: `/healthz answered ${status}` });
          else if (ms > healthzLimit) {
            for (const c of ofStats.active) ofDuring.add(c);
            restDuring.add(inFlight);
            restDuring.delete(undefined);
            for (const b of new Set([...ofDuring].map((c) => c.split(' ')[2]!))) breachesWith[`openflow ${b}`] = (breachesWith[`openflow ${b}`] ?? 0) + 1;
            for (const r of restDuring) breachesWith[`rest ${(r as { op: string }).op}`] = (breachesWith[`rest ${(r as { op: string }).op}`] ?? 0) + 1;
            violate({ invariant: 'healthz', detail: `/healthz took ${ms.toFixed(1)} ms (limit ${healthzLimit} ms)`, input: { openflow: [...ofDuring], rest: [...restDuring] } });
          }
        } catch (e) {
          const cause = (e as { cause?: { code?: string; message?: string } }).cause;
          violate({ invariant: 'healthz', detail: `/healthz failed: ${(e as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ''}`, input: { openflow: [...ofDuring], rest: [...restDuring] } });
        }
        const rss = rssOf(pid);
        if (rss !== undefined) {
          rssMax = Math.max(rssMax, rss);
          const sec = Math.floor((performance.now() - t0Run) / 1000);
          rssBySec[sec] = Math.max(rssBySec[sec] ?? 0, rss);
          if (rss > rssLimit) violate({ invariant: 'rss', detail: `RSS ${rss} MiB over the limit of ${rssLimit} MiB` });
        }
        await sleep(100);
      }
    })();

    const byStatus: Record<string, number> = {};
    let requests = 0;
    let writesChecked = 0;
    const slowest: { op: string; url: string; status: number; ms: number }[] = [];
    const restRng = rng.fork();
    let lastDump: string | undefined;
    // The REST fuzzer: one request at a time, so a store dump around a write sees only that write.
    const rest = (async () => {
      while (!stopped) {
        const op = restRng.pick(ops);
        const req = request(restRng, op, knowledge, TOKEN);
        // The store as it was: the dump taken after the last rejected write while nothing was
        // accepted since (only writes change it: the default apps keep nothing there), else a new one.
        const before = WRITES.has(req.method) ? (lastDump ??= await storeDumpOf(inst.dataDir)) : undefined;
        inFlight = shown(req);
        let status = 0;
        const t0 = performance.now();
        try {
          const res = await fetch(base + req.url, { method: req.method, headers: req.headers, ...(req.body !== undefined ? { body: req.body } : {}), redirect: 'manual', signal: AbortSignal.timeout(30_000) });
          const text = await res.text();
          status = res.status;
          const bad = answerViolation(status, res.headers.get('content-type'), text, req);
          if (bad) violate({ invariant: 'rest-answer', detail: `${req.op} ${bad}: ${text.slice(0, 300)}`, input: shown(req) });
        } catch (e) {
          violate({ invariant: 'rest-answer', detail: `${req.op} failed: ${(e as Error).message}`, input: shown(req) });
        }
        inFlight = undefined;
        requests++;
        slowest.push({ op: req.op, url: req.url.slice(0, 120), status, ms: round(performance.now() - t0) });
        slowest.sort((a, b) => b.ms - a.ms);
        slowest.length = Math.min(slowest.length, 3);
        byStatus[String(status)] = (byStatus[String(status)] ?? 0) + 1;
        if (before !== undefined && status >= 400 && status < 500) {
          writesChecked++;
          const after = await storeDumpOf(inst.dataDir);
          if (after !== before) violate({ invariant: 'store-unchanged', detail: `${req.op} answered ${status} but changed the store`, input: { request: shown(req), before, after } });
          lastDump = after;
        } else if (before !== undefined) {
          lastDump = undefined;
        }
      }
    })();

    const openflow = runOpenflowFuzz({ host: '127.0.0.1', port: ofPort, rng: rng.fork(), clients: o.clients ?? 4, bridgeDpid: BRIDGE_DPID, recording, until, stats: ofStats, ...(o.floodMax !== undefined ? { floodMax: o.floodMax } : {}) });
    const progress = setInterval(() => log(`${requests} REST requests, ${healthz.length} health checks (max ${Math.max(0, ...healthz).toFixed(1)} ms), controller RSS ${rssOf(pid) ?? '?'} MiB, ${violations.length} violations`), 5_000);
    await sleep(o.seconds * 1000);
    stop();
    clearInterval(progress);
    await openflow;
    await Promise.all([monitor, rest]);
    // After the storm: the bridge is still the same connection and the API still answers.
    const last = await bridgeState(base).catch(() => undefined);
    if (last === undefined) violate({ invariant: 'bridge-connected', detail: 'the bridge is not connected at the end' });
    else if (last.connectedAt !== first.connectedAt) violate({ invariant: 'bridge-connected', detail: `the bridge reconnected during the run (connected at ${first.connectedAt}, now since ${last.connectedAt})` });
    const samples = rssBySec.filter((x) => x !== undefined);
    const growth = rssGrowth(samples);
    if (growth > rssGrowthLimit) violate({ invariant: 'rss', detail: `RSS grew ${growth} MiB after warm-up (largest of the first third of the run to the largest of the last; limit ${rssGrowthLimit} MiB): ${samples.join(' ')}` });
    const rssEnd = rssOf(pid) ?? 0;
    watching = false;
    const sorted = [...healthz].sort((a, b) => a - b);
    const everySec = Math.max(1, Math.round(samples.length / 8));
    return {
      seed: o.seed,
      seconds: o.seconds,
      violations,
      healthz: { checks: healthz.length, maxMs: round(sorted.at(-1) ?? 0), p50Ms: round(percentile(sorted, 50)), p99Ms: round(percentile(sorted, 99)), over: sorted.filter((x) => x > healthzLimit).length, limitMs: healthzLimit, breachesWith, ...(idle ? { idle } : {}) },
      rssMb: { start: rssStart, max: rssMax, end: rssEnd, everySec, samples: samples.filter((_, i) => (i + 1) % everySec === 0), growth },
      rest: { operations: ops.length, requests, byStatus, rejectedWritesChecked: writesChecked, slowest },
      openflow: ofStats,
      recorded: recording.counts,
      controllerLog: { lines: logged.lines, kib: Math.round(logged.bytes / 1024) },
    };
  } finally {
    watching = false;
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
    events?.close();
    // The bridge first: its removal must not wait on a controller that is slow to stop.
    await bridge?.destroy().catch(() => undefined);
    await controller.stop().catch(() => undefined);
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** The report as text: the figures, then each violation with its input and the seed to replay it. */
export function reportText(r: FuzzReport): string {
  const lines = [
    `fuzz: seed ${r.seed}, ${r.seconds} s`,
    `  recorded from OVS: ${Object.entries(r.recorded).map(([k, v]) => `${v} ${k}`).join(', ')}`,
    `  OpenFlow: ${r.openflow.connections} connections (${Object.entries(r.openflow.byBehaviour).map(([k, v]) => `${k} ${v}`).join(', ')}), ${r.openflow.messagesSent} writes, ${(r.openflow.bytesSent / 2 ** 20).toFixed(1)} MiB`,
    `  REST: ${r.rest.requests} requests over ${r.rest.operations} operations, by status ${Object.entries(r.rest.byStatus).map(([k, v]) => `${k}:${v}`).join(' ')}; ${r.rest.rejectedWritesChecked} rejected writes checked against the store`,
    `  slowest REST answers: ${r.rest.slowest.map((x) => `${x.op} ${x.status} ${x.ms} ms`).join('; ')}`,
    ...(r.healthz.idle ? [`  /healthz on the idle controller first: ${r.healthz.idle.checks} checks, p50 ${r.healthz.idle.p50Ms} ms, max ${r.healthz.idle.maxMs} ms`] : []),
    `  /healthz under fuzzing: ${r.healthz.checks} checks, p50 ${r.healthz.p50Ms} ms, p99 ${r.healthz.p99Ms} ms, max ${r.healthz.maxMs} ms, ${r.healthz.over} over ${r.healthz.limitMs} ms`,
    ...(r.healthz.over > 0 ? [`  in flight during those: ${Object.entries(r.healthz.breachesWith).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}`] : []),
    `  controller log (warn and above): ${r.controllerLog.lines} lines, ${r.controllerLog.kib} KiB`,
    `  controller RSS: ${r.rssMb.start} MiB at start, max ${r.rssMb.max} MiB, ${r.rssMb.end} MiB at the end, growth after warm-up ${r.rssMb.growth} MiB; every ${r.rssMb.everySec} s: ${r.rssMb.samples.join(' ')}`,
  ];
  if (r.violations.length === 0) lines.push('  no violation');
  else {
    lines.push(`  ${r.violations.length} violation(s); replay with: npm run fuzz -- --seconds ${r.seconds} --seed ${r.seed}`);
    for (const v of r.violations) lines.push(`  - ${v.invariant}: ${v.detail}`, ...(v.input !== undefined ? [`    input: ${JSON.stringify(v.input)}`] : []));
  }
  return lines.join('\n') + '\n';
}
