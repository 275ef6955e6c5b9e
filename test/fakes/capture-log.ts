/** A pino logger for tests whose JSON lines are kept in memory, so a test can assert on what was logged. */
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

/** A logger at `level` (default info) whose lines land, parsed, in `lines`. */
export function captureLog(level: pino.LevelWithSilent = 'info'): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const dest = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { log: pino({ level }, dest) as Logger, lines };
}
