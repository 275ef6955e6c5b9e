/**
 * The latest port and flow counters of every switch, pure: samples go in with `now`, rates come
 * out of the difference with the previous sample, and the view the API reads is plain JSON-safe
 * data (counters as numbers: exact up to 2^53).
 */
import type { PortStats } from '../../openflow/codec/v13/multipart.js';
import type { Match } from '../../openflow/codec/v13/oxm.js';
import { dpidToHex } from '../../core/ids.js';

/** One port's counters as a sample gives them (the fields 1.3 and 1.0 port stats share). */
export type PortCounters = Pick<PortStats, 'portNo' | 'rxPackets' | 'txPackets' | 'rxBytes' | 'txBytes' | 'rxDropped' | 'txDropped' | 'rxErrors' | 'txErrors'>;

/** One flow's counters (a FlowEntry fits). */
export interface FlowCounters {
  readonly tableId: number;
  readonly priority: number;
  readonly cookie: bigint;
  readonly match: Match;
  readonly packetCount: bigint;
  readonly byteCount: bigint;
  readonly durationSec: number;
}

/** A port in the view. Rates are per second since the previous sample (absent on the first). */
export interface PortView {
  readonly portNo: number;
  readonly rxPackets: number;
  readonly txPackets: number;
  readonly rxBytes: number;
  readonly txBytes: number;
  readonly rxDropped: number;
  readonly txDropped: number;
  readonly rxErrors: number;
  readonly txErrors: number;
  readonly rxBytesPerSec?: number;
  readonly txBytesPerSec?: number;
  readonly rxPacketsPerSec?: number;
  readonly txPacketsPerSec?: number;
}

/** A flow in the view; `cookie` as 16 hex digits. */
export interface FlowView {
  readonly tableId: number;
  readonly priority: number;
  readonly cookie: string;
  readonly match: Match;
  readonly packetCount: number;
  readonly byteCount: number;
  readonly durationSec: number;
}

/** One switch's latest stats. */
export interface SwitchStats {
  readonly dpid: string;
  /** When the port sample was taken (ms). */
  readonly portsAt?: number;
  readonly ports: readonly PortView[];
  readonly flowsAt?: number;
  readonly flows: readonly FlowView[];
  readonly flowCount: number;
  readonly flowPackets: number;
  readonly flowBytes: number;
}

/** Counter increases of one port sample, summed over the switch's ports (for monotonic metrics). */
export interface PortDeltas {
  rxBytes: number;
  txBytes: number;
  rxPackets: number;
  txPackets: number;
  rxDropped: number;
  txDropped: number;
}

/** OpenFlow says an unsupported counter is all ones. */
const UNSUPPORTED = 0xffff_ffff_ffff_ffffn;

function num(v: bigint): number {
  return v === UNSUPPORTED ? -1 : Number(v);
}

function diff(now: number, before: number): number {
  // A counter that went back (port reset, switch restart) starts over.
  return now >= before && before >= 0 ? now - before : Math.max(0, now);
}

/** The latest stats of every switch. */
export class StatsView {
  private readonly switches = new Map<bigint, { dpid: string; portsAt?: number; ports: PortView[]; flowsAt?: number; flows: FlowView[] }>();

  private entry(dpid: bigint) {
    let e = this.switches.get(dpid);
    if (!e) {
      e = { dpid: dpidToHex(dpid), ports: [], flows: [] };
      this.switches.set(dpid, e);
    }
    return e;
  }

  /** Records a port sample; returns the counter increases since the previous one (zero on the first). */
  recordPorts(dpid: bigint, now: number, ports: readonly PortCounters[]): PortDeltas {
    const e = this.entry(dpid);
    const prev = new Map(e.ports.map((p) => [p.portNo, p]));
    const dtSec = e.portsAt !== undefined ? (now - e.portsAt) / 1000 : 0;
    const d: PortDeltas = { rxBytes: 0, txBytes: 0, rxPackets: 0, txPackets: 0, rxDropped: 0, txDropped: 0 };
    const out: PortView[] = [];
    for (const p of [...ports].sort((a, b) => a.portNo - b.portNo)) {
      const v = {
        portNo: p.portNo,
        rxPackets: num(p.rxPackets),
        txPackets: num(p.txPackets),
        rxBytes: num(p.rxBytes),
        txBytes: num(p.txBytes),
        rxDropped: num(p.rxDropped),
        txDropped: num(p.txDropped),
        rxErrors: num(p.rxErrors),
        txErrors: num(p.txErrors),
      };
      const b = prev.get(p.portNo);
      if (b && dtSec > 0) {
        const rb = diff(v.rxBytes, b.rxBytes);
        const tb = diff(v.txBytes, b.txBytes);
        const rp = diff(v.rxPackets, b.rxPackets);
        const tp = diff(v.txPackets, b.txPackets);
        d.rxBytes += rb;
        d.txBytes += tb;
        d.rxPackets += rp;
        d.txPackets += tp;
        d.rxDropped += diff(v.rxDropped, b.rxDropped);
        d.txDropped += diff(v.txDropped, b.txDropped);
        out.push({ ...v, rxBytesPerSec: rb / dtSec, txBytesPerSec: tb / dtSec, rxPacketsPerSec: rp / dtSec, txPacketsPerSec: tp / dtSec });
      } else {
        out.push(v);
      }
    }
    e.ports = out;
    e.portsAt = now;
    return d;
  }

  /** Records a flow sample. */
  recordFlows(dpid: bigint, now: number, flows: readonly FlowCounters[]): void {
    const e = this.entry(dpid);
    e.flows = flows.map((f) => ({
      tableId: f.tableId,
      priority: f.priority,
      cookie: f.cookie.toString(16).padStart(16, '0'),
      match: f.match,
      packetCount: num(f.packetCount),
      byteCount: num(f.byteCount),
      durationSec: f.durationSec,
    }));
    e.flowsAt = now;
  }

  /** Forgets a switch (it disconnected). */
  forget(dpid: bigint): void {
    this.switches.delete(dpid);
  }

  /** One switch's latest stats. */
  get(dpid: bigint): SwitchStats | undefined {
    const e = this.switches.get(dpid);
    if (!e) return undefined;
    let packets = 0;
    let bytes = 0;
    for (const f of e.flows) {
      if (f.packetCount > 0) packets += f.packetCount;
      if (f.byteCount > 0) bytes += f.byteCount;
    }
    return {
      dpid: e.dpid,
      ...(e.portsAt !== undefined ? { portsAt: e.portsAt } : {}),
      ports: e.ports,
      ...(e.flowsAt !== undefined ? { flowsAt: e.flowsAt } : {}),
      flows: e.flows,
      flowCount: e.flows.length,
      flowPackets: packets,
      flowBytes: bytes,
    };
  }

  /** Every switch's latest stats, by dpid. */
  all(): SwitchStats[] {
    return [...this.switches.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((d) => this.get(d)!);
  }
}
