/**
 * The lease clock: when this instance must stop acting as master because its lease may be about
 * to expire in etcd. Pure: the caller passes `now` (ms).
 */

/**
 * Tracks keepalives. A keepalive proves the lease alive from the moment it was *sent* (etcd
 * renews on receipt, which is later), so the lease lives at least until `sentAt + ttl`. The
 * instance demotes itself `marginMs` before that, so it has stopped writing before any other
 * instance can be granted its switches.
 */
export class LeaseHealth {
  private lastOkSentAt: number | undefined;

  constructor(
    readonly ttlMs: number,
    readonly marginMs: number,
  ) {}

  /** A keepalive (or the grant) sent at `sentAt` succeeded. */
  ok(sentAt: number): void {
    if (this.lastOkSentAt === undefined || sentAt > this.lastOkSentAt) this.lastOkSentAt = sentAt;
  }

  /** Forget every keepalive (the lease was lost or revoked). */
  reset(): void {
    this.lastOkSentAt = undefined;
  }

  /** When this instance must be demoted by; -Infinity before the first grant. */
  deadline(): number {
    return this.lastOkSentAt === undefined ? -Infinity : this.lastOkSentAt + this.ttlMs - this.marginMs;
  }

  /** True while this instance may act as master. */
  healthy(now: number): boolean {
    return now < this.deadline();
  }

  /** Ms since the last good keepalive was sent, or undefined. */
  sinceOk(now: number): number | undefined {
    return this.lastOkSentAt === undefined ? undefined : now - this.lastOkSentAt;
  }
}
