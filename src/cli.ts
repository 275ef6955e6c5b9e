/** The `signalbox` command: subcommands dispatch here; only this module's caller sets the exit code. */
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const USAGE = `Usage: signalbox <command> [options]

Commands:
  start              run the controller
  decode [FILE|-]    print OpenFlow messages of a binary (or --hex) stream as JSON lines
  encode [FILE|-]    turn JSON lines back into binary OpenFlow messages
  version            print the version
`;

/** Runs the CLI with the given arguments and returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'version':
    case '--version':
    case '-v':
      process.stdout.write(`signalbox ${pkg.version}\n`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    default:
      void rest;
      process.stderr.write(`signalbox: unknown command '${cmd}'\n\n${USAGE}`);
      return 2;
  }
}
