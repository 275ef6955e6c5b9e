/**
 * The web console on a real network: `signalbox start`'s runtime, a Mininet tree,2,3 on
 * userspace Open vSwitch, and headless Chromium. After a pingall the topology view shows every
 * switch and host, with the counts of `GET /api/v1/topology`; `link s1 s2 down` is drawn down
 * within 2 s and up again after `link s1 s2 up`. The paths view shows the path of
 * `GET /api/v1/paths` between two hosts on different leaves and the live trace delivering along
 * it. Screenshots of each view go to test-output/console/.
 */
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { outputDir } from '../harness/chromium.js';
import { startConsoleLab, type ConsoleLab } from '../harness/console-lab.js';

const shots = outputDir('console');
let net: ConsoleLab | undefined;
afterAll(async () => {
  await net?.stop();
});

interface TopologyJson {
  switches: { dpid: string; name?: string }[];
  links: unknown[];
  hosts: unknown[];
}

it('shows every switch and host of a Mininet tree after a pingall, and a link going down and up', async () => {
  // tree,2,3: 4 switches, 3 links (6 directed), 9 hosts, all known after a pingall.
  net = await startConsoleLab({ depth: 2, fanout: 3, viewport: { width: 1280, height: 800 } });
  const { origin, lab, page, problems } = net;
  await page.goto(`${origin}/`);
  const rest = (await (await fetch(`${origin}/api/v1/topology`)).json()) as TopologyJson;
  expect(rest.switches).toHaveLength(4);
  expect(rest.hosts).toHaveLength(9);
  const view = page.locator('section.topology');
  await expect.poll(() => view.getAttribute('data-switches'), { timeout: 10_000 }).toBe(String(rest.switches.length));
  await expect.poll(() => view.getAttribute('data-links-up'), { timeout: 5_000 }).toBe(String(rest.links.length / 2));
  await expect.poll(() => view.getAttribute('data-hosts'), { timeout: 5_000 }).toBe(String(rest.hosts.length));
  expect(await view.getAttribute('data-links-down')).toBe('0');
  // Switches carry their bridge names (the lab prefixes Mininet's `s1`... to keep labs apart).
  const labSwitches = await lab.switches();
  const bridge = new Map(labSwitches.map((s) => [s.dpid.padStart(16, '0'), s.bridge]));
  for (const s of rest.switches) expect(s.name).toBe(bridge.get(s.dpid));
  const dpidOf = (name: string): string => labSwitches.find((s) => s.name === name)!.dpid.padStart(16, '0');
  await page.locator('.graph canvas').first().waitFor();
  await page.screenshot({ path: join(shots, 'lab-topology.png') });

  await lab.link('s1', 's2', 'down');
  const downAt = Date.now();
  await expect.poll(() => view.getAttribute('data-links-down'), { timeout: 2_000, interval: 50 }).toBe('1');
  expect(Date.now() - downAt).toBeLessThan(2_000);
  await page.locator('details.links summary').click();
  const s1 = dpidOf('s1');
  const s2 = dpidOf('s2');
  const down = page.locator('ul.plain li[data-state=down]');
  // The list renders after the toggle event, a frame after the click.
  await expect.poll(() => down.count(), { timeout: 2_000, interval: 50 }).toBe(1);
  expect(await down.getAttribute('data-link')).toMatch(new RegExp(`^${s1}:\\d+\\|${s2}:\\d+$`));
  await page.fill('input[name=search]', bridge.get(s2)!);
  await page.press('input[name=search]', 'Enter');
  await page.locator(`.card[data-switch="${s2}"] table.ports`).waitFor();
  await page.screenshot({ path: join(shots, 'lab-topology-link-down.png') });

  await lab.link('s1', 's2', 'up');
  // Up again once LLDP has crossed it both ways (a probe interval or two).
  await expect.poll(() => view.getAttribute('data-links-down'), { timeout: 10_000, interval: 100 }).toBe('0');
  expect(await view.getAttribute('data-links-up')).toBe('3');

  await page.click('header nav a[href="#/hosts"]');
  await expect.poll(() => page.locator('section.hosts tbody tr').count()).toBe(9);
  await page.screenshot({ path: join(shots, 'lab-hosts.png') });
  await page.click('header nav a[href="#/events"]');
  await page.locator('section.events').waitFor();
  // The view has its own stream: a change before its hello would not reach it.
  await expect.poll(() => page.locator('section.events').getAttribute('data-stream'), { timeout: 5_000 }).toBe('open');
  await lab.link('s1', 's3', 'down');
  await expect.poll(() => page.locator('section.events tbody tr[data-type=linkRemoved]').count(), { timeout: 5_000 }).toBeGreaterThan(0);
  await page.screenshot({ path: join(shots, 'lab-events.png') });
  await lab.link('s1', 's3', 'up');

  // Paths: h1 (on s2) to h9 (on s4) crosses s1; after a ping the live trace follows forwarding's flows there.
  const hosts = await lab.hosts();
  const h1 = hosts.find((h) => h.name === 'h1')!;
  const h9 = hosts.find((h) => h.name === 'h9')!;
  expect((await lab.ping('h1', 'h9', { count: 1, timeoutSec: 2 })).loss).toBe(0);
  const paths = (await (await fetch(`${origin}/api/v1/paths?src=${h1.ip}&dst=${h9.mac}&k=2`)).json()) as { paths: { hops: string[] }[] };
  expect(paths.paths[0]!.hops).toEqual([dpidOf('s2'), s1, dpidOf('s4')]);
  await page.click('header nav a[href="#/paths"]');
  const pathsView = page.locator('section.paths');
  await page.fill('section.paths input[name=from]', h1.ip);
  await page.fill('section.paths input[name=to]', h9.mac);
  await page.click('section.paths button[type=submit]');
  await expect.poll(() => pathsView.getAttribute('data-path'), { timeout: 5_000 }).toBe(paths.paths[0]!.hops.join(','));
  expect(await page.locator('section.paths .path-list li').count()).toBe(paths.paths.length);
  await expect.poll(() => pathsView.getAttribute('data-outcome'), { timeout: 15_000 }).toBe('delivered');
  const hops = page.locator('section.paths .trace li[data-hop]');
  expect(await hops.evaluateAll((els) => els.map((e) => e.getAttribute('data-hop')))).toEqual(paths.paths[0]!.hops);
  for (const hop of await hops.all()) expect(await hop.locator('tr[data-owner=forwarding]').count()).toBeGreaterThan(0);
  await page.screenshot({ path: join(shots, 'lab-paths.png') });

  // Apps and cluster (standalone here): a screenshot of each.
  await page.click('header nav a[href="#/apps"]');
  await expect.poll(() => page.locator('section.apps tbody tr').count()).toBeGreaterThan(0);
  await page.click('section.apps tr[data-app=forwarding] a');
  await page.locator('form[data-app-config=forwarding] input[name=flowPriority]').waitFor();
  await page.screenshot({ path: join(shots, 'lab-apps.png') });
  await page.click('header nav a[href="#/cluster"]');
  await expect.poll(() => page.locator('section.cluster').getAttribute('data-mode')).toBe('standalone');
  await page.screenshot({ path: join(shots, 'lab-cluster.png') });

  expect(problems.consoleErrors).toEqual([]);
  expect(problems.failedRequests).toEqual([]);
  expect(problems.foreignRequests).toEqual([]);
});
