/**
 * The live topology the views draw: `GET /api/v1/topology` asked for at once, beside the event
 * stream, joined to it by topology version (topology-sync.ts: nothing lost or applied twice
 * whichever comes first), read again whenever the stream reopens. The model and its rules are in
 * topology-model.ts; this shell adds the I/O and batches what changed, so a view redraws only that.
 */
import type { Api, HostJson } from './api.js';
import type { EventStream } from './events.js';
import { emptyChanges, type ChangeSet, type LinkPairState, type SwitchState } from './topology-model.js';
import { TopologySync } from './topology-sync.js';

export { pairOf, pairStatus, TOPOLOGY_STREAM_TYPES, type DirectionState, type LinkPairState, type SwitchState } from './topology-model.js';

/** What a batch changed: keys of switches, link pairs and hosts; `reset` on the first snapshot (lay everything out). */
export interface TopologyChanges {
  readonly reset: boolean;
  readonly switches: ReadonlySet<string>;
  readonly links: ReadonlySet<string>;
  readonly hosts: ReadonlySet<string>;
}

export class TopologyStore {
  private readonly sync = new TopologySync();
  readonly switches: Map<string, SwitchState> = this.sync.model.switches;
  readonly links: Map<string, LinkPairState> = this.sync.model.links;
  readonly hosts: Map<string, HostJson> = this.sync.model.hosts;
  error: string | undefined;
  private readonly listeners = new Set<(c: TopologyChanges) => void>();
  private pending: ChangeSet & { reset: boolean } = { reset: false, ...emptyChanges() };
  private flushTimer: number | undefined;
  private reloadTimer: number | undefined;
  /** One request at a time; `again` when another was asked for meanwhile. */
  private loading = false;
  private again = false;

  constructor(
    private readonly api: Api,
    stream: EventStream,
  ) {
    stream.on((e) => this.apply(e));
    stream.onHello((h) => {
      if (this.sync.hello({ topologyVersion: h.topologyVersion }).reload) this.scheduleReload(0);
    });
    void this.load();
  }

  /** True once a snapshot is in the model. */
  get loaded(): boolean {
    return this.sync.loaded;
  }

  /** Calls `fn` after every batch of changes; returns the unsubscribe function. */
  subscribe(fn: (c: TopologyChanges) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** (Re)loads the snapshot; the first one is a reset, later ones report what differs. */
  async load(): Promise<void> {
    if (this.loading) {
      this.again = true;
      return;
    }
    this.loading = true;
    this.sync.requestStarted();
    let reload = false;
    try {
      const t = await this.api.topology();
      this.error = undefined;
      if (!this.sync.loaded) this.pending.reset = true;
      reload = this.sync.snapshot(t, this.pending).reload;
    } catch (e) {
      this.sync.requestFailed();
      this.error = (e as Error).message;
    }
    this.loading = false;
    this.schedule();
    if (reload || this.again) {
      this.again = false;
      void this.load();
    }
  }

  /** Applies one stream event to the model. */
  apply(e: { type: string; dpid?: string; link?: unknown; host?: unknown; topologyVersion?: unknown }): void {
    if (!this.sync.event(e, this.pending)) return;
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

  /** Listeners run at most every 50 ms, with everything that changed meanwhile; the first snapshot at once. */
  private schedule(): void {
    if (this.flushTimer !== undefined) return;
    this.flushTimer = window.setTimeout(() => {
      this.flushTimer = undefined;
      const c = this.pending;
      this.pending = { reset: false, ...emptyChanges() };
      for (const fn of this.listeners) fn(c);
    }, this.pending.reset ? 0 : 50);
  }
}
