/**
 * A child process holding a grid of emulated switches wired for LLDP (see EmulatedFabric), so a
 * benchmark's controller is measured without the switches' own work:
 * `node dist/bench/grid-swarm.js HOST PORT ROWS COLS`. Port 5 of each switch is its host port.
 * Prints `connected N` once every switch's socket is open, then takes commands on stdin, one per
 * line, answering `ok` after each: `hosts FIRST COUNT` (every switch sends an ARP from hosts
 * FIRST..FIRST+COUNT-1 on its host port), `host DPID INDEX` (one host of one switch), `down DPID
 * PORT` (a port status: the port's link is down). Exits when stdin closes or on SIGTERM.
 */
import { createInterface } from 'node:readline';
import { emulatedPort } from '../src/loadgen/features.js';
import { arpRequest } from '../src/packet/arp.js';
import { EmulatedFabric, gridDpid, wireGrid } from './topology.js';

/** The host port of every grid switch (1-4 are the grid's). */
const GRID_HOST_PORT = 5;

const [host = '127.0.0.1', portText = '6653', rowsText = '25', colsText = '40'] = process.argv.slice(2);
const rows = Number(rowsText);
const cols = Number(colsText);
const CONCURRENT_CONNECTS = 128;

/** A host's MAC from its switch and index (locally administered, unique per pair). */
function hostMac(sw: number, i: number): string {
  return [0x02, 0x10, (sw >> 8) & 0xff, sw & 0xff, (i >> 8) & 0xff, i & 0xff].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

function hostIp(sw: number, i: number): string {
  const n = sw * 64 + i;
  return `10.${(n >> 16) & 0xff}.${(n >> 8) & 0xff}.${n & 0xff}`;
}

const fabric = new EmulatedFabric({ host, port: Number(portText) });
fabric.recordDelivered = false;
const dpids: bigint[] = [];
for (let c = 0; c < cols; c++) for (let r = 0; r < rows; r++) dpids.push(gridDpid(rows, r, c));
let next = 0;
const worker = async (): Promise<void> => {
  while (next < dpids.length) await fabric.addSwitch(dpids[next++]!, [1, 2, 3, 4, GRID_HOST_PORT]);
};
await Promise.all(Array.from({ length: CONCURRENT_CONNECTS }, worker));
wireGrid(fabric, rows, cols);
process.stdout.write(`connected ${fabric.switches.size}\n`);

const injectHost = (sw: number, i: number): void =>
  fabric.inject(BigInt(sw), GRID_HOST_PORT, arpRequest({ srcMac: hostMac(sw, i), srcIp: hostIp(sw, i), dstIp: '10.255.255.254' }));

process.on('SIGTERM', () => process.exit(0));
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const [cmd, a = '0', b = '0'] = line.trim().split(/\s+/);
  if (cmd === 'hosts') {
    for (let sw = 1; sw <= dpids.length; sw++) {
      for (let i = Number(a); i < Number(a) + Number(b); i++) injectHost(sw, i);
      // Let the sockets drain between switches rather than queue every frame at once.
      if (sw % 50 === 0) await new Promise((r) => setImmediate(r));
    }
  } else if (cmd === 'host') {
    injectHost(Number(a), Number(b));
  } else if (cmd === 'down') {
    fabric.portStatus(BigInt(a), 2, { ...emulatedPort(Number(b)), state: 1 });
  }
  process.stdout.write('ok\n');
}
fabric.close();
process.exit(0);
