/**
 * The lab runner behind `signalbox lab`: makes sure Open vSwitch runs, starts a Signalbox
 * controller in this process (or uses a given one), builds the Mininet network through
 * mininet/driver.py, then runs a scenario or Mininet's CLI, and tears down exactly what it made,
 * also on failure and on abort (Ctrl-C).
 */
import { defaultConfig, parseHostPort } from '../config.js';
import { createLogger } from '../log.js';
import { checkTopo, LabDriver } from './driver.js';
import { startInProcess, type InProcess } from './in-process.js';
import { ensureOvs, stopOvs } from './ovs.js';
import { FIRST_PING_APPS, runScenario, type LabController, type LabStep, type ScenarioName } from './scenarios.js';

/** Options of a lab run. */
export interface LabRunOptions {
  /** Topology spec: `linear,4`, `tree,2,3`, `ring,5`, `fattree,4`, `leafspine,2,4,2`, `mesh,10,5,42`, `router`. */
  readonly topo: string;
  /** A scenario to run; none means Mininet's interactive CLI. */
  readonly scenario?: ScenarioName;
  /** An external controller `HOST:PORT`; none starts Signalbox in this process. */
  readonly controller?: string;
  /** Apps of the in-process controller (default: the app framework's default set); `responder` is the benchmark responder. first-ping measures each of them on its own (default: forwarding, l2-learning). */
  readonly apps?: readonly string[];
  /** OpenFlow 1.0 switches instead of 1.3. */
  readonly of10?: boolean;
  /** Wait after a change before measuring (default 3000 ms). */
  readonly settleMs?: number;
  /** Repetitions of a measuring scenario (first-ping; default 5). */
  readonly runs?: number;
  /** How long switches get to connect (default 30 s). */
  readonly connectTimeoutMs?: number;
  /** Level of the in-process controller's log, on stderr (default `warn`). */
  readonly logLevel?: string;
  /** Stop Open vSwitch at the end if this run started it (default: leave it running). */
  readonly stopOvs?: boolean;
  readonly python?: string;
  /** Progress lines (starting OVS, building, ...). */
  readonly onProgress?: (line: string) => void;
  /** Mininet's log lines. */
  readonly onLog?: (line: string) => void;
  /** Aborting stops whatever runs and cleans up. */
  readonly signal?: AbortSignal;
  /**
   * Called once the in-process controller runs, before the network is built (never with
   * `controller`); the function it resolves with runs at teardown. The CLI starts the REST API
   * here (`signalbox lab --api`), since the lab layer may not import the API.
   */
  readonly onController?: (running: InProcess) => Promise<() => Promise<void>>;
}

/** The outcome of a scenario run. */
export interface LabResult {
  readonly topo: string;
  /** Prefix of the lab's bridges and interfaces (all removed when the run ends). */
  readonly prefix: string;
  readonly scenario: ScenarioName | 'cli';
  /** `in-process` or the external controller's `HOST:PORT`. */
  readonly controller: string;
  readonly apps: readonly string[];
  readonly openflow: '1.3' | '1.0';
  readonly switches: number;
  readonly hosts: number;
  /** Whether every switch connected to the controller before the scenario. */
  readonly connected: boolean;
  readonly steps: readonly LabStep[];
  /** Every step with an expectation met. */
  readonly passed: boolean;
  readonly startedOvs: boolean;
  readonly durationMs: number;
}

function randomPrefix(): string {
  let s = 'l';
  for (let i = 0; i < 3; i++) s += String.fromCharCode(97 + Math.floor(Math.random() * 26));
  return s;
}

class Aborted extends Error {
  constructor() {
    super('interrupted');
  }
}

/** Runs a lab; resolves with the result (scenario) or when the CLI is left. Rejects on failure, after cleaning up. */
export async function runLab(o: LabRunOptions): Promise<LabResult> {
  checkTopo(o.topo);
  const t0 = performance.now();
  // first-ping runs each app on its own controller; the others run the chosen set together.
  const firstPingApps = o.scenario === 'first-ping' ? (o.apps && o.apps.length > 0 ? o.apps : FIRST_PING_APPS) : undefined;
  const appsShown = o.controller ? [] : (firstPingApps ?? o.apps ?? defaultConfig.apps.enabled);
  const progress = o.onProgress ?? (() => undefined);
  const cleanups: (() => Promise<void>)[] = [];
  const checkAbort = (): void => {
    if (o.signal?.aborted) throw new Aborted();
  };
  let driver: LabDriver | undefined;
  const onAbort = (): void => void driver?.stop();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const onExit = (): void => driver?.killNow();
  process.once('exit', onExit);
  try {
    const startedOvs = await ensureOvs();
    progress(startedOvs ? 'started Open vSwitch (ovs-ctl start)' : 'Open vSwitch is running');
    if (startedOvs && o.stopOvs) cleanups.push(async () => stopOvs());
    checkAbort();

    // The controller.
    let target: string;
    let controller: LabController | undefined;
    if (o.controller) {
      const { host, port } = parseHostPort(o.controller, '--controller');
      target = `tcp:${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
      progress(`using the controller at ${o.controller}`);
    } else {
      const log = createLogger(o.logLevel ?? 'warn');
      const apps = firstPingApps ? [] : (o.apps ?? defaultConfig.apps.enabled);
      controller = await inProcessController(apps, log);
      target = `tcp:127.0.0.1:${controller.port}`;
      progress(`started Signalbox on 127.0.0.1:${controller.port} (apps: ${apps.length ? apps.join(', ') : `none${firstPingApps ? ' until the runs' : ''}`})`);
      const c = controller;
      cleanups.push(async () => c.stop());
      if (o.onController) cleanups.push(await o.onController(c.current()!));
    }
    checkAbort();

    // The network.
    const prefix = randomPrefix();
    const interactive = o.scenario === undefined;
    progress(`building ${o.topo} (bridges ${prefix}s1...)`);
    driver = new LabDriver({
      topo: o.topo,
      controllers: [target],
      of10: o.of10 ?? false,
      prefix,
      interactive,
      ...(o.python ? { python: o.python } : {}),
      ...(o.onLog ? { onLog: o.onLog } : {}),
    });
    const d = driver;
    cleanups.push(async () => d.stop());
    if (o.signal?.aborted) void d.stop();
    const info = await d.ready();
    checkAbort();
    progress(`network up: ${info.switches} switches, ${info.hosts} hosts`);
    if (interactive) {
      await d.waitExit();
      return {
        topo: o.topo,
        prefix,
        scenario: 'cli',
        controller: o.controller ?? 'in-process',
        apps: appsShown,
        openflow: o.of10 ? '1.0' : '1.3',
        switches: info.switches,
        hosts: info.hosts,
        connected: true,
        steps: [],
        passed: true,
        startedOvs,
        durationMs: Math.round(performance.now() - t0),
      };
    }
    const connectSec = (o.connectTimeoutMs ?? 30_000) / 1000;
    const conn = await d.command<{ connected: boolean }>('wait_connected', { timeout: connectSec }, (connectSec + 15) * 1000);
    progress(conn.connected ? 'every switch is connected' : `not every switch connected within ${connectSec} s`);
    checkAbort();
    const steps = await runScenario(o.scenario!, {
      driver: d,
      settleMs: o.settleMs ?? 3000,
      runs: o.runs ?? 5,
      ...(firstPingApps ? { apps: firstPingApps } : {}),
      ...(controller ? { controller } : {}),
      progress,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    return {
      topo: o.topo,
      prefix,
      scenario: o.scenario!,
      controller: o.controller ?? 'in-process',
      apps: appsShown,
      openflow: o.of10 ? '1.0' : '1.3',
      switches: info.switches,
      hosts: info.hosts,
      connected: conn.connected,
      steps,
      passed: conn.connected && steps.every((s) => s.passed !== false),
      startedOvs,
      durationMs: Math.round(performance.now() - t0),
    };
  } catch (e) {
    if (o.signal?.aborted) throw new Aborted();
    throw e;
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    for (const c of cleanups.reverse()) await c().catch((e: Error) => progress(`cleanup: ${e.message}`));
    process.off('exit', onExit);
  }
}

/**
 * The in-process controller of a lab, restartable on its port: `stop()` leaves the apps' flows
 * on the switches (as a real shutdown does), `stop({ removeFlows: true })` first disables every
 * app so their flows are deleted; `start(apps)` brings up a fresh controller (no learned state).
 */
async function inProcessController(initialApps: readonly string[], log: ReturnType<typeof createLogger>): Promise<LabController> {
  let apps = initialApps;
  let running: InProcess | undefined = await startInProcess({ apps, logger: log });
  const port = running.port;
  return {
    port,
    get apps() {
      return apps;
    },
    current: () => running,
    stop: async (opts = {}) => {
      const r = running;
      if (!r) return;
      running = undefined;
      if (opts.removeFlows && r.apps) for (const a of r.apps.list()) if (a.state === 'running') await r.apps.disable(a.name);
      await r.stop();
    },
    start: async (next) => {
      if (running) return;
      if (next) apps = next;
      running = await startInProcess({ apps, logger: log, port });
    },
  };
}
