// Property tests of the codec front door: random valid messages of every type in both versions
// round-trip exactly; random and mutated bytes never make decodeMessage throw anything but
// OfDecodeError, and what decodes re-encodes; random splits of a stream frame the same messages.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Framer } from '../../src/openflow/codec/framer.js';
import { decodeMessage, encodeMessage, OfDecodeError, type OfMessage } from '../../src/openflow/codec/index.js';
import { hello } from '../arbitraries/of13.js';
import { of10Message, of10Messages } from '../arbitraries/of10.js';
import { of13Message, of13Messages } from '../arbitraries/of13.js';
import { OXM_FIELDS } from '../../src/openflow/codec/v13/oxm-fields.js';

/** Fixed seed unless FC_SEED is set, so a failure reproduces; fast-check prints the counterexample. */
const SEED = process.env.FC_SEED === undefined ? 0x5eed : Number(process.env.FC_SEED);
const params = (numRuns: number): fc.Parameters<unknown> => ({ numRuns, seed: SEED, endOnFailure: true });

/** encode → decode → deep-equal, and the decoded message re-encodes to the same bytes. */
function roundTrip(m: OfMessage): void {
  const bytes = encodeMessage(m);
  expect(bytes.readUInt16BE(2)).toBe(bytes.length);
  expect(bytes[0]).toBe(m.version);
  const back = decodeMessage(bytes);
  expect(back).toEqual(m);
  expect(encodeMessage(back).equals(bytes)).toBe(true);
}

/**
 * What the decoder may do with arbitrary bytes: throw an OfDecodeError, or return a message that
 * encodes without error and decodes back to the same message. Anything else thrown fails.
 */
function decodeAnything(buf: Buffer): void {
  let m: OfMessage;
  try {
    m = decodeMessage(buf);
  } catch (e) {
    if (e instanceof OfDecodeError) return;
    throw new Error(`decodeMessage threw ${String(e)} on ${buf.toString('hex')}`, { cause: e });
  }
  let out: Buffer;
  try {
    out = encodeMessage(m);
  } catch (e) {
    throw new Error(`re-encoding a decoded message threw ${String(e)}; input ${buf.toString('hex')}`, { cause: e });
  }
  expect(decodeMessage(out), `input ${buf.toString('hex')}`).toEqual(m);
}

describe('round trip of random valid messages', () => {
  for (const [name, arb] of Object.entries(of13Messages)) {
    it(`OpenFlow 1.3 ${name}`, () => {
      fc.assert(fc.property(arb, roundTrip), params(300));
    });
  }
  for (const [name, arb] of Object.entries(of10Messages)) {
    it(`OpenFlow 1.0 ${name}`, () => {
      fc.assert(fc.property(arb, roundTrip), params(300));
    });
  }
  it('HELLO of any version (negotiation)', () => {
    fc.assert(fc.property(hello(fc.integer({ min: 0, max: 0xff })), roundTrip), params(300));
  });
});

const anyMessage: fc.Arbitrary<OfMessage> = fc.oneof(of13Message, of10Message);

/** Collects `key:type` for every tagged object under `key`, and `oxm:field` (`/m` when masked). */
function collectTags(v: unknown, key: string, out: Set<string>): void {
  if (Array.isArray(v)) {
    for (const x of v) collectTags(x, key, out);
    return;
  }
  if (v === null || typeof v !== 'object' || Buffer.isBuffer(v)) return;
  const o = v as Record<string, unknown>;
  if (typeof o.type === 'string') out.add(`${key}:${o.type}`);
  if (typeof o.field === 'string') out.add(`oxm:${o.field}${o.mask === undefined ? '' : '/m'}`);
  for (const k of Object.keys(o)) collectTags(o[k], k, out);
}

describe('the arbitraries reach every variant', () => {
  it('every message type, multipart/stats kind, action, instruction, OXM field with and without mask, band and property', () => {
    const seen = new Set<string>();
    for (const m of fc.sample(anyMessage, { numRuns: 10000, seed: SEED })) collectTags(m, 'message', seen);
    const want = [
      ...['hello', 'error', 'echo_request', 'echo_reply', 'experimenter', 'vendor', 'features_request', 'features_reply', 'get_config_request',
        'get_config_reply', 'set_config', 'packet_in', 'flow_removed', 'port_status', 'packet_out', 'flow_mod', 'group_mod', 'port_mod',
        'table_mod', 'multipart_request', 'multipart_reply', 'stats_request', 'stats_reply', 'barrier_request', 'barrier_reply',
        'queue_get_config_request', 'queue_get_config_reply', 'role_request', 'role_reply', 'get_async_request', 'get_async_reply',
        'set_async', 'meter_mod', 'unknown'].map((t) => `message:${t}`),
      ...['desc', 'flow', 'aggregate', 'table', 'port_stats', 'queue', 'group', 'group_desc', 'group_features', 'meter', 'meter_config',
        'meter_features', 'table_features', 'port_desc', 'experimenter', 'unknown', 'port', 'vendor'].map((t) => `body:${t}`),
      ...['output', 'copy_ttl_out', 'copy_ttl_in', 'set_mpls_ttl', 'dec_mpls_ttl', 'push_vlan', 'pop_vlan', 'push_mpls', 'pop_mpls',
        'set_queue', 'group', 'set_nw_ttl', 'dec_nw_ttl', 'set_field', 'push_pbb', 'pop_pbb', 'experimenter', 'unknown', 'set_vlan_vid',
        'set_vlan_pcp', 'strip_vlan', 'set_dl_src', 'set_dl_dst', 'set_nw_src', 'set_nw_dst', 'set_nw_tos', 'set_tp_src', 'set_tp_dst',
        'enqueue', 'vendor'].map((t) => `actions:${t}`),
      ...['goto_table', 'write_metadata', 'write_actions', 'apply_actions', 'clear_actions', 'meter', 'experimenter', 'unknown'].map((t) => `instructions:${t}`),
      ...['drop', 'dscp_remark', 'experimenter', 'unknown'].map((t) => `bands:${t}`),
      ...['min_rate', 'max_rate', 'experimenter', 'unknown', 'instructions', 'instructions_miss', 'next_tables', 'next_tables_miss',
        'write_actions', 'write_actions_miss', 'apply_actions', 'apply_actions_miss', 'match', 'wildcards', 'write_setfield',
        'write_setfield_miss', 'apply_setfield', 'apply_setfield_miss', 'experimenter_miss'].map((t) => `properties:${t}`),
      ...['versionbitmap', 'unknown'].map((t) => `elements:${t}`),
      ...OXM_FIELDS.flatMap((f) => [`oxm:${f.name}`, `oxm:${f.name}/m`]),
      'oxm:raw',
    ];
    expect(want.filter((t) => !seen.has(t))).toEqual([]);
  });
});

/** A header-consistent buffer: `length` set to the buffer's size (when it fits a header). */
function withLength(b: Buffer): Buffer {
  if (b.length >= 4 && b.length <= 0xffff) b.writeUInt16BE(b.length, 2);
  return b;
}

/** Values that make length fields interesting: 0, tiny, off by one, huge. */
const lengthLike = fc.oneof(
  fc.integer({ min: 0, max: 24 }),
  fc.constantFrom(0xff, 0x100, 0x7fff, 0xfffe, 0xffff),
  fc.integer({ min: 0, max: 0xffff }),
);

/** One edit of a valid message. */
type Mutation =
  | { readonly kind: 'flip'; readonly at: number; readonly xor: number }
  | { readonly kind: 'set'; readonly at: number; readonly v: number }
  | { readonly kind: 'cut'; readonly at: number }
  | { readonly kind: 'extend'; readonly tail: Uint8Array }
  | { readonly kind: 'patch16'; readonly at: number; readonly v: number }
  | { readonly kind: 'patch32'; readonly at: number; readonly v: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), v: fc.constantFrom(0, 1, 0x7f, 0x80, 0xff) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('extend' as const), tail: fc.uint8Array({ minLength: 1, maxLength: 24 }) }),
  fc.record({ kind: fc.constant('patch16' as const), at: fc.nat(), v: lengthLike }),
  fc.record({ kind: fc.constant('patch32' as const), at: fc.nat(), v: fc.constantFrom(0, 1, 0xffff, 0x80000000, 0xffffffff) }),
);

function mutate(src: Buffer, edits: readonly Mutation[]): Buffer {
  let b = Buffer.from(src);
  for (const e of edits) {
    switch (e.kind) {
      case 'flip':
        if (b.length > 0) b[e.at % b.length]! ^= e.xor;
        break;
      case 'set':
        if (b.length > 0) b[e.at % b.length] = e.v;
        break;
      case 'cut':
        b = b.subarray(0, e.at % (b.length + 1));
        break;
      case 'extend':
        b = Buffer.concat([b, e.tail]);
        break;
      case 'patch16':
        if (b.length >= 2) b.writeUInt16BE(e.v, e.at % (b.length - 1));
        break;
      case 'patch32':
        if (b.length >= 4) b.writeUInt32BE(e.v >>> 0, e.at % (b.length - 3));
        break;
    }
  }
  return b;
}

describe('decoding random and mutated bytes', () => {
  it('random bodies behind a plausible header throw only OfDecodeError, and what decodes re-encodes', () => {
    const header = fc.record({
      version: fc.oneof({ arbitrary: fc.constantFrom(1, 4), weight: 4 }, { arbitrary: fc.integer({ min: 0, max: 255 }), weight: 1 }),
      type: fc.oneof({ arbitrary: fc.integer({ min: 0, max: 30 }), weight: 4 }, { arbitrary: fc.integer({ min: 0, max: 255 }), weight: 1 }),
      // Multipart/stats subtypes live in the first body bytes: bias them to known kinds.
      sub: fc.oneof(fc.integer({ min: 0, max: 14 }), fc.constant(0xffff), fc.integer({ min: 0, max: 0xffff })),
    });
    fc.assert(
      fc.property(header, fc.uint8Array({ maxLength: 400 }), ({ version, type, sub }, body) => {
        const b = Buffer.alloc(8 + body.length);
        Buffer.from(body).copy(b, 8);
        b[0] = version;
        b[1] = type;
        b.writeUInt32BE(0x01020304, 4);
        if (body.length >= 2) b.writeUInt16BE(sub, 8);
        decodeAnything(withLength(b));
      }),
      params(3000),
    );
  });

  it('short and header-inconsistent buffers throw OfDecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (u) => {
        const b = Buffer.from(u);
        if (b.length >= 4 && b.readUInt16BE(2) === b.length) b.writeUInt16BE(b.length + 1, 2);
        expect(() => decodeMessage(b)).toThrow(OfDecodeError);
      }),
      params(1000),
    );
  });

  it('any bytes in a fixed-size char[] field (port, table, desc names) decode and re-encode byte-exact', () => {
    // A switch may send names that are not UTF-8; they must survive decode → encode unchanged.
    const v13Port = encodeMessage({
      version: 4, type: 'port_status', xid: 0, reason: 0,
      port: { portNo: 1, hwAddr: '00:00:00:00:00:01', name: '', config: 0, state: 0, curr: 0, advertised: 0, supported: 0, peer: 0, currSpeed: 0, maxSpeed: 0 },
    });
    const v10Port = encodeMessage({
      version: 1, type: 'port_status', xid: 0, reason: 0,
      port: { portNo: 1, hwAddr: '00:00:00:00:00:01', name: '', config: 0, state: 0, curr: 0, advertised: 0, supported: 0, peer: 0 },
    });
    const desc = encodeMessage({
      version: 4, type: 'multipart_reply', xid: 0, flags: 0,
      body: { type: 'desc', mfrDesc: '', hwDesc: '', swDesc: '', serialNum: '', dpDesc: '' },
    });
    // [message, offset of the char array, its size]: ofp_port.name, ofp_phy_port.name, ofp_desc.mfr_desc / serial_num.
    const fields: [Buffer, number, number][] = [[v13Port, 32, 16], [v10Port, 24, 16], [desc, 16, 256], [desc, 16 + 768, 32]];
    fc.assert(
      fc.property(fc.constantFrom(...fields), fc.uint8Array({ maxLength: 256 }), ([msg, at, size], raw) => {
        const b = Buffer.from(msg);
        Buffer.from(raw.subarray(0, size)).copy(b, at);
        const m = decodeMessage(b);
        const out = encodeMessage(m);
        // Bytes after a NUL are padding and come back as zeros; everything before it is kept.
        const field = b.subarray(at, at + size);
        const nul = field.indexOf(0);
        if (nul >= 0) field.fill(0, nul);
        expect(out.toString('hex')).toBe(b.toString('hex'));
      }),
      params(1000),
    );
  });

  it('mutated valid messages (flips, cuts, extensions, patched inner lengths) throw only OfDecodeError', () => {
    fc.assert(
      fc.property(anyMessage, fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.boolean(), (m, edits, fixLength) => {
        const b = mutate(encodeMessage(m), edits);
        decodeAnything(fixLength ? withLength(b) : b);
      }),
      params(4000),
    );
  });
});

describe('framer', () => {
  it('random splits of a concatenated stream yield the same messages', () => {
    fc.assert(
      fc.property(fc.array(anyMessage, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 12 }), (msgs, cuts) => {
        const wires = msgs.map((m) => encodeMessage(m));
        const stream = Buffer.concat(wires);
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        const framer = new Framer();
        const got: Buffer[] = [];
        let prev = 0;
        for (const p of [...points, stream.length]) {
          // Each chunk gets its own memory, as socket chunks do.
          framer.push(Buffer.from(stream.subarray(prev, p)), (msg) => got.push(msg));
          prev = p;
        }
        expect(framer.pendingBytes).toBe(0);
        // Compared only after every push: a message handed out earlier must not have been overwritten.
        expect(got.map((g) => g.toString('hex'))).toEqual(wires.map((w) => w.toString('hex')));
        expect(got.map((g) => decodeMessage(g))).toEqual(msgs);
      }),
      params(1000),
    );
  });
});
