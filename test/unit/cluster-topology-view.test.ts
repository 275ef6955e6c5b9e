import { describe, expect, it } from 'vitest';
import { ClusterTopologyView, decodeHost, decodeLink, encodeHost, encodeLink } from '../../src/cluster/topology-view.js';
import type { Host, LinkInfo } from '../../src/core/model.js';

const link = (src: bigint, dst: bigint, at = 1): LinkInfo => ({ src, srcPort: 2, dst, dstPort: 3, discoveredAt: at, lastSeen: at + 5 });
const host = (port: number, ipv4: string[] = ['10.0.0.1']): Host => ({
  id: 'aa:bb:cc:00:00:01',
  mac: 'aa:bb:cc:00:00:01',
  ipv4,
  ipv6: [],
  location: { dpid: 1n, port },
  firstSeen: 1,
  lastSeen: 9,
});

function recorder(v: ClusterTopologyView): string[] {
  const out: string[] = [];
  v.on('linkAdded', (e) => out.push(`+link ${e.link.src}>${e.link.dst} by ${e.instanceId}`));
  v.on('linkRemoved', (e) => out.push(`-link ${e.link.src}>${e.link.dst}`));
  v.on('hostAdded', (e) => out.push(`+host ${e.host.location.port}`));
  v.on('hostMoved', (e) => out.push(`~host ${e.previous.port}->${e.host.location.port}`));
  v.on('hostUpdated', (e) => out.push(`=host ${e.host.ipv4.join(',')}`));
  v.on('hostRemoved', () => out.push('-host'));
  return out;
}

describe('ClusterTopologyView', () => {
  it('a link is present while any instance publishes it; events only on merged changes', () => {
    const v = new ClusterTopologyView();
    const ev = recorder(v);
    v.put('a', 'link', 'k1', link(1n, 2n), 10);
    v.put('b', 'link', 'k1', link(1n, 2n), 11);
    v.put('b', 'link', 'k2', link(2n, 1n), 12);
    expect(v.links()).toHaveLength(2);
    v.remove('a', 'link', 'k1', true);
    expect(v.links()).toHaveLength(2);
    v.remove('b', 'link', 'k1', true);
    expect(v.links()).toHaveLength(1);
    expect(ev).toEqual(['+link 1>2 by a', '+link 2>1 by b', '-link 1>2']);
    expect(v.currentVersion).toBe(3);
  });

  it('a host record is the most recently published one: moves and new addresses show as such', () => {
    const v = new ClusterTopologyView();
    const ev = recorder(v);
    v.put('a', 'host', 'h', host(1), 10);
    v.put('b', 'host', 'h', host(4), 20); // seen later at another switch port by b
    v.put('b', 'host', 'h', host(4, ['10.0.0.1', '10.0.0.9']), 21);
    expect(v.host('h')?.location.port).toBe(4);
    v.remove('b', 'host', 'h', true); // b forgot it: a's older record is what is left
    expect(v.host('h')?.location.port).toBe(1);
    v.remove('a', 'host', 'h', true);
    expect(v.hosts()).toEqual([]);
    expect(ev).toEqual(['+host 1', '~host 1->4', '=host 10.0.0.1,10.0.0.9', '~host 4->1', '-host']);
  });

  it("a dead instance's entries stay for the grace period, then go (unless someone else publishes them)", () => {
    let now = 1_000;
    const v = new ClusterTopologyView(4_000, () => now);
    const ev = recorder(v);
    v.put('a', 'link', 'k1', link(1n, 2n), 10);
    v.put('a', 'link', 'k2', link(2n, 1n), 11);
    v.remove('a', 'link', 'k1', false);
    v.remove('a', 'link', 'k2', false);
    expect(v.links()).toHaveLength(2);
    now += 1_000;
    v.put('b', 'link', 'k2', link(2n, 1n), 12); // re-learned by the new master
    now += 3_001;
    v.expireOrphans();
    expect(v.links().map((l) => `${l.src}>${l.dst}`)).toEqual(['2>1']);
    expect(ev).toEqual(['+link 1>2 by a', '+link 2>1 by a', '-link 1>2']);
  });

  it("a dead instance's hosts stay until re-learned or the host idle timeout, not the link grace: traffic on installed flows shows the new master nothing", () => {
    let now = 1_000;
    const v = new ClusterTopologyView(4_000, () => now, 300_000);
    const ev = recorder(v);
    v.put('a', 'host', 'h1', host(3), 10);
    v.put('a', 'link', 'k1', link(1n, 2n), 11);
    v.remove('a', 'host', 'h1', false);
    v.remove('a', 'link', 'k1', false);
    now += 4_001;
    v.expireOrphans();
    expect(v.links()).toEqual([]);
    expect(v.host('h1')?.location.port).toBe(3);
    expect(v.orphanCount()).toEqual({ links: 0, hosts: 1 });
    now += 300_000;
    v.expireOrphans();
    expect(v.host('h1')).toBeUndefined();
    expect(ev).toEqual(['+host 3', '+link 1>2 by a', '-link 1>2', '-host']);
  });

  it('a live instance publishing an orphaned entry confirms it: the orphan goes silently, and a later removal by the live one is final', () => {
    let now = 1_000;
    const v = new ClusterTopologyView(4_000, () => now, 300_000);
    const ev = recorder(v);
    v.put('a', 'host', 'h1', host(3), 10);
    v.put('a', 'link', 'k1', link(1n, 2n), 11);
    v.remove('a', 'host', 'h1', false);
    v.remove('a', 'link', 'k1', false);
    now += 500;
    v.put('b', 'host', 'h1', host(3), 20);
    v.put('b', 'link', 'k1', link(1n, 2n), 21);
    expect(v.orphanCount()).toEqual({ links: 0, hosts: 0 });
    // The live one's own expiry (or a port down) removes them: no orphan brings them back.
    v.remove('b', 'host', 'h1', true);
    v.remove('b', 'link', 'k1', true);
    expect(v.host('h1')).toBeUndefined();
    expect(v.links()).toEqual([]);
    expect(ev).toEqual(['+host 3', '+link 1>2 by a', '-host', '-link 1>2']);
  });

  it('an instance that dies a second time while its hosts are still orphans gets the link grace again for its new orphans', () => {
    let now = 1_000;
    const v = new ClusterTopologyView(4_000, () => now, 300_000);
    v.put('a', 'host', 'h1', host(3), 10);
    v.remove('a', 'host', 'h1', false); // first death: the host stays for 300 s
    now += 10_000;
    v.put('a', 'link', 'k1', link(1n, 2n), 20); // back, then dies again
    v.remove('a', 'link', 'k1', false);
    now += 3_999;
    v.expireOrphans();
    expect(v.links()).toHaveLength(1);
    now += 1;
    v.expireOrphans();
    expect(v.links()).toEqual([]);
    expect(v.host('h1')).toBeDefined();
  });

  it('a change of the switches or their live ports is a change of the view: a new version, announced, and a snapshot under it', () => {
    const v = new ClusterTopologyView();
    const versions: number[] = [];
    v.on('topologyChanged', (e) => versions.push(e.version));
    v.put('a', 'link', 'k1', link(1n, 2n), 10);
    const one = [{ dpid: 1n, ports: [2] }];
    const two = [...one, { dpid: 2n, ports: [3] }];
    const before = v.snapshot(one);
    expect(before.version).toBe(1);
    expect(before.links).toEqual([]); // its other end is not connected yet
    // Switch 2 connects: a client holding the snapshot above learns from the version that it is old.
    v.switchesChanged();
    expect(v.currentVersion).toBe(2);
    expect(versions).toEqual([1, 2]);
    const after = v.snapshot(two);
    expect(after.version).toBe(2);
    expect([...after.switches.keys()]).toEqual([1n, 2n]);
    expect(after.links).toHaveLength(1);
    expect(v.readService(() => two).currentVersion).toBe(2);
  });

  it('encodes links and hosts without the fields that change on every packet', () => {
    expect(encodeLink(link(1n, 2n, 5))).toBe(encodeLink({ ...link(1n, 2n, 5), lastSeen: 99 }));
    expect(decodeLink(encodeLink(link(0xffff_ffff_ffff_ffffn, 2n, 5)))).toEqual({ ...link(0xffff_ffff_ffff_ffffn, 2n, 5), lastSeen: 5 });
    const h = { ...host(3), vlan: 10 };
    expect(decodeHost(encodeHost(h))).toEqual({ ...h, lastSeen: h.firstSeen });
    expect(encodeHost(h)).toBe(encodeHost({ ...h, lastSeen: 1234 }));
    expect(decodeLink('{"x":1}')).toBeUndefined();
    expect(decodeHost('not json')).toBeUndefined();
  });
});
