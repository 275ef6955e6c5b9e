/**
 * The web console in a real browser (Debian's Chromium via playwright-core) on the real runtime
 * (store, controller, API) with emulated switches: the topology, hosts and events views show the
 * network and follow it live; no console error, no failed request, nothing asked of another
 * origin; with tokens, the login prompt, a read token without write controls, an admin token with.
 * Screenshots of each view go to test-output/console/.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EmulatedFabric } from '../../bench/topology.js';
import { defaultConfig, type ApiToken, type Config } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { emulatedPort } from '../../src/loadgen/features.js';
import { arpRequest } from '../../src/packet/arp.js';
import { startSignalbox, type Running } from '../../src/runtime.js';
import { launchChromium, outputDir, watchPage, type PageProblems } from '../harness/chromium.js';
import { waitFor } from '../harness/exec.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const shots = outputDir('console');
const dirs: string[] = [];
let browser: Browser;

beforeAll(async () => {
  // The console is built by `npm run build` (and `prepare`); build it here when a checkout has not yet.
  if (!existsSync(join(root, 'dist/web/manifest.json'))) execFileSync(process.execPath, [join(root, 'scripts/build-web.mjs')], { stdio: 'inherit' });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

/** The runtime with three emulated switches (s1 in the middle: 1:2—2:3, 1:3—3:3) and three hosts. */
async function startNetwork(tokens: ApiToken[] = []): Promise<{ running: Running; fabric: EmulatedFabric; origin: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sbx-console-'));
  dirs.push(dataDir);
  const config: Config = {
    ...defaultConfig,
    dataDir,
    openflow: { ...defaultConfig.openflow, listen: ['127.0.0.1:0'] },
    api: { ...defaultConfig.api, listen: '127.0.0.1:0', tokens },
  };
  const running = await startSignalbox(config, silentLogger);
  const fabric = new EmulatedFabric(running.controller);
  stops.push(async () => {
    for (const sw of fabric.switches.values()) sw.close();
    await running.stop();
  });
  await Promise.all([fabric.addSwitch(1n, [1, 2, 3]), fabric.addSwitch(2n, [1, 2, 3]), fabric.addSwitch(3n, [1, 2, 3])]);
  fabric.wire(1n, 2, 2n, 3);
  fabric.wire(1n, 3, 3n, 3);
  const topo = running.controller.topology!;
  await waitFor(async () => topo.snapshot().links.length === 4, 15_000, 50);
  fabric.inject(2n, 1, arpRequest({ srcMac: '00:00:00:00:00:01', srcIp: '10.0.0.1', dstIp: '10.0.0.9' }));
  fabric.inject(2n, 2, arpRequest({ srcMac: '00:00:00:00:00:02', srcIp: '10.0.0.2', dstIp: '10.0.0.9' }));
  fabric.inject(3n, 1, arpRequest({ srcMac: '00:00:00:00:00:03', srcIp: '10.0.0.3', dstIp: '10.0.0.9' }));
  await waitFor(async () => topo.snapshot().hosts.length === 3, 10_000, 50);
  return { running, fabric, origin: running.api.address };
}

async function openPage(origin: string): Promise<{ page: Page; problems: PageProblems }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  stops.push(() => context.close());
  const page = await context.newPage();
  const problems = watchPage(page, origin);
  await page.goto(`${origin}/`);
  return { page, problems };
}

function expectClean(p: PageProblems): void {
  expect(p.consoleErrors).toEqual([]);
  expect(p.failedRequests).toEqual([]);
  expect(p.foreignRequests).toEqual([]);
}

describe('web console', () => {
  it('draws the network, follows it live, and lists hosts and events', async () => {
    const { fabric, origin } = await startNetwork();
    const { page, problems } = await openPage(origin);

    const topo = page.locator('section.topology');
    await expect.poll(() => topo.getAttribute('data-switches'), { timeout: 10_000 }).toBe('3');
    await expect.poll(() => topo.getAttribute('data-links-up'), { timeout: 5_000 }).toBe('2');
    await expect.poll(() => topo.getAttribute('data-hosts'), { timeout: 5_000 }).toBe('3');
    await page.locator('.graph canvas').first().waitFor();
    await page.screenshot({ path: join(shots, 'topology.png') });

    // Port 2 of s1 goes down: the s1—s2 pair is drawn down within a second.
    const t0 = Date.now();
    fabric.portStatus(1n, 2, { ...emulatedPort(2), state: 1 });
    await expect.poll(() => topo.getAttribute('data-links-down'), { timeout: 2_000, interval: 50 }).toBe('1');
    expect(Date.now() - t0).toBeLessThan(2_000);
    await page.locator("details.links summary").click();
    await expect.poll(() => page.locator('li[data-link="0000000000000001:2|0000000000000002:3"]').getAttribute('data-state')).toBe('down');
    // A new switch appears without a reload.
    await fabric.addSwitch(4n, [1, 2]);
    await expect.poll(() => topo.getAttribute('data-switches'), { timeout: 2_000 }).toBe('4');

    // Search by IP: the host's detail; by dpid: the switch's, with its ports and (no tokens: local admin) the write controls.
    await page.fill('input[name=search]', '10.0.0.3');
    await page.press('input[name=search]', 'Enter');
    await expect(page.locator('.card[data-host="00:00:00:00:00:03"]').textContent()).resolves.toMatch(/0000000000000003 port 1|port 1/);
    await page.fill('input[name=search]', '2');
    await page.press('input[name=search]', 'Enter');
    await page.locator('.card[data-switch="0000000000000002"] table.ports').waitFor();
    expect(await page.locator('[data-write]').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(shots, 'topology-switch.png') });

    // Hosts: a row per host, searchable and sortable.
    await page.click('header nav a[href="#/hosts"]');
    await expect.poll(() => page.locator('section.hosts tbody tr').count()).toBe(3);
    expect(await page.locator('section.hosts tbody tr').first().locator('td').first().textContent()).toBe('00:00:00:00:00:01');
    await page.click('section.hosts th:nth-child(2) button');
    await page.click('section.hosts th:nth-child(2) button');
    expect(await page.locator('section.hosts tbody tr').first().locator('td').first().textContent()).toBe('00:00:00:00:00:03');
    await page.screenshot({ path: join(shots, 'hosts.png') });
    await page.fill('section.hosts input[name=search]', '10.0.0.2');
    await expect.poll(() => page.locator('section.hosts tbody tr').count()).toBe(1);

    // Events: live; paused, new ones are held and counted; resumed, they show.
    await page.click('header nav a[href="#/events"]');
    const events = page.locator('section.events');
    await events.waitFor();
    // The view's own stream is open once a fresh event reaches it.
    fabric.inject(3n, 2, arpRequest({ srcMac: '00:00:00:00:00:04', srcIp: '10.0.0.4', dstIp: '10.0.0.9' }));
    await expect.poll(() => page.locator('section.events tbody tr[data-type=hostAdded]').count(), { timeout: 5_000 }).toBe(1);
    await page.click('section.events button[name=pause]');
    expect(await events.getAttribute('data-paused')).toBe('true');
    fabric.inject(3n, 2, arpRequest({ srcMac: '00:00:00:00:00:05', srcIp: '10.0.0.5', dstIp: '10.0.0.9' }));
    await expect.poll(() => page.locator('section.events button[name=pause]').textContent(), { timeout: 5_000 }).toMatch(/Resume \(\d+ new\)/);
    expect(await page.locator('section.events tbody tr[data-type=hostAdded]').count()).toBe(1);
    await page.click('section.events button[name=pause]');
    await expect.poll(() => page.locator('section.events tbody tr[data-type=hostAdded]').count()).toBe(2);
    await page.fill('section.events input[name=filter]', '00:00:00:00:00:05');
    await expect.poll(() => page.locator('section.events tbody tr[data-type=hostAdded]').count()).toBe(1);
    for (const row of await page.locator('section.events tbody tr').all()) expect(await row.textContent()).toContain('00:00:00:00:00:05');
    await page.fill('section.events input[name=filter]', '');
    await page.screenshot({ path: join(shots, 'events.png') });

    expectClean(problems);
  }, 90_000);

  it('asks for a token; a read token sees no write control, an admin token does and may write', async () => {
    const tokens: ApiToken[] = [
      { name: 'viewer', token: 'read-secret-0123456789', scope: 'read' },
      { name: 'ops', token: 'admin-secret-0123456789', scope: 'admin' },
    ];
    const { origin } = await startNetwork(tokens);
    const { page, problems } = await openPage(origin);

    // No token: the login prompt and nothing else.
    await page.locator('.login input[name=token]').waitFor();
    expect(await page.locator('section.topology').count()).toBe(0);
    await page.screenshot({ path: join(shots, 'login.png') });
    await page.fill('.login input[name=token]', 'not-a-token');
    await page.click('.login button[type=submit]');
    await expect.poll(() => page.locator('.login .error').textContent()).toMatch(/not valid/);

    // A read token: everything visible, no write control.
    await page.fill('.login input[name=token]', 'read-secret-0123456789');
    await page.click('.login button[type=submit]');
    const topo = page.locator('section.topology');
    await expect.poll(() => topo.getAttribute('data-switches'), { timeout: 10_000 }).toBe('3');
    await expect.poll(() => topo.getAttribute('data-hosts'), { timeout: 5_000 }).toBe('3');
    expect(await page.locator('header .who').getAttribute('data-scope')).toBe('read');
    await page.fill('input[name=search]', '0000000000000001');
    await page.press('input[name=search]', 'Enter');
    await page.locator('.card[data-switch="0000000000000001"] table.ports').waitFor();
    expect(await page.locator('[data-write]').count()).toBe(0);
    // The token is kept for the tab: a reload does not ask again.
    await page.reload();
    await expect.poll(() => page.locator('section.topology').getAttribute('data-switches'), { timeout: 10_000 }).toBe('3');

    // Sign out, then an admin token: the write controls, and a write that passes the API's browser rules.
    await page.click('header button.link');
    await page.locator('.login input[name=token]').waitFor();
    await page.fill('.login input[name=token]', 'admin-secret-0123456789');
    await page.click('.login button[type=submit]');
    await expect.poll(() => page.locator('header .who').getAttribute('data-scope'), { timeout: 10_000 }).toBe('admin');
    await page.fill('input[name=search]', '0000000000000001');
    await page.press('input[name=search]', 'Enter');
    const button = page.locator('.card[data-switch="0000000000000001"] button[data-write=port]').first();
    await button.waitFor();
    const [res] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'PATCH'), button.click()]);
    expect(res.status()).toBe(200);

    expectClean(problems);
  }, 90_000);
});
