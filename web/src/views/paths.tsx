/**
 * Paths view: two hosts or switches (dpid, name, MAC or IP) and the path(s) the controller
 * computes between them (`GET /api/v1/paths`), lit up on the live topology; between two hosts,
 * the packet trace (`POST /api/v1/trace`) hop by hop: the flow that matched in each table with
 * its owner, the actions, where each copy went, and the outcome. `#/paths/<from>/<to>` opens a
 * query. The root element's `data-path` (dpids of the shown path) and `data-outcome` say what is shown.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { switchLabel } from '../format.js';
import { actionText, endpointQuery, instructionsText, matchText, nextText, pathLights, type PathsJson, type TraceJson } from '../paths-model.js';
import { hostNode, linkEdge, switchNode, TopologyGraph } from '../topology-graph.js';
import type { ViewProps } from './index.js';
import { GraphCanvas } from '../graph-canvas.js';

/** Colours of the lit path and of everything else (faded). */
const LIT = '#f97316';
const FADED = '#cbd5e1';

interface Query {
  readonly from: string;
  readonly to: string;
  readonly k: number;
  readonly source: 'live' | 'desired';
}

export function PathsView({ session, params }: ViewProps) {
  const store = session.topology;
  const container = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<GraphCanvas | undefined>(undefined);
  const lit = useRef<{ nodes: Set<string>; edges: Set<string> } | undefined>(undefined);
  const [from, setFrom] = useState(params[0] ?? '');
  const [to, setTo] = useState(params[1] ?? '');
  const [k, setK] = useState(2);
  const [source, setSource] = useState<'live' | 'desired'>('live');
  const [answer, setAnswer] = useState<PathsJson | undefined>();
  const [shown, setShown] = useState(0);
  const [trace, setTrace] = useState<TraceJson | { error: string } | 'running' | undefined>();
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    const tg = new TopologyGraph(store);
    tg.rebuild(false);
    const canvas = new GraphCanvas(tg.graph, container.current!, {
      nodeReducer: (node, data) => {
        const l = lit.current;
        if (!l) return data;
        return l.nodes.has(node) ? { ...data, color: LIT, size: data.size + 2 } : { ...data, color: FADED };
      },
      edgeReducer: (edge, data) => {
        const l = lit.current;
        if (!l) return data;
        return l.edges.has(edge) ? { ...data, color: LIT, size: 5 } : { ...data, color: FADED };
      },
    });
    canvasRef.current = canvas;
    tg.onReplace = (g) => canvas.setGraph(g);
    const off = store.subscribe((c) => tg.update(c));
    return () => {
      off();
      canvas.kill();
    };
  }, [store]);

  useEffect(() => {
    if (answer) {
      const l = pathLights(answer, answer.paths[shown]);
      const hosts = [...l.hosts].map(hostNode);
      lit.current = {
        nodes: new Set([...[...l.switches].map(switchNode), ...hosts]),
        edges: new Set([...[...l.pairs].map(linkEdge), ...hosts.map((h) => `hl:${h}`)]),
      };
    } else {
      lit.current = undefined;
    }
    canvasRef.current?.refresh();
  }, [answer, shown]);

  const run = (q: Query): void => {
    const a = endpointQuery(store, q.from);
    const b = endpointQuery(store, q.to);
    setError(undefined);
    setTrace(undefined);
    const qs = new URLSearchParams({ src: a.query, dst: b.query, k: String(q.k) });
    session.api
      .get<PathsJson>(`/paths?${qs.toString()}`)
      .then((r) => {
        setAnswer(r);
        setShown(0);
        // A trace needs two hosts: it starts at the first one's port with a packet for the second.
        if ('host' in r.src && 'host' in r.dst) {
          setTrace('running');
          session.api
            .send<TraceJson>('POST', '/trace', { from: r.src.host.mac, to: r.dst.host.mac, source: q.source })
            .then(setTrace, (e: Error) => setTrace({ error: e.message }));
        }
      })
      .catch((e: Error) => {
        setAnswer(undefined);
        setError(e.message);
      });
  };
  // A link to `#/paths/<from>/<to>` runs its query at once.
  useEffect(() => {
    if (params[0] && params[1]) run({ from: params[0], to: params[1], k, source });
  }, [params[0], params[1]]);

  const name = (d: string): string => switchLabel(d, store.switches.get(d)?.name);
  const short = (d: string): string => store.switches.get(d)?.name ?? d;
  const path = answer?.paths[shown];
  const outcome = trace && typeof trace === 'object' && 'outcome' in trace ? trace.outcome : undefined;
  return (
    <section class="view paths" data-paths={answer?.paths.length ?? ''} data-path={path?.hops.join(',') ?? ''} data-outcome={outcome ?? ''}>
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          if (from.trim() && to.trim()) run({ from, to, k, source });
        }}
      >
        <datalist id="path-ends">
          {[...store.switches.values()].map((s) => (
            <option key={s.dpid} value={s.name ?? s.dpid} />
          ))}
          {[...store.hosts.values()].slice(0, 500).map((h) => (
            <option key={h.id} value={h.ipv4[0] ?? h.mac} />
          ))}
        </datalist>
        <input name="from" type="search" list="path-ends" placeholder="from: host or switch" value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
        <input name="to" type="search" list="path-ends" placeholder="to: host or switch" value={to} onInput={(e) => setTo(e.currentTarget.value)} />
        <label>
          Paths{' '}
          <select name="k" value={String(k)} onChange={(e) => setK(Number(e.currentTarget.value))}>
            {[1, 2, 3, 4].map((n) => (
              <option key={n} value={String(n)}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <label title="live: the switches' tables read now; desired: what Signalbox means to be there">
          Trace{' '}
          <select name="source" value={source} onChange={(e) => setSource(e.currentTarget.value as 'live' | 'desired')}>
            <option value="live">live tables</option>
            <option value="desired">desired state</option>
          </select>
        </label>
        <button type="submit">Show</button>
        {error && (
          <span class="error" role="alert">
            {error}
          </span>
        )}
      </form>
      <div class="topology-body">
        <div class="graph" ref={container} />
        <aside class="detail">
          {!answer && !error && <p class="hint">Pick two hosts or switches: the paths between them light up, and between two hosts the packet is traced through the flow tables.</p>}
          {answer && (
            <div class="card">
              <h2>{answer.paths.length === 0 ? 'No path' : answer.paths.length === 1 ? 'Path' : `${answer.paths.length} paths`}</h2>
              <ol class="path-list">
                {answer.paths.map((p, i) => (
                  <li key={i} class={i === shown ? 'active' : ''} data-hops={p.hops.join(',')}>
                    <button type="button" class="link" onClick={() => setShown(i)}>
                      {p.hops.map(short).join(' → ')} (cost {p.cost})
                    </button>
                  </li>
                ))}
              </ol>
              {path && path.links.length > 0 && (
                <ul class="plain">
                  {path.links.map((l) => (
                    <li key={`${l.src.dpid}:${l.src.port}`}>
                      {short(l.src.dpid)}:{l.src.port} → {short(l.dst.dpid)}:{l.dst.port}
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}
          {trace === 'running' && <p class="hint">Tracing…</p>}
          {trace && typeof trace === 'object' && 'error' in trace && (
            <p class="error" role="alert">
              Trace: {trace.error}
            </p>
          )}
          {trace && typeof trace === 'object' && 'hops' in trace && <TraceCard trace={trace} name={name} />}
        </aside>
      </div>
    </section>
  );
}

/** The trace hop by hop: each table's matched flow with its owner, the actions, the outputs; then the outcome. */
function TraceCard(props: { trace: TraceJson; name: (dpid: string) => string }) {
  const { trace, name } = props;
  return (
    <div class="card trace" data-outcome={trace.outcome}>
      <h2>
        Trace: <span class={trace.outcome === 'delivered' ? 'state-up' : trace.outcome === 'dropped' || trace.outcome === 'loop' ? 'state-down' : 'state-partial'}>{trace.outcome}</span>
      </h2>
      <p class="hint">{trace.reason}</p>
      <ol class="hops">
        {trace.hops.map((h, i) => (
          <li key={i} data-hop={h.dpid}>
            <b>{name(h.dpid)}</b> in port {h.inPort}
            <table class="grid">
              <tbody>
                {h.tables.map((t) => (
                  <tr key={t.tableId} data-table={t.tableId} data-owner={t.flow?.owner ?? ''}>
                    <td>table {t.tableId}</td>
                    {t.flow ? (
                      <td>
                        <span class="owner">{t.flow.owner ?? 'unowned'}</span> prio {t.flow.priority}: <span class="mono">{matchText(t.flow.match)}</span> ⇒ <span class="mono">{instructionsText(t.flow.instructions)}</span>
                      </td>
                    ) : (
                      <td class="state-down">miss{t.skipped ? ` (${t.skipped})` : ''}</td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
            {h.actions.length > 0 && (
              <p class="mono">
                {h.actions.map((a) => `${actionText(a)}${a.note ? ` (${String(a.note)})` : ''}`).join('; ')}
              </p>
            )}
            <ul class="plain">
              {h.outputs.map((o, j) => (
                <li key={j}>
                  → {o.port === null ? 'no port' : `port ${o.port}`}
                  {o.via ? ` via ${o.via}` : ''}: {nextText(o.next, name)}
                  {o.reason ? ` (${o.reason})` : ''}
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ol>
    </div>
  );
}
