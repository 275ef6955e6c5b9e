/** The streams a CLI command reads and writes, injectable so tests run commands in-process. */
import { createReadStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';

/** Standard streams of a command. */
export interface CliIo {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
}

/** The process's own streams. */
export function processIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
}

/** The input named on the command line: a file, or stdin for `-` or no name. */
export function openInput(file: string | undefined, io: CliIo): Readable {
  return file === undefined || file === '-' ? io.stdin : createReadStream(file);
}

/**
 * Writes to `out`, waiting for 'drain' when the stream asks for it. Resolves false when the
 * stream failed (e.g. EPIPE: the reader of a pipe went away), so the command can stop quietly.
 */
export function writeOut(out: Writable, data: string | Buffer): Promise<boolean> {
  if (out.destroyed || out.writableEnded) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onError = (): void => {
      out.off('drain', onDrain);
      resolve(false);
    };
    const onDrain = (): void => {
      out.off('error', onError);
      resolve(true);
    };
    if (out.write(data)) {
      resolve(true);
      return;
    }
    out.once('error', onError);
    out.once('drain', onDrain);
  });
}

/** Splits `args` into positional arguments and the flags named in `known`; an unknown flag is an error string. */
export function parseArgs(
  args: readonly string[],
  known: readonly string[],
): { positional: string[]; flags: Set<string> } | string {
  const positional: string[] = [];
  const flags = new Set<string>();
  for (const a of args) {
    if (a === '-' || !a.startsWith('-')) positional.push(a);
    else if (known.includes(a)) flags.add(a);
    else return `unknown option '${a}'`;
  }
  return { positional, flags };
}
