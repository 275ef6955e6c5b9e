/** acl: rule checks, ordered flows judged on the fake network (first match wins, allow exceptions, only the switches a rule names), and the app's CRUD persisted in its store, run by the real AppManager. */
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/core/events.js';
import { silentLogger } from '../../src/log.js';
import type { ReceivedPacket } from '../../src/core/model.js';
import type { Datapath } from '../../src/openflow/datapath.js';
import { AppManager } from '../../src/apps/manager.js';
import { memoryAppStore } from '../../src/apps/store.js';
import { aclApp, aclFlows, checkRule, AclRuleError, type AclRule } from '../../src/apps/acl/index.js';
import { buildPacket } from '../../src/packet/packet.js';
import { dpidToHex } from '../../src/core/ids.js';
import { hostsReached, type FakeNetwork } from '../fakes/fake-network.js';
import type { PacketFields } from '../fakes/fake-packet.js';
import { buildNetwork, linear } from '../fakes/topologies.js';
import { ManualClock } from '../fakes/manual-clock.js';

const H1 = { mac: '00:00:00:00:00:01', ip: '10.0.0.1' };
const H2 = { mac: '00:00:00:00:00:02', ip: '10.0.0.2' };
const H3 = { mac: '00:00:00:00:00:03', ip: '10.0.0.3' };
const DPID = '0000000000000001';

function pkt(src: typeof H1, dst: typeof H1, proto: 'icmp' | 'tcp' | 'udp', port = 80): PacketFields {
  const base = { in_port: 1, eth_src: src.mac, eth_dst: dst.mac, eth_type: 0x0800, ipv4_src: src.ip, ipv4_dst: dst.ip };
  if (proto === 'icmp') return { ...base, ip_proto: 1, icmpv4_type: 8 };
  if (proto === 'tcp') return { ...base, ip_proto: 6, tcp_src: 40000, tcp_dst: port };
  return { ...base, ip_proto: 17, udp_src: 40000, udp_dst: port };
}

const HOSTS = [H1, H2, H3];

/** Forwarding flows (eth_dst to the host's port, or towards its switch) below the ACL flows of each switch. */
function withAcl(net: FakeNetwork, rules: AclRule[]): FakeNetwork {
  for (const sw of net.switches.values()) {
    for (const h of net.hosts.values()) {
      const port = h.dpid === sw.dpid ? h.port : h.dpid > sw.dpid ? 3 : 2;
      net.flowMod(sw.dpid, { priority: 10, match: [{ field: 'eth_dst', value: h.mac }], actions: [{ type: 'output', port }] });
    }
    for (const f of aclFlows(rules, dpidToHex(sw.dpid))) net.flowMod(sw.dpid, f);
  }
  return net;
}

/** One switch, h1..h3 on ports 1..3, with the ACL flows above a forwarding flow to each host. */
function oneSwitch(rules: AclRule[]): FakeNetwork {
  return withAcl(buildNetwork({ switches: [{ dpid: 1n, ports: [1, 2, 3] }], links: [], hosts: HOSTS.map((h, i) => ({ name: `h${i + 1}`, mac: h.mac, dpid: 1n, port: i + 1 })) }), rules);
}

/** What happens to a packet a host sends: it reaches its destination and nothing else, goes (only) to the controller, or is dropped. */
function fate(net: FakeNetwork, p: PacketFields): 'forwarded' | 'dropped' | 'controller' | 'something else' {
  const from = [...net.hosts.values()].find((h) => h.mac === p.eth_src)!;
  const to = [...net.hosts.values()].find((h) => h.mac === p.eth_dst)!;
  const t = net.inject(from.dpid, from.port, p);
  const reached = hostsReached(t);
  if (t.packetIns.length === 0 && t.drops.length === 0 && t.delivered.length === 1 && reached[0] === to.name) return 'forwarded';
  if (t.packetIns.length > 0 && t.delivered.length === 0) return 'controller';
  if (t.packetIns.length === 0 && t.delivered.length === 0 && t.drops.length > 0) return 'dropped';
  return 'something else';
}

describe('acl rules', () => {
  it('normalises rules and adds the prerequisites; names the bad field', () => {
    expect(checkRule({ action: 'deny', match: { tcpDst: 22, ipv4Dst: '10.0.0.7/24', ethSrc: '00:00:00:00:00:AA' } })).toEqual({
      action: 'deny',
      match: { tcpDst: 22, ipv4Dst: '10.0.0.0/24', ethSrc: '00:00:00:00:00:aa', ethType: 0x0800, ipProto: 6 },
    });
    expect(checkRule({ action: 'allow', match: {}, switches: ['1', '00:00:00:00:00:00:00:0a'] }).switches).toEqual(['0000000000000001', '000000000000000a']);
    const bad = (r: unknown): string => {
      try {
        checkRule(r);
        return 'ok';
      } catch (e) {
        expect(e).toBeInstanceOf(AclRuleError);
        return (e as AclRuleError).field;
      }
    };
    expect(bad({ action: 'drop', match: {} })).toBe('action');
    expect(bad({ action: 'deny', match: { tcpDst: 70000 } })).toBe('match.tcpDst');
    expect(bad({ action: 'deny', match: { ipv4Src: '10.0.0.300' } })).toBe('match.ipv4Src');
    expect(bad({ action: 'deny', match: { color: 'red' } })).toBe('match.color');
    expect(bad({ action: 'deny', match: { tcpDst: 22, ipProto: 17 } })).toBe('match.ipProto');
    expect(bad({ action: 'deny', match: { ethType: 0x86dd, ipv4Src: '1.2.3.4' } })).toBe('match.ethType');
  });

  it('takes the OpenFlow match-field names (as flows do), the camelCase ones as aliases, and names the field as the client wrote it', () => {
    const openflow = checkRule({ action: 'deny', match: { in_port: 3, eth_type: 0x0800, ipv4_src: '10.0.0.1', ipv4_dst: '10.0.0.7/24', ip_proto: 6, tcp_dst: 22, eth_src: '00:00:00:00:00:AA', vlan_vid: 10 } });
    const camel = checkRule({ action: 'deny', match: { inPort: 3, ethType: 0x0800, ipv4Src: '10.0.0.1', ipv4Dst: '10.0.0.7/24', ipProto: 6, tcpDst: 22, ethSrc: '00:00:00:00:00:AA', vlanVid: 10 } });
    expect(openflow).toEqual(camel);
    expect(checkRule({ action: 'deny', match: { udp_src: 53, udp_dst: 53, eth_dst: '00:00:00:00:00:01' } })).toEqual(checkRule({ action: 'deny', match: { udpSrc: 53, udpDst: 53, ethDst: '00:00:00:00:00:01' } }));
    expect(checkRule({ action: 'allow', match: { icmpv4_type: 8 } }).match).toEqual({ icmpType: 8, ipProto: 1, ethType: 0x0800 });
    // The same flows either way.
    expect(aclFlows([{ id: 'a', ...openflow }], DPID)).toEqual(aclFlows([{ id: 'a', ...camel }], DPID));
    const bad = (r: unknown): string => {
      try {
        checkRule(r);
        return 'ok';
      } catch (e) {
        expect(e).toBeInstanceOf(AclRuleError);
        return `${(e as AclRuleError).field}: ${(e as AclRuleError).message}`;
      }
    };
    expect(bad({ action: 'deny', match: { tcp_dst: 70000 } })).toMatch(/^match\.tcp_dst: /);
    expect(bad({ action: 'deny', match: { eth_type: 0x86dd, ipv4_src: '1.2.3.4' } })).toMatch(/^match\.eth_type: /);
    expect(bad({ action: 'deny', match: { tcp_dst: 22, ip_proto: 17 } })).toMatch(/^match\.ip_proto: /);
    expect(bad({ action: 'deny', match: { eth_type: 0x0800, ethType: 0x0800 } })).toMatch(/^match\.ethType: .*given twice, as eth_type and as ethType/);
    // An unknown field lists the OpenFlow names.
    expect(bad({ action: 'deny', match: { nw_dst: '10.0.0.1' } })).toMatch(/^match\.nw_dst: .*unknown field; known: in_port, eth_src, .*icmpv4_type/);
  });

  it('first match wins: an allow before a deny is an exception, a deny drops exactly what it matches', () => {
    const rules: AclRule[] = [
      { id: 'a', ...checkRule({ action: 'allow', match: { ipv4Src: H1.ip, ipv4Dst: H2.ip, icmpType: 8 } }) },
      { id: 'b', ...checkRule({ action: 'deny', match: { ipv4Dst: H2.ip } }) },
      { id: 'c', ...checkRule({ action: 'deny', match: { tcpDst: 22 } }) },
    ];
    const t = oneSwitch(rules);
    expect(fate(t, pkt(H1, H2, 'icmp'))).toBe('controller'); // allowed: goes on through the controller
    expect(fate(t, pkt(H1, H2, 'tcp'))).toBe('dropped');
    expect(fate(t, pkt(H3, H2, 'icmp'))).toBe('dropped');
    expect(fate(t, pkt(H1, H3, 'tcp', 22))).toBe('dropped');
    expect(fate(t, pkt(H1, H3, 'tcp', 80))).toBe('forwarded');
    expect(fate(t, pkt(H2, H1, 'icmp'))).toBe('forwarded');
    // Priorities follow the order.
    expect(aclFlows(rules, DPID).map((f) => f.priority)).toEqual([40000, 39999, 39998]);
    // An allow that overlaps no later deny needs no flow.
    expect(aclFlows([{ id: 'x', ...checkRule({ action: 'allow', match: { udpDst: 53 } }) }, rules[2]!], DPID)).toHaveLength(1);
  });

  it('applies a rule only on the switches it names', () => {
    const r: AclRule = { id: 'a', ...checkRule({ action: 'deny', match: { ethSrc: H1.mac }, switches: ['2'] }) };
    expect(aclFlows([r], DPID)).toEqual([]);
    expect(aclFlows([r], '0000000000000002')).toHaveLength(1);
    // On s1 — s2, h1's packets pass s1 and are dropped at s2; h2's reach h1.
    const net = withAcl(buildNetwork(linear(2)), [r]);
    const h1 = { mac: net.host('h1').mac, ip: '10.0.0.1' };
    const h2 = { mac: net.host('h2').mac, ip: '10.0.0.2' };
    expect(fate(net, pkt(h2, h1, 'udp'))).toBe('forwarded');
    expect(fate(net, pkt(h1, h2, 'udp'))).toBe('dropped');
    expect(net.send('h1', pkt(h1, h2, 'udp')).drops).toMatchObject([{ dpid: 2n, reason: 'no-actions' }]);
  });
});

describe('acl app', () => {
  it('adds, updates and deletes rules through its methods, persists them, installs them on every switch and drops denied packet-ins', async () => {
    const bus = new EventBus();
    const dp = { dpid: 1n, dpidHex: DPID, connected: true, packetOut: () => undefined } as unknown as Datapath;
    const store = memoryAppStore();
    const app = aclApp();
    const m = new AppManager({ bus, datapaths: new Map([[1n, dp]]), log: silentLogger, store, flowsConfig: { reconcileIntervalMs: 0, reconcileOnConnect: false }, apps: [app], config: { enabled: ['acl'] } });
    await m.start();
    const r1 = await app.add({ action: 'deny', match: { ipv4Dst: H2.ip } });
    const r0 = await app.add({ action: 'allow', match: { ipv4Src: H1.ip, ipv4Dst: H2.ip } }, 0);
    expect(app.list().map((r) => r.id)).toEqual([r0.id, r1.id]);
    const mine = (): string[] => m.flows.flows(1n).filter((f) => f.owner === 'acl').map((f) => `${f.spec.priority}:${f.spec.instructions === undefined && (f.spec.actions ?? []).length === 0 ? 'drop' : 'ctrl'}`).sort();
    expect(mine()).toEqual(['39999:drop', '40000:ctrl']);
    await expect(app.add({ action: 'deny', match: { tcpDst: 'ssh' } })).rejects.toThrow(/match.tcpDst/);
    expect(await app.update(r1.id, { action: 'deny', match: { ipv4Dst: H3.ip } })).toMatchObject({ id: r1.id, match: { ipv4Dst: `${H3.ip}/32` } });
    expect(mine()).toEqual(['39999:drop']); // the allow overlaps nothing now
    expect(await app.update('nope', { action: 'deny', match: {} })).toBeUndefined();
    // Denied packet-ins stop here; others go on.
    const seen: string[] = [];
    m.register({ name: 'probe', description: 'sees what passes', start() {}, onPacketIn: () => void seen.push('x') }, 'test');
    await m.enable('probe');
    const pin = (dst: typeof H1): void => {
      const data = buildPacket({ eth: { dst: dst.mac, src: H1.mac }, ipv4: { src: H1.ip, dst: dst.ip, protocol: 17 }, udp: { srcPort: 1, dstPort: 2 } });
      const msg: ReceivedPacket = { inPort: 1, bufferId: 0xffffffff, totalLen: data.length, reason: 0, tableId: 0, cookie: 0n, match: [], data };
      bus.emit('packetIn', { dpid: 1n, msg });
    };
    pin(H3);
    pin(H2);
    expect(seen).toEqual(['x']);
    // Persisted, one key per rule (no list rewritten on each change), with the id counter.
    expect((await store.list('apps/acl/rule/')).map(([k]) => k).sort()).toEqual([`apps/acl/rule/${r0.id}`, `apps/acl/rule/${r1.id}`].sort());
    expect(await store.get('apps/acl/nextId')).toBe(3);
    expect(await store.get('apps/acl/rules')).toBeUndefined();
    await m.disable('acl');
    expect(m.flows.flows(1n).filter((f) => f.owner === 'acl')).toEqual([]);
    await m.enable('acl');
    expect(app.list().map((r) => r.id)).toEqual([r0.id, r1.id]);
    expect(await app.remove(r0.id)).toBe(true);
    expect(await app.remove(r0.id)).toBe(false);
    expect((await app.add({ action: 'deny', match: {} })).id).toBe('r3');
    expect(mine()).toEqual(['39999:drop', '40000:drop']);
    await m.stop();
  });

  it('follows the shared store: rules another instance adds, changes and deletes are installed here; ids never collide', async () => {
    const dp = { dpid: 1n, dpidHex: DPID, connected: true, packetOut: () => undefined } as unknown as Datapath;
    const store = memoryAppStore(); // one store, two instances (etcd in a cluster)
    const here = aclApp();
    const other = aclApp();
    const clock = new ManualClock();
    const opts = { log: silentLogger, store, clock, flowsConfig: { reconcileIntervalMs: 0, reconcileOnConnect: false }, config: { enabled: ['acl'] } };
    const m = new AppManager({ ...opts, bus: new EventBus(), datapaths: new Map([[1n, dp]]), apps: [here] });
    const m2 = new AppManager({ ...opts, bus: new EventBus(), datapaths: new Map(), apps: [other] });
    await m.start();
    await m2.start();
    const mine = (): number[] => m.flows.flows(1n).filter((f) => f.owner === 'acl').map((f) => f.spec.priority!).sort();
    // Each instance follows the store's changes after a debounce: move the clock until it has.
    const until = async (cond: () => boolean): Promise<void> => void (await clock.advanceUntil(cond, 2_000));
    const r1 = await other.add({ action: 'deny', match: { ipv4Dst: H2.ip } });
    // At once, before the change is followed (debounced): the add reads the store first, so the
    // id is fresh and the other's rule is kept.
    const r2 = await here.add({ action: 'deny', match: { ipv4Dst: H3.ip } }, 0);
    expect(r2.id).not.toBe(r1.id);
    expect(here.list().map((r) => r.id)).toEqual([r2.id, r1.id]);
    await until(() => mine().length === 2 && other.list().length === 2);
    expect(other.list().map((r) => r.id)).toEqual([r2.id, r1.id]);
    await other.update(r1.id, { action: 'deny', match: { ipv4Dst: H1.ip } });
    await until(() => here.get(r1.id)?.match.ipv4Dst === `${H1.ip}/32`);
    expect(await other.remove(r2.id)).toBe(true);
    await until(() => mine().length === 1);
    expect(here.list().map((r) => r.id)).toEqual([r1.id]);
    await m.stop();
    await m2.stop();
  });
});

describe('acl app storage: one key per rule, ids from an atomic counter', () => {
  const startAcl = async (store = memoryAppStore()) => {
    const app = aclApp();
    const m = new AppManager({ bus: new EventBus(), datapaths: new Map(), log: silentLogger, store, flowsConfig: { reconcileIntervalMs: 0, reconcileOnConnect: false }, apps: [app], config: { enabled: ['acl'] } });
    await m.start();
    return { app, m, store };
  };

  it('8 concurrent writers × 25 adds: all 200 stored and listed, ids unique', async () => {
    const { app, m, store } = await startAcl();
    const ids = (await Promise.all(Array.from({ length: 8 }, (_, w) => (async () => {
      const out: string[] = [];
      for (let i = 0; i < 25; i++) out.push((await app.add({ action: 'deny', match: { ipv4Dst: `10.${w}.0.${i + 1}` } })).id);
      return out;
    })()))).flat();
    expect(new Set(ids).size).toBe(200);
    expect((await store.list('apps/acl/rule/')).length).toBe(200);
    expect(new Set(app.list().map((r) => r.id))).toEqual(new Set(ids));
    await m.stop();
  });

  it('keeps the order through inserts and moves without rewriting other rules', async () => {
    const { app, m, store } = await startAcl();
    const a = await app.add({ action: 'deny', match: { ipv4Dst: '10.0.0.1' } });
    const b = await app.add({ action: 'deny', match: { ipv4Dst: '10.0.0.2' } });
    const c = await app.add({ action: 'deny', match: { ipv4Dst: '10.0.0.3' } }, 1);
    const d = await app.add({ action: 'deny', match: { ipv4Dst: '10.0.0.4' } }, 0);
    expect(app.list().map((r) => r.id)).toEqual([d.id, a.id, c.id, b.id]);
    const before = JSON.stringify(await store.get(`apps/acl/rule/${b.id}`));
    await app.update(d.id, { action: 'deny', match: { ipv4Dst: '10.0.0.4' } }, 4); // to the end
    await app.update(b.id, { action: 'allow', match: { ipv4Dst: '10.0.0.2' } }); // in place
    await app.update(c.id, { action: 'deny', match: { ipv4Dst: '10.0.0.3' } }, 0); // to the front
    expect(app.list().map((r) => r.id)).toEqual([c.id, a.id, b.id, d.id]);
    expect(JSON.stringify(await store.get(`apps/acl/rule/${a.id}`))).toContain('"seq"');
    expect(JSON.stringify(await store.get(`apps/acl/rule/${b.id}`))).not.toBe(before); // its own change only
    expect(app.list()[0]).not.toHaveProperty('seq');
    // A fresh start reads the same order back.
    await m.disable('acl');
    await m.enable('acl');
    expect(app.list().map((r) => r.id)).toEqual([c.id, a.id, b.id, d.id]);
    await m.stop();
  });

  it('migrates rules stored in the old single-list format, in order, and numbers new ones past them', async () => {
    const store = memoryAppStore();
    const old = [
      { id: 'r7', ...checkRule({ action: 'allow', match: { ipv4Dst: '10.0.0.7' } }) },
      { id: 'r2', ...checkRule({ action: 'deny', match: { ipv4Dst: '10.0.0.2' } }) },
    ];
    await store.put('apps/acl/rules', old as never);
    await store.put('apps/acl/nextId', 3); // the old writer's counter lagged behind: r7 must not come back
    const { app, m } = await startAcl(store);
    expect(app.list()).toEqual(old);
    expect(await store.get('apps/acl/rules')).toBeUndefined();
    const r = await app.add({ action: 'deny', match: {} });
    expect(r.id).toBe('r8');
    expect(app.list().map((x) => x.id)).toEqual(['r7', 'r2', 'r8']);
    await m.stop();
  });
});
