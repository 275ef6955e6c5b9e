/**
 * Cluster view: the instances of a cluster (health, addresses, start, which switches each
 * masters and is connected to) and every switch with its master, in the colours the topology
 * view uses; a standalone controller says so. `data-mode` and `data-members` on the root, `data-health`
 * and `data-master-of` (dpids) on a member's row and `data-master` on a switch's row say what is shown.
 */
import { masterColours, type ClusterJson } from '../cluster-model.js';
import { useCluster } from '../cluster-watch.js';
import { switchLabel, timeText } from '../format.js';
import type { TopologyStore } from '../topology-store.js';
import type { ViewProps } from './index.js';

export function ClusterView({ session }: ViewProps) {
  const { cluster, error } = useCluster(session);
  const store = session.topology;
  return (
    <section class="view cluster" data-mode={cluster?.mode ?? ''} data-members={cluster?.members.length ?? ''}>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {!cluster && !error && <p class="hint">Loading…</p>}
      {cluster?.mode === 'standalone' && (
        <div class="card">
          <h2>Standalone</h2>
          <p>
            This controller (<span class="mono">{cluster.instanceId}</span>, up since {timeText(cluster.since)}) is not part of a cluster: it masters all {cluster.switches} switches it is connected to.
          </p>
        </div>
      )}
      {cluster?.mode === 'cluster' && <ClusterDetail cluster={cluster} store={store} />}
    </section>
  );
}

function ClusterDetail(props: { cluster: Extract<ClusterJson, { mode: 'cluster' }>; store: TopologyStore }) {
  const { cluster: c, store } = props;
  const colours = masterColours(c)!;
  const colourOf = new Map(colours.legend.map((l) => [l.instanceId, l.color]));
  const name = (d: string): string => store.switches.get(d)?.name ?? d;
  const swatch = (id: string | null) => <span class="swatch" style={{ background: colourOf.get(id ?? 'no master') ?? '#94a3b8' }} />;
  return (
    <>
      <div class="toolbar">
        <span class="counts">
          {c.members.length} instances · {c.switches.length} switches · this page talks to <b class="mono">{c.instanceId}</b> ({c.health}
          {c.lastKeepaliveAgoMs != null ? `, keepalive ${c.lastKeepaliveAgoMs} ms ago` : ''})
        </span>
      </div>
      <table class="grid members">
        <thead>
          <tr>
            <th>Instance</th>
            <th>Health</th>
            <th>API</th>
            <th>OpenFlow</th>
            <th>Started</th>
            <th>Masters</th>
            <th>Connected</th>
          </tr>
        </thead>
        <tbody>
          {c.members.map((m) => (
            <tr key={m.instanceId} data-member={m.instanceId} data-health={m.health ?? ''}>
              <td>
                {swatch(m.instanceId)} <span class="mono">{m.instanceId}</span>
                {m.self ? ' (this one)' : ''}
              </td>
              <td class={m.health === 'healthy' ? 'state-up' : 'state-down'}>{m.health ?? ''}</td>
              <td class="mono">{m.api ?? ''}</td>
              <td class="mono">{m.openflow ?? ''}</td>
              <td>{timeText(m.startedAt)}</td>
              <td data-masters={(m.masterOf ?? []).length} data-master-of={(m.masterOf ?? []).join(' ')}>
                {(m.masterOf ?? []).length}: {(m.masterOf ?? []).map(name).join(', ')}
              </td>
              <td>{(m.connected ?? []).length}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <table class="grid switches">
        <thead>
          <tr>
            <th>Switch</th>
            <th>Master</th>
            <th>Generation</th>
            <th>Role here</th>
          </tr>
        </thead>
        <tbody>
          {c.switches.map((s) => (
            <tr key={s.dpid} data-switch={s.dpid} data-master={s.master ?? ''}>
              <td>{switchLabel(s.dpid, store.switches.get(s.dpid)?.name)}</td>
              <td>
                {swatch(s.master)} {s.master ?? 'none (failover in progress)'}
              </td>
              <td class="mono">{s.generationId ?? ''}</td>
              <td>{s.localRole ?? 'not connected'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
