/**
 * The names of the controller's events and of the event stream's messages, written once: pure
 * data that imports nothing, so the server (src/core/events.ts, src/api/websocket.ts) and the web
 * console's bundle (web/src/events.ts) read the same list.
 */

/** Names of the topology events, in the order the API lists them. */
export const TOPOLOGY_EVENT_NAMES = ['linkAdded', 'linkRemoved', 'hostAdded', 'hostMoved', 'hostUpdated', 'hostRemoved', 'topologyChanged'] as const;

/** Names of the switch events, in the order the API lists them. */
export const SWITCH_EVENT_NAMES = [
  'switchConnected',
  'switchDisconnected',
  'portAdded',
  'portModified',
  'portRemoved',
  'packetIn',
  'flowRemoved',
  'errorReceived',
  'mastershipChanged',
] as const;

/** Events of the cluster (its status changed), in cluster mode. */
export const CLUSTER_EVENT_NAMES = ['clusterChanged'] as const;

/** Switch events the stream carries: every one but `mastershipChanged` (the cluster's status says it as `clusterChanged`). */
export const STREAM_SWITCH_EVENT_NAMES = SWITCH_EVENT_NAMES.filter((n): n is Exclude<(typeof SWITCH_EVENT_NAMES)[number], 'mastershipChanged'> => n !== 'mastershipChanged');

/** Every event name a client of `/api/v1/events` may ask for, in the order the stream's hello lists them. */
export const STREAM_EVENT_NAMES: readonly string[] = [...STREAM_SWITCH_EVENT_NAMES, ...TOPOLOGY_EVENT_NAMES, ...CLUSTER_EVENT_NAMES];
