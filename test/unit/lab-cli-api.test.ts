// `signalbox lab --api HOST:PORT`: the option's parsing and the wiring that serves the in-process controller's REST API.
import { afterAll, describe, expect, it } from 'vitest';
import { labApiContext, parseLabArgs, serveLabApi } from '../../src/cli/lab.js';
import { startInProcess, type InProcess } from '../../src/lab/in-process.js';

describe('signalbox lab --api: parsing', () => {
  it('takes HOST:PORT, absent by default', () => {
    expect(parseLabArgs(['linear,2', '--api', '127.0.0.1:8080']).api).toBe('127.0.0.1:8080');
    expect(parseLabArgs(['linear,2', '--scenario', 'pingall', '--api', '127.0.0.1:0']).api).toBe('127.0.0.1:0');
    expect(parseLabArgs(['linear,2']).api).toBeUndefined();
  });

  it('rejects a bad address, an external controller and the scenarios that restart the controller, naming --api', () => {
    expect(() => parseLabArgs(['linear,2', '--api', 'nowhere'])).toThrow(/--api/);
    expect(() => parseLabArgs(['linear,2', '--api', '127.0.0.1:99999'])).toThrow(/--api/);
    expect(() => parseLabArgs(['linear,2', '--api', '127.0.0.1:8080', '--controller', '127.0.0.1:6653'])).toThrow(/--api .*--controller/);
    for (const s of ['controller-restart', 'first-ping']) expect(() => parseLabArgs(['linear,2', '--api', '127.0.0.1:8080', '--scenario', s]), s).toThrow(/--api/);
  });
});

describe('signalbox lab --api: wiring', () => {
  let running: InProcess | undefined;
  afterAll(async () => running?.stop());

  it("serves the in-process controller's API (switches, topology, apps) until closed", async () => {
    running = await startInProcess({ apps: ['l2-learning'] });
    const ctx = labApiContext(running);
    expect(ctx.devices).toBe(running.controller.devices);
    expect(ctx.topology).toBe(running.controller.topology);
    expect(ctx.apps).toBe(running.controller.apps);
    const lines: string[] = [];
    const close = await serveLabApi(running, '127.0.0.1:0', (l) => lines.push(l));
    const address = /REST API at (http:\/\/\S+)/.exec(lines.join('\n'))?.[1];
    expect(address, lines.join('\n')).toBeDefined();
    const switches = await fetch(`${address}/api/v1/switches`);
    expect(switches.status).toBe(200);
    const apps = await fetch(`${address}/api/v1/apps`);
    expect(apps.status).toBe(200);
    expect(JSON.stringify(await apps.json())).toContain('l2-learning');
    await close();
    await expect(fetch(`${address}/api/v1/switches`)).rejects.toThrow();
  });
});
