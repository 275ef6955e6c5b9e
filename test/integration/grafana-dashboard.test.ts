/**
 * contrib/grafana/signalbox.json against a running Signalbox: every metric a panel or variable
 * queries is in its /metrics, and the series the dashboard adds (switch roles, reconciliation
 * results) carry values once an emulated switch has connected.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { startSignalbox, type Running } from '../../src/runtime.js';
import { EmulatedSwitch } from '../fakes/emulated-switch.js';
import { bindFlowTable, FakeFlowTable } from '../fakes/fake-flow-table.js';
import { waitFor } from '../harness/exec.js';

const ROOT = join(import.meta.dirname, '..', '..');
const dashboard = JSON.parse(readFileSync(join(ROOT, 'contrib/grafana/signalbox.json'), 'utf8')) as unknown;

/** Every PromQL query string in the dashboard (panel targets and template variables), wherever it sits. */
function queries(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const x of node) queries(x, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if ((k === 'expr' || k === 'query' || k === 'definition') && typeof v === 'string') out.push(v);
      else queries(v, out);
    }
  }
  return out;
}

/** Metric names a query reads: identifiers starting with signalbox_. */
function metricNames(q: string): string[] {
  return [...q.matchAll(/\b(signalbox_[a-zA-Z0-9_:]+)/g)].map((m) => m[1]!);
}

/** A sample name's family: histogram and summary series end in _bucket, _sum or _count. */
function family(name: string, families: ReadonlySet<string>): string | undefined {
  if (families.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return families.has(base) ? base : undefined;
}

let running: Running;
let dir: string;
let sw: EmulatedSwitch | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sbx-grafana-'));
  running = await startSignalbox(
    {
      ...defaultConfig,
      dataDir: dir,
      openflow: { ...defaultConfig.openflow, listen: ['127.0.0.1:0'] },
      api: { ...defaultConfig.api, listen: '127.0.0.1:0' },
    },
    silentLogger,
  );
});

afterAll(async () => {
  sw?.close();
  await running?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function scrape(): Promise<string> {
  const res = await fetch(`${running.api.address}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

describe('the Grafana dashboard', () => {
  it('has the panels the issue asks for', () => {
    const titles = (dashboard as { panels: { title: string }[] }).panels.map((p) => p.title);
    for (const t of ['Switches connected', 'Packet-ins/s per switch', 'Flow mods/s', 'Reconciliation results', 'Switch roles (cluster mastership)', 'Event loop lag']) expect(titles).toContain(t);
  });

  it('queries only metrics that a running controller exports', async () => {
    const text = await scrape();
    const families = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
    const referenced = [...new Set(queries(dashboard).flatMap(metricNames))].sort();
    expect(referenced.length).toBeGreaterThanOrEqual(10);
    expect(referenced.filter((n) => family(n, families) === undefined)).toEqual([]);
    // The event loop lag, sampled by monitorEventLoopDelay, is among them.
    expect(referenced).toContain('signalbox_nodejs_eventloop_lag_p99_seconds');
  });

  it('shows a connected switch by role and the reconciliation that followed', async () => {
    const port = running.openflow[0]!.port;
    const socket = connect(port, '127.0.0.1');
    sw = new EmulatedSwitch(socket, { dpid: 0x6a1n, ports: [1, 2] });
    // A flow table behind it, so the reconciliation after connecting can read it.
    bindFlowTable(sw, new FakeFlowTable());
    await waitFor(() => running.controller.datapaths.has(0x6a1n), 10_000, 20);
    const text = await waitFor(async () => {
      const t = await scrape();
      return /^signalbox_reconciliations_total\{result="ok"\} [1-9]/m.test(t) ? t : undefined;
    }, 10_000, 50);
    expect(text).toMatch(/^signalbox_switch_roles\{role="standalone"\} 1$/m);
    expect(text).toMatch(/^signalbox_switch_roles\{role="master"\} 0$/m);
    expect(text).toMatch(/^signalbox_reconciliations_total\{result="failed"\} 0$/m);
    expect(text).toMatch(/^signalbox_reconciled_flows_total\{action="kept"\} \d+$/m);
    expect(text).toMatch(/^signalbox_flow_service_flow_mods_total\{why="all"\} \d+$/m);
  });
});
