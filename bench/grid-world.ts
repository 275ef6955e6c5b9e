/**
 * The large network the console and steady benchmarks share: the real runtime (store,
 * controller, API; no apps: topology and hosts only) and bench/grid-swarm.ts in a child process,
 * 1,000 emulated switches in a 25×40 grid whose links LLDP finds, and 10,000 hosts, every switch,
 * link and host known before `startGridWorld` returns.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { defaultConfig, type Config } from '../src/config.js';
import { silentLogger } from '../src/log.js';
import { startSignalbox } from '../src/runtime.js';
import { endChild, waitFor } from '../test/harness/exec.js';

export const GRID_ROWS = 25;
export const GRID_COLS = 40;
export const GRID_HOSTS_PER_SWITCH = 10;

export interface GridWorld {
  readonly running: Awaited<ReturnType<typeof startSignalbox>>;
  /** The emulated switches' process. */
  readonly swarm: ChildProcess;
  readonly switches: number;
  /** Links, one per direction. */
  readonly directed: number;
  readonly hosts: number;
  /** `linkRemoved` events by reason since the start. */
  readonly removals: ReadonlyMap<string, number>;
  /** Sends one grid-swarm command (see bench/grid-swarm.ts) and waits for its `ok`. */
  command(line: string): Promise<void>;
  /** Ends the switches and the controller and removes the data directory. */
  stop(): Promise<void>;
}

/** Starts the world (`prefix` names its temporary data directory) and waits until everything is known. */
export async function startGridWorld(prefix: string): Promise<GridWorld> {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const config: Config = {
    ...defaultConfig,
    dataDir,
    // Every emulated switch connects from 127.0.0.1: lift the per-address caps meant for real ones.
    openflow: { ...defaultConfig.openflow, listen: ['127.0.0.1:0'], maxConnectionsPerAddress: 0, maxHandshakesPerAddress: 0 },
    api: { ...defaultConfig.api, listen: '127.0.0.1:0' },
    apps: { ...defaultConfig.apps, enabled: [] },
    // On a busy machine the 1,000 switches' probes may come back late: these benchmarks are
    // about a network at rest, not about link flaps.
    topology: { ...defaultConfig.topology, maxMissedProbes: 10, maxProbeDelayMs: 5_000 },
  };
  const running = await startSignalbox(config, silentLogger);
  const topo = running.controller.topology!;
  const of = running.openflow[0]!;
  // The switches live in a child process, as real ones would be elsewhere: the controller's
  // event loop carries only its own work.
  const swarm = spawn(process.execPath, [fileURLToPath(new URL('./grid-swarm.js', import.meta.url)), of.host, String(of.port), String(GRID_ROWS), String(GRID_COLS)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: swarm.stdout })[Symbol.asyncIterator]();
  const removals = new Map<string, number>();
  running.controller.bus.on('linkRemoved', (e) => removals.set(e.reason, (removals.get(e.reason) ?? 0) + 1));
  const stop = async (): Promise<void> => {
    await endChild(swarm, { closeStdin: true, graceMs: 5_000 });
    await running.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  const command = async (line: string): Promise<void> => {
    swarm.stdin.write(`${line}\n`);
    const answer = await lines.next();
    if (answer.done || answer.value !== 'ok') throw new Error(`grid swarm: ${line} answered ${String(answer.value)}`);
  };
  try {
    const first = await lines.next();
    if (first.done || !String(first.value).startsWith('connected')) throw new Error(`grid swarm: ${String(first.value)}`);
    const switches = GRID_ROWS * GRID_COLS;
    const directed = 2 * (GRID_ROWS * (GRID_COLS - 1) + GRID_COLS * (GRID_ROWS - 1));
    await waitFor(() => running.controller.datapaths.size >= switches, { timeoutMs: 300_000, intervalMs: 100, message: () => `${switches} switches (${running.controller.datapaths.size} connected)` });
    await waitFor(() => topo.linkCount >= directed, { timeoutMs: 300_000, intervalMs: 100, message: `${directed} links` });
    await command(`hosts 0 ${GRID_HOSTS_PER_SWITCH}`);
    const hosts = switches * GRID_HOSTS_PER_SWITCH;
    await waitFor(() => topo.hostList().length >= hosts, { timeoutMs: 60_000, intervalMs: 100, message: `${hosts} hosts` });
    return { running, swarm, switches, directed, hosts, removals, command, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
