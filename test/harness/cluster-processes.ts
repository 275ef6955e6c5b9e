/**
 * A cluster of real `signalbox start` processes for lab tests (built: `npm run build` first):
 * one etcd, instances launched, killed, stopped and restarted by their own handles, and what
 * they and Open vSwitch say about mastership, for assertions and failure messages. Without
 * `startEtcd()` each instance runs standalone on its own LevelDB store (the fuzz harness does).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEtcd, type EtcdServer } from './etcd.js';
import { endChild, freePort, keepOutputLines, run, waitFor } from './exec.js';
import type { Lab, LabSwitch } from './mininet.js';
import { parseDumpFlows } from './ovs.js';

/** The checkout: the nearest folder up with a package.json (this file also runs compiled, from dist/test/harness, in `npm run fuzz`). */
function checkoutRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return dir;
}
const ROOT = checkoutRoot();
const BIN = join(ROOT, 'bin', 'signalbox');
const BUILT = join(ROOT, 'dist', 'src', 'cli', 'start.js');

/** Throws unless dist/ exists (the processes run the built CLI). */
export function requireBuilt(): void {
  if (!existsSync(BUILT)) throw new Error('dist/ is missing or stale: run `npm run build` before the lab suite');
}

/** GET /api/v1/cluster in cluster mode (the fields these tests read). */
export interface ClusterJson {
  mode: string;
  instanceId: string;
  health: 'healthy' | 'isolated';
  members: { instanceId: string; api: string; openflow: string; self: boolean; health: string; masterOf: string[]; connected: string[] }[];
  switches: { dpid: string; master: string | null; generationId: string | null; localRole?: string; sent?: { flowMods: number; packetOuts: number } }[];
}

/** One `signalbox start` process; the ports and data directory survive a restart. */
export interface Instance {
  readonly id: string;
  readonly apiPort: number;
  readonly ofPort: number;
  readonly dataDir: string;
  proc: ChildProcess | undefined;
  exited: Promise<void>;
  stopped: boolean;
  readonly lines: string[];
}

/** What every instance of a {@link ProcessCluster} is started with. */
export interface ProcessClusterOptions {
  /** `--apps` (comma-separated); absent = the default apps. */
  readonly apps?: string;
  /** `cluster.leaseTtlSec` (with etcd only). */
  readonly leaseTtlSec?: number;
  /** `--log-level` (default info). */
  readonly logLevel?: string;
  /** Node.js flags before the script (e.g. `--cpu-prof`). */
  readonly nodeArgs?: readonly string[];
  /** More `--set key=value` settings. */
  readonly settings?: readonly string[];
}

/** Only for fixed waits (traffic before a failure, time spent stopped, a sampling period); conditions are awaited with waitFor. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Three (or more) instances over one etcd; `stop()` ends what it started, by handle. */
export class ProcessCluster {
  readonly instances: Instance[] = [];
  etcd: EtcdServer | undefined;
  lab: Lab | undefined;
  readonly prefix = `lab-proc-${Date.now()}/`;

  constructor(private opts: ProcessClusterOptions) {}

  /** Changes what later launches (and restarts) use. */
  configure(opts: ProcessClusterOptions): void {
    this.opts = opts;
  }

  async startEtcd(): Promise<EtcdServer> {
    this.etcd = await startEtcd();
    return this.etcd;
  }

  /** Starts an instance and waits until it is ready. */
  async startInstance(id: string): Promise<Instance> {
    const i: Instance = {
      id,
      apiPort: await freePort(),
      ofPort: await freePort(),
      dataDir: mkdtempSync(join(tmpdir(), `signalbox-cluster-proc-${id}-`)),
      proc: undefined,
      exited: Promise.resolve(),
      stopped: false,
      lines: [],
    };
    this.instances.push(i);
    this.launch(i);
    await this.waitReady(i);
    return i;
  }

  /** Starts (or restarts) the process of an instance, on its ports and data directory (in the cluster when etcd was started, standalone otherwise). */
  launch(i: Instance): void {
    const cluster = this.etcd
      ? [
          '--set', `cluster.etcd.endpoints=${this.etcd.endpoint}`,
          '--set', `cluster.etcd.prefix=${this.prefix}`,
          '--set', `cluster.instanceId=${i.id}`,
          ...(this.opts.leaseTtlSec !== undefined ? ['--set', `cluster.leaseTtlSec=${this.opts.leaseTtlSec}`] : []),
        ]
      : [];
    const args = [
      ...(this.opts.nodeArgs ?? []),
      BIN, 'start',
      '--listen', `127.0.0.1:${i.ofPort}`,
      '--api', `127.0.0.1:${i.apiPort}`,
      '--data', i.dataDir,
      '--log-level', this.opts.logLevel ?? 'info',
      ...cluster,
      ...(this.opts.settings ?? []).flatMap((s) => ['--set', s]),
      ...(this.opts.apps !== undefined ? ['--apps', this.opts.apps] : []),
    ];
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    i.proc = p;
    i.stopped = false;
    keepOutputLines(p, i.lines, 4_000);
    i.exited = new Promise((r) => p.once('exit', () => r()));
  }

  async waitReady(i: Instance): Promise<void> {
    await waitFor(
      async () => {
        if (i.proc?.exitCode !== null) throw new Error(`${i.id} exited (${String(i.proc?.exitCode)}):\n${i.lines.slice(-30).join('\n')}`);
        return (await this.api(i, 'GET', '/readyz').catch(() => ({ status: 0 }))).status === 200;
      },
      // Generous: on the shared 2-core machine a start has taken 15 s.
      { timeoutMs: 40_000, intervalMs: 100, message: this.diagnosed(`${i.id} ready`) },
    );
  }

  /** One request to an instance's API. */
  async api(i: Instance, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown; servedBy: string | null }> {
    const r = await fetch(`http://127.0.0.1:${i.apiPort}${path}`, {
      method,
      ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
      signal: AbortSignal.timeout(5_000),
    });
    const text = await r.text();
    let json: unknown = text;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: r.status, json, servedBy: r.headers.get('x-signalbox-served-by') };
  }

  async clusterOf(i: Instance): Promise<ClusterJson> {
    const r = await this.api(i, 'GET', '/api/v1/cluster');
    if (r.status !== 200) throw new Error(`${i.id} GET /api/v1/cluster: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json as ClusterJson;
  }

  /** The message for waitFor: what was awaited, then the state of every instance (computed only on timeout). */
  diagnosed(what: string): () => Promise<string> {
    return async () => `${what}\n${await this.diagnose()}`;
  }

  /** Controller roles as Open vSwitch reports them: bridge → controller port → role (connected controllers only). */
  async ovsRoles(): Promise<Map<string, Map<number, string>>> {
    const br = JSON.parse((await run('ovs-vsctl', ['--format=json', '--columns=name,controller', 'list', 'bridge'])).stdout) as { data: [string, unknown][] };
    const ctl = JSON.parse((await run('ovs-vsctl', ['--format=json', '--columns=_uuid,target,role,is_connected', 'list', 'controller'])).stdout) as {
      data: [[string, string], string, string | [string, unknown[]], boolean][];
    };
    const byUuid = new Map(ctl.data.map(([[, uuid], target, role, connected]) => [uuid, { port: Number(target.split(':').pop()), role: typeof role === 'string' ? role : '', connected }]));
    const out = new Map<string, Map<number, string>>();
    for (const [name, c] of br.data) {
      // A set column: ["uuid", x] for one, ["set", [["uuid", x], ...]] for several.
      const uuids = Array.isArray(c) && c[0] === 'uuid' ? [c[1] as string] : Array.isArray(c) && c[0] === 'set' ? (c[1] as [string, string][]).map((u) => u[1]) : [];
      const m = new Map<number, string>();
      for (const u of uuids) {
        const x = byUuid.get(u);
        if (x?.connected) m.set(x.port, x.role);
      }
      out.set(name, m);
    }
    return out;
  }

  /** Who believes what, for a failure message. */
  async diagnose(): Promise<string> {
    const parts: string[] = [];
    for (const i of this.instances) {
      if (i.stopped || i.proc?.exitCode !== null) {
        parts.push(`${i.id}: ${i.stopped ? 'stopped' : 'not running'}`);
        continue;
      }
      try {
        const c = await this.clusterOf(i);
        parts.push(`${i.id} health=${c.health} members=${c.members.map((m) => `${m.instanceId}(${m.masterOf.map((d) => d.slice(-2)).join(',')})`).join(' ')} switches=${c.switches.map((s) => `${s.dpid.slice(-2)}:${s.master}/${s.localRole}`).join(' ')}`);
      } catch (e) {
        parts.push(`${i.id}: ${(e as Error).message}`);
      }
    }
    try {
      const roles = await this.ovsRoles();
      parts.push(`ovs: ${[...roles].map(([b, m]) => `${b}[${[...m].map(([p, r]) => `${this.instances.find((i) => i.ofPort === p)?.id ?? p}=${r}`).join(',')}]`).join(' ')}`);
    } catch (e) {
      parts.push(`ovs: ${(e as Error).message}`);
    }
    for (const i of this.instances) parts.push(`--- ${i.id} log tail\n${i.lines.slice(-15).join('\n')}`);
    return parts.join('\n');
  }

  /** Cluster events every instance logged since `sinceMs` (wall clock), as `+ms instance dpid message`. */
  timeline(sinceMs: number): string {
    const out: [number, string][] = [];
    for (const i of this.instances) {
      for (const l of i.lines) {
        let j: { time?: number; component?: string; msg?: string; dpid?: string; role?: string; generationId?: string };
        try {
          j = JSON.parse(l) as typeof j;
        } catch {
          continue;
        }
        if (j.time === undefined || j.time < sinceMs || j.component !== 'cluster') continue;
        out.push([j.time - sinceMs, `+${j.time - sinceMs}ms ${i.id} ${j.dpid?.slice(-2) ?? ''} ${j.msg ?? ''}${j.role ? ` ${j.role}` : ''}${j.generationId ? ` gen ${j.generationId}` : ''}`]);
      }
    }
    return out.sort((a, b) => a[0] - b[0]).map((x) => x[1]).join('\n');
  }

  /** Every log line of `of` since `sinceMs` (wall clock), the last `max`, as `+ms instance line`. */
  logSince(sinceMs: number, of: readonly Instance[], max: number): string {
    const out: [number, string][] = [];
    for (const i of of) {
      for (const l of i.lines) {
        let t: number | undefined;
        try {
          t = (JSON.parse(l) as { time?: number }).time;
        } catch {
          continue;
        }
        if (t !== undefined && t >= sinceMs) out.push([t - sinceMs, `+${t - sinceMs}ms ${i.id} ${l}`]);
      }
    }
    return out.sort((a, b) => a[0] - b[0]).slice(-max).map((x) => x[1]).join('\n');
  }

  /** dpid → instance id of the one master, per Open vSwitch; undefined where a switch has none. Throws on two. */
  async ovsMasters(sws: readonly LabSwitch[]): Promise<Map<string, string | undefined>> {
    const roles = await this.ovsRoles();
    const out = new Map<string, string | undefined>();
    for (const s of sws) {
      const masters = [...(roles.get(s.bridge) ?? new Map<number, string>())].filter(([, r]) => r === 'master').map(([p]) => this.instances.find((i) => i.ofPort === p)?.id ?? String(p));
      if (masters.length > 1) throw new Error(`${s.name} has two masters: ${masters.join(', ')}`);
      out.set(s.dpid, masters[0]);
    }
    return out;
  }

  /**
   * dpid → the instance whose gate is open (localRole master: the switch's ROLE_REPLY confirmed
   * its term), asked of `live` over their APIs; throws when two instances both hold a switch.
   * Open vSwitch publishes roles to its database only every second or two, so timings use this.
   */
  async apiMasters(live: readonly Instance[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const c of await Promise.all(live.map((i) => this.clusterOf(i)))) {
      for (const s of c.switches) {
        if (s.localRole !== 'master') continue;
        const other = out.get(s.dpid);
        if (other !== undefined) throw new Error(`${s.dpid} is mastered by both ${other} and ${c.instanceId}`);
        out.set(s.dpid, c.instanceId);
      }
    }
    return out;
  }

  /** True when every running instance agrees with Open vSwitch on each switch's one master, among `live`. */
  async settled(sws: readonly LabSwitch[], live: readonly Instance[]): Promise<boolean> {
    const ovs = await this.ovsMasters(sws);
    if ([...ovs.values()].some((m) => m === undefined || !live.some((i) => i.id === m))) return false;
    for (const i of live) {
      const c = await this.clusterOf(i).catch(() => undefined);
      if (!c || c.health !== 'healthy' || c.members.length !== live.length) return false;
      for (const s of sws) {
        const row = c.switches.find((x) => x.dpid === s.dpid);
        if (!row || row.master !== ovs.get(s.dpid)) return false;
        if (row.localRole !== (row.master === i.id ? 'master' : 'slave')) return false;
      }
    }
    return true;
  }

  /** FLOW_MODs sent to each switch (dpid → count) by the `live` instances, from their sessions' counters. */
  async flowModsSent(live: readonly Instance[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const c of await Promise.all(live.map((i) => this.clusterOf(i)))) {
      for (const s of c.switches) out.set(s.dpid, (out.get(s.dpid) ?? 0) + (s.sent?.flowMods ?? 0));
    }
    return out;
  }

  /** FLOW_MODs plus PACKET_OUTs sent to each switch (dpid → count) by `of`, from their sessions' counters: every write an instance made. */
  async writesSent(of: readonly Instance[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const c of await Promise.all(of.map((i) => this.clusterOf(i)))) {
      for (const s of c.switches) out.set(s.dpid, (out.get(s.dpid) ?? 0) + (s.sent?.flowMods ?? 0) + (s.sent?.packetOuts ?? 0));
    }
    return out;
  }

  /** Ends every process (resuming a stopped one, SIGTERM, then SIGKILL after 8 s), the lab and etcd. */
  async stop(): Promise<void> {
    for (const i of this.instances.splice(0)) {
      const p = i.proc;
      if (p && p.exitCode === null && p.signalCode === null) {
        if (i.stopped) p.kill('SIGCONT');
        await endChild(p, { graceMs: 8_000 });
      }
      rmSync(i.dataDir, { recursive: true, force: true });
    }
    await this.lab?.stop();
    this.lab = undefined;
    await this.etcd?.stop();
    this.etcd = undefined;
  }
}

/** Flows of a bridge without counters and ages, as comparable strings. */
export async function flowSet(bridge: string): Promise<Set<string>> {
  const out = await run('ovs-ofctl', ['-O', 'OpenFlow13', 'dump-flows', bridge]);
  return new Set(parseDumpFlows(out.stdout).map((f) => `cookie=${f.cookie} table=${f.table} priority=${f.priority} ${f.match} -> ${f.actions}`));
}

/** Switches each instance masters in a status. */
export function mastered(c: ClusterJson, id: string): string[] {
  return c.switches.filter((s) => s.master === id).map((s) => s.dpid);
}
