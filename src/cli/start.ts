/** `signalbox start`: runs the controller until SIGINT/SIGTERM, then shuts down within 5 s. */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { defaultConfig, parseHostPort, type Config } from '../config.js';
import { Controller } from '../controller.js';
import { createLogger } from '../log.js';

export const START_USAGE = `Usage: signalbox start [options]

  --listen HOST:PORT[,HOST:PORT]  OpenFlow listeners (default ${defaultConfig.openflow.listen.join(',')})
  --api HOST:PORT                 northbound API (default ${defaultConfig.api.listen})
  --data DIR                      data directory (default ${defaultConfig.dataDir})
  --apps NAME[,NAME]|none         apps to run (default: the default set)
  --config FILE                   JSON config file; flags override it
  --log-level LEVEL               trace|debug|info|warn|error (default ${defaultConfig.logLevel})
`;

const SHUTDOWN_DEADLINE_MS = 5_000;

/** Builds the config from defaults, an optional JSON file and the flags; throws Error naming the bad key. */
export function configFromArgs(argv: readonly string[]): Config {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      listen: { type: 'string' },
      api: { type: 'string' },
      data: { type: 'string' },
      apps: { type: 'string' },
      config: { type: 'string' },
      'log-level': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  let cfg: Config = defaultConfig;
  if (values.config) {
    let file: Partial<Config>;
    try {
      file = JSON.parse(readFileSync(values.config, 'utf8')) as Partial<Config>;
    } catch (e) {
      throw new Error(`--config ${values.config}: ${(e as Error).message}`);
    }
    cfg = { ...cfg, ...file, openflow: { ...cfg.openflow, ...(file.openflow ?? {}) }, api: { ...cfg.api, ...(file.api ?? {}) } };
  }
  if (values.listen) {
    const listen = values.listen.split(',');
    for (const l of listen) parseHostPort(l, '--listen');
    cfg = { ...cfg, openflow: { ...cfg.openflow, listen } };
  }
  if (values.api) {
    parseHostPort(values.api, '--api');
    cfg = { ...cfg, api: { listen: values.api } };
  }
  if (values.data) cfg = { ...cfg, dataDir: values.data };
  if (values.apps) cfg = { ...cfg, apps: { ...cfg.apps, enabled: values.apps === 'none' ? [] : values.apps.split(',').filter(Boolean) } };
  if (values['log-level']) cfg = { ...cfg, logLevel: values['log-level'] };
  return cfg;
}

/** Runs the controller; resolves with the exit code after a signal-initiated shutdown. */
export async function runStart(argv: readonly string[], stderr: NodeJS.WritableStream = process.stderr): Promise<number> {
  let cfg: Config;
  try {
    cfg = configFromArgs(argv);
  } catch (e) {
    stderr.write(`signalbox start: ${(e as Error).message}\n\n${START_USAGE}`);
    return 2;
  }
  const log = createLogger(cfg.logLevel);
  const controller = new Controller(cfg, log);
  let bound;
  try {
    bound = await controller.start();
  } catch (e) {
    log.error({ err: (e as Error).message }, 'could not start');
    stderr.write(`signalbox start: ${(e as Error).message}\n`);
    await controller.stop().catch(() => undefined);
    return 1;
  }
  log.info({ openflow: bound.openflow.map((b) => `${b.tls ? 'tls' : 'tcp'}://${b.host}:${b.port}`) }, 'signalbox ready');
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  log.info({ signal }, 'shutting down');
  const done = await Promise.race([
    controller.stop().then(() => true),
    new Promise<boolean>((r) => setTimeout(() => r(false), SHUTDOWN_DEADLINE_MS).unref()),
  ]);
  if (!done) log.warn(`shutdown took longer than ${SHUTDOWN_DEADLINE_MS} ms; exiting anyway`);
  log.info('stopped');
  return done ? 0 : 1;
}
