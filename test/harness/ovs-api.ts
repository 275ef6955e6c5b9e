/** A controller with its REST API on loopback and one real userspace OVS bridge connected to it: the setup of the integration tests that drive a bridge through REST. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApi, type RunningApi } from '../../src/api/index.js';
import { defaultConfig } from '../../src/config.js';
import { Controller } from '../../src/controller.js';
import { createBridge, ensureOvs, type Bridge, type OfProtocol } from './ovs.js';

/** A REST answer: the status and the parsed JSON body (undefined when empty). */
export interface JsonAnswer {
  readonly status: number;
  readonly json: unknown;
}

/** Sends one request to the API at `baseUrl` with a JSON body (when given) and reads the JSON answer. */
export async function jsonRequest(baseUrl: string, method: string, path: string, body?: unknown): Promise<JsonAnswer> {
  const res = await fetch(baseUrl + path, { method, headers: body !== undefined ? { 'content-type': 'application/json' } : {}, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, json: text === '' ? undefined : JSON.parse(text) };
}

/** Options of {@link startOvsApi}. */
export interface OvsApiOptions {
  /** Datapath id of the bridge. */
  readonly dpid: bigint;
  /** Prefix of the controller's temporary data directory (names the test in leftovers). */
  readonly dataDirPrefix: string;
  /** Apps to run (default: the default apps). */
  readonly apps?: readonly string[];
  /** OpenFlow versions of the bridge (default OpenFlow 1.3). */
  readonly protocols?: readonly OfProtocol[];
}

/** What {@link startOvsApi} started. */
export interface OvsApi {
  readonly ctrl: Controller;
  readonly api: RunningApi;
  /** The bridge (no ports yet), its controller set to `ctrl`. */
  readonly br: Bridge;
  /** A JSON request to the API. */
  http(method: string, path: string, body?: unknown): Promise<JsonAnswer>;
  /** Removes the bridge, then stops the API and the controller; each step runs even when another failed. */
  stop(): Promise<void>;
}

/**
 * Starts OVS (if needed), a controller listening on a loopback port, its REST API and a bridge
 * connected to it. On failure half way, whatever was started is stopped before the error goes on.
 */
export async function startOvsApi(opts: OvsApiOptions): Promise<OvsApi> {
  let ctrl: Controller | undefined;
  let api: RunningApi | undefined;
  let br: Bridge | undefined;
  const stop = async (): Promise<void> => {
    const errors: unknown[] = [];
    // The bridge first: its removal must not wait on (or be skipped by) a controller that fails to stop.
    for (const step of [() => br?.destroy(), () => api?.close(), () => ctrl?.stop()]) {
      try {
        await step();
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length) throw new AggregateError(errors, 'stopping the OVS API rig');
  };
  try {
    await ensureOvs();
    ctrl = new Controller({
      ...defaultConfig,
      dataDir: mkdtempSync(join(tmpdir(), opts.dataDirPrefix)),
      openflow: { ...defaultConfig.openflow, listen: ['127.0.0.1:0'] },
      ...(opts.apps ? { apps: { ...defaultConfig.apps, enabled: [...opts.apps] } } : {}),
    });
    const port = (await ctrl.start()).openflow[0]!.port;
    const c = ctrl;
    api = await startApi({
      context: { bus: c.bus, devices: c.devices, admin: c.admin, ...(c.topology ? { topology: c.topology } : {}), ...(c.apps ? { apps: c.apps } : {}) },
      config: { api: { ...defaultConfig.api, listen: '127.0.0.1:0' } },
    });
    br = await createBridge({ protocols: opts.protocols ?? ['OpenFlow13'], controllerPort: port, dpid: opts.dpid });
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
  const address = api.address;
  return { ctrl, api, br, http: (method, path, body) => jsonRequest(address, method, path, body), stop };
}
