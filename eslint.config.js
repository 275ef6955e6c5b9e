// Lint rules: the recommended sets, with type-aware checks kept cheap enough to run in `npm test`,
// and the layer boundaries of docs/architecture.md (who may import whom, who may end the process).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * A `no-restricted-imports` pattern forbidding imports of `targets` (paths below src/ without
 * extension: a folder, a file, or an alternation such as `openflow/(session|server|datapath)`).
 * The rule sees the raw specifier, so the target is matched after a run of `../` (from a file in
 * a folder of src/) or after `./` (`top`, from a file directly in src/).
 */
function forbidSrc(targets, message, { top = false, allowTypeImports = false } = {}) {
  const prefix = top ? '^\\./' : '^(?:\\.\\./)+';
  return { regex: `${prefix}(?:${targets.join('|')})(?:/|\\.js$|$)`, message, allowTypeImports };
}

/** A pattern forbidding packages and built-ins by name (`node:net`, `fastify`, `@fastify/*`...). */
function forbidPackages(regex, message) {
  return { regex, message };
}

const SEE = 'See docs/architecture.md.';
/** The composition roots and the tools built on them: nothing in a library layer imports these. */
const ROOTS = ['controller', 'runtime', 'cli', 'lab', 'loadgen'];
const rootsMessage = `A library layer does not import the composition roots (controller.ts, runtime.ts) or the CLI, lab and load generator built on them. ${SEE}`;
const apiMessage = `Nothing below src/api imports it: only runtime.ts and the CLI compose the API. ${SEE}`;

/**
 * One entry per layer: the files it covers (disjoint, so each file gets exactly one
 * `no-restricted-imports` configuration) and what they must not import.
 */
const layers = [
  {
    name: 'core',
    files: ['src/core/**/*.ts'],
    patterns: [
      forbidSrc(['(?!core/|openflow/codec/)[^/]+'], `src/core is the contract layer: it imports nothing from other src folders. ${SEE}`),
      forbidSrc(['openflow/codec'], `src/core may use the codec's types (import type) but no codec code. ${SEE}`, { allowTypeImports: true }),
    ],
  },
  {
    name: 'codec (top level)',
    files: ['src/openflow/codec/*.ts'],
    patterns: [
      {
        regex: '^(?!\\./|\\.\\./\\.\\./core/(?:ids|addr)\\.js$|node:buffer$)',
        message: `The codec imports only itself, src/core/ids and src/core/addr (and node:buffer): no sockets, no sessions, no other package. ${SEE}`,
      },
    ],
  },
  {
    name: 'codec (version folders)',
    files: ['src/openflow/codec/*/**/*.ts'],
    patterns: [
      {
        regex: '^(?!\\./|\\.\\./(?!\\.\\./)|\\.\\./\\.\\./\\.\\./core/(?:ids|addr)\\.js$|node:buffer$)',
        message: `The codec imports only itself, src/core/ids and src/core/addr (and node:buffer): no sockets, no sessions, no other package. ${SEE}`,
      },
    ],
  },
  {
    name: 'openflow',
    files: ['src/openflow/**/*.ts'],
    ignores: ['src/openflow/codec/**'],
    patterns: [
      forbidSrc(['topology', 'flows', 'apps', 'store', 'cluster'], `src/openflow is the southbound side: it knows nothing of topology, flows, apps, store or cluster. ${SEE}`),
      forbidSrc(['api'], apiMessage),
      forbidSrc(ROOTS, rootsMessage),
    ],
  },
  {
    name: 'packet',
    files: ['src/packet/**/*.ts'],
    patterns: [forbidSrc(['(?!core/|packet/)[^/]+'], `src/packet (data-plane packets) imports nothing from src but src/core. ${SEE}`)],
  },
  {
    name: 'topology',
    files: ['src/topology/**/*.ts'],
    patterns: [
      forbidSrc(['apps', 'cluster'], `src/topology does not depend on the apps or the cluster: they depend on it. ${SEE}`),
      forbidSrc(['openflow/(?:session|datapath)'], `src/topology reaches switches through the device view and the packet service, never a Session or a Datapath. ${SEE}`),
      forbidSrc(['api'], apiMessage),
      forbidSrc(ROOTS, rootsMessage),
    ],
  },
  {
    name: 'flows',
    files: ['src/flows/**/*.ts'],
    patterns: [
      forbidSrc(['apps', 'cluster'], `src/flows does not depend on the apps or the cluster: they depend on it. ${SEE}`),
      forbidSrc(['api'], apiMessage),
      forbidSrc(ROOTS, rootsMessage),
    ],
  },
  {
    name: 'apps',
    files: ['src/apps/**/*.ts'],
    patterns: [
      forbidSrc(['openflow/(?:session|server|datapath)'], `Apps reach switches only through the services they are given, never a Session, the server or a Datapath. ${SEE}`),
      forbidSrc(['cluster'], `Apps do not import the cluster: mastership is the services' business. ${SEE}`),
      forbidSrc(['api'], apiMessage),
      forbidSrc(ROOTS, rootsMessage),
      forbidPackages('^(?:node:)?(?:net|tls|dgram|http|https|http2)$|^(?:fastify|ws|etcd3|level)$|^@fastify/', `Apps open no sockets and use no server, database or cluster package: they are given services. ${SEE}`),
    ],
  },
  {
    name: 'store',
    files: ['src/store/**/*.ts'],
    patterns: [forbidSrc(['(?!core/|store/)[^/]+'], `src/store imports nothing from src but src/core. ${SEE}`)],
  },
  {
    name: 'cluster',
    files: ['src/cluster/**/*.ts'],
    patterns: [
      forbidSrc(['apps'], `src/cluster does not depend on the apps. ${SEE}`),
      forbidSrc(['api'], apiMessage),
      forbidSrc(ROOTS, rootsMessage),
    ],
  },
  {
    name: 'api',
    files: ['src/api/**/*.ts'],
    patterns: [
      forbidSrc(['openflow/(?:session|datapath|server)'], `The API uses the services; it never touches a Session or writes to a Datapath. ${SEE}`),
      forbidSrc(ROOTS, rootsMessage),
    ],
  },
  {
    name: 'loadgen',
    files: ['src/loadgen/**/*.ts'],
    patterns: [
      forbidSrc(['(?!core/|openflow/codec/|loadgen/)[^/]+'], `The load generator is a switch: it imports only the codec and src/core, never the controller. ${SEE}`),
    ],
  },
  {
    name: 'lab',
    files: ['src/lab/**/*.ts'],
    patterns: [forbidSrc(['api', 'cli', 'runtime'], `src/lab starts controllers for labs and benchmarks; the CLI and runtime.ts sit above it. ${SEE}`)],
  },
  {
    name: 'top-level modules',
    files: ['src/*.ts'],
    ignores: ['src/runtime.ts', 'src/cli.ts'],
    patterns: [forbidSrc(['api', 'cli', 'lab', 'loadgen', 'runtime'], `Only runtime.ts and the CLI compose the API and the tools. ${SEE}`, { top: true })],
  },
  {
    // The console talks to the controller only through the public API; the one piece of src/ it
    // bundles is the pure list of event names, so the two never disagree.
    name: 'web console',
    files: ['web/**/*.ts', 'web/**/*.tsx'],
    patterns: [
      {
        regex: '^(?:\\.\\./)+src/(?!core/event-names\\.js$)',
        message: `The web console imports nothing from src/ but the pure src/core/event-names.ts: it reads the controller through the REST API and the event stream. ${SEE}`,
      },
    ],
  },
  {
    name: 'runtime',
    files: ['src/runtime.ts'],
    patterns: [forbidSrc(['cli', 'lab', 'loadgen'], `runtime.ts composes the controller and the API; the CLI sits above it. ${SEE}`, { top: true })],
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['bin/**', '**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },

  // Layer boundaries (docs/architecture.md). test/unit/lint-boundaries.test.ts proves each one bites.
  ...layers.map(({ name, files, ignores, patterns }) => ({
    name: `boundaries/${name}`,
    files,
    ...(ignores ? { ignores } : {}),
    rules: { 'no-restricted-imports': ['error', { patterns }] },
  })),
  {
    // Only bin/ and src/cli end the process; everything else returns or throws to them.
    name: 'boundaries/process-exit',
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**', 'src/cli.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        ...['exit', 'exitCode', 'abort', 'kill'].map((property) => ({
          object: 'process',
          property,
          message: `Only bin/ and src/cli end the process (or signal one): return an error or a code to the CLI; signal a child through its ChildProcess. ${SEE}`,
        })),
      ],
    },
  },
  {
    // Time is injected (issue #12 §4): services, sessions, apps and the cluster take a Clock
    // (src/core/clock.ts), so tests drive a manual one. Only the real clock and the CLI entry read
    // the runtime's time or timers. setImmediate/queueMicrotask/nextTick are not time and stay.
    name: 'clock/injected-time',
    files: ['src/**/*.ts'],
    ignores: ['src/core/clock.ts', 'src/cli/**', 'src/cli.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        ...['setTimeout', 'setInterval', 'clearTimeout', 'clearInterval'].map((name) => ({
          name,
          message: 'Take a Clock (src/core/clock.ts) and use clock.after/clock.every (or delay(clock, ms)): tests drive time with test/fakes/manual-clock.ts.',
        })),
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='Date'][property.name='now']",
          message: 'Read time from an injected Clock (clock.now()), not Date.now().',
        },
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'Read time from an injected Clock: new Date(clock.now()), not new Date().',
        },
      ],
    },
  },
);
