/** The OpenFlow listener: TCP (and optionally TLS) sockets in, one Session per connection out. */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'pino';
import { parseHostPort, type OpenFlowConfig } from '../config.js';
import { silentLogger } from '../log.js';
import { systemClock, type Clock } from '../core/clock.js';
import { LogLimiter, limitedLog } from '../core/log-limiter.js';
import { Session, type SessionStream } from './session.js';
import { batchIo } from './batch-io.js';
import { directReadSocket } from './direct-read.js';
import { ConnectionLimits, type Admission, type ConnectionRefusal } from './connection-limits.js';

export interface OpenFlowServerOptions {
  readonly config: OpenFlowConfig;
  readonly logger?: Logger;
  /** The clock every session's timeouts run on; default the system clock. */
  readonly clock?: Clock;
  /** Called for every new session, before its handshake completes. */
  readonly onSession: (session: Session) => void;
}

/** A bound listener and the address it ended up on (port 0 picks a free port). */
export interface BoundListener {
  readonly tls: boolean;
  readonly host: string;
  readonly port: number;
}

/** Listens on every configured address; `close()` stops listening and ends live sessions. */
export class OpenFlowServer {
  private readonly servers: net.Server[] = [];
  private readonly sessions = new Set<Session>();
  private readonly log: Logger;
  /** Connection and handshake caps (`openflow.maxConnections`...), shared by every listener. */
  readonly limits: ConnectionLimits;
  /** Refusal causes already logged: each is logged once, then only counted. */
  private readonly warned = new Set<ConnectionRefusal>();
  /** TLS connections admitted whose TLS handshake is not over, by `address|port`, to hand their admission to the session. */
  private readonly tlsPending = new Map<string, Admission>();
  /** Failed TLS handshakes are logged through this (`openflow.logLinesPerSecond`): a peer retrying in a loop must not flood the log. */
  readonly tlsLogLimiter: LogLimiter;
  private readonly tlsLog: (write: () => void) => boolean;

  constructor(private readonly opts: OpenFlowServerOptions) {
    this.log = opts.logger ?? silentLogger;
    this.limits = new ConnectionLimits(opts.config);
    const clock = opts.clock ?? systemClock;
    this.tlsLogLimiter = new LogLimiter(opts.config.logLinesPerSecond);
    this.tlsLog = limitedLog(this.tlsLogLimiter, () => clock.now(), (ms, fn) => clock.after(ms, fn), (n) =>
      this.log.warn({ suppressed: n }, `suppressed ${n} messages about failed TLS handshakes (over openflow.logLinesPerSecond ${opts.config.logLinesPerSecond})`),
    );
  }

  /** Starts every listener; rejects (and closes those already open) if one cannot bind. */
  async listen(): Promise<BoundListener[]> {
    const cfg = this.opts.config;
    const bound: BoundListener[] = [];
    try {
      for (const addr of cfg.listen) bound.push(await this.listenOne(addr, false));
      if (cfg.tls.key && cfg.tls.cert) {
        for (const addr of cfg.tls.listen) bound.push(await this.listenOne(addr, true));
      }
    } catch (e) {
      await this.close();
      throw e;
    }
    return bound;
  }

  private listenOne(addr: string, useTls: boolean): Promise<BoundListener> {
    const { host, port } = parseHostPort(addr, useTls ? 'openflow.tls.listen' : 'openflow.listen');
    let server: net.Server;
    if (useTls) {
      const t = this.opts.config.tls;
      server = tls.createServer(
        {
          key: readFileSync(t.key!),
          cert: readFileSync(t.cert!),
          ca: t.ca ? readFileSync(t.ca) : undefined,
          requestCert: t.verifyPeer,
          rejectUnauthorized: t.verifyPeer,
        },
        (socket: tls.TLSSocket) => {
          const key = `${socket.remoteAddress}|${socket.remotePort}`;
          const admission = this.tlsPending.get(key);
          this.tlsPending.delete(key);
          this.accept(socket, socket, admission);
        },
      );
      server.on('tlsClientError', (e: Error, socket: tls.TLSSocket) => {
        this.tlsLog(() => this.log.warn({ remote: socket.remoteAddress, err: e.message }, 'TLS handshake with switch failed'));
      });
      // Admission runs before the TLS server wraps the socket, so a refused peer costs no TLS
      // handshake: the server's own connection listener is called only for admitted sockets.
      const tlsListeners = server.listeners('connection') as ((s: net.Socket) => void)[];
      server.removeAllListeners('connection');
      server.on('connection', (raw: net.Socket) => {
        const admission = this.admit(raw);
        if (!admission) return;
        const key = `${raw.remoteAddress}|${raw.remotePort}`;
        this.tlsPending.set(key, admission);
        raw.once('close', () => {
          if (this.tlsPending.get(key) === admission) this.tlsPending.delete(key);
          admission.closed();
        });
        for (const l of tlsListeners) l.call(server, raw);
      });
    } else {
      // Sockets arrive paused, so one can be rebuilt on its handle for direct reads before a byte is read.
      server = net.createServer({ pauseOnConnect: true }, (raw) => {
        const admission = this.admit(raw);
        if (!admission) return;
        raw.once('close', () => admission.closed());
        let session: Session | undefined;
        const io = this.opts.config.batchIo ? batchIo() : undefined;
        if (io) {
          const socket = io.adopt(raw, (chunk) => session?.receive(chunk));
          if (socket) {
            session = this.accept(socket, raw, admission, true);
            return;
          }
        }
        if (this.opts.config.directRead) {
          const socket = directReadSocket(raw, (chunk) => session?.receive(chunk));
          if (socket) {
            session = this.accept(socket, socket, admission, true);
            return;
          }
        }
        this.accept(raw, raw, admission);
        raw.resume();
      });
    }
    server.on('error', (e) => this.log.error({ err: e.message, addr }, 'OpenFlow listener error'));
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port, backlog: 4096 }, () => {
        server.off('error', reject);
        const a = server.address() as net.AddressInfo;
        this.log.info({ host: a.address, port: a.port, tls: useTls }, 'OpenFlow listening');
        resolve({ tls: useTls, host: a.address, port: a.port });
      });
    });
  }

  /** Counts a new connection in, or closes it at once (counted, the cause logged once) when a cap refuses it. */
  private admit(raw: net.Socket): Admission | undefined {
    const a = this.limits.admit(raw.remoteAddress);
    if (typeof a !== 'string') return a;
    raw.destroy();
    if (!this.warned.has(a)) {
      this.warned.add(a);
      const c = this.opts.config;
      const cap = { connections: c.maxConnections, connections_per_address: c.maxConnectionsPerAddress, handshakes: c.maxHandshakes, handshakes_per_address: c.maxHandshakesPerAddress }[a];
      const setting = { connections: 'maxConnections', connections_per_address: 'maxConnectionsPerAddress', handshakes: 'maxHandshakes', handshakes_per_address: 'maxHandshakesPerAddress' }[a];
      this.log.warn(
        { remote: raw.remoteAddress, reason: a, max: cap },
        `refused an OpenFlow connection: openflow.${setting} (${cap}) reached; further refusals for this cause are only counted in signalbox_openflow_connections_refused_total{reason="${a}"}`,
      );
    }
    return undefined;
  }

  /**
   * Starts a session on an admitted connection: `stream` carries its bytes, `socket` is the
   * net.Socket it came from (the same object but for batched sockets). `readExternally`: the
   * caller feeds the session what the socket reads (see directReadSocket, BatchIo.adopt).
   */
  private accept(stream: SessionStream, socket: net.Socket, admission: Admission | undefined, readExternally = false): Session {
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    const remoteAddress = `${socket.remoteAddress}:${socket.remotePort}`;
    const peerSubject = socket instanceof tls.TLSSocket ? verifiedSubject(socket) : undefined;
    const session = new Session(stream, {
      ...this.opts.config,
      remoteAddress,
      peerAddress: socket.remoteAddress ?? 'unknown',
      ...(peerSubject !== undefined ? { peerSubject } : {}),
      overTls: socket instanceof tls.TLSSocket,
      readExternally,
      logger: this.log.child({ remote: remoteAddress }),
      ...(this.opts.clock ? { clock: this.opts.clock } : {}),
    });
    this.sessions.add(session);
    if (admission) {
      session.once('ready', () => admission.handshakeDone());
      session.once('close', () => admission.closed());
    }
    session.once('close', () => this.sessions.delete(session));
    this.opts.onSession(session);
    return session;
  }

  /** Live sessions (any state). */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Stops accepting, closes every session, and resolves when the listeners are closed. */
  async close(): Promise<void> {
    for (const s of this.sessions) s.close('controller shutting down');
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    this.servers.length = 0;
  }
}

/** The subject CN of a TLS peer's certificate, when it was verified against the CA (verifyPeer). */
function verifiedSubject(socket: tls.TLSSocket): string | undefined {
  if (!socket.authorized) return undefined;
  const cn: unknown = socket.getPeerCertificate().subject?.CN;
  return typeof cn === 'string' ? cn : Array.isArray(cn) && typeof cn[0] === 'string' ? cn[0] : undefined;
}
