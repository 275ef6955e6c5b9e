/**
 * Where the trace reads switch tables: `live` asks each switch (flow stats and group
 * descriptions by multipart, ports from the device view), `desired` takes the flow service's
 * desired state (what Signalbox intends) and keeps it indexed between traces while it is unchanged.
 */
import type { Dpid } from '../core/ids.js';
import type { FlowSpec } from '../core/model.js';
import type { DeviceService, SwitchAdminService } from '../core/services.js';
import type { TraceSource } from './network.js';
import { prepareSwitch, traceFlowFromSpec, type PreparedSwitch, type SwitchTables, type TraceFlow, type TraceGroup } from './pipeline.js';

/** The switches as the live source reads them. */
export interface LiveSwitches {
  readonly devices: Pick<DeviceService, 'get'>;
  readonly admin: Pick<SwitchAdminService, 'flowStats' | 'groupDesc'>;
}

async function groupsOf(s: LiveSwitches, dpid: Dpid, version: number): Promise<readonly TraceGroup[]> {
  if (version !== 4) return [];
  const body = await s.admin.groupDesc(dpid);
  return body.type === 'group_desc' ? body.groups : [];
}

/**
 * Reads each visited switch now: its flow table (all tables, 1.3 terms) and group table in
 * parallel, its ports from the device view. A switch that does not answer rejects (OfTimeoutError).
 */
export function liveSource(s: LiveSwitches): TraceSource {
  return {
    async switchTables(dpid: Dpid): Promise<SwitchTables | undefined> {
      const view = s.devices.get(dpid);
      if (!view) return undefined;
      const [flows, groups] = await Promise.all([s.admin.flowStats(dpid), groupsOf(s, dpid, view.version)]);
      return { version: view.version, flows, groups, ports: [...view.ports.values()] };
    },
  };
}

/** One desired flow: its owner and the flow mod the flow service sends for it. */
export interface DesiredFlowRecord {
  readonly owner: string;
  readonly spec: FlowSpec;
}

/** The flow service's desired state as the desired source reads it (FlowService fits). */
export interface DesiredFlows {
  /** Every desired flow of a switch. */
  flows(dpid: Dpid): readonly DesiredFlowRecord[];
}

/**
 * The flow service's desired flows. Groups and ports come from the switch when it is connected
 * (groups read live, best effort: the flow service does not keep group contents); otherwise the
 * trace has none. A switch is known when it is connected or has desired flows. The indexed
 * tables of a switch are kept while its desired records stay the same objects, so repeated
 * traces pay only a scan of the records.
 */
export function desiredSource(desired: DesiredFlows, live?: LiveSwitches): TraceSource {
  const cache = new Map<Dpid, { records: readonly DesiredFlowRecord[]; groups: readonly TraceGroup[]; prepared: PreparedSwitch }>();
  // Records are immutable: a changed flow is a new record, so each record's trace form is made once.
  const flowOf = new WeakMap<DesiredFlowRecord, TraceFlow>();
  const traceFlow = (r: DesiredFlowRecord): TraceFlow => {
    let f = flowOf.get(r);
    if (f === undefined) {
      f = traceFlowFromSpec(r.spec, r.owner);
      flowOf.set(r, f);
    }
    return f;
  };
  return {
    async switchTables(dpid: Dpid): Promise<PreparedSwitch | undefined> {
      const records = desired.flows(dpid);
      const view = live?.devices.get(dpid);
      if (!view && records.length === 0) return undefined;
      const version = view?.version ?? 4;
      const groups = view && live ? await groupsOf(live, dpid, version).catch(() => []) : [];
      const hit = cache.get(dpid);
      if (hit && hit.groups.length === 0 && groups.length === 0 && hit.prepared.version === version && sameRecords(hit.records, records) && samePorts(hit.prepared, view)) return hit.prepared;
      const prepared = prepareSwitch({
        version,
        flows: records.map(traceFlow),
        groups,
        ports: view ? [...view.ports.values()] : [],
      });
      cache.set(dpid, { records: [...records], groups, prepared });
      return prepared;
    },
  };
}

function sameRecords(a: readonly DesiredFlowRecord[], b: readonly DesiredFlowRecord[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function samePorts(p: PreparedSwitch, view: { readonly ports: ReadonlyMap<number, { readonly portNo: number; readonly config: number; readonly state: number }> } | undefined): boolean {
  const ports = view?.ports;
  if (!ports) return p.ports.size === 0;
  if (ports.size !== p.ports.size) return false;
  for (const [n, q] of ports) {
    const o = p.ports.get(n);
    if (!o || o.config !== q.config || o.state !== q.state) return false;
  }
  return true;
}
