/** Structured logging (pino): one root logger; components take child loggers; JSON lines or one readable line per event. */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** How log lines are written: JSON (for collectors), pretty (for a terminal), or auto (pretty on a TTY). */
export type LogFormat = 'auto' | 'json' | 'pretty';

/** Where logs go: a writable with an optional `isTTY` (process.stderr fits). */
export interface LogSink {
  write(s: string): unknown;
  readonly isTTY?: boolean;
}

/**
 * A root logger writing to stderr (or `sink`): JSON lines, or with `format` `pretty` (or `auto`
 * on a TTY) one readable line per event, as {@link prettyLine} renders it.
 */
export function createLogger(level = 'info', format: LogFormat = 'json', sink?: LogSink): Logger {
  const opts = { level, base: { name: 'signalbox' } };
  const out = sink ?? process.stderr;
  const pretty = format === 'pretty' || (format === 'auto' && out.isTTY === true);
  if (!pretty) return pino(opts, sink ? (sink as DestinationStream) : pino.destination(2));
  const dest: DestinationStream = {
    write: (line: string) => {
      out.write(prettyLine(line) + '\n');
    },
  };
  return pino(opts, dest);
}

const LEVELS: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** Fields the line shows in its fixed parts, or that say nothing on a terminal. */
const FIXED = new Set(['level', 'time', 'msg', 'name', 'pid', 'hostname', 'component', 'app']);

/**
 * One pino JSON line as a terminal line: `HH:MM:SS.mmm LEVEL [component] message key=value ...`
 * (local time; strings with spaces and objects as JSON; an error as its message). A line that is
 * not JSON is returned as it is.
 */
export function prettyLine(json: string): string {
  let e: Record<string, unknown>;
  try {
    e = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.trimEnd();
  }
  const t = typeof e.time === 'number' ? new Date(e.time) : undefined;
  const time = t ? `${pad(t.getHours())}:${pad(t.getMinutes())}:${pad(t.getSeconds())}.${String(t.getMilliseconds()).padStart(3, '0')}` : '--:--:--.---';
  const level = (LEVELS[e.level as number] ?? String(e.level)).padEnd(5);
  const where = [e.component, e.app].filter((x) => typeof x === 'string' && x !== '').join('/');
  const fields = Object.entries(e)
    .filter(([k, v]) => !FIXED.has(k) && v !== undefined)
    .map(([k, v]) => `${k}=${fieldText(v)}`);
  return [time, level, where ? `[${where}]` : '', typeof e.msg === 'string' ? e.msg : '', ...fields].filter((s) => s !== '').join(' ');
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function fieldText(v: unknown): string {
  if (typeof v === 'string') return v === '' || /[\s="]/.test(v) ? JSON.stringify(v) : v;
  if (v && typeof v === 'object' && 'message' in v && typeof (v as { message: unknown }).message === 'string') return JSON.stringify((v as { message: string }).message);
  return JSON.stringify(v);
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = pino({ level: 'silent' });
