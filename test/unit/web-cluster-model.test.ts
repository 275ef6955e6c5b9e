/**
 * The console's cluster model, pure: a `GET /api/v1/cluster` answer (a fixture in the API's
 * ClusterStatus shape, src/cluster/service.ts) gives each switch its master's colour and the legend;
 * a standalone answer colours nothing.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterStatus } from '../../src/cluster/service.js';
import { INSTANCE_COLORS, masterColours, NO_MASTER_COLOR, type ClusterJson } from '../../web/src/cluster-model.js';
import recorded from '../fixtures/console/cluster-status.json' with { type: 'json' };

// The fixture is what the API answers in cluster mode (ClusterStatus).
const status: ClusterStatus = recorded as ClusterStatus;
const d = (n: number): string => n.toString(16).padStart(16, '0');

describe('master colours', () => {
  it('give each instance a colour (in id order) and each switch its master’s', () => {
    const c = masterColours(status as ClusterJson)!;
    expect(c.byDpid.get(d(1))).toBe(INSTANCE_COLORS[0]);
    expect(c.byDpid.get(d(2))).toBe(INSTANCE_COLORS[0]);
    expect(c.byDpid.get(d(3))).toBe(INSTANCE_COLORS[1]);
    expect(c.legend).toEqual([
      { instanceId: 'sbx-a', color: INSTANCE_COLORS[0], switches: 2 },
      { instanceId: 'sbx-b', color: INSTANCE_COLORS[1], switches: 1 },
    ]);
  });

  it('mark a switch nobody masters (failover) and keep instances that master nothing in the legend', () => {
    const c = masterColours({
      ...(status as Extract<ClusterJson, { mode: 'cluster' }>),
      members: [...status.members, { instanceId: 'sbx-0', self: false, health: 'healthy', masterOf: [], connected: [] }],
      switches: [{ dpid: d(1), master: null, generationId: null }, ...status.switches.slice(1)],
    })!;
    expect(c.byDpid.get(d(1))).toBe(NO_MASTER_COLOR);
    expect(c.legend.map((l) => `${l.instanceId}=${l.switches}`)).toEqual(['sbx-0=0', 'sbx-a=1', 'sbx-b=1', 'no master=1']);
  });

  it('colour nothing for a standalone controller', () => {
    expect(masterColours({ mode: 'standalone', instanceId: 'standalone', since: '2026-12-06T06:00:00.000Z', members: [{ instanceId: 'standalone', self: true, role: 'master' }], switches: 3 })).toBeUndefined();
    expect(masterColours(undefined)).toBeUndefined();
  });
});
