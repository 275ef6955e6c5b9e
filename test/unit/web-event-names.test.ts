/**
 * The console's stores ask only for event names the stream serves (src/api/websocket.ts; the
 * console's own list is that same module, src/core/event-names.ts).
 */
import { describe, expect, it } from 'vitest';
import { EVENT_NAMES } from '../../src/api/websocket.js';
import { CLUSTER_STREAM_TYPES } from '../../web/src/cluster-model.js';
import { TOPOLOGY_STREAM_TYPES } from '../../web/src/topology-model.js';

describe('console event names', () => {
  it('the topology store asks only for names the stream knows', () => {
    for (const t of TOPOLOGY_STREAM_TYPES) expect(EVENT_NAMES).toContain(t);
  });

  it('the cluster views re-read on names the stream knows, clusterChanged among them', () => {
    for (const t of CLUSTER_STREAM_TYPES) expect(EVENT_NAMES).toContain(t);
    expect(CLUSTER_STREAM_TYPES).toContain('clusterChanged');
  });
});
