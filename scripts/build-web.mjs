// Builds the web console (web/src) into dist/web with esbuild: hashed, minified assets, an
// index.html without inline script, gzip twins the API serves, and a size check on first load.
import { mkdirSync, readFileSync, rmSync, writeFileSync, copyFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The JS and CSS a browser loads first, gzipped, must stay under this (issue #15). */
const FIRST_LOAD_LIMIT_BYTES = 300 * 1024;

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'web', 'src');
const out = join(root, 'dist', 'web');

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });

const result = await build({
  entryPoints: [join(src, 'main.tsx')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['chrome110', 'firefox110', 'safari16'],
  outdir: join(out, 'assets'),
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});

const outputs = Object.keys(result.metafile.outputs).map((p) => p.slice(p.lastIndexOf('/') + 1));
const script = outputs.find((f) => f.endsWith('.js'));
const style = outputs.find((f) => f.endsWith('.css'));
if (!script || !style) throw new Error(`build-web: expected one .js and one .css output, got ${outputs.join(', ')}`);

const html = readFileSync(join(src, 'index.html'), 'utf8').replace('%SCRIPT%', script).replace('%STYLE%', style);
writeFileSync(join(out, 'index.html'), html);
copyFileSync(join(src, 'favicon.svg'), join(out, 'favicon.svg'));

// Gzip twins for everything text, so the API can send them as they are.
let firstLoadGzip = 0;
const sizes = {};
const zip = (rel) => {
  const body = readFileSync(join(out, rel));
  const gz = gzipSync(body, { level: 9 });
  writeFileSync(join(out, `${rel}.gz`), gz);
  sizes[rel] = { bytes: body.length, gzipBytes: gz.length };
  return gz.length;
};
for (const f of readdirSync(join(out, 'assets'))) {
  const n = zip(`assets/${f}`);
  if (f === script || f === style) firstLoadGzip += n;
}
firstLoadGzip += zip('index.html');
zip('favicon.svg');

writeFileSync(join(out, 'manifest.json'), `${JSON.stringify({ script, style, firstLoadGzipBytes: firstLoadGzip, limitBytes: FIRST_LOAD_LIMIT_BYTES, files: sizes }, null, 2)}\n`);
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`build-web: dist/web written; first load ${kb(firstLoadGzip)} gzipped (limit ${kb(FIRST_LOAD_LIMIT_BYTES)})`);
if (firstLoadGzip > FIRST_LOAD_LIMIT_BYTES) {
  console.error(`build-web: first load is ${kb(firstLoadGzip)} gzipped, above the ${kb(FIRST_LOAD_LIMIT_BYTES)} budget`);
  process.exit(1);
}
