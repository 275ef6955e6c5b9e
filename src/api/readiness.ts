/**
 * Readiness checks for /readyz: the store is open, the OpenFlow listeners are bound, and (in
 * cluster mode) this instance is registered in the cluster with a live lease. Each check says
 * why it fails, so an operator (or a probe's log) sees which part is not there yet.
 */

/** One check: its name, whether it passes, and a word on why. */
export interface ReadinessCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** What the checks look at, each read at request time. */
export interface ReadinessSources {
  /** Where the store lives, and whether it is open. */
  readonly store: () => { readonly location: string; readonly open: boolean };
  /** The OpenFlow listeners bound (`host:port`); empty before start and after stop. */
  readonly openflow: () => readonly { readonly host: string; readonly port: number; readonly tls: boolean }[];
  /** Cluster mode only: whether this instance has registered and its lease is alive. */
  readonly cluster?: () => { readonly registered: boolean; readonly healthy: boolean; readonly instanceId: string };
}

/** Runs the checks (cheap: flags only, no I/O). */
export function readinessChecks(src: ReadinessSources): ReadinessCheck[] {
  const s = src.store();
  const out: ReadinessCheck[] = [{ name: 'store', ok: s.open, detail: s.open ? `open at ${s.location}` : `not open (${s.location})` }];
  const l = src.openflow();
  out.push({
    name: 'openflow',
    ok: l.length > 0,
    detail: l.length > 0 ? `listening on ${l.map((x) => `${x.host}:${x.port}${x.tls ? ' (tls)' : ''}`).join(', ')}` : 'no OpenFlow listener bound',
  });
  if (src.cluster) {
    const c = src.cluster();
    out.push({
      name: 'cluster',
      ok: c.registered && c.healthy,
      detail: !c.registered ? `instance ${c.instanceId} has not registered with etcd yet` : c.healthy ? `registered as ${c.instanceId}` : `instance ${c.instanceId} lost its lease (isolated from etcd)`,
    });
  }
  return out;
}
