/**
 * The app manager: loads apps (built-ins and external modules), gives each an AppContext,
 * dispatches controller events to the enabled ones (packet-ins in priority order, stopping at
 * `'handled'`), and contains their failures: a throw is logged with app, dpid and event, and an
 * app that keeps failing is stopped and its flows removed. No app takes the controller down.
 */
import type { Logger } from 'pino';
import type { ControllerEvents, EventBus } from '../core/events.js';
import { dpidToHex } from '../core/ids.js';
import { FlowService, type FlowScopeImpl, type FlowServiceOptions } from '../flows/service.js';
import type { FlowsConfig } from '../flows/config.js';
import { deviceService, ownedGroups, ownedMeters, packetService } from '../openflow/switch-services.js';
import { defaultAppsConfig, type AppsConfig } from './config.js';
import { appMetricPrefix, MemoryMetrics } from './metrics.js';
import { builtinApps, loadAppModule } from './registry.js';
import { resolveAppConfig } from './schema.js';
import { checkOverride, ConfigOverrides, mergeSettings, type AppSettings } from './config-overrides.js';
import { AppEnablement, wantedApps } from './enablement.js';
import { memoryAppStore, PrefixedStore, sameStored, type KeyValueStore } from './store.js';
import type { DeviceService, GroupService, HostService, MeterService, PacketService, TopologyService } from '../core/services.js';
import type { App, AppContext, AppDefinition, PacketInEvent } from '../core/app.js';
import type { Releasable } from '../openflow/switch-services.js';
import { systemClock, type Clock, type Timer } from '../core/clock.js';

/** Where an app stands. */
export type AppState = 'stopped' | 'running' | 'failed';

/** An app as the API lists it. */
export interface AppStatus {
  readonly name: string;
  readonly description: string;
  /** `builtin`, or the module it came from. */
  readonly source: string;
  readonly state: AppState;
  readonly packetInPriority: number;
  /** Failures in the current window. */
  readonly recentFailures: number;
  /** Why it was stopped, when it failed. */
  readonly lastError?: string;
}

/**
 * What the network config (src/apps/network, docs/config-as-code.md) declares of the apps:
 * which run, and settings laid over the config file's and the API's overrides.
 */
export interface DeclaredApps {
  /** The apps to run (over `apps.enabled` and the API's stored choices); undefined leaves that to them. */
  readonly enabled?: readonly string[];
  /** Settings by app name; a key declared here wins, and the API may not override it (409). */
  readonly settings: Readonly<Record<string, AppSettings>>;
  /** Where the declaration comes from, for messages (`network config net.yaml`). */
  readonly origin?: string;
}

/** Nothing declared. */
export const NOTHING_DECLARED: DeclaredApps = Object.freeze({ settings: Object.freeze({}) });

/** An API change to something the network config declares: a 409 naming where it is declared. */
export class DeclaredConflict extends Error {
  override readonly name = 'DeclaredConflict';
  readonly code = 'conflict';
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

/** Options of the manager (the Controller passes its own bus, datapaths, config and logger). */
export interface AppManagerOptions {
  readonly bus: EventBus;
  /** The connected switches (the Controller's registry): the manager hands apps services over it, never the handles. */
  readonly datapaths: FlowServiceOptions['datapaths'];
  /** App settings; anything missing takes its default. */
  readonly config?: Partial<AppsConfig>;
  /** Flow service settings, used when the manager makes its own FlowService. */
  readonly flowsConfig?: Partial<FlowsConfig>;
  readonly log: Logger;
  readonly topology?: TopologyService;
  readonly hosts?: HostService;
  /** A shared flow service; when absent the manager makes one and starts/stops it with itself. */
  readonly flows?: FlowService;
  /** The controller's store; default an in-memory one. */
  readonly store?: KeyValueStore;
  readonly metrics?: MemoryMetrics;
  /** Time for apps' `now()`/`every()`, the failure window, and the manager's own flow service; default the system clock. */
  readonly clock?: Clock;
  /** Apps available besides the built-ins (tests, embedding). */
  readonly apps?: readonly AppDefinition[];
  /** Directory external module paths are relative to (default the working directory). */
  readonly baseDir?: string;
  /** What the network config declares at start (see applyDeclared for changes later). */
  readonly declared?: DeclaredApps;
}

interface Entry {
  readonly name: string;
  readonly definition: AppDefinition;
  readonly source: string;
  readonly description: string;
  readonly packetInPriority: number;
  state: AppState;
  lastError: string | undefined;
  instance: Instance | undefined;
}

interface Instance {
  readonly entry: Entry;
  readonly app: App<object>;
  readonly scope: FlowScopeImpl;
  readonly groups: GroupService & Releasable;
  readonly meters: MeterService & Releasable;
  /** Timers made through the app's clock or `every`, cancelled when it stops. */
  readonly timers: Set<Timer>;
  /** Failure times (ms) within the window. */
  failures: number[];
  stopping: boolean;
}

type Handler = 'onSwitchConnected' | 'onSwitchDisconnected' | 'onPortAdded' | 'onPortModified' | 'onPortRemoved' | 'onFlowRemoved' | 'onErrorReceived' | 'onTopologyChanged' | 'onMastershipChanged';

function describeApp(def: AppDefinition): App<object> {
  return typeof def === 'function' ? def() : def;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** Runs apps. `start()` loads and enables the configured ones; `enable`/`disable` change that at run time. */
export class AppManager {
  readonly config: AppsConfig;
  readonly flows: FlowService;
  readonly metrics: MemoryMetrics;
  readonly store: KeyValueStore;
  private readonly bus: EventBus;
  private readonly datapathMap: FlowServiceOptions['datapaths'];
  private readonly log: Logger;
  private readonly topology: TopologyService | undefined;
  private readonly hosts: HostService | undefined;
  private readonly ownsFlows: boolean;
  private readonly clock: Clock;
  private readonly now: () => number;
  private readonly baseDir: string;
  private readonly entries = new Map<string, Entry>();
  /** Running instances with a packet-in handler, highest priority first. */
  private packetChain: Instance[] = [];
  /** Running instances in name order, for the other events. */
  private running: Instance[] = [];
  private started = false;
  private readonly devices: DeviceService;
  private readonly packets: PacketService;
  private readonly listeners: { [K in keyof ControllerEvents]?: (...args: ControllerEvents[K]) => void } = {};
  /** Config overrides set through the API, stored, laid over `config.settings`. */
  private readonly overrides: ConfigOverrides;
  /** Enable/disable choices made through the API, stored, laid over `config.enabled`. */
  private readonly enablement: AppEnablement;
  /** Overrides and choices another instance changed, applied one after the other. */
  private followQueue: Promise<void> = Promise.resolve();
  /** What the network config declares; laid over `config.settings` and the overrides. */
  private declared: DeclaredApps;
  /** Declarations applied one after the other. */
  private declareQueue: Promise<unknown> = Promise.resolve();

  constructor(opts: AppManagerOptions) {
    this.bus = opts.bus;
    this.datapathMap = opts.datapaths;
    this.config = { ...defaultAppsConfig, ...opts.config };
    this.log = opts.log.child({ component: 'apps' });
    this.topology = opts.topology;
    this.hosts = opts.hosts;
    this.clock = opts.clock ?? systemClock;
    this.now = () => this.clock.now();
    this.baseDir = opts.baseDir ?? process.cwd();
    this.metrics = opts.metrics ?? new MemoryMetrics();
    this.store = opts.store ?? memoryAppStore();
    this.overrides = new ConfigOverrides(this.store, this.clock);
    this.enablement = new AppEnablement(this.store, this.clock);
    this.ownsFlows = opts.flows === undefined;
    this.flows = opts.flows ?? new FlowService({ bus: opts.bus, datapaths: opts.datapaths, log: opts.log.child({ component: 'flows' }), config: opts.flowsConfig ?? {}, clock: this.clock });
    this.devices = deviceService(this.datapathMap);
    this.packets = packetService(this.datapathMap, this.topology);
    this.declared = opts.declared ?? NOTHING_DECLARED;
    for (const def of builtinApps()) this.register(def, 'builtin');
    for (const def of opts.apps ?? []) this.register(def, 'embedded');
  }

  /**
   * Makes an app available (not enabled). Throws when the name is taken (a stopped built-in may
   * be replaced) or the object is not an app. Call before `start()` or at run time.
   */
  register(def: AppDefinition, source = 'embedded'): void {
    const app = describeApp(def);
    checkAppShape(app, source);
    const existing = this.entries.get(app.name);
    // An embedder (or a test) may swap a built-in for its own version of the same name, while it is stopped.
    if (existing && !(existing.source === 'builtin' && source !== 'builtin' && existing.state !== 'running')) {
      throw new Error(`app "${app.name}" from ${source} is already registered (from ${existing.source})`);
    }
    this.entries.set(app.name, {
      name: app.name,
      definition: def,
      source,
      description: app.description,
      packetInPriority: app.packetInPriority ?? 0,
      state: 'stopped',
      lastError: undefined,
      instance: undefined,
    });
  }

  /** Loads the configured external modules, subscribes to the bus and enables the configured apps. Throws on a bad config (unknown app, bad settings, module not found). */
  async start(): Promise<void> {
    if (this.started) return;
    for (const spec of this.config.modules) {
      for (const def of await loadAppModule(spec, this.baseDir)) this.register(def, spec);
    }
    // Following first, so an override or choice another instance sets while this one starts is not missed.
    this.overrides.follow((apps) => this.overridesChanged(apps), this.log);
    this.enablement.follow((apps) => this.enablementChanged(apps), this.log);
    try {
      await this.overrides.load();
      await this.enablement.load();
    } catch (e) {
      this.overrides.unfollow();
      this.enablement.unfollow();
      throw e;
    }
    const configured = this.declared.enabled ?? this.config.enabled;
    for (const name of configured) {
      if (!this.entries.has(name)) throw new Error(`${this.declared.enabled ? `${this.declared.origin ?? 'network config'}: apps` : 'apps.enabled'}: unknown app "${name}"; known: ${[...this.entries.keys()].sort().join(', ')}`);
      // Settings are checked before anything runs, so a typo fails the start, not the first packet.
      const app = describeApp(this.entries.get(name)!.definition);
      resolveAppConfig(name, app.config, this.settingsOf(name, app));
    }
    // The config file's apps, changed by what an operator enabled or disabled since (stored).
    // The network config's list, when it has one, holds over both.
    const wanted = (this.declared.enabled ? [...this.declared.enabled] : wantedApps(this.config.enabled, this.enablement.all())).filter((name) => {
      if (this.entries.has(name)) return true;
      this.log.warn({ app: name }, 'an app enabled through the API is not known any more (its module is no longer configured); not starting it');
      return false;
    });
    for (const [name, on] of this.enablement.all()) {
      if (on !== this.config.enabled.includes(name) && this.entries.has(name)) this.log.info({ app: name, enabled: on }, `app ${on ? 'enabled' : 'disabled'} through the API earlier (stored): that holds over apps.enabled`);
    }
    this.started = true;
    if (this.ownsFlows) this.flows.start();
    this.subscribe();
    for (const name of wanted) {
      if (configured.includes(name)) await this.activate(name);
      else {
        // Checked at run time: bad settings fail this app, not the start.
        try {
          await this.activate(name);
        } catch (e) {
          this.log.error({ app: name, err: (e as Error).message }, 'could not start an app enabled through the API');
        }
      }
    }
  }

  /** Disables every app, unsubscribes, and stops the flow service if it is the manager's own. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.overrides.unfollow();
    this.enablement.unfollow();
    await this.followQueue;
    for (const inst of [...this.running].reverse()) await this.deactivate(inst.entry.name);
    this.unsubscribe();
    if (this.ownsFlows) this.flows.stop();
    this.started = false;
  }

  /**
   * Stops every app (timers, handlers) for a controller shutdown but leaves their flows on the
   * switches, so a restart reconciles them hitlessly instead of reinstalling.
   */
  async shutdown(): Promise<void> {
    if (!this.started) return;
    this.overrides.unfollow();
    this.enablement.unfollow();
    await this.followQueue;
    for (const inst of [...this.running].reverse()) await this.teardown(inst, undefined, true);
    this.unsubscribe();
    if (this.ownsFlows) this.flows.stop();
    this.started = false;
  }

  /** The running instance of an app (its own methods, e.g. static-flows' CRUD), or undefined when it is not running. */
  instance<T extends App = App>(name: string): T | undefined {
    return this.entries.get(name)?.instance?.app as T | undefined;
  }

  /** Every registered app and its state, by name. */
  list(): AppStatus[] {
    return [...this.entries.values()]
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((e) => ({
        name: e.name,
        description: e.description,
        source: e.source,
        state: e.state,
        packetInPriority: e.packetInPriority,
        recentFailures: e.instance?.failures.length ?? 0,
        ...(e.lastError !== undefined ? { lastError: e.lastError } : {}),
      }));
  }

  /** The status of one app. */
  status(name: string): AppStatus | undefined {
    return this.list().find((s) => s.name === name);
  }

  /**
   * Enables an app: stores the choice (so it holds across restarts and, in a cluster, on every
   * instance, which follow the store), then starts it here (see `activate`). Resolves once the
   * choice is durable and the app started; an unknown name throws before anything is stored.
   */
  async enable(name: string, settings?: Readonly<Record<string, unknown>>): Promise<AppStatus> {
    if (!this.entries.has(name)) throw new Error(`unknown app "${name}"`);
    await this.enablement.set(name, true);
    return this.activate(name, settings);
  }

  /** Disables an app: stores the choice (as `enable`), then stops it here and removes its flows. */
  async disable(name: string): Promise<AppStatus> {
    if (!this.entries.has(name)) throw new Error(`unknown app "${name}"`);
    await this.enablement.set(name, false);
    return this.deactivate(name);
  }

  /** The stored enable/disable choice of an app: true, false, or undefined when none was made (the config file decides). */
  storedChoice(name: string): boolean | undefined {
    return this.enablement.get(name);
  }

  /**
   * Choices changed in the store (another instance's enable or disable): each is applied here as
   * if made here; a choice deleted from the store falls back to `apps.enabled`.
   */
  private enablementChanged(apps: readonly string[]): void {
    this.followQueue = this.followQueue.then(async () => {
      for (const name of apps) {
        const entry = this.entries.get(name);
        if (!entry || !this.started) continue;
        // The network config's app list holds over stored choices.
        if (this.declared.enabled) continue;
        const on = this.enablement.get(name) ?? this.config.enabled.includes(name);
        try {
          if (on && !entry.instance) {
            this.log.info({ app: name }, 'app enabled in the store (by another instance): starting it');
            await this.activate(name);
          } else if (!on && entry.instance) {
            this.log.info({ app: name }, 'app disabled in the store (by another instance): stopping it');
            await this.deactivate(name);
          }
        } catch (e) {
          this.log.error({ app: name, err: (e as Error).message }, 'could not apply an enable/disable changed in the store');
        }
      }
    });
  }

  /**
   * Starts an app here without storing a choice: resolves its settings, gives it a context,
   * calls `start`, then tells it of every switch already connected. A throw in `start` leaves it
   * `failed` (and is not rethrown); bad settings or an unknown name throw.
   */
  private async activate(name: string, settings?: Readonly<Record<string, unknown>>): Promise<AppStatus> {
    const entry = this.entries.get(name);
    if (!entry) throw new Error(`unknown app "${name}"`);
    if (entry.instance) return this.status(name)!;
    const app = describeApp(entry.definition);
    const config = resolveAppConfig(name, app.config, settings ?? this.settingsOf(name, app));
    const scope = this.flows.scope(name);
    const inst: Instance = { entry, app, scope, groups: ownedGroups(this.datapathMap), meters: ownedMeters(this.datapathMap), timers: new Set(), failures: [], stopping: false };
    const ctx = this.makeContext(inst, config);
    entry.instance = inst;
    entry.state = 'running';
    entry.lastError = undefined;
    try {
      const r = app.start(ctx);
      if (isThenable(r)) await r;
    } catch (e) {
      this.log.error({ app: name, event: 'start', err: (e as Error).message, stack: (e as Error).stack }, 'app failed to start');
      await this.teardown(inst, `start failed: ${(e as Error).message}`);
      return this.status(name)!;
    }
    if (entry.instance !== inst) return this.status(name)!;
    this.rebuildChains();
    this.log.info({ app: name }, 'app started');
    if (app.onSwitchConnected) {
      for (const dp of this.devices.list()) this.call(inst, 'onSwitchConnected', { dpid: dp.dpid, version: dp.version, remoteAddress: dp.remoteAddress }, dp.dpid);
    }
    return this.status(name)!;
  }

  /** Stops an app here (no choice stored) and removes all its flows. Resolves when its flows are deleted. */
  private async deactivate(name: string): Promise<AppStatus> {
    const entry = this.entries.get(name);
    if (!entry) throw new Error(`unknown app "${name}"`);
    const inst = entry.instance;
    if (inst) await this.teardown(inst, undefined);
    return this.status(name)!;
  }

  // ---- config get/put (overrides persisted by ConfigOverrides) ------------------------------

  /** The settings an app starts with: `apps.settings.<name>`, its stored override laid over, then what the network config declares. */
  private settingsOf(name: string, app: App<object>, declared: DeclaredApps = this.declared): Readonly<Record<string, unknown>> | undefined {
    const base = this.overrides.settingsFor(name, app.config, this.config.settings[name], this.log);
    const d = declared.settings[name];
    return d === undefined ? base : { ...base, ...d };
  }

  // ---- the network config's declarations ------------------------------------------------------

  /** Every registered app's settings schema, by name (to check a network config's `settings`). */
  appSchemas(): Map<string, App<object>['config']> {
    return new Map([...this.entries].map(([n, e]) => [n, describeApp(e.definition).config] as const));
  }

  /** What the network config declares now. */
  declaration(): DeclaredApps {
    return this.declared;
  }

  /**
   * The apps that would run and every app's effective config under a declaration (default the
   * current one), without changing anything. Throws (AppConfigError, unknown app) when it does
   * not fit.
   */
  preview(declared: DeclaredApps = this.declared): { enabled: string[]; configs: Map<string, object> } {
    for (const n of declared.enabled ?? []) {
      if (!this.entries.has(n)) throw new DeclaredConflict(`${declared.origin ?? 'network config'}: apps: unknown app "${n}"; known: ${[...this.entries.keys()].sort().join(', ')}`, 'apps');
    }
    for (const n of Object.keys(declared.settings)) {
      if (!this.entries.has(n)) throw new DeclaredConflict(`${declared.origin ?? 'network config'}: settings: unknown app "${n}"; known: ${[...this.entries.keys()].sort().join(', ')}`, 'settings');
    }
    const configs = new Map<string, object>();
    for (const [name, e] of this.entries) {
      const app = describeApp(e.definition);
      configs.set(name, resolveAppConfig(name, app.config, this.settingsOf(name, app, declared)));
    }
    const running = [...this.entries.values()].filter((e) => e.instance).map((e) => e.name);
    const enabled = declared.enabled ? [...declared.enabled] : this.started ? running : wantedApps(this.config.enabled, this.enablement.all());
    return { enabled: enabled.sort(), configs };
  }

  /**
   * Takes a new declaration: checks it whole first (nothing changes when it does not fit), then
   * stops the apps no longer declared, gives each running app whose effective config changed its
   * new config (live where the app can reconfigure, so unchanged flows stay put) and starts the
   * newly declared apps. No enable/disable choice is stored: the declaration holds over them.
   * Declarations apply one after the other.
   */
  applyDeclared(next: DeclaredApps): Promise<void> {
    const run = this.declareQueue.then(async () => {
      this.preview(next);
      const before = new Map<string, object>();
      for (const e of this.entries.values()) if (e.instance) before.set(e.name, this.getConfig(e.name)!);
      this.declared = next;
      if (!this.started) return;
      if (next.enabled) {
        for (const e of [...this.entries.values()]) if (e.instance && !next.enabled.includes(e.name)) await this.deactivate(e.name);
      }
      for (const [name, old] of before) {
        const entry = this.entries.get(name)!;
        if (!entry.instance) continue;
        const config = this.getConfig(name)!;
        if (!sameStored(old, config)) await this.applyConfig(entry, config);
      }
      for (const name of next.enabled ?? []) if (!this.entries.get(name)!.instance) await this.activate(name);
    });
    this.declareQueue = run.catch(() => undefined);
    return run;
  }

  /** Throws DeclaredConflict when an override sets a key the network config declares. */
  private checkNotDeclared(name: string, override: AppSettings): void {
    const d = this.declared.settings[name];
    if (!d) return;
    const key = Object.keys(override).find((k) => k in d);
    if (key !== undefined) {
      throw new DeclaredConflict(`apps.settings.${name}.${key} is declared by the ${this.declared.origin ?? 'network config'}; change it there (or apply a new one)`, `body.${key}`);
    }
  }

  /** An app's effective config (defaults, file settings, stored override); undefined for an unknown app. */
  getConfig(name: string): object | undefined {
    const entry = this.entries.get(name);
    if (!entry) return undefined;
    const app = describeApp(entry.definition);
    return resolveAppConfig(name, app.config, this.settingsOf(name, app));
  }

  /** An app's stored config override (`{}` when it has none); undefined for an unknown app. */
  getOverride(name: string): AppSettings | undefined {
    if (!this.entries.has(name)) return undefined;
    return this.overrides.get(name) ?? {};
  }

  /**
   * Sets an app's config override: `value`'s keys are laid over `apps.settings.<name>`, checked
   * against the app's schema (AppConfigError naming the key), stored, then applied: a running
   * app with a `reconfigure` hook gets the new config, any other running app is restarted.
   * Resolves with the effective config.
   */
  async setConfig(name: string, value: unknown): Promise<object> {
    const entry = this.entries.get(name);
    if (!entry) throw new Error(`unknown app "${name}"`);
    const override = checkOverride(name, value);
    this.checkNotDeclared(name, override);
    const d = this.declared.settings[name];
    const merged = mergeSettings(this.config.settings[name], override);
    const config = resolveAppConfig(name, describeApp(entry.definition).config, d === undefined ? merged : { ...merged, ...d });
    await this.overrides.set(name, override);
    await this.applyConfig(entry, config);
    return config;
  }

  /** Deletes an app's override (back to the file's settings) and applies that; resolves with the effective config. */
  async resetConfig(name: string): Promise<object> {
    const entry = this.entries.get(name);
    if (!entry) throw new Error(`unknown app "${name}"`);
    await this.overrides.clear(name);
    const config = this.getConfig(name)!;
    await this.applyConfig(entry, config);
    return config;
  }

  /**
   * Overrides changed in the store (another instance's PUT or DELETE /apps/:name/config): each
   * running app gets its new effective config as if the change had been made here.
   */
  private overridesChanged(apps: readonly string[]): void {
    this.followQueue = this.followQueue.then(async () => {
      for (const name of apps) {
        const entry = this.entries.get(name);
        if (!entry?.instance || !this.started) continue;
        try {
          const config = this.getConfig(name)!;
          this.log.info({ app: name }, 'app config override changed in the store: applying it');
          await this.applyConfig(entry, config);
        } catch (e) {
          this.log.error({ app: name, err: (e as Error).message }, 'could not apply an app config override changed in the store');
        }
      }
    });
  }

  private async applyConfig(entry: Entry, config: object): Promise<void> {
    const inst = entry.instance;
    if (!inst) return;
    if (inst.app.reconfigure && (await inst.app.reconfigure(config)) !== 'restart') return;
    await this.teardown(inst, undefined);
    await this.activate(entry.name);
  }

  private async teardown(inst: Instance, failure: string | undefined, keepFlows = false): Promise<void> {
    if (inst.stopping) return;
    inst.stopping = true;
    const entry = inst.entry;
    for (const t of inst.timers) t.cancel();
    inst.timers.clear();
    if (entry.instance === inst) entry.instance = undefined;
    this.rebuildChains();
    try {
      const r = inst.app.stop?.();
      if (isThenable(r)) await r;
    } catch (e) {
      this.log.error({ app: entry.name, event: 'stop', err: (e as Error).message }, 'app threw while stopping');
    }
    inst.scope.removeAllListeners();
    if (keepFlows) {
      entry.state = 'stopped';
      return;
    }
    try {
      await inst.scope.removeAll();
    } catch (e) {
      this.log.error({ app: entry.name, err: (e as Error).message }, 'could not remove the flows of a stopped app');
    }
    // Flows first (they may point at the groups and meters), then what the app created besides.
    await Promise.all([inst.groups.releaseAll(), inst.meters.releaseAll()]);
    entry.state = failure === undefined ? 'stopped' : 'failed';
    entry.lastError = failure;
    if (failure !== undefined) this.log.error({ app: entry.name, reason: failure }, 'app stopped after failures; its flows were removed');
    else this.log.info({ app: entry.name }, 'app stopped');
  }

  private rebuildChains(): void {
    const running: Instance[] = [];
    for (const e of this.entries.values()) if (e.instance && !e.instance.stopping) running.push(e.instance);
    running.sort((a, b) => (a.entry.name < b.entry.name ? -1 : 1));
    this.running = running;
    // Stable sort over name order: equal priorities keep name order (deterministic on every instance).
    this.packetChain = running.filter((i) => i.app.onPacketIn).sort((a, b) => b.entry.packetInPriority - a.entry.packetInPriority);
  }

  private makeContext(inst: Instance, config: object): AppContext<object> {
    const name = inst.entry.name;
    const appClock = this.appClock(inst);
    return {
      name,
      config,
      log: this.log.child({ app: name }),
      devices: this.devices,
      topology: this.topology,
      hosts: this.hosts,
      flows: inst.scope,
      groups: inst.groups,
      meters: inst.meters,
      packets: this.packets,
      store: new PrefixedStore(this.store, `apps/${name}/`),
      metrics: this.metrics.scoped(appMetricPrefix(name)),
      now: this.now,
      every: (intervalMs, fn) => {
        if (inst.stopping) return;
        appClock.every(intervalMs, () => fn(this.now()));
      },
      clock: appClock,
    };
  }

  /**
   * The clock an app gets: the manager's time, with timers that stop with the app and whose
   * callbacks' throws (and rejections) count as failures of the app.
   */
  private appClock(inst: Instance): Clock {
    const guard = (fn: () => unknown): (() => void) => () => {
      if (inst.stopping) return;
      try {
        const r = fn();
        if (isThenable(r)) r.then(undefined, (e: unknown) => this.failed(inst, 'timer', undefined, e));
      } catch (e) {
        this.failed(inst, 'timer', undefined, e);
      }
    };
    const track = (make: (run: () => void) => Timer, once: boolean, fn: () => unknown): Timer => {
      const run = guard(fn);
      const t: Timer = make(() => {
        if (once) inst.timers.delete(t);
        run();
      });
      t.unref();
      if (inst.stopping) t.cancel();
      else inst.timers.add(t);
      const timer: Timer = {
        cancel: () => {
          t.cancel();
          inst.timers.delete(t);
        },
        unref: () => timer,
      };
      return timer;
    };
    return {
      now: this.now,
      after: (ms, fn) => track((run) => this.clock.after(ms, run), true, fn),
      every: (ms, fn) => track((run) => this.clock.every(ms, run), false, fn),
    };
  }

  // ---- dispatch ---------------------------------------------------------------------------

  private subscribe(): void {
    const on = <K extends keyof ControllerEvents>(event: K, fn: (...args: ControllerEvents[K]) => void): void => {
      (this.listeners as Record<string, unknown>)[event] = fn;
      this.bus.on(event, fn as never);
    };
    on('packetIn', (e) => this.dispatchPacketIn(e));
    on('switchConnected', (e) => this.dispatch('onSwitchConnected', e, e.dpid));
    on('switchDisconnected', (e) => this.dispatch('onSwitchDisconnected', e, e.dpid));
    on('portAdded', (e) => this.dispatch('onPortAdded', e, e.dpid));
    on('portModified', (e) => this.dispatch('onPortModified', e, e.dpid));
    on('portRemoved', (e) => this.dispatch('onPortRemoved', e, e.dpid));
    on('flowRemoved', (e) => this.dispatch('onFlowRemoved', e, e.dpid));
    on('errorReceived', (e) => this.dispatch('onErrorReceived', e, e.dpid));
    on('topologyChanged', (e) => this.dispatch('onTopologyChanged', e, undefined));
    on('mastershipChanged', (e) => this.dispatch('onMastershipChanged', e, e.dpid));
  }

  private unsubscribe(): void {
    for (const [event, fn] of Object.entries(this.listeners)) this.bus.off(event as keyof ControllerEvents, fn as never);
    for (const k of Object.keys(this.listeners)) delete (this.listeners as Record<string, unknown>)[k];
  }

  /** Packet-in chain: highest priority first; `'handled'` stops it. */
  private dispatchPacketIn(e: PacketInEvent): void {
    // LLDP (0x88cc) belongs to the topology service; an app that flooded a probe would make
    // the next switch report a link that is not there.
    const d = e.msg.data;
    if (d.length >= 14 && d[12] === 0x88 && d[13] === 0xcc) return;
    const chain = this.packetChain;
    for (let i = 0; i < chain.length; i++) {
      const inst = chain[i]!;
      if (inst.stopping) continue;
      if (this.callPacketIn(inst, e) === 'handled') return;
    }
  }

  private callPacketIn(inst: Instance, e: PacketInEvent): unknown {
    try {
      const r = inst.app.onPacketIn!(e);
      if (isThenable(r)) {
        r.then(undefined, (err: unknown) => this.failed(inst, 'packetIn', e.dpid, err));
        return undefined;
      }
      return r;
    } catch (err) {
      this.failed(inst, 'packetIn', e.dpid, err);
      return undefined;
    }
  }

  private dispatch<E>(handler: Handler, e: E, dpid: bigint | undefined): void {
    for (const inst of this.running) {
      if (!inst.stopping && inst.app[handler]) this.call(inst, handler, e, dpid);
    }
  }

  private call<E>(inst: Instance, handler: Handler, e: E, dpid: bigint | undefined): void {
    try {
      const r = (inst.app[handler] as (ev: E) => unknown).call(inst.app, e);
      if (isThenable(r)) r.then(undefined, (err: unknown) => this.failed(inst, eventName(handler), dpid, err));
    } catch (err) {
      this.failed(inst, eventName(handler), dpid, err);
    }
  }

  /** Logs a failure with app, dpid and event; stops the app after `maxFailures` within the window. */
  private failed(inst: Instance, event: string, dpid: bigint | undefined, err: unknown): void {
    if (inst.stopping) return;
    const e = err instanceof Error ? err : new Error(String(err));
    const now = this.now();
    const windowStart = now - this.config.failureWindowMs;
    inst.failures = inst.failures.filter((t) => t > windowStart);
    inst.failures.push(now);
    this.metrics.counter('app_failures_total', 'Handler failures of all apps').inc();
    this.log.error({ app: inst.entry.name, dpid: dpid === undefined ? undefined : dpidToHex(dpid), event, err: e.message, stack: e.stack }, 'app handler threw');
    if (inst.failures.length >= this.config.maxFailures) {
      void this.teardown(inst, `${inst.failures.length} failures within ${this.config.failureWindowMs} ms; last in ${event}: ${e.message}`);
    }
  }
}

function eventName(handler: Handler): string {
  return handler.slice(2, 3).toLowerCase() + handler.slice(3);
}

function checkAppShape(app: unknown, source: string): asserts app is App<object> {
  const a = app as Partial<App<object>> | null;
  if (!a || typeof a !== 'object') throw new Error(`${source}: an app must be an object, got ${typeof app}`);
  if (typeof a.name !== 'string' || !/^[a-z][a-z0-9-]*$/.test(a.name)) throw new Error(`${source}: app name must be kebab-case, got ${JSON.stringify(a.name)}`);
  if (typeof a.start !== 'function') throw new Error(`${source}: app "${a.name}" has no start(ctx) function`);
  if (typeof a.description !== 'string') throw new Error(`${source}: app "${a.name}" has no description`);
  if (a.packetInPriority !== undefined && !Number.isFinite(a.packetInPriority)) throw new Error(`${source}: app "${a.name}" packetInPriority must be a number`);
}
