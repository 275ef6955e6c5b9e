import { duplexPair } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { EmulatedSwitch } from '../fakes/emulated-switch.js';
import { OFPBRC, OFPET } from '../../src/openflow/codec/constants.js';
import { Datapath, NotMasterError, type LeaseGate } from '../../src/openflow/datapath.js';
import { EventBus } from '../../src/core/events.js';
import { Session } from '../../src/openflow/session.js';
import { flush, flushUntil } from '../fakes/flush.js';

const sessions: Session[] = [];
afterEach(() => {
  for (const s of sessions.splice(0)) s.close('test over');
});

async function connect(): Promise<{ dp: Datapath; sw: EmulatedSwitch }> {
  const [a, b] = duplexPair();
  const session = new Session(a, { echoIntervalMs: 0 });
  sessions.push(session);
  const sw = new EmulatedSwitch(b, { dpid: 9n });
  await new Promise<void>((resolve, reject) => {
    session.once('ready', resolve);
    session.once('close', reject);
  });
  return { dp: new Datapath(session, new EventBus()), sw };
}

const spec = { priority: 1, match: [], actions: [{ type: 'output' as const, port: 1 }] };

describe('datapath mastership gate', () => {
  it('holds writes while a MASTER claim is pending and sends them once confirmed, in order', async () => {
    const { dp, sw } = await connect();
    const claim = dp.claimRole('master', 7n);
    expect(dp.mastership).toBe('pending');
    const confirmed = dp.flowModConfirmed({ ...spec, priority: 11 });
    dp.flowMod({ ...spec, priority: 12 });
    expect(sw.flows).toHaveLength(0);
    expect(await claim).toBe('master');
    await confirmed;
    await dp.barrier();
    expect(sw.flows.map((m) => (m.type === 'flow_mod' ? m.priority : -1))).toEqual([11, 12]);
    expect(sw.role).toBe(2);
  });

  it('becomes slave when the switch refuses a stale generation, and refuses writes', async () => {
    const { dp, sw } = await connect();
    sw.maxGenerationId = 100n;
    const held = dp.flowModConfirmed(spec).then(() => 'sent', (e: Error) => e);
    expect(await dp.claimRole('master', 99n)).toBe('slave');
    expect(await held).toBe('sent'); // sent before the claim: standalone then
    const late = dp.claimRole('master', 98n);
    const during = dp.flowModConfirmed(spec).then(() => 'sent', (e: Error) => e);
    expect(await late).toBe('slave');
    expect(await during).toBeInstanceOf(NotMasterError);
    expect(() => dp.flowMod(spec)).toThrow(NotMasterError);
  });

  it('stops writing at once when the switch answers IS_SLAVE', async () => {
    const { dp, sw } = await connect();
    expect(await dp.claimRole('master', 1n)).toBe('master');
    sw.send({ version: 4, type: 'error', xid: 0, errType: OFPET.BAD_REQUEST, code: OFPBRC.IS_SLAVE, data: Buffer.alloc(0) });
    await flushUntil(() => dp.mastership === 'slave', 'IS_SLAVE seen');
    expect(dp.mastership).toBe('slave');
    expect(() => dp.flowMod(spec)).toThrow(NotMasterError);
  });

  it('checks the lease before every write as master: in doubt, writes are held and go out in order once it is confirmed', async () => {
    const { dp, sw } = await connect();
    expect(await dp.claimRole('master', 3n)).toBe('master');
    let valid = true;
    const doubts: string[] = [];
    const gate: LeaseGate = { valid: () => valid, doubted: (d) => doubts.push(d.dpidHex) };
    dp.leaseGate = gate;
    dp.flowMod({ ...spec, priority: 20 });
    await dp.barrier(); // written while the lease held
    valid = false; // paused past what the last keepalive proves
    dp.packetOut({ actions: [{ type: 'output', port: 1 }], data: Buffer.alloc(60) });
    const confirmed = dp.flowModConfirmed({ ...spec, priority: 21 });
    dp.flowMod({ ...spec, priority: 22 });
    expect(doubts).toEqual(['0000000000000009']); // asked once; later writes join the hold
    expect(dp.mastership).toBe('pending');
    expect(dp.leaseInDoubt).toBe(true);
    await flush();
    expect(sw.flows.map((m) => (m.type === 'flow_mod' ? m.priority : -1))).toEqual([20]);
    valid = true;
    dp.resumeMastership();
    expect(dp.mastership).toBe('master');
    await confirmed;
    await dp.barrier();
    expect(sw.flows.map((m) => (m.type === 'flow_mod' ? m.priority : -1))).toEqual([20, 21, 22]);
  });

  it('asks again before writing what was queued: a pause after the write gate holds it all, in order, until the lease is confirmed', async () => {
    const { dp, sw } = await connect();
    expect(await dp.claimRole('master', 3n)).toBe('master');
    let valid = true;
    const doubts: string[] = [];
    dp.leaseGate = { valid: () => valid, doubted: (d) => doubts.push(d.dpidHex) };
    const confirmed = dp.flowModConfirmed({ ...spec, priority: 30 });
    dp.packetOut({ actions: [{ type: 'output', port: 1 }], data: Buffer.alloc(60) });
    expect(doubts).toEqual([]); // both passed the write gate
    valid = false; // ...and the process paused before the end of the turn wrote them
    const before = sw.received.length;
    await flush();
    expect(doubts).toEqual(['0000000000000009']);
    expect(dp.leaseInDoubt).toBe(true);
    expect(sw.received.length).toBe(before); // nothing written, not even what is not a write
    dp.flowMod({ ...spec, priority: 31 }); // held by the write gate now, behind the queued ones
    valid = true;
    dp.resumeMastership();
    await confirmed;
    await dp.barrier();
    expect(sw.flows.map((m) => (m.type === 'flow_mod' ? m.priority : -1))).toEqual([30, 31]);
    expect(sw.received.slice(before).map((m) => m.type).filter((t) => t !== 'barrier_request')).toEqual(['flow_mod', 'packet_out', 'flow_mod']);
  });

  it('drops what was queued as master when the flush finds the lease gone and the gate demotes: the rest still goes out', async () => {
    const { dp, sw } = await connect();
    expect(await dp.claimRole('master', 3n)).toBe('master');
    let valid = true;
    dp.leaseGate = { valid: () => valid, doubted: (d) => void d.claimRole('slave', 3n) };
    const confirmed = dp.flowModConfirmed({ ...spec, priority: 40 }).then(() => 'sent', (e: Error) => e);
    dp.packetOut({ actions: [{ type: 'output', port: 1 }], data: Buffer.alloc(60) });
    const desc = dp.session.request({ version: 4, type: 'echo_request', xid: 900, data: Buffer.from('still') });
    valid = false;
    expect(await confirmed).toBeInstanceOf(NotMasterError);
    expect(await desc).toMatchObject({ type: 'echo_reply', xid: 900 });
    await dp.barrier();
    expect(dp.mastership).toBe('slave');
    expect(sw.role).toBe(3);
    expect(sw.received.filter((m) => m.type === 'flow_mod' || m.type === 'packet_out')).toEqual([]);
  });

  it('a write that finds the lease gone is refused when the gate demotes: nothing reaches the switch as master', async () => {
    const { dp, sw } = await connect();
    expect(await dp.claimRole('master', 3n)).toBe('master');
    dp.leaseGate = { valid: () => false, doubted: (d) => void d.claimRole('slave', 3n) };
    expect(() => dp.packetOut({ actions: [{ type: 'output', port: 1 }], data: Buffer.alloc(60) })).toThrow(NotMasterError);
    await expect(dp.flowModConfirmed(spec)).rejects.toBeInstanceOf(NotMasterError);
    expect(dp.mastership).toBe('slave');
    expect(sw.flows).toHaveLength(0);
  });
});
