/**
 * Admission of OpenFlow connections, pure: caps on connections open and on connections still in
 * their handshake, in all and per source address, so one host cannot take every descriptor or
 * hold the controller busy with slow handshakes. The listener asks before it reads a byte.
 */

/** Why a connection was refused (the `reason` label of signalbox_openflow_connections_refused_total). */
export type ConnectionRefusal = 'connections' | 'connections_per_address' | 'handshakes' | 'handshakes_per_address';

/** Every refusal reason, in the order the checks run. */
export const CONNECTION_REFUSALS: readonly ConnectionRefusal[] = ['connections', 'connections_per_address', 'handshakes', 'handshakes_per_address'];

/** The caps; 0 means no cap. */
export interface ConnectionLimitsConfig {
  readonly maxConnections: number;
  readonly maxConnectionsPerAddress: number;
  readonly maxHandshakes: number;
  readonly maxHandshakesPerAddress: number;
}

/** What the metrics read: connections open and in handshake now, refusals so far by reason. */
export interface ConnectionCounters {
  readonly open: number;
  readonly handshaking: number;
  readonly refused: Readonly<Record<ConnectionRefusal, number>>;
  /** Log lines of the listener (failed TLS handshakes) dropped over `openflow.logLinesPerSecond`. */
  readonly logLinesSuppressed: number;
  /** Sessions refused by `openflow.dpidPolicy`, by reason (address, certificate). */
  readonly identityRefused?: Readonly<Record<string, number>>;
}

/** An admitted connection: tell it when its handshake is over and when it closed (both idempotent). */
export interface Admission {
  readonly address: string;
  handshakeDone(): void;
  closed(): void;
}

interface PerAddress {
  open: number;
  handshaking: number;
}

/** `::ffff:10.0.0.1` is 10.0.0.1: a dual-stack listener must not give IPv4 peers a second quota. */
export function normalizeAddress(address: string | undefined): string {
  if (address === undefined || address === '') return 'unknown';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** Counts connections and handshakes in all and per address, and refuses those over a cap. */
export class ConnectionLimits {
  private open = 0;
  private handshaking = 0;
  private readonly byAddress = new Map<string, PerAddress>();
  /** Connections refused so far, by reason. */
  readonly refused: Record<ConnectionRefusal, number> = { connections: 0, connections_per_address: 0, handshakes: 0, handshakes_per_address: 0 };

  constructor(private readonly config: ConnectionLimitsConfig) {}

  /** Connections open now, and how many of them are still in their handshake. */
  get counts(): { readonly open: number; readonly handshaking: number; readonly addresses: number } {
    return { open: this.open, handshaking: this.handshaking, addresses: this.byAddress.size };
  }

  /** Admits a new connection from `address` (counted as open and in handshake), or says which cap refuses it (counted). */
  admit(address: string | undefined): Admission | ConnectionRefusal {
    const addr = normalizeAddress(address);
    const c = this.config;
    const per = this.byAddress.get(addr);
    const reason: ConnectionRefusal | undefined =
      c.maxConnections > 0 && this.open >= c.maxConnections ? 'connections'
      : c.maxConnectionsPerAddress > 0 && (per?.open ?? 0) >= c.maxConnectionsPerAddress ? 'connections_per_address'
      : c.maxHandshakes > 0 && this.handshaking >= c.maxHandshakes ? 'handshakes'
      : c.maxHandshakesPerAddress > 0 && (per?.handshaking ?? 0) >= c.maxHandshakesPerAddress ? 'handshakes_per_address'
      : undefined;
    if (reason !== undefined) {
      this.refused[reason]++;
      return reason;
    }
    const entry = per ?? { open: 0, handshaking: 0 };
    if (!per) this.byAddress.set(addr, entry);
    entry.open++;
    entry.handshaking++;
    this.open++;
    this.handshaking++;
    let inHandshake = true;
    let open = true;
    const handshakeDone = (): void => {
      if (!inHandshake) return;
      inHandshake = false;
      entry.handshaking--;
      this.handshaking--;
    };
    return {
      address: addr,
      handshakeDone,
      closed: () => {
        if (!open) return;
        handshakeDone();
        open = false;
        entry.open--;
        this.open--;
        if (entry.open === 0) this.byAddress.delete(addr);
      },
    };
  }
}
