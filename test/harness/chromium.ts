/**
 * Headless Chromium for the console's browser tests: Debian's `chromium` (installed by
 * scripts/install-deps.sh, or SIGNALBOX_CHROMIUM), driven by playwright-core, which downloads no
 * browser. A missing browser fails the test, naming what to install. `watchPage` records what a
 * page must not do: log errors, fail requests, or ask anything of another origin.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/** The browser binary: SIGNALBOX_CHROMIUM, else /usr/bin/chromium; throws when neither exists. */
export function chromiumPath(): string {
  const candidates = [process.env.SIGNALBOX_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`no Chromium found (looked at ${candidates.join(', ')}): install Debian's chromium (scripts/install-deps.sh) or set SIGNALBOX_CHROMIUM`);
  return found;
}

/**
 * Launches headless Chromium with its default graphics settings. The console draws on a 2D canvas
 * and needs no WebGL, so nothing forces GPU compositing through software GL (SwiftShader) the way a
 * WebGL page on a machine without a GPU must: Chromium composites in software, as it would for an
 * operator's browser on such a machine.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // CI runs as root, where Chromium's sandbox cannot start.
    args: ['--no-sandbox'],
  });
}

/** What a page did wrong: console errors, failed or refused requests, requests to another origin. */
export interface PageProblems {
  readonly consoleErrors: string[];
  readonly failedRequests: string[];
  readonly foreignRequests: string[];
}

/** Records a page's problems from now on; `origin` is the controller's (`http://127.0.0.1:PORT`). */
export function watchPage(page: Page, origin: string): PageProblems {
  const p: PageProblems = { consoleErrors: [], failedRequests: [], foreignRequests: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') p.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => p.consoleErrors.push(`uncaught: ${e.message}`));
  page.on('requestfailed', (r) => p.failedRequests.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText ?? 'failed'}`));
  page.on('response', (r) => {
    if (r.status() >= 400) p.failedRequests.push(`${r.request().method()} ${r.url()}: HTTP ${r.status()}`);
  });
  page.on('request', (r) => {
    const u = new URL(r.url());
    const same = `${u.protocol === 'ws:' ? 'http:' : u.protocol === 'wss:' ? 'https:' : u.protocol}//${u.host}` === origin;
    if (!same && u.protocol !== 'data:' && u.protocol !== 'blob:') p.foreignRequests.push(r.url());
  });
  page.on('websocket', (ws) => {
    const u = new URL(ws.url());
    if (`http://${u.host}` !== origin) p.foreignRequests.push(ws.url());
  });
  return p;
}

/** The directory a test writes its screenshots to (`test-output/<name>`, git-ignored), created. */
export function outputDir(name: string): string {
  const dir = join(fileURLToPath(new URL('../../test-output/', import.meta.url)), name);
  mkdirSync(dir, { recursive: true });
  return dir;
}
