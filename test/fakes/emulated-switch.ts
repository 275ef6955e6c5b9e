/**
 * An emulated OpenFlow switch built on our own codec, for session, API and app tests and the benches:
 * it answers the handshake in 1.3 or 1.0 over any Duplex stream and lets its user script the
 * rest. Not a substitute for Open vSwitch.
 */
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { Framer } from '../../src/openflow/codec/framer.js';
import { decodeMessage, encodeMessage, type OfMessage } from '../../src/openflow/codec/index.js';
import type { Port } from '../../src/openflow/codec/v13/structs.js';
import { emulatedPort, featuresReply } from '../../src/loadgen/features.js';

export interface EmulatedSwitchOptions {
  readonly dpid?: bigint;
  /** Versions offered in our HELLO bitmap (default [4]). */
  readonly versions?: readonly number[];
  /** Header version of our HELLO (default: highest of `versions`). */
  readonly helloVersion?: number;
  /** Leave the bitmap out of our HELLO (old switches do). */
  readonly noBitmap?: boolean;
  readonly ports?: readonly number[];
  /** Split multipart replies into parts of this many entries (REPLY_MORE). */
  readonly multipartChunk?: number;
  /** Do not answer echo requests (a dead switch). */
  readonly ignoreEcho?: boolean;
  /** Do not answer anything after HELLO (a stuck switch). */
  readonly silent?: boolean;
  /** Sent in the same write right behind the (OpenFlow 1.3) DESC reply, the last handshake answer. */
  readonly afterDesc?: readonly OfMessage[];
  /** Answer FLOW_MOD with an OFPT_ERROR when this returns an error pair. */
  readonly rejectFlowMod?: (m: OfMessage) => { errType: number; code: number } | undefined;
}

/** The switch end of a stream. Emits 'message' for every message the controller sends. */
export class EmulatedSwitch extends EventEmitter<{ message: [OfMessage]; close: [] }> {
  readonly received: OfMessage[] = [];
  version = 0;
  readonly flows: OfMessage[] = [];
  /** OFPCR_ROLE_* of the controller on this connection (EQUAL until it asks). */
  role = 1;
  maxGenerationId: bigint | undefined;
  private readonly framer = new Framer();

  constructor(
    readonly stream: Duplex,
    readonly opts: EmulatedSwitchOptions = {},
  ) {
    super();
    stream.on('data', (c: Buffer) => {
      this.framer.push(c, (f) => this.onFrame(Buffer.from(f)));
    });
    stream.on('close', () => this.emit('close'));
    stream.on('error', () => undefined);
    const versions = opts.versions ?? [4];
    this.send({
      version: opts.helloVersion ?? Math.max(...versions),
      type: 'hello',
      xid: 1,
      elements: opts.noBitmap ? [] : [{ type: 'versionbitmap', versions }],
    });
  }

  get dpid(): bigint {
    return this.opts.dpid ?? 1n;
  }

  /** Sends a message object to the controller. */
  send(m: OfMessage): void {
    if (!this.stream.destroyed) this.stream.write(encodeMessage(m));
  }

  /** Sends raw bytes to the controller. */
  sendRaw(b: Buffer): void {
    this.stream.write(b);
  }

  /** Resolves with the next message of the given type the controller sends. */
  next<T extends OfMessage['type']>(type: T, timeoutMs = 2000): Promise<OfMessage & { type: T }> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.off('message', on);
        reject(new Error(`no ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      const on = (m: OfMessage) => {
        if (m.type !== type) return;
        clearTimeout(t);
        this.off('message', on);
        resolve(m as OfMessage & { type: T });
      };
      this.on('message', on);
    });
  }

  /** Ends the connection cleanly (FIN first, so the controller sees the peer close). */
  close(): void {
    this.stream.end();
    setTimeout(() => this.stream.destroy(), 50).unref();
  }

  private onFrame(frame: Buffer): void {
    const m = decodeMessage(frame);
    this.received.push(m);
    if (m.type === 'hello') {
      this.version = Math.min(m.version, this.opts.helloVersion ?? Math.max(...(this.opts.versions ?? [4])));
    }
    this.emit('message', m);
    if (this.opts.silent) return;
    this.answer(m);
  }

  private answer(m: OfMessage): void {
    const v = m.version;
    const ports = (this.opts.ports ?? [1, 2, 3]).map(emulatedPort);
    switch (m.type) {
      case 'features_request':
        this.send(featuresReply(v, m.xid, this.dpid, ports));
        return;
      case 'multipart_request':
        this.answerMultipart(m, ports);
        return;
      case 'stats_request':
        if (m.body.type === 'desc') {
          this.send({ version: 1, type: 'stats_reply', xid: m.xid, flags: 0, body: { type: 'desc', mfrDesc: 'Fake', hwDesc: 'fake 1.0', swDesc: 'test', serialNum: '1', dpDesc: 'fake switch' } });
        } else if (m.body.type === 'flow') {
          this.send({ version: 1, type: 'stats_reply', xid: m.xid, flags: 0, body: { type: 'flow', flows: [] } });
        }
        return;
      case 'echo_request':
        if (!this.opts.ignoreEcho) this.send({ version: v, type: 'echo_reply', xid: m.xid, data: m.data });
        return;
      case 'barrier_request':
        this.send({ version: v, type: 'barrier_reply', xid: m.xid });
        return;
      case 'role_request': {
        // OpenFlow 1.3 §6.3.5: MASTER/SLAVE requests carry a generation id; one older than the
        // newest seen (compared as a signed 64-bit distance) is refused as stale.
        if (m.role === 2 || m.role === 3) {
          if (this.maxGenerationId !== undefined && BigInt.asIntN(64, m.generationId - this.maxGenerationId) < 0n) {
            this.send({ version: 4, type: 'error', xid: m.xid, errType: 11, code: 0, data: encodeMessage(m).subarray(0, 64) });
            return;
          }
          this.maxGenerationId = m.generationId;
        }
        if (m.role !== 0) this.role = m.role;
        this.send({ version: 4, type: 'role_reply', xid: m.xid, role: this.role, generationId: this.maxGenerationId ?? m.generationId });
        return;
      }
      case 'flow_mod': {
        const err = this.opts.rejectFlowMod?.(m);
        if (err) this.send({ version: v, type: 'error', xid: m.xid, errType: err.errType, code: err.code, data: encodeMessage(m).subarray(0, 64) });
        else this.flows.push(m);
        return;
      }
      default:
        return;
    }
  }

  private answerMultipart(m: OfMessage & { type: 'multipart_request' }, ports: Port[]): void {
    const chunk = this.opts.multipartChunk ?? 1000;
    switch (m.body.type) {
      case 'desc': {
        const reply = encodeMessage({ version: 4, type: 'multipart_reply', xid: m.xid, flags: 0, body: { type: 'desc', mfrDesc: 'Fake', hwDesc: 'fake 1.3', swDesc: 'test', serialNum: '1', dpDesc: 'fake switch' } });
        this.sendRaw(Buffer.concat([reply, ...(this.opts.afterDesc ?? []).map((x) => encodeMessage(x))]));
        return;
      }
      case 'port_desc':
        for (let i = 0; i < ports.length || i === 0; i += chunk) {
          const more = i + chunk < ports.length;
          this.send({ version: 4, type: 'multipart_reply', xid: m.xid, flags: more ? 1 : 0, body: { type: 'port_desc', ports: ports.slice(i, i + chunk) } });
        }
        return;
      case 'group_desc':
        // No groups: enough for a packet trace of the desired flows, which reads the switch's groups.
        this.send({ version: 4, type: 'multipart_reply', xid: m.xid, flags: 0, body: { type: 'group_desc', groups: [] } });
        return;
      default:
        return;
    }
  }
}
