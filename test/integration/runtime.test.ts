/** The whole product as `signalbox start` runs it: store, controller and API, with a real Open vSwitch bridge. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { startSignalbox } from '../../src/runtime.js';
import { loadOrCreateStoredSecret } from '../../src/store/index.js';
import { cleanupAll, createBridge, ensureOvs, waitFor } from '../harness/ovs.js';

const dir = mkdtempSync(join(tmpdir(), 'sbx-runtime-'));
afterAll(async () => {
  await cleanupAll();
  rmSync(dir, { recursive: true, force: true });
});

function config(): Config {
  return {
    ...defaultConfig,
    dataDir: dir,
    openflow: { ...defaultConfig.openflow, listen: ['127.0.0.1:0'] },
    api: { ...defaultConfig.api, listen: '127.0.0.1:0' },
  };
}

describe('signalbox runtime', () => {
  it('serves a real switch through the API, keeps its secret across restarts, and refuses a second instance on the same data', async () => {
    await ensureOvs();
    const first = await startSignalbox(config(), silentLogger);
    const secret = await loadOrCreateStoredSecret(first.store, 'lldp');
    try {
      const br = await createBridge({ protocols: ['OpenFlow13'], controllerPort: first.openflow[0]!.port, dpid: 0xd1n });
      await waitFor(async () => first.controller.datapaths.has(0xd1n), 15_000, 50);
      const res = await fetch(`${first.api.address}/api/v1/switches`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { dpid: string; version: string }[];
      expect(body.map((s) => s.dpid)).toContain('00000000000000d1');
      const ryu = (await (await fetch(`${first.api.address}/stats/switches`)).json()) as number[];
      expect(ryu).toContain(0xd1);
      // The data directory is locked while this instance runs: a second one is refused, naming the path.
      await expect(startSignalbox(config(), silentLogger)).rejects.toThrow(dir);
      await br.destroy();
    } finally {
      await first.stop();
    }
    const second = await startSignalbox(config(), silentLogger);
    try {
      expect(Buffer.compare(await loadOrCreateStoredSecret(second.store, 'lldp'), secret)).toBe(0);
    } finally {
      await second.stop();
    }
  });
});
