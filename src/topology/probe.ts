/**
 * Signed LLDP probes: the frame the controller sends out of a port, and the check of one that
 * comes back. The Signalbox TLV (organizationally specific, IEEE 802.1AB 8.6) carries the
 * source dpid, port and send time with an HMAC-SHA256 over them, so a host cannot fake a link.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { buildPacket, LLDP_CHASSIS_SUBTYPE, LLDP_MULTICAST, LLDP_PORT_SUBTYPE, type Lldp, type LldpTlv } from '../packet/index.js';
import { dpidToHex } from '../core/ids.js';
import { parseMac } from '../core/addr.js';

/** OUI of the Signalbox TLV (a locally chosen value; only our own controller reads it). */
export const SIGNALBOX_OUI = 0x5b1d00;
/** Subtype of the signed probe TLV under {@link SIGNALBOX_OUI}. */
export const PROBE_TLV_SUBTYPE = 1;
/** Signed part: dpid(8) port(4) sentAt ms(8). */
const SIGNED_LEN = 20;
/** Signed part plus the HMAC-SHA256 (32). */
export const PROBE_INFO_LEN = SIGNED_LEN + 32;

/** What a valid probe says about where it was sent from. */
export interface ProbeOrigin {
  readonly dpid: bigint;
  readonly port: number;
  /** When the controller signed it (ms). */
  readonly sentAt: number;
}

/** Why a received LLDP frame was not taken as a probe of ours. */
export type ProbeRejection = 'unsigned' | 'malformed' | 'bad_signature' | 'stale';

/** Result of {@link verifyProbe}. */
export type ProbeCheck = { readonly ok: true; readonly origin: ProbeOrigin } | { readonly ok: false; readonly reason: ProbeRejection };

function signedPart(dpid: bigint, port: number, sentAt: number): Buffer {
  const b = Buffer.allocUnsafe(PROBE_INFO_LEN);
  b.writeBigUInt64BE(dpid, 0);
  b.writeUInt32BE(port >>> 0, 8);
  b.writeBigUInt64BE(BigInt(Math.trunc(sentAt)), 12);
  return b;
}

function mac(secret: Buffer, signed: Buffer): Buffer {
  return createHmac('sha256', secret).update(signed.subarray(0, SIGNED_LEN)).digest();
}

/** Chassis ID text in Ryu's form, `dpid:<16 hex digits>`, so other tools recognise the sender. */
function chassisValue(dpid: bigint): Buffer {
  return Buffer.from(`dpid:${dpidToHex(dpid)}`, 'latin1');
}

/** The Port ID value: the 32-bit port number (subtype port component, as Ryu sends it). */
function portValue(port: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(port >>> 0, 0);
  return b;
}

/** The LLDP TTL field for a TTL in seconds: whole seconds, 1 to 65,535. */
function lldpTtl(ttlSec: number): number {
  return Math.min(0xffff, Math.max(1, Math.ceil(ttlSec)));
}

/** Input of {@link buildProbe}. */
export interface ProbeFields {
  readonly dpid: bigint;
  readonly port: number;
  /** Source MAC of the frame: the port's own address. */
  readonly hwAddr: string;
  readonly sentAt: number;
  /** LLDP TTL in seconds. */
  readonly ttlSec: number;
}

/** The Ethernet frame of a signed probe, to the nearest-bridge LLDP group address. */
export function buildProbe(f: ProbeFields, secret: Buffer): Buffer {
  const info = signedPart(f.dpid, f.port, f.sentAt);
  mac(secret, info).copy(info, SIGNED_LEN);
  const tlvs: LldpTlv[] = [
    { type: 'chassis_id', subtype: LLDP_CHASSIS_SUBTYPE.LOCALLY_ASSIGNED, value: chassisValue(f.dpid) },
    { type: 'port_id', subtype: LLDP_PORT_SUBTYPE.PORT_COMPONENT, value: portValue(f.port) },
    { type: 'ttl', ttlSec: lldpTtl(f.ttlSec) },
    { type: 'org_specific', oui: SIGNALBOX_OUI, subtype: PROBE_TLV_SUBTYPE, info },
    { type: 'end' },
  ];
  return buildPacket({ eth: { dst: LLDP_MULTICAST, src: f.hwAddr }, lldp: { tlvs } });
}

/**
 * Where every frame {@link buildProbe} makes has its signed info, and its length: the layout is
 * fixed (no VLAN tag, a Chassis ID of `dpid:` and 16 hex digits, a 4-byte Port ID, the TTL, the
 * Signalbox TLV, the End TLV), so a probe coming back can be recognised without parsing it.
 */
const PROBE_FRAME = buildProbe({ dpid: 0n, port: 0, hwAddr: '00:00:00:00:00:00', sentAt: 0, ttlSec: 1 }, Buffer.alloc(32));
/** Length of a probe frame. */
export const PROBE_FRAME_LEN = PROBE_FRAME.length;
/** Offset of the Signalbox TLV's info (signed part, then HMAC) in a probe frame: just before the End TLV. */
export const PROBE_FRAME_INFO_AT = PROBE_FRAME_LEN - 2 - PROBE_INFO_LEN;

// Where a probe frame's per-port fields are: Ethernet source (after the 6-byte destination); the
// Chassis ID's 16 hex digits (Ethernet 14, TLV header 2, subtype 1, "dpid:" 5); the Port ID's
// value (Chassis TLV 2+1+21, then header 2 and subtype 1); the TTL (Port TLV 2+1+4, then header 2).
const ETH_SRC_AT = 6;
const CHASSIS_HEX_AT = 22;
const PORT_ID_AT = 41;
const TTL_AT = 47;

/** Writes what {@link buildProbe} puts in a frame for `f`, except the send time and the HMAC, into a copy of the probe frame. */
function writeProbeFields(frame: Buffer, f: Omit<ProbeFields, 'sentAt'>): void {
  parseMac(f.hwAddr, frame, ETH_SRC_AT);
  frame.write(dpidToHex(f.dpid), CHASSIS_HEX_AT, 16, 'latin1');
  frame.writeUInt32BE(f.port >>> 0, PORT_ID_AT);
  frame.writeUInt16BE(lldpTtl(f.ttlSec), TTL_AT);
  frame.writeBigUInt64BE(f.dpid, PROBE_FRAME_INFO_AT);
  frame.writeUInt32BE(f.port >>> 0, PROBE_FRAME_INFO_AT + 8);
}

// The offsets above are checked once against a frame built TLV by TLV (all fields unlike PROBE_FRAME's).
{
  const f = { dpid: 0x0123456789abcdefn, port: 0xfedcba98, hwAddr: '0a:0b:0c:0d:0e:0f', ttlSec: 0x1234 };
  const patched = Buffer.from(PROBE_FRAME);
  writeProbeFields(patched, f);
  const built = buildProbe({ ...f, sentAt: 0 }, Buffer.alloc(32));
  if (!patched.subarray(0, PROBE_FRAME_INFO_AT + 12).equals(built.subarray(0, PROBE_FRAME_INFO_AT + 12)) || patched.length !== built.length) {
    throw new Error('probe template: the frame does not have the probe layout');
  }
}

/**
 * The source switch and port a frame of probe length names in its signed part, to find the port's
 * template (see {@link ProbeTemplate.sentAtOf}); undefined for a frame of another length. Nothing
 * is verified here.
 */
export function probeSourceOf(frame: Buffer): { readonly dpid: bigint; readonly port: number } | undefined {
  if (frame.length !== PROBE_FRAME_LEN) return undefined;
  return { dpid: frame.readBigUInt64BE(PROBE_FRAME_INFO_AT), port: frame.readUInt32BE(PROBE_FRAME_INFO_AT + 8) };
}

/**
 * One port's probes, laid out once: each probe is a copy of the frame with the send time and its
 * HMAC written in, the same bytes as {@link buildProbe} (a switch with thousands of ports gets
 * thousands of probes a second, and building each frame field by field was most of their cost).
 * The last frame built is kept: when it comes back, byte for byte, {@link sentAtOf} recognises it
 * without parsing it or computing its HMAC again.
 */
export class ProbeTemplate {
  private readonly frame: Buffer;
  /** The last frame built, and when it was signed (-1: none yet). */
  private last: Buffer | undefined;
  private lastSentAt = -1;

  constructor(
    readonly fields: Omit<ProbeFields, 'sentAt'>,
    private readonly secret: Buffer,
  ) {
    // The layout is fixed: the port's fields are written into a copy of the reference frame (a
    // switch announcing thousands of ports gets a template each at once, and building each frame
    // TLV by TLV, signed, was most of a probe tick). `build` writes the send time and the HMAC.
    this.frame = Buffer.from(PROBE_FRAME);
    writeProbeFields(this.frame, fields);
  }

  /** True when this template was made for these fields (same source MAC and TTL). */
  fits(hwAddr: string, ttlSec: number): boolean {
    return this.fields.hwAddr === hwAddr && this.fields.ttlSec === ttlSec;
  }

  /** A fresh frame signed at `sentAt` (kept as the last one: the caller must not change it). */
  build(sentAt: number): Buffer {
    const b = Buffer.allocUnsafe(this.frame.length);
    this.frame.copy(b);
    const info = b.subarray(PROBE_FRAME_INFO_AT, PROBE_FRAME_INFO_AT + PROBE_INFO_LEN);
    info.writeBigUInt64BE(BigInt(Math.trunc(sentAt)), 12);
    mac(this.secret, info).copy(info, SIGNED_LEN);
    this.last = b;
    this.lastSentAt = Math.trunc(sentAt);
    return b;
  }

  /**
   * The send time of `frame` when it is the last frame this template built, byte for byte (then it
   * is genuine: its HMAC is one we computed for exactly these signed fields, so verifying it again
   * would say the same); undefined otherwise (an older or foreign probe: verify it in full with
   * {@link verifyProbe}). Compared in constant time, like a signature.
   */
  sentAtOf(frame: Buffer): number | undefined {
    const last = this.last;
    if (last === undefined || frame.length !== last.length || !timingSafeEqual(frame, last)) return undefined;
    return this.lastSentAt;
  }
}

/**
 * Checks a received LLDPDU: it must carry exactly one Signalbox TLV whose HMAC verifies with
 * `secret`, Chassis and Port IDs that agree with the signed dpid and port, and a send time no
 * more than `maxDelayMs` away from `now` (either way: a clock in the future is as suspect).
 * Replays and loops need state and are judged by the discovery state machine.
 */
export function verifyProbe(lldp: Lldp, secret: Buffer, now: number, maxDelayMs: number): ProbeCheck {
  let info: Buffer | undefined;
  for (const t of lldp.tlvs) {
    if (t.type !== 'org_specific' || t.oui !== SIGNALBOX_OUI || t.subtype !== PROBE_TLV_SUBTYPE) continue;
    if (info !== undefined) return { ok: false, reason: 'malformed' };
    info = t.info;
  }
  if (info === undefined) return { ok: false, reason: 'unsigned' };
  if (info.length !== PROBE_INFO_LEN) return { ok: false, reason: 'malformed' };
  const expected = mac(secret, info);
  if (!timingSafeEqual(expected, info.subarray(SIGNED_LEN, PROBE_INFO_LEN))) return { ok: false, reason: 'bad_signature' };
  const dpid = info.readBigUInt64BE(0);
  const port = info.readUInt32BE(8);
  const sentAt = Number(info.readBigUInt64BE(12));
  // The signed fields are the truth; IDs that disagree mean someone edited a signed frame.
  if (!lldp.chassisId || !lldp.chassisId.value.equals(chassisValue(dpid))) return { ok: false, reason: 'bad_signature' };
  if (!lldp.portId || !lldp.portId.value.equals(portValue(port))) return { ok: false, reason: 'bad_signature' };
  if (Math.abs(now - sentAt) > maxDelayMs) return { ok: false, reason: 'stale' };
  return { ok: true, origin: { dpid, port, sentAt } };
}
