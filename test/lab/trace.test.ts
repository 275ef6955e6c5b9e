/**
 * The packet trace on real Open vSwitch in Mininet with the built-in apps, through the REST API
 * (POST /api/v1/trace, source live): a router hop rewrites the MACs and decrements the TTL and the
 * packet is delivered to the host in the other subnet.
 */
import { describe, expect, it } from 'vitest';
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
});
