import net from 'node:net';
import { captureLog } from '../fakes/capture-log.js';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config.js';
import { Controller } from '../../src/controller.js';
import { ControllerMetrics } from '../../src/api/metrics.js';
import { EmulatedSwitch } from '../fakes/emulated-switch.js';
import { waitFor } from '../harness/exec.js';
import { makeTestPki } from '../harness/tls-certs.js';

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

describe('openflow.dpidPolicy over real sockets', () => {
  it('disconnects a switch claiming a pinned dpid from another address, counts it, and admits the pinned ones', async () => {
    const { log, lines } = captureLog();
    const ctrl = new Controller(
      {
        ...defaultConfig,
        openflow: {
          ...defaultConfig.openflow,
          listen: ['127.0.0.1:0'],
          echoIntervalMs: 0,
          dpidPolicy: [
            { dpid: '00000000000000a1', addresses: ['10.0.0.5'], subjects: [] },
            { dpid: '00000000000000a2', addresses: ['127.0.0.0/8'], subjects: [] },
          ],
        },
      },
      log,
    );
    const { openflow } = await ctrl.start();
    const port = openflow[0]!.port;
    const sockets: net.Socket[] = [];
    try {
      const impostor = net.connect(port, '127.0.0.1');
      sockets.push(impostor);
      const closed = new Promise<void>((resolve) => impostor.once('close', () => resolve()));
      new EmulatedSwitch(impostor, { dpid: 0xa1n });
      await closed;
      expect(ctrl.datapaths.size).toBe(0);
      expect(ctrl.identityRefused).toEqual({ address: 1, certificate: 0 });
      expect(lines.some((l) => String(l.msg).includes('00000000000000a1 is pinned to 10.0.0.5'))).toBe(true);
      const real = net.connect(port, '127.0.0.1');
      sockets.push(real);
      new EmulatedSwitch(real, { dpid: 0xa2n });
      await waitFor(() => ctrl.datapaths.has(0xa2n));
      const metrics = new ControllerMetrics({ bus: ctrl.bus, devices: ctrl.devices, connectionCounters: () => ctrl.connectionCounters }, { processMetrics: false });
      expect((await metrics.render()).body).toContain('signalbox_openflow_identity_refused_total{reason="address"} 1');
      metrics.detach();
    } finally {
      for (const s of sockets) s.destroy();
      await ctrl.stop();
    }
  });
});

describe('openflow.dpidPolicy with TLS and verifyPeer', () => {
  it("binds a dpid to its certificate's subject: another certificate claiming it is disconnected, the bound one admitted", async () => {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const tls = await import('node:tls');
    const pki = makeTestPki('sbx-dpid-tls-');
    const dir = pki.dir;
    pki.sign('b1', 'switch-b1');
    pki.sign('x', 'switch-x');
    const ctrl = new Controller({
      ...defaultConfig,
      openflow: {
        ...defaultConfig.openflow,
        listen: [],
        echoIntervalMs: 0,
        tls: { ...defaultConfig.openflow.tls, listen: ['127.0.0.1:0'], key: join(dir, 'ctl.key'), cert: join(dir, 'ctl.pem'), ca: join(dir, 'ca.pem'), verifyPeer: true },
        dpidPolicy: [{ dpid: '00000000000000b1', addresses: [], subjects: ['switch-b1'] }],
      },
    });
    const { openflow } = await ctrl.start();
    const port = openflow[0]!.port;
    const ca = readFileSync(join(dir, 'ca.pem'));
    const connect = (name: string) => tls.connect({ port, host: '127.0.0.1', ca, key: readFileSync(join(dir, `${name}.key`)), cert: readFileSync(join(dir, `${name}.pem`)), rejectUnauthorized: false });
    const sockets: import('node:net').Socket[] = [];
    try {
      // A valid certificate of another subject claims b1: refused after the handshake, before admission.
      const impostor = connect('x');
      sockets.push(impostor);
      const closed = new Promise<void>((resolve) => impostor.once('close', () => resolve()));
      new EmulatedSwitch(impostor, { dpid: 0xb1n });
      await closed;
      expect(ctrl.datapaths.size).toBe(0);
      expect(ctrl.identityRefused.certificate).toBe(1);
      // switch-b1 may claim only b1.
      const wrongDpid = connect('b1');
      sockets.push(wrongDpid);
      const closed2 = new Promise<void>((resolve) => wrongDpid.once('close', () => resolve()));
      new EmulatedSwitch(wrongDpid, { dpid: 0xc1n });
      await closed2;
      expect(ctrl.identityRefused.certificate).toBe(2);
      // The bound certificate with its dpid gets in.
      const real = connect('b1');
      sockets.push(real);
      new EmulatedSwitch(real, { dpid: 0xb1n });
      await waitFor(() => ctrl.datapaths.has(0xb1n));
      expect(ctrl.datapaths.size).toBe(1);
    } finally {
      for (const s of sockets) s.destroy();
      await ctrl.stop();
      pki.remove();
    }
  });
});
