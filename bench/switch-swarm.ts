/**
 * A child process of emulated switches for the sessions benchmark, so the controller's heap and
 * CPU are measured without them: `node dist/bench/switch-swarm.js HOST PORT N [VERSION]`.
 * Connects N switches (dpids 1..N), answers the handshake and echoes, prints `connected N` once
 * every socket is open, and exits when its stdin closes or on SIGTERM.
 */
import net from 'node:net';
import { EmulatedSwitch } from '../test/fakes/emulated-switch.js';

const [host = '127.0.0.1', portText = '6653', countText = '100', versionText = '4'] = process.argv.slice(2);
const port = Number(portText);
const count = Number(countText);
const version = Number(versionText);
const CONCURRENT_CONNECTS = 256;

const sockets: net.Socket[] = [];
let next = 1;
let open = 0;

function connectOne(dpid: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setNoDelay(true);
    sockets.push(socket);
    socket.once('connect', () => {
      open++;
      resolve();
    });
    socket.once('error', () => resolve());
    new EmulatedSwitch(socket, { dpid: BigInt(dpid), versions: [version], ports: [1, 2, 3, 4] });
  });
}

async function worker(): Promise<void> {
  while (next <= count) {
    const dpid = next++;
    await connectOne(dpid);
  }
}

await Promise.all(Array.from({ length: Math.min(CONCURRENT_CONNECTS, count) }, worker));
process.stdout.write(`connected ${open}\n`);

const stop = () => {
  for (const s of sockets) s.destroy();
  process.exit(0);
};
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
