/**
 * The console lab tests' common start: `signalbox start`'s runtime in this process, a Mininet tree
 * on userspace Open vSwitch with every link discovered and every host seen after a pingall, and a
 * headless Chromium page watched for errors on the controller's origin; `stop()` ends them all.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import { defaultConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { startSignalbox, type Running } from '../../src/runtime.js';
import { launchChromium, watchPage, type PageProblems } from './chromium.js';
import { startLab, waitFor, type Lab } from './mininet.js';

/** A running console lab (see {@link startConsoleLab}). */
export interface ConsoleLab {
  readonly running: Running;
  /** The controller's origin, `http://127.0.0.1:PORT`: the console's and the API's. */
  readonly origin: string;
  readonly lab: Lab;
  readonly browser: Browser;
  /** A blank page (not navigated yet), watched from its first request. */
  readonly page: Page;
  readonly problems: PageProblems;
  /** Closes the browser, stops the network and the controller, removes the data directory. */
  stop(): Promise<void>;
}

/** Options of {@link startConsoleLab}. */
export interface ConsoleLabOptions {
  /** Mininet's tree,depth,fanout. */
  readonly depth: number;
  readonly fanout: number;
  readonly viewport: { readonly width: number; readonly height: number };
}

/**
 * Starts the controller, a Mininet tree with it as the controller, waits until every link is
 * discovered (both directions), pings all pairs without loss and waits until every host is known,
 * then opens a Chromium page. What it started so far is stopped when a step fails.
 */
export async function startConsoleLab(opts: ConsoleLabOptions): Promise<ConsoleLab> {
  const dir = mkdtempSync(join(tmpdir(), 'sbx-console-lab-'));
  const parts: { running?: Running; lab?: Lab; browser?: Browser } = {};
  const stop = async (): Promise<void> => {
    await parts.browser?.close();
    await parts.lab?.stop();
    await parts.running?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const running = (parts.running = await startSignalbox(
      { ...defaultConfig, dataDir: dir, openflow: { ...defaultConfig.openflow, listen: ['127.0.0.1:0'] }, api: { ...defaultConfig.api, listen: '127.0.0.1:0' } },
      silentLogger,
    ));
    const lab = (parts.lab = await startLab({ kind: 'tree', depth: opts.depth, fanout: opts.fanout }, { controllerPort: running.openflow[0]!.port, waitConnectedMs: 30_000 }));
    const topo = running.controller.topology!;
    const switches = Array.from({ length: opts.depth }, (_, k) => opts.fanout ** k).reduce((a, b) => a + b, 0);
    const directedLinks = 2 * (switches - 1);
    const hosts = opts.fanout ** opts.depth;
    // Discovery took over 20 s twice on the shared 2-core machine.
    await waitFor(async () => topo.snapshot().links.length === directedLinks, 45_000, 100).catch((e: Error) => {
      throw new Error(`${e.message}: ${topo.snapshot().links.length} of ${directedLinks} directed links, ${running.controller.datapaths.size} switches`);
    });
    expect((await lab.pingAll({ count: 1, timeoutSec: 2 })).loss).toBe(0);
    await waitFor(async () => topo.snapshot().hosts.length === hosts, 10_000, 100);
    const browser = (parts.browser = await launchChromium());
    const page = await browser.newPage({ viewport: opts.viewport });
    const origin = running.api.address;
    return { running, origin, lab, browser, page, problems: watchPage(page, origin), stop };
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
}
