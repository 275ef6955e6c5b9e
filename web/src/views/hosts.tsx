/** Hosts view: every learned host (MAC, IPs, VLAN, location, first and last seen), live, searchable and sortable. */
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { HostJson } from '../api.js';
import { macText, switchLabel, timeText } from '../format.js';
import type { TopologyStore } from '../topology-store.js';
import type { ViewProps } from './index.js';

type Column = 'mac' | 'ip' | 'vlan' | 'location' | 'firstSeen' | 'lastSeen';

const COLUMNS: readonly { key: Column; title: string }[] = [
  { key: 'mac', title: 'MAC' },
  { key: 'ip', title: 'IP addresses' },
  { key: 'vlan', title: 'VLAN' },
  { key: 'location', title: 'Location' },
  { key: 'firstSeen', title: 'First seen' },
  { key: 'lastSeen', title: 'Last seen' },
];

/** Rows shown at once: a search narrows 10,000 hosts down. */
const MAX_ROWS = 500;

function sortKey(h: HostJson, c: Column): string | number {
  switch (c) {
    case 'mac':
      return h.mac;
    case 'ip':
      return h.ipv4[0]?.split('.').map((o) => o.padStart(3, '0')).join('.') ?? h.ipv6[0] ?? '';
    case 'vlan':
      return h.vlan ?? -1;
    case 'location':
      return `${h.location.dpid}:${String(h.location.port).padStart(10, '0')}`;
    case 'firstSeen':
      return h.firstSeen ?? '';
    case 'lastSeen':
      return h.lastSeen ?? '';
    default: {
      const never: never = c;
      return never;
    }
  }
}

/** True when the host's MAC, an address, its VLAN or its switch (dpid or name) contains `q`. */
export function hostMatches(h: HostJson, q: string, store: TopologyStore): boolean {
  if (!q) return true;
  const name = store.switches.get(h.location.dpid)?.name ?? '';
  return [h.mac, ...h.ipv4, ...h.ipv6, String(h.vlan ?? ''), h.location.dpid, name].some((s) => s.toLowerCase().includes(q));
}

export function HostsView({ session }: ViewProps) {
  const store = session.topology;
  const [version, setVersion] = useState(0);
  const [query, setQuery] = useState('');
  const [sort, setSort] = useState<{ col: Column; desc: boolean }>({ col: 'mac', desc: false });
  // Redraw on host (or switch name) changes only; sort once per change, on precomputed keys.
  useEffect(() => store.subscribe((c) => (c.reset || c.hosts.size > 0 || c.switches.size > 0) && setVersion((n) => n + 1)), [store]);

  const q = query.trim().toLowerCase();
  const rows = useMemo(() => {
    const keyed = [...store.hosts.values()].filter((h) => hostMatches(h, q, store)).map((h) => ({ h, k: sortKey(h, sort.col) }));
    keyed.sort((a, b) => {
      const c = a.k < b.k ? -1 : a.k > b.k ? 1 : a.h.id < b.h.id ? -1 : 1;
      return sort.desc ? -c : c;
    });
    return keyed.map((x) => x.h);
  }, [store, version, q, sort]);
  return (
    <section class="view hosts" data-hosts={store.hosts.size}>
      <div class="toolbar">
        <input name="search" type="search" placeholder="MAC, IP, VLAN or switch" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
        <span class="counts">
          {rows.length === store.hosts.size ? `${rows.length} hosts` : `${rows.length} of ${store.hosts.size} hosts`}
          {rows.length > MAX_ROWS ? ` (first ${MAX_ROWS} shown)` : ''}
        </span>
      </div>
      <table class="grid">
        <thead>
          <tr>
            {COLUMNS.map((c) => (
              <th key={c.key} aria-sort={sort.col === c.key ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
                <button type="button" class="link" onClick={() => setSort({ col: c.key, desc: sort.col === c.key ? !sort.desc : false })}>
                  {c.title}
                  {sort.col === c.key ? (sort.desc ? ' ▼' : ' ▲') : ''}
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.slice(0, MAX_ROWS).map((h) => (
            <tr key={h.id} data-host={h.id}>
              <td class="mono">{macText(h.mac)}</td>
              <td>{[...h.ipv4, ...h.ipv6].join(', ')}</td>
              <td>{h.vlan ?? ''}</td>
              <td>
                {switchLabel(h.location.dpid, store.switches.get(h.location.dpid)?.name)} port {h.location.port}
              </td>
              <td>{timeText(h.firstSeen)}</td>
              <td>{timeText(h.lastSeen)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
