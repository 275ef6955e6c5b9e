/**
 * Joins the topology snapshot (`GET /api/v1/topology`) and the event stream into one model, in
 * whatever order they arrive, by the topology version the API stamps on both (docs/api.md,
 * "Joining a snapshot"): pure, no timers and no I/O (the store is its shell; tested in
 * test/unit/web-topology-sync.test.ts). The snapshot is asked for at once, beside the stream,
 * so the first draw waits for neither.
 */
import type { TopologyJson } from './api.js';
import { applyEvent, applySnapshot, emptyModel, type ChangeSet, type TopologyModel } from './topology-model.js';

/** A stream event as the sync reads it. */
export interface SyncEvent {
  readonly type: string;
  readonly dpid?: string;
  readonly link?: unknown;
  readonly host?: unknown;
  /** The topology's version once this change was made (absent from an API that keeps none). */
  readonly topologyVersion?: unknown;
}

/** The stream's first message. */
export interface SyncHello {
  /** The topology's version when the stream began: every later change comes on the stream. */
  readonly topologyVersion?: unknown;
}

/** Switch events come from the switch sessions, not the topology service: see `isStale`. */
const SWITCH_EVENTS: ReadonlySet<string> = new Set(['switchConnected', 'switchDisconnected']);

export class TopologySync {
  readonly model: TopologyModel = emptyModel();
  /** True once a snapshot is in the model. */
  loaded = false;
  /** The version of the snapshot the model holds (undefined before one, or from an API without versions). */
  version: number | undefined;
  /** Events since the snapshot request went out (or since the start, before any snapshot): replayed over it. */
  private held: SyncEvent[] = [];
  private inFlight = false;
  private hellos = 0;
  /** Hellos seen when the request in flight went out. */
  private hellosAtRequest = 0;
  /** The first hello's version: a snapshot older than it misses the changes between the two. */
  private helloVersion: number | undefined;

  /** The shell sent a snapshot request: events from now on are kept to replay over its answer. */
  requestStarted(): void {
    this.inFlight = true;
    this.hellosAtRequest = this.hellos;
    // Before the first snapshot nothing was applied: what is held stays held.
    if (this.loaded) this.held = [];
  }

  /** The request failed: events are no longer kept (unless nothing is loaded yet). */
  requestFailed(): void {
    this.inFlight = false;
    if (this.loaded) this.held = [];
  }

  /**
   * One stream event: applied to the model (once a snapshot is there) unless the snapshot already
   * shows it, and kept while a snapshot is on its way. True when the model changed.
   */
  event(e: SyncEvent, out: ChangeSet): boolean {
    if (this.isStale(e)) return false;
    if (!this.loaded || this.inFlight) this.held.push(e);
    if (!this.loaded) return false;
    return applyEvent(this.model, e, out);
  }

  /**
   * The snapshot arrived: the model becomes it, then every held event newer than it is applied
   * again (a reload's answer may be older than events already drawn). `reload` when it misses
   * changes the stream never carried (older than the stream's start) or the API gives no
   * versions to tell.
   */
  snapshot(t: TopologyJson, out: ChangeSet): { reload: boolean } {
    this.inFlight = false;
    const v = typeof t.version === 'number' ? t.version : undefined;
    // An answer older than the model (two requests crossed): the newer one stays.
    if (v !== undefined && this.version !== undefined && v < this.version) {
      this.held = [];
      return { reload: false };
    }
    applySnapshot(this.model, t, out);
    this.loaded = true;
    this.version = v;
    const held = this.held;
    this.held = [];
    // Without versions nothing says which held events the snapshot shows: a snapshot asked for
    // before the stream opened is asked for again once it has, and that one shows them all.
    if (v === undefined) return { reload: this.hellosAtRequest === 0 && this.hellos > 0 };
    for (const e of held) if (!this.isStale(e)) applyEvent(this.model, e, out);
    return { reload: this.helloVersion !== undefined && v < this.helloVersion };
  }

  /**
   * The stream (re)opened. A reopened stream may have missed events: reload. On the first, a
   * snapshot already loaded and older than the stream's start missed the changes between.
   */
  hello(h: SyncHello): { reload: boolean } {
    this.hellos++;
    if (this.hellos > 1) return { reload: true };
    // No version: a snapshot loaded before now may miss changes (one in flight: see `snapshot`).
    if (typeof h.topologyVersion !== 'number') return { reload: !this.inFlight };
    this.helloVersion = h.topologyVersion;
    if (!this.loaded) return { reload: !this.inFlight };
    return { reload: this.version !== undefined && this.version < this.helloVersion };
  }

  /**
   * True when the model's snapshot already shows the event. The topology service bumps its
   * version before it emits, so a link or host event at the snapshot's version is in it; a switch
   * event comes from the bus and is stamped after the service (or a cluster's merged view) bumped
   * for it only because that listener runs first: at the snapshot's version it is applied anyway,
   * which is harmless when the snapshot already shows it.
   */
  private isStale(e: SyncEvent): boolean {
    const v = e.topologyVersion;
    if (typeof v !== 'number' || this.version === undefined) return false;
    return SWITCH_EVENTS.has(e.type) ? v < this.version : v <= this.version;
  }
}
