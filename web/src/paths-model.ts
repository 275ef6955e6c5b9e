/**
 * The paths view's data as pure functions (tested in test/unit/web-paths-model.test.ts): the
 * answers of `GET /api/v1/paths` and `POST /api/v1/trace`, an endpoint typed by the operator in
 * the form the API takes, the graph nodes and edges a path lights up, and a trace's flows and
 * actions as short text.
 */
import type { HostJson, LinkJson } from './api.js';
import { findNode, pairOf, type TopologyModel } from './topology-model.js';

/** One path of `GET /api/v1/paths`: switches in order and the directed links between them. */
export interface PathJson {
  readonly src: string;
  readonly dst: string;
  readonly cost: number;
  readonly hops: readonly string[];
  readonly links: readonly LinkJson[];
}

/** An end of a path query: a host (when a host was named) or a switch. */
export type PathEndJson = { readonly host: HostJson } | { readonly dpid: string };

/** `GET /api/v1/paths?src=&dst=&k=`. */
export interface PathsJson {
  readonly src: PathEndJson;
  readonly dst: PathEndJson;
  readonly paths: readonly PathJson[];
}

/** A flow entry as the trace shows it (the flow API's JSON). */
export interface TraceFlowJson {
  readonly cookie: string;
  readonly owner: string | null;
  readonly priority: number;
  readonly match: readonly { field: string; value: unknown; mask?: unknown }[];
  readonly instructions: readonly Record<string, unknown>[];
}

/** Where a copy of the packet goes after a switch. */
export type TraceNextJson = { readonly dpid: string; readonly inPort: number } | { readonly host: string | null } | 'controller' | 'drop' | 'flood' | 'unknown';

/** One switch the packet crossed. */
export interface TraceHopJson {
  readonly dpid: string;
  readonly inPort: number;
  readonly tables: readonly { tableId: number; flow: TraceFlowJson | null; skipped?: string }[];
  readonly actions: readonly (Record<string, unknown> & { type: string; stage?: string })[];
  readonly packetAfter: Readonly<Record<string, unknown>>;
  readonly outputs: readonly { port: number | string | null; next: TraceNextJson; reason?: string; via?: string }[];
  readonly notes?: readonly string[];
}

/** `POST /api/v1/trace`. */
export interface TraceJson {
  readonly hops: readonly TraceHopJson[];
  readonly outcome: string;
  readonly reason: string;
}

/**
 * What to send the API for an endpoint typed in the form: a switch (by dpid or name) as its
 * dpid, a host (MAC, IP) as its MAC; anything else as typed, for the API to refuse by name.
 */
export function endpointQuery(m: Pick<TopologyModel, 'switches' | 'hosts'>, text: string): { query: string; host?: HostJson } {
  const node = findNode(m, text);
  if (node?.startsWith('sw:')) return { query: node.slice(3) };
  if (node?.startsWith('host:')) {
    const h = m.hosts.get(node.slice(5));
    if (h) return { query: h.mac, host: h };
  }
  return { query: text.trim() };
}

/** What a path lights up: its switches, the named hosts (by id) and the link pairs (by key) it crosses. */
export interface PathLights {
  readonly switches: ReadonlySet<string>;
  readonly hosts: ReadonlySet<string>;
  readonly pairs: ReadonlySet<string>;
}

/** The switches, hosts and link pairs of one path of an answer (the hosts when hosts were named). */
export function pathLights(answer: Pick<PathsJson, 'src' | 'dst'>, path: PathJson | undefined): PathLights {
  const hosts = new Set<string>();
  for (const end of [answer.src, answer.dst]) if ('host' in end) hosts.add(end.host.id);
  return {
    switches: new Set(path?.hops ?? []),
    hosts,
    pairs: new Set((path?.links ?? []).map((l) => pairOf(l).key)),
  };
}

/** An OXM match as `field=value[/mask]`, comma separated; `any` when empty. */
export function matchText(match: TraceFlowJson['match']): string {
  if (match.length === 0) return 'any';
  return match.map((m) => `${m.field}=${valueText(m.value)}${m.mask !== undefined ? `/${valueText(m.mask)}` : ''}`).join(', ');
}

function valueText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** An action as `type key=value ...` (the trace's bookkeeping fields left out). */
export function actionText(a: Readonly<Record<string, unknown>>): string {
  const skip = new Set(['type', 'stage', 'tableId', 'groupId', 'bucket', 'note', 'len', 'maxLen']);
  const args = Object.entries(a)
    .filter(([k]) => !skip.has(k))
    .map(([k, v]) => `${k}=${valueText(v)}`);
  return [String(a.type), ...args].join(' ');
}

/** A flow's instructions as text: `apply(output port=2); goto 1`. */
export function instructionsText(ins: TraceFlowJson['instructions']): string {
  if (ins.length === 0) return 'drop (no instructions)';
  return ins
    .map((i) => {
      const acts = Array.isArray(i.actions) ? (i.actions as Record<string, unknown>[]).map(actionText).join(', ') : '';
      switch (i.type) {
        case 'apply_actions':
          return `apply(${acts})`;
        case 'write_actions':
          return `write(${acts})`;
        case 'clear_actions':
          return 'clear';
        case 'goto_table':
          return `goto ${String(i.tableId)}`;
        default:
          return actionText(i);
      }
    })
    .join('; ');
}

/** Where an output goes, in words (`name` labels a switch). */
export function nextText(next: TraceNextJson, name: (dpid: string) => string): string {
  if (typeof next === 'string') return next;
  if ('host' in next) return next.host ? `host ${next.host}` : 'edge port (no known host)';
  return `${name(next.dpid)} port ${next.inPort}`;
}
