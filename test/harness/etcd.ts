/**
 * Test harness for cluster mode: runs a single-member etcd server on loopback ports of its own
 * with a temporary data directory (stopped by PID, directory removed), and a TCP proxy that can
 * cut one client off etcd as a network partition would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endChild, freePort, keepOutputLines, waitFor } from './exec.js';

/** Where Debian's etcd-server package puts the binary. */
export const ETCD_BIN = process.env.SIGNALBOX_ETCD_BIN ?? '/usr/bin/etcd';

/** A running etcd. */
export interface EtcdServer {
  /** Client URL, `http://127.0.0.1:PORT`. */
  readonly endpoint: string;
  readonly pid: number;
  readonly dataDir: string;
  /** Stops the process (SIGTERM, SIGKILL after 3 s) and removes the data directory. */
  stop(): Promise<void>;
  /** The last lines etcd wrote. */
  log(): string;
}

const live = new Set<ChildProcess>();
let exitHook = false;

/**
 * Starts etcd on two free loopback ports (client and peer) and waits until /health says so.
 * Throws (never skips) when the binary is missing: cluster tests need it.
 */
export async function startEtcd(opts: { readyTimeoutMs?: number } = {}): Promise<EtcdServer> {
  try {
    accessSync(ETCD_BIN, fsConstants.X_OK);
  } catch {
    throw new Error(`etcd is not installed: ${ETCD_BIN} not found (apt-get install etcd-server, or set SIGNALBOX_ETCD_BIN)`);
  }
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(opts.readyTimeoutMs ?? 15_000);
    } catch (e) {
      lastError = e as Error; // most likely a port taken between probe and bind: try others
    }
  }
  throw lastError!;
}

async function startOnce(readyTimeoutMs: number): Promise<EtcdServer> {
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const dataDir = mkdtempSync(join(tmpdir(), 'signalbox-etcd-'));
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const child = spawn(
    ETCD_BIN,
    [
      '--name', 'sbtest',
      '--data-dir', dataDir,
      '--listen-client-urls', client,
      '--advertise-client-urls', client,
      '--listen-peer-urls', peer,
      '--initial-advertise-peer-urls', peer,
      '--initial-cluster', `sbtest=${peer}`,
      '--initial-cluster-state', 'new',
      '--max-txn-ops', '1024',
      '--logger', 'zap',
      '--log-level', 'warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (child.pid === undefined) throw new Error(`could not start ${ETCD_BIN}`);
  const pid = child.pid;
  live.add(child);
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const c of live) if (c.pid !== undefined && c.exitCode === null) process.kill(c.pid, 'SIGKILL');
    });
  }
  const lines: string[] = [];
  keepOutputLines(child, lines, 100);
  let exited = false;
  const exitP = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      live.delete(child);
      resolve();
    }),
  );
  const server: EtcdServer = {
    endpoint: client,
    pid,
    dataDir,
    log: () => lines.join('\n'),
    async stop() {
      if (!exited) await endChild(child, { graceMs: 3_000 });
      await exitP;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  // Healthy, or gone: an etcd that exited during start-up ends the wait at once.
  const outcome = await waitFor(
    async () => {
      if (exited) return 'exited';
      const r = await fetch(`${client}/health`, { signal: AbortSignal.timeout(500) });
      const body = (await r.json()) as { health?: string };
      return body.health === 'true' ? 'healthy' : undefined;
    },
    { timeoutMs: readyTimeoutMs, intervalMs: 50, message: 'etcd healthy' },
  ).catch(() => 'timeout' as const);
  if (outcome === 'healthy') return server;
  if (outcome === 'exited') {
    rmSync(dataDir, { recursive: true, force: true });
    throw new Error(`etcd exited during start-up:\n${server.log()}`);
  }
  await server.stop();
  throw new Error(`etcd not healthy after ${readyTimeoutMs} ms:\n${server.log()}`);
}

/**
 * A TCP proxy in front of etcd for one client. `cut()` black-holes both directions (the client's
 * requests hang, as across a partition or with etcd's host stopped); `heal()` drops the dead
 * connections so the client reconnects, and forwards again.
 */
export class EtcdProxy {
  private server: Server | undefined;
  private readonly pairs = new Set<[Socket, Socket]>();
  private isCut = false;
  endpoint = '';

  constructor(private readonly upstream: string) {}

  async start(): Promise<this> {
    const u = new URL(this.upstream);
    this.server = createServer((down) => {
      if (this.isCut) {
        down.on('data', () => undefined); // swallow, never answer
        down.on('error', () => undefined);
        const pair: [Socket, Socket] = [down, down];
        this.pairs.add(pair);
        down.once('close', () => this.pairs.delete(pair));
        return;
      }
      const up = connect(Number(u.port), u.hostname);
      const pair: [Socket, Socket] = [down, up];
      this.pairs.add(pair);
      const drop = (): void => {
        this.pairs.delete(pair);
        down.destroy();
        up.destroy();
      };
      down.on('data', (b: Buffer) => {
        if (!this.isCut) up.write(b);
      });
      up.on('data', (b: Buffer) => {
        if (!this.isCut) down.write(b);
      });
      down.on('error', drop).on('close', drop);
      up.on('error', drop).on('close', drop);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    return this;
  }

  /** From now on nothing passes either way. */
  cut(): void {
    this.isCut = true;
  }

  /** Closes every connection (they carry half-delivered data) and forwards new ones again. */
  heal(): void {
    this.isCut = false;
    for (const [a, b] of this.pairs) {
      a.destroy();
      b.destroy();
    }
    this.pairs.clear();
  }

  async stop(): Promise<void> {
    this.heal();
    await new Promise((r) => (this.server ? this.server.close(r) : r(undefined)));
  }
}
