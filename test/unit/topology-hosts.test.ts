/** Host learning from frames (ARP, IPv4, IPv6 ND, DHCP) and the tracker's add/move/update/expire logic, with injected time. */
import { describe, expect, it } from 'vitest';
import { arpRequest, buildPacket, neighborAdvertisement, parsePacket } from '../../src/packet/index.js';
import { HostTracker, hostObservation } from '../../src/topology/hosts.js';

const at = (dpid: bigint, port: number) => ({ dpid, port });

describe('hostObservation', () => {
  it('reads MAC and IPv4 from ARP, with the outer VLAN id', () => {
    const f = arpRequest({ srcMac: '00:00:00:00:00:01', srcIp: '10.0.0.1', dstIp: '10.0.0.2', vlans: [{ vid: 42 }] });
    expect(hostObservation(parsePacket(f))).toEqual({ mac: '00:00:00:00:00:01', vlan: 42, ipv4: '10.0.0.1' });
    // An ARP probe (sender 0.0.0.0) gives the MAC only.
    expect(hostObservation(parsePacket(arpRequest({ srcMac: '00:00:00:00:00:01', srcIp: '0.0.0.0', dstIp: '10.0.0.2' })))).toEqual({ mac: '00:00:00:00:00:01' });
  });

  it('reads the IPv4 source, and skips a DHCP client without an address', () => {
    const udp = (src: string, sp: number, dp: number) =>
      parsePacket(buildPacket({ eth: { dst: 'ff:ff:ff:ff:ff:ff', src: '00:00:00:00:00:07' }, ipv4: { src, dst: '255.255.255.255' }, udp: { srcPort: sp, dstPort: dp }, payload: Buffer.alloc(240) }));
    expect(hostObservation(udp('10.0.0.7', 5000, 53))).toEqual({ mac: '00:00:00:00:00:07', ipv4: '10.0.0.7' });
    expect(hostObservation(udp('0.0.0.0', 68, 67))).toEqual({ mac: '00:00:00:00:00:07' });
  });

  it('reads the target of an IPv6 neighbour advertisement', () => {
    const f = neighborAdvertisement({ srcMac: '00:00:00:00:00:02', srcIp: 'fe80::2', dstMac: '00:00:00:00:00:01', dstIp: 'fe80::1', target: '2001:db8::2' });
    expect(hostObservation(parsePacket(f))).toEqual({ mac: '00:00:00:00:00:02', ipv6: '2001:db8::2' });
  });

  it('ignores group and zero source MACs and LLDP', () => {
    const f = arpRequest({ srcMac: '01:00:5e:00:00:01', srcIp: '10.0.0.1', dstIp: '10.0.0.2' });
    expect(hostObservation(parsePacket(f))).toBeUndefined();
    expect(hostObservation(parsePacket(Buffer.alloc(10)))).toBeUndefined();
  });
});

describe('HostTracker', () => {
  const opts = { hostIdleTimeoutMs: 1000, maxAddressesPerHost: 2, maxHostsPerPort: 100, maxHostsPerSwitch: 1000, maxHosts: 10_000, hostLearnRatePerPort: 1000, hostLearnRatePerSwitch: 10_000 };

  it('adds a host once, updates it on a new address only, and keeps the most recent addresses', () => {
    const t = new HostTracker(opts);
    const ev = t.observe({ mac: 'aa:00:00:00:00:01', ipv4: '10.0.0.1' }, at(1n, 1), 100);
    expect(ev).toEqual([{ type: 'hostAdded', host: { id: 'aa:00:00:00:00:01', mac: 'aa:00:00:00:00:01', ipv4: ['10.0.0.1'], ipv6: [], location: at(1n, 1), firstSeen: 100, lastSeen: 100 } }]);
    expect(t.observe({ mac: 'aa:00:00:00:00:01', ipv4: '10.0.0.1' }, at(1n, 1), 200)).toEqual([]);
    expect(t.observe({ mac: 'aa:00:00:00:00:01', ipv6: 'fe80::1' }, at(1n, 1), 300)[0]).toMatchObject({ type: 'hostUpdated', host: { ipv4: ['10.0.0.1'], ipv6: ['fe80::1'] } });
    t.observe({ mac: 'aa:00:00:00:00:01', ipv4: '10.0.0.9' }, at(1n, 1), 400);
    expect(t.get('aa:00:00:00:00:01')).toMatchObject({ ipv4: ['10.0.0.9'], ipv6: ['fe80::1'], lastSeen: 400, firstSeen: 100 });
  });

  it('touches a host through a kept handle only while it is known and where the handle was taken', () => {
    const t = new HostTracker(opts);
    t.observe({ mac: 'aa:00:00:00:00:01' }, at(1n, 1), 0);
    expect(t.handleAt('aa:00:00:00:00:01', at(1n, 2))).toBeUndefined();
    const h = t.handleAt('aa:00:00:00:00:01', at(1n, 1))!;
    expect(t.touchKnown(h, 1n, 1, 500)).toBe(true);
    expect(t.get('aa:00:00:00:00:01')?.lastSeen).toBe(500);
    // Seen at another port through the handle: not touched (the caller observes the packet instead).
    expect(t.touchKnown(h, 1n, 2, 600)).toBe(false);
    t.observe({ mac: 'aa:00:00:00:00:01' }, at(2n, 1), 700);
    expect(t.touchKnown(h, 1n, 1, 800)).toBe(false);
    expect(t.get('aa:00:00:00:00:01')?.lastSeen).toBe(700);
    // Removed (idle, or its port gone) and learned again: the old handle touches nothing.
    const moved = t.handleAt('aa:00:00:00:00:01', at(2n, 1))!;
    expect(t.removeAt(2n, 1, 'port_down')).toHaveLength(1);
    expect(t.touchKnown(moved, 2n, 1, 900)).toBe(false);
    t.observe({ mac: 'aa:00:00:00:00:01' }, at(2n, 1), 1000);
    expect(t.touchKnown(moved, 2n, 1, 1100)).toBe(false);
    expect(t.get('aa:00:00:00:00:01')?.lastSeen).toBe(1000);
    const again = t.handleAt('aa:00:00:00:00:01', at(2n, 1))!;
    expect(t.expire(2001)).toHaveLength(1);
    expect(t.touchKnown(again, 2n, 1, 2002)).toBe(false);
    expect(t.size).toBe(0);
  });

  it('moves a host seen elsewhere with one event carrying both locations', () => {
    const t = new HostTracker(opts);
    t.observe({ mac: 'aa:00:00:00:00:01' }, at(1n, 1), 0);
    const ev = t.observe({ mac: 'aa:00:00:00:00:01', ipv4: '10.0.0.1' }, at(3n, 4), 10);
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ type: 'hostMoved', previous: at(1n, 1), host: { location: at(3n, 4), ipv4: ['10.0.0.1'] } });
    expect(t.size).toBe(1);
  });

  it('stops learning at the per-port, per-switch and total caps, counting what it refused; removals make room again', () => {
    const t = new HostTracker({ ...opts, maxHostsPerPort: 3, maxHostsPerSwitch: 5, maxHosts: 7 });
    const mac = (n: number): string => `aa:00:00:00:${(n >> 8).toString(16).padStart(2, '0')}:${(n & 0xff).toString(16).padStart(2, '0')}`;
    // A MAC flood from port 1: three learned, the rest refused.
    for (let i = 0; i < 50; i++) t.observe({ mac: mac(i) }, at(1n, 1), i);
    expect(t.size).toBe(3);
    expect(t.refused).toBe(47);
    // The switch holds five: two more on port 2, then no more on port 3.
    for (let i = 100; i < 103; i++) t.observe({ mac: mac(i) }, at(1n, 2), 0);
    expect(t.list().filter((h) => h.location.dpid === 1n)).toHaveLength(5);
    expect(t.observe({ mac: mac(200) }, at(1n, 3), 0)).toEqual([]);
    // Seven in all: the second switch gets two.
    for (let i = 300; i < 305; i++) t.observe({ mac: mac(i) }, at(2n, 1), 0);
    expect(t.size).toBe(7);
    // A move into a full port is refused: the host stays where it was.
    expect(t.observe({ mac: mac(300) }, at(1n, 1), 60)).toEqual([]);
    expect(t.get(mac(300))?.location).toEqual(at(2n, 1));
    // Clearing port 1 makes room there, and in the switch and the total.
    expect(t.removeAt(1n, 1, 'port_down').map((e) => e.host.mac)).toEqual([mac(0), mac(1), mac(2)]);
    expect(t.observe({ mac: mac(300) }, at(1n, 1), 70)[0]).toMatchObject({ type: 'hostMoved', previous: at(2n, 1) });
    expect(t.observe({ mac: mac(400) }, at(1n, 1), 70)[0]).toMatchObject({ type: 'hostAdded' });
    expect(t.size).toBe(5);
  });

  it('tells VLANs apart, expires idle hosts and removes hosts at a port or switch', () => {
    const t = new HostTracker(opts);
    t.observe({ mac: 'aa:00:00:00:00:01' }, at(1n, 1), 0);
    t.observe({ mac: 'aa:00:00:00:00:01', vlan: 10 }, at(1n, 2), 0);
    t.observe({ mac: 'aa:00:00:00:00:02' }, at(2n, 1), 500);
    expect(t.list().map((h) => h.id)).toEqual(['aa:00:00:00:00:01', 'aa:00:00:00:00:01@10', 'aa:00:00:00:00:02']);
    expect(t.expire(1000)).toEqual([]);
    expect(t.expire(1001).map((e) => e.type === 'hostRemoved' && `${e.host.id} ${e.reason}`)).toEqual(['aa:00:00:00:00:01 idle', 'aa:00:00:00:00:01@10 idle']);
    expect(t.removeAt(2n, 9, 'port_removed')).toEqual([]);
    expect(t.removeAt(2n, undefined, 'switch_disconnected')).toHaveLength(1);
    expect(t.size).toBe(0);
  });

  it('learns at most hostLearnRatePerPort new hosts a second at a port and hostLearnRatePerSwitch on a switch; the rest are counted, not learned', () => {
    const t = new HostTracker({ ...opts, hostLearnRatePerPort: 10, hostLearnRatePerSwitch: 15 });
    const mac = (n: number): string => `aa:00:00:00:${(n >> 8).toString(16).padStart(2, '0')}:${(n & 0xff).toString(16).padStart(2, '0')}`;
    // A MAC flood at port 1: 500 new MACs within one millisecond, ten learned.
    for (let i = 0; i < 500; i++) t.observe({ mac: mac(i) }, at(1n, 1), 1000);
    expect(t.size).toBe(10);
    expect(t.refused).toBe(490);
    expect(t.rateLimited).toBe(490);
    // Port 2 of the same switch still learns, up to the switch's rate (15 - 10 = 5 left).
    for (let i = 1000; i < 1010; i++) t.observe({ mac: mac(i) }, at(1n, 2), 1000);
    expect(t.list().filter((h) => h.location.port === 2)).toHaveLength(5);
    // Another switch is not affected.
    expect(t.observe({ mac: mac(2000) }, at(2n, 1), 1000)[0]).toMatchObject({ type: 'hostAdded' });
    // Half a second later, port 1 has five tokens again (and the switch 7.5).
    let learned = 0;
    for (let i = 500; i < 600; i++) learned += t.observe({ mac: mac(i) }, at(1n, 1), 1500).length;
    expect(learned).toBe(5);
    // A move counts against the rate of the port it moves to.
    const t2 = new HostTracker({ ...opts, hostLearnRatePerPort: 1, hostLearnRatePerSwitch: 100 });
    t2.observe({ mac: mac(1) }, at(1n, 1), 0);
    t2.observe({ mac: mac(2) }, at(1n, 2), 0);
    expect(t2.observe({ mac: mac(1) }, at(1n, 2), 1)).toEqual([]);
    expect(t2.get(mac(1))?.location).toEqual(at(1n, 1));
    expect(t2.observe({ mac: mac(1) }, at(1n, 2), 1001)[0]).toMatchObject({ type: 'hostMoved' });
  });

  it('refuses an unknown sender without an observation only while observing it could only refuse it, taking no token', () => {
    const t = new HostTracker({ ...opts, maxHostsPerPort: 3, hostLearnRatePerPort: 2, hostLearnRatePerSwitch: 100 });
    // Nothing learned yet at the port: its rate is open, so the sender is observed.
    expect(t.refuseUnknown(0xaa0000000001, -1, at(1n, 1), 0)).toBe(false);
    t.observe({ mac: 'aa:00:00:00:00:01' }, at(1n, 1), 0);
    t.observe({ mac: 'aa:00:00:00:00:02' }, at(1n, 1), 0);
    // The port's two tokens are spent: a new sender is refused (and counted) without observing it.
    expect(t.refuseUnknown(0xaa0000000003, -1, at(1n, 1), 1)).toBe(true);
    expect([t.refused, t.rateLimited]).toEqual([1, 1]);
    // A known host is always observed (it may bring a new address), and another port is open.
    expect(t.refuseUnknown(0xaa0000000001, -1, at(1n, 1), 1)).toBe(false);
    expect(t.refuseUnknown(0xaa0000000003, -1, at(1n, 2), 1)).toBe(false);
    // The same MAC tagged is another host: not known, so refused.
    expect(t.refuseUnknown(0xaa0000000001, 7, at(1n, 1), 1)).toBe(true);
    // Half a second later the port has a token again, untouched by the refusals: the sender is learned.
    expect(t.refuseUnknown(0xaa0000000003, -1, at(1n, 1), 500)).toBe(false);
    expect(t.observe({ mac: 'aa:00:00:00:00:03' }, at(1n, 1), 500)[0]).toMatchObject({ type: 'hostAdded' });
    // The port is full (maxHostsPerPort 3): refused for the cap, not for the rate.
    expect(t.refuseUnknown(0xaa0000000004, -1, at(1n, 1), 5000)).toBe(true);
    expect([t.refused, t.rateLimited]).toEqual([3, 2]);
  });

  it('calls a port an edge (host) port while a host first seen there is there; a host that only moved in does not make one', () => {
    const t = new HostTracker(opts);
    t.observe({ mac: 'aa:00:00:00:00:01' }, at(1n, 1), 0);
    expect(t.isHostPort(1n, 1)).toBe(true);
    expect(t.isHostPort(1n, 2)).toBe(false);
    // The same host seen at 2:3 (a flooded copy over a link not discovered yet): 2:3 stays unclassified.
    t.observe({ mac: 'aa:00:00:00:00:01' }, at(2n, 3), 10);
    expect(t.isHostPort(2n, 3)).toBe(false);
    expect(t.isHostPort(1n, 1)).toBe(false);
    // Back home: an edge port again; gone (idle): no longer.
    t.observe({ mac: 'aa:00:00:00:00:01' }, at(1n, 1), 20);
    expect(t.isHostPort(1n, 1)).toBe(true);
    t.expire(5000);
    expect(t.isHostPort(1n, 1)).toBe(false);
    t.observe({ mac: 'aa:00:00:00:00:02' }, at(1n, 4), 6000);
    t.removeAt(1n, 4, 'port_down');
    expect(t.isHostPort(1n, 4)).toBe(false);
  });

  it("makes a port an edge port once it has settled, asking discovery again only when the port's settle time has come", () => {
    let settle: number | undefined = 1000;
    let asked = 0;
    const t = new HostTracker(opts, () => (asked++, settle));
    t.observe({ mac: 'aa:00:00:00:00:01' }, at(1n, 1), 0);
    const h = t.handleAt('aa:00:00:00:00:01', at(1n, 1))!;
    expect(t.isHostPort(1n, 1)).toBe(false);
    // Packets before the settle time do not ask again.
    const before = asked;
    for (let now = 1; now < 1000; now += 7) expect(t.touchKnown(h, 1n, 1, now)).toBe(true);
    expect(asked).toBe(before);
    expect(t.isHostPort(1n, 1)).toBe(false);
    // The port went down and up meanwhile: at the old time it is asked, and waits for the new one.
    settle = 3000;
    t.touchKnown(h, 1n, 1, 1000);
    expect(asked).toBe(before + 1);
    expect(t.isHostPort(1n, 1)).toBe(false);
    t.touchKnown(h, 1n, 1, 2999);
    expect(asked).toBe(before + 1);
    t.touchKnown(h, 1n, 1, 3000);
    expect(t.isHostPort(1n, 1)).toBe(true);
    // A port not known as up is asked at every packet until it is.
    settle = undefined;
    t.observe({ mac: 'aa:00:00:00:00:02' }, at(1n, 2), 3000);
    const h2 = t.handleAt('aa:00:00:00:00:02', at(1n, 2))!;
    const then = asked;
    t.touchKnown(h2, 1n, 2, 3001);
    t.touchKnown(h2, 1n, 2, 3002);
    expect(asked).toBe(then + 2);
    settle = 0;
    t.touchKnown(h2, 1n, 2, 3003);
    expect(t.isHostPort(1n, 2)).toBe(true);
  });
});
