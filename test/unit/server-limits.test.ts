import net from 'node:net';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config.js';
import { Controller } from '../../src/controller.js';
import { ControllerMetrics } from '../../src/api/metrics.js';
import { EmulatedSwitch } from '../fakes/emulated-switch.js';
import { waitFor } from '../harness/exec.js';

/** A logger whose JSON lines land in `lines`. */
function captureLog(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const dest = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { log: pino({ level: 'info' }, dest) as Logger, lines };
}

/** Connects a raw socket and says whether the controller spoke (sent its HELLO) or closed it first. */
function probe(port: number): Promise<{ outcome: 'spoke' | 'closed'; socket: net.Socket }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.once('data', () => resolve({ outcome: 'spoke', socket }));
    socket.once('close', () => resolve({ outcome: 'closed', socket }));
  });
}

describe('OpenFlow listener connection caps (real sockets)', () => {
  it('refuses connections over the per-address handshake and connection caps at once, counts and logs each cause once', async () => {
    const { log, lines } = captureLog();
    const ctrl = new Controller(
      {
        ...defaultConfig,
        openflow: { ...defaultConfig.openflow, listen: ['127.0.0.1:0'], echoIntervalMs: 0, maxConnectionsPerAddress: 4, maxHandshakesPerAddress: 2 },
      },
      log,
    );
    const { openflow } = await ctrl.start();
    const port = openflow[0]!.port;
    const sockets: net.Socket[] = [];
    try {
      // One real switch, then two peers that never finish their handshake.
      const sw1 = net.connect(port, '127.0.0.1');
      sockets.push(sw1);
      new EmulatedSwitch(sw1, { dpid: 1n });
      await waitFor(() => ctrl.datapaths.size === 1);
      const a = await probe(port);
      const b = await probe(port);
      sockets.push(a.socket, b.socket);
      expect([a.outcome, b.outcome]).toEqual(['spoke', 'spoke']);
      expect(ctrl.connectionCounters).toMatchObject({ open: 3, handshaking: 2 });

      // A third handshake from this address is closed before a byte is exchanged, twice.
      for (let i = 0; i < 2; i++) {
        const c = await probe(port);
        expect(c.outcome).toBe('closed');
      }
      expect(ctrl.connectionCounters!.refused.handshakes_per_address).toBe(2);

      // One silent peer leaves: a switch gets in and finishes, another silent peer fills the last slot.
      a.socket.destroy();
      await waitFor(() => ctrl.connectionCounters!.open === 2);
      const sw2 = net.connect(port, '127.0.0.1');
      sockets.push(sw2);
      new EmulatedSwitch(sw2, { dpid: 2n });
      await waitFor(() => ctrl.datapaths.size === 2);
      expect(ctrl.connectionCounters).toMatchObject({ open: 3, handshaking: 1 });
      const e = await probe(port);
      sockets.push(e.socket);
      expect(e.outcome).toBe('spoke');
      const d = await probe(port);
      expect(d.outcome).toBe('closed');
      expect(ctrl.connectionCounters!.refused.connections_per_address).toBe(1);

      // Refusals are logged once per cause, not per connection.
      const warnings = lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('refused an OpenFlow connection'));
      expect(warnings.map((w) => w.reason)).toEqual(['handshakes_per_address', 'connections_per_address']);

      // And exported.
      const metrics = new ControllerMetrics({ bus: ctrl.bus, devices: ctrl.devices, connectionCounters: () => ctrl.connectionCounters }, { processMetrics: false });
      const text = (await metrics.render()).body;
      expect(text).toContain('signalbox_openflow_connections_refused_total{reason="handshakes_per_address"} 2');
      expect(text).toContain('signalbox_openflow_connections_refused_total{reason="connections_per_address"} 1');
      expect(text).toContain('signalbox_openflow_connections{state="open"} 4');
      expect(text).toContain('signalbox_openflow_connections{state="handshake"} 2');
      metrics.detach();

      // Closing everything frees every slot.
      for (const s of sockets) s.destroy();
      await waitFor(() => ctrl.connectionCounters!.open === 0);
      expect(ctrl.connectionCounters!.handshaking).toBe(0);
    } finally {
      for (const s of sockets) s.destroy();
      await ctrl.stop();
    }
  });

  it('refuses beyond the global connection cap', async () => {
    const ctrl = new Controller({ ...defaultConfig, openflow: { ...defaultConfig.openflow, listen: ['127.0.0.1:0'], echoIntervalMs: 0, maxConnections: 1 } });
    const { openflow } = await ctrl.start();
    const port = openflow[0]!.port;
    try {
      const a = await probe(port);
      expect(a.outcome).toBe('spoke');
      const b = await probe(port);
      expect(b.outcome).toBe('closed');
      expect(ctrl.connectionCounters!.refused.connections).toBe(1);
      a.socket.destroy();
      await waitFor(() => ctrl.connectionCounters!.open === 0);
      const c = await probe(port);
      expect(c.outcome).toBe('spoke');
      c.socket.destroy();
    } finally {
      await ctrl.stop();
    }
  });
});
