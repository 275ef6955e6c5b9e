/**
 * `useCluster`: the answer of `GET /api/v1/cluster`, read when a view opens, again when a switch
 * connects or disconnects (mastership follows connections) and, in a cluster, every few seconds
 * (a failover moves masters between instances without any switch event reaching this one).
 */
import { useEffect, useState } from 'preact/hooks';
import type { ClusterJson } from './cluster-model.js';
import type { Session } from './session.js';

/** How often a cluster's status is read again. */
export const CLUSTER_POLL_MS = 5000;

/** The cluster status, undefined until the first answer (or while the API cannot give one). */
export function useCluster(session: Session): { cluster: ClusterJson | undefined; error: string | undefined } {
  const [cluster, setCluster] = useState<ClusterJson | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    let live = true;
    let timer: number | undefined;
    let inFlight = false;
    const read = (): void => {
      if (inFlight) return;
      inFlight = true;
      session.api
        .get<ClusterJson>('/cluster')
        .then(
          (c) => {
            if (!live) return;
            setCluster(c);
            setError(undefined);
            // A standalone controller stays one: no polling then.
            if (c.mode === 'cluster' && timer === undefined) timer = window.setInterval(read, CLUSTER_POLL_MS);
          },
          (e: Error) => live && setError(e.message),
        )
        .finally(() => {
          inFlight = false;
        });
    };
    read();
    const off = session.stream.on((e) => {
      if (e.type === 'switchConnected' || e.type === 'switchDisconnected') read();
    });
    return () => {
      live = false;
      off();
      if (timer !== undefined) window.clearInterval(timer);
    };
  }, [session]);
  return { cluster, error };
}
