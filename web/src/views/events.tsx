/**
 * Events view: the live event stream (its own WebSocket, with the chosen event types), newest
 * first, filtered by text, pausable: while paused, events are kept (up to the cap) and counted.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { EVENT_TYPES, EventStream, type StreamEvent } from '../events.js';
import { timeText } from '../format.js';
import type { ViewProps } from './index.js';

/** Events kept in the list. */
const MAX_EVENTS = 1000;

/** An event as listed, with a number of its own (a stable row key). */
interface Row {
  readonly seq: number;
  readonly e: StreamEvent;
}

/** A one-line summary of an event's payload. */
export function eventSummary(e: StreamEvent): string {
  const { type: _t, time: _time, dpid: _d, ...rest } = e;
  return JSON.stringify(rest);
}

export function EventsView({ session }: ViewProps) {
  // Packet-ins can be many: off until asked for.
  const [types, setTypes] = useState<ReadonlySet<string>>(() => new Set(EVENT_TYPES.filter((t) => t !== 'packetIn')));
  const [events, setEvents] = useState<readonly Row[]>([]);
  const [paused, setPaused] = useState(false);
  const [filter, setFilter] = useState('');
  const buffer = useRef<Row[]>([]);
  const seq = useRef(0);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const [held, setHeld] = useState(0);
  // Whether the stream has said hello (from then on the server sends this view every event).
  const [streaming, setStreaming] = useState(false);
  const typeList = useMemo(() => [...types].sort(), [types]);

  useEffect(() => {
    if (typeList.length === 0) return;
    const stream = new EventStream(session.token, typeList);
    setStreaming(false);
    const offHello = stream.onHello(() => setStreaming(true));
    const offState = stream.onState((st) => st !== 'open' && setStreaming(false));
    let timer: number | undefined;
    const flush = (): void => {
      timer = undefined;
      if (pausedRef.current) {
        setHeld(buffer.current.length);
        return;
      }
      const fresh = buffer.current.reverse();
      buffer.current = [];
      setHeld(0);
      setEvents((old) => [...fresh, ...old].slice(0, MAX_EVENTS));
    };
    const off = stream.on((e) => {
      buffer.current.push({ seq: seq.current++, e });
      if (buffer.current.length > MAX_EVENTS) buffer.current.shift();
      // Render at most every 100 ms, however fast events come.
      timer ??= window.setTimeout(flush, 100);
    });
    return () => {
      off();
      offHello();
      offState();
      if (timer !== undefined) clearTimeout(timer);
      stream.close();
    };
  }, [session, typeList]);

  useEffect(() => {
    if (paused || buffer.current.length === 0) return;
    const fresh = buffer.current.reverse();
    buffer.current = [];
    setHeld(0);
    setEvents((old) => [...fresh, ...old].slice(0, MAX_EVENTS));
  }, [paused]);

  const q = filter.trim().toLowerCase();
  const shown = q ? events.filter(({ e }) => `${e.type} ${e.dpid ?? ''} ${eventSummary(e)}`.toLowerCase().includes(q)) : events;
  return (
    <section class="view events" data-events={events.length} data-paused={paused ? 'true' : 'false'} data-stream={streaming ? 'open' : 'connecting'}>
      <div class="toolbar">
        <input name="filter" type="search" placeholder="filter: type, dpid, MAC, IP…" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
        <button type="button" name="pause" onClick={() => setPaused(!paused)}>
          {paused ? `Resume${held ? ` (${held} new)` : ''}` : 'Pause'}
        </button>
        <button type="button" onClick={() => setEvents([])}>
          Clear
        </button>
        <span class="counts">
          {shown.length} of {events.length} events
        </span>
      </div>
      <fieldset class="types">
        <legend>Event types</legend>
        {EVENT_TYPES.map((t) => (
          <label key={t}>
            <input
              type="checkbox"
              name={`type-${t}`}
              checked={types.has(t)}
              onChange={(e) => {
                const next = new Set(types);
                if (e.currentTarget.checked) next.add(t);
                else next.delete(t);
                setTypes(next);
              }}
            />
            {t}
          </label>
        ))}
      </fieldset>
      <table class="grid">
        <thead>
          <tr>
            <th>Time</th>
            <th>Event</th>
            <th>Switch</th>
            <th>Detail</th>
          </tr>
        </thead>
        <tbody>
          {shown.map(({ seq: n, e }) => (
            <tr key={n} data-type={e.type}>
              <td>{timeText(e.time)}</td>
              <td>{e.type}</td>
              <td class="mono">{e.dpid ?? ''}</td>
              <td class="mono detail-cell">{eventSummary(e)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
