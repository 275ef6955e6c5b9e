/** Settings of the app framework: the type and defaults live in src/config.ts with every other default. */
import { defaultConfig, type AppsConfig } from '../config.js';

export type { AppsConfig };

/** Defaults: the learning switch alone, no external modules. */
export const defaultAppsConfig: AppsConfig = defaultConfig.apps;
