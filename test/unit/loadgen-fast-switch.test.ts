import net from 'node:net';
import { duplexPair, type Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { Controller } from '../../src/controller.js';
import { defaultConfig } from '../../src/config.js';
import { OFP_NO_BUFFER, OFPBRC, OFPET } from '../../src/openflow/codec/constants.js';
import { Framer } from '../../src/openflow/codec/framer.js';
import { decodeMessage, encodeMessage, type OfMessage } from '../../src/openflow/codec/index.js';
import { buildPacketIn, FastSwitch, FRAME_LEN, type FastSwitchOptions } from '../../src/loadgen/fast-switch.js';
import { attachResponder } from '../../src/lab/responder.js';
import { flush, flushUntil } from '../fakes/flush.js';

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
});

/** The controller end of a stream: every message the switch sends, decoded. */
class ControllerEnd {
  readonly got: OfMessage[] = [];
  private readonly framer = new Framer();
  constructor(readonly stream: Duplex) {
    stream.on('data', (c: Buffer) => this.framer.push(c, (f) => this.got.push(decodeMessage(Buffer.from(f)))));
  }
  send(m: OfMessage): void {
    this.stream.write(encodeMessage(m));
  }
  of<T extends OfMessage['type']>(type: T): (OfMessage & { type: T })[] {
    return this.got.filter((m) => m.type === type) as (OfMessage & { type: T })[];
  }
}

/** Lets the in-memory pair deliver what is queued: event-loop turns, no time passes. */
const tick = (): Promise<void> => flush();

async function connected(opts: Partial<FastSwitchOptions> = {}): Promise<{ sw: FastSwitch; ctrl: ControllerEnd }> {
  const [a, b] = duplexPair();
  const ctrl = new ControllerEnd(a);
  const sw = new FastSwitch(b, { index: 3, version: 4, macs: 10, window: 4, ...opts });
  cleanup.push(() => sw.close());
  const v = sw.version;
  ctrl.send({ version: v, type: 'hello', xid: 1, elements: [] });
  ctrl.send({ version: v, type: 'features_request', xid: 2 });
  await tick();
  return { sw, ctrl };
}

/** MAC of packet k of switch 3: 02:00:03:00:00:kk. */
const mac = (k: number): string => `02:00:03:00:00:${k.toString(16).padStart(2, '0')}`;

describe('buildPacketIn', () => {
  it('builds a 1.3 PACKET_IN the codec decodes: in_port from k, MAC k to MAC k+1, a 60-byte IPv4 frame', () => {
    const m = decodeMessage(buildPacketIn(4, 3, 5, 10, 4));
    expect(m).toMatchObject({ version: 4, type: 'packet_in', totalLen: FRAME_LEN, match: [{ field: 'in_port', value: 2 }] });
    if (m.type !== 'packet_in') throw new Error('not a packet_in');
    expect(m.data.length).toBe(FRAME_LEN);
    expect(m.data.subarray(0, 6).toString('hex')).toBe('020003000006');
    expect(m.data.subarray(6, 12).toString('hex')).toBe('020003000005');
    expect(m.data.readUInt16BE(12)).toBe(0x0800);
  });

  it('builds a 1.0 PACKET_IN with the frame right after the 18-byte header; the last MAC wraps to 0', () => {
    const b = buildPacketIn(1, 3, 9, 10, 4);
    expect(b.length).toBe(18 + FRAME_LEN);
    const m = decodeMessage(b);
    expect(m).toMatchObject({ version: 1, type: 'packet_in', inPort: 2 });
    expect(b.subarray(18, 24).toString('hex')).toBe('020003000000');
  });
});

describe('FastSwitch handshake and control messages', () => {
  it('answers HELLO and FEATURES_REQUEST (1.3) and becomes ready once', async () => {
    let readyCalls = 0;
    const [a, b] = duplexPair();
    const ctrl = new ControllerEnd(a);
    const sw = new FastSwitch(b, { index: 0, dpid: 0xa1n, version: 4, macs: 1, window: 1 }, () => readyCalls++);
    cleanup.push(() => sw.close());
    ctrl.send({ version: 4, type: 'hello', xid: 1, elements: [] });
    ctrl.send({ version: 4, type: 'features_request', xid: 7 });
    ctrl.send({ version: 4, type: 'features_request', xid: 8 });
    await tick();
    expect(ctrl.of('hello')[0]).toMatchObject({ version: 4, elements: [{ type: 'versionbitmap', versions: [4] }] });
    expect(ctrl.of('features_reply').map((m) => [m.xid, m.datapathId])).toEqual([
      [7, 0xa1n],
      [8, 0xa1n],
    ]);
    expect(sw.state).toBe('ready');
    expect(readyCalls).toBe(1);
  });

  it('reports once when the controller has asked for its description (Signalbox is ready then)', async () => {
    const [a, b] = duplexPair();
    const ctrl = new ControllerEnd(a);
    let described = 0;
    const sw = new FastSwitch(b, { index: 0, version: 4, macs: 1, window: 1 }, undefined, () => described++);
    cleanup.push(() => sw.close());
    ctrl.send({ version: 4, type: 'hello', xid: 1, elements: [] });
    ctrl.send({ version: 4, type: 'features_request', xid: 2 });
    await tick();
    expect(sw.described).toBe(false);
    ctrl.send({ version: 4, type: 'multipart_request', xid: 3, flags: 0, body: { type: 'desc' } });
    ctrl.send({ version: 4, type: 'multipart_request', xid: 4, flags: 0, body: { type: 'desc' } });
    await tick();
    expect(sw.described).toBe(true);
    expect(described).toBe(1);
  });

  it('answers 1.0 features with its ports, desc stats, echo and barrier, and refuses other stats with BAD_STAT', async () => {
    const { ctrl } = await connected({ version: 1, ports: 2 });
    ctrl.send({ version: 1, type: 'stats_request', xid: 3, flags: 0, body: { type: 'desc' } });
    ctrl.send({ version: 1, type: 'echo_request', xid: 4, data: Buffer.from('ping') });
    ctrl.send({ version: 1, type: 'barrier_request', xid: 5 });
    ctrl.send({ version: 1, type: 'stats_request', xid: 6, flags: 0, body: { type: 'table' } });
    await tick();
    const fr = ctrl.of('features_reply')[0]!;
    expect('ports' in fr && fr.ports.map((p) => p.portNo)).toEqual([1, 2]);
    expect(ctrl.of('stats_reply')[0]).toMatchObject({ xid: 3, body: { type: 'desc', hwDesc: 'load generator' } });
    expect(ctrl.of('echo_reply')[0]).toMatchObject({ xid: 4, data: Buffer.from('ping') });
    expect(ctrl.of('barrier_reply')[0]).toMatchObject({ version: 1, xid: 5 });
    expect(ctrl.of('error')[0]).toMatchObject({ xid: 6, errType: OFPET.BAD_REQUEST, code: OFPBRC.BAD_MULTIPART });
  });

  it('answers 1.3 port_desc and desc multipart requests', async () => {
    const { ctrl } = await connected({ ports: 3 });
    ctrl.send({ version: 4, type: 'multipart_request', xid: 3, flags: 0, body: { type: 'port_desc' } });
    ctrl.send({ version: 4, type: 'multipart_request', xid: 4, flags: 0, body: { type: 'desc' } });
    await tick();
    const replies = ctrl.of('multipart_reply');
    expect(replies[0]!.body.type === 'port_desc' && replies[0]!.body.ports.map((p) => p.portNo)).toEqual([1, 2, 3]);
    expect(replies[1]).toMatchObject({ xid: 4, body: { type: 'desc' } });
  });
});

describe('FastSwitch load', () => {
  it('keeps `window` PACKET_INs outstanding with sequential xids and buffer ids, and refills one per answer', async () => {
    const { sw, ctrl } = await connected({ window: 4, buffer: 'on' });
    sw.start();
    await tick();
    let pis = ctrl.of('packet_in');
    expect(pis.map((p) => [p.xid, p.bufferId])).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    expect(pis.map((p) => p.data.subarray(6, 12).toString('hex'))).toEqual(['020003000000', '020003000001', '020003000002', '020003000003']);
    expect(sw.outstanding).toBe(4);
    // Answer packet 2 by buffer id with a FLOW_MOD, then again with a PACKET_OUT.
    ctrl.send({ version: 4, type: 'flow_mod', xid: 9, cookie: 0n, cookieMask: 0n, tableId: 0, command: 0, idleTimeout: 0, hardTimeout: 0, priority: 1, bufferId: 2, outPort: 0, outGroup: 0, flags: 0, match: [], instructions: [] });
    ctrl.send({ version: 4, type: 'packet_out', xid: 10, bufferId: 2, inPort: 1, actions: [], data: Buffer.alloc(0) });
    await tick();
    pis = ctrl.of('packet_in');
    expect(pis.length).toBe(5);
    expect(pis[4]).toMatchObject({ xid: 4, bufferId: 4 });
    expect(sw.counters).toMatchObject({ sent: 5, answered: 1, flowMods: 1, packetOuts: 1, repeats: 1, unmatched: 0 });
    expect(sw.outstanding).toBe(4);
  });

  it('without buffer ids (1.3 SET_CONFIG miss_send_len NO_BUFFER) matches answers by eth_src, packet data and eth_dst', async () => {
    const { sw, ctrl } = await connected({ window: 4, buffer: 'auto' });
    ctrl.send({ version: 4, type: 'set_config', xid: 3, flags: 0, missSendLen: 0xffff });
    await tick();
    expect(sw.isBuffered).toBe(false);
    sw.start();
    await tick();
    const pis = ctrl.of('packet_in');
    expect(pis.every((p) => p.bufferId === OFP_NO_BUFFER)).toBe(true);
    const fm = (match: OfMessage & { type: 'flow_mod' } extends { match: infer M } ? M : never): OfMessage => ({
      version: 4, type: 'flow_mod', xid: 20, cookie: 0n, cookieMask: 0n, tableId: 0, command: 0, idleTimeout: 0, hardTimeout: 0, priority: 1,
      bufferId: OFP_NO_BUFFER, outPort: 0, outGroup: 0, flags: 0, match, instructions: [],
    } as OfMessage);
    ctrl.send(fm([{ field: 'in_port', value: 1 }, { field: 'eth_src', value: mac(0) }]));
    ctrl.send({ version: 4, type: 'packet_out', xid: 21, bufferId: OFP_NO_BUFFER, inPort: 1, actions: [{ type: 'output', port: 2 }], data: pis[1]!.data });
    ctrl.send(fm([{ field: 'eth_dst', value: mac(3) }])); // packet 2 goes to MAC 3
    ctrl.send(fm([{ field: 'eth_src', value: '00:00:00:00:00:01' }])); // not ours
    ctrl.send(fm([{ field: 'eth_src', value: mac(0) }])); // packet 0 again
    await tick();
    expect(sw.counters).toMatchObject({ answered: 3, repeats: 1, unmatched: 1, flowMods: 4, packetOuts: 1 });
  });

  it('never lets more PACKET_INs than MACs be outstanding without buffer ids', async () => {
    const { sw } = await connected({ window: 50, macs: 10, buffer: 'off' });
    expect(sw.effectiveWindow).toBe(10);
    sw.start();
    await tick();
    expect(sw.outstanding).toBe(10);
  });

  it('gives up on unanswered PACKET_INs after the timeout and refills the window', async () => {
    const { sw, ctrl } = await connected({ window: 3, buffer: 'on' });
    sw.start();
    await tick();
    sw.expire(performance.now() + 10, 5_000);
    expect(sw.counters.lost).toBe(0);
    sw.expire(performance.now() + 10_000, 5_000);
    await tick();
    expect(sw.counters.lost).toBe(3);
    expect(ctrl.of('packet_in').length).toBe(6);
    expect(sw.outstanding).toBe(3);
  });

  it('pause stops new PACKET_INs, and nothing is sent before the handshake', async () => {
    const [a, b] = duplexPair();
    const ctrl = new ControllerEnd(a);
    const sw = new FastSwitch(b, { index: 0, version: 4, macs: 4, window: 2 });
    cleanup.push(() => sw.close());
    sw.start();
    await tick();
    expect(ctrl.of('packet_in').length).toBe(0);
    ctrl.send({ version: 4, type: 'hello', xid: 1, elements: [] });
    ctrl.send({ version: 4, type: 'features_request', xid: 2 });
    await tick();
    sw.start();
    sw.pause();
    await tick();
    expect(ctrl.of('packet_in').length).toBe(2);
  });
});

describe('FastSwitch against Signalbox and the built-in responder (loopback TCP)', () => {
  // Over an in-memory pair the two ends would answer each other in nextTick callbacks forever and
  // starve the timers; a socket yields to the event loop between reads.
  for (const version of [4, 1] as const) {
    it(`OpenFlow ${version === 4 ? '1.3 (whole frames)' : '1.0 (buffer ids)'}: every PACKET_IN is answered once by FLOW_MOD + PACKET_OUT`, async () => {
      const ctrl = new Controller({ ...defaultConfig, openflow: { ...defaultConfig.openflow, listen: ['127.0.0.1:0'], echoIntervalMs: 0 }, apps: { ...defaultConfig.apps, enabled: [] } }, undefined, { secret: Buffer.alloc(32, 1) });
      const detach = attachResponder(ctrl);
      const port = (await ctrl.start()).openflow[0]!.port;
      cleanup.push(() => {
        detach();
        void ctrl.stop();
      });
      const connectedNow = new Promise<void>((r) => ctrl.bus.once('switchConnected', () => r()));
      const sw = new FastSwitch(net.connect({ host: '127.0.0.1', port }), { index: 1, version, macs: 100, window: 8 });
      cleanup.push(() => sw.close());
      await connectedNow;
      expect(sw.isBuffered).toBe(version === 1);
      sw.start();
      // Loopback I/O needs event-loop turns, not time: wait for the counts themselves.
      await flushUntil(() => sw.counters.answered >= 500, '500 PACKET_INs answered', 1_000_000);
      sw.pause();
      await flushUntil(() => sw.outstanding === 0, 'every outstanding PACKET_IN answered', 1_000_000);
      const c = sw.counters;
      expect(c.answered).toBeGreaterThanOrEqual(500);
      expect(sw.outstanding).toBe(0);
      expect(c).toMatchObject({ lost: 0, sent: c.answered });
      // Each packet-in got two replies: one answer and one repeat. The topology service's LLDP
      // probes (PACKET_OUT) and its LLDP flow (FLOW_MOD) name no packet-in: unmatched.
      expect(c.repeats).toBe(c.answered);
      expect(c.flowMods + c.packetOuts - c.unmatched).toBe(2 * c.answered);
      expect(c.unmatched).toBeLessThan(50);
    });
  }
});
