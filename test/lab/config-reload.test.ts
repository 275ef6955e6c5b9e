/**
 * Config as code on Mininet: a ping at 33 Hz runs between two hosts while the network config file
 * changes and is reloaded (POST /api/v1/config/reload): an ACL for another switch, then a router
 * route and gateway. No ping is lost, the switches whose flows do not change get zero FLOW_MODs
 * (the sessions' counters), and the ACL denies what it says.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ForwardingApp } from '../../src/apps/forwarding/index.js';
import type { RouterApp } from '../../src/apps/router/index.js';
import { defaultConfig, type Config } from '../../src/config.js';
import { parseDpid } from '../../src/core/ids.js';
import { silentLogger } from '../../src/log.js';
import { OFPT13 } from '../../src/openflow/codec/constants.js';
import { startSignalbox, type Running } from '../../src/runtime.js';
import { run } from '../harness/exec.js';
import { stopAfterEach } from '../harness/controller.js';
import { startLab, waitFor, type Lab, type PingResult } from '../harness/mininet.js';

const dir = mkdtempSync(join(tmpdir(), 'sbx-lab-netcfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const stopAfter = stopAfterEach();

/** 33 pings a second for about 4 s. */
const PING = { count: 130, intervalSec: 0.03, timeoutSec: 1 } as const;

async function startWith(name: string, text: string): Promise<{ sbx: Running; file: string }> {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, text);
  const config: Config = {
    ...defaultConfig,
    dataDir: join(dir, `${name}-data`),
    networkFile: file,
    openflow: { ...defaultConfig.openflow, listen: ['127.0.0.1:0'] },
    api: { ...defaultConfig.api, listen: '127.0.0.1:0' },
  };
  const sbx = stopAfter(await startSignalbox(config, silentLogger));
  return { sbx, file };
}

function flowMods(sbx: Running, dpid: bigint): number {
  return sbx.controller.datapaths.get(dpid)?.session.counters.outByType[OFPT13.FLOW_MOD] ?? 0;
}

async function reload(sbx: Running): Promise<Record<string, unknown>> {
  const res = await fetch(`${sbx.api.address}/api/v1/config/reload`, { method: 'POST' });
  const body = (await res.json()) as Record<string, unknown>;
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body;
}

/**
 * Runs `change` while `src` pings `dst` at 33 Hz: waits until the ping is flowing, calls
 * `change`, and checks the ping was still running when `change` resolved. Resolves with the ping.
 */
async function whilePinging(lab: Lab, src: string, dst: string, change: () => Promise<void>): Promise<PingResult> {
  // The driver runs one command at a time and the ping holds it: the switch's counters are read with ovs-ofctl.
  const h = (await lab.hosts()).find((x) => x.name === src)!;
  const rx = async (): Promise<number> => Number(/rx pkts=(\d+)/.exec((await run('ovs-ofctl', ['-O', 'OpenFlow13', 'dump-ports', lab.bridgeName(h.switch!), String(h.port)])).stdout)?.[1] ?? 0);
  const before = await rx();
  let done = false;
  const ping = lab.ping(src, dst, PING).finally(() => {
    done = true;
  });
  await waitFor(async () => (await rx()) >= before + 10, { timeoutMs: 5_000, intervalMs: 20, message: `${src} pinging ${dst}` });
  await change();
  expect(done, 'the ping was still running when the change was in place').toBe(false);
  return ping;
}

describe('config as code in Mininet (OpenFlow13)', () => {
  it('linear,3: an ACL for s3 is reloaded while h1 pings h2: no ping lost, s1 and s2 get no FLOW_MOD, the ACL denies h1 → h3', async () => {
    const V1 = 'network:\n  apps: [forwarding, proxy-arp, acl]\n';
    const { sbx, file } = await startWith('acl', V1);
    const lab = stopAfter(await startLab({ kind: 'linear', n: 3 }, { controllerPort: sbx.openflow[0]!.port, waitConnectedMs: 30_000 }));
    expect(lab.connected ?? true).toBe(true);
    const ctrl = sbx.controller;
    await waitFor(() => ctrl.topology!.linkCount >= 2, { timeoutMs: 20_000, intervalMs: 100, message: '2 links discovered' });
    const fwd = ctrl.apps!.instance('forwarding') as unknown as ForwardingApp;
    await waitFor(() => fwd.holding().length === 0, 5_000, 50);
    expect((await lab.pingAll({ count: 1, timeoutSec: 2 })).loss).toBe(0);
    const sw = Object.fromEntries((await lab.switches()).map((s) => [s.name, parseDpid(s.dpid)]));
    const [s1, s2, s3] = [sw.s1!, sw.s2!, sw.s3!];
    const ip = Object.fromEntries((await lab.hosts()).map((h) => [h.name, h.ip]));
    // The path h1 ↔ h2 is installed (and stays: the ping keeps its flows from idling out).
    expect((await lab.ping('h1', 'h2', { count: 3, intervalSec: 0.05, timeoutSec: 1 })).loss).toBe(0);

    writeFileSync(file, `${V1}  acl:\n    - name: s3-no-h3\n      action: deny\n      match: { ipv4Dst: ${ip.h3} }\n      switches: ["${s3.toString(16).padStart(16, '0')}"]\n`);
    const before = { s1: flowMods(sbx, s1), s2: flowMods(sbx, s2), s3: flowMods(sbx, s3) };
    const flows = ctrl.flows!;
    const ping = await whilePinging(lab, 'h1', 'h2', async () => {
      const r = await reload(sbx);
      expect(r.aclRules).toEqual({ added: ['s3-no-h3'], removed: [], changed: [] });
      await waitFor(() => flows.flows(s3).some((f) => f.owner === 'acl' && f.state === 'installed'), { timeoutMs: 5_000, intervalMs: 20, message: 'the acl flow installed on s3' });
    });
    expect(ping).toMatchObject({ transmitted: PING.count, received: PING.count, loss: 0 });
    expect(flowMods(sbx, s1)).toBe(before.s1);
    expect(flowMods(sbx, s2)).toBe(before.s2);
    expect(flowMods(sbx, s3)).toBeGreaterThan(before.s3);
    expect(flows.flows(s1).concat(flows.flows(s2)).filter((f) => f.owner === 'acl')).toEqual([]);
    // The rule works: h3 is cut off at s3, the rest is not.
    expect((await lab.ping('h1', 'h3', { count: 2, timeoutSec: 1 })).loss).toBe(100);
    expect((await lab.ping('h2', 'h1', { count: 2, timeoutSec: 1 })).loss).toBe(0);
  });

  it('router,2: a static route and a third gateway are reloaded while h1 pings h3 across subnets: no ping lost, no FLOW_MOD anywhere, routed flows kept', async () => {
    const V1 = 'network:\n  apps: [forwarding, proxy-arp, router]\n  settings:\n    router:\n      interfaces: [10.0.1.254/24, 10.0.2.254/24]\n';
    const { sbx, file } = await startWith('router', V1);
    const lab = stopAfter(await startLab({ kind: 'router', switches: 2 }, { controllerPort: sbx.openflow[0]!.port, waitConnectedMs: 30_000 }));
    expect(lab.connected ?? true).toBe(true);
    const ctrl = sbx.controller;
    await waitFor(() => ctrl.topology!.linkCount >= 2, { timeoutMs: 20_000, intervalMs: 100, message: 'the s1-s2 link discovered' });
    const fwd = ctrl.apps!.instance('forwarding') as unknown as ForwardingApp;
    await waitFor(() => fwd.holding().length === 0, 5_000, 50);
    await waitFor(async () => (await lab.ping('h1', '10.0.2.1', { count: 1, timeoutSec: 1 })).loss === 0, { timeoutMs: 10_000, intervalMs: 100, message: 'h1 reaches h3 through the router' });
    const router = ctrl.apps!.instance('router') as unknown as RouterApp;
    // The first ping resolved h3 by ARP: the next ones install the route h1 → h3 too (both ways routed, by flows).
    expect((await lab.ping('h1', '10.0.2.1', { count: 3, intervalSec: 0.05, timeoutSec: 1 })).loss).toBe(0);
    await waitFor(() => router.routes().length === 2 && ctrl.flows!.flows().every((f) => f.state === 'installed'), { timeoutMs: 5_000, intervalMs: 20, message: 'routes both ways installed' });
    const routed = router.routes();
    const dpids = (await lab.switches()).map((s) => parseDpid(s.dpid));
    const before = dpids.map((d) => flowMods(sbx, d));

    writeFileSync(file, V1.replace('10.0.2.254/24]', '10.0.2.254/24, 10.0.9.254/24]\n      routes: ["10.0.3.0/24 via 10.0.1.1"]'));
    const ping = await whilePinging(lab, 'h1', '10.0.2.1', async () => {
      const r = await reload(sbx);
      expect(r.changed).toBe(true);
      expect(router.staticRoutes().map((x) => x.destination)).toEqual(['10.0.3.0/24']);
    });
    expect(ping).toMatchObject({ transmitted: PING.count, received: PING.count, loss: 0 });
    expect(ctrl.apps!.instance('router')).toBe(router);
    expect(router.routes()).toEqual(routed);
    expect(dpids.map((d) => flowMods(sbx, d))).toEqual(before);
  });
});
