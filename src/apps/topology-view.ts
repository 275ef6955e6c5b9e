/** Adapts the topology layer (src/topology TopologyService) to the small TopologyService interface apps get. */
import type { TopologySnapshot } from '../core/model.js';
import type { TopologyService } from './types.js';

/** The parts of src/topology's service this adapter reads (structural, so apps do not depend on the topology module). */
export interface TopologySource {
  /** The switch-level topology (rebuilt only when switches, ports or links change, not per host). */
  fabric(): {
    readonly switches: ReadonlyMap<bigint, { readonly infrastructurePorts: readonly number[]; readonly treePorts: readonly number[] }>;
  };
  /** Ports to flood out of on the broadcast tree. */
  floodPorts(dpid: bigint, inPort: number): readonly number[];
  /** The full snapshot (paths, hosts), when the source has one. */
  snapshot?(): TopologySnapshot;
  /** True when a discovered link starts or ends at the port. */
  isInfrastructurePort(dpid: bigint, port: number): boolean;
}

/** The apps' view of a running topology service. */
export function topologyView(source: TopologySource): TopologyService {
  return {
    floodPorts: (dpid, inPort) => source.floodPorts(dpid, inPort),
    ...(source.snapshot ? { snapshot: () => source.snapshot!() } : {}),
    // The fabric object is rebuilt only when switches, ports or links change: its identity is the version.
    fabricVersion: () => source.fabric(),
    isEdgePort: (dpid, port) => !source.isInfrastructurePort(dpid, port),
    isBlockedPort: (dpid, port) => {
      const sw = source.fabric().switches.get(dpid);
      return sw !== undefined && sw.infrastructurePorts.includes(port) && !sw.treePorts.includes(port);
    },
    treeSignature: () => {
      const parts: string[] = [];
      for (const [dpid, sw] of source.fabric().switches) parts.push(`${dpid.toString(16)}:${sw.treePorts.join('.')}`);
      return parts.sort().join(' ');
    },
  };
}
