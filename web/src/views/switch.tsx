/**
 * Switch view (`#/switch/<dpid>`): description and features, ports with a live rx/tx chart from
 * polled port counters, the flow table read live from the switch with each flow's owning app
 * (filterable), groups and meters; an admin adds and deletes static flows, a refusal shown next
 * to the field the API names. The root carries `data-dpid` and `data-flows` (rows shown).
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiFailure, type PortJson, type SwitchDetailJson } from '../api.js';
import { dpidText, switchLabel, timeText } from '../format.js';
import { PortChart, type RateColumns } from '../port-chart.js';
import { physicalPorts, PortTable } from '../port-table.js';
import type { Session } from '../session.js';
import { switchApi, type GroupJson, type GroupStatsJson, type MeterJson, type MeterStatsJson, type StaticFlowJson } from '../switch-api.js';
import {
  actionText,
  ageText,
  flowsFor,
  formFieldOf,
  instructionsText,
  matchText,
  ownersOf,
  portRates,
  portText,
  RateHistory,
  samplesOf,
  staticFlowBody,
  type CounterSample,
  type FlowJson,
  type FormField,
  type StaticFlowForm,
} from '../switch-model.js';
import type { ViewProps } from './index.js';

/** How often the view reads port counters (the chart's resolution) and the flow table. */
const PORT_POLL_MS = 2000;
const FLOW_POLL_MS = 5000;

/** Runs `fn` now and every `ms` while mounted, never two at once. */
function usePoll(fn: () => Promise<void>, ms: number, deps: readonly unknown[]): void {
  useEffect(() => {
    let live = true;
    let busy = false;
    const run = (): void => {
      if (busy || !live) return;
      busy = true;
      fn().finally(() => {
        busy = false;
      });
    };
    run();
    const t = window.setInterval(run, ms);
    return () => {
      live = false;
      window.clearInterval(t);
    };
  }, deps);
}

const msg = (e: unknown): string => (e as Error).message;

export function SwitchView({ session, params }: ViewProps) {
  const dpid = params[0] ? dpidText(params[0]) : undefined;
  if (!dpid || !/^[0-9a-f]{16}$/.test(dpid)) {
    return (
      <section class="view switch">
        <p class="error" role="alert">
          No switch named: open one from the topology or as #/switch/&lt;dpid&gt;.
        </p>
      </section>
    );
  }
  return <SwitchPage session={session} dpid={dpid} key={dpid} />;
}

function SwitchPage(props: { session: Session; dpid: string }) {
  const { session, dpid } = props;
  const api = session.api;
  const admin = session.scope === 'admin';
  const [detail, setDetail] = useState<SwitchDetailJson | undefined>();
  const [detailError, setDetailError] = useState<string | undefined>();
  const loadDetail = (): Promise<void> =>
    api.switchDetail(dpid).then(
      (d) => {
        setDetail(d);
        setDetailError(undefined);
      },
      (e) => setDetailError(msg(e)),
    );
  usePoll(loadDetail, 10_000, [dpid]);

  const name = session.topology.switches.get(dpid)?.name;
  const is13 = detail?.version === '1.3';

  return (
    <section class="view switch" data-dpid={dpid}>
      <div class="toolbar">
        <a href="#/topology">← Topology</a>
        <h1 class="title">Switch {switchLabel(dpid, name)}</h1>
        {detailError && (
          <span class="error" role="alert">
            {detailError}
          </span>
        )}
      </div>
      {detail && <Overview detail={detail} />}
      {detail && <Ports session={session} dpid={dpid} detail={detail} onChanged={loadDetail} />}
      <Flows session={session} dpid={dpid} />
      {is13 && <GroupsAndMeters session={session} dpid={dpid} />}
      {admin && <StaticFlows session={session} dpid={dpid} />}
    </section>
  );
}

function Overview(props: { detail: SwitchDetailJson }) {
  const d = props.detail;
  const f = d.features;
  return (
    <div class="card overview">
      <h2>Description and features</h2>
      <dl>
        <dt>Dpid</dt>
        <dd class="mono">{d.dpid}</dd>
        <dt>OpenFlow</dt>
        <dd>{d.version}</dd>
        <dt>Address</dt>
        <dd>{d.remoteAddress}</dd>
        <dt>Connected</dt>
        <dd>{timeText(d.connectedAt)}</dd>
        <dt>Manufacturer</dt>
        <dd>{d.description.mfrDesc}</dd>
        <dt>Hardware</dt>
        <dd>{d.description.hwDesc}</dd>
        <dt>Software</dt>
        <dd>{d.description.swDesc}</dd>
        <dt>Serial</dt>
        <dd>{d.description.serialNum}</dd>
        <dt>Datapath</dt>
        <dd>{d.description.dpDesc}</dd>
        <dt>Tables</dt>
        <dd>{String(f.nTables ?? '')}</dd>
        <dt>Buffers</dt>
        <dd>{String(f.nBuffers ?? '')}</dd>
        <dt>Capabilities</dt>
        <dd class="mono">{typeof f.capabilities === 'number' ? `0x${f.capabilities.toString(16)}` : String(f.capabilities ?? '')}</dd>
      </dl>
    </div>
  );
}

function Ports(props: { session: Session; dpid: string; detail: SwitchDetailJson; onChanged: () => Promise<void> }) {
  const { session, dpid, detail } = props;
  const history = useRef(new RateHistory(60));
  const prev = useRef<Map<number, CounterSample>>(new Map());
  const [chart, setChart] = useState<RateColumns>([[], [], []]);
  const [port, setPort] = useState<number | undefined>();
  const [, setTick] = useState(0);
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState<number | undefined>();
  const portRef = useRef(port);
  portRef.current = port;

  usePoll(
    async () => {
      try {
        const [s] = await switchApi.portSamples(session.api, [dpid]);
        if (!s?.ports) throw new Error(s?.error ?? 'no port counters');
        const next = samplesOf(s.ports, performance.now() / 1000);
        history.current.push(Date.now() / 1000, portRates(prev.current, next));
        prev.current = next;
        setChart(history.current.columns(portRef.current));
        setError(undefined);
        setTick((n) => n + 1);
      } catch (e) {
        setError(msg(e));
      }
    },
    PORT_POLL_MS,
    [dpid],
  );
  useEffect(() => setChart(history.current.columns(port)), [port]);

  const toggle = (p: PortJson): void => {
    setBusy(p.portNo);
    session.api
      .setPortUp(dpid, p.portNo, !p.up)
      .then(props.onChanged, (e) => setError(msg(e)))
      .finally(() => setBusy(undefined));
  };
  const chosen = physicalPorts(detail.portList).find((p) => p.portNo === port);
  return (
    <div class="card ports-card">
      <h2>Ports</h2>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="ports-body">
        <PortTable
          class="grid"
          ports={detail.portList}
          admin={session.scope === 'admin'}
          busy={busy}
          onToggle={toggle}
          rates={(n) => history.current.latest(n)}
          selected={port}
          onSelect={(n) => setPort(n === port ? undefined : n)}
        />
        <PortChart data={chart} title={chosen ? `Port ${chosen.portNo} (${chosen.name}): bits/s` : 'All ports: bits/s (click a port for its own)'} />
      </div>
    </div>
  );
}

function cookieHex(c: string): string {
  try {
    return `0x${BigInt(c).toString(16)}`;
  } catch {
    return c;
  }
}

function Flows(props: { session: Session; dpid: string }) {
  const { session, dpid } = props;
  const [flows, setFlows] = useState<FlowJson[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [owner, setOwner] = useState('');
  const [live, setLive] = useState(true);
  const [reload, setReload] = useState(0);
  usePoll(
    async () => {
      try {
        setFlows(await switchApi.flows(session.api, dpid));
        setError(undefined);
      } catch (e) {
        setError(msg(e));
      }
    },
    live ? FLOW_POLL_MS : 3_600_000,
    [dpid, live, reload],
  );
  const owners = useMemo(() => ownersOf(flows ?? []), [flows]);
  const rows = useMemo(() => flowsFor(flows ?? [], owner), [flows, owner]);
  return (
    <div class="card flows-card" data-flows={flows === undefined ? undefined : rows.length}>
      <h2>Flows</h2>
      <div class="toolbar">
        <label>
          App{' '}
          <select name="owner" value={owner} onChange={(e) => setOwner(e.currentTarget.value)}>
            <option value="">all</option>
            {owners.map((o) => (
              <option value={o} key={o}>
                {o}
              </option>
            ))}
          </select>
        </label>
        <label>
          <input name="live" type="checkbox" checked={live} onChange={(e) => setLive(e.currentTarget.checked)} /> Live
        </label>
        <button type="button" name="refresh" onClick={() => setReload((n) => n + 1)}>
          Refresh
        </button>
        <span class="counts">{flows === undefined ? 'reading…' : rows.length === flows.length ? `${flows.length} flows` : `${rows.length} of ${flows.length} flows`}</span>
        {error && (
          <span class="error" role="alert">
            {error}
          </span>
        )}
      </div>
      <table class="grid flows">
        <thead>
          <tr>
            <th>Table</th>
            <th>Priority</th>
            <th>App</th>
            <th>Cookie</th>
            <th>Match</th>
            <th>Instructions</th>
            <th>Packets</th>
            <th>Bytes</th>
            <th>Age</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((f, i) => (
            <tr key={`${f.tableId}/${f.priority}/${f.cookie}/${i}`} data-table={f.tableId} data-priority={f.priority} data-cookie={f.cookie} data-owner={f.owner ?? ''} data-packets={f.packetCount} data-bytes={f.byteCount}>
              <td>{f.tableId}</td>
              <td>{f.priority}</td>
              <td>{f.owner ?? '—'}</td>
              <td class="mono">{cookieHex(f.cookie)}</td>
              <td class="mono match">{matchText(f.match)}</td>
              <td class="mono">{instructionsText(f.instructions)}</td>
              <td>{f.packetCount}</td>
              <td>{f.byteCount}</td>
              <td>{ageText(f.durationSec)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const GROUP_TYPES = ['all', 'select', 'indirect', 'ff'];

function GroupsAndMeters(props: { session: Session; dpid: string }) {
  const { session, dpid } = props;
  const [groups, setGroups] = useState<{ desc: GroupJson[]; stats: Map<number, GroupStatsJson> } | undefined>();
  const [meters, setMeters] = useState<{ config: MeterJson[]; stats: Map<number, MeterStatsJson> } | undefined>();
  const [error, setError] = useState<string | undefined>();
  usePoll(
    async () => {
      try {
        const [gd, gs, mc, ms] = await Promise.all([switchApi.groups(session.api, dpid), switchApi.groupStats(session.api, dpid), switchApi.meters(session.api, dpid), switchApi.meterStats(session.api, dpid)]);
        setGroups({ desc: gd, stats: new Map(gs.map((g) => [g.groupId, g])) });
        setMeters({ config: mc, stats: new Map(ms.map((m) => [m.meterId, m])) });
        setError(undefined);
      } catch (e) {
        setError(msg(e));
      }
    },
    FLOW_POLL_MS * 2,
    [dpid],
  );
  return (
    <div class="card groups-meters">
      <h2>Groups and meters</h2>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <table class="grid groups" data-groups={groups?.desc.length}>
        <thead>
          <tr>
            <th>Group</th>
            <th>Type</th>
            <th>Buckets</th>
            <th>Flows</th>
            <th>Packets</th>
            <th>Bytes</th>
          </tr>
        </thead>
        <tbody>
          {groups?.desc.length === 0 && (
            <tr>
              <td colSpan={6} class="hint">
                No groups.
              </td>
            </tr>
          )}
          {groups?.desc.map((g) => {
            const s = groups.stats.get(g.groupId);
            return (
              <tr key={g.groupId} data-group={g.groupId}>
                <td>{g.groupId}</td>
                <td>{GROUP_TYPES[g.groupType] ?? g.groupType}</td>
                <td class="mono">
                  {g.buckets
                    .map((b) => `[${b.weight ? `weight ${b.weight} ` : ''}${b.watchPort !== undefined && b.watchPort !== 0xffffffff ? `watch ${portText(b.watchPort)} ` : ''}${b.actions.map(actionText).join(', ') || 'drop'}]`)
                    .join(' ')}
                </td>
                <td>{s?.refCount ?? ''}</td>
                <td>{s?.packetCount ?? ''}</td>
                <td>{s?.byteCount ?? ''}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <table class="grid meters" data-meters={meters?.config.length}>
        <thead>
          <tr>
            <th>Meter</th>
            <th>Bands</th>
            <th>Flows</th>
            <th>Packets in</th>
            <th>Bytes in</th>
          </tr>
        </thead>
        <tbody>
          {meters?.config.length === 0 && (
            <tr>
              <td colSpan={5} class="hint">
                No meters.
              </td>
            </tr>
          )}
          {meters?.config.map((m) => {
            const s = meters.stats.get(m.meterId);
            const unit = m.flags & 0b10 ? 'pkt/s' : 'kb/s';
            return (
              <tr key={m.meterId} data-meter={m.meterId}>
                <td>{m.meterId}</td>
                <td>{m.bands.map((b) => `${b.type} ${b.rate} ${unit}${b.burstSize ? ` burst ${b.burstSize}` : ''}`).join(', ')}</td>
                <td>{s?.flowCount ?? ''}</td>
                <td>{s?.packetInCount ?? ''}</td>
                <td>{s?.byteInCount ?? ''}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

const EMPTY_FORM: StaticFlowForm = { name: '', tableId: '0', priority: '100', match: '', actions: '', idleTimeout: '', hardTimeout: '' };
const FORM_INPUTS: readonly { key: FormField; label: string; placeholder: string; wide?: boolean }[] = [
  { key: 'name', label: 'Name', placeholder: 'web-to-h2' },
  { key: 'tableId', label: 'Table', placeholder: '0' },
  { key: 'priority', label: 'Priority', placeholder: '32768' },
  { key: 'match', label: 'Match', placeholder: 'in_port=1, eth_type=0x0800, ipv4_dst=10.0.0.2', wide: true },
  { key: 'actions', label: 'Actions', placeholder: 'output:2 (empty: drop)', wide: true },
  { key: 'idleTimeout', label: 'Idle timeout (s)', placeholder: '0' },
  { key: 'hardTimeout', label: 'Hard timeout (s)', placeholder: '0' },
];

/** The static flows of this switch with delete buttons, and the form adding one (admin only). */
function StaticFlows(props: { session: Session; dpid: string }) {
  const { session, dpid } = props;
  const [running, setRunning] = useState<boolean | undefined>();
  const [entries, setEntries] = useState<StaticFlowJson[]>([]);
  const [form, setForm] = useState<StaticFlowForm>(EMPTY_FORM);
  const [errors, setErrors] = useState<Partial<Record<FormField | 'form', string>>>({});
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<string | undefined>();

  const load = async (): Promise<void> => {
    try {
      const on = await switchApi.appRunning(session.api, 'static-flows');
      setRunning(on);
      if (on) setEntries((await switchApi.staticFlows(session.api)).filter((f) => f.dpid === dpid));
    } catch (e) {
      setErrors({ form: msg(e) });
    }
  };
  useEffect(() => void load(), [dpid]);

  const submit = (e: Event): void => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setNote(undefined);
    switchApi
      .addStaticFlow(session.api, staticFlowBody(dpid, form))
      .then(
        (f) => {
          setNote(`Added ${f.name}.`);
          setForm(EMPTY_FORM);
          return load();
        },
        (err: unknown) => {
          const f = err instanceof ApiFailure ? formFieldOf(err.field) : undefined;
          setErrors({ [f ?? 'form']: msg(err) });
        },
      )
      .finally(() => setBusy(false));
  };
  const remove = (name: string): void => {
    setBusy(true);
    setNote(undefined);
    switchApi
      .deleteStaticFlow(session.api, name)
      .then(
        () => {
          setNote(`Deleted ${name}.`);
          return load();
        },
        (err: unknown) => setErrors({ form: msg(err) }),
      )
      .finally(() => setBusy(false));
  };

  if (running === false) {
    return (
      <div class="card static-flows" data-running="false">
        <h2>Static flows</h2>
        <p class="hint">The static-flows app is not running: enable it (Apps, or POST /api/v1/apps/static-flows/enable) to add flows here.</p>
      </div>
    );
  }
  return (
    <div class="card static-flows" data-running={running === undefined ? undefined : 'true'}>
      <h2>Static flows</h2>
      <ul class="plain">
        {entries.map((f) => (
          <li key={f.name} data-static-flow={f.name}>
            <b>{f.name}</b> table {f.tableId} priority {f.priority}: <span class="mono">{matchText(f.match)}</span> → <span class="mono">{f.instructions ? instructionsText(f.instructions) : (f.actions ?? []).map(actionText).join(', ') || 'drop'}</span>{' '}
            {f.source === 'config' ? (
              <span class="hint">(from the config file)</span>
            ) : (
              <button type="button" data-write="static-flow-delete" disabled={busy} onClick={() => remove(f.name)}>
                Delete
              </button>
            )}
          </li>
        ))}
        {entries.length === 0 && <li class="hint">None on this switch.</li>}
      </ul>
      <form class="static-flow" onSubmit={submit}>
        {FORM_INPUTS.map((i) => (
          <label key={i.key} class={i.wide ? 'wide' : ''}>
            {i.label}
            <input name={i.key} value={form[i.key]} placeholder={i.placeholder} aria-invalid={errors[i.key] ? 'true' : undefined} onInput={(e) => setForm({ ...form, [i.key]: e.currentTarget.value })} />
            {errors[i.key] && (
              <span class="field-error error" data-field={i.key} role="alert">
                {errors[i.key]}
              </span>
            )}
          </label>
        ))}
        <div class="actions">
          <button type="submit" data-write="static-flow-add" disabled={busy}>
            Add static flow
          </button>
          {errors.form && (
            <span class="field-error error" data-field="form" role="alert">
              {errors.form}
            </span>
          )}
          {note && <span class="hint">{note}</span>}
        </div>
      </form>
    </div>
  );
}
