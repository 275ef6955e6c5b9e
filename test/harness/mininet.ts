/**
 * Mininet labs for tests: a thin adaptor over the product's driver client (src/lab/driver.ts,
 * the one way to drive mininet/driver.py) that checks Mininet and OVS are installed (failing,
 * never skipping), and on stop checks that no bridge, interface or process of the lab is left.
 */
import { DEFAULT_PYTHON, LabDriver, type IperfResult, type LabHost, type LabLink, type LabSwitch, type PingAllResult, type PingResult } from '../../src/lab/driver.js';
import { run, findExecutable, waitFor } from './exec.js';
import { ensureOvs, listBridges, listLinks, vsctl, ip } from './ovs.js';

export { waitFor } from './exec.js';
export type { IperfResult, LabHost, LabLink, LabSwitch, PingAllResult, PingResult } from '../../src/lab/driver.js';

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

/** The {@link Lab} face of a {@link LabDriver}, with the leftover check on stop. */
class LabProcess implements Lab {
  readonly driverPid: number;
  private stopped = false;

  constructor(
    readonly driver: LabDriver,
    /** Chosen here and passed to the driver, so cleanup checks work even if the lab never became ready. */
    readonly prefix: string,
  ) {
    if (driver.pid === undefined) throw new Error('could not start the Mininet driver');
    this.driverPid = driver.pid;
    void driver.waitExit().then(() => liveLabs.delete(this));
  }

  get pids(): readonly number[] {
    return this.driver.info?.pids ?? [];
  }

  get connected(): boolean | null {
    return this.driver.info?.connected ?? null;
  }

  ping(src: string, dst: string, o: { count?: number; timeoutSec?: number; intervalSec?: number } = {}): Promise<PingResult> {
    return this.driver.ping(src, dst, o);
  }

  pingAll(o: { timeoutSec?: number; count?: number } = {}): Promise<PingAllResult> {
    return this.driver.pingAll(o);
  }

  link(a: string, b: string, state: 'up' | 'down'): Promise<void> {
    return this.driver.link(a, b, state);
  }

  iperf(src: string, dst: string, seconds = 2): Promise<IperfResult> {
    return this.driver.iperf(src, dst, seconds);
  }

  cmd(host: string, command: string, timeoutSec?: number): Promise<string> {
    return this.driver.cmd(host, command, timeoutSec);
  }

  hosts(): Promise<LabHost[]> {
    return this.driver.hosts();
  }

  switches(): Promise<LabSwitch[]> {
    return this.driver.switches();
  }

  links(): Promise<LabLink[]> {
    return this.driver.links();
  }

  moveHost(host: string, toSwitch: string): Promise<{ from: string | null; switch: string; port: number }> {
    return this.driver.moveHost(host, toSwitch);
  }

  waitConnected(timeoutSec = 10): Promise<boolean> {
    return this.driver.waitConnected(timeoutSec);
  }

  bridgeName(sw: string): string {
    return this.prefix + sw;
  }

  log(): string {
    return this.driver.log();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.driver.stop();
    await this.verifyClean();
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
  const driver = new LabDriver({
    topo: topoArg(topo),
    controllers,
    prefix,
    python,
    logLevel: opts.logLevel ?? 'info',
    commandTimeoutMs: opts.commandTimeoutMs ?? 60_000,
    ...(opts.protocols ? { protocols: opts.protocols } : opts.protocol === 'OpenFlow10' ? { of10: true } : {}),
    ...(opts.failMode ? { failMode: opts.failMode } : {}),
    ...(opts.stp ? { stp: true } : {}),
    ...(opts.waitConnectedMs ? { waitConnectedSec: opts.waitConnectedMs / 1000 } : {}),
    ...(opts.onLog ? { onLog: opts.onLog } : {}),
  });
  const lab = new LabProcess(driver, prefix);
  liveLabs.add(lab);
  if (!exitHookRegistered) {
    exitHookRegistered = true;
    process.once('exit', () => {
      for (const l of liveLabs) l.driver.killNow();
    });
  }
  try {
    await driver.ready((opts.startTimeoutMs ?? 90_000) + (opts.waitConnectedMs ?? 0));
  } catch (err) {
    await lab.stop().catch(() => undefined);
    throw err;
  }
  return lab;
}
