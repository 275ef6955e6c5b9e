/** Native API: switches, their ports (and port mod), description, features, role, flows, groups, meters and stats. */
import type { FastifyInstance } from 'fastify';
import { OFPCR_ROLE, OFPGC, OFPMC, OFPPC, OFPPS } from '../../openflow/codec/v13/enums.js';
import type { SwitchView } from '../../core/services.js';
import type { FlowCommand } from '../../core/model.js';
import { ownerCookie as cookieOfOwner, ownerIdFor, OWNER_COOKIE_MASK } from '../../flows/cookie.js';
import { ApiError } from '../errors.js';
import {
  bandsFromJson,
  bucketsFromJson,
  FLOW_SCHEMA,
  flowFilter,
  flowSpecFromJson,
  GROUP_SCHEMA,
  GROUP_TYPES,
  METER_SCHEMA,
  meterFlags,
  type FlowBody,
} from '../flow-json.js';
import { FLOW_RESPONSE, PORT_RESPONSE, responses, SWITCH_DETAIL_RESPONSE, SWITCH_RESPONSE } from '../schemas.js';
import type { ApiContext } from '../context.js';
import { datapathByHex, native, page, PAGE_QUERY, parseU64, require13 } from '../util.js';

const DPID_PARAMS = {
  type: 'object',
  required: ['dpid'],
  properties: { dpid: { type: 'string', description: 'datapath id, 16 hex digits' } },
} as const;
const dpidAnd = (name: string, schema: object) => ({
  type: 'object',
  required: ['dpid', name],
  properties: { dpid: DPID_PARAMS.properties.dpid, [name]: schema },
});
const U32 = { type: 'integer', minimum: 0, maximum: 0xffffffff } as const;
const U64_TEXT = { type: 'string', pattern: '^(0[xX][0-9a-fA-F]{1,16}|[0-9]{1,20})$' } as const;

/** Version as text. */
function versionName(v: number): string {
  return v === 4 ? '1.3' : v === 1 ? '1.0' : String(v);
}

/** ofp_desc's five strings. */
function descJson(dp: SwitchView): Record<string, string> {
  const d = dp.desc;
  return { mfrDesc: d.mfrDesc, hwDesc: d.hwDesc, swDesc: d.swDesc, serialNum: d.serialNum, dpDesc: d.dpDesc };
}

/** The summary of one switch. */
export function switchSummary(dp: SwitchView): Record<string, unknown> {
  return {
    dpid: dp.dpidHex,
    version: versionName(dp.version),
    remoteAddress: dp.remoteAddress,
    connectedAt: new Date(dp.connectedAt).toISOString(),
    ports: dp.ports.size,
    description: descJson(dp),
    features: native(dp.features),
  };
}

function portJson(p: { portNo: number; config: number; state: number }): Record<string, unknown> {
  return { ...(native(p) as Record<string, unknown>), up: (p.config & OFPPC.PORT_DOWN) === 0 && (p.state & OFPPS.LINK_DOWN) === 0 };
}

type FlowQuery = { table?: number; cookie?: string; cookieMask?: string; owner?: string; outPort?: number | string; outGroup?: number; strict?: boolean };

const FLOW_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    table: { type: 'integer', minimum: 0, maximum: 255 },
    cookie: U64_TEXT,
    cookieMask: U64_TEXT,
    owner: { type: 'string', minLength: 1, description: 'app name: only flows whose cookie carries its owner id' },
    outPort: { anyOf: [U32, { type: 'string' }] },
    outGroup: U32,
  },
} as const;

/** The live flow list's query: the flow filter plus a page (limit, offset). */
const FLOW_LIST_QUERY = { ...FLOW_QUERY, properties: { ...FLOW_QUERY.properties, ...PAGE_QUERY.properties } } as const;

type PageQuery = { limit?: number; offset?: number };

/** Registers the switch routes under the given prefix (/api/v1). */
export function switchRoutes(app: FastifyInstance, ctx: ApiContext, opts: { onFlowMod: (dpid: bigint) => void }): void {
  const ownerCookie = ctx.ownerCookie ?? ((o: string) => ({ cookie: cookieOfOwner(ownerIdFor(o)), mask: OWNER_COOKIE_MASK }));

  const cookieFilter = (q: FlowQuery): { cookie: bigint; mask: bigint } | undefined => {
    const cookie = parseU64(q.cookie, 'query.cookie');
    const mask = parseU64(q.cookieMask, 'query.cookieMask');
    if (q.owner !== undefined) {
      if (cookie !== undefined) throw new ApiError('invalid_input', 'query.owner: give either owner or cookie, not both', 'query.owner');
      const c = ownerCookie(q.owner);
      // A misspelt owner would match nothing and look like "no flows": refuse it when the flow service can tell.
      if (ctx.flows && ctx.flows.ownerOfCookie(c.cookie) === undefined) throw new ApiError('invalid_input', `query.owner: no flow owner named ${JSON.stringify(q.owner)} (an app, static or system)`, 'query.owner');
      return c;
    }
    if (cookie === undefined) return undefined;
    return { cookie, mask: mask ?? 0xffff_ffff_ffff_ffffn };
  };

  app.get<{ Querystring: PageQuery }>(
    '/switches',
    { schema: { tags: ['switches'], summary: 'Connected switches, a page at a time (X-Total-Count: how many in all)', querystring: PAGE_QUERY, response: responses({ type: 'array', items: SWITCH_RESPONSE }, 400) } },
    async (req, reply) => page(ctx.devices.list(), req.query, reply).map(switchSummary),
  );

  app.get<{ Params: { dpid: string } }>('/switches/:dpid', { schema: { tags: ['switches'], summary: 'One switch', params: DPID_PARAMS, response: responses(SWITCH_DETAIL_RESPONSE, 400, 404) } }, async (req) => {
    const dp = datapathByHex(ctx, req.params.dpid);
    return { ...switchSummary(dp), portList: [...dp.ports.values()].sort((a, b) => a.portNo - b.portNo).map(portJson) };
  });

  app.get<{ Params: { dpid: string }; Querystring: PageQuery }>(
    '/switches/:dpid/ports',
    { schema: { tags: ['switches'], summary: 'Ports of a switch, a page at a time (X-Total-Count: how many in all)', params: DPID_PARAMS, querystring: PAGE_QUERY, response: responses({ type: 'array', items: PORT_RESPONSE }, 400, 404) } },
    async (req, reply) => {
      const dp = datapathByHex(ctx, req.params.dpid);
      return page([...dp.ports.values()].sort((a, b) => a.portNo - b.portNo), req.query, reply).map(portJson);
    },
  );

  app.patch<{ Params: { dpid: string; port: number }; Body: { up?: boolean; config?: number; mask?: number } }>(
    '/switches/:dpid/ports/:port',
    {
      schema: {
        tags: ['switches'],
        summary: 'Bring a port up or down (PORT_MOD), or set OFPPC_* config bits under a mask',
        params: dpidAnd('port', U32),
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { up: { type: 'boolean' }, config: U32, mask: U32 },
        },
      },
    },
    async (req) => {
      const dp = datapathByHex(ctx, req.params.dpid);
      const b = req.body ?? {};
      let config: number;
      let mask: number;
      if (b.up !== undefined) {
        if (b.config !== undefined || b.mask !== undefined) throw new ApiError('invalid_input', 'body: give either up or config and mask', 'body.up');
        config = b.up ? 0 : OFPPC.PORT_DOWN;
        mask = OFPPC.PORT_DOWN;
      } else if (b.config !== undefined && b.mask !== undefined) {
        config = b.config;
        mask = b.mask;
      } else {
        throw new ApiError('invalid_input', 'body.up is required (or config and mask)', 'body.up');
      }
      if (!dp.ports.has(req.params.port)) throw new ApiError('not_found', `switch ${dp.dpidHex} has no port ${req.params.port}`, 'params.port');
      await ctx.admin.portMod(dp.dpid, req.params.port, config, mask);
      return { dpid: dp.dpidHex, port: req.params.port, config, mask };
    },
  );

  app.get<{ Params: { dpid: string } }>('/switches/:dpid/description', { schema: { tags: ['switches'], params: DPID_PARAMS } }, async (req) => descJson(datapathByHex(ctx, req.params.dpid)));
  app.get<{ Params: { dpid: string } }>('/switches/:dpid/features', { schema: { tags: ['switches'], params: DPID_PARAMS } }, async (req) => {
    const dp = datapathByHex(ctx, req.params.dpid);
    return { ...(native(dp.features) as Record<string, unknown>), version: versionName(dp.version) };
  });

  const roleName = (r: number): string => (Object.keys(OFPCR_ROLE).find((k) => OFPCR_ROLE[k as keyof typeof OFPCR_ROLE] === r) ?? String(r)).toLowerCase();
  app.get<{ Params: { dpid: string } }>('/switches/:dpid/role', { schema: { tags: ['switches'], summary: "This controller's role on the switch (ROLE_REQUEST nochange)", params: DPID_PARAMS } }, async (req) => {
    const dp = datapathByHex(ctx, req.params.dpid);
    require13(dp, 'role');
    const r = await ctx.admin.role(dp.dpid, OFPCR_ROLE.NOCHANGE, 0n);
    return { role: roleName(r.role), generationId: r.generationId.toString() };
  });
  app.put<{ Params: { dpid: string }; Body: { role: 'master' | 'slave' | 'equal'; generationId?: string | number } }>(
    '/switches/:dpid/role',
    {
      schema: {
        tags: ['switches'],
        params: DPID_PARAMS,
        body: {
          type: 'object',
          required: ['role'],
          additionalProperties: false,
          properties: { role: { type: 'string', enum: ['master', 'slave', 'equal'] }, generationId: { anyOf: [U64_TEXT, { type: 'integer', minimum: 0 }] } },
        },
      },
    },
    async (req) => {
      const dp = datapathByHex(ctx, req.params.dpid);
      require13(dp, 'role');
      const role = OFPCR_ROLE[req.body.role.toUpperCase() as 'MASTER' | 'SLAVE' | 'EQUAL'];
      const gen = parseU64(req.body.generationId === undefined ? undefined : String(req.body.generationId), 'body.generationId') ?? 0n;
      const r = await ctx.admin.role(dp.dpid, role, gen);
      return { role: roleName(r.role), generationId: r.generationId.toString() };
    },
  );

  // Flows -------------------------------------------------------------------------------------

  app.get<{ Params: { dpid: string }; Querystring: FlowQuery & PageQuery }>(
    '/switches/:dpid/flows',
    {
      schema: {
        tags: ['flows'],
        summary: 'Flows installed on the switch, read live from it, a page at a time (X-Total-Count: how many match in all)',
        params: DPID_PARAMS,
        querystring: FLOW_LIST_QUERY,
        response: responses({ type: 'array', items: FLOW_RESPONSE }, 400, 404, 502, 504),
      },
    },
    async (req, reply) => {
      const dp = datapathByHex(ctx, req.params.dpid);
      const { limit, offset, ...filter } = req.query;
      const flows = page(await ctx.admin.flowStats(dp.dpid, flowFilter(filter, cookieFilter(filter))), { limit, offset }, reply);
      return flows.map((f) => ({ ...(native(f) as Record<string, unknown>), owner: ctx.flows?.ownerOfCookie(f.cookie) ?? null }));
    },
  );

  const flowMod = async (dpHex: string, body: FlowBody, command: FlowCommand): Promise<SwitchView> => {
    const dp = datapathByHex(ctx, dpHex);
    const spec = flowSpecFromJson(body, command);
    try {
      await ctx.admin.flowMod(dp.dpid, spec);
    } catch (e) {
      if ((e as Error).name === 'OfEncodeError') {
        const f = (e as { field?: string }).field;
        throw new ApiError('invalid_input', `body.${(e as Error).message}`, f === undefined ? 'body' : `body.${f}`);
      }
      throw e;
    }
    opts.onFlowMod(dp.dpid);
    return dp;
  };

  app.post<{ Params: { dpid: string }; Body: FlowBody }>(
    '/switches/:dpid/flows',
    { schema: { tags: ['flows'], summary: 'Add a flow (answers once the switch confirmed it, or with its error)', params: DPID_PARAMS, body: FLOW_SCHEMA } },
    async (req, reply) => {
      await flowMod(req.params.dpid, req.body ?? {}, 'add');
      return reply.status(201).send({ status: 'added' });
    },
  );

  app.put<{ Params: { dpid: string }; Body: FlowBody; Querystring: { strict?: boolean } }>(
    '/switches/:dpid/flows',
    {
      schema: {
        tags: ['flows'],
        summary: 'Modify the actions of matching flows (strict: same match and priority only)',
        params: DPID_PARAMS,
        querystring: { type: 'object', additionalProperties: false, properties: { strict: { type: 'boolean' } } },
        body: FLOW_SCHEMA,
      },
    },
    async (req) => {
      await flowMod(req.params.dpid, req.body ?? {}, req.query.strict ? 'modify_strict' : 'modify');
      return { status: 'modified' };
    },
  );

  app.delete<{ Params: { dpid: string }; Body: FlowBody | undefined; Querystring: FlowQuery & { strict?: boolean } }>(
    '/switches/:dpid/flows',
    {
      schema: {
        tags: ['flows'],
        summary: 'Delete matching flows: the body (match, priority, outPort...) and the query (table, cookie, owner) select them; no selector deletes all',
        params: DPID_PARAMS,
        querystring: { ...FLOW_QUERY, properties: { ...FLOW_QUERY.properties, strict: { type: 'boolean' } } },
        body: { ...FLOW_SCHEMA, nullable: true },
      },
    },
    async (req) => {
      const q = req.query;
      const body: FlowBody = { ...(req.body ?? {}) };
      const c = cookieFilter(q);
      const merged: FlowBody = {
        ...body,
        ...(q.table !== undefined ? { tableId: q.table } : {}),
        ...(c ? { cookie: `0x${c.cookie.toString(16)}`, cookieMask: `0x${c.mask.toString(16)}` } : {}),
        ...(q.outPort !== undefined ? { outPort: q.outPort } : {}),
        ...(q.outGroup !== undefined ? { outGroup: q.outGroup } : {}),
      };
      await flowMod(req.params.dpid, merged, q.strict ? 'delete_strict' : 'delete');
      return { status: 'deleted' };
    },
  );

  // Groups ------------------------------------------------------------------------------------

  type GroupBody = { groupId?: number; type: string | number; buckets?: { weight?: number; watchPort?: number | string; watchGroup?: number; actions?: unknown[] }[] };
  const groupType = (t: string | number): number => (typeof t === 'number' ? t : GROUP_TYPES[t]!);

  app.get<{ Params: { dpid: string } }>('/switches/:dpid/groups', { schema: { tags: ['groups'], summary: 'Group descriptions', params: DPID_PARAMS } }, async (req) => {
    const dp = datapathByHex(ctx, req.params.dpid);
    require13(dp, 'groups');
    const body = await ctx.admin.groupDesc(dp.dpid);
    return body.type === 'group_desc' ? body.groups.map((g) => native(g)) : [];
  });
  app.get<{ Params: { dpid: string } }>('/switches/:dpid/groups/stats', { schema: { tags: ['groups'], summary: 'Group counters', params: DPID_PARAMS } }, async (req) => {
    const dp = datapathByHex(ctx, req.params.dpid);
    require13(dp, 'groups');
    const body = await ctx.admin.groupStats(dp.dpid);
    return body.type === 'group' ? body.groups.map((g) => native(g)) : [];
  });
  app.post<{ Params: { dpid: string }; Body: GroupBody }>(
    '/switches/:dpid/groups',
    { schema: { tags: ['groups'], summary: 'Add a group', params: DPID_PARAMS, body: { ...GROUP_SCHEMA, required: ['groupId', 'type'] } } },
    async (req, reply) => {
      const dp = datapathByHex(ctx, req.params.dpid);
      require13(dp, 'groups');
      await ctx.admin.groupMod(dp.dpid, OFPGC.ADD, groupType(req.body.type), req.body.groupId!, bucketsFromJson(req.body.buckets, 'body.buckets'));
      return reply.status(201).send({ status: 'added', groupId: req.body.groupId });
    },
  );
  app.put<{ Params: { dpid: string; groupId: number }; Body: GroupBody }>(
    '/switches/:dpid/groups/:groupId',
    { schema: { tags: ['groups'], summary: 'Replace a group', params: dpidAnd('groupId', U32), body: GROUP_SCHEMA } },
    async (req) => {
      const dp = datapathByHex(ctx, req.params.dpid);
      require13(dp, 'groups');
      await ctx.admin.groupMod(dp.dpid, OFPGC.MODIFY, groupType(req.body.type), req.params.groupId, bucketsFromJson(req.body.buckets, 'body.buckets'));
      return { status: 'modified', groupId: req.params.groupId };
    },
  );
  app.delete<{ Params: { dpid: string; groupId: number } }>(
    '/switches/:dpid/groups/:groupId',
    { schema: { tags: ['groups'], summary: 'Delete a group (4294967292 = OFPG_ALL deletes all)', params: dpidAnd('groupId', U32) } },
    async (req) => {
      const dp = datapathByHex(ctx, req.params.dpid);
      require13(dp, 'groups');
      await ctx.admin.groupMod(dp.dpid, OFPGC.DELETE, 0, req.params.groupId, []);
      return { status: 'deleted', groupId: req.params.groupId };
    },
  );

  // Meters ------------------------------------------------------------------------------------

  type MeterBody = { meterId?: number; flags?: string[] | number; bands?: { type: string; rate: number; burstSize?: number; precLevel?: number }[] };
  app.get<{ Params: { dpid: string } }>('/switches/:dpid/meters', { schema: { tags: ['meters'], summary: 'Meter configurations', params: DPID_PARAMS } }, async (req) => {
    const dp = datapathByHex(ctx, req.params.dpid);
    require13(dp, 'meters');
    const body = await ctx.admin.meterConfig(dp.dpid);
    return body.type === 'meter_config' ? body.meters.map((m) => native(m)) : [];
  });
  app.get<{ Params: { dpid: string } }>('/switches/:dpid/meters/stats', { schema: { tags: ['meters'], summary: 'Meter counters', params: DPID_PARAMS } }, async (req) => {
    const dp = datapathByHex(ctx, req.params.dpid);
    require13(dp, 'meters');
    const body = await ctx.admin.meterStats(dp.dpid);
    return body.type === 'meter' ? body.meters.map((m) => native(m)) : [];
  });
  app.post<{ Params: { dpid: string }; Body: MeterBody }>(
    '/switches/:dpid/meters',
    { schema: { tags: ['meters'], summary: 'Add a meter', params: DPID_PARAMS, body: { ...METER_SCHEMA, required: ['meterId', 'bands'] } } },
    async (req, reply) => {
      const dp = datapathByHex(ctx, req.params.dpid);
      require13(dp, 'meters');
      await ctx.admin.meterMod(dp.dpid, OFPMC.ADD, meterFlags(req.body.flags), req.body.meterId!, bandsFromJson(req.body.bands));
      return reply.status(201).send({ status: 'added', meterId: req.body.meterId });
    },
  );
  app.put<{ Params: { dpid: string; meterId: number }; Body: MeterBody }>(
    '/switches/:dpid/meters/:meterId',
    { schema: { tags: ['meters'], summary: 'Replace a meter', params: dpidAnd('meterId', U32), body: METER_SCHEMA } },
    async (req) => {
      const dp = datapathByHex(ctx, req.params.dpid);
      require13(dp, 'meters');
      await ctx.admin.meterMod(dp.dpid, OFPMC.MODIFY, meterFlags(req.body.flags), req.params.meterId, bandsFromJson(req.body.bands));
      return { status: 'modified', meterId: req.params.meterId };
    },
  );
  app.delete<{ Params: { dpid: string; meterId: number } }>(
    '/switches/:dpid/meters/:meterId',
    { schema: { tags: ['meters'], summary: 'Delete a meter (4294967295 = OFPM_ALL deletes all)', params: dpidAnd('meterId', U32) } },
    async (req) => {
      const dp = datapathByHex(ctx, req.params.dpid);
      require13(dp, 'meters');
      await ctx.admin.meterMod(dp.dpid, OFPMC.DELETE, 0, req.params.meterId, []);
      return { status: 'deleted', meterId: req.params.meterId };
    },
  );

  // Stats -------------------------------------------------------------------------------------

  app.get<{ Params: { dpid: string }; Querystring: { port?: number } & PageQuery }>(
    '/switches/:dpid/stats/ports',
    {
      schema: {
        tags: ['stats'],
        summary: 'Port counters (all ports, or ?port=N), a page at a time (X-Total-Count: how many in all)',
        params: DPID_PARAMS,
        querystring: { type: 'object', additionalProperties: false, properties: { port: U32, ...PAGE_QUERY.properties } },
      },
    },
    async (req, reply) => {
      const dp = datapathByHex(ctx, req.params.dpid);
      const body = await ctx.admin.portStats(dp.dpid, req.query.port);
      const ports = body.type === 'port_stats' || body.type === 'port' ? body.ports : [];
      return page(ports, req.query, reply).map((p) => native(p));
    },
  );
  app.get<{ Params: { dpid: string }; Querystring: { active?: boolean } }>(
    '/switches/:dpid/stats/tables',
    { schema: { tags: ['stats'], summary: 'Table counters (?active=true: only tables with flows)', params: DPID_PARAMS, querystring: { type: 'object', additionalProperties: false, properties: { active: { type: 'boolean' } } } } },
    async (req) => {
      const dp = datapathByHex(ctx, req.params.dpid);
      const body = await ctx.admin.tableStats(dp.dpid);
      if (body.type !== 'table') return [];
      const tables = req.query.active ? body.tables.filter((t) => t.activeCount > 0) : body.tables;
      return tables.map((t) => native(t));
    },
  );
  app.get<{ Params: { dpid: string }; Querystring: FlowQuery }>(
    '/switches/:dpid/stats/aggregate',
    { schema: { tags: ['stats'], summary: 'Packet, byte and flow counts over matching flows', params: DPID_PARAMS, querystring: FLOW_QUERY } },
    async (req) => {
      const dp = datapathByHex(ctx, req.params.dpid);
      return native(await ctx.admin.aggregateStats(dp.dpid, flowFilter(req.query, cookieFilter(req.query))));
    },
  );
  app.get<{ Params: { dpid: string }; Querystring: { port?: number; queue?: number } }>(
    '/switches/:dpid/stats/queues',
    { schema: { tags: ['stats'], summary: 'Queue counters', params: DPID_PARAMS, querystring: { type: 'object', additionalProperties: false, properties: { port: U32, queue: U32 } } } },
    async (req) => {
      const dp = datapathByHex(ctx, req.params.dpid);
      const body = await ctx.admin.queueStats(dp.dpid, req.query.port, req.query.queue);
      return body.type === 'queue' ? body.queues.map((q) => native(q)) : [];
    },
  );
}
