/**
 * An emulated OpenFlow 1.3 switch with several controller connections that share one role state,
 * as a real switch keeps it (OpenFlow 1.3.5 §6.3.5): one generation id per switch, at most one
 * MASTER (a new master turns the old one into a SLAVE), stale generations refused, and writes
 * from a SLAVE refused with OFPBRC_IS_SLAVE. It records who wrote what, for cluster tests and
 * the failover benchmark.
 */
import { connect, type Socket } from 'node:net';
import { OFPBRC, OFPET } from '../../src/openflow/codec/constants.js';
import { encodeMessage, type OfMessage } from '../../src/openflow/codec/index.js';
import { EmulatedSwitch } from './emulated-switch.js';

/** OFPCR_ROLE_* */
const ROLE = { NOCHANGE: 0, EQUAL: 1, MASTER: 2, SLAVE: 3 } as const;

/** One write the switch saw. */
export interface SwitchWrite {
  /** Index of the connection (the order of `connect` calls). */
  readonly conn: number;
  readonly type: OfMessage['type'];
  readonly accepted: boolean;
  readonly at: number;
}

/** A change of master. */
export interface MasterChange {
  /** Connection index of the new master; undefined when the master left. */
  readonly conn: number | undefined;
  readonly generationId: bigint | undefined;
  readonly at: number;
}

interface Conn {
  readonly index: number;
  readonly socket: Socket;
  readonly sw: EmulatedSwitch;
  role: number;
}

/** The switch. `connect()` once per controller. */
export class MultiControllerSwitch {
  /** Newest generation id accepted (OFPCR_ROLE_MASTER/SLAVE requests). */
  maxGenerationId: bigint | undefined;
  readonly writes: SwitchWrite[] = [];
  readonly masters: MasterChange[] = [];
  /** Role requests refused as stale (OFPRRFC_STALE). */
  staleRefusals = 0;
  /** Accepted flow mods, in order (the switch's table, as a log). */
  readonly flowMods: OfMessage[] = [];
  private readonly conns: Conn[] = [];

  constructor(
    readonly dpid: bigint,
    readonly ports: readonly number[] = [1, 2, 3],
  ) {}

  /** Connects to a controller's OpenFlow port; resolves with the connection index once TCP is up. */
  connect(port: number, host = '127.0.0.1'): Promise<number> {
    const index = this.conns.length;
    const socket = connect(port, host);
    socket.setNoDelay(true);
    const conn: Conn = {
      index,
      socket,
      role: ROLE.EQUAL,
      sw: new EmulatedSwitch(socket, {
        dpid: this.dpid,
        ports: this.ports,
        rejectFlowMod: () => this.gateWrite(conn, 'flow_mod'),
      }),
    };
    this.conns.push(conn);
    conn.sw.on('message', (m) => this.onMessage(conn, m));
    socket.once('close', () => {
      if (conn.role === ROLE.MASTER) this.setMaster(undefined);
      conn.role = ROLE.EQUAL;
    });
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(index));
      socket.once('error', reject);
    });
  }

  /** The connection index of the current master, if any. */
  get master(): number | undefined {
    return this.conns.find((c) => c.role === ROLE.MASTER && !c.socket.destroyed)?.index;
  }

  /** OFPCR_ROLE_* of each connection. */
  roles(): number[] {
    return this.conns.map((c) => c.role);
  }

  /** Writes accepted from a connection that was not master while another one was: must stay empty. */
  foreignWrites(): SwitchWrite[] {
    return this.writes.filter((w) => w.accepted && this.masterAt(w.at) !== undefined && this.masterAt(w.at) !== w.conn);
  }

  /** Closes every connection. */
  close(): void {
    for (const c of this.conns) c.socket.destroy();
  }

  private masterAt(at: number): number | undefined {
    let m: number | undefined;
    for (const c of this.masters) {
      if (c.at > at) break;
      m = c.conn;
    }
    return m;
  }

  private setMaster(conn: number | undefined): void {
    const last = this.masters[this.masters.length - 1];
    if (last !== undefined && last.conn === conn && last.generationId === this.maxGenerationId) return;
    this.masters.push({ conn, generationId: this.maxGenerationId, at: performance.now() });
  }

  /** The error pair for a write from this connection, or undefined to accept it; records it either way. */
  private gateWrite(conn: Conn, type: OfMessage['type']): { errType: number; code: number } | undefined {
    const accepted = conn.role !== ROLE.SLAVE;
    this.writes.push({ conn: conn.index, type, accepted, at: performance.now() });
    return accepted ? undefined : { errType: OFPET.BAD_REQUEST, code: OFPBRC.IS_SLAVE };
  }

  private onMessage(conn: Conn, m: OfMessage): void {
    switch (m.type) {
      case 'role_request': {
        // Decide here with the switch-wide state, and give the connection's emulator the same
        // generation so its own answer (reply or OFPRRFC_STALE error) agrees.
        conn.sw.maxGenerationId = this.maxGenerationId;
        if (m.role === ROLE.MASTER || m.role === ROLE.SLAVE) {
          if (this.maxGenerationId !== undefined && BigInt.asIntN(64, m.generationId - this.maxGenerationId) < 0n) {
            this.staleRefusals++;
            return;
          }
          this.maxGenerationId = m.generationId;
        }
        if (m.role === ROLE.NOCHANGE) return;
        if (m.role === ROLE.MASTER) {
          for (const c of this.conns) {
            if (c !== conn && c.role === ROLE.MASTER) c.role = c.sw.role = ROLE.SLAVE;
          }
          conn.role = ROLE.MASTER;
          this.setMaster(conn.index);
        } else {
          const wasMaster = conn.role === ROLE.MASTER;
          conn.role = m.role;
          if (wasMaster) this.setMaster(undefined);
        }
        conn.sw.role = conn.role;
        return;
      }
      case 'flow_mod':
        // Recorded by gateWrite (the emulator asks it before accepting).
        if (conn.role !== ROLE.SLAVE) this.flowMods.push(m);
        return;
      case 'packet_out':
      case 'group_mod':
      case 'meter_mod':
      case 'port_mod':
      case 'table_mod': {
        const err = this.gateWrite(conn, m.type);
        if (err) conn.sw.send({ version: 4, type: 'error', xid: m.xid, errType: err.errType, code: err.code, data: encodeMessage(m).subarray(0, 64) });
        return;
      }
      default:
        return;
    }
  }
}
