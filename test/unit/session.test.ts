import { duplexPair, type Duplex } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Controller } from '../../src/controller.js';
import { defaultConfig, type OpenFlowConfig } from '../../src/config.js';
import { messageTypeName, OFPBRC, OFPET, OFPFMFC, OFPHFC, OFPT13 } from '../../src/openflow/codec/constants.js';
import { encodeMessage, type OfMessage } from '../../src/openflow/codec/index.js';
import { OfErrorReply, SessionClosedError } from '../../src/openflow/errors.js';
import { EAGER_FLUSH_BYTES, isLldpPacketIn, LAZY_CONFIRM_MAX, MESSAGE_TYPE_SLOTS, Session, type Settle } from '../../src/openflow/session.js';
import { EmulatedSwitch as FakeSwitch, type EmulatedSwitchOptions as FakeSwitchOptions } from '../fakes/emulated-switch.js';
import { emulatedPort } from '../../src/loadgen/features.js';
import { Datapath, flowModMessage } from '../../src/openflow/datapath.js';
import { EventBus } from '../../src/core/events.js';
import { OfTimeoutError } from '../../src/openflow/errors.js';
import { ManualClock } from '../fakes/manual-clock.js';

const sessions: Session[] = [];
afterEach(() => {
  for (const s of sessions.splice(0)) s.close('test over');
});

function pair(sw: FakeSwitchOptions = {}, cfg: Partial<OpenFlowConfig> = {}, clock?: ManualClock): { session: Session; fake: FakeSwitch; ctrlEnd: Duplex } {
  const [ctrlEnd, swEnd] = duplexPair();
  const session = new Session(ctrlEnd, { ...cfg, ...(clock ? { clock } : {}) });
  sessions.push(session);
  const fake = new FakeSwitch(swEnd, sw);
  return { session, fake, ctrlEnd };
}

function ready(s: Session): Promise<void> {
  return new Promise((resolve, reject) => {
    if (s.state === 'ready') return resolve();
    s.once('ready', resolve);
    s.once('close', (r) => reject(new Error(`closed: ${r}`)));
  });
}

function closed(s: Session): Promise<string> {
  return new Promise((resolve) => {
    if (s.state === 'closed') return resolve(s.closeReason ?? '');
    s.once('close', resolve);
  });
}

describe('session handshake', () => {
  it('negotiates OpenFlow 1.3 and learns features, ports (multipart in parts) and description', async () => {
    const { session } = pair({ dpid: 0xa1n, ports: [1, 2, 3, 4, 5], multipartChunk: 2 });
    await ready(session);
    expect(session.version).toBe(4);
    expect(session.dpidHex).toBe('00000000000000a1');
    expect([...session.ports.keys()]).toEqual([1, 2, 3, 4, 5]);
    expect(session.desc?.dpDesc).toBe('fake switch');
  });

  it('negotiates OpenFlow 1.0 with a peer that sends no version bitmap', async () => {
    const { session, fake } = pair({ dpid: 7n, versions: [1], noBitmap: true, ports: [1, 2] });
    await ready(session);
    expect(session.version).toBe(1);
    expect([...session.ports.keys()]).toEqual([1, 2]);
    const setConfig = fake.received.find((m) => m.type === 'set_config');
    expect(setConfig).toMatchObject({ version: 1, missSendLen: 0xffff });
  });

  it('picks the highest common version from the bitmaps', async () => {
    const { session } = pair({ versions: [1, 4, 6] });
    await ready(session);
    expect(session.version).toBe(4);
  });

  it('refuses a peer with no common version with HELLO_FAILED and closes', async () => {
    const { session, fake } = pair({ versions: [5, 6] });
    const err = fake.next('error');
    const reason = await closed(session);
    expect(reason).toMatch(/hello failed: no common OpenFlow version/);
    expect(await err).toMatchObject({ errType: OFPET.HELLO_FAILED, code: OFPHFC.INCOMPATIBLE });
  });

  it('only accepts the configured versions', async () => {
    const { session } = pair({ versions: [1] }, { versions: [4] });
    expect(await closed(session)).toMatch(/no common/);
  });

  it('drops a peer that never completes the handshake', async () => {
    const clock = new ManualClock();
    const { session, fake } = pair({ silent: true }, { handshakeTimeoutMs: 150 }, clock);
    await fake.next('features_request');
    await clock.advanceAsync(149);
    expect(session.state).toBe('features');
    await clock.advanceAsync(1);
    expect(session.state).toBe('closed');
    expect(await closed(session)).toMatch(/handshake timed out after 150 ms/);
  });

  it('cancels the handshake timer once the switch is ready', async () => {
    const clock = new ManualClock();
    const { session } = pair({}, { handshakeTimeoutMs: 150, echoIntervalMs: 0 }, clock);
    await ready(session);
    expect(clock.pending).toBe(0);
    await clock.advanceAsync(1000);
    expect(session.state).toBe('ready');
  });
});

describe('session keepalive', () => {
  it('answers the switch echo requests', async () => {
    const { session, fake } = pair();
    await ready(session);
    const reply = fake.next('echo_reply');
    fake.send({ version: 4, type: 'echo_request', xid: 77, data: Buffer.from('ping') });
    expect(await reply).toMatchObject({ xid: 77, data: Buffer.from('ping') });
  });

  it('evicts a switch that stops answering echo requests', async () => {
    const clock = new ManualClock();
    const { session, fake } = pair({ ignoreEcho: true }, { echoIntervalMs: 30, echoMaxMisses: 2 }, clock);
    await ready(session);
    // Two requests go unanswered; the third tick finds two outstanding and closes.
    await clock.advanceAsync(30);
    await clock.advanceAsync(30);
    expect(fake.received.filter((m) => m.type === 'echo_request')).toHaveLength(2);
    expect(session.state).toBe('ready');
    await clock.advanceAsync(29);
    expect(session.state).toBe('ready');
    await clock.advanceAsync(1);
    expect(await closed(session)).toMatch(/echo timeout: 2 echo requests unanswered/);
    expect(session.counters.echoMisses).toBe(2);
  });

  it('keeps a switch that answers its echo requests', async () => {
    const clock = new ManualClock();
    const { session, fake } = pair({}, { echoIntervalMs: 30, echoMaxMisses: 2 }, clock);
    await ready(session);
    for (let i = 0; i < 10; i++) await clock.advanceAsync(30);
    expect(fake.received.filter((m) => m.type === 'echo_request')).toHaveLength(10);
    expect(session.state).toBe('ready');
    expect(session.counters.echoMisses).toBe(0);
  });
});

describe('session requests', () => {
  it('correlates errors by xid and confirms the rest with a barrier', async () => {
    const { session } = pair({
      rejectFlowMod: (m) => (m.type === 'flow_mod' && m.priority === 13 ? { errType: OFPET.FLOW_MOD_FAILED, code: OFPFMFC.TABLE_FULL } : undefined),
    });
    await ready(session);
    const fm = (priority: number): OfMessage => flowModMessage(4, session.nextXid(), { priority });
    const results = [12, 13, 14].map((p) => session.sendConfirmed(fm(p)).then(() => 'ok', (e: Error) => e));
    await session.barrier();
    const [a, b, c] = await Promise.all(results);
    expect(a).toBe('ok');
    expect(c).toBe('ok');
    expect(b).toBeInstanceOf(OfErrorReply);
    expect((b as OfErrorReply).message).toMatch(/OFPFMFC_TABLE_FULL/);
  });

  it('a switch that rejects a burst of thousands: each error settles exactly its own flow mod, the barrier confirms the rest', async () => {
    const N = 6_000;
    // Every third flow mod is refused (TABLE_FULL); the error carries its xid and its data.
    const { session, fake } = pair({ rejectFlowMod: (m) => (m.type === 'flow_mod' && m.priority % 3 === 0 ? { errType: OFPET.FLOW_MOD_FAILED, code: OFPFMFC.TABLE_FULL } : undefined) });
    await ready(session);
    const fm = (priority: number): OfMessage => flowModMessage(4, session.nextXid(), { priority });
    const msgs = Array.from({ length: N }, (_, i) => fm(i));
    const outcomes = await Promise.all(msgs.map((m) => session.sendConfirmed(m).then(() => 'ok' as const, (e: unknown) => e)));
    for (const [i, o] of outcomes.entries()) {
      if (i % 3 !== 0) {
        expect(o, `flow mod ${i}`).toBe('ok');
        continue;
      }
      expect(o, `flow mod ${i}`).toBeInstanceOf(OfErrorReply);
      expect((o as OfErrorReply).reply.xid, `flow mod ${i}`).toBe(msgs[i]!.xid);
    }
    expect(fake.flows).toHaveLength(N - Math.ceil(N / 3));
    expect(fake.received.filter((m) => m.type === 'barrier_request').length).toBeGreaterThanOrEqual(1);
    // Nothing is left waiting: a later barrier settles nothing more, and a late error for a settled xid is only an event.
    await session.barrier();
  });

  it('sendConfirmedTo: the outcome goes to the Settle, never during the call; a closed session throws', async () => {
    const { session } = pair({ rejectFlowMod: (m) => (m.type === 'flow_mod' && m.priority === 13 ? { errType: OFPET.FLOW_MOD_FAILED, code: OFPFMFC.TABLE_FULL } : undefined) });
    await ready(session);
    const outcomes: unknown[] = [];
    const to = (i: number): Settle => ({ resolve: () => (outcomes[i] = 'ok'), reject: (e) => (outcomes[i] = e) });
    session.sendConfirmedTo(flowModMessage(4, session.nextXid(), { priority: 12 }), to(0));
    session.sendConfirmedTo(flowModMessage(4, session.nextXid(), { priority: 13 }), to(1), true);
    expect(outcomes).toEqual([]);
    await session.barrier();
    expect(outcomes[0]).toBe('ok');
    expect(outcomes[1]).toBeInstanceOf(OfErrorReply);
    session.close('test over');
    expect(() => session.sendConfirmedTo(flowModMessage(4, session.nextXid(), { priority: 14 }), to(2))).toThrow(SessionClosedError);
    expect(outcomes).toHaveLength(2);
  });

  it('two confirmed messages with the same xid: its error fails the first, the barrier confirms the second', async () => {
    const { session } = pair({ rejectFlowMod: (m) => (m.type === 'flow_mod' && m.priority === 13 ? { errType: OFPET.FLOW_MOD_FAILED, code: OFPFMFC.TABLE_FULL } : undefined) });
    await ready(session);
    const xid = session.nextXid();
    const fm = (priority: number): OfMessage => flowModMessage(4, xid, { priority });
    const [first, second] = await Promise.all([13, 12].map((p) => session.sendConfirmed(fm(p)).then(() => 'ok', (e: unknown) => e)));
    expect(first).toBeInstanceOf(OfErrorReply);
    expect(second).toBe('ok');
  });

  it('rejects a request that gets no reply in time', async () => {
    const clock = new ManualClock();
    const { session, fake } = pair({ silent: true }, { handshakeTimeoutMs: 0 }, clock);
    await fake.next('features_request');
    let settled: unknown;
    const req = session.request({ version: 4, type: 'get_config_request', xid: session.nextXid() }, 50).catch((e: unknown) => (settled = e));
    await clock.advanceAsync(49);
    expect(settled).toBeUndefined();
    await clock.advanceAsync(1);
    await req;
    expect(settled).toBeInstanceOf(OfTimeoutError);
    expect((settled as Error).message).toMatch(/no reply to get_config_request within 50 ms/);
  });

  it('fails confirmed messages whose barrier gets no reply in time', async () => {
    const clock = new ManualClock();
    const { session, fake } = pair({}, { requestTimeoutMs: 500, echoIntervalMs: 0 }, clock);
    await ready(session);
    // The switch goes deaf: it reads nothing more, so the barrier is never answered.
    fake.stream.removeAllListeners('data');
    let settled: unknown;
    const sent = session.sendConfirmed({ version: 4, type: 'echo_request', xid: session.nextXid(), data: Buffer.alloc(0) }).catch((e: unknown) => (settled = e));
    await clock.advanceAsync(499);
    expect(settled).toBeUndefined();
    await clock.advanceAsync(1);
    await sent;
    expect(settled).toBeInstanceOf(OfTimeoutError);
  });

  it('confirms lazy flow mods with one barrier lazyConfirmMs after the first (or at LAZY_CONFIRM_MAX), an eager one with a barrier in its own write; an error still fails its flow mod at once', async () => {
    const clock = new ManualClock();
    const { session, fake } = pair(
      { rejectFlowMod: (m) => (m.type === 'flow_mod' && m.priority === 13 ? { errType: OFPET.FLOW_MOD_FAILED, code: OFPFMFC.TABLE_FULL } : undefined) },
      { lazyConfirmMs: 50, echoIntervalMs: 0 },
      clock,
    );
    await ready(session);
    const fm = (priority: number): OfMessage => flowModMessage(4, session.nextXid(), { priority });
    const barriers = (): number => fake.received.filter((m) => m.type === 'barrier_request').length;
    const flowMods = (): number => fake.received.filter((m) => m.type === 'flow_mod').length;
    const before = barriers();
    const settled: unknown[] = [];
    const lazy = [12, 13, 14].map((p, i) => session.sendConfirmed(fm(p), true).then(() => (settled[i] = 'ok'), (e: unknown) => (settled[i] = e)));
    await clock.advanceUntil(() => flowMods() === 3, 40);
    await clock.advanceUntil(() => settled[1] !== undefined, 40);
    // The rejected one fails from its error (same xid); the others wait for their barrier.
    expect(settled[1]).toBeInstanceOf(OfErrorReply);
    expect(barriers()).toBe(before);
    expect(settled[0]).toBeUndefined();
    await clock.advanceUntil(() => settled[0] !== undefined && settled[2] !== undefined, 60);
    await Promise.all(lazy);
    expect(settled).toEqual(['ok', settled[1], 'ok']);
    expect(barriers()).toBe(before + 1);
    // An eager one gets its barrier in the same write, and that barrier settles the lazy ones before it.
    let lazyDone = false;
    const l = session.sendConfirmed(fm(20), true).then(() => (lazyDone = true));
    const e = session.sendConfirmed(fm(21));
    await clock.advanceUntil(() => lazyDone, 20);
    await Promise.all([l, e]);
    expect(barriers()).toBe(before + 2);
    // LAZY_CONFIRM_MAX lazy ones do not wait for the interval.
    const many = Array.from({ length: LAZY_CONFIRM_MAX }, (_, i) => session.sendConfirmed(fm(100 + i), true));
    let all = false;
    void Promise.all(many).then(() => (all = true));
    await clock.advanceUntil(() => all, 20);
    expect(barriers()).toBe(before + 3);
  });

  it('sends everything queued in one tick in one write', async () => {
    const { session, ctrlEnd } = pair();
    await ready(session);
    let writes = 0;
    const orig = ctrlEnd.write.bind(ctrlEnd);
    ctrlEnd.write = ((...args: Parameters<typeof orig>) => {
      writes++;
      return orig(...args);
    }) as typeof ctrlEnd.write;
    for (let i = 0; i < 10; i++) session.send({ version: 4, type: 'barrier_request', xid: session.nextXid() });
    await new Promise((r) => setImmediate(r));
    expect(writes).toBe(1);
  });
});

describe('session writes, once per turn of the event loop', () => {
  function countWrites(end: Duplex, log: string[], name: string): void {
    const orig = end.write.bind(end);
    end.write = ((...args: Parameters<typeof orig>) => {
      log.push(name);
      return orig(...args);
    }) as typeof end.write;
  }

  it('writes after the I/O callbacks of the turn (setImmediate), not at the end of the callback that sent (nextTick): every session answering in one turn writes then, in send order', async () => {
    const a = pair({ dpid: 1n });
    const b = pair({ dpid: 2n });
    await Promise.all([ready(a.session), ready(b.session)]);
    await new Promise((r) => setImmediate(r));
    const log: string[] = [];
    countWrites(a.ctrlEnd, log, 'a');
    countWrites(b.ctrlEnd, log, 'b');
    // As if a's socket and then b's were read in one poll: each answers from its own callback.
    a.session.send({ version: 4, type: 'barrier_request', xid: a.session.nextXid() });
    await new Promise((r) => process.nextTick(r));
    await Promise.resolve();
    b.session.send({ version: 4, type: 'barrier_request', xid: b.session.nextXid() });
    a.session.send({ version: 4, type: 'echo_request', xid: a.session.nextXid(), data: Buffer.alloc(0) });
    await new Promise((r) => process.nextTick(r));
    expect(log).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['a', 'b']);
    await new Promise((r) => setImmediate(r));
    expect(a.fake.received.filter((m) => m.type === 'echo_request' || m.type === 'barrier_request').length).toBeGreaterThanOrEqual(2);
  });

  it('writes the sessions that release a packet (PACKET_OUT) after the others of the turn, so a first packet does not outrun the flow mods sent with it to the next switches', async () => {
    const a = pair({ dpid: 1n });
    const b = pair({ dpid: 2n });
    const c = pair({ dpid: 3n });
    await Promise.all([ready(a.session), ready(b.session), ready(c.session)]);
    await new Promise((r) => setImmediate(r));
    const log: string[] = [];
    countWrites(a.ctrlEnd, log, 'a');
    countWrites(b.ctrlEnd, log, 'b');
    countWrites(c.ctrlEnd, log, 'c');
    const fm = (s: Session): OfMessage =>
      flowModMessage(4, s.nextXid(), { priority: 10, match: [{ field: 'in_port', value: 1 }], actions: [{ type: 'output', port: 2 }] });
    // As forwarding answers a packet-in: the path's flows on a, b and c (a first), then the packet out at a.
    a.session.send(fm(a.session));
    b.session.send(fm(b.session));
    c.session.send(fm(c.session));
    a.session.send({ version: 4, type: 'packet_out', xid: a.session.nextXid(), bufferId: 0xffffffff, inPort: 0xfffffffd, actions: [{ type: 'output', port: 1 }], data: Buffer.alloc(60) });
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['b', 'c', 'a']);
    // Without a packet-out, send order again.
    log.length = 0;
    a.session.send(fm(a.session));
    b.session.send(fm(b.session));
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['a', 'b']);
    await new Promise((r) => setImmediate(r));
    expect(a.fake.received.filter((m) => m.type === 'packet_out')).toHaveLength(1);
  });
});

describe('session writes: the output gate', () => {
  it('holds the whole queued output while the gate is closed; dropping the writes a slave may not send keeps the rest in order and rejects their confirmables', async () => {
    const { session, fake } = pair({ dpid: 5n });
    await ready(session);
    await new Promise((r) => setImmediate(r));
    let open = false;
    session.outputGate = () => open;
    const before = fake.received.length;
    const outcomes: unknown[] = [];
    const to = (i: number): Settle => ({ resolve: () => (outcomes[i] = 'ok'), reject: (e) => (outcomes[i] = e) });
    const xid = session.nextXid();
    session.sendConfirmedTo(flowModMessage(4, xid, { priority: 1 }), to(0));
    session.sendConfirmedTo(flowModMessage(4, xid, { priority: 2 }), to(1)); // same xid: a chain
    session.send({ version: 4, type: 'echo_request', xid: 50, data: Buffer.from('a') });
    session.send({ version: 4, type: 'group_mod', xid: 51, command: 0, groupType: 0, groupId: 1, buckets: [] });
    session.send({ version: 4, type: 'port_mod', xid: 52, portNo: 1, hwAddr: '00:11:00:00:11:11', config: 1, mask: 1, advertise: 0 });
    session.send({ version: 4, type: 'table_mod', xid: 53, tableId: 0xff, config: 3 });
    session.send({ version: 4, type: 'meter_mod', xid: 54, command: 0, flags: 1, meterId: 1, bands: [{ type: 'drop', rate: 10, burstSize: 0 }] });
    session.send({ version: 4, type: 'set_async', xid: 55, packetInMask: [3, 0], portStatusMask: [7, 7], flowRemovedMask: [0, 0] });
    session.send({ version: 4, type: 'packet_out', xid: 56, bufferId: 0xffffffff, inPort: 0xfffffffd, actions: [], data: Buffer.alloc(60) });
    session.send({ version: 4, type: 'echo_request', xid: 57, data: Buffer.from('b') });
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
    expect(fake.received.length).toBe(before); // held, barrier and echoes too
    expect(outcomes).toEqual([]);
    expect(session.dropQueuedWrites(new Error('now a slave'))).toBe(7);
    expect(outcomes.map((o) => (o as Error).message)).toEqual(['now a slave', 'now a slave']);
    session.retryOutput();
    await new Promise((r) => setImmediate(r));
    expect(fake.received.length).toBe(before); // still closed
    open = true;
    session.retryOutput();
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(fake.received.slice(before).map((m) => `${m.type} ${m.xid}`)).toEqual([
      'echo_request 50',
      'set_async 55',
      'echo_request 57',
      expect.stringMatching(/^barrier_request /),
    ]);
    await session.barrier(); // the barrier for the dropped ones settles nothing twice
    expect(outcomes).toHaveLength(2);
  });

  it('a dropped write rejects its own confirmable, not an earlier one with the same xid that was written', async () => {
    const { session, fake } = pair({ dpid: 6n });
    await ready(session);
    await new Promise((r) => setImmediate(r));
    const outcomes: unknown[] = [];
    const to = (i: number): Settle => ({ resolve: () => (outcomes[i] = 'ok'), reject: (e) => (outcomes[i] = (e as Error).message) });
    const xid = session.nextXid();
    let open = true;
    session.outputGate = () => open;
    session.sendConfirmedTo(flowModMessage(4, xid, { priority: 1 }), to(0), true);
    await new Promise((r) => setImmediate(r));
    expect(fake.received.filter((m) => m.type === 'flow_mod' && m.xid === xid)).toHaveLength(1); // written, its barrier not yet
    open = false;
    session.sendConfirmedTo(flowModMessage(4, xid, { priority: 2 }), to(1)); // the same xid, queued behind the closed gate
    await new Promise((r) => setImmediate(r));
    expect(session.dropQueuedWrites(new Error('now a slave'))).toBe(1);
    expect(outcomes).toEqual([undefined, 'now a slave']);
    open = true;
    session.retryOutput();
    await session.barrier();
    // The written one is confirmed by the barrier; the dropped one never reached the switch.
    expect(outcomes).toEqual(['ok', 'now a slave']);
    expect(fake.received.filter((m) => m.type === 'flow_mod' && m.xid === xid)).toHaveLength(1);
  });
});

describe('session writes: a big burst', () => {
  it(`writes at the end of the callback once EAGER_FLUSH_BYTES (${EAGER_FLUSH_BYTES}) are queued, without waiting for the turn to end`, async () => {
    const { session, ctrlEnd } = pair();
    await ready(session);
    await new Promise((r) => setImmediate(r));
    const sizes: number[] = [];
    const orig = ctrlEnd.write.bind(ctrlEnd);
    ctrlEnd.write = ((...args: Parameters<typeof orig>) => {
      sizes.push((args[0] as Buffer).length);
      return orig(...args);
    }) as typeof ctrlEnd.write;
    const data = Buffer.alloc(1000);
    let queued = 0;
    while (queued < EAGER_FLUSH_BYTES) {
      session.send({ version: 4, type: 'echo_request', xid: session.nextXid(), data });
      queued += 1008;
    }
    await new Promise((r) => process.nextTick(r));
    expect(sizes).toEqual([queued]);
    // What comes after, small, waits for the end of the turn again.
    session.send({ version: 4, type: 'echo_request', xid: session.nextXid(), data: Buffer.alloc(0) });
    await new Promise((r) => process.nextTick(r));
    expect(sizes).toHaveLength(1);
    await new Promise((r) => setImmediate(r));
    expect(sizes).toEqual([queued, 8]);
  });
});

describe('session and bad input', () => {
  it('answers an undecodable message with an error carrying its xid and first 64 bytes, and keeps going', async () => {
    const { session, fake } = pair();
    await ready(session);
    // A PORT_STATUS cut short: header says 24 bytes, body too short for ofp_port.
    const bad = Buffer.alloc(24);
    bad.writeUInt8(4, 0);
    bad.writeUInt8(12, 1);
    bad.writeUInt16BE(24, 2);
    bad.writeUInt32BE(0xabcd, 4);
    const err = fake.next('error');
    fake.sendRaw(bad);
    const e = await err;
    expect(e).toMatchObject({ xid: 0xabcd, errType: OFPET.BAD_REQUEST, code: OFPBRC.BAD_LEN });
    expect(Buffer.compare(e.data, bad)).toBe(0);
    expect(session.counters.decodeErrors).toBe(1);
    expect(session.state).toBe('ready');
    expect(await session.echo()).toBeGreaterThanOrEqual(0);
  });

  it('answers an unknown message type with BAD_TYPE', async () => {
    const { session, fake } = pair();
    await ready(session);
    const msg = Buffer.from([4, 200, 0, 12, 0, 0, 0, 9, 1, 2, 3, 4]);
    const err = fake.next('error');
    fake.sendRaw(msg);
    expect(await err).toMatchObject({ xid: 9, errType: OFPET.BAD_REQUEST, code: OFPBRC.BAD_TYPE });
    expect(session.state).toBe('ready');
    // Counted by type: the unknown number in the overflow slot, the error reply as an error.
    const c = session.counters;
    expect(c.inByType[MESSAGE_TYPE_SLOTS - 1]).toBe(1);
    expect(c.outByType[OFPT13.ERROR]).toBe(1);
    expect(c.inByType[OFPT13.HELLO]).toBe(1);
    expect(c.outByType[OFPT13.FEATURES_REQUEST]).toBe(1);
    expect(c.inByType.reduce((a, b) => a + b, 0)).toBe(c.messagesIn);
    expect(c.outByType.reduce((a, b) => a + b, 0)).toBe(c.messagesOut);
    expect(messageTypeName(4, OFPT13.MULTIPART_REPLY)).toBe('multipart_reply');
    expect(messageTypeName(1, 16)).toBe('stats_request');
  });

  it('closes only this session on broken framing', async () => {
    const a = pair({ dpid: 1n });
    const b = pair({ dpid: 2n });
    await Promise.all([ready(a.session), ready(b.session)]);
    a.fake.sendRaw(Buffer.from([4, 2, 0, 4, 0, 0, 0, 1]));
    expect(await closed(a.session)).toMatch(/broken framing/);
    expect(b.session.state).toBe('ready');
    expect(await b.session.echo()).toBeGreaterThanOrEqual(0);
  });

  it('disconnects a switch that does not read what it is sent', async () => {
    const [ctrlEnd, swEnd] = duplexPair({ highWaterMark: 1024 } as never);
    const session = new Session(ctrlEnd, { maxOutboundBytes: 64 * 1024 });
    sessions.push(session);
    const fake = new FakeSwitch(swEnd, {});
    await ready(session);
    swEnd.pause();
    swEnd.removeAllListeners('data');
    const big = Buffer.alloc(4000);
    for (let i = 0; i < 200 && session.state !== 'closed'; i++) {
      session.send({ version: 4, type: 'echo_request', xid: session.nextXid(), data: big });
      await new Promise((r) => setImmediate(r));
    }
    expect(await closed(session)).toMatch(/outbound queue over/);
    void fake;
  });

  it('sendConfirmedTo: a message that puts the outbound queue over its limit closes the session and throws; its Settle is never called, those before are rejected', async () => {
    const [ctrlEnd, swEnd] = duplexPair({ highWaterMark: 1024 } as never);
    const session = new Session(ctrlEnd, { maxOutboundBytes: 64 * 1024, echoIntervalMs: 0 });
    sessions.push(session);
    const fake = new FakeSwitch(swEnd, {});
    await ready(session);
    swEnd.pause();
    swEnd.removeAllListeners('data');
    // About 8 KB a flow mod: 500 output actions of 16 bytes.
    const actions = Array.from({ length: 500 }, (_, i) => ({ type: 'output' as const, port: 1 + i }));
    const outcomes: unknown[] = [];
    const to = (i: number): Settle => ({ resolve: () => (outcomes[i] = 'ok'), reject: (e) => (outcomes[i] = e) });
    let thrown: { at: number; error: unknown } | undefined;
    for (let i = 0; i < 200 && thrown === undefined; i++) {
      try {
        session.sendConfirmedTo(flowModMessage(4, session.nextXid(), { priority: 10, actions }), to(i), true);
      } catch (error) {
        thrown = { at: i, error };
      }
      // A turn between sends: the queue is written, the socket fills, the session is blocked.
      await new Promise((r) => setImmediate(r));
    }
    expect(thrown?.error).toBeInstanceOf(SessionClosedError);
    expect(String((thrown!.error as Error).message)).toMatch(/outbound queue over/);
    expect(session.state).toBe('closed');
    expect(thrown!.at).toBeGreaterThan(0);
    expect(outcomes[thrown!.at]).toBeUndefined();
    for (let i = 0; i < thrown!.at; i++) expect(outcomes[i]).toBeInstanceOf(SessionClosedError);
    void fake;
  });

  it('disconnects a switch that does not drain its socket in time', async () => {
    const clock = new ManualClock();
    const [ctrlEnd, swEnd] = duplexPair({ highWaterMark: 1024 } as never);
    const session = new Session(ctrlEnd, { drainTimeoutMs: 5000, echoIntervalMs: 0, clock });
    sessions.push(session);
    const fake = new FakeSwitch(swEnd, {});
    await ready(session);
    swEnd.pause();
    swEnd.removeAllListeners('data');
    session.send({ version: 4, type: 'echo_request', xid: session.nextXid(), data: Buffer.alloc(4000) });
    await clock.advanceAsync(4999);
    expect(session.state).toBe('ready');
    await clock.advanceAsync(1);
    expect(await closed(session)).toMatch(/did not drain its socket within 5000 ms/);
    void fake;
  });
});

describe('session bounds', () => {
  it('keeps at most maxPortsPerSwitch ports, from the port list and from PORT_STATUS, counting the rest', async () => {
    const ports = Array.from({ length: 20 }, (_, i) => i + 1);
    const { session, fake } = pair({ ports, multipartChunk: 3 }, { maxPortsPerSwitch: 8 });
    await ready(session);
    expect([...session.ports.keys()]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(session.counters.portsRefused).toBe(12);
    const bus = new EventBus();
    const dp = new Datapath(session, bus);
    const added: number[] = [];
    const removed: number[] = [];
    bus.on('portAdded', (e) => added.push(e.port.portNo));
    bus.on('portRemoved', (e) => removed.push(e.port.portNo));
    const status = (reason: number, n: number): void => fake.send({ version: 4, type: 'port_status', xid: 0, reason, port: emulatedPort(n) } as OfMessage);
    status(0, 100); // over the cap: refused
    status(1, 3); // a delete makes room
    status(0, 101);
    status(0, 102); // full again
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(added).toEqual([101]);
    expect(removed).toEqual([3]);
    expect(dp.ports.size).toBe(8);
    expect(dp.ports.has(101)).toBe(true);
    expect(session.counters.portsRefused).toBe(14);
  });

  it('keeps no more than maxPortsPerSwitch ports of a PORT_DESC reply while it is reassembled', async () => {
    const ports = Array.from({ length: 20 }, (_, i) => i + 1);
    const { session } = pair({ ports, multipartChunk: 3 }, { maxPortsPerSwitch: 8 });
    await ready(session);
    const reply = await session.multipart({ type: 'port_desc' });
    expect(reply.body.type === 'port_desc' && reply.body.ports.map((p) => p.portNo)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(session.counters.portsRefused).toBe(24);
  });

  it('counts PORT_DESC parts past the cap from their length without decoding them, and settles the reply with the ports kept', async () => {
    const ports = Array.from({ length: 20 }, (_, i) => i + 1);
    const { session } = pair({ ports, multipartChunk: 3 }, { maxPortsPerSwitch: 4 });
    await ready(session);
    const dispatch = vi.spyOn(Session.prototype as unknown as { dispatch: (m: OfMessage) => void }, 'dispatch');
    try {
      const reply = await session.multipart({ type: 'port_desc' });
      expect(reply.body.type === 'port_desc' && reply.body.ports.map((p) => p.portNo)).toEqual([1, 2, 3, 4]);
      // Parts of 3: [1-3] and [4-6] are decoded (the second one reaches the cap), the other five are not.
      expect(dispatch.mock.calls.filter(([m]) => m.type === 'multipart_reply')).toHaveLength(2);
    } finally {
      dispatch.mockRestore();
    }
    expect(session.counters.portsRefused).toBe(2 * 16);
    expect(session.counters.decodeErrors).toBe(0);
  });

  it('still abandons a reply whose parts past the port cap (not decoded) go over maxMultipartParts', async () => {
    const ports = Array.from({ length: 50 }, (_, i) => i + 1);
    const { session } = pair({ ports, multipartChunk: 2 }, { maxPortsPerSwitch: 2, maxMultipartParts: 10 });
    expect(await closed(session)).toMatch(/abandoned after 11 parts.*maxMultipartParts 10/);
    expect(session.counters.multipartRefused).toBe(1);
  });

  for (const v of [4, 1]) {
    it(`refuses a PORT_STATUS ADD past the cap from its header, without decoding it; a known port is still modified (OpenFlow ${v === 4 ? '1.3' : '1.0'})`, async () => {
      const { session, fake } = pair({ versions: [v], ports: [1, 2, 3] }, { maxPortsPerSwitch: 3 });
      await ready(session);
      const bus = new EventBus();
      const dp = new Datapath(session, bus);
      const seen: string[] = [];
      bus.on('portAdded', (e) => seen.push(`added ${e.port.portNo}`));
      bus.on('portModified', (e) => seen.push(`modified ${e.port.portNo}`));
      const dispatch = vi.spyOn(Session.prototype as unknown as { dispatch: (m: OfMessage) => void }, 'dispatch');
      try {
        const port = (n: number): unknown => (v === 4 ? emulatedPort(n) : { ...emulatedPort(n), portNo: n });
        for (let i = 0; i < 100; i++) fake.send({ version: v, type: 'port_status', xid: 0, reason: 0, port: port(100 + i) } as OfMessage);
        fake.send({ version: v, type: 'port_status', xid: 0, reason: 0, port: port(2) } as OfMessage); // known: an ADD of it modifies it
        for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
        expect(dispatch).toHaveBeenCalledTimes(1);
      } finally {
        dispatch.mockRestore();
      }
      expect(seen).toEqual(['modified 2']);
      expect(dp.ports.size).toBe(3);
      expect(session.counters.portsRefused).toBe(100);
    });
  }

  it('abandons a multipart reply past maxMultipartParts and closes only that handshake', async () => {
    const ports = Array.from({ length: 50 }, (_, i) => i + 1);
    const { session } = pair({ ports, multipartChunk: 2 }, { maxMultipartParts: 10 });
    const reason = await closed(session);
    expect(reason).toMatch(/maxMultipartParts 10/);
    expect(session.counters.multipartRefused).toBe(1);
  });

  it('abandons a multipart reply past maxMultipartBytes', async () => {
    const ports = Array.from({ length: 50 }, (_, i) => i + 1);
    const { session } = pair({ ports, multipartChunk: 5 }, { maxMultipartBytes: 1000 });
    expect(await closed(session)).toMatch(/maxMultipartBytes 1000/);
  });
});

describe('packet-in admission', () => {
  const pi = (v: number, data: Buffer): OfMessage =>
    (v === 4
      ? { version: 4, type: 'packet_in', xid: 0, bufferId: 0xffffffff, totalLen: data.length, reason: 0, tableId: 0, cookie: 0n, match: [{ field: 'in_port', value: 1 }, { field: 'eth_type', value: 0x0800 }], data }
      : { version: 1, type: 'packet_in', xid: 0, bufferId: 0xffffffff, totalLen: data.length, inPort: 1, reason: 0, data }) as OfMessage;
  const eth = (type: number, vlan = false): Buffer => {
    const b = Buffer.alloc(vlan ? 64 : 60);
    b.writeUInt16BE(vlan ? 0x8100 : type, 12);
    if (vlan) b.writeUInt16BE(type, 16);
    return b;
  };

  it('reads LLDP out of a framed packet-in without decoding it (1.3 with any match length, 1.0, VLAN-tagged)', () => {
    expect(isLldpPacketIn(encodeMessage(pi(4, eth(0x88cc))))).toBe(true);
    expect(isLldpPacketIn(encodeMessage(pi(4, eth(0x88cc, true))))).toBe(true);
    expect(isLldpPacketIn(encodeMessage(pi(4, eth(0x0800))))).toBe(false);
    expect(isLldpPacketIn(encodeMessage(pi(1, eth(0x88cc))))).toBe(true);
    expect(isLldpPacketIn(encodeMessage(pi(1, eth(0x0806))))).toBe(false);
    expect(isLldpPacketIn(encodeMessage(pi(4, Buffer.alloc(5))))).toBe(false);
  });

  for (const v of [4, 1]) {
    it(`drops packet-ins over packetInRatePps before decoding, LLDP from its own bucket, counting both (OpenFlow ${v === 4 ? '1.3' : '1.0'})`, async () => {
      const clock = new ManualClock();
      const { session, fake } = pair({ versions: [v] }, { packetInRatePps: 100, packetInBurst: 10, lldpPacketInRatePps: 20 }, clock);
      await ready(session);
      const got: string[] = [];
      session.on('message', (m) => {
        if (m.type === 'packet_in') got.push(m.data.readUInt16BE(12) === 0x88cc ? 'lldp' : 'ip');
      });
      const flush = async (): Promise<void> => {
        for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      };
      // A flood of 500 at once: the burst (10) passes; LLDP mixed in still gets its 20.
      for (let i = 0; i < 500; i++) fake.send(pi(v, eth(0x0800)));
      for (let i = 0; i < 30; i++) fake.send(pi(v, eth(0x88cc)));
      await flush();
      expect(got.filter((g) => g === 'ip')).toHaveLength(10);
      expect(got.filter((g) => g === 'lldp')).toHaveLength(20);
      expect(session.counters.packetInsDropped).toBe(490);
      expect(session.counters.lldpPacketInsDropped).toBe(10);
      // 100 ms later: 10 more tokens (100/s).
      clock.advance(100);
      for (let i = 0; i < 50; i++) fake.send(pi(v, eth(0x0800)));
      await flush();
      expect(got.filter((g) => g === 'ip')).toHaveLength(20);
      // Other messages are never metered.
      const echo = session.request({ version: v, type: 'echo_request', xid: 0, data: Buffer.alloc(0) } as OfMessage);
      await expect(echo).resolves.toMatchObject({ type: 'echo_reply' });
    });
  }

  it('takes every packet-in with the rates at 0', async () => {
    const { session, fake } = pair({}, { packetInRatePps: 0, lldpPacketInRatePps: 0 });
    await ready(session);
    let n = 0;
    session.on('message', (m) => void (m.type === 'packet_in' && n++));
    for (let i = 0; i < 3000; i++) fake.send(pi(4, eth(0x0800)));
    // One turn per maxMessagesPerTurn of them, and a few more in which no extra one may come.
    for (let i = 0; i < 3000 / defaultConfig.openflow.maxMessagesPerTurn + 5; i++) await new Promise((r) => setImmediate(r));
    expect(n).toBe(3000);
    expect(session.counters.packetInsDropped).toBe(0);
  });
});

describe('work per event-loop turn', () => {
  const portStatus = (n: number): Buffer => encodeMessage({ version: 4, type: 'port_status', xid: 0, reason: 0, port: { ...emulatedPort(1), portNo: n } } as OfMessage);
  const lldpIn = (): Buffer => {
    const data = Buffer.alloc(60);
    data.writeUInt16BE(0x88cc, 12);
    return encodeMessage({ version: 4, type: 'packet_in', xid: 0, bufferId: 0xffffffff, totalLen: 60, reason: 0, tableId: 0, cookie: 0n, match: [{ field: 'in_port', value: 1 }], data } as OfMessage);
  };
  // One step per event-loop iteration: a session's deferred work also runs once per iteration,
  // except that a read's first batch (poll phase) and the next (check phase) can share one.
  const turn = (): Promise<void> => new Promise((r) => setImmediate(r));
  /** Runs event-loop turns until `done`, returning how many messages each turn delivered. */
  async function perTurn(count: () => number, done: () => boolean): Promise<number[]> {
    const turns: number[] = [];
    let seen = count();
    for (let i = 0; i < 1000 && !done(); i++) {
      await turn();
      turns.push(count() - seen);
      seen = count();
    }
    return turns;
  }

  it('handles at most maxMessagesPerTurn messages of one read per turn, pausing its input meanwhile', async () => {
    const { session, fake, ctrlEnd } = pair({}, { maxMessagesPerTurn: 100, maxPortsPerSwitch: 10_000 });
    await ready(session);
    let n = 0;
    session.on('message', (m) => void (m.type === 'port_status' && n++));
    // 450 PORT_STATUS in one chunk, then more data behind it while the session is busy.
    fake.stream.write(Buffer.concat(Array.from({ length: 450 }, (_, i) => portStatus(100 + i))));
    await turn();
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThanOrEqual(200);
    expect(ctrlEnd.isPaused()).toBe(true);
    fake.stream.write(Buffer.concat(Array.from({ length: 50 }, (_, i) => portStatus(1000 + i))));
    const turns = await perTurn(() => n, () => n === 500);
    expect(n).toBe(500);
    expect(Math.max(...turns)).toBeLessThanOrEqual(100);
    expect(turns.filter((t) => t > 0).length).toBeGreaterThanOrEqual(3);
    expect(ctrlEnd.isPaused()).toBe(false);
    expect(session.state).toBe('ready');
  });

  it('counts the budget per turn: a message a turn is never deferred, however many came before', async () => {
    const { session, fake, ctrlEnd } = pair({}, { maxMessagesPerTurn: 10, maxPortsPerSwitch: 10_000 });
    await ready(session);
    let n = 0;
    session.on('message', (m) => void (m.type === 'port_status' && n++));
    let pauses = 0;
    const pause = ctrlEnd.pause.bind(ctrlEnd);
    ctrlEnd.pause = () => {
      pauses++;
      return pause();
    };
    for (let i = 0; i < 35; i++) {
      fake.stream.write(portStatus(100 + i));
      await perTurn(() => n, () => n === i + 1);
      expect(n).toBe(i + 1);
    }
    // Never over the budget, so never paused (the 11th, 21st and 31st used to wait a turn, paused).
    expect(pauses).toBe(0);
  });

  it('bounds the bytes handled per turn too (maxBytesPerTurn)', async () => {
    const { session, fake } = pair({}, { maxBytesPerTurn: 1024, maxPortsPerSwitch: 10_000 });
    await ready(session);
    let n = 0;
    session.on('message', (m) => void (m.type === 'port_status' && n++));
    fake.stream.write(Buffer.concat(Array.from({ length: 100 }, (_, i) => portStatus(100 + i))));
    const turns = await perTurn(() => n, () => n === 100);
    expect(n).toBe(100);
    // 80-byte messages: the one that reaches 1024 bytes is the last of its turn.
    expect(Math.max(...turns.slice(1))).toBe(Math.ceil(1024 / 80));
    expect(turns[0]).toBeLessThanOrEqual(2 * Math.ceil(1024 / 80));
  });

  it('answers echoes and delivers LLDP packet-ins of the same read before the messages over the budget', async () => {
    const { session, fake } = pair({}, { maxMessagesPerTurn: 100, maxPortsPerSwitch: 10_000, lldpPacketInRatePps: 0 });
    await ready(session);
    const order: string[] = [];
    session.on('message', (m) => order.push(m.type === 'packet_in' ? 'lldp' : m.type));
    const echoReplies = (): number => session.counters.outByType[OFPT13.ECHO_REPLY]!;
    const echo = encodeMessage({ version: 4, type: 'echo_request', xid: 77, data: Buffer.alloc(0) } as OfMessage);
    const before = echoReplies();
    fake.stream.write(Buffer.concat([...Array.from({ length: 300 }, (_, i) => portStatus(100 + i)), echo, lldpIn()]));
    await turn();
    // With the first batch, before the 200 or so port changes left: the echo is answered, the LLDP packet-in delivered.
    expect(order.length).toBeLessThan(250);
    expect(order.indexOf('lldp')).toBeGreaterThan(0);
    expect(order.indexOf('lldp')).toBeLessThanOrEqual(100);
    expect(echoReplies()).toBe(before + 1);
    await perTurn(() => order.length, () => order.length === 301);
    expect(order.filter((t) => t === 'port_status')).toHaveLength(300);
  });

  it('drops what waits when the session closes', async () => {
    const { session, fake } = pair({}, { maxMessagesPerTurn: 10, maxPortsPerSwitch: 10_000 });
    await ready(session);
    let n = 0;
    session.on('message', () => n++);
    fake.stream.write(Buffer.concat(Array.from({ length: 50 }, (_, i) => portStatus(100 + i))));
    await turn();
    const seen = n;
    expect(seen).toBeLessThanOrEqual(20);
    session.close('test');
    for (let i = 0; i < 5; i++) await turn();
    expect(n).toBe(seen);
  });
});

describe('controller admission', () => {
  function attach(ctrl: Controller, sw: FakeSwitchOptions, clock?: ManualClock): { session: Session; fake: FakeSwitch } {
    const [ctrlEnd, swEnd] = duplexPair();
    const session = new Session(ctrlEnd, { ...ctrl.config.openflow, ...(clock ? { clock } : {}) });
    sessions.push(session);
    ctrl.attach(session);
    return { session, fake: new FakeSwitch(swEnd, sw) };
  }

  function counter(ctrl: Controller): { connected: string[]; disconnected: string[] } {
    const c = { connected: [] as string[], disconnected: [] as string[] };
    ctrl.bus.on('switchConnected', (e) => c.connected.push(e.remoteAddress));
    ctrl.bus.on('switchDisconnected', (e) => c.disconnected.push(e.reason));
    return c;
  }

  /** Resolves when the controller has registered `session` as its switch's datapath. */
  function admitted(ctrl: Controller, session: Session): Promise<void> {
    return new Promise((resolve) => {
      const on = (e: { dpid: bigint }): void => {
        if (ctrl.datapaths.get(e.dpid)?.session !== session) return;
        ctrl.bus.off('switchConnected', on);
        resolve();
      };
      ctrl.bus.on('switchConnected', on);
    });
  }

  it('refuses a second live connection claiming a connected dpid', async () => {
    const ctrl = new Controller({ ...defaultConfig, openflow: { ...defaultConfig.openflow, duplicateProbeMs: 200 } });
    const events = counter(ctrl);
    const clock = new ManualClock();
    const first = attach(ctrl, { dpid: 5n }, clock);
    await admitted(ctrl, first.session);
    const second = attach(ctrl, { dpid: 5n }, clock);
    expect(await closed(second.session)).toMatch(/duplicate datapath id 0000000000000005/);
    expect(first.session.state).toBe('ready');
    expect(ctrl.datapaths.get(5n)?.session).toBe(first.session);
    expect(events.connected).toHaveLength(1);
    expect(events.disconnected).toHaveLength(0);
  });

  it('replaces a dead connection with the newcomer: one disconnect, one connect', async () => {
    const ctrl = new Controller({ ...defaultConfig, openflow: { ...defaultConfig.openflow, duplicateProbeMs: 100 } });
    const events = counter(ctrl);
    const clock = new ManualClock();
    const first = attach(ctrl, { dpid: 6n, ignoreEcho: true }, clock);
    await admitted(ctrl, first.session);
    const probe = first.fake.next('echo_request');
    const second = attach(ctrl, { dpid: 6n }, clock);
    const secondAdmitted = admitted(ctrl, second.session);
    await ready(second.session);
    await probe;
    // The old connection gets the whole probe window before it is judged dead.
    await clock.advanceAsync(99);
    expect(first.session.state).toBe('ready');
    await clock.advanceAsync(1);
    await closed(first.session);
    await secondAdmitted;
    expect(ctrl.datapaths.get(6n)?.session).toBe(second.session);
    expect(events.connected).toHaveLength(2);
    expect(events.disconnected).toHaveLength(1);
    expect(events.disconnected[0]).toMatch(/replaced by a new connection/);
  });

  it('delivers what a switch sends right behind its last handshake reply, after switchConnected and in order', async () => {
    const ctrl = new Controller();
    const seen: string[] = [];
    ctrl.bus.on('switchConnected', () => seen.push('connected'));
    ctrl.bus.on('packetIn', (e) => seen.push(`packet-in ${e.msg.inPort}`));
    ctrl.bus.on('portModified', (e) => seen.push(`port ${e.port.portNo} modified`));
    const frame = Buffer.alloc(60, 0xab);
    const pi = (inPort: number): OfMessage => ({ version: 4, type: 'packet_in', xid: 0, bufferId: 0xffffffff, totalLen: 60, reason: 0, tableId: 0, cookie: 0n, match: [{ field: 'in_port', value: inPort }], data: frame });
    const port2 = { ...emulatedPort(2), state: 1 };
    const { session } = attach(ctrl, { dpid: 9n, ports: [1, 2], afterDesc: [pi(1), { version: 4, type: 'port_status', xid: 0, reason: 2, port: port2 }, pi(2)] });
    await admitted(ctrl, session);
    await new Promise((r) => setImmediate(r));
    // The port change came before the handshake ended: it is in the port list the apps see at connect.
    expect(seen).toEqual(['connected', 'packet-in 1', 'packet-in 2']);
    expect(session.ports.get(2)?.state).toBe(1);
  });

  it('keeps at most BACKLOG_MAX early messages for a switch it has not admitted yet', async () => {
    // A turn's budget above the burst, so every packet-in is read (and kept or dropped) before admission.
    const ctrl = new Controller({ ...defaultConfig, openflow: { ...defaultConfig.openflow, maxMessagesPerTurn: 1000 } });
    let packetIns = 0;
    ctrl.bus.on('packetIn', () => packetIns++);
    const frame = Buffer.alloc(60, 0xab);
    const pi: OfMessage = { version: 4, type: 'packet_in', xid: 0, bufferId: 0xffffffff, totalLen: 60, reason: 0, tableId: 0, cookie: 0n, match: [{ field: 'in_port', value: 1 }], data: frame };
    const { session } = attach(ctrl, { dpid: 10n, afterDesc: Array.from({ length: Session.BACKLOG_MAX + 50 }, () => pi) });
    await admitted(ctrl, session);
    await new Promise((r) => setImmediate(r));
    expect(packetIns).toBe(Session.BACKLOG_MAX);
  });

  it('reconnect after a clean close gives one disconnect and one connect', async () => {
    const ctrl = new Controller();
    const events = counter(ctrl);
    const first = attach(ctrl, { dpid: 8n });
    await admitted(ctrl, first.session);
    first.fake.close();
    await closed(first.session);
    const second = attach(ctrl, { dpid: 8n });
    await admitted(ctrl, second.session);
    expect(events.connected).toHaveLength(2);
    expect(events.disconnected).toHaveLength(1);
    expect(ctrl.datapaths.get(8n)?.session).toBe(second.session);
  });
});

void encodeMessage;
