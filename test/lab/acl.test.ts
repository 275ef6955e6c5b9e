/** acl (+ forwarding, proxy-arp) on real Open vSwitch in Mininet: exactly the denied traffic is blocked, an allow exception goes through, and removing the rules restores everything. */
import { describe, expect, it } from 'vitest';
import { AppManager } from '../../src/apps/manager.js';
import type { ForwardingApp } from '../../src/apps/forwarding/index.js';
import { aclApp } from '../../src/apps/acl/index.js';
import { Controller } from '../../src/controller.js';
import { startLabController, stopAfterEach } from '../harness/controller.js';
import { startLab, waitFor, type Lab } from '../harness/mininet.js';

let lab: Lab | undefined;
let ctrl: Controller | undefined;
let apps: AppManager | undefined;

/** Stops the lab, then the controller, after each test. */
const stopAfter = stopAfterEach();

describe('acl in Mininet (OpenFlow13)', () => {
  it('tree 2x2: denies exactly what the rules say, lets the allowed exception through, and forgets deleted rules', async () => {
    const acl = aclApp();
    const started = await startLabController(['forwarding', 'proxy-arp', 'acl'], { apps: [acl] });
    ctrl = stopAfter(started.ctrl);
    apps = started.apps;
    const port = started.port;
    const t = ctrl.topology!;
    lab = stopAfter(await startLab({ kind: 'tree', depth: 2, fanout: 2 }, { controllerPort: port, waitConnectedMs: 30_000 }));
    expect(lab.connected ?? true).toBe(true);
    await waitFor(() => t.linkCount >= 4, { timeoutMs: 20_000, intervalMs: 100, message: '4 links discovered' }).catch(() => undefined);
    // Forwarding holds floods on a new switch until discovery has probed its ports: wait for that.
    const fwd = apps.instance('forwarding') as unknown as ForwardingApp;
    const flows = apps.flows;
    /** Every acl flow the flow service holds is on the switches (none pending). */
    const aclSettled = (): boolean => flows.flows().filter((f) => f.owner === 'acl').every((f) => f.state === 'installed');
    await waitFor(() => fwd.holding().length === 0, 5_000, 50);
    expect((await lab.pingAll({ count: 1, timeoutSec: 2 })).loss).toBe(0);
    const ip = Object.fromEntries((await lab.hosts()).map((h) => [h.name, h.ip]));
    // h1 may ping h3 (echo requests are an exception), nothing else from h1 reaches h3: so h3's echo replies to h1 die, and h3 cannot ping h1.
    const allow = await acl.add({ action: 'allow', match: { ipv4Src: ip.h1, ipv4Dst: ip.h3, icmpType: 8 }, description: 'h1 may ping h3' });
    const deny = await acl.add({ action: 'deny', match: { ipv4Src: ip.h1, ipv4Dst: ip.h3 }, description: 'nothing else from h1 to h3' });
    await waitFor(aclSettled, { timeoutMs: 5_000, intervalMs: 50, message: 'acl flows installed' });
    await waitFor(async () => (await lab!.ping('h3', 'h1', { count: 1, timeoutSec: 1 })).loss > 0, { timeoutMs: 5_000, intervalMs: 100, message: 'h3 cut off from h1' });
    const all = await lab.pingAll({ count: 1, timeoutSec: 1 });
    expect(all.failures).toEqual([['h3', 'h1']]);
    expect((await lab.ping('h1', 'h3', { count: 2, timeoutSec: 2 })).loss).toBe(0);
    // Deny every IPv4 packet to h4 on all switches: h4 is cut off, the rest is untouched.
    const cut = await acl.add({ action: 'deny', match: { ipv4Dst: ip.h4 } }, 0);
    await waitFor(aclSettled, { timeoutMs: 5_000, intervalMs: 50, message: 'acl flows installed' });
    await waitFor(async () => (await lab!.ping('h1', 'h4', { count: 1, timeoutSec: 1 })).loss > 0, { timeoutMs: 5_000, intervalMs: 100, message: 'h4 cut off' });
    const again = await lab.pingAll({ count: 1, timeoutSec: 1 });
    const fails = again.failures.map(([a, b]) => `${a}>${b}`).sort();
    expect(fails).toEqual(['h1>h4', 'h2>h4', 'h3>h1', 'h3>h4', 'h4>h1', 'h4>h2', 'h4>h3'].sort());
    for (const r of [cut, deny, allow]) expect(await acl.remove(r.id)).toBe(true);
    await waitFor(() => flows.flows().every((f) => f.owner !== 'acl'), { timeoutMs: 5_000, intervalMs: 50, message: 'acl flows removed' });
    await waitFor(async () => (await lab!.ping('h3', 'h1', { count: 1, timeoutSec: 1 })).loss === 0 && (await lab!.ping('h1', 'h4', { count: 1, timeoutSec: 1 })).loss === 0, { timeoutMs: 5_000, intervalMs: 100, message: 'h1, h3 and h4 reach each other again' });
    expect((await lab.pingAll({ count: 1, timeoutSec: 2 })).loss).toBe(0);
  });
});
