/**
 * The network config service: checks, diffs and applies a network config file (src/apps/network
 * /schema.ts) on the running apps, keeps the applied one in the store (etcd in a cluster, so
 * every instance follows it and a restart keeps it), and reloads the file on request (SIGHUP,
 * POST /api/v1/config/reload). A file that does not check changes nothing.
 */
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../../core/clock.js';
import type { AclRule } from '../acl/logic.js';
import type { StaticFlow } from '../static-flows/logic.js';
import { NOTHING_DECLARED, type AppManager, type DeclaredApps } from '../manager.js';
import { StoreFollower, sameStored, type KeyValueStore, type StoreValue } from '../store.js';
import { diffNetwork, type NetworkDiff, type NetworkState } from './diff.js';
import { checkNetworkObject, declaredApps, NetworkConfigError, parseNetworkText, type AppSchemas, type NetworkConfig, type NetworkIssue } from './schema.js';

/** A network config file's text and name. */
export interface NetworkSource {
  readonly text: string;
  /** The file's name as messages show it. */
  readonly file: string;
  /** A Signalbox config file: the network config is its `network:` section, which it must have. */
  readonly nested?: boolean;
}

/** The network config in force, as stored. */
export interface AppliedNetwork {
  /** Where it came from (a file name, `config file x.yaml (network)`). */
  readonly file: string;
  readonly network: NetworkConfig;
  /** When it was applied (ms since the epoch). */
  readonly appliedAt: number;
}

/** Store key of the applied config, in the apps namespace. */
const KEY = 'network/applied';

/** Options of the service. */
export interface NetworkConfigServiceOptions {
  /** The apps namespace of the controller's store (LevelDB, or etcd in a cluster). */
  readonly store: KeyValueStore;
  readonly log: Logger;
  readonly clock?: Clock;
  /** Reads the network config file again (reload, SIGHUP); absent when none was configured. */
  readonly read?: () => NetworkSource | Promise<NetworkSource>;
  /** The connected switches' dpids in hex (the diff's switches). */
  readonly switches?: () => readonly string[];
}

/** A network config service request that cannot be done (no file to reload): 409. */
export class NetworkConfigUnavailable extends Error {
  override readonly name = 'NetworkConfigUnavailable';
  readonly code = 'conflict';
}

/** The declared-apps origin text of an applied config. */
function origin(file: string): string {
  return `network config ${file}`;
}

/** Checks, diffs and applies network configs; follows the applied one in the store. */
export class NetworkConfigService {
  private manager: AppManager | undefined;
  private follower: StoreFollower<AppliedNetwork | undefined> | undefined;
  private applied: AppliedNetwork | undefined;
  private readonly clock: Clock;

  constructor(private readonly opts: NetworkConfigServiceOptions) {
    this.clock = opts.clock ?? systemClock;
  }

  /**
   * The declaration the apps start with (call before they start): `startup` when given (the
   * main config's `network` section or the network file, checked here: throws
   * NetworkConfigError), else the one stored by an earlier apply (or another instance).
   */
  async initial(startup?: AppliedNetwork): Promise<DeclaredApps> {
    if (startup) {
      checkNetworkObject(startup.network, startup.file);
      this.applied = startup;
      return declaredApps(startup.network, origin(startup.file));
    }
    const stored = await this.opts.store.get<StoreValue>(KEY);
    if (stored === undefined) return NOTHING_DECLARED;
    this.applied = stored as unknown as AppliedNetwork;
    return declaredApps(this.applied.network, origin(this.applied.file));
  }

  /** Starts working on the running apps: stores the startup config (so other instances follow) and follows the store. */
  async attach(manager: AppManager): Promise<void> {
    this.manager = manager;
    this.follower = new StoreFollower(this.opts.store, KEY, {
      load: async () => (await this.opts.store.get<StoreValue>(KEY)) as unknown as AppliedNetwork | undefined,
      apply: (stored) => this.followed(stored),
      log: this.opts.log,
      clock: this.clock,
    });
    if (this.applied) {
      const stored = await this.opts.store.get<StoreValue>(KEY);
      if (!sameStored((stored as unknown as AppliedNetwork | undefined)?.network, this.applied.network)) await this.opts.store.put(KEY, this.applied as unknown as StoreValue);
    }
  }

  /** Stops following the store. */
  stop(): void {
    this.follower?.stop();
    this.follower = undefined;
  }

  /** The applied config, if any. */
  status(): AppliedNetwork | undefined {
    return this.applied;
  }

  /** The file the applied config came from, for messages (undefined when none is applied). */
  origin(): string | undefined {
    return this.applied?.file;
  }

  /** True when the applied config declares which apps run (the API's enable/disable are refused). */
  declaresApps(): string | undefined {
    return this.applied?.network.apps !== undefined ? this.applied.file : undefined;
  }

  private need(): AppManager {
    if (!this.manager) throw new NetworkConfigUnavailable('the apps are not running');
    return this.manager;
  }

  private schemas(): AppSchemas {
    return this.need().appSchemas();
  }

  /** Every issue of a file (empty when it checks), against the apps registered here. */
  check(src: NetworkSource): readonly NetworkIssue[] {
    return parseNetworkText(src.text, this.schemas(), { nested: src.nested === true }).issues;
  }

  private parse(src: NetworkSource): NetworkConfig {
    const p = parseNetworkText(src.text, this.schemas(), { nested: src.nested === true });
    if (!p.network) throw new NetworkConfigError(src.file, p.issues);
    return p.network;
  }

  /** The state the diff compares under a declaration. */
  private state(declared?: DeclaredApps): NetworkState {
    const m = this.need();
    const p = m.preview(declared);
    const acl = m.instance<{ list(): AclRule[] } & ReturnType<AppManager['instance']>>('acl');
    const sf = m.instance<{ list(): StaticFlow[] } & ReturnType<AppManager['instance']>>('static-flows');
    return {
      enabled: p.enabled,
      configs: p.configs,
      apiAclRules: acl ? acl.list().filter((r) => r.source === undefined) : [],
      apiStaticFlows: sf ? sf.list().filter((f) => f.source === undefined) : [],
    };
  }

  private diffTo(next: DeclaredApps): NetworkDiff {
    const before = this.state();
    let after: NetworkState;
    try {
      after = this.state(next);
    } catch (e) {
      throw new NetworkConfigError(next.origin ?? 'network config', [{ path: '', message: (e as Error).message }]);
    }
    return diffNetwork({ ...before, enabled: this.need().list().filter((a) => a.state === 'running').map((a) => a.name) }, after, this.opts.switches?.() ?? []);
  }

  /** What applying the file would change on the running controller; throws NetworkConfigError when it does not check. */
  diff(src: NetworkSource): NetworkDiff {
    return this.diffTo(declaredApps(this.parse(src), origin(src.file)));
  }

  /**
   * Applies a file: checks it (nothing changes when it does not), stores it (every instance of a
   * cluster follows) and hands the apps their new declarations; only what differs reaches the
   * switches. Resolves with what changed.
   */
  async apply(src: NetworkSource): Promise<NetworkDiff> {
    const network = this.parse(src);
    const next = declaredApps(network, origin(src.file));
    const diff = this.diffTo(next);
    const applied: AppliedNetwork = { file: src.file, network, appliedAt: this.clock.now() };
    const run = async (): Promise<void> => {
      await this.need().applyDeclared(next);
      this.applied = applied;
      await this.opts.store.put(KEY, applied as unknown as StoreValue);
    };
    await (this.follower ? this.follower.write(run) : run());
    this.opts.log.info({ file: src.file, changed: diff.changed, switches: diff.switches.map((s) => s.dpid) }, 'network config applied');
    return diff;
  }

  /** Reads the configured file again and applies it. */
  async reload(): Promise<NetworkDiff> {
    if (!this.opts.read) throw new NetworkConfigUnavailable('no network config file to reload: start with --config FILE (its `network:` section) or set networkFile');
    return this.apply(await this.opts.read());
  }

  /** Another instance applied a config (or this one's own write came back). */
  private followed(stored: AppliedNetwork | undefined): void {
    if (stored === undefined || sameStored(stored.network, this.applied?.network)) return;
    const m = this.manager;
    if (!m) return;
    this.applied = stored;
    this.opts.log.info({ file: stored.file }, 'network config changed in the store: applying it');
    m.applyDeclared(declaredApps(stored.network, origin(stored.file))).catch((e: Error) => this.opts.log.error({ err: e.message, file: stored.file }, 'could not apply the network config from the store'));
  }
}
