/** proxy-arp: replies built for known targets out of the in-port, everything else left to the next app (run by the real AppManager ahead of forwarding). */
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/core/events.js';
import { silentLogger } from '../../src/log.js';
import { OFPP } from '../../src/openflow/codec/constants.js';
import type { ReceivedPacket } from '../../src/core/model.js';
import type { Datapath } from '../../src/openflow/datapath.js';
import type { PacketOutSpec } from '../../src/core/model.js';
import { AppManager } from '../../src/apps/manager.js';
import { ProxyArp, defaultProxyArpConfig, proxyArpApp } from '../../src/apps/proxy-arp/index.js';
import { forwardingApp } from '../../src/apps/forwarding/index.js';
import { arpRequest, arpReply } from '../../src/packet/arp.js';
import { parsePacket } from '../../src/packet/packet.js';
import { waitFor } from '../harness/exec.js';

const H1 = { mac: '00:00:00:00:00:01', ip: '10.0.0.1' };
const H2 = { mac: '00:00:00:00:00:02', ip: '10.0.0.2' };

describe('proxy-arp logic', () => {
  it('learns from ARP senders and answers a request for a known address with a reply to the asker out of its port', () => {
    const p = new ProxyArp();
    expect(p.packetIn(1n, 1, arpRequest({ srcMac: H1.mac, srcIp: H1.ip, dstIp: H2.ip }), 0)).toEqual({ kind: 'pass', reason: 'unknown-target' });
    // h2 answers (or asks anything): now it is known.
    expect(p.packetIn(2n, 3, arpReply({ srcMac: H2.mac, srcIp: H2.ip, dstMac: H1.mac, dstIp: H1.ip }), 10).kind).toBe('pass');
    const d = p.packetIn(1n, 1, arpRequest({ srcMac: H1.mac, srcIp: H1.ip, dstIp: H2.ip }), 20);
    expect(d.kind).toBe('reply');
    if (d.kind !== 'reply') return;
    expect(d.dpid).toBe(1n);
    expect(d.spec.actions).toEqual([{ type: 'output', port: 1 }]);
    expect(d.spec.inPort).toBe(OFPP.CONTROLLER);
    const r = parsePacket(d.spec.data!);
    expect(r.eth).toMatchObject({ dst: H1.mac, src: H2.mac });
    expect(r.arp).toMatchObject({ op: 2, sha: H2.mac, spa: H2.ip, tha: H1.mac, tpa: H1.ip });
  });

  it('keeps a VLAN tag, passes gratuitous ARP, a request for the asker itself and unknown targets; forgets old bindings', () => {
    const p = new ProxyArp({ ...defaultProxyArpConfig, bindingAgeSec: 10 });
    p.packetIn(1n, 2, arpRequest({ srcMac: H2.mac, srcIp: H2.ip, dstIp: '10.0.0.9' }), 0);
    const d = p.packetIn(1n, 1, arpRequest({ srcMac: H1.mac, srcIp: H1.ip, dstIp: H2.ip, vlans: [{ vid: 7 }] }), 1);
    expect(d.kind === 'reply' && parsePacket(d.spec.data!).eth!.vlans[0]!.vid).toBe(7);
    expect(p.packetIn(1n, 2, arpRequest({ srcMac: H2.mac, srcIp: H2.ip, dstIp: H2.ip }), 2)).toEqual({ kind: 'pass', reason: 'gratuitous' });
    expect(p.packetIn(1n, 2, arpRequest({ srcMac: H2.mac, srcIp: '10.0.0.5', dstIp: H2.ip }), 3)).toEqual({ kind: 'pass', reason: 'target-is-asker' });
    expect(p.expire(20_000)).toBeGreaterThan(0);
    expect(p.packetIn(1n, 1, arpRequest({ srcMac: H1.mac, srcIp: H1.ip, dstIp: H2.ip }), 20_000)).toEqual({ kind: 'pass', reason: 'unknown-target' });
  });

  it('answers for addresses the host tracker knows', () => {
    const p = new ProxyArp();
    p.setHosts([{ mac: H2.mac, ipv4: [H2.ip] }]);
    expect(p.packetIn(1n, 1, arpRequest({ srcMac: H1.mac, srcIp: H1.ip, dstIp: H2.ip }), 0).kind).toBe('reply');
    const off = new ProxyArp({ ...defaultProxyArpConfig, useHostTracker: false });
    off.setHosts([{ mac: H2.mac, ipv4: [H2.ip] }]);
    expect(off.packetIn(1n, 1, arpRequest({ srcMac: H1.mac, srcIp: H1.ip, dstIp: H2.ip }), 0).kind).toBe('pass');
  });
});

describe('proxy-arp bounds', () => {
  const ask = (ip: string, mac: string) => arpRequest({ srcMac: mac, srcIp: ip, dstIp: '10.9.9.9' });
  const macOf = (i: number) => `02:00:00:00:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;

  it('keeps at most maxBindings addresses: a flood of new senders is counted, not learned; known ones still refresh', () => {
    const p = new ProxyArp({ ...defaultProxyArpConfig, maxBindings: 3 });
    for (let i = 1; i <= 10; i++) p.packetIn(1n, 1, ask(`10.0.1.${i}`, macOf(i)), i);
    expect(p.size).toBe(3);
    expect(p.refused).toBe(7);
    expect(p.list().map((b) => b.ip)).toEqual(['10.0.1.1', '10.0.1.2', '10.0.1.3']);
    p.packetIn(1n, 1, ask('10.0.1.2', macOf(2)), 100);
    expect(p.list().find((b) => b.ip === '10.0.1.2')!.seenAt).toBe(100);
    expect(p.refused).toBe(7);
  });

  it("drops a switch's bindings when it leaves, and a port's when the port goes", () => {
    const p = new ProxyArp();
    p.packetIn(1n, 1, ask('10.0.0.1', macOf(1)), 0);
    p.packetIn(1n, 2, ask('10.0.0.2', macOf(2)), 0);
    p.packetIn(2n, 1, ask('10.0.0.3', macOf(3)), 0);
    expect(p.forget(1n, 2)).toBe(1);
    expect(p.list().map((b) => b.ip)).toEqual(['10.0.0.1', '10.0.0.3']);
    expect(p.forget(1n)).toBe(1);
    expect(p.list().map((b) => b.ip)).toEqual(['10.0.0.3']);
    // Nothing to answer for a forgotten address.
    expect(p.packetIn(2n, 1, arpRequest({ srcMac: macOf(3), srcIp: '10.0.0.3', dstIp: '10.0.0.1' }), 1)).toEqual({ kind: 'pass', reason: 'unknown-target' });
  });

  it('the app forgets bindings on switchDisconnected and portRemoved, and counts refused ones', async () => {
    const app = proxyArpApp();
    const bus = new EventBus();
    const dp = { dpid: 1n, dpidHex: '0000000000000001', connected: true, packetOut: () => undefined } as unknown as Datapath;
    const m = new AppManager({
      bus,
      datapaths: new Map([[1n, dp]]),
      log: silentLogger,
      flowsConfig: { reconcileIntervalMs: 0, reconcileOnConnect: false },
      apps: [() => app],
      config: { enabled: ['proxy-arp'], settings: { 'proxy-arp': { maxBindings: 2 } } },
    });
    await m.start();
    const pin = (inPort: number, data: Buffer): void => {
      const msg: ReceivedPacket = { inPort, bufferId: 0xffffffff, totalLen: data.length, reason: 0, tableId: 0, cookie: 0n, match: [], data };
      bus.emit('packetIn', { dpid: 1n, msg });
    };
    pin(1, ask('10.0.0.1', macOf(1)));
    pin(2, ask('10.0.0.2', macOf(2)));
    pin(2, ask('10.0.0.3', macOf(3)));
    await waitFor(() => app.bindings().length === 2);
    expect(m.metrics.snapshot().app_proxy_arp_bindings_refused_total).toMatchObject({ value: 1 });
    bus.emit('portRemoved', { dpid: 1n, port: { portNo: 2 } as never });
    await waitFor(() => app.bindings().length === 1);
    bus.emit('switchDisconnected', { dpid: 1n, reason: 'test' });
    await waitFor(() => app.bindings().length === 0);
    await m.stop();
  });
});

describe('proxy-arp in the app chain', () => {
  it('stops the chain when it answers and lets forwarding flood when it cannot', async () => {
    const bus = new EventBus();
    const sent: PacketOutSpec[] = [];
    const dp = { dpid: 1n, dpidHex: '0000000000000001', connected: true, packetOut: (s: PacketOutSpec) => sent.push(s) } as unknown as Datapath;
    const m = new AppManager({
      bus,
      datapaths: new Map([[1n, dp]]),
      log: silentLogger,
      flowsConfig: { reconcileIntervalMs: 0, reconcileOnConnect: false },
      apps: [proxyArpApp, forwardingApp],
      config: { enabled: ['proxy-arp', 'forwarding'], settings: { forwarding: { floodHoldMs: 0 } } },
    });
    await m.start();
    const pin = (inPort: number, data: Buffer): void => {
      const msg: ReceivedPacket = { inPort, bufferId: 0xffffffff, totalLen: data.length, reason: 0, tableId: 0, cookie: 0n, match: [], data };
      bus.emit('packetIn', { dpid: 1n, msg });
    };
    pin(1, arpRequest({ srcMac: H1.mac, srcIp: H1.ip, dstIp: H2.ip }));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.actions).toEqual([{ type: 'output', port: OFPP.FLOOD }]); // forwarding, no topology: switch flood
    pin(2, arpRequest({ srcMac: H2.mac, srcIp: H2.ip, dstIp: '10.0.0.3' }));
    sent.length = 0;
    pin(1, arpRequest({ srcMac: H1.mac, srcIp: H1.ip, dstIp: H2.ip }));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.actions).toEqual([{ type: 'output', port: 1 }]);
    expect(parsePacket(sent[0]!.data!).arp).toMatchObject({ op: 2, spa: H2.ip, sha: H2.mac });
    expect(m.metrics.snapshot().app_proxy_arp_replies_total).toMatchObject({ value: 1 });
    await m.stop();
  });
});
