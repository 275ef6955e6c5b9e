/**
 * The hostile OpenFlow side of the fuzz harness: several clients at once, each connecting again
 * and again to the controller and acting out one behaviour per connection (garbage, mutated real
 * traffic in random splits, floods, port storms, length lies, slow bytes, a dpid impostor).
 */
import { connect, type Socket } from 'node:net';
import { Framer } from '../src/openflow/codec/framer.js';
import { encodeMessage } from '../src/openflow/codec/index.js';
import { OFPPR } from '../src/openflow/codec/v13/enums.js';
import { emulatedPort, featuresReply } from '../src/loadgen/features.js';
import { frameFor, mutate, randomSplits, synthetic, withDpid, withXid, type Recording } from './corpus.js';
import type { Rng } from './rng.js';

/** What a client may do on one connection. */
export const BEHAVIOURS = ['garbage', 'pre-handshake', 'hostile', 'flood', 'port-storm', 'length-lie', 'slow', 'stop-reading', 'impostor'] as const;
export type Behaviour = (typeof BEHAVIOURS)[number];

/** Options of {@link runOpenflowFuzz}. */
export interface OpenflowFuzzOptions {
  readonly host: string;
  readonly port: number;
  readonly rng: Rng;
  /** Clients connected at once. */
  readonly clients: number;
  /** The real bridge's dpid: only the impostor claims it. */
  readonly bridgeDpid: bigint;
  readonly recording: Recording;
  /** Resolves when the run should stop. */
  readonly until: Promise<void>;
  /** Largest burst a flood sends (messages). */
  readonly floodMax?: number;
  /** Filled in as the run goes (see {@link newOpenflowStats}). */
  readonly stats: OpenflowFuzzStats;
}

/** Counts for the report. */
export interface OpenflowFuzzStats {
  connections: number;
  bytesSent: number;
  messagesSent: number;
  readonly byBehaviour: Record<string, number>;
  /** The last few connections (seed-reproducible description), to print with a violation. */
  readonly recent: string[];
  /** The connections open now (same descriptions): what was in flight when an invariant broke. */
  readonly active: Set<string>;
}

/** Empty counters for {@link runOpenflowFuzz}. */
export function newOpenflowStats(): OpenflowFuzzStats {
  return { connections: 0, bytesSent: 0, messagesSent: 0, byBehaviour: {}, recent: [], active: new Set() };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs the hostile clients until `until` resolves. */
export async function runOpenflowFuzz(o: OpenflowFuzzOptions): Promise<void> {
  const stats = o.stats;
  let stopped = false;
  void o.until.then(() => (stopped = true));
  const clients = Array.from({ length: o.clients }, (_, i) => {
    const rng = o.rng.fork();
    // Each client has its own dpid range so concurrent clients do not replace each other by accident.
    const base = 0xf0_0000_0000n + BigInt(i) * 0x1_0000n;
    return (async () => {
      let n = 0;
      while (!stopped) {
        const behaviour = rng.chance(0.03) ? 'impostor' : rng.pick(BEHAVIOURS.filter((b) => b !== 'impostor'));
        const dpid = behaviour === 'impostor' ? o.bridgeDpid : base + BigInt(n++ % 64);
        stats.connections++;
        stats.byBehaviour[behaviour] = (stats.byBehaviour[behaviour] ?? 0) + 1;
        const what = `client ${i} ${behaviour} dpid ${dpid.toString(16)} #${n}`;
        stats.recent.push(what);
        if (stats.recent.length > 20) stats.recent.shift();
        stats.active.add(what);
        await oneConnection(o, rng, behaviour, dpid, stats, () => stopped).catch(() => undefined);
        stats.active.delete(what);
        await sleep(rng.range(0, 50));
      }
    })();
  });
  await Promise.all(clients);
}

/** One connection acting out one behaviour; resolves when it is closed. */
async function oneConnection(o: OpenflowFuzzOptions, rng: Rng, behaviour: Behaviour, dpid: bigint, stats: OpenflowFuzzStats, stopped: () => boolean): Promise<void> {
  const sock = connect(o.port, o.host);
  sock.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  let closed = false;
  sock.on('close', () => (closed = true));
  const live = (): boolean => !closed && !stopped();
  const write = (b: Buffer): boolean => {
    if (closed) return false;
    stats.bytesSent += b.length;
    stats.messagesSent++;
    return sock.write(b);
  };
  const writeSplit = async (b: Buffer): Promise<void> => {
    for (const part of randomSplits(rng, b)) {
      write(part);
      if (rng.chance(0.1)) await sleep(rng.int(5));
    }
  };
  const lifeMs = rng.range(100, 2_000);
  const deadline = Date.now() + lifeMs;
  const frames = o.recording.frames;
  const recorded = (type: number): Buffer[] => frames.filter((f) => f[1] === type);
  const hello = recorded(0)[0] ?? encodeMessage({ version: 4, type: 'hello', xid: 1, elements: [{ type: 'versionbitmap', versions: [4] }] });

  try {
    switch (behaviour) {
      case 'garbage':
        while (live() && Date.now() < deadline) {
          await writeSplit(rng.bytes(rng.range(1, 2_000)));
          await sleep(rng.int(20));
        }
        break;
      case 'pre-handshake':
        // Mutated hellos and real frames before any handshake.
        for (let i = rng.range(1, 30); i > 0 && live(); i--) await writeSplit(mutate(rng, rng.chance(0.5) ? hello : rng.pick(frames.length ? frames : [hello])).bytes);
        await sleep(rng.int(200));
        break;
      case 'slow':
        write(hello);
        for (const byte of rng.bytes(rng.range(8, 64))) {
          if (!live() || Date.now() > deadline) break;
          write(Buffer.from([byte]));
          await sleep(rng.range(5, 100));
        }
        break;
      case 'length-lie': {
        write(hello);
        // A header that promises up to 64 KiB, then a part of it and silence.
        const h = Buffer.alloc(8);
        h.writeUInt8(4, 0);
        h.writeUInt8(rng.pick([10, 12, 19]), 1);
        h.writeUInt16BE(rng.range(9, 0xffff), 2);
        write(Buffer.concat([h, rng.bytes(rng.int(2_000))]));
        await sleep(rng.range(50, 500));
        break;
      }
      default:
        await handshaken(o, rng, behaviour, dpid, sock, write, writeSplit, live, deadline);
        break;
    }
  } finally {
    // Half the time a clean FIN, half an abrupt close; a peer that does not finish closing in 200 ms is cut off.
    if (rng.chance(0.5)) sock.destroy();
    else sock.end();
    const cut = setTimeout(() => sock.destroy(), 200);
    await new Promise<void>((r) => (closed ? r() : sock.once('close', () => r())));
    clearTimeout(cut);
  }
}

/** Behaviours that first complete the handshake as a real switch would, then misbehave. */
async function handshaken(
  o: OpenflowFuzzOptions,
  rng: Rng,
  behaviour: Behaviour,
  dpid: bigint,
  sock: Socket,
  write: (b: Buffer) => boolean,
  writeSplit: (b: Buffer) => Promise<void>,
  live: () => boolean,
  deadline: number,
): Promise<void> {
  const frames = o.recording.frames;
  const recorded = (type: number): Buffer[] => frames.filter((f) => f[1] === type);
  const portDesc = recorded(19).find((f) => f.length >= 10 && f.readUInt16BE(8) === 13);
  const desc = recorded(19).find((f) => f.length >= 10 && f.readUInt16BE(8) === 0);
  const features = recorded(6)[0];
  const framer = new Framer();
  let ready = false;
  const reading = behaviour !== 'stop-reading';
  sock.on('data', (chunk: Buffer) => {
    if (!reading) return;
    try {
      framer.push(chunk, (f) => {
        const type = f[1];
        const xid = f.readUInt32BE(4);
        if (type === 5) write(features ? withXid(withDpid(features, dpid), xid) : encodeMessage(featuresReply(4, xid, dpid, [])));
        else if (type === 2) write(Buffer.concat([Buffer.from([4, 3]), f.subarray(2)]));
        else if (type === 18 && f.length >= 10) {
          const mp = f.readUInt16BE(8);
          if (mp === 13) write(portDesc ? withXid(portDesc, xid) : encodeMessage({ version: 4, type: 'multipart_reply', xid, flags: 0, body: { type: 'port_desc', ports: [1, 2].map(emulatedPort) } }));
          else if (mp === 0) {
            write(desc ? withXid(desc, xid) : encodeMessage({ version: 4, type: 'multipart_reply', xid, flags: 0, body: { type: 'desc', mfrDesc: 'fuzz', hwDesc: 'fuzz', swDesc: 'fuzz', serialNum: '1', dpDesc: 'fuzz' } }));
            ready = true;
          } else write(encodeMessage({ version: 4, type: 'error', xid, errType: 1, code: 2, data: Buffer.from(f.subarray(0, 64)) }));
        } else if (type === 20) write(encodeMessage({ version: 4, type: 'barrier_reply', xid }));
        else if (type === 24) write(encodeMessage({ version: 4, type: 'role_reply', xid, role: f.length >= 12 ? f.readUInt32BE(8) : 1, generationId: 0n }));
      });
    } catch {
      // The controller's bytes are well formed; a framing error here would be ours: drop the connection.
      sock.destroy();
    }
  });
  if (!reading) sock.pause();
  write(encodeMessage({ version: 4, type: 'hello', xid: 1, elements: [{ type: 'versionbitmap', versions: [4] }] }));
  // Wait for the handshake (or give up: a refused impostor is closed).
  const hsDeadline = Date.now() + 2_000;
  while (reading && !ready && live() && Date.now() < hsDeadline) await new Promise((r) => setTimeout(r, 10));
  let xid = 0x1000;
  switch (behaviour) {
    case 'flood':
    case 'stop-reading': {
      // One big burst of packet-ins (real ones when recorded), written as fast as the socket takes them.
      const pins = recorded(10);
      const burst: Buffer[] = [];
      const n = rng.range(100, o.floodMax ?? 5_000);
      for (let i = 0; i < n; i++) burst.push(pins.length && rng.chance(0.5) ? withXid(rng.pick(pins), xid++) : synthetic(rng, dpid, xid++));
      write(Buffer.concat(burst));
      await new Promise((r) => setTimeout(r, rng.range(50, 500)));
      break;
    }
    case 'port-storm': {
      // PORT_STATUS ADD for ever-new port numbers (the freeze burst of issue #13, scaled down).
      const n = rng.range(100, o.floodMax ?? 5_000);
      const out: Buffer[] = [];
      for (let i = 0; i < n; i++) out.push(encodeMessage({ version: 4, type: 'port_status', xid: xid++, reason: OFPPR.ADD, port: { ...emulatedPort(1), portNo: 100 + i, name: `ps${i}` } }));
      write(Buffer.concat(out));
      await new Promise((r) => setTimeout(r, rng.range(50, 500)));
      break;
    }
    default: {
      // hostile, impostor: real and built messages, mutated, in random splits.
      while (live() && Date.now() < deadline) {
        const base = frames.length && rng.chance(0.5) ? withXid(rng.pick(frames), xid++) : synthetic(rng, dpid, xid++);
        const bytes = rng.chance(0.7) ? base : mutate(rng, base).bytes;
        if (rng.chance(0.1)) write(Buffer.concat([bytes, frameFor(rng, dpid)]));
        else await writeSplit(bytes);
        if (rng.chance(0.2)) await new Promise((r) => setTimeout(r, rng.int(20)));
      }
    }
  }
}
