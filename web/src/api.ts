/**
 * The console's one client of the public REST API (`/api/v1`): bearer token from the session,
 * JSON bodies only (the API's browser rules), and failures as ApiFailure naming the bad field.
 */

/** The API's error body (`src/api/errors.ts`). */
export interface ApiErrorBody {
  readonly statusCode: number;
  readonly code: string;
  readonly error: string;
  readonly message: string;
  readonly field?: string;
  readonly details?: unknown;
}

/** A request the API refused: `code`, `message` and `field` come from its error body. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

/** `GET /api/v1/whoami`. */
export interface WhoAmI {
  readonly tokensRequired: boolean;
  readonly scope: 'none' | 'read' | 'admin';
  readonly name?: string;
}

/** One end of a directed link. */
export interface LinkEnd {
  readonly dpid: string;
  readonly port: number;
}

/** A directed link as `/api/v1/topology` lists it. */
export interface LinkJson {
  readonly src: LinkEnd;
  readonly dst: LinkEnd;
  readonly discoveredAt?: string;
  readonly lastSeen?: string;
}

/** A learned host. */
export interface HostJson {
  readonly id: string;
  readonly mac: string;
  readonly vlan?: number;
  readonly ipv4: readonly string[];
  readonly ipv6: readonly string[];
  readonly location: LinkEnd;
  readonly firstSeen?: string;
  readonly lastSeen?: string;
}

/** A switch in the topology. */
export interface TopologySwitchJson {
  readonly dpid: string;
  readonly name?: string;
  readonly ports: readonly number[];
  readonly connected: boolean;
}

/** `GET /api/v1/topology`. */
export interface TopologyJson {
  readonly version?: number;
  readonly switches: readonly TopologySwitchJson[];
  readonly links: readonly LinkJson[];
  readonly hosts: readonly HostJson[];
}

/** A port as `/api/v1/switches/:dpid` lists it. */
export interface PortJson {
  readonly portNo: number;
  readonly name: string;
  readonly hwAddr: string;
  readonly config: number;
  readonly state: number;
  readonly up: boolean;
  readonly currSpeed?: number;
  readonly maxSpeed?: number;
}

/** `GET /api/v1/switches/:dpid`. */
export interface SwitchDetailJson {
  readonly dpid: string;
  readonly version: string;
  readonly remoteAddress: string;
  readonly connectedAt: string;
  readonly ports: number;
  readonly description: Readonly<Record<string, string>>;
  readonly features: Readonly<Record<string, unknown>>;
  readonly portList: readonly PortJson[];
}

/** The REST client; `token()` is read on every request (the login may change it). */
export class Api {
  constructor(private readonly token: () => string | undefined) {}

  /** GET a path below /api/v1 (`/topology`) and parse its JSON. */
  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  /** A write below /api/v1 with an optional JSON body. */
  send<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
    return this.request<T>(method, path, body);
  }

  whoami(token?: string): Promise<WhoAmI> {
    return this.request<WhoAmI>('GET', '/whoami', undefined, token);
  }

  topology(): Promise<TopologyJson> {
    return this.get<TopologyJson>('/topology');
  }

  switchDetail(dpid: string): Promise<SwitchDetailJson> {
    return this.get<SwitchDetailJson>(`/switches/${encodeURIComponent(dpid)}`);
  }

  /** PORT_MOD: brings a port administratively up or down. */
  setPortUp(dpid: string, port: number, up: boolean): Promise<unknown> {
    return this.send('PATCH', `/switches/${encodeURIComponent(dpid)}/ports/${port}`, { up });
  }

  private async request<T>(method: string, path: string, body?: unknown, token = this.token()): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`/api/v1${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    if (!res.ok) {
      const e = (parsed ?? {}) as Partial<ApiErrorBody>;
      throw new ApiFailure(res.status, e.code ?? 'http_error', e.message ?? `${method} ${path}: HTTP ${res.status}`, e.field);
    }
    return parsed as T;
  }
}
