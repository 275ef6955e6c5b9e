/**
 * Cluster failover time: three instances over a real etcd (started here, on loopback) and six
 * emulated switches that list all three; an instance that masters switches is killed (its etcd
 * client closed without revoking, its switch connections dropped) and the time until every one
 * of its switches has a new master is measured, then a fresh instance takes its place. Median
 * and worst over the kills (20 by default; SIGNALBOX_FAILOVER_KILLS sets another number).
 */
import { ClusterService, resolveClusterConfig } from '../src/cluster/index.js';
import { MultiControllerSwitch } from '../test/fakes/multi-controller-switch.js';
import { defaultConfig } from '../src/config.js';
import { Controller } from '../src/controller.js';
import { startEtcd } from '../test/harness/etcd.js';
import type { BenchSuite, Row } from './harness.js';

const SUITE = 'failover';
const SWITCHES = 6;
const envKills = Number(process.env.SIGNALBOX_FAILOVER_KILLS);
const KILLS = Number.isInteger(envKills) && envKills > 0 ? envKills : 20;

interface Instance {
  readonly id: string;
  readonly ctrl: Controller;
  readonly cluster: ClusterService;
  readonly port: number;
  /** Its connection index on each switch. */
  readonly conn: Map<MultiControllerSwitch, number>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`failover bench: timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** Runs the kills; returns the failover times in ms. */
export async function measureFailover(kills = KILLS): Promise<number[]> {
  const etcd = await startEtcd();
  const prefix = `bench-${process.pid}-${Date.now()}/`;
  const secret = Buffer.alloc(32, 7);
  const live: Instance[] = [];
  const switches = Array.from({ length: SWITCHES }, (_, i) => new MultiControllerSwitch(BigInt(0x200 + i)));
  let seq = 0;
  const start = async (): Promise<Instance> => {
    const id = `b${++seq}`;
    const config = resolveClusterConfig({ etcd: { endpoints: [etcd.endpoint], prefix }, instanceId: id });
    const ctrl = new Controller({ ...defaultConfig, openflow: { ...defaultConfig.openflow, listen: ['127.0.0.1:0'], echoIntervalMs: 1_000 } }, undefined, { secret });
    const cluster = new ClusterService({ config, bus: ctrl.bus, datapaths: ctrl.datapaths, topology: () => ctrl.topology });
    await cluster.start();
    const port = (await ctrl.start()).openflow[0]!.port;
    const inst: Instance = { id, ctrl, cluster, port, conn: new Map() };
    for (const sw of switches) inst.conn.set(sw, await sw.connect(port));
    live.push(inst);
    return inst;
  };
  const settled = (): boolean =>
    switches.every((sw) => {
      const owner = live.find((i) => i.conn.get(sw) === sw.master);
      return owner !== undefined && live.every((i) => i.cluster.masterOf(sw.dpid) === owner.id);
    });
  const times: number[] = [];
  try {
    for (let i = 0; i < 3; i++) await start();
    await until('initial masters', settled, 15_000);
    for (let k = 0; k < kills; k++) {
      const victim = live.find((i) => switches.some((sw) => sw.master === i.conn.get(sw)))!;
      const theirs = switches.filter((sw) => sw.master === victim.conn.get(sw));
      live.splice(live.indexOf(victim), 1);
      const t0 = performance.now();
      await victim.cluster.abandon();
      await victim.ctrl.stop();
      await until('new masters', () => theirs.every((sw) => sw.master !== undefined && sw.master !== victim.conn.get(sw)), 10_000);
      times.push(performance.now() - t0);
      await start();
      await until('rebalanced', settled, 15_000);
    }
  } finally {
    for (const i of live) {
      await i.cluster.stop();
      await i.ctrl.stop();
    }
    for (const sw of switches) sw.close();
    await etcd.stop();
  }
  return times;
}

/** The suite for bench/run.ts. */
export const failoverSuite: BenchSuite = {
  name: SUITE,
  async run(): Promise<Row[]> {
    const times = await measureFailover();
    const sorted = [...times].sort((a, b) => a - b);
    const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
    const worst = sorted[sorted.length - 1]!;
    return [
      {
        suite: SUITE,
        case: `instance killed, ${SWITCHES} switches, lease TTL 3 s`,
        opsPerSec: 1000 / median,
        nsPerOp: median * 1e6,
        note: `median ${median.toFixed(0)} ms, worst ${worst.toFixed(0)} ms over ${times.length} kills (limit TTL + 1 s = 4000 ms)`,
      },
    ];
  },
};
