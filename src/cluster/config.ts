/** Cluster mode settings: etcd endpoints turn it on; everything else has a default here. */
import { randomBytes } from 'node:crypto';
import { defaultConfig } from '../config.js';

/** The `cluster` section of the configuration. Without `etcd.endpoints` the controller runs standalone. */
export interface ClusterConfig {
  readonly etcd: {
    /** etcd client URLs (`http://10.0.0.5:2379`); empty = standalone (no etcd needed). */
    readonly endpoints: readonly string[];
    /** Prefix of every key this cluster writes, so several clusters can share one etcd. */
    readonly prefix: string;
    /** Limit of one etcd request (keepalive, claim, store operation). */
    readonly requestTimeoutMs: number;
  };
  /** This instance's name in the cluster; empty = a random one at each start. */
  readonly instanceId: string;
  /**
   * Lease TTL in seconds: an instance that stops renewing for this long is gone and its switches
   * get new masters. It demotes itself one second before (see `demoteMarginMs`).
   */
  readonly leaseTtlSec: number;
  /** The instance gives up mastership when its last good keepalive is older than TTL minus this. */
  readonly demoteMarginMs: number;
  /** How often the lease is renewed. */
  readonly keepaliveIntervalMs: number;
  /** Addresses other instances and tools may use to reach this one (shown in cluster status). */
  readonly advertise: {
    /** Northbound API `host:port`; empty = the API's listen address. */
    readonly api: string;
    /** OpenFlow `host:port` switches use for this instance; empty = the first OpenFlow listener. */
    readonly openflow: string;
  };
  /** Local links and hosts are published to etcd at most this often (changes are batched). */
  readonly topologyPublishMs: number;
  /**
   * How long the merged topology keeps a link whose probes stopped because their sender may
   * have died (the link timed out and another instance masters its source switch), and the
   * entries of an instance whose lease expired: long enough for the new masters to probe again,
   * so a failover does not change the broadcast tree. A port going down still removes at once.
   */
  readonly topologyGraceMs: number;
}

/** Every default of the cluster section (they live in src/config.ts with all other defaults). */
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
 * Fills defaults, picks an instance id when none is set, and checks values; throws RangeError
 * naming the bad field.
 */
export function resolveClusterConfig(input: ClusterConfigInput = {}): ClusterConfig {
  const d = defaultClusterConfig;
  const c: ClusterConfig = {
    etcd: { ...d.etcd, ...input.etcd },
    instanceId: input.instanceId || randomInstanceId(),
    leaseTtlSec: input.leaseTtlSec ?? d.leaseTtlSec,
    demoteMarginMs: input.demoteMarginMs ?? d.demoteMarginMs,
    keepaliveIntervalMs: input.keepaliveIntervalMs ?? d.keepaliveIntervalMs,
    advertise: { ...d.advertise, ...input.advertise },
    topologyPublishMs: input.topologyPublishMs ?? d.topologyPublishMs,
    topologyGraceMs: input.topologyGraceMs ?? d.topologyGraceMs,
  };
  if (!Number.isInteger(c.leaseTtlSec) || c.leaseTtlSec < 2) throw new RangeError('cluster.leaseTtlSec: an integer of at least 2 seconds (etcd refuses shorter leases)');
  if (!(c.demoteMarginMs > 0) || c.demoteMarginMs >= c.leaseTtlSec * 1000) throw new RangeError('cluster.demoteMarginMs: above 0 and below the lease TTL');
  if (!(c.keepaliveIntervalMs > 0) || c.keepaliveIntervalMs * 2 > c.leaseTtlSec * 1000 - c.demoteMarginMs) {
    throw new RangeError('cluster.keepaliveIntervalMs: above 0, and at least two keepalives must fit before the demotion deadline');
  }
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(c.instanceId)) throw new RangeError(`cluster.instanceId: 1-64 of A-Z a-z 0-9 . _ -, got ${JSON.stringify(c.instanceId)}`);
  if (!c.etcd.prefix.endsWith('/')) throw new RangeError(`cluster.etcd.prefix: must end with '/', got ${JSON.stringify(c.etcd.prefix)}`);
  for (const e of c.etcd.endpoints) {
    if (!/^https?:\/\/[^/\s]+\/?$/.test(e)) throw new RangeError(`cluster.etcd.endpoints: expected http(s)://host:port, got ${JSON.stringify(e)}`);
  }
  return c;
}
