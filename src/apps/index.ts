/** The app framework: App and AppContext types, the manager, the registry and the services apps get. */
export * from './types.js';
export * from './config.js';
export * from './schema.js';
export * from './store.js';
export * from './metrics.js';
export * from './packets.js';
export * from './effects.js';
export * from './manager.js';
export * from './registry.js';
export * from './topology-view.js';
export { l2LearningApp, l2LearningSchema, L2Learning, defaultL2LearningConfig, type L2LearningConfig, type L2Decision } from './l2-learning/index.js';
