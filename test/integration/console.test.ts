/**
 * The web console in a real browser (Debian's Chromium via playwright-core) on the real runtime
 * (store, controller, API) with emulated switches: the topology, hosts and events views show the
 * network and follow it live; no console error, no failed request, nothing asked of another
 * origin; with tokens, the login prompt, a read token without write controls, an admin token with.
 * Screenshots of each view go to test-output/console/.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EmulatedFabric } from '../../bench/topology.js';
import { defaultConfig, type ApiToken, type Config } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { emulatedPort } from '../../src/loadgen/features.js';
import { arpRequest } from '../../src/packet/arp.js';
import { buildPacket } from '../../src/packet/packet.js';
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

/** The topology colours of a switch and of the selected node (web/src/topology-graph.ts COLORS) as canvas pixels. */
const SWITCH_RGBA = [0x25, 0x63, 0xeb, 255];
const SELECTED_RGBA = [0xf9, 0x73, 0x16, 255];

/** The pixel at the centre of a graph's canvas (what Find centres), or `dx` CSS pixels right of it. */
function centrePixel(canvas: Locator, dx = 0): Promise<number[]> {
  return canvas.evaluate((el, dx) => {
    const c = el as unknown as { width: number; height: number; clientWidth: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
    const x = Math.floor(c.width / 2 + (dx * c.width) / c.clientWidth);
    return [...c.getContext('2d').getImageData(x, Math.floor(c.height / 2), 1, 1).data];
  }, dx);
}

function expectClean(p: PageProblems): void {
  expect(p.consoleErrors, p.consoleErrors.join('\n')).toEqual([]);
  expect(p.failedRequests, p.failedRequests.join('\n')).toEqual([]);
  expect(p.foreignRequests, p.foreignRequests.join('\n')).toEqual([]);
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
    // A search for a switch not there yet says so, and finds it once it connects (no second Find).
    await page.fill('input[name=search]', '5');
    await page.press('input[name=search]', 'Enter');
    await page.locator('form[role=search] .error').waitFor();
    await fabric.addSwitch(5n, [1]);
    await page.locator('.card[data-switch="0000000000000005"]').waitFor({ timeout: 5_000 });
    expect(await page.locator('form[role=search] .error').count()).toBe(0);

    // Search by IP: the host's detail; by dpid: the switch's, with its ports and (no tokens: local admin) the write controls.
    await page.fill('input[name=search]', '10.0.0.3');
    await page.press('input[name=search]', 'Enter');
    await expect(page.locator('.card[data-host="00:00:00:00:00:03"]').textContent()).resolves.toMatch(/0000000000000003 port 1|port 1/);
    await page.fill('input[name=search]', '2');
    await page.press('input[name=search]', 'Enter');
    await page.locator('.card[data-switch="0000000000000002"] table.ports').waitFor();
    expect(await page.locator('[data-write]').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(shots, 'topology-switch.png') });

    // The canvas: Find centred s2 (drawn there in the selection colour); a click on empty canvas
    // clears the selection, a click on the centre picks s2 again.
    const canvas = page.locator('section.topology .graph canvas');
    const box = (await canvas.boundingBox())!;
    await expect.poll(() => centrePixel(canvas), { timeout: 5_000 }).toEqual(SELECTED_RGBA);
    await page.mouse.click(box.x + 5, box.y + 5);
    await page.locator('section.topology .detail .hint').waitFor();
    await expect.poll(() => centrePixel(canvas), { timeout: 5_000 }).toEqual(SWITCH_RGBA);
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.locator('.card[data-switch="0000000000000002"]').waitFor();
    await expect.poll(() => centrePixel(canvas), { timeout: 5_000 }).toEqual(SELECTED_RGBA);
    // Keys on the focused graph: an arrow pans s2 away from the centre, the other one back.
    await canvas.focus();
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => centrePixel(canvas), { timeout: 5_000 }).not.toEqual(SELECTED_RGBA);
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => centrePixel(canvas), { timeout: 5_000 }).toEqual(SELECTED_RGBA);
    // Two fingers 100 px right of the centre spread from 60 to 180 px apart: the view zooms 3× about
    // them, so s2 (at the centre) is drawn 200 px left of it.
    const cdp = await page.context().newCDPSession(page);
    const [mx, my] = [box.x + box.width / 2 + 100, box.y + box.height / 2];
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: mx - 30, y: my, id: 1 }, { x: mx + 30, y: my, id: 2 }] });
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: mx - 90, y: my, id: 1 }, { x: mx + 90, y: my, id: 2 }] });
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await expect.poll(() => centrePixel(canvas, -200), { timeout: 5_000 }).toEqual(SELECTED_RGBA);

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
    // The view has its own stream: an event sent before its hello would not reach it.
    await expect.poll(() => events.getAttribute('data-stream'), { timeout: 5_000 }).toBe('open');
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

    // From the topology: a switch's card links to its view, and so does a double click on the
    // switch (Find centres it). Searched once the view has the switches (a search finds what is loaded).
    await expect.poll(() => page.locator('section.topology').getAttribute('data-switches'), { timeout: 10_000 }).toBe('3');
    await page.fill('input[name=search]', D1);
    await page.press('input[name=search]', 'Enter');
    await page.locator(`.card[data-switch="${D1}"] a.open-switch`).waitFor();
    const canvas = page.locator('section.topology .graph canvas');
    await expect.poll(() => centrePixel(canvas), { timeout: 5_000 }).toEqual(SELECTED_RGBA);
    const box = (await canvas.boundingBox())!;
    await page.mouse.dblclick(box.x + box.width / 2, box.y + box.height / 2);
    await expect.poll(() => page.url()).toContain(`#/switch/${D1}`);
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

  it('apps: an admin enables, disables and configures (the API refuses a bad value, shown at its field; a save stores only what changed); a read token sees no write control', async () => {
    const tokens: ApiToken[] = [
      { name: 'viewer', token: 'read-secret-0123456789', scope: 'read' },
      { name: 'ops', token: 'admin-secret-0123456789', scope: 'admin' },
    ];
    const { origin } = await startNetwork(tokens);
    const rest = async <T,>(path: string, init: RequestInit = {}): Promise<T> => {
      const headers = { authorization: 'Bearer admin-secret-0123456789', ...(init.body ? { 'content-type': 'application/json' } : {}) };
      const res = await fetch(`${origin}/api/v1${path}`, { ...init, headers });
      expect(res.ok, `${path}: HTTP ${res.status}`).toBe(true);
      return (await res.json()) as T;
    };
    // The network config declares one forwarding setting: the console shows it read-only.
    await rest('/config/apply', { method: 'POST', body: JSON.stringify({ text: 'settings:\n  forwarding:\n    idleTimeoutSec: 45\n', file: 'net.yaml' }) });
    const { page, problems } = await openPage(origin);
    await page.fill('.login input[name=token]', 'admin-secret-0123456789');
    await page.click('.login button[type=submit]');
    await page.locator('section.topology').waitFor();

    // The list: one row per app, with its state.
    await page.click('header nav a[href="#/apps"]');
    const apps = await rest<{ name: string; state: string }[]>('/apps');
    await expect.poll(() => page.locator('section.apps tbody tr').count()).toBe(apps.length);
    const arp = page.locator('section.apps tr[data-app=proxy-arp]');
    expect(await arp.getAttribute('data-state')).toBe('running');
    await page.screenshot({ path: join(shots, 'apps.png') });

    // Disable, then enable again: the API holds the new state each time.
    await arp.locator('button[data-write=app-toggle]').click();
    await expect.poll(() => arp.getAttribute('data-state')).toBe('stopped');
    expect((await rest<{ state: string }>('/apps/proxy-arp')).state).toBe('stopped');
    await arp.locator('button[data-write=app-toggle]').click();
    await expect.poll(() => arp.getAttribute('data-state')).toBe('running');
    expect((await rest<{ state: string }>('/apps/proxy-arp')).state).toBe('running');

    // Config: the declared key is read-only; a bad value is the API's 400, shown at its field, and changes nothing.
    await page.click('section.apps tr[data-app=forwarding] a');
    const form = page.locator('form[data-app-config=forwarding]');
    await form.locator('input[name=flowPriority]').waitFor();
    expect(await form.locator('input[name=idleTimeoutSec]').getAttribute('readonly')).not.toBeNull();
    expect(await form.locator('dd[data-field=idleTimeoutSec]').textContent()).toContain('declared by net.yaml');
    const before = await rest<Record<string, unknown>>('/apps/forwarding/config');
    expect(before.idleTimeoutSec).toBe(45);
    // Save with nothing changed: nothing is sent, nothing stored (the defaults stay defaults).
    const puts: string[] = [];
    page.on('request', (r) => r.method() === 'PUT' && puts.push(r.url()));
    await form.locator('button[name=save]').click();
    await expect.poll(() => form.locator('[role=status]').textContent()).toMatch(/Nothing changed/);
    expect(puts).toEqual([]);
    expect(await rest('/apps/forwarding/config/override')).toEqual({});
    await form.locator('input[name=flowPriority]').fill('-5');
    const [bad] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'PUT'), form.locator('button[name=save]').click()]);
    expect(bad.status()).toBe(400);
    const apiError = (await bad.json()) as { message: string; field: string };
    expect(apiError.field).toBe('body.flowPriority');
    await expect.poll(() => form.locator('dd[data-field=flowPriority] .field-error').textContent()).toBe(apiError.message);
    expect(await rest('/apps/forwarding/config')).toEqual(before);
    await page.screenshot({ path: join(shots, 'apps-config-error.png') });
    // A good value is stored and applied.
    await form.locator('input[name=flowPriority]').fill('20');
    const [good] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'PUT'), form.locator('button[name=save]').click()]);
    expect(good.status()).toBe(200);
    await expect.poll(() => form.locator('[role=status]').textContent()).toMatch(/Saved/);
    expect(await form.locator('.field-error').count()).toBe(0);
    expect(await rest('/apps/forwarding/config')).toEqual({ ...before, flowPriority: 20 });
    // Only what the user changed is stored as the override, not every default shown in the form.
    expect(await rest('/apps/forwarding/config/override')).toEqual({ flowPriority: 20 });

    // A read token: the same lists, no write control, every setting read-only.
    await page.click('header button.link');
    await page.fill('.login input[name=token]', 'read-secret-0123456789');
    await page.click('.login button[type=submit]');
    await page.locator('header .who[data-scope=read]').waitFor();
    await page.goto(`${origin}/#/apps/forwarding`);
    await page.locator('form[data-app-config=forwarding] input[name=flowPriority]').waitFor();
    await expect.poll(() => page.locator('section.apps tbody tr').count()).toBe(apps.length);
    expect(await page.locator('[data-write]').count()).toBe(0);
    expect(await page.locator('form[data-app-config=forwarding] input[name=flowPriority]').getAttribute('readonly')).not.toBeNull();
    expect(await page.locator('form[data-app-config=forwarding] input[name=flowPriority]').inputValue()).toBe('20');

    // The one refused request is the bad config, on purpose.
    expect(problems.failedRequests).toEqual([expect.stringMatching(/^PUT .*\/api\/v1\/apps\/forwarding\/config: HTTP 400$/)]);
    expect(problems.consoleErrors.filter((e) => !/status of 400/.test(e))).toEqual([]);
    expect(problems.foreignRequests).toEqual([]);
  }, 120_000);

  it('paths: two hosts, the path the API computes lit on the graph, and the trace hop by hop with each flow’s owner', async () => {
    const { running, fabric, origin } = await startNetwork();
    // h1 (s2 port 1) pings h3 (s3 port 1): forwarding installs the path's flows (s2 → s1 → s3).
    fabric.inject(2n, 1, buildPacket({ eth: { src: '00:00:00:00:00:01', dst: '00:00:00:00:00:03' }, ipv4: { src: '10.0.0.1', dst: '10.0.0.3' }, icmp: { kind: 'echo', type: 8, code: 0, id: 1, seq: 1, data: Buffer.alloc(0) } }));
    const flows = running.controller.flows!;
    await waitFor(async () => [1n, 2n, 3n].every((d) => flows.flows(d).some((r) => r.owner === 'forwarding' && (r.spec.priority ?? 0) > 0)), 10_000, 50);
    const { page, problems } = await openPage(origin);
    await page.locator('section.topology').waitFor();
    await expect.poll(() => page.locator('section.topology').getAttribute('data-hosts'), { timeout: 10_000 }).toBe('3');

    await page.click('header nav a[href="#/paths"]');
    const view = page.locator('section.paths');
    await page.fill('section.paths input[name=from]', '10.0.0.1');
    await page.fill('section.paths input[name=to]', '00:00:00:00:00:03');
    await page.selectOption('section.paths select[name=source]', 'desired');
    const rest = (await (await fetch(`${origin}/api/v1/paths?src=10.0.0.1&dst=00:00:00:00:00:03&k=2`)).json()) as { paths: { hops: string[] }[] };
    const hex = (n: number): string => n.toString(16).padStart(16, '0');
    expect(rest.paths[0]!.hops).toEqual([hex(2), hex(1), hex(3)]);
    await page.click('section.paths button[type=submit]');
    await expect.poll(() => view.getAttribute('data-path')).toBe(rest.paths[0]!.hops.join(','));
    expect(await page.locator('section.paths .path-list li').count()).toBe(rest.paths.length);
    // The trace: one hop per switch of the path, each matching a forwarding flow, delivered to h3.
    await expect
      .poll(() => view.getAttribute('data-outcome'), { timeout: 10_000 })
      .toBe('delivered')
      .catch(async (e: Error) => {
        throw new Error(`${e.message}; the view shows: ${await page.locator('section.paths aside').textContent()}; problems: ${JSON.stringify(problems)}`);
      });
    const hops = page.locator('section.paths .trace li[data-hop]');
    expect(await hops.evaluateAll((els) => els.map((e) => e.getAttribute('data-hop')))).toEqual(rest.paths[0]!.hops);
    for (const hop of await hops.all()) expect(await hop.locator('tr[data-owner=forwarding]').count()).toBeGreaterThan(0);
    expect(await page.locator('section.paths .trace').textContent()).toContain('host 00:00:00:00:00:03');
    await page.locator('section.paths .graph canvas').first().waitFor();
    await page.screenshot({ path: join(shots, 'paths.png') });

    // Two switches: the path, no trace; an unknown end: the API's message.
    await page.fill('section.paths input[name=from]', '2');
    await page.fill('section.paths input[name=to]', '0000000000000003');
    await page.click('section.paths button[type=submit]');
    await expect.poll(() => view.getAttribute('data-path')).toBe([hex(2), hex(1), hex(3)].join(','));
    expect(await page.locator('section.paths .trace').count()).toBe(0);
    await page.fill('section.paths input[name=to]', '10.9.9.9');
    await page.click('section.paths button[type=submit]');
    await expect.poll(() => page.locator('section.paths .toolbar .error').textContent()).toMatch(/query\.dst/);

    expect(problems.failedRequests).toEqual([expect.stringMatching(/\/api\/v1\/paths\?.*: HTTP 404$/)]);
    expect(problems.consoleErrors.filter((e) => !/status of 404/.test(e))).toEqual([]);
    expect(problems.foreignRequests).toEqual([]);
  }, 120_000);

  it('cluster: standalone says so; a cluster answer (recorded) lists the instances and colours switches by master', async () => {
    const { origin } = await startNetwork();
    const { page, problems } = await openPage(origin);
    await page.locator('section.topology').waitFor();
    expect(await page.locator('section.topology').getAttribute('data-masters')).toBe('');
    await page.click('header nav a[href="#/cluster"]');
    await expect.poll(() => page.locator('section.cluster').getAttribute('data-mode')).toBe('standalone');
    expect(await page.locator('section.cluster').textContent()).toMatch(/not part of a cluster/);

    // The same page against a cluster's answer (two instances; no etcd here: the answer is a fixture in the API's ClusterStatus shape).
    const recorded = readFileSync(join(root, 'test/fixtures/console/cluster-status.json'), 'utf8');
    await page.route('**/api/v1/cluster', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: recorded }));
    await page.reload();
    const view = page.locator('section.cluster');
    await expect.poll(() => view.getAttribute('data-mode'), { timeout: 10_000 }).toBe('cluster');
    expect(await view.locator('tr[data-member]').count()).toBe(2);
    expect(await view.locator('tr[data-member=sbx-a] td[data-masters]').textContent()).toMatch(/^2: /);
    expect(await view.locator('tr[data-member=sbx-b] td[data-masters]').textContent()).toMatch(/^1: /);
    expect(await view.locator('tr[data-switch="0000000000000003"]').getAttribute('data-master')).toBe('sbx-b');
    await page.screenshot({ path: join(shots, 'cluster.png') });
    await page.click('header nav a[href="#/topology"]');
    const topo = page.locator('section.topology');
    await expect.poll(() => topo.getAttribute('data-masters'), { timeout: 5_000 }).toBe('sbx-a=2,sbx-b=1');
    expect(await topo.locator('.legend').textContent()).toContain('sbx-b (1)');
    await page.locator('.graph canvas').first().waitFor();
    await page.screenshot({ path: join(shots, 'topology-cluster.png') });
    expectClean(problems);
  }, 120_000);
});
