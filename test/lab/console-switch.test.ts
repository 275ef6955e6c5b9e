/**
 * The switch view and the link-load overlay on a real network: `signalbox start`'s runtime, a
 * Mininet tree,2,2 on userspace Open vSwitch, and headless Chromium. The switch view lists the
 * flows `ovs-ofctl dump-flows` shows (priorities, matches, cookies, counters), a static flow added
 * in its form appears in dump-flows (and goes when deleted), a bad field shows the API's message
 * next to it and adds nothing; the overlay shows iperf's traffic on the links it crosses.
 * Screenshots go to test-output/console/.
 */
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { outputDir } from '../harness/chromium.js';
import { startConsoleLab, type ConsoleLab } from '../harness/console-lab.js';
import { run } from '../harness/exec.js';
import { waitFor } from '../harness/mininet.js';
import { parseDumpFlows, type FlowDump } from '../harness/ovs.js';

const shots = outputDir('console');
let net: ConsoleLab | undefined;
afterAll(async () => {
  await net?.stop();
});

/** ovs-ofctl's protocol shorthands as OXM fields. */
const OVS_PROTOCOLS: Readonly<Record<string, readonly string[]>> = {
  ip: ['eth_type=2048'],
  arp: ['eth_type=2054'],
  ipv6: ['eth_type=34525'],
  rarp: ['eth_type=32821'],
  icmp: ['eth_type=2048', 'ip_proto=1'],
  tcp: ['eth_type=2048', 'ip_proto=6'],
  udp: ['eth_type=2048', 'ip_proto=17'],
  icmp6: ['eth_type=34525', 'ip_proto=58'],
  tcp6: ['eth_type=34525', 'ip_proto=6'],
  udp6: ['eth_type=34525', 'ip_proto=17'],
};
/** ovs-ofctl's OpenFlow 1.0 field names as OXM names (nw_* depends on the protocol). */
const OVS_FIELDS: Readonly<Record<string, string>> = { dl_src: 'eth_src', dl_dst: 'eth_dst', dl_type: 'eth_type', nw_proto: 'ip_proto', icmp_type: 'icmpv4_type', icmp_code: 'icmpv4_code' };

/** A field value compared as OVS and the console print it differently: numbers in decimal, text lower-case. */
function norm(v: string): string {
  const t = v.trim().replace(/^"|"$/g, '').toLowerCase();
  return /^0x[0-9a-f]+$/.test(t) ? String(Number.parseInt(t.slice(2), 16)) : t;
}

/** A dump-flows match as sorted OXM `field=value` strings. */
function ovsMatch(match: string): string[] {
  const out: string[] = [];
  const toks = match.split(',').filter(Boolean);
  const arp = toks.includes('arp');
  for (const tok of toks) {
    const eq = tok.indexOf('=');
    if (eq < 0) {
      out.push(...(OVS_PROTOCOLS[tok] ?? [tok]));
      continue;
    }
    const k = tok.slice(0, eq);
    const name = k === 'nw_src' ? (arp ? 'arp_spa' : 'ipv4_src') : k === 'nw_dst' ? (arp ? 'arp_tpa' : 'ipv4_dst') : (OVS_FIELDS[k] ?? k);
    out.push(`${name}=${norm(tok.slice(eq + 1))}`);
  }
  return [...new Set(out)].sort();
}

/** The console's match text (`in_port=1, eth_type=0x0800`, `*` for all) as sorted OXM `field=value` strings. */
function consoleMatch(text: string): string[] {
  if (text.trim() === '*') return [];
  return text
    .split(', ')
    .map((f) => {
      const eq = f.indexOf('=');
      return `${f.slice(0, eq)}=${norm(f.slice(eq + 1))}`;
    })
    .sort();
}

/** A flow's identity, comparable between dump-flows and the console: table, priority, cookie, match. */
const identity = (table: number, priority: number, cookie: bigint, match: readonly string[]): string => `${table}|${priority}|${cookie}|${match.join(',')}`;

async function dumpFlows(bridge: string): Promise<FlowDump[]> {
  return parseDumpFlows((await run('ovs-ofctl', ['-O', 'OpenFlow13', '--no-names', 'dump-flows', bridge])).stdout);
}

it('switch view: the flows dump-flows shows; a static flow from the form lands in dump-flows and a bad field adds nothing; the load overlay shows traffic', async () => {
  // tree,2,2: 3 switches, 2 links (4 directed), 4 hosts; traffic first (a pingall), so forwarding's flows and counters are there.
  net = await startConsoleLab({ depth: 2, fanout: 2, viewport: { width: 1280, height: 900 } });
  const { origin, lab, page, problems } = net;
  const post = (path: string, body: unknown) => fetch(`${origin}/api/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect((await post('/apps/static-flows/enable', {})).status).toBe(200);
  const labSwitches = await lab.switches();
  const s2 = labSwitches.find((s) => s.name === 's2')!;
  const dpid = s2.dpid.padStart(16, '0');
  await page.goto(`${origin}/#/switch/${dpid}`);
  const view = page.locator(`section.switch[data-dpid="${dpid}"]`);
  const card = view.locator('.flows-card');
  await card.locator('input[name=live]').uncheck();

  // Flows come and go (forwarding's idle out): compare when two dumps around the console's read agree.
  let compared = false;
  for (let attempt = 0; attempt < 5 && !compared; attempt++) {
    const before = await dumpFlows(s2.bridge);
    const [res] = await Promise.all([page.waitForResponse((r) => r.url().includes(`/switches/${dpid}/flows`)), card.locator('button[name=refresh]').click()]);
    expect(res.status()).toBe(200);
    await expect.poll(() => card.locator('tbody tr').count()).toBe(((await res.json()) as unknown[]).length);
    const rows = await card.locator('tbody tr').evaluateAll((trs) =>
      trs.map((tr) => ({ table: Number(tr.getAttribute('data-table')), priority: Number(tr.getAttribute('data-priority')), cookie: tr.getAttribute('data-cookie')!, packets: Number(tr.getAttribute('data-packets')), match: tr.querySelector('td.match')!.textContent! })),
    );
    const after = await dumpFlows(s2.bridge);
    const key = (f: FlowDump) => identity(f.table, f.priority, f.cookie, ovsMatch(f.match));
    const ids = (fs: FlowDump[]) => fs.map(key).sort();
    if (JSON.stringify(ids(before)) !== JSON.stringify(ids(after))) continue;
    const shown = rows.map((r) => identity(r.table, r.priority, BigInt(r.cookie), consoleMatch(r.match))).sort();
    if (JSON.stringify(shown) !== JSON.stringify(ids(after))) {
      // A flow that came and went between the dumps and the read: try again, then fail with the difference.
      if (attempt < 4) continue;
      expect(shown).toEqual(ids(after));
    }
    expect(rows.length).toBeGreaterThan(2);
    // Counters: what the console read lies between the two dumps.
    const lo = new Map(before.map((f) => [key(f), f.nPackets]));
    const hi = new Map(after.map((f) => [key(f), f.nPackets]));
    for (const r of rows) {
      const k = identity(r.table, r.priority, BigInt(r.cookie), consoleMatch(r.match));
      expect(r.packets, k).toBeGreaterThanOrEqual(lo.get(k)!);
      expect(r.packets, k).toBeLessThanOrEqual(hi.get(k)!);
    }
    compared = true;
  }
  expect(compared, 'dump-flows never held still around the console read').toBe(true);

  // A bad field: the API's 400 next to the field; nothing stored, nothing on the switch.
  const form = view.locator('form.static-flow');
  const flowsBefore = (await dumpFlows(s2.bridge)).filter((f) => f.priority === 555 || f.priority === 70000);
  expect(flowsBefore).toEqual([]);
  await form.locator('input[name=name]').fill('lab-bad');
  await form.locator('input[name=priority]').fill('555');
  await form.locator('input[name=match]').fill('eth_type=0x0800, ipv4_dst=10.0.0.300');
  await form.locator('input[name=actions]').fill('output:1');
  const [bad] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), form.locator('button[type=submit]').click()]);
  expect(bad.status()).toBe(400);
  const apiError = (await bad.json()) as { message: string; field: string };
  expect(apiError.field).toMatch(/^body\.match/);
  await expect.poll(() => form.locator('.field-error[data-field=match]').textContent()).toBe(apiError.message);
  expect(((await (await fetch(`${origin}/api/v1/static-flows`)).json()) as unknown[]).length).toBe(0);
  expect((await dumpFlows(s2.bridge)).filter((f) => f.priority === 555)).toEqual([]);

  // Fixed: stored and installed on the switch as dump-flows shows it; then deleted, gone.
  await form.locator('input[name=name]').fill('lab-web');
  await form.locator('input[name=match]').fill('eth_type=0x0800, ipv4_dst=10.0.0.99');
  const [good] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), form.locator('button[type=submit]').click()]);
  expect(good.status()).toBe(201);
  await view.locator('li[data-static-flow="lab-web"]').waitFor();
  await waitFor(async () => (await dumpFlows(s2.bridge)).some((f) => f.priority === 555), 5_000, 100);
  const installed = (await dumpFlows(s2.bridge)).filter((f) => f.priority === 555);
  expect(installed).toHaveLength(1);
  expect(ovsMatch(installed[0]!.match)).toEqual(['eth_type=2048', 'ipv4_dst=10.0.0.99']);
  expect(installed[0]!.actions).toBe('output:1');
  await card.locator('button[name=refresh]').click();
  await expect.poll(() => card.locator('tbody tr[data-priority="555"]').getAttribute('data-owner')).toBe('static-flows');
  await view.evaluate((el) => el.scrollTo(0, 0));
  await page.screenshot({ path: join(shots, 'lab-switch.png') });
  await view.locator('li[data-static-flow="lab-web"] button[data-write=static-flow-delete]').click();
  await expect.poll(() => view.locator('li[data-static-flow]').count()).toBe(0);
  await waitFor(async () => !(await dumpFlows(s2.bridge)).some((f) => f.priority === 555), 5_000, 100);

  // The load overlay: iperf h1 → h3 crosses s2—s1—s3; some link shows over 1 Mb/s while it runs.
  await page.goto(`${origin}/#/topology`);
  const topo = page.locator('section.topology');
  await topo.waitFor();
  await page.check('input[name=load]');
  await page.locator('details.links summary').click();
  await expect.poll(() => topo.getAttribute('data-load'), { timeout: 5_000 }).toBe('on');
  const busiest = async (): Promise<number> =>
    Math.max(0, ...(await page.locator('li[data-link]').evaluateAll((lis) => lis.flatMap((li) => [Number(li.getAttribute('data-load-ab-bps') || 0), Number(li.getAttribute('data-load-ba-bps') || 0)]))));
  const iperf = lab.iperf('h1', 'h3', 6);
  await expect.poll(busiest, { timeout: 8_000, interval: 250 }).toBeGreaterThan(1e6);
  await page.screenshot({ path: join(shots, 'lab-topology-load.png') });
  expect((await iperf).bps).toBeGreaterThan(0);

  expect(problems.failedRequests).toEqual([expect.stringMatching(/^POST .*\/api\/v1\/static-flows: HTTP 400$/)]);
  expect(problems.consoleErrors.filter((e) => !/status of 400/.test(e))).toEqual([]);
  expect(problems.foreignRequests).toEqual([]);
  await page.close();
});
