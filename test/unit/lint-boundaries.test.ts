/**
 * Proves the layer boundaries of docs/architecture.md bite: the repository's own ESLint config,
 * run on small files placed (virtually) in each layer, rejects each forbidden import and each
 * process exit outside the CLI, and accepts the imports each layer is allowed.
 */
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A file that does not exist in the tree, linted as if it stood at `filePath`. */
interface Case {
  readonly filePath: string;
  readonly code: string;
}

let eslint: ESLint;

/** The rule ids of every message the config gives `c`, errors and warnings apart. */
async function lint(c: Case): Promise<{ errors: string[]; warnings: string[] }> {
  const [result] = await eslint.lintText(c.code, { filePath: `${ROOT}${c.filePath}` });
  const messages = result?.messages ?? [];
  return {
    errors: messages.filter((m) => m.severity === 2).map((m) => m.ruleId ?? `(fatal) ${m.message}`),
    warnings: messages.filter((m) => m.severity === 1).map((m) => m.ruleId ?? `(fatal) ${m.message}`),
  };
}

/** A module importing `specifier` and using what it imported (so only the boundary can complain). */
function importing(specifier: string, { typeOnly = false } = {}): string {
  return typeOnly ? `import type * as m from '${specifier}';\nexport type T = typeof m;\n` : `import * as m from '${specifier}';\nexport const used = m;\n`;
}

beforeAll(() => {
  eslint = new ESLint({ cwd: ROOT });
}, 60_000);

describe('layer boundaries (eslint no-restricted-imports)', () => {
  const violations: [string, Case][] = [
    ['an app importing the Datapath', { filePath: 'src/apps/demo/index.ts', code: importing('../../openflow/datapath.js') }],
    ['an app file at the top of src/apps importing a Session', { filePath: 'src/apps/demo-helper.ts', code: importing('../openflow/session.js') }],
    ['an app importing the OpenFlow server', { filePath: 'src/apps/demo/logic.ts', code: importing('../../openflow/server.js') }],
    ['an app importing the API', { filePath: 'src/apps/demo/index.ts', code: importing('../../api/index.js') }],
    ['an app importing node:net', { filePath: 'src/apps/demo/index.ts', code: importing('node:net') }],
    ['an app importing tls', { filePath: 'src/apps/demo/index.ts', code: importing('tls') }],
    ['an app importing fastify', { filePath: 'src/apps/demo/index.ts', code: importing('fastify') }],
    ['an app importing the controller', { filePath: 'src/apps/demo/index.ts', code: importing('../../controller.js') }],
    ['the codec importing node:net', { filePath: 'src/openflow/codec/v13/demo.ts', code: importing('node:net') }],
    ['the codec importing node:tls at its top level', { filePath: 'src/openflow/codec/demo.ts', code: importing('node:tls') }],
    ['the codec importing the session (top level)', { filePath: 'src/openflow/codec/demo.ts', code: importing('../session.js') }],
    ['the codec importing the Datapath (version folder)', { filePath: 'src/openflow/codec/v10/demo.ts', code: importing('../../datapath.js') }],
    ['the codec importing the packet library', { filePath: 'src/openflow/codec/v13/demo.ts', code: importing('../../../packet/index.js') }],
    ['the codec importing a package', { filePath: 'src/openflow/codec/v13/demo.ts', code: importing('pino') }],
    ['topology importing the API', { filePath: 'src/topology/demo.ts', code: importing('../api/index.js') }],
    ['topology importing the Datapath', { filePath: 'src/topology/demo.ts', code: importing('../openflow/datapath.js') }],
    ['topology importing a Session (types only)', { filePath: 'src/topology/demo.ts', code: importing('../openflow/session.js', { typeOnly: true }) }],
    ['flows importing the API', { filePath: 'src/flows/demo.ts', code: importing('../api/routes/switches.js') }],
    ['the API importing a Session', { filePath: 'src/api/routes/demo.ts', code: importing('../../openflow/session.js') }],
    ['the API importing the Datapath', { filePath: 'src/api/demo.ts', code: importing('../openflow/datapath.js') }],
    ['the store importing the API', { filePath: 'src/store/demo.ts', code: importing('../api/index.js') }],
    ['the cluster importing the API', { filePath: 'src/cluster/demo.ts', code: importing('../api/index.js') }],
    ['openflow importing the API', { filePath: 'src/openflow/demo.ts', code: importing('../api/index.js') }],
    ['controller.ts importing the API', { filePath: 'src/controller.ts', code: importing('./api/index.js') }],
    ['core importing the Datapath', { filePath: 'src/core/demo.ts', code: importing('../openflow/datapath.js') }],
    ['core importing the codec for its code', { filePath: 'src/core/demo.ts', code: importing('../openflow/codec/index.js') }],
    ['the packet library importing the codec', { filePath: 'src/packet/demo.ts', code: importing('../openflow/codec/index.js') }],
    ['the load generator importing the controller', { filePath: 'src/loadgen/demo.ts', code: importing('../controller.js') }],
    ['the web console importing the event bus', { filePath: 'web/src/demo.ts', code: importing('../../src/core/events.js') }],
    ['a web console view importing the API', { filePath: 'web/src/views/demo.tsx', code: importing('../../../src/api/websocket.js') }],
  ];

  it.each(violations)('rejects %s', async (_name, c) => {
    const { errors } = await lint(c);
    expect(errors).toContain('no-restricted-imports');
  });

  const allowed: [string, Case][] = [
    ['an app importing core, packet, flows and the codec', { filePath: 'src/apps/demo/index.ts', code: `${importing('../../core/ids.js')}import * as p from '../../packet/index.js';\nimport * as c from '../../openflow/codec/constants.js';\nexport const more = [p, c];\n` }],
    ['an app importing its own files', { filePath: 'src/apps/demo/index.ts', code: importing('./logic.js') }],
    ['the codec importing itself and core ids', { filePath: 'src/openflow/codec/v13/demo.ts', code: `${importing('../reader.js')}import * as ids from '../../../core/ids.js';\nimport * as b from 'node:buffer';\nexport const more = [ids, b];\n` }],
    ['the codec top level importing core addr', { filePath: 'src/openflow/codec/demo.ts', code: importing('../../core/addr.js') }],
    ['a session importing the codec', { filePath: 'src/openflow/demo.ts', code: importing('./codec/index.js') }],
    ['core importing codec types', { filePath: 'src/core/demo.ts', code: importing('../openflow/codec/index.js', { typeOnly: true }) }],
    ['runtime.ts importing the API', { filePath: 'src/runtime.ts', code: importing('./api/index.js') }],
    ['the CLI importing anything', { filePath: 'src/cli/demo.ts', code: importing('../runtime.js') }],
    ['the web console importing the pure event names', { filePath: 'web/src/demo.ts', code: importing('../../src/core/event-names.js') }],
    ['a test importing the Datapath', { filePath: 'test/unit/demo.test.ts', code: importing('../../src/openflow/datapath.js') }],
  ];

  it.each(allowed)('accepts %s', async (_name, c) => {
    expect(await lint(c)).toEqual({ errors: [], warnings: [] });
  });
});

describe('only bin/ and src/cli end the process (eslint no-restricted-properties)', () => {
  it.each([
    ['src/topology/demo.ts', 'export function stop(): void {\n  process.exit(1);\n}\n'],
    ['src/lab/demo.ts', 'export function stop(): void {\n  process.exitCode = 2;\n}\n'],
    ['src/apps/demo/index.ts', 'export function stop(pid: number): void {\n  process.kill(pid);\n}\n'],
  ])('rejects %s', async (filePath, code) => {
    const { errors } = await lint({ filePath, code });
    expect(errors).toContain('no-restricted-properties');
  });

  it('lets the CLI end the process', async () => {
    expect(await lint({ filePath: 'src/cli/demo.ts', code: 'export function stop(): void {\n  process.exit(1);\n}\n' })).toEqual({ errors: [], warnings: [] });
  });
});

describe('time is injected (eslint clock/injected-time)', () => {
  const timers = 'export function later(fn: () => void): () => void {\n  const t = setTimeout(fn, 10);\n  const i = setInterval(fn, 10);\n  return () => {\n    clearTimeout(t);\n    clearInterval(i);\n  };\n}\n';
  const wallClock = 'export function stamp(): number[] {\n  return [Date.now(), new Date().getTime()];\n}\n';

  it.each([
    ['src/topology/demo.ts', 'export function later(fn: () => void): void {\n  setTimeout(fn, 10);\n}\n'],
    ['src/flows/demo.ts', 'export function tick(fn: () => void): void {\n  setInterval(fn, 10);\n}\n'],
    ['src/apps/demo/index.ts', timers],
  ])('rejects timers in %s', async (filePath, code) => {
    const { errors } = await lint({ filePath, code });
    expect(errors).toContain('no-restricted-globals');
  });

  it('names every timer call, not just the first', async () => {
    const { errors } = await lint({ filePath: 'src/cluster/demo.ts', code: timers });
    expect(errors.filter((e) => e === 'no-restricted-globals')).toHaveLength(4);
  });

  it.each([
    ['Date.now()', 'src/topology/demo.ts', 'export function stamp(): number {\n  return Date.now();\n}\n'],
    ['new Date()', 'src/api/demo.ts', 'export function stamp(): string {\n  return new Date().toISOString();\n}\n'],
  ])('rejects %s in %s', async (_what, filePath, code) => {
    const { errors } = await lint({ filePath, code });
    expect(errors).toContain('no-restricted-syntax');
  });

  it('accepts time read from an injected Clock, and new Date(ms) of a given time', async () => {
    const code = "import type { Clock } from '../core/clock.js';\nexport function stamp(clock: Clock): string {\n  clock.after(10, () => undefined);\n  return new Date(clock.now()).toISOString();\n}\n";
    expect(await lint({ filePath: 'src/topology/demo.ts', code })).toEqual({ errors: [], warnings: [] });
  });

  it.each([
    ['the real clock', 'src/core/clock.ts'],
    ['a CLI command', 'src/cli/demo.ts'],
    ['the CLI entry', 'src/cli.ts'],
    ['a test', 'test/unit/demo.test.ts'],
  ])('lets %s read the runtime time and timers', async (_name, filePath) => {
    for (const code of [timers, wallClock]) expect(await lint({ filePath, code })).toEqual({ errors: [], warnings: [] });
  });
});
