/** Turns the etcd client's gRPC failures at start-up into one line an operator can act on ("cannot reach etcd at http://…: connection refused"). */

/**
 * The one-line reason when `e` says etcd could not be reached (refused, unknown host, no answer,
 * not an etcd server), else undefined (any other error keeps its own message).
 */
export function etcdUnreachable(e: unknown, endpoints: readonly string[], requestTimeoutMs: number): string | undefined {
  const text = e instanceof Error ? `${e.message} ${String((e as { cause?: unknown }).cause ?? '')}` : String(e);
  let reason: string | undefined;
  if (/ECONNREFUSED/.test(text)) reason = 'connection refused';
  else if (/Name resolution failed|ENOTFOUND|EAI_AGAIN/.test(text)) reason = 'host not found';
  else if (/EHOSTUNREACH|ENETUNREACH/.test(text)) reason = 'host unreachable';
  else if (/ECONNRESET/.test(text)) reason = 'connection reset';
  else if (/DEADLINE_EXCEEDED|Deadline exceeded/i.test(text)) reason = `no answer within ${requestTimeoutMs} ms`;
  else if (/UNIMPLEMENTED: Received HTTP status code (\d+)/.test(text)) reason = `not an etcd server (HTTP ${/code (\d+)/.exec(text)![1]})`;
  else if (/\b14 UNAVAILABLE\b/.test(text)) reason = 'unavailable';
  if (reason === undefined) return undefined;
  return `cannot reach etcd at ${endpoints.join(', ')}: ${reason}`;
}
