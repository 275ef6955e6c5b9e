/**
 * Ryu rest_topology compatibility: /v1.0/topology/{switches,links,hosts}[/<dpid>] with Ryu's
 * shapes (dpids as 16 hex digits and port numbers as 8 hex digits, as Ryu prints them there).
 */
import type { FastifyInstance } from 'fastify';
import { dpidToHex, parseDpid } from '../../core/ids.js';
import type { Host, Link } from '../../core/model.js';
import type { ApiContext } from '../context.js';
import { requireService } from '../util.js';
import { snapshotSwitches } from './topology.js';

const DPID = { type: 'object', required: ['dpid'], properties: { dpid: { type: 'string', pattern: '^[0-9a-fA-F]{16}$' } } } as const;

/** Registers the rest_topology routes at the root. */
export function ryuTopologyRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const portDict = (dpid: bigint, portNo: number): Record<string, string> => {
    const p = ctx.devices.get(dpid)?.ports.get(portNo);
    return { dpid: dpidToHex(dpid), port_no: portNo.toString(16).padStart(8, '0'), hw_addr: p?.hwAddr ?? '00:00:00:00:00:00', name: p?.name ?? '' };
  };
  const switchDict = (dpid: bigint, ports: readonly number[]): Record<string, unknown> => ({
    dpid: dpidToHex(dpid),
    ports: ports.filter((n) => n < 0xffffff00).map((n) => portDict(dpid, n)),
  });
  const linkDict = (l: Link) => ({ src: portDict(l.src, l.srcPort), dst: portDict(l.dst, l.dstPort) });
  const hostDict = (h: Host) => ({ mac: h.mac, ipv4: [...h.ipv4], ipv6: [...h.ipv6], port: portDict(h.location.dpid, h.location.port) });
  const tags = ['ryu'];

  const switches = (only?: string) => {
    const want = only === undefined ? undefined : parseDpid(only);
    // The topology's view when it runs; else the connected switches and their ports.
    const list = ctx.topology
      ? snapshotSwitches(ctx.topology.snapshot()).map((s) => ({ dpid: s.dpid, ports: [...s.ports] }))
      : ctx.devices.list().map((d) => ({ dpid: d.dpid, ports: [...d.ports.keys()].sort((a, b) => a - b) }));
    return list.filter((s) => want === undefined || s.dpid === want).map((s) => switchDict(s.dpid, s.ports));
  };
  app.get('/v1.0/topology/switches', { schema: { tags } }, async () => switches());
  app.get<{ Params: { dpid: string } }>('/v1.0/topology/switches/:dpid', { schema: { tags, params: DPID } }, async (req) => switches(req.params.dpid));

  const links = (only?: string) => {
    const want = only === undefined ? undefined : parseDpid(only);
    return requireService(ctx.topology, 'topology')
      .snapshot()
      .links.filter((l) => want === undefined || l.src === want)
      .map(linkDict);
  };
  app.get('/v1.0/topology/links', { schema: { tags } }, async () => links());
  app.get<{ Params: { dpid: string } }>('/v1.0/topology/links/:dpid', { schema: { tags, params: DPID } }, async (req) => links(req.params.dpid));

  const hosts = (only?: string) => {
    const want = only === undefined ? undefined : parseDpid(only);
    return requireService(ctx.topology, 'topology')
      .snapshot()
      .hosts.filter((h) => want === undefined || h.location.dpid === want)
      .map(hostDict);
  };
  app.get('/v1.0/topology/hosts', { schema: { tags } }, async () => hosts());
  app.get<{ Params: { dpid: string } }>('/v1.0/topology/hosts/:dpid', { schema: { tags, params: DPID } }, async (req) => hosts(req.params.dpid));
}
