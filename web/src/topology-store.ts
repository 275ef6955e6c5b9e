/**
 * The live topology the views draw: loaded from `GET /api/v1/topology` once the event stream is
 * open (and again whenever it reopens), kept current from the stream in between. The model and
 * its rules are in topology-model.ts; this shell adds the I/O and batches what changed, so a view
 * redraws only that.
 */
import type { Api, HostJson, TopologyJson } from './api.js';
import type { EventStream } from './events.js';
import { applyEvent, applySnapshot, emptyChanges, type ChangeSet, type LinkPairState, type SwitchState } from './topology-model.js';

export { pairOf, pairStatus, TOPOLOGY_STREAM_TYPES, type DirectionState, type LinkPairState, type SwitchState } from './topology-model.js';

/** What a batch changed: keys of switches, link pairs and hosts; `reset` on the first snapshot (lay everything out). */
export interface TopologyChanges {
  readonly reset: boolean;
  readonly switches: ReadonlySet<string>;
  readonly links: ReadonlySet<string>;
  readonly hosts: ReadonlySet<string>;
}

export class TopologyStore {
  readonly switches = new Map<string, SwitchState>();
  readonly links = new Map<string, LinkPairState>();
  readonly hosts = new Map<string, HostJson>();
  loaded = false;
  error: string | undefined;
  private readonly listeners = new Set<(c: TopologyChanges) => void>();
  private pending: ChangeSet & { reset: boolean } = { reset: false, ...emptyChanges() };
  private flushTimer: number | undefined;
  private reloadTimer: number | undefined;

  constructor(
    private readonly api: Api,
    stream: EventStream,
  ) {
    stream.on((e) => this.apply(e));
    // The snapshot is read once the stream is open, so no event falls between the two; a stream
    // that reopens may have missed events: start again from the snapshot then too.
    stream.onState((s) => {
      if (s === 'open') this.scheduleReload(0);
    });
    // Should the stream not open, still show the snapshot.
    window.setTimeout(() => {
      if (!this.loaded) this.scheduleReload(0);
    }, 2000);
  }

  /** Calls `fn` after every batch of changes; returns the unsubscribe function. */
  subscribe(fn: (c: TopologyChanges) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** (Re)loads the snapshot; the first one is a reset, later ones report what differs. */
  async load(): Promise<void> {
    let t: TopologyJson;
    try {
      t = await this.api.topology();
    } catch (e) {
      this.error = (e as Error).message;
      this.schedule();
      return;
    }
    this.error = undefined;
    if (!this.loaded) this.pending.reset = true;
    applySnapshot(this, t, this.pending);
    this.loaded = true;
    this.schedule();
  }

  /** Applies one stream event to the model. */
  apply(e: { type: string; dpid?: string; link?: unknown; host?: unknown }): void {
    if (!applyEvent(this, e, this.pending)) return;
    // A new switch's name and ports come with the next snapshot (one request for a burst of switches).
    if (e.type === 'switchConnected') this.scheduleReload(500);
    this.schedule();
  }

  private scheduleReload(ms: number): void {
    if (this.reloadTimer !== undefined) return;
    this.reloadTimer = window.setTimeout(() => {
      this.reloadTimer = undefined;
      void this.load();
    }, ms);
  }

  /** Listeners run at most every 50 ms, with everything that changed meanwhile. */
  private schedule(): void {
    if (this.flushTimer !== undefined) return;
    this.flushTimer = window.setTimeout(() => {
      this.flushTimer = undefined;
      const c = this.pending;
      this.pending = { reset: false, ...emptyChanges() };
      for (const fn of this.listeners) fn(c);
    }, 50);
  }
}
