/** Adapts the topology layer (src/topology TopologyService) to the small TopologyService interface apps get. */
import type { TopologyService } from './types.js';

/** The parts of src/topology's service this adapter reads (structural, so apps do not depend on the topology module). */
export interface TopologySource {
  /** The current snapshot (cached by the service until the next change). */
  snapshot(): {
    floodPorts(dpid: bigint, inPort: number): readonly number[];
    readonly switches: ReadonlyMap<bigint, { readonly infrastructurePorts: readonly number[]; readonly treePorts: readonly number[] }>;
  };
  /** True when a discovered link starts or ends at the port. */
  isInfrastructurePort(dpid: bigint, port: number): boolean;
}

/** The apps' view of a running topology service. */
export function topologyView(source: TopologySource): TopologyService {
  return {
    floodPorts: (dpid, inPort) => source.snapshot().floodPorts(dpid, inPort),
    isEdgePort: (dpid, port) => !source.isInfrastructurePort(dpid, port),
    isBlockedPort: (dpid, port) => {
      const sw = source.snapshot().switches.get(dpid);
      return sw !== undefined && sw.infrastructurePorts.includes(port) && !sw.treePorts.includes(port);
    },
    treeSignature: () => {
      const parts: string[] = [];
      for (const [dpid, sw] of source.snapshot().switches) parts.push(`${dpid.toString(16)}:${sw.treePorts.join('.')}`);
      return parts.sort().join(' ');
    },
  };
}
