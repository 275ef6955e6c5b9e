/** The `signalbox` command: subcommands dispatch here; only this module's caller sets the exit code. */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { benchCommand } from './cli/bench.js';
import { configCommand } from './cli/config.js';
import { CLIENT_USAGE, runClient } from './cli/client/index.js';
import { completionCommand } from './cli/completion.js';
import { decodeCommand } from './cli/decode.js';
import { encodeCommand } from './cli/encode.js';
import { processIo, type CliIo } from './cli/io.js';
import { labCommand } from './cli/lab.js';
import { runStart } from './cli/start.js';

/**
 * The package version, from Signalbox's own package.json: one level up from src/cli.ts (tests),
 * two from dist/src/cli.js (built, installed). The name is checked, so a package.json of
 * whatever directory holds the checkout is never read instead.
 */
export function packageVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (!existsSync(path)) continue;
    const pkg = JSON.parse(readFileSync(path, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'signalbox' && typeof pkg.version === 'string') return pkg.version;
  }
  throw new Error('signalbox: cannot find its own package.json');
}

const USAGE = `Usage: signalbox <command> [options]

Commands:
  start              run the controller
  decode [FILE|-]    print OpenFlow messages of a binary (or --hex) stream as JSON lines
  encode [FILE|-]    turn JSON lines back into binary OpenFlow messages
  bench              cbench-like load generator: packet-ins answered per second
  lab TOPO           Mininet lab (userspace OVS) with Mininet's CLI or a --scenario
  completion bash|zsh
                     print a shell completion script (source <(signalbox completion bash))
  config check|diff|apply FILE
                     the network config file: check it, see what it would change, apply it
  version, --version, -v
                     print the version

${CLIENT_USAGE}`;

/** Runs the CLI with the given arguments and returns the process exit code; `io` defaults to the process's streams. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'start':
      return runStart(rest, io.stderr, io.stdout);
    case 'decode':
      return decodeCommand(rest, io);
    case 'encode':
      return encodeCommand(rest, io);
    case 'bench':
      return benchCommand(rest, io);
    case 'lab':
      return labCommand(rest, io);
    case 'completion':
      return completionCommand(rest, io);
    case 'config':
      return configCommand(rest, io);
    case 'switches':
    case 'ports':
    case 'flows':
    case 'flow':
    case 'topology':
    case 'hosts':
    case 'links':
    case 'path':
    case 'trace':
    case 'apps':
    case 'app':
    case 'events':
      return runClient(cmd, rest, io);
    case 'version':
    case '--version':
    case '-v':
      io.stdout.write(`signalbox ${packageVersion()}\n`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.stdout.write(USAGE);
      return 0;
    default:
      io.stderr.write(`signalbox: unknown command '${cmd}'\n\n${USAGE}`);
      return 2;
  }
}
