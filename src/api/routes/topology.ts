/** Native API: topology (switches, links one per direction, hosts), links, hosts and k shortest paths. */
import type { FastifyInstance } from 'fastify';
import { dpidToHex, parseDpid } from '../../core/ids.js';
import { ApiError } from '../errors.js';
import { HOST_RESPONSE, LINK_RESPONSE, responses, TOPOLOGY_RESPONSE } from '../schemas.js';
import type { Host, Link, LinkInfo, Path, SwitchInfo } from '../../core/model.js';
import type { ApiContext, ApiTopologySnapshot } from '../context.js';
import type { SwitchView } from '../../core/services.js';
import { OFPP } from '../../openflow/codec/constants.js';
import { page, PAGE_QUERY, requireService } from '../util.js';

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

/** Registers the topology routes under the current prefix. */
export function topologyRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const snap = (): ApiTopologySnapshot => requireService(ctx.topology, 'topology').snapshot();

  app.get('/topology', { schema: { tags: ['topology'], summary: 'Switches, links (one entry per direction) and hosts', response: responses(TOPOLOGY_RESPONSE, 503) } }, async () => {
    const s = snap();
    return {
      ...(s.version !== undefined ? { version: s.version } : {}),
      switches: snapshotSwitches(s).map((sw) => {
        const dp = ctx.devices.get(sw.dpid);
        const name = dp ? switchName(dp) : undefined;
        return { dpid: dpidToHex(sw.dpid), ...(name ? { name } : {}), ports: [...sw.ports], connected: dp !== undefined };
      }),
      links: s.links.map(linkJson),
      hosts: s.hosts.map(hostJson),
    };
  });
  app.get<{ Querystring: { limit?: number; offset?: number } }>(
    '/links',
    {
      schema: {
        tags: ['topology'],
        summary: 'Discovered links, one entry per direction, a page at a time (X-Total-Count: how many in all)',
        querystring: PAGE_QUERY,
        response: responses({ type: 'array', items: LINK_RESPONSE }, 400, 503),
      },
    },
    async (req, reply) => page(snap().links, req.query, reply).map(linkJson),
  );
  app.get<{ Querystring: { limit?: number; offset?: number } }>(
    '/hosts',
    {
      schema: {
        tags: ['topology'],
        summary: 'Learned hosts and where they attach, a page at a time (X-Total-Count: how many in all)',
        querystring: PAGE_QUERY,
        response: responses({ type: 'array', items: HOST_RESPONSE }, 400, 503),
      },
    },
    async (req, reply) => page(snap().hosts, req.query, reply).map(hostJson),
  );

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
