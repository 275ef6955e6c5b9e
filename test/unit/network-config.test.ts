/** The network config file, pure: parse with paths and lines, check every entry, translate to the apps' settings, and diff. */
import { describe, expect, it } from 'vitest';
import { builtinApps, type App } from '../../src/apps/index.js';
import { declaredApps, parseNetworkText, type AppSchemas } from '../../src/apps/network/schema.js';
import { diffNetwork, diffText, type NetworkState } from '../../src/apps/network/diff.js';
import { resolveAppConfig } from '../../src/apps/schema.js';

const schemas: AppSchemas = new Map(builtinApps().map((d) => {
  const a = (typeof d === 'function' ? d() : d) as App<object>;
  return [a.name, a.config] as const;
}));

const GOOD = `network:
  apps: [forwarding, acl, static-flows, router]
  settings:
    forwarding:
      idleTimeoutSec: 45
  flows:
    - name: to-port-2
      dpid: "0000000000000001"
      priority: 100
      match: [{ field: eth_type, value: 0x0800 }, { field: ipv4_dst, value: 10.0.0.2 }]
      actions: [{ type: output, port: 2 }]
  acl:
    - name: no-ssh
      action: deny
      match: { ipv4Dst: 10.0.0.3, tcpDst: 22 }
      switches: ["0000000000000003"]
    - name: guests
      action: deny
      ports: [3, 4]
      vlans: [10]
      match: { ethType: 0x0800 }
  router:
    interfaces: [10.0.1.254/24, 10.0.2.254/24]
    routes:
      - { destination: 10.0.3.0/24, gateway: 10.0.1.1 }
`;

/** The state of the built-in apps under a declaration, as the manager would resolve it. */
function stateOf(text: string | undefined, enabled: readonly string[]): NetworkState {
  const d = text === undefined ? { settings: {} } : declaredApps(parseNetworkText(text, schemas).network!);
  const configs = new Map<string, object>();
  for (const [name, schema] of schemas) configs.set(name, resolveAppConfig(name, schema, d.settings[name]));
  return { enabled: d.enabled ?? enabled, configs, apiAclRules: [], apiStaticFlows: [] };
}

describe('network config: parse and check', () => {
  it('reads a network: section and translates it into the apps\' settings', () => {
    const p = parseNetworkText(GOOD, schemas);
    expect(p.issues).toEqual([]);
    const d = declaredApps(p.network!, 'network config net.yaml');
    expect(d.enabled).toEqual(['forwarding', 'acl', 'static-flows', 'router']);
    expect(d.settings.forwarding).toEqual({ idleTimeoutSec: 45 });
    expect((d.settings['static-flows'] as { flows: unknown[] }).flows).toHaveLength(1);
    // One rule per port listed; the VLAN (one) goes into the match.
    expect(d.settings.acl!.rules).toEqual([
      { id: 'no-ssh', action: 'deny', match: { ipv4Dst: '10.0.0.3', tcpDst: 22 }, switches: ['0000000000000003'] },
      { id: 'guests.p3', action: 'deny', match: { ethType: 0x0800, inPort: 3, vlanVid: 10 } },
      { id: 'guests.p4', action: 'deny', match: { ethType: 0x0800, inPort: 4, vlanVid: 10 } },
    ]);
    expect(d.settings.router).toEqual({ interfaces: ['10.0.1.254/24', '10.0.2.254/24'], routes: ['10.0.3.0/24 via 10.0.1.1'] });
  });

  it('accepts a whole file as the network config (no network: key), and JSON', () => {
    expect(parseNetworkText('acl: []\n').issues).toEqual([]);
    expect(parseNetworkText(JSON.stringify({ flows: [{ name: 'a', dpid: '1', match: [], actions: [] }] })).issues).toEqual([]);
  });

  it('reports every error with its path and line, and nothing is taken', () => {
    const bad = `network:
  apps: [forwarding, nosuchapp]
  flows:
    - name: a
      dpid: "1"
      match: [{ field: nosuchfield, value: 1 }]
    - name: b
      dpid: zz
  acl:
    - action: drop
    - action: deny
      match: { ipv4Dst: 10.0.0.999 }
  router:
    interfaces: [10.0.1.254/24]
    routes:
      - { destination: 10.0.9.0/24, gateway: 192.168.0.1 }
  colour: blue
`;
    const p = parseNetworkText(bad, schemas);
    expect(p.network).toBeUndefined();
    const byPath = Object.fromEntries(p.issues.map((i) => [i.path, i]));
    // Schema errors come first (the entries' meaning is checked once the shapes are right).
    expect(byPath['network.colour']).toMatchObject({ line: 17 });
    expect(byPath['network.acl[0].action']).toMatchObject({ line: 10 });
    expect(byPath['network.acl[0].action']!.message).toContain('allow, deny');
    const fixed = bad.replace('action: drop', 'action: allow').replace('  colour: blue\n', '');
    const q = parseNetworkText(fixed, schemas);
    const paths = q.issues.map((i) => `${i.line}:${i.path}`);
    expect(paths).toContain('6:network.flows[0].match');
    expect(paths).toContain('8:network.flows[1].dpid');
    expect(paths).toContain('12:network.acl[1].match.ipv4Dst');
    expect(paths).toContain('16:network.router.routes[0].gateway');
    // Names and settings are checked against the apps once the entries are right.
    const r = parseNetworkText(`apps: [forwarding, nosuchapp]\nsettings:\n  forwarding:\n    idleTimeoutSec: -1\n`, schemas);
    expect(r.issues.map((i) => `${i.line}:${i.path}`)).toEqual(['1:apps[1]', '4:settings.forwarding.idleTimeoutSec']);
  });

  it('refuses ACL names that look like the API\'s ids, and a key declared twice', () => {
    expect(parseNetworkText('acl:\n  - { name: r3, action: deny }\n').issues[0]).toMatchObject({ path: 'acl[0].name', line: 2 });
    expect(parseNetworkText('acl: []\nsettings:\n  acl:\n    rules: []\n').issues[0]).toMatchObject({ path: 'settings.acl.rules', line: 4 });
  });

  it('says where YAML is broken', () => {
    const p = parseNetworkText('acl:\n  - action: deny\n   match: {\n');
    expect(p.network).toBeUndefined();
    expect(p.issues[0]!.line).toBeGreaterThanOrEqual(2);
    expect(p.issues[0]!.message).toMatch(/not valid YAML/);
  });
});

describe('network config: diff', () => {
  const SW = ['0000000000000001', '0000000000000002', '0000000000000003'];

  it('an unchanged file changes nothing', () => {
    const s = stateOf(GOOD, []);
    const d = diffNetwork(s, s, SW);
    expect(d.changed).toBe(false);
    expect(diffText(d)).toBe('no changes\n');
  });

  it('an ACL added for one switch touches that switch only', () => {
    const before = stateOf(GOOD, []);
    const after = stateOf(GOOD.replace('  router:', '    - name: web\n      action: deny\n      match: { tcpDst: 80 }\n      switches: ["0000000000000002"]\n  router:'), []);
    const d = diffNetwork(before, after, SW);
    expect(d.aclRules).toEqual({ added: ['web'], removed: [], changed: [] });
    expect(d.switches.map((s) => s.dpid)).toEqual(['0000000000000002']);
    expect(d.switches[0]!.added).toEqual([{ owner: 'acl', flow: 'table=0 priority=39998 eth_type=0x0800,ip_proto=6,tcp_dst=80 actions=drop' }]);
    expect(diffText(d)).toContain('+ acl rule web');
  });

  it('from nothing: apps started, flows per switch, routes and gateways', () => {
    const d = diffNetwork(stateOf(undefined, ['forwarding', 'proxy-arp']), stateOf(GOOD, []), SW);
    expect(d.apps).toEqual({ start: ['acl', 'router', 'static-flows'], stop: ['proxy-arp'] });
    expect(d.staticFlows.added).toEqual(['to-port-2']);
    expect(d.routes.added).toEqual(['10.0.3.0/24 via 10.0.1.1']);
    expect(d.interfaces.added).toEqual(['10.0.1.254/24', '10.0.2.254/24']);
    const s1 = d.switches.find((s) => s.dpid === '0000000000000001')!;
    expect(s1.added.map((l) => l.owner).sort()).toEqual(['acl', 'acl', 'static-flows']);
    expect(d.settings.find((s) => s.app === 'forwarding')?.keys).toEqual(['idleTimeoutSec']);
  });

  it('a static flow whose actions change is one modified flow', () => {
    const before = stateOf(GOOD, []);
    const after = stateOf(GOOD.replace('port: 2', 'port: 3'), []);
    const d = diffNetwork(before, after, SW);
    expect(d.staticFlows.changed).toEqual(['to-port-2']);
    expect(d.switches).toEqual([{ dpid: '0000000000000001', added: [], removed: [], modified: [{ owner: 'static-flows', flow: expect.stringContaining('actions=output:3') }] }]);
  });
});

describe('network config: the documented example', () => {
  it('docs/config-as-code.md\'s YAML blocks check against the built-in apps', async () => {
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(new URL('../../docs/config-as-code.md', import.meta.url), 'utf8');
    const blocks = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThan(0);
    for (const b of blocks) expect(parseNetworkText(b, schemas, { nested: true }).issues).toEqual([]);
  });
});
