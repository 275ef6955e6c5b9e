/** `signalbox trace`: the request body from the command line, and the API's answer as readable tables. */
import { dpidToHex, parseDpid } from '../../core/ids.js';
import { instructionsText, matchText, table } from './format.js';

/** Usage lines of the trace command (part of the client usage). */
export const TRACE_USAGE = `  trace --from H --to H [--source live|desired]
                               where a packet between two hosts goes, switch by switch
                               (H: MAC, IP, or a lab name h3 = Mininet's 10.0.0.3)
  trace DPID PORT FIELD=VALUE... [--source live|desired]
                               the same for a packet entering DPID (hex, or s3) at PORT:
                               eth_type=0x800 ipv4_dst=10.0.0.2 ip_proto=6 tcp_dst=80
`;

/** A bad command line (the client prints usage). */
export class TraceUsageError extends Error {}

/** A host argument: `hN` (a lab name) becomes Mininet's address 10.0.0.N; anything else is sent as given (MAC or IP). */
export function hostArg(s: string): string {
  const m = /^h(\d+)$/.exec(s);
  if (!m) return s;
  const n = 0x0a000000 + Number(m[1]);
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** A switch argument: hex dpid, or a lab name `sN` (dpid N). */
function dpidArg(s: string): string {
  const m = /^s(\d+)$/.exec(s);
  try {
    return dpidToHex(m ? BigInt(m[1]!) : parseDpid(s));
  } catch {
    throw new TraceUsageError(`expected a datapath id (hex) or a lab switch name (s1), got ${JSON.stringify(s)}`);
  }
}

/** `k=v` pairs as packet fields (decimal or 0x numbers become numbers). */
export function packetArgs(pairs: readonly string[]): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) throw new TraceUsageError(`expected FIELD=VALUE, got ${JSON.stringify(p)}`);
    const v = p.slice(i + 1);
    out[p.slice(0, i)] = /^(0x[0-9a-f]+|[0-9]+)$/i.test(v) ? Number(v) : v;
  }
  return out;
}

/** The POST /api/v1/trace body from the command line. */
export function traceBody(positionals: readonly string[], values: { from?: string | undefined; to?: string | undefined; source?: string | undefined }): Record<string, unknown> {
  const source = values.source;
  if (source !== undefined && source !== 'live' && source !== 'desired') throw new TraceUsageError(`--source: expected live or desired, got ${JSON.stringify(source)}`);
  const src = source !== undefined ? { source } : {};
  if (values.from !== undefined || values.to !== undefined) {
    if (values.from === undefined || values.to === undefined) throw new TraceUsageError('give both --from and --to');
    if (positionals.length > 0) throw new TraceUsageError('give either --from/--to or DPID PORT FIELD=VALUE..., not both');
    return { from: hostArg(values.from), to: hostArg(values.to), ...src };
  }
  const [dpid, port, ...fields] = positionals;
  if (dpid === undefined || port === undefined) throw new TraceUsageError('expected --from H --to H, or DPID PORT FIELD=VALUE...');
  if (!/^[0-9]+$/.test(port)) throw new TraceUsageError(`PORT: expected a port number, got ${JSON.stringify(port)}`);
  return { dpid: dpidArg(dpid), inPort: Number(port), packet: packetArgs(fields), ...src };
}

interface AnswerFlow {
  cookie: string;
  owner: string | null;
  priority: number;
  match: unknown;
  instructions: unknown;
}
interface Answer {
  hops: {
    dpid: string;
    inPort: number;
    tables: { tableId: number; flow: AnswerFlow | null }[];
    packetAfter: Record<string, unknown>;
    outputs: { port: number | string | null; via?: string; next: unknown; reason?: string; oneOf?: boolean; packetAfter?: Record<string, unknown> }[];
  }[];
  outcome: string;
  reason: string;
}

function changed(f: Record<string, unknown> | undefined): string {
  const e = Object.entries(f ?? {});
  return e.length === 0 ? '-' : e.map(([k, v]) => `${k}=${v === null ? '(removed)' : String(v)}`).join(' ');
}

function nextText(n: unknown): string {
  if (typeof n === 'string') return n;
  const o = n as { dpid?: string; inPort?: number; host?: string | null };
  if ('host' in o) return o.host === null ? 'edge port (no known host)' : `host ${o.host}`;
  return `${o.dpid} port ${o.inPort}`;
}

/** The answer as two tables (the flow matched in each table of each hop; where each copy went) and the outcome. */
export function traceText(a: Answer): string {
  const tables = table(
    ['HOP', 'SWITCH', 'IN', 'TABLE', 'PRIORITY', 'OWNER', 'MATCH', 'INSTRUCTIONS'],
    a.hops.flatMap((h, i) =>
      h.tables.map((t, j) => {
        const lead = j === 0 ? [String(i + 1), h.dpid, String(h.inPort)] : ['', '', ''];
        const f = t.flow;
        return f ? [...lead, String(t.tableId), String(f.priority), f.owner ?? `0x${BigInt(f.cookie).toString(16)}`, matchText(f.match), instructionsText(f.instructions)] : [...lead, String(t.tableId), '-', '-', '(table miss)', '-'];
      }),
    ),
  );
  const outputs = table(
    ['HOP', 'OUT', 'NEXT', 'CHANGED'],
    a.hops.flatMap((h, i) =>
      h.outputs.map((o) => [
        String(i + 1),
        `${o.port === null ? '-' : String(o.port)}${o.via ? ` (${o.via})` : ''}${o.oneOf ? ' (one of)' : ''}`,
        `${nextText(o.next)}${o.reason ? `: ${o.reason}` : ''}`,
        changed(o.packetAfter ?? h.packetAfter),
      ]),
    ),
  );
  return `${tables}\n${outputs}\n${a.outcome}: ${a.reason}\n`;
}

export type { Answer as TraceAnswer };
