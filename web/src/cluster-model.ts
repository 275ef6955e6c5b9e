/**
 * The cluster as the console shows it, pure (tested in test/unit/web-cluster-model.test.ts): the
 * answer of `GET /api/v1/cluster` in either mode, and a colour per instance for the switches it
 * masters (the topology view's colouring and legend).
 */

/** One instance of a cluster (`mode: 'cluster'`). */
export interface ClusterMemberJson {
  readonly instanceId: string;
  readonly self: boolean;
  readonly health?: 'healthy' | 'isolated';
  readonly api?: string;
  readonly openflow?: string;
  readonly startedAt?: string;
  /** Switches it masters (dpids). */
  readonly masterOf?: readonly string[];
  /** Switches it is connected to. */
  readonly connected?: readonly string[];
  /** Standalone answers give the role instead. */
  readonly role?: string;
}

/** One switch in a cluster answer. */
export interface ClusterSwitchJson {
  readonly dpid: string;
  readonly master: string | null;
  readonly generationId: string | null;
  readonly localRole?: string;
}

/** `GET /api/v1/cluster`: a cluster (members, switches with their master) or a standalone controller. */
export type ClusterJson =
  | {
      readonly mode: 'cluster';
      readonly instanceId: string;
      readonly health: 'healthy' | 'isolated';
      readonly since: string;
      readonly leaseTtlSec?: number;
      readonly lastKeepaliveAgoMs?: number | null;
      readonly members: readonly ClusterMemberJson[];
      readonly switches: readonly ClusterSwitchJson[];
    }
  | {
      readonly mode: 'standalone';
      readonly instanceId: string;
      readonly since: string;
      readonly members: readonly ClusterMemberJson[];
      readonly switches: number;
    };

/** The events after which the cluster's status is read again (the session's stream carries them). */
export const CLUSTER_STREAM_TYPES = ['clusterChanged'] as const;

/** Instance colours, in instance-id order; distinct from the link states' green, amber and red. */
export const INSTANCE_COLORS = ['#2563eb', '#9333ea', '#0891b2', '#db2777', '#65a30d', '#ea580c', '#4f46e5', '#0d9488'] as const;
/** A switch nobody masters right now (a failover in progress). */
export const NO_MASTER_COLOR = '#94a3b8';

/** The colouring of switches by master: each dpid's colour, and the legend (instance, colour, switches mastered). */
export interface MasterColours {
  readonly byDpid: ReadonlyMap<string, string>;
  readonly legend: readonly { readonly instanceId: string; readonly color: string; readonly switches: number }[];
}

/** Colours by master instance in a cluster; undefined for a standalone controller (nothing to tell apart). */
export function masterColours(c: ClusterJson | undefined): MasterColours | undefined {
  if (!c || c.mode !== 'cluster') return undefined;
  const ids = [...new Set([...c.members.map((m) => m.instanceId), ...c.switches.flatMap((s) => (s.master ? [s.master] : []))])].sort();
  const colorOf = new Map<string, string>(ids.map((id, i) => [id, INSTANCE_COLORS[i % INSTANCE_COLORS.length]!]));
  const byDpid = new Map<string, string>();
  const counts = new Map<string, number>();
  for (const s of c.switches) {
    byDpid.set(s.dpid, s.master ? colorOf.get(s.master)! : NO_MASTER_COLOR);
    if (s.master) counts.set(s.master, (counts.get(s.master) ?? 0) + 1);
  }
  const legend: { instanceId: string; color: string; switches: number }[] = ids.map((instanceId) => ({ instanceId, color: colorOf.get(instanceId)!, switches: counts.get(instanceId) ?? 0 }));
  if (c.switches.some((s) => !s.master)) legend.push({ instanceId: 'no master', color: NO_MASTER_COLOR, switches: c.switches.filter((s) => !s.master).length });
  return { byDpid, legend };
}
