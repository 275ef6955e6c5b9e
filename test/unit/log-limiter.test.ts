import { duplexPair } from 'node:stream';
import { captureLog } from '../fakes/capture-log.js';
import { describe, expect, it } from 'vitest';
import { LogLimiter, limitedLog } from '../../src/core/log-limiter.js';
import { Session } from '../../src/openflow/session.js';
import { EmulatedSwitch } from '../fakes/emulated-switch.js';
import { ManualClock } from '../fakes/manual-clock.js';
import { waitFor } from '../harness/exec.js';

describe('LogLimiter', () => {
  it('admits perSecond lines per one-second window and counts the rest', () => {
    const l = new LogLimiter(3);
    const t0 = 1_000_000;
    expect([0, 1, 2, 3, 4].map((i) => l.take(t0 + i))).toEqual([true, true, true, false, false]);
    expect(l.takeSuppressed()).toBe(2);
    expect(l.takeSuppressed()).toBe(0);
    expect(l.take(t0 + 999)).toBe(false);
    expect(l.take(t0 + 1000)).toBe(true); // a new window
    expect(l.suppressedTotal).toBe(3);
  });

  it('with 0 admits everything', () => {
    const l = new LogLimiter(0);
    for (let i = 0; i < 1000; i++) expect(l.take(i)).toBe(true);
  });

  it('limitedLog writes one "suppressed N" summary at the end of a window with drops, none without', () => {
    const clock = new ManualClock();
    const written: string[] = [];
    const log = limitedLog(new LogLimiter(2), () => clock.now(), (ms, fn) => clock.after(ms, fn), (n) => written.push(`suppressed ${n}`));
    for (let i = 0; i < 10; i++) log(() => written.push(`line ${i}`));
    expect(written).toEqual(['line 0', 'line 1']);
    clock.advance(999);
    expect(written).toHaveLength(2);
    clock.advance(1);
    expect(written).toEqual(['line 0', 'line 1', 'suppressed 8']);
    // A quiet window after: no summary.
    log(() => written.push('line a'));
    clock.advance(5000);
    expect(written).toEqual(['line 0', 'line 1', 'suppressed 8', 'line a']);
  });
});

describe('session log lines per second', () => {
  it('logs at most openflow.logLinesPerSecond undecodable messages, then one "suppressed N messages" line, and counts the rest', async () => {
    const clock = new ManualClock();
    const { log, lines } = captureLog();
    const [a, b] = duplexPair();
    const session = new Session(a, { echoIntervalMs: 0, logLinesPerSecond: 5, logger: log, clock });
    const sw = new EmulatedSwitch(b, { dpid: 9n });
    try {
      await new Promise<void>((resolve) => session.once('ready', resolve));
      // 200 PORT_STATUS messages cut short: each undecodable.
      const bad = Buffer.alloc(24);
      bad.writeUInt8(4, 0);
      bad.writeUInt8(12, 1);
      bad.writeUInt16BE(24, 2);
      sw.sendRaw(Buffer.concat(Array.from({ length: 200 }, () => bad)));
      await waitFor(() => session.counters.decodeErrors === 200);
      const undecodable = (): number => lines.filter((l) => l.msg === 'undecodable message').length;
      expect(undecodable()).toBe(5);
      expect(session.counters.logLinesSuppressed).toBe(195);
      expect(lines.some((l) => String(l.msg).startsWith('suppressed'))).toBe(false);
      clock.advance(1000);
      await waitFor(() => lines.some((l) => String(l.msg).startsWith('suppressed')));
      expect(lines.filter((l) => String(l.msg).startsWith('suppressed')).map((l) => l.msg)).toEqual(['suppressed 195 messages (over openflow.logLinesPerSecond 5)']);
      expect(session.state).toBe('ready');
    } finally {
      session.close('test over');
    }
  });
});
