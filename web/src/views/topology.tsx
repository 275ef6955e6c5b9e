/**
 * Topology view: switches, link pairs (green both ways up, amber one way, red down) and hosts
 * drawn on a canvas (GraphCanvas) from the live topology store; click anything for its detail (double-click a
 * switch for its own view), search by dpid, name, MAC or IP. Live changes redraw only what
 * changed. The load overlay polls every switch's port counters and colours links by utilisation. The counts on the root element
 * (`data-switches`, `data-links-up`, `data-links-down`, `data-hosts`) say what is drawn. In a
 * cluster, switches take their master instance's colour (`data-masters`: instance=count,...; each
 * legend entry's `data-instance` and `data-color`; the graph's `data-switch-colors`: dpid=colour,...
 * as drawn).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { HostJson, PortJson, SwitchDetailJson } from '../api.js';
import { masterColours } from '../cluster-model.js';
import { useCluster } from '../cluster-watch.js';
import { macText, switchLabel, timeText } from '../format.js';
import { GraphCanvas } from '../graph-canvas.js';
import { COLORS, parseNode, switchNode, TopologyGraph } from '../topology-graph.js';
import { switchApi } from '../switch-api.js';
import { bpsText, LOAD_BANDS, LoadTracker, loadStyle, type LinkLoad } from '../switch-model.js';
import { PortTable } from '../port-table.js';
import { findNode } from '../topology-model.js';
import { pairStatus, type LinkPairState, type TopologyStore } from '../topology-store.js';
import type { Session } from '../session.js';
import type { ViewProps } from './index.js';

interface Counts {
  readonly switches: number;
  readonly linksUp: number;
  readonly linksPartial: number;
  readonly linksDown: number;
  readonly hosts: number;
}

function countsOf(store: TopologyStore): Counts {
  let up = 0;
  let partial = 0;
  let down = 0;
  for (const l of store.links.values()) {
    const s = pairStatus(l);
    if (s === 'up') up++;
    else if (s === 'partial') partial++;
    else down++;
  }
  return { switches: store.switches.size, linksUp: up, linksPartial: partial, linksDown: down, hosts: store.hosts.size };
}

export function TopologyView({ session }: ViewProps) {
  const store = session.topology;
  const container = useRef<HTMLDivElement>(null);
  const graphRef = useRef<TopologyGraph | undefined>(undefined);
  const canvasRef = useRef<GraphCanvas | undefined>(undefined);
  const [counts, setCounts] = useState<Counts>(() => countsOf(store));
  const [selected, setSelected] = useState<string | undefined>();
  const [showHosts, setShowHosts] = useState(true);
  const [search, setSearch] = useState('');
  const [searchMiss, setSearchMiss] = useState(false);
  // A search that found nothing is tried again as the topology changes (it was typed before the
  // view had loaded, or names a switch or host yet to appear), until it finds or the text changes.
  const missedSearch = useRef<string | undefined>(undefined);
  const [, setTick] = useState(0);
  const [showLoad, setShowLoad] = useState(false);
  const [loads, setLoads] = useState<ReadonlyMap<string, LinkLoad> | undefined>();
  const [loadError, setLoadError] = useState<string | undefined>();
  const masters = masterColours(useCluster(session).cluster);
  const mastersRef = useRef(masters);
  mastersRef.current = masters;

  // Stable parts only (a state setter and a ref): the store subscription below keeps the first render's.
  const focus = (node: string): void => {
    setSelected(node);
    canvasRef.current?.focus(node);
  };

  useEffect(() => {
    const tg = new TopologyGraph(store);
    graphRef.current = tg;
    tg.rebuild(false);
    const canvas = new GraphCanvas(tg.graph, container.current!, {
      // In a cluster a switch takes its master's colour (the selection's colour still wins).
      nodeReducer: (node, data) => {
        const colour = node.startsWith('sw:') && data.color !== COLORS.selected ? mastersRef.current?.byDpid.get(node.slice(3)) : undefined;
        return colour ? { ...data, color: colour } : data;
      },
    });
    canvasRef.current = canvas;
    tg.onReplace = (g) => canvas.setGraph(g);
    canvas.on('clickNode', (node) => setSelected(node));
    canvas.on('clickEdge', (edge) => setSelected(edge));
    canvas.on('clickStage', () => setSelected(undefined));
    canvas.on('doubleClickNode', (node) => {
      const ref = parseNode(node);
      if (ref?.kind === 'switch') location.hash = `#/switch/${ref.dpid}`;
    });
    const off = store.subscribe((c) => {
      tg.update(c);
      const found = missedSearch.current === undefined ? undefined : findNode(store, missedSearch.current);
      if (found) {
        missedSearch.current = undefined;
        setSearchMiss(false);
        focus(found);
      }
      setCounts(countsOf(store));
      setTick((n) => n + 1);
    });
    setCounts(countsOf(store));
    return () => {
      off();
      canvas.kill();
    };
  }, [store]);

  useEffect(() => graphRef.current?.select(selected), [selected]);
  const mastersKey = masters ? [...masters.byDpid].join() : '';
  // In a cluster, the colour each switch is drawn in, read back from the renderer's reducer
  // (for reading and testing what the canvas shows): `dpid=#colour,...` on the graph. A new switch
  // redraws all then; standalone, switch counts do not (a large network's first render).
  const [drawnColours, setDrawnColours] = useState('');
  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    canvas.refresh();
    setDrawnColours(masters ? [...store.switches.keys()].sort().map((d) => `${d}=${canvas.nodeDisplay(switchNode(d))?.color ?? ''}`).join(',') : '');
  }, [mastersKey, masters ? counts.switches : -1]);

  // The load overlay: one request for every switch's counters per poll (slower on big networks).
  useEffect(() => {
    if (!showLoad) {
      graphRef.current?.setLoad(undefined);
      setLoads(undefined);
      return;
    }
    const tracker = new LoadTracker();
    let live = true;
    let busy = false;
    const poll = (): void => {
      if (busy) return;
      busy = true;
      switchApi
        .portSamples(session.api)
        .then((samples) => {
          if (!live) return;
          const l = tracker.update(samples, performance.now() / 1000, store.links.values());
          graphRef.current?.setLoad(l);
          setLoads(l);
          setLoadError(samples.find((x) => x.error)?.error);
        })
        .catch((e: Error) => live && setLoadError(e.message))
        .finally(() => {
          busy = false;
        });
    };
    poll();
    const t = window.setInterval(poll, store.switches.size > 100 ? 5000 : 2000);
    return () => {
      live = false;
      window.clearInterval(t);
    };
  }, [showLoad, store, session]);

  return (
    <section
      class="view topology"
      data-switches={counts.switches}
      data-links-up={counts.linksUp}
      data-links-partial={counts.linksPartial}
      data-links-down={counts.linksDown}
      data-hosts={counts.hosts}
      data-load={showLoad ? (loads ? 'on' : 'loading') : 'off'}
      data-masters={masters?.legend.map((l) => `${l.instanceId}=${l.switches}`).join(',') ?? ''}
    >
      <div class="toolbar">
        <form
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            const n = findNode(store, search);
            setSearchMiss(n === undefined);
            missedSearch.current = n === undefined ? search : undefined;
            if (n) focus(n);
          }}
        >
          <input
            name="search"
            type="search"
            placeholder="dpid, name, MAC or IP"
            value={search}
            onInput={(e) => {
              missedSearch.current = undefined;
              setSearch(e.currentTarget.value);
            }}
          />
          <button type="submit">Find</button>
          {searchMiss && <span class="error">no match</span>}
        </form>
        <label>
          <input
            name="hosts"
            type="checkbox"
            checked={showHosts}
            onChange={(e) => {
              setShowHosts(e.currentTarget.checked);
              graphRef.current?.setShowHosts(e.currentTarget.checked);
            }}
          />
          Hosts
        </label>
        <label>
          <input name="load" type="checkbox" checked={showLoad} onChange={(e) => setShowLoad(e.currentTarget.checked)} />
          Link load
        </label>
        {showLoad && (
          <span class="load-legend" data-testid="load-legend">
            {LOAD_BANDS.map((b, i) => (
              <span key={b.label}>
                <i class={`band-${i}`} />
                {b.label}
              </span>
            ))}
            {loadError && <span class="error">{loadError}</span>}
          </span>
        )}
        <button
          type="button"
          onClick={() => {
            graphRef.current?.rebuild(true);
            canvasRef.current?.fit();
          }}
        >
          Re-layout
        </button>
        <span class="counts" data-testid="topology-counts">
          {counts.switches} switches · {counts.linksUp + counts.linksPartial + counts.linksDown} links ({counts.linksDown} down{counts.linksPartial ? `, ${counts.linksPartial} one-way` : ''}) · {counts.hosts} hosts
        </span>
        {masters && (
          <span class="legend" title="switches by master instance">
            {masters.legend.map((l) => (
              <span key={l.instanceId} data-instance={l.instanceId} data-color={l.color}>
                <span class="swatch" style={{ background: l.color }} /> {l.instanceId} ({l.switches})
              </span>
            ))}
          </span>
        )}
        {store.error && <span class="error">{store.error}</span>}
      </div>
      <div class="topology-body">
        <div class="graph" ref={container} data-switch-colors={drawnColours} />
        <aside class="detail">
          <Detail session={session} selected={selected} onSelect={focus} />
          <LinkList store={store} loads={loads} />
        </aside>
      </div>
    </section>
  );
}

function Detail(props: { session: Session; selected: string | undefined; onSelect: (node: string) => void }) {
  const { selected, session } = props;
  const store = session.topology;
  if (!selected) return <p class="hint">Click a switch, link or host for its detail.</p>;
  if (selected.startsWith('link:')) {
    const l = store.links.get(selected.slice('link:'.length));
    return l ? <LinkDetail store={store} link={l} /> : <p class="hint">That link is gone.</p>;
  }
  const ref = parseNode(selected);
  if (!ref) return null;
  switch (ref.kind) {
    case 'switch':
      return <SwitchDetail session={session} dpid={ref.dpid} key={ref.dpid} />;
    case 'host': {
      const h = store.hosts.get(ref.id);
      return h ? <HostDetail store={store} host={h} /> : <p class="hint">That host is gone.</p>;
    }
    case 'hosts': {
      const hosts = [...store.hosts.values()].filter((h) => h.location.dpid === ref.dpid);
      const sw = store.switches.get(ref.dpid);
      return (
        <div class="card">
          <h2>{hosts.length} hosts at {switchLabel(ref.dpid, sw?.name)}</h2>
          <ul class="plain">
            {hosts.slice(0, 100).map((h) => (
              <li key={h.id}>
                {macText(h.mac)} {h.ipv4.join(', ')} port {h.location.port}
              </li>
            ))}
          </ul>
          {hosts.length > 100 && <p class="hint">First 100: see the Hosts view for all.</p>}
          <button type="button" onClick={() => props.onSelect(switchNode(ref.dpid))}>
            Switch
          </button>
        </div>
      );
    }
    default: {
      const never: never = ref;
      return never;
    }
  }
}

function LinkDetail(props: { store: TopologyStore; link: LinkPairState }) {
  const { link: l, store } = props;
  const name = (d: string) => switchLabel(d, store.switches.get(d)?.name);
  return (
    <div class="card" data-link={l.key} data-state={pairStatus(l)}>
      <h2>Link</h2>
      <p>
        {name(l.a.dpid)} port {l.a.port} → {name(l.b.dpid)} port {l.b.port}: <b class={`state-${l.ab}`}>{l.ab}</b>
      </p>
      <p>
        {name(l.b.dpid)} port {l.b.port} → {name(l.a.dpid)} port {l.a.port}: <b class={`state-${l.ba}`}>{l.ba}</b>
      </p>
    </div>
  );
}

function HostDetail(props: { store: TopologyStore; host: HostJson }) {
  const h = props.host;
  const sw = props.store.switches.get(h.location.dpid);
  return (
    <div class="card" data-host={h.id}>
      <h2>Host {macText(h.mac)}</h2>
      <dl>
        <dt>IPv4</dt>
        <dd>{h.ipv4.join(', ') || '—'}</dd>
        <dt>IPv6</dt>
        <dd>{h.ipv6.join(', ') || '—'}</dd>
        <dt>VLAN</dt>
        <dd>{h.vlan ?? 'untagged'}</dd>
        <dt>Location</dt>
        <dd>
          {switchLabel(h.location.dpid, sw?.name)} port {h.location.port}
        </dd>
        <dt>First seen</dt>
        <dd>{timeText(h.firstSeen)}</dd>
        <dt>Last seen</dt>
        <dd>{timeText(h.lastSeen)}</dd>
      </dl>
    </div>
  );
}

function SwitchDetail(props: { session: Session; dpid: string }) {
  const { session, dpid } = props;
  const [detail, setDetail] = useState<SwitchDetailJson | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState<number | undefined>();
  const reload = (): void => {
    session.api
      .switchDetail(dpid)
      .then((d) => {
        setDetail(d);
        setError(undefined);
      })
      .catch((e: Error) => setError(e.message));
  };
  useEffect(reload, [dpid]);
  const sw = session.topology.switches.get(dpid);
  const hosts = [...session.topology.hosts.values()].filter((h) => h.location.dpid === dpid).length;
  const togglePort = (p: PortJson): void => {
    setBusy(p.portNo);
    session.api
      .setPortUp(dpid, p.portNo, !p.up)
      .then(reload, (e: Error) => setError(e.message))
      .finally(() => setBusy(undefined));
  };
  return (
    <div class="card" data-switch={dpid}>
      <h2>Switch {sw?.name ?? ''}</h2>
      <p>
        <a href={`#/switch/${dpid}`} class="open-switch">
          Flows, groups, meters and port rates →
        </a>
      </p>
      <dl>
        <dt>Dpid</dt>
        <dd class="mono">{dpid}</dd>
        {detail && (
          <>
            <dt>OpenFlow</dt>
            <dd>{detail.version}</dd>
            <dt>Address</dt>
            <dd>{detail.remoteAddress}</dd>
            <dt>Connected</dt>
            <dd>{timeText(detail.connectedAt)}</dd>
            <dt>Hardware</dt>
            <dd>
              {detail.description.mfrDesc} {detail.description.hwDesc} {detail.description.swDesc}
            </dd>
          </>
        )}
        <dt>Hosts</dt>
        <dd>{hosts}</dd>
      </dl>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {detail && (
        <PortTable ports={detail.portList} admin={session.scope === 'admin'} busy={busy} onToggle={togglePort} />
      )}
    </div>
  );
}

/** Every link pair as text, for reading (and testing) what the canvas shows; rendered only when opened. */
function LinkList(props: { store: TopologyStore; loads: ReadonlyMap<string, LinkLoad> | undefined }) {
  const [open, setOpen] = useState(false);
  const name = (d: string) => props.store.switches.get(d)?.name ?? d;
  return (
    <details class="links" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>Links</summary>
      {open && (
        <ul class="plain">
          {[...props.store.links.values()]
            .sort((a, b) => (a.key < b.key ? -1 : 1))
            .map((l) => (
              <li key={l.key} data-link={l.key} data-state={pairStatus(l)} class={`state-${pairStatus(l)}`} {...loadAttrs(props.loads?.get(l.key))}>
                {name(l.a.dpid)}:{l.a.port} ⇄ {name(l.b.dpid)}:{l.b.port} ({l.ab}/{l.ba})
                {props.loads && <LoadText load={props.loads.get(l.key)} />}
              </li>
            ))}
        </ul>
      )}
    </details>
  );
}


/** The overlay's figures of one link as data attributes (bits/s each way, utilisation band). */
function loadAttrs(load: LinkLoad | undefined): Record<string, string> {
  if (!load) return {};
  return {
    'data-load-ab-bps': load.abBps === undefined ? '' : String(Math.round(load.abBps)),
    'data-load-ba-bps': load.baBps === undefined ? '' : String(Math.round(load.baBps)),
    'data-load-band': loadStyle(load).band,
  };
}

function LoadText(props: { load: LinkLoad | undefined }) {
  const l = props.load;
  if (!l) return null;
  return (
    <span class="hint">
      {' '}
      → {bpsText(l.abBps)} ← {bpsText(l.baBps)}
      {l.utilisation !== undefined ? ` (${(l.utilisation * 100).toFixed(l.utilisation < 0.1 ? 1 : 0)} %)` : ''}
    </span>
  );
}
