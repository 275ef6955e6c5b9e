/** `signalbox decode`: prints each OpenFlow message of a binary (or hex) stream as one JSON line. */
import type { Readable } from 'node:stream';
import { errorNames } from '../openflow/codec/constants.js';
import { OfDecodeError } from '../openflow/codec/errors.js';
import { Framer, peekType, peekVersion, peekXid } from '../openflow/codec/framer.js';
import { decodeMessage } from '../openflow/codec/index.js';
import { messageToJson } from '../openflow/json.js';
import { openInput, parseArgs, writeOut, type CliIo } from './io.js';

export const DECODE_USAGE = `Usage: signalbox decode [FILE|-] [--hex]

Prints every OpenFlow message (any version, by its header) of FILE, or of stdin when FILE is
'-' or absent, as one JSON object a line. 64-bit values are strings (datapathId as 16 hex
digits), byte strings are hex. --hex reads hex text instead of binary (whitespace ignored).
Messages that fail to decode are reported on stderr with their byte offset; the exit code is
then 1. The output is the input of 'signalbox encode'.
`;

/** Runs `signalbox decode` and returns the exit code (0 ok, 1 bad input, 2 bad usage). */
export async function decodeCommand(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseArgs(args, ['--hex', '--help', '-h']);
  if (typeof parsed === 'string' || parsed.positional.length > 1) {
    io.stderr.write(`signalbox decode: ${typeof parsed === 'string' ? parsed : 'at most one input file'}\n\n${DECODE_USAGE}`);
    return 2;
  }
  if (parsed.flags.has('--help') || parsed.flags.has('-h')) {
    io.stdout.write(DECODE_USAGE);
    return 0;
  }
  const file = parsed.positional[0];
  const run = new DecodeRun(io);
  // EPIPE and the like arrive as 'error' events: without a listener they would crash the process.
  const onOutError = (): void => {
    run.outputClosed = true;
  };
  io.stdout.on('error', onOutError);
  try {
    const input = openInput(file, io);
    if (parsed.flags.has('--hex')) await run.hex(input);
    else await run.binary(input);
  } catch (e) {
    const name = file === undefined || file === '-' ? 'stdin' : file;
    io.stderr.write(`signalbox decode: cannot read ${name}: ${(e as Error).message}\n`);
    return 1;
  } finally {
    io.stdout.off('error', onOutError);
  }
  return run.failed ? 1 : 0;
}

/** One decoding pass: frames the stream, decodes each message and prints JSON lines. */
class DecodeRun {
  failed = false;
  outputClosed = false;
  private readonly framer = new Framer();
  /** Stream offset of the next message the framer hands out. */
  private offset = 0;
  private lines: string[] = [];
  private readonly onMessage = (msg: Buffer): void => this.message(msg);

  constructor(private readonly io: CliIo) {}

  async binary(input: Readable): Promise<void> {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      if (!(await this.push(chunk))) return;
    }
    this.end();
    await this.flush();
  }

  async hex(input: Readable): Promise<void> {
    let text = '';
    for await (const chunk of input as AsyncIterable<Buffer | string>) text += chunk.toString();
    const bytes = parseHexText(text);
    if (typeof bytes === 'string') {
      this.error(bytes);
      return;
    }
    if (await this.push(bytes)) {
      this.end();
      await this.flush();
    }
  }

  /** Frames one chunk and prints what it completed; false once the stream cannot go on. */
  private async push(chunk: Buffer): Promise<boolean> {
    try {
      this.framer.push(chunk, this.onMessage);
    } catch (e) {
      await this.flush();
      this.error(`byte ${(e as OfDecodeError).offset ?? this.offset}: ${baseMessage(e)}; cannot frame the rest of the stream`);
      return false;
    }
    return this.flush();
  }

  private end(): void {
    try {
      this.framer.end();
    } catch (e) {
      this.error(`byte ${(e as OfDecodeError).offset ?? this.offset}: ${baseMessage(e)}`);
    }
  }

  private message(msg: Buffer): void {
    const at = this.offset;
    this.offset += msg.length;
    let line: string;
    try {
      line = JSON.stringify(messageToJson(decodeMessage(msg)));
    } catch (e) {
      const where = e instanceof OfDecodeError && e.offset !== undefined ? at + e.offset : at;
      const pair = e instanceof OfDecodeError ? ` [${errorNames(e.errType, e.errCode).type}/${errorNames(e.errType, e.errCode).code}]` : '';
      this.error(
        `byte ${where}: cannot decode the message at byte ${at} (version ${peekVersion(msg)}, type ${peekType(msg)}, ` +
          `xid ${peekXid(msg)}, ${msg.length} bytes): ${baseMessage(e)}${pair}`,
      );
      return;
    }
    this.lines.push(line);
  }

  private async flush(): Promise<boolean> {
    if (this.outputClosed) return false;
    if (this.lines.length === 0) return true;
    const text = `${this.lines.join('\n')}\n`;
    this.lines = [];
    const ok = await writeOut(this.io.stdout, text);
    if (!ok) this.outputClosed = true;
    return ok;
  }

  private error(text: string): void {
    this.failed = true;
    // Keep stdout and stderr in order: lines decoded before the error go out first.
    if (this.lines.length > 0 && !this.outputClosed) {
      this.io.stdout.write(`${this.lines.join('\n')}\n`);
      this.lines = [];
    }
    this.io.stderr.write(`signalbox decode: ${text}\n`);
  }
}

/** A decode error's text without the "(at offset N)" the codec appends: the CLI prints absolute offsets. */
function baseMessage(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.replace(/ \(at offset \d+\)$/, '');
}

/** Bytes of hex text with whitespace ignored, or an error naming the line and column. */
export function parseHexText(text: string): Buffer | string {
  const compact = text.replace(/\s+/g, '');
  const bad = /[^0-9a-fA-F]/.exec(compact);
  if (bad === null) {
    if (compact.length % 2 !== 0) return `odd number of hex digits (${compact.length})`;
    return Buffer.from(compact, 'hex');
  }
  // Locate the offending character in the original text for the message.
  const m = /[^0-9a-fA-F\s]/.exec(text);
  const idx = m?.index ?? 0;
  const before = text.slice(0, idx);
  const line = before.split('\n').length;
  const col = idx - before.lastIndexOf('\n');
  return `line ${line}, column ${col}: ${JSON.stringify(text[idx])} is not a hex digit`;
}
