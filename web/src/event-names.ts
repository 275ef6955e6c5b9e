/**
 * Every event name the stream knows (the `hello` message lists them too), without DOM code so
 * tests can import it. A copy of the API's `EVENT_NAMES` (src/api/websocket.ts), since the
 * bundle imports nothing from src/: test/unit/web-event-names.test.ts keeps the two equal.
 */
export const EVENT_TYPES = [
  'switchConnected',
  'switchDisconnected',
  'portAdded',
  'portModified',
  'portRemoved',
  'packetIn',
  'flowRemoved',
  'errorReceived',
  'linkAdded',
  'linkRemoved',
  'hostAdded',
  'hostMoved',
  'hostUpdated',
  'hostRemoved',
  'topologyChanged',
  'clusterChanged',
] as const;
