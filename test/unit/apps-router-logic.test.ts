/** router decisions judged by behaviour: gateway ARP and ping, next-hop resolution, routed flows (MAC rewrite, TTL) followed through the fake network, static routes, reroute. */
import { describe, expect, it } from 'vitest';
import type { Effects } from '../../src/apps/effects.js';
import { Router, RouteError, checkRoute, checkRouterConfig, defaultRouterConfig, entryRoute, parseInterfaces, type RouterConfig } from '../../src/apps/router/logic.js';
import { OFPP } from '../../src/openflow/codec/constants.js';
import { arpReply, arpRequest } from '../../src/packet/arp.js';
import { buildPacket, parsePacket } from '../../src/packet/packet.js';
import { packetOutPorts } from '../fakes/fake-flow-table.js';
import type { FakeNetwork } from '../fakes/fake-network.js';
import type { PacketInput } from '../fakes/fake-packet.js';
import { applyEffects } from '../fakes/app-effects.js';
import { buildNetwork, linear, snapshotOf } from '../fakes/topologies.js';
import { AppManager } from '../../src/apps/manager.js';
import { memoryAppStore } from '../../src/apps/store.js';
import { routerApp, type RouterApp } from '../../src/apps/router/index.js';
import { EventBus } from '../../src/core/events.js';
import { silentLogger } from '../../src/log.js';
import { ManualClock } from '../fakes/manual-clock.js';

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

/**
 * s1 — s2 — s3 in a line (the shared linear topology: ports 1 host, 2 left, 3 right) plus s1—s3
 * directly on ports 4 when `triangle`; every switch with the forwarding app's table-miss flow to
 * the controller, which the router runs beside.
 */
function network(triangle: boolean): FakeNetwork {
  const line = linear(3);
  const net = buildNetwork({
    switches: line.switches.map((s) => ({ dpid: s.dpid, ports: triangle && s.dpid !== 2n ? [1, 2, 3, 4] : [1, 2, 3] })),
    links: triangle ? [...line.links, [1n, 4, 3n, 4]] : line.links,
    hosts: [],
  });
  for (const d of net.switches.keys()) net.flowMod(d, { priority: 0, actions: [{ type: 'output', port: OFPP.CONTROLLER }] });
  return net;
}

/** The topology discovery reports for {@link network}. */
function topo(triangle: boolean): ReturnType<typeof snapshotOf> {
  return snapshotOf(network(triangle));
}

const COOKIE = 0x7777_0000_0000_0000n;

function applyAll(net: FakeNetwork, fx: Effects): void {
  applyEffects(net, fx, { cookie: COOKIE });
}

/** Follows a packet sent into a switch port through the network: where it left (one copy, rewritten as it left), or that it went to the controller or was dropped. */
function follow(net: FakeNetwork, at: bigint, inPort: number, pkt: PacketInput): { dpid: bigint; port: number; pkt: Record<string, unknown> } | 'controller' | 'dropped' {
  const t = net.inject(at, inPort, pkt);
  if (t.loop) throw new Error('loop');
  if (t.delivered.length === 0) return t.packetIns.length > 0 ? 'controller' : 'dropped';
  expect(t.delivered).toHaveLength(1);
  expect(t.packetIns).toEqual([]);
  const d = t.delivered[0]!;
  return { dpid: d.dpid, port: d.port, pkt: { ...d.packet, in_port: d.inPort } };
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
    const net = network(true);
    applyAll(net, r.setTopology(snapshotOf(net), 0));
    r.packetIn(1n, 1, arpRequest({ srcMac: H1.mac, srcIp: H1.ip, dstIp: '10.0.1.254' }), 0);
    r.packetIn(3n, 1, arpRequest({ srcMac: H3.mac, srcIp: H3.ip, dstIp: '10.0.2.254' }), 0);
    const fx = r.packetIn(1n, 1, ping(H1, H3.ip), 1);
    applyAll(net, fx);
    expect(fx.packetOuts).toHaveLength(1);
    const pkt = { eth_type: 0x0800, eth_src: H1.mac, eth_dst: GW, ipv4_src: H1.ip, ipv4_dst: H3.ip, ttl: 64 };
    // The triangle's direct link s1-s3.
    expect(follow(net, 1n, 1, pkt)).toEqual({ dpid: 3n, port: 1, pkt: { ...pkt, in_port: 4, eth_src: GW, eth_dst: H3.mac, ttl: 63 } });
    // The reply goes the other way once h3 sends to the gateway.
    applyAll(net, r.packetIn(3n, 1, ping(H3, H1.ip), 2));
    const back = { eth_type: 0x0800, eth_src: H3.mac, eth_dst: GW, ipv4_src: H3.ip, ipv4_dst: H1.ip, ttl: 64 };
    expect(follow(net, 3n, 1, back)).toMatchObject({ dpid: 1n, port: 1, pkt: { eth_dst: H1.mac, ttl: 63 } });
    // s1-s3 fails: the route goes round by s2 at once.
    net.setPort(1n, 4, false);
    net.setPort(3n, 4, false);
    applyAll(net, r.setTopology(snapshotOf(net), 3));
    expect(follow(net, 1n, 1, pkt)).toEqual({ dpid: 3n, port: 1, pkt: { ...pkt, in_port: 2, eth_src: GW, eth_dst: H3.mac, ttl: 63 } });
    expect(net.table(1n).flows.some((f) => f.instructions.some((i) => i.type === 'apply_actions' && i.actions.some((a) => a.type === 'output' && a.port === 4)))).toBe(false);
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
    const net = network(false);
    applyAll(net, r.setTopology(snapshotOf(net), 0));
    // Two routers on 10.0.2.0/24: R1 at s3:1, R2 at s2:1.
    r.packetIn(3n, 1, arpRequest({ srcMac: R1.mac, srcIp: R1.ip, dstIp: '10.0.2.254' }), 0);
    r.packetIn(2n, 1, arpRequest({ srcMac: R2.mac, srcIp: R2.ip, dstIp: '10.0.2.254' }), 0);
    r.packetIn(1n, 1, arpRequest({ srcMac: H1.mac, srcIp: H1.ip, dstIp: '10.0.1.254' }), 0);
    // Unroutable until a route is added.
    expect(r.packetIn(1n, 1, ping(H1, '172.16.1.1'), 1).install).toEqual([]);
    expect(r.setRoutes([entryRoute({ destination: '172.16.0.0/16', gateway: R1.ip })]).install).toEqual([]);
    applyAll(net, r.packetIn(1n, 1, ping(H1, '172.16.1.1'), 2));
    const pkt = { eth_type: 0x0800, eth_src: H1.mac, eth_dst: GW, ipv4_src: H1.ip, ipv4_dst: '172.16.1.1', ttl: 64 };
    expect(follow(net, 1n, 1, pkt)).toMatchObject({ dpid: 3n, port: 1, pkt: { eth_dst: R1.mac, ttl: 63 } });
    // The route now goes via R2: the same flows lead there, and nothing towards R1 is left.
    const moved = r.setRoutes([entryRoute({ destination: '172.16.0.0/16', gateway: R2.ip })]);
    applyAll(net, moved);
    expect(follow(net, 1n, 1, pkt)).toMatchObject({ dpid: 2n, port: 1, pkt: { eth_dst: R2.mac, ttl: 63 } });
    expect(r.listRoutes()).toEqual([{ ingress: 1n, dst: '172.16.1.1', nextHop: R2.ip, switches: [1n, 2n] }]);
    expect(net.table(3n).flows.filter((f) => f.match.some((m) => m.field === 'ipv4_dst'))).toEqual([]);
    // No route left: withdrawn, back to the controller (which drops it).
    applyAll(net, r.setRoutes([]));
    expect(r.listRoutes()).toEqual([]);
    expect(follow(net, 1n, 1, pkt)).toBe('controller');
    // A route via a next hop not resolved yet: the router asks for it.
    r.setRoutes([entryRoute({ destination: '172.16.0.0/16', gateway: R1.ip })]);
    applyAll(net, r.packetIn(1n, 1, ping(H1, '172.16.1.1'), 3));
    const unresolved = r.setRoutes([entryRoute({ destination: '172.16.0.0/16', gateway: '10.0.2.3' })]);
    expect(unresolved.remove.length).toBeGreaterThan(0);
    expect(unresolved.packetOuts.map((p) => parsePacket(p.spec.data!).arp?.tpa)).toContain('10.0.2.3');
  });
});

describe('router reconfigure (a config file reload)', () => {
  it('takes new gateways and static routes live: routes that keep their next hop send nothing, a removed subnet is withdrawn, a reshaping setting asks for a restart', () => {
    const r = new Router({ ...CFG, routes: [] });
    const net = network(false);
    applyAll(net, r.setTopology(snapshotOf(net), 0));
    r.packetIn(1n, 1, arpRequest({ srcMac: H1.mac, srcIp: H1.ip, dstIp: '10.0.1.254' }), 0);
    r.packetIn(3n, 1, arpRequest({ srcMac: H3.mac, srcIp: H3.ip, dstIp: '10.0.2.254' }), 0);
    applyAll(net, r.packetIn(1n, 1, ping(H1, H3.ip), 1));
    const pkt = { eth_type: 0x0800, eth_src: H1.mac, eth_dst: GW, ipv4_src: H1.ip, ipv4_dst: H3.ip, ttl: 64 };
    expect(follow(net, 1n, 1, pkt)).toMatchObject({ dpid: 3n, port: 1, pkt: { eth_dst: H3.mac, ttl: 63 } });
    const routes = r.listRoutes();
    // A third gateway and a static route that no installed route uses: nothing to send, nothing forgotten.
    const more = { ...CFG, interfaces: [...CFG.interfaces, '10.0.9.254/24'], routes: ['172.16.0.0/16 via 10.0.1.1'] };
    const fx = r.reconfigure(more, [])!;
    expect(fx).toMatchObject({ install: [], remove: [], packetOuts: [] });
    expect(r.listRoutes()).toEqual(routes);
    expect(r.config).toBe(more);
    expect(r.nextHopFor('172.16.3.4')).toBe('10.0.1.1');
    expect(r.packetIn(1n, 1, arpRequest({ srcMac: H1.mac, srcIp: '10.0.9.1', dstIp: '10.0.9.254' }), 2).handled).toBe(true);
    // The API's routes come with it.
    expect(r.reconfigure(more, [entryRoute({ destination: '192.168.0.0/16', gateway: H3.ip })])!.install).toEqual([]);
    expect(r.nextHopFor('192.168.1.1')).toBe(H3.ip);
    // h3's subnet goes: its route is withdrawn, the packet goes to the controller again.
    const fewer = r.reconfigure({ ...more, interfaces: ['10.0.1.254/24'], routes: [] }, [])!;
    expect(fewer.remove.length).toBeGreaterThan(0);
    applyAll(net, fewer);
    expect(r.listRoutes()).toEqual([]);
    expect(follow(net, 1n, 1, pkt)).toBe('controller');
    // Settings every routed flow carries cannot move live.
    for (const change of [{ gatewayMac: '0a:5b:00:00:00:fd' }, { flowPriority: 33 }, { idleTimeoutSec: 5 }, { tableId: 1 }, { arpRetryMs: 500 }]) {
      expect(r.reconfigure({ ...r.config, ...change }, [])).toBeUndefined();
    }
  });

  it('the app reconfigures live on new gateways and routes (same instance, routes listed), and restarts on a new flow priority', async () => {
    const bus = new EventBus();
    const clock = new ManualClock();
    // A factory: a restart makes a new instance.
    const m = new AppManager({ bus, datapaths: new Map(), log: silentLogger, clock, store: memoryAppStore(), flowsConfig: { reconcileIntervalMs: 0 }, apps: [() => routerApp()], config: { enabled: ['router'], settings: { router: { interfaces: ['10.0.1.254/24'] } } } });
    await m.start();
    const router = m.instance('router') as unknown as RouterApp;
    expect(await m.setConfig('router', { interfaces: ['10.0.1.254/24', '10.0.2.254/24'], routes: ['172.16.0.0/16 via 10.0.2.1'] })).toMatchObject({ routes: ['172.16.0.0/16 via 10.0.2.1'] });
    expect(m.instance('router')).toBe(router);
    expect(router.staticRoutes()).toEqual([{ id: 'config-1', destination: '172.16.0.0/16', gateway: '10.0.2.1', source: 'config' }]);
    await m.setConfig('router', { flowPriority: 33 });
    expect(m.instance('router')).not.toBe(router);
    await m.stop();
  });
});

describe('router app', () => {
  it('follows the shared store: API routes another instance adds, replaces and deletes are used here; ids never collide', async () => {
    const store = memoryAppStore(); // one store, two instances (etcd in a cluster)
    const here = routerApp();
    const other = routerApp();
    const clock = new ManualClock();
    const opts = { log: silentLogger, store, clock, datapaths: new Map(), flowsConfig: { reconcileIntervalMs: 0 }, config: { enabled: ['router'], settings: { router: { interfaces: CFG.interfaces, routes: [] } } } };
    const m = new AppManager({ ...opts, bus: new EventBus(), apps: [here] });
    const m2 = new AppManager({ ...opts, bus: new EventBus(), apps: [other] });
    await m.start();
    await m2.start();
    // Each instance follows the store's changes after a debounce: move the clock until it has.
    const until = async (cond: () => boolean): Promise<void> => void (await clock.advanceUntil(cond, 2_000));
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

  it('concurrent adds: 8 × 25 get distinct ids; of adds of one destination at once, on two instances, exactly one wins', async () => {
    const store = memoryAppStore(); // one store, two instances (etcd in a cluster)
    const here = routerApp();
    const other = routerApp();
    const opts = { log: silentLogger, store, datapaths: new Map(), flowsConfig: { reconcileIntervalMs: 0 }, config: { enabled: ['router'], settings: { router: { interfaces: CFG.interfaces, routes: [] } } } };
    const m = new AppManager({ ...opts, bus: new EventBus(), apps: [here] });
    const m2 = new AppManager({ ...opts, bus: new EventBus(), apps: [other] });
    await m.start();
    await m2.start();
    const ids = (await Promise.all(Array.from({ length: 8 }, async (_, w) => {
      const out: string[] = [];
      for (let i = 0; i < 25; i++) out.push((await (w % 2 ? other : here).addRoute({ destination: `172.${16 + w}.${i}.0/24`, gateway: '10.0.1.1' })).id);
      return out;
    }))).flat();
    expect(new Set(ids).size).toBe(200);
    expect((await store.list('apps/router/route/')).length).toBe(200);
    const same = await Promise.allSettled([here, other, here, other].map((app) => app.addRoute({ destination: '192.168.7.0/24', gateway: '10.0.1.1' })));
    expect(same.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(same.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(['conflict', 'conflict', 'conflict']);
    // Moving a route frees its old destination; deleting one frees its own.
    const won = (same.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ id: string }>).value.id;
    const owner = here.getRoute(won) ? here : other;
    await owner.replaceRoute(won, { destination: '192.168.8.0/24', gateway: '10.0.1.1' });
    const again = await here.addRoute({ destination: '192.168.7.0/24', gateway: '10.0.1.1' });
    await expect(other.addRoute({ destination: '192.168.8.0/24', gateway: '10.0.1.1' })).rejects.toMatchObject({ code: 'conflict' });
    expect(await here.removeRoute(again.id)).toBe(true);
    expect((await other.addRoute({ destination: '192.168.7.0/24', gateway: '10.0.1.1' })).id).not.toBe(again.id);
    await m.stop();
    await m2.stop();
  });
});
