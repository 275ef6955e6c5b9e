/**
 * contrib/systemd/signalbox.service's command line, run as systemd would run it (its ExecStart
 * words and Environment=, with this checkout's bin/signalbox for /usr/bin/signalbox, the shipped
 * example config for /etc/signalbox/signalbox.yaml and a temporary data directory): Signalbox
 * starts, /readyz answers 200, and the unit's KillSignal stops it with exit 0 within TimeoutStopSec.
 * Needs dist/ (`npm run build`; `npm run test:lab` does it). systemd itself is not run here.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readUnit, unitArgv, unitEnvironment } from '../harness/deploy-files.js';
import { ROOT } from '../harness/docs.js';
import { freePort, waitFor } from '../harness/exec.js';

const BIN = fileURLToPath(new URL('../../bin/signalbox', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sbx-systemd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the systemd unit', () => {
  const unit = readUnit();
  const service = unit.get('Service')!;

  it('is a service that restarts on failure, as an unprivileged user, for multi-user.target', () => {
    expect(service.get('User')).toEqual(['signalbox']);
    expect(service.get('Restart')).toEqual(['on-failure']);
    expect(service.get('StateDirectory')).toEqual(['signalbox']);
    expect(unit.get('Install')?.get('WantedBy')).toEqual(['multi-user.target']);
  });

  it('its ExecStart starts Signalbox, which answers /readyz, and its KillSignal stops it cleanly', async () => {
    expect(existsSync(join(ROOT, 'dist/src/cli.js'))).toBe(true);
    const exec = service.get('ExecStart')!;
    expect(exec).toHaveLength(1);
    const argv = unitArgv(exec[0]!);
    expect(argv.slice(0, 2)).toEqual(['/usr/bin/signalbox', 'start']);
    const words = argv.map((w) => (w === '/etc/signalbox/signalbox.yaml' ? join(ROOT, 'contrib/systemd/signalbox.yaml') : w === '/var/lib/signalbox' ? dir : w));
    expect(words).toContain(dir);
    const apiPort = await freePort();
    const ofPort = await freePort();
    // The environment file is optional ("-"): the test's stands in for it, moving the ports off the defaults.
    expect(service.get('EnvironmentFile')).toEqual(['-/etc/default/signalbox']);
    const env = { PATH: process.env.PATH ?? '', ...unitEnvironment(service.get('Environment') ?? []), SIGNALBOX_API_LISTEN: `127.0.0.1:${apiPort}`, SIGNALBOX_OPENFLOW_LISTEN: `127.0.0.1:${ofPort}` };
    const p = spawn(process.execPath, [BIN, ...words.slice(1)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => p.on('exit', (code) => resolve(code)));
    try {
      await waitFor(async () => {
        if (p.exitCode !== null) throw new Error(`exited ${p.exitCode}:\n${out}`);
        return (await fetch(`http://127.0.0.1:${apiPort}/readyz`).catch(() => undefined))?.status === 200;
      }, 30_000, 100);
      // The API answers from inside start-up, so /readyz can be 200 before the ready line is
      // logged and piped to us: wait for the line too.
      const readyLine = (): string | undefined => out.split('\n').find((l) => l.includes('signalbox ready') && l.endsWith('}'));
      const ready = await waitFor(readyLine, 10_000, 20);
      // Environment=SIGNALBOX_LOG_FORMAT=json: the journal gets JSON lines.
      expect(JSON.parse(ready)).toMatchObject({ msg: 'signalbox ready', apps: ['forwarding', 'proxy-arp'] });
      p.kill(service.get('KillSignal')![0] as NodeJS.Signals);
      const stopSec = Number(service.get('TimeoutStopSec')![0]);
      const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('timeout'), stopSec * 1000))]);
      expect(code).toBe(0);
    } finally {
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    }
  }, 60_000);
});
