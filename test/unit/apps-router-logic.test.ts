/** router decisions judged by behaviour: gateway ARP and ping, next-hop resolution, routed flows (MAC rewrite, TTL) followed through model tables, static routes, reroute. */
import { describe, expect, it } from 'vitest';
import type { Effects } from '../../src/apps/effects.js';
import type { ForwardingTopology } from '../../src/apps/forwarding/logic.js';
import { Router, RouteError, checkRoute, checkRouterConfig, defaultRouterConfig, entryRoute, parseInterfaces, type RouterConfig } from '../../src/apps/router/logic.js';
import { PathIndex } from '../../src/topology/paths.js';
import { computeBroadcastTree } from '../../src/topology/tree.js';
import type { LinkInfo, Path } from '../../src/core/model.js';
import { arpReply, arpRequest } from '../../src/packet/arp.js';
import { buildPacket, parsePacket } from '../../src/packet/packet.js';
import { FakeFlowTable, packetOutPorts, type PacketFields } from '../fakes/fake-flow-table.js';
import { AppManager } from '../../src/apps/manager.js';
import { memoryAppStore } from '../../src/apps/store.js';
import { routerApp } from '../../src/apps/router/index.js';
import { EventBus } from '../../src/core/events.js';
import { silentLogger } from '../../src/log.js';

const GW = defaultRouterConfig.gatewayMac;
const H1 = { mac: '00:00:00:00:00:01', ip: '10.0.1.1' };
const H3 = { mac: '00:00:00:00:00:03', ip: '10.0.2.1' };
const CFG: RouterConfig = { ...defaultRouterConfig, interfaces: ['10.0.1.254/24', '10.0.2.254/24'], routes: ['192.168.0.0/16 via 10.0.2.1'] };

function ping(src: { mac: string; ip: string }, dstIp: string, ethDst = GW, ttl = 64): Buffer {
  return buildPacket({
    eth: { dst: ethDst, src: src.mac },
    ipv4: { src: src.ip, dst: dstIp, ttl, protocol: 1 },
    icmp: { kind: 'echo', type: 8, code: 0, id: 7, seq: 1, data: Buffer.from('hello') },
  });
}

/** s1 — s2 — s3 in a line (ports: 1 host, 2 left, 3 right) plus s1—s3 directly when `triangle`. */
function topo(triangle: boolean): TestTopology {
  const links: LinkInfo[] = [];
  const add = (a: bigint, ap: number, b: bigint, bp: number): void => {
    links.push({ src: a, srcPort: ap, dst: b, dstPort: bp, discoveredAt: 0, lastSeen: 0 });
    links.push({ src: b, srcPort: bp, dst: a, dstPort: ap, discoveredAt: 0, lastSeen: 0 });
  };
  add(1n, 3, 2n, 2);
  add(2n, 3, 3n, 2);
  if (triangle) add(1n, 4, 3n, 4);
  return new TestTopology([1n, 2n, 3n].map((dpid) => ({ dpid, ports: triangle && dpid !== 2n ? [1, 2, 3, 4] : [1, 2, 3] })), links);
}

const COOKIE = 0x7777_0000_0000_0000n;

/** A topology the logic reads (the TopologySnapshot shape), built from links with the topology layer's path index and broadcast tree. */
class TestTopology implements ForwardingTopology {
  readonly switches = new Map<bigint, { dpid: bigint; ports: number[]; edgePorts: number[]; infrastructurePorts: number[]; treePorts: number[] }>();
  private readonly index: PathIndex;
  constructor(
    switches: readonly { dpid: bigint; ports: readonly number[] }[],
    readonly links: readonly LinkInfo[],
    readonly hosts: readonly { mac: string; location: { dpid: bigint; port: number }; lastSeen?: number }[] = [],
  ) {
    const dpids = switches.map((s) => s.dpid);
    const tree = computeBroadcastTree(dpids, links);
    for (const s of [...switches].sort((a, b) => (a.dpid < b.dpid ? -1 : 1))) {
      const infra = new Set<number>();
      for (const l of links) {
        if (l.src === s.dpid) infra.add(l.srcPort);
        if (l.dst === s.dpid) infra.add(l.dstPort);
      }
      const ports = [...s.ports].sort((a, b) => a - b);
      this.switches.set(s.dpid, { dpid: s.dpid, ports, edgePorts: ports.filter((p) => !infra.has(p)), infrastructurePorts: [...infra].sort((a, b) => a - b), treePorts: [...(tree.ports.get(s.dpid) ?? [])] });
    }
    this.index = new PathIndex(dpids, links, () => 1);
  }
  shortestPath(src: bigint, dst: bigint): Path | undefined {
    return this.index.shortestPath(src, dst);
  }
  floodPorts(dpid: bigint, inPort: number): number[] {
    const sw = this.switches.get(dpid);
    if (!sw || (sw.infrastructurePorts.includes(inPort) && !sw.treePorts.includes(inPort))) return [];
    return [...new Set([...sw.edgePorts, ...sw.treePorts])].filter((p) => p !== inPort).sort((a, b) => a - b);
  }
}

function applyAll(tables: Map<bigint, FakeFlowTable>, fx: Effects): void {
  for (const r of fx.remove) tables.get(r.dpid)!.apply({ ...r.rule, command: 'delete_strict', cookie: COOKIE, cookieMask: ~0n & 0xffff_ffff_ffff_ffffn });
  for (const i of fx.install) tables.get(i.dpid)!.apply({ ...i.rule, cookie: COOKIE });
}

/** Follows a packet through the tables, applying set_field and dec_nw_ttl; returns where it left the network and how it looked. */
function follow(tables: Map<bigint, FakeFlowTable>, links: Map<string, [bigint, number]>, at: bigint, inPort: number, pkt: Record<string, number | string>): { dpid: bigint; port: number; pkt: Record<string, number | string> } | 'controller' | 'dropped' {
  let cur: Record<string, number | string> = { ...pkt, in_port: inPort };
  let dpid = at;
  for (let i = 0; i < 10; i++) {
    const t = tables.get(dpid)!;
    const f = t.lookup(0, cur as PacketFields);
    if (!f) return 'controller';
    let out: number | undefined;
    for (const ins of f.instructions) {
      if (ins.type !== 'apply_actions') continue;
      for (const a of ins.actions) {
        if (a.type === 'set_field' && a.field.field !== 'raw') cur = { ...cur, [a.field.field]: a.field.value as string };
        else if (a.type === 'dec_nw_ttl') cur = { ...cur, ttl: Number(cur.ttl) - 1 };
        else if (a.type === 'output') out = a.port;
      }
    }
    if (out === undefined) return 'dropped';
    const next = links.get(`${dpid}:${out}`);
    if (!next) return { dpid, port: out, pkt: cur };
    [dpid, cur.in_port] = [next[0], next[1]];
  }
  throw new Error('loop');
}

describe('router', () => {
  it('answers ARP and ping for its gateway addresses, out of the in-port', () => {
    const r = new Router(CFG);
    r.setTopology(topo(false), 0);
    const a = r.packetIn(1n, 1, arpRequest({ srcMac: H1.mac, srcIp: H1.ip, dstIp: '10.0.1.254' }), 0);
    expect(a.handled).toBe(true);
    expect(a.packetOuts).toHaveLength(1);
    expect(packetOutPorts(a.packetOuts[0]!.spec)).toEqual([1]);
    expect(parsePacket(a.packetOuts[0]!.spec.data!).arp).toMatchObject({ op: 2, sha: GW, spa: '10.0.1.254', tha: H1.mac, tpa: H1.ip });
    const p = r.packetIn(1n, 1, ping(H1, '10.0.1.254'), 1);
    const reply = parsePacket(p.packetOuts[0]!.spec.data!);
    expect(reply.error).toBeUndefined();
    expect(reply.eth).toMatchObject({ dst: H1.mac, src: GW });
    expect(reply.ipv4).toMatchObject({ src: '10.0.1.254', dst: H1.ip });
    expect(reply.icmp).toMatchObject({ kind: 'echo', type: 0, id: 7, seq: 1 });
    // ARP between hosts is not the router's: it learns and lets it go on.
    expect(r.packetIn(1n, 1, arpRequest({ srcMac: H1.mac, srcIp: H1.ip, dstIp: '10.0.1.2' }), 2).handled).toBe(false);
    // Nor is traffic not addressed to the gateway MAC.
    expect(r.packetIn(1n, 1, ping(H1, '10.0.1.2', '00:00:00:00:00:02'), 3).handled).toBe(false);
  });

  it('resolves an unknown next hop by ARP from the gateway, then sends the queued packet rewritten', () => {
    const r = new Router(CFG);
    r.setTopology(topo(false), 0);
    const fx = r.packetIn(1n, 1, ping(H1, H3.ip), 0);
    expect(fx.handled).toBe(true);
    expect(fx.install).toEqual([]);
    // ARP requests from the gateway of 10.0.2.0/24 out of every edge port.
    expect(fx.packetOuts.map((p) => [p.dpid, packetOutPorts(p.spec)])).toEqual([[1n, [1, 2]], [2n, [1]], [3n, [1, 3]]]);
    expect(parsePacket(fx.packetOuts[0]!.spec.data!).arp).toMatchObject({ op: 1, sha: GW, spa: '10.0.2.254', tpa: H3.ip });
    const got = r.packetIn(3n, 1, arpReply({ srcMac: H3.mac, srcIp: H3.ip, dstMac: GW, dstIp: '10.0.2.254' }), 10);
    expect(got.handled).toBe(true);
    expect(got.packetOuts).toHaveLength(1);
    expect(got.packetOuts[0]!.dpid).toBe(3n);
    expect(packetOutPorts(got.packetOuts[0]!.spec)).toEqual([1]);
    const sent = parsePacket(got.packetOuts[0]!.spec.data!);
    expect(sent.error).toBeUndefined(); // header checksum recomputed
    expect(sent.eth).toMatchObject({ src: GW, dst: H3.mac });
    expect(sent.ipv4).toMatchObject({ ttl: 63, src: H1.ip, dst: H3.ip });
    // Our own ARP request coming back over a link is swallowed.
    expect(r.packetIn(2n, 2, fx.packetOuts[0]!.spec.data!, 11)).toMatchObject({ handled: true, packetOuts: [] });
    // An unanswered next hop is asked again, then given up.
    r.packetIn(1n, 1, ping(H1, '10.0.2.9'), 20);
    expect(r.retry(500).packetOuts).toHaveLength(0);
    expect(r.retry(1100).packetOuts).toHaveLength(3);
  });

  it('routes with flows along the shortest path: rewrite and TTL at the ingress, both directions, and reroutes when a link goes', () => {
    const r = new Router(CFG);
    const tables = new Map([1n, 2n, 3n].map((d) => [d, new FakeFlowTable()]));
    const links = new Map<string, [bigint, number]>([
      ['1:3', [2n, 2]], ['2:2', [1n, 3]], ['2:3', [3n, 2]], ['3:2', [2n, 3]], ['1:4', [3n, 4]], ['3:4', [1n, 4]],
    ]);
    applyAll(tables, r.setTopology(topo(true), 0));
    r.packetIn(1n, 1, arpRequest({ srcMac: H1.mac, srcIp: H1.ip, dstIp: '10.0.1.254' }), 0);
    r.packetIn(3n, 1, arpRequest({ srcMac: H3.mac, srcIp: H3.ip, dstIp: '10.0.2.254' }), 0);
    const fx = r.packetIn(1n, 1, ping(H1, H3.ip), 1);
    applyAll(tables, fx);
    expect(fx.packetOuts).toHaveLength(1);
    const pkt = { eth_type: 0x0800, eth_src: H1.mac, eth_dst: GW, ipv4_src: H1.ip, ipv4_dst: H3.ip, ttl: 64 };
    // The triangle's direct link s1-s3.
    expect(follow(tables, links, 1n, 1, pkt)).toEqual({ dpid: 3n, port: 1, pkt: { ...pkt, in_port: 4, eth_src: GW, eth_dst: H3.mac, ttl: 63 } });
    // The reply goes the other way once h3 sends to the gateway.
    applyAll(tables, r.packetIn(3n, 1, ping(H3, H1.ip), 2));
    const back = { eth_type: 0x0800, eth_src: H3.mac, eth_dst: GW, ipv4_src: H3.ip, ipv4_dst: H1.ip, ttl: 64 };
    expect(follow(tables, links, 3n, 1, back)).toMatchObject({ dpid: 1n, port: 1, pkt: { eth_dst: H1.mac, ttl: 63 } });
    // s1-s3 fails: the route goes round by s2 at once.
    links.delete('1:4');
    links.delete('3:4');
    applyAll(tables, r.setTopology(topo(false), 3));
    expect(follow(tables, links, 1n, 1, pkt)).toEqual({ dpid: 3n, port: 1, pkt: { ...pkt, in_port: 2, eth_src: GW, eth_dst: H3.mac, ttl: 63 } });
    expect(tables.get(1n)!.flows.some((f) => f.instructions.some((i) => i.type === 'apply_actions' && i.actions.some((a) => a.type === 'output' && a.port === 4)))).toBe(false);
  });

  it('uses static routes by longest prefix, drops what has no route or no TTL left, and checks its config', () => {
    const r = new Router({ ...CFG, routes: ['192.168.0.0/16 via 10.0.2.1', '192.168.5.0/24 via 10.0.1.1'] });
    expect(r.nextHopFor('192.168.1.1')).toBe('10.0.2.1');
    expect(r.nextHopFor('192.168.5.1')).toBe('10.0.1.1');
    expect(r.nextHopFor('10.0.2.77')).toBe('10.0.2.77');
    expect(r.nextHopFor('8.8.8.8')).toBeUndefined();
    r.setTopology(topo(false), 0);
    expect(r.packetIn(1n, 1, ping(H1, '8.8.8.8'), 0)).toMatchObject({ handled: true, packetOuts: [], install: [] });
    expect(r.packetIn(1n, 1, ping(H1, H3.ip, GW, 1), 0)).toMatchObject({ handled: true, packetOuts: [], install: [] });
    expect(checkRouterConfig(CFG)).toBeUndefined();
    expect(checkRouterConfig({ ...CFG, interfaces: ['10.0.1.254'] })).toMatch(/ADDRESS\/LENGTH/);
    expect(checkRouterConfig({ ...CFG, routes: ['1.0.0.0/8 via 9.9.9.9'] })).toMatch(/in no interface's subnet/);
    expect(checkRouterConfig({ ...CFG, gatewayMac: '01:00:00:00:00:01' })).toMatch(/unicast/);
    // Unconfigured: it stays out of the way.
    expect(new Router(defaultRouterConfig).packetIn(1n, 1, arpRequest({ srcMac: H1.mac, srcIp: H1.ip, dstIp: '10.0.1.254' }), 0).handled).toBe(false);
  });
  it('checks API routes against the interfaces, naming the field, and normalises the destination', () => {
    const ifs = parseInterfaces(CFG.interfaces);
    expect(checkRoute({ destination: '172.16.9.7/16', gateway: '10.0.2.1' }, ifs)).toEqual({ destination: '172.16.0.0/16', gateway: '10.0.2.1' });
    const field = (x: unknown): string | undefined => {
      try {
        checkRoute(x, ifs);
        return undefined;
      } catch (e) {
        expect(e).toBeInstanceOf(RouteError);
        return (e as RouteError).field;
      }
    };
    expect(field({ destination: '172.16.0.0', gateway: '10.0.2.1' })).toBe('destination');
    expect(field({ destination: '300.1.1.0/24', gateway: '10.0.2.1' })).toBe('destination');
    expect(field({ destination: '172.16.0.0/33', gateway: '10.0.2.1' })).toBe('destination');
    expect(field({ destination: '172.16.0.0/16', gateway: '10.0.9.1' })).toBe('gateway');
    expect(field({ destination: '172.16.0.0/16', gateway: '10.0.2.254' })).toBe('gateway');
    expect(field({ destination: '172.16.0.0/16' })).toBe('gateway');
    expect(field({ destination: '172.16.0.0/16', gateway: '10.0.2.1', via: 'x' })).toBe('via');
    expect(field({ destination: '172.16.0.0/16', gateway: '10.0.2.1', description: 5 })).toBe('description');
    expect(field([])).toBe('route');
    expect(() => checkRoute({ destination: '1.0.0.0/8', gateway: '10.0.2.1' }, [])).toThrow(/no interfaces/);
  });

  it('moves installed routes to a new next hop when the static routes change, and withdraws them when no route is left', () => {
    const R1 = { mac: '00:00:00:00:00:11', ip: '10.0.2.1' };
    const R2 = { mac: '00:00:00:00:00:12', ip: '10.0.2.2' };
    const r = new Router({ ...CFG, routes: [] });
    const tables = new Map([1n, 2n, 3n].map((d) => [d, new FakeFlowTable()]));
    const links = new Map<string, [bigint, number]>([['1:3', [2n, 2]], ['2:2', [1n, 3]], ['2:3', [3n, 2]], ['3:2', [2n, 3]]]);
    applyAll(tables, r.setTopology(topo(false), 0));
    // Two routers on 10.0.2.0/24: R1 at s3:1, R2 at s2:1.
    r.packetIn(3n, 1, arpRequest({ srcMac: R1.mac, srcIp: R1.ip, dstIp: '10.0.2.254' }), 0);
    r.packetIn(2n, 1, arpRequest({ srcMac: R2.mac, srcIp: R2.ip, dstIp: '10.0.2.254' }), 0);
    r.packetIn(1n, 1, arpRequest({ srcMac: H1.mac, srcIp: H1.ip, dstIp: '10.0.1.254' }), 0);
    // Unroutable until a route is added.
    expect(r.packetIn(1n, 1, ping(H1, '172.16.1.1'), 1).install).toEqual([]);
    expect(r.setRoutes([entryRoute({ destination: '172.16.0.0/16', gateway: R1.ip })]).install).toEqual([]);
    applyAll(tables, r.packetIn(1n, 1, ping(H1, '172.16.1.1'), 2));
    const pkt = { eth_type: 0x0800, eth_src: H1.mac, eth_dst: GW, ipv4_src: H1.ip, ipv4_dst: '172.16.1.1', ttl: 64 };
    expect(follow(tables, links, 1n, 1, pkt)).toMatchObject({ dpid: 3n, port: 1, pkt: { eth_dst: R1.mac, ttl: 63 } });
    // The route now goes via R2: the same flows lead there, and nothing towards R1 is left.
    const moved = r.setRoutes([entryRoute({ destination: '172.16.0.0/16', gateway: R2.ip })]);
    applyAll(tables, moved);
    expect(follow(tables, links, 1n, 1, pkt)).toMatchObject({ dpid: 2n, port: 1, pkt: { eth_dst: R2.mac, ttl: 63 } });
    expect(r.listRoutes()).toEqual([{ ingress: 1n, dst: '172.16.1.1', nextHop: R2.ip, switches: [1n, 2n] }]);
    expect(tables.get(3n)!.flows.filter((f) => f.match.some((m) => m.field === 'ipv4_dst'))).toEqual([]);
    // No route left: withdrawn, back to the controller (which drops it).
    applyAll(tables, r.setRoutes([]));
    expect(r.listRoutes()).toEqual([]);
    expect(follow(tables, links, 1n, 1, pkt)).toBe('controller');
    // A route via a next hop not resolved yet: the router asks for it.
    r.setRoutes([entryRoute({ destination: '172.16.0.0/16', gateway: R1.ip })]);
    applyAll(tables, r.packetIn(1n, 1, ping(H1, '172.16.1.1'), 3));
    const unresolved = r.setRoutes([entryRoute({ destination: '172.16.0.0/16', gateway: '10.0.2.3' })]);
    expect(unresolved.remove.length).toBeGreaterThan(0);
    expect(unresolved.packetOuts.map((p) => parsePacket(p.spec.data!).arp?.tpa)).toContain('10.0.2.3');
  });
});

describe('router app', () => {
  it('follows the shared store: API routes another instance adds, replaces and deletes are used here; ids never collide', async () => {
    const store = memoryAppStore(); // one store, two instances (etcd in a cluster)
    const here = routerApp();
    const other = routerApp();
    const opts = { log: silentLogger, store, datapaths: new Map(), flowsConfig: { reconcileIntervalMs: 0 }, config: { enabled: ['router'], settings: { router: { interfaces: CFG.interfaces, routes: [] } } } };
    const m = new AppManager({ ...opts, bus: new EventBus(), apps: [here] });
    const m2 = new AppManager({ ...opts, bus: new EventBus(), apps: [other] });
    await m.start();
    await m2.start();
    const until = async (cond: () => boolean): Promise<void> => {
      for (let t0 = Date.now(); !cond(); await new Promise((r) => setTimeout(r, 5))) if (Date.now() - t0 > 2_000) throw new Error('not in time');
    };
    const api = (): string[] => here.staticRoutes().map((r) => `${r.id} ${r.destination} via ${r.gateway}`);
    const a = await other.addRoute({ destination: '192.168.0.0/16', gateway: '10.0.2.1' });
    // At once, before the change is followed: this add reads the store first (fresh id, destination taken).
    await expect(here.addRoute({ destination: '192.168.0.0/16', gateway: '10.0.1.1' })).rejects.toMatchObject({ code: 'conflict' });
    const b = await here.addRoute({ destination: '172.16.0.0/12', gateway: '10.0.1.1' });
    expect(b.id).not.toBe(a.id);
    await until(() => other.staticRoutes().length === 2);
    await other.replaceRoute(a.id, { destination: '192.168.0.0/16', gateway: '10.0.1.2' });
    await until(() => api().includes(`${a.id} 192.168.0.0/16 via 10.0.1.2`));
    expect(await other.removeRoute(b.id)).toBe(true);
    await until(() => api().length === 1);
    await m.stop();
    await m2.stop();
  });
});
