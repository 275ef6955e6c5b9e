/**
 * First-ping flow-setup latency of two builds, alternating in one session: each round runs
 * `signalbox lab TOPO --scenario first-ping --json` from checkout A and from checkout B (who goes
 * first alternates), and the runs of all rounds are pooled per build. The data path of a shared
 * virtual machine drifts by tens of per cent within an hour, so two builds compare only when
 * measured side by side; the figure to compare is each run's first - second (the setup's share).
 *
 *   flock /tmp/signalbox-real.lock flock /tmp/signalbox-bench.lock \
 *     node dist/bench/first-ping-ab.js --a DIR --b DIR [--topo linear,10] [--rounds 4] [--runs 5]
 *                                      [--apps forwarding] [--json]
 *
 * As root; DIR is a checkout with dist/ built (`npm run build`), e.g. a `git worktree` of the
 * commit before a change. Prints a Markdown table (median, min-max over the pooled runs).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { LabResult } from '../src/lab/runner.js';
import { pingDifference, spread, type Spread } from '../src/lab/scenarios.js';

/** The runs of one build and app, pooled over the rounds. */
export interface AbRow {
  readonly build: 'A' | 'B';
  readonly dir: string;
  readonly app: string;
  readonly first: Spread;
  readonly second: Spread;
  readonly difference: Spread;
  /** Load averages (1 min) at the start of each of this build's rounds. */
  readonly loads: readonly number[];
  readonly runs: readonly { readonly round: number; readonly first: number | null; readonly second: number | null; readonly difference: number | null }[];
}

function loadAvg(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

/** One `signalbox lab ... --json` of a checkout. */
function labRun(dir: string, topo: string, runs: number, apps: string): LabResult {
  const args = [join(dir, 'bin/signalbox'), 'lab', topo, '--scenario', 'first-ping', '--runs', String(runs), '--apps', apps, '--json'];
  const p = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  if (p.status !== 0 && p.status !== 3) throw new Error(`${dir}: signalbox lab failed (${p.status}): ${p.stderr.trim().split('\n').slice(-3).join(' / ')}`);
  return JSON.parse(p.stdout) as LabResult;
}

function cell(s: Spread): string {
  return s.median === null ? '-' : `${s.median.toFixed(1)} ms (${s.min!.toFixed(1)}–${s.max!.toFixed(1)})`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      a: { type: 'string' },
      b: { type: 'string' },
      topo: { type: 'string', default: 'linear,10' },
      rounds: { type: 'string', default: '4' },
      runs: { type: 'string', default: '5' },
      apps: { type: 'string', default: 'forwarding' },
      json: { type: 'boolean', default: false },
    },
  });
  if (!values.a || !values.b) throw new Error('--a DIR and --b DIR are needed (checkouts with dist/ built)');
  const dirs = { A: resolve(values.a), B: resolve(values.b) } as const;
  const rounds = Number(values.rounds);
  const runs = Number(values.runs);
  const collected = new Map<string, { build: 'A' | 'B'; app: string; loads: number[]; runs: AbRow['runs'][number][] }>();
  for (let round = 0; round < rounds; round++) {
    const order: ('A' | 'B')[] = round % 2 === 0 ? ['A', 'B'] : ['B', 'A'];
    for (const build of order) {
      const load = loadAvg();
      const r = labRun(dirs[build], values.topo, runs, values.apps);
      for (const step of r.steps) {
        const s = step.latency;
        if (!s) continue;
        const key = `${build} ${s.app}`;
        let c = collected.get(key);
        if (!c) collected.set(key, (c = { build, app: s.app, loads: [], runs: [] }));
        c.loads.push(load);
        // Older builds have no difference per run: it is computed here alike for both.
        for (const run of s.runs) c.runs.push({ round, first: run.first, second: run.second, difference: pingDifference(run.first, run.second) });
        const d = spread(s.runs.map((x) => pingDifference(x.first, x.second)));
        process.stderr.write(`round ${round + 1}/${rounds} ${build} ${s.app}: first ${cell(s.first)}, second ${cell(s.second)}, difference ${cell(d)} (load ${load})\n`);
      }
    }
  }
  const rows: AbRow[] = [...collected.values()]
    .sort((x, y) => x.app.localeCompare(y.app) || x.build.localeCompare(y.build))
    .map((c) => ({
      build: c.build,
      dir: dirs[c.build],
      app: c.app,
      first: spread(c.runs.map((r) => r.first)),
      second: spread(c.runs.map((r) => r.second)),
      difference: spread(c.runs.map((r) => r.difference)),
      loads: c.loads,
      runs: c.runs,
    }));
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ topo: values.topo, rounds, runsPerRound: runs, rows }, null, 2)}\n`);
    return;
  }
  const lines = [
    `${values.topo}, ${rounds} alternating rounds of ${runs} runs per build (A: ${dirs.A}, B: ${dirs.B})`,
    '',
    '| build | app | first ping | second ping | first - second | runs | load |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.build} | ${r.app} | ${cell(r.first)} | ${cell(r.second)} | ${cell(r.difference)} | ${r.difference.n}/${r.runs.length} | ${Math.min(...r.loads)}–${Math.max(...r.loads)} |`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`first-ping-ab: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
