// Log lines: JSON by default, one readable line per event with `pretty` or on a terminal (auto), chosen by logFormat / --log-format.
import { describe, expect, it } from 'vitest';
import { configFromArgs } from '../../src/cli/start.js';
import { defaultConfig } from '../../src/config.js';
import { createLogger, prettyLine, type LogSink } from '../../src/log.js';

function sink(isTTY: boolean): LogSink & { lines: string[] } {
  const lines: string[] = [];
  return { isTTY, lines, write: (s: string) => lines.push(...s.split('\n').filter(Boolean)) };
}

describe('log format', () => {
  it('defaults to auto: JSON unless stderr is a terminal', () => {
    expect(defaultConfig.logFormat).toBe('auto');
    const pipe = sink(false);
    createLogger('info', 'auto', pipe).child({ component: 'api' }).info({ port: 8080 }, 'listening');
    expect(pipe.lines).toHaveLength(1);
    expect(JSON.parse(pipe.lines[0]!)).toMatchObject({ level: 30, name: 'signalbox', component: 'api', port: 8080, msg: 'listening' });
    const tty = sink(true);
    createLogger('info', 'auto', tty).child({ component: 'api' }).info({ port: 8080 }, 'listening');
    expect(tty.lines).toHaveLength(1);
    expect(tty.lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}\[api\] listening port=8080$/);
  });

  it('json and pretty are kept whatever the sink is', () => {
    const tty = sink(true);
    createLogger('info', 'json', tty).info('x');
    expect(JSON.parse(tty.lines[0]!)).toMatchObject({ msg: 'x' });
    const pipe = sink(false);
    createLogger('debug', 'pretty', pipe).debug({ dpid: '00000000000000a1' }, 'switch connected');
    expect(pipe.lines[0]).toMatch(/ DEBUG switch connected dpid=00000000000000a1$/);
  });

  it('renders one line per event, whatever the fields hold', () => {
    const time = new Date(2026, 0, 2, 3, 4, 5, 67).getTime();
    const line = prettyLine(
      JSON.stringify({ level: 50, time, pid: 1, hostname: 'h', name: 'signalbox', component: 'apps', app: 'acl', msg: 'handler failed', err: { message: 'boom\nat x', stack: 'Error: boom\n  at x' }, list: [1, 2], why: 'two words', empty: '' }),
    );
    expect(line).toBe('03:04:05.067 ERROR [apps/acl] handler failed err="boom\\nat x" list=[1,2] why="two words" empty=""');
    expect(line).not.toContain('\n');
    expect(prettyLine('not json\n')).toBe('not json');
  });

  it('--log-format sets it, and a bad value names the setting', () => {
    expect(configFromArgs(['--log-format', 'pretty'], {}).logFormat).toBe('pretty');
    expect(configFromArgs([], { SIGNALBOX_LOG_FORMAT: 'json' }).logFormat).toBe('json');
    expect(() => configFromArgs(['--log-format', 'xml'], {})).toThrow(/logFormat/);
  });
});
