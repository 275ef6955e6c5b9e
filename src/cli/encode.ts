/** `signalbox encode`: turns JSON lines (the output of `signalbox decode`) back into binary OpenFlow messages. */
import { createInterface } from 'node:readline';
import { OfEncodeError } from '../openflow/codec/errors.js';
import { encodeMessageInto } from '../openflow/codec/index.js';
import { Writer } from '../openflow/codec/writer.js';
import { messageFromJson } from '../openflow/json.js';
import { openInput, parseArgs, writeOut, type CliIo } from './io.js';

export const ENCODE_USAGE = `Usage: signalbox encode [FILE|-] [--hex]

Reads one JSON message a line from FILE, or from stdin when FILE is '-' or absent, and writes
the binary OpenFlow stream to stdout (--hex: one hex line per message instead). Blank lines
are skipped. A line that is not a valid message is reported on stderr with its line number and
field, and left out; the exit code is then 1. 'signalbox decode | signalbox encode' gives back
the input bytes.
`;

/** Bytes buffered before a write to stdout. */
const FLUSH_BYTES = 64 * 1024;

/** Runs `signalbox encode` and returns the exit code (0 ok, 1 bad input, 2 bad usage). */
export async function encodeCommand(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseArgs(args, ['--hex', '--help', '-h']);
  if (typeof parsed === 'string' || parsed.positional.length > 1) {
    io.stderr.write(`signalbox encode: ${typeof parsed === 'string' ? parsed : 'at most one input file'}\n\n${ENCODE_USAGE}`);
    return 2;
  }
  if (parsed.flags.has('--help') || parsed.flags.has('-h')) {
    io.stdout.write(ENCODE_USAGE);
    return 0;
  }
  const file = parsed.positional[0];
  const hex = parsed.flags.has('--hex');
  let failed = false;
  let outputClosed = false;
  const onOutError = (): void => {
    outputClosed = true;
  };
  io.stdout.on('error', onOutError);
  const w = new Writer(FLUSH_BYTES * 2);
  const flush = async (): Promise<void> => {
    if (w.pos === 0 || outputClosed) return;
    if (!(await writeOut(io.stdout, w.finish()))) outputClosed = true;
  };
  const fail = (lineNo: number, text: string): void => {
    failed = true;
    io.stderr.write(`signalbox encode: line ${lineNo}: ${text}\n`);
  };
  try {
    const lines = createInterface({ input: openInput(file, io), crlfDelay: Infinity });
    let lineNo = 0;
    for await (const line of lines) {
      lineNo++;
      if (outputClosed) break;
      if (line.trim() === '') continue;
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch (e) {
        fail(lineNo, `invalid JSON: ${(e as Error).message}`);
        continue;
      }
      const start = w.pos;
      try {
        encodeMessageInto(w, messageFromJson(obj));
      } catch (e) {
        w.pos = start;
        fail(lineNo, describeEncodeError(e));
        continue;
      }
      if (hex) {
        // One hex line per message: keep only the text of what was just written.
        const text = `${w.buf.toString('hex', start, w.pos)}\n`;
        w.pos = start;
        w.bytes(Buffer.from(text, 'latin1'));
      }
      if (w.pos >= FLUSH_BYTES) await flush();
    }
    await flush();
  } catch (e) {
    const name = file === undefined || file === '-' ? 'stdin' : file;
    io.stderr.write(`signalbox encode: cannot read ${name}: ${(e as Error).message}\n`);
    return 1;
  } finally {
    io.stdout.off('error', onOutError);
  }
  return failed ? 1 : 0;
}

/** "field match[1].value: expected ..." for a codec error; the bare message for anything else. */
function describeEncodeError(e: unknown): string {
  if (e instanceof OfEncodeError) {
    if (e.field === undefined || e.field === '') return e.message;
    const prefix = `${e.field}: `;
    const text = e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
    return `field ${e.field}: ${text}`;
  }
  // An encoder meeting a value of the wrong shape (say an object where a list belongs) may throw
  // a TypeError: report it like any other bad input, without a stack trace.
  return `cannot encode: ${e instanceof Error ? e.message : String(e)}`;
}
