/**
 * Who may claim a datapath id, pure: `openflow.dpidPolicy` pins dpids to source addresses or
 * CIDRs and, over TLS with `verifyPeer`, to certificate subjects, so an impostor that connects
 * first with a real switch's dpid is refused instead of locking the real one out. With
 * `openflow.tls.requireBinding`, every TLS switch must present a subject bound to the dpid it claims.
 */
import { BlockList, isIP } from 'node:net';
import { dpidToHex, parseDpid } from '../core/ids.js';
import { normalizeAddress } from './connection-limits.js';
import { addressRangeError } from '../config.js';

export { addressRangeError, dpidError } from '../config.js';

/** One pinned dpid: where it may connect from, and which certificate subjects may claim it. */
export interface DpidPolicyEntry {
  /** The datapath id (16 hex digits, or as parseDpid reads it). */
  readonly dpid: string;
  /** Source addresses or CIDRs (`10.0.0.5`, `10.0.1.0/24`, `fd00::/64`); empty = any address. */
  readonly addresses?: readonly string[];
  /** Certificate subject CNs (TLS with `verifyPeer`); empty = no certificate required. */
  readonly subjects?: readonly string[];
}

/** Why a claim was refused (the `reason` label of signalbox_openflow_identity_refused_total). */
export type IdentityRefusal = 'address' | 'certificate';

/** What the controller knows of a peer when it claims a dpid. */
export interface PeerIdentity {
  /** Its source address (IPv4-mapped IPv6 is taken as IPv4). */
  readonly address: string;
  /** The CN of its verified certificate (TLS with `verifyPeer`), else undefined. */
  readonly subject?: string | undefined;
  /** True when it came in over TLS. */
  readonly tls?: boolean | undefined;
}

/** Options of {@link DpidPolicy}. */
export interface DpidPolicyOptions {
  /** `openflow.tls.requireBinding`: a TLS peer whose subject is bound to no dpid (or that has no verified certificate) is refused. */
  readonly requireTlsBinding?: boolean;
}

/** The verdict on a claim. */
export type IdentityVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: IdentityRefusal; readonly message: string };

interface Compiled {
  readonly ranges: BlockList | undefined;
  readonly subjects: ReadonlySet<string>;
  readonly addressText: string;
}

/** The compiled policy: `check` is a map lookup plus, for pinned dpids, a BlockList match. */
export class DpidPolicy {
  private readonly byDpid = new Map<bigint, Compiled>();
  /** Subject → the dpids it may claim: a certificate bound to one switch cannot pass for another. */
  private readonly subjectDpids = new Map<string, Set<bigint>>();

  private readonly requireTlsBinding: boolean;

  /** Throws RangeError naming a bad dpid or address (the config schema checks them first). */
  constructor(entries: readonly DpidPolicyEntry[], opts: DpidPolicyOptions = {}) {
    this.requireTlsBinding = opts.requireTlsBinding ?? false;
    for (const e of entries) {
      const dpid = parseDpid(e.dpid);
      let ranges: BlockList | undefined;
      for (const a of e.addresses ?? []) {
        const err = addressRangeError(a);
        if (err) throw new RangeError(`openflow.dpidPolicy: ${err}`);
        ranges ??= new BlockList();
        const [addr, prefix] = a.split('/');
        const type = isIP(addr!) === 6 ? 'ipv6' : 'ipv4';
        if (prefix === undefined) ranges.addAddress(addr!, type);
        else ranges.addSubnet(addr!, Number(prefix), type);
      }
      const subjects = new Set(e.subjects ?? []);
      for (const s of subjects) {
        let set = this.subjectDpids.get(s);
        if (!set) this.subjectDpids.set(s, (set = new Set()));
        set.add(dpid);
      }
      this.byDpid.set(dpid, { ranges, subjects, addressText: (e.addresses ?? []).join(', ') });
    }
  }

  /** Pinned dpids. */
  get size(): number {
    return this.byDpid.size;
  }

  /** May `peer` claim `dpid`? */
  check(dpid: bigint, peer: PeerIdentity): IdentityVerdict {
    const hex = dpidToHex(dpid);
    if (this.requireTlsBinding && peer.tls) {
      if (peer.subject === undefined) {
        return { ok: false, reason: 'certificate', message: `a TLS switch claiming ${hex} has no verified certificate (openflow.tls.requireBinding)` };
      }
      if (!this.subjectDpids.has(peer.subject)) {
        return { ok: false, reason: 'certificate', message: `certificate subject ${JSON.stringify(peer.subject)} is bound to no datapath id in openflow.dpidPolicy (openflow.tls.requireBinding); it claimed ${hex}` };
      }
    }
    if (peer.subject !== undefined) {
      const allowed = this.subjectDpids.get(peer.subject);
      if (allowed && !allowed.has(dpid)) {
        return { ok: false, reason: 'certificate', message: `certificate subject ${JSON.stringify(peer.subject)} is bound to ${[...allowed].map(dpidToHex).join(', ')}, not to ${hex}` };
      }
    }
    const e = this.byDpid.get(dpid);
    if (!e) return { ok: true };
    const address = normalizeAddress(peer.address);
    if (e.ranges) {
      const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (isIP(address) === 0 || !e.ranges.check(address, type)) {
        return { ok: false, reason: 'address', message: `datapath id ${hex} is pinned to ${e.addressText} (openflow.dpidPolicy); claimed from ${address}` };
      }
    }
    if (e.subjects.size > 0 && (peer.subject === undefined || !e.subjects.has(peer.subject))) {
      const got = peer.subject === undefined ? 'no verified certificate' : `certificate subject ${JSON.stringify(peer.subject)}`;
      return { ok: false, reason: 'certificate', message: `datapath id ${hex} is bound to certificate subject ${[...e.subjects].map((s) => JSON.stringify(s)).join(' or ')} (openflow.dpidPolicy); the peer has ${got}` };
    }
    return { ok: true };
  }
}
