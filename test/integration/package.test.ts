/**
 * docs/apps.md's "Write, build and load an app", done as a user does it: `npm pack` the project,
 * run the guide's shell blocks in a fresh directory (installing the tarball instead of the
 * registry's package), save its files, build, start the installed `signalbox` with the app, and
 * see the app run: listed as running by the API and installing its drop flow on a real OVS bridge.
 * Then every ```ts block of docs/ is typechecked against the installed package.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appGuideBlocks, docBlocks, ROOT, type DocBlock } from '../harness/docs.js';
import { freePort } from '../harness/exec.js';
import { cleanupAll, createBridge, ensureOvs, waitFor } from '../harness/ovs.js';

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
/** What `npm pack` copies from: the sources and the files the build reads (tsconfig.build.json's includes and what they import). */
const PACK_INPUTS = ['package.json', 'package-lock.json', 'README.md', 'tsconfig.json', 'tsconfig.build.json', 'bin', 'src', 'bench', 'examples', 'test', 'web', 'scripts'];

/** The environment of the user's commands: ours without npm's per-run settings (we may run under `npm test`) or Signalbox's. */
const userEnv: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|SIGNALBOX_)/i.test(k)));

/** Runs one shell line as the user would, in `cwd`; rejects naming the line, with its output, on failure. */
function sh(line: string, cwd: string, timeoutMs = 240_000): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile('bash', ['-c', line], { cwd, env: userEnv, timeout: timeoutMs, maxBuffer: 64 << 20, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`\`${line}\` in ${cwd} failed (${err.message.split('\n')[0]}):\n${stdout}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

/** The guide's `npm install` lines with the tarball for the package name and the local cache first; the rest as written. */
function localInstall(line: string, tarball: string): string {
  if (!line.startsWith('npm install')) return line;
  const args = line.slice('npm install'.length).trim().split(/\s+/).map((a) => (a === 'signalbox' ? tarball : a));
  return ['npm install --no-audit --no-fund --prefer-offline', ...args].join(' ');
}

/** Shell lines of a block, without blank lines and comments. */
function shLines(b: DocBlock): string[] {
  return b.text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

let tmp: string;
let tarball: string;
let appDir: string;
let controller: ChildProcess | undefined;
let controllerOut = '';
let apiPort: number;
let ofPort: number;
const guide = appGuideBlocks();
const shBlocks = guide.filter((b) => b.lang === 'sh');

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'sbx-package-'));
  // Pack from a copy, so the build `npm pack` runs (the `prepare` script) never rewrites this checkout's dist/ under other tests.
  const src = join(tmp, 'checkout');
  for (const f of PACK_INPUTS) cpSync(join(ROOT, f), join(src, f), { recursive: true, filter: (p) => !p.includes('node_modules') });
  symlinkSync(join(ROOT, 'node_modules'), join(src, 'node_modules'));
  await sh(`npm pack --pack-destination ${JSON.stringify(tmp)}`, src, 360_000);
  const packed = readdirSync(tmp).filter((f) => f.endsWith('.tgz'));
  expect(packed).toEqual([`signalbox-${VERSION}.tgz`]);
  tarball = join(tmp, packed[0]!);
}, 420_000);

afterAll(async () => {
  if (controller?.pid !== undefined && controller.exitCode === null) {
    // The command runs under bash and npx: end the process group we started, by its id.
    const proc = controller;
    process.kill(-controller.pid, 'SIGTERM');
    await waitFor(() => proc.exitCode !== null || proc.signalCode !== null, 8_000, 100).catch(() => undefined);
    if (controller.exitCode === null && controller.signalCode === null) process.kill(-controller.pid, 'SIGKILL');
  }
  await cleanupAll();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}, 60_000);

describe('the app guide, from the packed package', () => {
  it('has the steps this test follows: setup, build and start, check', () => {
    expect(shBlocks).toHaveLength(3);
    expect(guide.filter((b) => b.file).map((b) => b.file)).toEqual(['tsconfig.json', 'mac-blocklist.ts', 'signalbox.yaml']);
    // The guide shows the example whole, as it is in the repository (and built and unit-tested there).
    expect(guide.find((b) => b.file === 'mac-blocklist.ts')?.text).toBe(readFileSync(join(ROOT, 'examples/mac-blocklist/index.ts'), 'utf8'));
  });

  it('sets up a directory with the installed package', async () => {
    // Paths are relative to where the user starts: a fresh directory.
    const home = join(tmp, 'user');
    mkdirSync(home);
    let cwd = home;
    for (const line of shLines(shBlocks[0]!)) {
      const cd = /^mkdir (\S+) && cd \1$/.exec(line);
      if (cd) {
        await sh(line, cwd);
        cwd = join(cwd, cd[1]!);
        continue;
      }
      const { stderr } = await sh(localInstall(line, tarball), cwd, 300_000);
      // A consumer's install resolves the dependencies afresh (no overrides, no lock): none may refuse this Node.
      expect(stderr, line).not.toMatch(/EBADENGINE/);
    }
    appDir = cwd;
    const pkg = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as { type?: string; dependencies?: Record<string, string> };
    expect(pkg.type).toBe('module');
    expect(Object.keys(pkg.dependencies ?? {})).toContain('signalbox');
    expect(existsSync(join(appDir, 'node_modules/signalbox/dist/src/index.d.ts'))).toBe(true);
    // The web console ships built.
    expect(existsSync(join(appDir, 'node_modules/signalbox/dist/web/index.html'))).toBe(true);
    // The installed command knows its version.
    expect((await sh('npx signalbox --version', appDir)).stdout).toBe(`signalbox ${VERSION}\n`);
    // Both entries load from the installed package: the codec decodes a HELLO, the app API has its helpers.
    const probe = [
      "const c = await import('signalbox/codec'); const s = await import('signalbox');",
      "console.log(c.decodeMessage(Buffer.from('0400000800000007', 'hex')).type, s.dpidToHex(161n), typeof s.peekEthernet);",
    ].join(' ');
    expect((await sh(`node --input-type=module -e ${JSON.stringify(probe)}`, appDir)).stdout).toBe('hello 00000000000000a1 function\n');
  }, 600_000);

  it('builds the app and runs it: listed as running, its drop flow on a real switch', async () => {
    expect(appDir).toBeDefined();
    for (const b of guide) if (b.file) writeFileSync(join(appDir, b.file), b.text);
    ofPort = await freePort();
    apiPort = await freePort();
    for (const line of shLines(shBlocks[1]!)) {
      if (!/\bsignalbox start\b/.test(line)) {
        await sh(line, appDir, 120_000);
        continue;
      }
      // The guide's command, on free ports and a data directory of our own (flags win over the file).
      const cmd = `${line} --listen 127.0.0.1:${ofPort} --api 127.0.0.1:${apiPort} --data ${JSON.stringify(join(tmp, 'data'))}`;
      controller = spawn('bash', ['-c', cmd], { cwd: appDir, env: userEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      controller.stdout!.on('data', (c: Buffer) => (controllerOut += c.toString()));
      controller.stderr!.on('data', (c: Buffer) => (controllerOut += c.toString()));
    }
    expect(existsSync(join(appDir, 'mac-blocklist.js'))).toBe(true);
    expect(controller).toBeDefined();
    const api = `http://127.0.0.1:${apiPort}`;
    await waitFor(async () => {
      if (controller!.exitCode !== null) throw new Error(`signalbox start exited ${controller!.exitCode}:\n${controllerOut}`);
      return (await fetch(`${api}/readyz`)).ok;
    }, 60_000, 200).catch((e: Error) => {
      throw new Error(`${e.message}\n${controllerOut}`);
    });

    const list = (await (await fetch(`${api}/api/v1/apps`)).json()) as { name: string; state: string }[];
    expect(list.find((a) => a.name === 'mac-blocklist')).toMatchObject({ state: 'running' });

    // The guide's check, against our port.
    for (const line of shLines(shBlocks[2]!)) {
      expect(line).toContain('localhost:8080');
      const out = (await sh(line.replaceAll('localhost:8080', `127.0.0.1:${apiPort}`), appDir, 20_000)).stdout;
      expect(JSON.parse(out)).toMatchObject({ name: 'mac-blocklist', state: 'running' });
    }

    // It acts: a switch that connects gets the drop flow.
    await ensureOvs();
    const br = await createBridge({ protocols: ['OpenFlow13'], controllerPort: ofPort });
    const drop = await waitFor(async () => (await br.dumpFlows()).find((f) => f.match.includes('dl_src=0a:00:00:00:00:66')), 20_000, 100);
    expect(drop).toMatchObject({ priority: 1000, actions: 'drop' });
  }, 180_000);

  it('typechecks every ```ts block of docs/ against the installed package', async () => {
    expect(appDir).toBeDefined();
    const pages = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
    const snippets = pages.flatMap(docBlocks).filter((b) => (b.lang === 'ts' || b.lang === 'typescript') && !b.file);
    expect(snippets.length).toBeGreaterThan(0);
    const dir = join(appDir, 'snippets');
    mkdirSync(dir);
    const names = snippets.map((b) => `${b.page.replace(/\W/g, '_')}_${b.line}.ts`);
    snippets.forEach((b, i) => writeFileSync(join(dir, names[i]!), b.text));
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: '../tsconfig.json', compilerOptions: { noEmit: true }, include: ['*.ts'] }));
    // A failure names each snippet file: docs_apps_md_92.ts is the block at line 92 of docs/apps.md.
    await sh('npx tsc -p snippets', appDir, 120_000);
  }, 180_000);
});
