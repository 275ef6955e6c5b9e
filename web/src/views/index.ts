/**
 * The console's views, one file each, in navigation order. A new view is a component taking
 * ViewProps plus one entry here; `#/<path>/<params...>` routes to it.
 */
import type { ComponentType } from 'preact';
import type { Session } from '../session.js';
import { AppsView } from './apps.js';
import { ClusterView } from './cluster.js';
import { EventsView } from './events.js';
import { HostsView } from './hosts.js';
import { PathsView } from './paths.js';
import { SwitchView } from './switch.js';
import { TopologyView } from './topology.js';

export interface ViewProps {
  readonly session: Session;
  /** What follows the view's path in the hash (`#/switch/0000000000000001` → ['0000000000000001']). */
  readonly params: readonly string[];
}

export interface ViewDef {
  /** First segment of the hash route. */
  readonly path: string;
  readonly title: string;
  readonly component: ComponentType<ViewProps>;
  /** Listed in the navigation bar (detail views reached by links are not). */
  readonly nav: boolean;
}

export const VIEWS: readonly ViewDef[] = [
  { path: 'topology', title: 'Topology', component: TopologyView, nav: true },
  { path: 'hosts', title: 'Hosts', component: HostsView, nav: true },
  { path: 'events', title: 'Events', component: EventsView, nav: true },
  { path: 'switch', title: 'Switch', component: SwitchView, nav: false },
  { path: 'paths', title: 'Paths', component: PathsView, nav: true },
  { path: 'apps', title: 'Apps', component: AppsView, nav: true },
  { path: 'cluster', title: 'Cluster', component: ClusterView, nav: true },
];
