/**
 * The console's event names have one source, the API's: the web bundle may import nothing from
 * src/ (docs/architecture.md), so its copy in web/src/events.ts is checked here against the names
 * the WebSocket serves (src/api/websocket.ts, built from src/core/events.ts).
 */
import { describe, expect, it } from 'vitest';
import { EVENT_NAMES } from '../../src/api/websocket.js';
import { EVENT_TYPES } from '../../web/src/event-names.js';
import { CLUSTER_STREAM_TYPES } from '../../web/src/cluster-model.js';
import { TOPOLOGY_STREAM_TYPES } from '../../web/src/topology-model.js';

describe('console event names', () => {
  it('are the names the event stream serves, in its order', () => {
    expect([...EVENT_TYPES]).toEqual([...EVENT_NAMES]);
  });

  it('the topology store asks only for names the stream knows', () => {
    for (const t of TOPOLOGY_STREAM_TYPES) expect(EVENT_NAMES).toContain(t);
  });

  it('the cluster views re-read on names the stream knows, clusterChanged among them', () => {
    for (const t of CLUSTER_STREAM_TYPES) expect(EVENT_NAMES).toContain(t);
    expect(CLUSTER_STREAM_TYPES).toContain('clusterChanged');
  });
});
