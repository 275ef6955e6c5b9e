/**
 * The network config file against real Open vSwitch: started with a file, then the file changes
 * (an ACL for one switch) and is reloaded through the API: only that switch gets FLOW_MODs (the
 * session counters), the rule's flow is on it; the same file again costs zero FLOW_MODs; a bad
 * file changes nothing and says why; the API refuses writes to what the file declares, naming it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { OFPT13 } from '../../src/openflow/codec/constants.js';
import { startSignalbox, type Running } from '../../src/runtime.js';
import { cleanupAll, createBridge, ensureOvs, waitFor, type Bridge } from '../harness/ovs.js';

const S1 = 0xe1n;
const S2 = 0xe2n;
const dir = mkdtempSync(join(tmpdir(), 'sbx-netcfg-'));
const file = join(dir, 'network.yaml');
afterAll(async () => {
  await cleanupAll();
  rmSync(dir, { recursive: true, force: true });
});

const V1 = `network:
  apps: [forwarding, acl, static-flows]
  flows:
    - name: s1-arp-to-2
      dpid: "00000000000000e1"
      priority: 100
      match: [{ field: eth_type, value: 0x0806 }, { field: in_port, value: 1 }]
      actions: [{ type: output, port: 2 }]
  acl:
    - name: s1-no-telnet
      action: deny
      match: { tcpDst: 23 }
      switches: ["00000000000000e1"]
`;
const V2 = `${V1}    - name: s2-no-ssh
      action: deny
      match: { ipv4Dst: 10.0.0.2, tcpDst: 22 }
      switches: ["00000000000000e2"]
`;

function config(): Config {
  return {
    ...defaultConfig,
    dataDir: join(dir, 'data'),
    networkFile: file,
    openflow: { ...defaultConfig.openflow, listen: ['127.0.0.1:0'] },
    api: { ...defaultConfig.api, listen: '127.0.0.1:0' },
    flows: { ...defaultConfig.flows, reconcileIntervalMs: 0 },
  };
}

async function call(sbx: Running, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(sbx.api.address + path, { method, ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

function flowMods(sbx: Running, dpid: bigint): number {
  return sbx.controller.datapaths.get(dpid)!.session.counters.outByType[OFPT13.FLOW_MOD] ?? 0;
}

async function settled(sbx: Running, dpid: bigint): Promise<void> {
  const flows = sbx.controller.flows!;
  await waitFor(async () => sbx.controller.datapaths.has(dpid) && !flows.isSyncing(dpid) && flows.flows(dpid).length > 0 && flows.flows(dpid).every((f) => f.state === 'installed'), 20_000, 50);
}

describe('network config reload with real OVS', () => {
  it('sends FLOW_MODs only to the switch whose flows change; the same file again sends none', async () => {
    await ensureOvs();
    writeFileSync(file, V1);
    const sbx = await startSignalbox(config(), silentLogger);
    const bridges: Bridge[] = [];
    try {
      const port = sbx.openflow[0]!.port;
      for (const dpid of [S1, S2]) {
        const br = await createBridge({ protocols: ['OpenFlow13'], controllerPort: port, dpid, maxBackoffMs: 1000 });
        await br.addPort({ kind: 'internal' });
        await br.addPort({ kind: 'internal' });
        bridges.push(br);
      }
      await settled(sbx, S1);
      await settled(sbx, S2);
      const [b1, b2] = bridges as [Bridge, Bridge];
      await waitFor(async () => (await b1.dumpFlows('OpenFlow13')).some((f) => f.match.includes('tp_dst=23') && f.actions === 'drop'), 10_000, 50);

      // The API shows the declared entries as such and refuses to change them, naming the file.
      const rules = (await call(sbx, 'GET', '/api/v1/acl-rules')).json as unknown as { id: string; source?: string }[];
      expect(rules).toEqual([expect.objectContaining({ id: 's1-no-telnet', source: 'config' })]);
      const del = await call(sbx, 'DELETE', '/api/v1/acl-rules/s1-no-telnet');
      expect(del.status).toBe(409);
      expect(del.json.message).toContain(file);
      expect((await call(sbx, 'DELETE', '/api/v1/static-flows/s1-arp-to-2')).status).toBe(409);
      const en = await call(sbx, 'POST', '/api/v1/apps/router/enable');
      expect(en.status).toBe(409);
      expect(en.json.message).toContain(file);

      // The file gains an ACL rule for s2: the diff says so, the reload sends to s2 only.
      writeFileSync(file, V2);
      const diff = await call(sbx, 'POST', '/api/v1/config/diff', { text: V2, file });
      expect(diff.status).toBe(200);
      expect((diff.json.switches as { dpid: string }[]).map((s) => s.dpid)).toEqual(['00000000000000e2']);
      const s1Before = flowMods(sbx, S1);
      const s2Before = flowMods(sbx, S2);
      const reload = await call(sbx, 'POST', '/api/v1/config/reload');
      expect(reload.status).toBe(200);
      expect(reload.json.aclRules).toEqual({ added: ['s2-no-ssh'], removed: [], changed: [] });
      await waitFor(async () => (await b2.dumpFlows('OpenFlow13')).some((f) => f.match.includes('nw_dst=10.0.0.2') && f.match.includes('tp_dst=22') && f.actions === 'drop'), 10_000, 50);
      await settled(sbx, S2);
      expect(flowMods(sbx, S1)).toBe(s1Before);
      expect(flowMods(sbx, S2)).toBe(s2Before + 1);

      // The same file again: nothing changes, no FLOW_MOD anywhere.
      const again = await call(sbx, 'POST', '/api/v1/config/apply', { text: V2, file });
      expect(again.json.changed).toBe(false);
      // A bad file: 400 with every error (path and line), and nothing changes.
      const bad = await call(sbx, 'POST', '/api/v1/config/apply', { text: V2.replace('action: deny\n      match: { ipv4Dst', 'action: drop\n      match: { ipv4Dst'), file });
      expect(bad.status).toBe(400);
      expect((bad.json.details as { errors: unknown[] }).errors).toEqual([expect.objectContaining({ path: 'network.acl[1].action', line: 15 })]);
      expect(((await call(sbx, 'GET', '/api/v1/acl-rules')).json as unknown as unknown[]).length).toBe(2);
      // Let anything queued reach the switches before counting.
      await settled(sbx, S1);
      await settled(sbx, S2);
      expect(flowMods(sbx, S1)).toBe(s1Before);
      expect(flowMods(sbx, S2)).toBe(s2Before + 1);
    } finally {
      await sbx.stop();
      for (const b of bridges) await b.destroy();
    }
  }, 90_000);
});
