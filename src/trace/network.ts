/**
 * The network trace: a packet entering one switch followed through each switch's pipeline
 * (pipeline.ts) and across the topology's links, branching wherever copies go several ways
 * (FLOOD/ALL, group all/select), until every copy reaches a host, the controller, a drop, a loop
 * or something the trace cannot follow. Switch tables come from a TraceSource (a live dump or the
 * flow service's desired state), read once per switch per trace.
 */
import { dpidToHex, type Dpid } from '../core/ids.js';
import { PacketState } from './packet.js';
import { prepareSwitch, traceSwitch, type PreparedSwitch, type SwitchOutput, type SwitchTables, type SwitchTrace, type TraceFlow } from './pipeline.js';

/** What the trace knows of the network beyond the switches: links and host locations. */
export interface TraceNetworkView {
  /** The far end of the link leaving `port` of `dpid`, if there is one. */
  linkFrom(dpid: Dpid, port: number): { readonly dpid: Dpid; readonly port: number } | undefined;
  /** The hosts learned at `port` of `dpid` (their MACs), in a stable order. */
  hostsAt(dpid: Dpid, port: number): readonly string[];
}

/** A network view over a topology snapshot's links and hosts. */
export function networkView(snapshot: {
  readonly links: readonly { readonly src: Dpid; readonly srcPort: number; readonly dst: Dpid; readonly dstPort: number }[];
  readonly hosts: readonly { readonly mac: string; readonly location: { readonly dpid: Dpid; readonly port: number } }[];
}): TraceNetworkView {
  const links = new Map<string, { dpid: Dpid; port: number }>();
  for (const l of snapshot.links) links.set(`${l.src}/${l.srcPort}`, { dpid: l.dst, port: l.dstPort });
  const hosts = new Map<string, string[]>();
  for (const h of snapshot.hosts) {
    const k = `${h.location.dpid}/${h.location.port}`;
    const list = hosts.get(k);
    if (list) {
      if (!list.includes(h.mac)) list.push(h.mac);
    } else hosts.set(k, [h.mac]);
  }
  for (const list of hosts.values()) list.sort();
  return {
    linkFrom: (dpid, port) => links.get(`${dpid}/${port}`),
    hostsAt: (dpid, port) => hosts.get(`${dpid}/${port}`) ?? [],
  };
}

/** Where a trace reads a switch's tables from. */
export interface TraceSource {
  /**
   * The tables of `dpid`, or undefined when no such switch is known. Rejects when the switch
   * does not answer (the trace fails with a TraceSwitchError naming it).
   */
  switchTables(dpid: Dpid): Promise<SwitchTables | PreparedSwitch | undefined>;
}

/** A switch did not give its tables: `cause` is the error (an OfTimeoutError when it did not answer). */
export class TraceSwitchError extends Error {
  override readonly name = 'TraceSwitchError';
  constructor(
    readonly dpid: Dpid,
    override readonly cause: unknown,
  ) {
    super(`switch ${dpidToHex(dpid)} did not give its tables: ${(cause as Error)?.message ?? String(cause)}`);
  }
}

/**
 * Where one output of a hop leads: the next switch's ingress, a host (its MAC; null for an edge
 * port where no host was learned), the controller, a drop, a flood out of an edge port with no
 * known host, or something the trace cannot follow (NORMAL, a switch it cannot read).
 */
export type HopNext = { readonly dpid: Dpid; readonly inPort: number } | { readonly host: string | null } | 'controller' | 'drop' | 'flood' | 'unknown';

/** The final fate of the whole packet (every copy taken together). */
export type TraceOutcome = 'delivered' | 'controller' | 'dropped' | 'loop' | 'unknown';

/** One output of a hop and where it leads. */
export interface HopOutput {
  readonly output: SwitchOutput;
  readonly next: HopNext;
  /** Why this copy ends here, when it does (drop reason, loop, NORMAL...). */
  readonly reason?: string;
}

/** One switch visited. */
export interface TraceHop {
  readonly dpid: Dpid;
  readonly inPort: number;
  readonly trace: SwitchTrace;
  /** In the order of trace.outputs. */
  readonly outputs: readonly HopOutput[];
}

/** The answer: hops in the order visited (breadth first), the outcome and why. */
export interface NetworkTrace {
  readonly hops: readonly TraceHop[];
  readonly outcome: TraceOutcome;
  readonly reason: string;
}

/** Options of traceNetwork. */
export interface NetworkTraceOptions {
  readonly dpid: Dpid;
  readonly inPort: number;
  /** The packet as it enters (packetFromFields). */
  readonly packet: PacketState;
  readonly network: TraceNetworkView;
  readonly source: TraceSource;
  /** The owner (app) of a cookie, for messages. */
  readonly ownerOf?: (cookie: bigint) => string | undefined;
  /** Switch visits before the trace gives up (a broadcast storm in a big network). Default 1000. */
  readonly maxHops?: number;
}

interface Leaf {
  readonly outcome: TraceOutcome;
  readonly text: string;
}

/** A fingerprint of the packet's headers: equal fingerprints at the same switch and port are a loop. */
function fingerprint(p: PacketState): string {
  return `${p.words.join(',')}|${p.vlans.map((t) => `${t.tpid}.${t.vid}.${t.pcp}`).join(',')}|${p.mpls.map((e) => `${e.label}.${e.tc}.${e.ttl}`).join(',')}|${p.nwTtl ?? ''}`;
}

/**
 * Traces a packet through the network from `dpid`/`inPort`. Each switch's tables are read from
 * `source` once. Rejects with TraceSwitchError when a visited switch does not give its tables.
 */
export async function traceNetwork(o: NetworkTraceOptions): Promise<NetworkTrace> {
  const maxHops = o.maxHops ?? 1000;
  const tables = new Map<Dpid, Promise<PreparedSwitch | undefined>>();
  const load = (dpid: Dpid): Promise<PreparedSwitch | undefined> => {
    let t = tables.get(dpid);
    if (t === undefined) {
      t = o.source.switchTables(dpid).then(
        (s) => (s === undefined ? undefined : 'prepared' in s ? s : prepareSwitch(s)),
        (e: unknown) => {
          throw new TraceSwitchError(dpid, e);
        },
      );
      tables.set(dpid, t);
    }
    return t;
  };
  const first = await load(o.dpid);
  if (first === undefined) throw new TraceSwitchError(o.dpid, new Error('no such switch'));

  const hops: TraceHop[] = [];
  const leaves: Leaf[] = [];
  const seen = new Set<string>();
  const queue: { dpid: Dpid; inPort: number; packet: PacketState }[] = [{ dpid: o.dpid, inPort: o.inPort, packet: o.packet }];
  seen.add(`${o.dpid}/${o.inPort}/${fingerprint(o.packet)}`);
  const where = (dpid: Dpid, port?: number): string => (port === undefined ? dpidToHex(dpid) : `${dpidToHex(dpid)} port ${port}`);

  while (queue.length > 0) {
    if (hops.length >= maxHops) {
      leaves.push({ outcome: 'unknown', text: `gave up after ${maxHops} switch visits` });
      break;
    }
    const { dpid, inPort, packet } = queue.shift()!;
    const sw = await load(dpid);
    if (sw === undefined) {
      leaves.push({ outcome: 'unknown', text: `switch ${where(dpid)} is not known` });
      continue;
    }
    const trace = traceSwitch(sw, inPort, packet);
    const last = trace.tables[trace.tables.length - 1];
    const lastFlow = last?.flow ? `table ${last.tableId}, ${flowText(last.flow, o.ownerOf)}` : '';
    const outputs: HopOutput[] = [];
    for (const out of trace.outputs) {
      const oneOf = out.groups.some((g) => g.groupType === 'select') ? ' (one of the select group buckets)' : '';
      switch (out.kind) {
        case 'drop': {
          const reason = `dropped at ${where(dpid)}: ${out.reason}${lastFlow ? ` (${lastFlow})` : ''}`;
          outputs.push({ output: out, next: 'drop', reason: out.reason });
          leaves.push({ outcome: 'dropped', text: reason + oneOf });
          break;
        }
        case 'controller':
          outputs.push({ output: out, next: 'controller' });
          leaves.push({ outcome: 'controller', text: `to the controller from ${where(dpid)} (${out.reason === 'table_miss' ? 'table miss' : lastFlow})${oneOf}` });
          break;
        case 'unknown':
          outputs.push({ output: out, next: 'unknown', reason: out.reason });
          leaves.push({ outcome: 'unknown', text: `${out.reason} at ${where(dpid)}${oneOf}` });
          break;
        case 'local':
          outputs.push({ output: out, next: { host: 'LOCAL' } });
          leaves.push({ outcome: 'delivered', text: `to the LOCAL port of ${where(dpid)}${oneOf}` });
          break;
        case 'port': {
          const link = o.network.linkFrom(dpid, out.port);
          if (link) {
            const key = `${link.dpid}/${link.port}/${fingerprint(out.packet)}`;
            if (seen.has(key)) {
              const reason = `loop: the packet reaches ${where(link.dpid, link.port)} a second time unchanged`;
              outputs.push({ output: out, next: { dpid: link.dpid, inPort: link.port }, reason });
              leaves.push({ outcome: 'loop', text: reason });
            } else {
              seen.add(key);
              outputs.push({ output: out, next: { dpid: link.dpid, inPort: link.port } });
              queue.push({ dpid: link.dpid, inPort: link.port, packet: out.packet });
            }
            break;
          }
          const hosts = o.network.hostsAt(dpid, out.port);
          if (hosts.length > 0) {
            for (const h of hosts) leaves.push({ outcome: 'delivered', text: `to ${h} at ${where(dpid, out.port)}${oneOf}` });
            outputs.push({ output: out, next: { host: hosts[0]! } });
          } else if (out.via === 'FLOOD' || out.via === 'ALL') {
            outputs.push({ output: out, next: 'flood' });
            leaves.push({ outcome: 'delivered', text: `flooded out of edge port ${where(dpid, out.port)}${oneOf}` });
          } else {
            outputs.push({ output: out, next: { host: null } });
            leaves.push({ outcome: 'delivered', text: `out of edge port ${where(dpid, out.port)}, where no host is known${oneOf}` });
          }
          break;
        }
        default:
          assertNever(out);
      }
    }
    hops.push({ dpid, inPort, trace, outputs });
  }
  return { hops, ...summarize(leaves) };
}

function assertNever(x: never): never {
  throw new Error(`unexpected output ${JSON.stringify(x)}`);
}

/** A flow in words for reasons: `flow of acl, priority 200`. */
function flowText(f: TraceFlow, ownerOf: ((cookie: bigint) => string | undefined) | undefined): string {
  const owner = f.owner ?? ownerOf?.(f.cookie);
  return `${owner ? `flow of ${owner}` : `flow cookie 0x${f.cookie.toString(16)}`}, priority ${f.priority}`;
}

const RANK: readonly TraceOutcome[] = ['loop', 'delivered', 'controller', 'unknown', 'dropped'];

/**
 * The outcome of all copies together: a loop first (it must be fixed), else delivered when any
 * copy reaches a host, else controller, unknown, dropped. The reason names the deciding copies
 * and counts the others.
 */
function summarize(leaves: readonly Leaf[]): { outcome: TraceOutcome; reason: string } {
  if (leaves.length === 0) return { outcome: 'dropped', reason: 'no copy of the packet left any switch' };
  const outcome = RANK.find((r) => leaves.some((l) => l.outcome === r))!;
  const main = leaves.filter((l) => l.outcome === outcome);
  const shown = main.slice(0, 5).map((l) => l.text);
  if (main.length > 5) shown.push(`and ${main.length - 5} more`);
  const others = RANK.filter((r) => r !== outcome)
    .map((r) => [r, leaves.filter((l) => l.outcome === r).length] as const)
    .filter(([, n]) => n > 0)
    .map(([r, n]) => `${n} ${n === 1 ? 'copy' : 'copies'} ${r === 'controller' ? 'to the controller' : r}`);
  return { outcome, reason: `${shown.join('; ')}${others.length ? ` (also ${others.join(', ')})` : ''}` };
}
