/** Lab scenarios: scripted runs over a Mininet network (pingall, iperf, link flap, host move, controller restart) that return one row per step. */
import type { LabDriver } from './driver.js';

/** Scenario names, as given to `--scenario`. */
export const SCENARIOS = ['pingall', 'iperf', 'link-flap', 'host-move', 'controller-restart'] as const;
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
}

/** What a scenario may do to the controller (only an in-process controller can be restarted). */
export interface ScenarioContext {
  readonly driver: LabDriver;
  /** Wait after a change (link, host move, restart) before measuring. */
  readonly settleMs: number;
  readonly stopController?: () => Promise<void>;
  readonly startController?: () => Promise<void>;
}

interface PingAll {
  loss: number;
  sent: number;
  received: number;
  failures: [string, string][];
}
interface LinkInfo {
  a: string;
  portA: number;
  b: string;
  portB: number;
  switchLink: boolean;
}
interface HostInfo {
  name: string;
  ip: string;
  mac: string;
  switch: string | null;
  port: number | null;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

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
  const { value: p, ms } = await timed(() => ctx.driver.command<PingAll>('pingall', { timeout: 1, count: 1 }));
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
export function connectedWithout(links: readonly LinkInfo[], a: string, b: string): boolean {
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
  const hosts = (await ctx.driver.command<{ hosts: HostInfo[] }>('hosts')).hosts;
  if (hosts.length < 2) throw new Error('iperf needs two hosts');
  const src = hosts[0]!.name;
  const dst = hosts[hosts.length - 1]!.name;
  const { value: ping, ms: pingMs } = await timed(() => ctx.driver.command<PingAll & { transmitted: number }>('ping', { src, dst, count: 3, timeout: 1 }));
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
    const { value: r, ms } = await timed(() => ctx.driver.command<{ bytes: number; bps: number }>('iperf', { src, dst, seconds: 3 }, 60_000));
    steps.push({ step: `iperf ${src} -> ${dst} 3 s`, result: `${(r.bps / 1e6).toFixed(1)} Mbit/s (${r.bytes} bytes)`, expect: '> 0 bit/s', passed: r.bps > 0, ms, bps: r.bps });
  } catch (e) {
    steps.push({ step: `iperf ${src} -> ${dst} 3 s`, result: `no result: ${(e as Error).message.split('\n')[0]}`, expect: '> 0 bit/s', passed: false, ms: 0, bps: 0 });
  }
  return steps;
}

async function linkFlapScenario(ctx: ScenarioContext): Promise<LabStep[]> {
  const links = (await ctx.driver.command<{ links: LinkInfo[] }>('links')).links;
  const link = links.find((l) => l.switchLink);
  if (!link) throw new Error('link-flap needs a link between two switches (try linear,3 or ring,4)');
  const { a, b } = link;
  const redundant = connectedWithout(links, a, b);
  const steps: LabStep[] = [await pingallStep(ctx, 'pingall (before)', true)];
  const down = await timed(() => ctx.driver.command('link', { a, b, state: 'down' }));
  steps.push({ step: `link ${a}-${b} down`, result: 'done', ms: down.ms });
  await sleep(ctx.settleMs);
  const during = await pingallStep(ctx, `pingall (${a}-${b} down)`, redundant);
  steps.push(redundant ? during : { ...during, expect: 'loss: the link was a bridge' });
  const up = await timed(() => ctx.driver.command('link', { a, b, state: 'up' }));
  steps.push({ step: `link ${a}-${b} up`, result: 'done', ms: up.ms });
  await sleep(ctx.settleMs);
  steps.push(await pingallStep(ctx, 'pingall (after)', true));
  return steps;
}

async function hostMoveScenario(ctx: ScenarioContext): Promise<LabStep[]> {
  const hosts = (await ctx.driver.command<{ hosts: HostInfo[] }>('hosts')).hosts;
  const switches = (await ctx.driver.command<{ switches: { name: string }[] }>('switches')).switches;
  const host = hosts[0];
  const target = [...switches].reverse().find((s) => s.name !== host?.switch);
  if (!host || !target) throw new Error('host-move needs a host and a second switch');
  const steps: LabStep[] = [await pingallStep(ctx, 'pingall (before)', true)];
  const mv = await timed(() => ctx.driver.command<{ from: string | null; switch: string; port: number }>('move_host', { host: host.name, switch: target.name }));
  steps.push({ step: `move ${host.name} ${mv.value.from ?? '?'} -> ${mv.value.switch}:${mv.value.port}`, result: 'done', ms: mv.ms });
  await sleep(ctx.settleMs);
  steps.push(await pingallStep(ctx, 'pingall (after move)', true));
  return steps;
}

async function controllerRestartScenario(ctx: ScenarioContext): Promise<LabStep[]> {
  if (!ctx.stopController || !ctx.startController) throw new Error('controller-restart needs the in-process controller (leave out --controller)');
  const hosts = (await ctx.driver.command<{ hosts: HostInfo[] }>('hosts')).hosts;
  const src = hosts[0]!.name;
  const dst = hosts[hosts.length - 1]!.name;
  const steps: LabStep[] = [await pingallStep(ctx, 'pingall (before)', true)];
  const stop = await timed(ctx.stopController);
  steps.push({ step: 'stop controller', result: 'stopped', ms: stop.ms });
  const { value: p, ms } = await timed(() => ctx.driver.command<PingAll & { transmitted: number }>('ping', { src, dst, count: 3, timeout: 1 }));
  steps.push({
    step: `ping ${src} -> ${dst} x3 (controller down)`,
    result: lossText({ loss: p.loss, sent: p.transmitted, received: p.received }),
    ms,
    lossPct: p.loss,
    sent: p.transmitted,
    received: p.received,
  });
  const start = await timed(async () => {
    await ctx.startController!();
    return ctx.driver.command<{ connected: boolean }>('wait_connected', { timeout: 30 }, 45_000);
  });
  steps.push({ step: 'start controller, switches reconnect', result: start.value.connected ? 'all connected' : 'not all connected', expect: 'all connected', passed: start.value.connected, ms: start.ms });
  await sleep(ctx.settleMs);
  steps.push(await pingallStep(ctx, 'pingall (after restart)', true));
  return steps;
}

/** Runs one scenario and returns its steps. */
export function runScenario(name: ScenarioName, ctx: ScenarioContext): Promise<LabStep[]> {
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
    default: {
      const never: never = name;
      throw new Error(`unknown scenario ${String(never)}`);
    }
  }
}
