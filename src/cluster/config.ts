/**
 * Cluster mode settings: etcd endpoints turn it on. The settings themselves are declared with
 * every other one in src/config.ts (`clusterSchema`); this file fills and checks them.
 */
import { randomBytes } from 'node:crypto';
import { clusterSchema, defaultConfig, type ClusterConfig } from '../config.js';
import { formatPath, mergeValues, validate } from '../core/config-schema.js';

export type { ClusterConfig } from '../config.js';

/** Every default of the cluster section. */
export const defaultClusterConfig: ClusterConfig = defaultConfig.cluster;

/** A partial cluster section as a config file gives it. */
export interface ClusterConfigInput {
  readonly etcd?: Partial<ClusterConfig['etcd']>;
  readonly instanceId?: string;
  readonly leaseTtlSec?: number;
  readonly demoteMarginMs?: number;
  readonly keepaliveIntervalMs?: number;
  readonly advertise?: Partial<ClusterConfig['advertise']>;
  readonly topologyPublishMs?: number;
  readonly topologyGraceMs?: number;
  readonly holdDownMs?: number;
}

/** True when the section turns cluster mode on. */
export function clusterEnabled(c: Pick<ClusterConfig, 'etcd'> | undefined): boolean {
  return c !== undefined && c.etcd.endpoints.length > 0;
}

/** A random instance id: `sb-` and 8 hex digits. */
export function randomInstanceId(): string {
  return `sb-${randomBytes(4).toString('hex')}`;
}

/**
 * Fills defaults, picks an instance id when none is set, and checks values against the
 * declarations; throws RangeError naming the bad field (`cluster.leaseTtlSec: ...`).
 */
export function resolveClusterConfig(input: ClusterConfigInput = {}): ClusterConfig {
  const merged = mergeValues(clusterSchema, defaultClusterConfig, input) as ClusterConfig;
  const c: ClusterConfig = { ...merged, instanceId: merged.instanceId || randomInstanceId() };
  const issue = validate(clusterSchema, c, ['cluster']);
  if (issue) throw new RangeError(`${formatPath(issue.path)}: ${issue.message}`);
  return c;
}
