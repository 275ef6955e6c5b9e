// A rogue OpenFlow 1.3 client for test/integration/freeze-ovs.test.ts, in a worker thread so its
// own encoding work never blocks the event loop under test. Raw bytes, no imports from src/.
// workerData: { port, dpid (hex string), mode: 'port-status' | 'port-desc', count }
import { Buffer } from 'node:buffer';
import { connect } from 'node:net';
import { setTimeout } from 'node:timers';
import { parentPort, workerData } from 'node:worker_threads';

const { port, dpid, mode, count } = workerData;
const PORT_LEN = 64;

function header(type, len, xid) {
  const b = Buffer.alloc(len);
  b.writeUInt8(4, 0);
  b.writeUInt8(type, 1);
  b.writeUInt16BE(len, 2);
  b.writeUInt32BE(xid >>> 0, 4);
  return b;
}

function writePort(b, at, no) {
  b.writeUInt32BE(no >>> 0, at);
  b.writeUInt16BE(0x0200, at + 8); // hw_addr 02:00:..
  b.writeUInt32BE(no >>> 0, at + 10);
  b.write(`p${no}`.slice(0, 15), at + 16, 'latin1');
}

function multipartReply(xid, type, flags, bodyLen) {
  const b = header(19, 16 + bodyLen, xid);
  b.writeUInt16BE(type, 8);
  b.writeUInt16BE(flags, 10);
  return b;
}

const sock = connect(port, '127.0.0.1');
let buf = Buffer.alloc(0);
let done = false;
sock.on('error', () => undefined);
sock.on('close', () => parentPort.postMessage({ closed: true }));
sock.on('connect', () => sock.write(header(0, 8, 1)));
sock.on('data', (chunk) => {
  buf = Buffer.concat([buf, chunk]);
  while (buf.length >= 8) {
    const len = buf.readUInt16BE(2);
    if (buf.length < len) break;
    const m = buf.subarray(0, len);
    buf = buf.subarray(len);
    onMessage(m);
  }
});

function send(b) {
  return sock.write(b);
}

async function blast(buffers) {
  for (const b of buffers) if (!send(b)) await new Promise((r) => sock.once('drain', r));
}

function onMessage(m) {
  const type = m[1];
  const xid = m.readUInt32BE(4);
  if (type === 2) {
    const r = Buffer.from(m);
    r[1] = 3;
    send(r);
  } else if (type === 5) {
    const r = header(6, 32, xid);
    r.writeBigUInt64BE(BigInt(`0x${dpid}`), 8);
    r.writeUInt8(254, 20);
    send(r);
  } else if (type === 7) {
    const r = header(8, 12, xid);
    r.writeUInt16BE(0xffff, 10);
    send(r);
  } else if (type === 20) {
    send(header(21, 8, xid));
  } else if (type === 18) {
    const mpType = m.readUInt16BE(8);
    if (mpType === 13) void portDesc(xid);
    else if (mpType === 0) send(multipartReply(xid, 0, 0, 1056));
    else {
      // Anything else (meter or group features...): OFPET_BAD_REQUEST / OFPBRC_BAD_MULTIPART, as a switch without it answers.
      const r = header(1, 12 + 64, xid);
      r.writeUInt16BE(1, 8);
      r.writeUInt16BE(2, 10);
      m.copy(r, 12, 0, Math.min(64, m.length));
      send(r);
    }
  }
}

/** PORT_DESC: two ports, or (mode port-desc) `count` ports in parts of 1000. */
async function portDesc(xid) {
  if (mode !== 'port-desc') {
    const r = multipartReply(xid, 13, 0, 2 * PORT_LEN);
    writePort(r, 16, 1);
    writePort(r, 16 + PORT_LEN, 2);
    send(r);
    if (!done) {
      done = true;
      // Ready shortly after: then the PORT_STATUS burst.
      setTimeout(() => void portStatusBurst(), 500);
    }
    return;
  }
  const per = 1000;
  const parts = [];
  for (let first = 0; first < count; first += per) {
    const n = Math.min(per, count - first);
    const r = multipartReply(xid, 13, first + n < count ? 1 : 0, n * PORT_LEN);
    for (let i = 0; i < n; i++) writePort(r, 16 + i * PORT_LEN, first + i + 1);
    parts.push(r);
    if (parts.length === 50) await blast(parts.splice(0));
  }
  await blast(parts);
  parentPort.postMessage({ sent: count });
}

async function portStatusBurst() {
  const out = [];
  for (let i = 0; i < count; i++) {
    const r = header(12, 80, 0);
    r.writeUInt8(0, 8); // OFPPR_ADD
    writePort(r, 16, 100 + i);
    out.push(r);
    if (out.length === 1000) await blast([Buffer.concat(out.splice(0))]);
  }
  await blast([Buffer.concat(out)]);
  parentPort.postMessage({ sent: count });
}
