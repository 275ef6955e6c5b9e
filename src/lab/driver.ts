/**
 * The one client of mininet/driver.py, for `signalbox lab` and the lab test suite
 * (test/harness/mininet.ts adapts it): starts the driver, waits for its `ready` line, sends
 * JSON commands (typed wrappers for each) and stops it so the network is torn down, also when
 * this process is interrupted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { systemClock, type Clock, type Timer } from '../core/clock.js';

/** Debian's interpreter: the `mininet` module belongs to it. */
export const DEFAULT_PYTHON = '/usr/bin/python3';

/** mininet/driver.py of this checkout (two levels up from src/lab and from dist/src/lab). */
export function driverPath(): string {
  for (const rel of ['../../mininet/driver.py', '../../../mininet/driver.py']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new Error('mininet/driver.py not found next to this installation');
}

/** Topology kinds mininet/topologies.py knows. */
export const TOPOLOGIES = ['linear', 'tree', 'ring', 'fattree', 'leafspine', 'mesh', 'router'] as const;

/** Checks the kind of a topology spec (`linear,4`); the driver checks the parameters. Throws Error. */
export function checkTopo(spec: string): void {
  const kind = spec.split(',')[0]!.trim();
  if (!(TOPOLOGIES as readonly string[]).includes(kind)) throw new Error(`unknown topology ${JSON.stringify(spec)}; known: ${TOPOLOGIES.join(', ')}`);
}

/** Options of a driver run. */
export interface DriverOptions {
  /** Time for the ready, command and exit timeouts; default the system clock. */
  readonly clock?: Clock;
  /** `--topo` text: `linear,4`, `tree,depth=2,fanout=3`, ... */
  readonly topo: string;
  /** Controller targets `tcp:IP:PORT`; none: the switches get no controller. */
  readonly controllers: readonly string[];
  /** OpenFlow 1.0 switches instead of 1.3 (ignored when `protocols` is given). */
  readonly of10?: boolean;
  /** OVS protocols list, e.g. `OpenFlow10,OpenFlow13`. */
  readonly protocols?: string;
  /** `secure` (default) or `standalone`: switches act as learning switches while no controller answers. */
  readonly failMode?: 'secure' | 'standalone';
  /** OVS spanning tree (standalone only). */
  readonly stp?: boolean;
  /** Before `ready`, wait up to this long (s) for every switch to connect ({@link ReadyInfo.connected} tells). */
  readonly waitConnectedSec?: number;
  /** Name prefix of bridges and interfaces (lower-case letters). */
  readonly prefix: string;
  readonly python?: string;
  /** Mininet's interactive CLI on this terminal instead of JSON commands (driver flag `--cli`). */
  readonly interactive?: boolean;
  /** Mininet log lines (stderr of the driver); not used in interactive mode, where they go to the terminal. */
  readonly onLog?: (line: string) => void;
  readonly logLevel?: string;
  /** Default limit of each command (default 120 s). */
  readonly commandTimeoutMs?: number;
  /** Log lines kept for error messages (default 200). */
  readonly logLines?: number;
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: Timer;
}

/** Facts from the driver's ready line. */
export interface ReadyInfo {
  readonly prefix: string;
  readonly hosts: number;
  readonly switches: number;
  /** PIDs of the Mininet node shells (host namespaces live as long as these). */
  readonly pids: readonly number[];
  /** Whether every switch connected within `waitConnectedSec` (null when not asked). */
  readonly connected: boolean | null;
}

/** Result of a ping: counts, loss, RTT summary and each reply's RTT. */
export interface PingResult {
  readonly src: string;
  readonly dst: string;
  readonly transmitted: number;
  readonly received: number;
  /** Per cent lost, 0-100. */
  readonly loss: number;
  readonly rttMin: number | null;
  readonly rttAvg: number | null;
  readonly rttMax: number | null;
  /** RTT (ms) of each echo request by sequence number from 1; null for one not answered. */
  readonly rtts: readonly (number | null)[];
}

/** Result of a pingall. */
export interface PingAllResult {
  /** Per cent lost over all ordered pairs, 0-100. */
  readonly loss: number;
  readonly sent: number;
  readonly received: number;
  /** `[src, dst]` pairs that lost at least one packet. */
  readonly failures: readonly (readonly [string, string])[];
}

/** What {@link LabDriver.rerouteProbe} saw: wall-clock seconds, as `ping -D` prints them. */
export interface RerouteProbe {
  readonly transmitted: number;
  readonly received: number;
  readonly intervalMs: number;
  /** When the link was taken down (just before the first interface went down). */
  readonly cutAt: number;
  /** When both interfaces were down. */
  readonly cutDone: number;
  /** `[icmp_seq, time]` of each reply. */
  readonly replies: readonly (readonly [number, number])[];
}

/** Result of an iperf run. */
export interface IperfResult {
  readonly src: string;
  readonly dst: string;
  readonly seconds: number;
  readonly bytes: number;
  /** TCP throughput the client measured, bits per second. */
  readonly bps: number;
}

/** A host and where it is attached. */
export interface LabHost {
  readonly name: string;
  readonly ip: string;
  readonly mac: string;
  readonly switch: string | null;
  readonly port: number | null;
}

/** A switch: topology name, OVS bridge name (with the lab prefix) and datapath id (16 hex digits). */
export interface LabSwitch {
  readonly name: string;
  readonly bridge: string;
  readonly dpid: string;
  readonly ports: readonly number[];
}

/** A link with its port on each side (a host's port is its interface number). */
export interface LabLink {
  readonly a: string;
  readonly portA: number;
  readonly b: string;
  readonly portB: number;
  readonly switchLink: boolean;
}

/** Options of {@link LabDriver.ping}. */
export interface PingOptions {
  readonly count?: number;
  /** Per-reply wait (s, whole seconds). */
  readonly timeoutSec?: number;
  /** Between requests (s). */
  readonly intervalSec?: number;
}

/** A running driver. Names in and out are the topology's (`h1`, `s1`). */
export class LabDriver {
  readonly child: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly logTail: string[] = [];
  private exited = false;
  private readonly exitPromise: Promise<number | null>;
  private readyWaiter: { resolve(r: ReadyInfo): void; reject(e: Error): void } | undefined;
  private readyInfo: ReadyInfo | undefined;
  private stopping: Promise<void> | undefined;

  private get clock(): Clock {
    return this.opts.clock ?? systemClock;
  }

  constructor(readonly opts: DriverOptions) {
    const args = [driverPath(), '--topo', opts.topo, '--prefix', opts.prefix, '--log-level', opts.logLevel ?? 'info'];
    for (const c of opts.controllers) args.push('--controller', c);
    if (opts.controllers.length === 0) args.push('--controller', 'none');
    if (opts.protocols) args.push('--protocols', opts.protocols);
    else if (opts.of10) args.push('--of10');
    if (opts.failMode) args.push('--fail-mode', opts.failMode);
    if (opts.stp) args.push('--stp');
    if (opts.waitConnectedSec) args.push('--wait-connected', String(opts.waitConnectedSec));
    if (opts.interactive) args.push('--cli');
    this.child = spawn(opts.python ?? DEFAULT_PYTHON, args, { stdio: [opts.interactive ? 'inherit' : 'pipe', 'pipe', opts.interactive ? 'inherit' : 'pipe'] });
    this.exitPromise = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exited = true;
        const why = new Error(`Mininet driver exited (${signal ?? `code ${code}`})\n${this.log()}`);
        this.readyWaiter?.reject(why);
        for (const p of this.pending.values()) {
          p.timer.cancel();
          p.reject(why);
        }
        this.pending.clear();
        resolve(code);
      });
    });
    this.child.once('error', (e) => this.readyWaiter?.reject(e));
    if (this.child.stderr) {
      const keep = opts.logLines ?? 200;
      createInterface({ input: this.child.stderr }).on('line', (line) => {
        this.logTail.push(line);
        if (this.logTail.length > keep) this.logTail.shift();
        opts.onLog?.(line);
      });
    }
    createInterface({ input: this.child.stdout! }).on('line', (line) => this.onLine(line));
    this.child.stdin?.on('error', () => undefined); // EPIPE after the driver died: reported through 'exit'
  }

  /** PID of the driver process. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The ready line's facts, once the network is up. */
  get info(): ReadyInfo | undefined {
    return this.readyInfo;
  }

  /** Whether the driver process has exited. */
  get hasExited(): boolean {
    return this.exited;
  }

  /** Resolves when the network is up. */
  ready(timeoutMs = 120_000): Promise<ReadyInfo> {
    if (this.readyInfo) return Promise.resolve(this.readyInfo);
    return new Promise((resolve, reject) => {
      const t = this.clock.after(timeoutMs, () => reject(new Error(`Mininet lab not ready after ${timeoutMs} ms\n${this.log()}`)));
      this.readyWaiter = {
        resolve: (r) => {
          t.cancel();
          resolve(r);
        },
        reject: (e) => {
          t.cancel();
          reject(e);
        },
      };
    });
  }

  /** Sends one command and resolves with its result. */
  command<T>(cmd: string, args: Record<string, unknown> = {}, timeoutMs = this.opts.commandTimeoutMs ?? 120_000): Promise<T> {
    if (this.exited || !this.child.stdin) return Promise.reject(new Error(`Mininet driver is not accepting commands\n${this.log()}`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = this.clock.after(timeoutMs, () => {
        this.pending.delete(id);
        reject(new Error(`lab command ${cmd} timed out after ${timeoutMs} ms`));
      });
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.child.stdin!.write(`${JSON.stringify({ id, cmd, ...args })}\n`);
    });
  }

  /** Pings `dst` (a host name or an IP) from host `src`. */
  ping(src: string, dst: string, o: PingOptions = {}): Promise<PingResult> {
    const count = o.count ?? 3;
    const interval = o.intervalSec ?? 0.2;
    const timeout = o.timeoutSec ?? 1;
    return this.command('ping', { src, dst, count, timeout, interval }, (count * (interval + timeout) + 60) * 1000);
  }

  /** Every host pings every other (in parallel per source). */
  pingAll(o: { timeoutSec?: number; count?: number } = {}): Promise<PingAllResult> {
    return this.command('pingall', { timeout: o.timeoutSec ?? 1, count: o.count ?? 1 });
  }

  /** Takes both ends of the link between two nodes up or down. */
  async link(a: string, b: string, state: 'up' | 'down'): Promise<void> {
    await this.command('link', { a, b, state });
  }

  /**
   * A fast ping from `src` to `dst` (one request every `intervalMs`) during which the link a-b goes
   * down, `beforeSec` after the start; runs `afterSec` more. The reroute scenario analyses it.
   */
  rerouteProbe(o: { src: string; dst: string; a: string; b: string; intervalMs?: number; beforeSec?: number; afterSec?: number }): Promise<RerouteProbe> {
    const before = o.beforeSec ?? 0.5;
    const after = o.afterSec ?? 1.5;
    return this.command('reroute_probe', { src: o.src, dst: o.dst, a: o.a, b: o.b, interval: (o.intervalMs ?? 2) / 1000, before, after }, (before + after + 60) * 1000);
  }

  /** TCP throughput from `src` to `dst` over `seconds`. */
  iperf(src: string, dst: string, seconds = 2): Promise<IperfResult> {
    return this.command('iperf', { src, dst, seconds }, (seconds + 30) * 1000);
  }

  /** Runs a shell command on a node (host namespace, or the root namespace for a switch); resolves with its output. */
  async cmd(node: string, command: string, timeoutSec?: number): Promise<string> {
    const r = await this.command<{ output: string }>('cmd', { host: node, command, ...(timeoutSec ? { timeout: timeoutSec } : {}) });
    return r.output;
  }

  async hosts(): Promise<LabHost[]> {
    return (await this.command<{ hosts: LabHost[] }>('hosts')).hosts;
  }

  async switches(): Promise<LabSwitch[]> {
    return (await this.command<{ switches: LabSwitch[] }>('switches')).switches;
  }

  async links(): Promise<LabLink[]> {
    return (await this.command<{ links: LabLink[] }>('links')).links;
  }

  /** Re-attaches a host (same MAC and IP) to another switch; resolves with the new switch port. */
  moveHost(host: string, toSwitch: string): Promise<{ from: string | null; switch: string; port: number }> {
    return this.command('move_host', { host, switch: toSwitch });
  }

  /** Waits until every switch is connected to a controller (or is standalone). */
  async waitConnected(timeoutSec = 10): Promise<boolean> {
    return (await this.command<{ connected: boolean }>('wait_connected', { timeout: timeoutSec }, (timeoutSec + 15) * 1000)).connected;
  }

  /** Resolves with the exit code once the driver has exited. */
  waitExit(): Promise<number | null> {
    return this.exitPromise;
  }

  /**
   * Stops the network: `stop` command and end of stdin; SIGTERM (the driver then still runs
   * net.stop()) if it lingers; SIGKILL only as a last resort.
   */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    if (this.exited) return;
    if (this.child.stdin && !this.child.stdin.destroyed) {
      this.child.stdin.write(`${JSON.stringify({ cmd: 'stop' })}\n`);
      this.child.stdin.end();
    }
    if (await this.exitWithin(60_000)) return;
    this.signal('SIGTERM');
    if (await this.exitWithin(30_000)) return;
    this.signal('SIGKILL');
    await this.exitWithin(5_000);
  }

  /** Synchronous last resort at process exit: the driver stops the network itself on SIGTERM. */
  killNow(): void {
    if (!this.exited) this.signal('SIGTERM');
  }

  /** The last lines the driver logged (default 40). */
  log(lines = 40): string {
    return this.logTail.slice(-lines).join('\n');
  }

  private signal(sig: NodeJS.Signals): void {
    try {
      this.child.kill(sig);
    } catch {
      // gone already
    }
  }

  private exitWithin(ms: number): Promise<boolean> {
    if (this.exited) return Promise.resolve(true);
    return Promise.race([this.exitPromise.then(() => true), new Promise<boolean>((r) => this.clock.after(ms, () => r(false)).unref())]);
  }

  private onLine(line: string): void {
    let msg: { event?: string; id?: number; ok?: boolean; result?: unknown; error?: string; prefix?: string; hosts?: number; switches?: number; pids?: number[]; connected?: boolean | null };
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      this.logTail.push(`(stdout) ${line}`);
      return;
    }
    if (msg.event === 'ready') {
      this.readyInfo = {
        prefix: msg.prefix ?? this.opts.prefix,
        hosts: msg.hosts ?? 0,
        switches: msg.switches ?? 0,
        pids: msg.pids ?? [],
        connected: msg.connected ?? null,
      };
      this.readyWaiter?.resolve(this.readyInfo);
      return;
    }
    if (msg.event === 'error') {
      this.readyWaiter?.reject(new Error(`Mininet driver failed: ${msg.error}\n${this.log()}`));
      return;
    }
    if (typeof msg.id !== 'number') return;
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    p.timer.cancel();
    if (msg.ok) p.resolve(msg.result);
    else p.reject(new Error(`lab command failed: ${msg.error}`));
  }
}
