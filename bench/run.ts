/** Runs benchmark suites by name (`node dist/bench/run.js [suite...] [--json]`, all by default) and prints one table. */
import { pathToFileURL } from 'node:url';
import { appsSuite } from './apps.js';
import { codecSuite } from './codec.js';
import { consoleSuite } from './console.js';
import { e2eSuite } from './e2e.js';
import { failoverSuite } from './failover.js';
import { sessionsSuite } from './sessions.js';
import { steadySuite } from './steady.js';
import { topologySuite } from './topology.js';
import { traceSuite } from './trace.js';
import type { BenchSuite, Row } from './harness.js';

/** Every suite, in the order they run. Add a suite by importing its module here. */
export const SUITES: readonly BenchSuite[] = [codecSuite, sessionsSuite, topologySuite, appsSuite, traceSuite, e2eSuite, failoverSuite, consoleSuite, steadySuite];

/** The results as an aligned text table: suite, case, ops/s, ns/op. */
export function formatTable(rows: readonly Row[]): string {
  const head = ['suite', 'case', 'ops/s', 'ns/op', 'note'];
  const body = rows.map((r) => [
    r.suite,
    r.case,
    Math.round(r.opsPerSec).toLocaleString('en-US'),
    r.nsPerOp < 10 ? r.nsPerOp.toFixed(2) : r.nsPerOp < 100 ? r.nsPerOp.toFixed(1) : Math.round(r.nsPerOp).toLocaleString('en-US'),
    r.note ?? '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  // Text columns left-aligned, numbers right-aligned.
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i < 2 || i === 4 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** Runs the named suites (all when none) and returns the exit code. */
export async function runBenchmarks(argv: readonly string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const json = argv.includes('--json');
  const names = argv.filter((a) => a !== '--json');
  const unknown = names.filter((n) => !SUITES.some((s) => s.name === n));
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown suite ${unknown.join(', ')}; known: ${SUITES.map((s) => s.name).join(', ')}\n`);
    return 2;
  }
  const chosen = names.length === 0 ? SUITES : SUITES.filter((s) => names.includes(s.name));
  const rows: Row[] = [];
  for (const s of chosen) rows.push(...(await s.run()));
  out.write(json ? `${JSON.stringify(rows, null, 2)}\n` : `node ${process.version}, ${process.platform}/${process.arch}\n${formatTable(rows)}\n`);
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runBenchmarks(process.argv.slice(2));
}
