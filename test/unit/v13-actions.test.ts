// OpenFlow 1.3 action and instruction codecs: exact layouts, round trips, raw variants, error pairs.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OFPBAC, OFPBIC, OFPBMC, OFPCML, OFPET, OFPP } from '../../src/openflow/codec/constants.js';
import { OfDecodeError, OfEncodeError } from '../../src/openflow/codec/errors.js';
import { Reader } from '../../src/openflow/codec/reader.js';
import { Writer } from '../../src/openflow/codec/writer.js';
import { decodeActions, encodeActions, NX_EXPERIMENTER_ID, OFPAT, type Action } from '../../src/openflow/codec/v13/actions.js';
import { decodeInstructions, encodeInstructions, OFPIT, type Instruction } from '../../src/openflow/codec/v13/instructions.js';
import { decodeMatch, encodeMatch } from '../../src/openflow/codec/v13/oxm.js';
import { fixtureFiles, RYU_VECTORS } from '../harness/paths.js';

function encA(a: readonly Action[]): Buffer {
  const w = new Writer(8);
  encodeActions(w, a);
  return w.take();
}
function decA(b: Buffer): Action[] {
  return decodeActions(new Reader(b));
}
function encI(i: readonly Instruction[]): Buffer {
  const w = new Writer(8);
  encodeInstructions(w, i);
  return w.take();
}
function decI(b: Buffer): Instruction[] {
  return decodeInstructions(new Reader(b));
}
function pairOf(f: () => unknown): [number, number] | string {
  try {
    f();
  } catch (e) {
    if (e instanceof OfDecodeError) return [e.errType, e.errCode];
    return `not an OfDecodeError: ${String(e)}`;
  }
  return 'no error';
}
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

const ALL_ACTIONS: Action[] = [
  { type: 'output', port: 3, maxLen: 128 },
  { type: 'copy_ttl_out' },
  { type: 'copy_ttl_in' },
  { type: 'set_mpls_ttl', ttl: 64 },
  { type: 'dec_mpls_ttl' },
  { type: 'push_vlan', ethertype: 0x8100 },
  { type: 'pop_vlan' },
  { type: 'push_mpls', ethertype: 0x8847 },
  { type: 'pop_mpls', ethertype: 0x0800 },
  { type: 'set_queue', queueId: 7 },
  { type: 'group', groupId: 0xabcdef },
  { type: 'set_nw_ttl', ttl: 9 },
  { type: 'dec_nw_ttl' },
  { type: 'set_field', field: { field: 'vlan_vid', value: 0x1000 | 42 } },
  { type: 'set_field', field: { field: 'ipv6_dst', value: '2001:db8::5' } },
  { type: 'push_pbb', ethertype: 0x88e7 },
  { type: 'pop_pbb' },
  { type: 'experimenter', experimenter: 0x12345678, data: hex('0001000200000000') },
  { type: 'unknown', actionType: 99, data: hex('01020304') },
];

describe('actions', () => {
  it('round-trips every action type', () => {
    const b = encA(ALL_ACTIONS);
    expect(b.length % 8).toBe(0);
    expect(decA(b)).toEqual(ALL_ACTIONS);
    expect(encA(decA(b)).equals(b)).toBe(true);
  });

  it('writes the spec layouts exactly', () => {
    // ofp_action_output: type 0, len 16, port, max_len, pad[6]; maxLen defaults to OFPCML_NO_BUFFER.
    expect(encA([{ type: 'output', port: OFPP.CONTROLLER }]).toString('hex')).toBe('00000010fffffffdffff000000000000');
    expect(decA(hex('00000010fffffffdffff000000000000'))).toEqual([{ type: 'output', port: OFPP.CONTROLLER, maxLen: OFPCML.NO_BUFFER }]);
    // ofp_action_push: type 17, len 8, ethertype, pad[2].
    expect(encA([{ type: 'push_vlan', ethertype: 0x8100 }]).toString('hex')).toBe('0011000881000000');
    // ofp_action_generic (pop_vlan): type 18, len 8, pad[4].
    expect(encA([{ type: 'pop_vlan' }]).toString('hex')).toBe('0012000800000000');
    // ofp_action_nw_ttl: type 23, len 8, nw_ttl, pad[3].
    expect(encA([{ type: 'set_nw_ttl', ttl: 0x40 }]).toString('hex')).toBe('0017000840000000');
    // ofp_action_group: type 22, len 8, group_id.
    expect(encA([{ type: 'group', groupId: 5 }]).toString('hex')).toBe('0016000800000005');
    // ofp_action_set_field: type 25, OXM eth_dst (4+6 bytes), padded 14 -> 16.
    expect(encA([{ type: 'set_field', field: { field: 'eth_dst', value: '00:11:22:33:44:55' } }]).toString('hex')).toBe(
      '00190010' + '80000606' + '001122334455' + '0000',
    );
    // set_field with ipv6 (4+16 = 20 + 4 = 24, no padding needed).
    expect(encA([{ type: 'set_field', field: { field: 'ipv6_src', value: '::1' } }]).toString('hex')).toBe(
      '00190018' + '80003410' + '00000000000000000000000000000001',
    );
    expect(OFPAT.SET_FIELD).toBe(25);
  });

  it('re-encodes a Nicira experimenter action byte-exact', () => {
    // NXAST_RESUBMIT_TABLE (subtype 14): in_port 0xfff8, table 3, pad[3].
    const b = hex('ffff0010 00002320 000e fff8 03 000000');
    const a = decA(b);
    expect(a).toEqual([{ type: 'experimenter', experimenter: NX_EXPERIMENTER_ID, data: hex('000efff803000000') }]);
    expect(encA(a).equals(b)).toBe(true);
    // data is a view of the input, not a copy.
    expect((a[0] as { data: Buffer }).data.buffer).toBe(b.buffer);
  });

  it('keeps a set-field on a Nicira register raw', () => {
    const b = hex('0019 0010 00010004 0000002a 00000000');
    const a = decA(b);
    expect(a).toEqual([{ type: 'set_field', field: { field: 'raw', oxmClass: 1, oxmField: 0, hasMask: false, data: hex('0000002a') } }]);
    expect(encA(a).equals(b)).toBe(true);
  });

  it('fails with OFPET_BAD_ACTION pairs on bad lengths', () => {
    const badLen = [OFPET.BAD_ACTION, OFPBAC.BAD_LEN];
    const badSetLen = [OFPET.BAD_ACTION, OFPBAC.BAD_SET_LEN];
    expect(pairOf(() => decA(hex('0000')))).toEqual(badLen); // header cut
    expect(pairOf(() => decA(hex('00000004')))).toEqual(badLen); // len < 8
    expect(pairOf(() => decA(hex('0000000c 00000001 ffff0000')))).toEqual(badLen); // not a multiple of 8
    expect(pairOf(() => decA(hex('00000018 00000001 ffff0000 00000000')))).toEqual(badLen); // past the list
    expect(pairOf(() => decA(hex('00000008 00000001')))).toEqual(badLen); // output must be 16
    expect(pairOf(() => decA(hex('00120010 00000000 00000000 00000000')))).toEqual(badLen); // pop_vlan must be 8
    expect(pairOf(() => decA(hex('00160010 00000001 00000000 00000000')))).toEqual(badLen); // group must be 8
    expect(pairOf(() => decA(hex('00190008 80000606')))).toEqual(badSetLen); // OXM past the action
    expect(pairOf(() => decA(hex('00190008 8000')))).toEqual(badLen); // action itself past the list
    expect(pairOf(() => decA(hex('00190010 80000c03 010203 00000000 00')))).toEqual(badSetLen); // vlan_vid 3 bytes
    expect(pairOf(() => decA(hex('00190018 80000c02 1001 0000 00000000 00000000 00000000')))).toEqual(badSetLen); // too long for its OXM
    expect(pairOf(() => decA(hex('00190008 80000004')))).toEqual(badSetLen); // OXM payload past the action
  });

  it('never throws anything but OfDecodeError on garbage', () => {
    let seed = 777;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const good = encA(ALL_ACTIONS);
    for (let n = 0; n < 3000; n++) {
      const b = Buffer.from(good);
      for (let k = 0; k < 1 + Math.floor(rnd() * 4); k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      const x = rnd() < 0.5 ? b : b.subarray(0, Math.floor(rnd() * b.length));
      let a: Action[] | undefined;
      try {
        a = decA(x);
      } catch (e) {
        expect(e).toBeInstanceOf(OfDecodeError);
        expect((e as OfDecodeError).errType).toBe(OFPET.BAD_ACTION);
      }
      if (a) {
        // Padding bytes are not kept; everything else is.
        const again = encA(a);
        expect(again.length).toBe(x.length);
        expect(decA(again)).toEqual(a);
      }
    }
  });

  it('rejects bad fields on encode, naming them', () => {
    expect(() => encA([{ type: 'output', port: -1 }])).toThrow(OfEncodeError);
    expect(() => encA([{ type: 'pop_vlan' }, { type: 'output', port: 1, maxLen: 0x10000 }])).toThrow('actions[1].maxLen');
    expect(() => encA([{ type: 'set_nw_ttl', ttl: 256 }])).toThrow('actions[0].ttl');
    expect(() => encA([{ type: 'set_field', field: { field: 'eth_type', value: 'x' as unknown as number } }])).toThrow('actions[0].field.value');
    expect(() => encA([{ type: 'bogus' } as unknown as Action])).toThrow(OfEncodeError);
  });
});

describe('instructions', () => {
  const ALL: Instruction[] = [
    { type: 'meter', meterId: 4 },
    { type: 'apply_actions', actions: [{ type: 'pop_vlan' }, { type: 'output', port: 2, maxLen: OFPCML.NO_BUFFER }] },
    { type: 'clear_actions' },
    { type: 'write_actions', actions: [{ type: 'group', groupId: 1 }] },
    { type: 'write_metadata', metadata: 0xfedcba9876543210n, metadataMask: 0xffffffffffffffffn },
    { type: 'goto_table', tableId: 3 },
    { type: 'apply_actions', actions: [] },
    { type: 'experimenter', experimenter: NX_EXPERIMENTER_ID, data: hex('00000001') },
    { type: 'unknown', instructionType: 77, data: hex('00000000') },
  ];

  it('round-trips every instruction type', () => {
    const b = encI(ALL);
    expect(decI(b)).toEqual(ALL.map((i) => (i.type === 'experimenter' ? { ...i, data: hex('0000000100000000') } : i)));
    expect(encI(decI(b)).equals(b)).toBe(true);
  });

  it('writes the spec layouts exactly', () => {
    expect(encI([{ type: 'goto_table', tableId: 1 }]).toString('hex')).toBe('0001000801000000');
    expect(encI([{ type: 'write_metadata', metadata: 1n, metadataMask: 3n }]).toString('hex')).toBe(
      '00020018' + '00000000' + '0000000000000001' + '0000000000000003',
    );
    expect(encI([{ type: 'apply_actions', actions: [{ type: 'output', port: 1 }] }]).toString('hex')).toBe(
      '00040018' + '00000000' + '00000010' + '00000001' + 'ffff' + '000000000000',
    );
    expect(encI([{ type: 'clear_actions' }]).toString('hex')).toBe('0005000800000000');
    expect(encI([{ type: 'meter', meterId: 9 }]).toString('hex')).toBe('0006000800000009');
    expect(OFPIT.APPLY_ACTIONS).toBe(4);
  });

  it('fails with OFPBIC_BAD_LEN on bad instruction lengths, keeping action pairs inside', () => {
    const badLen = [OFPET.BAD_INSTRUCTION, OFPBIC.BAD_LEN];
    expect(pairOf(() => decI(hex('0001')))).toEqual(badLen);
    expect(pairOf(() => decI(hex('00010004')))).toEqual(badLen);
    expect(pairOf(() => decI(hex('0001000c 01000000 00000000')))).toEqual(badLen);
    expect(pairOf(() => decI(hex('00010010 01000000')))).toEqual(badLen);
    expect(pairOf(() => decI(hex('00020010 00000000 00000000 00000001')))).toEqual(badLen); // write_metadata must be 24
    expect(pairOf(() => decI(hex('00050010 00000000 00120008 00000000')))).toEqual(badLen); // clear_actions must be 8
    // An output action claiming 24 bytes inside a 24-byte apply_actions: the action's own pair.
    expect(pairOf(() => decI(hex('00040018 00000000 00000018 00000001 ffff0000 00000000')))).toEqual([OFPET.BAD_ACTION, OFPBAC.BAD_LEN]);
  });

  it('names the failing action on encode', () => {
    expect(() => encI([{ type: 'goto_table', tableId: 1 }, { type: 'apply_actions', actions: [{ type: 'output', port: 1.5 }] }])).toThrow(
      'instructions[1].actions[0].port',
    );
    expect(() => encI([{ type: 'goto_table', tableId: 256 }])).toThrow('instructions[0].tableId');
  });
});

describe('Ryu conformance flow mods and packet outs', () => {
  const dir = `${RYU_VECTORS}/of13`;
  const files = fixtureFiles(dir, (f) => f.endsWith('.packet'));
  it('re-encode match + instructions (flow_mod) and actions (packet_out) byte-exact', () => {
    let flowMods = 0;
    let packetOuts = 0;
    for (const f of files) {
      const buf = readFileSync(`${dir}/${f}`);
      if (buf.length < 8 || buf[0] !== 4) continue;
      if (buf[1] === 14) {
        flowMods++;
        const r = new Reader(buf, 48);
        const m = decodeMatch(r);
        const ins = decodeInstructions(r);
        const w = new Writer();
        encodeMatch(w, m);
        encodeInstructions(w, ins);
        const again = w.take();
        expect(again.toString('hex'), f).toBe(buf.subarray(48).toString('hex'));
      } else if (buf[1] === 13) {
        packetOuts++;
        const actionsLen = buf.readUInt16BE(16);
        const actions = decodeActions(new Reader(buf, 24, 24 + actionsLen));
        expect(encA(actions).toString('hex'), f).toBe(buf.subarray(24, 24 + actionsLen).toString('hex'));
      }
    }
    expect(flowMods).toBeGreaterThan(20);
    expect(packetOuts).toBeGreaterThan(0);
  });
});

// Keep the OFPBMC import meaningful: set-field OXM errors are never reported as match errors.
it('set-field OXM errors are not OFPET_BAD_MATCH', () => {
  expect(pairOf(() => decA(hex('00190010 80000c03 010203 00000000 00')))).not.toEqual([OFPET.BAD_MATCH, OFPBMC.BAD_LEN]);
});
