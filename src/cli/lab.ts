/** `signalbox lab TOPO`: a Mininet lab on userspace Open vSwitch against Signalbox (in-process) or any controller; Mininet's CLI or a scenario with a result table. */
import { parseArgs } from 'node:util';
import { startApi, type ApiContext } from '../api/index.js';
import { defaultConfig, parseHostPort } from '../config.js';
import { checkTopo, TOPOLOGIES } from '../lab/driver.js';
import type { InProcess } from '../lab/in-process.js';
import { runLab, type LabResult } from '../lab/runner.js';
import { SCENARIOS, type ScenarioName } from '../lab/scenarios.js';
import type { CliIo } from './io.js';

export const LAB_USAGE = `Usage: signalbox lab TOPO [options]

Builds a Mininet network of userspace Open vSwitch switches (starting OVS if it is not running)
against a Signalbox controller started in this process, or against --controller. Without
--scenario it opens Mininet's CLI (node names without the lab prefix: h1 ping h2; exit to stop).
Needs root, Mininet and Open vSwitch (scripts/install-deps.sh).

TOPO: linear,N[,hosts] | tree,DEPTH,FANOUT | ring,N | fattree,K | leafspine,SPINES,LEAVES,HOSTS
      | mesh,N,EXTRA,SEED | router[,SWITCHES]       (known: ${TOPOLOGIES.join(', ')})

  --scenario NAME          ${SCENARIOS.join(' | ')}
  --controller HOST:PORT   use this controller instead of starting Signalbox
  --api HOST:PORT          serve the in-process controller's REST API there (e.g. 127.0.0.1:8080),
                           so client commands can inspect the lab (their URL: http://HOST:PORT)
  --apps NAME[,NAME]|none  apps of the in-process controller (default: the controller's default set)
  --of10                   OpenFlow 1.0 switches (default 1.3)
  --settle MS              wait after a link change, host move or restart (default 3000)
  --runs N                 first-ping: runs per app, each on a fresh controller (default 5);
                           reroute: link cuts (default 5)
  --connect-timeout MS     time for the switches to connect (default 30000)
  --log-level LEVEL        in-process controller log on stderr (default warn)
  --verbose                show Mininet's log on stderr
  --stop-ovs               stop Open vSwitch afterwards if this run started it
  --json                   print the result as JSON

Exit status: 0 when every step met its expectation, 3 when the scenario ran but some did not,
1 when the lab could not run, 2 on bad arguments, 130 when interrupted.
`;

/** Parsed `signalbox lab` arguments. */
export interface LabArgs {
  readonly topo: string;
  readonly scenario?: ScenarioName;
  readonly controller?: string;
  /** Where to serve the in-process controller's REST API (`HOST:PORT`). */
  readonly api?: string;
  readonly apps?: readonly string[];
  readonly of10: boolean;
  readonly settleMs: number;
  /** Runs of a measuring scenario (first-ping). */
  readonly runs: number;
  readonly connectTimeoutMs: number;
  readonly logLevel: string;
  readonly verbose: boolean;
  readonly stopOvs: boolean;
  readonly json: boolean;
}

function intArg(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v)) throw new Error(`${name}: expected a number of ms, got ${JSON.stringify(v)}`);
  return Number(v);
}

/** Parses `signalbox lab` arguments; throws Error naming the bad one. */
export function parseLabArgs(argv: readonly string[]): LabArgs {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      scenario: { type: 'string' },
      controller: { type: 'string' },
      api: { type: 'string' },
      apps: { type: 'string' },
      of10: { type: 'boolean' },
      settle: { type: 'string' },
      runs: { type: 'string' },
      'connect-timeout': { type: 'string' },
      'log-level': { type: 'string' },
      verbose: { type: 'boolean' },
      'stop-ovs': { type: 'boolean' },
      json: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new Error(positionals.length === 0 ? 'a topology is needed (e.g. linear,3)' : `one topology expected, got ${positionals.join(' ')}`);
  const topo = positionals[0]!;
  checkTopo(topo);
  const scenario = values.scenario;
  if (scenario !== undefined && !(SCENARIOS as readonly string[]).includes(scenario)) {
    throw new Error(`--scenario: expected one of ${SCENARIOS.join(', ')}, got ${JSON.stringify(scenario)}`);
  }
  if (values.controller !== undefined) parseHostPort(values.controller, '--controller');
  if (values.api !== undefined) parseHostPort(values.api, '--api');
  if (values.api !== undefined && values.controller !== undefined) throw new Error('--api serves the in-process controller; it cannot go with --controller (use that controller\'s own API)');
  // These scenarios replace the controller mid-run, which would leave the API on a stopped one.
  if (values.api !== undefined && (scenario === 'controller-restart' || scenario === 'first-ping')) throw new Error(`--api cannot go with ${scenario}, which restarts the in-process controller`);
  if (values.controller !== undefined && values.apps !== undefined) throw new Error('--apps configures the in-process controller; it cannot go with --controller');
  if ((scenario === 'controller-restart' || scenario === 'first-ping') && values.controller !== undefined) throw new Error(`${scenario} restarts the in-process controller; leave out --controller`);
  if (values.runs !== undefined && (!/^\d+$/.test(values.runs) || Number(values.runs) < 1)) throw new Error(`--runs: expected a positive number, got ${JSON.stringify(values.runs)}`);
  if (scenario === undefined && values.json) throw new Error('--json needs --scenario (without one the lab opens the Mininet CLI)');
  return {
    topo,
    ...(scenario !== undefined ? { scenario: scenario as ScenarioName } : {}),
    ...(values.controller !== undefined ? { controller: values.controller } : {}),
    ...(values.api !== undefined ? { api: values.api } : {}),
    ...(values.apps !== undefined ? { apps: values.apps === 'none' ? [] : values.apps.split(',').filter(Boolean) } : {}),
    of10: values.of10 ?? false,
    settleMs: intArg(values.settle, '--settle', 3000),
    runs: values.runs !== undefined ? Number(values.runs) : 5,
    connectTimeoutMs: intArg(values['connect-timeout'], '--connect-timeout', 30_000),
    logLevel: values['log-level'] ?? 'warn',
    verbose: values.verbose ?? false,
    stopOvs: values['stop-ovs'] ?? false,
    json: values.json ?? false,
  };
}

/** The result as a text table: one row per step, then the verdict. */
export function formatLabResult(r: LabResult): string {
  const head = ['step', 'result', 'expect', 'ok', 'ms'];
  const body = r.steps.map((s) => [s.step, s.result, s.expect ?? '', s.passed === undefined ? '' : s.passed ? 'yes' : 'NO', String(s.ms)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const apps = r.controller === 'in-process' ? ` (apps: ${r.apps.length ? r.apps.join(', ') : 'none'})` : '';
  return [
    `lab ${r.topo}, scenario ${r.scenario}: ${r.switches} switches, ${r.hosts} hosts, OpenFlow ${r.openflow}, controller ${r.controller}${apps}; ${r.connected ? 'all switches connected' : 'NOT all switches connected'}`,
    line(head),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(line),
    `${r.passed ? 'PASSED' : 'FAILED'}: ${r.steps.filter((s) => s.passed === true).length} of ${r.steps.filter((s) => s.passed !== undefined).length} expectations met, ${(r.durationMs / 1000).toFixed(1)} s`,
  ].join('\n');
}

/** The API context of a lab's in-process controller: switches, stats, topology, apps and their flows. */
export function labApiContext(running: InProcess): ApiContext {
  const c = running.controller;
  return {
    bus: c.bus,
    devices: c.devices,
    admin: c.admin,
    ...(c.topology ? { topology: c.topology } : {}),
    ...(c.apps ? { apps: c.apps } : {}),
    ...(c.flows ? { flows: c.flows } : {}),
  };
}

/** Starts the REST API of a lab's controller on `listen`; resolves with its close. */
export async function serveLabApi(running: InProcess, listen: string, progress: (line: string) => void): Promise<() => Promise<void>> {
  const api = await startApi({ context: labApiContext(running), config: { api: { ...defaultConfig.api, listen } } });
  progress(`REST API at ${api.address} (signalbox switches --url ${api.address})`);
  return () => api.close();
}

/** Runs `signalbox lab`; returns the exit code. */
export async function labCommand(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(LAB_USAGE);
    return 0;
  }
  let args: LabArgs;
  try {
    args = parseLabArgs(argv);
  } catch (e) {
    io.stderr.write(`signalbox lab: ${(e as Error).message}\n\n${LAB_USAGE}`);
    return 2;
  }
  const stop = new AbortController();
  const interactive = args.scenario === undefined;
  // In the CLI, Ctrl-C belongs to Mininet (it interrupts the running command); otherwise it stops the lab.
  const onSignal = (): void => {
    if (!interactive) stop.abort();
  };
  const onTerm = (): void => stop.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onTerm);
  const progress = (line: string): void => void io.stderr.write(`signalbox lab: ${line}\n`);
  try {
    const result = await runLab({
      topo: args.topo,
      ...(args.scenario ? { scenario: args.scenario } : {}),
      ...(args.controller ? { controller: args.controller } : {}),
      ...(args.apps ? { apps: args.apps } : {}),
      ...(args.api ? { onController: (running: InProcess) => serveLabApi(running, args.api!, progress) } : {}),
      of10: args.of10,
      settleMs: args.settleMs,
      runs: args.runs,
      connectTimeoutMs: args.connectTimeoutMs,
      logLevel: args.logLevel,
      stopOvs: args.stopOvs,
      onProgress: progress,
      ...(args.verbose ? { onLog: (l: string) => void io.stderr.write(`mininet: ${l}\n`) } : {}),
      signal: stop.signal,
    });
    if (interactive) return 0;
    io.stdout.write(args.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatLabResult(result)}\n`);
    return result.passed ? 0 : 3;
  } catch (e) {
    if (stop.signal.aborted) {
      io.stderr.write('signalbox lab: interrupted; the lab was torn down\n');
      return 130;
    }
    io.stderr.write(`signalbox lab: ${(e as Error).message}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onTerm);
  }
}
