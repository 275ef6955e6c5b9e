/**
 * Test harness for the API: a real Controller with in-memory emulated switches (duplexPair) that
 * also answer flow/port/table/group/meter multiparts from a small model of what was installed,
 * and the API built on top for fastify.inject.
 */
import { duplexPair } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/app.js';
import type { ControllerMetrics } from '../../src/api/metrics.js';
import type { ApiContext, ApiResource, AppsApi, ResourceApi, TopologyApi } from '../../src/api/context.js';
import type { ApiConfig } from '../../src/config.js';
import type { Clock } from '../../src/core/clock.js';
import { defaultConfig } from '../../src/config.js';
import { Controller } from '../../src/controller.js';
import { EmulatedSwitch, type EmulatedSwitchOptions } from '../fakes/emulated-switch.js';
import type { OfMessage } from '../../src/openflow/codec/index.js';
import type { FlowStats, GroupDesc, MeterConfig } from '../../src/openflow/codec/v13/multipart.js';
import { matchEquals } from '../../src/openflow/codec/v13/oxm.js';
import { Session } from '../../src/openflow/session.js';

type FlowMod13 = OfMessage & { type: 'flow_mod'; version: 4 };

/** What an emulated switch has installed, as a switch would keep it. */
export class SwitchModel {
  flows: FlowMod13[] = [];
  groups = new Map<number, GroupDesc>();
  meters = new Map<number, MeterConfig>();
  portMods: OfMessage[] = [];
  /** Answer PORT_MOD / GROUP_MOD / METER_MOD with this error pair when set. */
  rejectMods: { errType: number; code: number } | undefined;

  constructor(readonly fake: EmulatedSwitch) {
    fake.on('message', (m) => this.onMessage(m));
  }

  private reply(m: OfMessage, body: object, flags = 0): void {
    this.fake.send({ version: 4, type: 'multipart_reply', xid: m.xid, flags, body } as OfMessage);
  }

  private onMessage(m: OfMessage): void {
    if (m.version !== 4) return;
    switch (m.type) {
      case 'flow_mod': {
        if (this.fake.opts.rejectFlowMod?.(m)) return;
        const fm = m as FlowMod13;
        const cookieOk = (f: FlowMod13) => (f.cookie & fm.cookieMask) === (fm.cookie & fm.cookieMask);
        const tableOk = (f: FlowMod13) => fm.tableId === 0xff || f.tableId === fm.tableId;
        if (fm.command === 0) {
          this.flows = this.flows.filter((f) => !(f.tableId === fm.tableId && f.priority === fm.priority && matchEquals(f.match, fm.match)));
          this.flows.push(fm);
        } else if (fm.command === 3) {
          // Non-strict delete: empty match = all (the model ignores match subsumption otherwise).
          this.flows = this.flows.filter((f) => !(tableOk(f) && cookieOk(f) && (fm.match.length === 0 || matchEquals(f.match, fm.match))));
        } else if (fm.command === 4) {
          this.flows = this.flows.filter((f) => !(tableOk(f) && f.priority === fm.priority && matchEquals(f.match, fm.match)));
        } else if (fm.command === 1 || fm.command === 2) {
          this.flows = this.flows.map((f) => (tableOk(f) && matchEquals(f.match, fm.match) ? { ...f, instructions: fm.instructions } : f));
        }
        return;
      }
      case 'group_mod':
      case 'meter_mod':
      case 'port_mod':
        if (this.rejectMods) {
          this.fake.send({ version: 4, type: 'error', xid: m.xid, errType: this.rejectMods.errType, code: this.rejectMods.code, data: Buffer.alloc(0) });
          return;
        }
        if (m.type === 'group_mod') {
          if (m.command === 2) this.groups.delete(m.groupId);
          else this.groups.set(m.groupId, { groupType: m.groupType, groupId: m.groupId, buckets: m.buckets });
        } else if (m.type === 'meter_mod') {
          if (m.command === 2) this.meters.delete(m.meterId);
          else this.meters.set(m.meterId, { flags: m.flags, meterId: m.meterId, bands: m.bands });
        } else {
          this.portMods.push(m);
        }
        return;
      case 'multipart_request': {
        const b = m.body;
        switch (b.type) {
          case 'flow': {
            const flows: FlowStats[] = this.flows
              .filter((f) => (b.tableId === 0xff || f.tableId === b.tableId) && (f.cookie & b.cookieMask) === (b.cookie & b.cookieMask))
              .map((f) => ({
                tableId: f.tableId,
                durationSec: 3,
                durationNsec: 5000,
                priority: f.priority,
                idleTimeout: f.idleTimeout,
                hardTimeout: f.hardTimeout,
                flags: f.flags,
                cookie: f.cookie,
                packetCount: 7n,
                byteCount: 700n,
                match: f.match,
                instructions: f.instructions,
              }));
            this.reply(m, { type: 'flow', flows });
            return;
          }
          case 'aggregate':
            this.reply(m, { type: 'aggregate', packetCount: 18n, byteCount: 756n, flowCount: this.flows.length });
            return;
          case 'port_stats': {
            const ports = [1, 2, 3].filter((p) => b.portNo === 0xffffffff || b.portNo === p);
            this.reply(m, {
              type: 'port_stats',
              ports: ports.map((p) => ({
                portNo: p,
                rxPackets: 9n, txPackets: 6n, rxBytes: 738n, txBytes: 252n, rxDropped: 0n, txDropped: 0n, rxErrors: 0n, txErrors: 0n,
                rxFrameErr: 0n, rxOverErr: 0n, rxCrcErr: 0n, collisions: 0n, durationSec: 12, durationNsec: 976000000,
              })),
            });
            return;
          }
          case 'table':
            this.reply(m, { type: 'table', tables: [{ tableId: 0, activeCount: this.flows.length, lookupCount: 8n, matchedCount: 0n }, { tableId: 1, activeCount: 0, lookupCount: 0n, matchedCount: 0n }] });
            return;
          case 'queue':
            this.reply(m, { type: 'queue', queues: [{ portNo: 1, queueId: 0, txBytes: 0n, txPackets: 0n, txErrors: 0n, durationSec: 4294963425, durationNsec: 3912967296 }] });
            return;
          case 'group_desc':
            this.reply(m, { type: 'group_desc', groups: [...this.groups.values()] });
            return;
          case 'group':
            this.reply(m, {
              type: 'group',
              groups: [...this.groups.values()].map((g) => ({ groupId: g.groupId, refCount: 1, packetCount: 0n, byteCount: 0n, durationSec: 161, durationNsec: 303000000, bucketStats: g.buckets.map(() => ({ packetCount: 0n, byteCount: 0n })) })),
            });
            return;
          case 'group_features':
            this.reply(m, { type: 'group_features', types: 0, capabilities: 7, maxGroups: [4294967040, 4294967040, 4294967040, 4294967040], actions: [0x03ff_f801, 0, 0, 0] });
            return;
          case 'meter_config':
            this.reply(m, { type: 'meter_config', meters: [...this.meters.values()] });
            return;
          case 'meter':
            this.reply(m, {
              type: 'meter',
              meters: [...this.meters.values()].map((mt) => ({ meterId: mt.meterId, flowCount: 0, packetInCount: 0n, byteInCount: 0n, durationSec: 37, durationNsec: 988000, bandStats: mt.bands.map(() => ({ packetBandCount: 0n, byteBandCount: 0n })) })),
            });
            return;
          case 'meter_features':
            this.reply(m, { type: 'meter_features', maxMeter: 256, bandTypes: 1 << 1, capabilities: 0b1101, maxBands: 16, maxColor: 8 });
            return;
          default:
            return;
        }
      }
      default:
        return;
    }
  }
}

/** A controller, its emulated switches and the API over them. */
export interface ApiRig {
  readonly controller: Controller;
  readonly app: FastifyInstance;
  readonly metrics: ControllerMetrics;
  readonly switches: Map<bigint, { fake: EmulatedSwitch; model: SwitchModel; session: Session }>;
  /** Connects one more emulated switch and resolves when the controller has admitted it. */
  connect(opts: EmulatedSwitchOptions & { dpid: bigint }): Promise<{ fake: EmulatedSwitch; model: SwitchModel }>;
  close(): Promise<void>;
}

/** Builds a rig with the given switches connected. */
export async function makeRig(opts: { switches?: (EmulatedSwitchOptions & { dpid: bigint })[]; api?: Partial<ApiConfig>; context?: Partial<ApiContext>; clock?: Clock; consoleDir?: string } = {}): Promise<ApiRig> {
  const controller = new Controller({ ...defaultConfig, openflow: { ...defaultConfig.openflow, echoIntervalMs: 0 } });
  const switches = new Map<bigint, { fake: EmulatedSwitch; model: SwitchModel; session: Session }>();
  const connect = async (o: EmulatedSwitchOptions & { dpid: bigint }) => {
    const [ctrlEnd, swEnd] = duplexPair();
    const session = new Session(ctrlEnd, { echoIntervalMs: 0 });
    const admitted = new Promise<void>((resolve) => {
      const on = (e: { dpid: bigint }) => {
        if (e.dpid !== o.dpid) return;
        controller.bus.off('switchConnected', on);
        resolve();
      };
      controller.bus.on('switchConnected', on);
    });
    controller.attach(session);
    const fake = new EmulatedSwitch(swEnd, o);
    const model = new SwitchModel(fake);
    switches.set(o.dpid, { fake, model, session });
    await admitted;
    return { fake, model };
  };
  for (const s of opts.switches ?? []) await connect(s);
  const { app, metrics } = await buildApi({ bus: controller.bus, devices: controller.devices, admin: controller.admin, ...opts.context }, { config: { ...opts.api }, ...(opts.clock ? { clock: opts.clock } : {}), ...(opts.consoleDir !== undefined ? { consoleDir: opts.consoleDir } : {}) });
  await app.ready();
  return {
    controller,
    app,
    metrics,
    switches,
    connect,
    close: async () => {
      await app.close();
      metrics.detach();
      for (const s of switches.values()) s.session.close('test over');
      await controller.stop();
    },
  };
}

/** A topology service fake: s1:2 <-> s2:1, host h1 on s1:1, host h2 on s2:2. */
export function fakeTopology(): TopologyApi & { emit(name: string, payload: unknown): void } {
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const links = [
    { src: 1n, srcPort: 2, dst: 2n, dstPort: 1, discoveredAt: 1000, lastSeen: 2000 },
    { src: 2n, srcPort: 1, dst: 1n, dstPort: 2, discoveredAt: 1000, lastSeen: 2000 },
  ];
  const hosts = [
    { id: 'aa:aa:aa:aa:aa:01', mac: 'aa:aa:aa:aa:aa:01', ipv4: ['10.0.0.1'], ipv6: [], location: { dpid: 1n, port: 1 }, firstSeen: 1000, lastSeen: 2000 },
    { id: 'aa:aa:aa:aa:aa:02', mac: 'aa:aa:aa:aa:aa:02', ipv4: ['10.0.0.2'], ipv6: ['fe80::2'], location: { dpid: 2n, port: 2 }, firstSeen: 1000, lastSeen: 2000 },
  ];
  return {
    snapshot: () => ({
      version: 7,
      switches: new Map([
        [1n, { dpid: 1n, ports: [1, 2], edgePorts: [1], infrastructurePorts: [2], treePorts: [2] }],
        [2n, { dpid: 2n, ports: [1, 2], edgePorts: [2], infrastructurePorts: [1], treePorts: [1] }],
      ]),
      links,
      hosts,
      kShortestPaths: (src: bigint, dst: bigint, k: number) => {
        if (src === dst) return [{ src, dst, cost: 0, links: [] }];
        const l = links.find((x) => x.src === src && x.dst === dst);
        return l ? [{ src, dst, cost: 1, links: [l] }].slice(0, k) : [];
      },
    }),
    on: (e, fn) => listeners.set(e, (listeners.get(e) ?? new Set()).add(fn)),
    off: (e, fn) => listeners.get(e)?.delete(fn),
    emit: (e, p) => listeners.get(e)?.forEach((fn) => fn(p)),
  };
}

/** An apps service fake. */
export function fakeApps(): AppsApi {
  const apps = new Map([
    ['l2-learning', { name: 'l2-learning', state: 'running', description: 'learning switch' }],
    ['acl', { name: 'acl', state: 'stopped', description: 'access control' }],
  ]);
  const configs = new Map<string, unknown>([['l2-learning', { idleTimeoutSec: 300 }]]);
  return {
    list: () => [...apps.values()],
    status: (n) => apps.get(n),
    enable: async (n) => {
      apps.get(n)!.state = 'running';
      return apps.get(n)!;
    },
    disable: async (n) => {
      apps.get(n)!.state = 'stopped';
      return apps.get(n)!;
    },
    getConfig: (n) => configs.get(n),
    setConfig: async (n, c) => {
      const cfg = c as Record<string, unknown>;
      if (cfg.idleTimeoutSec !== undefined && typeof cfg.idleTimeoutSec !== 'number') throw Object.assign(new Error('idleTimeoutSec must be a number'), { code: 'invalid_input', field: 'body.idleTimeoutSec' });
      configs.set(n, c);
      return c;
    },
  };
}

/** A collection service fake that validates `dpid` and keeps resources in a Map (or a given one). */
export function fakeResources(prefix: string, data = new Map<string, ApiResource>()): ResourceApi {
  let next = data.size + 1;
  const validate = (b: unknown): Record<string, unknown> => {
    const o = b as Record<string, unknown>;
    if (typeof o.dpid !== 'string') throw Object.assign(new Error('dpid is required'), { code: 'invalid_input', field: 'body.dpid' });
    return o;
  };
  return {
    list: () => [...data.values()],
    get: (id) => data.get(id),
    create: async (b) => {
      const r = { ...validate(b), id: `${prefix}-${next++}` } as ApiResource;
      data.set(r.id, r);
      return r;
    },
    replace: async (id, b) => {
      if (!data.has(id)) throw Object.assign(new Error(`no ${id}`), { code: 'not_found' });
      const r = { ...validate(b), id } as ApiResource;
      data.set(id, r);
      return r;
    },
    remove: async (id) => data.delete(id),
  };
}

