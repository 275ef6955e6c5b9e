// A missing or unreachable etcd at start: one line naming the endpoint and the reason, exit non-zero (instead of the gRPC client's dump).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { etcdUnreachable } from '../../src/cluster/index.js';
import { defaultConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { startSignalbox } from '../../src/runtime.js';
import { freePort } from '../harness/exec.js';
import { runCli } from '../harness/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'sbx-etcd-down-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('etcd unreachable at start', () => {
  it('names the reason the gRPC client gave', () => {
    const at = ['http://10.0.0.5:2379'];
    const msg = (s: string): string | undefined => etcdUnreachable(new Error(s), at, 1000);
    expect(msg('etcd:x: create secrets/lldp failed: 14 UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED 10.0.0.5:2379.')).toBe('cannot reach etcd at http://10.0.0.5:2379: connection refused');
    expect(msg('14 UNAVAILABLE: Name resolution failed for target dns:etcd:2379')).toBe('cannot reach etcd at http://10.0.0.5:2379: host not found');
    expect(msg('4 DEADLINE_EXCEEDED: Deadline exceeded after 1.001s')).toBe('cannot reach etcd at http://10.0.0.5:2379: no answer within 1000 ms');
    expect(msg('12 UNIMPLEMENTED: Received HTTP status code 404')).toBe('cannot reach etcd at http://10.0.0.5:2379: not an etcd server (HTTP 404)');
    expect(msg('data directory locked')).toBeUndefined();
  });

  it('startSignalbox rejects with that one line for a port nothing listens on', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const cfg = { ...defaultConfig, dataDir: dir, openflow: { ...defaultConfig.openflow, listen: ['127.0.0.1:0'] }, api: { ...defaultConfig.api, listen: '127.0.0.1:0' }, cluster: { ...defaultConfig.cluster, etcd: { ...defaultConfig.cluster.etcd, endpoints: [endpoint] } } };
    await expect(startSignalbox(cfg, silentLogger)).rejects.toThrow(new Error(`cannot reach etcd at ${endpoint}: connection refused`));
  }, 30_000);

  it('signalbox start prints one line and exits 1', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const { code, err } = await runCli(['start', '--listen', '127.0.0.1:0', '--api', '127.0.0.1:0', '--data', dir, '--log-level', 'silent', '--set', `cluster.etcd.endpoints=${endpoint}`]);
    expect(code).toBe(1);
    expect(err).toBe(`signalbox start: cannot reach etcd at ${endpoint}: connection refused\n`);
  }, 30_000);
});
