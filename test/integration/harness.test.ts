/** The integration harness against real Open vSwitch and Mininet: bridges, namespaced ports, flows, a lab, and cleanup. */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupAll, createBridge, ensureOvs, listBridges, listLinks, listNetns, liveBridgeNames, parseDumpFlows, vsctl, waitFor, type Bridge } from '../harness/ovs.js';
import { startLab, type Lab } from '../harness/mininet.js';
import { freePort } from '../harness/exec.js';

/** A TCP port nothing listens on (bound, then released). */
describe('parseDumpFlows', () => {
  it('reads stats, default priority, match and actions from ovs-ofctl text', () => {
    const text = [
      'OFPST_FLOW reply (OF1.3) (xid=0x2):',
      ' cookie=0x5, duration=0.005s, table=0, n_packets=7, n_bytes=686, priority=10,ip,nw_dst=10.0.0.1 actions=output:1,CONTROLLER:65535',
      ' cookie=0x0, duration=1.2s, table=3, n_packets=0, n_bytes=0, idle_timeout=30, actions=drop',
      ' cookie=0xffffffffffffffff, duration=1s, table=0, n_packets=1, n_bytes=60, send_flow_rem priority=0 actions=NORMAL',
    ].join('\n');
    const flows = parseDumpFlows(text);
    expect(flows).toHaveLength(3);
    expect(flows[0]).toMatchObject({ cookie: 5n, table: 0, priority: 10, match: 'ip,nw_dst=10.0.0.1', actions: 'output:1,CONTROLLER:65535', nPackets: 7, nBytes: 686 });
    expect(flows[1]).toMatchObject({ cookie: 0n, table: 3, priority: 32768, match: '', actions: 'drop', idleTimeout: 30 });
    expect(flows[2]).toMatchObject({ cookie: 0xffffffffffffffffn, priority: 0, match: '', actions: 'NORMAL', nPackets: 1 });
  });
});

describe('Open vSwitch harness (real OVS)', () => {
  afterAll(async () => {
    await cleanupAll();
  });

  it('starts OVS idempotently', async () => {
    await ensureOvs();
    await ensureOvs();
    const { stdout } = await vsctl(['show']);
    expect(stdout).toContain('ovs_version');
  }, 60_000);

  it('creates a userspace bridge with a namespaced port, installs and reads back a flow, and removes it all', async () => {
    await ensureOvs();
    const bridge = await createBridge({ protocols: ['OpenFlow13'], controllerPort: await freePort(), dpid: 0xa1n });
    expect(bridge.name).toMatch(/^sbx[a-z0-9]{5}$/);
    const port = await bridge.addPort({ kind: 'netns', ip: '10.77.0.1/24' });
    expect(port.ofport).toBeGreaterThan(0);

    expect(await listBridges()).toContain(bridge.name);
    expect((await vsctl(['get', 'bridge', bridge.name, 'datapath_type'])).stdout.trim()).toBe('netdev');
    expect((await vsctl(['get', 'bridge', bridge.name, 'fail_mode'])).stdout.trim()).toBe('secure');
    expect((await vsctl(['list-ports', bridge.name])).stdout.split('\n')).toContain(port.name);
    expect(await bridge.dpid()).toBe('00000000000000a1');
    expect(await listNetns()).toContain(port.netns);
    const addr = await port.exec(['ip', '-o', '-4', 'addr', 'show', 'dev', 'eth0']);
    expect(addr.stdout).toContain('10.77.0.1/24');

    await bridge.addFlow(`cookie=0x5a,table=0,priority=123,ip,nw_dst=10.77.0.9,actions=output:${port.ofport}`);
    const flows = await bridge.dumpFlows();
    const mine = flows.find((f) => f.cookie === 0x5an);
    expect(mine).toMatchObject({ table: 0, priority: 123, match: 'ip,nw_dst=10.77.0.9', actions: `output:${port.ofport}`, nPackets: 0 });

    const netns = port.netns!;
    await bridge.destroy();
    expect(await listBridges()).not.toContain(bridge.name);
    expect(await listNetns()).not.toContain(netns);
    await waitFor(async () => !(await listLinks()).includes(port.name), 3_000, 100);
  }, 60_000);

  it('forwards between two namespaces and counts packets on the flow', async () => {
    await ensureOvs();
    const bridge: Bridge = await createBridge({ protocols: ['OpenFlow10', 'OpenFlow13'] });
    const a = await bridge.addPort({ kind: 'netns', ip: '10.78.0.1/24' });
    const b = await bridge.addPort({ kind: 'netns', ip: '10.78.0.2/24' });
    await bridge.addFlow('cookie=0x7,priority=1,actions=NORMAL');
    const ping = await a.exec(['ping', '-n', '-c', '2', '-i', '0.2', '-W', '2', '10.78.0.2']);
    expect(ping.stdout).toMatch(/2 received/);
    const flow = (await bridge.dumpFlows('OpenFlow10')).find((f) => f.cookie === 7n);
    expect(flow?.nPackets).toBeGreaterThanOrEqual(4);
    await bridge.delPort(b);
    expect((await vsctl(['list-ports', bridge.name])).stdout).not.toContain(b.name);
    expect(await listNetns()).not.toContain(b.netns);
    await bridge.destroy();
  }, 60_000);

  it('a cleanup that comes while a bridge or a port is still being made waits for it: nothing is left behind', async () => {
    await ensureOvs();
    // A test that times out mid-setup has its afterAll cleanup run while the setup goes on.
    const making = createBridge({ protocols: ['OpenFlow13'] });
    const name = liveBridgeNames().at(-1)!;
    await cleanupAll();
    await making;
    expect(await listBridges()).not.toContain(name);

    const bridge = await createBridge({ protocols: ['OpenFlow13'] });
    const port = bridge.addPort({ kind: 'netns', ip: '10.79.0.1/24' });
    await bridge.destroy();
    const made = await port;
    expect(await listBridges()).not.toContain(bridge.name);
    expect(await listNetns()).not.toContain(made.netns);
    await waitFor(async () => !(await listLinks()).includes(made.name), 3_000, 100);
  }, 60_000);

  it('dials its controller and sends an OpenFlow 1.3 HELLO', async () => {
    await ensureOvs();
    const sockets: Socket[] = [];
    let gotHello!: (b: Buffer) => void;
    const hello = new Promise<Buffer>((resolve) => (gotHello = resolve));
    const srv: Server = createServer((s) => {
      sockets.push(s);
      s.once('data', (d: Buffer) => gotHello(d));
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const { port } = srv.address() as AddressInfo;
    try {
      const t0 = Date.now();
      const bridge = await createBridge({ protocols: ['OpenFlow13'], controllerPort: port });
      const first = await hello;
      expect(first[0]).toBe(0x04); // ofp_header.version = OFP13
      expect(first[1]).toBe(0); // OFPT_HELLO
      expect(Date.now() - t0).toBeLessThan(10_000);
      await bridge.destroy();
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => srv.close(() => r()));
    }
  }, 60_000);
});

describe('Mininet harness (real Mininet)', () => {
  let lab: Lab | undefined;
  afterAll(async () => {
    await lab?.stop();
  });

  it('runs linear,2 in standalone mode with an absent controller: pingall 0% loss, then stops clean', async () => {
    lab = await startLab({ kind: 'linear', n: 2 }, { controllerPort: await freePort(), failMode: 'standalone' });
    expect(lab.prefix).toMatch(/^m[a-z]{3}$/);
    const switches = await lab.switches();
    expect(switches.map((s) => [s.name, s.dpid])).toEqual([
      ['s1', '0000000000000001'],
      ['s2', '0000000000000002'],
    ]);
    expect(await listBridges()).toEqual(expect.arrayContaining([lab.bridgeName('s1'), lab.bridgeName('s2')]));
    expect((await vsctl(['get', 'bridge', lab.bridgeName('s1'), 'datapath_type'])).stdout.trim()).toBe('netdev');
    expect(await lab.hosts()).toEqual([
      { name: 'h1', ip: '10.0.0.1', mac: '00:00:00:00:00:01', switch: 's1', port: 1 },
      { name: 'h2', ip: '10.0.0.2', mac: '00:00:00:00:00:02', switch: 's2', port: 1 },
    ]);
    expect((await lab.links()).filter((l) => l.switchLink)).toEqual([{ a: 's1', portA: 2, b: 's2', portB: 2, switchLink: true }]);

    // OVS falls back to standalone forwarding once it gives up on the controller (about a second here).
    const running = lab;
    const result = await waitFor(async () => {
      const r = await running.pingAll({ timeoutSec: 1 });
      return r.loss === 0 ? r : undefined;
    }, 20_000, 250);
    expect(result).toMatchObject({ loss: 0, sent: 2, received: 2, failures: [] });
    const ping = await lab.ping('h1', 'h2', { count: 2 });
    expect(ping.received).toBe(2);
    expect(ping.rttAvg).toBeGreaterThan(0);
    const iperf = await lab.iperf('h1', 'h2', 1);
    expect(iperf.bps).toBeGreaterThan(1e6); // TCP works: checksum offload is off on the hosts

    const prefix = lab.prefix;
    const pids = lab.pids;
    await lab.stop(); // throws if a bridge, interface or node process of the lab is left
    lab = undefined;
    expect((await listBridges()).filter((b) => b.startsWith(prefix))).toEqual([]);
    expect((await listLinks()).filter((l) => l.startsWith(prefix))).toEqual([]);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  }, 60_000);

  it('takes a link down and up and moves a host to another switch (linear,3, standalone)', async () => {
    lab = await startLab('linear,3', { controllers: [], failMode: 'standalone' });
    const running = lab;
    const reach = async (src: string, dst: string) => (await running.ping(src, dst, { count: 1 })).received === 1;
    await waitFor(() => reach('h1', 'h3'), 20_000, 100);

    await lab.link('s1', 's2', 'down');
    const show = await running.cmd('s1', `ovs-ofctl -O OpenFlow13 show ${lab.bridgeName('s1')}`);
    expect(show).toMatch(/2\([a-z]+s1-eth2\)[^]*?state:\s+LINK_DOWN/);
    expect(await reach('h1', 'h3')).toBe(false);
    await lab.link('s1', 's2', 'up');
    await waitFor(() => reach('h1', 'h3'), 20_000, 100);

    const moved = await lab.moveHost('h1', 's3');
    expect(moved).toMatchObject({ from: 's1', switch: 's3', port: 3 });
    const h1 = (await lab.hosts()).find((h) => h.name === 'h1');
    expect(h1).toEqual({ name: 'h1', ip: '10.0.0.1', mac: '00:00:00:00:00:01', switch: 's3', port: 3 });
    await waitFor(() => reach('h1', 'h3'), 20_000, 100);

    await lab.stop();
    lab = undefined;
  }, 60_000);

  it('stop() reports and removes anything of the lab left behind', async () => {
    lab = await startLab({ kind: 'router' }, { controllers: [] });
    const stray = lab.bridgeName('s99');
    await vsctl(['add-br', stray, '--', 'set', 'bridge', stray, 'datapath_type=netdev']);
    const running = lab;
    lab = undefined;
    await expect(running.stop()).rejects.toThrow(`bridge ${stray}`);
    expect(await listBridges()).not.toContain(stray);
  }, 60_000);
});
