/**
 * The console's Cluster view and the topology view's colouring by master against a live cluster:
 * two real `signalbox start` processes (built: dist/ must exist, as `npm ci` builds it) over one
 * real etcd, three userspace Open vSwitch bridges connected to both, and headless Chromium on one
 * instance's console. The page shows what the API answers; SIGTERM of the other instance shows it
 * gone and its switches under the survivor within the lease and a second. Screenshots go to
 * test-output/console/.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Locator } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, outputDir, watchPage } from '../harness/chromium.js';
import { mastered, ProcessCluster, requireBuilt, type ClusterJson } from '../harness/cluster-processes.js';
import { waitFor } from '../harness/exec.js';
import { createBridge, ensureOvs, type Bridge } from '../harness/ovs.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const shots = outputDir('console');
const TTL_SEC = 3;
const DPIDS = ['00000000000000c1', '00000000000000c2', '00000000000000c3'];

let browser: Browser;
let cluster: ProcessCluster | undefined;
let context: BrowserContext | undefined;
const bridges: Bridge[] = [];

beforeAll(async () => {
  requireBuilt();
  if (!existsSync(join(root, 'dist/web/manifest.json'))) execFileSync(process.execPath, [join(root, 'scripts/build-web.mjs')], { stdio: 'inherit' });
  await ensureOvs();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await context?.close();
  context = undefined;
  for (const b of bridges.splice(0)) await b.destroy();
  await cluster?.stop();
  cluster = undefined;
});

/** What the cluster view's member rows say: instance → health and the dpids it masters (read at once: rows come and go). */
async function membersShown(view: Locator): Promise<Record<string, string>> {
  const rows = await view.locator('tr[data-member]').evaluateAll((trs) =>
    trs.map((tr) => [tr.getAttribute('data-member'), `${tr.getAttribute('data-health')} ${tr.querySelector('td[data-master-of]')?.getAttribute('data-master-of')}`]),
  );
  return Object.fromEntries(rows);
}

/** The same from the API's answer. */
function membersOf(c: ClusterJson): Record<string, string> {
  return Object.fromEntries(c.members.map((m) => [m.instanceId, `${m.health} ${m.masterOf.join(' ')}`]));
}

/** What the cluster view's switch rows say: dpid → master. */
async function switchesShown(view: Locator): Promise<Record<string, string>> {
  return Object.fromEntries(await view.locator('tr[data-switch]').evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-switch'), tr.getAttribute('data-master')])));
}

/** The colour the topology view draws each switch in (dpid → colour), and each instance's legend colour. */
async function coloursShown(topo: Locator): Promise<{ byDpid: Record<string, string>; legend: Record<string, string> }> {
  const byDpid = Object.fromEntries(((await topo.locator('.graph').getAttribute('data-switch-colors')) ?? '').split(',').filter(Boolean).map((x) => x.split('=')));
  const legend = Object.fromEntries(await topo.locator('.legend [data-instance]').evaluateAll((els) => els.map((el) => [el.getAttribute('data-instance'), el.getAttribute('data-color')])));
  return { byDpid, legend };
}

describe('console against a live cluster', () => {
  it('lists both instances and who masters what, colours switches by master, and follows a SIGTERM of one instance', async () => {
    // An instance that joins gets switches only after a hold-down (10 s by default): short here, so the two share the switches soon.
    const c = (cluster = new ProcessCluster({ apps: 'l2-learning', leaseTtlSec: TTL_SEC, settings: ['cluster.holdDownMs=1000'] }));
    await c.startEtcd();
    // Both at once: a start takes seconds on a loaded machine.
    const [a, b] = await Promise.all([c.startInstance('sbx-c1'), c.startInstance('sbx-c2')]);
    for (const dpid of DPIDS) bridges.push(await createBridge({ dpid, controllers: [a, b].map((i) => `tcp:127.0.0.1:${i.ofPort}`) }));
    const sws = bridges.map((br, k) => ({ name: `s${k + 1}`, bridge: br.name, dpid: DPIDS[k]!, ports: [] }));
    // Switches that connected before both instances knew each other are spread once they do.
    const balanced = async (): Promise<boolean> => (await c.settled(sws, c.instances)) && (await c.clusterOf(a)).members.map((m) => m.masterOf.length).sort().join() === '1,2';
    await waitFor(balanced, { timeoutMs: 30_000, intervalMs: 200, message: c.diagnosed('one master per switch, agreed by both instances and OVS, one instance masters one switch and the other two') });
    const before = await c.clusterOf(a);
    expect(before.members.map((m) => m.masterOf.length).sort()).toEqual([1, 2]);

    const origin = `http://127.0.0.1:${a.apiPort}`;
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const problems = watchPage(page, origin);

    // The cluster view: both instances healthy, each with the switches the API says it masters.
    await page.goto(`${origin}/#/cluster`);
    const view = page.locator('section.cluster');
    await expect.poll(() => view.getAttribute('data-mode'), { timeout: 15_000 }).toBe('cluster');
    await expect.poll(async () => membersShown(view), { timeout: 5_000 }).toEqual(membersOf(await c.clusterOf(a)));
    expect(Object.values(await membersShown(view)).every((x) => x.startsWith('healthy '))).toBe(true);
    await expect.poll(() => switchesShown(view)).toEqual(Object.fromEntries(before.switches.map((s) => [s.dpid, s.master])));
    await page.screenshot({ path: join(shots, 'cluster-live.png') });

    // The topology view: every switch in its master's colour, the legend counting each master's switches.
    await page.click('header nav a[href="#/topology"]');
    const topo = page.locator('section.topology');
    await expect.poll(() => topo.getAttribute('data-switches'), { timeout: 10_000 }).toBe('3');
    await expect.poll(() => topo.getAttribute('data-masters'), { timeout: 5_000 }).toBe(before.members.map((m) => `${m.instanceId}=${m.masterOf.length}`).join(','));
    await expect
      .poll(async () => {
        const { byDpid, legend } = await coloursShown(topo);
        return DPIDS.map((d) => byDpid[d] !== undefined && byDpid[d] === legend[before.switches.find((s) => s.dpid === d)!.master!]);
      })
      .toEqual([true, true, true]);
    const { legend } = await coloursShown(topo);
    expect(new Set(Object.values(legend)).size).toBe(2);
    await page.locator('.graph canvas').first().waitFor();
    await page.screenshot({ path: join(shots, 'topology-cluster-live.png') });

    // SIGTERM of the other instance: the cluster view shows it gone and its switches under this one
    // within the lease and a second, without a reload.
    await page.click('header nav a[href="#/cluster"]');
    await expect.poll(() => view.getAttribute('data-members'), { timeout: 5_000 }).toBe('2');
    const theirs = mastered(before, b.id);
    expect(theirs.length).toBeGreaterThan(0);
    const t0 = performance.now();
    const wall0 = Date.now();
    b.proc!.kill('SIGTERM');
    await expect
      .poll(async () => ({ members: await membersShown(view), switches: await switchesShown(view) }), { timeout: (TTL_SEC + 1) * 1000, interval: 100 })
      .toEqual({ members: { [a.id]: `healthy ${DPIDS.join(' ')}` }, switches: Object.fromEntries(DPIDS.map((d) => [d, a.id])) })
      .catch(async (e: Error) => {
        throw new Error(`${e.message}\n${await c.diagnose()}\n${c.timeline(wall0)}`);
      });
    console.log(`SIGTERM ${b.id}: the cluster view showed its ${theirs.length} switch(es) under ${a.id} after ${Math.round(performance.now() - t0)} ms`);
    await b.exited;
    await page.screenshot({ path: join(shots, 'cluster-after-sigterm.png') });
    expect(await c.clusterOf(a)).toMatchObject({ members: [{ instanceId: a.id, masterOf: DPIDS }] });

    // The topology view: every switch in the survivor's colour.
    await page.click('header nav a[href="#/topology"]');
    await expect.poll(() => topo.getAttribute('data-masters'), { timeout: 5_000 }).toBe(`${a.id}=3`);
    await expect
      .poll(async () => {
        const { byDpid, legend: l } = await coloursShown(topo);
        return DPIDS.map((d) => byDpid[d] === l[a.id]);
      })
      .toEqual([true, true, true]);

    expect(problems.consoleErrors).toEqual([]);
    expect(problems.failedRequests).toEqual([]);
    expect(problems.foreignRequests).toEqual([]);
  }, 90_000);
});
