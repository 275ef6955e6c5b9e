/**
 * The web console at scale, in headless Chromium: the real runtime (store, controller, API) with a
 * 1,000-switch grid of emulated switches in a child process (bench/grid-swarm.ts; links discovered
 * by LLDP) and 10,000 hosts. Measures the
 * topology view's first complete render after navigation, how long a link that goes down takes to
 * show down after the controller's event, and the page's longest main-thread task while 100
 * events a second arrive. `npm run bench -- console` (needs Debian's chromium, as the tests do).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LinkInfo } from '../src/core/model.js';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../test/harness/chromium.js';
import { waitFor } from '../test/harness/exec.js';
import { GRID_HOSTS_PER_SWITCH, GRID_ROWS, startGridWorld } from './grid-world.js';
import { gridDpid } from './topology.js';
import type { BenchSuite, Row } from './harness.js';

const SUITE = 'console';
const EVENTS_PER_SEC = 100;
const EVENT_SECONDS = 10;
const LINKS_CUT = 5;

const root = fileURLToPath(new URL('../../', import.meta.url));

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? NaN;

const VIEW = `document.querySelector('.view.topology')`;
/** Fresh page loads measured for the first render (`SIGNALBOX_CONSOLE_RENDERS`, default 3). */
const RENDERS = Math.max(1, Number(process.env.SIGNALBOX_CONSOLE_RENDERS) || 3);
/** The load (0-based) that `SIGNALBOX_CONSOLE_PROFILE`, `_TRACE` and `_SHOT` record (`SIGNALBOX_CONSOLE_PROFILE_LOAD`, 1-based, default 1). */
const PROFILED_LOAD = Math.min(RENDERS, Math.max(1, Number(process.env.SIGNALBOX_CONSOLE_PROFILE_LOAD) || 1)) - 1;
/**
 * `SIGNALBOX_CONSOLE_AB=DIR,DIR,...`: built consoles (copies of dist/web) whose first render is
 * measured in turn, load after load (A B A B ...), against the same controller and switches, so
 * two versions of the page compare on the same machine minutes at once. Each variant's page and
 * assets come from its directory through the browser's request routing; the API from the
 * controller. Unset: the console the controller serves, as a user gets it.
 */
const VARIANTS = (process.env.SIGNALBOX_CONSOLE_AB ?? '').split(',').filter(Boolean);
/** How long the steady network is watched with no page open. */
const REST_MS = 5_000;
const kb = (n: number): string => `${Math.round(n / 1024).toLocaleString('en-US')} KB`;

/**
 * GET /api/v1/topology as the page asks for it: the first request after the last change, then
 * the median of a few more, the body's size plain and gzipped (asked with accept-encoding).
 */
async function measureTopologyRequest(base: string): Promise<{ firstMs: number; ms: number; runs: number; bytes: number; gzipBytes: number; gzipMs: number }> {
  const get = async (encoding: string): Promise<{ ms: number; bytes: number }> => {
    const t = performance.now();
    const res = await fetch(`${base}/api/v1/topology`, { headers: { 'accept-encoding': encoding } });
    const body = Buffer.from(await res.arrayBuffer());
    const ms = performance.now() - t;
    if (!res.ok) throw new Error(`GET /api/v1/topology: HTTP ${res.status}`);
    // fetch inflates a gzipped body: the bytes sent are the content-length (absent: not compressed).
    return { ms, bytes: Number(res.headers.get('content-length') ?? body.length) };
  };
  const first = await get('identity');
  const times: number[] = [];
  for (let i = 0; i < 5; i++) times.push((await get('identity')).ms);
  const gz = await get('gzip');
  return { firstMs: first.ms, ms: median(times), runs: times.length, bytes: first.bytes, gzipBytes: gz.bytes, gzipMs: gz.ms };
}

/** Clock ticks a second in /proc/PID/stat's CPU times (USER_HZ, 100 on Linux). */
const TICKS_PER_SEC = 100;

/**
 * CPU ms used so far by this process's Chromium children, by kind (`--type=`: gpu-process,
 * renderer, ...; the browser itself as `browser`), by the emulated switches (`switches`), by this
 * process (`controller`) and by the whole machine (`machine`), from /proc (Linux; only
 * `controller` elsewhere). The CPU a page load costs, unlike its wall time, hardly depends on what
 * else the machine runs; the machine's share says how much else there was.
 */
function chromiumCpuMs(): Map<string, number> {
  const out = new Map<string, number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return out;
  }
  const procs = new Map<number, { ppid: number; cpuMs: number; cmd: string }>();
  for (const e of entries) {
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      // Fields after the command's closing parenthesis: state ppid ... utime(14th) stime(15th).
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      procs.set(Number(e), { ppid: Number(f[1]), cpuMs: ((Number(f[11]) + Number(f[12])) * 1000) / TICKS_PER_SEC, cmd: readFileSync(`/proc/${e}/cmdline`, 'utf8') });
    } catch {
      // The process ended meanwhile.
    }
  }
  for (const [pid, p] of procs) {
    // The emulated switches (bench/grid-swarm.ts, this process's child).
    if (p.ppid === process.pid && p.cmd.includes('grid-swarm')) out.set('switches', (out.get('switches') ?? 0) + p.cpuMs);
    if (!p.cmd.includes('chromium')) continue;
    let up = p.ppid;
    for (let hops = 0; hops < 8 && up > 1 && up !== process.pid; hops++) up = procs.get(up)?.ppid ?? 0;
    if (up !== process.pid && pid !== process.pid) continue;
    const kind = /--type=([a-z-]+)/.exec(p.cmd)?.[1] ?? 'browser';
    out.set(kind, (out.get(kind) ?? 0) + p.cpuMs);
  }
  // This process: the controller (and the browser's driver); the whole machine's busy time.
  const self = process.cpuUsage();
  out.set('controller', (self.user + self.system) / 1000);
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
    const busy = cpu.slice(0, 8).reduce((a, b) => a + b, 0) - (cpu[3] ?? 0) - (cpu[4] ?? 0);
    out.set('machine', (busy * 1000) / TICKS_PER_SEC);
  } catch {
    // Not Linux.
  }
  return out;
}

/** CPU ms Chromium's GPU process and renderers used between two `chromiumCpuMs` readings. */
export interface PageLoadCpu {
  readonly gpuMs: number;
  readonly rendererMs: number;
  /** This process (the controller, and the driver of the browser). */
  readonly controllerMs: number;
  /** The emulated switches' process. */
  readonly switchesMs: number;
  /** Every process of the machine (its cores' busy time), these and everything else. */
  readonly machineMs: number;
}

function cpuSince(before: Map<string, number>): PageLoadCpu {
  const now = chromiumCpuMs();
  const d = (kind: string): number => Math.max(0, (now.get(kind) ?? 0) - (before.get(kind) ?? 0));
  return { gpuMs: d('gpu-process'), rendererMs: d('renderer'), controllerMs: d('controller'), switchesMs: d('switches'), machineMs: d('machine') };
}

/** Navigates `page` to the console and returns the ms until the topology view shows everything, two frames drawn. */
async function firstRender(page: Page, base: string, want: { switches: number; pairs: number; hosts: number }, files: { profileFile?: string; traceFile?: string; shotFile?: string }, diagnose: (e: Error) => Promise<Error>): Promise<{ ms: number; cpu: PageLoadCpu }> {
  const { profileFile, traceFile, shotFile } = files;
  const cdp = profileFile ? await page.context().newCDPSession(page) : undefined;
  if (cdp) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.start');
  }
  const requests: string[] = [];
  page.on('requestfinished', (r) => {
    const u = new URL(r.url());
    if (!u.pathname.startsWith('/api/')) return;
    const t = r.timing();
    // Playwright's timing: startTime is epoch ms, the rest relative to it.
    requests.push(`${u.pathname} ${Math.round(t.startTime - t0)}→${Math.round(t.startTime + t.responseEnd - t0)} ms`);
  });
  // A Chromium trace covers the GPU process and the compositor too (what the CPU profile misses).
  if (traceFile) await page.context().browser()!.startTracing(page, { path: traceFile, screenshots: true, categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'disabled-by-default-devtools.timeline.frame', 'gpu', 'viz', 'cc', 'blink', 'v8', 'toplevel', 'loading', 'benchmark', 'rail'] });
  const cpuBefore = chromiumCpuMs();
  const t0 = Date.now();
  await page.goto(`${base}/`);
  await page
    .waitForFunction(`(() => { const d = ${VIEW}?.dataset; return !!d && d.switches === '${want.switches}' && d.linksUp === '${want.pairs}' && d.hosts === '${want.hosts}'; })()`, undefined, {
      timeout: 60_000,
      polling: 'raf',
    })
    .catch(async (e: Error) => {
      throw await diagnose(e);
    });
  const renderedAt = (await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(Date.now()))))')) as number;
  const ms = renderedAt - t0;
  const cpu = cpuSince(cpuBefore);
  // What the first complete render shows (taken after the measurement).
  if (shotFile) await page.screenshot({ path: shotFile });
  process.stderr.write(`console bench: first render ${ms} ms (Chromium CPU: GPU process ${Math.round(cpu.gpuMs)} ms, renderer ${Math.round(cpu.rendererMs)} ms; controller ${Math.round(cpu.controllerMs)} ms, switches ${Math.round(cpu.switchesMs)} ms; machine busy ${Math.round(cpu.machineMs)} ms of ${availableParallelism() * ms} on ${availableParallelism()} cores); API requests (start→end after navigation): ${requests.join(', ')}\n`);
  if (traceFile) {
    await page.context().browser()!.stopTracing();
    process.stderr.write(`console bench: trace in ${traceFile} (navigation at epoch ${t0} ms)\n`);
  }
  if (cdp && profileFile) {
    const { profile } = await cdp.send('Profiler.stop');
    writeFileSync(profileFile, JSON.stringify(profile));
    process.stderr.write(`console bench: profile in ${profileFile}\n`);
  }
  return { ms, cpu };
}

/** Serves the console's page and assets from `dir` (a copy of dist/web) to `context`, instead of the controller's. */
async function routeConsole(context: BrowserContext, base: string, dir: string): Promise<void> {
  const types: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.html': 'text/html; charset=utf-8' };
  await context.route((u) => u.origin === new URL(base).origin && (u.pathname === '/' || u.pathname.startsWith('/assets/') || u.pathname === '/favicon.svg'), async (route) => {
    const path = new URL(route.request().url()).pathname;
    const file = join(dir, path === '/' ? 'index.html' : path);
    if (!existsSync(file)) return route.fulfill({ status: 404, body: 'not in this variant' });
    return route.fulfill({ status: 200, body: readFileSync(file), contentType: types[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream' });
  });
}

/** Runs the whole measurement and returns the rows. */
export async function measureConsole(): Promise<Row[]> {
  if (!existsSync(join(root, 'dist/web/manifest.json'))) execFileSync(process.execPath, [join(root, 'scripts/build-web.mjs')], { stdio: 'inherit' });
  const world = await startGridWorld('sbx-console-bench-');
  const { running, switches, directed, hosts, removals, command } = world;
  const topo = running.controller.topology!;
  const browser = await launchChromium().catch(async (e: unknown) => {
    await world.stop();
    throw e;
  });
  try {
    const pairs = directed / 2;

    // The probes below are script text, which the console's CSP (no eval) would refuse. A fresh
    // context per page load: nothing cached from the one before (a first visit).
    const newContext = async (): Promise<BrowserContext> => {
      const c = await browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
      // In-page probes as script text: the benchmark compiles without the DOM's types.
      await c.addInitScript(`
        window.__longTasks = [];
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
        }).observe({ type: 'longtask', buffered: true });
      `);
      return c;
    };
    // 0. The snapshot the page loads, as the server answers it (plain and gzipped).
    const api = await measureTopologyRequest(running.api.address);
    // The steady network with no page open: what the controller (LLDP of every port, host
    // tracking) and the emulated switches cost the machine that the browser shares.
    const restBefore = chromiumCpuMs();
    const restStart = performance.now();
    await new Promise((r) => setTimeout(r, REST_MS));
    const restSec = (performance.now() - restStart) / 1000;
    const rest = cpuSince(restBefore);
    const restNote = `controller ${Math.round(rest.controllerMs / restSec)} ms CPU a second, emulated switches ${Math.round(rest.switchesMs / restSec)} ms, the whole machine ${Math.round(rest.machineMs / restSec)} ms of ${availableParallelism() * 1000}`;
    process.stderr.write(`console bench: at rest over ${restSec.toFixed(1)} s: ${restNote}\n`);
    const restRow: Row = { suite: SUITE, case: `steady network, no page open`, opsPerSec: 0, nsPerOp: 0, note: restNote };

    // 1. First complete render: every switch, link pair and host counted, then two frames drawn.
    // Measured RENDERS times on fresh pages (the median is the figure; a loaded machine scatters).
    // SIGNALBOX_CONSOLE_PROFILE=FILE writes the page's CPU profile of the first one (open it in Chrome's DevTools;
    // SIGNALBOX_CONSOLE_PROFILE_LOAD=N picks the Nth load instead, e.g. a warm one, for all three files),
    // SIGNALBOX_CONSOLE_TRACE=FILE its Chromium trace (renderer, GPU process, compositor; chrome://tracing or Perfetto),
    // SIGNALBOX_CONSOLE_SHOT=FILE a screenshot (PNG) of the page once it has rendered.
    const renders: number[] = [];
    const cpus: PageLoadCpu[] = [];
    const byVariant = VARIANTS.map(() => ({ ms: [] as number[], cpu: [] as PageLoadCpu[] }));
    let context: BrowserContext | undefined;
    let page: Page | undefined;
    for (let r = 0; r < RENDERS; r++) {
      for (let v = 0; v < Math.max(1, VARIANTS.length); v++) {
        await context?.close();
        context = await newContext();
        if (VARIANTS[v] !== undefined) {
          await routeConsole(context, running.api.address, VARIANTS[v]!);
          process.stderr.write(`console bench: variant ${v} (${VARIANTS[v]!})\n`);
        }
        page = await context.newPage();
        const files = r === PROFILED_LOAD && v === 0 ? { profileFile: process.env.SIGNALBOX_CONSOLE_PROFILE, traceFile: process.env.SIGNALBOX_CONSOLE_TRACE, shotFile: process.env.SIGNALBOX_CONSOLE_SHOT } : {};
        const load = await firstRender(page, running.api.address, { switches, pairs, hosts }, files, async (e) => {
          const shown = await page!.evaluate(`JSON.stringify(${VIEW}?.dataset ?? null)`);
          return new Error(`${e.message}; the view shows ${String(shown)}, expected ${switches} switches, ${pairs} links up, ${hosts} hosts; the controller has ${topo.snapshot().links.length} links, removed so far ${JSON.stringify([...removals])}`);
        });
        renders.push(load.ms);
        cpus.push(load.cpu);
        byVariant[v]?.ms.push(load.ms);
        byVariant[v]?.cpu.push(load.cpu);
      }
    }
    // The variants' own rows: each one's loads, median and Chromium CPU.
    const variantRows: Row[] = VARIANTS.map((dir, v) => {
      const { ms, cpu } = byVariant[v]!;
      const m = median(ms);
      return {
        suite: SUITE,
        case: `first complete render, variant ${v} (${dir})`,
        opsPerSec: 1000 / m,
        nsPerOp: m * 1e6,
        note: `median ${m} ms over ${ms.length} loads (${ms.join(', ')} ms); Chromium CPU a load (median): GPU process ${Math.round(median(cpu.map((c) => c.gpuMs)))} ms, renderer ${Math.round(median(cpu.map((c) => c.rendererMs)))} ms`,
      };
    });
    page = page!;
    context = context!;
    // Variants compare the first render only (their pages come through the browser's routing).
    if (VARIANTS.length > 0) return [restRow, ...variantRows];
    const view = VIEW;
    const firstRenderMs = median(renders);
    const gpuCpuMs = Math.round(median(cpus.map((c) => c.gpuMs)));
    const rendererCpuMs = Math.round(median(cpus.map((c) => c.rendererMs)));

    // 2. Link down → shown down: the controller's linkRemoved time against the page's.
    await page.evaluate(`(() => {
      window.__downAt = [];
      const el = ${view};
      let last = Number(el.dataset.linksDown);
      new MutationObserver(() => {
        const n = Number(el.dataset.linksDown);
        if (n > last) window.__downAt.push(Date.now());
        last = n;
      }).observe(el, { attributes: true, attributeFilter: ['data-links-down'] });
    })()`);
    const removedAt: number[] = [];
    const onRemoved = (e: { link: LinkInfo }): void => {
      if (e.link.srcPort === 4 || e.link.dstPort === 4) removedAt.push(Date.now());
    };
    running.controller.bus.on('linkRemoved', onRemoved);
    const downMs: number[] = [];
    for (let k = 0; k < LINKS_CUT; k++) {
      const dpid = gridDpid(GRID_ROWS, k * 3, k * 5);
      const before = removedAt.length;
      const shownBefore = (await page.evaluate('window.__downAt.length')) as number;
      await command(`down ${dpid} 4`);
      await waitFor(() => removedAt.length > before, { timeoutMs: 10_000, intervalMs: 5, message: 'linkRemoved' });
      await page.waitForFunction(`window.__downAt.length > ${shownBefore}`, undefined, { timeout: 10_000 });
      const shown = (await page.evaluate(`window.__downAt[${shownBefore}]`)) as number;
      downMs.push(shown - removedAt[before]!);
    }
    running.controller.bus.off('linkRemoved', onRemoved);

    // 3. The main thread while 100 host events a second arrive for 10 s.
    const windowStart = (await page.evaluate('performance.now()')) as number;
    const extra = EVENTS_PER_SEC * EVENT_SECONDS;
    const tick = 1000 / EVENTS_PER_SEC;
    const start = Date.now();
    for (let n = 0; n < extra; n++) {
      const sw = (n % switches) + 1;
      await command(`host ${sw} ${GRID_HOSTS_PER_SWITCH + Math.floor(n / switches)}`);
      const due = start + (n + 1) * tick;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    // The page ends showing what the controller learned (a host the learn limits refused is not drawn).
    await waitFor(() => topo.snapshot().hosts.length >= hosts + extra, { timeoutMs: 30_000, intervalMs: 100 }).catch(() => undefined);
    const learned = topo.snapshot().hosts.length;
    await page.waitForFunction(`${view}?.dataset.hosts === '${learned}'`, undefined, { timeout: 30_000 }).catch(async (e: Error) => {
      throw new Error(`${e.message}; the view shows ${String(await page.evaluate(`${view}?.dataset.hosts`))} hosts, the controller has ${learned}`);
    });
    const tasks = (await page.evaluate(`window.__longTasks.filter((t) => t.start >= ${windowStart})`)) as { start: number; duration: number }[];
    const longest = Math.max(0, ...tasks.map((t) => t.duration));
    const over100 = tasks.filter((t) => t.duration > 100).length;
    await context.close();

    const label = `${switches} switches, ${pairs * 2} links, ${hosts.toLocaleString('en-US')} hosts`;
    return [
      restRow,
      ...variantRows,
      {
        suite: SUITE,
        case: `GET /api/v1/topology, ${label}`,
        opsPerSec: 1000 / api.ms,
        nsPerOp: api.ms * 1e6,
        note: `median ${api.ms.toFixed(1)} ms over ${api.runs} requests (first ${api.firstMs.toFixed(1)} ms), ${kb(api.bytes)} (${kb(api.gzipBytes)} gzipped, ${api.gzipMs.toFixed(1)} ms)`,
      },
      {
        suite: SUITE,
        case: `first complete render, ${label}`,
        opsPerSec: 1000 / firstRenderMs,
        nsPerOp: firstRenderMs * 1e6,
        note: `median ${firstRenderMs} ms after navigation over ${renders.length} page loads (${renders.join(', ')} ms; goal ≤ 2000 ms); Chromium CPU a load (median): GPU process ${gpuCpuMs} ms, renderer ${rendererCpuMs} ms; meanwhile the controller ${Math.round(median(cpus.map((c) => c.controllerMs)))} ms, the switches ${Math.round(median(cpus.map((c) => c.switchesMs)))} ms, the machine ${Math.round(median(cpus.map((c) => c.machineMs)))} ms`,
      },
      {
        suite: SUITE,
        case: `link down shown after the controller's event`,
        opsPerSec: 1000 / median(downMs),
        nsPerOp: median(downMs) * 1e6,
        note: `median ${median(downMs)} ms, worst ${Math.max(...downMs)} ms over ${downMs.length} links (goal ≤ 1000 ms)`,
      },
      {
        suite: SUITE,
        case: `main thread, ${EVENTS_PER_SEC} host events/s for ${EVENT_SECONDS} s`,
        opsPerSec: 0,
        nsPerOp: longest * 1e6,
        note: `longest task ${Math.round(longest)} ms, ${over100} over 100 ms (goal: none)`,
      },
    ];
  } finally {
    await browser.close();
    await world.stop();
  }
}

/** The suite for bench/run.ts. */
export const consoleSuite: BenchSuite = { name: SUITE, run: measureConsole };
