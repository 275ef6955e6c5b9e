"""Lab topologies for Signalbox as Mininet Topo classes, with fixed names, addresses, MACs and datapath ids.

Every topology names switches s1..sN (dpid = N) and hosts h1..hM (IP 10.0.0.M/8 and MAC
00:00:00:00:00:MM unless a topology says otherwise), so tests can rely on the same numbers
on every run. Host-to-switch links are added before switch-to-switch links, so a host's
switch port is the lowest on that switch where possible.

Run with Debian's interpreter (/usr/bin/python3): the mininet package belongs to it.
"""

import random

from mininet.topo import Topo
from mininet.util import ipAdd, macColonHex


def dpid_of(n):
    """16 hex digits for switch number n (Mininet wants the dpid as hex text)."""
    return '%016x' % n


class LabTopo(Topo):
    """Base class: numbered switches and hosts with deterministic dpid, IP and MAC."""

    def sw(self, n, **opts):
        return self.addSwitch('s%d' % n, dpid=dpid_of(n), **opts)

    def host(self, n, ip=None, mac=None, **opts):
        ip = ip or '%s/8' % ipAdd(n, prefixLen=8, ipBaseNum=0x0a000000)
        mac = mac or macColonHex(n)
        return self.addHost('h%d' % n, ip=ip, mac=mac, **opts)


class LinearTopo(LabTopo):
    """n switches in a chain s1-s2-...-sn, one host h_i on each switch s_i (port 1)."""

    def build(self, n=2, hosts_per_switch=1):
        n = int(n)
        k = int(hosts_per_switch)
        for i in range(1, n + 1):
            self.sw(i)
        for i in range(1, n + 1):
            for j in range(k):
                h = self.host((i - 1) * k + j + 1)
                self.addLink(h, 's%d' % i)
        for i in range(1, n):
            self.addLink('s%d' % i, 's%d' % (i + 1))


class TreeTopo(LabTopo):
    """A tree of the given depth and fanout; s1 is the root, hosts hang off the leaves in order."""

    def build(self, depth=2, fanout=2):
        self.depth = int(depth)
        self.fanout = int(fanout)
        self._sw = 0
        self._h = 0
        self._edges = []
        self._add(self.depth)
        for a, b in self._edges:
            self.addLink(a, b)

    def _add(self, depth):
        """Creates the subtree, returns its root; host links first so host ports come first."""
        if depth == 0:
            self._h += 1
            return self.host(self._h)
        self._sw += 1
        node = self.sw(self._sw)
        children = [self._add(depth - 1) for _ in range(self.fanout)]
        for c in children:
            if c.startswith('h'):
                self.addLink(c, node)
            else:
                self._edges.append((node, c))
        return node


class RingTopo(LabTopo):
    """n switches in a ring (s_n links back to s1), one host per switch. Has a loop: needs a controller that handles it."""

    def build(self, n=3):
        n = int(n)
        if n < 3:
            raise ValueError('ring needs n >= 3')
        for i in range(1, n + 1):
            self.sw(i)
            self.addLink(self.host(i), 's%d' % i)
        for i in range(1, n + 1):
            self.addLink('s%d' % i, 's%d' % (i % n + 1))


class FatTreeTopo(LabTopo):
    """A k-ary fat tree: (k/2)^2 core, k pods of k/2 aggregation and k/2 edge switches, k/2 hosts per edge.

    Numbering: core switches first (s1..), then per pod the aggregation then edge switches.
    """

    def build(self, k=4):
        k = int(k)
        if k < 2 or k % 2:
            raise ValueError('fat tree needs an even k >= 2')
        half = k // 2
        n = 0
        cores = []
        for _ in range(half * half):
            n += 1
            cores.append(self.sw(n))
        pods = []
        for _ in range(k):
            aggs = []
            edges = []
            for _ in range(half):
                n += 1
                aggs.append(self.sw(n))
            for _ in range(half):
                n += 1
                edges.append(self.sw(n))
            pods.append((aggs, edges))
        h = 0
        for _aggs, edges in pods:
            for e in edges:
                for _ in range(half):
                    h += 1
                    self.addLink(self.host(h), e)
        for aggs, edges in pods:
            for e in edges:
                for a in aggs:
                    self.addLink(e, a)
        for aggs, _edges in pods:
            for i, a in enumerate(aggs):
                for j in range(half):
                    self.addLink(a, cores[i * half + j])


class LeafSpineTopo(LabTopo):
    """Spines s1..sS, leaves s(S+1)..s(S+L); every leaf links to every spine; hosts per leaf."""

    def build(self, spines=2, leaves=2, hosts_per_leaf=2):
        spines, leaves, hpl = int(spines), int(leaves), int(hosts_per_leaf)
        spine_names = [self.sw(i) for i in range(1, spines + 1)]
        leaf_names = [self.sw(spines + i) for i in range(1, leaves + 1)]
        h = 0
        for leaf in leaf_names:
            for _ in range(hpl):
                h += 1
                self.addLink(self.host(h), leaf)
        for leaf in leaf_names:
            for spine in spine_names:
                self.addLink(leaf, spine)


class MeshTopo(LabTopo):
    """A connected random mesh: a random spanning tree over n switches plus `extra` random links, from `seed`."""

    def build(self, n=5, extra=3, seed=1, hosts_per_switch=1):
        n, extra, k = int(n), int(extra), int(hosts_per_switch)
        rng = random.Random(int(seed))
        for i in range(1, n + 1):
            self.sw(i)
        h = 0
        for i in range(1, n + 1):
            for _ in range(k):
                h += 1
                self.addLink(self.host(h), 's%d' % i)
        order = list(range(1, n + 1))
        rng.shuffle(order)
        edges = set()
        for idx in range(1, n):
            a = order[idx]
            b = order[rng.randrange(idx)]
            edges.add((min(a, b), max(a, b)))
        candidates = [(a, b) for a in range(1, n + 1) for b in range(a + 1, n + 1) if (a, b) not in edges]
        rng.shuffle(candidates)
        for e in candidates[:extra]:
            edges.add(e)
        for a, b in sorted(edges):
            self.addLink('s%d' % a, 's%d' % b)


class RouterTopo(LabTopo):
    """Two subnets for a routing app: h1, h2 in 10.0.1.0/24 and h3, h4 in 10.0.2.0/24.

    Hosts route through x.x.x.254, an address the controller's router answers for (no Linux router here).
    With switches=1 all four hosts sit on s1 (ports 1-4); with switches=2 subnet 1 is on s1,
    subnet 2 on s2, and s1 port 3 links to s2 port 3.
    """

    def build(self, switches=1):
        switches = int(switches)
        if switches not in (1, 2):
            raise ValueError('router lab has 1 or 2 switches')
        self.sw(1)
        if switches == 2:
            self.sw(2)
        for n in (1, 2, 3, 4):
            subnet = 1 if n <= 2 else 2
            last = n if subnet == 1 else n - 2
            h = self.host(n, ip='10.0.%d.%d/24' % (subnet, last),
                          defaultRoute='via 10.0.%d.254' % subnet)
            self.addLink(h, 's1' if (switches == 1 or subnet == 1) else 's2')
        if switches == 2:
            self.addLink('s1', 's2')


TOPOS = {
    'linear': LinearTopo,
    'tree': TreeTopo,
    'ring': RingTopo,
    'fattree': FatTreeTopo,
    'leafspine': LeafSpineTopo,
    'mesh': MeshTopo,
    'router': RouterTopo,
}

# Positional argument names per topology, for the `name,arg1,arg2` form.
POSITIONAL = {
    'linear': ['n', 'hosts_per_switch'],
    'tree': ['depth', 'fanout'],
    'ring': ['n'],
    'fattree': ['k'],
    'leafspine': ['spines', 'leaves', 'hosts_per_leaf'],
    'mesh': ['n', 'extra', 'seed', 'hosts_per_switch'],
    'router': ['switches'],
}


def parse_topo(spec):
    """Builds a topology from Mininet-style text: `linear,3`, `tree,depth=2,fanout=3`, `mesh,6,4,seed=7`."""
    parts = [p.strip() for p in spec.split(',') if p.strip()]
    if not parts or parts[0] not in TOPOS:
        raise ValueError('unknown topology %r; known: %s' % (spec, ', '.join(sorted(TOPOS))))
    name = parts[0]
    kwargs = {}
    names = POSITIONAL[name]
    pos = 0
    for p in parts[1:]:
        if '=' in p:
            k, v = p.split('=', 1)
            k = k.strip().replace('-', '_')
            if k not in names:
                raise ValueError('%s has no parameter %r (has %s)' % (name, k, ', '.join(names)))
            kwargs[k] = int(v)
        else:
            if pos >= len(names):
                raise ValueError('too many arguments for %s' % name)
            kwargs[names[pos]] = int(p)
            pos += 1
    return TOPOS[name](**kwargs)


class PrefixedTopo(Topo):
    """A copy of another topology with every node name prefixed, so concurrent labs never share
    an OVS bridge or interface name. Ports, dpids, addresses and link options are kept."""

    def build(self, inner=None, prefix=''):
        for n in inner.nodes():
            info = dict(inner.nodeInfo(n))
            if inner.isSwitch(n):
                info.pop('isSwitch', None)
                self.addSwitch(prefix + n, **info)
            else:
                self.addHost(prefix + n, **info)
        for a, b, info in inner.links(sort=False, withInfo=True):
            opts = dict(info)
            n1, n2 = opts.pop('node1'), opts.pop('node2')
            p1, p2 = opts.pop('port1'), opts.pop('port2')
            self.addLink(prefix + n1, prefix + n2, port1=p1, port2=p2, **opts)
