/** Native API: port counters of many switches in one request (the console's link-load overlay and port charts). */
import type { FastifyInstance } from 'fastify';
import { parseDpid } from '../../core/ids.js';
import type { SwitchView } from '../../core/services.js';
import { ApiError } from '../errors.js';
import type { ApiContext } from '../context.js';
import { native } from '../util.js';

/** Switches asked at once: a 1,000-switch network is polled in waves, not 1,000 requests in flight. */
const CONCURRENCY = 64;

const PORT_SAMPLE = {
  type: 'object',
  additionalProperties: true,
  required: ['portNo', 'rxBytes', 'txBytes'],
  properties: {
    portNo: { type: 'integer' },
    rxBytes: { type: 'string', description: 'decimal' },
    txBytes: { type: 'string', description: 'decimal' },
    rxPackets: { type: 'string', description: 'decimal' },
    txPackets: { type: 'string', description: 'decimal' },
    durationSec: { type: 'integer', description: 'how long the port has been up (OpenFlow 1.3): the sample time to compute rates with' },
    durationNsec: { type: 'integer' },
    currSpeed: { type: 'integer', description: 'kbps, from the port description (absent when unknown)' },
  },
} as const;

const SWITCH_SAMPLE = {
  type: 'object',
  additionalProperties: false,
  required: ['dpid'],
  properties: {
    dpid: { type: 'string', description: '16 hex digits' },
    ports: { type: 'array', items: PORT_SAMPLE },
    error: { type: 'string', description: 'why this switch gave no counters (the others still do)' },
  },
} as const;

/** One switch's port counters with each port's speed from its description, or the reason it has none. */
async function sample(ctx: ApiContext, dp: SwitchView): Promise<Record<string, unknown>> {
  try {
    const body = await ctx.admin.portStats(dp.dpid);
    const ports = body.type === 'port_stats' || body.type === 'port' ? body.ports : [];
    return {
      dpid: dp.dpidHex,
      ports: ports.map((p) => {
        const speed = dp.ports.get(p.portNo)?.currSpeed;
        return { ...(native(p) as Record<string, unknown>), ...(speed ? { currSpeed: speed } : {}) };
      }),
    };
  } catch (e) {
    return { dpid: dp.dpidHex, error: (e as Error).message };
  }
}

/** Registers `GET /stats/ports` under the given prefix (/api/v1). */
export function statsRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: { dpid?: string } }>(
    '/stats/ports',
    {
      schema: {
        tags: ['stats'],
        summary: 'Port counters of every connected switch (or ?dpid=a,b), read live, with each port speed; a switch that does not answer carries `error`',
        querystring: { type: 'object', additionalProperties: false, properties: { dpid: { type: 'string', description: 'comma-separated datapath ids (16 hex digits)' } } },
        response: { 200: { type: 'array', items: SWITCH_SAMPLE } },
      },
    },
    async (req) => {
      let wanted: Set<bigint> | undefined;
      if (req.query.dpid !== undefined) {
        wanted = new Set();
        for (const part of req.query.dpid.split(',')) {
          try {
            wanted.add(parseDpid(part.trim()));
          } catch {
            throw new ApiError('invalid_input', `query.dpid: expected datapath ids as 16 hex digits, got ${JSON.stringify(part)}`, 'query.dpid');
          }
        }
      }
      const dps = ctx.devices
        .list()
        .filter((dp) => dp.connected && (!wanted || wanted.has(dp.dpid)))
        .sort((a, b) => (a.dpid < b.dpid ? -1 : 1));
      const out: Record<string, unknown>[] = new Array<Record<string, unknown>>(dps.length);
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < dps.length) {
          const i = next++;
          out[i] = await sample(ctx, dps[i]!);
        }
      };
      await Promise.all(Array.from({ length: Math.min(CONCURRENCY, dps.length) }, worker));
      return out;
    },
  );
}
