/**
 * Client of mininet/driver.py for `signalbox lab`: starts the driver, waits for its `ready` line,
 * sends JSON commands and stops it so the network is torn down (also when this process is
 * interrupted). test/harness/mininet.ts is the test suite's richer twin.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

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
  readonly topo: string;
  /** Controller targets `tcp:IP:PORT`. */
  readonly controllers: readonly string[];
  readonly of10?: boolean;
  /** Name prefix of bridges and interfaces (lower-case letters). */
  readonly prefix: string;
  readonly python?: string;
  /** Mininet's interactive CLI on this terminal instead of JSON commands (driver flag `--cli`). */
  readonly interactive?: boolean;
  /** Mininet log lines (stderr of the driver); not used in interactive mode, where they go to the terminal. */
  readonly onLog?: (line: string) => void;
  readonly logLevel?: string;
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

/** Facts from the driver's ready line. */
export interface ReadyInfo {
  readonly prefix: string;
  readonly hosts: number;
  readonly switches: number;
}

/** A running driver. */
export class LabDriver {
  readonly child: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly logTail: string[] = [];
  private exited = false;
  private readonly exitPromise: Promise<number | null>;
  private readyWaiter: { resolve(r: ReadyInfo): void; reject(e: Error): void } | undefined;
  private stopping: Promise<void> | undefined;

  constructor(readonly opts: DriverOptions) {
    const args = [driverPath(), '--topo', opts.topo, '--prefix', opts.prefix, '--log-level', opts.logLevel ?? 'info'];
    for (const c of opts.controllers) args.push('--controller', c);
    if (opts.controllers.length === 0) args.push('--controller', 'none');
    if (opts.of10) args.push('--of10');
    if (opts.interactive) args.push('--cli');
    this.child = spawn(opts.python ?? DEFAULT_PYTHON, args, { stdio: [opts.interactive ? 'inherit' : 'pipe', 'pipe', opts.interactive ? 'inherit' : 'pipe'] });
    this.exitPromise = new Promise((resolve) => {
      this.child.once('exit', (code) => {
        this.exited = true;
        const why = new Error(`Mininet driver exited (code ${code})\n${this.log()}`);
        this.readyWaiter?.reject(why);
        for (const p of this.pending.values()) {
          clearTimeout(p.timer);
          p.reject(why);
        }
        this.pending.clear();
        resolve(code);
      });
    });
    this.child.once('error', (e) => this.readyWaiter?.reject(e));
    if (this.child.stderr) {
      createInterface({ input: this.child.stderr }).on('line', (line) => {
        this.logTail.push(line);
        if (this.logTail.length > 60) this.logTail.shift();
        opts.onLog?.(line);
      });
    }
    createInterface({ input: this.child.stdout! }).on('line', (line) => this.onLine(line));
    this.child.stdin?.on('error', () => undefined);
  }

  /** Resolves when the network is up. */
  ready(timeoutMs = 120_000): Promise<ReadyInfo> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`Mininet lab not ready after ${timeoutMs} ms\n${this.log()}`)), timeoutMs);
      this.readyWaiter = {
        resolve: (r) => {
          clearTimeout(t);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(t);
          reject(e);
        },
      };
    });
  }

  /** Sends one command and resolves with its result. */
  command<T>(cmd: string, args: Record<string, unknown> = {}, timeoutMs = 120_000): Promise<T> {
    if (this.exited || !this.child.stdin) return Promise.reject(new Error(`Mininet driver is not accepting commands\n${this.log()}`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`lab command ${cmd} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.child.stdin!.write(`${JSON.stringify({ id, cmd, ...args })}\n`);
    });
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

  /** Synchronous last resort at process exit. */
  killNow(): void {
    if (!this.exited) this.signal('SIGTERM');
  }

  /** The last lines the driver logged. */
  log(): string {
    return this.logTail.slice(-30).join('\n');
  }

  private signal(sig: NodeJS.Signals): void {
    try {
      if (this.child.pid !== undefined) process.kill(this.child.pid, sig);
    } catch {
      // gone already
    }
  }

  private exitWithin(ms: number): Promise<boolean> {
    if (this.exited) return Promise.resolve(true);
    return Promise.race([this.exitPromise.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);
  }

  private onLine(line: string): void {
    let msg: { event?: string; id?: number; ok?: boolean; result?: unknown; error?: string; prefix?: string; hosts?: number; switches?: number };
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      return;
    }
    if (msg.event === 'ready') {
      this.readyWaiter?.resolve({ prefix: msg.prefix ?? this.opts.prefix, hosts: msg.hosts ?? 0, switches: msg.switches ?? 0 });
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
}
