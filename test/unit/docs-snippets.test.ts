/**
 * Every code block in docs/ is run by a test or is plainly not code. ```ts blocks are typechecked
 * against the installed package and the app guide's shell blocks run by
 * test/integration/package.test.ts; here: YAML blocks are checked as config files, JSON blocks
 * parse, the other shell blocks run against a started Signalbox, and ```text is illustration.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromArgs } from '../../src/cli/start.js';
import { silentLogger } from '../../src/log.js';
import { startSignalbox, type Running } from '../../src/runtime.js';
import { APP_GUIDE_SECTION, docBlocks, ROOT, type DocBlock } from '../harness/docs.js';

const PAGES = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`);
const BLOCKS = PAGES.flatMap(docBlocks);
const where = (b: DocBlock): string => `${b.page}:${b.line}`;

/** What a block's language says about it: how a test runs it, or that it is not code. */
const KINDS: Record<string, string> = {
  ts: 'typechecked against the package (test/integration/package.test.ts)',
  sh: 'run: the app guide by test/integration/package.test.ts, the rest below',
  yaml: 'a config file, checked below',
  json: 'JSON, parsed below',
  text: 'output or illustration, not run',
};

/** The app guide's shell blocks, which test/integration/package.test.ts runs in order. */
const inGuide = (b: DocBlock): boolean => b.page === 'docs/apps.md' && b.section === APP_GUIDE_SECTION;

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'sbx-docs-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('code blocks in docs/', () => {
  it('each says what it is', () => {
    expect(BLOCKS.length).toBeGreaterThan(0);
    const unknown = BLOCKS.filter((b) => !(b.lang in KINDS)).map((b) => `${where(b)}: \`\`\`${b.lang} (use one of ${Object.keys(KINDS).join(', ')}; \`\`\`text for output)`);
    expect(unknown).toEqual([]);
  });

  it('YAML blocks are valid config files', () => {
    for (const [i, b] of BLOCKS.filter((x) => x.lang === 'yaml').entries()) {
      const file = join(tmp, `block-${i}.yaml`);
      writeFileSync(file, b.text);
      expect(() => configFromArgs(['--config', file], {}), where(b)).not.toThrow();
    }
  });

  it('JSON blocks parse', () => {
    for (const b of BLOCKS.filter((x) => x.lang === 'json')) expect(() => JSON.parse(b.text) as unknown, where(b)).not.toThrow();
  });
});

describe('shell blocks outside the app guide, against a started Signalbox', () => {
  let running: Running;
  const shell = BLOCKS.filter((b) => b.lang === 'sh' && !inGuide(b));

  beforeAll(async () => {
    // The documented default API address is replaced by this instance's.
    running = await startSignalbox(configFromArgs(['--listen', '127.0.0.1:0', '--api', '127.0.0.1:0', '--data', join(tmp, 'data'), '--apps', 'acl'], {}), silentLogger);
  });
  afterAll(async () => {
    await running?.stop();
  });

  it('each line runs and succeeds', async () => {
    expect(shell.length).toBeGreaterThan(0);
    const base = running.api.address.replace(/^http:\/\//, '');
    for (const b of shell) {
      for (const line of b.text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))) {
        expect(line, `${where(b)}: only curl lines against localhost:8080 run here`).toMatch(/^curl .*\blocalhost:8080\b/);
        // -f: an HTTP error fails the line.
        const cmd = line.replace(/^curl /, 'curl -sS -f ').replaceAll('localhost:8080', base);
        const out = await new Promise<string>((resolve, reject) =>
          execFile('bash', ['-c', cmd], { timeout: 10_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${where(b)}: ${cmd}: ${stderr || err.message}`)) : resolve(stdout))),
        );
        expect(out, where(b)).toBeDefined();
      }
    }
  });
});
