/**
 * A Signalbox controller started inside this process for labs and benchmarks: the Controller
 * with the chosen apps (or the benchmark's built-in responder and no apps), a throwaway LLDP
 * secret (nothing is written to the data directory), and one `stop()`.
 */
import { randomBytes } from 'node:crypto';
import type { AppManager } from '../apps/manager.js';
import { defaultConfig, type Config } from '../config.js';
import { Controller } from '../controller.js';
import { silentLogger, type Logger } from '../log.js';
import { attachResponder } from './responder.js';

/** The benchmark's built-in responder (src/lab/responder.ts) instead of apps. */
export const RESPONDER = 'responder';

/** Options of {@link startInProcess}. */
export interface InProcessOptions {
  /** Port on 127.0.0.1 (0: any free one). */
  readonly port?: number;
  /** App names for the app manager (`l2-learning`, ...), or [RESPONDER]; [] runs none. */
  readonly apps: readonly string[];
  readonly logger?: Logger;
  /** Overrides of the OpenFlow settings (e.g. echoIntervalMs). */
  readonly openflow?: Partial<Config['openflow']>;
}

/** A running in-process controller. */
export interface InProcess {
  readonly controller: Controller;
  readonly apps: AppManager | undefined;
  readonly port: number;
  stop(): Promise<void>;
}

/** Starts the controller and its apps; rejects (after stopping what started) on an unknown app or a taken port. */
export async function startInProcess(o: InProcessOptions): Promise<InProcess> {
  const log = o.logger ?? silentLogger;
  const useResponder = o.apps.includes(RESPONDER);
  if (useResponder && o.apps.length > 1) throw new Error(`${RESPONDER} replaces the apps; it cannot run with ${o.apps.filter((a) => a !== RESPONDER).join(', ')}`);
  const cfg: Config = {
    ...defaultConfig,
    openflow: { ...defaultConfig.openflow, ...o.openflow, listen: [`127.0.0.1:${o.port ?? 0}`] },
    apps: { ...defaultConfig.apps, enabled: useResponder ? [] : o.apps },
  };
  const controller = new Controller(cfg, log, { secret: randomBytes(32) });
  const detach = useResponder ? attachResponder(controller) : undefined;
  try {
    const port = (await controller.start()).openflow[0]!.port;
    return {
      controller,
      apps: controller.apps,
      port,
      stop: async () => {
        detach?.();
        await controller.stop();
      },
    };
  } catch (e) {
    detach?.();
    await controller.stop().catch(() => undefined);
    throw e;
  }
}
