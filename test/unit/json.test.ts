// JSON form of messages: exact shapes for hand-built values, and decode → JSON text → encode byte-exact on every Ryu vector.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, type OfMessage } from '../../src/openflow/codec/index.js';
import { OfEncodeError } from '../../src/openflow/codec/errors.js';
import { fromJsonValue, messageFromJson, messageToJson, toJsonValue } from '../../src/openflow/json.js';
import { RYU_VECTORS } from '../harness/paths.js';

const CONFORMANCE = RYU_VECTORS;

describe('messageToJson / messageFromJson', () => {
  it('writes bytes as hex and reads them back', () => {
    const m: OfMessage = { version: 4, type: 'echo_request', xid: 7, data: Buffer.from([0, 1, 0xab]) };
    const j = messageToJson(m);
    expect(j).toEqual({ version: 4, type: 'echo_request', xid: 7, data: '0001ab' });
    const back = messageFromJson(JSON.parse(JSON.stringify(j)));
    expect(back).toEqual(m);
    expect(Buffer.isBuffer((back as { data: unknown }).data)).toBe(true);
    expect(encodeMessage(back)).toEqual(encodeMessage(m));
  });

  it('writes 64-bit values as decimal strings, datapathId as 16 hex digits, and reads them back', () => {
    const v = {
      datapathId: 0xa1n,
      cookie: 0xffffffffffffffffn,
      cookieMask: 0n,
      instructions: [{ type: 'write_metadata', metadata: 1n << 63n, metadataMask: 5n }],
      match: [
        { field: 'metadata', value: 12345678901234567890n, mask: 0xffn },
        { field: 'tunnel_id', value: 651061555542690057n },
        { field: 'in_port', value: 3, mask: 7 },
      ],
      actions: [{ type: 'set_field', field: { field: 'metadata', value: 2n } }],
      stats: [{ packetCount: 10n, byteCount: 20n, name: 'x', data: Buffer.alloc(0) }],
      missing: undefined,
    };
    const j = toJsonValue(v);
    expect(j).toEqual({
      datapathId: '00000000000000a1',
      cookie: '18446744073709551615',
      cookieMask: '0',
      instructions: [{ type: 'write_metadata', metadata: '9223372036854775808', metadataMask: '5' }],
      match: [
        { field: 'metadata', value: '12345678901234567890', mask: '255' },
        { field: 'tunnel_id', value: '651061555542690057' },
        { field: 'in_port', value: 3, mask: 7 },
      ],
      actions: [{ type: 'set_field', field: { field: 'metadata', value: '2' } }],
      stats: [{ packetCount: '10', byteCount: '20', name: 'x', data: '' }],
    });
    const { missing: _missing, ...rest } = v;
    expect(fromJsonValue(JSON.parse(JSON.stringify(j)), '')).toEqual(rest);
  });

  it('accepts 0x-hex and safe-integer numbers for 64-bit fields, and colon or 0x forms of datapathId', () => {
    expect(fromJsonValue({ cookie: '0x10', cookieMask: 17, datapathId: '0x00000000000000a1' }, '')).toEqual({
      cookie: 16n,
      cookieMask: 17n,
      datapathId: 0xa1n,
    });
    expect(fromJsonValue({ datapathId: '00:00:00:00:00:00:01:0a' }, '')).toEqual({ datapathId: 0x10an });
    // A datapathId string is always hex, even when it has only decimal digits.
    expect(fromJsonValue({ datapathId: '0000000000000010' }, '')).toEqual({ datapathId: 16n });
  });

  it('names the bad field', () => {
    const bad = (o: unknown, field: string | undefined, re: RegExp) => {
      try {
        messageFromJson(o);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(OfEncodeError);
        expect((e as OfEncodeError).field).toBe(field);
        expect((e as Error).message).toMatch(re);
      }
    };
    const h = { version: 4, type: 'flow_mod', xid: 1 };
    bad([], undefined, /JSON object/);
    bad({ type: 'hello', xid: 0 }, 'version', /version/);
    bad({ version: 4, xid: 0 }, 'type', /type/);
    bad({ version: 4, type: 'hello' }, 'xid', /missing/);
    bad({ version: 4, type: 'hello', xid: -1 }, 'xid', /integer/);
    bad({ ...h, cookie: 1.5 }, 'cookie', /64-bit/);
    bad({ ...h, cookie: '12abc' }, 'cookie', /decimal or 0x-hex/);
    bad({ ...h, cookie: '18446744073709551616' }, 'cookie', /64 bits/);
    bad({ ...h, cookie: Number.MAX_SAFE_INTEGER + 2 }, 'cookie', /64-bit/);
    bad({ ...h, match: [{ field: 'in_port', value: 1 }, { field: 'metadata', value: 'x' }] }, 'match[1].value', /64-bit/);
    bad({ ...h, instructions: [{ type: 'write_metadata', metadata: '1', metadataMask: null }] }, 'instructions[0].metadataMask', /null/);
    bad({ ...h, data: 'abc' }, 'data', /even number/);
    bad({ ...h, data: 'zz' }, 'data', /hex/);
    bad({ ...h, data: [1, 2] }, 'data[0]', /hex string/);
    bad({ ...h, datapathId: '00000000000000001' }, 'datapathId', /16 hex/);
  });

  it('shares no memory with the decoded message', () => {
    const wire = encodeMessage({ version: 4, type: 'echo_reply', xid: 1, data: Buffer.from('abcd') });
    const m = decodeMessage(wire);
    const j = messageToJson(m);
    wire.fill(0);
    expect(j.data).toBe(Buffer.from('abcd').toString('hex'));
  });
});

/** Every .packet vector of both versions. */
function vectors(): { name: string; bytes: Buffer }[] {
  const out: { name: string; bytes: Buffer }[] = [];
  for (const dir of ['of10', 'of13']) {
    for (const f of readdirSync(join(CONFORMANCE, dir)).sort()) {
      if (f.endsWith('.packet')) out.push({ name: `${dir}/${f}`, bytes: readFileSync(join(CONFORMANCE, dir, f)) });
    }
  }
  return out;
}

describe('64-bit values above 2^53 from Ryu vectors', () => {
  const json = (f: string) => messageToJson(decodeMessage(readFileSync(join(CONFORMANCE, 'of13', f))));
  it('keeps every digit', () => {
    expect(json('4-19-ofp_role_request.packet').generationId).toBe('17294086455919964160');
    expect(json('4-6-ofp_features_reply.packet').datapathId).toBe((9210263729383).toString(16).padStart(16, '0'));
    expect(JSON.stringify(json('4-59-ofp_packet_in.packet').match)).toContain('{"field":"tunnel_id","value":"651061555542690057"}');
  });
});

describe('Ryu vectors: decode → JSON text → encode gives the same bytes', () => {
  const all = vectors();
  it('covers all 117 vectors', () => expect(all).toHaveLength(117));
  for (const v of all) {
    it(v.name, () => {
      const m = decodeMessage(v.bytes);
      const j = messageToJson(m);
      const text = JSON.stringify(j);
      const back = messageFromJson(JSON.parse(text));
      // Same object, so the key table covers every bigint and Buffer field of this message.
      expect(back).toEqual(m);
      const out = encodeMessage(back);
      if (!out.equals(v.bytes)) {
        let i = 0;
        while (i < out.length && out[i] === v.bytes[i]) i++;
        expect.fail(`first differing byte at offset ${i} (got ${out.length} bytes, want ${v.bytes.length})`);
      }
    });
  }
});
