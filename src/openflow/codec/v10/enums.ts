/** OpenFlow 1.0 numbers under the spec's own names (openflow.h of OpenFlow 1.0.0), as `as const` tables. */

/** Fixed sizes of OpenFlow 1.0 structures, in bytes. */
export const OFP10_SIZE = {
  /** ofp_match. */
  MATCH: 40,
  /** ofp_phy_port. */
  PHY_PORT: 48,
  /** ofp_switch_features without its ports. */
  SWITCH_FEATURES: 32,
  /** ofp_packet_in up to (not including) data: header, buffer_id, total_len, in_port, reason, pad. */
  PACKET_IN: 18,
  /** ofp_packet_out without actions and data. */
  PACKET_OUT: 16,
  /** ofp_flow_mod without actions. */
  FLOW_MOD: 72,
  /** ofp_flow_removed. */
  FLOW_REMOVED: 88,
  /** ofp_port_status. */
  PORT_STATUS: 64,
  /** ofp_port_mod. */
  PORT_MOD: 32,
  /** ofp_stats_request / ofp_stats_reply without body. */
  STATS_HEADER: 12,
  /** ofp_desc_stats. */
  DESC_STATS: 1056,
  /** ofp_flow_stats_request and ofp_aggregate_stats_request. */
  FLOW_STATS_REQUEST: 44,
  /** ofp_flow_stats without actions. */
  FLOW_STATS: 88,
  /** ofp_aggregate_stats_reply. */
  AGGREGATE_STATS_REPLY: 24,
  /** ofp_table_stats. */
  TABLE_STATS: 64,
  /** ofp_port_stats_request. */
  PORT_STATS_REQUEST: 8,
  /** ofp_port_stats. */
  PORT_STATS: 104,
  /** ofp_queue_stats_request. */
  QUEUE_STATS_REQUEST: 8,
  /** ofp_queue_stats. */
  QUEUE_STATS: 32,
  /** ofp_queue_get_config_request. */
  QUEUE_GET_CONFIG_REQUEST: 12,
  /** ofp_queue_get_config_reply without queues. */
  QUEUE_GET_CONFIG_REPLY: 16,
  /** ofp_packet_queue without properties. */
  PACKET_QUEUE: 8,
  /** ofp_queue_prop_header. */
  QUEUE_PROP_HEADER: 8,
  /** ofp_queue_prop_min_rate. */
  QUEUE_PROP_MIN_RATE: 16,
  /** ofp_vendor_header. */
  VENDOR_HEADER: 12,
} as const;

/** String field widths: DESC_STR_LEN, SERIAL_NUM_LEN, OFP_MAX_TABLE_NAME_LEN, OFP_MAX_PORT_NAME_LEN. */
export const OFP10_STR_LEN = { DESC: 256, SERIAL_NUM: 32, TABLE_NAME: 32, PORT_NAME: 16 } as const;

/** ofp_flow_wildcards (OFPFW_*): a set bit means "this field is not matched". */
export const OFPFW10 = {
  IN_PORT: 1 << 0,
  DL_VLAN: 1 << 1,
  DL_SRC: 1 << 2,
  DL_DST: 1 << 3,
  DL_TYPE: 1 << 4,
  NW_PROTO: 1 << 5,
  TP_SRC: 1 << 6,
  TP_DST: 1 << 7,
  /** nw_src is matched on its top (32 - n) bits, where n is the 6-bit field at NW_SRC_SHIFT; n >= 32 wildcards it. */
  NW_SRC_SHIFT: 8,
  NW_SRC_BITS: 6,
  NW_SRC_MASK: ((1 << 6) - 1) << 8,
  NW_SRC_ALL: 32 << 8,
  /** Same as NW_SRC, for nw_dst. */
  NW_DST_SHIFT: 14,
  NW_DST_BITS: 6,
  NW_DST_MASK: ((1 << 6) - 1) << 14,
  NW_DST_ALL: 32 << 14,
  DL_VLAN_PCP: 1 << 20,
  NW_TOS: 1 << 21,
  /** Every field wildcarded. */
  ALL: (1 << 22) - 1,
} as const;

/** dl_vlan value meaning "no 802.1Q tag" (OFP_VLAN_NONE). */
export const OFP10_VLAN_NONE = 0xffff;

/** ofp_action_type, OpenFlow 1.0. */
export const OFPAT10 = {
  OUTPUT: 0,
  SET_VLAN_VID: 1,
  SET_VLAN_PCP: 2,
  STRIP_VLAN: 3,
  SET_DL_SRC: 4,
  SET_DL_DST: 5,
  SET_NW_SRC: 6,
  SET_NW_DST: 7,
  SET_NW_TOS: 8,
  SET_TP_SRC: 9,
  SET_TP_DST: 10,
  ENQUEUE: 11,
  VENDOR: 0xffff,
} as const;

/** ofp_stats_types: the kind of a STATS_REQUEST / STATS_REPLY body. */
export const OFPST = {
  DESC: 0,
  FLOW: 1,
  AGGREGATE: 2,
  TABLE: 3,
  PORT: 4,
  QUEUE: 5,
  VENDOR: 0xffff,
} as const;

/** ofp_stats_reply_flags. */
export const OFPSF = { REPLY_MORE: 1 } as const;

/** ofp_flow_mod_command (same numbers as 1.3). */
export const OFPFC10 = { ADD: 0, MODIFY: 1, MODIFY_STRICT: 2, DELETE: 3, DELETE_STRICT: 4 } as const;

/** ofp_flow_mod_flags, OpenFlow 1.0. */
export const OFPFF10 = { SEND_FLOW_REM: 1 << 0, CHECK_OVERLAP: 1 << 1, EMERG: 1 << 2 } as const;

/** ofp_packet_in_reason, OpenFlow 1.0. */
export const OFPR10 = { NO_MATCH: 0, ACTION: 1 } as const;

/** ofp_flow_removed_reason, OpenFlow 1.0. */
export const OFPRR10 = { IDLE_TIMEOUT: 0, HARD_TIMEOUT: 1, DELETE: 2 } as const;

/** ofp_port_reason (same numbers as 1.3). */
export const OFPPR10 = { ADD: 0, DELETE: 1, MODIFY: 2 } as const;

/** ofp_port_config, OpenFlow 1.0. */
export const OFPPC10 = {
  PORT_DOWN: 1 << 0,
  NO_STP: 1 << 1,
  NO_RECV: 1 << 2,
  NO_RECV_STP: 1 << 3,
  NO_FLOOD: 1 << 4,
  NO_FWD: 1 << 5,
  NO_PACKET_IN: 1 << 6,
} as const;

/** ofp_port_state, OpenFlow 1.0: LINK_DOWN and the spanning-tree state in bits 8-9. */
export const OFPPS10 = {
  LINK_DOWN: 1 << 0,
  STP_LISTEN: 0 << 8,
  STP_LEARN: 1 << 8,
  STP_FORWARD: 2 << 8,
  STP_BLOCK: 3 << 8,
  STP_MASK: 3 << 8,
} as const;

/** ofp_port_features, OpenFlow 1.0. */
export const OFPPF10 = {
  '10MB_HD': 1 << 0,
  '10MB_FD': 1 << 1,
  '100MB_HD': 1 << 2,
  '100MB_FD': 1 << 3,
  '1GB_HD': 1 << 4,
  '1GB_FD': 1 << 5,
  '10GB_FD': 1 << 6,
  COPPER: 1 << 7,
  FIBER: 1 << 8,
  AUTONEG: 1 << 9,
  PAUSE: 1 << 10,
  PAUSE_ASYM: 1 << 11,
} as const;

/** ofp_capabilities, OpenFlow 1.0. */
export const OFPC10 = {
  FLOW_STATS: 1 << 0,
  TABLE_STATS: 1 << 1,
  PORT_STATS: 1 << 2,
  STP: 1 << 3,
  RESERVED: 1 << 4,
  IP_REASM: 1 << 5,
  QUEUE_STATS: 1 << 6,
  ARP_MATCH_IP: 1 << 7,
} as const;

/** ofp_queue_properties, OpenFlow 1.0. */
export const OFPQT10 = { NONE: 0, MIN_RATE: 1 } as const;

/** ofp_queue: OFPQ_ALL, every queue of a port (queue stats request). */
export const OFPQ10_ALL = 0xffffffff;

/** ofp_table: all tables (flow and aggregate stats requests); 0xfe is the emergency table. */
export const OFPTT10 = { EMERG: 0xfe, ALL: 0xff } as const;

/** ofp_error_type, OpenFlow 1.0. */
export const OFPET10 = {
  HELLO_FAILED: 0,
  BAD_REQUEST: 1,
  BAD_ACTION: 2,
  FLOW_MOD_FAILED: 3,
  PORT_MOD_FAILED: 4,
  QUEUE_OP_FAILED: 5,
} as const;

/** ofp_hello_failed_code, OpenFlow 1.0. */
export const OFPHFC10 = { INCOMPATIBLE: 0, EPERM: 1 } as const;

/** ofp_bad_request_code, OpenFlow 1.0. */
export const OFPBRC10 = {
  BAD_VERSION: 0,
  BAD_TYPE: 1,
  BAD_STAT: 2,
  BAD_VENDOR: 3,
  BAD_SUBTYPE: 4,
  EPERM: 5,
  BAD_LEN: 6,
  BUFFER_EMPTY: 7,
  BUFFER_UNKNOWN: 8,
} as const;

/** ofp_bad_action_code, OpenFlow 1.0. */
export const OFPBAC10 = {
  BAD_TYPE: 0,
  BAD_LEN: 1,
  BAD_VENDOR: 2,
  BAD_VENDOR_TYPE: 3,
  BAD_OUT_PORT: 4,
  BAD_ARGUMENT: 5,
  EPERM: 6,
  TOO_MANY: 7,
  BAD_QUEUE: 8,
} as const;

/** ofp_flow_mod_failed_code, OpenFlow 1.0. */
export const OFPFMFC10 = {
  ALL_TABLES_FULL: 0,
  OVERLAP: 1,
  EPERM: 2,
  BAD_EMERG_TIMEOUT: 3,
  BAD_COMMAND: 4,
  UNSUPPORTED: 5,
} as const;

/** ofp_port_mod_failed_code, OpenFlow 1.0. */
export const OFPPMFC10 = { BAD_PORT: 0, BAD_HW_ADDR: 1 } as const;

/** ofp_queue_op_failed_code, OpenFlow 1.0. */
export const OFPQOFC10 = { BAD_PORT: 0, BAD_QUEUE: 1, EPERM: 2 } as const;

/** Vendor ids seen in 1.0 vendor messages and actions. */
export const OFP10_VENDOR = { NICIRA: 0x00002320 } as const;
