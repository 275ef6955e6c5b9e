/**
 * The typed handle apps and services use for one connected switch: its identity, ports and
 * counters, and helpers that build version-correct messages (1.3 natively, 1.0 translated).
 */
import type { Logger } from 'pino';
import type { ErrorMsg } from './codec/common.js';
import { OFP_NO_BUFFER, OFP_VERSION_1_0, OFPBRC, OFPET, OFPG, OFPP, OFPTT } from './codec/constants.js';
import type { OfMessage } from './codec/index.js';
import type { Action } from './codec/v13/actions.js';
import type { Instruction } from './codec/v13/instructions.js';
import type { Match } from './codec/v13/oxm.js';
import type { MultipartReplyBody, MultipartRequestBody } from './codec/v13/multipart.js';
import type { Bucket, MeterBand } from './codec/v13/structs.js';
import type { StatsReplyBody } from './codec/v10/messages.js';
import type { QueueGetConfigReply } from './codec/v13/messages.js';
import { assertNever, OfEncodeError } from './codec/errors.js';
import { NotMasterError } from './errors.js';
import type { EventBus } from '../core/events.js';
import { dpidToHex } from '../core/ids.js';
import type {
  FlowCommand,
  FlowEntry,
  FlowFilter,
  FlowSpec,
  Mastership,
  PacketOutSpec,
  ReceivedPacket,
  RemovedFlow,
  SwitchDesc,
  SwitchFeatures,
  SwitchPort,
} from '../core/model.js';
import type { Session, SessionCounters, Settle } from './session.js';
import { applyPortChange, widenPort10 } from './session.js';
import {
  actionsTo10,
  flowStats10To13,
  match10ToOxm,
  oxmToMatch10,
  portTo10,
  portFrom10,
} from './translate.js';

/** Writes held while a mastership claim is pending, at most. */
const MAX_HELD_WRITES = 10_000;
/** The data of a PACKET_OUT that sends a buffered packet (or none): one shared empty buffer, not a new one per packet-out. */
const NO_DATA: Buffer = Buffer.alloc(0);

/** Where writes refused by the mastership gate are rejected with (declared with the other session errors). */
export { NotMasterError };

/**
 * Cluster mode: the lease this instance's mastership rests on. The gate asks it before every
 * write as master (a paused process may wake with its lease gone before any timer has run).
 */
export interface LeaseGate {
  /** True while the lease is surely alive (read against the clock, not left to a timer). */
  valid(): boolean;
  /** A write as master found the lease in doubt: the datapath now holds writes until `resumeMastership()` or a demotion. */
  doubted(dp: Datapath): void;
}

/** OFPFC_* flow mod commands by name. */
export const FLOW_COMMANDS = { add: 0, modify: 1, modify_strict: 2, delete: 3, delete_strict: 4 } as const satisfies Record<FlowCommand, number>;

/**
 * Builds the FLOW_MOD for a spec in the given OpenFlow version (1.0 translated from the 1.3 model),
 * with the spec's omitted fields at their OpenFlow defaults; `bufferId` overrides the spec's.
 * Throws OfEncodeError.
 */
export function flowModMessage(version: number, xid: number, spec: FlowSpec, bufferId: number = spec.bufferId ?? OFP_NO_BUFFER): OfMessage {
  const command = FLOW_COMMANDS[spec.command ?? 'add'];
  if (command === undefined) throw new OfEncodeError(`unknown command ${String(spec.command)}`, 'command');
  const instructions: readonly Instruction[] =
    spec.instructions ?? (spec.actions && spec.actions.length > 0 ? [{ type: 'apply_actions', actions: spec.actions }] : []);
  const isDelete = command === FLOW_COMMANDS.delete || command === FLOW_COMMANDS.delete_strict;
  if (version === OFP_VERSION_1_0) {
    return {
      version: OFP_VERSION_1_0,
      type: 'flow_mod',
      xid,
      match: oxmToMatch10(spec.match ?? []),
      cookie: spec.cookie ?? 0n,
      command,
      idleTimeout: spec.idleTimeout ?? 0,
      hardTimeout: spec.hardTimeout ?? 0,
      priority: spec.priority ?? 0x8000,
      bufferId,
      outPort: spec.outPort === undefined ? 0xffff : portTo10(spec.outPort),
      flags: spec.flags ?? 0,
      actions: actionsTo10(instructionsToActions(instructions)),
    };
  }
  return {
    version: version as 4,
    type: 'flow_mod',
    xid,
    cookie: spec.cookie ?? 0n,
    cookieMask: spec.cookieMask ?? 0n,
    tableId: spec.tableId ?? (isDelete ? OFPTT.ALL : 0),
    command,
    idleTimeout: spec.idleTimeout ?? 0,
    hardTimeout: spec.hardTimeout ?? 0,
    priority: spec.priority ?? 0x8000,
    bufferId,
    outPort: spec.outPort ?? OFPP.ANY,
    outGroup: spec.outGroup ?? OFPG.ANY,
    flags: spec.flags ?? 0,
    match: spec.match ?? [],
    instructions,
  };
}

/** The handle for one ready switch. */
export class Datapath {
  readonly dpid: bigint;
  readonly dpidHex: string;
  readonly version: number;
  readonly features: SwitchFeatures;
  readonly desc: SwitchDesc;
  readonly remoteAddress: string;
  /** When the switch was admitted (ms since the epoch, on the session's clock). */
  readonly connectedAt: number;
  /** Current ports by number, kept up to date from PORT_STATUS (the session's map, capped at `openflow.maxPortsPerSwitch`). */
  readonly ports: ReadonlyMap<number, SwitchPort>;
  readonly log: Logger;
  /**
   * Who may write to this switch from this instance: 'standalone' (no cluster: always),
   * 'pending' (a MASTER claim awaits its ROLE_REPLY: writes are held), 'master', or 'slave'
   * (writes fail with NotMasterError).
   */
  mastership: Mastership = 'standalone';
  /**
   * Cluster mode: checked before every write as master, and again before the session writes what
   * it queued (a pause may come between the two); see {@link LeaseGate}.
   */
  get leaseGate(): LeaseGate | undefined {
    return this.gate;
  }
  set leaseGate(g: LeaseGate | undefined) {
    this.gate = g;
    this.session.outputGate = g === undefined ? undefined : () => this.outputAllowed();
  }
  private gate: LeaseGate | undefined;
  /** True while writes are held because the lease was in doubt (mastership shows 'pending'). */
  private suspended = false;
  private held: { msg: OfMessage; settle?: Settle }[] = [];

  constructor(
    readonly session: Session,
    private readonly bus: EventBus,
  ) {
    if (!session.features || !session.desc) throw new Error('datapath created before the handshake completed');
    this.dpid = session.features.datapathId;
    this.dpidHex = dpidToHex(this.dpid);
    this.version = session.version;
    this.features = session.features;
    this.desc = session.desc;
    this.remoteAddress = session.remoteAddress;
    this.connectedAt = session.clock.now();
    this.log = session.log;
    this.ports = session.ports;
    session.on('message', (m) => this.onMessage(m));
  }

  /** Session counters (messages, bytes, errors). */
  get counters(): SessionCounters {
    return this.session.counters;
  }

  /** True while the session is up. */
  get connected(): boolean {
    return this.session.state === 'ready';
  }

  /** A fresh xid. */
  nextXid(): number {
    return this.session.nextXid();
  }

  /**
   * Sends any message as is (it must carry this switch's version). State-changing messages go
   * through the mastership gate: see `mastership`.
   */
  send(msg: OfMessage): void {
    this.write(msg);
  }

  /** Sends a request and resolves with its reply. */
  request<T extends OfMessage = OfMessage>(msg: OfMessage, timeoutMs?: number): Promise<T> {
    return this.session.request<T>(msg, timeoutMs);
  }

  /** Builds the FLOW_MOD for a spec in this switch's version (`bufferId` overrides the spec's). Throws OfEncodeError. */
  buildFlowMod(spec: FlowSpec, bufferId?: number): OfMessage {
    return flowModMessage(this.version, this.nextXid(), spec, bufferId);
  }

  /** Sends a FLOW_MOD (fire and forget; follow with `barrier()` to know it took). */
  flowMod(spec: FlowSpec): void {
    this.write(this.buildFlowMod(spec));
  }

  /**
   * Sends a FLOW_MOD that settles when a later barrier confirms it or the switch rejects it;
   * `lazy`: nobody waits for it, its barrier may come up to `openflow.lazyConfirmMs` later.
   * `bufferId`: a buffered packet for this flow mod to apply to (overrides the spec's).
   */
  flowModConfirmed(spec: FlowSpec, lazy = false, bufferId?: number): Promise<void> {
    return this.writeConfirmed(this.buildFlowMod(spec, bufferId), lazy);
  }

  /**
   * {@link flowModConfirmed} without a Promise: the outcome goes to `settle` later (see
   * Session.sendConfirmedTo), for a caller that makes one per flow on the packet-in path. Throws
   * when the flow mod cannot be written now: a malformed spec, a closed session, or this instance
   * not the switch's master (NotMasterError); nothing is sent then.
   */
  flowModTo(spec: FlowSpec, settle: Settle, lazy = false, bufferId?: number): void {
    this.write(this.buildFlowMod(spec, bufferId), settle, lazy);
  }

  /** Builds a PACKET_OUT in this switch's version. */
  buildPacketOut(spec: PacketOutSpec): OfMessage {
    const bufferId = spec.bufferId ?? OFP_NO_BUFFER;
    const data = bufferId === OFP_NO_BUFFER ? (spec.data ?? NO_DATA) : NO_DATA;
    if (this.version === OFP_VERSION_1_0) {
      return {
        version: OFP_VERSION_1_0,
        type: 'packet_out',
        xid: this.nextXid(),
        bufferId,
        inPort: spec.inPort === undefined ? 0xffff : portTo10(spec.inPort),
        actions: actionsTo10(spec.actions),
        data,
      };
    }
    return {
      version: this.version as 4,
      type: 'packet_out',
      xid: this.nextXid(),
      bufferId,
      inPort: spec.inPort ?? OFPP.CONTROLLER,
      actions: spec.actions,
      data,
    };
  }

  /** Sends a PACKET_OUT. */
  packetOut(spec: PacketOutSpec): void {
    this.write(this.buildPacketOut(spec));
  }

  /** Sends a barrier and resolves when everything sent before it has been processed. */
  barrier(timeoutMs?: number): Promise<void> {
    return this.session.barrier(timeoutMs);
  }

  private require13(what: string): void {
    if (this.version === OFP_VERSION_1_0) throw new OfEncodeError(`${what} needs OpenFlow 1.3; switch ${this.dpidHex} speaks 1.0`, what);
  }

  /** GROUP_MOD (1.3). `command`: OFPGC_ADD 0, MODIFY 1, DELETE 2; `groupType`: OFPGT_ALL 0, SELECT 1, INDIRECT 2, FF 3. */
  groupMod(command: number, groupType: number, groupId: number, buckets: readonly Bucket[]): Promise<void> {
    this.require13('group_mod');
    return this.writeConfirmed({ version: 4, type: 'group_mod', xid: this.nextXid(), command, groupType, groupId, buckets });
  }

  /** METER_MOD (1.3). `command`: OFPMC_ADD 0, MODIFY 1, DELETE 2; `flags`: OFPMF_* bits. */
  meterMod(command: number, flags: number, meterId: number, bands: readonly MeterBand[]): Promise<void> {
    this.require13('meter_mod');
    return this.writeConfirmed({ version: 4, type: 'meter_mod', xid: this.nextXid(), command, flags, meterId, bands });
  }

  /** PORT_MOD: set `config` bits selected by `mask` (e.g. OFPPC_PORT_DOWN = 1 to bring a port down). */
  portMod(portNo: number, config: number, mask: number, advertise = 0): Promise<void> {
    const port = this.ports.get(portNo);
    if (!port) return Promise.reject(new OfEncodeError(`switch ${this.dpidHex} has no port ${portNo}`, 'portNo'));
    if (this.version === OFP_VERSION_1_0) {
      return this.writeConfirmed({ version: 1, type: 'port_mod', xid: this.nextXid(), portNo: portTo10(portNo), hwAddr: port.hwAddr, config, mask, advertise });
    }
    return this.writeConfirmed({ version: 4, type: 'port_mod', xid: this.nextXid(), portNo, hwAddr: port.hwAddr, config, mask, advertise });
  }

  /** OFPT_EXPERIMENTER (1.3): it has no reply of its own, so it settles when a barrier confirms it or the switch refuses it (its error carries the xid). */
  experimenter(experimenter: number, expType: number, data: Buffer): Promise<void> {
    this.require13('experimenter');
    return this.writeConfirmed({ version: 4, type: 'experimenter', xid: this.nextXid(), experimenter, expType, data });
  }

  /** OFPT_QUEUE_GET_CONFIG_REQUEST (1.3) for one port or OFPP_ANY. */
  async queueConfig(portNo: number): Promise<QueueGetConfigReply> {
    this.require13('queue_get_config');
    const r = await this.request<OfMessage>({ version: 4, type: 'queue_get_config_request', xid: this.nextXid(), port: portNo });
    if (r.type !== 'queue_get_config_reply') throw new Error(`the switch answered a queue config request with ${r.type}`);
    return r as QueueGetConfigReply;
  }

  /** A 1.3 multipart request by body (1.3 only). */
  async multipart(body: MultipartRequestBody, timeoutMs?: number): Promise<MultipartReplyBody> {
    this.require13(`${body.type} stats`);
    return (await this.session.multipart(body, timeoutMs)).body;
  }

  /** Installed flows matching the filter, in 1.3 terms for both versions. */
  async flowStats(filter: FlowFilter = {}): Promise<FlowEntry[]> {
    const body = await this.filteredStats('flow', filter);
    if (body.type !== 'flow') throw new Error('unexpected reply to flow stats');
    return body.version === 1 ? body.flows.map(flowStats10To13) : [...body.flows];
  }

  /** Packet, byte and flow counts over the flows matching the filter. */
  async aggregateStats(filter: FlowFilter = {}): Promise<{ packetCount: bigint; byteCount: bigint; flowCount: number }> {
    const body = await this.filteredStats('aggregate', filter);
    if (body.type !== 'aggregate') throw new Error('unexpected reply to aggregate stats');
    return { packetCount: body.packetCount, byteCount: body.byteCount, flowCount: body.flowCount };
  }

  /** A flow or aggregate stats request for the filter in this switch's version, and its reply's body. */
  private async filteredStats(
    type: 'flow' | 'aggregate',
    filter: FlowFilter,
  ): Promise<({ version: 1 } & StatsReplyBody) | ({ version: 4 } & MultipartReplyBody)> {
    if (this.version === OFP_VERSION_1_0) {
      const r = await this.session.stats({
        type,
        match: oxmToMatch10(filter.match ?? []),
        tableId: filter.tableId ?? 0xff,
        outPort: filter.outPort === undefined ? 0xffff : portTo10(filter.outPort),
      });
      return { version: 1, ...r.body };
    }
    const body = await this.multipart({
      type,
      tableId: filter.tableId ?? OFPTT.ALL,
      outPort: filter.outPort ?? OFPP.ANY,
      outGroup: filter.outGroup ?? OFPG.ANY,
      cookie: filter.cookie ?? 0n,
      cookieMask: filter.cookieMask ?? 0n,
      match: filter.match ?? [],
    });
    return { version: 4, ...body };
  }

  /** Port counters (all ports by default), as the version's reply body. */
  async portStats(portNo: number = OFPP.ANY): Promise<MultipartReplyBody | StatsReplyBody> {
    if (this.version === OFP_VERSION_1_0) return (await this.session.stats({ type: 'port', portNo: portNo === OFPP.ANY ? 0xffff : portTo10(portNo) })).body;
    return this.multipart({ type: 'port_stats', portNo });
  }

  /** Table counters, as the version's reply body. */
  async tableStats(): Promise<MultipartReplyBody | StatsReplyBody> {
    if (this.version === OFP_VERSION_1_0) return (await this.session.stats({ type: 'table' })).body;
    return this.multipart({ type: 'table' });
  }

  /** Queue counters, as the version's reply body. */
  async queueStats(portNo: number = OFPP.ANY, queueId = 0xffffffff): Promise<MultipartReplyBody | StatsReplyBody> {
    if (this.version === OFP_VERSION_1_0) {
      return (await this.session.stats({ type: 'queue', portNo: portNo === OFPP.ANY ? 0xfffc : portTo10(portNo), queueId })).body;
    }
    return this.multipart({ type: 'queue', portNo, queueId });
  }

  /** Group counters (1.3). */
  groupStats(groupId: number = OFPG.ALL): Promise<MultipartReplyBody> {
    return this.multipart({ type: 'group', groupId });
  }

  /** Group descriptions (1.3). */
  groupDesc(): Promise<MultipartReplyBody> {
    return this.multipart({ type: 'group_desc' });
  }

  /** Meter counters (1.3). */
  meterStats(meterId = 0xffffffff): Promise<MultipartReplyBody> {
    return this.multipart({ type: 'meter', meterId });
  }

  /** Meter configurations (1.3). */
  meterConfig(meterId = 0xffffffff): Promise<MultipartReplyBody> {
    return this.multipart({ type: 'meter_config', meterId });
  }

  /**
   * Claims or gives up mastership of this switch for this instance (cluster mode), with the
   * term's generation id (from etcd, so it only grows). While the claim is pending, writes are
   * held; once the ROLE_REPLY confirms MASTER they leave in order. A switch that refuses the
   * claim (a newer generation exists: OFPRRFC_STALE) makes this instance a slave at once, and
   * held writes fail with NotMasterError. OpenFlow 1.0 has no roles: the switch stays standalone.
   */
  async claimRole(role: 'master' | 'slave' | 'equal', generationId: bigint): Promise<Mastership> {
    if (this.version === OFP_VERSION_1_0) return this.mastership;
    this.endDoubt();
    const wire = role === 'master' ? 2 : role === 'slave' ? 3 : 1;
    if (role === 'master') this.mastership = 'pending';
    else this.setMastership(role === 'slave' ? 'slave' : 'standalone');
    try {
      const r = await this.role(wire, generationId);
      if (role === 'master' && this.mastership === 'pending') {
        this.setMastership(r.role === 2 ? 'master' : 'slave');
      }
    } catch (e) {
      this.log.warn({ err: (e as Error).message, role, generationId: generationId.toString() }, 'role request refused');
      this.setMastership('slave');
    }
    return this.mastership;
  }

  /**
   * The lease is confirmed again after a doubt: writes held since go out in order. Does nothing
   * unless writes are held for that reason.
   */
  resumeMastership(): void {
    if (!this.suspended) return;
    this.endDoubt();
    if (this.mastership === 'pending') this.setMastership('master');
  }

  /** True while writes are held for a lease in doubt. */
  get leaseInDoubt(): boolean {
    return this.suspended;
  }

  /** A write as master: false (hold it) when the lease is in doubt. */
  private leaseHolds(): boolean {
    const gate = this.gate;
    if (!gate || gate.valid()) return true;
    this.suspended = true;
    this.mastership = 'pending';
    this.log.warn('lease in doubt: holding writes until it is confirmed');
    gate.doubted(this);
    // The gate may have settled it at once (demoted: slave; confirmed: master).
    return (this.mastership as Mastership) === 'master';
  }

  /** The lease is no longer in doubt (confirmed, or a role decided): output the session held for it is tried again. */
  private endDoubt(): void {
    if (!this.suspended) return;
    this.suspended = false;
    this.session.retryOutput();
  }

  /** The session's output gate: what was queued as master is written only while the lease holds. */
  private outputAllowed(): boolean {
    if (this.mastership === 'master') this.leaseHolds(); // may doubt it, and may settle that at once
    return !this.suspended;
  }

  private setMastership(m: Mastership): void {
    if (m !== 'pending') this.endDoubt();
    this.mastership = m;
    if (m === 'master' || m === 'standalone') {
      const held = this.held;
      this.held = [];
      for (const h of held) {
        if (h.settle === undefined) this.session.send(h.msg);
        else {
          try {
            this.session.sendConfirmedTo(h.msg, h.settle);
          } catch (e) {
            h.settle.reject(e as Error);
          }
        }
      }
    } else if (m === 'slave') {
      const held = this.held;
      this.held = [];
      const err = new NotMasterError(this.dpidHex);
      for (const h of held) h.settle?.reject(err);
      if (held.length > 0) this.log.warn({ dropped: held.length }, 'dropped writes held for a mastership this instance did not get');
      // Writes that passed the gate as master but are not written yet would now be refused (or worse, not).
      const queued = this.session.dropQueuedWrites(err);
      if (queued > 0) this.log.warn({ dropped: queued }, 'dropped writes queued as master and not yet sent');
    }
  }

  /**
   * The mastership gate for state-changing messages: sent, held (pending) or refused (thrown). With
   * `settle`, the message is confirmable (see Session.sendConfirmedTo) and its outcome goes there.
   */
  private write(msg: OfMessage, settle?: Settle, lazy = false): void {
    if (this.mastership === 'master' && !this.leaseHolds()) {
      this.write(msg, settle, lazy); // held (pending) or refused (slave) now
      return;
    }
    switch (this.mastership) {
      case 'standalone':
      case 'master':
        if (settle === undefined) this.session.send(msg);
        else this.session.sendConfirmedTo(msg, settle, lazy);
        return;
      case 'pending':
        if (this.held.length >= MAX_HELD_WRITES) throw new NotMasterError(this.dpidHex, 'mastership pending and the hold queue is full');
        this.held.push(settle === undefined ? { msg } : { msg, settle });
        return;
      case 'slave':
        throw new NotMasterError(this.dpidHex);
    }
  }

  private writeConfirmed(msg: OfMessage, lazy = false): Promise<void> {
    return new Promise((resolve, reject) => this.write(msg, { resolve, reject }, lazy));
  }

  /**
   * ROLE_REQUEST (1.3): role OFPCR_ROLE_NOCHANGE 0, EQUAL 1, MASTER 2, SLAVE 3. Resolves with the
   * switch's role and generation id; rejects with OfErrorReply (e.g. OFPRRFC_STALE).
   */
  async role(role: number, generationId: bigint): Promise<{ role: number; generationId: bigint }> {
    this.require13('role_request');
    const r = await this.session.request({ version: 4, type: 'role_request', xid: this.nextXid(), role, generationId });
    if (r.type !== 'role_reply') throw new Error(`expected ROLE_REPLY, got ${r.type}`);
    return { role: r.role, generationId: r.generationId };
  }

  /** SET_ASYNC (1.3): which async messages this controller receives, per role [master/equal, slave]. */
  setAsync(packetInMask: readonly [number, number], portStatusMask: readonly [number, number], flowRemovedMask: readonly [number, number]): void {
    this.require13('set_async');
    this.write({ version: 4, type: 'set_async', xid: this.nextXid(), packetInMask, portStatusMask, flowRemovedMask });
  }

  private onMessage(m: OfMessage): void {
    switch (m.type) {
      case 'packet_in':
        this.bus.emit('packetIn', { dpid: this.dpid, msg: toReceivedPacket(m) });
        return;
      case 'flow_removed':
        this.bus.emit('flowRemoved', { dpid: this.dpid, msg: toRemovedFlow(m) });
        return;
      case 'port_status': {
        const port = m.version === OFP_VERSION_1_0 ? widenPort10(m.port) : m.port;
        const change = applyPortChange(this.session, m.reason, port);
        switch (change.kind) {
          case 'added':
            this.bus.emit('portAdded', { dpid: this.dpid, port });
            return;
          case 'modified':
            this.bus.emit('portModified', { dpid: this.dpid, port, previous: change.previous });
            return;
          case 'removed':
            this.bus.emit('portRemoved', { dpid: this.dpid, port: change.port });
            return;
          case 'unknown':
            // A delete of a port we never knew: tell listeners anyway (they may know it from elsewhere).
            this.bus.emit('portRemoved', { dpid: this.dpid, port });
            return;
          case 'refused':
            return;
          default:
            assertNever(change);
        }
        return;
      }
      case 'error':
        // OFPBRC_IS_SLAVE: the switch says another controller is master now: stop writing at once.
        if (m.errType === OFPET.BAD_REQUEST && m.code === OFPBRC.IS_SLAVE && this.mastership !== 'standalone') this.setMastership('slave');
        this.bus.emit('errorReceived', { dpid: this.dpid, msg: m as ErrorMsg });
        return;
      default:
        return;
    }
  }
}

function instructionsToActions(instructions: readonly Instruction[]): readonly Action[] {
  const out: Action[] = [];
  for (const i of instructions) {
    if (i.type === 'apply_actions') out.push(...i.actions);
    else throw new OfEncodeError(`instruction ${i.type} has no OpenFlow 1.0 equivalent`, 'instructions');
  }
  return out;
}

/** The in_port match of a 1.0 PACKET_IN, one frozen match per port number (at most 65,536 of them, made as ports are seen). */
const inPortMatches10 = new Map<number, Match>();

function inPortMatch10(inPort: number): Match {
  let m = inPortMatches10.get(inPort);
  if (m === undefined) inPortMatches10.set(inPort, (m = Object.freeze([Object.freeze({ field: 'in_port', value: inPort } as const)])));
  return m;
}

function toReceivedPacket(m: OfMessage & { type: 'packet_in' }): ReceivedPacket {
  if (m.version === OFP_VERSION_1_0) {
    const inPort = portFrom10(m.inPort);
    return { inPort, bufferId: m.bufferId, totalLen: m.totalLen, reason: m.reason, tableId: 0, cookie: 0n, match: inPortMatch10(inPort), data: m.data };
  }
  let inPort: number = OFPP.CONTROLLER;
  for (const f of m.match) {
    if (f.field === 'in_port') {
      inPort = f.value;
      break;
    }
  }
  return { inPort, bufferId: m.bufferId, totalLen: m.totalLen, reason: m.reason, tableId: m.tableId, cookie: m.cookie, match: m.match, data: m.data };
}

function toRemovedFlow(m: OfMessage & { type: 'flow_removed' }): RemovedFlow {
  if (m.version === OFP_VERSION_1_0) {
    return {
      cookie: m.cookie,
      priority: m.priority,
      reason: m.reason,
      tableId: 0,
      durationSec: m.durationSec,
      idleTimeout: m.idleTimeout,
      hardTimeout: 0,
      packetCount: m.packetCount,
      byteCount: m.byteCount,
      match: match10ToOxm(m.match),
    };
  }
  return {
    cookie: m.cookie,
    priority: m.priority,
    reason: m.reason,
    tableId: m.tableId,
    durationSec: m.durationSec,
    idleTimeout: m.idleTimeout,
    hardTimeout: m.hardTimeout,
    packetCount: m.packetCount,
    byteCount: m.byteCount,
    match: m.match,
  };
}
