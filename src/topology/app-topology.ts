/** The topology layer as the core TopologyService apps are given, over the local service or the cluster's merged view. */
import { dpidToHex, type Dpid } from '../core/ids.js';
import type { TopologySnapshot } from '../core/model.js';
import type { TopologyService } from '../core/services.js';

/** What the adapter reads: src/topology's TopologyService, or the cluster's merged view. */
export interface TopologySource {
  /** The switch-level topology (rebuilt only when switches, ports or links change, not per host). */
  fabric(): {
    readonly switches: ReadonlyMap<Dpid, { readonly infrastructurePorts: readonly number[]; readonly treePorts: readonly number[] }>;
  };
  /** Ports to flood out of on the broadcast tree. */
  floodPorts(dpid: Dpid, inPort: number): readonly number[];
  /** The full snapshot (paths, hosts). */
  snapshot(): TopologySnapshot;
  /** True when a discovered link starts or ends at the port. */
  isInfrastructurePort(dpid: Dpid, port: number): boolean;
}

/** The apps' view of a running topology source. */
export function appTopology(source: TopologySource): TopologyService {
  return {
    floodPorts: (dpid, inPort) => source.floodPorts(dpid, inPort),
    snapshot: () => source.snapshot(),
    // The fabric object is rebuilt only when switches, ports or links change: its identity is the version.
    fabricVersion: () => source.fabric(),
    isEdgePort: (dpid, port) => !source.isInfrastructurePort(dpid, port),
    isBlockedPort: (dpid, port) => {
      const sw = source.fabric().switches.get(dpid);
      return sw !== undefined && sw.infrastructurePorts.includes(port) && !sw.treePorts.includes(port);
    },
    treeSignature: () => {
      const parts: string[] = [];
      for (const [dpid, sw] of source.fabric().switches) parts.push(`${dpidToHex(dpid)}:${sw.treePorts.join('.')}`);
      return parts.sort().join(' ');
    },
  };
}
