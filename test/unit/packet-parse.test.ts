import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildPacket,
  dhcpClientMac,
  ETH_TYPE,
  isDhcp,
  neighborAdvertisement,
  numberToMac,
  parsePacket,
  type Icmpv6,
  type LldpTlv,
  type NdpOption,
  type PacketFields,
} from '../../src/packet/index.js';
import { formatIpv4, formatIpv6 } from '../../src/core/addr.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const ETH = { dst: '02:00:00:00:00:02', src: '02:00:00:00:00:01' };

// ---- generators of well-formed packets ----

const mac = fc.integer({ min: 0, max: 0xffff_ffff_ffff }).map(numberToMac);
const ip4 = fc.integer({ min: 0, max: 0xffff_ffff }).map(formatIpv4);
const ip6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => formatIpv6(b));
const u8 = fc.integer({ min: 0, max: 255 });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const bytes = (maxLength: number) => fc.uint8Array({ maxLength }).map((a) => Buffer.from(a));
/** Byte strings whose length is `k * unit - less` for k >= 1, as option fields need. */
const sized = (unit: number, less: number, maxUnits: number) =>
  fc.integer({ min: 1, max: maxUnits }).chain((k) => fc.uint8Array({ minLength: k * unit - less, maxLength: k * unit - less }).map((a) => Buffer.from(a)));
const words = (maxWords: number) => fc.integer({ min: 0, max: maxWords }).chain((k) => fc.uint8Array({ minLength: 4 * k, maxLength: 4 * k }).map((a) => Buffer.from(a)));

const vlan = fc.record({ tpid: fc.constantFrom(0x8100, 0x88a8), pcp: fc.integer({ min: 0, max: 7 }), dei: fc.integer({ min: 0, max: 1 }), vid: fc.integer({ min: 0, max: 4095 }) });
const eth = fc.record({ dst: mac, src: mac, vlans: fc.array(vlan, { maxLength: 2 }) });

const tcp = fc.record({
  srcPort: u16,
  dstPort: u16,
  seq: u32,
  ack: u32,
  flags: fc.integer({ min: 0, max: 0x1ff }),
  window: u16,
  urgentPointer: u16,
  options: words(10),
});
const udp = fc.record({ srcPort: u16, dstPort: u16 });

const ndpOption: fc.Arbitrary<NdpOption> = fc.oneof(
  fc.record({ type: fc.constantFrom('source_lladdr' as const, 'target_lladdr' as const), mac }),
  fc.record({ type: fc.constant('raw' as const), optionType: fc.integer({ min: 3, max: 255 }), data: sized(8, 2, 3) }),
);
const icmpv6: fc.Arbitrary<Icmpv6> = fc.oneof(
  fc.record({ kind: fc.constant('echo' as const), type: fc.constantFrom(128, 129), code: u8, id: u16, seq: u16, data: bytes(40) }),
  fc.record({ kind: fc.constant('neighbor_solicitation' as const), type: fc.constant(135 as const), code: u8, target: ip6, options: fc.array(ndpOption, { maxLength: 3 }) }),
  fc.record({
    kind: fc.constant('neighbor_advertisement' as const),
    type: fc.constant(136 as const),
    code: u8,
    router: fc.boolean(),
    solicited: fc.boolean(),
    override: fc.boolean(),
    target: ip6,
    options: fc.array(ndpOption, { maxLength: 3 }),
  }),
  fc.record({ kind: fc.constant('raw' as const), type: fc.constantFrom(1, 2, 3, 4, 133, 134, 137), code: u8, body: bytes(40) }),
);

const extHeader = fc.oneof(
  fc.record({ type: fc.constantFrom(0, 43, 60), data: sized(8, 2, 3) }),
  // Fragment header: offset/flags word and identification; only offset 0 without M keeps the upper layer parsed.
  fc.record({ type: fc.constant(44), data: fc.tuple(fc.integer({ min: 0, max: 0xffff }).map((w) => w & 0xfff9), u32).map(([w, id]) => hex(w.toString(16).padStart(4, '0') + id.toString(16).padStart(8, '0'))) }),
  fc.record({ type: fc.constant(51), data: sized(4, 2, 4).filter((d) => (d.length + 2) % 4 === 0 && d.length + 2 >= 8) }),
);

const ipv4Packet = fc.record({
  ipv4: fc.record({ dscp: fc.integer({ min: 0, max: 63 }), ecn: fc.integer({ min: 0, max: 3 }), identification: u16, flags: fc.constantFrom(0, 2, 1), fragmentOffset: fc.constantFrom(0, 0, 5), ttl: u8, src: ip4, dst: ip4, options: words(10) }),
  l4: fc.oneof(
    fc.record({ tcp, payload: bytes(64) }),
    fc.record({ udp: fc.record({ srcPort: u16, dstPort: u16, checksum: fc.constantFrom(undefined, 0) }), payload: bytes(64) }),
    fc.record({ icmp: fc.record({ kind: fc.constant('echo' as const), type: fc.constantFrom(0, 8), code: u8, id: u16, seq: u16, data: bytes(40) }) }),
    fc.record({ icmp: fc.record({ kind: fc.constant('raw' as const), type: fc.constantFrom(3, 5, 11, 12), code: u8, body: bytes(40) }) }),
    fc.record({ protocol: fc.constantFrom(2, 47, 89, 253), payload: bytes(64) }),
  ),
});

const ipv6Packet = fc.record({
  ipv6: fc.record({ trafficClass: u8, flowLabel: fc.integer({ min: 0, max: 0xfffff }), hopLimit: u8, src: ip6, dst: ip6, extHeaders: fc.array(extHeader, { maxLength: 3 }) }),
  l4: fc.oneof(
    fc.record({ tcp, payload: bytes(64) }),
    fc.record({ udp, payload: bytes(64) }),
    fc.record({ icmpv6 }),
    fc.record({ protocol: fc.constantFrom(50, 59, 89, 253), payload: bytes(64) }),
  ),
});

const lldpTlv: fc.Arbitrary<LldpTlv> = fc.oneof(
  fc.record({ type: fc.constantFrom('port_description' as const, 'system_name' as const, 'system_description' as const), text: fc.string({ maxLength: 60 }) }),
  fc.record({ type: fc.constant('system_capabilities' as const), capabilities: u16, enabled: u16 }),
  fc.record({ type: fc.constant('org_specific' as const), oui: fc.integer({ min: 0, max: 0xffffff }), subtype: u8, info: bytes(60) }),
  fc.record({ type: fc.constant('raw' as const), tlvType: fc.integer({ min: 8, max: 126 }), value: bytes(60) }),
);
const lldp = fc
  .record({
    chassis: fc.record({ subtype: u8, value: bytes(30) }),
    port: fc.record({ subtype: u8, value: bytes(30) }),
    ttlSec: u16,
    rest: fc.array(lldpTlv, { maxLength: 5 }),
    end: fc.boolean(),
  })
  .map(({ chassis, port, ttlSec, rest, end }): { tlvs: LldpTlv[] } => ({
    tlvs: [{ type: 'chassis_id', ...chassis }, { type: 'port_id', ...port }, { type: 'ttl', ttlSec }, ...rest, ...(end ? [{ type: 'end' } as const] : [])],
  }));

const arp = fc.record({ op: fc.constantFrom(1, 2), sha: mac, spa: ip4, tha: mac, tpa: ip4 });

const packet: fc.Arbitrary<PacketFields> = fc
  .tuple(
    eth,
    fc.oneof(
      fc.record({ arp }),
      ipv4Packet.map(({ ipv4, l4 }) => ({ ipv4: { ...ipv4, ...('protocol' in l4 ? { protocol: l4.protocol } : {}) }, ...l4 })),
      ipv6Packet.map(({ ipv6, l4 }) => ({ ipv6: { ...ipv6, ...('protocol' in l4 ? { protocol: l4.protocol } : {}) }, ...l4 })),
      fc.record({ lldp }),
      fc.record({ ethertype: fc.constantFrom(0x8847, 0x88e7, 0x1234, 0x05dc), payload: bytes(64) }),
    ),
    fc.option(bytes(30), { nil: undefined }),
  )
  .map(([e, layers, padding]) => {
    const { ethertype, protocol: _p, ...rest } = layers as Record<string, unknown>;
    const withEt = ethertype === undefined ? e : { ...e, ethertype: ethertype as number };
    // Padding only where a length (or LLDP's End TLV) tells where the packet ends.
    const lldpTlvs = (rest as { lldp?: { tlvs: LldpTlv[] } }).lldp?.tlvs;
    const endless = lldpTlvs !== undefined && lldpTlvs.at(-1)?.type !== 'end';
    const pad = endless || ('payload' in rest && !('ipv4' in rest) && !('ipv6' in rest)) ? undefined : padding;
    return { eth: withEt, ...rest, padding: pad } as PacketFields;
  });

describe('round trips', () => {
  it('buildPacket(parsePacket(x)) reproduces every well-formed frame', () => {
    fc.assert(
      fc.property(packet, (pf) => {
        const frame = buildPacket(pf);
        const p = parsePacket(frame);
        expect(p.error).toBeUndefined();
        expect(buildPacket(p).equals(frame)).toBe(true);
        // Fields come back as given.
        expect(p.eth!.src).toBe(pf.eth!.src);
        expect(p.eth!.vlans).toEqual(pf.eth!.vlans);
        if (pf.arp) expect(p.arp).toMatchObject(pf.arp);
        if (pf.tcp && !p.ipv4?.fragmentOffset && !(p.ipv4 && p.ipv4.flags & 1) && !p.ipv6?.fragment?.offset && !p.ipv6?.fragment?.more) {
          expect(p.tcp).toMatchObject({ ...pf.tcp, options: expect.anything() });
          expect(p.tcp!.options.equals(pf.tcp.options as Buffer)).toBe(true);
          expect(p.payload!.equals(pf.payload as Buffer)).toBe(true);
        }
        if (pf.lldp) expect(p.lldp!.tlvs).toEqual(pf.lldp.tlvs);
        if (pf.icmpv6 && p.icmpv6) expect(p.icmpv6.kind).toBe(pf.icmpv6.kind);
      }),
      { numRuns: 600 },
    );
  });
});

// ---- robustness ----

function sampleFrames(): { name: string; frame: Buffer }[] {
  return [
    { name: 'arp', frame: hex('ffffffffffff f20ba47df8ea 0806 0001 0800 06 04 0001 f20ba47df8ea 0a000001 000000000000 0a000003') },
    {
      name: 'icmp echo',
      frame: hex(
        'f20ba4d03f70f20ba47df8ea080045000054f81a0000ff01af8b0a0000010a00000208000208f760000031d6020000000000ab8d2d3100000000101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f0000000000000000',
      ),
    },
    {
      name: 'tcp over qinq with ip options',
      frame: buildPacket({
        eth: { ...ETH, vlans: [{ tpid: 0x88a8, vid: 7 }, { vid: 8 }] },
        ipv4: { src: '10.0.0.1', dst: '10.0.0.2', options: hex('94040000') },
        tcp: { srcPort: 1, dstPort: 2, options: hex('020405b4') },
        payload: Buffer.from('abc'),
      }),
    },
    {
      name: 'udp over ipv6 with extension headers',
      frame: buildPacket({
        eth: ETH,
        ipv6: { src: '2001:db8::1', dst: '2001:db8::2', extHeaders: [{ type: 0, data: hex('010400000000') }, { type: 44, data: hex('000012345678') }] },
        udp: { srcPort: 1, dstPort: 2 },
        payload: Buffer.from('xyz'),
      }),
    },
    { name: 'neighbor advertisement', frame: neighborAdvertisement({ srcMac: ETH.src, srcIp: 'fe80::1', dstMac: ETH.dst, dstIp: 'fe80::2', target: 'fe80::1' }) },
    {
      name: 'lldp',
      frame: buildPacket({
        eth: { dst: '01:80:c2:00:00:0e', src: ETH.src },
        lldp: {
          tlvs: [
            { type: 'chassis_id', subtype: 7, value: Buffer.from('dpid:1') },
            { type: 'port_id', subtype: 2, value: hex('00000001') },
            { type: 'ttl', ttlSec: 120 },
            { type: 'org_specific', oui: 0xa42305, subtype: 2, info: hex('0102') },
            { type: 'end' },
          ],
        },
      }),
    },
  ];
}

describe('truncated input', () => {
  for (const { name, frame } of sampleFrames()) {
    it(`${name}: every cut never throws and sets error`, () => {
      const whole = parsePacket(frame);
      expect(whole.error).toBeUndefined();
      for (let i = 0; i < frame.length; i++) {
        const p = parsePacket(frame.subarray(0, i));
        if (whole.lldp && p.error === undefined) {
          // An LLDPDU cut between TLVs is a shorter PDU without End: fewer TLVs, no error.
          expect(p.lldp!.tlvs.length).toBeLessThan(whole.lldp.tlvs.length);
          continue;
        }
        expect(p.error, `cut at ${i}`).toMatch(/^(eth|vlan|arp|ipv4|ipv6|icmp|icmpv6|tcp|udp|lldp): .* at offset \d+$/);
      }
    });
  }

  it('names the layer and offset', () => {
    expect(parsePacket(Buffer.alloc(5)).error).toBe('eth: truncated header at offset 0');
    expect(parsePacket(hex('001122334455 66778899aabb 8100 00')).error).toBe('vlan: truncated tag at offset 12');
    expect(parsePacket(hex('001122334455 66778899aabb 0806 0001')).error).toBe('arp: truncated header at offset 14');
    expect(parsePacket(hex('001122334455 66778899aabb 0806 0001 0800 0604 0001')).error).toBe('arp: truncated addresses at offset 22');
    expect(parsePacket(hex('001122334455 66778899aabb 86dd 6000')).error).toBe('ipv6: truncated header at offset 14');
  });
});

describe('garbage input', () => {
  it('random bytes never throw', () => {
    const et = fc.constantFrom('0800', '86dd', '0806', '88cc', '8100', '88a8', '1234');
    fc.assert(
      fc.property(et, fc.uint8Array({ maxLength: 200 }), (t, rest) => {
        const frame = Buffer.concat([hex('001122334455 66778899aabb' + t), rest]);
        parsePacket(frame);
        parsePacket(rest);
      }),
      { numRuns: 2000 },
    );
  });

  it('mutated valid frames never throw, and rebuild to the same length when they parse cleanly', () => {
    const frames = sampleFrames().map((s) => s.frame);
    fc.assert(
      fc.property(fc.nat(frames.length - 1), fc.array(fc.tuple(fc.nat(), u8), { minLength: 1, maxLength: 4 }), (k, edits) => {
        const f = Buffer.from(frames[k]!);
        for (const [pos, v] of edits) f[pos % f.length] = v;
        const p = parsePacket(f);
        if (p.error === undefined) expect(buildPacket(p).length).toBe(f.length);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parsePacket output', () => {
  it('returns views of the input, also for a Uint8Array', () => {
    const frame = buildPacket({ eth: ETH, ipv4: { src: '10.0.0.1', dst: '10.0.0.2' }, udp: { srcPort: 1, dstPort: 2 }, payload: Buffer.from('zz') });
    const u8a = new Uint8Array(frame.length + 4);
    u8a.set(frame, 4);
    const view = u8a.subarray(4);
    const p = parsePacket(view);
    expect(p.payload!.buffer).toBe(u8a.buffer);
    expect(p.payload!.byteOffset).toBe(4 + 42);
    u8a[4 + 42] = 0x41;
    expect(p.payload!.toString()).toBe('Az');
  });

  it('has the same keys whatever the frame', () => {
    const a = Object.keys(parsePacket(Buffer.alloc(3)));
    const b = Object.keys(parsePacket(sampleFrames()[2]!.frame));
    expect(a).toEqual(b);
  });
});

describe('buildPacket', () => {
  it('rejects inconsistent layers', () => {
    expect(() => buildPacket({})).toThrow(/eth: missing/);
    expect(() => buildPacket({ eth: ETH })).toThrow(/eth\.ethertype: missing/);
    expect(() => buildPacket({ eth: ETH, ipv4: { src: '1.1.1.1', dst: '1.1.1.2' } })).toThrow(/ipv4\.protocol: missing/);
    expect(() => buildPacket({ eth: ETH, tcp: { srcPort: 1, dstPort: 2 } })).toThrow(/need ipv4 or ipv6/);
    expect(() => buildPacket({ eth: ETH, arp: { op: 1, sha: ETH.src, spa: '1.1.1.1', tha: ETH.dst, tpa: '1.1.1.2' }, ipv4: { src: '1.1.1.1', dst: '1.1.1.2' } })).toThrow(/more than one/);
    expect(() => buildPacket({ eth: ETH, ipv4: { src: '1.1.1.1', dst: '1.1.1.2' }, tcp: { srcPort: 1, dstPort: 2 }, udp: { srcPort: 1, dstPort: 2 } })).toThrow(/more than one/);
    expect(() => buildPacket({ eth: ETH, lldp: { tlvs: [] }, payload: hex('00') })).toThrow(/payload/);
  });

  it('infers the ethertype and IP protocol from the layers present', () => {
    const f = buildPacket({ eth: { ...ETH, ethertype: 0x1234 }, ipv6: { src: '::1', dst: '::2', protocol: 99 }, udp: { srcPort: 1, dstPort: 2 } });
    const p = parsePacket(f);
    expect(p.eth!.ethertype).toBe(ETH_TYPE.IPV6);
    expect(p.ipv6!.protocol).toBe(17);
  });
});

describe('DHCP', () => {
  function dhcp(srcPort: number, dstPort: number): Buffer {
    // BOOTP: op 1, htype 1, hlen 6, hops 0, xid, secs, flags, 4 addresses, chaddr (16 bytes), ...
    const bootp = Buffer.concat([hex('01010600 12345678 0000 8000'), Buffer.alloc(16), hex('020000000abc'), Buffer.alloc(10 + 192), hex('63825363 ff')]);
    return buildPacket({ eth: { dst: 'ff:ff:ff:ff:ff:ff', src: '02:00:00:00:0a:bc' }, ipv4: { src: '0.0.0.0', dst: '255.255.255.255' }, udp: { srcPort, dstPort }, payload: bootp });
  }

  it('is detected by UDP ports 67/68 and yields the client MAC', () => {
    const p = parsePacket(dhcp(68, 67));
    expect(isDhcp(p)).toBe(true);
    expect(dhcpClientMac(p)).toBe('02:00:00:00:0a:bc');
    expect(isDhcp(parsePacket(dhcp(67, 68)))).toBe(true);
    const other = parsePacket(dhcp(68, 53));
    expect(isDhcp(other)).toBe(false);
    expect(dhcpClientMac(other)).toBeUndefined();
  });
});
