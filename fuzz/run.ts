/** `npm run fuzz -- --seconds N [--seed S] [--healthz-ms MS] [--rss-mb MB] [--rss-growth-mb MB] [--clients N] [--profile-dir DIR]`: runs the fuzz harness and exits non-zero on a violation. */
import { parseArgs } from 'node:util';
import { reportText, runFuzz } from './harness.js';

const USAGE = `Usage: npm run fuzz -- --seconds N [--seed S] [--healthz-ms MS] [--rss-mb MB] [--rss-growth-mb MB]
                     [--clients N] [--flood-max N] [--profile-dir DIR]
  Starts Signalbox (a \`signalbox start\` child process) with a real userspace OVS bridge (needs
  Open vSwitch, run as root) and fuzzes it for N seconds: hostile OpenFlow clients and a REST
  fuzzer driven by /openapi.json. /healthz must answer within --healthz-ms (100), the controller's
  RSS stay under --rss-mb (1024) and grow at most --rss-growth-mb (64) after the first third of
  the run. --profile-dir: the controller writes a V8 CPU profile and a sampling heap
  profile (what is still allocated) there when it stops.
  Exit 1 on a violated invariant (printed with its input and the seed), 2 on bad usage.
`;

function int(v: string | undefined, name: string, dflt: number | undefined): number | undefined {
  if (v === undefined) return dflt;
  if (!/^[0-9]+$/.test(v)) throw new Error(`--${name}: expected a whole number, got ${JSON.stringify(v)}`);
  return Number(v);
}

async function main(): Promise<number> {
  let opts;
  try {
    const { values } = parseArgs({
      options: { seconds: { type: 'string' }, seed: { type: 'string' }, 'healthz-ms': { type: 'string' }, 'rss-mb': { type: 'string' }, 'rss-growth-mb': { type: 'string' }, 'profile-dir': { type: 'string' }, clients: { type: 'string' }, 'flood-max': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    const seconds = int(values.seconds, 'seconds', 60)!;
    const seed = int(values.seed, 'seed', Math.floor(Math.random() * 2 ** 31))!;
    const healthzMs = int(values['healthz-ms'], 'healthz-ms', undefined);
    const rssMb = int(values['rss-mb'], 'rss-mb', undefined);
    const rssGrowthMb = int(values['rss-growth-mb'], 'rss-growth-mb', undefined);
    const profileDir = values['profile-dir'];
    const clients = int(values.clients, 'clients', undefined);
    const floodMax = int(values['flood-max'], 'flood-max', undefined);
    opts = { seconds, seed, ...(healthzMs !== undefined ? { healthzMs } : {}), ...(rssMb !== undefined ? { rssMb } : {}), ...(rssGrowthMb !== undefined ? { rssGrowthMb } : {}), ...(profileDir !== undefined ? { profileDir } : {}), ...(clients !== undefined ? { clients } : {}), ...(floodMax !== undefined ? { floodMax } : {}) };
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  process.stdout.write(`fuzz: seed ${opts.seed}, ${opts.seconds} s\n`);
  const report = await runFuzz({ ...opts, log: (l) => process.stdout.write(`  ${l}\n`) });
  process.stdout.write(reportText(report));
  return report.violations.length === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: Error) => {
    process.stderr.write(`fuzz: ${e.stack ?? e.message}\n`);
    process.exitCode = 1;
  },
);
