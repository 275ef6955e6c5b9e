/**
 * The whole running product: the store, the controller (OpenFlow, topology, flows, apps) and
 * the northbound API, started and stopped in the right order. `signalbox start` and the lab's
 * in-process controller use it; tests that need only the southbound use Controller directly.
 */
import type { Logger } from 'pino';
import { aclResource, routesResource, staticFlowsResource } from './api/app-resources.js';
import { startApi, type RunningApi } from './api/index.js';
import { readinessChecks } from './api/readiness.js';
import type { Config } from './config.js';
import type { TopologySource } from './topology/index.js';
import { ClusterService, clusterEnabled, datapathSwitches, EtcdStore, etcdUnreachable, loadOrCreateClusterSecret, resolveClusterConfig } from './cluster/index.js';
import { Controller } from './controller.js';
import { OWNER_COOKIE_MASK, ownerCookie } from './flows/cookie.js';
import type { BoundListener } from './openflow/server.js';
import { loadOrCreateStoredSecret, openStore, type Store } from './store/index.js';
import { systemClock, type Clock } from './core/clock.js';
import { readFileSync } from 'node:fs';
import { dpidToHex } from './core/ids.js';
import { namespaceView, NAMESPACES } from './store/index.js';
import { NetworkConfigService, type AppliedNetwork, type NetworkSource } from './apps/network/service.js';
import { NetworkConfigError, parseNetworkText } from './apps/network/schema.js';

/** A started Signalbox. */
export interface Running {
  readonly controller: Controller;
  readonly store: Store;
  readonly api: RunningApi;
  readonly openflow: readonly BoundListener[];
  /** The network config (config as code): check, diff, apply, reload (SIGHUP). */
  readonly network: NetworkConfigService;
  /** Stops the API, the controller (flows stay on the switches) and the store, in that order. */
  stop(): Promise<void>;
}

/**
 * Opens the store (a locked or corrupt store is a StoreError naming the path: nothing is reset),
 * loads the shared LLDP secret from it, starts the controller and then the API.
 */
/** Options of startSignalbox. */
export interface StartOptions {
  readonly clock?: Clock;
  /**
   * The config file `config` was read from: its `network:` section is re-read from it on reload
   * (SIGHUP, POST /api/v1/config/reload) and its errors carry lines. `networkFile` wins.
   */
  readonly configFile?: string;
}

/** Reads a network config file (a read error is a NetworkConfigError naming it). */
function readNetworkFile(file: string, nested: boolean): NetworkSource {
  try {
    return { text: readFileSync(file, 'utf8'), file, nested };
  } catch (e) {
    throw new NetworkConfigError(file, [{ path: '', message: `cannot read it: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}` }]);
  }
}

/** The network config to start with: the network file, else the config's `network` section (from its file when known, for lines). */
function startupNetwork(config: Config, read: (() => NetworkSource) | undefined, now: number): AppliedNetwork | undefined {
  if (config.network === undefined && config.networkFile === undefined) return undefined;
  if (read) {
    const src = read();
    const p = parseNetworkText(src.text, undefined, { nested: src.nested === true });
    if (!p.network) throw new NetworkConfigError(src.file, p.issues);
    return { file: src.file, network: p.network, appliedAt: now };
  }
  return { file: 'the configuration (network)', network: config.network as AppliedNetwork['network'], appliedAt: now };
}

export async function startSignalbox(config: Config, log: Logger, options: StartOptions = {}): Promise<Running> {
  const clock = options.clock ?? systemClock;
  const networkFile = config.networkFile ?? options.configFile;
  const readNetwork = networkFile !== undefined ? (): NetworkSource => readNetworkFile(networkFile, config.networkFile === undefined) : undefined;
  const cc = clusterEnabled(config.cluster) ? resolveClusterConfig(config.cluster) : undefined;
  // Standalone: LevelDB in the data directory. Cluster: shared state in etcd.
  const store: Store = cc ? EtcdStore.connect(cc.etcd.endpoints, cc.etcd.prefix, cc.etcd.requestTimeoutMs, clock) : await openStore(config.dataDir);
  let controller: Controller | undefined;
  let cluster: ClusterService | undefined;
  // What /readyz checks, kept current through start and stop.
  let storeOpen = true;
  let registered = false;
  let listeners: readonly BoundListener[] = [];
  let network: NetworkConfigService | undefined;
  try {
    const secret = cc ? await loadOrCreateClusterSecret(store as EtcdStore) : await loadOrCreateStoredSecret(store, 'lldp');
    // Apps read the merged cluster topology in cluster mode; the view exists once the cluster
    // service does, which needs the controller's bus: hence a source that looks it up late.
    let source: TopologySource | undefined;
    const appTopology: TopologySource | undefined = cc
      ? {
          fabric: () => source!.fabric(),
          floodPorts: (dpid, inPort) => source!.floodPorts(dpid, inPort),
          snapshot: () => source!.snapshot!(),
          isInfrastructurePort: (dpid, port) => source!.isInfrastructurePort(dpid, port),
        }
      : undefined;
    // The network config: the file's when one is configured (checked before anything starts), else the one applied earlier (stored).
    let devicesOf: () => readonly string[] = () => [];
    network = new NetworkConfigService({
      store: namespaceView(store, NAMESPACES.apps),
      log: log.child({ component: 'network-config' }),
      clock,
      ...(readNetwork ? { read: readNetwork } : {}),
      switches: () => devicesOf(),
    });
    const declared = await network.initial(startupNetwork(config, config.network !== undefined || config.networkFile !== undefined ? readNetwork : undefined, clock.now()));
    controller = new Controller(config, log, { secret, store, clock, declared, ...(appTopology ? { appTopology } : {}) });
    const c = controller;
    devicesOf = () => c.devices.list().map((d) => dpidToHex(d.dpid));
    if (cc) {
      cluster = new ClusterService({
        config: cc,
        bus: c.bus,
        datapaths: c.datapaths,
        log: log.child({ component: 'cluster' }),
        clock,
        topology: () => c.topology,
        hostIdleTimeoutMs: config.topology.hostIdleTimeoutMs,
        topologyCoalesceMs: config.topology.changeCoalesceMs,
        advertise: { api: config.api.listen, openflow: config.openflow.listen[0] ?? '' },
      });
      source = cluster.view.source(() => datapathSwitches(c.datapaths));
      // Before the listener opens, so every switch meets the mastership gate.
      await cluster.start();
      registered = true;
    }
    const { openflow } = await c.start();
    listeners = openflow;
    const net = network;
    await net.attach(c.apps!);
    const cl = cluster;
    let ready = false;
    const api = await startApi({
      config,
      log,
      clock,
      context: {
        bus: c.bus,
        devices: c.devices,
        admin: c.admin,
        // Cluster mode: reads show the whole network (the merged view), not only what this instance probed.
        ...(cluster ? { topology: cluster.view.readService(() => datapathSwitches(c.datapaths)) } : c.topology ? { topology: c.topology } : {}),
        ...(c.apps ? { apps: c.apps, staticFlows: staticFlowsResource(c.apps, () => net.origin()), aclRules: aclResource(c.apps, () => net.origin()), routes: routesResource(c.apps) } : {}),
        networkConfig: net,
        store,
        ready: () => ready,
        readiness: () =>
          readinessChecks({
            store: () => ({ location: store.location, open: storeOpen }),
            openflow: () => listeners,
            ...(cl ? { cluster: () => ({ registered, healthy: cl.healthy, instanceId: cl.instanceId }) } : {}),
          }),
        ...(cluster ? { cluster, instanceId: cluster.instanceId } : {}),
        flowCounters: () => c.flows?.counters,
        connectionCounters: () => c.connectionCounters,
        ownerCookie: (owner) => ({ cookie: ownerCookie(c.flows!.ownerId(owner)), mask: OWNER_COOKIE_MASK }),
        ...(c.flows ? { flows: c.flows } : {}),
      },
    });
    ready = true;
    return {
      controller: c,
      store,
      api,
      openflow,
      network: net,
      stop: async () => {
        net.stop();
        await api.close();
        registered = false;
        await cluster?.stop();
        listeners = [];
        await c.stop();
        storeOpen = false;
        await store.close();
      },
    };
  } catch (e) {
    network?.stop();
    await cluster?.stop().catch(() => undefined);
    await controller?.stop().catch(() => undefined);
    await store.close().catch(() => undefined);
    // An unreachable etcd says so in one line, not as the gRPC client's dump.
    const unreachable = cc ? etcdUnreachable(e, cc.etcd.endpoints, cc.etcd.requestTimeoutMs) : undefined;
    throw unreachable !== undefined ? new Error(unreachable, { cause: e }) : e;
  }
}
