/**
 * The switch view's and the link-load overlay's pure logic: port rates from two counter samples,
 * a bounded rate history for the chart, link load and its colour, flows as text (match,
 * instructions, age), and the static-flow form's text ⇄ the API's JSON and error fields.
 */
import type { LinkPairState } from './topology-model.js';

// ---------------------------------------------------------------------------------------------
// The API's JSON (docs/api.md)

/** One port in `GET /api/v1/stats/ports` (counters as decimal strings). */
export interface PortSampleJson {
  readonly portNo: number;
  readonly rxBytes: string;
  readonly txBytes: string;
  readonly rxPackets?: string;
  readonly txPackets?: string;
  readonly durationSec?: number;
  readonly durationNsec?: number;
  /** kbps, from the port description. */
  readonly currSpeed?: number;
}

/** One switch in `GET /api/v1/stats/ports`: its ports, or why it has none. */
export interface SwitchSampleJson {
  readonly dpid: string;
  readonly ports?: readonly PortSampleJson[];
  readonly error?: string;
}

/** An OXM field as the API prints it. */
export interface OxmJson {
  readonly field: string;
  readonly value?: unknown;
  readonly mask?: unknown;
}

/** An action or instruction as the API prints it (the codec's objects). */
export interface TypedJson {
  readonly type: string;
  readonly [k: string]: unknown;
}

/** A flow of `GET /api/v1/switches/:dpid/flows`. */
export interface FlowJson {
  readonly tableId: number;
  readonly priority: number;
  readonly cookie: string;
  readonly owner: string | null;
  readonly idleTimeout?: number;
  readonly hardTimeout?: number;
  readonly durationSec?: number;
  readonly packetCount?: string;
  readonly byteCount?: string;
  readonly match: readonly OxmJson[];
  readonly instructions: readonly TypedJson[];
}

// ---------------------------------------------------------------------------------------------
// Rates

/** A port's counters at one moment: `durSec` is the port's age as the switch said (best clock), `wallSec` when the page got it. */
export interface CounterSample {
  readonly rxBytes: number;
  readonly txBytes: number;
  readonly durSec: number | undefined;
  readonly wallSec: number;
}

/** Bits per second each way. */
export interface PortRate {
  readonly rxBps: number;
  readonly txBps: number;
}

/** OpenFlow marks a counter the switch does not keep with all ones. */
const UNSUPPORTED = '18446744073709551615';

/** The samples of one switch's answer by port (ports without byte counters left out). */
export function samplesOf(ports: readonly PortSampleJson[], wallSec: number): Map<number, CounterSample> {
  const out = new Map<number, CounterSample>();
  for (const p of ports) {
    if (p.rxBytes === UNSUPPORTED || p.txBytes === UNSUPPORTED) continue;
    const dur = p.durationSec !== undefined && p.durationSec !== 0xffffffff && (p.durationSec > 0 || (p.durationNsec ?? 0) > 0) ? p.durationSec + (p.durationNsec ?? 0) / 1e9 : undefined;
    out.set(p.portNo, { rxBytes: Number(p.rxBytes), txBytes: Number(p.txBytes), durSec: dur, wallSec });
  }
  return out;
}

/**
 * The rate between two samples of a port: over the switch's own clock when both carry it and it
 * moved on, else over the page's. Undefined when no time passed or a counter went back (the port
 * or the switch restarted): no rate is better than a wrong one.
 */
export function rateBetween(prev: CounterSample, next: CounterSample): PortRate | undefined {
  const dt = prev.durSec !== undefined && next.durSec !== undefined && next.durSec > prev.durSec ? next.durSec - prev.durSec : next.wallSec - prev.wallSec;
  if (!(dt > 0)) return undefined;
  const rx = next.rxBytes - prev.rxBytes;
  const tx = next.txBytes - prev.txBytes;
  if (rx < 0 || tx < 0) return undefined;
  return { rxBps: (rx * 8) / dt, txBps: (tx * 8) / dt };
}

/** Rates of every port present in both samples. */
export function portRates(prev: ReadonlyMap<number, CounterSample>, next: ReadonlyMap<number, CounterSample>): Map<number, PortRate> {
  const out = new Map<number, PortRate>();
  for (const [port, n] of next) {
    const p = prev.get(port);
    const r = p && rateBetween(p, n);
    if (r) out.set(port, r);
  }
  return out;
}

/** The last `capacity` rates of each port, as columns uPlot draws (time in seconds, bits/s). */
export class RateHistory {
  readonly times: number[] = [];
  private readonly series = new Map<number, { rx: (number | null)[]; tx: (number | null)[] }>();

  constructor(readonly capacity = 60) {}

  /** Appends one point in time; ports without a rate then get a gap. */
  push(timeSec: number, rates: ReadonlyMap<number, PortRate>): void {
    this.times.push(timeSec);
    const n = this.times.length;
    for (const port of rates.keys()) {
      if (!this.series.has(port)) this.series.set(port, { rx: new Array<number | null>(n - 1).fill(null), tx: new Array<number | null>(n - 1).fill(null) });
    }
    for (const [port, s] of this.series) {
      const r = rates.get(port);
      s.rx.push(r ? r.rxBps : null);
      s.tx.push(r ? r.txBps : null);
    }
    if (n > this.capacity) {
      this.times.shift();
      for (const s of this.series.values()) {
        s.rx.shift();
        s.tx.shift();
      }
    }
  }

  /** `[times, rx, tx]` of one port, or of all ports summed when `port` is undefined. */
  columns(port: number | undefined): [number[], (number | null)[], (number | null)[]] {
    if (port !== undefined) {
      const s = this.series.get(port);
      const empty = this.times.map(() => null);
      return [this.times.slice(), s ? s.rx.slice() : empty, s ? s.tx.slice() : empty.slice()];
    }
    const rx: (number | null)[] = [];
    const tx: (number | null)[] = [];
    for (let i = 0; i < this.times.length; i++) {
      let r: number | null = null;
      let t: number | null = null;
      for (const s of this.series.values()) {
        const a = s.rx[i];
        const b = s.tx[i];
        if (a !== null && a !== undefined) r = (r ?? 0) + a;
        if (b !== null && b !== undefined) t = (t ?? 0) + b;
      }
      rx.push(r);
      tx.push(t);
    }
    return [this.times.slice(), rx, tx];
  }

  /** The latest rate of a port. */
  latest(port: number): PortRate | undefined {
    const s = this.series.get(port);
    const rx = s?.rx[s.rx.length - 1];
    const tx = s?.tx[s.tx.length - 1];
    return rx === null || rx === undefined || tx === null || tx === undefined ? undefined : { rxBps: rx, txBps: tx };
  }
}

// ---------------------------------------------------------------------------------------------
// Link load

/** One link pair's load: bits/s each way and the busier direction's share of the slower port's speed. */
export interface LinkLoad {
  readonly abBps: number | undefined;
  readonly baBps: number | undefined;
  /** 0..1 (may exceed 1 on a port that reports too low a speed); undefined when no speed is known. */
  readonly utilisation: number | undefined;
}

/**
 * A link pair's load from the latest port rates: a→b is what a's port sent (or, without it, what
 * b's port received). Speeds (kbps) come from the port descriptions, the slower end counting.
 */
export function linkLoad(l: Pick<LinkPairState, 'a' | 'b'>, rates: ReadonlyMap<string, ReadonlyMap<number, PortRate>>, speedsKbps: ReadonlyMap<string, ReadonlyMap<number, number>>): LinkLoad {
  const ra = rates.get(l.a.dpid)?.get(l.a.port);
  const rb = rates.get(l.b.dpid)?.get(l.b.port);
  const ab = ra?.txBps ?? rb?.rxBps;
  const ba = rb?.txBps ?? ra?.rxBps;
  const speeds = [speedsKbps.get(l.a.dpid)?.get(l.a.port), speedsKbps.get(l.b.dpid)?.get(l.b.port)].filter((s): s is number => s !== undefined && s > 0);
  const busiest = Math.max(ab ?? -1, ba ?? -1);
  const utilisation = speeds.length > 0 && busiest >= 0 ? busiest / (Math.min(...speeds) * 1000) : undefined;
  return { abBps: ab, baBps: ba, utilisation };
}

/**
 * The overlay's state: the previous counter sample of every switch, so each poll of
 * `GET /api/v1/stats/ports` gives every link pair's load. A switch missing from a poll (or
 * answering with an error) keeps its previous sample and has no rate this time.
 */
export class LoadTracker {
  private readonly prev = new Map<string, Map<number, CounterSample>>();
  private readonly speeds = new Map<string, Map<number, number>>();

  /** Takes one poll's answer; returns the load of each pair (by key). */
  update(samples: readonly SwitchSampleJson[], wallSec: number, pairs: Iterable<Pick<LinkPairState, 'key' | 'a' | 'b'>>): Map<string, LinkLoad> {
    const rates = new Map<string, Map<number, PortRate>>();
    for (const s of samples) {
      if (!s.ports) continue;
      const next = samplesOf(s.ports, wallSec);
      const before = this.prev.get(s.dpid);
      if (before) rates.set(s.dpid, portRates(before, next));
      this.prev.set(s.dpid, next);
      this.speeds.set(s.dpid, new Map(s.ports.filter((p) => p.currSpeed).map((p) => [p.portNo, p.currSpeed!])));
    }
    const out = new Map<string, LinkLoad>();
    for (const l of pairs) out.set(l.key, linkLoad(l, rates, this.speeds));
    return out;
  }
}

/** Utilisation bands of the overlay, lowest first: the first whose `below` exceeds the value wins. */
export const LOAD_BANDS = [
  { below: 0.01, color: '#94a3b8', label: '< 1 %' },
  { below: 0.1, color: '#16a34a', label: '1-10 %' },
  { below: 0.5, color: '#ca8a04', label: '10-50 %' },
  { below: 0.8, color: '#ea580c', label: '50-80 %' },
  { below: Infinity, color: '#9333ea', label: '≥ 80 %' },
] as const;

/** The overlay colour and edge width of a load (grey and thin when unknown). */
export function loadStyle(load: LinkLoad | undefined): { color: string; size: number; band: string } {
  const u = load?.utilisation;
  if (u === undefined) return { color: '#cbd5e1', size: 2, band: 'unknown' };
  const band = LOAD_BANDS.find((b) => u < b.below) ?? LOAD_BANDS[4];
  return { color: band.color, size: 2 + Math.min(6, Math.round(u * 6)), band: band.label };
}

/** Bits per second for people: `0 b/s`, `12.5 kb/s`, `1.20 Gb/s`. */
export function bpsText(bps: number | undefined): string {
  if (bps === undefined) return '—';
  const units = ['b/s', 'kb/s', 'Mb/s', 'Gb/s', 'Tb/s'];
  let v = bps;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? Math.round(v) : v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[i]}`;
}

// ---------------------------------------------------------------------------------------------
// Flows as text

/** OFPP_* reserved port numbers by name (OpenFlow 1.3 §7.2.1), for printing and for the form. */
export const RESERVED_PORTS: Readonly<Record<string, number>> = {
  in_port: 0xfffffff8,
  table: 0xfffffff9,
  normal: 0xfffffffa,
  flood: 0xfffffffb,
  all: 0xfffffffc,
  controller: 0xfffffffd,
  local: 0xfffffffe,
  any: 0xffffffff,
};
const PORT_NAMES = new Map(Object.entries(RESERVED_PORTS).map(([k, v]) => [v, k.toUpperCase()]));

/** A port number, reserved ones by name (`CONTROLLER`). */
export function portText(n: unknown): string {
  return typeof n === 'number' ? (PORT_NAMES.get(n) ?? String(n)) : String(n);
}

/** Fields printed in hex, as ovs-ofctl does. */
const HEX_FIELDS = new Set(['eth_type', 'metadata', 'tunnel_id', 'vlan_vid']);

function valueText(field: string, v: unknown): string {
  if (field === 'in_port' || field === 'in_phy_port') return portText(v);
  if (typeof v === 'number' && HEX_FIELDS.has(field)) return `0x${v.toString(16).padStart(field === 'eth_type' ? 4 : 1, '0')}`;
  if (typeof v === 'string' && HEX_FIELDS.has(field) && /^[0-9]+$/.test(v)) return `0x${BigInt(v).toString(16)}`;
  return String(v);
}

/** A match as `in_port=1, eth_type=0x0800, ipv4_dst=10.0.0.0/255.255.255.0` (`*` for match-all). */
export function matchText(match: readonly OxmJson[]): string {
  if (match.length === 0) return '*';
  return match.map((f) => `${f.field}=${valueText(f.field, f.value)}${f.mask !== undefined ? `/${valueText(f.field, f.mask)}` : ''}`).join(', ');
}

/** One action as `output:2`, `set_field:eth_dst=...`, `group:3`, `pop_vlan`. */
export function actionText(a: TypedJson): string {
  switch (a.type) {
    case 'output':
      return `output:${portText(a.port)}`;
    case 'group':
      return `group:${String(a.groupId)}`;
    case 'set_queue':
      return `set_queue:${String(a.queueId)}`;
    case 'set_field': {
      const f = a.field as OxmJson | undefined;
      return f ? `set_field:${f.field}=${valueText(f.field, f.value)}` : 'set_field';
    }
    case 'push_vlan':
    case 'push_mpls':
    case 'pop_mpls':
    case 'push_pbb':
      return `${a.type}:0x${Number(a.ethertype).toString(16)}`;
    case 'set_mpls_ttl':
    case 'set_nw_ttl':
      return `${a.type}:${String(a.ttl)}`;
    default:
      return a.type;
  }
}

/** Instructions as text: apply actions bare (`drop` when none), the others named. */
export function instructionsText(list: readonly TypedJson[]): string {
  if (list.length === 0) return 'drop';
  return list
    .map((i) => {
      switch (i.type) {
        case 'apply_actions': {
          const acts = (i.actions as TypedJson[] | undefined) ?? [];
          return acts.length ? acts.map(actionText).join(', ') : 'drop';
        }
        case 'write_actions':
          return `write_actions(${((i.actions as TypedJson[] | undefined) ?? []).map(actionText).join(', ')})`;
        case 'goto_table':
          return `goto_table:${String(i.tableId)}`;
        case 'meter':
          return `meter:${String(i.meterId)}`;
        case 'write_metadata':
          return `write_metadata:${valueText('metadata', i.metadata)}/${valueText('metadata', i.metadataMask)}`;
        default:
          return i.type;
      }
    })
    .join('; ');
}

/** An age in seconds as `42s`, `3m 05s`, `2h 07m`, `3d 04h`. */
export function ageText(sec: number | undefined): string {
  if (sec === undefined) return '';
  const two = (n: number): string => String(n).padStart(2, '0');
  if (sec < 60) return `${sec}s`;
  if (sec < 3600) return `${Math.floor(sec / 60)}m ${two(sec % 60)}s`;
  if (sec < 86400) return `${Math.floor(sec / 3600)}h ${two(Math.floor((sec % 3600) / 60))}m`;
  return `${Math.floor(sec / 86400)}d ${two(Math.floor((sec % 86400) / 3600))}h`;
}

/** The owners present in a flow table, sorted, `(none)` for cookies nobody here owns. */
export function ownersOf(flows: readonly FlowJson[]): string[] {
  return [...new Set(flows.map((f) => f.owner ?? NO_OWNER))].sort();
}

/** The filter value for flows whose cookie no app owns. */
export const NO_OWNER = '(none)';

/** Flows of one owner (all when `owner` is empty), ordered as a switch matches them: by table, then priority high to low. */
export function flowsFor(flows: readonly FlowJson[], owner: string): FlowJson[] {
  return flows.filter((f) => !owner || (f.owner ?? NO_OWNER) === owner).sort((a, b) => a.tableId - b.tableId || b.priority - a.priority);
}

// ---------------------------------------------------------------------------------------------
// The static-flow form

/** The form's inputs; the API's error names one of them. */
export type FormField = 'name' | 'tableId' | 'priority' | 'match' | 'actions' | 'idleTimeout' | 'hardTimeout';
const FORM_FIELDS: readonly FormField[] = ['name', 'tableId', 'priority', 'match', 'actions', 'idleTimeout', 'hardTimeout'];

/** The form input an API error's `field` (`body.actions[0].port`) is about; undefined for the form as a whole. */
export function formFieldOf(apiField: string | undefined): FormField | undefined {
  if (!apiField) return undefined;
  const head = apiField.replace(/^body\./, '').split(/[.[]/)[0]!;
  if (head === 'instructions') return 'actions';
  return (FORM_FIELDS as readonly string[]).includes(head) ? (head as FormField) : undefined;
}

/** A number from the form's text (decimal or 0x hex), else the text itself, for the API to judge. */
function numberOrText(s: string): number | string {
  const t = s.trim();
  if (/^[0-9]+$/.test(t)) return Number(t);
  if (/^0x[0-9a-f]+$/i.test(t)) return Number.parseInt(t.slice(2), 16);
  return t;
}

/** A /prefix on an IPv4 field as a dotted mask (what the API's OXM form takes). */
function ipv4Mask(prefix: number): string {
  const bits = prefix <= 0 ? 0 : (0xffffffff << (32 - Math.min(32, prefix))) >>> 0;
  return [24, 16, 8, 0].map((s) => (bits >>> s) & 0xff).join('.');
}

/**
 * The form's match text (`in_port=1, eth_type=0x0800, ipv4_dst=10.0.0.0/24`) as OXM fields. It
 * only splits and converts numbers: whether a field or value is valid is the API's to say.
 */
export function parseMatchText(text: string): OxmJson[] {
  const out: OxmJson[] = [];
  for (const part of text.split(/[,\s]+/)) {
    if (!part || part === '*') continue;
    const eq = part.indexOf('=');
    if (eq < 0) {
      out.push({ field: part });
      continue;
    }
    const field = part.slice(0, eq).trim();
    const raw = part.slice(eq + 1).trim();
    const slash = raw.indexOf('/');
    if (field === 'in_port' && Object.hasOwn(RESERVED_PORTS, raw.toLowerCase())) {
      out.push({ field, value: RESERVED_PORTS[raw.toLowerCase()] });
    } else if (slash < 0) {
      out.push({ field, value: numberOrText(raw) });
    } else {
      const value = numberOrText(raw.slice(0, slash));
      let mask: number | string = numberOrText(raw.slice(slash + 1));
      if (field.startsWith('ipv4_') || field.startsWith('arp_spa') || field.startsWith('arp_tpa')) {
        if (typeof mask === 'number' && mask <= 32) mask = ipv4Mask(mask);
      }
      out.push({ field, value, mask });
    }
  }
  return out;
}

/** The form's actions text (`output:2, set_field:eth_dst=00:00:00:00:00:01, group:1`; empty or `drop`: none) as actions. */
export function parseActionsText(text: string): TypedJson[] {
  const out: TypedJson[] = [];
  for (const part of text.split(/[,;\s]+/)) {
    const t = part.trim();
    if (!t || t === 'drop') continue;
    const colon = t.indexOf(':');
    const type = (colon < 0 ? t : t.slice(0, colon)).trim();
    const arg = colon < 0 ? undefined : t.slice(colon + 1).trim();
    switch (type) {
      case 'output': {
        const a = arg ?? '';
        out.push({ type, port: Object.hasOwn(RESERVED_PORTS, a.toLowerCase()) ? RESERVED_PORTS[a.toLowerCase()] : numberOrText(a) });
        break;
      }
      case 'group':
        out.push({ type, groupId: numberOrText(arg ?? '') });
        break;
      case 'set_queue':
        out.push({ type, queueId: numberOrText(arg ?? '') });
        break;
      case 'push_vlan':
      case 'push_mpls':
      case 'pop_mpls':
      case 'push_pbb':
        out.push({ type, ethertype: numberOrText(arg ?? '') });
        break;
      case 'set_mpls_ttl':
      case 'set_nw_ttl':
        out.push({ type, ttl: numberOrText(arg ?? '') });
        break;
      case 'set_field': {
        const f = parseMatchText(arg ?? '')[0];
        out.push({ type, field: f ?? { field: '' } });
        break;
      }
      default:
        out.push(arg === undefined ? { type } : { type, value: numberOrText(arg) });
    }
  }
  return out;
}

/** The form's values as text, as typed. */
export interface StaticFlowForm {
  readonly name: string;
  readonly tableId: string;
  readonly priority: string;
  readonly match: string;
  readonly actions: string;
  readonly idleTimeout: string;
  readonly hardTimeout: string;
}

/** The `POST /api/v1/static-flows` body for a form on switch `dpid`; empty numbers are left to the API's defaults. */
export function staticFlowBody(dpid: string, f: StaticFlowForm): Record<string, unknown> {
  const num = (s: string): number | string | undefined => (s.trim() === '' ? undefined : numberOrText(s));
  const body: Record<string, unknown> = { name: f.name.trim(), dpid, match: parseMatchText(f.match), actions: parseActionsText(f.actions) };
  for (const k of ['tableId', 'priority', 'idleTimeout', 'hardTimeout'] as const) {
    const v = num(f[k]);
    if (v !== undefined) body[k] = v;
  }
  return body;
}
