import net from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config.js';
import { Controller } from '../../src/controller.js';
import type { Datapath } from '../../src/openflow/datapath.js';
import { EmulatedSwitch } from '../fakes/emulated-switch.js';
import type { OfMessage } from '../../src/openflow/codec/index.js';
import { makeTestPki } from '../harness/tls-certs.js';

const pki = makeTestPki('sbx-tls-');
const dir = pki.dir;
afterAll(() => pki.remove());

function connected(ctrl: Controller): Promise<Datapath> {
  return new Promise((resolve) => ctrl.bus.once('switchConnected', (e) => resolve(ctrl.datapaths.get(e.dpid)!)));
}

describe('OpenFlow server over real sockets', () => {
  it('accepts a switch over TCP on an ephemeral port and translates flow mods for OpenFlow 1.0', async () => {
    const ctrl = new Controller({ ...defaultConfig, openflow: { ...defaultConfig.openflow, listen: ['127.0.0.1:0'] } });
    const { openflow } = await ctrl.start();
    try {
      const socket = net.connect(openflow[0]!.port, '127.0.0.1');
      const sw = new EmulatedSwitch(socket, { dpid: 0x10n, versions: [1], noBitmap: true });
      const dp = await connected(ctrl);
      expect(dp.version).toBe(1);
      expect(dp.dpidHex).toBe('0000000000000010');
      // The topology service installs its LLDP rule too: wait for ours by priority.
      const fm = new Promise<OfMessage>((resolve) => sw.on('message', (m) => m.type === 'flow_mod' && m.priority === 10 && resolve(m)));
      dp.flowMod({ priority: 10, match: [{ field: 'in_port', value: 1 }, { field: 'eth_dst', value: '00:00:00:00:00:02' }], actions: [{ type: 'output', port: 2 }] });
      const got = await fm;
      expect(got.version).toBe(1);
      expect(got).toMatchObject({ priority: 10, actions: [{ type: 'output', port: 2 }] });
      await dp.barrier();
    } finally {
      await ctrl.stop();
    }
  });

  it('accepts a switch over TLS and verifies its certificate when asked', async () => {
    pki.sign('sw', 'switch');
    const ctrl = new Controller({
      ...defaultConfig,
      openflow: {
        ...defaultConfig.openflow,
        listen: [],
        tls: { ...defaultConfig.openflow.tls, listen: ['127.0.0.1:0'], key: join(dir, 'ctl.key'), cert: join(dir, 'ctl.pem'), ca: join(dir, 'ca.pem'), verifyPeer: true },
      },
    });
    const { openflow } = await ctrl.start();
    try {
      expect(openflow[0]!.tls).toBe(true);
      const { readFileSync } = await import('node:fs');
      const ca = readFileSync(join(dir, 'ca.pem'));
      // A switch with a certificate signed by the CA gets in.
      const good = tls.connect({ port: openflow[0]!.port, host: '127.0.0.1', ca, key: readFileSync(join(dir, 'sw.key')), cert: readFileSync(join(dir, 'sw.pem')), rejectUnauthorized: false });
      new EmulatedSwitch(good, { dpid: 0x20n });
      const dp = await connected(ctrl);
      expect(dp.dpid).toBe(0x20n);
      // One without a certificate is refused before any OpenFlow is spoken.
      const bad = tls.connect({ port: openflow[0]!.port, host: '127.0.0.1', ca, rejectUnauthorized: false });
      const outcome = await new Promise<string>((resolve) => {
        bad.on('error', () => resolve('refused'));
        bad.on('close', () => resolve('refused'));
        bad.on('data', () => resolve('spoke'));
      });
      expect(outcome).toBe('refused');
      expect(ctrl.datapaths.size).toBe(1);
    } finally {
      await ctrl.stop();
    }
  });
});
