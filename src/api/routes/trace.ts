/** Native API: `POST /trace`, where a packet goes through the network's flow tables (src/trace). */
import type { FastifyInstance } from 'fastify';
import { dpidToHex, parseDpid, type Dpid } from '../../core/ids.js';
import type { Host } from '../../core/model.js';
import { OfTimeoutError, SessionClosedError } from '../../openflow/errors.js';
import { desiredSource, liveSource } from '../../trace/sources.js';
import { networkView, traceNetwork, TraceSwitchError, type TraceNetworkView, type TraceSource } from '../../trace/network.js';
import { packetFromFields, TracePacketError, type PacketState } from '../../trace/packet.js';
import { traceToJson } from '../../trace/json.js';
import { ApiError, toApiError } from '../errors.js';
import { responses } from '../schemas.js';
import type { ApiContext } from '../context.js';

/** The request body (after schema validation). */
export interface TraceBody {
  readonly dpid?: string;
  readonly inPort?: number;
  readonly packet?: Record<string, unknown>;
  readonly from?: string;
  readonly to?: string;
  readonly source?: 'live' | 'desired';
}

/** JSON schema of the body: `dpid` + `inPort` + `packet`, or `from` + `to`. */
export const TRACE_BODY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    dpid: { type: 'string', description: 'ingress switch, 16 hex digits (with inPort and packet)' },
    inPort: { type: 'integer', minimum: 0, maximum: 0xffffffff, description: 'ingress port on dpid' },
    packet: {
      type: 'object',
      description: 'header fields by the OXM names of the flow API: {"eth_type": 2048, "ipv4_dst": "10.0.0.2", "ip_proto": 6, "tcp_dst": 80}; plus nw_ttl (default 64)',
    },
    from: { type: 'string', description: 'instead of dpid/inPort/packet: the sending host by MAC or IP (ingress at its location)' },
    to: { type: 'string', description: 'with from: the receiving host by MAC or IP (an ICMP echo when both IPv4 addresses are known, else an ARP reply)' },
    source: { type: 'string', enum: ['live', 'desired'], default: 'live', description: "live: the switches' tables read now; desired: the flow service's desired state" },
  },
} as const;

const ANY = {} as const;
const FLOW = {
  type: 'object',
  nullable: true,
  properties: { cookie: { type: 'string' }, owner: { type: 'string', nullable: true }, priority: { type: 'integer' }, match: ANY, instructions: ANY },
} as const;

/** JSON schema of the answer. */
export const TRACE_RESPONSE = {
  type: 'object',
  required: ['hops', 'outcome', 'reason'],
  properties: {
    hops: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: true,
        properties: {
          dpid: { type: 'string' },
          inPort: { type: 'integer' },
          tables: { type: 'array', items: { type: 'object', additionalProperties: true, properties: { tableId: { type: 'integer' }, flow: FLOW } } },
          actions: { type: 'array', items: { type: 'object', additionalProperties: true }, description: 'actions applied, in order (stage: apply_actions, action_set or group)' },
          packetAfter: { type: 'object', additionalProperties: true, description: 'fields the switch changed (null: removed)' },
          outputs: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: true,
              properties: {
                port: { description: 'port number, CONTROLLER, NORMAL, LOCAL..., or null for a drop' },
                next: { description: '{dpid, inPort} | {host} | "controller" | "drop" | "flood" | "unknown"' },
              },
            },
          },
        },
      },
    },
    outcome: { type: 'string', enum: ['delivered', 'controller', 'dropped', 'loop', 'unknown'] },
    reason: { type: 'string' },
  },
} as const;

/** A host by MAC (any case) or IPv4/IPv6 address. */
function findHost(hosts: readonly Host[], s: string): Host | undefined {
  const t = s.trim().toLowerCase();
  return hosts.find((h) => h.mac.toLowerCase() === t) ?? hosts.find((h) => h.ipv4.includes(t) || h.ipv6.some((a) => a.toLowerCase() === t));
}

/** The probe packet between two hosts: an ICMP echo when both IPv4 addresses are known, else an ARP reply (unicast). */
function hostPacket(from: Host, to: Host, fromText: string, toText: string): Record<string, unknown> {
  const pick = (h: Host, text: string): string | undefined => (h.ipv4.includes(text.trim()) ? text.trim() : h.ipv4[h.ipv4.length - 1]);
  const src = pick(from, fromText);
  const dst = pick(to, toText);
  const vlan = from.vlan !== undefined ? { vlan_vid: 0x1000 | from.vlan } : {};
  if (src !== undefined && dst !== undefined) {
    return { eth_src: from.mac, eth_dst: to.mac, ...vlan, eth_type: 0x0800, ipv4_src: src, ipv4_dst: dst, ip_proto: 1, icmpv4_type: 8, icmpv4_code: 0 };
  }
  return { eth_src: from.mac, eth_dst: to.mac, ...vlan, eth_type: 0x0806, arp_op: 2, arp_sha: from.mac, arp_tha: to.mac, arp_spa: src ?? '0.0.0.0', arp_tpa: dst ?? '0.0.0.0' };
}

/** Registers `POST /trace` (a read: the read scope suffices). */
export function traceRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const live = liveSource({ devices: ctx.devices, admin: ctx.admin });
  const desired = ctx.flows ? desiredSource(ctx.flows, { devices: ctx.devices, admin: ctx.admin }) : undefined;

  app.post<{ Body: TraceBody }>(
    '/trace',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['trace'],
        summary: 'Where does this packet go? Traced through the flow tables, switch by switch',
        body: TRACE_BODY_SCHEMA,
        response: responses(TRACE_RESPONSE, 400, 502, 503, 504),
      },
    },
    async (req) => {
      const b = req.body ?? {};
      const sourceName = b.source ?? 'live';
      let source: TraceSource;
      if (sourceName === 'desired') {
        if (!desired) throw new ApiError('service_unavailable', 'the flow service is not running in this controller: no desired state to trace', 'body.source');
        source = desired;
      } else source = live;
      const snapshot = ctx.topology?.snapshot();
      const network: TraceNetworkView = snapshot ? networkView(snapshot) : { linkFrom: () => undefined, hostsAt: () => [] };

      let dpid: Dpid;
      let inPort: number;
      let packet: PacketState;
      if (b.from !== undefined || b.to !== undefined) {
        for (const k of ['dpid', 'inPort', 'packet'] as const) {
          if (b[k] !== undefined) throw new ApiError('invalid_input', `body.${k}: give either from and to, or dpid, inPort and packet`, `body.${k}`);
        }
        if (b.from === undefined) throw new ApiError('invalid_input', 'body.from is required with body.to', 'body.from');
        if (b.to === undefined) throw new ApiError('invalid_input', 'body.to is required with body.from', 'body.to');
        if (!snapshot) throw new ApiError('service_unavailable', 'the topology service is not running: hosts cannot be found', 'body.from');
        const from = findHost(snapshot.hosts, b.from);
        if (!from) throw new ApiError('invalid_input', `body.from: no known host has MAC or IP ${JSON.stringify(b.from)}`, 'body.from');
        const to = findHost(snapshot.hosts, b.to);
        if (!to) throw new ApiError('invalid_input', `body.to: no known host has MAC or IP ${JSON.stringify(b.to)}`, 'body.to');
        dpid = from.location.dpid;
        inPort = from.location.port;
        packet = packetFromFields(hostPacket(from, to, b.from, b.to), inPort);
      } else {
        for (const k of ['dpid', 'inPort', 'packet'] as const) {
          if (b[k] === undefined) throw new ApiError('invalid_input', `body.${k} is required (or give from and to)`, `body.${k}`);
        }
        try {
          dpid = parseDpid(b.dpid!);
        } catch {
          throw new ApiError('invalid_input', `body.dpid: expected a datapath id as 16 hex digits, got ${JSON.stringify(b.dpid)}`, 'body.dpid');
        }
        inPort = b.inPort!;
        const view = ctx.devices.get(dpid);
        const knownDesired = sourceName === 'desired' && (ctx.flows?.flows(dpid).length ?? 0) > 0;
        if (!view && !knownDesired) throw new ApiError('invalid_input', `body.dpid: no switch ${dpidToHex(dpid)} is connected`, 'body.dpid');
        if (view && !view.ports.has(inPort)) throw new ApiError('invalid_input', `body.inPort: switch ${dpidToHex(dpid)} has no port ${inPort}`, 'body.inPort');
        try {
          packet = packetFromFields(b.packet, inPort, 'body.packet');
        } catch (e) {
          if (e instanceof TracePacketError) throw new ApiError('invalid_input', e.message, e.field);
          throw e;
        }
      }
      try {
        const t = await traceNetwork({ dpid, inPort, packet, network, source, ownerOf: (c) => ctx.flows?.ownerOfCookie(c) });
        return traceToJson(t, (c) => ctx.flows?.ownerOfCookie(c));
      } catch (e) {
        if (e instanceof TraceSwitchError) {
          const hex = dpidToHex(e.dpid);
          if (e.cause instanceof OfTimeoutError) throw new ApiError('switch_timeout', `switch ${hex} did not answer its table dump: ${e.cause.message}`, undefined, { dpid: hex });
          if (e.cause instanceof SessionClosedError) throw new ApiError('switch_disconnected', `switch ${hex} went away during the trace: ${e.cause.message}`, undefined, { dpid: hex });
          const mapped = toApiError(e.cause);
          throw new ApiError(mapped.code, `switch ${hex}: ${mapped.message}`, mapped.field, { ...(mapped.details ?? {}), dpid: hex });
        }
        throw e;
      }
    },
  );
}
