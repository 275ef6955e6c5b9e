// `signalbox completion bash|zsh`: the bash script completes commands, sub-words and options in a real bash; both scripts know every command and every option the usages name.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli as run } from '../harness/cli.js';
import { BENCH_USAGE } from '../../src/cli/bench.js';
import { CLIENT_COMMANDS, commandUsage } from '../../src/cli/client/index.js';
import { COMPLETIONS } from '../../src/cli/completion.js';
import { DECODE_USAGE } from '../../src/cli/decode.js';
import { ENCODE_USAGE } from '../../src/cli/encode.js';
import { LAB_USAGE } from '../../src/cli/lab.js';
import { START_USAGE } from '../../src/cli/start.js';


const dir = mkdtempSync(join(tmpdir(), 'sbx-completion-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What bash completes for the words typed so far (the last one being completed). */
function bashComplete(script: string, words: string[]): string[] {
  const file = join(dir, 'signalbox.bash');
  writeFileSync(file, script);
  const arr = words.map((w) => `'${w}'`).join(' ');
  const out = execFileSync('bash', ['-c', `source ${file}; cd ${JSON.stringify(dir)}; COMP_WORDS=(${arr}); COMP_CWORD=${words.length - 1}; _signalbox; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean).sort();
}

describe('signalbox completion', () => {
  it('bash: commands, sub-words and options, in bash itself', async () => {
    const r = await run(['completion', 'bash']);
    expect(r.code).toBe(0);
    expect(bashComplete(r.out, ['signalbox', 'fl'])).toEqual(['flow', 'flows']);
    expect(bashComplete(r.out, ['signalbox', 'flow', ''])).toEqual(expect.arrayContaining(['add', 'del']));
    expect(bashComplete(r.out, ['signalbox', 'start', '--log-'])).toEqual(['--log-format', '--log-level']);
    expect(bashComplete(r.out, ['signalbox', 'flows', '00000000000000a1', '--ow'])).toEqual(['--owner']);
    expect(bashComplete(r.out, ['signalbox', 'completion', ''])).toEqual(expect.arrayContaining(['bash', 'zsh']));
    // Not an option: file names (a config file, a capture).
    writeFileSync(join(dir, 'net.yaml'), '');
    expect(bashComplete(r.out, ['signalbox', 'decode', 'net.'])).toEqual(['net.yaml']);
    execFileSync('bash', ['-n', join(dir, 'signalbox.bash')]);
  });

  it('zsh: a #compdef function naming every command and option', async () => {
    const r = await run(['completion', 'zsh']);
    expect(r.code).toBe(0);
    expect(r.out.startsWith('#compdef signalbox\n')).toBe(true);
    for (const [cmd, c] of Object.entries(COMPLETIONS)) {
      expect(r.out).toContain(`    ${cmd}) opts=(`);
      for (const o of c.options) expect(r.out).toContain(o);
    }
  });

  it('knows every command and every option the usages name', () => {
    const usages: Record<string, string> = { start: START_USAGE, decode: DECODE_USAGE, encode: ENCODE_USAGE, bench: BENCH_USAGE, lab: LAB_USAGE, ...Object.fromEntries(CLIENT_COMMANDS.map((c) => [c, commandUsage(c)])) };
    for (const [cmd, usage] of Object.entries(usages)) {
      const named = [...new Set([...usage.matchAll(/(?<![\w-])(--[a-z][a-z0-9-]*)/g)].map((m) => m[1]!))];
      expect({ cmd, missing: named.filter((o) => !COMPLETIONS[cmd]!.options.includes(o)) }).toEqual({ cmd, missing: [] });
    }
  });

  it('refuses another shell, naming it', async () => {
    const r = await run(['completion', 'fish']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/expected bash or zsh, got "fish"/);
  });
});
