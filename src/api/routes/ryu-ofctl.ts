/**
 * Ryu ofctl_rest compatibility: the /stats/* routes with Ryu's request and response JSON (decimal
 * dpids, Ryu's field names, `{"<dpid>": [...]}` replies), so scripts written for Ryu work
 * unchanged. Differences from Ryu, on purpose: flow, group and meter changes answer once the
 * switch confirmed them (or with its error, 422), bad input is a 400 naming the field instead of
 * being logged and skipped, and `clear` deletes the flows of every table.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { OFP_NO_BUFFER, OFPG, OFPP, OFPTT } from '../../openflow/codec/constants.js';
import { OFPCR_ROLE, OFPGC, OFPGT, OFPMBT, OFPMC, OFPMF } from '../../openflow/codec/v13/enums.js';
import type { MeterBand } from '../../openflow/codec/v13/structs.js';
import { encodeInstructions } from '../../openflow/codec/v13/instructions.js';
import { matchLength } from '../../openflow/codec/v13/oxm.js';
import { Writer } from '../../openflow/codec/writer.js';
import type { SwitchView } from '../../core/services.js';
import type { FlowCommand, FlowSpec } from '../../core/model.js';
import { portFrom10 } from '../../openflow/translate.js';
import { ApiError } from '../errors.js';
import {
  actionsFromRyu,
  bigFrom,
  dpidFromRyu,
  instructionsFromRyu,
  instructionsToRyu,
  intFrom,
  matchFromRyu,
  matchToRyu,
  reservedFromUser,
  reservedToUser,
  actionToRyu,
  type RyuJson,
} from '../ryu/ofctl.js';
import type { ApiContext } from '../context.js';
import { datapathById, require13, sendExact } from '../util.js';

/** The OFPFC_* commands a Ryu flow route may name. */
const FLOW_COMMAND_NAMES: ReadonlySet<string> = new Set<FlowCommand>(['add', 'modify', 'modify_strict', 'delete', 'delete_strict']);
const DPID_PARAM = { type: 'object', required: ['dpid'], properties: { dpid: { type: 'string', pattern: '^([0-9]{1,20}|0[xX][0-9a-fA-F]{1,16})$', description: 'datapath id in decimal or 0x hex, as Ryu reads it (int(s, 0))' } } } as const;
const RYU_BODY = { type: 'object', description: "Ryu's JSON; see the ryu.app.ofctl_rest documentation" } as const;

const GROUP_TYPE_NAMES: Readonly<Record<string, number>> = { ALL: OFPGT.ALL, SELECT: OFPGT.SELECT, INDIRECT: OFPGT.INDIRECT, FF: OFPGT.FF };
const METER_FLAG_NAMES: Readonly<Record<string, number>> = { KBPS: OFPMF.KBPS, PKTPS: OFPMF.PKTPS, BURST: OFPMF.BURST, STATS: OFPMF.STATS };
const BAND_NAMES: Readonly<Record<number, string>> = { [OFPMBT.DROP]: 'DROP', [OFPMBT.DSCP_REMARK]: 'DSCP_REMARK', [OFPMBT.EXPERIMENTER]: 'EXPERIMENTER' };

function nameOf(table: Readonly<Record<string, number>>, n: number): string | undefined {
  return Object.keys(table).find((k) => table[k] === n);
}

function flagNames(table: Readonly<Record<string, number>>, bits: number): string[] {
  return Object.entries(table)
    .sort((a, b) => a[1] - b[1])
    .filter(([, v]) => (bits & v) !== 0)
    .map(([k]) => k);
}

/** ofp_flow_stats length: 48 fixed bytes, the padded match, the instructions. */
function flowStatsLength(match: Parameters<typeof matchLength>[0], instructions: Parameters<typeof encodeInstructions>[1]): number {
  const w = new Writer(256);
  encodeInstructions(w, instructions);
  return 48 + matchLength(match) + w.pos;
}

/** Registers the ofctl_rest routes at the root. */
export function ryuOfctlRoutes(app: FastifyInstance, ctx: ApiContext, opts: { onFlowMod: (dpid: bigint) => void }): void {
  const dpOf = (s: string): SwitchView => datapathById(ctx, dpidFromRyu(s, 'params.dpid'));
  const body = (b: unknown): Record<string, unknown> => {
    if (b === undefined || b === null) return {};
    if (typeof b !== 'object' || Array.isArray(b)) throw new ApiError('invalid_input', 'body: expected a JSON object', 'body');
    return b as Record<string, unknown>;
  };
  const keyed = (reply: FastifyReply, dp: SwitchView, v: unknown): FastifyReply => sendExact(reply, { [dp.dpid.toString()]: v });
  const tags = ['ryu'];

  app.get('/stats/switches', { schema: { tags, summary: 'Datapath ids of the connected switches (decimal)' } }, async (_req, reply) =>
    sendExact(reply, ctx.devices.list().map((d) => d.dpid)),
  );

  app.get<{ Params: { dpid: string } }>('/stats/desc/:dpid', { schema: { tags, params: DPID_PARAM } }, async (req, reply) => {
    const dp = dpOf(req.params.dpid);
    const d = dp.desc;
    return keyed(reply, dp, { mfr_desc: d.mfrDesc, hw_desc: d.hwDesc, sw_desc: d.swDesc, serial_num: d.serialNum, dp_desc: d.dpDesc });
  });

  // Flow stats ---------------------------------------------------------------------------------

  const flowFilterFromRyu = (b: Record<string, unknown>) => ({
    tableId: reservedFromUser('table', b.table_id ?? OFPTT.ALL, 'body.table_id', 0xff),
    outPort: reservedFromUser('port', b.out_port ?? OFPP.ANY, 'body.out_port'),
    outGroup: reservedFromUser('group', b.out_group ?? OFPG.ANY, 'body.out_group'),
    cookie: bigFrom(b.cookie ?? 0, 'body.cookie'),
    cookieMask: bigFrom(b.cookie_mask ?? 0, 'body.cookie_mask'),
    match: matchFromRyu(b.match, 'body.match'),
  });

  const flowStats = async (dpid: string, b: Record<string, unknown>, reply: FastifyReply): Promise<FastifyReply> => {
    const dp = dpOf(dpid);
    const filter = flowFilterFromRyu(b);
    const flows = await ctx.admin.flowStats(dp.dpid, filter);
    const out = flows.map((f) => ({
      priority: f.priority,
      cookie: f.cookie,
      idle_timeout: f.idleTimeout,
      hard_timeout: f.hardTimeout,
      actions: instructionsToRyu(f.instructions),
      match: matchToRyu(f.match),
      byte_count: f.byteCount,
      duration_sec: f.durationSec,
      duration_nsec: (f as { durationNsec?: number }).durationNsec ?? 0,
      packet_count: f.packetCount,
      table_id: reservedToUser('table', f.tableId),
      length: flowStatsLength(f.match, f.instructions),
      flags: f.flags,
    }));
    return keyed(reply, dp, out);
  };
  app.get<{ Params: { dpid: string } }>('/stats/flow/:dpid', { schema: { tags, summary: 'All flows of a switch', params: DPID_PARAM } }, async (req, reply) => flowStats(req.params.dpid, {}, reply));
  app.post<{ Params: { dpid: string }; Body: unknown }>(
    '/stats/flow/:dpid',
    { config: { scope: 'read' }, schema: { tags, summary: 'Flows filtered by table_id, out_port, out_group, cookie, cookie_mask, match', params: DPID_PARAM, body: { ...RYU_BODY, nullable: true } } },
    async (req, reply) => flowStats(req.params.dpid, body(req.body), reply),
  );
  // Ryu routes /stats/flowdesc to the same get_flow_stats handler, so the answer is /stats/flow's.
  app.get<{ Params: { dpid: string } }>('/stats/flowdesc/:dpid', { schema: { tags, summary: 'Same as GET /stats/flow/<dpid>', params: DPID_PARAM } }, async (req, reply) => flowStats(req.params.dpid, {}, reply));
  app.post<{ Params: { dpid: string }; Body: unknown }>(
    '/stats/flowdesc/:dpid',
    { config: { scope: 'read' }, schema: { tags, summary: 'Same as POST /stats/flow/<dpid>', params: DPID_PARAM, body: { ...RYU_BODY, nullable: true } } },
    async (req, reply) => flowStats(req.params.dpid, body(req.body), reply),
  );

  const aggregate = async (dpid: string, b: Record<string, unknown>, reply: FastifyReply): Promise<FastifyReply> => {
    const dp = dpOf(dpid);
    const a = await ctx.admin.aggregateStats(dp.dpid, flowFilterFromRyu(b));
    return keyed(reply, dp, [{ packet_count: a.packetCount, byte_count: a.byteCount, flow_count: a.flowCount }]);
  };
  app.get<{ Params: { dpid: string } }>('/stats/aggregateflow/:dpid', { schema: { tags, params: DPID_PARAM } }, async (req, reply) => aggregate(req.params.dpid, {}, reply));
  app.post<{ Params: { dpid: string }; Body: unknown }>(
    '/stats/aggregateflow/:dpid',
    { config: { scope: 'read' }, schema: { tags, params: DPID_PARAM, body: { ...RYU_BODY, nullable: true } } },
    async (req, reply) => aggregate(req.params.dpid, body(req.body), reply),
  );

  // Ports, tables, queues -----------------------------------------------------------------------

  const portStats = async (dpid: string, port: string | undefined, reply: FastifyReply): Promise<FastifyReply> => {
    const dp = dpOf(dpid);
    const portNo = port === undefined ? OFPP.ANY : reservedFromUser('port', port, 'params.port');
    const b = await ctx.admin.portStats(dp.dpid, portNo);
    const ten = b.type === 'port';
    const ports = b.type === 'port_stats' || b.type === 'port' ? b.ports : [];
    return keyed(
      reply,
      dp,
      ports.map((p) => ({
        port_no: reservedToUser('port', ten ? portFrom10(p.portNo) : p.portNo),
        rx_packets: p.rxPackets,
        tx_packets: p.txPackets,
        rx_bytes: p.rxBytes,
        tx_bytes: p.txBytes,
        rx_dropped: p.rxDropped,
        tx_dropped: p.txDropped,
        rx_errors: p.rxErrors,
        tx_errors: p.txErrors,
        rx_frame_err: p.rxFrameErr,
        rx_over_err: p.rxOverErr,
        rx_crc_err: p.rxCrcErr,
        collisions: p.collisions,
        ...('durationSec' in p ? { duration_sec: p.durationSec as number, duration_nsec: (p as { durationNsec?: number }).durationNsec ?? 0 } : {}),
      })),
    );
  };
  app.get<{ Params: { dpid: string } }>('/stats/port/:dpid', { schema: { tags, params: DPID_PARAM } }, async (req, reply) => portStats(req.params.dpid, undefined, reply));
  app.get<{ Params: { dpid: string; port: string } }>(
    '/stats/port/:dpid/:port',
    { schema: { tags, params: { ...DPID_PARAM, required: ['dpid', 'port'], properties: { ...DPID_PARAM.properties, port: { type: 'string' } } } } },
    async (req, reply) => portStats(req.params.dpid, req.params.port, reply),
  );

  app.get<{ Params: { dpid: string } }>('/stats/portdesc/:dpid', { schema: { tags, params: DPID_PARAM } }, async (req, reply) => {
    const dp = dpOf(req.params.dpid);
    const ports = [...dp.ports.values()].sort((a, b) => a.portNo - b.portNo);
    return keyed(
      reply,
      dp,
      ports.map((p) => ({
        port_no: reservedToUser('port', p.portNo),
        hw_addr: p.hwAddr,
        name: p.name,
        config: p.config,
        state: p.state,
        curr: p.curr,
        advertised: p.advertised,
        supported: p.supported,
        peer: p.peer,
        curr_speed: p.currSpeed,
        max_speed: p.maxSpeed,
      })),
    );
  });

  app.get<{ Params: { dpid: string } }>('/stats/table/:dpid', { schema: { tags, params: DPID_PARAM } }, async (req, reply) => {
    const dp = dpOf(req.params.dpid);
    const b = await ctx.admin.tableStats(dp.dpid);
    const tables = b.type === 'table' ? b.tables : [];
    return keyed(
      reply,
      dp,
      tables.map((t) => ({ table_id: reservedToUser('table', t.tableId), active_count: t.activeCount, lookup_count: t.lookupCount, matched_count: t.matchedCount })),
    );
  });

  const queueStats = async (dpid: string, port: string | undefined, queue: string | undefined, reply: FastifyReply): Promise<FastifyReply> => {
    const dp = dpOf(dpid);
    const b = await ctx.admin.queueStats(dp.dpid, port === undefined ? OFPP.ANY : reservedFromUser('port', port, 'params.port'), queue === undefined ? 0xffffffff : reservedFromUser('queue', queue, 'params.queue_id'));
    const queues = b.type === 'queue' ? b.queues : [];
    return keyed(
      reply,
      dp,
      queues.map((q) => ({
        port_no: reservedToUser('port', q.portNo),
        queue_id: q.queueId,
        tx_bytes: q.txBytes,
        tx_packets: q.txPackets,
        tx_errors: q.txErrors,
        ...('durationSec' in q ? { duration_sec: q.durationSec as number, duration_nsec: (q as { durationNsec?: number }).durationNsec ?? 0 } : {}),
      })),
    );
  };
  app.get<{ Params: { dpid: string } }>('/stats/queue/:dpid', { schema: { tags, params: DPID_PARAM } }, async (req, reply) => queueStats(req.params.dpid, undefined, undefined, reply));
  app.get<{ Params: { dpid: string; port: string } }>('/stats/queue/:dpid/:port', { schema: { tags } }, async (req, reply) => queueStats(req.params.dpid, req.params.port, undefined, reply));
  app.get<{ Params: { dpid: string; port: string; queue: string } }>('/stats/queue/:dpid/:port/:queue', { schema: { tags } }, async (req, reply) =>
    queueStats(req.params.dpid, req.params.port, req.params.queue, reply),
  );
  // Queue desc is an OpenFlow 1.4 multipart; Ryu's ofctl_v1_3 has no get_queue_desc, so Ryu answers
  // an existing OpenFlow 1.3 switch with 501 (an unknown dpid is still a 404).
  const queueDesc = async (dpid: string): Promise<never> => {
    const dp = dpOf(dpid);
    throw new ApiError('version_unsupported', `queue desc needs OpenFlow 1.4; switch ${dp.dpidHex} speaks OpenFlow ${dp.version === 4 ? '1.3' : '1.0'}`);
  };
  app.get<{ Params: { dpid: string } }>('/stats/queuedesc/:dpid', { schema: { tags, summary: 'OpenFlow 1.4+ only: 501, as Ryu answers for OpenFlow 1.3', params: DPID_PARAM } }, async (req) => queueDesc(req.params.dpid));
  app.get<{ Params: { dpid: string; port: string } }>('/stats/queuedesc/:dpid/:port', { schema: { tags } }, async (req) => queueDesc(req.params.dpid));
  app.get<{ Params: { dpid: string; port: string; queue: string } }>('/stats/queuedesc/:dpid/:port/:queue', { schema: { tags } }, async (req) => queueDesc(req.params.dpid));

  // Groups ---------------------------------------------------------------------------------------

  const groupStats = async (dpid: string, groupId: string | undefined, reply: FastifyReply): Promise<FastifyReply> => {
    const dp = dpOf(dpid);
    require13(dp, 'group stats');
    const b = await ctx.admin.groupStats(dp.dpid, groupId === undefined ? OFPG.ALL : reservedFromUser('group', groupId, 'params.group_id'));
    const groups = b.type === 'group' ? b.groups : [];
    return keyed(
      reply,
      dp,
      groups.map((g) => ({
        length: 40 + 16 * g.bucketStats.length,
        group_id: reservedToUser('group', g.groupId),
        ref_count: g.refCount,
        packet_count: g.packetCount,
        byte_count: g.byteCount,
        duration_sec: g.durationSec,
        duration_nsec: g.durationNsec,
        bucket_stats: g.bucketStats.map((s) => ({ packet_count: s.packetCount, byte_count: s.byteCount })),
      })),
    );
  };
  app.get<{ Params: { dpid: string } }>('/stats/group/:dpid', { schema: { tags, params: DPID_PARAM } }, async (req, reply) => groupStats(req.params.dpid, undefined, reply));
  app.get<{ Params: { dpid: string; groupId: string } }>('/stats/group/:dpid/:groupId', { schema: { tags } }, async (req, reply) => groupStats(req.params.dpid, req.params.groupId, reply));

  const groupDesc = async (dpid: string, groupId: string | undefined, reply: FastifyReply): Promise<FastifyReply> => {
    const dp = dpOf(dpid);
    require13(dp, 'group description');
    const b = await ctx.admin.groupDesc(dp.dpid);
    let groups = b.type === 'group_desc' ? b.groups : [];
    if (groupId !== undefined) {
      const id = reservedFromUser('group', groupId, 'params.group_id');
      groups = groups.filter((g) => g.groupId === id);
    }
    return keyed(
      reply,
      dp,
      groups.map((g) => ({
        type: nameOf(GROUP_TYPE_NAMES, g.groupType) ?? g.groupType,
        group_id: reservedToUser('group', g.groupId),
        buckets: g.buckets.map((k) => ({ weight: k.weight, watch_port: k.watchPort, watch_group: k.watchGroup, actions: k.actions.map(actionToRyu) })),
      })),
    );
  };
  app.get<{ Params: { dpid: string } }>('/stats/groupdesc/:dpid', { schema: { tags, params: DPID_PARAM } }, async (req, reply) => groupDesc(req.params.dpid, undefined, reply));
  app.get<{ Params: { dpid: string; groupId: string } }>('/stats/groupdesc/:dpid/:groupId', { schema: { tags } }, async (req, reply) => groupDesc(req.params.dpid, req.params.groupId, reply));

  app.get<{ Params: { dpid: string } }>('/stats/groupfeatures/:dpid', { schema: { tags, params: DPID_PARAM } }, async (req, reply) => {
    const dp = dpOf(req.params.dpid);
    require13(dp, 'group features');
    const f = await ctx.admin.multipart(dp.dpid, { type: 'group_features' });
    if (f.type !== 'group_features') return keyed(reply, dp, []);
    const types = Object.entries(GROUP_TYPE_NAMES);
    const caps: Record<string, number> = { SELECT_WEIGHT: 1, SELECT_LIVENESS: 2, CHAINING: 4, CHAINING_CHECKS: 8 };
    const acts: Record<string, number> = {
      OUTPUT: 0, COPY_TTL_OUT: 11, COPY_TTL_IN: 12, SET_MPLS_TTL: 15, DEC_MPLS_TTL: 16, PUSH_VLAN: 17, POP_VLAN: 18, PUSH_MPLS: 19,
      POP_MPLS: 20, SET_QUEUE: 21, GROUP: 22, SET_NW_TTL: 23, DEC_NW_TTL: 24, SET_FIELD: 25, PUSH_PBB: 26, POP_PBB: 27,
    };
    return keyed(reply, dp, [
      {
        types: types.filter(([, v]) => (f.types & (1 << v)) !== 0).map(([k]) => k),
        capabilities: Object.entries(caps).filter(([, v]) => (f.capabilities & v) !== 0).map(([k]) => k),
        max_groups: types.map(([k, v]) => ({ [k]: f.maxGroups[v] ?? 0 })),
        actions: types.map(([k, v]) => ({ [k]: Object.entries(acts).filter(([, b]) => ((f.actions[v] ?? 0) & (2 ** b)) !== 0).map(([n]) => n) })),
      },
    ]);
  });

  // Meters ---------------------------------------------------------------------------------------

  const meterStats = async (dpid: string, meterId: string | undefined, reply: FastifyReply): Promise<FastifyReply> => {
    const dp = dpOf(dpid);
    require13(dp, 'meter stats');
    const b = await ctx.admin.meterStats(dp.dpid, meterId === undefined ? 0xffffffff : reservedFromUser('meter', meterId, 'params.meter_id'));
    const meters = b.type === 'meter' ? b.meters : [];
    return keyed(
      reply,
      dp,
      meters.map((m) => ({
        meter_id: reservedToUser('meter', m.meterId),
        len: 40 + 16 * m.bandStats.length,
        flow_count: m.flowCount,
        packet_in_count: m.packetInCount,
        byte_in_count: m.byteInCount,
        duration_sec: m.durationSec,
        duration_nsec: m.durationNsec,
        band_stats: m.bandStats.map((s) => ({ packet_band_count: s.packetBandCount, byte_band_count: s.byteBandCount })),
      })),
    );
  };
  app.get<{ Params: { dpid: string } }>('/stats/meter/:dpid', { schema: { tags, params: DPID_PARAM } }, async (req, reply) => meterStats(req.params.dpid, undefined, reply));
  app.get<{ Params: { dpid: string; meterId: string } }>('/stats/meter/:dpid/:meterId', { schema: { tags } }, async (req, reply) => meterStats(req.params.dpid, req.params.meterId, reply));

  const meterConfig = async (dpid: string, meterId: string | undefined, reply: FastifyReply): Promise<FastifyReply> => {
    const dp = dpOf(dpid);
    require13(dp, 'meter config');
    const b = await ctx.admin.meterConfig(dp.dpid, meterId === undefined ? 0xffffffff : reservedFromUser('meter', meterId, 'params.meter_id'));
    const meters = b.type === 'meter_config' ? b.meters : [];
    return keyed(
      reply,
      dp,
      meters.map((m) => ({
        flags: flagNames(METER_FLAG_NAMES, m.flags),
        meter_id: reservedToUser('meter', m.meterId),
        bands: m.bands.map((band) => {
          const code = band.type === 'drop' ? OFPMBT.DROP : band.type === 'dscp_remark' ? OFPMBT.DSCP_REMARK : band.type === 'experimenter' ? OFPMBT.EXPERIMENTER : band.bandType;
          const o: Record<string, RyuJson> = { type: BAND_NAMES[code] ?? '', rate: band.rate, burst_size: band.burstSize };
          if (band.type === 'dscp_remark') o.prec_level = band.precLevel;
          if (band.type === 'experimenter') o.experimenter = band.experimenter;
          return o;
        }),
      })),
    );
  };
  app.get<{ Params: { dpid: string } }>('/stats/meterconfig/:dpid', { schema: { tags, params: DPID_PARAM } }, async (req, reply) => meterConfig(req.params.dpid, undefined, reply));
  app.get<{ Params: { dpid: string; meterId: string } }>('/stats/meterconfig/:dpid/:meterId', { schema: { tags } }, async (req, reply) => meterConfig(req.params.dpid, req.params.meterId, reply));
  // meterdesc is OpenFlow 1.5's name for the meter config (Ryu's ofctl_v1_5.get_meter_desc, same
  // fields); answering it from the config serves scripts written for either name.
  app.get<{ Params: { dpid: string } }>('/stats/meterdesc/:dpid', { schema: { tags, summary: 'Same as GET /stats/meterconfig/<dpid>', params: DPID_PARAM } }, async (req, reply) => meterConfig(req.params.dpid, undefined, reply));
  app.get<{ Params: { dpid: string; meterId: string } }>('/stats/meterdesc/:dpid/:meterId', { schema: { tags } }, async (req, reply) => meterConfig(req.params.dpid, req.params.meterId, reply));

  app.get<{ Params: { dpid: string } }>('/stats/meterfeatures/:dpid', { schema: { tags, params: DPID_PARAM } }, async (req, reply) => {
    const dp = dpOf(req.params.dpid);
    require13(dp, 'meter features');
    const f = await ctx.admin.multipart(dp.dpid, { type: 'meter_features' });
    if (f.type !== 'meter_features') return keyed(reply, dp, []);
    const bandTypes = Object.entries({ DROP: OFPMBT.DROP, DSCP_REMARK: OFPMBT.DSCP_REMARK }).filter(([, v]) => (f.bandTypes & (1 << v)) !== 0).map(([k]) => k);
    return keyed(reply, dp, [{ max_meter: f.maxMeter, band_types: bandTypes, capabilities: flagNames(METER_FLAG_NAMES, f.capabilities), max_bands: f.maxBands, max_color: f.maxColor }]);
  });

  // Role -------------------------------------------------------------------------------------------

  const roleName = (r: number): string => nameOf(OFPCR_ROLE, r) ?? String(r);
  app.get<{ Params: { dpid: string } }>('/stats/role/:dpid', { schema: { tags, params: DPID_PARAM } }, async (req, reply) => {
    const dp = dpOf(req.params.dpid);
    require13(dp, 'role');
    const r = await ctx.admin.role(dp.dpid, OFPCR_ROLE.NOCHANGE, 0n);
    return keyed(reply, dp, [{ generation_id: r.generationId, role: roleName(r.role) }]);
  });
  app.post<{ Body: unknown }>('/stats/role', { schema: { tags, summary: 'Set the role: {"dpid": 1, "role": "MASTER"}', body: RYU_BODY } }, async (req, reply) => {
    const b = body(req.body);
    const dp = datapathById(ctx, dpidFromRyu(b.dpid, 'body.dpid'));
    require13(dp, 'role');
    const name = typeof b.role === 'string' ? b.role.toUpperCase().replace(/^OFPCR_ROLE_/, '') : undefined;
    const role = name === undefined ? undefined : (OFPCR_ROLE as Record<string, number>)[name];
    if (role === undefined) throw new ApiError('invalid_input', 'body.role: expected NOCHANGE, EQUAL, MASTER or SLAVE', 'body.role');
    await ctx.admin.role(dp.dpid, role, b.generation_id === undefined ? 0n : bigFrom(b.generation_id, 'body.generation_id'));
    return reply.status(200).send();
  });

  // Flow entries -----------------------------------------------------------------------------------

  const sendFlowMod = async (dp: SwitchView, spec: FlowSpec): Promise<void> => {
    try {
      await ctx.admin.flowMod(dp.dpid, spec);
    } catch (e) {
      if ((e as Error).name === 'OfEncodeError') {
        const f = (e as { field?: string }).field;
        throw new ApiError('invalid_input', (e as Error).message, f === undefined ? 'body' : `body.${f.replace(/^instructions/, 'actions')}`);
      }
      throw e;
    }
    opts.onFlowMod(dp.dpid);
  };

  app.post<{ Params: { cmd: string }; Body: unknown }>(
    '/stats/flowentry/:cmd',
    {
      schema: {
        tags,
        summary: 'Add, modify or delete flows with a Ryu flow body',
        params: { type: 'object', required: ['cmd'], properties: { cmd: { type: 'string', enum: ['add', 'modify', 'modify_strict', 'delete', 'delete_strict'] } } },
        body: RYU_BODY,
      },
    },
    async (req, reply) => {
      const b = body(req.body);
      const dp = datapathById(ctx, dpidFromRyu(b.dpid, 'body.dpid'));
      const command = req.params.cmd as FlowCommand;
      if (!FLOW_COMMAND_NAMES.has(command)) throw new ApiError('route_not_found', `unknown command ${command}`);
      // Ryu's defaults (mod_flow_entry): table 0, priority 0, no buffer, any out port/group.
      const spec: FlowSpec = {
        command,
        cookie: bigFrom(b.cookie ?? 0, 'body.cookie'),
        cookieMask: bigFrom(b.cookie_mask ?? 0, 'body.cookie_mask'),
        tableId: reservedFromUser('table', b.table_id ?? 0, 'body.table_id', 0xff),
        idleTimeout: intFrom(b.idle_timeout ?? 0, 'body.idle_timeout', 0xffff),
        hardTimeout: intFrom(b.hard_timeout ?? 0, 'body.hard_timeout', 0xffff),
        priority: intFrom(b.priority ?? 0, 'body.priority', 0xffff),
        bufferId: b.buffer_id === 'OFP_NO_BUFFER' || b.buffer_id === 'NO_BUFFER' || b.buffer_id === undefined ? OFP_NO_BUFFER : intFrom(b.buffer_id, 'body.buffer_id'),
        outPort: reservedFromUser('port', b.out_port ?? OFPP.ANY, 'body.out_port'),
        outGroup: reservedFromUser('group', b.out_group ?? OFPG.ANY, 'body.out_group'),
        flags: intFrom(b.flags ?? 0, 'body.flags', 0xffff),
        match: matchFromRyu(b.match, 'body.match'),
        instructions: instructionsFromRyu(b.actions, 'body.actions'),
      };
      await sendFlowMod(dp, spec);
      return reply.status(200).send();
    },
  );

  app.delete<{ Params: { dpid: string } }>('/stats/flowentry/clear/:dpid', { schema: { tags, summary: 'Delete every flow of the switch (all tables)', params: DPID_PARAM } }, async (req, reply) => {
    const dp = dpOf(req.params.dpid);
    await sendFlowMod(dp, { command: 'delete', tableId: OFPTT.ALL, match: [], instructions: [] });
    return reply.status(200).send();
  });

  // Group and meter entries --------------------------------------------------------------------------

  const GC: Readonly<Record<string, number>> = { add: OFPGC.ADD, modify: OFPGC.MODIFY, delete: OFPGC.DELETE };
  app.post<{ Params: { cmd: string }; Body: unknown }>(
    '/stats/groupentry/:cmd',
    { schema: { tags, params: { type: 'object', required: ['cmd'], properties: { cmd: { type: 'string', enum: ['add', 'modify', 'delete'] } } }, body: RYU_BODY } },
    async (req, reply) => {
      const b = body(req.body);
      const dp = datapathById(ctx, dpidFromRyu(b.dpid, 'body.dpid'));
      require13(dp, 'groups');
      const typeName = b.type ?? 'ALL';
      const groupType = typeof typeName === 'string' ? GROUP_TYPE_NAMES[typeName.toUpperCase()] : undefined;
      if (groupType === undefined) throw new ApiError('invalid_input', `body.type: expected one of ${Object.keys(GROUP_TYPE_NAMES).join(', ')}`, 'body.type');
      const groupId = reservedFromUser('group', b.group_id ?? 0, 'body.group_id');
      const rawBuckets = b.buckets ?? [];
      if (!Array.isArray(rawBuckets)) throw new ApiError('invalid_input', 'body.buckets: expected a list', 'body.buckets');
      const buckets = rawBuckets.map((x, i) => {
        const k = body(x);
        const f = `body.buckets[${i}]`;
        return {
          weight: intFrom(k.weight ?? 0, `${f}.weight`, 0xffff),
          watchPort: reservedFromUser('port', k.watch_port ?? OFPP.ANY, `${f}.watch_port`),
          watchGroup: reservedFromUser('group', k.watch_group ?? OFPG.ANY, `${f}.watch_group`),
          actions: actionsFromRyu(k.actions, `${f}.actions`),
        };
      });
      await ctx.admin.groupMod(dp.dpid, GC[req.params.cmd]!, groupType, groupId, req.params.cmd === 'delete' ? [] : buckets);
      return reply.status(200).send();
    },
  );

  const MC: Readonly<Record<string, number>> = { add: OFPMC.ADD, modify: OFPMC.MODIFY, delete: OFPMC.DELETE };
  app.post<{ Params: { cmd: string }; Body: unknown }>(
    '/stats/meterentry/:cmd',
    { schema: { tags, params: { type: 'object', required: ['cmd'], properties: { cmd: { type: 'string', enum: ['add', 'modify', 'delete'] } } }, body: RYU_BODY } },
    async (req, reply) => {
      const b = body(req.body);
      const dp = datapathById(ctx, dpidFromRyu(b.dpid, 'body.dpid'));
      require13(dp, 'meters');
      let flags = 0;
      const rawFlags = b.flags === undefined ? [] : Array.isArray(b.flags) ? b.flags : [b.flags];
      rawFlags.forEach((fl, i) => {
        const v = typeof fl === 'string' ? METER_FLAG_NAMES[fl.toUpperCase()] : undefined;
        if (v === undefined) throw new ApiError('invalid_input', `body.flags${Array.isArray(b.flags) ? `[${i}]` : ''}: expected one of ${Object.keys(METER_FLAG_NAMES).join(', ')}`, 'body.flags');
        flags |= v;
      });
      const meterId = reservedFromUser('meter', b.meter_id ?? 0, 'body.meter_id');
      const rawBands = b.bands ?? [];
      if (!Array.isArray(rawBands)) throw new ApiError('invalid_input', 'body.bands: expected a list', 'body.bands');
      const bands: MeterBand[] = rawBands.map((x, i) => {
        const k = body(x);
        const f = `body.bands[${i}]`;
        const rate = intFrom(k.rate ?? 0, `${f}.rate`);
        const burstSize = intFrom(k.burst_size ?? 0, `${f}.burst_size`);
        switch (k.type) {
          case 'DROP':
            return { type: 'drop', rate, burstSize };
          case 'DSCP_REMARK':
            return { type: 'dscp_remark', rate, burstSize, precLevel: intFrom(k.prec_level ?? 0, `${f}.prec_level`, 0xff) };
          case 'EXPERIMENTER':
            return { type: 'experimenter', rate, burstSize, experimenter: intFrom(k.experimenter ?? 0, `${f}.experimenter`), data: Buffer.alloc(0) };
          default:
            throw new ApiError('invalid_input', `${f}.type: expected DROP, DSCP_REMARK or EXPERIMENTER`, `${f}.type`);
        }
      });
      await ctx.admin.meterMod(dp.dpid, MC[req.params.cmd]!, flags, meterId, req.params.cmd === 'delete' ? [] : bands);
      return reply.status(200).send();
    },
  );

  app.post<{ Body: unknown }>('/stats/portdesc/modify', { schema: { tags, summary: 'PORT_MOD: {"dpid", "port_no", "config", "mask"}', body: RYU_BODY } }, async (req, reply) => {
    const b = body(req.body);
    const dp = datapathById(ctx, dpidFromRyu(b.dpid, 'body.dpid'));
    const portNo = reservedFromUser('port', b.port_no ?? 0, 'body.port_no');
    const port = dp.ports.get(portNo);
    if (!port) throw new ApiError('not_found', `switch ${dp.dpidHex} has no port ${portNo}`, 'body.port_no');
    await ctx.admin.portMod(dp.dpid, portNo, intFrom(b.config ?? 0, 'body.config'), intFrom(b.mask ?? 0, 'body.mask'), b.advertise === undefined ? port.advertised : intFrom(b.advertise, 'body.advertise'));
    return reply.status(200).send();
  });
}
