// `signalbox --version` (and `-v`, `version`) prints the version in package.json: in-process (test/integration/package.test.ts runs the installed command).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../harness/cli.js';

const ROOT = join(import.meta.dirname, '..', '..');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

async function run(argv: string[]): Promise<{ code: number; out: string }> {
  const { code, out } = await runCli(argv);
  return { code, out };
}

describe('signalbox --version', () => {
  it.each([['--version'], ['-v'], ['version']])('%s prints the package version', async (flag) => {
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
    expect(await run([flag])).toEqual({ code: 0, out: `signalbox ${VERSION}\n` });
  });

  it('--help names --version', async () => {
    expect((await run(['--help'])).out).toMatch(/--version/);
  });
});
