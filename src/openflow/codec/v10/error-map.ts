/** Maps the OpenFlow 1.3 error pairs the codec and session use to the numbers an OpenFlow 1.0 peer understands. */
import {
  OFPBAC,
  OFPBIC,
  OFPBMC,
  OFPBRC,
  OFPET,
  OFPFMFC,
  OFPGMFC,
  OFPMMFC,
  OFPPMFC,
  OFPRRFC,
  OFPSCFC,
  OFPTFFC,
  OFPTMFC,
} from '../constants.js';
import { OFPBAC10, OFPBRC10, OFPET10, OFPFMFC10, OFPHFC10, OFPPMFC10, OFPQOFC10 } from './enums.js';

/** An error pair in OpenFlow 1.0 numbering (OFPET10_* / its code table). */
export interface ErrorPair10 {
  readonly errType: number;
  readonly code: number;
}

const badRequest = (code: number): ErrorPair10 => ({ errType: OFPET10.BAD_REQUEST, code });

/**
 * OFPBRC (1.3) → OFPBRC (1.0). Codes 0-8 are the same errors under new names (BAD_MULTIPART was
 * BAD_STAT, BAD_EXPERIMENTER was BAD_VENDOR, BAD_EXP_TYPE was BAD_SUBTYPE); the 1.3-only codes
 * fall back to the closest 1.0 one.
 */
function badRequest13To10(code: number): number {
  if (code <= OFPBRC.BUFFER_UNKNOWN) return code;
  switch (code) {
    // A bad table id or port in 1.0 can only come from a stats request body.
    case OFPBRC.BAD_TABLE_ID:
    case OFPBRC.BAD_PORT:
    case OFPBRC.MULTIPART_BUFFER_OVERFLOW:
      return OFPBRC10.BAD_STAT;
    case OFPBRC.IS_SLAVE:
      return OFPBRC10.EPERM;
    // A packet (packet_out data) the switch cannot parse: malformed content, nearest is BAD_LEN.
    case OFPBRC.BAD_PACKET:
      return OFPBRC10.BAD_LEN;
    default:
      return OFPBRC10.EPERM;
  }
}

/** OFPBAC (1.3) → OFPBAC (1.0): codes 0-8 are shared; the set-field and group codes map to their 1.0 kin. */
function badAction13To10(code: number): number {
  if (code <= OFPBAC.BAD_QUEUE) return code;
  switch (code) {
    case OFPBAC.BAD_SET_TYPE:
      return OFPBAC10.BAD_TYPE;
    case OFPBAC.BAD_SET_LEN:
      return OFPBAC10.BAD_LEN;
    case OFPBAC.BAD_OUT_GROUP:
    case OFPBAC.MATCH_INCONSISTENT:
    case OFPBAC.UNSUPPORTED_ORDER:
    case OFPBAC.BAD_TAG:
    case OFPBAC.BAD_SET_ARGUMENT:
    default:
      return OFPBAC10.BAD_ARGUMENT;
  }
}

/** OFPFMFC (1.3) → OFPFMFC (1.0). */
function flowModFailed13To10(code: number): ErrorPair10 {
  const fm = (c: number): ErrorPair10 => ({ errType: OFPET10.FLOW_MOD_FAILED, code: c });
  switch (code) {
    case OFPFMFC.TABLE_FULL:
      return fm(OFPFMFC10.ALL_TABLES_FULL);
    case OFPFMFC.OVERLAP:
      return fm(OFPFMFC10.OVERLAP);
    case OFPFMFC.EPERM:
      return fm(OFPFMFC10.EPERM);
    case OFPFMFC.BAD_TIMEOUT:
      return fm(OFPFMFC10.BAD_EMERG_TIMEOUT);
    case OFPFMFC.BAD_COMMAND:
    case OFPFMFC.BAD_FLAGS:
      return fm(OFPFMFC10.BAD_COMMAND);
    // 1.0 flow mods carry no table id: the nearest is a request the switch refuses.
    case OFPFMFC.BAD_TABLE_ID:
      return badRequest(OFPBRC10.EPERM);
    case OFPFMFC.UNKNOWN:
    default:
      return fm(OFPFMFC10.UNSUPPORTED);
  }
}

/**
 * For error types 1.0 does not have (instructions, OXM match, groups, meters, table mods, roles,
 * switch config, table features, experimenter): the nearest OFPET_BAD_REQUEST code.
 */
function noSuchType13To10(errType: number, code: number): ErrorPair10 {
  switch (errType) {
    case OFPET.BAD_INSTRUCTION:
      switch (code) {
        case OFPBIC.UNKNOWN_INST:
        case OFPBIC.UNSUP_INST:
          return badRequest(OFPBRC10.BAD_TYPE);
        case OFPBIC.BAD_EXPERIMENTER:
          return badRequest(OFPBRC10.BAD_VENDOR);
        case OFPBIC.BAD_EXP_TYPE:
          return badRequest(OFPBRC10.BAD_SUBTYPE);
        case OFPBIC.BAD_LEN:
          return badRequest(OFPBRC10.BAD_LEN);
        default:
          return badRequest(OFPBRC10.EPERM);
      }
    case OFPET.BAD_MATCH:
      switch (code) {
        case OFPBMC.BAD_TYPE:
          return badRequest(OFPBRC10.BAD_TYPE);
        case OFPBMC.BAD_LEN:
          return badRequest(OFPBRC10.BAD_LEN);
        default:
          // Bad field, value, mask, prerequisite, wildcards, duplicate field, EPERM: 1.0 has no
          // "bad argument" in BAD_REQUEST, so the switch "refuses" the request.
          return badRequest(OFPBRC10.EPERM);
      }
    case OFPET.SWITCH_CONFIG_FAILED:
      return badRequest(code === OFPSCFC.BAD_LEN ? OFPBRC10.BAD_LEN : OFPBRC10.EPERM);
    case OFPET.TABLE_FEATURES_FAILED:
      return badRequest(code === OFPTFFC.BAD_LEN ? OFPBRC10.BAD_LEN : code === OFPTFFC.BAD_TYPE ? OFPBRC10.BAD_TYPE : OFPBRC10.EPERM);
    case OFPET.GROUP_MOD_FAILED:
      return badRequest(code === OFPGMFC.BAD_TYPE || code === OFPGMFC.BAD_COMMAND ? OFPBRC10.BAD_TYPE : OFPBRC10.EPERM);
    case OFPET.METER_MOD_FAILED:
      return badRequest(code === OFPMMFC.BAD_COMMAND ? OFPBRC10.BAD_TYPE : OFPBRC10.EPERM);
    case OFPET.TABLE_MOD_FAILED:
      return badRequest(code === OFPTMFC.BAD_TABLE ? OFPBRC10.BAD_STAT : OFPBRC10.EPERM);
    case OFPET.ROLE_REQUEST_FAILED:
      return badRequest(code === OFPRRFC.UNSUP ? OFPBRC10.BAD_TYPE : OFPBRC10.EPERM);
    case OFPET.EXPERIMENTER:
      return badRequest(OFPBRC10.BAD_VENDOR);
    default:
      return badRequest(OFPBRC10.EPERM);
  }
}

/**
 * Maps an OpenFlow 1.3 error pair (as carried by OfDecodeError) to OpenFlow 1.0 numbering.
 * Types 1.0 shares keep their meaning (HELLO_FAILED, BAD_REQUEST, BAD_ACTION, FLOW_MOD_FAILED,
 * PORT_MOD_FAILED, QUEUE_OP_FAILED, renumbered); 1.3-only codes and types fall back to the
 * nearest 1.0 code, most often under OFPET_BAD_REQUEST.
 */
export function mapErrorTo10(errType: number, code: number): ErrorPair10 {
  switch (errType) {
    case OFPET.HELLO_FAILED:
      // Same two codes in both versions; anything else is a refusal.
      return { errType: OFPET10.HELLO_FAILED, code: code <= OFPHFC10.EPERM ? code : OFPHFC10.EPERM };
    case OFPET.BAD_REQUEST:
      return badRequest(badRequest13To10(code));
    case OFPET.BAD_ACTION:
      return { errType: OFPET10.BAD_ACTION, code: badAction13To10(code) };
    case OFPET.FLOW_MOD_FAILED:
      return flowModFailed13To10(code);
    case OFPET.PORT_MOD_FAILED:
      // 1.0 knows only BAD_PORT and BAD_HW_ADDR; a refused config or advertise is a refused request.
      if (code === OFPPMFC.BAD_PORT) return { errType: OFPET10.PORT_MOD_FAILED, code: OFPPMFC10.BAD_PORT };
      if (code === OFPPMFC.BAD_HW_ADDR) return { errType: OFPET10.PORT_MOD_FAILED, code: OFPPMFC10.BAD_HW_ADDR };
      return badRequest(OFPBRC10.EPERM);
    case OFPET.QUEUE_OP_FAILED:
      // Same three codes in both versions; anything else is a refusal.
      return { errType: OFPET10.QUEUE_OP_FAILED, code: code <= OFPQOFC10.EPERM ? code : OFPQOFC10.EPERM };
    default:
      return noSuchType13To10(errType, code);
  }
}
