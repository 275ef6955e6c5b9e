// OpenFlow 1.3 → 1.0 error pair mapping (what a 1.0 peer gets back for a message that failed to decode).
import { describe, expect, it } from 'vitest';
import { OFPBAC, OFPBIC, OFPBMC, OFPBRC, OFPET, OFPFMFC, OFPHFC, OFPPMFC, OFPQOFC } from '../../src/openflow/codec/constants.js';
import { OFPBAC10, OFPBRC10, OFPET10, OFPFMFC10, OFPPMFC10, OFPQOFC10 } from '../../src/openflow/codec/v10/enums.js';
import { mapErrorTo10 } from '../../src/openflow/codec/v10/messages.js';

const pair = (errType: number, code: number) => ({ errType, code });

describe('mapErrorTo10', () => {
  it('keeps shared codes under the 1.0 type numbers', () => {
    expect(mapErrorTo10(OFPET.HELLO_FAILED, OFPHFC.INCOMPATIBLE)).toEqual(pair(OFPET10.HELLO_FAILED, 0));
    expect(mapErrorTo10(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN)).toEqual(pair(OFPET10.BAD_REQUEST, OFPBRC10.BAD_LEN));
    expect(mapErrorTo10(OFPET.BAD_REQUEST, OFPBRC.BAD_TYPE)).toEqual(pair(OFPET10.BAD_REQUEST, OFPBRC10.BAD_TYPE));
    expect(mapErrorTo10(OFPET.BAD_REQUEST, OFPBRC.BAD_MULTIPART)).toEqual(pair(OFPET10.BAD_REQUEST, OFPBRC10.BAD_STAT));
    expect(mapErrorTo10(OFPET.BAD_REQUEST, OFPBRC.BAD_EXPERIMENTER)).toEqual(pair(OFPET10.BAD_REQUEST, OFPBRC10.BAD_VENDOR));
    expect(mapErrorTo10(OFPET.BAD_REQUEST, OFPBRC.BUFFER_UNKNOWN)).toEqual(pair(OFPET10.BAD_REQUEST, OFPBRC10.BUFFER_UNKNOWN));
    expect(mapErrorTo10(OFPET.BAD_ACTION, OFPBAC.BAD_LEN)).toEqual(pair(OFPET10.BAD_ACTION, OFPBAC10.BAD_LEN));
    expect(mapErrorTo10(OFPET.BAD_ACTION, OFPBAC.BAD_QUEUE)).toEqual(pair(OFPET10.BAD_ACTION, OFPBAC10.BAD_QUEUE));
    expect(mapErrorTo10(OFPET.PORT_MOD_FAILED, OFPPMFC.BAD_HW_ADDR)).toEqual(pair(OFPET10.PORT_MOD_FAILED, OFPPMFC10.BAD_HW_ADDR));
    expect(mapErrorTo10(OFPET.QUEUE_OP_FAILED, OFPQOFC.EPERM)).toEqual(pair(OFPET10.QUEUE_OP_FAILED, OFPQOFC10.EPERM));
  });

  it('renumbers flow mod failures', () => {
    expect(mapErrorTo10(OFPET.FLOW_MOD_FAILED, OFPFMFC.TABLE_FULL)).toEqual(pair(OFPET10.FLOW_MOD_FAILED, OFPFMFC10.ALL_TABLES_FULL));
    expect(mapErrorTo10(OFPET.FLOW_MOD_FAILED, OFPFMFC.OVERLAP)).toEqual(pair(OFPET10.FLOW_MOD_FAILED, OFPFMFC10.OVERLAP));
    expect(mapErrorTo10(OFPET.FLOW_MOD_FAILED, OFPFMFC.EPERM)).toEqual(pair(OFPET10.FLOW_MOD_FAILED, OFPFMFC10.EPERM));
    expect(mapErrorTo10(OFPET.FLOW_MOD_FAILED, OFPFMFC.BAD_COMMAND)).toEqual(pair(OFPET10.FLOW_MOD_FAILED, OFPFMFC10.BAD_COMMAND));
    expect(mapErrorTo10(OFPET.FLOW_MOD_FAILED, OFPFMFC.BAD_TIMEOUT)).toEqual(pair(OFPET10.FLOW_MOD_FAILED, OFPFMFC10.BAD_EMERG_TIMEOUT));
  });

  it('maps 1.3-only action codes to their 1.0 kin', () => {
    expect(mapErrorTo10(OFPET.BAD_ACTION, OFPBAC.BAD_SET_LEN)).toEqual(pair(OFPET10.BAD_ACTION, OFPBAC10.BAD_LEN));
    expect(mapErrorTo10(OFPET.BAD_ACTION, OFPBAC.BAD_SET_TYPE)).toEqual(pair(OFPET10.BAD_ACTION, OFPBAC10.BAD_TYPE));
    expect(mapErrorTo10(OFPET.BAD_ACTION, OFPBAC.BAD_OUT_GROUP)).toEqual(pair(OFPET10.BAD_ACTION, OFPBAC10.BAD_ARGUMENT));
  });

  it('falls back to BAD_REQUEST for types 1.0 does not have', () => {
    expect(mapErrorTo10(OFPET.BAD_MATCH, OFPBMC.BAD_LEN)).toEqual(pair(OFPET10.BAD_REQUEST, OFPBRC10.BAD_LEN));
    expect(mapErrorTo10(OFPET.BAD_MATCH, OFPBMC.BAD_VALUE)).toEqual(pair(OFPET10.BAD_REQUEST, OFPBRC10.EPERM));
    expect(mapErrorTo10(OFPET.BAD_INSTRUCTION, OFPBIC.BAD_LEN)).toEqual(pair(OFPET10.BAD_REQUEST, OFPBRC10.BAD_LEN));
    expect(mapErrorTo10(OFPET.BAD_INSTRUCTION, OFPBIC.UNKNOWN_INST)).toEqual(pair(OFPET10.BAD_REQUEST, OFPBRC10.BAD_TYPE));
    expect(mapErrorTo10(OFPET.EXPERIMENTER, 5)).toEqual(pair(OFPET10.BAD_REQUEST, OFPBRC10.BAD_VENDOR));
    expect(mapErrorTo10(OFPET.BAD_REQUEST, OFPBRC.IS_SLAVE)).toEqual(pair(OFPET10.BAD_REQUEST, OFPBRC10.EPERM));
  });

  it('every 1.3 pair maps into the 1.0 code lists', () => {
    const max10: Record<number, number> = { 0: 1, 1: 8, 2: 8, 3: 5, 4: 1, 5: 2 };
    for (let t = 0; t <= 14; t++) {
      for (let c = 0; c <= 16; c++) {
        const p = mapErrorTo10(t, c);
        expect(max10[p.errType], `${t}/${c}`).toBeDefined();
        expect(p.code, `${t}/${c}`).toBeLessThanOrEqual(max10[p.errType]!);
      }
    }
  });
});
