// Builds the batched socket I/O module (native/batch_io.c) with node-gyp at install time. It is
// optional: without a compiler (or off Linux) Signalbox reads and writes through Node's sockets,
// so a failed build warns and the install goes on.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const NO = '\nsignalbox: the batched socket I/O module was not built; OpenFlow sessions will use Node sockets (openflow.batchIo has no effect).\n';

if (process.platform !== 'linux') process.exit(0);
if (process.env.SIGNALBOX_SKIP_NATIVE === '1') {
  console.warn(NO);
  process.exit(0);
}

/** node-gyp as npm runs it for install scripts, or the copy bundled with npm. */
function nodeGyp() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return fromNpm;
  const npmDir = path.resolve(path.dirname(process.execPath), '../lib/node_modules/npm');
  const bundled = path.join(npmDir, 'node_modules/node-gyp/bin/node-gyp.js');
  if (existsSync(bundled)) return bundled;
  try {
    return createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    return undefined;
  }
}

const gyp = nodeGyp();
if (gyp === undefined) {
  console.warn(`${NO}(node-gyp not found)`);
  process.exit(0);
}
const args = [gyp, 'rebuild'];
// Node's own headers, where the distribution installed them beside the binary (Debian: /usr/include/node),
// so that node-gyp need not download them.
const prefix = path.resolve(path.dirname(process.execPath), '..');
if (!process.env.npm_config_nodedir && existsSync(path.join(prefix, 'include/node/node_api.h'))) args.push(`--nodedir=${prefix}`);
const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
if (r.status !== 0) {
  console.warn(`${NO}${(r.stderr ?? '').split('\n').slice(-12).join('\n')}`);
}
process.exit(0);
