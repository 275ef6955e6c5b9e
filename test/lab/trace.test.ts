/**
 * The packet trace on real Open vSwitch in Mininet with the built-in apps, through the REST API
 * (POST /api/v1/trace, source live): forwarding's path hop by hop equals the path the controller
 * reports and delivers; an ACL deny is dropped at the right switch naming the acl flow; a router
 * hop rewrites the MACs and decrements the TTL; a flood on a ring follows the broadcast tree to
 * every host once, and a flood out of every port is reported as a loop.
 */
import { describe, expect, it } from 'vitest';
import { aclApp } from '../../src/apps/acl/index.js';
import type { ForwardingApp } from '../../src/apps/forwarding/index.js';
import { routerApp } from '../../src/apps/router/index.js';
import { startApi } from '../../src/api/index.js';
import { defaultConfig } from '../../src/config.js';
import type { Controller } from '../../src/controller.js';
import type { AppDefinition } from '../../src/core/app.js';
import { startLabController, stopAfterEach } from '../harness/controller.js';
import { startLab, waitFor, type Lab, type TopoSpec } from '../harness/mininet.js';

/** Stops the lab, then the API, then the controller, after each test. */
const stopAfter = stopAfterEach();

/** The parts of a `POST /api/v1/trace` answer the tests read. */
interface TraceAnswer {
  readonly outcome: string;
  readonly reason: string;
  readonly hops: readonly {
    readonly dpid: string;
    readonly tables: readonly { readonly flow: { readonly owner: string | null } | null }[];
    readonly actions: readonly { readonly type: string }[];
    readonly packetAfter: Readonly<Record<string, unknown>>;
    readonly outputs: readonly { readonly next: { readonly host?: string | null } | string }[];
  }[];
}

interface Started {
  readonly lab: Lab;
  readonly ctrl: Controller;
  http(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }>;
  /** POST /api/v1/trace; expects 200. */
  trace(body: unknown): Promise<TraceAnswer>;
}

/** A controller with `enabled` apps and the REST API, and a Mininet lab on it, settled (links discovered, floods no longer held). */
async function start(topo: TopoSpec, links: number, enabled: string[], opts: { apps?: AppDefinition[]; settings?: Record<string, Record<string, unknown>> } = {}): Promise<Started> {
  const started = await startLabController(enabled, { ...(opts.apps ? { apps: opts.apps } : {}), settings: opts.settings ?? {} });
  const ctrl = stopAfter(started.ctrl);
  const api = await startApi({
    context: { bus: ctrl.bus, devices: ctrl.devices, admin: ctrl.admin, topology: ctrl.topology!, apps: started.apps, flows: started.apps.flows },
    config: { api: { ...defaultConfig.api, listen: '127.0.0.1:0' } },
  });
  stopAfter({ stop: () => api.close() });
  const lab = stopAfter(await startLab(topo, { controllerPort: started.port, waitConnectedMs: 30_000 }));
  expect(lab.connected ?? true).toBe(true);
  await waitFor(() => ctrl.topology!.linkCount >= links, { timeoutMs: 60_000, intervalMs: 100, message: () => `${links} links discovered (${ctrl.topology!.linkCount} so far)` });
  const fwd = started.apps.instance('forwarding') as unknown as ForwardingApp | undefined;
  if (fwd) await waitFor(() => fwd.holding().length === 0, { timeoutMs: 10_000, intervalMs: 50, message: 'forwarding floods no longer held' });
  const http = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    const res = await fetch(api.address + path, { method, headers: body !== undefined ? { 'content-type': 'application/json' } : {}, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    return { status: res.status, json: text === '' ? undefined : JSON.parse(text) };
  };
  const trace = async (body: unknown): Promise<TraceAnswer> => {
    const r = await http('POST', '/api/v1/trace', body);
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    return r.json as TraceAnswer;
  };
  return { lab, ctrl, http, trace };
}

/** Hosts as the controller learned them, by Mininet name. */
async function learnedHosts(s: Started): Promise<Record<string, { mac: string; ip: string; dpid: string; port: number }>> {
  const known = (await s.http('GET', '/api/v1/hosts')).json as { mac: string; location: { dpid: string; port: number } }[];
  const out: Record<string, { mac: string; ip: string; dpid: string; port: number }> = {};
  for (const h of await s.lab.hosts()) {
    const k = known.find((x) => x.mac.toLowerCase() === h.mac.toLowerCase());
    if (k) out[h.name] = { mac: k.mac.toLowerCase(), ip: h.ip, dpid: k.location.dpid, port: k.location.port };
  }
  return out;
}

describe('packet trace in Mininet (OpenFlow13, through POST /api/v1/trace)', () => {
  it('tree 2x2 with forwarding and acl: h1→h4 traced hop by hop along the reported path and delivered; an ACL deny drops at h1 switch, naming the acl flow', async () => {
    const acl = aclApp();
    const s = await start({ kind: 'tree', depth: 2, fanout: 2 }, 4, ['forwarding', 'proxy-arp', 'acl'], { apps: [acl] });
    expect((await s.lab.pingAll({ count: 1, timeoutSec: 2 })).loss).toBe(0);
    const hosts = await waitFor(async () => {
      const h = await learnedHosts(s);
      return Object.keys(h).length === 4 ? h : undefined;
    }, { timeoutMs: 10_000, message: 'all four hosts learned' });
    const { h1, h4 } = hosts as Required<typeof hosts>;
    // The path flows are reactive: a ping just before the trace makes sure they are on the switches.
    expect((await s.lab.ping('h1', 'h4', { count: 1, timeoutSec: 2 })).loss).toBe(0);
    const path = (await s.http('GET', `/api/v1/paths?src=${h1!.mac}&dst=${h4!.mac}`)).json as { paths: { hops: string[] }[] };
    expect(path.paths.length).toBeGreaterThan(0);
    const t = await s.trace({ from: h1!.ip, to: h4!.ip });
    expect(t.outcome, t.reason).toBe('delivered');
    expect(t.hops.map((h) => h.dpid)).toEqual(path.paths[0]!.hops);
    expect(t.hops.length).toBe(3);
    expect(t.hops.at(-1)!.outputs.map((o) => o.next)).toEqual([{ host: h4!.mac }]);
    expect(t.hops[0]!.tables.some((v) => v.flow?.owner === 'forwarding')).toBe(true);

    await acl.add({ action: 'deny', match: { ipv4Src: h1!.ip, ipv4Dst: h4!.ip }, description: 'h1 may not reach h4' });
    await waitFor(() => s.ctrl.flows!.flows().filter((f) => f.owner === 'acl').every((f) => f.state === 'installed'), { timeoutMs: 5_000, intervalMs: 50, message: 'acl flows installed' });
    const denied = await s.trace({ from: h1!.ip, to: h4!.ip });
    expect(denied.outcome, denied.reason).toBe('dropped');
    expect(denied.hops.map((h) => h.dpid)).toEqual([h1!.dpid]);
    expect(denied.hops[0]!.tables.map((v) => v.flow?.owner ?? null)).toContain('acl');
    expect((await s.lab.ping('h1', 'h4', { count: 1, timeoutSec: 1 })).loss).toBeGreaterThan(0);
  });

  it('router on two switches: the routed hop rewrites both MACs and decrements the TTL, and the packet is delivered to the host in the other subnet', async () => {
    const s = await start({ kind: 'router', switches: 2 }, 2, ['forwarding', 'proxy-arp', 'router'], {
      apps: [routerApp()],
      settings: { router: { interfaces: ['10.0.1.254/24', '10.0.2.254/24'] } },
    });
    const out = await s.lab.cmd('h1', 'ping -n -c 2 -W 2 10.0.2.2');
    expect(out).toMatch(/ttl=63/);
    const hosts = await waitFor(async () => {
      const h = await learnedHosts(s);
      return Object.values(h).some((x) => x.ip === '10.0.2.2') && h.h1 ? h : undefined;
    }, { timeoutMs: 10_000, message: 'h1 and 10.0.2.2 learned' });
    const src = hosts.h1!;
    const dst = Object.values(hosts).find((x) => x.ip === '10.0.2.2')!;
    const gw = /lladdr (\S+)/.exec(await s.lab.cmd('h1', 'ip neigh show 10.0.1.254'))?.[1]?.toLowerCase();
    expect(gw, "h1's ARP entry for its gateway").toBeDefined();
    // What h1 sends to 10.0.2.2: an ICMP echo to its gateway's MAC.
    const packet = { eth_src: src.mac, eth_dst: gw, eth_type: 0x0800, ipv4_src: src.ip, ipv4_dst: '10.0.2.2', ip_proto: 1, icmpv4_type: 8, icmpv4_code: 0, nw_ttl: 64 };
    const t = await s.trace({ dpid: src.dpid, inPort: src.port, packet });
    expect(t.outcome, t.reason).toBe('delivered');
    const routed = t.hops.find((h) => h.packetAfter.nw_ttl !== undefined);
    expect(routed, JSON.stringify(t.hops.map((h) => h.packetAfter))).toBeDefined();
    expect(routed!.packetAfter).toMatchObject({ nw_ttl: 63, eth_dst: dst.mac });
    expect(routed!.packetAfter.eth_src).toBeDefined();
    expect(routed!.packetAfter.eth_src).not.toBe(src.mac);
    expect(routed!.actions.map((a) => a.type)).toContain('dec_nw_ttl');
    expect(t.hops.at(-1)!.outputs.map((o) => o.next)).toEqual([{ host: dst.mac }]);
  });

  it('ring of 4: a broadcast flooded along the broadcast tree reaches every other host once; flooded out of every port it is reported as a loop', async () => {
    const s = await start({ kind: 'ring', n: 4 }, 8, ['forwarding', 'proxy-arp']);
    expect((await s.lab.pingAll({ count: 1, timeoutSec: 2 })).loss).toBe(0);
    const hosts = await waitFor(async () => {
      const h = await learnedHosts(s);
      return Object.keys(h).length === 4 ? h : undefined;
    }, { timeoutMs: 10_000, message: 'all four hosts learned' });
    const topo = s.ctrl.topology!;
    const cookie = '0x7ace00000000f100';
    // A made-up EtherType no host sends, so the flood flows never carry real traffic (a FLOOD on a ring would storm).
    const ETH_TYPE = 0x88b5;
    const installFlood = async (ports: (dpid: bigint, inPort: number) => (number | string)[]): Promise<void> => {
      for (const sw of s.ctrl.devices.list()) {
        for (const p of sw.ports.keys()) {
          if (p > 0xff00) continue;
          const actions = ports(sw.dpid, p).map((port) => ({ type: 'output', port }));
          const r = await s.http('POST', `/api/v1/switches/${sw.dpidHex}/flows`, { priority: 60_000, cookie, match: { in_port: p, eth_dst: 'ff:ff:ff:ff:ff:ff', eth_type: ETH_TYPE }, actions });
          expect(r.status, JSON.stringify(r.json)).toBe(201);
        }
      }
    };
    const probe = { dpid: hosts.h1!.dpid, inPort: hosts.h1!.port, packet: { eth_src: hosts.h1!.mac, eth_dst: 'ff:ff:ff:ff:ff:ff', eth_type: ETH_TYPE } };

    await installFlood((dpid, inPort) => [...topo.floodPorts(dpid, inPort)]);
    const tree = await s.trace(probe);
    expect(tree.outcome, tree.reason).toBe('delivered');
    const reached = tree.hops.flatMap((h) => h.outputs.map((o) => (typeof o.next === 'object' ? o.next.host : undefined)).filter((x): x is string => typeof x === 'string'));
    expect(reached.sort()).toEqual(['h2', 'h3', 'h4'].map((n) => hosts[n]!.mac).sort());
    // Each switch once: the tree has no loop.
    expect(new Set(tree.hops.map((h) => h.dpid)).size).toBe(4);
    expect(tree.hops).toHaveLength(4);

    for (const sw of s.ctrl.devices.list()) expect((await s.http('DELETE', `/api/v1/switches/${sw.dpidHex}/flows?cookie=${cookie}`)).status).toBe(200);
    await installFlood(() => ['flood']);
    const storm = await s.trace(probe);
    expect(storm.outcome, storm.reason).toBe('loop');
    for (const sw of s.ctrl.devices.list()) await s.http('DELETE', `/api/v1/switches/${sw.dpidHex}/flows?cookie=${cookie}`);
  });
});
