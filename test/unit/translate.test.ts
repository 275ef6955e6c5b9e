import { describe, expect, it } from 'vitest';
import { OfEncodeError } from '../../src/openflow/codec/errors.js';
import { match10 } from '../../src/openflow/codec/v10/match.js';
import { OFPFW10 } from '../../src/openflow/codec/v10/enums.js';
import type { Match } from '../../src/openflow/codec/v13/oxm.js';
import type { Action } from '../../src/openflow/codec/v13/actions.js';
import { FLOOD_ACTIONS, outputActions, outputTo } from '../../src/openflow/packet-out.js';
import { actionsFrom10, actionsTo10, match10ToOxm, oxmToMatch10, portFrom10, portTo10 } from '../../src/openflow/translate.js';

describe('OpenFlow 1.3 → 1.0 translation', () => {
  it('maps reserved ports both ways', () => {
    expect(portTo10(0xfffffffd)).toBe(0xfffd);
    expect(portTo10(0xffffffff)).toBe(0xffff);
    expect(portTo10(7)).toBe(7);
    expect(portFrom10(0xfffb)).toBe(0xfffffffb);
    expect(() => portTo10(0x10000)).toThrow(OfEncodeError);
  });

  it('turns an OXM match into ofp_match with the right wildcards and back', () => {
    const oxm: Match = [
      { field: 'in_port', value: 3 },
      { field: 'eth_dst', value: '00:00:00:00:00:02' },
      { field: 'eth_src', value: '00:00:00:00:00:01' },
      { field: 'eth_type', value: 0x0800 },
      { field: 'ip_proto', value: 6 },
      { field: 'ipv4_src', value: '10.0.0.0', mask: '255.0.0.0' },
      { field: 'ipv4_dst', value: '10.0.0.2' },
      { field: 'tcp_dst', value: 80 },
    ];
    const m = oxmToMatch10(oxm);
    expect(m.inPort).toBe(3);
    expect(m.wildcards & OFPFW10.IN_PORT).toBe(0);
    expect(m.wildcards & OFPFW10.TP_SRC).toBe(OFPFW10.TP_SRC);
    expect(m).toEqual(match10({ inPort: 3, dlDst: '00:00:00:00:00:02', dlSrc: '00:00:00:00:00:01', dlType: 0x800, nwProto: 6, nwSrc: '10.0.0.0/8', nwDst: '10.0.0.2', tpDst: 80 }));
    expect(match10ToOxm(m)).toEqual(oxm);
  });

  it('maps ARP fields onto nw_src/nw_dst/nw_proto and back', () => {
    const oxm: Match = [
      { field: 'eth_type', value: 0x0806 },
      { field: 'arp_op', value: 1 },
      { field: 'arp_tpa', value: '10.0.0.9' },
    ];
    expect(match10ToOxm(oxmToMatch10(oxm))).toEqual(oxm);
  });

  it('names the field 1.0 cannot express', () => {
    expect(() => oxmToMatch10([{ field: 'ipv6_src', value: '::1' }])).toThrow(/ipv6_src has no OpenFlow 1.0 equivalent/);
    expect(() => oxmToMatch10([{ field: 'ipv4_src', value: '10.0.0.1', mask: '255.0.255.0' }])).toThrow(/by prefix/);
    expect(() => actionsTo10([{ type: 'group', groupId: 1 }])).toThrow(/group has no OpenFlow 1.0 equivalent/);
  });

  it('translates actions both ways', () => {
    const a10 = actionsTo10([
      { type: 'set_field', field: { field: 'eth_dst', value: '00:00:00:00:00:09' } },
      { type: 'pop_vlan' },
      { type: 'set_queue', queueId: 2 },
      { type: 'output', port: 4 },
      { type: 'output', port: 0xfffffffd, maxLen: 128 },
    ]);
    expect(a10).toEqual([
      { type: 'set_dl_dst', dlAddr: '00:00:00:00:00:09' },
      { type: 'strip_vlan' },
      { type: 'enqueue', port: 4, queueId: 2 },
      { type: 'enqueue', port: 0xfffd, queueId: 2 },
    ]);
    expect(actionsFrom10([{ type: 'output', port: 0xfffb, maxLen: 0xffff }])).toEqual([{ type: 'output', port: 0xfffffffb, maxLen: 0xffff }]);
  });

  it('keeps the translation of a frozen list of frozen output actions (outputTo\'s shared lists), and of no other', () => {
    const shared = outputTo(3);
    expect(outputTo(3)).toBe(shared);
    expect(Object.isFrozen(shared) && Object.isFrozen(shared[0])).toBe(true);
    const t = actionsTo10(shared);
    expect(t).toEqual([{ type: 'output', port: 3, maxLen: 0xffff }]);
    expect(actionsTo10(shared)).toBe(t);
    expect(Object.isFrozen(t)).toBe(true);
    expect(actionsTo10(FLOOD_ACTIONS)).toEqual([{ type: 'output', port: 0xfffb, maxLen: 0xffff }]);
    // A list that may change is translated every time, as it is then.
    const open: Action[] = [{ type: 'output', port: 5 }];
    const first = actionsTo10(open);
    open[0] = { type: 'output', port: 6 };
    expect(actionsTo10(open)).not.toBe(first);
    expect(actionsTo10(open)).toEqual([{ type: 'output', port: 6, maxLen: 0xffff }]);
    // So is a frozen list whose action may change.
    const action = { type: 'output' as const, port: 7 };
    const shallow = Object.freeze([action]);
    expect(actionsTo10(shallow)).toEqual([{ type: 'output', port: 7, maxLen: 0xffff }]);
    action.port = 8;
    expect(actionsTo10(shallow)).toEqual([{ type: 'output', port: 8, maxLen: 0xffff }]);
    // And a frozen list of other actions (a set_field's value, an experimenter's data may change).
    const field = { field: 'eth_dst' as const, value: '00:00:00:00:00:01' };
    const setField = Object.freeze([Object.freeze({ type: 'set_field' as const, field })]);
    expect(actionsTo10(setField)).toEqual([{ type: 'set_dl_dst', dlAddr: '00:00:00:00:00:01' }]);
    field.value = '00:00:00:00:00:02';
    expect(actionsTo10(setField)).toEqual([{ type: 'set_dl_dst', dlAddr: '00:00:00:00:00:02' }]);
    // Ports past the shared range get a list of their own.
    expect(outputTo(70_000)).not.toBe(outputTo(70_000));
    expect(outputTo(70_000)).toEqual([{ type: 'output', port: 70_000 }]);
  });

  it('makes one shared action list for a frozen port list (a flood list), of outputTo\'s actions, whose 1.0 translation is kept; a fresh one for any other', () => {
    const ports = Object.freeze([1, 3, 5000]);
    const shared = outputActions(ports);
    expect(shared).toEqual([
      { type: 'output', port: 1 },
      { type: 'output', port: 3 },
      { type: 'output', port: 5000 },
    ]);
    expect(outputActions(ports)).toBe(shared);
    expect(Object.isFrozen(shared) && shared.every((a) => Object.isFrozen(a))).toBe(true);
    expect(shared[1]).toBe(outputTo(3)[0]); // the same objects (and shape) as a forward's
    expect(actionsTo10(shared)).toBe(actionsTo10(shared));
    // A port list that may change gets a list of its own each time.
    const open = [1, 3];
    const first = outputActions(open);
    expect(outputActions(open)).not.toBe(first);
    open.push(4);
    expect(outputActions(open)).toHaveLength(3);
    expect(Object.isFrozen(first)).toBe(false);
  });
});
