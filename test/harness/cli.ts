// Runs the `signalbox` command in-process (src/cli.ts main) with captured output, for tests of the CLI.
import { PassThrough, Readable } from 'node:stream';
import { main } from '../../src/cli.js';

/** What one in-process run of the CLI gave: its exit code, stdout (as text and as bytes) and stderr. */
export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly outBytes: Buffer;
  readonly err: string;
}

/** Runs `signalbox ...argv` in this process with `input` on stdin, and collects what it wrote. */
export async function runCli(argv: readonly string[], input: Buffer | string = ''): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const stdin = Readable.from(input.length === 0 ? [] : [Buffer.from(input)]);
  const code = await main([...argv], { stdin, stdout, stderr });
  const outBytes = Buffer.concat(out);
  return { code, out: outBytes.toString(), outBytes, err: Buffer.concat(err).toString() };
}
