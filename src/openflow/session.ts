/**
 * One switch connection: HELLO negotiation, handshake, echo keepalive, xid-tracked requests,
 * multipart reassembly, barriers, batched writes with backpressure, and the error replies that
 * STYLE.md §5 asks for. Works over any Duplex stream (tests run both ends in memory) or a batched
 * socket (batch-io.ts).
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { ErrorMsg, Hello } from './codec/common.js';
import { OFP_VERSION_1_0, OFP_VERSION_1_3, OFPBRC, OFPET, OFPHFC, OFPT10, OFPT13 } from './codec/constants.js';
import { OfDecodeError } from './codec/errors.js';
import { Framer, FramingError } from './codec/framer.js';
import { decodeMessage, encodeMessageInto, type OfMessage } from './codec/index.js';
import { Writer } from './codec/writer.js';
import { mergeMultipartReplies, OFPMP, type MultipartReply, type MultipartRequestBody } from './codec/v13/multipart.js';
import type { Port } from './codec/v13/structs.js';
import { mapErrorTo10, mergeStatsReplies10, type PhyPort, type StatsReply, type StatsRequestBody } from './codec/v10/messages.js';
import { OfErrorReply, OfTimeoutError, SessionClosedError } from './errors.js';
import { defaultConfig, type OpenFlowConfig } from '../config.js';
import { silentLogger } from '../log.js';
import { dpidToHex } from '../core/ids.js';
import { systemClock, type Clock, type Timer } from '../core/clock.js';
import { TokenBucket } from '../core/token-bucket.js';
import { LogLimiter, limitedLog } from '../core/log-limiter.js';
import type { SwitchCounters, SwitchDesc, SwitchFeatures, SwitchPort } from '../core/model.js';

/** Where a session is in its life: only a ready session talks to the rest of the controller. */
export type SessionState = 'hello' | 'features' | 'ready' | 'closed';

/** Counters kept per session (exposed read-only through the device view and metrics). */
export type SessionCounters = { -readonly [K in keyof SwitchCounters]: SwitchCounters[K] };

/** Per-type counter slots: every OpenFlow 1.0-1.3 type number fits below it. */
export const MESSAGE_TYPE_SLOTS = 32;

/** Counters at zero (a new session, or a baseline to count growth from). */
export function zeroSessionCounters(): SessionCounters {
  return {
    messagesIn: 0,
    messagesOut: 0,
    inByType: new Float64Array(MESSAGE_TYPE_SLOTS),
    outByType: new Float64Array(MESSAGE_TYPE_SLOTS),
    bytesIn: 0,
    bytesOut: 0,
    decodeErrors: 0,
    errorsReceived: 0,
    echoMisses: 0,
    portsRefused: 0,
    multipartRefused: 0,
    packetInsDropped: 0,
    lldpPacketInsDropped: 0,
    packetIns: 0,
    logLinesSuppressed: 0,
  };
}

interface Pending {
  readonly requestType: string;
  readonly resolve: (m: OfMessage) => void;
  readonly reject: (e: Error) => void;
  timer: Timer | undefined;
  /** Multipart parts kept so far (REPLY_MORE); how many arrived (kept or skipped), and their wire bytes. */
  parts?: OfMessage[];
  partCount?: number;
  partBytes?: number;
  /** Ports kept so far of a PORT_DESC reply (at most `maxPortsPerSwitch`: the rest are never stored). */
  portsKept?: number;
}

/**
 * Where the outcome of a message without a reply of its own goes (see Session.sendConfirmedTo):
 * `resolve` once a barrier reply confirms it, `reject` with the switch's error for it or the
 * session's end. Called from the session's message handling: they must not throw.
 */
export interface Settle {
  resolve(): void;
  reject(e: Error): void;
}

/** A message sent without a reply of its own, confirmed by the next barrier reply. */
interface Confirmable {
  readonly xid: number;
  readonly requestType: string;
  readonly settle: Settle;
  /** A later one sent with the same xid (a caller reusing one): an error settles the first unsettled of the chain. */
  sameXid?: Confirmable;
  /** Rejected by its error while a later one with the same xid still waits (only in a chain). */
  settled?: boolean;
  /** Its message is still in the session's output, not handed to the socket (see dropQueuedWrites). */
  queued: boolean;
}

export interface SessionEvents {
  /** Handshake done: version, features, ports and description are known. */
  ready: [];
  /** An asynchronous message from a ready switch (packet_in, flow_removed, port_status, an error not tied to a request, experimenter...). */
  message: [OfMessage];
  /** The session ended; emitted once. */
  close: [reason: string];
}

export interface SessionOptions extends Partial<OpenFlowConfig> {
  readonly logger?: Logger;
  /** Remote address, for logs and the API. */
  readonly remoteAddress?: string;
  /** The peer's source address alone (no port), for `openflow.dpidPolicy`. */
  readonly peerAddress?: string;
  /** The subject CN of the peer's verified TLS certificate, for `openflow.dpidPolicy`. */
  readonly peerSubject?: string;
  /** True when the peer came in over TLS, for `openflow.tls.requireBinding`. */
  readonly overTls?: boolean;
  /** Time for the handshake, echo, request and drain timeouts; default the system clock. */
  readonly clock?: Clock;
  /** The owner reads the stream and hands each chunk to {@link Session.receive} (no 'data' listener). */
  readonly readExternally?: boolean;
}

const MPF_MORE = 1;
/** OFPT_PACKET_IN: 10 in OpenFlow 1.0 and 1.3. */
const OFPT_PACKET_IN = 10;
/** OFPT_ECHO_REQUEST and OFPT_ECHO_REPLY: 2 and 3 in OpenFlow 1.0 and 1.3. */
const OFPT_ECHO_REQUEST = 2;
const OFPT_ECHO_REPLY = 3;
const ETH_TYPE_LLDP = 0x88cc;

/**
 * True when a framed PACKET_IN carries an LLDP frame, read from the wire without decoding
 * (ofp_packet_in: 1.3 data after the padded ofp_match and 2 pad bytes; 1.0 data at 18). VLAN tags
 * (802.1Q, 802.1ad) are skipped. A frame too short to say is not LLDP.
 */
export function isLldpPacketIn(frame: Buffer): boolean {
  let data: number;
  if (frame[0] === OFP_VERSION_1_0) data = 18;
  else {
    if (frame.length < 28) return false;
    const matchLen = frame.readUInt16BE(26);
    data = 24 + Math.ceil(matchLen / 8) * 8 + 2;
  }
  let at = data + 12;
  while (at + 2 <= frame.length) {
    const t = frame.readUInt16BE(at);
    if (t === ETH_TYPE_LLDP) return true;
    if (t !== 0x8100 && t !== 0x88a8) return false;
    at += 4;
  }
  return false;
}

/**
 * What a session needs of its connection. A Duplex stream has all of it; so does a
 * {@link import('./batch-io.js').BatchSocket}.
 */
export interface SessionStream {
  /** Sends or queues `chunk`; false once the caller should wait for 'drain'. */
  write(chunk: Uint8Array): boolean;
  /** Sends `chunk` last, then ends the sending side. */
  end(chunk: Uint8Array): unknown;
  destroy(): unknown;
  pause(): unknown;
  resume(): unknown;
  readonly destroyed: boolean;
  /** Bytes accepted by write and not yet sent. */
  readonly writableLength: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- listeners of different events take different arguments, as on any EventEmitter
  on(event: 'data' | 'error' | 'end' | 'close' | 'drain', listener: (...args: any[]) => void): unknown;
}

/**
 * Sessions with output queued in this turn of the event loop. They are written together once
 * every socket that was readable in this turn has been read and answered (setImmediate runs
 * after the poll phase's I/O callbacks): a write wakes the switch's reader, and writing while
 * other sockets still wait to be read lets that wake-up preempt the controller mid-burst.
 * A session with EAGER_FLUSH_BYTES queued writes at once instead. Sessions whose output holds a
 * PACKET_OUT are written after the others (see flushAll).
 */
const flushQueue: Session[] = [];
/** Lazy confirmables (see Session.sendConfirmed) beyond which their barrier goes out at once. */
export const LAZY_CONFIRM_MAX = 256;
/** Output queued by one session beyond which it is written at once (after the current callback), not at the end of the turn. */
export const EAGER_FLUSH_BYTES = 16 * 1024;
let flushQueued = false;

/**
 * Event-loop turns, counted for the per-turn budgets (`maxMessagesPerTurn`, `maxBytesPerTurn`):
 * the first read of a turn arms one immediate, shared by every session, that ends it.
 */
let turnNumber = 0;
let turnArmed = false;

function endTurn(): void {
  turnNumber++;
  turnArmed = false;
}

function currentTurn(): number {
  if (!turnArmed) {
    turnArmed = true;
    setImmediate(endTurn);
  }
  return turnNumber;
}

function scheduleFlush(s: Session): void {
  flushQueue.push(s);
  if (flushQueued) return;
  flushQueued = true;
  setImmediate(flushAll);
}

/** Run after every flushAll (see {@link afterSessionWrites}). */
const writesDone: (() => void)[] = [];
/** True while flushAll runs. */
let flushing = false;

/**
 * Registers `fn` to run after each round of session writes (once per event-loop turn that had
 * any): a transport that gathers writes (BatchIo) sends them there, together, without a tick of
 * its own. For the process's lifetime.
 */
export function afterSessionWrites(fn: () => void): void {
  writesDone.push(fn);
}

/** True while the sessions' writes of a turn are being made: a write then goes out with the others when they end (see afterSessionWrites). */
export function writingSessions(): boolean {
  return flushing;
}

function flushAll(): void {
  flushQueued = false;
  flushing = true;
  try {
    writeQueuedSessions();
  } finally {
    flushing = false;
    for (let i = 0; i < writesDone.length; i++) writesDone[i]!();
  }
}

function writeQueuedSessions(): void {
  // A session flushed here may queue more (a barrier): it lands in the queue again for the next turn.
  const n = flushQueue.length;
  // Sessions that release a packet go last: a path's first packet, sent out at one switch in the
  // same turn as the path's flow mods to the others, must not reach the next switch before that
  // switch's flow mods do. A switch (Open vSwitch) wakes on the first write and runs while the
  // rest are written; the packet that outran its flows came back as a packet-in, one more
  // controller round trip (first-ping on linear,10: a packet-in at the second switch every run).
  let later = 0;
  for (let i = 0; i < n; i++) {
    const s = flushQueue[i]!;
    if (s.packetOutQueued) later++;
    else s.flush();
  }
  if (later > 0) for (let i = 0; i < n; i++) if (flushQueue[i]!.packetOutQueued) flushQueue[i]!.flush();
  flushQueue.splice(0, n);
}

/** True for the messages a slave controller may not send (OpenFlow 1.3 6.3.5; 1.0 has no roles, the same kinds there). */
function isSlaveRefused(version: number, type: number): boolean {
  if (version === OFP_VERSION_1_0) return type === OFPT10.PACKET_OUT || type === OFPT10.FLOW_MOD || type === OFPT10.PORT_MOD;
  return (type >= OFPT13.PACKET_OUT && type <= OFPT13.TABLE_MOD) || type === OFPT13.METER_MOD;
}

/** True for frames that keep priority over a busy session's other work: echoes, and LLDP packet-ins (link liveness). */
function isUrgent(frame: Buffer): boolean {
  const type = frame[1];
  return type === OFPT_ECHO_REQUEST || type === OFPT_ECHO_REPLY || (type === OFPT_PACKET_IN && isLldpPacketIn(frame));
}

/** ofp_port_reason: OFPPR_ADD 0, OFPPR_DELETE 1, OFPPR_MODIFY 2 (the same in 1.0 and 1.3). */
const OFPPR_ADD = 0;
const OFPPR_DELETE = 1;
/** OFPT_PORT_STATUS (12 in OpenFlow 1.0 and 1.3) with its port: ofp_port 64 bytes, ofp_phy_port 48. */
const OFPT_PORT_STATUS = OFPT13.PORT_STATUS;
const PORT_STATUS_LEN_13 = 80;
const PORT_STATUS_LEN_10 = 64;
/** ofp_multipart_reply without its body, and one ofp_port in a PORT_DESC body. */
const MULTIPART_REPLY_HEADER_LEN = 16;
const PORT_LEN_13 = 64;

/** A 1.0 port number in 1.3 numbering (the reserved ports 0xff00.. become 0xffffff00..). */
function widenPortNo10(portNo: number): number {
  return portNo >= 0xff00 ? (portNo | 0xffff0000) >>> 0 : portNo;
}

/** Counts a port refused for `maxPortsPerSwitch`; the first one is logged. */
function refusePort(session: Session, portNo: number): void {
  if (session.counters.portsRefused++ === 0) session.log.warn({ max: session.maxPorts, port: portNo }, 'switch has more ports than openflow.maxPortsPerSwitch: ignoring the rest');
}

/** What a port change did to a port map. */
export type PortChange =
  | { readonly kind: 'added' | 'removed'; readonly port: SwitchPort }
  | { readonly kind: 'modified'; readonly port: SwitchPort; readonly previous: SwitchPort }
  | { readonly kind: 'refused' | 'unknown' };

/**
 * Applies one port add/modify/delete to a session's port map, in O(1) (a switch may announce
 * thousands of ports). A new port beyond `maxPortsPerSwitch` is refused and counted, logged once.
 */
export function applyPortChange(session: Session, reason: number, port: SwitchPort): PortChange {
  const ports = session.ports;
  const previous = ports.get(port.portNo);
  if (reason === OFPPR_DELETE) {
    if (!previous) return { kind: 'unknown' };
    ports.delete(port.portNo);
    return { kind: 'removed', port: previous };
  }
  if (previous) {
    ports.set(port.portNo, port);
    return { kind: 'modified', port, previous };
  }
  if (ports.size >= session.maxPorts) {
    refusePort(session, port.portNo);
    return { kind: 'refused' };
  }
  ports.set(port.portNo, port);
  return { kind: 'added', port };
}

/**
 * A switch session. Create it on a connected stream; it sends HELLO at once and emits
 * `ready` when the handshake completes, or `close` with the reason when it fails.
 */
export class Session extends EventEmitter<SessionEvents> {
  state: SessionState = 'hello';
  /** Negotiated wire version (4 or 1), known after HELLO. */
  version = 0;
  features: SwitchFeatures | undefined;
  /**
   * Ports by number, at most `maxPortsPerSwitch`. The session keeps them current until it is
   * ready; from then on the Datapath owns this same map and applies PORT_STATUS to it.
   */
  readonly ports = new Map<number, SwitchPort>();
  desc: SwitchDesc | undefined;
  readonly remoteAddress: string;
  /** The peer's source address (no port), and the subject CN of its verified certificate (TLS with verifyPeer). */
  readonly peerAddress: string;
  readonly peerSubject: string | undefined;
  /** True when the peer came in over TLS. */
  readonly overTls: boolean;
  readonly counters: SessionCounters = zeroSessionCounters();
  closeReason: string | undefined;
  log: Logger;
  /** The clock this session's timeouts run on (the Datapath reads its connection time from it). */
  readonly clock: Clock;

  private readonly opts: OpenFlowConfig;
  private readonly framer: Framer;
  private readonly out = new Writer(512);
  private flushScheduled = false;
  /** @internal The output queued since the last write holds a PACKET_OUT (flushAll writes this session after the others). */
  packetOutQueued = false;
  private eagerFlushScheduled = false;
  private readonly eagerFlushBound = (): void => {
    this.eagerFlushScheduled = false;
    this.flush();
  };
  private blocked = false;
  /**
   * Cluster mode: asked before the queued output is written. False holds all of it, in order,
   * until {@link retryOutput}: a write that passed the mastership gate as master must not leave
   * after a pause long enough for the lease to have gone (see Datapath's lease gate).
   */
  outputGate: (() => boolean) | undefined;
  /** The output gate was closed at the last flush: the queued output waits for retryOutput. */
  private outputHeld = false;
  private drainTimer: Timer | undefined;
  private xid = 0;
  private readonly pending = new Map<number, Pending>();
  /**
   * Confirmables by xid, in send order (a Map keeps insertion order): an error finds its message
   * in O(1), and a barrier reply settles a prefix, so a switch that rejects a burst of thousands
   * costs O(1) per error, not a scan of the list.
   */
  private readonly confirmables = new Map<number, Confirmable>();
  /**
   * The confirmables whose messages are in the output not yet handed to the socket (the first
   * `queuedCount`): a demotion drops exactly those messages, so it rejects exactly these, whatever
   * the xids of the ones already written.
   */
  private readonly queuedConfirmables: (Confirmable | undefined)[] = [];
  private queuedCount = 0;
  private barrierWanted = false;
  /** Confirmables sent lazily since the last barrier, and the timer that sends their barrier (`lazyConfirmMs`). */
  private lazyConfirmables = 0;
  private lazyTimer: Timer | undefined;
  private readonly lazyBarrierBound = (): void => this.lazyBarrierDue();
  private handshakeTimer: Timer | undefined;
  private echoTimer: Timer | undefined;
  private echoOutstanding = 0;
  /**
   * Asynchronous messages that arrived before anyone listened: during the last handshake replies
   * (a switch may send a PACKET_IN right behind its description, in the same read) or while the
   * controller admits the switch. Handed over by `releaseBacklog()`; undefined once released.
   */
  private backlog: OfMessage[] | undefined = [];
  private readonly onFrameBound = (frame: Buffer): void => this.onFrame(frame);
  /** Packet-in admission (`packetInRatePps`), LLDP apart (`lldpPacketInRatePps`) so a flood of other packet-ins never starves link discovery. */
  private readonly packetInBucket: TokenBucket | undefined;
  private readonly lldpBucket: TokenBucket | undefined;
  /** Lines about what the peer sent go through this (`logLinesPerSecond`): a flood of bad messages costs a few lines and one "suppressed N". */
  private readonly limitedLog: (write: () => void) => boolean;
  /** Frames handled, and their bytes, since this session last yielded the event loop (`maxMessagesPerTurn`, `maxBytesPerTurn`). */
  private turnMessages = 0;
  private turnBytes = 0;
  /** The turn those count in (see currentTurn): a read in a later turn starts from zero. */
  private turn = -1;
  /**
   * Frames over this turn's budget, in arrival order, handled from `deferredHead` on the next
   * turns while the stream is paused; undefined when none wait. They are views of the chunks
   * read, which stay alive until then (at most what one paused read holds).
   */
  private deferred: Buffer[] | undefined;
  private deferredHead = 0;
  private deferredScheduled = false;
  private readonly handleDeferredBound = (): void => this.handleDeferred();

  constructor(
    private readonly stream: SessionStream,
    options: SessionOptions = {},
  ) {
    super();
    this.opts = { ...defaultConfig.openflow, ...options };
    this.log = options.logger ?? silentLogger;
    this.clock = options.clock ?? systemClock;
    this.remoteAddress = options.remoteAddress ?? 'unknown';
    this.peerAddress = options.peerAddress ?? 'unknown';
    this.peerSubject = options.peerSubject;
    this.overTls = options.overTls ?? false;
    this.framer = new Framer({ maxMessageLen: this.opts.maxMessageLen });
    // A direct user of the session (no controller) gets the early messages with its first listener.
    (this as EventEmitter).on('newListener', (event: string | symbol) => {
      if (event === 'message' && this.backlog !== undefined) queueMicrotask(() => this.releaseBacklog());
    });
    const limiter = new LogLimiter(this.opts.logLinesPerSecond);
    const logNow = limitedLog(limiter, () => this.clock.now(), (ms, fn) => this.clock.after(ms, fn), (n) =>
      this.log.warn({ suppressed: n }, `suppressed ${n} messages (over openflow.logLinesPerSecond ${limiter.perSecond})`),
    );
    this.limitedLog = (write) => {
      if (logNow(write)) return true;
      this.counters.logLinesSuppressed++;
      return false;
    };
    const now = this.clock.now();
    if (this.opts.packetInRatePps > 0) this.packetInBucket = new TokenBucket(this.opts.packetInRatePps, this.opts.packetInBurst, now);
    if (this.opts.lldpPacketInRatePps > 0) this.lldpBucket = new TokenBucket(this.opts.lldpPacketInRatePps, this.opts.lldpPacketInRatePps, now);
    if (options.readExternally !== true) stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('error', (e: Error) => this.close(`connection error: ${e.message}`));
    stream.on('end', () => this.close('connection closed by peer'));
    stream.on('close', () => this.close('connection closed'));
    stream.on('drain', () => this.onDrain());
    if (this.opts.handshakeTimeoutMs > 0) {
      this.handshakeTimer = this.clock.after(this.opts.handshakeTimeoutMs, () => this.close(`handshake timed out after ${this.opts.handshakeTimeoutMs} ms`));
    }
    const versions = [...this.opts.versions].sort((a, b) => a - b);
    const hello: Hello = {
      version: versions[versions.length - 1] ?? OFP_VERSION_1_3,
      type: 'hello',
      xid: this.nextXid(),
      elements: [{ type: 'versionbitmap', versions }],
    };
    this.send(hello);
  }

  /** Most ports this session keeps (`openflow.maxPortsPerSwitch`). */
  get maxPorts(): number {
    return this.opts.maxPortsPerSwitch;
  }

  /** The datapath id as 16 hex digits, or '?' before FEATURES_REPLY. */
  get dpidHex(): string {
    return this.features ? dpidToHex(this.features.datapathId) : '?';
  }

  /** A fresh transaction id (never 0, wraps at 2^32). */
  nextXid(): number {
    this.xid = (this.xid + 1) >>> 0 || 1;
    return this.xid;
  }

  /**
   * Queues a message; everything queued in one turn of the event loop leaves in one socket write, after the turn's I/O callbacks (see scheduleFlush).
   * Throws OfEncodeError on a malformed message (nothing is queued then).
   */
  send(msg: OfMessage): void {
    if (this.state === 'closed') return;
    const start = this.out.pos;
    try {
      encodeMessageInto(this.out, msg);
    } catch (e) {
      this.out.pos = start;
      throw e;
    }
    this.counters.messagesOut++;
    const type = this.out.buf[start + 1]!;
    this.counters.outByType[Math.min(type, MESSAGE_TYPE_SLOTS - 1)]!++;
    // OFPT_PACKET_OUT is 13 in OpenFlow 1.0 and 1.3 alike.
    if (type === OFPT13.PACKET_OUT) this.packetOutQueued = true;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      scheduleFlush(this);
    }
    // A big burst (a full read's worth of answers) goes out at the end of the callback that made
    // it: waiting for the whole turn, with many busy switches, would hold it behind all their reads.
    if (this.out.pending >= EAGER_FLUSH_BYTES && !this.eagerFlushScheduled) {
      this.eagerFlushScheduled = true;
      process.nextTick(this.eagerFlushBound);
    }
    if ((this.blocked || this.outputHeld) && this.out.pending + this.stream.writableLength > this.opts.maxOutboundBytes) {
      this.close(`outbound queue over ${this.opts.maxOutboundBytes} bytes: switch is not reading`);
    }
  }

  /**
   * Sends a request and resolves with its reply (multipart replies reassembled). Rejects with
   * OfErrorReply when the switch answers OFPT_ERROR with this xid, OfTimeoutError, or
   * SessionClosedError.
   */
  request<T extends OfMessage = OfMessage>(msg: OfMessage, timeoutMs = this.opts.requestTimeoutMs): Promise<T> {
    if (this.state === 'closed') return Promise.reject(new SessionClosedError(this.closeReason ?? 'closed'));
    return new Promise<T>((resolve, reject) => {
      const p: Pending = {
        requestType: msg.type,
        resolve: resolve as (m: OfMessage) => void,
        reject,
        timer: undefined,
      };
      if (timeoutMs > 0) {
        p.timer = this.clock.after(timeoutMs, () => {
          this.pending.delete(msg.xid);
          reject(new OfTimeoutError(msg.type, timeoutMs));
        });
      }
      this.pending.set(msg.xid, p);
      try {
        this.send(msg);
      } catch (e) {
        this.pending.delete(msg.xid);
        p.timer?.cancel();
        reject(e as Error);
      }
    });
  }

  /**
   * Sends a message that has no reply of its own (flow mod, group mod, packet out...) and
   * resolves once a barrier reply confirms it, or rejects with the switch's error. Everything
   * confirmable sent in one turn is settled by one barrier, appended to the same write. A `lazy`
   * one (nobody waits for it: an app's answer to a packet-in) waits up to `lazyConfirmMs` for its
   * barrier, so a stream of them costs one barrier per interval instead of one per turn; the
   * switch's error for it still comes back at once (errors carry the xid). The xid comes from
   * `nextXid()` when the message is built (a barrier settles what precedes it in xid order).
   */
  sendConfirmed(msg: OfMessage, lazy = false): Promise<void> {
    // What sendConfirmedTo throws (a closed session, a malformed message) rejects the Promise.
    return new Promise<void>((resolve, reject) => this.sendConfirmedTo(msg, { resolve, reject }, lazy));
  }

  /**
   * {@link sendConfirmed} without a Promise: the outcome goes to `settle`, later (never during this
   * call), for a caller that makes one per flow on the packet-in path. Throws what {@link send}
   * throws (nothing is queued then), and SessionClosedError when the session is closed, or closes
   * while sending (its outbound queue over the limit).
   */
  sendConfirmedTo(msg: OfMessage, settle: Settle, lazy = false): void {
    if (this.state === 'closed') throw new SessionClosedError(this.closeReason ?? 'closed');
    this.send(msg);
    // (send closes the session when its outbound queue goes over the limit.)
    if ((this.state as SessionState) === 'closed') throw new SessionClosedError(this.closeReason ?? 'closed');
    const c: Confirmable = { xid: msg.xid, requestType: msg.type, settle, queued: true };
    this.queuedConfirmables[this.queuedCount++] = c;
    const same = this.confirmables.get(msg.xid);
    if (same === undefined) this.confirmables.set(msg.xid, c);
    else {
      let last = same;
      while (last.sameXid) last = last.sameXid;
      last.sameXid = c;
    }
    if (!lazy || this.opts.lazyConfirmMs <= 0 || ++this.lazyConfirmables >= LAZY_CONFIRM_MAX) this.barrierWanted = true;
    else if (this.lazyTimer === undefined) this.lazyTimer = this.clock.after(this.opts.lazyConfirmMs, this.lazyBarrierBound);
  }

  /** `lazyConfirmMs` after the first lazy confirmable: its barrier goes out with the next flush. */
  private lazyBarrierDue(): void {
    this.lazyTimer = undefined;
    if (this.state === 'closed' || this.lazyConfirmables === 0) return;
    this.barrierWanted = true;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      scheduleFlush(this);
    }
  }

  /** Sends a barrier request and resolves when the switch has processed everything sent before it. */
  async barrier(timeoutMs = this.opts.requestTimeoutMs): Promise<void> {
    await this.request({ version: this.version, type: 'barrier_request', xid: this.nextXid() }, timeoutMs);
  }

  /** An OpenFlow 1.3 multipart request; resolves with the whole (merged) reply. */
  multipart(body: MultipartRequestBody, timeoutMs?: number): Promise<MultipartReply> {
    return this.request<MultipartReply>({ version: OFP_VERSION_1_3, type: 'multipart_request', xid: this.nextXid(), flags: 0, body }, timeoutMs);
  }

  /** An OpenFlow 1.0 stats request; resolves with the whole (merged) reply. */
  stats(body: StatsRequestBody, timeoutMs?: number): Promise<StatsReply> {
    return this.request<StatsReply>({ version: OFP_VERSION_1_0, type: 'stats_request', xid: this.nextXid(), flags: 0, body }, timeoutMs);
  }

  /** Sends an echo request and resolves with the round-trip time in ms. */
  async echo(timeoutMs = this.opts.requestTimeoutMs): Promise<number> {
    const t0 = performance.now();
    await this.request({ version: this.version || OFP_VERSION_1_3, type: 'echo_request', xid: this.nextXid(), data: Buffer.alloc(0) }, timeoutMs);
    return performance.now() - t0;
  }

  /** Closes the session once; pending requests reject with SessionClosedError. */
  close(reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.closeReason = reason;
    this.backlog = undefined;
    this.deferred = undefined;
    this.handshakeTimer?.cancel();
    this.echoTimer?.cancel();
    this.drainTimer?.cancel();
    this.lazyTimer?.cancel();
    const err = new SessionClosedError(reason);
    // Output held for a lease in doubt: its writes as master never go out (the rest still does, below).
    if (this.outputHeld) this.dropQueuedWrites(err);
    for (const p of this.pending.values()) {
      p.timer?.cancel();
      p.reject(err);
    }
    this.pending.clear();
    for (const head of this.confirmables.values()) {
      for (let c: Confirmable | undefined = head; c; c = c.sameXid) if (!c.settled) c.settle.reject(err);
    }
    this.confirmables.clear();
    // Whatever is queued (e.g. a HELLO_FAILED error) still goes out before the socket ends.
    if (this.out.pending > 0 && !this.stream.destroyed) {
      const buf = this.handOutput();
      this.stream.end(buf);
      this.clock.after(100, () => this.stream.destroy()).unref();
    } else {
      this.stream.destroy();
    }
    this.log.info({ reason }, 'switch session closed');
    this.emit('close', reason);
  }

  /** Writes what is queued (called once per turn by {@link scheduleFlush}). */
  flush(): void {
    this.flushScheduled = false;
    this.packetOutQueued = false;
    if (this.barrierWanted && this.state !== 'closed') this.appendBarrier();
    if (this.blocked || this.out.pending === 0 || this.state === 'closed') return;
    if (this.outputGate !== undefined) {
      // The gate may settle at once (a demotion drops the queued writes) or hold the lot.
      this.outputHeld = !this.outputGate();
      if (this.outputHeld || this.out.pending === 0 || (this.state as SessionState) === 'closed') return;
    }
    const buf = this.handOutput();
    this.counters.bytesOut += buf.length;
    if (!this.stream.write(buf)) {
      this.blocked = true;
      this.drainTimer = this.clock.after(this.opts.drainTimeoutMs, () => this.close(`switch did not drain its socket within ${this.opts.drainTimeoutMs} ms`));
    }
  }

  /** The queued output, handed over to be written: its confirmables are no longer queued. */
  private handOutput(): Buffer {
    const q = this.queuedConfirmables;
    for (let i = 0; i < this.queuedCount; i++) {
      q[i]!.queued = false;
      q[i] = undefined;
    }
    this.queuedCount = 0;
    return this.out.handOut();
  }

  /** The output gate may have opened: output it held is written at the end of this turn (the gate is asked again then). */
  retryOutput(): void {
    if (!this.outputHeld || this.flushScheduled || this.state === 'closed') return;
    this.flushScheduled = true;
    scheduleFlush(this);
  }

  /**
   * This controller became a slave: drops the queued, unwritten messages a slave may not send
   * (the switch would refuse them with OFPBRC_IS_SLAVE), rejecting their confirmables with `err`.
   * The rest (echoes, barriers, requests) stays queued, in order. Returns how many were dropped.
   */
  dropQueuedWrites(err: Error): number {
    const out = this.out;
    const b = out.buf;
    const end = out.pos;
    let w = out.base;
    let dropped = 0;
    for (let r = out.base; r + 8 <= end; ) {
      const len = b.readUInt16BE(r + 2);
      if (len < 8) break; // never written so (the encoders set every length); stops a walk that would not advance
      if (isSlaveRefused(b[r]!, b[r + 1]!)) {
        dropped++;
        this.takeConfirmable(b.readUInt32BE(r + 4), true)?.settle.reject(err);
      } else {
        if (w !== r) b.copyWithin(w, r, r + len);
        w += len;
      }
      r += len;
    }
    out.pos = w;
    return dropped;
  }

  /** The barrier that settles confirmables; if it gets no reply in time, they fail with it. */
  private appendBarrier(): void {
    this.barrierWanted = false;
    // This barrier settles the lazy ones too.
    this.lazyConfirmables = 0;
    this.lazyTimer?.cancel();
    this.lazyTimer = undefined;
    const xid = this.nextXid();
    const timeoutMs = this.opts.requestTimeoutMs;
    const p: Pending = {
      requestType: 'barrier_request',
      resolve: () => undefined,
      reject: (e) => this.rejectConfirmablesBefore(xid, e),
      timer: this.clock.after(timeoutMs, () => {
        this.pending.delete(xid);
        this.rejectConfirmablesBefore(xid, new OfTimeoutError('barrier_request', timeoutMs));
      }),
    };
    this.pending.set(xid, p);
    const start = this.out.pos;
    encodeMessageInto(this.out, { version: this.version, type: 'barrier_request', xid });
    this.counters.messagesOut++;
    const type = this.out.buf[start + 1]!;
    this.counters.outByType[Math.min(type, MESSAGE_TYPE_SLOTS - 1)]!++;
    // OFPT_PACKET_OUT is 13 in OpenFlow 1.0 and 1.3 alike.
    if (type === OFPT13.PACKET_OUT) this.packetOutQueued = true;
  }

  private rejectConfirmablesBefore(barrierXid: number, e: Error): void {
    for (const c of this.takeConfirmablesBefore(barrierXid)) c.settle.reject(e);
  }

  /**
   * Removes and returns the confirmables sent before the barrier with this xid. Xids come from
   * `nextXid` when a message is built, before it is sent, and a barrier takes its xid as it goes
   * out: every confirmable sent before it has an xid before its own (distance back, mod 2^32, is
   * positive). They are a prefix of the send order, so the walk stops at the first one that is not
   * (sent after the barrier, like all behind it): O(settled), not O(outstanding).
   */
  private takeConfirmablesBefore(barrierXid: number): Confirmable[] {
    const out: Confirmable[] = [];
    for (const [xid, head] of this.confirmables) {
      if (((barrierXid - xid) >>> 0) >= 0x80000000) break;
      this.confirmables.delete(xid);
      for (let c: Confirmable | undefined = head; c; c = c.sameXid) if (!c.settled) out.push(c);
    }
    return out;
  }

  private onDrain(): void {
    this.blocked = false;
    this.drainTimer?.cancel();
    this.drainTimer = undefined;
    this.flush();
  }

  /** Bytes read from the switch, for a session made with `readExternally`. */
  receive(chunk: Buffer): void {
    this.onData(chunk);
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    this.counters.bytesIn += chunk.length;
    const turn = currentTurn();
    if (turn !== this.turn) {
      this.turn = turn;
      // Frames deferred by an earlier turn keep the count: handleDeferred resets it as it runs them.
      if (this.deferred === undefined) {
        this.turnMessages = 0;
        this.turnBytes = 0;
      }
    }
    try {
      this.framer.push(chunk, this.onFrameBound);
    } catch (e) {
      this.readFailed(e, chunk);
      return;
    }
    // (A session that closed meanwhile has no deferred frames.)
    if (this.deferred !== undefined && !this.deferredScheduled) {
      // This read went over the turn's budget: the rest waits for the next turn, and nothing more
      // is read until it is done (the socket fills up and TCP slows the switch down).
      this.deferredScheduled = true;
      this.stream.pause();
      setImmediate(this.handleDeferredBound);
    }
  }

  /** A message could not be read: nothing after this point can be trusted, so this session ends. */
  private readFailed(e: unknown, data: Buffer): void {
    if (e instanceof FramingError) {
      this.sendError(0, e.errType, e.errCode, e.header);
      this.close(`broken framing: ${e.message}`);
    } else if (e instanceof OfDecodeError) {
      this.sendError(0, e.errType, e.errCode, data.subarray(0, 64));
      this.close(`broken framing: ${e.message}`);
    } else {
      this.log.error({ err: e }, 'unexpected error while reading');
      this.close(`internal error: ${(e as Error).message}`);
    }
  }

  private onFrame(frame: Buffer): void {
    if (this.state === 'closed') return;
    this.counters.messagesIn++;
    this.counters.inByType[Math.min(frame[1]!, MESSAGE_TYPE_SLOTS - 1)]!++;
    // Over its rate a packet-in is dropped here, before any decode work: a flood costs a header peek.
    if (frame[1] === OFPT_PACKET_IN && this.state !== 'hello' && !this.admitPacketIn(frame)) return;
    // Over the turn's budget (or behind frames that were), a frame waits for the next turn, unless
    // it is an echo or an LLDP packet-in: link liveness goes before other work in the same read.
    if (
      (this.deferred !== undefined || this.turnMessages >= this.opts.maxMessagesPerTurn || this.turnBytes >= this.opts.maxBytesPerTurn) &&
      this.state !== 'hello' &&
      !isUrgent(frame)
    ) {
      (this.deferred ??= []).push(frame);
      return;
    }
    this.handleFrame(frame);
  }

  /** Handles the frames deferred by earlier turns, as many as one turn's budget allows; resumes reading once none are left. */
  private handleDeferred(): void {
    this.deferredScheduled = false;
    this.turnMessages = 0;
    this.turnBytes = 0;
    // This run is the session's work of the turn: what it reads once resumed (still in this turn) counts in it.
    this.turn = currentTurn();
    const q = this.deferred;
    if (q === undefined || this.state === 'closed') return;
    let i = this.deferredHead;
    try {
      while (i < q.length && this.turnMessages < this.opts.maxMessagesPerTurn && this.turnBytes < this.opts.maxBytesPerTurn) {
        this.handleFrame(q[i++]!);
        if (this.deferred !== q) return; // closed meanwhile
      }
    } catch (e) {
      this.readFailed(e, q[i - 1]!);
      return;
    }
    if (i < q.length) {
      this.deferredHead = i;
      this.deferredScheduled = true;
      setImmediate(this.handleDeferredBound);
      return;
    }
    this.deferred = undefined;
    this.deferredHead = 0;
    this.stream.resume();
  }

  /** Decodes and dispatches one frame (its packet-in admission already passed). */
  private handleFrame(frame: Buffer): void {
    this.turnMessages++;
    // Ports past the cap are counted from the header, never decoded: a switch announcing a million
    // costs a peek per message (and their bytes do not count against the turn: nothing was decoded).
    if (this.state !== 'hello' && this.version === frame[0] && (this.refusedPortStatus(frame) || this.skippedPortDescPart(frame))) return;
    this.turnBytes += frame.length;
    let msg: OfMessage;
    try {
      msg = decodeMessage(frame);
    } catch (e) {
      if (!(e instanceof OfDecodeError)) throw e;
      this.counters.decodeErrors++;
      const xid = frame.readUInt32BE(4);
      this.limitedLog(() => this.log.warn({ err: e.message, msgType: frame[1], xid }, 'undecodable message'));
      if (this.state === 'hello' && frame[1] === 0) {
        this.failHello(`undecodable HELLO: ${e.message}`);
        return;
      }
      this.sendError(xid, e.errType, e.errCode, frame.subarray(0, 64));
      return;
    }
    if (this.state === 'hello') {
      if (msg.type === 'hello') this.onHello(msg);
      else this.failHello(`expected HELLO, got ${msg.type}`);
      return;
    }
    if (msg.version !== this.version) {
      this.counters.decodeErrors++;
      this.sendError(msg.xid, OFPET.BAD_REQUEST, OFPBRC.BAD_VERSION, frame.subarray(0, 64));
      return;
    }
    this.dispatch(msg, frame);
  }

  /**
   * True (and counted) for a PORT_STATUS ADD of a port this session does not know while it holds
   * `maxPortsPerSwitch` already: applying it would only refuse it, so it is not decoded.
   */
  private refusedPortStatus(frame: Buffer): boolean {
    // ofp_port_status: header, reason (offset 8), pad, then the port whose port_no is at 16
    // (u32 in 1.3, a u16 in 1.0's ofp_phy_port). A frame of another length goes to the decoder.
    if (frame[1] !== OFPT_PORT_STATUS || frame[8] !== OFPPR_ADD || this.ports.size < this.opts.maxPortsPerSwitch) return false;
    const v13 = frame[0] === OFP_VERSION_1_3;
    if (frame.length !== (v13 ? PORT_STATUS_LEN_13 : PORT_STATUS_LEN_10)) return false;
    const portNo = v13 ? frame.readUInt32BE(16) : widenPortNo10(frame.readUInt16BE(16));
    if (this.ports.has(portNo)) return false;
    refusePort(this, portNo);
    return true;
  }

  /**
   * True (and counted) for a part of a PORT_DESC reply that arrives once the request already
   * holds `maxPortsPerSwitch` ports: its ports are counted as refused from its length, and it
   * still counts towards the reply's part and byte limits, but nothing of it is decoded or kept.
   */
  private skippedPortDescPart(frame: Buffer): boolean {
    if (frame[0] !== OFP_VERSION_1_3 || frame[1] !== OFPT13.MULTIPART_REPLY || frame.length < MULTIPART_REPLY_HEADER_LEN || frame.readUInt16BE(8) !== OFPMP.PORT_DESC) return false;
    const xid = frame.readUInt32BE(4);
    const p = this.pending.get(xid);
    if (!p || p.portsKept === undefined || p.portsKept < this.opts.maxPortsPerSwitch) return false;
    // ofp_port is 64 bytes; a body that is not a whole number of them goes to the decoder (and its error).
    const body = frame.length - MULTIPART_REPLY_HEADER_LEN;
    if (body % PORT_LEN_13 !== 0) return false;
    this.counters.portsRefused += body / PORT_LEN_13;
    this.onMultipartPart(xid, frame.readUInt16BE(10), undefined, frame.length);
    return true;
  }

  /** Takes a token for a packet-in (LLDP from its own bucket); false, and counted, when there is none. */
  private admitPacketIn(frame: Buffer): boolean {
    if (!this.packetInBucket && !this.lldpBucket) return true;
    const now = this.clock.now();
    if (isLldpPacketIn(frame)) {
      if (!this.lldpBucket || this.lldpBucket.take(now)) return true;
      this.counters.lldpPacketInsDropped++;
      return false;
    }
    if (!this.packetInBucket || this.packetInBucket.take(now)) return true;
    this.counters.packetInsDropped++;
    return false;
  }

  private dispatch(msg: OfMessage, frame: Buffer): void {
    switch (msg.type) {
      case 'packet_in':
      case 'flow_removed':
      case 'experimenter':
      case 'vendor':
        this.deliver(msg);
        return;
      case 'port_status':
        if (this.state === 'ready') this.deliver(msg);
        else this.applyPortStatus(msg.reason, msg.port);
        return;
      case 'echo_request':
        this.send({ version: this.version, type: 'echo_reply', xid: msg.xid, data: msg.data });
        return;
      case 'echo_reply':
        this.echoOutstanding = 0;
        this.settle(msg);
        return;
      case 'error':
        this.counters.errorsReceived++;
        this.onErrorMsg(msg);
        return;
      case 'barrier_reply':
        this.settleConfirmables(msg.xid);
        this.settle(msg);
        return;
      case 'multipart_reply':
      case 'stats_reply':
        this.onMultipartPart(msg.xid, msg.flags, msg, frame.length);
        return;
      case 'unknown':
        this.sendError(msg.xid, OFPET.BAD_REQUEST, OFPBRC.BAD_TYPE, frame.subarray(0, 64));
        return;
      case 'hello':
        return;
      default:
        // Replies (features, config, role, async, queue config) and anything a switch should not
        // send: settle a pending request if there is one, otherwise ignore.
        if (!this.settle(msg) && this.log.isLevelEnabled('debug')) this.limitedLog(() => this.log.debug({ type: msg.type, xid: msg.xid }, 'unsolicited message ignored'));
    }
  }

  /** Resolves the pending request with this xid; false if there was none. */
  private settle(msg: OfMessage): boolean {
    const p = this.pending.get(msg.xid);
    if (!p) return false;
    this.pending.delete(msg.xid);
    p.timer?.cancel();
    p.resolve(msg);
    return true;
  }

  /**
   * One part of a multipart reply: kept until the last one, then merged and settled. `reply` is
   * undefined for a part that was counted but not decoded (see skippedPortDescPart).
   */
  private onMultipartPart(xid: number, flags: number, reply: (OfMessage & { flags: number }) | undefined, bytes: number): void {
    const p = this.pending.get(xid);
    if (!p) return;
    const msg = reply?.type === 'multipart_reply' && reply.body.type === 'port_desc' ? this.capPortDesc(p, reply) : reply;
    if (flags & MPF_MORE) {
      if (msg) (p.parts ??= []).push(msg);
      p.partCount = (p.partCount ?? 0) + 1;
      p.partBytes = (p.partBytes ?? 0) + bytes;
      // A reply that never ends must not grow without bound: give up on it (later parts find no request).
      if (p.partBytes > this.opts.maxMultipartBytes || p.partCount > this.opts.maxMultipartParts) {
        this.counters.multipartRefused++;
        this.pending.delete(xid);
        p.timer?.cancel();
        p.reject(new Error(`multipart reply abandoned after ${p.partCount} parts, ${p.partBytes} bytes (openflow.maxMultipartParts ${this.opts.maxMultipartParts}, maxMultipartBytes ${this.opts.maxMultipartBytes})`));
      }
      return;
    }
    if (msg) (p.parts ??= []).push(msg);
    const parts = p.parts;
    // Only a skipped part has no message, and parts are skipped only after some were kept.
    if (!parts) return;
    if (parts.length === 1) {
      this.settle(parts[0]!);
      return;
    }
    let merged: OfMessage;
    try {
      merged = parts[0]!.type === 'multipart_reply'
        ? mergeMultipartReplies(parts as MultipartReply[])
        : mergeStatsReplies10(parts as StatsReply[]);
    } catch (e) {
      this.pending.delete(xid);
      p.timer?.cancel();
      p.reject(e as Error);
      return;
    }
    this.settle(merged);
  }

  /**
   * A PORT_DESC part with the ports past `maxPortsPerSwitch` (over all parts) left out and counted
   * as refused, so a reply of a million ports never holds more than the cap in memory.
   */
  private capPortDesc(p: Pending, part: MultipartReply): MultipartReply {
    if (part.body.type !== 'port_desc') return part;
    const kept = p.portsKept ?? 0;
    const room = Math.max(0, this.opts.maxPortsPerSwitch - kept);
    const ports = part.body.ports;
    p.portsKept = kept + Math.min(room, ports.length);
    if (ports.length <= room) return part;
    if (this.counters.portsRefused === 0) this.log.warn({ max: this.opts.maxPortsPerSwitch }, 'switch has more ports than openflow.maxPortsPerSwitch: ignoring the rest');
    this.counters.portsRefused += ports.length - room;
    return { ...part, body: { type: 'port_desc', ports: ports.slice(0, room) } };
  }

  private onErrorMsg(msg: ErrorMsg): void {
    const p = this.pending.get(msg.xid);
    if (p) {
      this.pending.delete(msg.xid);
      p.timer?.cancel();
      p.reject(new OfErrorReply(msg, p.requestType));
      return;
    }
    // The error settles exactly the (first outstanding) message with its xid.
    const c = this.takeConfirmable(msg.xid);
    if (c) c.settle.reject(new OfErrorReply(msg, c.requestType));
    if (this.state === 'ready') this.deliver(msg);
    else this.limitedLog(() => this.log.warn({ errType: msg.errType, code: msg.code }, 'error from switch during handshake'));
  }

  /**
   * The first unsettled confirmable with this xid (`queued`: the first whose message is still in
   * the output), taken out of the outstanding ones (for its caller to settle).
   */
  private takeConfirmable(xid: number, queued = false): Confirmable | undefined {
    const head = this.confirmables.get(xid);
    let c = head;
    while (c !== undefined && (c.settled === true || (queued && !c.queued))) c = c.sameXid;
    if (c === undefined) return undefined;
    c.settled = true;
    // A chain keeps its place in the send order until all of it is settled.
    let open = head;
    while (open?.settled) open = open.sameXid;
    if (open === undefined) this.confirmables.delete(xid);
    return c;
  }

  /** A barrier reply confirms every confirmable sent before the barrier request. */
  private settleConfirmables(barrierXid: number): void {
    if (this.confirmables.size === 0) return;
    for (const c of this.takeConfirmablesBefore(barrierXid)) c.settle.resolve();
  }

  private onHello(hello: Hello): void {
    const ours = this.opts.versions;
    const bitmap = hello.elements.find((e) => e.type === 'versionbitmap');
    let version = 0;
    if (bitmap && bitmap.type === 'versionbitmap') {
      for (const v of bitmap.versions) if (ours.includes(v) && v > version) version = v;
    } else {
      // No bitmap: the peer supports its header version and (by the spec) anything below it.
      const v = Math.min(hello.version, Math.max(...ours));
      if (ours.includes(v)) version = v;
    }
    if (version === 0) {
      this.failHello(`no common OpenFlow version: peer offers ${bitmap && bitmap.type === 'versionbitmap' ? bitmap.versions.join(',') : hello.version}, we accept ${ours.join(',')}`);
      return;
    }
    this.version = version;
    this.state = 'features';
    this.log = this.log.child({ ofVersion: version === OFP_VERSION_1_3 ? '1.3' : '1.0' });
    this.handshake().catch((e: Error) => this.close(`handshake failed: ${e.message}`));
  }

  private failHello(reason: string): void {
    const version = Math.max(...this.opts.versions);
    const err: ErrorMsg = {
      version,
      type: 'error',
      xid: 0,
      errType: OFPET.HELLO_FAILED,
      code: OFPHFC.INCOMPATIBLE,
      data: Buffer.from(reason, 'ascii'),
    };
    this.send(err);
    this.close(`hello failed: ${reason}`);
  }

  /** Emits an asynchronous message, or keeps it (bounded) until the controller listens. */
  private deliver(msg: OfMessage): void {
    if (this.backlog === undefined) {
      if (this.state === 'ready') this.emitMessage(msg);
      return;
    }
    if (this.backlog.length < Session.BACKLOG_MAX) this.backlog.push(msg);
    else if (this.backlog.length === Session.BACKLOG_MAX) {
      this.backlog.push(msg); // one past the cap marks "warned"; it is dropped on release
      this.log.warn({ max: Session.BACKLOG_MAX }, 'messages before admission beyond the cap are dropped');
    }
  }

  /** Early messages kept per session at most (the rest are dropped, as a busy switch's would be). */
  static readonly BACKLOG_MAX = 256;

  /**
   * Called once the controller listens for 'message' (after admitting the switch): emits the
   * messages that arrived before, in order, and from then on emits as they come.
   */
  releaseBacklog(): void {
    const early = this.backlog;
    if (!early || this.state !== 'ready') return;
    this.backlog = undefined;
    for (let i = 0; i < early.length && i < Session.BACKLOG_MAX; i++) this.emitMessage(early[i]!);
  }

  /** Hands an asynchronous message to the listeners; packet-ins are counted here (metrics read the count, instead of listening to every one). */
  private emitMessage(msg: OfMessage): void {
    if (msg.type === 'packet_in') this.counters.packetIns++;
    this.emit('message', msg);
  }

  private async handshake(): Promise<void> {
    const v = this.version;
    const fr = await this.request({ version: v, type: 'features_request', xid: this.nextXid() });
    if (fr.type !== 'features_reply') throw new Error(`expected FEATURES_REPLY, got ${fr.type}`);
    this.features = {
      datapathId: fr.datapathId,
      nBuffers: fr.nBuffers,
      nTables: fr.nTables,
      auxiliaryId: 'auxiliaryId' in fr ? fr.auxiliaryId : 0,
      capabilities: fr.capabilities,
    };
    this.log = this.log.child({ dpid: this.dpidHex });
    if (v === OFP_VERSION_1_3) {
      const pd = await this.multipart({ type: 'port_desc' });
      if (pd.body.type === 'port_desc') for (const port of pd.body.ports) this.applyPortStatus(OFPPR_ADD, port);
    } else if ('ports' in fr) {
      for (const port of fr.ports as readonly PhyPort[]) this.applyPortStatus(OFPPR_ADD, port);
    }
    this.send({ version: v, type: 'set_config', xid: this.nextXid(), flags: 0, missSendLen: this.opts.missSendLen });
    this.desc = await this.requestDesc().catch((e: Error) => {
      this.log.warn({ err: e.message }, 'switch description unavailable');
      return { mfrDesc: '', hwDesc: '', swDesc: '', serialNum: '', dpDesc: '' };
    });
    if (this.state === 'closed') return;
    this.handshakeTimer?.cancel();
    this.handshakeTimer = undefined;
    this.state = 'ready';
    this.startEcho();
    this.log.info({ remote: this.remoteAddress, ports: this.ports.size }, 'switch ready');
    this.emit('ready');
    // Someone listened before the handshake ended: they get the early messages now.
    if (this.listenerCount('message') > 0) this.releaseBacklog();
  }

  private async requestDesc(): Promise<SwitchDesc> {
    if (this.version === OFP_VERSION_1_3) {
      const r = await this.multipart({ type: 'desc' });
      if (r.body.type === 'desc') return r.body;
    } else {
      const r = await this.stats({ type: 'desc' });
      if (r.body.type === 'desc') return r.body;
    }
    throw new Error('unexpected description reply');
  }

  private startEcho(): void {
    if (this.opts.echoIntervalMs <= 0) return;
    this.echoTimer = this.clock.every(this.opts.echoIntervalMs, () => {
      if (this.echoOutstanding >= this.opts.echoMaxMisses) {
        this.counters.echoMisses += this.echoOutstanding;
        this.close(`echo timeout: ${this.echoOutstanding} echo requests unanswered`);
        return;
      }
      this.echoOutstanding++;
      this.send({ version: this.version, type: 'echo_request', xid: this.nextXid(), data: Buffer.alloc(0) });
    });
    this.echoTimer.unref();
  }

  private applyPortStatus(reason: number, port: Port | PhyPort): void {
    const p = this.version === OFP_VERSION_1_0 ? widenPort10(port as PhyPort) : (port as Port);
    applyPortChange(this, reason, p);
  }

  /** Sends an OFPT_ERROR, mapping the 1.3 error pair to 1.0 numbering for 1.0 peers. */
  sendError(xid: number, errType: number, code: number, data: Buffer): void {
    const version = this.version || Math.max(...this.opts.versions);
    const pair = version === OFP_VERSION_1_0 ? mapErrorTo10(errType, code) : { errType, code };
    this.send({ version, type: 'error', xid, errType: pair.errType, code: pair.code, data: Buffer.from(data) });
  }
}

/** A 1.0 ofp_phy_port in the 1.3 port shape (port numbers widened, speeds unknown). */
export function widenPort10(p: PhyPort): Port {
  return {
    portNo: widenPortNo10(p.portNo),
    hwAddr: p.hwAddr,
    name: p.name,
    config: p.config,
    state: p.state,
    curr: p.curr,
    advertised: p.advertised,
    supported: p.supported,
    peer: p.peer,
    currSpeed: 0,
    maxSpeed: 0,
  };
}
