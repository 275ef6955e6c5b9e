/**
 * Open vSwitch's own answer to "where does this packet go?": runs `ovs-appctl ofproto/trace` on a
 * harness bridge and replays its final "Datapath actions" on the packet, giving every copy that
 * leaves (an OpenFlow port or the controller) with its headers as they leave.
 */
import { ovsTool } from '../../src/lab/ovs.js';
import { run } from './exec.js';

/**
 * A packet as the differential tests write it: header fields by OXM name (`eth_src`, `eth_type`,
 * `ipv4_dst`, `tcp_dst`, `arp_op`, ...), `ttl` (IPv4 TTL) and a VLAN tag stack, outermost first.
 * `vlan_vid`/`vlan_pcp` are not fields here: the tags carry them.
 */
export interface TracePacket {
  readonly fields: Readonly<Record<string, number | string>>;
  readonly vlans: readonly { readonly vid: number; readonly pcp: number }[];
  readonly ttl?: number;
}

/** One copy of the packet that leaves the switch. */
export type TraceEmission =
  | { readonly to: 'port'; readonly port: number; readonly packet: TracePacket }
  | { readonly to: 'controller'; readonly packet: TracePacket };

/** What OVS does with one packet. */
export interface OvsTrace {
  /** Copies that leave, in datapath order. Empty: dropped. */
  readonly emissions: readonly TraceEmission[];
  /** A dec_ttl found TTL 1 or 0: OVS stops the pipeline there (and sends an OFPR_INVALID_TTL packet-in, or not). */
  readonly ttlExpired: boolean;
  /** The `Datapath actions:` line as OVS printed it. */
  readonly datapathActions: string;
  /** The whole ofproto/trace output, for failure messages. */
  readonly text: string;
}

/** `ovs-appctl dpif/show` for one bridge: datapath port number → OpenFlow port number. */
export async function datapathPorts(bridge: string): Promise<Map<number, number>> {
  const { stdout } = await run(ovsTool('ovs-appctl'), ['dpif/show'], { timeoutMs: 10_000 });
  return parseDpifShow(stdout, bridge);
}

/** Parses `dpif/show` (`    sbxab1p1 1/3: (tap)` under `  sbxab1:`) into datapath port → OpenFlow port for `bridge`. */
export function parseDpifShow(text: string, bridge: string): Map<number, number> {
  const map = new Map<number, number>();
  let inBridge = false;
  for (const line of text.split('\n')) {
    const head = /^ {2}(\S+):\s*$/.exec(line);
    if (head) {
      inBridge = head[1] === bridge;
      continue;
    }
    if (!inBridge) continue;
    const m = /^\s{4}\S+ (\d+)\/(\d+):/.exec(line);
    if (m) map.set(Number(m[2]), Number(m[1]));
  }
  return map;
}

/** The flow text `ofproto/trace` takes for a packet entering at `inPort` (prerequisites first, as OVS's parser wants). */
export function ovsFlowText(inPort: number, p: TracePacket): string {
  const f = p.fields;
  const parts = [`in_port=${inPort}`];
  const put = (ovsName: string, oxm: string): void => {
    if (f[oxm] !== undefined) parts.push(`${ovsName}=${String(f[oxm])}`);
  };
  put('dl_src', 'eth_src');
  put('dl_dst', 'eth_dst');
  const outer = p.vlans[0];
  if (outer) parts.push(`vlan_tci=0x${(0x1000 | (outer.pcp << 13) | outer.vid).toString(16).padStart(4, '0')}`);
  if (p.vlans.length > 1) throw new Error('ovsFlowText: one VLAN tag at most on ingress');
  const ethType = Number(f.eth_type ?? 0);
  parts.push(`dl_type=0x${ethType.toString(16).padStart(4, '0')}`);
  if (ethType === 0x0800) {
    put('nw_src', 'ipv4_src');
    put('nw_dst', 'ipv4_dst');
    put('nw_proto', 'ip_proto');
    const dscp = Number(f.ip_dscp ?? 0);
    const ecn = Number(f.ip_ecn ?? 0);
    parts.push(`nw_tos=${dscp << 2}`, `nw_ecn=${ecn}`, `nw_ttl=${p.ttl ?? 64}`);
    const proto = Number(f.ip_proto ?? 0);
    if (proto === 6) {
      put('tcp_src', 'tcp_src');
      put('tcp_dst', 'tcp_dst');
    } else if (proto === 17) {
      put('udp_src', 'udp_src');
      put('udp_dst', 'udp_dst');
    } else if (proto === 1) {
      put('icmp_type', 'icmpv4_type');
      put('icmp_code', 'icmpv4_code');
    }
  } else if (ethType === 0x0806) {
    put('arp_op', 'arp_op');
    put('arp_spa', 'arp_spa');
    put('arp_tpa', 'arp_tpa');
    put('arp_sha', 'arp_sha');
    put('arp_tha', 'arp_tha');
  }
  return parts.join(',');
}

/** Runs `ovs-appctl ofproto/trace BRIDGE FLOW` and replays its datapath actions on `packet`. */
export async function ofprotoTrace(bridge: string, inPort: number, packet: TracePacket, odpToOf: ReadonlyMap<number, number>): Promise<OvsTrace> {
  const { stdout } = await run(ovsTool('ovs-appctl'), ['ofproto/trace', bridge, ovsFlowText(inPort, packet)], { timeoutMs: 15_000 });
  return parseOfprotoTrace(stdout, packet, odpToOf);
}

/** Parses ofproto/trace output: replays the `Datapath actions:` line on `packet`. Throws on an action it does not know. */
export function parseOfprotoTrace(text: string, packet: TracePacket, odpToOf: ReadonlyMap<number, number>): OvsTrace {
  const line = text.split('\n').find((l) => l.startsWith('Datapath actions:'));
  if (line === undefined) throw new Error(`ofproto/trace printed no "Datapath actions:" line:\n${text}`);
  const datapathActions = line.slice('Datapath actions:'.length).trim();
  const { emissions, ttlExpired } = replayDatapathActions(datapathActions, packet, odpToOf);
  return { emissions, ttlExpired, datapathActions, text };
}

/** Splits a datapath action list at top-level commas (commas inside parentheses stay). */
export function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(s.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = s.slice(start).trim();
  if (last) out.push(last);
  return out;
}

/** `key=value[/mask]` pairs of `set(proto(...))`. */
function keyValues(body: string): [string, string, string | undefined][] {
  return splitTopLevel(body).map((kv) => {
    const eq = kv.indexOf('=');
    if (eq < 0) throw new Error(`datapath action: expected key=value, got ${kv}`);
    const v = kv.slice(eq + 1);
    const slash = v.indexOf('/');
    return [kv.slice(0, eq), slash < 0 ? v : v.slice(0, slash), slash < 0 ? undefined : v.slice(slash + 1)];
  });
}

function num(s: string): number {
  return s.startsWith('0x') ? parseInt(s.slice(2), 16) : Number(s);
}

/** Applies `value` under `mask` to an integer field. */
function masked(old: number, value: number, mask: number | undefined): number {
  if (mask === undefined) return value;
  return ((old & ~mask) | (value & mask)) >>> 0;
}

/** Datapath `set()` keys → OXM field names, per protocol (ofproto-dpif's odp-util printing). */
const SET_KEYS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  eth: { src: 'eth_src', dst: 'eth_dst' },
  ipv4: { src: 'ipv4_src', dst: 'ipv4_dst' },
  tcp: { src: 'tcp_src', dst: 'tcp_dst' },
  udp: { src: 'udp_src', dst: 'udp_dst' },
  icmp: { type: 'icmpv4_type', code: 'icmpv4_code' },
  arp: { sip: 'arp_spa', tip: 'arp_tpa', op: 'arp_op', sha: 'arp_sha', tha: 'arp_tha' },
};

/** Replays OVS datapath actions on a packet (outputs, controller user actions, header sets, VLAN push/pop). */
export function replayDatapathActions(actions: string, start: TracePacket, odpToOf: ReadonlyMap<number, number>): { emissions: TraceEmission[]; ttlExpired: boolean } {
  const emissions: TraceEmission[] = [];
  let ttlExpired = false;
  let fields: Record<string, number | string> = { ...start.fields };
  let vlans = [...start.vlans];
  let ttl = start.ttl;
  const snapshot = (): TracePacket => ({ fields: { ...fields }, vlans: [...vlans], ...(ttl !== undefined ? { ttl } : {}) });
  if (actions === 'drop') return { emissions, ttlExpired };
  for (const a of splitTopLevel(actions)) {
    if (/^\d+$/.test(a)) {
      const port = odpToOf.get(Number(a));
      if (port === undefined) throw new Error(`datapath port ${a} is not on the bridge (${[...odpToOf].map(([d, o]) => `${d}→${o}`).join(' ')})`);
      emissions.push({ to: 'port', port, packet: snapshot() });
      continue;
    }
    if (a.startsWith('userspace(')) {
      const ctl = /controller\(reason=(\d+)/.exec(a);
      if (!ctl) throw new Error(`datapath action ${a}: a userspace action that is not a packet-in`);
      // OVS's reason 2 is OFPR_INVALID_TTL: dec_ttl found TTL <= 1 and ended the pipeline.
      if (ctl[1] === '2') ttlExpired = true;
      else emissions.push({ to: 'controller', packet: snapshot() });
      continue;
    }
    if (a === 'pop_vlan') {
      vlans = vlans.slice(1);
      continue;
    }
    const push = /^push_vlan\((.*)\)$/.exec(a);
    if (push) {
      let vid = 0;
      let pcp = 0;
      for (const [k, v] of keyValues(push[1]!)) {
        if (k === 'vid') vid = num(v);
        else if (k === 'pcp') pcp = num(v);
        else if (k === 'tpid' && num(v) !== 0x8100) throw new Error(`datapath action ${a}: only 802.1Q tags are replayed`);
      }
      vlans = [{ vid, pcp }, ...vlans];
      continue;
    }
    const set = /^set\((\w+)\((.*)\)\)$/.exec(a);
    if (set) {
      const proto = set[1]!;
      const next = { ...fields };
      for (const [k, v, m] of keyValues(set[2]!)) {
        if (proto === 'ipv4' && k === 'ttl') {
          ttl = masked(ttl ?? 0, num(v), m === undefined ? undefined : num(m));
          continue;
        }
        if (proto === 'ipv4' && k === 'tos') {
          const tos = masked((Number(next.ip_dscp ?? 0) << 2) | Number(next.ip_ecn ?? 0), num(v), m === undefined ? undefined : num(m));
          next.ip_dscp = tos >> 2;
          next.ip_ecn = tos & 3;
          continue;
        }
        const name = SET_KEYS[proto]?.[k];
        if (name === undefined) throw new Error(`datapath action ${a}: key ${k} is not replayed`);
        if (m !== undefined && !/^(ff:){5}ff$|^255\.255\.255\.255$|^0xffff$|^65535$/.test(m)) throw new Error(`datapath action ${a}: partial mask ${m} is not replayed`);
        // MACs and IPv4 addresses stay text (as the fields hold them), ports and codes are numbers.
        next[name] = v.includes(':') ? v.toLowerCase() : v.includes('.') ? v : num(v);
      }
      fields = next;
      continue;
    }
    throw new Error(`datapath action ${a} is not replayed`);
  }
  return { emissions, ttlExpired };
}
