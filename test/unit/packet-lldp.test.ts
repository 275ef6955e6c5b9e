import { describe, expect, it } from 'vitest';
import {
  buildLldp,
  buildPacket,
  ETH_MIN_FRAME_LEN,
  ETH_TYPE,
  LLDP_CHASSIS_SUBTYPE,
  LLDP_MULTICAST,
  LLDP_PORT_SUBTYPE,
  lldpIdText,
  parsePacket,
  type LldpTlv,
} from '../../src/packet/index.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** TLV header by hand (IEEE 802.1AB 8.4: 7-bit type, 9-bit length). */
function tlv(type: number, value: Buffer): Buffer {
  const h = Buffer.alloc(2);
  h.writeUInt16BE((type << 9) | value.length);
  return Buffer.concat([h, value]);
}

describe('LLDP', () => {
  // A switch's LLDPDU laid out by hand, with every TLV kind the parser knows and two it keeps raw.
  const pdu = Buffer.concat([
    tlv(1, hex('04 020000000001')), // chassis id, MAC subtype
    tlv(2, Buffer.concat([hex('07'), Buffer.from('eth1')])), // port id, locally assigned
    tlv(3, hex('0078')), // TTL 120 s
    tlv(4, Buffer.from('uplink to core')), // port description
    tlv(5, Buffer.from('sw-äö')), // system name (UTF-8)
    tlv(6, Buffer.from('Signalbox test switch')), // system description
    tlv(7, hex('0014 0004')), // capabilities: bridge + router, enabled: bridge
    tlv(8, hex('05 01 0a000001 02 00000001 00')), // management address: kept raw
    tlv(127, hex('0080c2 01 0064')), // IEEE 802.1 port VLAN id 100
    tlv(127, hex('a42305 02 0000000000000001')), // some other organisation's TLV
    tlv(9, hex('beef')), // unknown type: kept raw
    hex('0000'), // end
  ]);
  const frame = Buffer.concat([hex('0180c200000e 020000000001 88cc'), pdu]);

  it('parses every TLV in order', () => {
    const p = parsePacket(frame);
    expect(p.error).toBeUndefined();
    expect(p.eth).toMatchObject({ dst: LLDP_MULTICAST, ethertype: ETH_TYPE.LLDP });
    const l = p.lldp!;
    expect(l.tlvs.map((t) => t.type)).toEqual([
      'chassis_id',
      'port_id',
      'ttl',
      'port_description',
      'system_name',
      'system_description',
      'system_capabilities',
      'raw',
      'org_specific',
      'org_specific',
      'raw',
      'end',
    ]);
    expect(l.chassisId).toMatchObject({ type: 'chassis_id', subtype: LLDP_CHASSIS_SUBTYPE.MAC_ADDRESS });
    expect(lldpIdText(l.chassisId!)).toBe('02:00:00:00:00:01');
    expect(l.portId!.subtype).toBe(LLDP_PORT_SUBTYPE.LOCALLY_ASSIGNED);
    expect(lldpIdText(l.portId!)).toBe('eth1');
    expect(l.ttlSec).toBe(120);
    expect(l.tlvs[3]).toEqual({ type: 'port_description', text: 'uplink to core' });
    expect(l.tlvs[4]).toEqual({ type: 'system_name', text: 'sw-äö' });
    expect(l.tlvs[6]).toEqual({ type: 'system_capabilities', capabilities: 0x14, enabled: 4 });
    expect(l.tlvs[7]).toMatchObject({ type: 'raw', tlvType: 8 });
    expect(l.tlvs[8]).toMatchObject({ type: 'org_specific', oui: 0x0080c2, subtype: 1 });
    expect((l.tlvs[8] as Extract<LldpTlv, { type: 'org_specific' }>).info.toString('hex')).toBe('0064');
    expect(l.tlvs[9]).toMatchObject({ type: 'org_specific', oui: 0xa42305, subtype: 2 });
    expect((l.tlvs[10] as Extract<LldpTlv, { type: 'raw' }>).value.toString('hex')).toBe('beef');
  });

  it('rebuilds the frame byte for byte, with or without padding', () => {
    expect(buildPacket(parsePacket(frame)).equals(frame)).toBe(true);
    const padded = Buffer.concat([frame, Buffer.alloc(10)]);
    const p = parsePacket(padded);
    expect(p.padding!.length).toBe(10);
    expect(buildPacket(p).equals(padded)).toBe(true);
  });

  it('builds a discovery frame like the controller sends, with End only when asked', () => {
    const f = buildPacket({
      eth: { dst: LLDP_MULTICAST, src: '02:00:00:00:00:0a' },
      lldp: {
        tlvs: [
          { type: 'chassis_id', subtype: LLDP_CHASSIS_SUBTYPE.LOCALLY_ASSIGNED, value: Buffer.from('dpid:000000000000000a') },
          { type: 'port_id', subtype: LLDP_PORT_SUBTYPE.PORT_COMPONENT, value: hex('00000003') },
          { type: 'ttl', ttlSec: 120 },
          { type: 'end' },
        ],
      },
    });
    expect(f.subarray(14).toString('hex')).toBe(
      tlv(1, Buffer.concat([hex('07'), Buffer.from('dpid:000000000000000a')])).toString('hex') + '0405' + '0200000003' + '060200780000',
    );
    expect(f.length).toBeLessThan(ETH_MIN_FRAME_LEN);
    const p = parsePacket(f);
    expect(lldpIdText(p.lldp!.chassisId!)).toBe('dpid:000000000000000a');
    expect(lldpIdText(p.lldp!.portId!)).toBe('00000003');
    expect(p.lldp!.tlvs.at(-1)).toEqual({ type: 'end' });
    expect(buildLldp({ tlvs: [{ type: 'ttl', ttlSec: 1 }] }).toString('hex')).toBe('06020001');
    expect(buildLldp({ tlvs: [] }).length).toBe(0);
    // Without End the PDU runs to the end of the frame, and rebuilds as it was.
    const endless = buildPacket({ eth: { dst: LLDP_MULTICAST, src: '02:00:00:00:00:0a' }, lldp: { tlvs: [{ type: 'ttl', ttlSec: 0 }] } });
    const q = parsePacket(endless);
    expect(q.error).toBeUndefined();
    expect(q.lldp!.tlvs).toEqual([{ type: 'ttl', ttlSec: 0 }]);
    expect(buildPacket(q).equals(endless)).toBe(true);
  });

  it('keeps text that is not UTF-8 and odd-sized TLVs raw, byte-exact', () => {
    const odd = Buffer.concat([
      tlv(1, hex('04 020000000001')),
      tlv(2, hex('')), // empty port id: raw
      tlv(3, hex('007800')), // 3-byte TTL: raw
      tlv(5, hex('ff fe')), // not UTF-8: raw
      tlv(7, hex('0014')), // short capabilities: raw
      tlv(127, hex('0080c2')), // org TLV without subtype: raw
      tlv(0, hex('01')), // End with a length: raw, and the PDU stops there
    ]);
    const f = Buffer.concat([hex('0180c200000e 020000000001 88cc'), odd]);
    const p = parsePacket(f);
    expect(p.error).toBeUndefined();
    expect(p.lldp!.tlvs.slice(1).map((t) => (t.type === 'raw' ? t.tlvType : t.type))).toEqual([2, 3, 5, 7, 127, 0]);
    expect(p.lldp!.portId).toBeUndefined();
    expect(p.lldp!.ttlSec).toBeUndefined();
    expect(buildPacket(p).equals(f)).toBe(true);
  });

  it('formats network-address and binary ids', () => {
    expect(lldpIdText({ type: 'chassis_id', subtype: 5, value: hex('01 0a000001') })).toBe('10.0.0.1');
    expect(lldpIdText({ type: 'port_id', subtype: 4, value: hex('02 20010db8000000000000000000000001') })).toBe('2001:db8::1');
    expect(lldpIdText({ type: 'port_id', subtype: 3, value: hex('020000000001') })).toBe('02:00:00:00:00:01');
    expect(lldpIdText({ type: 'chassis_id', subtype: 1, value: hex('fffe') })).toBe('fffe');
  });

  it('reports a TLV that overruns the frame, keeping the TLVs before it', () => {
    const p = parsePacket(frame.subarray(0, 14 + 9 + 3));
    expect(p.error).toBe('lldp: TLV 2 of 5 bytes overruns the frame at offset 23');
    expect(p.lldp!.tlvs.map((t) => t.type)).toEqual(['chassis_id']);
    expect(parsePacket(frame.subarray(0, 14 + 9 + 1)).error).toBe('lldp: truncated TLV header at offset 23');
  });

  it('rejects values that do not fit', () => {
    expect(() => buildLldp({ tlvs: [{ type: 'raw', tlvType: 128, value: hex('') }] })).toThrow(/tlvType/);
    expect(() => buildLldp({ tlvs: [{ type: 'raw', tlvType: 9, value: Buffer.alloc(512) }] })).toThrow(/511/);
    expect(() => buildLldp({ tlvs: [{ type: 'org_specific', oui: 0x1000000, subtype: 0, info: hex('') }] })).toThrow(/oui/);
  });
});
