/**
 * Runs system commands for labs and the test harness: without a shell, bounded by a timeout, and
 * every failure throws with the command's stderr; finds system tools where PATH may not look.
 */
import { execFile, execFileSync } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';

/** A system command that failed: exit code, signal or timeout, with what it printed on stderr. */
export class CommandError extends Error {
  constructor(
    /** The command line, for the message. */
    readonly command: string,
    /** Exit code, or `null` when the command was killed or could not start. */
    readonly exitCode: number | null,
    /** Everything the command printed on stderr. */
    readonly stderr: string,
    /** Everything the command printed on stdout. */
    readonly stdout: string,
    reason: string,
  ) {
    super(`${command}: ${reason}${stderr.trim() ? `\n${stderr.trim()}` : ''}`);
    this.name = 'CommandError';
  }
}

/** Options of {@link run}. */
export interface RunOptions {
  /** Kill the command after this long (default 10 s). */
  readonly timeoutMs?: number;
  /** Written to the command's stdin. */
  readonly input?: string;
}

/** Output of a command that exited 0. */
export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `file args...` without a shell; resolves with its output, rejects with {@link CommandError} on any failure. */
export function run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const command = [file, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { timeout: opts.timeoutMs ?? 10_000, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (!err) {
          resolve({ stdout, stderr });
          return;
        }
        const e = err as NodeJS.ErrnoException & { code?: number | string; killed?: boolean; signal?: string };
        let reason: string;
        if (e.killed) reason = `timed out after ${opts.timeoutMs ?? 10_000} ms`;
        else if (typeof e.code === 'number') reason = `exited with code ${e.code}`;
        else if (e.code === 'ENOENT') reason = `${file} not found`;
        else if (e.signal) reason = `killed by ${e.signal}`;
        else reason = e.message;
        reject(new CommandError(command, typeof e.code === 'number' ? e.code : null, stderr ?? '', stdout ?? '', reason));
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Synchronous best-effort run for process-exit cleanup; returns false instead of throwing. */
export function runSyncQuiet(file: string, args: readonly string[], timeoutMs = 5_000): boolean {
  try {
    execFileSync(file, args, { timeout: timeoutMs, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The first of `candidates` that is an executable file, or `undefined`. */
export function findExecutable(candidates: readonly string[]): string | undefined {
  for (const c of candidates) {
    try {
      accessSync(c, fsConstants.X_OK);
      return c;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

/** Finds `name` in the usual system directories (PATH may lack /usr/sbin for non-root users). */
export function whichSystem(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
  return findExecutable(dirs.map((d) => `${d}/${name}`));
}
