/** The app framework: App and AppContext types, the manager, the registry and the services apps get. */
export * from '../core/services.js';
export * from '../core/app.js';
export * from './config.js';
export * from './schema.js';
export * from './store.js';
export * from './metrics.js';
export * from '../openflow/packet-out.js';
export * from './effects.js';
export * from './manager.js';
export * from './registry.js';
export { l2LearningApp, l2LearningSchema, L2Learning, defaultL2LearningConfig, type L2LearningConfig, type L2Decision } from './l2-learning/index.js';
