/**
 * Differential proof of the packet trace against Open vSwitch itself: random multi-table pipelines
 * (fast-check, from a seed) installed on a real userspace bridge through Signalbox's REST API, and
 * for every random packet `ovs-appctl ofproto/trace` and Signalbox's single-switch trace must agree
 * on what leaves the switch (ports, controller, drop) and on each copy's rewritten headers.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Controller } from '../../src/controller.js';
import { assertNever } from '../../src/openflow/codec/errors.js';
import { prepareSwitch, traceSwitch, type PacketState, type PreparedSwitch, type SwitchTrace, type TracePacket as TraceFields } from '../../src/trace/index.js';
import { OFPGT, OFPPS } from '../../src/openflow/codec/v13/enums.js';
import { toJsonValue } from '../../src/openflow/json.js';
import { datapathPorts, ofprotoTrace, type OvsTrace, type TraceEmission, type TracePacket } from '../harness/ofproto-trace.js';
import { cleanupAll, ip, waitFor, type Bridge } from '../harness/ovs.js';
import { startOvsApi, type OvsApi } from '../harness/ovs-api.js';
import { packetArb, pipelineArb, type Pipeline, type PipelinePacket } from '../harness/random-pipeline.js';

/** The seed of every random pipeline and packet; set SIGNALBOX_TRACE_SEED to explore others (printed on failure). */
const SEED = Number(process.env.SIGNALBOX_TRACE_SEED ?? 16_0001);
const PIPELINES = Number(process.env.SIGNALBOX_TRACE_PIPELINES ?? 5);
const PACKETS_PER_PIPELINE = 120;
const DPID = 0x7aceen;
const HEX = DPID.toString(16).padStart(16, '0');
/** Our flows' cookie, so one pipeline's flows go before the next one's (the topology's LLDP flow stays). */
const COOKIE = 0x7ace_0000_0000_0001n;

let ctrl: Controller;
let br: Bridge;
/** The bridge's ports: three up, the last one with its link down (fast-failover buckets watching it are dead). */
let ports: number[] = [];
let downPort = 0;
let odpToOf: Map<number, number>;

let http: OvsApi['http'];
let rig: OvsApi | undefined;

beforeAll(async () => {
  // No apps: forwarding's table-miss flow would replace a pipeline's own (same table, priority and match) and be put back.
  rig = await startOvsApi({ dpid: DPID, dataDirPrefix: 'sbx-trace-ovs-', apps: [] });
  ({ ctrl, br, http } = rig);
  for (let i = 0; i < 4; i++) ports.push((await br.addPort({ kind: 'internal', ofport: i + 1 })).ofport);
  downPort = ports[3]!;
  await ip(['link', 'set', `${br.name}p4`, 'down']);
  await waitFor(() => (ctrl.devices.get(DPID)?.ports.get(downPort)?.state ?? 0) & OFPPS.LINK_DOWN, { timeoutMs: 15_000, intervalMs: 50, message: `port ${downPort} link down in the device view` });
  odpToOf = await datapathPorts(br.name);
  ports = [...ports];
});

afterAll(async () => {
  await rig?.stop();
  await cleanupAll();
});

const GROUP_TYPE_NAME: Readonly<Record<number, string>> = { [OFPGT.ALL]: 'all', [OFPGT.INDIRECT]: 'indirect', [OFPGT.FF]: 'ff' };

/** Replaces the bridge's pipeline through the REST API (groups first, then flows, each confirmed by the switch). */
async function install(p: Pipeline): Promise<void> {
  const del = await http('DELETE', `/api/v1/switches/${HEX}/flows?cookie=0x${COOKIE.toString(16)}`);
  expect(del.status).toBe(200);
  expect((await http('DELETE', `/api/v1/switches/${HEX}/groups/${0xfffffffc}`)).status).toBe(200);
  for (const g of p.groups) {
    const r = await http('POST', `/api/v1/switches/${HEX}/groups`, { groupId: g.groupId, type: GROUP_TYPE_NAME[g.groupType], buckets: g.buckets.map((b) => toJsonValue(b)) });
    expect(r, `group ${g.groupId} → ${JSON.stringify(r.json)}`).toMatchObject({ status: 201 });
  }
  for (const f of p.flows) {
    const body = { tableId: f.tableId, priority: f.priority, cookie: `0x${COOKIE.toString(16)}`, match: toJsonValue(f.match), instructions: toJsonValue(f.instructions) };
    const r = await http('POST', `/api/v1/switches/${HEX}/flows`, body);
    expect(r, `flow ${JSON.stringify(body)} → ${JSON.stringify(r.json)}`).toMatchObject({ status: 201 });
  }
  const dumped = (await br.dumpFlows('OpenFlow13')).filter((f) => f.cookie === COOKIE);
  expect(dumped).toHaveLength(p.flows.length);
}

/** The switch's tables as Signalbox reads them live (flow stats, group descriptions, port states), indexed once per pipeline. */
async function liveTables(): Promise<PreparedSwitch> {
  const flows = await ctrl.devices.flowStats(DPID);
  // Ours and the topology's LLDP punt flow (which no drawn packet matches), nothing else.
  expect(flows.filter((f) => f.cookie !== COOKIE).map((f) => f.match.map((m) => m.field))).toEqual([['eth_type']]);
  const desc = await ctrl.admin.groupDesc(DPID);
  const groups = desc.type === 'group_desc' ? desc.groups : [];
  const ports = [...ctrl.devices.get(DPID)!.ports.values()];
  return prepareSwitch({ version: 4, flows, groups, ports });
}

/** Headers both sides know (OVS's flow has no tunnel or metadata in a packet; the trace zero-fills fields a packet of its kind carries). */
const COMPARED_FIELDS = ['eth_src', 'eth_dst', 'eth_type', 'ip_dscp', 'ip_ecn', 'ip_proto', 'ipv4_src', 'ipv4_dst', 'tcp_src', 'tcp_dst', 'udp_src', 'udp_dst', 'icmpv4_type', 'icmpv4_code', 'arp_op', 'arp_spa', 'arp_tpa', 'arp_sha', 'arp_tha'];

function fromState(s: PacketState): TracePacket {
  const all = s.toFields();
  const fields: Record<string, number | string> = {};
  for (const k of COMPARED_FIELDS) if (all[k] !== undefined) fields[k] = typeof all[k] === 'bigint' ? Number(all[k]) : all[k];
  return { fields, vlans: s.vlans.map((v) => ({ vid: v.vid, pcp: v.pcp })), ...(s.nwTtl !== undefined ? { ttl: s.nwTtl } : {}) };
}

/** The packet in the trace's input form: OXM fields, the tag as vlan_vid/vlan_pcp, the TTL as nw_ttl. */
function traceInput(p: TracePacket): Record<string, number | string> {
  const tag = p.vlans[0];
  return { ...p.fields, ...(tag ? { vlan_vid: 0x1000 | tag.vid, vlan_pcp: tag.pcp } : {}), ...(p.ttl !== undefined ? { nw_ttl: p.ttl } : {}) };
}

/** What Signalbox's single-switch trace says leaves the switch. */
function signalboxTrace(sw: PreparedSwitch, pkt: PipelinePacket): { emissions: TraceEmission[]; ttlExpired: boolean; trace: SwitchTrace } {
  const trace = traceSwitch(sw, pkt.inPort, traceInput(pkt.packet) as TraceFields);
  const emissions: TraceEmission[] = [];
  let ttlExpired = false;
  for (const o of trace.outputs) {
    switch (o.kind) {
      case 'port':
        emissions.push({ to: 'port', port: o.port, packet: fromState(o.packet) });
        break;
      case 'controller':
        emissions.push({ to: 'controller', packet: fromState(o.packet) });
        break;
      case 'drop':
        if (/TTL expired/.test(o.reason)) ttlExpired = true;
        break;
      case 'local':
      case 'unknown':
        // Never drawn (no LOCAL, NORMAL or TABLE outputs): an "unknown" port makes the comparison fail, as it should.
        emissions.push({ to: 'port', port: o.port, packet: fromState(o.packet) });
        break;
      default:
        assertNever(o);
    }
  }
  return { emissions, ttlExpired, trace };
}

/** One output of the API's first hop, as `POST /api/v1/trace` answers it. */
interface ApiOutput {
  readonly port: number | string | null;
  readonly packetAfter?: Record<string, number | string | null>;
  readonly reason?: string;
}

/**
 * What `POST /api/v1/trace` (source live) says leaves the switch: each output's headers are the
 * packet's plus the changed fields (the output's own `packetAfter`, else the hop's). The JSON names
 * the outer VLAN tag only (vlan_vid, vlan_pcp), so tags are compared outermost only.
 */
function apiEmissions(answer: { hops: { packetAfter: Record<string, number | string | null>; outputs: ApiOutput[] }[] }, input: TracePacket): { emissions: TraceEmission[]; ttlExpired: boolean } {
  const hop = answer.hops[0]!;
  const emissions: TraceEmission[] = [];
  let ttlExpired = false;
  for (const o of hop.outputs) {
    if (o.port === null) {
      if (/TTL expired/.test(JSON.stringify(o))) ttlExpired = true;
      continue;
    }
    const fields: Record<string, number | string> = { ...input.fields };
    let tag = input.vlans[0] ? { ...input.vlans[0] } : undefined;
    let ttl = input.ttl;
    const changes = o.packetAfter ?? hop.packetAfter;
    for (const [k, v] of Object.entries(changes)) {
      if (k === 'vlan_vid') tag = v === null || v === 0 ? undefined : { vid: Number(v) & 0xfff, pcp: tag?.pcp ?? 0 };
      else if (k === 'nw_ttl') ttl = v === null ? undefined : Number(v);
      else if (COMPARED_FIELDS.includes(k)) {
        if (v === null) delete fields[k];
        else fields[k] = v;
      }
    }
    if (tag && changes.vlan_pcp !== undefined && changes.vlan_pcp !== null) tag = { ...tag, pcp: Number(changes.vlan_pcp) };
    const packet: TracePacket = { fields, vlans: tag ? [tag] : [], ...(ttl !== undefined ? { ttl } : {}) };
    if (o.port === 'CONTROLLER') emissions.push({ to: 'controller', packet });
    else if (typeof o.port === 'number') emissions.push({ to: 'port', port: o.port, packet });
    else throw new Error(`trace API: output to ${String(o.port)} in a pipeline that has none`);
  }
  return { emissions, ttlExpired };
}

/** The same emissions with only the outer VLAN tag (what the API's JSON can say). */
function outerTagOnly(r: { emissions: readonly TraceEmission[]; ttlExpired: boolean }): { emissions: TraceEmission[]; ttlExpired: boolean } {
  return { ttlExpired: r.ttlExpired, emissions: r.emissions.map((e) => ({ ...e, packet: { ...e.packet, vlans: e.packet.vlans.slice(0, 1) } })) };
}

/** One emission as comparable text: where it goes and every header it carries. */
function emissionKey(e: TraceEmission): string {
  const f = Object.entries(e.packet.fields)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${String(v)}`);
  const vlans = e.packet.vlans.map((v) => `vlan(${v.vid},${v.pcp})`);
  const ttl = e.packet.ttl !== undefined ? [`ttl=${e.packet.ttl}`] : [];
  return `${e.to === 'port' ? `port ${e.port}` : 'controller'}: ${[...vlans, ...f, ...ttl].join(' ')}`;
}

/** The comparable outcome: sorted emissions, and whether a TTL ran out. */
interface Outcome {
  readonly emissions: readonly string[];
  readonly ttlExpired: boolean;
}

function outcome(r: { emissions: readonly TraceEmission[]; ttlExpired: boolean }): Outcome {
  return { emissions: r.emissions.map(emissionKey).sort(), ttlExpired: r.ttlExpired };
}

interface Disagreement {
  readonly pipeline: number;
  readonly packet: PipelinePacket;
  readonly ovs: Outcome;
  readonly signalbox: Outcome;
  readonly ovsText: string;
  readonly sbTrace: string;
}

/** True when every item of `sub` is in `all` (as many times). */
function subMultiset(sub: readonly string[], all: readonly string[]): boolean {
  const left = [...all];
  for (const x of sub) {
    const i = left.indexOf(x);
    if (i < 0) return false;
    left.splice(i, 1);
  }
  return true;
}

/**
 * Documented differences: where Open vSwitch departs from OpenFlow 1.3.5 and Signalbox follows the
 * spec. Each one is recognised from OVS's own trace text and checked as far as it can be (never a
 * silent skip); anything else is a disagreement, and the test fails on it.
 */
const EXCLUSIONS = {
  /**
   * A table miss (no table-miss flow) after earlier tables wrote an action set: OVS ends the
   * pipeline there but still executes the action set; OpenFlow 1.3.5 §5.1 and §5.4 drop the packet
   * ("pipeline processing stops without processing the packet's action set"), as Signalbox's trace
   * does. Checked: both traces miss, and what Signalbox sends is what OVS sent before the action set.
   */
  'ovs-runs-action-set-after-table-miss': (ovsText: string, sb: SwitchTrace, ours: Outcome, theirs: Outcome): boolean =>
    /^\s*\d+\. No match\.$/m.test(ovsText) &&
    /Executing action set:/.test(ovsText) &&
    sb.tables.at(-1)?.flow === null &&
    subMultiset(ours.emissions, theirs.emissions) &&
    // A dec_nw_ttl in that action set may run the TTL out in OVS; Signalbox never runs it.
    (ours.ttlExpired === theirs.ttlExpired || (!ours.ttlExpired && /Executing action set:[\s\S]*decrement TTL exception/.test(ovsText))),
} as const;

type ExclusionName = keyof typeof EXCLUSIONS;

describe('packet trace against Open vSwitch (ofproto/trace)', () => {
  it(`random pipelines and ${PIPELINES * PACKETS_PER_PIPELINE} random packets: the same outputs and headers (seed ${SEED})`, { timeout: 600_000 }, async () => {
    const shape = { ports, tables: 4, maxFlowsPerTable: 8, maxGroups: 4 };
    const pipelines = fc.sample(pipelineArb(shape), { seed: SEED, numRuns: PIPELINES });
    const packets = fc.sample(packetArb(ports), { seed: SEED + 1, numRuns: PIPELINES * PACKETS_PER_PIPELINE });
    const disagreements: Disagreement[] = [];
    const excluded = new Map<ExclusionName, number>();
    let compared = 0;
    let delivered = 0;
    let viaApi = 0;
    const apiMismatches: string[] = [];
    for (const [i, p] of pipelines.entries()) {
      await install(p);
      const sw = await liveTables();
      for (const pkt of packets.slice(i * PACKETS_PER_PIPELINE, (i + 1) * PACKETS_PER_PIPELINE)) {
        const ovs: OvsTrace = await ofprotoTrace(br.name, pkt.inPort, pkt.packet, odpToOf);
        const sb = signalboxTrace(sw, pkt);
        const ours = outcome(sb);
        const theirs = outcome(ovs);
        compared++;
        if (theirs.emissions.length > 0) delivered++;
        // A sample through the REST API (source live: the controller reads the tables itself): the same answer as traceSwitch.
        if (compared % 6 === 0) {
          const r = await http('POST', '/api/v1/trace', { dpid: HEX, inPort: pkt.inPort, packet: traceInput(pkt.packet), source: 'live' });
          expect(r.status, JSON.stringify(r.json)).toBe(200);
          const api = outcome(apiEmissions(r.json as Parameters<typeof apiEmissions>[0], pkt.packet));
          const direct = outcome(outerTagOnly(sb));
          viaApi++;
          if (JSON.stringify(api) !== JSON.stringify(direct)) apiMismatches.push(`${JSON.stringify(pkt)}\n  api:    ${JSON.stringify(api)}\n  direct: ${JSON.stringify(direct)}`);
        }
        if (JSON.stringify(ours) === JSON.stringify(theirs)) continue;
        const why = (Object.keys(EXCLUSIONS) as ExclusionName[]).find((k) => EXCLUSIONS[k](ovs.text, sb.trace, ours, theirs));
        if (why !== undefined) {
          excluded.set(why, (excluded.get(why) ?? 0) + 1);
          continue;
        }
        disagreements.push({ pipeline: i, packet: pkt, ovs: theirs, signalbox: ours, ovsText: ovs.text, sbTrace: JSON.stringify({ tables: sb.trace.tables.map((t) => [t.tableId, t.flow?.priority ?? null]), actions: sb.trace.actions.map((a) => [a.stage, a.action.type, a.note ?? '']), notes: sb.trace.notes }) });
      }
    }
    // One line for the log: how much was compared, and how much fell under a documented exclusion.
    console.log(`trace-ovs seed ${SEED}: ${compared} packets, ${delivered} leaving the switch, ${disagreements.length} disagreements, ${viaApi} also through POST /api/v1/trace, excluded ${JSON.stringify(Object.fromEntries(excluded))}`);
    const report = disagreements
      .slice(0, 5)
      .map((d) => `pipeline ${d.pipeline}, in_port ${d.packet.inPort}, ${JSON.stringify(d.packet.packet)}\n  ovs:       ${JSON.stringify(d.ovs)}\n  signalbox: ${JSON.stringify(d.signalbox)}\n  signalbox trace: ${d.sbTrace}\n${d.ovsText}`)
      .join('\n\n');
    expect(disagreements.length, `seed ${SEED}: ${disagreements.length} of ${compared} packets disagree (first 5):\n${report}\npipelines: ${JSON.stringify(toJsonValue(pipelines.filter((_, i) => disagreements.some((d) => d.pipeline === i))))}`).toBe(0);
    expect(compared).toBeGreaterThanOrEqual(500);
    expect(apiMismatches, `seed ${SEED}: POST /api/v1/trace disagrees with traceSwitch`).toEqual([]);
    expect(viaApi).toBeGreaterThanOrEqual(compared / 6 - 1);
    // Documented exclusions stay exceptions: most packets are compared exactly (the default seed: 33 of 600; seed 7, the most seen: 139).
    const nExcluded = [...excluded.values()].reduce((a, b) => a + b, 0);
    expect(nExcluded, `excluded: ${JSON.stringify(Object.fromEntries(excluded))}`).toBeLessThan(compared / 3);
    // The pools are small on purpose: most packets must hit flows and leave somewhere, or the test proves little.
    expect(delivered).toBeGreaterThan(compared / 4);
  });
});
