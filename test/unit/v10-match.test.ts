// OpenFlow 1.0 match: the match10 builder's wildcards, CIDR handling and the ofp_match wire layout.
import { describe, expect, it } from 'vitest';
import { OfEncodeError } from '../../src/openflow/codec/errors.js';
import { Reader } from '../../src/openflow/codec/reader.js';
import { Writer } from '../../src/openflow/codec/writer.js';
import { OFPFW10 } from '../../src/openflow/codec/v10/enums.js';
import { decodeMatch10, encodeMatch10, MATCH10_ALL, match10, nwDstWildBits, nwSrcWildBits, type Match10 } from '../../src/openflow/codec/v10/match.js';

function encode(m: Match10): Buffer {
  const w = new Writer(8);
  encodeMatch10(w, m);
  return w.take();
}

describe('match10 builder', () => {
  it('wildcards everything when given nothing', () => {
    expect(match10({})).toEqual(MATCH10_ALL);
    expect(match10({}).wildcards).toBe(0x3fffff);
    expect(OFPFW10.ALL).toBe(0x3fffff);
  });

  it('clears exactly the bit of each field given', () => {
    const cases: Array<[Parameters<typeof match10>[0], number]> = [
      [{ inPort: 1 }, OFPFW10.IN_PORT],
      [{ dlVlan: 10 }, OFPFW10.DL_VLAN],
      [{ dlSrc: '00:00:00:00:00:01' }, OFPFW10.DL_SRC],
      [{ dlDst: '00:00:00:00:00:01' }, OFPFW10.DL_DST],
      [{ dlType: 0x0806 }, OFPFW10.DL_TYPE],
      [{ nwProto: 17 }, OFPFW10.NW_PROTO],
      [{ tpSrc: 53 }, OFPFW10.TP_SRC],
      [{ tpDst: 53 }, OFPFW10.TP_DST],
      [{ dlVlanPcp: 0 }, OFPFW10.DL_VLAN_PCP],
      [{ nwTos: 0 }, OFPFW10.NW_TOS],
    ];
    for (const [fields, bit] of cases) {
      expect(match10(fields).wildcards, JSON.stringify(fields)).toBe(OFPFW10.ALL & ~bit);
    }
  });

  it('zero values count as given (0 is a real VLAN PCP or ToS)', () => {
    const m = match10({ inPort: 0, dlVlanPcp: 0 });
    expect(m.wildcards & OFPFW10.IN_PORT).toBe(0);
    expect(m.wildcards & OFPFW10.DL_VLAN_PCP).toBe(0);
  });

  it('sets NW_SRC / NW_DST wild bits from a prefix length and zeroes host bits', () => {
    const m = match10({ nwSrc: '10.1.2.3/8', nwDst: '192.168.1.77/24' });
    expect(m.nwSrc).toBe('10.0.0.0');
    expect(m.nwDst).toBe('192.168.1.0');
    expect(nwSrcWildBits(m.wildcards)).toBe(24);
    expect(nwDstWildBits(m.wildcards)).toBe(8);
    expect((m.wildcards & OFPFW10.NW_SRC_MASK) >>> OFPFW10.NW_SRC_SHIFT).toBe(24);
    expect((m.wildcards & OFPFW10.NW_DST_MASK) >>> OFPFW10.NW_DST_SHIFT).toBe(8);
    // Every other field still wildcarded.
    expect(m.wildcards & ~(OFPFW10.NW_SRC_MASK | OFPFW10.NW_DST_MASK)).toBe(OFPFW10.ALL & ~(OFPFW10.NW_SRC_MASK | OFPFW10.NW_DST_MASK));
  });

  it('an address without prefix, /32 and /0', () => {
    expect(nwSrcWildBits(match10({ nwSrc: '1.2.3.4' }).wildcards)).toBe(0);
    expect(match10({ nwSrc: '1.2.3.4/32' })).toEqual(match10({ nwSrc: '1.2.3.4' }));
    const any = match10({ nwDst: '1.2.3.4/0' });
    expect(any.nwDst).toBe('0.0.0.0');
    expect(nwDstWildBits(any.wildcards)).toBe(32);
    expect(any.wildcards & OFPFW10.NW_DST_MASK).toBe(OFPFW10.NW_DST_ALL);
    // wild-bit counts above 32 (e.g. 63 in OFPFW_ALL) mean "all" too.
    expect(nwSrcWildBits(OFPFW10.ALL)).toBe(32);
  });

  it('rejects a bad prefix or address', () => {
    expect(() => match10({ nwSrc: '10.0.0.0/33' })).toThrow(OfEncodeError);
    expect(() => match10({ nwSrc: '10.0.0.0/' })).toThrow(OfEncodeError);
    expect(() => match10({ nwDst: '10.0.0/8' })).toThrow(OfEncodeError);
  });
});

describe('ofp_match wire layout', () => {
  it('writes each field at its spec offset', () => {
    const m = match10({
      inPort: 0x0102,
      dlSrc: '11:12:13:14:15:16',
      dlDst: '21:22:23:24:25:26',
      dlVlan: 0x0304,
      dlVlanPcp: 5,
      dlType: 0x0800,
      nwTos: 0x28,
      nwProto: 6,
      nwSrc: '1.2.3.4',
      nwDst: '5.6.7.8',
      tpSrc: 0x0a0b,
      tpDst: 0x0c0d,
    });
    expect(m.wildcards).toBe(0);
    const b = encode(m);
    expect(b.toString('hex')).toBe(
      '00000000' + '0102' + '111213141516' + '212223242526' + '0304' + '05' + '00' + '0800' + '28' + '06' + '0000' + '01020304' + '05060708' + '0a0b' + '0c0d',
    );
    expect(decodeMatch10(new Reader(b))).toEqual(m);
  });

  it('keeps values of wildcarded fields as they are on the wire', () => {
    const m: Match10 = { ...MATCH10_ALL, tpSrc: 9, nwSrc: '9.9.9.9' };
    expect(decodeMatch10(new Reader(encode(m)))).toEqual(m);
  });
});
