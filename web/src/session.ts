/** What every view is given: the API client, the token's scope, the live topology and the event stream. */
import { Api } from './api.js';
import { CLUSTER_STREAM_TYPES } from './cluster-model.js';
import { EventStream } from './events.js';
import { TOPOLOGY_STREAM_TYPES, TopologyStore } from './topology-store.js';

export interface Session {
  readonly api: Api;
  /** `admin` may write; `read` sees everything and is offered no write control. */
  readonly scope: 'read' | 'admin';
  /** The token, for streams a view opens itself (undefined without tokens). */
  readonly token: () => string | undefined;
  readonly topology: TopologyStore;
  /** The session's stream: the topology's events (switches, links, hosts) and `clusterChanged`. */
  readonly stream: EventStream;
  close(): void;
}

/** Opens the session's stream and starts loading the topology. */
export function openSession(api: Api, scope: 'read' | 'admin', token: () => string | undefined): Session {
  const stream = new EventStream(token, [...TOPOLOGY_STREAM_TYPES, ...CLUSTER_STREAM_TYPES]);
  const topology = new TopologyStore(api, stream);
  return { api, scope, token, topology, stream, close: () => stream.close() };
}
