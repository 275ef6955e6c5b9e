// Every subcommand's --help prints its own usage (exit 0), and an unknown option names the option and shows that usage (exit 2).
import { describe, expect, it } from 'vitest';
import { runCli as run } from '../harness/cli.js';
import { CLIENT_COMMANDS } from '../../src/cli/client/index.js';

/** Every subcommand, with arguments that would otherwise be valid up to the option. */
const COMMANDS: readonly (readonly string[])[] = [['start'], ['decode'], ['encode'], ['bench'], ['lab', 'linear,2'], ['completion'], ...CLIENT_COMMANDS.map((c) => (c === 'flow' ? ['flow', 'add'] : c === 'app' ? ['app', 'enable'] : [c]))];

describe('signalbox CMD --help', () => {
  it.each(COMMANDS.map((c) => [c.join(' '), c]))('%s --help prints its usage and exits 0', async (_name, cmd) => {
    for (const flag of ['--help', '-h']) {
      const r = await run([...cmd, flag]);
      expect(r.code).toBe(0);
      expect(r.err).toBe('');
      expect(r.out).toMatch(new RegExp(`^Usage: signalbox ${cmd[0]}\\b`));
    }
  });

  it.each(COMMANDS.map((c) => [c.join(' '), c]))('%s --bogus names the option, shows the usage and exits 2', async (_name, cmd) => {
    const r = await run([...cmd, '--bogus']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/unknown option '--bogus'/i);
    expect(r.err).toMatch(new RegExp(`Usage: signalbox ${cmd[0]}\\b`));
  });

  it("a client command's usage is its own, not every command's", async () => {
    const r = await run(['flows', '--help']);
    expect(r.out).toMatch(/flows DPID/);
    expect(r.out).not.toMatch(/topology {2,}switches, links/);
    expect(r.out).toMatch(/--url URL/);
  });
});
