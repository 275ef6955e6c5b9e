/**
 * The console's client of the event stream (WebSocket `/api/v1/events`): the token goes in the
 * `access_token` query parameter (a browser cannot set headers on a WebSocket), messages are
 * parsed once and handed to every listener, and a dropped stream reconnects with backoff.
 */

/** One event as the stream sends it: `{ type, time, dpid?, ...payload }`. */
export interface StreamEvent {
  readonly type: string;
  readonly time: string;
  readonly dpid?: string;
  readonly [key: string]: unknown;
}

/** Every event name the stream knows (its `hello` lists them too): the server's own list, a pure module bundled as it is. */
export { STREAM_EVENT_NAMES as EVENT_TYPES } from '../../src/core/event-names.js';

export type StreamState = 'connecting' | 'open' | 'closed';

/** One WebSocket to the event stream, reopened until `close()`. */
export class EventStream {
  private ws: WebSocket | undefined;
  private readonly listeners = new Set<(e: StreamEvent) => void>();
  private readonly stateListeners = new Set<(s: StreamState) => void>();
  private readonly helloListeners = new Set<(h: StreamEvent) => void>();
  private retryMs = 500;
  private retryTimer: number | undefined;
  private closed = false;
  state: StreamState = 'connecting';

  /** `types`: only these events (all when undefined). */
  constructor(
    private readonly token: () => string | undefined,
    private readonly types?: readonly string[],
  ) {
    this.open();
  }

  /** Calls `fn` with every event; returns the unsubscribe function. */
  on(fn: (e: StreamEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Calls `fn` on every state change (a reopened stream may have missed events: reload then). */
  onState(fn: (s: StreamState) => void): () => void {
    this.stateListeners.add(fn);
    return () => this.stateListeners.delete(fn);
  }

  /** Calls `fn` with the first message of every connection (`hello`: its `topologyVersion` says where the stream began). */
  onHello(fn: (h: StreamEvent) => void): () => void {
    this.helloListeners.add(fn);
    return () => this.helloListeners.delete(fn);
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.ws?.close();
  }

  private url(): string {
    const q = new URLSearchParams();
    if (this.types) q.set('types', this.types.join(','));
    const t = this.token();
    if (t) q.set('access_token', t);
    const qs = q.toString();
    return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/events${qs ? `?${qs}` : ''}`;
  }

  private setState(s: StreamState): void {
    this.state = s;
    for (const fn of this.stateListeners) fn(s);
  }

  private open(): void {
    this.setState('connecting');
    const ws = new WebSocket(this.url());
    this.ws = ws;
    ws.onopen = () => {
      this.retryMs = 500;
      this.setState('open');
    };
    ws.onmessage = (m: MessageEvent<string>) => {
      const e = JSON.parse(m.data) as StreamEvent;
      if (e.type === 'hello') for (const fn of this.helloListeners) fn(e);
      if (e.type === 'hello' || e.type === 'heartbeat') return;
      for (const fn of this.listeners) fn(e);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.setState('closed');
      if (this.closed) return;
      this.retryTimer = window.setTimeout(() => this.open(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 10_000);
    };
  }
}
