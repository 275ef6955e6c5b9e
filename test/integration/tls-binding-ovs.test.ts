/**
 * `openflow.tls.requireBinding` against Open vSwitch connecting over TLS (`ssl:`) with a
 * certificate from the test CA: the bridge whose subject is bound to its dpid is admitted; with
 * the subject bound to no dpid it is refused (counted, logged), and admitted again once the
 * option is off.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../../src/config.js';
import { Controller } from '../../src/controller.js';
import { ControllerMetrics } from '../../src/api/metrics.js';
import { captureLog } from '../fakes/capture-log.js';
import { cleanupAll, createBridge, ensureOvs, vsctl, waitFor, type Bridge } from '../harness/ovs.js';
import { makeTestPki } from '../harness/tls-certs.js';

const DPID = 0x7151n;
const HEX = '0000000000007151';
const SUBJECT = 'sbx-switch-7151';
const pki = makeTestPki('sbx-tls-ovs-');
const sw = pki.sign('sw', SUBJECT);
let sslSet = false;

afterAll(async () => {
  await cleanupAll();
  // OVS's SSL settings are global to the daemon: put them back as they were (none).
  if (sslSet) await vsctl(['del-ssl']);
  pki.remove();
});

/** A controller with only a TLS listener (verifyPeer) and a policy binding each subject to `policy[subject]`. */
function tlsController(requireBinding: boolean, policy: Readonly<Record<string, string>>): { ctrl: Controller; lines: Record<string, unknown>[] } {
  const { log, lines } = captureLog();
  const config: Config = {
    ...defaultConfig,
    apps: { ...defaultConfig.apps, enabled: [] },
    openflow: {
      ...defaultConfig.openflow,
      listen: [],
      tls: { listen: ['127.0.0.1:0'], key: pki.controller.key, cert: pki.controller.cert, ca: pki.ca, verifyPeer: true, requireBinding },
      dpidPolicy: Object.entries(policy).map(([subject, dpid]) => ({ dpid, addresses: [], subjects: [subject] })),
    },
  };
  return { ctrl: new Controller(config, log), lines };
}

describe('openflow.tls.requireBinding with Open vSwitch over TLS', () => {
  it('admits the bridge whose certificate subject is bound to its dpid, refuses it while its subject is bound to none', async () => {
    await ensureOvs();
    // What the bridge presents: a certificate with subject CN SUBJECT, signed by the test CA.
    await vsctl(['set-ssl', sw.key, sw.cert, pki.ca]);
    sslSet = true;
    let br: Bridge | undefined;

    // Bound: SUBJECT may claim DPID.
    const { ctrl: admitted } = tlsController(true, { [SUBJECT]: HEX });
    try {
      const port = (await admitted.start()).openflow[0]!.port;
      br = await createBridge({ protocols: ['OpenFlow13'], controllers: [`ssl:127.0.0.1:${port}`], dpid: DPID });
      await waitFor(() => admitted.datapaths.has(DPID), { timeoutMs: 20_000, intervalMs: 100, message: 'the bound bridge admitted over TLS' });
      expect(admitted.identityRefused.certificate).toBe(0);
    } finally {
      await admitted.stop();
    }

    // Unbound: the policy binds another subject only; the bridge's is bound to no dpid.
    const strict = tlsController(true, { 'sbx-someone-else': '0000000000000abc' });
    try {
      const port = (await strict.ctrl.start()).openflow[0]!.port;
      await br.setController(`ssl:127.0.0.1:${port}`);
      await waitFor(() => strict.ctrl.identityRefused.certificate >= 2, { timeoutMs: 20_000, intervalMs: 100, message: 'the unbound bridge refused (twice: it keeps reconnecting)' });
      expect(strict.ctrl.datapaths.has(DPID)).toBe(false);
      expect(strict.lines.some((l) => String(l.msg).includes(`"${SUBJECT}" is bound to no datapath id`))).toBe(true);
      const metrics = new ControllerMetrics({ bus: strict.ctrl.bus, devices: strict.ctrl.devices, connectionCounters: () => strict.ctrl.connectionCounters }, { processMetrics: false });
      expect((await metrics.render()).body).toMatch(/signalbox_openflow_identity_refused_total\{reason="certificate"\} [1-9]/);
      metrics.detach();
    } finally {
      await strict.ctrl.stop();
    }

    // The same policy without the option: admitted (the option is what refused it).
    const lax = tlsController(false, { 'sbx-someone-else': '0000000000000abc' });
    try {
      const port = (await lax.ctrl.start()).openflow[0]!.port;
      await br.setController(`ssl:127.0.0.1:${port}`);
      await waitFor(() => lax.ctrl.datapaths.has(DPID), { timeoutMs: 20_000, intervalMs: 100, message: 'the bridge admitted with requireBinding off' });
      expect(lax.ctrl.identityRefused.certificate).toBe(0);
    } finally {
      await lax.ctrl.stop();
      await br.destroy();
    }
  }, 90_000);
});
