/** The packet trace: where a packet goes through one switch's tables (pipeline.ts) and across the network. */
export { compileMatch, matchesPacket, type CompiledMatch } from './match.js';
export {
  changedFields,
  packetFromFields,
  PacketState,
  TracePacketError,
  type PacketFieldName,
  type PacketValue,
  type TracePacket,
} from './packet.js';
export {
  prepareSwitch,
  RESERVED_PORT_NAMES,
  traceFlowFromSpec,
  traceSwitch,
  type ActionStage,
  type ExecutedAction,
  type GroupHop,
  type PreparedSwitch,
  type SwitchOutput,
  type SwitchTables,
  type SwitchTrace,
  type TableVisit,
  type TraceFlow,
  type TraceGroup,
  type TracePort,
} from './pipeline.js';
export { networkView, traceNetwork, TraceSwitchError, type HopNext, type HopOutput, type NetworkTrace, type NetworkTraceOptions, type TraceHop, type TraceNetworkView, type TraceOutcome, type TraceSource } from './network.js';
export { traceToJson } from './json.js';
export { desiredSource, liveSource, type DesiredFlowRecord, type DesiredFlows, type LiveSwitches } from './sources.js';
