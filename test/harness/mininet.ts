/** Runs a real Mininet lab (userspace OVS) through mininet/driver.py and checks that stopping it leaves nothing behind. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { run, findExecutable, waitFor } from './exec.js';
import { ensureOvs, listBridges, listLinks, vsctl, ip } from './ovs.js';

export { waitFor } from './exec.js';

/** Mininet's Python API belongs to Debian's interpreter, not whatever `python3` is first on PATH. */
const DEFAULT_PYTHON = '/usr/bin/python3';
const DRIVER = fileURLToPath(new URL('../../mininet/driver.py', import.meta.url));

/** A topology from mininet/topologies.py, or its text form (`linear,3`, `tree,depth=2,fanout=2`). */
export type TopoSpec =
  | string
  | { readonly kind: 'linear'; readonly n: number; readonly hostsPerSwitch?: number }
  | { readonly kind: 'tree'; readonly depth: number; readonly fanout: number }
  | { readonly kind: 'ring'; readonly n: number }
  | { readonly kind: 'fattree'; readonly k: number }
  | { readonly kind: 'leafspine'; readonly spines: number; readonly leaves: number; readonly hostsPerLeaf: number }
  | { readonly kind: 'mesh'; readonly n: number; readonly extra: number; readonly seed: number; readonly hostsPerSwitch?: number }
  | { readonly kind: 'router'; readonly switches?: 1 | 2 };

/** The driver's `--topo` text for a spec. */
export function topoArg(t: TopoSpec): string {
  if (typeof t === 'string') return t;
  switch (t.kind) {
    case 'linear':
      return `linear,n=${t.n}${t.hostsPerSwitch !== undefined ? `,hosts_per_switch=${t.hostsPerSwitch}` : ''}`;
    case 'tree':
      return `tree,depth=${t.depth},fanout=${t.fanout}`;
    case 'ring':
      return `ring,n=${t.n}`;
    case 'fattree':
      return `fattree,k=${t.k}`;
    case 'leafspine':
      return `leafspine,spines=${t.spines},leaves=${t.leaves},hosts_per_leaf=${t.hostsPerLeaf}`;
    case 'mesh':
      return `mesh,n=${t.n},extra=${t.extra},seed=${t.seed}${t.hostsPerSwitch !== undefined ? `,hosts_per_switch=${t.hostsPerSwitch}` : ''}`;
    case 'router':
      return `router,switches=${t.switches ?? 1}`;
    default: {
      const never: never = t;
      throw new Error(`unknown topology ${JSON.stringify(never)}`);
    }
  }
}

/** Options of {@link startLab}. */
export interface LabOptions {
  /** Controller on `tcp:127.0.0.1:PORT`. */
  readonly controllerPort?: number;
  /** Controller targets (`tcp:IP:PORT`), combined with `controllerPort`. None at all: switches have no controller. */
  readonly controllers?: readonly string[];
  /** OpenFlow version the switches speak (default OpenFlow13); `protocols` overrides with an OVS list. */
  readonly protocol?: 'OpenFlow13' | 'OpenFlow10';
  /** OVS protocols list, e.g. `OpenFlow10,OpenFlow13`. */
  readonly protocols?: string;
  /** `secure` (default) or `standalone`: switches act as learning switches while no controller answers. */
  readonly failMode?: 'secure' | 'standalone';
  /** OVS spanning tree (standalone only), for loops without a controller. */
  readonly stp?: boolean;
  /** Before resolving, wait up to this long for every switch to connect to a controller ({@link Lab.connected} tells). */
  readonly waitConnectedMs?: number;
  /** Limit for building the network (default 90 s). */
  readonly startTimeoutMs?: number;
  /** Default limit for each command (default 60 s). */
  readonly commandTimeoutMs?: number;
  /** Interpreter with the mininet module (default /usr/bin/python3). */
  readonly python?: string;
  /** Mininet log level (default `info`). */
  readonly logLevel?: 'debug' | 'info' | 'output' | 'warning' | 'error';
  /** Called with each line the driver writes on stderr (Mininet's log). */
  readonly onLog?: (line: string) => void;
}

/** Result of {@link Lab.ping}. */
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
}

/** Result of {@link Lab.pingAll}. */
export interface PingAllResult {
  /** Per cent lost over all ordered pairs, 0-100. */
  readonly loss: number;
  readonly sent: number;
  readonly received: number;
  /** `[src, dst]` pairs that lost at least one packet. */
  readonly failures: readonly (readonly [string, string])[];
}

/** Result of {@link Lab.iperf}. */
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

/** A running lab. Names are the topology's (`h1`, `s1`). */
export interface Lab {
  /** Prefix of this lab's bridge and interface names. */
  readonly prefix: string;
  /** PIDs of the lab's Mininet node shells (hosts' namespaces live as long as these). */
  readonly pids: readonly number[];
  /** Whether all switches connected within `waitConnectedMs` (null when not asked). */
  readonly connected: boolean | null;
  /** PID of the driver process. */
  readonly driverPid: number;
  ping(src: string, dst: string, opts?: { count?: number; timeoutSec?: number; intervalSec?: number }): Promise<PingResult>;
  pingAll(opts?: { timeoutSec?: number; count?: number }): Promise<PingAllResult>;
  link(a: string, b: string, state: 'up' | 'down'): Promise<void>;
  iperf(src: string, dst: string, seconds?: number): Promise<IperfResult>;
  /** Runs a shell command on a node (host namespace, or the root namespace for a switch); returns its output. */
  cmd(host: string, command: string, timeoutSec?: number): Promise<string>;
  hosts(): Promise<LabHost[]>;
  switches(): Promise<LabSwitch[]>;
  links(): Promise<LabLink[]>;
  /** Re-attaches a host (same MAC and IP) to another switch; resolves with the new switch port. */
  moveHost(host: string, toSwitch: string): Promise<{ from: string | null; switch: string; port: number }>;
  /** Waits until every switch is connected to a controller (or is standalone). */
  waitConnected(timeoutSec?: number): Promise<boolean>;
  /** OVS bridge name of a switch (`s1` → prefix + `s1`), for ovs-ofctl. */
  bridgeName(sw: string): string;
  /** Stops the network, waits for the driver to exit and checks no bridge, interface or process is left. */
  stop(): Promise<void>;
  /** The last lines the driver logged. */
  log(): string;
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

const liveLabs = new Set<LabProcess>();
let mininetChecked: string | undefined;

async function checkMininet(python: string): Promise<void> {
  if (mininetChecked === python) return;
  if (!findExecutable([python])) throw new Error(`Mininet is not installed: ${python} not found (run scripts/install-deps.sh as root)`);
  try {
    await run(python, ['-c', 'import mininet.net, mininet.node'], { timeoutMs: 20_000 });
  } catch (err) {
    throw new Error(`Mininet is not installed for ${python} (apt-get install mininet; run scripts/install-deps.sh): ${(err as Error).message}`);
  }
  for (const bin of ['mnexec', 'ping']) {
    if (!findExecutable([`/usr/bin/${bin}`, `/bin/${bin}`, `/usr/sbin/${bin}`])) {
      throw new Error(`Mininet labs need ${bin} (run scripts/install-deps.sh as root)`);
    }
  }
  mininetChecked = python;
}

class LabProcess implements Lab {
  pids: number[] = [];
  connected: boolean | null = null;
  readonly driverPid: number;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly logLines: string[] = [];
  private exited = false;
  private readonly exitPromise: Promise<void>;
  private readyWaiter: { resolve(): void; reject(e: Error): void } | undefined;
  private stopped = false;

  constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly opts: LabOptions,
    /** Chosen here and passed to the driver, so cleanup checks work even if the lab never became ready. */
    readonly prefix: string,
  ) {
    if (child.pid === undefined) throw new Error('could not start the Mininet driver');
    this.driverPid = child.pid;
    this.exitPromise = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exited = true;
        liveLabs.delete(this);
        const why = new Error(`Mininet driver exited (${signal ?? `code ${code}`})\n${this.log()}`);
        this.readyWaiter?.reject(why);
        for (const [, p] of this.pending) {
          clearTimeout(p.timer);
          p.reject(why);
        }
        this.pending.clear();
        resolve();
      });
    });
    child.once('error', (err) => this.readyWaiter?.reject(err));
    createInterface({ input: child.stderr }).on('line', (line) => {
      this.logLines.push(line);
      if (this.logLines.length > 200) this.logLines.shift();
      opts.onLog?.(line);
    });
    createInterface({ input: child.stdout }).on('line', (line) => this.onLine(line));
    child.stdin.on('error', () => undefined); // EPIPE after the driver died: reported through 'exit'
  }

  waitReady(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Mininet lab not ready after ${timeoutMs} ms\n${this.log()}`)), timeoutMs);
      this.readyWaiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  private onLine(line: string): void {
    let msg: { event?: string; id?: number; ok?: boolean; result?: unknown; error?: string; prefix?: string; pids?: number[]; connected?: boolean | null };
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      this.logLines.push(`(stdout) ${line}`);
      return;
    }
    if (msg.event === 'ready') {
      this.pids = msg.pids ?? [];
      this.connected = msg.connected ?? null;
      this.readyWaiter?.resolve();
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
    clearTimeout(p.timer);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(new Error(`lab command failed: ${msg.error}`));
  }

  private send<T>(cmd: string, args: Record<string, unknown> = {}, timeoutMs = this.opts.commandTimeoutMs ?? 60_000): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`Mininet driver has exited\n${this.log()}`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`lab command ${cmd} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.child.stdin.write(`${JSON.stringify({ id, cmd, ...args })}\n`);
    });
  }

  ping(src: string, dst: string, o: { count?: number; timeoutSec?: number; intervalSec?: number } = {}): Promise<PingResult> {
    return this.send('ping', { src, dst, count: o.count ?? 3, timeout: o.timeoutSec ?? 1, interval: o.intervalSec ?? 0.2 });
  }

  pingAll(o: { timeoutSec?: number; count?: number } = {}): Promise<PingAllResult> {
    return this.send('pingall', { timeout: o.timeoutSec ?? 1, count: o.count ?? 1 });
  }

  async link(a: string, b: string, state: 'up' | 'down'): Promise<void> {
    await this.send('link', { a, b, state });
  }

  iperf(src: string, dst: string, seconds = 2): Promise<IperfResult> {
    return this.send('iperf', { src, dst, seconds }, (seconds + 30) * 1000);
  }

  async cmd(host: string, command: string, timeoutSec?: number): Promise<string> {
    const r = await this.send<{ output: string }>('cmd', { host, command, ...(timeoutSec ? { timeout: timeoutSec } : {}) });
    return r.output;
  }

  async hosts(): Promise<LabHost[]> {
    return (await this.send<{ hosts: LabHost[] }>('hosts')).hosts;
  }

  async switches(): Promise<LabSwitch[]> {
    return (await this.send<{ switches: LabSwitch[] }>('switches')).switches;
  }

  async links(): Promise<LabLink[]> {
    return (await this.send<{ links: LabLink[] }>('links')).links;
  }

  moveHost(host: string, toSwitch: string): Promise<{ from: string | null; switch: string; port: number }> {
    return this.send('move_host', { host, switch: toSwitch });
  }

  async waitConnected(timeoutSec = 10): Promise<boolean> {
    const r = await this.send<{ connected: boolean }>('wait_connected', { timeout: timeoutSec }, (timeoutSec + 10) * 1000);
    return r.connected;
  }

  bridgeName(sw: string): string {
    return this.prefix + sw;
  }

  log(): string {
    return this.logLines.slice(-40).join('\n');
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (!this.exited) {
      this.send('stop', {}, 60_000).catch(() => undefined);
      this.child.stdin.end();
      if (!(await this.exitWithin(60_000))) {
        // The driver handles SIGTERM by stopping the network; only a driver stuck past that gets SIGKILL.
        this.signal('SIGTERM');
        if (!(await this.exitWithin(30_000))) {
          this.signal('SIGKILL');
          await this.exitWithin(5_000);
        }
      }
    }
    await this.verifyClean();
  }

  /** Synchronous last resort at process exit: the driver stops the network itself on SIGTERM. */
  killOnExit(): void {
    if (!this.exited) this.signal('SIGTERM');
  }

  private signal(sig: NodeJS.Signals): void {
    try {
      process.kill(this.driverPid, sig);
    } catch {
      // already gone
    }
  }

  private exitWithin(ms: number): Promise<boolean> {
    if (this.exited) return Promise.resolve(true);
    return Promise.race([this.exitPromise.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);
  }

  /** Looks for anything of this lab still present; removes it and throws if so. */
  private async verifyClean(): Promise<void> {
    const mine = new RegExp(`^${this.prefix}[shc]\\d`);
    const leftovers: string[] = [];
    // Deleting a veth end in a dying namespace is asynchronous in the kernel: give it a moment.
    await waitFor(
      async () => {
        const bridges = (await listBridges()).filter((b) => mine.test(b));
        const links = (await listLinks()).filter((l) => mine.test(l));
        const pids = this.pids.filter(alive);
        return bridges.length + links.length + pids.length === 0;
      },
      3_000,
      100,
    ).catch(() => undefined);
    for (const b of (await listBridges()).filter((x) => mine.test(x))) {
      leftovers.push(`bridge ${b}`);
      await vsctl(['--if-exists', 'del-br', b]).catch(() => undefined);
    }
    for (const l of (await listLinks()).filter((x) => mine.test(x))) {
      leftovers.push(`interface ${l}`);
      await ip(['link', 'del', l]).catch(() => undefined);
    }
    for (const pid of this.pids.filter(alive)) {
      leftovers.push(`process ${pid}`);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    if (leftovers.length) throw new Error(`Mininet lab ${this.prefix} left behind: ${leftovers.join(', ')}\n${this.log()}`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function randomPrefix(): string {
  let s = 'm';
  for (let i = 0; i < 3; i++) s += String.fromCharCode(97 + Math.floor(Math.random() * 26));
  return s;
}

let exitHookRegistered = false;

/**
 * Builds a Mininet network of userspace OVS switches and resolves once it is up. Throws (never skips)
 * when OVS or Mininet is missing. Always `await lab.stop()` (e.g. in afterAll).
 */
export async function startLab(topo: TopoSpec, opts: LabOptions = {}): Promise<Lab> {
  const python = opts.python ?? DEFAULT_PYTHON;
  await checkMininet(python);
  await ensureOvs();
  const controllers = [...(opts.controllers ?? []), ...(opts.controllerPort !== undefined ? [`tcp:127.0.0.1:${opts.controllerPort}`] : [])];
  const prefix = randomPrefix();
  const args = [DRIVER, '--topo', topoArg(topo), '--prefix', prefix, '--log-level', opts.logLevel ?? 'info'];
  for (const c of controllers) args.push('--controller', c);
  if (controllers.length === 0) args.push('--controller', 'none');
  if (opts.protocols) args.push('--protocols', opts.protocols);
  else if (opts.protocol === 'OpenFlow10') args.push('--of10');
  if (opts.failMode) args.push('--fail-mode', opts.failMode);
  if (opts.stp) args.push('--stp');
  if (opts.waitConnectedMs) args.push('--wait-connected', String(opts.waitConnectedMs / 1000));
  const child = spawn(python, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const lab = new LabProcess(child, opts, prefix);
  liveLabs.add(lab);
  if (!exitHookRegistered) {
    exitHookRegistered = true;
    process.once('exit', () => {
      for (const l of liveLabs) l.killOnExit();
    });
  }
  try {
    await lab.waitReady((opts.startTimeoutMs ?? 90_000) + (opts.waitConnectedMs ?? 0));
  } catch (err) {
    await lab.stop().catch(() => undefined);
    throw err;
  }
  return lab;
}
