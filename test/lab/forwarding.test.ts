/**
 * forwarding (+ proxy-arp) on real Open vSwitch in Mininet: pingall without loss on a tree, a
 * ring and a fat tree (loops), iperf between the farthest hosts, pings resuming within 2 s of a
 * link failure on the ring, and a host moved to another switch reachable again.
 */
import { describe, expect, it } from 'vitest';
import { AppManager } from '../../src/apps/manager.js';
import { forwardingApp } from '../../src/apps/forwarding/index.js';
import { Controller } from '../../src/controller.js';
import type { AppDefinition } from '../../src/core/app.js';
import { startLabController, stopAfterEach } from '../harness/controller.js';
import { startLab, waitFor, type Lab, type TopoSpec } from '../harness/mininet.js';

let lab: Lab | undefined;
let ctrl: Controller | undefined;
let apps: AppManager | undefined;
/** The running forwarding app (registered as an object, so the test can read its paths). */
let fwd: ReturnType<typeof forwardingApp> | undefined;

/** Stops the lab, then the controller, after each test. */
const stopAfter = stopAfterEach();

async function start(topo: TopoSpec, links: number, extra: { apps?: AppDefinition[]; enabled?: string[]; settings?: Record<string, Record<string, unknown>> } = {}): Promise<Lab> {
  const started = await startLabController(extra.enabled ?? ['forwarding', 'proxy-arp'], { apps: [(fwd = forwardingApp()), ...(extra.apps ?? [])], settings: extra.settings ?? {} });
  ctrl = stopAfter(started.ctrl);
  apps = started.apps;
  const port = started.port;
  lab = stopAfter(await startLab(topo, { controllerPort: port, waitConnectedMs: 30_000 }));
  expect(lab.connected ?? true).toBe(true);
  const switches = (await lab.switches()).length;
  const flows = apps.flows;
  const topology = ctrl.topology!;
  await waitFor(() => flows.flows().filter((f) => f.owner === 'forwarding' && f.state === 'installed').length >= switches && topology.linkCount >= links, { timeoutMs: 30_000, intervalMs: 100, message: 'table-miss flows on every switch and every link discovered' }).catch(() => undefined);
  expect(ctrl.topology!.linkCount).toBeGreaterThanOrEqual(links);
  // Forwarding holds floods on a switch after it connects until discovery has told its switch
  // links from edge ports (a ping sent before then is dropped by design): wait for that.
  await waitFor(() => fwd!.holding().length === 0, 5_000, 50);
  return lab;
}

/** Forwarding's paths to and from a MAC, and the flow service's forwarding flows naming it: for a failure's message. */
function pathsAndFlowsOf(mac: string): string {
  const paths = fwd!
    .paths()
    .filter((p) => p.src === mac || p.dst === mac)
    .map((p) => `${p.src} -> ${p.dst}: ${p.hops.map((h) => `s${h.dpid} ${h.inPort}->${h.outPort}`).join(', ')}`);
  const flows = apps!.flows
    .flows()
    .filter((f) => f.owner === 'forwarding' && (f.spec.match ?? []).some((m) => (m.field === 'eth_src' || m.field === 'eth_dst') && m.value === mac))
    .map((f) => `s${f.dpid} ${f.state} ${JSON.stringify(f.spec.match)} ${JSON.stringify(f.spec.actions)}`);
  return `paths: ${paths.join('; ') || 'none'}\nflows: ${flows.join('\n') || 'none'}\nflow service: ${JSON.stringify(apps!.flows.counters)}`;
}

/** Parses `ping` output: the icmp_seq numbers answered. */
function answeredSeqs(out: string): number[] {
  return [...out.matchAll(/icmp_seq=(\d+)/g)].map((m) => Number(m[1]));
}

describe('forwarding in Mininet (OpenFlow13)', () => {
  it('tree depth 2 fanout 2: pingall 0% loss, iperf between the farthest hosts', async () => {
    const l = await start({ kind: 'tree', depth: 2, fanout: 2 }, 4);
    const all = await l.pingAll({ count: 1, timeoutSec: 2 });
    expect(all.failures).toEqual([]);
    expect(all.loss).toBe(0);
    const ip = await l.iperf('h1', 'h4', 2);
    expect(ip.bps).toBeGreaterThan(1_000_000);
    expect(apps!.flows.counters.installFailed).toBe(0);
    expect(apps!.status('forwarding')?.state).toBe('running');
  });

  it('ring of 6: pingall 0% loss; a link on the path goes down and pings resume within 2 s; a moved host is reachable again', async () => {
    const l = await start({ kind: 'ring', n: 6 }, 12);
    const all = await l.pingAll({ count: 1, timeoutSec: 2 });
    expect(all.failures).toEqual([]);
    expect(all.loss).toBe(0);
    // h1 → h4: three hops either way; the path goes by s2 (lower dpid first). Ping every 100 ms and cut s1-s2.
    const hosts = await l.hosts();
    const h4 = hosts.find((h) => h.name === 'h4')!.ip;
    expect(await l.ping('h1', 'h4', { count: 1, timeoutSec: 2 })).toMatchObject({ loss: 0 });
    const p14 = fwd!.paths().find((p) => p.src === '00:00:00:00:00:01' && p.dst === '00:00:00:00:00:04');
    expect(p14?.hops.map((h) => h.dpid)).toEqual([1n, 2n, 3n, 4n]);
    await l.cmd('h1', `ping -n -i 0.1 -c 50 -W 1 ${h4} > /tmp/fwd-ring-ping.txt 2>&1 &`);
    // Some pings answered before the cut, so the gap measured below is around the failure.
    await waitFor(async () => [...(await l.cmd('h1', 'cat /tmp/fwd-ring-ping.txt')).matchAll(/icmp_seq=/g)].length >= 5, { timeoutMs: 10_000, intervalMs: 100, message: 'pings answered before the cut' });
    await l.link('s1', 's2', 'down');
    // All 50 pings sent (ping prints its summary when it exits).
    await waitFor(async () => (await l.cmd('h1', 'cat /tmp/fwd-ring-ping.txt')).includes('packets transmitted'), { timeoutMs: 20_000, intervalMs: 250, message: 'the background ping finished' });
    const out = await l.cmd('h1', 'cat /tmp/fwd-ring-ping.txt; rm -f /tmp/fwd-ring-ping.txt');
    const seqs = answeredSeqs(out);
    let gap = 0;
    for (let i = 1; i < seqs.length; i++) gap = Math.max(gap, seqs[i]! - seqs[i - 1]!);
    // 100 ms per sequence number: the longest hole is under 2 s, and the last pings got through.
    expect(gap * 100).toBeLessThan(2000);
    expect(seqs.at(-1)).toBeGreaterThanOrEqual(45);
    const during = await l.pingAll({ count: 1, timeoutSec: 2 });
    expect(during.loss).toBe(0);
    await l.link('s1', 's2', 'up');
    // Move h1 from s1 to s4: same MAC and IP, new switch port.
    const mv = await l.moveHost('h1', 's4');
    expect(mv.switch).toBe('s4');
    let ok = false;
    for (let i = 0; i < 10 && !ok; i++) {
      const r = await l.ping('h1', 'h3', { count: 1, timeoutSec: 1 });
      ok = r.loss === 0;
    }
    expect(ok).toBe(true);
    const back = await l.ping('h5', 'h1', { count: 2, timeoutSec: 2 });
    // Failed once in a loaded CI run: say what forwarding and the flow service held for h1 then.
    expect(back.loss, pathsAndFlowsOf('00:00:00:00:00:01')).toBe(0);
    expect((await l.pingAll({ count: 1, timeoutSec: 2 })).loss).toBe(0);
  });

  it('fat tree k=4 (loops): pingall 0% loss, iperf between the farthest hosts', async () => {
    // 32 links, each discovered in both directions.
    const l = await start({ kind: 'fattree', k: 4 }, 64);
    const all = await l.pingAll({ count: 1, timeoutSec: 2 });
    expect(all.failures).toEqual([]);
    expect(all.loss).toBe(0);
    const hosts = await l.hosts();
    const ip = await l.iperf(hosts[0]!.name, hosts[hosts.length - 1]!.name, 2);
    expect(ip.bps).toBeGreaterThan(1_000_000);
    expect(apps!.flows.counters.installFailed).toBe(0);
  });
});
