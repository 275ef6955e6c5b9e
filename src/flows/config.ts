/** Settings of the flow rule service: the types and defaults live in src/config.ts with every other default. */
import { defaultConfig, type FlowsConfig } from '../config.js';

export type { FlowsConfig, ForeignFlowPolicy, StaleReactivePolicy } from '../config.js';

/** Defaults of the flow rule service. */
export const defaultFlowsConfig: FlowsConfig = defaultConfig.flows;
