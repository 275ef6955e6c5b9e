/**
 * Which instance masters which switch: a pure, deterministic function of the live instances and
 * of which instances each switch is connected to, so every instance computes the same answer
 * from the same etcd state (rendezvous hashing with a load bound, so masters are spread evenly).
 */
import { createHash } from 'node:crypto';

/** What the assignment is computed from. */
export interface AssignmentInput {
  /** Live instances (their member keys exist in etcd). */
  readonly instances: readonly string[];
  /** Per switch (dpid as 16 hex digits): the instances connected to it. Dead ones are ignored. */
  readonly candidates: ReadonlyMap<string, Iterable<string>>;
}

/** Rendezvous (highest random weight) score of an instance for a switch: the first 8 bytes of SHA-256. */
export function rendezvousScore(instanceId: string, dpidHex: string): bigint {
  return createHash('sha256').update(instanceId).update('\0').update(dpidHex).digest().readBigUInt64BE(0);
}

/** Instances ordered by their score for the switch, best first (ties by id, which cannot really happen). */
export function rankInstances(dpidHex: string, instances: Iterable<string>): string[] {
  const scored = [...new Set(instances)].map((id) => ({ id, score: rendezvousScore(id, dpidHex) }));
  scored.sort((a, b) => (a.score > b.score ? -1 : a.score < b.score ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return scored.map((s) => s.id);
}

/**
 * The master of every switch that has a live candidate. Each instance takes floor(switches /
 * instances) switches, and the remainder go one each to as many instances, while another
 * candidate has room (so loads differ by at most one when every instance sees every switch).
 * Switches with the fewest candidates are placed first (they have the least choice), then by
 * dpid, each to its best-ranked candidate under the bound (or the best-ranked one when all are
 * full). Deterministic: the same input gives the same map on every instance.
 */
export function assignMasters(input: AssignmentInput): Map<string, string> {
  const live = new Set(input.instances);
  const switches: { dpid: string; ranked: string[] }[] = [];
  for (const [dpid, cands] of input.candidates) {
    const alive = [...cands].filter((c) => live.has(c));
    if (alive.length > 0) switches.push({ dpid, ranked: rankInstances(dpid, alive) });
  }
  switches.sort((a, b) => a.ranked.length - b.ranked.length || (a.dpid < b.dpid ? -1 : a.dpid > b.dpid ? 1 : 0));
  // Exactly balanced when every instance can take any switch: `extra` instances take one more.
  const base = Math.floor(switches.length / Math.max(1, live.size));
  const extra = switches.length % Math.max(1, live.size);
  let extraUsed = 0;
  const load = new Map<string, number>();
  const out = new Map<string, string>();
  for (const s of switches) {
    let pick = s.ranked.find((id) => (load.get(id) ?? 0) < base);
    if (pick === undefined && extraUsed < extra) {
      pick = s.ranked.find((id) => (load.get(id) ?? 0) === base);
      if (pick !== undefined) extraUsed++;
    }
    pick ??= s.ranked[0]!;
    load.set(pick, (load.get(pick) ?? 0) + 1);
    out.set(s.dpid, pick);
  }
  return out;
}

/** What one instance should do to move towards an assignment. */
export interface MastershipPlan {
  /** Switches assigned to this instance that have no master: claim them (create-if-absent in etcd). */
  readonly claim: string[];
  /** Switches this instance masters that are assigned elsewhere: demote, then release the term. */
  readonly release: string[];
}

/**
 * The claims and releases for instance `self`. A switch with a master is never claimed (its
 * owner hands it over by releasing first), so two instances never both own one switch; a switch
 * nobody can master (no live candidate) is kept by its current owner.
 */
export function planMastership(self: string, assignment: ReadonlyMap<string, string>, owners: ReadonlyMap<string, string>): MastershipPlan {
  const claim: string[] = [];
  const release: string[] = [];
  for (const [dpid, want] of assignment) {
    if (want === self && !owners.has(dpid)) claim.push(dpid);
  }
  for (const [dpid, owner] of owners) {
    if (owner !== self) continue;
    const want = assignment.get(dpid);
    if (want !== undefined && want !== self) release.push(dpid);
  }
  claim.sort();
  release.sort();
  return { claim, release };
}

/**
 * Hysteresis against a flapping instance: one that left the cluster (its member record went:
 * lease expired, revoked, or replaced by a new one) and came back is held down, given no switch,
 * until it has been back for `holdDownMs`. Fed with what etcd reports; pure (`now` passed in).
 */
export class HoldDown {
  private readonly departed = new Set<string>();
  private readonly returnedAt = new Map<string, number>();

  constructor(readonly holdDownMs: number) {}

  /** The instance's member record went (or was replaced). */
  left(id: string): void {
    this.departed.add(id);
    this.returnedAt.delete(id);
  }

  /** The instance registered at `now`: a return when it had left before. */
  joined(id: string, now: number): void {
    if (!this.departed.delete(id)) return;
    this.returnedAt.set(id, now);
  }

  /** True while the instance is held down. */
  held(id: string, now: number): boolean {
    const t = this.returnedAt.get(id);
    if (t === undefined) return false;
    if (now - t < this.holdDownMs) return true;
    this.returnedAt.delete(id);
    return false;
  }

  /** When the earliest hold ends (ms), or undefined when nobody is held. */
  nextRelease(): number | undefined {
    let min: number | undefined;
    for (const t of this.returnedAt.values()) if (min === undefined || t + this.holdDownMs < min) min = t + this.holdDownMs;
    return min;
  }
}

/**
 * The assignment with held-down instances left out: they get no switch while another live
 * candidate can take it; a switch whose only live candidates are held down still gets one
 * (a master that flaps is better than none).
 */
export function assignWithHoldDown(input: AssignmentInput, held: ReadonlySet<string>): Map<string, string> {
  if (held.size === 0) return assignMasters(input);
  const eligible = input.instances.filter((i) => !held.has(i));
  const out = assignMasters({ instances: eligible, candidates: input.candidates });
  const orphans = new Map<string, Iterable<string>>();
  for (const [d, c] of input.candidates) if (!out.has(d)) orphans.set(d, c);
  if (orphans.size > 0) for (const [d, i] of assignMasters({ instances: input.instances, candidates: orphans })) out.set(d, i);
  return out;
}
