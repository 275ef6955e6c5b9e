/** Signed LLDP probes: round trip, forged, tampered, stale, unsigned, and the secret file. */
import { mkdtempSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildLldp, buildPacket, LLDP_MULTICAST, parsePacket, type Lldp } from '../../src/packet/index.js';
import { buildProbe, PROBE_FRAME_INFO_AT, PROBE_FRAME_LEN, PROBE_INFO_LEN, probeSourceOf, ProbeTemplate, SIGNALBOX_OUI, verifyProbe } from '../../src/topology/probe.js';
import { loadOrCreateSecret, SECRET_FILE } from '../../src/topology/secret.js';
import { isReservedCookie, LLDP_FLOW_COOKIE, touchesReservedFlows } from '../../src/topology/lldp-flow.js';

const KEY = Buffer.alloc(32, 1);
const probe = (sentAt = 1_000_000, key = KEY): Buffer => buildProbe({ dpid: 0xabn, port: 3, hwAddr: '02:00:00:00:00:03', sentAt, ttlSec: 4 }, key);
const lldpOf = (b: Buffer): Lldp => parsePacket(b).lldp!;

describe('signed probes', () => {
  it('builds a frame to the LLDP group address with chassis dpid:…, port, TTL and the signed TLV, and verifies it', () => {
    const f = probe();
    const p = parsePacket(f);
    expect(p.error).toBeUndefined();
    expect(p.eth).toMatchObject({ dst: LLDP_MULTICAST, src: '02:00:00:00:00:03', ethertype: 0x88cc });
    expect(p.lldp!.chassisId!.value.toString()).toBe('dpid:00000000000000ab');
    expect(p.lldp!.portId!.value.readUInt32BE(0)).toBe(3);
    expect(p.lldp!.ttlSec).toBe(4);
    const org = p.lldp!.tlvs.find((t) => t.type === 'org_specific');
    expect(org).toMatchObject({ oui: SIGNALBOX_OUI, subtype: 1 });
    expect(org!.type === 'org_specific' && org!.info.length).toBe(PROBE_INFO_LEN);
    expect(verifyProbe(p.lldp!, KEY, 1_000_050, 1000)).toEqual({ ok: true, origin: { dpid: 0xabn, port: 3, sentAt: 1_000_000 } });
  });

  it('a port template gives the same bytes as building the probe, for every send time, in fresh buffers', () => {
    const fields = { dpid: 0xabn, port: 0xfffffffe, hwAddr: '02:00:00:00:00:03', ttlSec: 4 };
    const t = new ProbeTemplate(fields, KEY);
    const frames = [0, 1, 1_000_000, 1_796_549_057_130, 2 ** 40 + 7].map((sentAt) => {
      const f = t.build(sentAt);
      expect(f.equals(buildProbe({ ...fields, sentAt }, KEY))).toBe(true);
      expect(verifyProbe(lldpOf(f), KEY, sentAt, 0)).toEqual({ ok: true, origin: { dpid: 0xabn, port: 0xfffffffe, sentAt } });
      return f;
    });
    // Each frame is its own: a later build does not change an earlier one.
    expect(frames[0]!.equals(buildProbe({ ...fields, sentAt: 0 }, KEY))).toBe(true);
    expect(t.fits('02:00:00:00:00:03', 4)).toBe(true);
    expect(t.fits('02:00:00:00:00:04', 4)).toBe(false);
    expect(t.fits('02:00:00:00:00:03', 5)).toBe(false);
  });

  it('a template recognises the last frame it built, byte for byte, and nothing else; probeSourceOf reads the claimed source at the fixed offset', () => {
    const fields = { dpid: 0xabn, port: 7, hwAddr: '02:00:00:00:00:07', ttlSec: 4 };
    const t = new ProbeTemplate(fields, KEY);
    expect(t.sentAtOf(buildProbe({ ...fields, sentAt: 5 }, KEY))).toBeUndefined(); // nothing built yet
    const older = t.build(1_000);
    const last = t.build(2_000);
    expect(last.length).toBe(PROBE_FRAME_LEN);
    expect(last.readBigUInt64BE(PROBE_FRAME_INFO_AT)).toBe(0xabn);
    expect(probeSourceOf(last)).toEqual({ dpid: 0xabn, port: 7 });
    expect(probeSourceOf(last.subarray(0, PROBE_FRAME_LEN - 1))).toBeUndefined();
    // A copy (another buffer, as a PACKET_IN brings it) is recognised with its send time.
    expect(t.sentAtOf(Buffer.from(last))).toBe(2_000);
    // A genuine but older frame is not (it is verified in full, and judged a replay or not by discovery).
    expect(t.sentAtOf(older)).toBeUndefined();
    // Any byte changed, or a frame one byte longer, is not: the full check judges it.
    for (let off = 0; off < last.length; off++) {
      const g = Buffer.from(last);
      g[off]! ^= 0x01;
      expect(t.sentAtOf(g)).toBeUndefined();
    }
    expect(t.sentAtOf(Buffer.concat([last, Buffer.alloc(1)]))).toBeUndefined();
    // What it recognises, the full check accepts with the same origin.
    expect(verifyProbe(lldpOf(last), KEY, 2_000, 0)).toEqual({ ok: true, origin: { dpid: 0xabn, port: 7, sentAt: 2_000 } });
  });

  it('rejects a probe signed with another key, or with any signed byte changed', () => {
    expect(verifyProbe(lldpOf(probe(1_000_000, Buffer.alloc(32, 2))), KEY, 1_000_000, 1000)).toEqual({ ok: false, reason: 'bad_signature' });
    const f = probe();
    const infoAt = f.length - 2 - PROBE_INFO_LEN; // before the End TLV
    for (const off of [0, 7, 8, 11, 12, 19, 20, 51]) {
      const g = Buffer.from(f);
      g[infoAt + off]! ^= 0x01;
      expect(verifyProbe(lldpOf(g), KEY, 1_000_000, 1000)).toEqual({ ok: false, reason: 'bad_signature' });
    }
  });

  it('rejects a validly signed TLV moved under another chassis or port id', () => {
    const org = lldpOf(probe()).tlvs.find((t) => t.type === 'org_specific')!;
    const forged = buildPacket({ eth: { dst: LLDP_MULTICAST, src: '00:00:00:00:00:66' }, lldp: { tlvs: [
      { type: 'chassis_id', subtype: 7, value: Buffer.from('dpid:0000000000000066') },
      { type: 'port_id', subtype: 2, value: Buffer.from([0, 0, 0, 3]) },
      { type: 'ttl', ttlSec: 4 },
      org,
    ] } });
    expect(verifyProbe(lldpOf(forged), KEY, 1_000_000, 1000)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('rejects stale probes and probes from the future beyond the maximum delay', () => {
    const l = lldpOf(probe(1_000_000));
    expect(verifyProbe(l, KEY, 1_001_000, 1000).ok).toBe(true);
    expect(verifyProbe(l, KEY, 1_001_001, 1000)).toEqual({ ok: false, reason: 'stale' });
    expect(verifyProbe(l, KEY, 998_999, 1000)).toEqual({ ok: false, reason: 'stale' });
  });

  it('calls LLDP without our TLV unsigned, and a short or doubled TLV malformed', () => {
    const plain = parsePacket(buildPacket({ eth: { dst: LLDP_MULTICAST, src: '00:00:00:00:00:01' }, lldp: { tlvs: [{ type: 'ttl', ttlSec: 1 }] } })).lldp!;
    expect(verifyProbe(plain, KEY, 0, 1000)).toEqual({ ok: false, reason: 'unsigned' });
    const short = { tlvs: [{ type: 'org_specific' as const, oui: SIGNALBOX_OUI, subtype: 1, info: Buffer.alloc(10) }] };
    expect(verifyProbe(parsePacket(buildPacket({ eth: { dst: LLDP_MULTICAST, src: '00:00:00:00:00:01' }, lldp: short })).lldp!, KEY, 0, 1000).ok).toBe(false);
    const l = lldpOf(probe());
    const org = l.tlvs.find((t) => t.type === 'org_specific')!;
    const doubled = parsePacket(buildPacket({ eth: { dst: LLDP_MULTICAST, src: '00:00:00:00:00:01' }, lldp: { tlvs: [...l.tlvs.slice(0, 4), org] } })).lldp!;
    expect(verifyProbe(doubled, KEY, 1_000_000, 1000)).toEqual({ ok: false, reason: 'malformed' });
    expect(buildLldp({ tlvs: l.tlvs }).length).toBeGreaterThan(PROBE_INFO_LEN);
  });
});

describe('secret', () => {
  it('creates a 32-byte secret with mode 0600 once, then reads the same one back', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'sbx-topo-')), 'data');
    const a = loadOrCreateSecret(dir);
    expect(a.length).toBe(32);
    expect(statSync(join(dir, SECRET_FILE)).mode & 0o777).toBe(0o600);
    expect(loadOrCreateSecret(dir).equals(a)).toBe(true);
    expect(readFileSync(join(dir, SECRET_FILE)).equals(a)).toBe(true);
    // Looser permissions are tightened; a damaged file is an error, not silently replaced.
    chmodSync(join(dir, SECRET_FILE), 0o644);
    loadOrCreateSecret(dir);
    expect(statSync(join(dir, SECRET_FILE)).mode & 0o777).toBe(0o600);
    writeFileSync(join(dir, SECRET_FILE), 'short');
    expect(() => loadOrCreateSecret(dir)).toThrow(/32-byte secret/);
  });
});

describe('reserved cookie', () => {
  it('marks the LLDP cookie reserved and refuses app flow mods that could hit it', () => {
    expect(isReservedCookie(LLDP_FLOW_COOKIE)).toBe(true);
    expect(isReservedCookie(0x1234n)).toBe(false);
    expect(touchesReservedFlows({ command: 'delete' })).toBe(true); // no cookie filter: would delete everything
    expect(touchesReservedFlows({ command: 'delete', cookie: 0x0100_0000_0000_0000n, cookieMask: 0xff00_0000_0000_0000n })).toBe(false);
    expect(touchesReservedFlows({ command: 'add', cookie: LLDP_FLOW_COOKIE })).toBe(true);
    expect(touchesReservedFlows({ command: 'add', cookie: 5n })).toBe(false);
  });
});
