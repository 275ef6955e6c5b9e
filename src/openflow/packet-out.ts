/** Small builders of packet-out actions shared by the packet service and apps' pure logic. */
import { OFP_NO_BUFFER, OFPCML, OFPP } from './codec/constants.js';
import type { Action } from './codec/v13/actions.js';
import type { PacketOutSpec } from '../core/model.js';

/** One output to OFPP_FLOOD (every port but the input one, as the switch itself decides). */
export const FLOOD_ACTIONS: readonly Action[] = Object.freeze([Object.freeze({ type: 'output', port: OFPP.FLOOD } as const)]);

/** One output of the whole packet to the controller (a table-miss or trap flow's actions). */
export const CONTROLLER_ACTIONS: readonly Action[] = Object.freeze([Object.freeze({ type: 'output', port: OFPP.CONTROLLER, maxLen: OFPCML.NO_BUFFER } as const)]);

/** Port numbers whose one-output action list is made once and shared (every switch's usual ports). */
const SHARED_OUTPUT_PORTS = 4096;
const sharedOutputs: (readonly Action[] | undefined)[] = [];

/**
 * The action list "output to `port`": for port numbers below 4,096 one frozen list, shared, so
 * answering a packet-in allocates none (and its 1.0 translation is kept, see actionsTo10).
 */
export function outputTo(port: number): readonly Action[] {
  if (port >= 0 && port < SHARED_OUTPUT_PORTS) return (sharedOutputs[port] ??= Object.freeze([Object.freeze({ type: 'output', port } as const)]));
  return [{ type: 'output', port }];
}

/** Action lists made for frozen port lists, shared while the port list lives. */
const sharedForPorts = new WeakMap<readonly number[], readonly Action[]>();

/**
 * Output actions to each port, in order. For a frozen port list (the topology's flood ports, one
 * per port of a switch while its broadcast tree stands) the action list is made once, frozen, of
 * outputTo's shared actions, and shared: a flood then allocates none, its 1.0 translation is kept
 * (see actionsTo10), and its actions have the same shape as a forward's.
 */
export function outputActions(ports: readonly number[]): readonly Action[] {
  const known = sharedForPorts.get(ports);
  if (known !== undefined) return known;
  const out: Action[] = new Array<Action>(ports.length);
  if (!Object.isFrozen(ports)) {
    for (let i = 0; i < ports.length; i++) out[i] = { type: 'output', port: ports[i]! };
    return out;
  }
  for (let i = 0; i < ports.length; i++) {
    const a = outputTo(ports[i]!)[0]!;
    out[i] = Object.isFrozen(a) ? a : Object.freeze(a);
  }
  const shared = Object.freeze(out);
  sharedForPorts.set(ports, shared);
  return shared;
}

/** A packet-out of the packet-in's buffer when the switch buffered it, of its bytes when not. */
export function packetOutOf(inPort: number, bufferId: number, data: Buffer, actions: readonly Action[]): PacketOutSpec {
  return bufferId !== OFP_NO_BUFFER ? { inPort, bufferId, actions } : { inPort, actions, data };
}
