/** OpenFlow 1.3 enums and flag bits used in message bodies, under the spec's own names (openflow.h, 1.3.5). */

/** ofp_flow_mod_command. */
export const OFPFC = { ADD: 0, MODIFY: 1, MODIFY_STRICT: 2, DELETE: 3, DELETE_STRICT: 4 } as const;

/** ofp_flow_mod_flags (bits). */
export const OFPFF = {
  SEND_FLOW_REM: 1 << 0,
  CHECK_OVERLAP: 1 << 1,
  RESET_COUNTS: 1 << 2,
  NO_PKT_COUNTS: 1 << 3,
  NO_BYT_COUNTS: 1 << 4,
} as const;

/** ofp_packet_in_reason. */
export const OFPR = { NO_MATCH: 0, ACTION: 1, INVALID_TTL: 2 } as const;

/** ofp_flow_removed_reason. */
export const OFPRR = { IDLE_TIMEOUT: 0, HARD_TIMEOUT: 1, DELETE: 2, GROUP_DELETE: 3 } as const;

/** ofp_port_reason (PORT_STATUS). */
export const OFPPR = { ADD: 0, DELETE: 1, MODIFY: 2 } as const;

/** ofp_group_mod_command. */
export const OFPGC = { ADD: 0, MODIFY: 1, DELETE: 2 } as const;

/** ofp_group_type. */
export const OFPGT = { ALL: 0, SELECT: 1, INDIRECT: 2, FF: 3 } as const;

/** ofp_meter_mod_command. */
export const OFPMC = { ADD: 0, MODIFY: 1, DELETE: 2 } as const;

/** ofp_meter_flags (bits). */
export const OFPMF = { KBPS: 1 << 0, PKTPS: 1 << 1, BURST: 1 << 2, STATS: 1 << 3 } as const;

/** ofp_meter_band_type. */
export const OFPMBT = { DROP: 1, DSCP_REMARK: 2, EXPERIMENTER: 0xffff } as const;

/** ofp_controller_role (ROLE_REQUEST / ROLE_REPLY). */
export const OFPCR_ROLE = { NOCHANGE: 0, EQUAL: 1, MASTER: 2, SLAVE: 3 } as const;

/** ofp_capabilities (FEATURES_REPLY bits). */
export const OFPC = {
  FLOW_STATS: 1 << 0,
  TABLE_STATS: 1 << 1,
  PORT_STATS: 1 << 2,
  GROUP_STATS: 1 << 3,
  IP_REASM: 1 << 5,
  QUEUE_STATS: 1 << 6,
  PORT_BLOCKED: 1 << 8,
} as const;

/** ofp_port_config (bits). */
export const OFPPC = { PORT_DOWN: 1 << 0, NO_RECV: 1 << 2, NO_FWD: 1 << 5, NO_PACKET_IN: 1 << 6 } as const;

/** ofp_port_state (bits). */
export const OFPPS = { LINK_DOWN: 1 << 0, BLOCKED: 1 << 1, LIVE: 1 << 2 } as const;

/** ofp_port_features (bits): speeds, duplex, medium, autonegotiation, pause. */
export const OFPPF = {
  '10MB_HD': 1 << 0,
  '10MB_FD': 1 << 1,
  '100MB_HD': 1 << 2,
  '100MB_FD': 1 << 3,
  '1GB_HD': 1 << 4,
  '1GB_FD': 1 << 5,
  '10GB_FD': 1 << 6,
  '40GB_FD': 1 << 7,
  '100GB_FD': 1 << 8,
  '1TB_FD': 1 << 9,
  OTHER: 1 << 10,
  COPPER: 1 << 11,
  FIBER: 1 << 12,
  AUTONEG: 1 << 13,
  PAUSE: 1 << 14,
  PAUSE_ASYM: 1 << 15,
} as const;

/** ofp_queue_properties (queue property types). */
export const OFPQT = { MIN_RATE: 1, MAX_RATE: 2, EXPERIMENTER: 0xffff } as const;

/** ofp_table_config (TABLE_MOD); 1.3 deprecates the 1.1 miss bits. */
export const OFPTC = { DEPRECATED_MASK: 3 } as const;

/**
 * Async configuration mask bits (ofp_async_config): bit `1 << reason` enables that reason.
 * Each mask is a pair: [master or equal role, slave role].
 */
export const OFP_ASYNC_PACKET_IN = {
  NO_MATCH: 1 << OFPR.NO_MATCH,
  ACTION: 1 << OFPR.ACTION,
  INVALID_TTL: 1 << OFPR.INVALID_TTL,
} as const;

/** PORT_STATUS reasons in an async mask: bit `1 << OFPPR_*`. */
export const OFP_ASYNC_PORT_STATUS = {
  ADD: 1 << OFPPR.ADD,
  DELETE: 1 << OFPPR.DELETE,
  MODIFY: 1 << OFPPR.MODIFY,
} as const;

/** FLOW_REMOVED reasons in an async mask: bit `1 << OFPRR_*`. */
export const OFP_ASYNC_FLOW_REMOVED = {
  IDLE_TIMEOUT: 1 << OFPRR.IDLE_TIMEOUT,
  HARD_TIMEOUT: 1 << OFPRR.HARD_TIMEOUT,
  DELETE: 1 << OFPRR.DELETE,
  GROUP_DELETE: 1 << OFPRR.GROUP_DELETE,
} as const;
