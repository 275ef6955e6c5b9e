/**
 * Topology benchmarks: LLDP discovery of a 1,000-switch 2-D grid of emulated switches (which
 * relay a PACKET_OUT on a port to the neighbour's PACKET_IN), and path queries on the result.
 * Also exports the emulated fabric the topology unit tests use.
 */
import net from 'node:net';
import { duplexPair } from 'node:stream';
import { defaultConfig, type TopologyConfig } from '../src/config.js';
import { Controller } from '../src/controller.js';
import { FlowService } from '../src/flows/service.js';
import { silentLogger } from '../src/log.js';
import { EmulatedSwitch } from '../test/fakes/emulated-switch.js';
import { waitFor } from '../test/harness/exec.js';
import { OFP_NO_BUFFER } from '../src/openflow/codec/constants.js';
import type { OfMessage } from '../src/openflow/codec/index.js';
import { OFPR } from '../src/openflow/codec/v13/enums.js';
import type { Port } from '../src/openflow/codec/v13/structs.js';
import { Session } from '../src/openflow/session.js';
import { buildPacket } from '../src/packet/index.js';
import type { ReceivedPacket } from '../src/core/model.js';
import { PathIndex } from '../src/topology/paths.js';
import { TopologyService } from '../src/topology/service.js';
import { deviceService, packetService } from '../src/openflow/switch-services.js';
import { measure, type BenchSuite, type Row } from './harness.js';

const SUITE = 'topology';

/** One end of a wire. */
export interface FabricPort {
  readonly dpid: bigint;
  readonly port: number;
}

/**
 * Emulated switches attached to a Controller over in-memory streams, with wires between their
 * ports: a PACKET_OUT that outputs on a wired port becomes the peer's PACKET_IN. Frames sent out
 * of unwired ports are kept in `delivered` (what a host there would receive).
 */
export class EmulatedFabric {
  readonly switches = new Map<bigint, EmulatedSwitch>();
  /** Frames output on unwired ports, by `dpid:port`. */
  readonly delivered = new Map<string, Buffer[]>();
  /** Keep frames in `delivered` (off for benchmarks). */
  recordDelivered = true;
  private readonly wires = new Map<string, FabricPort>();
  private closing = false;

  /** `target`: a Controller in this process (in-memory streams) or a controller's OpenFlow `host:port` (TCP). */
  constructor(private readonly target: Controller | { readonly host: string; readonly port: number }) {}

  /**
   * Connects an emulated OpenFlow 1.3 switch with these ports; resolves when the controller has
   * admitted it (in memory) or when its TCP connection is open.
   */
  addSwitch(dpid: bigint, ports: readonly number[]): Promise<EmulatedSwitch> {
    if (!(this.target instanceof Controller)) {
      const socket = net.connect(this.target);
      socket.setNoDelay(true);
      const sw = new EmulatedSwitch(socket, { dpid, ports });
      this.switches.set(dpid, sw);
      sw.on('message', (m) => this.onMessage(dpid, m));
      // Like a real switch, one the controller turned away (a cap, a handshake timeout) comes back.
      socket.once('close', () => {
        if (this.closing || this.switches.get(dpid) !== sw) return;
        setTimeout(() => {
          if (!this.closing) this.addSwitch(dpid, ports).catch(() => undefined);
        }, 500);
      });
      return new Promise((resolve, reject) => {
        socket.once('connect', () => resolve(sw));
        socket.once('error', reject);
      });
    }
    const ctrl = this.target;
    const [ctrlEnd, swEnd] = duplexPair();
    const session = new Session(ctrlEnd, { ...ctrl.config.openflow, remoteAddress: `emulated:${dpid}`, clock: ctrl.clock });
    const sw = new EmulatedSwitch(swEnd, { dpid, ports });
    this.switches.set(dpid, sw);
    sw.on('message', (m) => this.onMessage(dpid, m));
    const admitted = new Promise<EmulatedSwitch>((resolve) => {
      const on = (e: { dpid: bigint }): void => {
        if (e.dpid !== dpid) return;
        ctrl.bus.off('switchConnected', on);
        resolve(sw);
      };
      ctrl.bus.on('switchConnected', on);
    });
    ctrl.attach(session);
    return admitted;
  }

  /** Disconnects every switch for good (over TCP they would otherwise reconnect). */
  close(): void {
    this.closing = true;
    for (const sw of this.switches.values()) sw.close();
  }

  /** Wires a:pa to b:pb (both directions). */
  wire(a: bigint, pa: number, b: bigint, pb: number): void {
    this.wires.set(`${a}:${pa}`, { dpid: b, port: pb });
    this.wires.set(`${b}:${pb}`, { dpid: a, port: pa });
  }

  /** Cuts a wire silently (no port status): only missed probes tell. */
  cut(a: bigint, pa: number): void {
    const peer = this.wires.get(`${a}:${pa}`);
    this.wires.delete(`${a}:${pa}`);
    if (peer) this.wires.delete(`${peer.dpid}:${peer.port}`);
  }

  /** The switch sends a frame that entered at `port` to the controller (a host sending it). */
  inject(dpid: bigint, port: number, data: Buffer): void {
    this.switches.get(dpid)?.send(packetIn(port, data));
  }

  /** The switch reports a port change (OFPPR_ADD 0, DELETE 1, MODIFY 2). */
  portStatus(dpid: bigint, reason: number, port: Port): void {
    this.switches.get(dpid)?.send({ version: 4, type: 'port_status', xid: 0, reason, port });
  }

  private onMessage(dpid: bigint, m: OfMessage): void {
    if (m.type !== 'packet_out' || m.version !== 4) return;
    for (const a of m.actions) {
      if (a.type !== 'output') continue;
      const peer = this.wires.get(`${dpid}:${a.port}`);
      if (peer) {
        this.switches.get(peer.dpid)?.send(packetIn(peer.port, m.data));
      } else if (this.recordDelivered) {
        const k = `${dpid}:${a.port}`;
        let list = this.delivered.get(k);
        if (!list) this.delivered.set(k, (list = []));
        list.push(Buffer.from(m.data));
      }
    }
  }
}

function packetIn(inPort: number, data: Buffer): OfMessage {
  return {
    version: 4,
    type: 'packet_in',
    xid: 0,
    bufferId: OFP_NO_BUFFER,
    totalLen: data.length,
    reason: OFPR.ACTION,
    tableId: 0,
    cookie: 0n,
    match: [{ field: 'in_port', value: inPort }],
    data,
  };
}

/** Grid port numbers: 1 north, 2 south, 3 west, 4 east. */
export function gridDpid(rows: number, r: number, c: number): bigint {
  return BigInt(c * rows + r + 1);
}

/** Wires a rows × cols grid into `fabric` (switches must exist); returns the number of directed links. */
export function wireGrid(fabric: EmulatedFabric, rows: number, cols: number): number {
  let links = 0;
  for (let c = 0; c < cols; c++) {
    for (let r = 0; r < rows; r++) {
      const d = gridDpid(rows, r, c);
      if (r + 1 < rows) {
        fabric.wire(d, 2, gridDpid(rows, r + 1, c), 1);
        links += 2;
      }
      if (c + 1 < cols) {
        fabric.wire(d, 4, gridDpid(rows, r, c + 1), 3);
        links += 2;
      }
    }
  }
  return links;
}

/** Builds the grid, times discovery, and returns the running pieces for the path benchmarks. */
export async function discoverGrid(
  rows: number,
  cols: number,
  topo: Partial<TopologyConfig> = {},
): Promise<{ ctrl: Controller; service: TopologyService; fabric: EmulatedFabric; links: number; connectMs: number; discoverMs: number }> {
  const config = { ...defaultConfig, topology: { ...defaultConfig.topology, ...topo } };
  const ctrl = new Controller(config, silentLogger);
  // Emulated switches do not answer flow stats: the LLDP flow goes out at once, as declared.
  const flows = new FlowService({ bus: ctrl.bus, datapaths: ctrl.datapaths, config: { reconcileOnConnect: false, reconcileIntervalMs: 0 }, log: silentLogger });
  flows.start();
  const service = new TopologyService({ bus: ctrl.bus, devices: deviceService(ctrl.datapaths), packets: packetService(ctrl.datapaths, undefined), config: config.topology, log: silentLogger, secret: Buffer.alloc(32, 7), flows: flows.scope('topology') });
  service.start();
  const fabric = new EmulatedFabric(ctrl);
  fabric.recordDelivered = false;
  const t0 = Date.now();
  const admitted: Promise<EmulatedSwitch>[] = [];
  for (let c = 0; c < cols; c++) for (let r = 0; r < rows; r++) admitted.push(fabric.addSwitch(gridDpid(rows, r, c), [1, 2, 3, 4, 5]));
  const links = wireGrid(fabric, rows, cols);
  await Promise.all(admitted);
  const t1 = Date.now();
  await waitFor(() => service.linkCount >= links, { timeoutMs: 30 * config.topology.probeIntervalMs, intervalMs: 5, message: () => `discovery of ${links} links (${service.linkCount} after ${Date.now() - t1} ms)` });
  const t2 = Date.now();
  return { ctrl, service, fabric, links, connectMs: t1 - t0, discoverMs: t2 - t1 };
}

/** Tears down what discoverGrid started. */
export async function stopGrid(g: { ctrl: Controller; service: TopologyService; fabric: EmulatedFabric }): Promise<void> {
  g.service.stop();
  for (const sw of g.fabric.switches.values()) sw.close();
  for (const dp of g.ctrl.datapaths.values()) dp.session.close('benchmark over');
  await g.ctrl.stop();
}

/** A fixed pseudo-random sequence (xorshift), so every run asks the same queries. */
function pairs(dpids: readonly bigint[], n: number): [bigint, bigint][] {
  let x = 0x2545f491;
  const next = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % dpids.length;
  };
  const out: [bigint, bigint][] = [];
  for (let i = 0; i < n; i++) out.push([dpids[next()]!, dpids[next()]!]);
  return out;
}

export const topologySuite: BenchSuite = {
  name: SUITE,
  async run(): Promise<Row[]> {
    const rows: Row[] = [];
    const R = 25;
    const C = 40;
    const interval = defaultConfig.topology.probeIntervalMs;
    const g = await discoverGrid(R, C);
    const intervals = (g.discoverMs / interval).toFixed(2);
    rows.push({
      suite: SUITE,
      case: `discover ${R * C}-switch grid, ${g.links} links: ${g.discoverMs} ms after all connected (${intervals} probe intervals; connect ${g.connectMs} ms) — per link`,
      opsPerSec: (g.links / g.discoverMs) * 1000,
      nsPerOp: (g.discoverMs * 1e6) / g.links,
    });
    const snap = g.service.snapshot();
    await stopGrid(g);
    const dpids = [...snap.switches.keys()];
    const qs = pairs(dpids, 4096);
    let i = 0;
    rows.push(
      measure(SUITE, 'shortestPath by hops, random pairs, snapshot (per-destination cache)', () => {
        const q = qs[i++ & 4095]!;
        return snap.shortestPath(q[0], q[1]);
      }),
    );
    rows.push(
      measure(SUITE, 'shortestPath by weight, random pairs, snapshot (per-destination cache)', () => {
        const q = qs[i++ & 4095]!;
        return snap.shortestPath(q[0], q[1], { metric: 'weight' });
      }),
    );
    const cold = new PathIndex(dpids, snap.links, () => 1, { cacheLimit: 0 });
    rows.push(
      measure(SUITE, 'shortestPath by hops, random pairs, no cache (BFS each)', () => {
        const q = qs[i++ & 4095]!;
        return cold.shortestPath(q[0], q[1]);
      }),
    );
    rows.push(
      measure(SUITE, 'shortestPath by weight, random pairs, no cache (Dijkstra each)', () => {
        const q = qs[i++ & 4095]!;
        return cold.shortestPath(q[0], q[1], 'weight');
      }),
    );
    rows.push(
      measure(SUITE, 'equalCostPaths k=8, random pairs, snapshot', () => {
        const q = qs[i++ & 4095]!;
        return snap.equalCostPaths(q[0], q[1], 8);
      }),
    );
    rows.push(
      measure(SUITE, 'kShortestPaths k=4 (Yen), random pairs', () => {
        const q = qs[i++ & 4095]!;
        return snap.kShortestPaths(q[0], q[1], 4);
      }, { budgetMs: 1000 }),
    );
    rows.push(measure(SUITE, 'floodPorts on the broadcast tree', () => snap.floodPorts(dpids[i++ % dpids.length]!, 5)));
    rows.push(...(await hostRows()));
    return rows;
  },
};

/** An IPv4/UDP frame from host `i` (below 2^24: MAC 02:00:00:xx:hh:ll, 10.xx.hh.ll) to a fixed peer. */
function hostFrame(i: number): Buffer {
  const b = [(i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff];
  return buildPacket({
    eth: { dst: '02:00:00:ff:ff:ff', src: `02:00:00:${b.map((x) => x.toString(16).padStart(2, '0')).join(':')}` },
    ipv4: { src: `10.${b.join('.')}`, dst: '10.255.255.254' },
    udp: { srcPort: 1024, dstPort: 9 },
    payload: Buffer.alloc(18),
  });
}

/**
 * The topology's share of a packet-in from a host (the bus event, handled in the caller's turn):
 * a known host sending again, and new hosts sending again while their port's learning rate is
 * spent (a burst of new hosts: each is refused until a token comes back).
 */
async function hostRows(): Promise<Row[]> {
  const g = await discoverGrid(1, 2, { hostLearnRatePerPort: 1 });
  const received = (port: number, data: Buffer): ReceivedPacket => ({ inPort: port, bufferId: OFP_NO_BUFFER, totalLen: data.length, reason: OFPR.ACTION, tableId: 0, cookie: 0n, match: [], data });
  const known = { dpid: 1n, msg: received(5, hostFrame(0)) };
  g.ctrl.bus.emit('packetIn', known);
  await waitFor(() => g.service.hostList().length === 1, { timeoutMs: 5000, intervalMs: 5, message: () => 'the first host learned' });
  const rows = [measure(SUITE, 'host packet-in: a known host sending again', () => g.ctrl.bus.emit('packetIn', known))];
  // Port 5 of switch 2 learns its first host; the other 1,023 are refused (about one a second gets the next token).
  const burst = Array.from({ length: 1024 }, (_, i) => ({ dpid: 2n, msg: received(5, hostFrame(1 + i)) }));
  let i = 0;
  rows.push(measure(SUITE, "host packet-in: new hosts sending again while their port's learning rate is spent (refused)", () => g.ctrl.bus.emit('packetIn', burst[i++ & 1023]!)));
  await stopGrid(g);
  rows.push(await newHostsRow());
  return rows;
}

/**
 * Learning new hosts, as a learning switch's first packets do (cbench's first pass: 16 switches ×
 * 1,000 hosts): caps and rates lifted, every packet-in from a host not seen before. Rounds of
 * 16,000, each round's hosts new; the best round's time per host.
 */
async function newHostsRow(): Promise<Row> {
  const PER_ROUND = 16_000;
  const ROUNDS = 6;
  const g = await discoverGrid(1, 2, { hostLearnRatePerPort: 1e9, hostLearnRatePerSwitch: 1e9, maxHostsPerPort: 1e9, maxHostsPerSwitch: 1e9, maxHosts: 1e9 });
  const received = (port: number, data: Buffer): ReceivedPacket => ({ inPort: port, bufferId: OFP_NO_BUFFER, totalLen: data.length, reason: OFPR.ACTION, tableId: 0, cookie: 0n, match: [], data });
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const events = Array.from({ length: PER_ROUND }, (_, i) => ({ dpid: 2n, msg: received(5, hostFrame(1 + r * PER_ROUND + i)) }));
    const before = g.service.hostList().length;
    const t0 = process.hrtime.bigint();
    for (const e of events) g.ctrl.bus.emit('packetIn', e);
    const ns = Number(process.hrtime.bigint() - t0);
    if (g.service.hostList().length !== before + PER_ROUND) throw new Error(`round ${r}: ${g.service.hostList().length - before} hosts learned, not ${PER_ROUND}`);
    best = Math.min(best, ns);
  }
  await stopGrid(g);
  return { suite: SUITE, case: `host packet-in: a new host learned (rounds of ${PER_ROUND.toLocaleString('en-US')} new hosts, rates and caps lifted; best round)`, opsPerSec: (PER_ROUND / best) * 1e9, nsPerOp: best / PER_ROUND };
}
