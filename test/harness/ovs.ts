/** Real Open vSwitch for integration tests: starts the daemons, and makes userspace bridges with namespaced ports that it always removes. */
import { randomBytes } from 'node:crypto';
import { ensureOvs as ensureOvsDaemons, ovsTool as tool } from '../../src/lab/ovs.js';
import { run, runSyncQuiet, whichSystem, type RunResult } from './exec.js';

export { CommandError, waitFor } from './exec.js';

/** OpenFlow versions a harness bridge can speak (OVS's names, as in `ovs-vsctl set bridge protocols=`). */
export type OfProtocol = 'OpenFlow10' | 'OpenFlow13';

/** Prefix of every bridge, port and namespace the harness makes, so leftovers are recognisable. */
export const HARNESS_PREFIX = 'sbx';

/** `ovs-vsctl args...` with a database timeout; throws with stderr on failure. */
export function vsctl(args: readonly string[], timeoutMs = 15_000): Promise<RunResult> {
  return run(tool('ovs-vsctl'), [`--timeout=${Math.ceil(timeoutMs / 1000)}`, ...args], { timeoutMs: timeoutMs + 2_000 });
}

/** `ip args...`; throws with stderr on failure. */
export function ip(args: readonly string[], timeoutMs = 10_000): Promise<RunResult> {
  const p = whichSystem('ip');
  if (!p) throw new Error('iproute2 is not installed: ip not found (run scripts/install-deps.sh as root)');
  return run(p, args, { timeoutMs });
}

/**
 * Makes sure ovsdb-server and ovs-vswitchd run (the product's own check, src/lab/ovs.ts, which
 * `signalbox lab` uses too). Idempotent and safe from parallel workers; throws (never skips) when
 * OVS is not installed or does not come up. The daemons are left running: they are the machine's
 * switch service.
 */
export async function ensureOvs(): Promise<void> {
  tool('ovs-ofctl');
  await ensureOvsDaemons();
}

/** Options of {@link createBridge}. */
export interface BridgeOptions {
  /** OpenFlow versions the bridge accepts (default `['OpenFlow13']`). */
  readonly protocols?: readonly OfProtocol[];
  /** Controller on `tcp:127.0.0.1:PORT`. */
  readonly controllerPort?: number;
  /** Full controller targets (`tcp:127.0.0.1:6653`, `ssl:...`); combined with `controllerPort`. */
  readonly controllers?: readonly string[];
  /** Datapath id: a bigint, or up to 16 hex digits (colons allowed). Default: OVS picks one from the MAC. */
  readonly dpid?: bigint | string;
  /** `secure` (default: no flows without a controller) or `standalone` (acts as a learning switch when no controller). */
  readonly failMode?: 'secure' | 'standalone';
  /** Longest reconnect backoff towards the controller (default 1000 ms, OVS's own default is 8 s). */
  readonly maxBackoffMs?: number;
}

/** Options of {@link Bridge.addPort}. */
export type PortOptions =
  | {
      /** An OVS internal port (a tap device with the userspace datapath), left in the root namespace. */
      readonly kind: 'internal';
      readonly ofport?: number;
    }
  | {
      /** A veth pair: one end on the bridge, the other named `ifName` in a fresh network namespace. */
      readonly kind: 'netns';
      /** Address with prefix length for the namespaced end, e.g. `10.0.0.1/24`. */
      readonly ip?: string;
      readonly mac?: string;
      /** Name inside the namespace (default `eth0`). */
      readonly ifName?: string;
      /** Default route via this gateway, set inside the namespace. */
      readonly gateway?: string;
      readonly mtu?: number;
      readonly ofport?: number;
    };

/** A port made by {@link Bridge.addPort}. */
export interface PortHandle {
  /** Interface name on the bridge (root namespace). */
  readonly name: string;
  /** OpenFlow port number OVS assigned (or the requested one). */
  readonly ofport: number;
  /** Network namespace holding the other end, for `netns` ports. */
  readonly netns?: string;
  /** Interface name inside the namespace, for `netns` ports. */
  readonly ifName?: string;
  /** Runs a command inside the port's namespace (`ip netns exec`); only for `netns` ports. */
  exec(args: readonly string[], timeoutMs?: number): Promise<RunResult>;
}

/** One row of `ovs-ofctl dump-flows`. */
export interface FlowDump {
  readonly cookie: bigint;
  readonly table: number;
  /** OVS omits the default 32768 from its text; it is filled in here. */
  readonly priority: number;
  /** Match fields as OVS prints them, comma-separated (`ip,nw_dst=10.0.0.1`); empty when matching all. */
  readonly match: string;
  /** Actions as OVS prints them (`output:1`, `drop`, `CONTROLLER:65535`). */
  readonly actions: string;
  readonly nPackets: number;
  readonly nBytes: number;
  readonly idleTimeout: number;
  readonly hardTimeout: number;
  /** The line as printed. */
  readonly raw: string;
}

/** Keys that `ovs-ofctl dump-flows` prints before the match and that are not match fields. */
const FLOW_META_KEYS = new Set([
  'cookie',
  'duration',
  'table',
  'n_packets',
  'n_bytes',
  'idle_timeout',
  'hard_timeout',
  'idle_age',
  'hard_age',
  'importance',
  'priority',
  'send_flow_rem',
  'reset_counts',
  'no_packet_counts',
  'no_byte_counts',
  'check_overlap',
  'out_port',
  'out_group',
]);

/** Parses `ovs-ofctl dump-flows` output (any OpenFlow version) into rows; lines that are not flows are ignored. */
export function parseDumpFlows(text: string): FlowDump[] {
  const flows: FlowDump[] = [];
  for (const line of text.split('\n')) {
    const raw = line.trim();
    if (!raw.startsWith('cookie=') && !/\bactions=/.test(raw)) continue;
    const at = raw.search(/(^|[ ,])actions=/);
    if (at < 0) continue;
    const head = raw.slice(0, at);
    const actions = raw.slice(raw.indexOf('actions=', at) + 'actions='.length).trim();
    let cookie = 0n;
    let table = 0;
    let priority = 32768;
    let nPackets = 0;
    let nBytes = 0;
    let idleTimeout = 0;
    let hardTimeout = 0;
    const match: string[] = [];
    for (const tok of head.split(/[ ,]+/)) {
      if (!tok) continue;
      const eq = tok.indexOf('=');
      const key = eq < 0 ? tok : tok.slice(0, eq);
      const val = eq < 0 ? '' : tok.slice(eq + 1);
      if (!FLOW_META_KEYS.has(key)) {
        match.push(tok);
        continue;
      }
      switch (key) {
        case 'cookie':
          cookie = BigInt(val.split('/')[0]!);
          break;
        case 'table':
          table = Number(val);
          break;
        case 'priority':
          priority = Number(val);
          break;
        case 'n_packets':
          nPackets = Number(val);
          break;
        case 'n_bytes':
          nBytes = Number(val);
          break;
        case 'idle_timeout':
          idleTimeout = Number(val);
          break;
        case 'hard_timeout':
          hardTimeout = Number(val);
          break;
        default:
          break;
      }
    }
    flows.push({ cookie, table, priority, match: match.join(','), actions, nPackets, nBytes, idleTimeout, hardTimeout, raw });
  }
  return flows;
}

function uniqueName(): string {
  // 3 + 5 = 8 characters leaves room for port suffixes within Linux's 15-character limit (IFNAMSIZ - 1).
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(5);
  let s = HARNESS_PREFIX;
  for (const b of bytes) s += alphabet[b % alphabet.length];
  return s;
}

function dpidHex(dpid: bigint | string): string {
  const v = typeof dpid === 'bigint' ? dpid : BigInt(`0x${dpid.replace(/:/g, '') || '0'}`);
  if (v < 0n || v > 0xffff_ffff_ffff_ffffn) throw new RangeError(`dpid out of range: ${String(dpid)}`);
  return v.toString(16).padStart(16, '0');
}

const liveBridges = new Set<Bridge>();

/** A userspace OVS bridge made by {@link createBridge}; {@link Bridge.destroy} removes it and everything it made. */
export class Bridge {
  /** Default version for ovs-ofctl: the highest the bridge accepts. */
  readonly ofctlProtocol: OfProtocol;
  private readonly ports = new Map<string, { netns?: string }>();
  /** Creation steps still running (the bridge's own, ports'): destroy waits for them, so nothing is made after it. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private nextPort = 1;
  private destroyed = false;

  constructor(
    /** Bridge name (`sbx` + 5 random characters). */
    readonly name: string,
    /** OpenFlow versions the bridge accepts. */
    readonly protocols: readonly OfProtocol[],
  ) {
    this.ofctlProtocol = protocols.includes('OpenFlow13') ? 'OpenFlow13' : 'OpenFlow10';
  }

  /** Adds an internal port or a veth pair into a new namespace; resolves once OVS assigned the OpenFlow port. */
  addPort(opts: PortOptions = { kind: 'netns' }): Promise<PortHandle> {
    try {
      this.assertLive();
    } catch (e) {
      return Promise.reject(e as Error);
    }
    return this.track(this.makePort(opts));
  }

  /**
   * @internal Runs a creation step that {@link destroy} waits for: a test that times out while
   * the step runs has its cleanup wait, instead of removing the bridge before the step makes
   * (and leaves behind) a bridge, a veth or a namespace.
   */
  track<T>(step: Promise<T>): Promise<T> {
    this.inFlight.add(step);
    const done = (): void => {
      this.inFlight.delete(step);
    };
    step.then(done, done);
    return step;
  }

  private async makePort(opts: PortOptions): Promise<PortHandle> {
    const n = this.nextPort++;
    const name = `${this.name}p${n}`;
    const setOfport = opts.ofport !== undefined ? ['--', 'set', 'interface', name, `ofport_request=${opts.ofport}`] : [];
    if (opts.kind === 'internal') {
      this.ports.set(name, {});
      await vsctl(['add-port', this.name, name, '--', 'set', 'interface', name, 'type=internal', ...setOfport]);
      await ip(['link', 'set', name, 'up']);
      const ofport = await this.ofportOf(name);
      return { name, ofport, exec: () => Promise.reject(new Error(`${name} is an internal port: no namespace`)) };
    }
    const netns = `${this.name}n${n}`;
    const ifName = opts.ifName ?? 'eth0';
    this.ports.set(name, { netns });
    await ip(['netns', 'add', netns]);
    await ip(['link', 'add', name, 'type', 'veth', 'peer', 'name', ifName, 'netns', netns]);
    const inNs = (args: readonly string[]) => ip(['-n', netns, ...args]);
    if (opts.mtu !== undefined) {
      await ip(['link', 'set', name, 'mtu', String(opts.mtu)]);
      await inNs(['link', 'set', ifName, 'mtu', String(opts.mtu)]);
    }
    if (opts.mac) await inNs(['link', 'set', ifName, 'address', opts.mac]);
    if (opts.ip) await inNs(['addr', 'add', opts.ip, 'dev', ifName]);
    await inNs(['link', 'set', 'lo', 'up']);
    await inNs(['link', 'set', ifName, 'up']);
    if (opts.gateway) await inNs(['route', 'add', 'default', 'via', opts.gateway]);
    await ip(['link', 'set', name, 'up']);
    await disableTxOffload(netns, ifName);
    await vsctl(['add-port', this.name, name, ...setOfport]);
    const ofport = await this.ofportOf(name);
    const exec = (args: readonly string[], timeoutMs = 10_000) => ip(['netns', 'exec', netns, ...args], timeoutMs);
    return { name, ofport, netns, ifName, exec };
  }

  /** Removes a port from the bridge, and its veth and namespace if the harness made them. */
  async delPort(port: PortHandle | string): Promise<void> {
    const name = typeof port === 'string' ? port : port.name;
    await vsctl(['--if-exists', 'del-port', this.name, name]);
    const rec = this.ports.get(name);
    this.ports.delete(name);
    if (rec?.netns) {
      await ip(['link', 'del', name]).catch(() => undefined); // already gone with its namespace peer
      await ip(['netns', 'del', rec.netns]);
    }
  }

  /** Runs `ovs-ofctl -O <protocol> <command> <bridge> args...` and returns its stdout. */
  async ofctl(command: string, args: readonly string[] = [], protocol: OfProtocol = this.ofctlProtocol): Promise<string> {
    const { stdout } = await run(tool('ovs-ofctl'), ['-O', protocol, command, this.name, ...args], { timeoutMs: 15_000 });
    return stdout;
  }

  /** `ovs-ofctl add-flow` with one flow in OVS's text syntax. */
  async addFlow(flow: string, protocol?: OfProtocol): Promise<void> {
    await this.ofctl('add-flow', [flow], protocol);
  }

  /** The bridge's flow table as rows (optionally only flows matching `filter`, in ovs-ofctl syntax). */
  async dumpFlows(protocol?: OfProtocol, filter?: string): Promise<FlowDump[]> {
    return parseDumpFlows(await this.ofctl('dump-flows', filter ? [filter] : [], protocol));
  }

  /** Replaces the bridge's controllers (none when empty). */
  async setController(targets: string | readonly string[], maxBackoffMs = 1_000): Promise<void> {
    const list = typeof targets === 'string' ? [targets] : targets;
    if (list.length === 0) {
      await vsctl(['del-controller', this.name]);
      return;
    }
    await vsctl(['set-controller', this.name, ...list]);
    const uuids = await this.controllerUuids();
    for (const u of uuids) await vsctl(['set', 'controller', u, `max_backoff=${maxBackoffMs}`]);
  }

  /** True when at least one controller connection is up (OVS's `Controller.is_connected`). */
  async isConnected(): Promise<boolean> {
    for (const u of await this.controllerUuids()) {
      const { stdout } = await vsctl(['get', 'controller', u, 'is_connected']);
      if (stdout.trim() === 'true') return true;
    }
    return false;
  }

  /** Datapath id OVS reports, as 16 hex digits. */
  async dpid(): Promise<string> {
    const { stdout } = await vsctl(['get', 'bridge', this.name, 'datapath_id']);
    return stdout.trim().replace(/"/g, '');
  }

  /** Deletes the bridge, its veths and namespaces; safe to call twice. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    liveBridges.delete(this);
    // Creation steps still running finish first (each is bounded by its command timeouts).
    await Promise.allSettled([...this.inFlight]);
    const errors: string[] = [];
    await vsctl(['--if-exists', 'del-br', this.name]).catch((e: Error) => errors.push(e.message));
    for (const [name, rec] of this.ports) {
      if (!rec.netns) continue;
      await ip(['link', 'del', name]).catch(() => undefined);
      await ip(['netns', 'del', rec.netns]).catch((e: Error) => errors.push(e.message));
    }
    this.ports.clear();
    if (errors.length) throw new Error(`destroy ${this.name}: ${errors.join('; ')}`);
  }

  /** Names of namespaces and root-side interfaces this bridge still owns (for cleanup checks). */
  ownedNames(): { netns: string[]; links: string[] } {
    const netns: string[] = [];
    const links: string[] = [];
    for (const [name, rec] of this.ports) {
      links.push(name);
      if (rec.netns) netns.push(rec.netns);
    }
    return { netns, links };
  }

  /** Synchronous cleanup for process exit. */
  destroySync(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    const vs = whichSystem('ovs-vsctl');
    const ipPath = whichSystem('ip');
    if (vs) runSyncQuiet(vs, ['--timeout=5', '--if-exists', 'del-br', this.name]);
    if (ipPath) {
      for (const [name, rec] of this.ports) {
        if (!rec.netns) continue;
        runSyncQuiet(ipPath, ['link', 'del', name]);
        runSyncQuiet(ipPath, ['netns', 'del', rec.netns]);
      }
    }
    this.ports.clear();
  }

  private async controllerUuids(): Promise<string[]> {
    const { stdout } = await vsctl(['get', 'bridge', this.name, 'controller']);
    return stdout
      .trim()
      .replace(/^\[|\]$/g, '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }

  private async ofportOf(name: string): Promise<number> {
    // ovs-vsctl waits for ovs-vswitchd to apply the change, so ofport is set by now; -1 means the device failed.
    const { stdout } = await vsctl(['get', 'interface', name, 'ofport']);
    const ofport = Number(stdout.trim());
    if (!Number.isInteger(ofport) || ofport <= 0) {
      const { stdout: err } = await vsctl(['get', 'interface', name, 'error']).catch(() => ({ stdout: '' }));
      throw new Error(`OVS could not attach ${name} to ${this.name} (ofport ${stdout.trim()}): ${err.trim()}`);
    }
    return ofport;
  }

  private assertLive(): void {
    if (this.destroyed) throw new Error(`bridge ${this.name} was destroyed`);
  }
}

/**
 * The userspace datapath reads veths through packet sockets and does not fill in checksums the sending
 * kernel left to "hardware": without this, TCP through the bridge silently fails (ping still works).
 */
async function disableTxOffload(netns: string, ifName: string): Promise<void> {
  const ethtool = whichSystem('ethtool');
  if (!ethtool) return; // no TCP through the bridge then; install-deps installs ethtool
  await ip(['netns', 'exec', netns, ethtool, '-K', ifName, 'tx', 'off']);
}

/**
 * Creates a userspace (`datapath_type=netdev`) bridge with a unique `sbx…` name, fail mode secure by
 * default, the given protocols and controller, in-band control off. Call {@link ensureOvs} first.
 */
export async function createBridge(opts: BridgeOptions = {}): Promise<Bridge> {
  const protocols = opts.protocols ?? ['OpenFlow13'];
  if (protocols.length === 0) throw new Error('createBridge: protocols must not be empty');
  const name = uniqueName();
  const bridge = new Bridge(name, protocols);
  liveBridges.add(bridge);
  registerExitHook();
  const targets = [...(opts.controllers ?? []), ...(opts.controllerPort !== undefined ? [`tcp:127.0.0.1:${opts.controllerPort}`] : [])];
  const args = [
    'add-br',
    name,
    '--',
    'set',
    'bridge',
    name,
    'datapath_type=netdev',
    `fail_mode=${opts.failMode ?? 'secure'}`,
    `protocols=${protocols.join(',')}`,
    'other-config:disable-in-band=true',
  ];
  if (opts.dpid !== undefined) args.push(`other-config:datapath-id=${dpidHex(opts.dpid)}`);
  try {
    await bridge.track(
      (async () => {
        await vsctl(args);
        await ip(['link', 'set', name, 'up']).catch(() => undefined);
        if (targets.length) await bridge.setController(targets, opts.maxBackoffMs ?? 1_000);
      })(),
    );
  } catch (err) {
    await bridge.destroy().catch(() => undefined);
    throw err;
  }
  return bridge;
}

/** Destroys every bridge (with its veths and namespaces) created through the harness in this process. */
export async function cleanupAll(): Promise<void> {
  const errors: string[] = [];
  for (const b of [...liveBridges]) await b.destroy().catch((e: Error) => errors.push(e.message));
  if (errors.length) throw new Error(`cleanupAll: ${errors.join('; ')}`);
}

/** Bridges this process created and has not destroyed yet. */
export function liveBridgeNames(): string[] {
  return [...liveBridges].map((b) => b.name);
}

/** All OVS bridge names (`ovs-vsctl list-br`). */
export async function listBridges(): Promise<string[]> {
  const { stdout } = await vsctl(['list-br']);
  return stdout.split('\n').map((s) => s.trim()).filter(Boolean);
}

/** All named network namespaces (`ip netns list`). */
export async function listNetns(): Promise<string[]> {
  const { stdout } = await ip(['netns', 'list']);
  return stdout
    .split('\n')
    .map((s) => s.trim().split(/\s+/)[0] ?? '')
    .filter(Boolean);
}

/** Names of interfaces in the root namespace (`ip -o link`), without the `@peer` suffix. */
export async function listLinks(): Promise<string[]> {
  const { stdout } = await ip(['-o', 'link', 'show']);
  const names: string[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^\d+:\s+([^:@\s]+)/.exec(line);
    if (m) names.push(m[1]!);
  }
  return names;
}

let exitHookRegistered = false;
function registerExitHook(): void {
  if (exitHookRegistered) return;
  exitHookRegistered = true;
  const destroyAllSync = (): void => {
    for (const b of liveBridges) b.destroySync();
    liveBridges.clear();
  };
  // 'exit' handlers must be synchronous: the last chance to remove bridges a failed test left behind.
  process.once('exit', destroyAllSync);
  // A signal ends the process without 'exit' (a test runner ending a worker whose test timed out,
  // Ctrl-C on `npm run fuzz`): remove the bridges, then let the signal do what it would have done.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.off(s, handlers[s]);
      destroyAllSync();
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    handlers[signal] = onSignal;
    process.once(signal, onSignal);
  }
}
const handlers: Record<'SIGTERM' | 'SIGINT' | 'SIGHUP', () => void> = { SIGTERM: () => undefined, SIGINT: () => undefined, SIGHUP: () => undefined };
