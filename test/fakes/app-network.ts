/**
 * The base of the app logic tests' networks: a fake network whose switches get an app's switch
 * flows (in its cookie) when they join, hosts named by number, and the hand-made frames the
 * tests send. Each test's subclass adds the app's shell (how packet-ins reach its logic).
 */
import type { FlowRule } from '../../src/core/services.js';
import { FakeNetwork, type FakeHost } from './fake-network.js';
import type { FakeFlowTable } from './fake-flow-table.js';
import { mac } from './topologies.js';

/**
 * A 60-byte Ethernet frame (zeros after the header); `tag` at byte 20 makes each one differ, as
 * pings do, so duplicate suppression only sees true copies.
 */
export function testFrame(dst: string, src: string, ethertype = 0x0800, tag = 0): Buffer {
  const b = Buffer.alloc(60);
  Buffer.from(dst.replace(/:/g, ''), 'hex').copy(b, 0);
  Buffer.from(src.replace(/:/g, ''), 'hex').copy(b, 6);
  b.writeUInt16BE(ethertype, 12);
  b.writeUInt32BE(tag, 20);
  return b;
}

/** A fake network run by one app. */
export abstract class AppNetwork {
  readonly net = new FakeNetwork();

  constructor(
    /** The app's cookie, on every flow it installs. */
    readonly cookie: bigint,
  ) {}

  /** The flows the app gives a switch when it connects. */
  protected abstract switchFlows(): readonly FlowRule[];

  get now(): number {
    return this.net.now;
  }

  set now(ms: number) {
    this.net.now = ms;
  }

  get hosts(): Map<string, FakeHost> {
    return this.net.hosts;
  }

  table(dpid: bigint): FakeFlowTable {
    return this.net.table(dpid);
  }

  /** A switch joins and gets the app's switch flows. */
  addSwitch(dpid: bigint, ports: number[]): void {
    this.net.addSwitch(dpid, ports);
    for (const f of this.switchFlows()) this.net.flowMod(dpid, { ...f, cookie: this.cookie });
  }

  link(a: bigint, ap: number, b: bigint, bp: number): void {
    this.net.link(a, ap, b, bp);
  }

  unlink(a: bigint, ap: number): void {
    this.net.unlink(a, ap);
  }

  /** Host `name` with MAC mac(n) on a port. */
  addHost(name: string, n: number, dpid: bigint, port: number): FakeHost {
    return this.net.addHost(name, { mac: mac(n) }, dpid, port);
  }
}
