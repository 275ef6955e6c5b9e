/** The topology layer: LLDP link discovery, host tracking, the graph, paths and the broadcast tree. */
export * from './types.js';
export * from './secret.js';
export * from './probe.js';
export * from './lldp-flow.js';
export * from './discovery.js';
export * from './hosts.js';
export * from './graph.js';
export * from './paths.js';
export * from './tree.js';
export * from './snapshot.js';
export * from './service.js';
export * from './app-topology.js';
