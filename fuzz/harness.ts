/**
 * The fuzz harness: a live Signalbox (the whole runtime in this process: store, controller, API)
 * with a real userspace Open vSwitch bridge attached, hostile OpenFlow clients and a REST fuzzer
 * driven by /openapi.json for N seconds, and the invariants checked all along: the bridge never
 * disconnects, nothing escapes as an uncaught exception, RSS stays bounded, /healthz answers fast,
 * every REST answer keeps the contract, and a rejected write leaves the store as it was.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { defaultConfig, type Config } from '../src/config.js';
import { dpidToHex } from '../src/core/ids.js';
import { silentLogger } from '../src/log.js';
import { startSignalbox, type Running } from '../src/runtime.js';
import { NAMESPACES, type Store } from '../src/store/index.js';
import { createBridge, ensureOvs, waitFor, type Bridge } from '../test/harness/ovs.js';
import { Recorder, type Recording } from './corpus.js';
import { newOpenflowStats, runOpenflowFuzz, type OpenflowFuzzStats } from './openflow-fuzzer.js';
import { answerViolation, operations, request, type FuzzRequest, type Operation } from './rest-fuzzer.js';
import { Rng } from './rng.js';

/** Options of {@link runFuzz}. */
export interface FuzzOptions {
  readonly seconds: number;
  readonly seed: number;
  /** Slowest acceptable /healthz answer (default 100 ms; this machine may be loaded). */
  readonly healthzMs?: number;
  /** Largest acceptable resident set size of the process (default 1024 MiB). */
  readonly rssMb?: number;
  /** Hostile OpenFlow clients at once (default 4). */
  readonly clients?: number;
  /** Largest burst of one flooding client, in messages (default 5,000). */
  readonly floodMax?: number;
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
  readonly healthz: { readonly checks: number; readonly maxMs: number; readonly p50Ms: number; readonly p99Ms: number };
  readonly rssMb: { readonly start: number; readonly max: number; readonly end: number };
  readonly rest: { readonly operations: number; readonly requests: number; readonly byStatus: Readonly<Record<string, number>>; readonly rejectedWritesChecked: number; readonly slowest: readonly { readonly op: string; readonly url: string; readonly status: number; readonly ms: number }[] };
  readonly openflow: OpenflowFuzzStats;
  readonly recorded: Readonly<Record<string, number>>;
}

const BRIDGE_DPID = 0xf22n;
const TOKEN = 'fuzz-admin-token-0123456789abcdef';
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const mb = (): number => Math.round(process.memoryUsage().rss / 2 ** 20);

/** Every key and value of the store, as one comparable text. */
export async function storeDump(store: Store): Promise<string> {
  const parts: string[] = [];
  for (const ns of Object.values(NAMESPACES)) for (const e of await store.list(ns)) parts.push(`${ns}/${e.key}=${JSON.stringify(e.value)}`);
  return parts.join('\n');
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

/** Runs the harness; resolves with the report (violations included), cleans up what it made. */
export async function runFuzz(o: FuzzOptions): Promise<FuzzReport> {
  const log = o.log ?? (() => undefined);
  const rng = new Rng(o.seed);
  const healthzLimit = o.healthzMs ?? 100;
  const rssLimit = o.rssMb ?? 1024;
  const violations: Violation[] = [];
  const violate = (v: Violation): void => {
    if (violations.length < 50) violations.push(v);
    log(`VIOLATION ${v.invariant}: ${v.detail}`);
  };
  const onCrash = (e: unknown): void => violate({ invariant: 'no-crash', detail: `uncaught: ${(e as Error)?.stack ?? String(e)}` });
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);

  const dataDir = mkdtempSync(join(tmpdir(), 'sbx-fuzz-'));
  let running: Running | undefined;
  let bridge: Bridge | undefined;
  try {
    await ensureOvs();
    bridge = await createBridge({ protocols: ['OpenFlow13'], dpid: BRIDGE_DPID });
    const recording = await record(bridge, log);
    const config: Config = {
      ...defaultConfig,
      dataDir,
      openflow: { ...defaultConfig.openflow, listen: ['127.0.0.1:0'] },
      api: { ...defaultConfig.api, listen: '127.0.0.1:0', tokens: [{ name: 'fuzz', token: TOKEN, scope: 'admin' }] },
    };
    running = await startSignalbox(config, silentLogger);
    const r = running;
    const ofPort = r.openflow[0]!.port;
    await bridge.setController(`tcp:127.0.0.1:${ofPort}`);
    await waitFor(async () => r.controller.devices.get(BRIDGE_DPID) !== undefined, 15_000, 50);
    const base = r.api.address;
    const knowledge = { dpidHex: dpidToHex(BRIDGE_DPID), ports: [...(r.controller.devices.get(BRIDGE_DPID)?.ports.keys() ?? [])] };
    log(`controller up: OpenFlow ${ofPort}, API ${base}; bridge ${knowledge.dpidHex} connected with ports ${knowledge.ports.join(',')}`);

    let inFlight: unknown = undefined;
    const ofStats = newOpenflowStats();
    // Until the run ends: stopping the controller afterwards disconnects the bridge on purpose.
    let watching = true;
    r.controller.bus.on('switchDisconnected', (e) => {
      if (watching && e.dpid === BRIDGE_DPID) violate({ invariant: 'bridge-connected', detail: `the bridge disconnected: ${e.reason}`, input: { openflow: [...(ofStats.recent)], rest: inFlight } });
    });

    // Read before the clock starts: the first /openapi.json builds the whole document (slow, once).
    const doc = (await (await fetch(`${base}/openapi.json`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as Parameters<typeof operations>[0];
    const ops: Operation[] = operations(doc);
    const rssStart = mb();
    let rssMax = rssStart;
    const healthz: number[] = [];
    let stop!: () => void;
    const until = new Promise<void>((resolve) => (stop = resolve));
    let stopped = false;
    void until.then(() => (stopped = true));

    // Invariants that are sampled: /healthz latency, RSS, the bridge still there.
    const monitor = (async () => {
      while (!stopped) {
        const t0 = performance.now();
        try {
          const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(10_000) });
          await res.text();
          const ms = performance.now() - t0;
          healthz.push(ms);
          if (res.status !== 200) violate({ invariant: 'healthz', detail: `/healthz answered ${res.status}` });
          else if (ms > healthzLimit) violate({ invariant: 'healthz', detail: `/healthz took ${ms.toFixed(1)} ms (limit ${healthzLimit} ms)`, input: { openflow: [...(ofStats.recent)], rest: inFlight } });
        } catch (e) {
          violate({ invariant: 'healthz', detail: `/healthz failed: ${(e as Error).message}` });
        }
        const rss = mb();
        rssMax = Math.max(rssMax, rss);
        if (rss > rssLimit) violate({ invariant: 'rss', detail: `RSS ${rss} MiB over the limit of ${rssLimit} MiB` });
        await sleep(100);
      }
    })();

    const byStatus: Record<string, number> = {};
    let requests = 0;
    let writesChecked = 0;
    const slowest: { op: string; url: string; status: number; ms: number }[] = [];
    const restRng = rng.fork();
    // The REST fuzzer: one request at a time, so a store dump around a write sees only that write.
    const rest = (async () => {
      while (!stopped) {
        const op = restRng.pick(ops);
        const req = request(restRng, op, knowledge, TOKEN);
        inFlight = shown(req);
        const before = WRITES.has(req.method) ? await storeDump(r.store) : undefined;
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
        requests++;
        slowest.push({ op: req.op, url: req.url.slice(0, 120), status, ms: round(performance.now() - t0) });
        slowest.sort((a, b) => b.ms - a.ms);
        slowest.length = Math.min(slowest.length, 3);
        byStatus[String(status)] = (byStatus[String(status)] ?? 0) + 1;
        if (before !== undefined && status >= 400 && status < 500) {
          writesChecked++;
          const after = await storeDump(r.store);
          if (after !== before) violate({ invariant: 'store-unchanged', detail: `${req.op} answered ${status} but changed the store`, input: { request: shown(req), before, after } });
        }
        inFlight = undefined;
      }
    })();

    const openflow = runOpenflowFuzz({ host: '127.0.0.1', port: ofPort, rng: rng.fork(), clients: o.clients ?? 4, bridgeDpid: BRIDGE_DPID, recording, until, stats: ofStats, ...(o.floodMax !== undefined ? { floodMax: o.floodMax } : {}) });
    const progress = setInterval(() => log(`${requests} REST requests, ${healthz.length} health checks (max ${Math.max(0, ...healthz).toFixed(1)} ms), RSS ${mb()} MiB, ${violations.length} violations`), 5_000);
    await sleep(o.seconds * 1000);
    stop();
    clearInterval(progress);
    await openflow;
    await Promise.all([monitor, rest]);
    // After the storm: the bridge is still the same connection and the API still answers.
    if (r.controller.devices.get(BRIDGE_DPID) === undefined) violate({ invariant: 'bridge-connected', detail: 'the bridge is not connected at the end' });
    watching = false;
    const sorted = [...healthz].sort((a, b) => a - b);
    return {
      seed: o.seed,
      seconds: o.seconds,
      violations,
      healthz: { checks: healthz.length, maxMs: round(sorted.at(-1) ?? 0), p50Ms: round(percentile(sorted, 50)), p99Ms: round(percentile(sorted, 99)) },
      rssMb: { start: rssStart, max: rssMax, end: mb() },
      rest: { operations: ops.length, requests, byStatus, rejectedWritesChecked: writesChecked, slowest },
      openflow: ofStats,
      recorded: recording.counts,
    };
  } finally {
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
    await running?.stop().catch(() => undefined);
    await bridge?.destroy().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
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
    `  /healthz: ${r.healthz.checks} checks, p50 ${r.healthz.p50Ms} ms, p99 ${r.healthz.p99Ms} ms, max ${r.healthz.maxMs} ms`,
    `  RSS: ${r.rssMb.start} MiB at start, max ${r.rssMb.max} MiB, ${r.rssMb.end} MiB at the end`,
  ];
  if (r.violations.length === 0) lines.push('  no violation');
  else {
    lines.push(`  ${r.violations.length} violation(s); replay with: npm run fuzz -- --seconds ${r.seconds} --seed ${r.seed}`);
    for (const v of r.violations) lines.push(`  - ${v.invariant}: ${v.detail}`, ...(v.input !== undefined ? [`    input: ${JSON.stringify(v.input)}`] : []));
  }
  return lines.join('\n') + '\n';
}
