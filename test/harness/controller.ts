/** A Signalbox controller for lab tests: the product's own wiring (topology, flows, apps) on a loopback port of its own. */
import { afterEach } from 'vitest';
import type { AppDefinition } from '../../src/core/app.js';
import type { AppManager } from '../../src/apps/manager.js';
import { defaultConfig, type AppsConfig } from '../../src/config.js';
import { Controller } from '../../src/controller.js';

/** A started controller, its OpenFlow port and its app manager. */
export interface LabController {
  readonly ctrl: Controller;
  readonly port: number;
  readonly apps: AppManager;
}

/**
 * Starts a controller running the `enabled` apps (built-ins by name; `apps` adds or replaces
 * definitions, e.g. an app object the test wants to read), with per-app `settings`.
 */
export async function startLabController(enabled: readonly string[], opts: { apps?: readonly AppDefinition[]; settings?: AppsConfig['settings'] } = {}): Promise<LabController> {
  const ctrl = new Controller(
    {
      ...defaultConfig,
      apps: { ...defaultConfig.apps, enabled: [...enabled], settings: opts.settings ?? {} },
      openflow: { ...defaultConfig.openflow, listen: ['127.0.0.1:0'] },
    },
    undefined,
    opts.apps ? { apps: opts.apps } : {},
  );
  const port = (await ctrl.start()).openflow[0]!.port;
  return { ctrl, port, apps: ctrl.apps! };
}

/** Anything a lab test starts and must stop: a Controller, a Lab. */
export interface Stoppable {
  stop(): Promise<unknown>;
}

/**
 * The lab tests' one teardown: registers an afterEach that stops everything handed to the
 * returned function during the test, last started first (so the switches go before their
 * controller), even when the test failed half way. Returns its argument, for `x = stopAfter(await start())`.
 */
export function stopAfterEach(): <T extends Stoppable>(thing: T) => T {
  const started: Stoppable[] = [];
  afterEach(async () => {
    for (const thing of started.splice(0).reverse()) await thing.stop();
  });
  return (thing) => {
    started.push(thing);
    return thing;
  };
}
