/** Structured logging (pino): one root logger; components take child loggers. */
import { pino, type Logger } from 'pino';

export type { Logger };

/** A root logger writing JSON lines to stderr. */
export function createLogger(level = 'info'): Logger {
  return pino({ level, base: { name: 'signalbox' } }, pino.destination(2));
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = pino({ level: 'silent' });
