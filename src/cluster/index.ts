/** Cluster mode: etcd membership and leases, switch mastership with OpenFlow roles, shared store and topology. */
export * from './config.js';
export * from './assignment.js';
export * from './health.js';
export * from './etcd-store.js';
export * from './etcd-errors.js';
export * from './topology-view.js';
export * from './service.js';
