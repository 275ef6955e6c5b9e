/**
 * The whole running product: the store, the controller (OpenFlow, topology, flows, apps) and
 * the northbound API, started and stopped in the right order. `signalbox start` and the lab's
 * in-process controller use it; tests that need only the southbound use Controller directly.
 */
import type { Logger } from 'pino';
import { aclResource, staticFlowsResource } from './api/app-resources.js';
import { startApi, type RunningApi } from './api/index.js';
import type { Config } from './config.js';
import { Controller } from './controller.js';
import { OWNER_COOKIE_MASK, ownerCookie } from './flows/cookie.js';
import type { BoundListener } from './openflow/server.js';
import { loadOrCreateStoredSecret, openStore, type Store } from './store/index.js';

/** A started Signalbox. */
export interface Running {
  readonly controller: Controller;
  readonly store: Store;
  readonly api: RunningApi;
  readonly openflow: readonly BoundListener[];
  /** Stops the API, the controller (flows stay on the switches) and the store, in that order. */
  stop(): Promise<void>;
}

/**
 * Opens the store (a locked or corrupt store is a StoreError naming the path: nothing is reset),
 * loads the shared LLDP secret from it, starts the controller and then the API.
 */
export async function startSignalbox(config: Config, log: Logger): Promise<Running> {
  const store = await openStore(config.dataDir);
  let controller: Controller | undefined;
  try {
    const secret = await loadOrCreateStoredSecret(store, 'lldp');
    controller = new Controller(config, log, { secret, store });
    const { openflow } = await controller.start();
    const c = controller;
    let ready = false;
    const api = await startApi({
      config,
      log: log.child({ component: 'api' }),
      context: {
        bus: c.bus,
        datapaths: c.datapaths,
        ...(c.topology ? { topology: c.topology } : {}),
        ...(c.apps ? { apps: c.apps, staticFlows: staticFlowsResource(c.apps), aclRules: aclResource(c.apps) } : {}),
        store,
        ready: () => ready,
        ownerCookie: (owner) => ({ cookie: ownerCookie(c.flows!.ownerId(owner)), mask: OWNER_COOKIE_MASK }),
      },
    });
    ready = true;
    return {
      controller: c,
      store,
      api,
      openflow,
      stop: async () => {
        await api.close();
        await c.stop();
        await store.close();
      },
    };
  } catch (e) {
    await controller?.stop().catch(() => undefined);
    await store.close().catch(() => undefined);
    throw e;
  }
}
