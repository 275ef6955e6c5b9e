/**
 * The `signalbox` package entry (`import ... from 'signalbox'`): what an app needs. The app API
 * (App, AppContext, ConfigSchema, the manager and the services apps are given), the packet
 * library to read packet-ins and build replies, and the datapath id helpers. The OpenFlow codec
 * is `signalbox/codec`. Nothing here starts anything: importing it has no side effects.
 */
export * from './apps/index.js';
export * from './packet/index.js';
export { type Dpid, dpidToHex, parseDpid } from './core/ids.js';
