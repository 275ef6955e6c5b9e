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
import { SwitchModel } from '../unit/api-harness.js';

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

/**
 * The runtime with three emulated switches (s1 in the middle: 1:2—2:3, 1:3—3:3) and three hosts.
 * With `model`, each switch keeps what it is sent and answers flow, port, group and meter stats
 * from it (test/unit/api-harness.ts), from its first message on.
 */
async function startNetwork(tokens: ApiToken[] = [], opts: { model?: boolean } = {}): Promise<{ running: Running; fabric: EmulatedFabric; origin: string; models: Map<bigint, SwitchModel> }> {
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
  const models = new Map<bigint, SwitchModel>();
  await Promise.all(
    [1n, 2n, 3n].map((dpid) => {
      const admitted = fabric.addSwitch(dpid, [1, 2, 3]);
      if (opts.model) models.set(dpid, new SwitchModel(fabric.switches.get(dpid)!));
      return admitted;
    }),
  );
  fabric.wire(1n, 2, 2n, 3);
  fabric.wire(1n, 3, 3n, 3);
  const topo = running.controller.topology!;
  await waitFor(async () => topo.snapshot().links.length === 4, 15_000, 50);
  fabric.inject(2n, 1, arpRequest({ srcMac: '00:00:00:00:00:01', srcIp: '10.0.0.1', dstIp: '10.0.0.9' }));
  fabric.inject(2n, 2, arpRequest({ srcMac: '00:00:00:00:00:02', srcIp: '10.0.0.2', dstIp: '10.0.0.9' }));
  fabric.inject(3n, 1, arpRequest({ srcMac: '00:00:00:00:00:03', srcIp: '10.0.0.3', dstIp: '10.0.0.9' }));
  await waitFor(async () => topo.snapshot().hosts.length === 3, 10_000, 50);
  return { running, fabric, origin: running.api.address, models };
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
  it('switch view: live flows with their apps, ports with rates, groups and meters; an admin adds and deletes a static flow, a refusal shown at its field; the load overlay', async () => {
    const { origin, models } = await startNetwork([], { model: true });
    const D1 = '0000000000000001';
    const rest = async <T,>(path: string, init: RequestInit = {}): Promise<T> => {
      const res = await fetch(`${origin}/api/v1${path}`, { ...init, headers: init.body ? { 'content-type': 'application/json' } : {} });
      expect(res.ok, `${path}: HTTP ${res.status}`).toBe(true);
      return (await res.json()) as T;
    };
    await rest('/apps/static-flows/enable', { method: 'POST', body: '{}' });
    const { page, problems } = await openPage(origin);

    // From the topology: a switch's card links to its view.
    await page.fill('input[name=search]', D1);
    await page.press('input[name=search]', 'Enter');
    await page.click(`.card[data-switch="${D1}"] a.open-switch`);
    const view = page.locator(`section.switch[data-dpid="${D1}"]`);
    await view.waitFor();
    expect(page.url()).toContain(`#/switch/${D1}`);

    // The flow table is the switch's, each flow with its owner.
    type Flow = { priority: number; tableId: number; owner: string | null; packetCount: string };
    const flows = await rest<Flow[]>(`/switches/${D1}/flows`);
    expect(flows.length).toBeGreaterThan(0);
    const card = view.locator('.flows-card');
    await expect.poll(() => card.getAttribute('data-flows'), { timeout: 10_000 }).toBe(String(flows.length));
    const rows = card.locator('tbody tr');
    const shown = await rows.evaluateAll((trs) => trs.map((tr) => [Number(tr.getAttribute('data-table')), Number(tr.getAttribute('data-priority')), tr.getAttribute('data-owner'), tr.getAttribute('data-packets')]));
    const want = flows.map((f) => [f.tableId, f.priority, f.owner ?? '', f.packetCount]).sort((a, b) => Number(a[0]) - Number(b[0]) || Number(b[1]) - Number(a[1]));
    expect(shown).toEqual(want);
    // Filter by app: only that owner's flows.
    const owner = flows.find((f) => f.owner)!.owner!;
    await card.locator('select[name=owner]').selectOption(owner);
    await expect.poll(() => rows.count()).toBe(flows.filter((f) => f.owner === owner).length);
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-owner')))).toEqual(flows.filter((f) => f.owner === owner).map(() => owner));
    await card.locator('select[name=owner]').selectOption('');

    // Ports with live rates (the model's counters stand still: 0 b/s once two samples are in), groups and meters.
    await expect.poll(() => view.locator('tr[data-port="2"] td[data-rx-bps]').getAttribute('data-rx-bps'), { timeout: 10_000 }).toBe('0');
    expect(Number(await view.locator('figure.port-chart').getAttribute('data-points'))).toBeGreaterThanOrEqual(2);
    const meters = await rest<unknown[]>(`/switches/${D1}/meters`);
    await expect.poll(() => view.locator('table.meters').getAttribute('data-meters')).toBe(String(meters.length));
    expect(await view.locator('table.groups').getAttribute('data-groups')).toBe('0');

    // A bad field: the API's 400, its message next to that field, nothing stored or installed.
    const form = view.locator('form.static-flow');
    await form.locator('input[name=name]').fill('bad-one');
    await form.locator('input[name=priority]').fill('70000');
    await form.locator('input[name=match]').fill('eth_type=0x0800, ipv4_dst=10.0.0.9');
    await form.locator('input[name=actions]').fill('output:2');
    const [bad] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), form.locator('button[type=submit]').click()]);
    expect(bad.status()).toBe(400);
    const apiError = (await bad.json()) as { message: string; field: string };
    expect(apiError.field).toBe('body.priority');
    await expect.poll(() => form.locator('.field-error[data-field=priority]').textContent()).toBe(apiError.message);
    expect(await form.locator('.field-error').count()).toBe(1);
    expect(await rest<unknown[]>('/static-flows')).toEqual([]);
    expect(models.get(1n)!.flows.some((f) => f.priority === 70000 || f.priority === 300)).toBe(false);
    await page.screenshot({ path: join(shots, 'switch-static-flow-error.png') });

    // A good one: stored, installed on the switch, listed, and in the flow table.
    await form.locator('input[name=name]').fill('web-h9');
    await form.locator('input[name=priority]').fill('300');
    const [good] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), form.locator('button[type=submit]').click()]);
    expect(good.status()).toBe(201);
    await view.locator('li[data-static-flow="web-h9"]').waitFor();
    expect(await form.locator('.field-error').count()).toBe(0);
    await waitFor(async () => models.get(1n)!.flows.some((f) => f.priority === 300), 5_000, 50);
    await card.locator('button[name=refresh]').click();
    await expect.poll(() => card.locator('tbody tr[data-priority="300"]').getAttribute('data-owner')).toBe('static-flows');
    expect(await card.locator('tbody tr[data-priority="300"] td.match').textContent()).toBe('eth_type=0x0800, ipv4_dst=10.0.0.9');
    await view.evaluate((el) => el.scrollTo(0, 0));
    await page.screenshot({ path: join(shots, 'switch.png') });

    // Delete: gone from the store and from the switch.
    await view.locator('li[data-static-flow="web-h9"] button[data-write=static-flow-delete]').click();
    await expect.poll(() => view.locator('li[data-static-flow]').count()).toBe(0);
    expect(await rest<unknown[]>('/static-flows')).toEqual([]);
    await waitFor(async () => !models.get(1n)!.flows.some((f) => f.priority === 300), 5_000, 50);

    // The load overlay: every link pair gets its load (0 b/s here) once two polls are in.
    await page.click('header nav a[href="#/topology"]');
    const topo = page.locator('section.topology');
    await topo.waitFor();
    await page.check('input[name=load]');
    await expect.poll(() => topo.getAttribute('data-load')).toBe('on');
    await page.locator('details.links summary').click();
    await expect.poll(() => page.locator('li[data-link][data-load-ab-bps="0"]').count(), { timeout: 10_000 }).toBe(2);
    expect(await page.locator('li[data-link]').first().getAttribute('data-load-band')).toBe('< 1 %');
    await page.screenshot({ path: join(shots, 'topology-load.png') });
    await page.uncheck('input[name=load]');
    await expect.poll(() => topo.getAttribute('data-load')).toBe('off');

    // The one refused request is the bad static flow, on purpose.
    expect(problems.failedRequests).toEqual([expect.stringMatching(/^POST .*\/api\/v1\/static-flows: HTTP 400$/)]);
    expect(problems.consoleErrors.filter((e) => !/status of 400/.test(e))).toEqual([]);
    expect(problems.foreignRequests).toEqual([]);
  }, 150_000);
});
