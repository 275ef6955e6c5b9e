/** router (+ forwarding, proxy-arp, packet-in meter) on real Open vSwitch in Mininet: hosts in two subnets ping each other through their gateways. */
import { describe, expect, it } from 'vitest';
import { AppManager } from '../../src/apps/manager.js';
import type { ForwardingApp } from '../../src/apps/forwarding/index.js';
import { routerApp } from '../../src/apps/router/index.js';
import { packetInMeterApp } from '../../src/apps/packetin-meter/index.js';
import { Controller } from '../../src/controller.js';
import { startLabController, stopAfterEach } from '../harness/controller.js';
import { startLab, waitFor, type Lab } from '../harness/mininet.js';

let lab: Lab | undefined;
let ctrl: Controller | undefined;
let apps: AppManager | undefined;

/** Stops the lab, then the controller, after each test. */
const stopAfter = stopAfterEach();

describe('router in Mininet (OpenFlow13)', () => {
  it('two subnets on two switches: gateways answer ping, hosts reach the other subnet with the TTL decremented, pingall 0% loss; packet-ins are metered', async () => {
    const router = routerApp();
    const meter = packetInMeterApp();
    const started = await startLabController(['forwarding', 'proxy-arp', 'router', 'packetin-meter'], {
      apps: [router, meter],
      settings: { router: { interfaces: ['10.0.1.254/24', '10.0.2.254/24'] }, 'packetin-meter': { ratePps: 500 } },
    });
    ctrl = stopAfter(started.ctrl);
    apps = started.apps;
    const port = started.port;
    const t = ctrl.topology!;
    lab = stopAfter(await startLab({ kind: 'router', switches: 2 }, { controllerPort: port, waitConnectedMs: 30_000 }));
    expect(lab.connected ?? true).toBe(true);
    await waitFor(() => t.linkCount >= 2 && Object.values(meter.status()).length >= 2, { timeoutMs: 20_000, intervalMs: 100, message: 'both links discovered and both switches metered' }).catch(() => undefined);
    expect(t.linkCount).toBe(2);
    // Forwarding holds floods on a new switch until discovery has probed its ports: wait for that.
    const fwd = apps.instance('forwarding') as unknown as ForwardingApp;
    await waitFor(() => fwd.holding().length === 0, 5_000, 50);
    expect(Object.values(meter.status())).toEqual(['metered', 'metered']);
    // The gateways answer.
    expect((await lab.ping('h1', '10.0.1.254', { count: 2, timeoutSec: 2 })).loss).toBe(0);
    expect((await lab.ping('h3', '10.0.2.254', { count: 2, timeoutSec: 2 })).loss).toBe(0);
    // Across subnets (s1 → s2), with the TTL decremented once by the router.
    const out = await lab.cmd('h1', 'ping -n -c 3 -W 2 10.0.2.2');
    expect(out).toMatch(/3 received/);
    expect(out).toMatch(/ttl=63/);
    expect((await lab.ping('h4', 'h2', { count: 2, timeoutSec: 2 })).loss).toBe(0);
    const all = await lab.pingAll({ count: 1, timeoutSec: 2 });
    expect(all.failures).toEqual([]);
    expect(all.loss).toBe(0);
    // Routed flows are installed along the path: later pings are switched, not sent through the controller.
    expect(router.routes().length).toBeGreaterThan(0);
    expect(apps.flows.flows().some((f) => f.owner === 'router' && f.state === 'installed')).toBe(true);
    // Every flow ends installed: flow mods nobody awaits are confirmed by a barrier up to
    // openflow.lazyConfirmMs after they went out, so the last ones may still be pending here.
    const flows = apps.flows;
    const unsettled = (): string[] => flows.flows().filter((f) => f.state !== 'installed').map((f) => `${f.owner} ${f.state}`);
    await waitFor(() => unsettled().length === 0, { timeoutMs: 5_000, intervalMs: 50, message: () => `every flow installed (not yet: ${unsettled().join(', ')})` }).catch(() => undefined);
    expect(unsettled()).toEqual([]);
    // The meter is added before the flow that uses it, so no flow was refused (not even once on a fresh switch).
    expect(apps.flows.counters.installFailed).toBe(0);
    expect(apps.status('router')?.state).toBe('running');
  });
});
