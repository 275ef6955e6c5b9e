import { describe, expect, it } from 'vitest';
import {
  buildIpv4,
  buildIpv6,
  buildPacket,
  ETH_TYPE,
  IP_PROTO,
  IPV4_FLAG,
  ipv6FinalDestination,
  parsePacket,
} from '../../src/packet/index.js';
import { parseIpv4, parseIpv6 } from '../../src/core/addr.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** RFC 1071 checksum written independently of the library: words summed, carries folded, complemented. */
function refChecksum(...parts: Uint8Array[]): number {
  const bytes = parts.flatMap((p) => Array.from(p));
  let s = 0;
  for (let i = 0; i < bytes.length; i += 2) s += bytes[i]! * 256 + (bytes[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 65536);
  return 0xffff - s;
}

const ETH = { dst: '02:00:00:00:00:02', src: '02:00:00:00:00:01' };

// An ICMP echo request as Open vSwitch's packet library wrote it (Ryu/os-ken test data,
// of13/4-1-ofp_packet_out.packet, the frame carried by the packet-out).
const OVS_PING = hex(
  'f20ba4d03f70f20ba47df8ea0800' +
    '45000054f81a0000ff01af8b0a0000010a000002' +
    '08000208f760000031d6020000000000ab8d2d3100000000101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f0000000000000000',
);

describe('IPv4', () => {
  it('computes the header checksum of the classic example header (0xb861)', () => {
    // 4500 0073 0000 4000 4011 [b861] c0a8 0001 c0a8 00c7: total length 0x73, DF, TTL 64, UDP.
    const pkt = buildIpv4({ flags: IPV4_FLAG.DF, ttl: 64, protocol: IP_PROTO.UDP, src: '192.168.0.1', dst: '192.168.0.199' }, Buffer.alloc(0x73 - 20));
    expect(pkt.subarray(0, 20).toString('hex')).toBe('450000730000400040' + '11b861c0a80001c0a800c7');
  });

  it('parses a real ICMP echo and rebuilds it byte for byte', () => {
    const p = parsePacket(OVS_PING);
    expect(p.error).toBeUndefined();
    expect(p.ipv4).toMatchObject({
      dscp: 0,
      ecn: 0,
      totalLength: 84,
      identification: 0xf81a,
      flags: 0,
      fragmentOffset: 0,
      ttl: 255,
      protocol: IP_PROTO.ICMP,
      checksum: 0xaf8b,
      src: '10.0.0.1',
      dst: '10.0.0.2',
    });
    expect(p.ipv4!.options.length).toBe(0);
    expect(p.icmp).toMatchObject({ kind: 'echo', type: 8, code: 0, checksum: 520, id: 63328, seq: 0 });
    // The checksums recorded in the capture agree with an independent computation.
    const ip = OVS_PING.subarray(14, 34);
    expect(refChecksum(ip.subarray(0, 10), ip.subarray(12))).toBe(0xaf8b);
    const icmp = OVS_PING.subarray(34);
    expect(refChecksum(icmp.subarray(0, 2), icmp.subarray(4))).toBe(520);
    expect(buildPacket(p).equals(OVS_PING)).toBe(true);
  });

  it('carries options, pads them to 4 bytes and covers them with the checksum', () => {
    // Router Alert (RFC 2113) 94 04 0000 plus a lone No-Operation (1): padded with one EOL byte.
    const opts = hex('94040000 01');
    const pkt = buildIpv4({ protocol: IP_PROTO.IGMP, ttl: 1, src: '10.1.2.3', dst: '224.0.0.22', options: opts }, hex('2200f90200000000'));
    expect(pkt[0]).toBe(0x47);
    expect(pkt.readUInt16BE(2)).toBe(28 + 8);
    expect(pkt.subarray(20, 28).toString('hex')).toBe('9404000001000000');
    expect(pkt.readUInt16BE(10)).toBe(refChecksum(pkt.subarray(0, 10), pkt.subarray(12, 28)));
    const frame = buildPacket({ eth: ETH, ipv4: { protocol: IP_PROTO.IGMP, ttl: 1, src: '10.1.2.3', dst: '224.0.0.22', options: opts }, payload: pkt.subarray(28) });
    const p = parsePacket(frame);
    expect(p.ipv4!.options.toString('hex')).toBe('9404000001000000');
    expect(p.ipv4!.protocol).toBe(IP_PROTO.IGMP);
    expect(p.payload!.equals(pkt.subarray(28))).toBe(true);
    expect(buildPacket(p).equals(frame)).toBe(true);
    expect(() => buildIpv4({ protocol: 6, src: '1.2.3.4', dst: '1.2.3.4', options: Buffer.alloc(41) }, Buffer.alloc(0))).toThrow(/ipv4\.options/);
  });

  it('keeps the payload of a fragment raw', () => {
    const udpLike = hex('1234 0035 0010 0000 0102030405060708');
    for (const [flags, fragmentOffset] of [
      [IPV4_FLAG.MF, 0],
      [0, 10],
    ] as const) {
      const frame = buildPacket({ eth: ETH, ipv4: { protocol: IP_PROTO.UDP, flags, fragmentOffset, identification: 7, src: '10.0.0.1', dst: '10.0.0.2' }, payload: udpLike });
      const p = parsePacket(frame);
      expect(p.udp).toBeUndefined();
      expect(p.ipv4).toMatchObject({ flags, fragmentOffset, identification: 7 });
      expect(p.payload!.equals(udpLike)).toBe(true);
      expect(buildPacket(p).equals(frame)).toBe(true);
    }
  });

  it('reads the headers of a packet-in cut short by the switch, and reports the cut', () => {
    const frame = buildPacket({ eth: ETH, ipv4: { src: '10.0.0.1', dst: '10.0.0.2' }, tcp: { srcPort: 1000, dstPort: 80, flags: 0x18 }, payload: Buffer.alloc(200, 0x61) });
    const p = parsePacket(frame.subarray(0, 128));
    expect(p.ipv4!.totalLength).toBe(240);
    expect(p.tcp).toMatchObject({ srcPort: 1000, dstPort: 80, flags: 0x18 });
    expect(p.payload!.length).toBe(128 - 54);
    expect(p.error).toBe('ipv4: truncated payload, total length 240 exceeds 114 bytes at offset 14');
  });

  it('keeps Ethernet padding after a short packet', () => {
    const frame = buildPacket({ eth: ETH, ipv4: { protocol: 253, src: '10.0.0.1', dst: '10.0.0.2' }, payload: hex('aa'), padding: Buffer.alloc(25) });
    expect(frame.length).toBe(60);
    const p = parsePacket(frame);
    expect(p.payload!.toString('hex')).toBe('aa');
    expect(p.padding!.length).toBe(25);
    expect(buildPacket(p).equals(frame)).toBe(true);
  });

  it('reports bad versions and header lengths', () => {
    const good = buildPacket({ eth: ETH, ipv4: { protocol: 253, src: '10.0.0.1', dst: '10.0.0.2' } });
    const v5 = Buffer.from(good);
    v5[14] = 0x55;
    expect(parsePacket(v5).error).toBe('ipv4: version 5 at offset 14');
    const ihl4 = Buffer.from(good);
    ihl4[14] = 0x44;
    expect(parsePacket(ihl4).error).toBe('ipv4: header length 16 below 20 at offset 14');
    const shortTotal = Buffer.from(good);
    shortTotal.writeUInt16BE(19, 16);
    expect(parsePacket(shortTotal).error).toMatch(/^ipv4: total length 19 below header length 20/);
  });
});

describe('IPv6 extension headers', () => {
  const SRC = '2001:db8::1';
  const DST = '2001:db8::2';
  const FINAL = '2001:db8:ffff::9';
  // Hop-by-hop with a PadN option (8 bytes), routing type 2 with one address and 1 segment left
  // (24 bytes), destination options with Pad1 x6 (8 bytes), an atomic fragment header (8 bytes).
  const hbh = { type: IP_PROTO.HOPOPTS, data: hex('010400000000') };
  const rt2 = { type: IP_PROTO.ROUTING, data: Buffer.concat([hex('0201 00000000'), Buffer.from(parseIpv6(FINAL))]) };
  const dst = { type: IP_PROTO.DSTOPTS, data: hex('000000000000') };
  const frag = { type: IP_PROTO.FRAGMENT, data: hex('0000 12345678') };

  it('skips hop-by-hop, routing, destination options and fragment headers to reach UDP', () => {
    const payload = Buffer.from('hello');
    const frame = buildPacket({
      eth: { ...ETH, vlans: [{ vid: 10 }] },
      ipv6: { src: SRC, dst: DST, hopLimit: 9, trafficClass: 0xb8, flowLabel: 0x12345, extHeaders: [hbh, rt2, dst, frag] },
      udp: { srcPort: 5000, dstPort: 6000 },
      payload,
    });
    // Chain: fixed header next=0, HBH next=43 len 0, routing next=60 len 2, dstopts next=44 len 0, frag next=17.
    const ip = frame.subarray(18);
    expect(ip.readUInt32BE(0)).toBe(((6 << 28) | (0xb8 << 20) | 0x12345) >>> 0);
    expect(ip.readUInt16BE(4)).toBe(8 + 24 + 8 + 8 + 8 + 5);
    expect(ip[6]).toBe(0);
    expect(ip.subarray(40, 42).toString('hex')).toBe('2b00');
    expect(ip.subarray(48, 50).toString('hex')).toBe('3c02');
    expect(ip.subarray(72, 74).toString('hex')).toBe('2c00');
    expect(ip.subarray(80, 82).toString('hex')).toBe('1100');

    const p = parsePacket(frame);
    expect(p.error).toBeUndefined();
    expect(p.ipv6).toMatchObject({ trafficClass: 0xb8, flowLabel: 0x12345, nextHeader: 0, hopLimit: 9, src: SRC, dst: DST, protocol: IP_PROTO.UDP });
    expect(p.ipv6!.extHeaders.map((h) => h.type)).toEqual([0, 43, 60, 44]);
    expect(p.ipv6!.fragment).toEqual({ offset: 0, more: false, identification: 0x12345678 });
    expect(p.udp).toMatchObject({ srcPort: 5000, dstPort: 6000, length: 13 });
    expect(p.payload!.toString()).toBe('hello');
    expect(buildPacket(p).equals(frame)).toBe(true);

    // The UDP checksum covers the final destination named by the routing header (RFC 8200 8.1).
    expect(ipv6FinalDestination(p.ipv6!)).toBe(FINAL);
    const udp = ip.subarray(88);
    const pseudo = Buffer.concat([Buffer.from(parseIpv6(SRC)), Buffer.from(parseIpv6(FINAL)), hex('0000000d 00000011')]);
    expect(udp.readUInt16BE(6)).toBe(refChecksum(pseudo, udp.subarray(0, 6), udp.subarray(8)));
  });

  it('uses the header destination when no segments are left', () => {
    const done = { type: IP_PROTO.ROUTING, data: Buffer.concat([hex('0200 00000000'), Buffer.from(parseIpv6(FINAL))]) };
    expect(ipv6FinalDestination({ dst: DST, extHeaders: [done] })).toBe(DST);
    expect(ipv6FinalDestination({ dst: DST })).toBe(DST);
  });

  it('keeps a non-first fragment raw', () => {
    const later = { type: IP_PROTO.FRAGMENT, data: hex('00a9 00000001') }; // offset 21, more
    const frame = buildPacket({ eth: ETH, ipv6: { src: SRC, dst: DST, protocol: IP_PROTO.TCP, extHeaders: [later] }, payload: hex('00112233') });
    const p = parsePacket(frame);
    expect(p.ipv6!.fragment).toEqual({ offset: 21, more: true, identification: 1 });
    expect(p.ipv6!.protocol).toBe(IP_PROTO.TCP);
    expect(p.tcp).toBeUndefined();
    expect(p.payload!.toString('hex')).toBe('00112233');
    expect(buildPacket(p).equals(frame)).toBe(true);
  });

  it('stops at ESP and at "no next header"', () => {
    for (const protocol of [IP_PROTO.ESP, IP_PROTO.NONE]) {
      const frame = buildPacket({ eth: ETH, ipv6: { src: SRC, dst: DST, protocol, extHeaders: [hbh] }, payload: hex('deadbeef') });
      const p = parsePacket(frame);
      expect(p.ipv6!.protocol).toBe(protocol);
      expect(p.payload!.toString('hex')).toBe('deadbeef');
      expect(buildPacket(p).equals(frame)).toBe(true);
    }
  });

  it('reports an extension header that overruns the payload, keeping the fixed header', () => {
    const frame = buildPacket({ eth: ETH, ipv6: { src: SRC, dst: DST, protocol: IP_PROTO.UDP, extHeaders: [hbh] } });
    frame[14 + 41] = 3; // HBH claims 32 bytes
    const p = parsePacket(frame);
    expect(p.ipv6!.src).toBe(SRC);
    expect(p.error).toBe('ipv6: extension header 0 of 32 bytes overruns the payload at offset 54');
  });

  it('skips an authentication header by its 4-byte length unit', () => {
    // AH (RFC 4302): next, payload len = 4 (=> (4+2)*4 = 24 bytes), reserved, SPI, seq, 12-byte ICV.
    const ah = { type: IP_PROTO.AH, data: Buffer.concat([hex('0000 00000100 00000001'), Buffer.alloc(12, 0xee)]) };
    const frame = buildPacket({ eth: ETH, ipv6: { src: SRC, dst: DST, extHeaders: [ah] }, udp: { srcPort: 1, dstPort: 2 } });
    expect(frame[14 + 41]).toBe(4);
    const p = parsePacket(frame);
    expect(p.udp).toMatchObject({ srcPort: 1, dstPort: 2 });
    expect(buildPacket(p).equals(frame)).toBe(true);
  });

  it('rejects extension headers of impossible sizes', () => {
    expect(() => buildIpv6({ src: SRC, dst: DST, protocol: 17, extHeaders: [{ type: 0, data: hex('0000') }] }, Buffer.alloc(0))).toThrow(/extHeaders\[0\]\.data/);
    expect(() => buildIpv6({ src: SRC, dst: DST, protocol: 17, extHeaders: [{ type: 44, data: hex('0000') }] }, Buffer.alloc(0))).toThrow(/fragment/);
  });

  it('parses the fixed header fields', () => {
    const frame = buildPacket({ eth: ETH, ipv6: { src: 'fe80::1', dst: 'ff02::1:ff00:2', protocol: 253, hopLimit: 1 } });
    const p = parsePacket(frame);
    expect(p.eth!.ethertype).toBe(ETH_TYPE.IPV6);
    expect(p.ipv6).toMatchObject({ payloadLength: 0, nextHeader: 253, protocol: 253, hopLimit: 1, src: 'fe80::1', dst: 'ff02::1:ff00:2', fragment: undefined });
    expect(p.payload!.length).toBe(0);
    expect(parseIpv4('10.0.0.1')).toBe(0x0a000001);
  });
});
