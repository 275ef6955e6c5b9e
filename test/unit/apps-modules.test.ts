/** App modules as a plain `npm init` project writes them: paths in a config file resolve from that file, CommonJS exports load, and the usual module-kind mix-ups get a message that says what to do. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAppModule, moduleKindHint } from '../../src/apps/registry.js';
import { loadConfig } from '../../src/config-file.js';

const dir = mkdtempSync(join(tmpdir(), 'sbx-appmods-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A project directory with a package.json (`type` as given) and files. */
function project(name: string, type: 'module' | undefined, files: Record<string, string>): string {
  const p = join(dir, name);
  mkdirSync(p, { recursive: true });
  writeFileSync(join(p, 'package.json'), JSON.stringify({ name, version: '1.0.0', ...(type ? { type } : {}) }));
  for (const [f, text] of Object.entries(files)) writeFileSync(join(p, f), text);
  return p;
}

describe('app modules', () => {
  it('module paths in a config file resolve from the file\'s directory, wherever the controller starts; npm names stay', async () => {
    const p = project('rel', 'module', { 'my-app.js': "export default { name: 'my-app', description: 'x', start() {} };\n" });
    mkdirSync(join(p, 'conf'));
    writeFileSync(join(p, 'conf', 'signalbox.yaml'), "apps:\n  modules: ['../my-app.js', 'some-package']\n");
    const cfg = loadConfig({ file: join(p, 'conf', 'signalbox.yaml') });
    expect(cfg.apps.modules).toEqual([join(p, 'my-app.js'), 'some-package']);
    // Loaded from elsewhere (the working directory plays no part).
    const defs = await loadAppModule(cfg.apps.modules[0]!, dir);
    expect(defs).toHaveLength(1);
    // Paths from the command line stay relative to the working directory.
    expect(loadConfig({ flags: { apps: { modules: ['./x.js'] } } }).apps.modules).toEqual(['./x.js']);
  });

  it('a CommonJS module loads: module.exports = app, and exports.app = app', async () => {
    const p = project('cjs', undefined, {
      'whole.js': "module.exports = { name: 'whole', description: 'x', start() {} };\n",
      'named.js': "exports.app = { name: 'named', description: 'x', start() {} };\n",
    });
    expect(((await loadAppModule('./whole.js', p))[0] as { name: string }).name).toBe('whole');
    expect(((await loadAppModule('./named.js', p))[0] as { name: string }).name).toBe('named');
  });

  it('import/export in a package that is not "type": "module", or require in one that is, says what to do (Node\'s own errors)', async () => {
    /** What Node itself says importing the file (vitest's loader is more forgiving than Node's). */
    const nodeError = (file: string): string => {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', `import(${JSON.stringify(pathToFileURL(file).href)}).then(() => console.log('loaded'), (e) => console.log(e.message))`], { encoding: 'utf8' });
      return r.stdout.trim();
    };
    const cjsPkg = project('esm-in-cjs', undefined, { 'app.js': "import { readFileSync } from 'node:fs';\nexport default { name: 'a', description: String(typeof readFileSync), start() {} };\n" });
    const esmInCjs = nodeError(join(cjsPkg, 'app.js'));
    // Node 22.7+ detects ES module syntax and loads it; Node 20 refuses, and then the hint says how to fix it.
    if (esmInCjs !== 'loaded') expect(moduleKindHint(new Error(esmInCjs))).toMatch(/uses import\/export but Node loads it as CommonJS: add "type": "module".*npm pkg set type=module/);
    const esmPkg = project('cjs-in-esm', 'module', { 'app.js': "const fs = require('node:fs');\nmodule.exports = { name: 'b', description: String(typeof fs), start() {} };\n" });
    const cjsInEsm = nodeError(join(esmPkg, 'app.js'));
    expect(cjsInEsm).not.toBe('loaded');
    expect(moduleKindHint(new Error(cjsInEsm))).toMatch(/the file is CommonJS, require\/module\.exports, but its package\.json says "type": "module".*\.cjs/);
    expect(moduleKindHint(new Error('Cannot find module x'))).toBe('');
  });
});
