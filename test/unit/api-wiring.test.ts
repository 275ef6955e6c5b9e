/** The API over the real services a started Controller has (TopologyService, AppManager): the narrow interfaces fit them as they are. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duplexPair } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApi } from '../../src/api/app.js';
import type { ApiContext } from '../../src/api/context.js';
import { defaultConfig } from '../../src/config.js';
import { Controller } from '../../src/controller.js';
import { EmulatedSwitch } from '../fakes/emulated-switch.js';
import { Session } from '../../src/openflow/session.js';
import { waitFor } from '../harness/exec.js';

let ctrl: Controller;
let fakeSwitch: EmulatedSwitch;
let ctx: ApiContext;
const sessions: Session[] = [];

/** What the lead's wiring would pass (compile-time check that the real services fit). */
function contextOf(c: Controller): ApiContext {
  return { bus: c.bus, devices: c.devices, admin: c.admin, ...(c.topology ? { topology: c.topology } : {}), ...(c.apps ? { apps: c.apps } : {}) };
}

beforeAll(async () => {
  ctrl = new Controller({ ...defaultConfig, dataDir: mkdtempSync(join(tmpdir(), 'sbx-wiring-')), apps: { ...defaultConfig.apps, enabled: ['l2-learning'] }, openflow: { ...defaultConfig.openflow, listen: ['127.0.0.1:0'], echoIntervalMs: 0 } });
  await ctrl.start();
  ctx = contextOf(ctrl);
  const connected = new Promise<void>((resolve) => ctrl.bus.once('switchConnected', () => resolve()));
  const [a, b] = duplexPair();
  const s = new Session(a, { echoIntervalMs: 0 });
  sessions.push(s);
  ctrl.attach(s);
  fakeSwitch = new EmulatedSwitch(b, { dpid: 5n, ports: [1, 2] });
  await connected;
});
afterAll(async () => {
  for (const s of sessions) s.close('test over');
  await ctrl.stop();
});

it('serves the topology and apps of a started Controller', async () => {
  const { app, metrics } = await buildApi(ctx);
  const topo = await app.inject({ url: '/api/v1/topology' });
  expect(topo.statusCode).toBe(200);
  expect(topo.json()).toMatchObject({ switches: [{ dpid: '0000000000000005', connected: true }], links: [], hosts: [] });
  const apps = await app.inject({ url: '/api/v1/apps' });
  expect(apps.statusCode).toBe(200);
  expect(apps.json()).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'l2-learning', state: 'running' })]));
  expect((await app.inject({ method: 'POST', url: '/api/v1/apps/l2-learning/disable' })).json()).toMatchObject({ name: 'l2-learning', state: 'stopped' });
  expect((await app.inject({ method: 'POST', url: '/api/v1/apps/l2-learning/enable' })).json()).toMatchObject({ state: 'running' });
  expect((await app.inject({ url: '/api/v1/paths?src=5&dst=5' })).json()).toMatchObject({ paths: [{ hops: ['0000000000000005'], links: [] }] });
  expect((await app.inject({ url: '/api/v1/apps/l2-learning/config' })).json()).toEqual(ctrl.apps!.getConfig('l2-learning'));
  expect((await app.inject({ url: '/v1.0/topology/switches' })).json()).toMatchObject([{ dpid: '0000000000000005' }]);
  await app.close();
  metrics.detach();
});

it('exports the topology service counters in /metrics: LLDP probes by result and hosts refused', async () => {
  const { app, metrics } = await buildApi(ctx);
  const c = ctrl.topology!.counters;
  c.forged.replayed += 3;
  c.hostsRefused += 2;
  const text = (await app.inject({ url: '/metrics' })).body;
  expect(text).toContain(`signalbox_lldp_probes_total{result="sent"} ${c.probesSent}`);
  expect(text).toContain(`signalbox_lldp_probes_total{result="replayed"} ${c.forged.replayed}`);
  expect(text).toContain('signalbox_lldp_probes_total{result="unknown_source"} 0');
  expect(text).toContain(`signalbox_hosts_refused_total ${c.hostsRefused}`);
  // Scraped again, the values stay the service's own (set, not added up).
  expect((await app.inject({ url: '/metrics' })).body).toContain(`signalbox_hosts_refused_total ${c.hostsRefused}`);
  await app.close();
  metrics.detach();
});

it('exports packet-ins dropped over the per-switch rates, and relayed probes, in /metrics', async () => {
  const { app, metrics } = await buildApi(ctx);
  await app.inject({ url: '/metrics' });
  const sw = ctrl.devices.list()[0]!;
  const counters = sw.counters as { packetInsDropped: number; lldpPacketInsDropped: number };
  counters.packetInsDropped += 7;
  counters.lldpPacketInsDropped += 2;
  ctrl.topology!.counters.forged.relayed += 4;
  const text = (await app.inject({ url: '/metrics' })).body;
  expect(text).toContain('signalbox_openflow_refused_total{what="packet_in"} 7');
  expect(text).toContain('signalbox_openflow_refused_total{what="lldp_packet_in"} 2');
  expect(text).toContain('signalbox_lldp_probes_total{result="relayed"} 4');
  await app.close();
  metrics.detach();
});

it('exports packet-ins per switch and in all, counted between scrapes', async () => {
  const { app, metrics } = await buildApi(ctx);
  const scrape = async (): Promise<{ ofSwitch: number; total: number }> => {
    const text = (await app.inject({ url: '/metrics' })).body;
    return {
      ofSwitch: Number(/signalbox_packet_ins_total\{dpid="0000000000000005"\} (\d+)/.exec(text)?.[1] ?? 0),
      total: Number(/signalbox_openflow_async_messages_total\{type="packet_in"\} (\d+)/.exec(text)?.[1] ?? 0),
    };
  };
  let seen = 0;
  const count = (): void => void seen++;
  ctrl.bus.on('packetIn', count);
  // A broadcast frame from a host on port 1 (l2-learning floods it).
  const frame = Buffer.concat([Buffer.from('ffffffffffff0200000000010806', 'hex'), Buffer.alloc(28)]);
  const packetIns = async (n: number): Promise<void> => {
    const until = seen + n;
    for (let i = 0; i < n; i++) fakeSwitch.send({ version: 4, type: 'packet_in', xid: 0, bufferId: 0xffffffff, totalLen: frame.length, reason: 0, tableId: 0, cookie: 0n, match: [{ field: 'in_port', value: 1 }], data: frame });
    await waitFor(() => seen >= until, { timeoutMs: 5000, intervalMs: 5, message: `${n} packet-ins delivered` });
  };
  const before = await scrape();
  await packetIns(3);
  let now = await scrape();
  expect(now.ofSwitch - before.ofSwitch).toBe(3);
  expect(now.total - before.total).toBe(3);
  await packetIns(1);
  now = await scrape();
  expect(now.ofSwitch - before.ofSwitch).toBe(4);
  expect(now.total - before.total).toBe(4);
  ctrl.bus.off('packetIn', count);
  await app.close();
  metrics.detach();
});

it('exports the OpenFlow listener counters (connections open, in handshake, refused by reason) in /metrics', async () => {
  const { app, metrics } = await buildApi({ ...ctx, connectionCounters: () => ctrl.connectionCounters });
  (ctrl.connectionCounters!.refused as Record<string, number>).handshakes_per_address! += 5;
  const text = (await app.inject({ url: '/metrics' })).body;
  expect(text).toContain('signalbox_openflow_connections_refused_total{reason="handshakes_per_address"} 5');
  expect(text).toContain('signalbox_openflow_connections_refused_total{reason="connections"} 0');
  expect(text).toContain('signalbox_openflow_connections{state="open"} 0');
  await app.close();
  metrics.detach();
});

it('exports log lines suppressed over openflow.logLinesPerSecond, by source, in /metrics', async () => {
  let listener = 0;
  const { app, metrics } = await buildApi({ ...ctx, connectionCounters: () => ({ open: 0, handshaking: 0, refused: {}, logLinesSuppressed: listener }) });
  await app.inject({ url: '/metrics' });
  const sw = ctrl.devices.list()[0]!;
  (sw.counters as { logLinesSuppressed: number }).logLinesSuppressed += 3;
  listener = 4;
  const text = (await app.inject({ url: '/metrics' })).body;
  expect(text).toContain('signalbox_log_lines_suppressed_total{source="session"} 3');
  expect(text).toContain('signalbox_log_lines_suppressed_total{source="listener"} 4');
  // Scraped again with nothing new: the same totals.
  const again = (await app.inject({ url: '/metrics' })).body;
  expect(again).toContain('signalbox_log_lines_suppressed_total{source="session"} 3');
  expect(again).toContain('signalbox_log_lines_suppressed_total{source="listener"} 4');
  await app.close();
  metrics.detach();
});
