import { describe, expect, it } from 'vitest';
import { formatIpv6, formatMac, hexBytes, isFormattedMac, parseIpv4, parseIpv6, parseMac } from '../../src/core/addr.js';
import { flowKey, oxmKey } from '../../src/flows/compare.js';

describe('addresses', () => {
  it('round-trips MACs', () => {
    expect(formatMac(parseMac('AA:bb:0c:dd:ee:0f'))).toBe('aa:bb:0c:dd:ee:0f');
    expect(() => parseMac('aa:bb:cc')).toThrow(RangeError);
  });

  it('tells a MAC already in formatMac text from any other text', () => {
    expect(isFormattedMac('0a:bb:0c:dd:ee:0f')).toBe(true);
    expect(isFormattedMac(formatMac(Uint8Array.of(0, 0x9f, 0xa0, 0xff, 1, 0x10)))).toBe(true);
    for (const s of ['0A:bb:0c:dd:ee:0f', '0a-bb-0c-dd-ee-0f', 'a:bb:0c:dd:ee:0f', '0a:bb:0c:dd:ee:0f:', '0a:bb:0c:dd:ee:0', '0a:bb:0c:dd:ee:0g', '0a:bb:0c:dd:ee::f', '0a:bb:0c:dd;ee:0f', '', 'zz:zz:zz:zz:zz:zz', '0a:bb:0c:dd:ee:0\u00e9']) {
      expect(isFormattedMac(s), s).toBe(false);
    }
  });

  it('gives one flow key for every text of one MAC, masked or not, and another for another MAC', () => {
    const key = (value: string, mask?: string): string => oxmKey({ field: 'eth_dst', value, ...(mask !== undefined ? { mask } : {}) });
    const k = key('0a:bb:0c:dd:ee:0f');
    for (const v of ['0A:BB:0C:DD:EE:0F', '0a-bb-0c-dd-ee-0f', 'a:bb:c:dd:ee:f']) expect(key(v)).toBe(k);
    expect(key('0a:bb:0c:dd:ee:0f', 'ff:ff:ff:ff:ff:ff')).toBe(k);
    expect(key('0a:bb:0c:dd:ee:0e')).not.toBe(k);
    expect(key('0a:bb:0c:dd:ee:0f', 'ff:ff:ff:00:00:00')).toBe(key('0A:BB:0C:11:22:33', 'FF:FF:FF:00:00:00'));
    expect(key('0a:bb:0c:dd:ee:0f', 'ff:ff:ff:00:00:00')).not.toBe(key('0a:bb:0c:dd:ee:0f', 'ff:ff:ff:ff:00:00'));
    const m = (dst: string) => [{ field: 'in_port' as const, value: 1 }, { field: 'eth_dst' as const, value: dst }];
    expect(flowKey(0, 10, m('0a:bb:0c:dd:ee:0f'))).toBe(flowKey(0, 10, m('0a-BB-0c-dd-ee-0F')));
  });

  it('writes bytes as two lower-case hex digits each, the first n only', () => {
    expect(hexBytes(Uint8Array.of(0, 0x0a, 0xff, 0x10, 0x7f), 4)).toBe('000aff10');
    expect(hexBytes(Uint8Array.of(1), 0)).toBe('');
  });

  it('parses IPv4', () => {
    expect(parseIpv4('192.168.1.255')).toBe(0xc0a801ff);
    expect(() => parseIpv4('1.2.3.256')).toThrow(RangeError);
    expect(() => parseIpv4('1.2.3')).toThrow(RangeError);
  });

  it('formats and parses IPv6 per RFC 5952', () => {
    for (const s of ['::', '::1', 'fe80::f00b:a4ff:fe48:28a5', '2001:db8::1:0:0:1', '1:2:3:4:5:6:7:8', '2001:db8:0:1:1:1:1:1']) {
      expect(formatIpv6(parseIpv6(s))).toBe(s);
    }
    expect(formatIpv6(parseIpv6('::ffff:1.2.3.4'))).toBe('::ffff:102:304');
    expect(() => parseIpv6('1::2::3')).toThrow(RangeError);
    expect(() => parseIpv6('1:2:3:4:5:6:7')).toThrow(RangeError);
    expect(() => parseIpv6('1:2:3:4:5:6:7::8')).toThrow(RangeError);
  });
});

describe('fixed-size strings', async () => {
  const { Reader } = await import('../../src/openflow/codec/reader.js');
  const { Writer } = await import('../../src/openflow/codec/writer.js');
  it('reads bytes that are not UTF-8 as Latin-1 and writes them back byte-exact', () => {
    const field = Buffer.from([0x65, 0x74, 0xe9, 0xff, 0xfe, 0xe9, 0xe9, 0xe9, 0, 0, 0, 0, 0, 0, 0, 0]);
    const s = new Reader(field).str(16);
    expect(s).toBe('et\u00e9\u00ff\u00fe\u00e9\u00e9\u00e9');
    const w = new Writer();
    w.str(s, 16);
    expect(Buffer.compare(w.take(), field)).toBe(0);
  });
  it('keeps UTF-8 names', () => {
    const field = Buffer.alloc(32);
    field.write('私のテーブル', 'utf8');
    expect(new Reader(field).str(32)).toBe('私のテーブル');
  });
});

describe('address parsing edge cases', () => {
  it('accepts one-digit MAC groups and dashes, rejects junk', () => {
    expect(formatMac(parseMac('0:1:2:3:4:5'))).toBe('00:01:02:03:04:05');
    expect(formatMac(parseMac('00-1B-2c-03-04-05'))).toBe('00:1b:2c:03:04:05');
    for (const bad of ['', 'aa:bb:cc:dd:ee', 'aa:bb:cc:dd:ee:ff:00', 'aa:bb:cc:dd:ee:fff', 'aa:bb:cc:dd:ee:gg', 'aa.bb:cc:dd:ee:ff']) {
      expect(() => parseMac(bad)).toThrow(RangeError);
    }
  });
  it('rejects malformed dotted quads', () => {
    for (const bad of ['', '1.2.3.4.5', '1..3.4', '.1.2.3', '1.2.3.', '01234.1.1.1', '1.2.3.a', '1.2.3.4 ']) {
      expect(() => parseIpv4(bad)).toThrow(RangeError);
    }
    expect(parseIpv4('0.0.0.0')).toBe(0);
    expect(parseIpv4('255.255.255.255')).toBe(0xffffffff);
  });
});
