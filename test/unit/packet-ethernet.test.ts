import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildEthernet,
  buildPacket,
  ETH_TYPE,
  isMulticastMacNumber,
  macToNumber,
  numberToMac,
  parsePacket,
  peekEthernet,
} from '../../src/packet/index.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('buildEthernet', () => {
  it('writes an untagged header', () => {
    const f = buildEthernet({ dst: 'ff:ff:ff:ff:ff:ff', src: '02:00:00:00:00:01', ethertype: ETH_TYPE.ARP }, hex('abcd'));
    expect(f.toString('hex')).toBe('ffffffffffff' + '020000000001' + '0806' + 'abcd');
  });

  it('writes a QinQ stack outermost first and parses it back', () => {
    const f = buildEthernet(
      {
        dst: '00:11:22:33:44:55',
        src: '66:77:88:99:aa:bb',
        ethertype: ETH_TYPE.IPV6,
        vlans: [
          { tpid: ETH_TYPE.QINQ, pcp: 3, vid: 100 },
          { pcp: 5, dei: 1, vid: 0xfff },
        ],
      },
      Buffer.alloc(0),
    );
    // S-TAG: TPID 88a8, TCI = pcp 3 << 13 | vid 100 = 0x6064; C-TAG: 8100, 5<<13 | 1<<12 | 0xfff = 0xbfff.
    expect(f.toString('hex')).toBe('001122334455' + '66778899aabb' + '88a86064' + '8100bfff' + '86dd');
    const p = parsePacket(f);
    expect(p.eth).toEqual({
      dst: '00:11:22:33:44:55',
      src: '66:77:88:99:aa:bb',
      ethertype: ETH_TYPE.IPV6,
      vlans: [
        { tpid: 0x88a8, pcp: 3, dei: 0, vid: 100 },
        { tpid: 0x8100, pcp: 5, dei: 1, vid: 4095 },
      ],
    });
    expect(p.error).toBe('ipv6: truncated header at offset 22');
  });

  it('pads to a minimum length after the trailer', () => {
    const f = buildEthernet({ dst: '01:80:c2:00:00:0e', src: '02:00:00:00:00:01', ethertype: 0x1234 }, hex('01'), { trailer: hex('02'), minLength: 60 });
    expect(f.length).toBe(60);
    expect(f.subarray(14, 17).toString('hex')).toBe('010200');
  });

  it('rejects out-of-range tag fields and bad MACs', () => {
    const eth = { dst: '00:00:00:00:00:01', src: '00:00:00:00:00:02', ethertype: 0x0800 };
    expect(() => buildEthernet({ ...eth, vlans: [{ vid: 4096 }] }, Buffer.alloc(0))).toThrow(/eth\.vlans\[0\]\.vid/);
    expect(() => buildEthernet({ ...eth, vlans: [{ vid: 1, pcp: 8 }] }, Buffer.alloc(0))).toThrow(/pcp/);
    expect(() => buildEthernet({ ...eth, ethertype: 0x10000 }, Buffer.alloc(0))).toThrow(/ethertype/);
    expect(() => buildEthernet({ ...eth, dst: 'nope' }, Buffer.alloc(0))).toThrow(RangeError);
  });
});

describe('peekEthernet', () => {
  it('reads an untagged frame', () => {
    const f = hex('ffffffffffff f20ba47df8ea 0806 0001');
    expect(peekEthernet(f)).toEqual({ dst: 0xffffffffffff, src: 0xf20ba47df8ea, ethertype: 0x0806, vid: -1, l3Offset: 14 });
  });

  it('reports the outer VLAN id and the inner ethertype of a QinQ frame', () => {
    const f = hex('001122334455 66778899aabb 88a8 0064 8100 a0c8 0800');
    expect(peekEthernet(f)).toEqual({ dst: 0x001122334455, src: 0x66778899aabb, ethertype: 0x0800, vid: 100, l3Offset: 22 });
  });

  it('returns undefined on a truncated header or tag', () => {
    expect(peekEthernet(hex('001122334455 66778899aabb 08'))).toBeUndefined();
    expect(peekEthernet(hex('001122334455 66778899aabb 8100 0064'))).toBeUndefined();
    expect(peekEthernet(hex('001122334455 66778899aabb 8100 0064 88'))).toBeUndefined();
    expect(peekEthernet(new Uint8Array(0))).toBeUndefined();
  });

  it('agrees with parsePacket on random valid frames', () => {
    const tpid = fc.constantFrom(ETH_TYPE.VLAN, ETH_TYPE.QINQ, ETH_TYPE.QINQ_LEGACY);
    const tag = fc.record({ tpid, pcp: fc.integer({ min: 0, max: 7 }), dei: fc.integer({ min: 0, max: 1 }), vid: fc.integer({ min: 0, max: 4095 }) });
    const mac = fc.integer({ min: 0, max: 0xffff_ffff_ffff });
    const ethertype = fc.integer({ min: 0, max: 0xffff }).filter((t) => t !== 0x8100 && t !== 0x88a8 && t !== 0x9100);
    fc.assert(
      fc.property(mac, mac, ethertype, fc.array(tag, { maxLength: 3 }), fc.uint8Array({ maxLength: 64 }), (dst, src, et, vlans, payload) => {
        const frame = buildEthernet({ dst: numberToMac(dst), src: numberToMac(src), ethertype: et, vlans }, payload);
        const peek = peekEthernet(frame)!;
        const p = parsePacket(frame);
        expect(peek.dst).toBe(dst);
        expect(peek.src).toBe(src);
        expect(numberToMac(peek.dst)).toBe(p.eth!.dst);
        expect(numberToMac(peek.src)).toBe(p.eth!.src);
        expect(peek.ethertype).toBe(p.eth!.ethertype);
        expect(peek.vid).toBe(p.eth!.vlans.length > 0 ? p.eth!.vlans[0]!.vid : -1);
        expect(peek.l3Offset).toBe(14 + 4 * vlans.length);
      }),
      { numRuns: 300 },
    );
  });
});

describe('MAC numbers', () => {
  it('converts text and bytes both ways', () => {
    expect(macToNumber('f2:0b:a4:7d:f8:ea')).toBe(0xf20ba47df8ea);
    expect(macToNumber('F2-0B-A4-7D-F8-EA')).toBe(0xf20ba47df8ea);
    expect(macToNumber(hex('00 f20ba47df8ea'), 1)).toBe(0xf20ba47df8ea);
    expect(numberToMac(0xf20ba47df8ea)).toBe('f2:0b:a4:7d:f8:ea');
    expect(numberToMac(0)).toBe('00:00:00:00:00:00');
    expect(numberToMac(0xffff_ffff_ffff)).toBe('ff:ff:ff:ff:ff:ff');
  });

  it('rejects malformed text and out-of-range numbers', () => {
    for (const s of ['f2:0b:a4:7d:f8', 'f2:0b:a4:7d:f8:eg', 'f2:0b:a4:7d:f8:ea:', 'f2.0b.a4.7d.f8.ea']) expect(() => macToNumber(s)).toThrow(RangeError);
    expect(() => numberToMac(2 ** 48)).toThrow(RangeError);
    expect(() => numberToMac(-1)).toThrow(RangeError);
    expect(() => numberToMac(1.5)).toThrow(RangeError);
  });

  it('round-trips every 48-bit value', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffff_ffff_ffff }), (n) => macToNumber(numberToMac(n)) === n));
  });

  it('tells group addresses', () => {
    expect(isMulticastMacNumber(macToNumber('01:80:c2:00:00:0e'))).toBe(true);
    expect(isMulticastMacNumber(macToNumber('ff:ff:ff:ff:ff:ff'))).toBe(true);
    expect(isMulticastMacNumber(macToNumber('f2:0b:a4:7d:f8:ea'))).toBe(false);
  });
});

describe('frames of unknown ethertype', () => {
  it('keep the rest as payload and rebuild exactly', () => {
    const f = hex('001122334455 66778899aabb 8100 2064 8847 00001140 deadbeef');
    const p = parsePacket(f);
    expect(p.eth!.ethertype).toBe(ETH_TYPE.MPLS);
    expect(p.payload!.toString('hex')).toBe('00001140deadbeef');
    expect(p.error).toBeUndefined();
    expect(buildPacket(p).equals(f)).toBe(true);
  });
});
