/**
 * App benchmarks: l2-learning decisions per second (pure logic, 100 switches, 10,000 hosts), and
 * the flow rule service's install and reconcile rates (flows/s) against emulated switches.
 */
import { duplexPair } from 'node:stream';
import { Controller } from '../src/controller.js';
import { defaultConfig } from '../src/config.js';
import { silentLogger } from '../src/log.js';
import { OFP_NO_BUFFER } from '../src/openflow/codec/constants.js';
import type { OfMessage } from '../src/openflow/codec/index.js';
import type { Datapath } from '../src/openflow/datapath.js';
import type { FlowEntry } from '../src/core/model.js';
import { Session } from '../src/openflow/session.js';
import { EmulatedSwitch } from '../test/fakes/emulated-switch.js';
import { L2Learning, defaultL2LearningConfig } from '../src/apps/l2-learning/logic.js';
import { flowKey } from '../src/flows/compare.js';
import { FlowService } from '../src/flows/service.js';
import type { FlowRecord, FlowRule } from '../src/core/services.js';
import { writeMacNumber } from '../src/packet/mac.js';
import { measure, type BenchSuite, type Row } from './harness.js';

const SUITE = 'apps';
const SWITCHES = 100;
const HOSTS = 10_000;
const PORTS_PER_SWITCH = 48;

/** Host i: MAC 02:00:00:00:hh:ll, on switch i % 100 at port 1 + (i / 100) % 48. */
function hostMac(i: number): number {
  return 0x020000000000 + i;
}

function frame(dst: number, src: number): Buffer {
  const b = Buffer.alloc(64);
  writeMacNumber(dst, b, 0);
  writeMacNumber(src, b, 6);
  b.writeUInt16BE(0x0800, 12);
  return b;
}

/** A learned network: every switch knows every host (host-facing port on its own switch, an uplink port elsewhere). */
function learnedLogic(): L2Learning {
  const l = new L2Learning({ ...defaultL2LearningConfig, maxMacsPerSwitch: HOSTS * 2 });
  for (let s = 0; s < SWITCHES; s++) {
    const dpid = BigInt(s + 1);
    for (let h = 0; h < HOSTS; h++) {
      const port = h % SWITCHES === s ? 1 + (Math.floor(h / SWITCHES) % PORTS_PER_SWITCH) : PORTS_PER_SWITCH + 1;
      l.packetIn(dpid, port, frame(0xffffffffffff, hostMac(h)), 0);
    }
  }
  return l;
}

interface Case {
  readonly dpid: bigint;
  readonly inPort: number;
  readonly data: Buffer;
}

/** Packet-ins between random host pairs, as each would reach the source host's switch. */
function cases(n: number): Case[] {
  let seed = 12345;
  const rnd = (m: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % m;
  };
  const out: Case[] = [];
  for (let i = 0; i < n; i++) {
    const a = rnd(HOSTS);
    let b = rnd(HOSTS);
    if (b === a) b = (b + 1) % HOSTS;
    out.push({ dpid: BigInt((a % SWITCHES) + 1), inPort: 1 + (Math.floor(a / SWITCHES) % PORTS_PER_SWITCH), data: frame(hostMac(b), hostMac(a)) });
  }
  return out;
}

/** A switch-side flow table keyed by identity, answering flow stats; enough for rates, not for semantics (see test/fakes). */
function bindTable(sw: EmulatedSwitch): Map<string, FlowEntry> {
  const table = new Map<string, FlowEntry>();
  sw.on('message', (m: OfMessage) => {
    if (m.type === 'flow_mod' && m.version === 4) {
      const key = flowKey(m.tableId, m.priority, m.match);
      if (m.command === 0) {
        table.set(key, { tableId: m.tableId, priority: m.priority, cookie: m.cookie, idleTimeout: m.idleTimeout, hardTimeout: m.hardTimeout, flags: m.flags, durationSec: 0, packetCount: 0n, byteCount: 0n, match: m.match, instructions: m.instructions });
      } else if (m.command === 4) table.delete(key);
    } else if (m.type === 'multipart_request' && m.body.type === 'flow') {
      const flows = [...table.values()].map((f) => ({ ...f, durationNsec: 0 }));
      const chunk = 200;
      for (let i = 0; i < flows.length || i === 0; i += chunk) {
        sw.send({ version: 4, type: 'multipart_reply', xid: m.xid, flags: i + chunk < flows.length ? 1 : 0, body: { type: 'flow', flows: flows.slice(i, i + chunk) } });
      }
    }
  });
  return table;
}

/**
 * What l2-learning keeps per learned MAC and the flow it remembers towards it, in cbench's pattern
 * (16 switches × 1,000 MACs, MAC k sending to MAC k+1): the time to learn every MAC and then
 * decide and remember each flow, and the heap it holds after (a token object per flow included).
 */
function rememberedFlowsRow(): Row {
  const S = 16;
  const M = 1000;
  const frames: Buffer[] = [];
  for (let k = 0; k < M; k++) for (let s = 1; s <= S; s++) frames.push(frame(0x020000000000 + s * 0x10000 + ((k + 1) % M), 0x020000000000 + s * 0x10000 + k));
  const tokens: object[] = new Array<object>(S * M);
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const l = new L2Learning();
  let flows = 0;
  const t0 = process.hrtime.bigint();
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < frames.length; i++) {
      const dpid = BigInt((i % S) + 1);
      const d = l.packetIn(dpid, 1 + (Math.floor(i / S) % 4), frames[i]!, 1);
      if (d.kind === 'forward') l.remember(dpid, d, (tokens[flows++] = { i }));
    }
  }
  const ns = Number(process.hrtime.bigint() - t0);
  gc?.();
  const bytes = (process.memoryUsage().heapUsed - heap0) / (S * M);
  return {
    suite: SUITE,
    case: `l2-learning: learn ${S} × ${M.toLocaleString('en-US')} MACs, then decide and remember a flow towards each (per packet-in)`,
    opsPerSec: ((2 * S * M) / ns) * 1e9,
    nsPerOp: ns / (2 * S * M),
    note: gc ? `${bytes.toFixed(0)} B of heap per MAC with its flow (${flows} flows)` : `${flows} flows (no heap figure without --expose-gc)`,
  };
}

async function flowServiceRows(): Promise<Row[]> {
  const SW = 10;
  const FLOWS = 10_000;
  const ctrl = new Controller({ ...defaultConfig, openflow: { ...defaultConfig.openflow, echoIntervalMs: 0, maxOutboundBytes: 256 * 1024 * 1024 } }, silentLogger);
  const flows = new FlowService({ bus: ctrl.bus, datapaths: ctrl.datapaths, log: silentLogger, config: { reconcileIntervalMs: 0 } });
  flows.start();
  const tables: Map<string, FlowEntry>[] = [];
  const dps: Datapath[] = [];
  for (let i = 1; i <= SW; i++) {
    const [a, b] = duplexPair();
    const up = new Promise<Datapath>((resolve) => {
      const on = (e: { dpid: bigint }): void => {
        if (e.dpid !== BigInt(i)) return;
        ctrl.bus.off('switchConnected', on);
        resolve(ctrl.datapaths.get(e.dpid)!);
      };
      ctrl.bus.on('switchConnected', on);
    });
    ctrl.attach(new Session(a, { ...defaultConfig.openflow, echoIntervalMs: 0 }));
    tables.push(bindTable(new EmulatedSwitch(b, { dpid: BigInt(i) })));
    dps.push(await up);
  }
  while ([...ctrl.datapaths.keys()].some((d) => flows.isSyncing(d))) await new Promise((r) => setTimeout(r, 5));
  const scope = flows.scope('bench');
  const rules = (s: number): FlowRule[] =>
    Array.from({ length: FLOWS }, (_, i) => ({
      priority: 10,
      idleTimeout: 0,
      match: [
        { field: 'in_port', value: 1 + (i % 48) },
        { field: 'eth_dst', value: `02:00:00:${s.toString(16).padStart(2, '0')}:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}` },
      ],
      actions: [{ type: 'output', port: 49 }],
    }));
  const total = SW * FLOWS;
  const row = (name: string, n: number, ns: number, note?: string): Row => ({ suite: SUITE, case: name, opsPerSec: (n / ns) * 1e9, nsPerOp: ns / n, ...(note ? { note } : {}) });
  const out: Row[] = [];

  let t0 = process.hrtime.bigint();
  const results = await Promise.all(dps.map((dp, i) => scope.installAll(dp.dpid, rules(i))));
  let ns = Number(process.hrtime.bigint() - t0);
  const ok = results.flat().filter((r) => r.state === 'installed').length;
  out.push(row(`flow service: install ${total.toLocaleString('en-US')} flows on ${SW} emulated switches, barrier-confirmed (flows/s)`, ok, ns));

  t0 = process.hrtime.bigint();
  const reps = await Promise.all(dps.map((dp) => flows.reconcile(dp.dpid)));
  ns = Number(process.hrtime.bigint() - t0);
  const mods = reps.reduce((a, r) => a + r.flowMods, 0);
  out.push(row(`flow service: reconcile ${total.toLocaleString('en-US')} flows already right (flows checked/s)`, total, ns, `${mods} flow mods`));

  // 10% of each table lost: reconciliation re-adds exactly those.
  for (const t of tables) {
    let k = 0;
    for (const key of [...t.keys()]) if (k++ % 10 === 0) t.delete(key);
  }
  t0 = process.hrtime.bigint();
  const reps2 = await Promise.all(dps.map((dp) => flows.reconcile(dp.dpid)));
  ns = Number(process.hrtime.bigint() - t0);
  const readded = reps2.reduce((a, r) => a + r.missing, 0);
  out.push(row(`flow service: reconcile ${total.toLocaleString('en-US')} flows with 10% missing (flows checked/s)`, total, ns, `${readded} re-added`));

  // One install per packet-in, as l2-learning and forwarding make them: unawaited, with an idle
  // timeout, confirmed by lazy barriers. Timed until every one is confirmed.
  const perSwitch = dps.map((_, s) => rules(0x80 + s).map((r) => ({ ...r, idleTimeout: 60 })));
  const records: FlowRecord[] = [];
  t0 = process.hrtime.bigint();
  for (let k = 0; k < FLOWS; k++) for (let d = 0; d < SW; d++) records.push(scope.install(dps[d]!.dpid, perSwitch[d]![k]!));
  const syncNs = Number(process.hrtime.bigint() - t0);
  while (records.some((r) => r.state === 'pending')) await new Promise((r) => setImmediate(r));
  ns = Number(process.hrtime.bigint() - t0);
  const confirmed = records.filter((r) => r.state === 'installed').length;
  out.push(row(`flow service: install one flow at a time (unawaited, as for a packet-in), ${total.toLocaleString('en-US')} flows on ${SW} switches, until confirmed (flows/s)`, confirmed, ns, `calls alone ${((syncNs / total) * 1e-3).toFixed(2)} µs a flow`));

  flows.stop();
  for (const dp of dps) dp.session.close('bench over');
  return out;
}

/** The apps suite. */
export const appsSuite: BenchSuite = {
  name: SUITE,
  async run(): Promise<Row[]> {
    const rows: Row[] = [];
    const logic = learnedLogic();
    const cs = cases(1 << 14);
    let i = 0;
    rows.push(
      measure(SUITE, `l2-learning decision (packet-in -> forward), ${SWITCHES} switches, ${HOSTS.toLocaleString('en-US')} hosts`, () => {
        const c = cs[i++ & (cs.length - 1)]!;
        return logic.packetIn(c.dpid, c.inPort, c.data, 1);
      }),
    );
    i = 0;
    rows.push(
      measure(SUITE, 'l2-learning decision + flow rule + packet-out spec (per packet-in)', () => {
        const c = cs[i++ & (cs.length - 1)]!;
        const d = logic.packetIn(c.dpid, c.inPort, c.data, 1);
        const flow = d.kind === 'forward' ? logic.flowFor(d) : undefined;
        return [flow, logic.packetOutFor(d, c.inPort, OFP_NO_BUFFER, c.data)];
      }),
    );
    // What a new flow costs before the flow service files it: the rule and its identity key.
    const keyed = new Map<string, number>();
    i = 0;
    rows.push(
      measure(SUITE, 'l2-learning decision + flow rule + its flow key looked up (per flow set up)', () => {
        const c = cs[i++ & (cs.length - 1)]!;
        const d = logic.packetIn(c.dpid, c.inPort, c.data, 1);
        if (d.kind !== 'forward') return undefined;
        const rule = logic.flowFor(d);
        return keyed.get(flowKey(rule.tableId ?? 0, rule.priority ?? 0, rule.match ?? []));
      }),
    );
    const flood = new L2Learning();
    i = 0;
    rows.push(
      measure(SUITE, 'l2-learning decision, cold tables (learn + flood)', () => {
        const c = cs[i++ & (cs.length - 1)]!;
        return flood.packetIn(c.dpid, c.inPort, c.data, 1);
      }),
    );
    rows.push(rememberedFlowsRow());
    rows.push(...(await flowServiceRows()));
    return rows;
  },
};
