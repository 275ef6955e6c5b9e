/** Small builders of packet-out actions shared by the packet service and apps' pure logic. */
import { OFP_NO_BUFFER, OFPP } from './codec/constants.js';
import type { Action } from './codec/v13/actions.js';
import type { PacketOutSpec } from '../core/model.js';

/** One output to OFPP_FLOOD (every port but the input one, as the switch itself decides). */
export const FLOOD_ACTIONS: readonly Action[] = Object.freeze([{ type: 'output', port: OFPP.FLOOD }] as const);

/** Output actions to each port, in order. */
export function outputActions(ports: readonly number[]): Action[] {
  const out: Action[] = new Array<Action>(ports.length);
  for (let i = 0; i < ports.length; i++) out[i] = { type: 'output', port: ports[i]! };
  return out;
}

/** A packet-out of the packet-in's buffer when the switch buffered it, of its bytes when not. */
export function packetOutOf(inPort: number, bufferId: number, data: Buffer, actions: readonly Action[]): PacketOutSpec {
  return bufferId !== OFP_NO_BUFFER ? { inPort, bufferId, actions } : { inPort, actions, data };
}
