/** OpenFlow numbers under the spec's own names (openflow.h of 1.0 and 1.3.5), as `as const` tables. */

export const OFP_VERSION_1_0 = 0x01;
export const OFP_VERSION_1_3 = 0x04;
export const OFP_HEADER_LEN = 8;
/** Largest length an ofp_header can declare. */
export const OFP_MAX_MESSAGE_LEN = 0xffff;

/** ofp_type, OpenFlow 1.3. */
export const OFPT13 = {
  HELLO: 0,
  ERROR: 1,
  ECHO_REQUEST: 2,
  ECHO_REPLY: 3,
  EXPERIMENTER: 4,
  FEATURES_REQUEST: 5,
  FEATURES_REPLY: 6,
  GET_CONFIG_REQUEST: 7,
  GET_CONFIG_REPLY: 8,
  SET_CONFIG: 9,
  PACKET_IN: 10,
  FLOW_REMOVED: 11,
  PORT_STATUS: 12,
  PACKET_OUT: 13,
  FLOW_MOD: 14,
  GROUP_MOD: 15,
  PORT_MOD: 16,
  TABLE_MOD: 17,
  MULTIPART_REQUEST: 18,
  MULTIPART_REPLY: 19,
  BARRIER_REQUEST: 20,
  BARRIER_REPLY: 21,
  QUEUE_GET_CONFIG_REQUEST: 22,
  QUEUE_GET_CONFIG_REPLY: 23,
  ROLE_REQUEST: 24,
  ROLE_REPLY: 25,
  GET_ASYNC_REQUEST: 26,
  GET_ASYNC_REPLY: 27,
  SET_ASYNC: 28,
  METER_MOD: 29,
} as const;

/** ofp_type, OpenFlow 1.0. */
export const OFPT10 = {
  HELLO: 0,
  ERROR: 1,
  ECHO_REQUEST: 2,
  ECHO_REPLY: 3,
  VENDOR: 4,
  FEATURES_REQUEST: 5,
  FEATURES_REPLY: 6,
  GET_CONFIG_REQUEST: 7,
  GET_CONFIG_REPLY: 8,
  SET_CONFIG: 9,
  PACKET_IN: 10,
  FLOW_REMOVED: 11,
  PORT_STATUS: 12,
  PACKET_OUT: 13,
  FLOW_MOD: 14,
  PORT_MOD: 15,
  STATS_REQUEST: 16,
  STATS_REPLY: 17,
  BARRIER_REQUEST: 18,
  BARRIER_REPLY: 19,
  QUEUE_GET_CONFIG_REQUEST: 20,
  QUEUE_GET_CONFIG_REPLY: 21,
} as const;

const TYPE_NAMES_13 = nameTable(OFPT13);
const TYPE_NAMES_10 = nameTable(OFPT10);

function nameTable(t: Record<string, number>): string[] {
  const out: string[] = [];
  for (const [name, n] of Object.entries(t)) out[n] = name.toLowerCase();
  return out;
}

/** The spec name of a message type number in a version, lower case (`packet_in`, 1.0's `stats_request`), or `type_<n>`. */
export function messageTypeName(version: number, type: number): string {
  return (version === OFP_VERSION_1_0 ? TYPE_NAMES_10 : TYPE_NAMES_13)[type] ?? `type_${type}`;
}

/** ofp_error_type, OpenFlow 1.3. */
export const OFPET = {
  HELLO_FAILED: 0,
  BAD_REQUEST: 1,
  BAD_ACTION: 2,
  BAD_INSTRUCTION: 3,
  BAD_MATCH: 4,
  FLOW_MOD_FAILED: 5,
  GROUP_MOD_FAILED: 6,
  PORT_MOD_FAILED: 7,
  TABLE_MOD_FAILED: 8,
  QUEUE_OP_FAILED: 9,
  SWITCH_CONFIG_FAILED: 10,
  ROLE_REQUEST_FAILED: 11,
  METER_MOD_FAILED: 12,
  TABLE_FEATURES_FAILED: 13,
  EXPERIMENTER: 0xffff,
} as const;

/** ofp_hello_failed_code. */
export const OFPHFC = { INCOMPATIBLE: 0, EPERM: 1 } as const;

/** ofp_bad_request_code. */
export const OFPBRC = {
  BAD_VERSION: 0,
  BAD_TYPE: 1,
  BAD_MULTIPART: 2,
  BAD_EXPERIMENTER: 3,
  BAD_EXP_TYPE: 4,
  EPERM: 5,
  BAD_LEN: 6,
  BUFFER_EMPTY: 7,
  BUFFER_UNKNOWN: 8,
  BAD_TABLE_ID: 9,
  IS_SLAVE: 10,
  BAD_PORT: 11,
  BAD_PACKET: 12,
  MULTIPART_BUFFER_OVERFLOW: 13,
} as const;

/** ofp_bad_action_code. */
export const OFPBAC = {
  BAD_TYPE: 0,
  BAD_LEN: 1,
  BAD_EXPERIMENTER: 2,
  BAD_EXP_TYPE: 3,
  BAD_OUT_PORT: 4,
  BAD_ARGUMENT: 5,
  EPERM: 6,
  TOO_MANY: 7,
  BAD_QUEUE: 8,
  BAD_OUT_GROUP: 9,
  MATCH_INCONSISTENT: 10,
  UNSUPPORTED_ORDER: 11,
  BAD_TAG: 12,
  BAD_SET_TYPE: 13,
  BAD_SET_LEN: 14,
  BAD_SET_ARGUMENT: 15,
} as const;

/** ofp_bad_instruction_code. */
export const OFPBIC = {
  UNKNOWN_INST: 0,
  UNSUP_INST: 1,
  BAD_TABLE_ID: 2,
  UNSUP_METADATA: 3,
  UNSUP_METADATA_MASK: 4,
  BAD_EXPERIMENTER: 5,
  BAD_EXP_TYPE: 6,
  BAD_LEN: 7,
  EPERM: 8,
} as const;

/** ofp_bad_match_code. */
export const OFPBMC = {
  BAD_TYPE: 0,
  BAD_LEN: 1,
  BAD_TAG: 2,
  BAD_DL_ADDR_MASK: 3,
  BAD_NW_ADDR_MASK: 4,
  BAD_WILDCARDS: 5,
  BAD_FIELD: 6,
  BAD_VALUE: 7,
  BAD_MASK: 8,
  BAD_PREREQ: 9,
  DUP_FIELD: 10,
  EPERM: 11,
} as const;

/** ofp_flow_mod_failed_code. */
export const OFPFMFC = {
  UNKNOWN: 0,
  TABLE_FULL: 1,
  BAD_TABLE_ID: 2,
  OVERLAP: 3,
  EPERM: 4,
  BAD_TIMEOUT: 5,
  BAD_COMMAND: 6,
  BAD_FLAGS: 7,
} as const;

/** ofp_group_mod_failed_code. */
export const OFPGMFC = {
  GROUP_EXISTS: 0,
  INVALID_GROUP: 1,
  WEIGHT_UNSUPPORTED: 2,
  OUT_OF_GROUPS: 3,
  OUT_OF_BUCKETS: 4,
  CHAINING_UNSUPPORTED: 5,
  WATCH_UNSUPPORTED: 6,
  LOOP: 7,
  UNKNOWN_GROUP: 8,
  CHAINED_GROUP: 9,
  BAD_TYPE: 10,
  BAD_COMMAND: 11,
  BAD_BUCKET: 12,
  BAD_WATCH: 13,
  EPERM: 14,
} as const;

/** ofp_port_mod_failed_code. */
export const OFPPMFC = { BAD_PORT: 0, BAD_HW_ADDR: 1, BAD_CONFIG: 2, BAD_ADVERTISE: 3, EPERM: 4 } as const;
/** ofp_table_mod_failed_code. */
export const OFPTMFC = { BAD_TABLE: 0, BAD_CONFIG: 1, EPERM: 2 } as const;
/** ofp_queue_op_failed_code. */
export const OFPQOFC = { BAD_PORT: 0, BAD_QUEUE: 1, EPERM: 2 } as const;
/** ofp_switch_config_failed_code. */
export const OFPSCFC = { BAD_FLAGS: 0, BAD_LEN: 1, EPERM: 2 } as const;
/** ofp_role_request_failed_code. */
export const OFPRRFC = { STALE: 0, UNSUP: 1, BAD_ROLE: 2 } as const;

/** ofp_meter_mod_failed_code. */
export const OFPMMFC = {
  UNKNOWN: 0,
  METER_EXISTS: 1,
  INVALID_METER: 2,
  UNKNOWN_METER: 3,
  BAD_COMMAND: 4,
  BAD_FLAGS: 5,
  BAD_RATE: 6,
  BAD_BURST: 7,
  BAD_BAND: 8,
  BAD_BAND_VALUE: 9,
  OUT_OF_METERS: 10,
  OUT_OF_BANDS: 11,
} as const;

/** ofp_table_features_failed_code. */
export const OFPTFFC = { BAD_TABLE: 0, BAD_METADATA: 1, BAD_TYPE: 2, BAD_LEN: 3, BAD_ARGUMENT: 4, EPERM: 5 } as const;

/** Error code tables by OpenFlow 1.3 error type, with the spec's prefix for each. */
const ERROR_CODES: Record<number, readonly [string, string, Record<string, number>]> = {
  [OFPET.HELLO_FAILED]: ['OFPET_HELLO_FAILED', 'OFPHFC', OFPHFC],
  [OFPET.BAD_REQUEST]: ['OFPET_BAD_REQUEST', 'OFPBRC', OFPBRC],
  [OFPET.BAD_ACTION]: ['OFPET_BAD_ACTION', 'OFPBAC', OFPBAC],
  [OFPET.BAD_INSTRUCTION]: ['OFPET_BAD_INSTRUCTION', 'OFPBIC', OFPBIC],
  [OFPET.BAD_MATCH]: ['OFPET_BAD_MATCH', 'OFPBMC', OFPBMC],
  [OFPET.FLOW_MOD_FAILED]: ['OFPET_FLOW_MOD_FAILED', 'OFPFMFC', OFPFMFC],
  [OFPET.GROUP_MOD_FAILED]: ['OFPET_GROUP_MOD_FAILED', 'OFPGMFC', OFPGMFC],
  [OFPET.PORT_MOD_FAILED]: ['OFPET_PORT_MOD_FAILED', 'OFPPMFC', OFPPMFC],
  [OFPET.TABLE_MOD_FAILED]: ['OFPET_TABLE_MOD_FAILED', 'OFPTMFC', OFPTMFC],
  [OFPET.QUEUE_OP_FAILED]: ['OFPET_QUEUE_OP_FAILED', 'OFPQOFC', OFPQOFC],
  [OFPET.SWITCH_CONFIG_FAILED]: ['OFPET_SWITCH_CONFIG_FAILED', 'OFPSCFC', OFPSCFC],
  [OFPET.ROLE_REQUEST_FAILED]: ['OFPET_ROLE_REQUEST_FAILED', 'OFPRRFC', OFPRRFC],
  [OFPET.METER_MOD_FAILED]: ['OFPET_METER_MOD_FAILED', 'OFPMMFC', OFPMMFC],
  [OFPET.TABLE_FEATURES_FAILED]: ['OFPET_TABLE_FEATURES_FAILED', 'OFPTFFC', OFPTFFC],
};

/**
 * Spec names of an OpenFlow 1.3 error pair, for logs and the API:
 * `{ type: 'OFPET_BAD_REQUEST', code: 'OFPBRC_BAD_LEN' }`. Unknown numbers print as numbers.
 */
export function errorNames(errType: number, code: number): { type: string; code: string } {
  if (errType === OFPET.EXPERIMENTER) return { type: 'OFPET_EXPERIMENTER', code: String(code) };
  const entry = ERROR_CODES[errType];
  if (!entry) return { type: String(errType), code: String(code) };
  const [typeName, prefix, codes] = entry;
  const codeName = Object.keys(codes).find((k) => codes[k] === code);
  return { type: typeName, code: codeName ? `${prefix}_${codeName}` : String(code) };
}

/** ofp_port_no reserved values, OpenFlow 1.3 (32-bit). */
export const OFPP = {
  MAX: 0xffffff00,
  IN_PORT: 0xfffffff8,
  TABLE: 0xfffffff9,
  NORMAL: 0xfffffffa,
  FLOOD: 0xfffffffb,
  ALL: 0xfffffffc,
  CONTROLLER: 0xfffffffd,
  LOCAL: 0xfffffffe,
  ANY: 0xffffffff,
} as const;

/** ofp_port reserved values, OpenFlow 1.0 (16-bit). */
export const OFPP10 = {
  MAX: 0xff00,
  IN_PORT: 0xfff8,
  TABLE: 0xfff9,
  NORMAL: 0xfffa,
  FLOOD: 0xfffb,
  ALL: 0xfffc,
  CONTROLLER: 0xfffd,
  LOCAL: 0xfffe,
  NONE: 0xffff,
} as const;

/** ofp_controller_max_len: the largest max_len, and "send the whole packet, do not buffer". */
export const OFPCML = { MAX: 0xffe5, NO_BUFFER: 0xffff } as const;
/** buffer_id meaning "no buffered packet". */
export const OFP_NO_BUFFER = 0xffffffff;
/** ofp_table: the last usable table and "all tables". */
export const OFPTT = { MAX: 0xfe, ALL: 0xff } as const;
/** ofp_group: reserved group ids. */
export const OFPG = { MAX: 0xffffff00, ALL: 0xfffffffc, ANY: 0xffffffff } as const;
/** ofp_meter: reserved meter ids. */
export const OFPM = { MAX: 0xffff0000, SLOWPATH: 0xfffffffd, CONTROLLER: 0xfffffffe, ALL: 0xffffffff } as const;
/** ofp_queue: "all queues". */
export const OFPQ_ALL = 0xffffffff;
