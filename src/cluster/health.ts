/**
 * The lease clock: when this instance must stop acting as master because its lease may be about
 * to expire in etcd, or may have expired while the process was paused. Pure: the caller passes
 * `now` (ms).
 */

/**
 * Tracks keepalives. A keepalive proves the lease alive from the moment it was *sent* (etcd
 * renews on receipt, which is later), so the lease lives at least until `sentAt + ttl`. The
 * instance demotes itself `marginMs` before that, so it has stopped writing before any other
 * instance can be granted its switches.
 */
export class LeaseHealth {
  private lastOkSentAt: number | undefined;
  /** When the last unresolved stall was noticed: no keepalive sent since has succeeded yet. */
  private stalledAt: number | undefined;

  constructor(
    readonly ttlMs: number,
    readonly marginMs: number,
  ) {}

  /** A keepalive (or the grant) sent at `sentAt` succeeded. */
  ok(sentAt: number): void {
    if (this.lastOkSentAt === undefined || sentAt > this.lastOkSentAt) this.lastOkSentAt = sentAt;
    if (this.stalledAt !== undefined && sentAt >= this.stalledAt) this.stalledAt = undefined;
  }

  /**
   * The process stalled (a timer fired late: paused, swapped, starved): whatever the clock says,
   * assume demoted until a keepalive sent from `now` on succeeds.
   */
  stalled(now: number): void {
    if (this.stalledAt === undefined || now > this.stalledAt) this.stalledAt = now;
  }

  /** True while a stall awaits a keepalive sent after it. */
  get suspect(): boolean {
    return this.stalledAt !== undefined;
  }

  /** Forget every keepalive (the lease was lost or revoked). */
  reset(): void {
    this.lastOkSentAt = undefined;
    this.stalledAt = undefined;
  }

  /** When this instance must be demoted by; -Infinity before the first grant. */
  deadline(): number {
    return this.lastOkSentAt === undefined ? -Infinity : this.lastOkSentAt + this.ttlMs - this.marginMs;
  }

  /** True while this instance may act as master: within the lease's deadline and no stall unresolved. */
  healthy(now: number): boolean {
    return this.stalledAt === undefined && this.withinDeadline(now);
  }

  /** True before the demotion deadline, by the clock alone (a stall aside). */
  withinDeadline(now: number): boolean {
    return now < this.deadline();
  }

  /** Ms since the last good keepalive was sent, or undefined. */
  sinceOk(now: number): number | undefined {
    return this.lastOkSentAt === undefined ? undefined : now - this.lastOkSentAt;
  }
}

/**
 * Notices that the process stalled from a periodic timer's lateness: a tick that comes more
 * than `toleranceMs` after its period means the event loop did not run for that long (SIGSTOP,
 * swapping, a long GC or a busy loop), so anything learned before it may be stale.
 */
export class StallDetector {
  private last: number | undefined;

  constructor(
    readonly periodMs: number,
    readonly toleranceMs: number,
  ) {}

  /** The timer fired at `now`: how late it was (ms) when beyond the tolerance, else 0. */
  tick(now: number): number {
    const prev = this.last;
    this.last = now;
    if (prev === undefined) return 0;
    const late = now - prev - this.periodMs;
    return late > this.toleranceMs ? late : 0;
  }

  /** Starts over (the timer was restarted). */
  reset(): void {
    this.last = undefined;
  }
}
