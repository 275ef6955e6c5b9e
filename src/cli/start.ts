/** `signalbox start`: runs Signalbox until SIGINT/SIGTERM, then shuts down within 5 s. */
import { parseArgs } from 'node:util';
import { defaultConfig, type Config } from '../config.js';
import { ConfigError, flagsFromArgs, loadConfig } from '../config-file.js';
import { createLogger } from '../log.js';
import { startSignalbox } from '../runtime.js';

export const START_USAGE = `Usage: signalbox start [options]

  --listen HOST:PORT[,HOST:PORT]  OpenFlow listeners (default ${defaultConfig.openflow.listen.join(',')})
  --api HOST:PORT                 northbound API (default ${defaultConfig.api.listen})
  --data DIR                      data directory (default ${defaultConfig.dataDir})
  --apps NAME[,NAME]              apps to run (default ${defaultConfig.apps.enabled.join(',')})
  --config FILE                   YAML or JSON config file
  --log-level LEVEL               trace|debug|info|warn|error (default ${defaultConfig.logLevel})
  --log-format FORMAT             json|pretty|auto: one JSON object a line, or one readable line per
                                  event (auto, the default: pretty when stderr is a terminal)
  --set KEY=VALUE                 any setting (repeatable), e.g. --set openflow.echoIntervalMs=2000
                                  or one app setting: --set apps.settings.forwarding.idleTimeoutSec=120

  --help, -h                      this usage

Precedence: defaults < config file < SIGNALBOX_* environment variables < flags.
`;

const SHUTDOWN_DEADLINE_MS = 5_000;

/** The config from defaults, file, environment and flags; throws ConfigError naming the key. */
export function configFromArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, onWarning?: (m: string) => void): Config {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        listen: { type: 'string' },
        api: { type: 'string' },
        data: { type: 'string' },
        apps: { type: 'string' },
        config: { type: 'string' },
        'log-level': { type: 'string' },
        'log-format': { type: 'string' },
        set: { type: 'string', multiple: true },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new ConfigError('arguments', 'command line', (e as Error).message.split(/\.\s/)[0]!);
  }
  const { flags, file } = flagsFromArgs(values.apps === 'none' ? { ...values, apps: '' } : values);
  return loadConfig({ ...(file !== undefined ? { file } : {}), env, flags, ...(onWarning ? { onWarning } : {}) });
}

/** The config file named by `--config` or SIGNALBOX_CONFIG (its `network:` section is re-read on SIGHUP). */
function configFileOf(argv: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
  const i = argv.findIndex((a) => a === '--config' || a.startsWith('--config='));
  if (i >= 0) return argv[i]!.startsWith('--config=') ? argv[i]!.slice('--config='.length) : argv[i + 1];
  return env.SIGNALBOX_CONFIG || undefined;
}

/** Runs Signalbox; resolves with the exit code after a signal-initiated shutdown. */
export async function runStart(argv: readonly string[], stderr: NodeJS.WritableStream = process.stderr, stdout: NodeJS.WritableStream = process.stdout): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    stdout.write(START_USAGE);
    return 0;
  }
  let cfg: Config;
  try {
    cfg = configFromArgs(argv, process.env, (m) => stderr.write(`signalbox start: ${m}\n`));
  } catch (e) {
    stderr.write(`signalbox start: ${(e as Error).message}\n\n${START_USAGE}`);
    return 2;
  }
  const log = createLogger(cfg.logLevel, cfg.logFormat);
  // Listen before starting: a signal during start-up waits for the start to finish and then
  // stops cleanly (in cluster mode that revokes the lease) instead of killing the process.
  let onSignal: (s: NodeJS.Signals) => void = () => undefined;
  const signalled = new Promise<NodeJS.Signals>((resolve) => (onSignal = resolve));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let running;
  try {
    const configFile = configFileOf(argv, process.env);
    running = await startSignalbox(cfg, log, configFile !== undefined ? { configFile } : {});
  } catch (e) {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // One line, on stderr (where the log goes too): a JSON log line as well would say it twice.
    stderr.write(`signalbox start: ${(e as Error).message}\n`);
    return 1;
  }
  log.info(
    {
      openflow: running.openflow.map((b) => `${b.tls ? 'tls' : 'tcp'}://${b.host}:${b.port}`),
      api: running.api.address,
      apps: cfg.apps.enabled,
      data: cfg.dataDir,
    },
    'signalbox ready',
  );
  // SIGHUP re-reads the network config file and applies it (a bad file changes nothing).
  const net = running.network;
  const onHup = (): void => {
    net.reload().then(
      (d) => log.info({ changed: d.changed, switches: d.switches.map((s) => s.dpid) }, 'SIGHUP: network config reloaded'),
      (e: Error) => log.error({ err: e.message }, 'SIGHUP: network config not reloaded'),
    );
  };
  process.on('SIGHUP', onHup);
  const signal = await signalled;
  process.off('SIGHUP', onHup);
  log.info({ signal }, 'shutting down');
  const done = await Promise.race([
    running.stop().then(() => true),
    new Promise<boolean>((r) => setTimeout(() => r(false), SHUTDOWN_DEADLINE_MS).unref()),
  ]);
  if (!done) log.warn(`shutdown took longer than ${SHUTDOWN_DEADLINE_MS} ms; exiting anyway`);
  log.info('stopped');
  return done ? 0 : 1;
}
