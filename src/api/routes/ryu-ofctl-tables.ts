/**
 * More of Ryu's ofctl_rest: table features (GET /stats/tablefeatures/<dpid>), queue configs
 * (GET /stats/queueconfig/<dpid>[/<port>], OFPT_QUEUE_GET_CONFIG) and experimenter messages
 * (POST /stats/experimenter/<dpid>), with Ryu's JSON field names. Like the other Ryu routes, the
 * experimenter message answers once a barrier confirmed it, or with the switch's error (422).
 */
import type { FastifyInstance } from 'fastify';
import { OFPP } from '../../openflow/codec/constants.js';
import type { QueueGetConfigReply } from '../../openflow/codec/v13/messages.js';
import type { OxmId, TableFeatureProp, TableFeatures } from '../../openflow/codec/v13/multipart.js';
import { oxmFieldSpec, OFPXMC } from '../../openflow/codec/v13/oxm-fields.js';
import type { QueueProp } from '../../openflow/codec/v13/structs.js';
import type { SwitchView } from '../../core/services.js';
import { ApiError } from '../errors.js';
import { dpidFromRyu, intFrom, reservedFromUser, reservedToUser } from '../ryu/ofctl.js';
import type { ApiContext } from '../context.js';
import { datapathById, require13, sendExact } from '../util.js';

const DPID_PARAM = { type: 'object', required: ['dpid'], properties: { dpid: { type: 'string', pattern: '^([0-9]{1,20}|0[xX][0-9a-fA-F]{1,16})$', description: 'datapath id in decimal or 0x hex, as Ryu reads it (int(s, 0))' } } } as const;

/** ofp_table_feature_prop_type names as Ryu prints them. */
const PROP_NAMES: Readonly<Record<Exclude<TableFeatureProp['type'], 'unknown'>, string>> = {
  instructions: 'INSTRUCTIONS',
  instructions_miss: 'INSTRUCTIONS_MISS',
  next_tables: 'NEXT_TABLES',
  next_tables_miss: 'NEXT_TABLES_MISS',
  write_actions: 'WRITE_ACTIONS',
  write_actions_miss: 'WRITE_ACTIONS_MISS',
  apply_actions: 'APPLY_ACTIONS',
  apply_actions_miss: 'APPLY_ACTIONS_MISS',
  match: 'MATCH',
  wildcards: 'WILDCARDS',
  write_setfield: 'WRITE_SETFIELD',
  write_setfield_miss: 'WRITE_SETFIELD_MISS',
  apply_setfield: 'APPLY_SETFIELD',
  apply_setfield_miss: 'APPLY_SETFIELD_MISS',
  experimenter: 'EXPERIMENTER',
  experimenter_miss: 'EXPERIMENTER_MISS',
};

/**
 * An OXM id as Ryu's OFPOxmId prints it: the field's name (`eth_dst`), the header's hasmask bit
 * as 0 or 1, and the header's length byte as the switch sent it.
 */
function oxmIdToRyu(id: OxmId): { hasmask: number; length: number; type: string } {
  const spec = id.oxmClass === OFPXMC.OPENFLOW_BASIC ? oxmFieldSpec(id.oxmField) : undefined;
  // A field this codec has no name for: Ryu's fallback, `field_<class << 7 | field>`.
  const type = spec ? spec.name : `field_${id.oxmClass * 128 + id.oxmField}`;
  return { hasmask: id.hasMask ? 1 : 0, length: id.length, type };
}

/** One ofp_table_feature_prop in Ryu's JSON. */
export function tableFeaturePropToRyu(p: TableFeatureProp): Record<string, unknown> {
  switch (p.type) {
    case 'instructions':
    case 'instructions_miss':
      // ofp_instruction_id: type and len (4, or more for an experimenter id).
      return { type: PROP_NAMES[p.type], instruction_ids: p.instructionIds.map((i) => ({ len: 4 + (i.data?.length ?? 0), type: i.instructionType })) };
    case 'next_tables':
    case 'next_tables_miss':
      return { type: PROP_NAMES[p.type], table_ids: [...p.tableIds] };
    case 'write_actions':
    case 'write_actions_miss':
    case 'apply_actions':
    case 'apply_actions_miss':
      return { type: PROP_NAMES[p.type], action_ids: p.actionIds.map((a) => ({ len: 4 + (a.data?.length ?? 0), type: a.actionType })) };
    case 'match':
    case 'wildcards':
    case 'write_setfield':
    case 'write_setfield_miss':
    case 'apply_setfield':
    case 'apply_setfield_miss':
      return { type: PROP_NAMES[p.type], oxm_ids: p.oxmIds.map(oxmIdToRyu) };
    case 'experimenter':
    case 'experimenter_miss':
      return { type: PROP_NAMES[p.type] };
    case 'unknown':
      return { type: 'UNKNOWN' };
    default: {
      const never: never = p;
      return never;
    }
  }
}

/** One ofp_table_features in Ryu's JSON. */
export function tableFeaturesToRyu(t: TableFeatures): Record<string, unknown> {
  return {
    name: t.name,
    metadata_match: t.metadataMatch,
    metadata_write: t.metadataWrite,
    config: t.config,
    max_entries: t.maxEntries,
    properties: t.properties.map(tableFeaturePropToRyu),
    table_id: reservedToUser('table', t.tableId),
  };
}

function queuePropToRyu(p: QueueProp): Record<string, unknown> {
  switch (p.type) {
    case 'min_rate':
      return { property: 'MIN_RATE', rate: p.rate };
    case 'max_rate':
      return { property: 'MAX_RATE', rate: p.rate };
    case 'experimenter':
      return { property: 'EXPERIMENTER', experimenter: p.experimenter, data: p.data.toString('hex') };
    case 'unknown':
      return { property: 'UNKNOWN' };
    default: {
      const never: never = p;
      return never;
    }
  }
}

/** An OFPT_QUEUE_GET_CONFIG_REPLY in Ryu's JSON (one entry per reply). */
export function queueConfigToRyu(r: QueueGetConfigReply): Record<string, unknown> {
  return {
    port: reservedToUser('port', r.port),
    queues: r.queues.map((q) => ({ port: reservedToUser('port', q.port), queue_id: reservedToUser('queue', q.queueId), properties: q.properties.map(queuePropToRyu) })),
  };
}

/** Registers the routes at the root. */
export function ryuTableRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const tags = ['ryu'];
  const dpOf = (s: string): SwitchView => datapathById(ctx, dpidFromRyu(s, 'params.dpid'));
  const keyed = (dp: SwitchView, v: unknown) => ({ [dp.dpid.toString()]: v });

  app.get<{ Params: { dpid: string } }>('/stats/tablefeatures/:dpid', { schema: { tags, summary: 'Table features (OFPMP_TABLE_FEATURES) of every table', params: DPID_PARAM } }, async (req, reply) => {
    const dp = dpOf(req.params.dpid);
    require13(dp, 'table features');
    const b = await ctx.admin.multipart(dp.dpid, { type: 'table_features', tables: [] });
    const tables = b.type === 'table_features' ? b.tables : [];
    return sendExact(reply, keyed(dp, tables.map(tableFeaturesToRyu)));
  });

  const queueConfig = async (dpid: string, port: string | undefined): Promise<Record<string, unknown>> => {
    const dp = dpOf(dpid);
    require13(dp, 'queue config');
    const portNo = port === undefined ? OFPP.ANY : reservedFromUser('port', port, 'params.port');
    return keyed(dp, [queueConfigToRyu(await ctx.admin.queueConfig(dp.dpid, portNo))]);
  };
  app.get<{ Params: { dpid: string } }>('/stats/queueconfig/:dpid', { schema: { tags, summary: 'Queues configured on every port (OFPT_QUEUE_GET_CONFIG_REQUEST)', params: DPID_PARAM } }, async (req, reply) =>
    sendExact(reply, await queueConfig(req.params.dpid, undefined)),
  );
  app.get<{ Params: { dpid: string; port: string } }>('/stats/queueconfig/:dpid/:port', { schema: { tags, summary: 'Queues configured on one port' } }, async (req, reply) =>
    sendExact(reply, await queueConfig(req.params.dpid, req.params.port)),
  );

  app.post<{ Params: { dpid: string }; Body: unknown }>(
    '/stats/experimenter/:dpid',
    {
      schema: {
        tags,
        summary: 'Send an OFPT_EXPERIMENTER: {"experimenter", "exp_type", "data_type": "ascii"|"base64", "data"}',
        params: DPID_PARAM,
        body: { type: 'object', description: "Ryu's experimenter JSON" },
      },
    },
    async (req, reply) => {
      const dp = dpOf(req.params.dpid);
      require13(dp, 'experimenter messages');
      const b = (req.body ?? {}) as Record<string, unknown>;
      const experimenter = intFrom(b.experimenter ?? 0, 'body.experimenter');
      const expType = intFrom(b.exp_type ?? 0, 'body.exp_type');
      const dataType = b.data_type ?? 'ascii';
      if (dataType !== 'ascii' && dataType !== 'base64') throw new ApiError('invalid_input', `body.data_type: expected "ascii" or "base64", got ${JSON.stringify(dataType)}`, 'body.data_type');
      const text = b.data ?? '';
      if (typeof text !== 'string') throw new ApiError('invalid_input', 'body.data: expected a string', 'body.data');
      let data: Buffer;
      if (dataType === 'base64') {
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new ApiError('invalid_input', 'body.data: not valid base64', 'body.data');
        data = Buffer.from(text, 'base64');
      } else {
        // eslint-disable-next-line no-control-regex
        if (!/^[\x00-\x7f]*$/.test(text)) throw new ApiError('invalid_input', 'body.data: not ASCII (use "data_type": "base64" for bytes)', 'body.data');
        data = Buffer.from(text, 'ascii');
      }
      // No reply of its own: the service resolves once a barrier confirmed it, or rejects with
      // the switch's error for its xid (OFPBRC_BAD_EXPERIMENTER...), which the API answers with 422.
      await ctx.admin.experimenter(dp.dpid, experimenter, expType, data);
      return reply.status(200).send();
    },
  );
}
