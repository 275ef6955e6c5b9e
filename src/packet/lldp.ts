/** LLDPDUs (IEEE 802.1AB): TLV list parse and build, unknown and odd-sized TLVs kept raw. */

import { isUtf8 } from 'node:buffer';
import { formatIpv4, formatIpv6, formatMac } from '../core/addr.js';
import { LLDP_CHASSIS_SUBTYPE, LLDP_PORT_SUBTYPE, LLDP_TLV } from './constants.js';
import { u16, u32, view } from './bytes.js';

/** End of LLDPDU. */
export interface LldpEndTlv {
  readonly type: 'end';
}

/** Chassis ID or Port ID: a subtype (`LLDP_CHASSIS_SUBTYPE` / `LLDP_PORT_SUBTYPE`) and its bytes. */
export interface LldpIdTlv {
  readonly type: 'chassis_id' | 'port_id';
  readonly subtype: number;
  readonly value: Buffer;
}

/** Time to live in seconds; 0 tells the neighbour to forget this agent. */
export interface LldpTtlTlv {
  readonly type: 'ttl';
  readonly ttlSec: number;
}

/** A UTF-8 text TLV (parsed only when the bytes are valid UTF-8, else kept raw). */
export interface LldpTextTlv {
  readonly type: 'port_description' | 'system_name' | 'system_description';
  readonly text: string;
}

/** System capabilities and enabled capabilities bit maps. */
export interface LldpCapabilitiesTlv {
  readonly type: 'system_capabilities';
  readonly capabilities: number;
  readonly enabled: number;
}

/** Organizationally specific TLV: 24-bit OUI, subtype and information string. */
export interface LldpOrgSpecificTlv {
  readonly type: 'org_specific';
  readonly oui: number;
  readonly subtype: number;
  readonly info: Buffer;
}

/** Any TLV not parsed above (unknown types, management address, odd sizes), byte-exact. */
export interface LldpRawTlv {
  readonly type: 'raw';
  readonly tlvType: number;
  readonly value: Buffer;
}

/** One LLDPDU TLV. */
export type LldpTlv = LldpEndTlv | LldpIdTlv | LldpTtlTlv | LldpTextTlv | LldpCapabilitiesTlv | LldpOrgSpecificTlv | LldpRawTlv;

/**
 * A parsed LLDPDU. `tlvs` is the whole PDU in order; `chassisId`, `portId` and `ttlSec` repeat
 * the first such TLVs for convenience and are ignored by {@link buildLldp}.
 */
export interface Lldp {
  readonly tlvs: readonly LldpTlv[];
  readonly chassisId: LldpIdTlv | undefined;
  readonly portId: LldpIdTlv | undefined;
  readonly ttlSec: number | undefined;
}

/** Input of {@link buildLldp}; a parsed {@link Lldp} is one. */
export interface LldpFields {
  readonly tlvs: readonly LldpTlv[];
}

const TEXT_TYPE: Readonly<Record<number, LldpTextTlv['type']>> = {
  [LLDP_TLV.PORT_DESCRIPTION]: 'port_description',
  [LLDP_TLV.SYSTEM_NAME]: 'system_name',
  [LLDP_TLV.SYSTEM_DESCRIPTION]: 'system_description',
};

/**
 * Parses the LLDPDU at `b[off, end)` up to and including its End TLV, or to `end` when it has
 * none (End is optional since IEEE 802.1AB-2009). Returns the PDU, the offset after it (bytes
 * beyond are padding) and an error naming a truncated TLV, with the TLVs read before it.
 */
export function parseLldp(b: Buffer, off: number, end: number): { lldp: Lldp; next: number; error: string | undefined } {
  const tlvs: LldpTlv[] = [];
  let chassisId: LldpIdTlv | undefined;
  let portId: LldpIdTlv | undefined;
  let ttlSec: number | undefined;
  let error: string | undefined;
  let p = off;
  while (p < end) {
    if (end - p < 2) {
      error = `lldp: truncated TLV header at offset ${p}`;
      break;
    }
    const h = u16(b, p);
    const t = h >> 9;
    const len = h & 0x1ff;
    const v = p + 2;
    if (end - v < len) {
      error = `lldp: TLV ${t} of ${len} bytes overruns the frame at offset ${p}`;
      break;
    }
    p = v + len;
    let tlv: LldpTlv | undefined;
    switch (t) {
      case LLDP_TLV.END:
        if (len === 0) tlv = { type: 'end' };
        break;
      case LLDP_TLV.CHASSIS_ID:
      case LLDP_TLV.PORT_ID:
        if (len >= 1) {
          const id: LldpIdTlv = { type: t === LLDP_TLV.CHASSIS_ID ? 'chassis_id' : 'port_id', subtype: b[v]!, value: view(b, v + 1, v + len) };
          if (t === LLDP_TLV.CHASSIS_ID) chassisId ??= id;
          else portId ??= id;
          tlv = id;
        }
        break;
      case LLDP_TLV.TTL:
        if (len === 2) {
          tlv = { type: 'ttl', ttlSec: u16(b, v) };
          ttlSec ??= tlv.ttlSec;
        }
        break;
      case LLDP_TLV.PORT_DESCRIPTION:
      case LLDP_TLV.SYSTEM_NAME:
      case LLDP_TLV.SYSTEM_DESCRIPTION: {
        const bytes = view(b, v, v + len);
        if (isUtf8(bytes)) tlv = { type: TEXT_TYPE[t]!, text: bytes.toString('utf8') };
        break;
      }
      case LLDP_TLV.SYSTEM_CAPABILITIES:
        if (len === 4) tlv = { type: 'system_capabilities', capabilities: u16(b, v), enabled: u16(b, v + 2) };
        break;
      case LLDP_TLV.ORG_SPECIFIC:
        if (len >= 4) tlv = { type: 'org_specific', oui: (b[v]! << 16) | (b[v + 1]! << 8) | b[v + 2]!, subtype: b[v + 3]!, info: view(b, v + 4, v + len) };
        break;
      default:
        break;
    }
    tlvs.push(tlv ?? { type: 'raw', tlvType: t, value: view(b, v, v + len) });
    if (t === LLDP_TLV.END) break;
  }
  return { lldp: { tlvs, chassisId, portId, ttlSec }, next: p, error };
}

function check(value: number, max: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new RangeError(`lldp.${field}: ${value} is not in 0..${max}`);
  return value;
}

function tlvValueLength(t: LldpTlv, i: number): number {
  let n: number;
  switch (t.type) {
    case 'end':
      n = 0;
      break;
    case 'chassis_id':
    case 'port_id':
      n = 1 + t.value.length;
      break;
    case 'ttl':
      n = 2;
      break;
    case 'port_description':
    case 'system_name':
    case 'system_description':
      n = Buffer.byteLength(t.text, 'utf8');
      break;
    case 'system_capabilities':
      n = 4;
      break;
    case 'org_specific':
      n = 4 + t.info.length;
      break;
    case 'raw':
      n = t.value.length;
      break;
    default:
      throw new RangeError(`lldp.tlvs[${i}]: unknown TLV ${JSON.stringify(t satisfies never)}`);
  }
  if (n > 0x1ff) throw new RangeError(`lldp.tlvs[${i}]: value of ${n} bytes exceeds 511`);
  return n;
}

const TLV_NUMBER: Record<Exclude<LldpTlv['type'], 'raw'>, number> = {
  end: LLDP_TLV.END,
  chassis_id: LLDP_TLV.CHASSIS_ID,
  port_id: LLDP_TLV.PORT_ID,
  ttl: LLDP_TLV.TTL,
  port_description: LLDP_TLV.PORT_DESCRIPTION,
  system_name: LLDP_TLV.SYSTEM_NAME,
  system_description: LLDP_TLV.SYSTEM_DESCRIPTION,
  system_capabilities: LLDP_TLV.SYSTEM_CAPABILITIES,
  org_specific: LLDP_TLV.ORG_SPECIFIC,
};

/**
 * The bytes of an LLDPDU: the TLVs exactly in the order given. The End TLV is optional
 * (IEEE 802.1AB-2016 8.4); include `{ type: 'end' }` last to send one.
 */
export function buildLldp(l: LldpFields): Buffer {
  const tlvs = l.tlvs;
  let total = 0;
  for (let i = 0; i < tlvs.length; i++) total += 2 + tlvValueLength(tlvs[i]!, i);
  const out = Buffer.alloc(total);
  let p = 0;
  for (let i = 0; i < tlvs.length; i++) {
    const t = tlvs[i]!;
    const len = tlvValueLength(t, i);
    const num = t.type === 'raw' ? check(t.tlvType, 127, `tlvs[${i}].tlvType`) : TLV_NUMBER[t.type];
    out.writeUInt16BE((num << 9) | len, p);
    const v = p + 2;
    switch (t.type) {
      case 'end':
        break;
      case 'chassis_id':
      case 'port_id':
        out[v] = check(t.subtype, 255, `tlvs[${i}].subtype`);
        out.set(t.value, v + 1);
        break;
      case 'ttl':
        out.writeUInt16BE(check(t.ttlSec, 0xffff, `tlvs[${i}].ttlSec`), v);
        break;
      case 'port_description':
      case 'system_name':
      case 'system_description':
        out.write(t.text, v, 'utf8');
        break;
      case 'system_capabilities':
        out.writeUInt16BE(check(t.capabilities, 0xffff, `tlvs[${i}].capabilities`), v);
        out.writeUInt16BE(check(t.enabled, 0xffff, `tlvs[${i}].enabled`), v + 2);
        break;
      case 'org_specific':
        check(t.oui, 0xffffff, `tlvs[${i}].oui`);
        out[v] = t.oui >>> 16;
        out[v + 1] = (t.oui >>> 8) & 0xff;
        out[v + 2] = t.oui & 0xff;
        out[v + 3] = check(t.subtype, 255, `tlvs[${i}].subtype`);
        out.set(t.info, v + 4);
        break;
      case 'raw':
        out.set(t.value, v);
        break;
      default:
        throw new RangeError(`lldp.tlvs[${i}]: unknown TLV ${JSON.stringify(t satisfies never)}`);
    }
    p = v + len;
  }
  return out;
}

/**
 * Display text of a Chassis ID or Port ID: MAC subtypes as `aa:bb:...`, network-address subtypes
 * (IANA family 1 or 2) as IP text, other subtypes as UTF-8 when valid and free of control
 * characters, else lower-case hex.
 */
export function lldpIdText(id: LldpIdTlv): string {
  const v = id.value;
  const mac = id.type === 'chassis_id' ? LLDP_CHASSIS_SUBTYPE.MAC_ADDRESS : LLDP_PORT_SUBTYPE.MAC_ADDRESS;
  const net = id.type === 'chassis_id' ? LLDP_CHASSIS_SUBTYPE.NETWORK_ADDRESS : LLDP_PORT_SUBTYPE.NETWORK_ADDRESS;
  if (id.subtype === mac && v.length === 6) return formatMac(v);
  if (id.subtype === net && v.length === 5 && v[0] === 1) return formatIpv4(u32(v, 1));
  if (id.subtype === net && v.length === 17 && v[0] === 2) return formatIpv6(v, 1);
  return isUtf8(v) && !hasControlChars(v) ? v.toString('utf8') : v.toString('hex');
}

function hasControlChars(v: Buffer): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}
