/**
 * The learning switch's decisions, pure: per-switch MAC tables keyed by 48-bit MAC numbers,
 * packet-in → forward / flood / ignore, and the flows and packet-outs those decisions mean.
 * No I/O and no clock: `now` (ms) is passed in.
 */
import type { PacketOutSpec } from '../../core/model.js';
import { ETH_TYPE } from '../../packet/constants.js';
import { peekEthernet } from '../../packet/ethernet.js';
import { isMulticastMacNumber, numberToMac } from '../../packet/mac.js';
import { MacMap } from '../../packet/mac-map.js';
import type { FlowRecord, FlowRule } from '../../core/services.js';
import { bufferedFor, type Effects, type FlowAt, type PacketOutAt, type Withdrawal } from '../effects.js';
import { CONTROLLER_ACTIONS, FLOOD_ACTIONS, outputActions, outputTo, packetOutOf } from '../../openflow/packet-out.js';
import { bool, defaultsOf, int, num, section, type ConfigOf } from '../../core/config-schema.js';

/** Settings schema of `apps.settings.l2-learning`. */
export const l2LearningSchema = section(
  {
    idleTimeoutSec: int({ default: 60, min: 0, max: 65535, unit: 's', doc: 'Idle timeout of learned flows; 0 = none.' }),
    hardTimeoutSec: int({ default: 0, min: 0, max: 65535, unit: 's', doc: 'Hard timeout of learned flows; 0 = none.' }),
    flowPriority: int({ default: 10, min: 1, max: 65535, doc: 'Priority of learned flows.' }),
    tableMissPriority: int({ default: 0, min: 0, max: 65535, doc: 'Priority of the table-miss flow (everything else to the controller); below `flowPriority`.' }),
    tableId: int({ default: 0, min: 0, max: 254, doc: 'Table the flows go in.' }),
    matchSrc: bool({ default: true, doc: "Learned flows match eth_src too (in_port + eth_src + eth_dst, as Ryu's simple_switch_13); off: in_port + eth_dst." }),
    macAgeSec: num({ default: 300, min: 1, unit: 's', doc: 'A MAC not seen for this long is forgotten.' }),
    maxMacsPerSwitch: int({ default: 100_000, min: 1, doc: 'MACs kept per switch; the oldest learned goes first beyond it.' }),
    installTableMiss: bool({ default: true, doc: 'Install the table-miss flow on connect (1.3 switches drop misses without it).' }),
  },
  {
    doc: 'Per-switch MAC learning.',
    validate: (c) => (c.tableMissPriority >= c.flowPriority ? 'tableMissPriority must be below flowPriority' : undefined),
  },
);

/** Settings of the learning switch. */
export type L2LearningConfig = ConfigOf<typeof l2LearningSchema>;

/** Defaults of the learning switch. */
export const defaultL2LearningConfig: L2LearningConfig = defaultsOf(l2LearningSchema);

/** Why a packet is not forwarded. */
export type IgnoreReason = 'short' | 'lldp' | 'link-local' | 'bad-source' | 'same-port' | 'no-flood-ports' | 'blocked-port';

/** What to do with one packet-in. MACs are 48-bit numbers. */
export type L2Decision =
  | { readonly kind: 'ignore'; readonly reason: IgnoreReason; readonly moved: boolean; readonly src: number }
  /** Unknown or group destination: flood out of `ports` (undefined: OFPP_FLOOD). */
  | { readonly kind: 'flood'; readonly ports: readonly number[] | undefined; readonly moved: boolean; readonly src: number; readonly dst: number }
  /** Known destination behind `outPort`: install a flow and send the packet there. */
  | { readonly kind: 'forward'; readonly outPort: number; readonly inPort: number; readonly moved: boolean; readonly src: number; readonly dst: number };

interface MacEntry {
  port: number;
  seenAt: number;
  /** The MAC as text, made the first time a flow matches on it (then shared by every flow that does). */
  text: string | undefined;
  /**
   * Flows the app installed towards this MAC, by source MAC (matchSrc) or in-port (see `installed`):
   * the first in `flow`, any others in `flows` (most MACs get one or a few senders; a Map each
   * was the largest thing a learned flow kept).
   */
  flow: InstalledFlow | undefined;
  flows: Map<number, InstalledFlow> | undefined;
  /**
   * The flow last remembered for a frame from this MAC, and its destination's entry (that entry
   * object: a destination forgotten and learned again is another one, whose `flows` start empty):
   * a sender's next frames mostly go to the same peer, so `installed` finds the flow here, with
   * the two entries `packetIn` already holds, before looking in the destination's `flows`.
   */
  lastTo: MacEntry | undefined;
  lastFlow: InstalledFlow | undefined;
}

/** A flow installed for a forward decision, remembered with the ports it was made for. */
interface InstalledFlow {
  /** Its key at its destination's entry: the source MAC (matchSrc) or the in-port. */
  readonly key: number;
  inPort: number;
  outPort: number;
  token: unknown;
}

/** Flows remembered per destination MAC before the memo is dropped and rebuilt (bounds memory for a busy server MAC). */
const MAX_REMEMBERED_PER_MAC = 4096;

/** Ports to flood out of for a packet that entered `dpid` at `inPort` (the topology's broadcast tree). */
export type FloodPortsFn = (dpid: bigint, inPort: number) => readonly number[];

/** True for a switch-link port off the broadcast tree: frames arriving there are loop copies. */
export type BlockedPortFn = (dpid: bigint, port: number) => boolean;

/** True while a flow the app declared is still the desired one (the flow scope's isCurrent): declaring it again would send nothing. */
export type FlowIsCurrentFn = (rec: FlowRecord) => boolean;

/**
 * A decision. Every kind is made here, with every field in one order (the ones its kind does not
 * have undefined), so the code that reads decisions sees one hidden class: with a shape per kind,
 * code compiled while a learning pass only flooded met a new one at the first forward, and was
 * deoptimized for it.
 */
function decision(
  kind: L2Decision['kind'],
  reason: IgnoreReason | undefined,
  ports: readonly number[] | undefined,
  outPort: number,
  inPort: number,
  moved: boolean,
  src: number,
  dst: number,
): L2Decision {
  return { kind, reason, ports, outPort, inPort, moved, src, dst } as L2Decision;
}

const IGNORE_SHORT = Object.freeze(decision('ignore', 'short', undefined, 0, 0, false, 0, 0));
const IGNORE_LLDP = Object.freeze(decision('ignore', 'lldp', undefined, 0, 0, false, 0, 0));
const IGNORE_LINK_LOCAL = Object.freeze(decision('ignore', 'link-local', undefined, 0, 0, false, 0, 0));
const IGNORE_BAD_SOURCE = Object.freeze(decision('ignore', 'bad-source', undefined, 0, 0, false, 0, 0));
const IGNORE_BLOCKED = Object.freeze(decision('ignore', 'blocked-port', undefined, 0, 0, false, 0, 0));

/** 01:80:c2:00:00:00 – 01:80:c2:00:00:0f: IEEE 802.1D reserved addresses, never forwarded by a bridge. */
const LINK_LOCAL_BASE = 0x0180c2000000;

// Empty lists shared by every reused Effects: frozen, so a push by mistake throws. (Emptying a
// list with `length = 0` would drop its backing store and make the next push allocate again.)
const NONE = Object.freeze([]) as unknown as FlowAt[];
const NONE_WITHDRAWN = Object.freeze([]) as unknown as Withdrawal[];
const NONE_SENT = Object.freeze([]) as unknown as PacketOutAt[];


/**
 * The flow record an `effectsOf` token stands for: a FlowAt's (set once the shell declared it),
 * or the record itself, which keepDeclaredRecord keeps instead. Undefined for anything else.
 */
function recordOf(token: unknown): FlowRecord | undefined {
  if (typeof token !== 'object' || token === null) return undefined;
  return (token as FlowAt).rule !== undefined ? (token as FlowAt).record : (token as FlowRecord);
}

/** The flow remembered at a destination's entry under `key` (see MacEntry.flow). */
function flowAt(e: MacEntry, key: number): InstalledFlow | undefined {
  const f = e.flow;
  return f !== undefined && f.key === key ? f : e.flows?.get(key);
}

/** A MAC's text, kept on its table entry when there is one (the entry is the MAC's, whatever its port). */
function macText(e: MacEntry | undefined, mac: number): string {
  if (e === undefined) return numberToMac(mac);
  return (e.text ??= numberToMac(mac));
}

/**
 * The learning switch. One instance serves every switch; call `packetIn` for each packet-in,
 * `switchDisconnected` / `portDown` on those events and `expire(now)` from a timer.
 */
export class L2Learning {
  private readonly tables = new Map<bigint, MacMap<MacEntry>>();
  private readonly ageMs: number;
  /** The Effects `effectsOf` returns, reused on every packet-in (the hot path allocates no effects of its own). */
  private readonly fx: { readonly remove: FlowAt[]; install: FlowAt[]; withdraw: Withdrawal[]; packetOuts: PacketOutAt[]; handled: boolean } = {
    remove: NONE,
    install: NONE,
    withdraw: NONE_WITHDRAWN,
    packetOuts: NONE_SENT,
    handled: true,
  };
  /** The one packet-out of a packet-in, reused like `fx`, and the list holding it. */
  private readonly out: { dpid: bigint; spec: PacketOutSpec } = { dpid: 0n, spec: { inPort: 0, actions: [] } };
  private readonly outs: PacketOutAt[] = [this.out];
  /**
   * The last forward decision of `packetIn` and its destination's entry, so `installed` and
   * `remember` for that decision (the next thing `effectsOf` asks) need no second lookup of the
   * switch's table and the destination in it.
   */
  private lastForward: L2Decision | undefined;
  private lastFrom: MacEntry | undefined;
  private lastTo: MacEntry | undefined;
  /** What the last `effectsOf` remembered for the flow it returned to install (see keepDeclaredRecord). */
  private lastInstall: InstalledFlow | undefined;

  constructor(
    readonly config: L2LearningConfig = defaultL2LearningConfig,
    /** The topology's broadcast tree; without it floods use OFPP_FLOOD. */
    private readonly floodPorts?: FloodPortsFn,
    /** The topology's loop ports; frames arriving there are dropped unlearned. */
    private readonly isBlockedPort?: BlockedPortFn,
    /** Lets `effectsOf` skip a flow it declared before and that still stands; without it every forward declares its flow. */
    private readonly isCurrent?: FlowIsCurrentFn,
  ) {
    this.ageMs = config.macAgeSec * 1000;
  }

  private table(dpid: bigint): MacMap<MacEntry> {
    let t = this.tables.get(dpid);
    if (!t) {
      t = new MacMap();
      this.tables.set(dpid, t);
    }
    return t;
  }

  /** Learns the source of a frame that entered `dpid` at `inPort` and decides where the frame goes. */
  packetIn(dpid: bigint, inPort: number, frame: Uint8Array, now: number): L2Decision {
    const eth = peekEthernet(frame);
    if (!eth) return IGNORE_SHORT;
    if (eth.ethertype === ETH_TYPE.LLDP) return IGNORE_LLDP;
    const dst = eth.dst;
    const src = eth.src;
    if (dst - LINK_LOCAL_BASE >= 0 && dst - LINK_LOCAL_BASE <= 0x0f) return IGNORE_LINK_LOCAL;
    // A group address as source is invalid (IEEE 802.3 §3.2.3): do not learn it.
    if (isMulticastMacNumber(src)) return IGNORE_BAD_SOURCE;
    if (this.isBlockedPort?.(dpid, inPort)) return IGNORE_BLOCKED;
    this.forgetLast();
    const table = this.table(dpid);
    let moved = false;
    const known = table.get(src);
    let from = known;
    if (known === undefined) {
      if (table.size >= this.config.maxMacsPerSwitch) {
        // The first key in insertion order is the oldest learned.
        const oldest = table.firstKey();
        if (oldest !== undefined) table.delete(oldest);
      }
      table.set(src, (from = { port: inPort, seenAt: now, text: undefined, flow: undefined, flows: undefined, lastTo: undefined, lastFlow: undefined }));
    } else {
      if (known.port !== inPort) {
        moved = true;
        known.port = inPort;
      }
      known.seenAt = now;
    }
    if (!isMulticastMacNumber(dst)) {
      const to = table.get(dst);
      if (to !== undefined && now - to.seenAt <= this.ageMs) {
        if (to.port === inPort) return decision('ignore', 'same-port', undefined, 0, inPort, moved, src, dst);
        const d = decision('forward', undefined, undefined, to.port, inPort, moved, src, dst);
        this.lastForward = d;
        this.lastFrom = from;
        this.lastTo = to;
        return d;
      }
    }
    if (this.floodPorts) {
      const ports = this.floodPorts(dpid, inPort);
      if (ports.length === 0) return decision('ignore', 'no-flood-ports', undefined, 0, inPort, moved, src, dst);
      return decision('flood', undefined, ports, 0, inPort, moved, src, dst);
    }
    return decision('flood', undefined, undefined, 0, inPort, moved, src, dst);
  }

  /**
   * What `remember` stored for the flow of this forward decision, if it was made for the same
   * ports; the caller decides whether it is still good (e.g. the flow service still holds it).
   * Lets the hot path skip rebuilding and re-declaring a flow it already installed.
   */
  installed(dpid: bigint, d: L2Decision & { kind: 'forward' }): unknown {
    const from = d === this.lastForward ? this.lastFrom : undefined;
    const last = from !== undefined && from.lastTo === this.lastTo ? from.lastFlow : undefined;
    if (last !== undefined && last.inPort === d.inPort && last.outPort === d.outPort) return last.token;
    const e = this.entryOf(dpid, d);
    const f = e === undefined ? undefined : flowAt(e, this.config.matchSrc ? d.src : d.inPort);
    return f !== undefined && f.inPort === d.inPort && f.outPort === d.outPort ? f.token : undefined;
  }

  /** Remembers `token` (the installed flow's handle) for the flow of this forward decision; forgotten with the destination MAC. */
  remember(dpid: bigint, d: L2Decision & { kind: 'forward' }, token: unknown): void {
    this.rememberFlow(dpid, d, token);
  }

  /** {@link remember}, returning what it stored (undefined when the destination is not known). */
  private rememberFlow(dpid: bigint, d: L2Decision & { kind: 'forward' }, token: unknown): InstalledFlow | undefined {
    const e = this.entryOf(dpid, d);
    if (!e) return undefined;
    const key = this.config.matchSrc ? d.src : d.inPort;
    let f = flowAt(e, key);
    if (f) {
      f.inPort = d.inPort;
      f.outPort = d.outPort;
      f.token = token;
    } else {
      f = { key, inPort: d.inPort, outPort: d.outPort, token };
      if (e.flow === undefined) e.flow = f;
      else {
        if (!e.flows || e.flows.size >= MAX_REMEMBERED_PER_MAC) e.flows = new Map();
        e.flows.set(key, f);
      }
    }
    const from = d === this.lastForward ? this.lastFrom : undefined;
    if (from !== undefined) {
      from.lastTo = e;
      from.lastFlow = f;
    }
    return f;
  }

  /**
   * The flow the last `effectsOf` returned to install has been declared by the shell in between
   * (applyEffects set its record): remember the record alone, so that the FlowAt, its rule and its
   * buffered-packet marker can go while they are young, instead of living as long as the flow.
   */
  private keepDeclaredRecord(): void {
    const f = this.lastInstall;
    if (f === undefined) return;
    this.lastInstall = undefined;
    const rec = recordOf(f.token);
    if (rec !== undefined) f.token = rec;
  }

  /** Drops the entry kept for the last forward decision (called before any MAC is forgotten). */
  private forgetLast(): void {
    this.lastForward = undefined;
    this.lastFrom = undefined;
    this.lastTo = undefined;
  }

  /** The destination's entry of a forward decision: kept from `packetIn` for its last one, looked up for others. */
  private entryOf(dpid: bigint, d: L2Decision & { kind: 'forward' }): MacEntry | undefined {
    // Whatever forgets MACs (eviction, expire, portDown, a switch or the tree going) drops the kept one first.
    if (d === this.lastForward) return this.lastTo;
    return this.tables.get(dpid)?.get(d.dst);
  }

  /** The port a MAC was learned on at a switch. */
  lookup(dpid: bigint, mac: number): number | undefined {
    return this.tables.get(dpid)?.get(mac)?.port;
  }

  /** MACs known at a switch. */
  size(dpid: bigint): number {
    return this.tables.get(dpid)?.size ?? 0;
  }

  /** Forgets every MAC on every switch (the broadcast tree changed: paths learned along the old one are stale). */
  clear(): void {
    this.forgetLast();
    this.tables.clear();
  }

  /** The broadcast tree changed: every MAC is forgotten and the learned flows (learned along the old tree, maybe pointing round a loop now) go. */
  treeChanged(): Effects {
    this.clear();
    const priority = this.config.flowPriority;
    return { remove: [], install: [], withdraw: [{ kind: 'where', dpid: undefined, pick: (r) => r.spec.priority === priority }], packetOuts: [], handled: true };
  }

  /** Forgets a switch's MACs (it disconnected). */
  switchDisconnected(dpid: bigint): void {
    this.forgetLast();
    this.tables.delete(dpid);
  }

  /** Forgets the MACs learned on a port that went down or away; returns them. */
  portDown(dpid: bigint, port: number): number[] {
    const t = this.tables.get(dpid);
    if (!t) return [];
    this.forgetLast();
    const gone: number[] = [];
    for (const [mac, e] of t.entries()) if (e.port === port) gone.push(mac);
    for (const mac of gone) t.delete(mac);
    return gone;
  }

  /** Forgets MACs not seen for `macAgeSec`; returns how many. */
  expire(now: number): number {
    this.forgetLast();
    let n = 0;
    for (const t of this.tables.values()) {
      // Collected first: a MacMap is not changed while it is iterated.
      const gone: number[] = [];
      for (const [mac, e] of t.entries()) if (now - e.seenAt > this.ageMs) gone.push(mac);
      for (const mac of gone) t.delete(mac);
      n += gone.length;
    }
    return n;
  }

  /** The flows a switch gets when it connects: the table-miss flow (to the controller, whole packets). */
  switchFlows(): FlowRule[] {
    if (!this.config.installTableMiss) return [];
    return [{ tableId: this.config.tableId, priority: this.config.tableMissPriority, match: [], actions: CONTROLLER_ACTIONS }];
  }

  /** The learned flow of a forward decision: in_port + eth_dst (+ eth_src) → output, with the configured timeouts. */
  flowFor(d: L2Decision & { kind: 'forward' }): FlowRule {
    const c = this.config;
    const last = d === this.lastForward;
    const dst = macText(last ? this.lastTo : undefined, d.dst);
    return {
      tableId: c.tableId,
      priority: c.flowPriority,
      idleTimeout: c.idleTimeoutSec,
      hardTimeout: c.hardTimeoutSec,
      match: c.matchSrc
        ? [
            { field: 'in_port', value: d.inPort },
            { field: 'eth_dst', value: dst },
            { field: 'eth_src', value: macText(last ? this.lastFrom : undefined, d.src) },
          ]
        : [
            { field: 'in_port', value: d.inPort },
            { field: 'eth_dst', value: dst },
          ],
      actions: outputTo(d.outPort),
    };
  }

  /** The packet-out of a decision (buffer id when the switch buffered the packet), or undefined for an ignored packet. */
  packetOutFor(d: L2Decision, inPort: number, bufferId: number, data: Buffer): PacketOutSpec | undefined {
    switch (d.kind) {
      case 'ignore':
        return undefined;
      case 'forward':
        return packetOutOf(inPort, bufferId, data, outputTo(d.outPort));
      case 'flood':
        return packetOutOf(inPort, bufferId, data, d.ports ? outputActions(d.ports) : FLOOD_ACTIONS);
      default: {
        const never: never = d;
        throw new Error(`unknown decision ${JSON.stringify(never)}`);
      }
    }
  }

  /**
   * What the shell does for a decision of `packetIn` on `dpid`: a host that moved loses the flows
   * towards it, a forward declares its flow (unless the one declared before still stands) and
   * sends the packet there (a packet the switch buffered goes with the flow's ADD instead), a
   * flood sends it out of the tree's ports. `handled` is false only for frames another app may
   * want (LLDP, link-local, bad or short ones). The returned Effects is reused: it is valid until
   * the next call.
   */
  effectsOf(dpid: bigint, d: L2Decision, inPort: number, bufferId: number, data: Buffer): Effects {
    this.keepDeclaredRecord();
    const fx = this.fx;
    fx.install = NONE;
    // The host moved: flows towards it on this switch point at its old port.
    fx.withdraw = d.moved ? [{ kind: 'matching', dpid, match: [{ field: 'eth_dst', value: numberToMac(d.src) }] }] : NONE_WITHDRAWN;
    if (d.kind === 'ignore') {
      fx.packetOuts = NONE_SENT;
      fx.handled = d.reason === 'same-port' || d.reason === 'no-flood-ports' || d.reason === 'blocked-port';
      return fx;
    }
    fx.handled = true;
    if (d.kind === 'forward') {
      // Every packet-in of a flow still being set up arrives here; re-declaring its flow is a no-op, so skip building it.
      const rec = recordOf(this.installed(dpid, d));
      if (rec === undefined || this.isCurrent === undefined || !this.isCurrent(rec)) {
        // A buffered packet goes with the flow's ADD (the packet-out below only if no ADD took it).
        const at: FlowAt = { dpid, rule: this.flowFor(d), record: undefined, buffered: bufferedFor(bufferId, this.config.tableId) };
        this.lastInstall = this.rememberFlow(dpid, d, at);
        fx.install = [at];
      }
    }
    const out = this.out;
    out.dpid = dpid;
    out.spec = this.packetOutFor(d, inPort, bufferId, data)!;
    fx.packetOuts = this.outs;
    return fx;
  }
}
