/**
 * Lab scenarios: scripted runs over a Mininet network (pingall, iperf, link flap, host move,
 * controller restart, first-ping flow-setup latency, reroute after a port goes down) that return one row per step.
 */
import type { ForwardingApp } from '../apps/forwarding/index.js';
import type { LabDriver, LabHost, LabLink, RerouteProbe } from './driver.js';
import type { InProcess } from './in-process.js';
import { delay, systemClock } from '../core/clock.js';
import { purgeDatapathFlows } from './ovs.js';

/** Scenario names, as given to `--scenario`. */
export const SCENARIOS = ['pingall', 'iperf', 'link-flap', 'host-move', 'controller-restart', 'first-ping', 'reroute'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** One step of a scenario. `passed` is absent for steps that only inform. */
export interface LabStep {
  readonly step: string;
  /** What the step measured, in words (`0% loss (12/12)`, `94.1 Mbit/s`). */
  readonly result: string;
  /** What a working controller should achieve here, when the step has an expectation. */
  readonly expect?: string;
  readonly passed?: boolean;
  readonly ms: number;
  /** Per cent lost, for ping steps. */
  readonly lossPct?: number;
  readonly sent?: number;
  readonly received?: number;
  /** Ping pairs `[src, dst]` that lost packets. */
  readonly failures?: readonly (readonly [string, string])[];
  /** TCP throughput for iperf steps, bits per second. */
  readonly bps?: number;
  /** first-ping: the app's figures over the runs (on its first-ping step). */
  readonly latency?: FirstPingStats;
  /** reroute: the figures over the runs (on its reroute step). */
  readonly reroute?: RerouteStats;
}

/** Median, min and max of a measured quantity over the runs (ms), and how many runs gave a value. */
export interface Spread {
  readonly median: number | null;
  readonly min: number | null;
  readonly max: number | null;
  readonly n: number;
}

/** One first-ping run: the RTTs of the first and second echo (null: not answered), their difference, and what the controller knew before. */
export interface FirstPingRun {
  readonly first: number | null;
  readonly second: number | null;
  /**
   * first − second, ms (null unless both were answered): what setting the path up adds to the
   * data path, i.e. the controller's share (the ARP flood and the path through it, each switch's
   * first-packet upcall). The data path itself (the second ping) varies by tens of per cent on a
   * shared machine; this is the figure to compare across runs, builds and days.
   */
  readonly difference: number | null;
  /** Hosts the controller's topology knew just before the first ping (0: nothing learned). */
  readonly hostsKnown: number;
  /** Time from the controller's start to the ping (reconnect, discovery, flood hold), ms. */
  readonly readyMs: number;
}

/** The first-ping figures of one app. */
export interface FirstPingStats {
  readonly app: string;
  readonly src: string;
  readonly dst: string;
  /** Switches on the path (the farthest host's distance). */
  readonly switchHops: number;
  readonly first: Spread;
  readonly second: Spread;
  /** Over the runs' own differences (first − second), not the difference of the two medians. */
  readonly difference: Spread;
  readonly runs: readonly FirstPingRun[];
}

/** The lab's in-process controller, restartable on its port (see runner.ts). */
export interface LabController {
  readonly port: number;
  /** Apps it runs (the last start's). */
  readonly apps: readonly string[];
  /** The running controller, undefined while stopped. */
  current(): InProcess | undefined;
  /** Stops it; `removeFlows` first disables every app, which deletes their flows from the switches. */
  stop(opts?: { removeFlows?: boolean }): Promise<void>;
  /** Starts a fresh controller on the same port, with these apps (default: the last ones). */
  start(apps?: readonly string[]): Promise<void>;
}

/** What a scenario may use (only an in-process controller can be restarted). */
export interface ScenarioContext {
  readonly driver: LabDriver;
  /** Wait after a change (link, host move, restart) before measuring. */
  readonly settleMs: number;
  /** Repetitions of a measuring scenario (first-ping). */
  readonly runs?: number;
  /** Apps the user asked for (`--apps`); first-ping measures each on its own. */
  readonly apps?: readonly string[];
  readonly controller?: LabController;
  readonly progress?: (line: string) => void;
  readonly signal?: AbortSignal;
}


const sleep = (ms: number): Promise<void> => delay(systemClock, ms);

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: Math.round(performance.now() - t0) };
}

function lossText(p: { loss: number; sent: number; received: number }): string {
  return `${p.loss.toFixed(p.loss % 1 === 0 ? 0 : 1)}% loss (${p.received}/${p.sent} received)`;
}

/** pingall as a step; `expectZero` adds the 0%-loss expectation. */
async function pingallStep(ctx: ScenarioContext, step: string, expectZero: boolean): Promise<LabStep> {
  const { value: p, ms } = await timed(() => ctx.driver.pingAll({ timeoutSec: 1, count: 1 }));
  return {
    step,
    result: lossText(p),
    ...(expectZero ? { expect: '0% loss', passed: p.loss === 0 } : {}),
    ms,
    lossPct: p.loss,
    sent: p.sent,
    received: p.received,
    failures: p.failures,
  };
}

/** Whether the switches stay connected without the link a-b (so a controller can route around it). */
export function connectedWithout(links: readonly LabLink[], a: string, b: string): boolean {
  const adj = new Map<string, string[]>();
  const add = (x: string, y: string): void => {
    adj.set(x, [...(adj.get(x) ?? []), y]);
  };
  for (const l of links) {
    if (!l.switchLink) continue;
    adj.set(l.a, adj.get(l.a) ?? []);
    adj.set(l.b, adj.get(l.b) ?? []);
    if ((l.a === a && l.b === b) || (l.a === b && l.b === a)) continue;
    add(l.a, l.b);
    add(l.b, l.a);
  }
  const nodes = [...adj.keys()];
  if (nodes.length === 0) return true;
  const seen = new Set([nodes[0]!]);
  const queue = [nodes[0]!];
  while (queue.length > 0) {
    for (const n of adj.get(queue.shift()!) ?? []) {
      if (!seen.has(n)) {
        seen.add(n);
        queue.push(n);
      }
    }
  }
  return seen.size === nodes.length;
}

async function pingallScenario(ctx: ScenarioContext): Promise<LabStep[]> {
  // The first round teaches a learning controller where hosts are; the second should lose nothing.
  return [await pingallStep(ctx, 'pingall (first round)', false), await pingallStep(ctx, 'pingall (second round)', true)];
}

async function iperfScenario(ctx: ScenarioContext): Promise<LabStep[]> {
  const hosts = await ctx.driver.hosts();
  if (hosts.length < 2) throw new Error('iperf needs two hosts');
  const src = hosts[0]!.name;
  const dst = hosts[hosts.length - 1]!.name;
  const { value: ping, ms: pingMs } = await timed(() => ctx.driver.ping(src, dst, { count: 3, timeoutSec: 1 }));
  const steps: LabStep[] = [
    {
      step: `ping ${src} -> ${dst} x3`,
      result: lossText({ loss: ping.loss, sent: ping.transmitted, received: ping.received }),
      ms: pingMs,
      lossPct: ping.loss,
      sent: ping.transmitted,
      received: ping.received,
    },
  ];
  try {
    const { value: r, ms } = await timed(() => ctx.driver.iperf(src, dst, 3));
    steps.push({ step: `iperf ${src} -> ${dst} 3 s`, result: `${(r.bps / 1e6).toFixed(1)} Mbit/s (${r.bytes} bytes)`, expect: '> 0 bit/s', passed: r.bps > 0, ms, bps: r.bps });
  } catch (e) {
    steps.push({ step: `iperf ${src} -> ${dst} 3 s`, result: `no result: ${(e as Error).message.split('\n')[0]}`, expect: '> 0 bit/s', passed: false, ms: 0, bps: 0 });
  }
  return steps;
}

async function linkFlapScenario(ctx: ScenarioContext): Promise<LabStep[]> {
  const links = await ctx.driver.links();
  const link = links.find((l) => l.switchLink);
  if (!link) throw new Error('link-flap needs a link between two switches (try linear,3 or ring,4)');
  const { a, b } = link;
  const redundant = connectedWithout(links, a, b);
  const steps: LabStep[] = [await pingallStep(ctx, 'pingall (before)', true)];
  const down = await timed(() => ctx.driver.link(a, b, 'down'));
  steps.push({ step: `link ${a}-${b} down`, result: 'done', ms: down.ms });
  await sleep(ctx.settleMs);
  const during = await pingallStep(ctx, `pingall (${a}-${b} down)`, redundant);
  steps.push(redundant ? during : { ...during, expect: 'loss: the link was a bridge' });
  const up = await timed(() => ctx.driver.link(a, b, 'up'));
  steps.push({ step: `link ${a}-${b} up`, result: 'done', ms: up.ms });
  await sleep(ctx.settleMs);
  steps.push(await pingallStep(ctx, 'pingall (after)', true));
  return steps;
}

async function hostMoveScenario(ctx: ScenarioContext): Promise<LabStep[]> {
  const hosts = await ctx.driver.hosts();
  const switches = await ctx.driver.switches();
  const host = hosts[0];
  const target = [...switches].reverse().find((s) => s.name !== host?.switch);
  if (!host || !target) throw new Error('host-move needs a host and a second switch');
  const steps: LabStep[] = [await pingallStep(ctx, 'pingall (before)', true)];
  const mv = await timed(() => ctx.driver.moveHost(host.name, target.name));
  steps.push({ step: `move ${host.name} ${mv.value.from ?? '?'} -> ${mv.value.switch}:${mv.value.port}`, result: 'done', ms: mv.ms });
  await sleep(ctx.settleMs);
  steps.push(await pingallStep(ctx, 'pingall (after move)', true));
  return steps;
}

async function controllerRestartScenario(ctx: ScenarioContext): Promise<LabStep[]> {
  const ctl = ctx.controller;
  if (!ctl) throw new Error('controller-restart needs the in-process controller (leave out --controller)');
  const hosts = await ctx.driver.hosts();
  const src = hosts[0]!.name;
  const dst = hosts[hosts.length - 1]!.name;
  const steps: LabStep[] = [await pingallStep(ctx, 'pingall (before)', true)];
  const stop = await timed(() => ctl.stop());
  steps.push({ step: 'stop controller', result: 'stopped', ms: stop.ms });
  const { value: p, ms } = await timed(() => ctx.driver.ping(src, dst, { count: 3, timeoutSec: 1 }));
  steps.push({
    step: `ping ${src} -> ${dst} x3 (controller down)`,
    result: lossText({ loss: p.loss, sent: p.transmitted, received: p.received }),
    ms,
    lossPct: p.loss,
    sent: p.transmitted,
    received: p.received,
  });
  const start = await timed(async () => {
    await ctl.start();
    return ctx.driver.waitConnected(30);
  });
  steps.push({ step: 'start controller, switches reconnect', result: start.value ? 'all connected' : 'not all connected', expect: 'all connected', passed: start.value, ms: start.ms });
  await sleep(ctx.settleMs);
  steps.push(await pingallStep(ctx, 'pingall (after restart)', true));
  return steps;
}

/** Median (mean of the middle two for an even count), min and max of the values that are not null. */
export function spread(values: readonly (number | null)[]): Spread {
  const v = values.filter((x): x is number => x !== null).sort((a, b) => a - b);
  if (v.length === 0) return { median: null, min: null, max: null, n: 0 };
  const mid = v.length >> 1;
  const median = v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
  return { median: round3(median), min: v[0]!, max: v[v.length - 1]!, n: v.length };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** A run's first − second RTT in ms (to the µs), or null when either ping went unanswered. */
export function pingDifference(first: number | null, second: number | null): number | null {
  return first === null || second === null ? null : round3(first - second);
}

/**
 * The host farthest from `src` in switch hops (the last such host in the topology's order) and
 * the number of switches on the way; undefined when no other host is reachable.
 */
export function farthestHost(hosts: readonly LabHost[], links: readonly LabLink[], src: string): { host: LabHost; switches: number } | undefined {
  const from = hosts.find((h) => h.name === src);
  if (!from?.switch) return undefined;
  const adj = new Map<string, string[]>();
  for (const l of links) {
    if (!l.switchLink) continue;
    adj.set(l.a, [...(adj.get(l.a) ?? []), l.b]);
    adj.set(l.b, [...(adj.get(l.b) ?? []), l.a]);
  }
  const dist = new Map([[from.switch, 1]]);
  const queue = [from.switch];
  while (queue.length > 0) {
    const n = queue.shift()!;
    for (const m of adj.get(n) ?? []) {
      if (!dist.has(m)) {
        dist.set(m, dist.get(n)! + 1);
        queue.push(m);
      }
    }
  }
  let best: { host: LabHost; switches: number } | undefined;
  for (const h of hosts) {
    if (h.name === src || !h.switch) continue;
    const d = dist.get(h.switch);
    if (d !== undefined && (!best || d >= best.switches)) best = { host: h, switches: d };
  }
  return best;
}

/** Polls `fn` every 50 ms until it is true; false after `timeoutMs`. */
async function until(fn: () => boolean, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  const deadline = systemClock.now() + timeoutMs;
  while (!fn()) {
    if (systemClock.now() >= deadline || signal?.aborted) return false;
    await sleep(50);
  }
  return true;
}

/**
 * Waits until the in-process controller has every switch, both directions of every switch link
 * and forwarding's flood hold behind it (and `extra` holds), so a scenario's first pings do not
 * race discovery: l2-learning on a ring floods out of every port until the broadcast tree is
 * known. With an external controller there is nothing to ask, and it resolves at once.
 */
async function discoverySettled(ctx: ScenarioContext, extra: (c: InProcess) => boolean = () => true, timeoutMs = 30_000): Promise<{ ok: boolean; detail: string }> {
  const c = ctx.controller?.current();
  if (!c) return { ok: true, detail: 'external controller' };
  const switches = (await ctx.driver.switches()).length;
  // Each switch link is discovered in both directions.
  const wantLinks = 2 * (await ctx.driver.links()).filter((l) => l.switchLink).length;
  const fwd = c.apps?.instance('forwarding') as unknown as Pick<ForwardingApp, 'holding'> | undefined;
  const ok = await until(
    () => c.controller.datapaths.size >= switches && (c.controller.topology?.linkCount ?? 0) >= wantLinks && (fwd === undefined || fwd.holding().length === 0) && extra(c),
    timeoutMs,
    ctx.signal,
  );
  return { ok, detail: `links ${c.controller.topology?.linkCount ?? 0}/${wantLinks}, switches ${c.controller.datapaths.size}/${switches}` };
}

/** Apps first-ping compares when `--apps` is not given: whole-path forwarding against hop-by-hop learning. */
export const FIRST_PING_APPS = ['forwarding', 'l2-learning'] as const;

/**
 * First-ping flow-setup latency: for each app on its own, `runs` times, a fresh controller (the
 * previous one's app flows deleted through the app manager, then the controller restarted, so
 * no MAC, host or path is known), wait for the switches, discovery and the app's table-miss
 * flows, empty the switches' datapath flow caches, flush every host's ARP cache, then `ping -c 2 -i 1` from h1 to the farthest host: the
 * first RTT includes ARP and every packet-in; the second runs on the installed flows; each run's
 * difference of the two is the flow setup's share. The hosts' IPv6 is turned off so no host
 * announces itself before the ping.
 */
export async function firstPing(ctx: ScenarioContext): Promise<FirstPingStats[]> {
  const ctl = ctx.controller;
  if (!ctl) throw new Error('first-ping restarts the in-process controller for every run; leave out --controller');
  const runs = Math.max(1, ctx.runs ?? 5);
  const apps = ctx.apps && ctx.apps.length > 0 ? ctx.apps : FIRST_PING_APPS;
  const hosts = await ctx.driver.hosts();
  const links = await ctx.driver.links();
  const switches = (await ctx.driver.switches()).length;
  const src = hosts[0]?.name ?? 'h1';
  const far = farthestHost(hosts, links, src);
  if (!far) throw new Error('first-ping needs two hosts connected through switches');
  // Hosts that talk on their own would teach the controller where they are before the ping:
  // IPv6 (router solicitations, MLD) goes off, and neighbour caches are flushed before each
  // controller start (a stale ARP entry is re-probed by unicast a few seconds later) and again
  // just before the ping.
  const flushAll = async (): Promise<void> => {
    for (const h of hosts) await ctx.driver.cmd(h.name, 'ip neigh flush all');
  };
  for (const h of hosts) await ctx.driver.cmd(h.name, 'sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1');
  const out: FirstPingStats[] = [];
  for (const app of apps) {
    const results: FirstPingRun[] = [];
    for (let i = 0; i < runs; i++) {
      if (ctx.signal?.aborted) throw new Error('interrupted');
      await flushAll();
      await ctl.stop({ removeFlows: true });
      const t0 = performance.now();
      await ctl.start([app]);
      const c = ctl.current()!;
      if (!(await ctx.driver.waitConnected(30))) throw new Error(`${app} run ${i + 1}: not every switch reconnected within 30 s`);
      const flows = c.apps?.flows;
      const ready = await discoverySettled(ctx, () => (flows?.flows().filter((f) => f.owner === app && f.state === 'installed').length ?? 0) >= switches);
      if (!ready.ok) throw new Error(`${app} run ${i + 1}: discovery did not settle within 30 s (${ready.detail})`);
      const readyMs = Math.round(performance.now() - t0);
      // The switches' datapath caches are part of what a run must not inherit: the last run's
      // megaflows for these very hosts still sent their packets to the controller for a while
      // after this run's flows were in (an extra packet-in at h1's switch in every later run).
      await purgeDatapathFlows();
      await flushAll();
      const hostsKnown = c.controller.topology?.hostList().length ?? 0;
      const p = await ctx.driver.ping(src, far.host.name, { count: 2, intervalSec: 1, timeoutSec: 2 });
      const first = p.rtts[0] ?? null;
      const second = p.rtts[1] ?? null;
      const difference = pingDifference(first, second);
      results.push({ first, second, difference, hostsKnown, readyMs });
      ctx.progress?.(`${app} run ${i + 1}/${runs}: first ${first ?? 'lost'} ms, second ${second ?? 'lost'} ms, difference ${difference ?? '-'} ms (ready after ${readyMs} ms)`);
    }
    out.push({
      app,
      src,
      dst: far.host.name,
      switchHops: far.switches,
      first: spread(results.map((r) => r.first)),
      second: spread(results.map((r) => r.second)),
      difference: spread(results.map((r) => r.difference)),
      runs: results,
    });
  }
  return out;
}

function spreadText(s: Spread, runs: number, counted = 'answered'): string {
  if (s.median === null) return `no reply in ${runs} runs`;
  return `median ${s.median.toFixed(2)} ms (min ${s.min!.toFixed(2)}, max ${s.max!.toFixed(2)}; ${s.n}/${runs} ${counted})`;
}

async function firstPingScenario(ctx: ScenarioContext): Promise<LabStep[]> {
  const steps: LabStep[] = [];
  const t0 = performance.now();
  const stats = await firstPing(ctx);
  const ms = Math.round((performance.now() - t0) / Math.max(1, stats.length));
  for (const s of stats) {
    const runs = s.runs.length;
    steps.push({
      step: `${s.app}: first ping ${s.src} -> ${s.dst} (${s.switchHops} switches)`,
      result: spreadText(s.first, runs),
      expect: 'answered in every run',
      passed: s.first.n === runs,
      ms,
      latency: s,
    });
    steps.push({ step: `${s.app}: second ping`, result: spreadText(s.second, runs), expect: 'answered in every run', passed: s.second.n === runs, ms: 0 });
    // Informational: the flow setup's share, per run, so a noisy data path does not hide it.
    steps.push({ step: `${s.app}: first - second (flow setup)`, result: spreadText(s.difference, runs, 'with both'), ms: 0 });
  }
  return steps;
}

/** One reroute run, from {@link analyseReroute}. */
export interface RerouteRun {
  /** Requests without a reply, in all. */
  readonly lost: number;
  /** The longest run of consecutive requests without a reply (the outage). */
  readonly gap: number;
  /** gap × the ping interval: how long traffic did not flow, in ms. */
  readonly gapMs: number;
  /** From the port-down to the first reply after the outage, ms; null with no outage or no reply after it. */
  readonly firstReplyMs: number | null;
  /** From the last reply before the outage to the first after it, ms (the receiver's view; null as above). */
  readonly outageMs: number | null;
  /** Whether replies came back after the outage (false: the ping never got through again). */
  readonly rerouted: boolean;
}

/** The reroute figures over the runs. */
export interface RerouteStats {
  readonly src: string;
  readonly dst: string;
  /** The cut link. */
  readonly a: string;
  readonly b: string;
  readonly intervalMs: number;
  readonly lost: Spread;
  readonly gapMs: Spread;
  readonly firstReplyMs: Spread;
  readonly outageMs: Spread;
  readonly runs: readonly RerouteRun[];
}

/** The outage in a probe: lost requests, the longest run of them and when replies came back after the cut. Pure. */
export function analyseReroute(p: RerouteProbe): RerouteRun {
  const replied = new Map<number, number>();
  for (const [seq, t] of p.replies) if (seq >= 1 && seq <= p.transmitted && !replied.has(seq)) replied.set(seq, t);
  let gap = 0;
  let gapEnd = 0;
  let run = 0;
  for (let seq = 1; seq <= p.transmitted; seq++) {
    run = replied.has(seq) ? 0 : run + 1;
    if (run > gap) {
      gap = run;
      gapEnd = seq;
    }
  }
  let firstReplyMs: number | null = null;
  let outageMs: number | null = null;
  let rerouted = gap === 0;
  const after = gap > 0 ? replied.get(gapEnd + 1) : undefined;
  if (after !== undefined) {
    firstReplyMs = round3((after - p.cutAt) * 1000);
    const before = replied.get(gapEnd - gap);
    if (before !== undefined) outageMs = round3((after - before) * 1000);
    rerouted = true;
  }
  return { lost: p.transmitted - replied.size, gap, gapMs: round3(gap * p.intervalMs), firstReplyMs, outageMs, rerouted };
}

/** Two hosts on neighbouring switches whose link can be cut without splitting the network (a ring's), with that link. */
export function reroutePair(hosts: readonly LabHost[], links: readonly LabLink[]): { src: string; dst: string; a: string; b: string } | undefined {
  for (const l of links) {
    if (!l.switchLink || !connectedWithout(links, l.a, l.b)) continue;
    const src = hosts.find((h) => h.switch === l.a);
    const dst = hosts.find((h) => h.switch === l.b);
    if (src && dst) return { src: src.name, dst: dst.name, a: l.a, b: l.b };
  }
  return undefined;
}

/** The reroute figures as a table cell. */
export function rerouteText(s: RerouteStats): string {
  const n = s.runs.length;
  if (s.lost.median === null) return 'no runs';
  const reply =
    s.firstReplyMs.median === null
      ? ''
      : `; port-down to first reply median ${s.firstReplyMs.median.toFixed(1)} ms (worst ${s.firstReplyMs.max!.toFixed(1)}), reply gap median ${s.outageMs.median!.toFixed(1)} ms (worst ${s.outageMs.max!.toFixed(1)})`;
  return `lost median ${s.lost.median} (worst ${s.lost.max}) = ${s.gapMs.median!.toFixed(0)} ms (worst ${s.gapMs.max!.toFixed(0)})${reply}; ${s.runs.filter((r) => r.rerouted).length}/${n} rerouted`;
}

/**
 * Port-down to rerouted: `runs` times, a ping every 2 ms between hosts on two neighbouring
 * switches of a ring, the link between them cut 0.5 s in (both ports go down); counts the
 * requests lost until replies come back the other way round, then brings the link up again and
 * waits until the controller has it back (forwarding then moves the path back onto it).
 */
export async function reroute(ctx: ScenarioContext): Promise<RerouteStats> {
  const runs = Math.max(1, ctx.runs ?? 5);
  const hosts = await ctx.driver.hosts();
  const links = await ctx.driver.links();
  const pair = reroutePair(hosts, links);
  if (!pair) throw new Error('reroute needs two hosts on neighbouring switches with another way round (try ring,5)');
  const { src, dst, a, b } = pair;
  const intervalMs = 2;
  const results: RerouteRun[] = [];
  for (let i = 0; i < runs; i++) {
    if (ctx.signal?.aborted) throw new Error('interrupted');
    if (i > 0) {
      await ctx.driver.link(a, b, 'up');
      const back = await discoverySettled(ctx);
      if (!back.ok) throw new Error(`run ${i + 1}: the link ${a}-${b} was not rediscovered within 30 s (${back.detail})`);
      if (!ctx.controller?.current()) await sleep(ctx.settleMs);
    }
    // A warm-up ping installs the path (and ARP) so the probe measures only the reroute.
    await ctx.driver.ping(src, dst, { count: 3, intervalSec: 0.2, timeoutSec: 1 });
    const probe = await ctx.driver.rerouteProbe({ src, dst, a, b, intervalMs });
    const r = analyseReroute(probe);
    results.push(r);
    ctx.progress?.(`reroute run ${i + 1}/${runs}: lost ${r.lost} (gap ${r.gap} = ${r.gapMs} ms), first reply after port-down ${r.firstReplyMs ?? '-'} ms (link cut took ${Math.round((probe.cutDone - probe.cutAt) * 1000)} ms), reply gap ${r.outageMs ?? '-'} ms`);
  }
  await ctx.driver.link(a, b, 'up');
  return {
    src,
    dst,
    a,
    b,
    intervalMs,
    lost: spread(results.map((r) => r.lost)),
    gapMs: spread(results.map((r) => r.gapMs)),
    firstReplyMs: spread(results.map((r) => r.firstReplyMs)),
    outageMs: spread(results.map((r) => r.outageMs)),
    runs: results,
  };
}

async function rerouteScenario(ctx: ScenarioContext): Promise<LabStep[]> {
  const t0 = performance.now();
  const s = await reroute(ctx);
  return [
    {
      step: `reroute ${s.src} -> ${s.dst}, ${s.a}-${s.b} down, ping every ${s.intervalMs} ms x${s.runs.length}`,
      result: rerouteText(s),
      expect: 'rerouted in every run',
      passed: s.runs.every((r) => r.rerouted),
      ms: Math.round(performance.now() - t0),
      reroute: s,
    },
  ];
}

/** Runs one scenario and returns its steps. */
export async function runScenario(name: ScenarioName, ctx: ScenarioContext): Promise<LabStep[]> {
  // first-ping restarts the controller and waits for discovery on every run itself.
  if (name !== 'first-ping') {
    const settled = await discoverySettled(ctx);
    if (!settled.ok) ctx.progress?.(`discovery did not settle within 30 s (${settled.detail}); running the scenario anyway`);
  }
  switch (name) {
    case 'pingall':
      return pingallScenario(ctx);
    case 'iperf':
      return iperfScenario(ctx);
    case 'link-flap':
      return linkFlapScenario(ctx);
    case 'host-move':
      return hostMoveScenario(ctx);
    case 'controller-restart':
      return controllerRestartScenario(ctx);
    case 'first-ping':
      return firstPingScenario(ctx);
    case 'reroute':
      return rerouteScenario(ctx);
    default: {
      const never: never = name;
      throw new Error(`unknown scenario ${String(never)}`);
    }
  }
}
