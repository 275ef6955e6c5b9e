/** The console's switch view and link-load logic, pure: rates from counter samples, link load and colour, flows as text, the static-flow form's body and error fields. */
import { describe, expect, it } from 'vitest';
import {
  ageText,
  bpsText,
  flowsFor,
  formFieldOf,
  instructionsText,
  linkLoad,
  LoadTracker,
  loadStyle,
  matchText,
  ownersOf,
  parseActionsText,
  parseMatchText,
  portRates,
  RateHistory,
  rateBetween,
  samplesOf,
  staticFlowBody,
  type FlowJson,
  type PortRate,
} from '../../web/src/switch-model.js';

const D1 = '0000000000000001';
const D2 = '0000000000000002';

describe('port rates', () => {
  it('take the switch clock (port duration) when both samples carry it, else the page clock', () => {
    const a = samplesOf([{ portNo: 1, rxBytes: '1000', txBytes: '0', durationSec: 10, durationNsec: 0 }], 100);
    const b = samplesOf([{ portNo: 1, rxBytes: '3000', txBytes: '500', durationSec: 12, durationNsec: 0 }], 105);
    // 2000 bytes in 2 s of the switch's clock (not the 5 s between page reads).
    expect(portRates(a, b).get(1)).toEqual({ rxBps: 8000, txBps: 2000 });
    const c = samplesOf([{ portNo: 1, rxBytes: '1000', txBytes: '0' }], 100);
    const d = samplesOf([{ portNo: 1, rxBytes: '2000', txBytes: '0' }], 104);
    expect(portRates(c, d).get(1)).toEqual({ rxBps: 2000, txBps: 0 });
  });

  it('give no rate when a counter goes back, no time passed, or the switch keeps no byte counter', () => {
    const s = (rx: number, wall: number) => ({ rxBytes: rx, txBytes: 0, durSec: undefined, wallSec: wall });
    expect(rateBetween(s(500, 1), s(100, 2))).toBeUndefined();
    expect(rateBetween(s(100, 2), s(200, 2))).toBeUndefined();
    expect(samplesOf([{ portNo: 1, rxBytes: '18446744073709551615', txBytes: '1' }], 0).size).toBe(0);
  });

  it('keep a bounded history per port and a summed total, with gaps where a port had no rate', () => {
    const h = new RateHistory(3);
    const r = (rx: number, tx: number): PortRate => ({ rxBps: rx, txBps: tx });
    h.push(1, new Map([[1, r(10, 1)]]));
    h.push(2, new Map([[1, r(20, 2)], [2, r(5, 5)]]));
    h.push(3, new Map([[2, r(7, 7)]]));
    h.push(4, new Map([[1, r(40, 4)], [2, r(1, 1)]]));
    expect(h.columns(1)).toEqual([[2, 3, 4], [20, null, 40], [2, null, 4]]);
    expect(h.columns(2)).toEqual([[2, 3, 4], [5, 7, 1], [5, 7, 1]]);
    expect(h.columns(undefined)).toEqual([[2, 3, 4], [25, 7, 41], [7, 7, 5]]);
    expect(h.columns(9)[1]).toEqual([null, null, null]);
    expect(h.latest(1)).toEqual(r(40, 4));
  });
});

describe('link load', () => {
  const pair = { a: { dpid: D1, port: 2 }, b: { dpid: D2, port: 3 } };
  it('is what each end sent, over the slower port, the busier way counting', () => {
    const rates = new Map([
      [D1, new Map([[2, { rxBps: 1e6, txBps: 4e6 }]])],
      [D2, new Map([[3, { rxBps: 4e6, txBps: 1e6 }]])],
    ]);
    const speeds = new Map([
      [D1, new Map([[2, 10_000]])],
      [D2, new Map([[3, 100_000]])],
    ]);
    const l = linkLoad(pair, rates, speeds);
    expect(l).toEqual({ abBps: 4e6, baBps: 1e6, utilisation: 0.4 });
    expect(loadStyle(l)).toMatchObject({ band: '10-50 %' });
    // Only b answered: a→b is what b received.
    expect(linkLoad(pair, new Map([[D2, new Map([[3, { rxBps: 9e6, txBps: 0 }]])]]), speeds)).toEqual({ abBps: 9e6, baBps: 0, utilisation: 0.9 });
    expect(loadStyle(linkLoad(pair, new Map([[D2, new Map([[3, { rxBps: 9e6, txBps: 0 }]])]]), speeds)).band).toBe('≥ 80 %');
  });

  it('has no utilisation without a known speed or without rates, drawn grey', () => {
    expect(linkLoad(pair, new Map(), new Map([[D1, new Map([[2, 10_000]])]])).utilisation).toBeUndefined();
    const l = linkLoad(pair, new Map([[D1, new Map([[2, { rxBps: 0, txBps: 0 }]])]]), new Map());
    expect(l).toEqual({ abBps: 0, baBps: 0, utilisation: undefined });
    expect(loadStyle(l).band).toBe('unknown');
    expect(loadStyle({ abBps: 0, baBps: 0, utilisation: 0 }).band).toBe('< 1 %');
  });

  it('prints bits per second', () => {
    expect([bpsText(undefined), bpsText(0), bpsText(999), bpsText(12_500), bpsText(1.2e9)]).toEqual(['—', '0 b/s', '999 b/s', '12.5 kb/s', '1.20 Gb/s']);
  });
});

describe('flows as text', () => {
  const flow = (owner: string | null, tableId: number, priority: number): FlowJson => ({ tableId, priority, owner, cookie: '0', match: [], instructions: [] });
  it('prints matches with reserved ports by name and eth_type in hex', () => {
    expect(matchText([])).toBe('*');
    expect(matchText([{ field: 'in_port', value: 0xfffffffd }, { field: 'eth_type', value: 0x800 }, { field: 'ipv4_dst', value: '10.0.0.0', mask: '255.255.255.0' }])).toBe('in_port=CONTROLLER, eth_type=0x0800, ipv4_dst=10.0.0.0/255.255.255.0');
  });

  it('prints instructions: apply actions bare, drop when none, the others named', () => {
    expect(instructionsText([])).toBe('drop');
    expect(instructionsText([{ type: 'apply_actions', actions: [] }])).toBe('drop');
    expect(
      instructionsText([
        { type: 'meter', meterId: 1 },
        { type: 'apply_actions', actions: [{ type: 'set_field', field: { field: 'eth_dst', value: '00:00:00:00:00:02' } }, { type: 'output', port: 0xfffffffd, maxLen: 65535 }, { type: 'group', groupId: 4 }] },
        { type: 'goto_table', tableId: 1 },
      ]),
    ).toBe('meter:1; set_field:eth_dst=00:00:00:00:00:02, output:CONTROLLER, group:4; goto_table:1');
  });

  it('prints ages and filters and orders flows by owner, table and priority', () => {
    expect([ageText(5), ageText(65), ageText(7300), ageText(90000)]).toEqual(['5s', '1m 05s', '2h 01m', '1d 01h']);
    const flows = [flow('forwarding', 0, 10), flow(null, 0, 0), flow('system', 0, 65000), flow('forwarding', 1, 20)];
    expect(ownersOf(flows)).toEqual(['(none)', 'forwarding', 'system']);
    expect(flowsFor(flows, '').map((f) => [f.tableId, f.priority])).toEqual([[0, 65000], [0, 10], [0, 0], [1, 20]]);
    expect(flowsFor(flows, 'forwarding').map((f) => f.priority)).toEqual([10, 20]);
    expect(flowsFor(flows, '(none)').map((f) => f.priority)).toEqual([0]);
  });
});

describe('the static-flow form', () => {
  it('turns match and actions text into the API JSON, numbers converted, the rest left for the API to judge', () => {
    expect(parseMatchText('in_port=1, eth_type=0x0800 ipv4_dst=10.0.0.0/24,  ')).toEqual([
      { field: 'in_port', value: 1 },
      { field: 'eth_type', value: 0x800 },
      { field: 'ipv4_dst', value: '10.0.0.0', mask: '255.255.255.0' },
    ]);
    expect(parseMatchText('in_port=controller, arp, eth_dst=aa:bb:cc:dd:ee:ff')).toEqual([{ field: 'in_port', value: 0xfffffffd }, { field: 'arp' }, { field: 'eth_dst', value: 'aa:bb:cc:dd:ee:ff' }]);
    expect(parseActionsText('')).toEqual([]);
    expect(parseActionsText('drop')).toEqual([]);
    expect(parseActionsText('set_field:eth_dst=00:00:00:00:00:01, output:2; output:flood group:7 pop_vlan')).toEqual([
      { type: 'set_field', field: { field: 'eth_dst', value: '00:00:00:00:00:01' } },
      { type: 'output', port: 2 },
      { type: 'output', port: 0xfffffffb },
      { type: 'group', groupId: 7 },
      { type: 'pop_vlan' },
    ]);
    expect(parseActionsText('output:bogus')).toEqual([{ type: 'output', port: 'bogus' }]);
  });

  it('builds the POST body, leaving empty numbers to the API defaults and non-numbers for it to refuse', () => {
    const body = staticFlowBody(D1, { name: ' web ', tableId: '', priority: '70000', match: 'eth_type=0x0806', actions: 'output:1', idleTimeout: 'x', hardTimeout: '' });
    expect(body).toEqual({ name: 'web', dpid: D1, priority: 70000, idleTimeout: 'x', match: [{ field: 'eth_type', value: 0x806 }], actions: [{ type: 'output', port: 1 }] });
  });

  it('maps the API error field to the form input it is about', () => {
    expect(formFieldOf('body.priority')).toBe('priority');
    expect(formFieldOf('body.actions[0].port')).toBe('actions');
    expect(formFieldOf('body.instructions[1].tableId')).toBe('actions');
    expect(formFieldOf('body.match')).toBe('match');
    expect(formFieldOf('body.match[2].value')).toBe('match');
    expect(formFieldOf('body.name')).toBe('name');
    expect(formFieldOf('body.dpid')).toBeUndefined();
    expect(formFieldOf(undefined)).toBeUndefined();
  });
});

describe('the load overlay tracker', () => {
  it('gives each link pair its load from two polls, none on the first, and keeps a switch that missed a poll', () => {
    const t = new LoadTracker();
    const pair = { key: `${D1}:2|${D2}:3`, a: { dpid: D1, port: 2 }, b: { dpid: D2, port: 3 } };
    const poll = (a: number, b: number, sec: number) => [
      { dpid: D1, ports: [{ portNo: 2, rxBytes: '0', txBytes: String(a), durationSec: sec, durationNsec: 0, currSpeed: 1000 }] },
      { dpid: D2, ports: [{ portNo: 3, rxBytes: String(a), txBytes: String(b), durationSec: sec, durationNsec: 0, currSpeed: 1000 }] },
    ];
    expect(t.update(poll(0, 0, 10), 0, [pair]).get(pair.key)).toEqual({ abBps: undefined, baBps: undefined, utilisation: undefined });
    // 1 Mb/s port: 62,500 bytes in 1 s is 500 kb/s a→b, half of it.
    expect(t.update(poll(62_500, 1_250, 11), 1, [pair]).get(pair.key)).toEqual({ abBps: 500_000, baBps: 10_000, utilisation: 0.5 });
    // D2 errs this time: a→b still from D1's tx, b→a from D1's rx.
    const l = t.update([poll(125_000, 0, 12)[0]!, { dpid: D2, error: 'timeout' }], 2, [pair]).get(pair.key)!;
    expect(l).toEqual({ abBps: 500_000, baBps: 0, utilisation: 0.5 });
  });
});
