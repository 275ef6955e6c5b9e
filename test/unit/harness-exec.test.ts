/**
 * The harness's child-process helpers on real node children: endChild goes from the gentlest step
 * to SIGKILL only as far as the child makes it, and keepOutputLines keeps the last lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { endChild, keepOutputLines, waitFor } from '../harness/exec.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** A node child running `code`, its output kept; resolves once it printed `ready`. */
async function child(code: string): Promise<{ proc: ChildProcess; lines: string[] }> {
  const proc = spawn(process.execPath, ['-e', `${code}; console.log('ready')`], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(proc);
  const lines: string[] = [];
  keepOutputLines(proc, lines, 50);
  await waitFor(() => lines.includes('ready'), { timeoutMs: 15_000, intervalMs: 20, message: 'child ready' });
  return { proc, lines };
}

const KEEP_ALIVE = 'setInterval(() => undefined, 1000)';

describe('endChild', () => {
  it('a child that ends with its input goes with its stdin closed: no signal needed', async () => {
    const { proc } = await child(`process.stdin.on('end', () => process.exit(0)); process.stdin.resume(); ${KEEP_ALIVE}`);
    await endChild(proc, { closeStdin: true, graceMs: 30_000 });
    expect([proc.exitCode, proc.signalCode]).toEqual([0, null]);
  });

  it('SIGTERM first; SIGKILL only for a child that ignores it, graceMs later', async () => {
    const polite = await child(KEEP_ALIVE);
    await endChild(polite.proc, { graceMs: 30_000 });
    expect(polite.proc.signalCode).toBe('SIGTERM');

    const stubborn = await child(`process.on('SIGTERM', () => console.log('ignored SIGTERM')); ${KEEP_ALIVE}`);
    await endChild(stubborn.proc, { graceMs: 300 });
    expect(stubborn.proc.signalCode).toBe('SIGKILL');
    expect(stubborn.lines).toContain('ignored SIGTERM');
  });

  it('with closeStdin, a child that ignores its input end gets SIGTERM next', async () => {
    const { proc } = await child(KEEP_ALIVE);
    await endChild(proc, { closeStdin: true, graceMs: 300 });
    expect(proc.signalCode).toBe('SIGTERM');
  });

  it('a child that has exited already is left as it is', async () => {
    const { proc } = await child('');
    if (proc.exitCode === null) await once(proc, 'exit');
    await endChild(proc);
    expect([proc.exitCode, proc.signalCode]).toEqual([0, null]);
  });
});

describe('keepOutputLines', () => {
  it('keeps the last max lines', async () => {
    const proc = spawn(process.execPath, ['-e', 'for (let i = 1; i <= 10; i++) console.log(String(i))'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(proc);
    const lines: string[] = [];
    keepOutputLines(proc, lines, 4);
    await once(proc, 'close');
    expect(lines).toEqual(['7', '8', '9', '10']);
  });
});
