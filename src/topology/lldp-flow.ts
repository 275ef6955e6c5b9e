/**
 * The reserved LLDP-to-controller flow every switch gets, and its cookie. The topology declares it
 * through the flow service under the controller's own owner id (0x5b1d, owner `topology`), so it
 * is reconciled like app flows; app flow mods must not delete or change it (see {@link touchesReservedFlows}).
 */
import { CONTROLLER_ACTIONS } from '../openflow/packet-out.js';
import type { FlowSpec } from '../core/model.js';
import type { FlowRule } from '../core/services.js';
import { ETH_TYPE } from '../packet/index.js';

/** Cookie bits reserved for the controller's own flows (the top 16 bits). */
export const RESERVED_COOKIE_MASK = 0xffff_0000_0000_0000n;
/** Value of the reserved bits: a cookie `c` is the controller's when `(c & RESERVED_COOKIE_MASK) === RESERVED_COOKIE_VALUE`. */
export const RESERVED_COOKIE_VALUE = 0x5b1d_0000_0000_0000n;
/** The LLDP flow's own low cookie bits under the controller's owner id. */
export const LLDP_FLOW_LOCAL_COOKIE = 0x1n;
/** Cookie of the LLDP flow. */
export const LLDP_FLOW_COOKIE = RESERVED_COOKIE_VALUE | LLDP_FLOW_LOCAL_COOKIE;
/** OFPFF_SEND_FLOW_REM: the switch tells us when the flow goes, and we put it back. */
const OFPFF_SEND_FLOW_REM = 1;

/** True when a cookie is in the controller's reserved range. */
export function isReservedCookie(cookie: bigint): boolean {
  return (cookie & RESERVED_COOKIE_MASK) === RESERVED_COOKIE_VALUE;
}

/**
 * True when a flow mod from an app could hit a reserved flow: an add or modify carrying a reserved
 * cookie, or a delete/modify whose cookie filter (`cookie`/`cookieMask`, OpenFlow 1.3
 * ofp_flow_mod) lets a reserved cookie through. The flow service refuses those.
 */
export function touchesReservedFlows(spec: FlowSpec): boolean {
  const command = spec.command ?? 'add';
  const cookie = spec.cookie ?? 0n;
  if (isReservedCookie(cookie)) return true;
  if (command === 'add') return false;
  const mask = spec.cookieMask ?? 0n;
  // The switch selects flows with (flow.cookie & mask) === (cookie & mask).
  return (LLDP_FLOW_COOKIE & mask) === (cookie & mask);
}

/**
 * The LLDP flow as the topology asks the flow service for it: every LLDP frame (EtherType 0x88cc)
 * whole to the controller, above any app flow; the scope adds the owner id to the cookie.
 */
export function lldpFlowRule(priority: number): FlowRule {
  return {
    tableId: 0,
    priority,
    cookie: LLDP_FLOW_LOCAL_COOKIE,
    flags: OFPFF_SEND_FLOW_REM,
    match: [{ field: 'eth_type', value: ETH_TYPE.LLDP }],
    actions: CONTROLLER_ACTIONS,
  };
}
