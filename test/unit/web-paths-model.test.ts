/** The paths view's data, pure: endpoints typed in the form → API queries, a path → what it lights up, a trace's flows and outputs as text. */
import { describe, expect, it } from 'vitest';
import type { HostJson } from '../../web/src/api.js';
import { actionText, endpointQuery, instructionsText, matchText, nextText, pathLights, type PathsJson } from '../../web/src/paths-model.js';
import { applySnapshot, emptyChanges, emptyModel } from '../../web/src/topology-model.js';

const d = (n: number): string => n.toString(16).padStart(16, '0');
const h1: HostJson = { id: '00:00:00:00:00:01', mac: '00:00:00:00:00:01', ipv4: ['10.0.0.1'], ipv6: [], location: { dpid: d(2), port: 1 } };
const h3: HostJson = { id: '00:00:00:00:00:03', mac: '00:00:00:00:00:03', ipv4: ['10.0.0.3'], ipv6: [], location: { dpid: d(3), port: 1 } };

function model() {
  const m = emptyModel();
  applySnapshot(
    m,
    {
      switches: [
        { dpid: d(1), name: 's1', ports: [1, 2, 3], connected: true },
        { dpid: d(2), name: 's2', ports: [1, 2, 3], connected: true },
        { dpid: d(3), name: 's3', ports: [1, 2, 3], connected: true },
      ],
      links: [],
      hosts: [h1, h3],
    },
    emptyChanges(),
  );
  return m;
}

describe('paths view model', () => {
  it('sends a switch as its dpid, a host as its MAC, anything else as typed', () => {
    const m = model();
    expect(endpointQuery(m, 's2')).toEqual({ query: d(2) });
    expect(endpointQuery(m, '3')).toEqual({ query: d(3) });
    expect(endpointQuery(m, '10.0.0.3')).toEqual({ query: h3.mac, host: h3 });
    expect(endpointQuery(m, '00-00-00-00-00-01')).toEqual({ query: h1.mac, host: h1 });
    expect(endpointQuery(m, ' nowhere ')).toEqual({ query: 'nowhere' });
    // A MAC is a host's even when its digits would name switch 3.
    expect(endpointQuery(m, '00:00:00:00:00:03')).toEqual({ query: h3.mac, host: h3 });
    expect(endpointQuery(m, '00:00:00:00:00:09')).toEqual({ query: '00:00:00:00:00:09' });
  });

  it('lights the path’s switches and link pairs (one key per pair, whatever the direction) and the named hosts', () => {
    const answer: PathsJson = {
      src: { host: h1 },
      dst: { dpid: d(3) },
      paths: [
        {
          src: d(2),
          dst: d(3),
          cost: 2,
          hops: [d(2), d(1), d(3)],
          links: [
            { src: { dpid: d(2), port: 3 }, dst: { dpid: d(1), port: 2 } },
            { src: { dpid: d(1), port: 3 }, dst: { dpid: d(3), port: 3 } },
          ],
        },
      ],
    };
    const l = pathLights(answer, answer.paths[0]);
    expect([...l.switches]).toEqual([d(2), d(1), d(3)]);
    expect([...l.hosts]).toEqual([h1.id]);
    expect([...l.pairs]).toEqual([`${d(1)}:2|${d(2)}:3`, `${d(1)}:3|${d(3)}:3`]);
    expect(pathLights(answer, undefined).switches.size).toBe(0);
  });

  it('writes flows, actions and outputs short', () => {
    expect(matchText([])).toBe('any');
    expect(matchText([{ field: 'eth_dst', value: '00:00:00:00:00:03' }, { field: 'eth_type', value: 2048 }, { field: 'ipv4_dst', value: '10.0.0.0', mask: '255.0.0.0' }])).toBe(
      'eth_dst=00:00:00:00:00:03, eth_type=2048, ipv4_dst=10.0.0.0/255.0.0.0',
    );
    expect(actionText({ type: 'output', port: 2, stage: 'apply_actions', tableId: 0, maxLen: 65535 })).toBe('output port=2');
    expect(instructionsText([{ type: 'apply_actions', actions: [{ type: 'output', port: 2 }] }, { type: 'goto_table', tableId: 1 }])).toBe('apply(output port=2); goto 1');
    expect(instructionsText([])).toBe('drop (no instructions)');
    const name = (x: string): string => (x === d(1) ? 's1' : x);
    expect(nextText({ dpid: d(1), inPort: 2 }, name)).toBe('s1 port 2');
    expect(nextText({ host: '00:00:00:00:00:03' }, name)).toBe('host 00:00:00:00:00:03');
    expect(nextText({ host: null }, name)).toBe('edge port (no known host)');
    expect(nextText('drop', name)).toBe('drop');
  });
});
