/**
 * WebSocket /api/v1/events: every controller event (and topology event, when that service runs)
 * as one JSON message, filtered by `?types=a,b` and `?dpid=hex,hex`, with a heartbeat message.
 */
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import type { Logger } from 'pino';
import { TOPOLOGY_EVENT_NAMES, type ControllerEventName } from '../core/events.js';
import { CLUSTER_EVENT_NAMES, STREAM_EVENT_NAMES, STREAM_SWITCH_EVENT_NAMES } from '../core/event-names.js';
import { dpidToHex, parseDpid } from '../core/ids.js';
import type { TokenAuth } from './auth.js';
import { ApiError } from './errors.js';
import type { ControllerMetrics } from './metrics.js';
import type { ApiContext } from './context.js';
import { native } from './util.js';
import { systemClock, type Clock } from '../core/clock.js';

/** Controller bus events streamed to clients. */
export const BUS_EVENTS: readonly ControllerEventName[] = STREAM_SWITCH_EVENT_NAMES;

/** Every event name a client may ask for (the console's list too: src/core/event-names.ts). */
export const EVENT_NAMES: readonly string[] = STREAM_EVENT_NAMES;

/**
 * What each message of the stream carries besides `type` and `time` (ISO 8601), as JSON: the
 * payloads of src/core/events.ts with dpids as 16 hex digits and 64-bit counters as decimal
 * strings. docs/api.md and the OpenAPI description list these (a test keeps them equal).
 */
export const EVENT_MESSAGES: Readonly<Record<Exclude<ControllerEventName, 'mastershipChanged'> | (typeof CLUSTER_EVENT_NAMES)[number] | 'hello' | 'heartbeat', string>> = {
  hello: '`events` (the names this client gets), `heartbeatMs`, `topologyVersion` (with a topology service: its version when the stream began): the first message',
  heartbeat: 'nothing more; every `api.eventsHeartbeatMs`',
  switchConnected: '`dpid`, `switch: { version: "1.3" or "1.0", remoteAddress }`',
  switchDisconnected: '`dpid`, `reason`',
  portAdded: '`dpid`, `port: { portNo, hwAddr, name, config, state, curr, advertised, supported, peer, currSpeed, maxSpeed }`',
  portModified: '`dpid`, `port` (as it is now), `previous` (as it was)',
  portRemoved: '`dpid`, `port`',
  packetIn: '`dpid`, `msg: { inPort, bufferId, totalLen, reason, tableId, cookie, match, data }` (`data` in hex)',
  flowRemoved: '`dpid`, `msg: { cookie, priority, reason, tableId, durationSec, idleTimeout, hardTimeout, packetCount, byteCount, match }`',
  errorReceived: '`dpid`, `msg: { version, type: "error", xid, errType, code, data }` (an OFPT_ERROR from the switch; `data` in hex)',
  linkAdded: '`link: { src, srcPort, dst, dstPort, discoveredAt, lastSeen }` (a direction of a link; times in ms)',
  linkRemoved: '`link`, `reason`: `timeout`, `port_down`, `port_removed` or `switch_disconnected`',
  hostAdded: '`host: { id, mac, vlan?, ipv4: [], ipv6: [], location: { dpid, port }, firstSeen, lastSeen }`',
  hostMoved: '`host` (at its new location), `previous: { dpid, port }`',
  hostUpdated: '`host` (a known host showed a new address)',
  hostRemoved: '`host`, `reason`: `idle`, `port_removed`, `port_down`, `switch_disconnected` or `infrastructure_port`',
  topologyChanged: '`version`: one per burst of topology changes (read `GET /api/v1/topology` for the state)',
  clusterChanged: 'nothing more: in a cluster, one per burst of changes of members, masters, connections or health (read `GET /api/v1/cluster` for the state); not sent with a `dpid` filter',
};

/**
 * How a client joins `GET /api/v1/topology` and the stream without losing or replaying a change,
 * whichever answers first (docs/api.md says the same).
 */
export const TOPOLOGY_VERSION_NOTE =
  'Switch, link and host events carry `topologyVersion`: the topology\'s version once the change is made, the `version` of the first `GET /api/v1/topology` that shows it. ' +
  'A client may read that snapshot while the stream opens: it applies the link and host events newer than the snapshot\'s version and the switch events not older, ' +
  'and reads the snapshot again when the hello\'s `topologyVersion` is newer than it (the change between fell in neither).';

/** Events stamped with the topology version: what a topology client applies over a snapshot. */
const VERSIONED_EVENTS: ReadonlySet<string> = new Set<string>(['switchConnected', 'switchDisconnected', ...TOPOLOGY_EVENT_NAMES.filter((n) => n !== 'topologyChanged')]);

/** The OpenAPI description of the stream: connecting, filters, auth and every message. */
export const EVENTS_DESCRIPTION = [
  'A WebSocket (upgrade a GET): one JSON text message per event, `{ "type", "time", ...fields }`.',
  '`?types=a,b` keeps those event names (400 naming an unknown one), `?dpid=hex,hex` keeps the events about those switches.',
  'With `api.tokens` a read token is needed: `Authorization: Bearer` or `?access_token=` (a browser cannot set headers on a WebSocket).',
  'An upgrade carrying an `Origin` header must come from the API\'s own origin or one in `api.corsOrigins` (403 `origin_not_allowed`).',
  'At most `api.maxEventStreams` streams are open at once: one more is answered 503 `event_streams_full` with `Retry-After`.',
  'A client that lets `api.eventsMaxBufferedBytes` (8 MiB) pile up is closed (1013).',
  TOPOLOGY_VERSION_NOTE,
  'Messages:',
  ...Object.entries(EVENT_MESSAGES).map(([name, fields]) => `- \`${name}\`: ${fields}`),
].join('\n');

/** The JSON message of an event: `{ type, time, dpid?, ...payload }` with bigints as strings and dpids as hex. */
export function eventMessage(type: string, payload: unknown, now = systemClock.now()): Record<string, unknown> {
  const p = (payload ?? {}) as Record<string, unknown>;
  const body: Record<string, unknown> = {};
  const connected = type === 'switchConnected';
  for (const [k, v] of Object.entries(p)) {
    if (k === 'snapshot') continue; // a live object: summarised instead
    if (connected && (k === 'version' || k === 'remoteAddress')) continue; // shown under `switch`
    body[k] = k === 'dpid' && typeof v === 'bigint' ? dpidToHex(v) : native(v);
  }
  if (connected && typeof p.version === 'number') body.switch = { version: p.version === 4 ? '1.3' : '1.0', remoteAddress: p.remoteAddress };
  hexDpids(body);
  return { type, time: new Date(now).toISOString(), ...body };
}

/** Links and hosts carry dpids as bigints under src/dst/location.dpid: print those as hex too. */
function hexDpids(o: Record<string, unknown>): void {
  const fix = (x: unknown): void => {
    if (!x || typeof x !== 'object') return;
    const r = x as Record<string, unknown>;
    for (const k of ['src', 'dst', 'dpid']) if (typeof r[k] === 'string' && /^[0-9]+$/.test(r[k] as string) && (k === 'dpid' || 'srcPort' in r)) r[k] = dpidToHex(BigInt(r[k] as string));
    if (r.location) fix(r.location);
    if (r.previous) fix(r.previous);
    if (Array.isArray(r.links)) r.links.forEach(fix);
  };
  fix(o.link);
  fix(o.host);
  fix(o.previous);
}

/** The dpids an event concerns (for `?dpid=` filtering). */
function eventDpids(payload: unknown): bigint[] {
  const p = (payload ?? {}) as Record<string, unknown>;
  const out: bigint[] = [];
  if (typeof p.dpid === 'bigint') out.push(p.dpid);
  const link = p.link as { src?: unknown; dst?: unknown } | undefined;
  if (link && typeof link.src === 'bigint') out.push(link.src);
  if (link && typeof link.dst === 'bigint') out.push(link.dst);
  const host = p.host as { location?: { dpid?: unknown } } | undefined;
  if (host?.location && typeof host.location.dpid === 'bigint') out.push(host.location.dpid);
  return out;
}

/** Parses the stream's filters; 400 naming the bad one. */
export function parseEventFilter(q: { types?: string; dpid?: string }): { types: Set<string> | undefined; dpids: Set<bigint> | undefined } {
  let types: Set<string> | undefined;
  if (q.types) {
    types = new Set(q.types.split(',').map((s) => s.trim()).filter(Boolean));
    for (const t of types) if (!EVENT_NAMES.includes(t)) throw new ApiError('invalid_input', `query.types: unknown event ${JSON.stringify(t)}; known: ${EVENT_NAMES.join(', ')}`, 'query.types');
  }
  let dpids: Set<bigint> | undefined;
  if (q.dpid) {
    dpids = new Set();
    for (const d of q.dpid.split(',')) {
      try {
        dpids.add(parseDpid(d.trim()));
      } catch {
        throw new ApiError('invalid_input', `query.dpid: ${JSON.stringify(d)} is not a datapath id`, 'query.dpid');
      }
    }
  }
  return { types, dpids };
}

/** Registers GET /events (as a WebSocket route) under the current prefix. */
export function eventRoutes(
  app: FastifyInstance,
  ctx: ApiContext,
  opts: {
    heartbeatMs: number;
    auth: TokenAuth;
    log: Logger;
    metrics: ControllerMetrics;
    clock?: Clock;
    /** Streams open at once (`api.maxEventStreams`, 0 = no limit) and bytes queued per client (`api.eventsMaxBufferedBytes`). */
    maxStreams?: number;
    maxBufferedBytes?: number;
  },
): void {
  const clock = opts.clock ?? systemClock;
  const maxStreams = opts.maxStreams ?? 0;
  const maxBuffered = opts.maxBufferedBytes ?? 8 * 1024 * 1024;
  let open = 0;
  let warnedFull = false;
  const full = (): boolean => maxStreams > 0 && open >= maxStreams;
  const refuse = (remote: string): ApiError => {
    opts.metrics.wsRefused.inc({ reason: 'full' });
    if (!warnedFull) {
      warnedFull = true;
      opts.log.warn({ remote, max: maxStreams }, `refused an event stream: api.maxEventStreams (${maxStreams}) are open; further refusals are only counted in signalbox_api_event_streams_refused_total`);
    }
    return new ApiError('event_streams_full', `${maxStreams} event streams are open (api.maxEventStreams): retry later`);
  };
  const isoNow = (): string => new Date(clock.now()).toISOString();
  app.route<{ Querystring: { types?: string; dpid?: string; access_token?: string } }>({
    method: 'GET',
    url: '/events',
    config: { scope: 'none' },
    schema: {
      tags: ['events'],
      summary: 'WebSocket stream of controller events as JSON (types and dpid filters, heartbeat)',
      description: EVENTS_DESCRIPTION,
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          types: { type: 'string', description: `comma-separated event names: ${EVENT_NAMES.join(', ')}` },
          dpid: { type: 'string', description: 'comma-separated datapath ids (hex)' },
          access_token: { type: 'string', description: 'bearer token for clients that cannot set headers' },
        },
      },
    },
    preValidation: async (req) => {
      opts.auth.check(req, 'read', req.query.access_token);
      parseEventFilter(req.query);
      if (req.headers.upgrade !== undefined && full()) throw refuse(req.ip);
    },
    // A plain GET (no upgrade) is told what to do. A handler beside the wsHandler also keeps the
    // route in the OpenAPI document (@fastify/websocket hides `websocket: true` routes).
    handler: async (_req, reply) =>
      reply.code(426).header('upgrade', 'websocket').send({ statusCode: 426, code: 'upgrade_required', message: 'GET /api/v1/events is a WebSocket: connect with a WebSocket client (Upgrade: websocket)' }),
    wsHandler: (socket: WebSocket, req) => {
    // Two upgrades checked in the same turn can both pass preValidation: the later one is closed here.
    if (full()) {
      refuse(req.ip);
      socket.close(1013, 'too many event streams (api.maxEventStreams): retry later');
      return;
    }
    open++;
    const { types, dpids } = parseEventFilter(req.query);
    const offs: (() => void)[] = [];
    opts.metrics.wsClients.inc();
    const send = (msg: Record<string, unknown>): void => {
      if (socket.readyState !== socket.OPEN) return;
      if (socket.bufferedAmount > maxBuffered) {
        opts.metrics.wsRefused.inc({ reason: 'too_slow' });
        opts.log.warn({ remote: req.ip, maxBytes: maxBuffered }, 'event stream client too slow (api.eventsMaxBufferedBytes); closing it');
        socket.close(1013, 'too slow: events were piling up');
        return;
      }
      socket.send(JSON.stringify(msg));
    };
    const topo = ctx.topology;
    const versioned = (name: string): boolean => VERSIONED_EVENTS.has(name) && typeof topo?.currentVersion === 'number';
    const forward = (name: string) => {
      const stamp = versioned(name);
      return (payload: unknown) => {
        if (dpids) {
          const ds = eventDpids(payload);
          if (!ds.some((d) => dpids.has(d))) return;
        }
        const msg = eventMessage(name, payload, clock.now());
        // Read when the event goes out: the service bumps its version before it emits.
        if (stamp) msg.topologyVersion = topo!.currentVersion;
        send(msg);
      };
    };
    for (const name of BUS_EVENTS) {
      if (types && !types.has(name)) continue;
      const fn = forward(name);
      ctx.bus.on(name, fn as never);
      offs.push(() => ctx.bus.off(name, fn as never));
    }
    // Topology events come from the topology service when it is an event source, else from the
    // bus (the Controller re-emits them there); never from both, so nothing arrives twice.
    const source: { on(e: string, f: (p: unknown) => void): unknown; off(e: string, f: (p: unknown) => void): unknown } =
      topo?.on && topo.off ? (topo as Required<Pick<typeof topo, 'on' | 'off'>>) : (ctx.bus as unknown as { on(e: string, f: (p: unknown) => void): unknown; off(e: string, f: (p: unknown) => void): unknown });
    for (const name of TOPOLOGY_EVENT_NAMES) {
      if (types && !types.has(name)) continue;
      const fn = forward(name);
      source.on(name, fn);
      offs.push(() => source.off(name, fn));
    }
    // The cluster's status changed (a member came or went, a switch changed master): no dpid to filter by.
    const cluster = ctx.cluster;
    if (cluster?.on && cluster.off && !dpids && (!types || types.has('clusterChanged'))) {
      const fn = (): void => send({ type: 'clusterChanged', time: isoNow() });
      cluster.on('statusChanged', fn);
      offs.push(() => cluster.off!('statusChanged', fn));
    }
    // Listeners are on before the hello: every change after `topologyVersion` comes on this stream.
    const version = topo?.currentVersion;
    send({ type: 'hello', time: isoNow(), events: types ? [...types] : [...EVENT_NAMES], heartbeatMs: opts.heartbeatMs, ...(typeof version === 'number' ? { topologyVersion: version } : {}) });
    const hb = opts.heartbeatMs > 0 ? clock.every(opts.heartbeatMs, () => send({ type: 'heartbeat', time: isoNow() })) : undefined;
    hb?.unref();
    const cleanup = (): void => {
      hb?.cancel();
      for (const off of offs.splice(0)) off();
    };
    socket.once('close', () => {
      open--;
      opts.metrics.wsClients.dec();
      cleanup();
    });
    socket.on('error', () => socket.terminate());
    socket.on('message', () => undefined); // clients have nothing to say; ignore
    },
  });
}
