/**
 * The client commands of `signalbox`, over the REST API: switches, ports, flows, flow add|del,
 * topology, hosts, links, path, trace, apps, app enable|disable, events. Tables by default, `--json` for
 * scripts; `--url`/`--token` or SIGNALBOX_URL/SIGNALBOX_TOKEN. Exit codes: 0 ok, 1 the server or
 * the request failed, 2 usage.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import WebSocket from 'ws';
import { dpidToHex, parseDpid } from '../../core/ids.js';
import type { CliIo } from '../io.js';
import { writeOut } from '../io.js';
import { instructionsText, matchText, portText, table } from './format.js';
import { TRACE_USAGE, traceBody, traceText, TraceUsageError, type TraceAnswer } from './trace.js';

/** Names of the client commands (the `signalbox` dispatcher routes these here). */
export const CLIENT_COMMANDS = ['switches', 'ports', 'flows', 'flow', 'topology', 'hosts', 'links', 'path', 'trace', 'apps', 'app', 'events'] as const;
export type ClientCommand = (typeof CLIENT_COMMANDS)[number];

/** Each client command's usage lines (the synopsis, then what it does). */
export const COMMAND_USAGE: Readonly<Record<ClientCommand, string>> = {
  switches: `switches                     connected switches`,
  ports: `ports DPID                   ports of a switch`,
  flows: `flows DPID [--table N] [--owner APP] [--cookie C]
                               flows installed on a switch, read live`,
  flow: `flow add DPID --match M --actions A [--priority P] [--table N] [--cookie C] [--idle S] [--hard S]
  flow del DPID [--match M] [--priority P] [--table N] [--cookie C] [--strict] [--all]
                               (no selector deletes every flow: only with --all; prints how many went)
                               M: in_port=1,eth_type=0x800,ipv4_dst=10.0.0.0/24 (ovs-ofctl's nw_dst,
                               ip_dst, dl_type, tp_dst... are accepted for ipv4_dst, eth_type, tcp_dst...)
                               A: output:2,output:controller,group:1,set_field:eth_dst=aa:bb:cc:dd:ee:ff,goto_table:1 (empty: drop)`,
  topology: `topology                     switches, links and hosts`,
  hosts: `hosts                        learned hosts`,
  links: `links                        discovered links (one per direction)`,
  path: `path A B [--k N]             k shortest paths between switches or hosts (dpid, MAC or IP)`,
  trace: TRACE_USAGE.slice(2).trimEnd(),
  apps: `apps                         apps and their state`,
  app: `app enable|disable NAME`,
  events: `events [--types T,T] [--dpid D,D]
                               follow controller events (WebSocket) until interrupted`,
};

const COMMON_USAGE = `Options of every client command:
  --url URL      API address (default $SIGNALBOX_URL or http://127.0.0.1:8080)
  --token TOKEN  bearer token (default $SIGNALBOX_TOKEN)
  --json         print the API's JSON instead of a table
  --help, -h     this command's usage
`;

/** Usage of the client commands. */
export const CLIENT_USAGE = `Client commands (talk to a running controller's API):
${CLIENT_COMMANDS.map((c) => `  ${COMMAND_USAGE[c]}`).join('\n')}

${COMMON_USAGE}`;

/** The usage of one client command (what `signalbox CMD --help` prints). */
export function commandUsage(cmd: ClientCommand): string {
  return `Usage: signalbox ${COMMAND_USAGE[cmd]}\n\n${COMMON_USAGE}`;
}

/** Exit codes scripts can rely on. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

class UsageError extends Error {}
class RequestError extends Error {}

interface Common {
  readonly url: string;
  readonly token: string | undefined;
  readonly json: boolean;
  /** Items per page when reading a paged list (default CLI_PAGE_LIMIT). */
  readonly pageLimit?: number;
}

/** Options of runClient beyond the streams. */
export interface ClientOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Stops `events` (default: SIGINT/SIGTERM). */
  readonly signal?: AbortSignal;
  /** Items per page when reading a paged list (default CLI_PAGE_LIMIT; tests use small pages). */
  readonly pageLimit?: number;
}

const COMMON_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: readonly string[], options: O, positionals: number, what: string) {
  let r;
  try {
    r = parseArgs({ args: [...args], options: { ...COMMON_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(optionError(e as Error));
  }
  if (r.positionals.length !== positionals) throw new UsageError(`${what}: expected ${positionals} argument${positionals === 1 ? '' : 's'}, got ${r.positionals.length}`);
  return r;
}

function common(values: Record<string, unknown>, env: Readonly<Record<string, string | undefined>>, pageLimit?: number): Common {
  const url = (typeof values.url === 'string' ? values.url : env.SIGNALBOX_URL) ?? 'http://127.0.0.1:8080';
  if (!/^https?:\/\/[^/]+/.test(url)) throw new UsageError(`--url: expected http://HOST:PORT, got ${JSON.stringify(url)}`);
  return { url: url.replace(/\/+$/, ''), token: typeof values.token === 'string' ? values.token : env.SIGNALBOX_TOKEN || undefined, json: values.json === true, ...(pageLimit !== undefined ? { pageLimit } : {}) };
}

function dpidArg(s: string | undefined): string {
  try {
    return dpidToHex(parseDpid(s ?? ''));
  } catch {
    throw new UsageError(`expected a datapath id (hex), got ${JSON.stringify(s)}`);
  }
}

async function call(c: Common, method: string, path: string, body?: unknown): Promise<unknown> {
  return (await callWithHeaders(c, method, path, body)).data;
}

/** Items the CLI asks for per page of a paged list (the API's largest page). */
export const CLI_PAGE_LIMIT = 10_000;

/**
 * Every item of a paged list (`?limit=&offset=`, the total in X-Total-Count), page after page, so
 * a long list is never cut at the server's default page; a server without paging answers it all at once.
 */
async function callAll(c: Common, path: string): Promise<unknown[]> {
  const pageLimit = c.pageLimit ?? CLI_PAGE_LIMIT;
  const out: unknown[] = [];
  const sep = path.includes('?') ? '&' : '?';
  for (;;) {
    const { data, headers } = await callWithHeaders(c, 'GET', `${path}${sep}limit=${pageLimit}&offset=${out.length}`);
    if (!Array.isArray(data)) throw new RequestError(`GET ${path}: expected a JSON array`);
    out.push(...(data as unknown[]));
    const total = Number(headers.get('x-total-count') ?? NaN);
    // No total (not paged), an empty page (the list shrank meanwhile) or all of it: done.
    if (!Number.isFinite(total) || data.length === 0 || out.length >= total) return out;
  }
}

async function callWithHeaders(c: Common, method: string, path: string, body?: unknown): Promise<{ data: unknown; headers: Headers }> {
  let res: Response;
  try {
    res = await fetch(c.url + path, {
      method,
      headers: { accept: 'application/json', ...(c.token ? { authorization: `Bearer ${c.token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new RequestError(`cannot reach ${c.url}: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
  }
  const text = await res.text();
  let data: unknown = undefined;
  if (text !== '') {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!res.ok) {
    const d = data as { code?: string; message?: string } | undefined;
    throw new RequestError(`${res.status} ${d?.code ?? res.statusText}: ${d?.message ?? text}`);
  }
  return { data, headers: res.headers };
}

/** ovs-ofctl's (OpenFlow 1.0 era) field names, accepted in `--match` for their OpenFlow 1.3 names. */
export const MATCH_ALIASES: Readonly<Record<string, string>> = {
  dl_src: 'eth_src',
  dl_dst: 'eth_dst',
  dl_type: 'eth_type',
  dl_vlan: 'vlan_vid',
  dl_vlan_pcp: 'vlan_pcp',
  nw_src: 'ipv4_src',
  nw_dst: 'ipv4_dst',
  ip_src: 'ipv4_src',
  ip_dst: 'ipv4_dst',
  nw_proto: 'ip_proto',
  nw_tos: 'ip_dscp',
  tp_src: 'tcp_src',
  tp_dst: 'tcp_dst',
};

/** Parses `k=v,k=v` into a match object (values: numbers stay numbers; ovs-ofctl names become OpenFlow 1.3's). */
export function parseMatchArg(s: string): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  const parts = s.split(',').map((x) => x.trim()).filter(Boolean);
  // ovs-ofctl's tp_src/tp_dst mean UDP's ports when the match says UDP.
  const udp = parts.some((p) => /^(ip_proto|nw_proto)=(17|0x11)$/.test(p));
  for (const part of parts) {
    const i = part.indexOf('=');
    if (i <= 0) throw new UsageError(`--match: expected FIELD=VALUE, got ${JSON.stringify(part)}`);
    const given = part.slice(0, i);
    const k = udp && (given === 'tp_src' || given === 'tp_dst') ? given.replace('tp_', 'udp_') : (MATCH_ALIASES[given] ?? given);
    const v = part.slice(i + 1);
    out[k] = /^[0-9]+$/.test(v) ? Number(v) : v;
  }
  return out;
}

/** Parses `output:2,group:1,set_field:eth_dst=...,goto_table:1` into instructions. */
export function parseActionsArg(s: string): unknown[] {
  const actions: unknown[] = [];
  const instructions: unknown[] = [];
  for (const part of s.split(',').map((x) => x.trim()).filter(Boolean)) {
    const [name, arg] = part.includes(':') ? [part.slice(0, part.indexOf(':')), part.slice(part.indexOf(':') + 1)] : [part, undefined];
    const num = (what: string): number => {
      if (arg === undefined || !/^(0x[0-9a-f]+|[0-9]+)$/i.test(arg)) throw new UsageError(`--actions: ${what} needs a number, got ${JSON.stringify(part)}`);
      return Number(arg);
    };
    switch (name.toLowerCase()) {
      case 'output':
        if (arg === undefined) throw new UsageError('--actions: output needs a port (output:2, output:controller)');
        actions.push({ type: 'output', port: /^[0-9]+$/.test(arg) ? Number(arg) : arg, ...(arg.toLowerCase() === 'controller' ? { maxLen: 0xffff } : {}) });
        break;
      case 'group':
        actions.push({ type: 'group', groupId: num('group') });
        break;
      case 'drop':
        break;
      case 'pop_vlan':
        actions.push({ type: 'pop_vlan' });
        break;
      case 'push_vlan':
        actions.push({ type: 'push_vlan', ethertype: arg === undefined ? 0x8100 : num('push_vlan') });
        break;
      case 'dec_ttl':
        actions.push({ type: 'dec_nw_ttl' });
        break;
      case 'set_field': {
        const eq = arg?.indexOf('=') ?? -1;
        if (arg === undefined || eq <= 0) throw new UsageError(`--actions: set_field needs FIELD=VALUE, got ${JSON.stringify(part)}`);
        const v = arg.slice(eq + 1);
        actions.push({ type: 'set_field', field: { field: arg.slice(0, eq), value: /^[0-9]+$/.test(v) ? Number(v) : v } });
        break;
      }
      case 'goto_table':
        instructions.push({ type: 'goto_table', tableId: num('goto_table') });
        break;
      case 'meter':
        instructions.push({ type: 'meter', meterId: num('meter') });
        break;
      default:
        throw new UsageError(`--actions: unknown action ${JSON.stringify(name)} (output, group, set_field, push_vlan, pop_vlan, dec_ttl, goto_table, meter, drop)`);
    }
  }
  return [...instructions.filter((i) => (i as { type: string }).type === 'meter'), ...(actions.length > 0 ? [{ type: 'apply_actions', actions }] : []), ...instructions.filter((i) => (i as { type: string }).type !== 'meter')];
}

function when(iso: unknown): string {
  return typeof iso === 'string' ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '';
}

/** node:util parseArgs's message, first sentence only ("Unknown option '--x'"), lower-cased as the CLI's own messages are. */
export function optionError(e: Error): string {
  const first = e.message.split(/\.\s/)[0]!.replace(/\.$/, '');
  return first.charAt(0).toLowerCase() + first.slice(1);
}

/** Runs a client command; resolves with the exit code. */
export async function runClient(cmd: ClientCommand, args: readonly string[], io: CliIo, opts: ClientOptions = {}): Promise<number> {
  const env = opts.env ?? process.env;
  const out = (s: string): Promise<boolean> => writeOut(io.stdout, s);
  // Before the options are parsed: `--help` anywhere (`flow add --help` too) prints the usage.
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(commandUsage(cmd));
    return EXIT.ok;
  }
  try {
    switch (cmd) {
      case 'switches': {
        const { values } = parse(args, {}, 0, 'switches');
        const c = common(values, env, opts.pageLimit);
        const list = (await callAll(c, '/api/v1/switches')) as { dpid: string; version: string; remoteAddress: string; ports: number; connectedAt: string; description: { mfrDesc?: string; swDesc?: string } }[];
        if (c.json) await out(JSON.stringify(list, null, 2) + '\n');
        else await out(table(['DPID', 'VERSION', 'PORTS', 'ADDRESS', 'CONNECTED', 'SOFTWARE'], list.map((s) => [s.dpid, s.version, String(s.ports), s.remoteAddress, when(s.connectedAt), `${s.description.mfrDesc ?? ''} ${s.description.swDesc ?? ''}`.trim()])));
        return EXIT.ok;
      }
      case 'ports': {
        const { values, positionals } = parse(args, {}, 1, 'ports DPID');
        const c = common(values, env, opts.pageLimit);
        const list = (await callAll(c, `/api/v1/switches/${dpidArg(positionals[0])}/ports`)) as { portNo: number; name: string; hwAddr: string; up: boolean; currSpeed: number }[];
        if (c.json) await out(JSON.stringify(list, null, 2) + '\n');
        else await out(table(['PORT', 'NAME', 'MAC', 'STATE', 'SPEED'], list.map((p) => [portText(p.portNo), p.name, p.hwAddr, p.up ? 'up' : 'down', p.currSpeed ? `${p.currSpeed / 1000} Mb/s` : '-'])));
        return EXIT.ok;
      }
      case 'flows': {
        const { values, positionals } = parse(args, { table: { type: 'string' }, owner: { type: 'string' }, cookie: { type: 'string' } }, 1, 'flows DPID');
        const c = common(values, env, opts.pageLimit);
        const q = new URLSearchParams();
        if (values.table !== undefined) q.set('table', values.table);
        if (values.owner !== undefined) q.set('owner', values.owner);
        if (values.cookie !== undefined) q.set('cookie', values.cookie);
        const qs = q.toString();
        const list = (await callAll(c, `/api/v1/switches/${dpidArg(positionals[0])}/flows${qs ? `?${qs}` : ''}`)) as {
          owner?: string | null;
          tableId: number;
          priority: number;
          cookie: string;
          packetCount: string;
          byteCount: string;
          durationSec: number;
          match: unknown;
          instructions: unknown;
        }[];
        if (c.json) await out(JSON.stringify(list, null, 2) + '\n');
        else
          await out(
            table(
              ['TABLE', 'PRIO', 'OWNER', 'COOKIE', 'PACKETS', 'BYTES', 'AGE', 'MATCH', 'ACTIONS'],
              list.map((f) => [String(f.tableId), String(f.priority), f.owner ?? '-', `0x${BigInt(f.cookie).toString(16)}`, f.packetCount, f.byteCount, `${f.durationSec}s`, matchText(f.match), instructionsText(f.instructions)]),
            ),
          );
        return EXIT.ok;
      }
      case 'flow': {
        const [sub, ...rest] = args;
        if (sub !== 'add' && sub !== 'del') throw new UsageError('flow: expected "flow add DPID ..." or "flow del DPID ..."');
        const { values, positionals } = parse(
          rest,
          { match: { type: 'string' }, actions: { type: 'string' }, priority: { type: 'string' }, table: { type: 'string' }, cookie: { type: 'string' }, idle: { type: 'string' }, hard: { type: 'string' }, strict: { type: 'boolean' }, all: { type: 'boolean' } },
          1,
          `flow ${sub} DPID`,
        );
        const c = common(values, env, opts.pageLimit);
        const int = (v: string | undefined, name: string): number | undefined => {
          if (v === undefined) return undefined;
          if (!/^[0-9]+$/.test(v)) throw new UsageError(`--${name}: expected a number, got ${JSON.stringify(v)}`);
          return Number(v);
        };
        const body: Record<string, unknown> = {};
        if (values.match !== undefined) body.match = parseMatchArg(values.match);
        if (values.priority !== undefined) body.priority = int(values.priority, 'priority');
        if (values.table !== undefined) body.tableId = int(values.table, 'table');
        if (values.cookie !== undefined) body.cookie = values.cookie;
        const path = `/api/v1/switches/${dpidArg(positionals[0])}/flows`;
        if (sub === 'add') {
          if (values.actions === undefined) throw new UsageError('flow add: --actions is required (use --actions drop for a drop rule)');
          body.instructions = parseActionsArg(values.actions);
          if (values.idle !== undefined) body.idleTimeout = int(values.idle, 'idle');
          if (values.hard !== undefined) body.hardTimeout = int(values.hard, 'hard');
          const r = await call(c, 'POST', path, body);
          await out(c.json ? JSON.stringify(r) + '\n' : 'flow added\n');
        } else {
          if (values.cookie !== undefined) body.cookieMask = '0xffffffffffffffff';
          // Nothing selects: that is every flow of the switch, so it has to be asked for by name.
          const selects = values.match !== undefined || values.priority !== undefined || values.table !== undefined || values.cookie !== undefined;
          if (!selects && !values.all) throw new UsageError('flow del: no --match, --priority, --table or --cookie: this would delete every flow of the switch; add --all to mean it');
          // The switch does not say how many a delete removed: count the flows before and after.
          const count = async (): Promise<number> => {
            const r = await callWithHeaders(c, 'GET', `${path}?limit=1`);
            const total = r.headers.get('x-total-count');
            return total !== null ? Number(total) : (r.data as unknown[]).length;
          };
          const before = await count();
          const r = await call(c, 'DELETE', `${path}${values.strict ? '?strict=true' : ''}`, body);
          const deleted = Math.max(0, before - (await count()));
          await out(c.json ? JSON.stringify({ ...(r as object), deleted }) + '\n' : `${deleted} flow${deleted === 1 ? '' : 's'} deleted\n`);
        }
        return EXIT.ok;
      }
      case 'topology':
      case 'hosts':
      case 'links': {
        const { values } = parse(args, {}, 0, cmd);
        const c = common(values, env, opts.pageLimit);
        type Topo = {
          switches: { dpid: string; ports: number[]; connected: boolean }[];
          links: { src: { dpid: string; port: number }; dst: { dpid: string; port: number } }[];
          hosts: { mac: string; vlan?: number; ipv4: string[]; ipv6: string[]; location: { dpid: string; port: number } }[];
        };
        // hosts and links page through their own lists (every item, however many); topology is one answer.
        const topo: Topo =
          cmd === 'topology'
            ? ((await call(c, 'GET', '/api/v1/topology')) as Topo)
            : cmd === 'hosts'
              ? { switches: [], links: [], hosts: (await callAll(c, '/api/v1/hosts')) as Topo['hosts'] }
              : { switches: [], hosts: [], links: (await callAll(c, '/api/v1/links')) as Topo['links'] };
        if (c.json) {
          await out(JSON.stringify(cmd === 'topology' ? topo : cmd === 'hosts' ? topo.hosts : topo.links, null, 2) + '\n');
          return EXIT.ok;
        }
        const linkTable = table(['SOURCE', 'PORT', 'DESTINATION', 'PORT'], topo.links.map((l) => [l.src.dpid, String(l.src.port), l.dst.dpid, String(l.dst.port)]));
        const hostTable = table(['MAC', 'VLAN', 'IPV4', 'IPV6', 'SWITCH', 'PORT'], topo.hosts.map((h) => [h.mac, h.vlan === undefined ? '-' : String(h.vlan), h.ipv4.join(' ') || '-', h.ipv6.join(' ') || '-', h.location.dpid, String(h.location.port)]));
        if (cmd === 'links') await out(linkTable);
        else if (cmd === 'hosts') await out(hostTable);
        else {
          // PORTS counts what `switches` and `ports DPID` count (every port the switch reported,
          // LOCAL included); LIVE the ones discovery probes (physical and up).
          const connected = new Map(((await callAll(c, '/api/v1/switches')) as { dpid: string; ports: number }[]).map((s) => [s.dpid, s.ports]));
          await out(`Switches (${topo.switches.length})\n` + table(['DPID', 'PORTS', 'LIVE', 'CONNECTED'], topo.switches.map((s) => [s.dpid, String(connected.get(s.dpid) ?? '-'), String(s.ports.length), s.connected ? 'yes' : 'no'])));
          await out(`\nLinks (${topo.links.length}, one per direction)\n` + linkTable);
          await out(`\nHosts (${topo.hosts.length})\n` + hostTable);
        }
        return EXIT.ok;
      }
      case 'path': {
        const { values, positionals } = parse(args, { k: { type: 'string' } }, 2, 'path A B');
        const c = common(values, env, opts.pageLimit);
        const q = new URLSearchParams({ src: positionals[0]!, dst: positionals[1]! });
        if (values.k !== undefined) q.set('k', values.k);
        const r = (await call(c, 'GET', `/api/v1/paths?${q.toString()}`)) as { paths: { cost: number; hops: string[]; links: { src: { dpid: string; port: number }; dst: { dpid: string; port: number } }[] }[] };
        if (c.json) await out(JSON.stringify(r, null, 2) + '\n');
        else if (r.paths.length === 0) await out('no path\n');
        else await out(table(['#', 'COST', 'HOPS'], r.paths.map((p, i) => [String(i + 1), String(p.cost), p.links.length === 0 ? p.hops.join('') : p.links.map((l) => `${l.src.dpid}:${l.src.port} -> ${l.dst.dpid}:${l.dst.port}`).join(', ')])));
        return EXIT.ok;
      }
      case 'trace': {
        let r;
        try {
          r = parseArgs({ args: [...args], options: { ...COMMON_OPTIONS, from: { type: 'string' }, to: { type: 'string' }, source: { type: 'string' } }, allowPositionals: true, strict: true });
        } catch (e) {
          throw new UsageError(optionError(e as Error));
        }
        const c = common(r.values, env);
        let body: Record<string, unknown>;
        try {
          body = traceBody(r.positionals, r.values);
        } catch (e) {
          throw e instanceof TraceUsageError ? new UsageError(e.message) : e;
        }
        const answer = (await call(c, 'POST', '/api/v1/trace', body)) as TraceAnswer;
        await out(c.json ? JSON.stringify(answer, null, 2) + '\n' : traceText(answer));
        return EXIT.ok;
      }
      case 'apps': {
        const { values } = parse(args, {}, 0, 'apps');
        const c = common(values, env, opts.pageLimit);
        const list = (await call(c, 'GET', '/api/v1/apps')) as { name: string; state: string; description?: string; lastError?: string }[];
        if (c.json) await out(JSON.stringify(list, null, 2) + '\n');
        else await out(table(['NAME', 'STATE', 'DESCRIPTION'], list.map((a) => [a.name, a.state + (a.lastError ? ` (${a.lastError})` : ''), a.description ?? ''])));
        return EXIT.ok;
      }
      case 'app': {
        const [sub, ...rest] = args;
        if (sub !== 'enable' && sub !== 'disable') throw new UsageError('app: expected "app enable NAME" or "app disable NAME"');
        const { values, positionals } = parse(rest, {}, 1, `app ${sub} NAME`);
        const c = common(values, env, opts.pageLimit);
        const r = (await call(c, 'POST', `/api/v1/apps/${encodeURIComponent(positionals[0]!)}/${sub}`)) as { name: string; state: string };
        await out(c.json ? JSON.stringify(r) + '\n' : `${r.name}: ${r.state}\n`);
        return EXIT.ok;
      }
      case 'events':
        return await followEvents(args, io, env, opts.signal);
      default:
        throw new UsageError(`unknown command ${String(cmd)}`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`signalbox ${cmd}: ${e.message}\n\n${commandUsage(cmd)}`);
      return EXIT.usage;
    }
    if (e instanceof RequestError) {
      io.stderr.write(`signalbox ${cmd}: ${e.message}\n`);
      return EXIT.failed;
    }
    io.stderr.write(`signalbox ${cmd}: ${(e as Error).message}\n`);
    return EXIT.failed;
  }
}

/** `events`: prints events until interrupted (exit 0) or the server closes the stream (exit 1). */
async function followEvents(args: readonly string[], io: CliIo, env: Readonly<Record<string, string | undefined>>, signal: AbortSignal | undefined): Promise<number> {
  const { values } = parse(args, { types: { type: 'string' }, dpid: { type: 'string' }, heartbeats: { type: 'boolean' } }, 0, 'events');
  const c = common(values, env);
  const q = new URLSearchParams();
  if (values.types) q.set('types', values.types);
  if (values.dpid) q.set('dpid', values.dpid);
  const qs = q.toString();
  const wsUrl = `${c.url.replace(/^http/, 'ws')}/api/v1/events${qs ? `?${qs}` : ''}`;
  const ws = new WebSocket(wsUrl, { headers: c.token ? { authorization: `Bearer ${c.token}` } : {} });
  const ac = new AbortController();
  const stop = (): void => ac.abort();
  const onSig = (): void => stop();
  if (signal) signal.addEventListener('abort', stop, { once: true });
  else {
    process.once('SIGINT', onSig);
    process.once('SIGTERM', onSig);
  }
  try {
    return await new Promise<number>((resolve) => {
      let opened = false;
      ac.signal.addEventListener('abort', () => {
        ws.close(1000);
        resolve(EXIT.ok);
      });
      ws.on('unexpected-response', (_req, res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => {
          let msg = text;
          try {
            const j = JSON.parse(text) as { code?: string; message?: string };
            msg = `${j.code}: ${j.message}`;
          } catch {
            /* plain text */
          }
          io.stderr.write(`signalbox events: ${res.statusCode} ${msg}\n`);
          resolve(EXIT.failed);
        });
      });
      ws.on('open', () => (opened = true));
      ws.on('message', (data: Buffer) => {
        const text = data.toString();
        if (c.json) {
          void writeOut(io.stdout, text + '\n');
          return;
        }
        let e: Record<string, unknown>;
        try {
          e = JSON.parse(text) as Record<string, unknown>;
        } catch {
          return;
        }
        if (e.type === 'heartbeat' && !values.heartbeats) return;
        if (e.type === 'hello') {
          io.stderr.write(`following ${(e.events as string[]).join(', ')} (Ctrl-C to stop)\n`);
          return;
        }
        const { type, time, dpid, ...rest } = e;
        void writeOut(io.stdout, `${when(time)}  ${String(type).padEnd(18)} ${dpid ? `${String(dpid)}  ` : ''}${summary(rest)}\n`);
      });
      ws.on('error', (err) => {
        if (ac.signal.aborted) return;
        io.stderr.write(`signalbox events: cannot reach ${c.url}: ${(err as NodeJS.ErrnoException).code ?? err.message}\n`);
        resolve(EXIT.failed);
      });
      ws.on('close', (code, reason) => {
        if (ac.signal.aborted) return;
        if (opened) io.stderr.write(`signalbox events: the server closed the stream (${code}${reason.length ? ` ${reason.toString()}` : ''})\n`);
        resolve(EXIT.failed);
      });
    });
  } finally {
    if (!signal) {
      process.off('SIGINT', onSig);
      process.off('SIGTERM', onSig);
    }
    ws.removeAllListeners('message');
  }
}

function summary(rest: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(rest)) {
    if (v === null || v === undefined) continue;
    if (k === 'port' && typeof v === 'object') parts.push(`port=${String((v as { portNo?: number }).portNo)}`);
    else if (k === 'link' && typeof v === 'object') {
      const l = v as { src?: string; srcPort?: number; dst?: string; dstPort?: number };
      parts.push(`${l.src}:${l.srcPort} -> ${l.dst}:${l.dstPort}`);
    } else if (k === 'host' && typeof v === 'object') {
      const h = v as { mac?: string; location?: { dpid?: string; port?: number } };
      parts.push(`${h.mac} at ${h.location?.dpid}:${h.location?.port}`);
    } else if (k === 'msg' && typeof v === 'object') {
      const m = v as Record<string, unknown>;
      parts.push(Object.entries(m).filter(([kk]) => kk !== 'data' && kk !== 'match').map(([kk, vv]) => `${kk}=${typeof vv === 'object' ? JSON.stringify(vv) : String(vv)}`).join(' '));
    } else if (typeof v !== 'object') parts.push(`${k}=${String(v)}`);
  }
  return parts.join(' ');
}
