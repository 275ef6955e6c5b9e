/**
 * The northbound event stream on a real network: `signalbox start`'s runtime, a Mininet
 * linear,2 lab, and a WebSocket client that must see linkAdded for both directions of s1-s2 when
 * the network comes up and linkRemoved when the link goes down; then the CLI lists the switches.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { main } from '../../src/cli.js';
import { defaultConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { startSignalbox, type Running } from '../../src/runtime.js';
import { startLab, type Lab } from '../harness/mininet.js';
import { waitFor } from '../harness/ovs.js';

const dir = mkdtempSync(join(tmpdir(), 'sbx-events-'));
let lab: Lab | undefined;
let running: Running | undefined;
afterAll(async () => {
  await lab?.stop();
  await running?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface LinkEvent {
  readonly type: string;
  readonly link: { readonly src: string; readonly srcPort: number; readonly dst: string; readonly dstPort: number };
}

it('streams linkAdded and linkRemoved for a Mininet link, and the CLI lists the lab switches', async () => {
  running = await startSignalbox(
    { ...defaultConfig, dataDir: dir, openflow: { ...defaultConfig.openflow, listen: ['127.0.0.1:0'] }, api: { ...defaultConfig.api, listen: '127.0.0.1:0' } },
    silentLogger,
  );
  const events: LinkEvent[] = [];
  const ws = new WebSocket(`${running.api.address.replace('http', 'ws')}/api/v1/events?types=linkAdded,linkRemoved`);
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as LinkEvent;
    if (m.type === 'linkAdded' || m.type === 'linkRemoved') events.push(m);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  try {
    lab = await startLab({ kind: 'linear', n: 2 }, { controllerPort: running.openflow[0]!.port, waitConnectedMs: 30_000 });
    const added = () => events.filter((e) => e.type === 'linkAdded').map((e) => `${e.link.src}:${e.link.srcPort}>${e.link.dst}:${e.link.dstPort}`).sort();
    await waitFor(async () => added().length >= 2, 10_000, 50);
    expect(added()).toEqual(['0000000000000001:2>0000000000000002:2', '0000000000000002:2>0000000000000001:2']);

    await lab.link('s1', 's2', 'down');
    await waitFor(async () => events.filter((e) => e.type === 'linkRemoved').length >= 2, 5_000, 50);
    expect(events.filter((e) => e.type === 'linkRemoved').map((e) => e.link.src).sort()).toEqual(['0000000000000001', '0000000000000002']);

    // The CLI, as a user would run it against this controller.
    let out = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        out += chunk.toString();
        cb();
      },
    });
    const code = await main(['switches', '--url', running.api.address], { stdin: process.stdin, stdout: sink, stderr: sink });
    expect(code).toBe(0);
    expect(out).toMatch(/0000000000000001/);
    expect(out).toMatch(/0000000000000002/);
  } finally {
    ws.close();
  }
});
