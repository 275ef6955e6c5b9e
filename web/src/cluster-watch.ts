/**
 * `useCluster`: the answer of `GET /api/v1/cluster`, read when a view opens, again on each
 * `clusterChanged` event (a member came or went, a switch changed master: one per burst) and when
 * a switch connects or disconnects, and in a cluster every few seconds in case the stream missed
 * a change (while it reconnects). A change during a read is read again after it.
 */
import { useEffect, useState } from 'preact/hooks';
import { CLUSTER_STREAM_TYPES, type ClusterJson } from './cluster-model.js';
import type { Session } from './session.js';

/** How often a cluster's status is read again without an event. */
export const CLUSTER_POLL_MS = 5000;

/** The cluster status, undefined until the first answer (or while the API cannot give one). */
export function useCluster(session: Session): { cluster: ClusterJson | undefined; error: string | undefined } {
  const [cluster, setCluster] = useState<ClusterJson | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    let live = true;
    let timer: number | undefined;
    let inFlight = false;
    let again = false;
    const read = (): void => {
      if (inFlight) {
        // The answer on its way may predate the change: read once more after it.
        again = true;
        return;
      }
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
          if (again && live) {
            again = false;
            read();
          }
        });
    };
    read();
    const off = session.stream.on((e) => {
      if ((CLUSTER_STREAM_TYPES as readonly string[]).includes(e.type) || e.type === 'switchConnected' || e.type === 'switchDisconnected') read();
    });
    return () => {
      live = false;
      off();
      if (timer !== undefined) window.clearInterval(timer);
    };
  }, [session]);
  return { cluster, error };
}
