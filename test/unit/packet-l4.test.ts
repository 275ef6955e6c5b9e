import { describe, expect, it } from 'vitest';
import {
  ARP_OP,
  arpReply,
  arpRequest,
  buildArp,
  buildIcmp,
  buildIcmpEcho,
  buildIcmpv6,
  buildPacket,
  buildTcp,
  buildUdp,
  ICMPV6_TYPE,
  IP_PROTO,
  neighborAdvertisement,
  parsePacket,
  TCP_FLAG,
} from '../../src/packet/index.js';
import { parseIpv6 } from '../../src/core/addr.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** RFC 1071 checksum written independently of the library. */
function refChecksum(...parts: Uint8Array[]): number {
  const bytes = parts.flatMap((p) => Array.from(p));
  let s = 0;
  for (let i = 0; i < bytes.length; i += 2) s += bytes[i]! * 256 + (bytes[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 65536);
  return 0xffff - s;
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

/** IPv4 pseudo-header (RFC 793 section 3.1 / RFC 768), laid out by hand. */
function pseudo4(src: number[], dst: number[], proto: number, len: number): Buffer {
  return Buffer.from([...src, ...dst, 0, proto, len >> 8, len & 0xff]);
}

/** IPv6 pseudo-header (RFC 8200 section 8.1), laid out by hand. */
function pseudo6(src: string, dst: string, proto: number, len: number): Buffer {
  return Buffer.concat([Buffer.from(parseIpv6(src)), Buffer.from(parseIpv6(dst)), Buffer.from([len >>> 24, (len >>> 16) & 255, (len >>> 8) & 255, len & 255, 0, 0, 0, proto])]);
}

const ETH = { dst: '02:00:00:00:00:02', src: '02:00:00:00:00:01' };

describe('ARP', () => {
  // A broadcast ARP request from Ryu/os-ken's test data (of13/4-4-ofp_packet_in.packet).
  const RYU_ARP = hex('ffffffffffff f20ba47df8ea 0806 0001 0800 06 04 0001 f20ba47df8ea 0a000001 000000000000 0a000003');

  it('parses a request and rebuilds it', () => {
    const p = parsePacket(RYU_ARP);
    expect(p.error).toBeUndefined();
    expect(p.arp).toEqual({ htype: 1, ptype: 0x0800, op: 1, sha: 'f2:0b:a4:7d:f8:ea', spa: '10.0.0.1', tha: '00:00:00:00:00:00', tpa: '10.0.0.3' });
    expect(buildPacket(p).equals(RYU_ARP)).toBe(true);
    expect(arpRequest({ srcMac: 'f2:0b:a4:7d:f8:ea', srcIp: '10.0.0.1', dstIp: '10.0.0.3' }).equals(RYU_ARP)).toBe(true);
  });

  it('builds a reply frame', () => {
    const f = arpReply({ srcMac: '02:00:00:00:00:03', srcIp: '10.0.0.3', dstMac: 'f2:0b:a4:7d:f8:ea', dstIp: '10.0.0.1', vlans: [{ vid: 5 }] });
    expect(f.toString('hex')).toBe('f20ba47df8ea' + '020000000003' + '81000005' + '0806' + '000108000604' + '0002' + '020000000003' + '0a000003' + 'f20ba47df8ea' + '0a000001');
    const p = parsePacket(f);
    expect(p.arp!.op).toBe(ARP_OP.REPLY);
    expect(p.eth!.vlans[0]!.vid).toBe(5);
  });

  it('keeps minimum-frame padding', () => {
    const padded = Buffer.concat([RYU_ARP, Buffer.alloc(18)]);
    const p = parsePacket(padded);
    expect(p.padding!.length).toBe(18);
    expect(buildPacket(p).equals(padded)).toBe(true);
  });

  it('leaves ARP of other address sizes as payload', () => {
    const body = buildArp({ op: 1, sha: '00:00:00:00:00:01', spa: '1.2.3.4', tha: '00:00:00:00:00:00', tpa: '1.2.3.5' });
    body[5] = 16;
    const f = buildPacket({ eth: { ...ETH, ethertype: 0x0806 }, payload: body });
    const p = parsePacket(f);
    expect(p.arp).toBeUndefined();
    expect(p.error).toBeUndefined();
    expect(p.payload!.equals(body)).toBe(true);
  });
});

describe('ICMP', () => {
  it('builds an echo request equal to one laid out by hand from RFC 792', () => {
    const data = Buffer.from('abcdefghijklmnopqrstuvwabcdefghi');
    // type 8, code 0, checksum, identifier 0x0001, sequence 0x0021, data.
    const ref = Buffer.concat([hex('0800 0000 0001 0021'), data]);
    ref.writeUInt16BE(refChecksum(ref), 2);
    const built = buildIcmpEcho({ id: 1, seq: 0x21, data });
    expect(built.equals(ref)).toBe(true);
    // A message with its checksum in place sums to zero.
    expect(refChecksum(built)).toBe(0);
  });

  it('round-trips echo replies and raw messages inside IPv4', () => {
    const echo = buildPacket({ eth: ETH, ipv4: { src: '10.0.0.2', dst: '10.0.0.1' }, icmp: { kind: 'echo', type: 0, code: 0, id: 9, seq: 2, data: hex('0102') } });
    const p = parsePacket(echo);
    expect(p.ipv4!.protocol).toBe(IP_PROTO.ICMP);
    expect(p.icmp).toMatchObject({ kind: 'echo', type: 0, id: 9, seq: 2 });
    expect(buildPacket(p).equals(echo)).toBe(true);

    // Destination unreachable, port unreachable: unused word then the offending header.
    const unreach = buildIcmp({ kind: 'raw', type: 3, code: 3, body: hex('00000000 4500001c') });
    expect(unreach.readUInt16BE(2)).toBe(refChecksum(unreach.subarray(0, 2), unreach.subarray(4)));
    const f = buildPacket({ eth: ETH, ipv4: { src: '10.0.0.2', dst: '10.0.0.1' }, icmp: { kind: 'raw', type: 3, code: 3, body: hex('00000000 4500001c') } });
    const q = parsePacket(f);
    expect(q.icmp).toMatchObject({ kind: 'raw', type: 3, code: 3 });
    expect(buildPacket(q).equals(f)).toBe(true);
  });

  it('reports a truncated echo', () => {
    const f = buildPacket({ eth: ETH, ipv4: { src: '10.0.0.2', dst: '10.0.0.1' }, icmp: { kind: 'raw', type: 8, code: 0, body: hex('0001') } });
    expect(parsePacket(f).error).toBe('icmp: truncated echo at offset 38');
  });
});

describe('UDP', () => {
  const SRC = [192, 168, 1, 10];
  const DST = [192, 168, 1, 1];

  it('computes the checksum over the IPv4 pseudo-header', () => {
    const payload = Buffer.from('query');
    const udp = buildUdp({ srcPort: 40000, dstPort: 53 }, payload, { src: '192.168.1.10', dst: '192.168.1.1' });
    const header = Buffer.concat([u16(40000), u16(53), u16(13)]);
    expect(udp.subarray(0, 6).equals(header)).toBe(true);
    expect(udp.readUInt16BE(6)).toBe(refChecksum(pseudo4(SRC, DST, 17, 13), header, payload));
  });

  it('sends a computed zero checksum as 0xffff', () => {
    // Choose the payload word so that everything else sums to 0xffff: the checksum is then 0.
    const base = Buffer.concat([pseudo4(SRC, DST, 17, 10), u16(1), u16(2), u16(10)]);
    const s = 0xffff - refChecksum(base); // folded sum of the rest
    const payload = u16(0xffff - s);
    expect(refChecksum(base, payload)).toBe(0);
    const udp = buildUdp({ srcPort: 1, dstPort: 2 }, payload, { src: '192.168.1.10', dst: '192.168.1.1' });
    expect(udp.readUInt16BE(6)).toBe(0xffff);
  });

  it('keeps "no checksum" over IPv4 and refuses it over IPv6', () => {
    const f = buildPacket({ eth: ETH, ipv4: { src: '10.0.0.1', dst: '10.0.0.2' }, udp: { srcPort: 7, dstPort: 7, checksum: 0 }, payload: hex('00') });
    expect(f.readUInt16BE(14 + 20 + 6)).toBe(0);
    const p = parsePacket(f);
    expect(p.udp!.checksum).toBe(0);
    expect(buildPacket(p).equals(f)).toBe(true);
    expect(() => buildUdp({ srcPort: 1, dstPort: 2 }, Buffer.alloc(0), { src: '::1', dst: '::1' }, { noChecksum: true })).toThrow(/IPv6/);
  });

  it('checksums over IPv6 and round-trips', () => {
    const payload = Buffer.from('dhcpv6?');
    const f = buildPacket({ eth: ETH, ipv6: { src: 'fe80::1', dst: 'ff02::1:2' }, udp: { srcPort: 546, dstPort: 547 }, payload });
    const udp = f.subarray(54);
    expect(udp.readUInt16BE(6)).toBe(refChecksum(pseudo6('fe80::1', 'ff02::1:2', 17, 15), udp.subarray(0, 6), payload));
    const p = parsePacket(f);
    expect(p.ipv6!.protocol).toBe(IP_PROTO.UDP);
    expect(buildPacket(p).equals(f)).toBe(true);
  });

  it('reports lengths that disagree with the IP payload', () => {
    const f = buildPacket({ eth: ETH, ipv4: { src: '10.0.0.1', dst: '10.0.0.2' }, udp: { srcPort: 1, dstPort: 2 }, payload: hex('0102030405') });
    const long = Buffer.from(f);
    long.writeUInt16BE(14, 38);
    expect(parsePacket(long).error).toBe('udp: truncated payload, length 14 exceeds 13 bytes at offset 34');
    const short = Buffer.from(f);
    short.writeUInt16BE(10, 38);
    const p = parsePacket(short);
    expect(p.error).toBe('udp: length 10 is shorter than the IP payload of 13 bytes at offset 34');
    expect(p.payload!.toString('hex')).toBe('0102');
    short.writeUInt16BE(7, 38);
    expect(parsePacket(short).error).toBe('udp: length 7 below 8 at offset 34');
  });
});

describe('TCP', () => {
  it('builds a SYN with options equal to one laid out by hand from RFC 9293', () => {
    // MSS 1460, SACK permitted, window scale 7 (with a NOP) = 12 option bytes, data offset 8.
    const opts = hex('020405b4 0402 0103 0307 00');
    const tcp = buildTcp({ srcPort: 51000, dstPort: 443, seq: 0xdeadbeef, ack: 0, flags: TCP_FLAG.SYN, window: 64240, options: opts.subarray(0, 11) }, Buffer.alloc(0), {
      src: '10.0.0.1',
      dst: '10.0.0.2',
    });
    const ref = Buffer.concat([u16(51000), u16(443), hex('deadbeef 00000000'), u16((8 << 12) | 0x002), u16(64240), u16(0), u16(0), hex('020405b4 04020103 03070000')]);
    ref.writeUInt16BE(refChecksum(pseudo4([10, 0, 0, 1], [10, 0, 0, 2], 6, 32), ref), 16);
    expect(tcp.equals(ref)).toBe(true);
  });

  it('round-trips over IPv4 and IPv6 with the pseudo-header checksum', () => {
    const payload = Buffer.from('GET / HTTP/1.1\r\n\r\n');
    for (const ip of [{ ipv4: { src: '10.0.0.1', dst: '10.0.0.2', identification: 99, flags: 2 } }, { ipv6: { src: '2001:db8::a', dst: '2001:db8::b', flowLabel: 7 } }]) {
      const f = buildPacket({
        eth: { ...ETH, vlans: [{ tpid: 0x88a8, vid: 1 }, { vid: 2 }] },
        ...ip,
        tcp: { srcPort: 1234, dstPort: 80, seq: 0xffffffff, ack: 1, flags: TCP_FLAG.ACK | TCP_FLAG.PSH | TCP_FLAG.NS, window: 100, urgentPointer: 3, options: hex('0101080a0000000100000002') },
        payload,
      });
      const p = parsePacket(f);
      expect(p.error).toBeUndefined();
      expect(p.tcp).toMatchObject({ srcPort: 1234, dstPort: 80, seq: 0xffffffff, ack: 1, flags: 0x118, window: 100, urgentPointer: 3 });
      expect(p.tcp!.options.toString('hex')).toBe('0101080a0000000100000002');
      expect(p.payload!.toString()).toBe(payload.toString());
      expect(buildPacket(p).equals(f)).toBe(true);
      const l4off = p.ipv4 ? 22 + 20 : 22 + 40;
      const seg = f.subarray(l4off);
      const ph = p.ipv4 ? pseudo4([10, 0, 0, 1], [10, 0, 0, 2], 6, seg.length) : pseudo6('2001:db8::a', '2001:db8::b', 6, seg.length);
      expect(refChecksum(ph, seg)).toBe(0);
    }
  });

  it('reports a data offset below 5 and truncated options', () => {
    const f = buildPacket({ eth: ETH, ipv4: { src: '10.0.0.1', dst: '10.0.0.2' }, tcp: { srcPort: 1, dstPort: 2 } });
    const bad = Buffer.from(f);
    bad[34 + 12] = 0x40;
    expect(parsePacket(bad).error).toBe('tcp: data offset 16 below 20 at offset 34');
    bad[34 + 12] = 0x60;
    expect(parsePacket(bad).error).toBe('tcp: truncated options at offset 54');
  });
});

describe('ICMPv6', () => {
  const HOST = 'fe80::200:ff:fe00:1';
  const SOLICITED = 'ff02::1:ff00:2';
  const TARGET = 'fe80::200:ff:fe00:2';

  it('parses a neighbor solicitation laid out by hand from RFC 4861 and rebuilds it', () => {
    // type 135, code 0, checksum, reserved, target, source link-layer address option (1, len 1, MAC).
    const ns = Buffer.concat([hex('8700 0000 00000000'), Buffer.from(parseIpv6(TARGET)), hex('0101 020000000001')]);
    ns.writeUInt16BE(refChecksum(pseudo6(HOST, SOLICITED, 58, ns.length), ns), 2);
    const ip = Buffer.concat([hex('60000000'), u16(ns.length), hex('3aff'), Buffer.from(parseIpv6(HOST)), Buffer.from(parseIpv6(SOLICITED)), ns]);
    const frame = Buffer.concat([hex('3333ff000002 020000000001 86dd'), ip]);
    const p = parsePacket(frame);
    expect(p.error).toBeUndefined();
    expect(p.icmpv6).toEqual({
      kind: 'neighbor_solicitation',
      type: 135,
      code: 0,
      checksum: ns.readUInt16BE(2),
      target: TARGET,
      options: [{ type: 'source_lladdr', mac: '02:00:00:00:00:01' }],
    });
    expect(buildPacket(p).equals(frame)).toBe(true);
  });

  it('builds a neighbor advertisement frame with the target link-layer option', () => {
    const f = neighborAdvertisement({ srcMac: '02:00:00:00:00:02', srcIp: TARGET, dstMac: '02:00:00:00:00:01', dstIp: HOST, target: TARGET });
    const p = parsePacket(f);
    expect(p.error).toBeUndefined();
    expect(p.ipv6).toMatchObject({ hopLimit: 255, protocol: IP_PROTO.ICMPV6, src: TARGET, dst: HOST });
    expect(p.icmpv6).toMatchObject({
      kind: 'neighbor_advertisement',
      type: ICMPV6_TYPE.NEIGHBOR_ADVERTISEMENT,
      router: false,
      solicited: true,
      override: true,
      target: TARGET,
      options: [{ type: 'target_lladdr', mac: '02:00:00:00:00:02' }],
    });
    const msg = f.subarray(54);
    expect(msg.subarray(4, 8).toString('hex')).toBe('60000000');
    expect(msg.subarray(24).toString('hex')).toBe('0201020000000002');
    expect(refChecksum(pseudo6(TARGET, HOST, 58, msg.length), msg)).toBe(0);
    expect(buildPacket(p).equals(f)).toBe(true);
  });

  it('round-trips echo, router advertisements (raw) and unknown NDP options', () => {
    const ph = { src: HOST, dst: 'ff02::1' };
    const msgs = [
      { kind: 'echo', type: 128, code: 0, id: 0x1234, seq: 9, data: hex('cafe') },
      { kind: 'raw', type: 134, code: 0, body: hex('40000708 00000000 00000000 0101020000000001') },
      {
        kind: 'neighbor_advertisement',
        type: 136,
        code: 0,
        router: true,
        solicited: false,
        override: false,
        target: HOST,
        options: [{ type: 'raw', optionType: 5, data: hex('0000 000005dc') }],
      },
    ] as const;
    for (const m of msgs) {
      const body = buildIcmpv6(m, ph);
      expect(refChecksum(pseudo6(HOST, 'ff02::1', 58, body.length), body)).toBe(0);
      const f = buildPacket({ eth: ETH, ipv6: { ...ph, hopLimit: 255 }, icmpv6: m });
      const p = parsePacket(f);
      expect(p.icmpv6).toMatchObject(m);
      expect(buildPacket(p).equals(f)).toBe(true);
    }
  });

  it('keeps a neighbor advertisement with reserved bits set raw, byte for byte', () => {
    const f = neighborAdvertisement({ srcMac: '02:00:00:00:00:02', srcIp: TARGET, dstMac: '02:00:00:00:00:01', dstIp: HOST, target: TARGET });
    f[54 + 7] = 1; // a reserved bit
    const p = parsePacket(f);
    expect(p.icmpv6!.kind).toBe('raw');
    // The checksum no longer matches after the edit, so compare everything but it.
    const rebuilt = buildPacket(p);
    rebuilt.writeUInt16BE(f.readUInt16BE(56), 56);
    expect(rebuilt.equals(f)).toBe(true);
  });

  it('reports malformed options', () => {
    const f = neighborAdvertisement({ srcMac: '02:00:00:00:00:02', srcIp: TARGET, dstMac: '02:00:00:00:00:01', dstIp: HOST, target: TARGET });
    const zero = Buffer.from(f);
    zero[54 + 25] = 0;
    expect(parsePacket(zero).error).toBe('icmpv6: option 2 with length 0 at offset 78');
    const over = Buffer.from(f);
    over[54 + 25] = 2;
    expect(parsePacket(over).error).toBe('icmpv6: option 2 of 16 bytes overruns the message at offset 78');
  });
});
