/** Settings of the app framework (src/apps), with their defaults; the lead folds them into config.ts as `apps`. */

/** App framework settings. */
export interface AppsConfig {
  /** Apps to run at start, by name (built-ins and those the modules below provide). */
  readonly enabled: readonly string[];
  /**
   * External app modules: an npm package name, or a path to a file (relative to the working
   * directory) whose default export (or `app` / `apps` export) is an App, a function making one,
   * or a list of those.
   */
  readonly modules: readonly string[];
  /** Per-app settings by app name (checked against the app's schema). */
  readonly settings: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** An app failing this many times within `failureWindowMs` is stopped and its flows removed. */
  readonly maxFailures: number;
  readonly failureWindowMs: number;
}

/** Defaults: the learning switch alone, no external modules. */
export const defaultAppsConfig: AppsConfig = {
  enabled: ['l2-learning'],
  modules: [],
  settings: {},
  maxFailures: 5,
  failureWindowMs: 60_000,
};
