/** Host learning from frames (ARP, IPv4, IPv6 ND, DHCP) and the tracker's add/move/update/expire logic, with injected time. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arpRequest, buildPacket, ETH_TYPE, neighborAdvertisement, parsePacket, peekEthernet } from '../../src/packet/index.js';
import { HostTracker, hostObservation, hostObservationOf } from '../../src/topology/hosts.js';

const at = (dpid: bigint, port: number) => ({ dpid, port });

const SEED = process.env.FC_SEED === undefined ? 0x5eed : Number(process.env.FC_SEED);
const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

/** Frames a host might send (ARP, IPv4, IPv6 neighbour discovery and UDP, others), tagged or not, then cut short or with header bytes overwritten. */
const frameArb = fc
  .record({
    kind: fc.constantFrom('arp', 'ipv4', 'ipv6-na', 'ipv6-udp', 'other'),
    // First octet: unicast, group (01), zero (a zero MAC is not a host).
    srcMac: fc.tuple(fc.constantFrom(0x00, 0x02, 0x01, 0xff), fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 5, maxLength: 5 })).map(([a, r]) => [a, ...r].map(hex2).join(':')),
    // Usable and unusable senders: 0.0.0.0, broadcast, multicast, class E.
    srcIp: fc.oneof(fc.constantFrom('0.0.0.0', '255.255.255.255', '224.0.0.1', '240.1.2.3', '223.255.0.1'), fc.ipV4()),
    vlans: fc.array(fc.record({ vid: fc.integer({ min: 0, max: 4095 }) }), { maxLength: 2 }),
    otherType: fc.constantFrom(0x0806 + 1, 0x88b5, 0x0100),
    cut: fc.option(fc.integer({ min: 0, max: 90 })),
    // Bytes of the layer after the tags overwritten: versions, header and total lengths, ARP address lengths and sender.
    pokes: fc.array(fc.tuple(fc.integer({ min: -2, max: 27 }), fc.oneof(fc.constantFrom(0, 4, 5, 6, 18, 0x40, 0x45, 0x46, 0x4f, 0x60), fc.integer({ min: 0, max: 255 }))), { maxLength: 3 }),
  })
  .map((f) => {
    const src = f.srcMac;
    let b: Buffer;
    if (f.kind === 'arp') b = arpRequest({ srcMac: src, srcIp: f.srcIp, dstIp: '10.0.0.2', vlans: f.vlans });
    else if (f.kind === 'ipv4') b = buildPacket({ eth: { dst: 'ff:ff:ff:ff:ff:ff', src, vlans: f.vlans }, ipv4: { src: f.srcIp, dst: '10.0.0.9' }, udp: { srcPort: 68, dstPort: 67 }, payload: Buffer.alloc(8) });
    else if (f.kind === 'ipv6-na') b = neighborAdvertisement({ srcMac: src, srcIp: 'fe80::2', dstMac: '00:00:00:00:00:01', dstIp: 'fe80::1', target: '2001:db8::2' });
    else if (f.kind === 'ipv6-udp') b = buildPacket({ eth: { dst: '33:33:00:00:00:01', src, vlans: f.vlans }, ipv6: { src: 'fe80::7', dst: 'ff02::1' }, udp: { srcPort: 1, dstPort: 2 }, payload: Buffer.alloc(4) });
    else b = buildPacket({ eth: { dst: 'ff:ff:ff:ff:ff:ff', src, ethertype: f.otherType, vlans: f.vlans }, payload: Buffer.alloc(30) });
    const l3 = 14 + 4 * (f.kind === 'ipv6-na' ? 0 : f.vlans.length);
    for (const [at, v] of f.pokes) if (l3 + at < b.length) b[l3 + at] = v;
    return f.cut === null ? b : b.subarray(0, Math.min(b.length, f.cut));
  });

describe('hostObservationOf (read in place)', () => {
  it('says what hostObservation(parsePacket(frame)) says, for any frame with a whole Ethernet header that is not LLDP', () => {
    let compared = 0;
    fc.assert(
      fc.property(frameArb, (frame) => {
        const eth = peekEthernet(frame);
        if (eth === undefined || eth.ethertype === ETH_TYPE.LLDP) return;
        compared++;
        expect(hostObservationOf(frame, eth)).toEqual(hostObservation(parsePacket(frame)));
      }),
      { numRuns: 3000, seed: SEED },
    );
    // Most frames were compared (not just skipped).
    expect(compared).toBeGreaterThan(2000);
  });

  it('agrees at each check of the IPv4 and ARP parsers (lengths, version, address lengths, the ARP sender)', () => {
    const ipv4 = (): Buffer => buildPacket({ eth: { dst: 'ff:ff:ff:ff:ff:ff', src: '00:00:00:00:00:07' }, ipv4: { src: '10.0.0.7', dst: '10.0.0.9' }, udp: { srcPort: 1, dstPort: 2 }, payload: Buffer.alloc(8) });
    const arp = (): Buffer => arpRequest({ srcMac: '00:00:00:00:00:07', srcIp: '10.0.0.7', dstIp: '10.0.0.2' });
    const poke = (b: Buffer, at: number, v: number): Buffer => {
      b[14 + at] = v;
      return b;
    };
    const cases: [string, Buffer, boolean][] = [
      ['IPv4', ipv4(), true],
      ['IPv4 header cut short', ipv4().subarray(0, 14 + 19), false],
      ['IPv4 with version 6', poke(ipv4(), 0, 0x65), false],
      ['IPv4 header length below 20', poke(ipv4(), 0, 0x44), false],
      ['IPv4 options past the frame (total length large enough)', poke(poke(ipv4(), 0, 0x4f), 2, 0x40), false],
      ['IPv4 total length below the header length', poke(ipv4(), 3, 19), false],
      ['ARP', arp(), true],
      ['ARP cut short', arp().subarray(0, 14 + 27), false],
      ['ARP hardware length not 6', poke(arp(), 4, 8), false],
      ['ARP protocol length not 4', poke(arp(), 5, 16), false],
      ['ARP sender not the frame source', poke(arp(), 13, 0x99), false],
    ];
    for (const [name, frame, withAddress] of cases) {
      const want = hostObservation(parsePacket(frame));
      expect(hostObservationOf(frame, peekEthernet(frame)!), name).toEqual(want);
      expect(want?.ipv4 !== undefined, name).toBe(withAddress);
    }
  });
});

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
    expect(t.handleAt(0xaa0000000001, undefined, at(1n, 2))).toBeUndefined();
    const h = t.handleAt(0xaa0000000001, undefined, at(1n, 1))!;
    expect(t.touchKnown(h, 1n, 1, 500)).toBe(true);
    expect(t.get('aa:00:00:00:00:01')?.lastSeen).toBe(500);
    // Seen at another port through the handle: not touched (the caller observes the packet instead).
    expect(t.touchKnown(h, 1n, 2, 600)).toBe(false);
    t.observe({ mac: 'aa:00:00:00:00:01' }, at(2n, 1), 700);
    expect(t.touchKnown(h, 1n, 1, 800)).toBe(false);
    expect(t.get('aa:00:00:00:00:01')?.lastSeen).toBe(700);
    // Removed (idle, or its port gone) and learned again: the old handle touches nothing.
    const moved = t.handleAt(0xaa0000000001, undefined, at(2n, 1))!;
    expect(t.removeAt(2n, 1, 'port_down')).toHaveLength(1);
    expect(t.touchKnown(moved, 2n, 1, 900)).toBe(false);
    t.observe({ mac: 'aa:00:00:00:00:01' }, at(2n, 1), 1000);
    expect(t.touchKnown(moved, 2n, 1, 1100)).toBe(false);
    expect(t.get('aa:00:00:00:00:01')?.lastSeen).toBe(1000);
    const again = t.handleAt(0xaa0000000001, undefined, at(2n, 1))!;
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

  it('keeps one MAC on several VLANs apart through removals in any order, and finds a host by MAC (untagged first, else the first by id)', () => {
    const t = new HostTracker(opts);
    const mac = 'aa:00:00:00:00:01';
    for (const [vlan, port] of [[20, 1], [undefined, 2], [3, 3], [100, 4]] as const) t.observe({ mac, ...(vlan === undefined ? {} : { vlan }), ipv4: `10.0.0.${port}` }, at(1n, port), 0);
    expect(t.size).toBe(4);
    expect(t.findByMac(mac)?.id).toBe(mac);
    // Text in capitals names the same host; text that is no MAC names none.
    expect(t.get('AA:00:00:00:00:01', 3)?.location).toEqual(at(1n, 3));
    expect(t.findByMac('AA-00-00-00-00-01')?.id).toBe(mac);
    expect(t.findByMac('not a mac')).toBeUndefined();
    expect(t.get('aa:00:00:00:00:01', 7)).toBeUndefined();
    // Removed from the middle, the head and the end of the MAC's chain: the others stay found.
    expect(t.removeAt(1n, 3, 'port_down').map((e) => e.host.id)).toEqual([`${mac}@3`]);
    expect(t.removeAt(1n, 1, 'port_down').map((e) => e.host.id)).toEqual([`${mac}@20`]);
    expect(t.get(mac)?.location).toEqual(at(1n, 2));
    expect(t.get(mac, 100)?.location).toEqual(at(1n, 4));
    expect(t.removeAt(1n, 2, 'port_down')).toHaveLength(1);
    // No untagged host left: the first by id of those on a VLAN.
    t.observe({ mac, vlan: 5 }, at(1n, 5), 0);
    expect(t.findByMac(mac)?.id).toBe(`${mac}@100`);
    expect(t.list().map((h) => h.id)).toEqual([`${mac}@100`, `${mac}@5`]);
    expect(t.expire(1001).map((e) => e.host.id)).toEqual([`${mac}@100`, `${mac}@5`]);
    expect(t.size).toBe(0);
    expect(t.findByMac(mac)).toBeUndefined();
    // Learned again after all that: one host, one event.
    expect(t.observe({ mac }, at(1n, 1), 2000)).toMatchObject([{ type: 'hostAdded', host: { id: mac } }]);
    expect(t.size).toBe(1);
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
    const h = t.handleAt(0xaa0000000001, undefined, at(1n, 1))!;
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
    const h2 = t.handleAt(0xaa0000000002, undefined, at(1n, 2))!;
    const then = asked;
    t.touchKnown(h2, 1n, 2, 3001);
    t.touchKnown(h2, 1n, 2, 3002);
    expect(asked).toBe(then + 2);
    settle = 0;
    t.touchKnown(h2, 1n, 2, 3003);
    expect(t.isHostPort(1n, 2)).toBe(true);
  });
});
