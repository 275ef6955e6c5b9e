/** Native API: topology (switches, links one per direction, hosts), links, hosts and k shortest paths. */
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { dpidToHex, parseDpid } from '../../core/ids.js';
import { ApiError } from '../errors.js';
import { HOST_RESPONSE, LINK_RESPONSE, responses, TOPOLOGY_RESPONSE } from '../schemas.js';
import type { Host, Link, LinkInfo, Path, SwitchInfo } from '../../core/model.js';
import type { ApiContext, ApiTopologySnapshot } from '../context.js';
import type { SwitchView } from '../../core/services.js';
import { OFPP } from '../../openflow/codec/constants.js';
import { page, PAGE_QUERY, requireService } from '../util.js';

/** GET `path`: the items `list` returns, a page at a time (`limit`, `offset`; X-Total-Count: how many in all), each as `toJson` makes it. */
function pagedList<T>(app: FastifyInstance, path: string, summary: string, item: object, list: () => readonly T[], toJson: (t: T) => Record<string, unknown>): void {
  app.get<{ Querystring: { limit?: number; offset?: number } }>(
    path,
    { schema: { tags: ['topology'], summary, querystring: PAGE_QUERY, response: responses({ type: 'array', items: item }, 400, 503) } },
    async (req, reply) => page(list(), req.query, reply).map(toJson),
  );
}

/** The native form of a link: `{ src: { dpid, port }, dst: { dpid, port } }`. */
export function linkJson(l: Link & Partial<Pick<LinkInfo, 'discoveredAt' | 'lastSeen'>>): Record<string, unknown> {
  return {
    src: { dpid: dpidToHex(l.src), port: l.srcPort },
    dst: { dpid: dpidToHex(l.dst), port: l.dstPort },
    ...(l.discoveredAt !== undefined ? { discoveredAt: new Date(l.discoveredAt).toISOString() } : {}),
    ...(l.lastSeen !== undefined ? { lastSeen: new Date(l.lastSeen).toISOString() } : {}),
  };
}

/** The native form of a host. */
export function hostJson(h: Host): Record<string, unknown> {
  return {
    id: h.id,
    mac: h.mac,
    ...(h.vlan !== undefined ? { vlan: h.vlan } : {}),
    ipv4: [...h.ipv4],
    ipv6: [...h.ipv6],
    location: { dpid: dpidToHex(h.location.dpid), port: h.location.port },
    ...(h.firstSeen !== undefined ? { firstSeen: new Date(h.firstSeen).toISOString() } : {}),
    ...(h.lastSeen !== undefined ? { lastSeen: new Date(h.lastSeen).toISOString() } : {}),
  };
}

/** The snapshot's switches as a list in dpid order. */
export function snapshotSwitches(s: ApiTopologySnapshot): SwitchInfo[] {
  return [...s.switches.values()].sort((a, b) => (a.dpid < b.dpid ? -1 : a.dpid > b.dpid ? 1 : 0));
}

/**
 * A switch's name: its local port's (OFPP_LOCAL) name, which Open vSwitch sets to the bridge's
 * (`s1` in Mininet); undefined when it has none (the description's dpDesc is often shared or "None").
 */
export function switchName(dp: SwitchView): string | undefined {
  return dp.ports.get(OFPP.LOCAL)?.name.trim() || undefined;
}

function pathJson(p: Path): Record<string, unknown> {
  const hops = [dpidToHex(p.src), ...p.links.map((l) => dpidToHex(l.dst))];
  return { src: dpidToHex(p.src), dst: dpidToHex(p.dst), cost: p.cost, hops, links: p.links.map(linkJson) };
}

/** An endpoint of a path query: a switch (dpid) or a host (MAC, `mac@vlan` or IP address). */
function resolveEndpoint(s: ApiTopologySnapshot, text: string, field: string): { dpid: bigint; host?: Host } {
  const t = text.trim().toLowerCase();
  const host = s.hosts.find((h) => h.id.toLowerCase() === t || h.mac.toLowerCase() === t || h.ipv4.includes(t) || h.ipv6.includes(t));
  if (host) return { dpid: host.location.dpid, host };
  if (/^(0x)?[0-9a-f]{1,16}$/.test(t) || /^([0-9a-f]{2}:){7}[0-9a-f]{2}$/.test(t)) {
    const dpid = parseDpid(t);
    if (!snapshotSwitches(s).some((sw) => sw.dpid === dpid)) throw new ApiError('not_found', `${field}: no switch ${dpidToHex(dpid)} in the topology`, field);
    return { dpid };
  }
  throw new ApiError('not_found', `${field}: ${JSON.stringify(text)} is neither a known host (MAC or IP) nor a datapath id`, field);
}

/** A JSON body kept as bytes, with its gzip made on the first request that takes it. */
export interface JsonAnswer {
  readonly body: Buffer;
  gzipped?: Promise<Buffer | undefined> | undefined;
}

/**
 * The last `GET /topology` answer: a snapshot is immutable (a new version is a new object), so
 * the same snapshot and the same switch list (names and connections come from the device view)
 * give the same bytes.
 */
export class TopologyAnswerCache {
  private last: { snapshot: ApiTopologySnapshot; switchesJson: string; answer: JsonAnswer } | undefined;

  /** The answer for this snapshot, given its switch list already as JSON. */
  answer(s: ApiTopologySnapshot, switchesJson: string): JsonAnswer {
    const last = this.last;
    if (last && last.snapshot === s && last.switchesJson === switchesJson) return last.answer;
    // Field for field what the response schema would write (the schema test compares).
    const version = s.version !== undefined ? `"version":${JSON.stringify(s.version)},` : '';
    const text = `{${version}"switches":${switchesJson},"links":${JSON.stringify(s.links.map(linkJson))},"hosts":${JSON.stringify(s.hosts.map(hostJson))}}`;
    const answer: JsonAnswer = { body: Buffer.from(text) };
    this.last = { snapshot: s, switchesJson, answer };
    return answer;
  }
}

const gzipAsync = promisify(gzip);

/** True when the request's Accept-Encoding takes gzip (not `gzip;q=0`). */
export function acceptsGzip(req: FastifyRequest): boolean {
  const header = String(req.headers['accept-encoding'] ?? '');
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip' && coding !== '*') return false;
    const q = params.map((x) => x.trim()).find((x) => x.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/** Sends a prepared JSON answer, gzipped when the client takes it and it is big enough to gain. */
export async function sendJson(req: FastifyRequest, reply: FastifyReply, a: JsonAnswer): Promise<FastifyReply> {
  void reply.type('application/json; charset=utf-8').header('vary', 'accept-encoding');
  if (a.body.length >= 1024 && acceptsGzip(req)) {
    // Level 6 (zlib's default): a 2.7 MB topology in tens of ms on the thread pool, about a tenth the size.
    // A failed compression is not kept: this request and later ones go plain.
    a.gzipped ??= gzipAsync(a.body).catch(() => (a.gzipped = undefined));
    const zipped = await a.gzipped;
    if (zipped) return reply.header('content-encoding', 'gzip').send(zipped);
  }
  return reply.send(a.body);
}

/** Registers the topology routes under the current prefix. */
export function topologyRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const snap = (): ApiTopologySnapshot => requireService(ctx.topology, 'topology').snapshot();

  // The answer is megabytes at scale (1,000 switches, 10,000 hosts): made once per snapshot and
  // switch list, gzipped once on demand (off the event loop), and sent as bytes to every reader.
  const cache = new TopologyAnswerCache();
  app.get('/topology', { schema: { tags: ['topology'], summary: 'Switches, links (one entry per direction) and hosts', response: responses(TOPOLOGY_RESPONSE, 503) } }, async (req, reply) => {
    const s = snap();
    const switches = snapshotSwitches(s).map((sw) => {
      const dp = ctx.devices.get(sw.dpid);
      const name = dp ? switchName(dp) : undefined;
      return { dpid: dpidToHex(sw.dpid), ...(name ? { name } : {}), ports: [...sw.ports], connected: dp !== undefined };
    });
    return sendJson(req, reply, cache.answer(s, JSON.stringify(switches)));
  });
  pagedList(app, '/links', 'Discovered links, one entry per direction, a page at a time (X-Total-Count: how many in all)', LINK_RESPONSE, () => snap().links, linkJson);
  pagedList(app, '/hosts', 'Learned hosts and where they attach, a page at a time (X-Total-Count: how many in all)', HOST_RESPONSE, () => snap().hosts, hostJson);

  app.get<{ Querystring: { src: string; dst: string; k?: number } }>(
    '/paths',
    {
      schema: {
        tags: ['topology'],
        summary: 'Up to k shortest loop-free paths between two switches or hosts',
        querystring: {
          type: 'object',
          required: ['src', 'dst'],
          additionalProperties: false,
          properties: {
            src: { type: 'string', minLength: 1, description: 'datapath id, host MAC or host IP' },
            dst: { type: 'string', minLength: 1, description: 'datapath id, host MAC or host IP' },
            k: { type: 'integer', minimum: 1, maximum: 64, default: 1 },
          },
        },
      },
    },
    async (req) => {
      const s = snap();
      const a = resolveEndpoint(s, req.query.src, 'query.src');
      const b = resolveEndpoint(s, req.query.dst, 'query.dst');
      const paths = s.kShortestPaths(a.dpid, b.dpid, req.query.k ?? 1);
      return {
        src: a.host ? { host: hostJson(a.host) } : { dpid: dpidToHex(a.dpid) },
        dst: b.host ? { host: hostJson(b.host) } : { dpid: dpidToHex(b.dpid) },
        paths: paths.map(pathJson),
      };
    },
  );
}
