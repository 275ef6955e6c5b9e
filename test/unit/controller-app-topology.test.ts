/**
 * The controller's topology events on the bus: with its own topology the apps hear the local
 * service's topologyChanged; given another app topology (cluster mode: the merged view) the local
 * one's partial snapshot must not reach them (they would reroute along what this instance alone
 * probed), while the other topology events still do.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config.js';
import { Controller } from '../../src/controller.js';
import type { TopologySource } from '../../src/topology/app-topology.js';

const started: { ctrl: Controller; dir: string }[] = [];
afterEach(async () => {
  for (const s of started.splice(0)) {
    await s.ctrl.stop();
    rmSync(s.dir, { recursive: true, force: true });
  }
});

async function start(appTopology?: TopologySource): Promise<Controller> {
  const dir = mkdtempSync(join(tmpdir(), 'sbx-ctrl-topo-'));
  const ctrl = new Controller({ ...defaultConfig, dataDir: dir, apps: { ...defaultConfig.apps, enabled: [] }, openflow: { ...defaultConfig.openflow, listen: ['127.0.0.1:0'] } }, undefined, appTopology ? { appTopology } : {});
  started.push({ ctrl, dir });
  await ctrl.start();
  return ctrl;
}

function heard(ctrl: Controller): string[] {
  const out: string[] = [];
  ctrl.bus.on('topologyChanged', () => out.push('topologyChanged'));
  ctrl.bus.on('linkAdded', () => out.push('linkAdded'));
  const local = ctrl.topology as unknown as EventEmitter;
  local.emit('topologyChanged', { version: 1, snapshot: {} });
  local.emit('linkAdded', { link: {} });
  return out;
}

describe('controller topology events', () => {
  it('standalone: the local topologyChanged reaches the bus', async () => {
    expect(heard(await start())).toEqual(['topologyChanged', 'linkAdded']);
  });

  it('with another app topology (cluster): only its provider emits topologyChanged; link and host events still come from the local service', async () => {
    const merged: TopologySource = {
      fabric: () => ({ switches: new Map() }),
      floodPorts: () => [],
      snapshot: () => ({}) as never,
      isInfrastructurePort: () => false,
    };
    expect(heard(await start(merged))).toEqual(['linkAdded']);
  });
});
