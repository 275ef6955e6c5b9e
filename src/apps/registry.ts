/** Where apps come from: the built-ins, and external modules named in the config (npm packages or file paths). */
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { aclApp } from './acl/index.js';
import { forwardingApp } from './forwarding/index.js';
import { l2LearningApp } from './l2-learning/index.js';
import { packetInMeterApp } from './packetin-meter/index.js';
import { proxyArpApp } from './proxy-arp/index.js';
import { routerApp } from './router/index.js';
import { staticFlowsApp } from './static-flows/index.js';
import { statsApp } from './stats/index.js';
import type { AppDefinition } from '../core/app.js';

/** The apps that ship with Signalbox. */
export function builtinApps(): AppDefinition[] {
  return [l2LearningApp, forwardingApp, proxyArpApp, aclApp, staticFlowsApp, routerApp, statsApp, packetInMeterApp] as AppDefinition[];
}

function isPath(spec: string): boolean {
  return spec.startsWith('.') || isAbsolute(spec) || spec.startsWith('file:');
}

/** The `import()` target of a module spec: a file URL for paths, the resolved entry for packages (from `baseDir`'s node_modules first). */
export function resolveAppModule(spec: string, baseDir: string): string {
  if (spec.startsWith('file:')) return spec;
  if (isPath(spec)) return pathToFileURL(resolve(baseDir, spec)).href;
  try {
    return pathToFileURL(createRequire(join(baseDir, 'package.json')).resolve(spec)).href;
  } catch {
    // Not under baseDir: let Node resolve it from Signalbox's own node_modules.
    return spec;
  }
}

/**
 * Imports an app module and returns the apps it exports: `default`, `app` or `apps`, each an
 * App, a function returning one, or a list of those. Throws naming the module when it has none.
 */
export async function loadAppModule(spec: string, baseDir = process.cwd()): Promise<AppDefinition[]> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(resolveAppModule(spec, baseDir))) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`apps.modules: cannot load "${spec}": ${(e as Error).message}${moduleKindHint(e as Error)}`);
  }
  // A CommonJS module's `module.exports` arrives as `default` (Node's interop): an exports object
  // that is no app itself (`exports.app = ...`) is looked into as an ES module would be.
  const d = mod.default;
  const cjs = d !== null && typeof d === 'object' && !Array.isArray(d) && !('name' in d) && ('app' in d || 'apps' in d || 'default' in d) ? (d as Record<string, unknown>) : undefined;
  const found = cjs ? (cjs.default ?? cjs.app ?? cjs.apps) : (mod.default ?? mod.app ?? mod.apps);
  const list = Array.isArray(found) ? found : found === undefined ? [] : [found];
  const defs = list.filter((x): x is AppDefinition => typeof x === 'function' || (typeof x === 'object' && x !== null));
  if (defs.length === 0) throw new Error(`apps.modules: "${spec}" exports no app (expected a default export, \`app\` or \`apps\`)`);
  return defs;
}

/**
 * A hint for the usual mix-up of module kinds in a plain `npm init` project (no `"type"` in its
 * package.json, so `.js` files are CommonJS): an app written with `import`/`export` in such a
 * file, or CommonJS `require`/`module.exports` in a `"type": "module"` package.
 */
export function moduleKindHint(e: Error): string {
  const m = e.message;
  if (/Cannot use import statement outside a module|Unexpected token 'export'/.test(m)) {
    return ' (the file uses import/export but Node loads it as CommonJS: add "type": "module" to the package.json beside it, `npm pkg set type=module`, or name it .mjs; docs/apps.md)';
  }
  if (/(require|module|exports) is not defined in ES module scope/.test(m)) {
    return ' (the file is CommonJS, require/module.exports, but its package.json says "type": "module": write it with import/export (docs/apps.md), or name it .cjs)';
  }
  return '';
}
