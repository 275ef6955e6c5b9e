/** The OpenFlow listener: TCP (and optionally TLS) sockets in, one Session per connection out. */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'pino';
import { parseHostPort, type OpenFlowConfig } from '../config.js';
import { silentLogger } from '../log.js';
import type { Clock } from '../core/clock.js';
import { Session } from './session.js';

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

  constructor(private readonly opts: OpenFlowServerOptions) {
    this.log = opts.logger ?? silentLogger;
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
    const onSocket = (socket: net.Socket) => this.accept(socket);
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
        onSocket,
      );
      server.on('tlsClientError', (e: Error, socket: tls.TLSSocket) => {
        this.log.warn({ remote: socket.remoteAddress, err: e.message }, 'TLS handshake with switch failed');
      });
    } else {
      server = net.createServer(onSocket);
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

  private accept(socket: net.Socket): void {
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    const remoteAddress = `${socket.remoteAddress}:${socket.remotePort}`;
    const session = new Session(socket, {
      ...this.opts.config,
      remoteAddress,
      logger: this.log.child({ remote: remoteAddress }),
      ...(this.opts.clock ? { clock: this.opts.clock } : {}),
    });
    this.sessions.add(session);
    session.once('close', () => this.sessions.delete(session));
    this.opts.onSession(session);
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
