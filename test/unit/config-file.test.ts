import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, configFromEnv, configKeys, envName, flagsFromArgs, loadConfig } from '../../src/config-file.js';
import { defaultConfig } from '../../src/config.js';

const dir = mkdtempSync(join(tmpdir(), 'sbx-config-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function err(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('gives the defaults with no sources', () => {
    expect(loadConfig()).toEqual(defaultConfig);
  });

  it('applies file, then environment, then flags (later wins), merging sections key by key', () => {
    const f = file('a.yaml', 'api:\n  listen: 0.0.0.0:9090\n  tokens:\n    - { name: ops, token: abcdefghijklmnopqrstu, scope: admin }\nopenflow:\n  echoIntervalMs: 100\n  handshakeTimeoutMs: 7000\nlogLevel: warn\n');
    const c = loadConfig({
      file: f,
      env: { SIGNALBOX_OPENFLOW_ECHO_INTERVAL_MS: '200', SIGNALBOX_DATA_DIR: '/srv/sbx', SIGNALBOX_LOG_LEVEL: 'error', PATH: '/bin' },
      flags: { logLevel: 'debug' },
    });
    expect(c.api.listen).toBe('0.0.0.0:9090');
    expect(c.api.tokens).toEqual([{ name: 'ops', token: 'abcdefghijklmnopqrstu', scope: 'admin' }]);
    expect(c.api.bodyLimitBytes).toBe(defaultConfig.api.bodyLimitBytes); // section merged, not replaced
    expect(c.openflow.echoIntervalMs).toBe(200); // env beats file
    expect(c.openflow.handshakeTimeoutMs).toBe(7000); // file beats default
    expect(c.openflow.listen).toEqual(defaultConfig.openflow.listen);
    expect(c.dataDir).toBe('/srv/sbx');
    expect(c.logLevel).toBe('debug'); // flag beats env and file
  });

  it('reads JSON files too, and SIGNALBOX_CONFIG names the file', () => {
    const f = file('b.json', JSON.stringify({ openflow: { versions: [4] }, topology: { linkWeights: { '0000000000000001:2': 5 } } }));
    const c = loadConfig({ env: { SIGNALBOX_CONFIG: f } });
    expect(c.openflow.versions).toEqual([4]);
    expect(c.topology.linkWeights).toEqual({ '0000000000000001:2': 5 });
  });

  it('parses environment lists, booleans and JSON values', () => {
    const p = configFromEnv({
      SIGNALBOX_OPENFLOW_LISTEN: '0.0.0.0:6653, 0.0.0.0:6633',
      SIGNALBOX_OPENFLOW_TLS_VERIFY_PEER: 'false',
      SIGNALBOX_API_TOKENS: '[{"name":"r","token":"0123456789abcdef","scope":"read"}]',
      SIGNALBOX_API_CORS_ORIGINS: 'https://a.example,https://b.example',
      SIGNALBOX_OPENFLOW_VERSIONS: '4,1',
    });
    expect(p).toEqual({
      openflow: { listen: ['0.0.0.0:6653', '0.0.0.0:6633'], tls: { verifyPeer: false }, versions: [4, 1] },
      api: { tokens: [{ name: 'r', token: '0123456789abcdef', scope: 'read' }], corsOrigins: ['https://a.example', 'https://b.example'] },
    });
  });

  it('warns about unknown SIGNALBOX_ variables but not the client and benchmark ones', () => {
    const warnings: string[] = [];
    loadConfig({ env: { SIGNALBOX_FOO: '1', SIGNALBOX_URL: 'http://x', SIGNALBOX_TOKEN: 't', SIGNALBOX_BENCH_MS: '5' }, onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual(['ignoring environment variable SIGNALBOX_FOO: no such setting']);
  });

  it('names the key and the source of a bad value', () => {
    let e = err(() => loadConfig({ env: { SIGNALBOX_OPENFLOW_ECHO_INTERVAL_MS: 'soon' } }));
    expect(e.key).toBe('openflow.echoIntervalMs');
    expect(e.message).toBe('environment SIGNALBOX_OPENFLOW_ECHO_INTERVAL_MS: openflow.echoIntervalMs: expected an integer, got "soon"');

    const f = file('c.yaml', 'api:\n  tokens:\n    - { name: a, token: short, scope: admin }\n');
    e = err(() => loadConfig({ file: f }));
    expect(e.key).toBe('api.tokens[0].token');
    expect(e.message).toContain(`config file ${f}`);

    e = err(() => loadConfig({ flags: { openflow: { echoIntervalMS: 5 } } as never }));
    expect(e.key).toBe('openflow.echoIntervalMS');
    expect(e.message).toMatch(/unknown setting \(did you mean openflow.echoIntervalMs\?\)/);

    e = err(() => loadConfig({ flags: { openflow: { listen: ['0.0.0.0:6653', 'nope'] } } }));
    expect(e.key).toBe('openflow.listen[1]');

    e = err(() => loadConfig({ flags: { openflow: { versions: [4, 3] } } }));
    expect(e.key).toBe('openflow.versions[1]');

    e = err(() => loadConfig({ flags: { logLevel: 'loud' } }));
    expect(e.key).toBe('logLevel');

    e = err(() => loadConfig({ flags: { topology: { linkWeights: { '1:2': 3 } } } }));
    expect(e.key).toBe('topology.linkWeights');

    e = err(() => loadConfig({ flags: { openflow: { tls: { key: '/k.pem' } } } }));
    expect(e.key).toBe('openflow.tls.cert');
  });

  it('gives the line of a bad value in a config file, and range errors with the bound', () => {
    const f = file('d.yaml', 'openflow:\n  echoIntervalMs: 100\n  handshakeTimeoutMS: 7000\n');
    const e = err(() => loadConfig({ file: f }));
    expect(e.key).toBe('openflow.handshakeTimeoutMS');
    expect(e.line).toBe(3);
    expect(e.message).toBe(`config file ${f}:3: openflow.handshakeTimeoutMS: unknown setting (did you mean openflow.handshakeTimeoutMs?)`);
    const g = file('e.yaml', 'api:\n  tokens:\n    - { name: a, token: 0123456789abcdef, scope: read }\n    - { name: a, token: 0123456789abcdef, scope: root }\n');
    const t = err(() => loadConfig({ file: g }));
    expect([t.key, t.line]).toEqual(['api.tokens[1].scope', 4]);
    expect(err(() => loadConfig({ flags: { api: { bodyLimitBytes: 12 } } })).message).toBe('command line: api.bodyLimitBytes: must be at least 1024, got 12');
  });

  it('checks the cluster section at load, and null unsets an optional key', () => {
    expect(err(() => loadConfig({ flags: { cluster: { leaseTtlSec: 1 } } })).key).toBe('cluster.leaseTtlSec');
    expect(err(() => loadConfig({ flags: { cluster: { demoteMarginMs: 3_000 } } })).key).toBe('cluster.demoteMarginMs');
    expect(err(() => loadConfig({ flags: { cluster: { etcd: { endpoints: ['localhost:2379'] } } } })).key).toBe('cluster.etcd.endpoints[0]');
    const f = file('n.yaml', 'openflow:\n  tls:\n    key: null\n');
    expect(loadConfig({ file: f }).openflow.tls).toEqual(defaultConfig.openflow.tls);
  });

  it('refuses unreadable and malformed files with the path', () => {
    expect(err(() => loadConfig({ file: join(dir, 'missing.yaml') })).message).toMatch(/missing\.yaml: cannot read it: no such file/);
    const f = file('bad.yaml', 'api: [unclosed\n');
    expect(err(() => loadConfig({ file: f })).message).toMatch(/bad\.yaml: not valid YAML or JSON/);
    const g = file('list.yaml', '- a\n- b\n');
    expect(err(() => loadConfig({ file: g })).message).toMatch(/expected an object of settings/);
  });
});

describe('flagsFromArgs', () => {
  it('maps the start flags and --set onto config keys', () => {
    const { flags, file: f } = flagsFromArgs({ listen: '127.0.0.1:6653,127.0.0.1:6633', api: '0.0.0.0:8081', data: '/d', apps: 'l2-learning', 'log-level': 'warn', config: '/c.yaml', set: ['openflow.echoIntervalMs=250', 'api.docs=false'] });
    expect(f).toBe('/c.yaml');
    expect(flags).toEqual({
      openflow: { listen: ['127.0.0.1:6653', '127.0.0.1:6633'], echoIntervalMs: 250 },
      api: { listen: '0.0.0.0:8081', docs: false },
      dataDir: '/d',
      apps: { enabled: ['l2-learning'] },
      logLevel: 'warn',
    });
    expect(loadConfig({ flags }).openflow.echoIntervalMs).toBe(250);
  });

  it('sets one app setting with --set apps.settings.APP.KEY=VALUE, checked by the app schema at start', () => {
    const { flags } = flagsFromArgs({ set: ['apps.settings.forwarding.idleTimeoutSec=600', 'apps.settings.forwarding.floodMode=tree', 'apps.settings.acl.rules=[]'] });
    expect(flags).toEqual({ apps: { settings: { forwarding: { idleTimeoutSec: 600, floodMode: 'tree' }, acl: { rules: [] } } } });
    expect(loadConfig({ flags }).apps.settings).toMatchObject({ forwarding: { idleTimeoutSec: 600, floodMode: 'tree' } });
  });

  it('refuses unknown and bad --set keys by name', () => {
    expect(err(() => flagsFromArgs({ set: ['api.bodyLimit=5'] })).key).toBe('api.bodyLimit');
    expect(err(() => flagsFromArgs({ set: ['api.bodyLimitBytes=12'] })).key).toBe('api.bodyLimitBytes');
    expect(err(() => flagsFromArgs({ api: 'x' })).key).toBe('api.listen');
  });
});

describe('config keys', () => {
  it('lists every key with its environment variable and default', () => {
    const keys = configKeys();
    expect(keys).toContainEqual({ key: 'openflow.echoIntervalMs', env: 'SIGNALBOX_OPENFLOW_ECHO_INTERVAL_MS', default: defaultConfig.openflow.echoIntervalMs });
    expect(keys).toContainEqual({ key: 'dataDir', env: 'SIGNALBOX_DATA_DIR', default: './data' });
    expect(envName('api.corsOrigins')).toBe('SIGNALBOX_API_CORS_ORIGINS');
    expect(new Set(keys.map((k) => k.env)).size).toBe(keys.length); // no two keys share a variable
  });
});
