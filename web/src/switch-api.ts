/** The REST calls of the switch view and the link-load overlay, through the console's one client (api.ts). */
import type { Api } from './api.js';
import type { FlowJson, SwitchSampleJson, TypedJson } from './switch-model.js';

const sw = (dpid: string): string => `/switches/${encodeURIComponent(dpid)}`;

/** A group as `GET /switches/:dpid/groups` lists it. */
export interface GroupJson {
  readonly groupId: number;
  readonly groupType: number;
  readonly buckets: readonly { readonly weight?: number; readonly watchPort?: number; readonly watchGroup?: number; readonly actions: readonly TypedJson[] }[];
}

/** A group's counters (`/groups/stats`). */
export interface GroupStatsJson {
  readonly groupId: number;
  readonly refCount?: number;
  readonly packetCount?: string;
  readonly byteCount?: string;
  readonly durationSec?: number;
}

/** A meter as `GET /switches/:dpid/meters` lists it. */
export interface MeterJson {
  readonly meterId: number;
  readonly flags: number;
  readonly bands: readonly { readonly type: string; readonly rate: number; readonly burstSize?: number; readonly precLevel?: number }[];
}

/** A meter's counters (`/meters/stats`). */
export interface MeterStatsJson {
  readonly meterId: number;
  readonly flowCount?: number;
  readonly packetInCount?: string;
  readonly byteInCount?: string;
  readonly durationSec?: number;
}

/** A static flow entry (`/api/v1/static-flows`). */
export interface StaticFlowJson {
  readonly id: string;
  readonly name: string;
  readonly dpid: string;
  readonly tableId: number;
  readonly priority: number;
  readonly match: readonly { field: string; value?: unknown; mask?: unknown }[];
  readonly actions?: readonly TypedJson[];
  readonly instructions?: readonly TypedJson[];
  readonly source?: 'config';
}

export const switchApi = {
  /** The whole table (the route pages at 1,000 by default; 10,000 is its largest page). */
  flows: (api: Api, dpid: string): Promise<FlowJson[]> => api.get<FlowJson[]>(`${sw(dpid)}/flows?limit=10000`),
  groups: (api: Api, dpid: string): Promise<GroupJson[]> => api.get<GroupJson[]>(`${sw(dpid)}/groups`),
  groupStats: (api: Api, dpid: string): Promise<GroupStatsJson[]> => api.get<GroupStatsJson[]>(`${sw(dpid)}/groups/stats`),
  meters: (api: Api, dpid: string): Promise<MeterJson[]> => api.get<MeterJson[]>(`${sw(dpid)}/meters`),
  meterStats: (api: Api, dpid: string): Promise<MeterStatsJson[]> => api.get<MeterStatsJson[]>(`${sw(dpid)}/meters/stats`),
  /** Port counters of some switches (all when `dpids` is undefined). */
  portSamples: (api: Api, dpids?: readonly string[]): Promise<SwitchSampleJson[]> => api.get<SwitchSampleJson[]>(`/stats/ports${dpids ? `?dpid=${dpids.map(encodeURIComponent).join(',')}` : ''}`),
  /** Whether an app runs (a stopped static-flows app answers its routes with 503). */
  appRunning: async (api: Api, name: string): Promise<boolean> => (await api.get<{ state: string }>(`/apps/${encodeURIComponent(name)}`)).state === 'running',
  staticFlows: (api: Api): Promise<StaticFlowJson[]> => api.get<StaticFlowJson[]>('/static-flows'),
  addStaticFlow: (api: Api, body: unknown): Promise<StaticFlowJson> => api.send<StaticFlowJson>('POST', '/static-flows', body),
  deleteStaticFlow: (api: Api, name: string): Promise<unknown> => api.send('DELETE', `/static-flows/${encodeURIComponent(name)}`),
};
