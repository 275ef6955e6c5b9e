#!/usr/bin/python3
"""Mininet lab driver: builds a topology on userspace Open vSwitch and answers JSON commands on stdin/stdout.

Protocol: after the network is up the driver prints one line
  {"event": "ready", "prefix": ..., "pids": [...], "connected": ..., "hosts": N, "switches": N}
then reads one JSON object per line from stdin ({"id": 1, "cmd": "ping", "src": "h1", "dst": "h2"})
and prints exactly one JSON line per command: {"id": 1, "ok": true, "result": {...}} or
{"id": 1, "ok": false, "error": "..."}. Names in commands and answers are the topology's own
(h1, s1); the OVS bridges and interfaces carry the lab prefix (e.g. bridge "mabcs1") so labs can
run side by side. Mininet's log goes to stderr; stdout carries nothing but protocol lines.

The network is stopped with net.stop() on "stop", on stdin EOF, on SIGTERM/SIGINT/SIGHUP and on
any error, so no bridge, interface, namespace or process of the lab is left behind.

Run with Debian's interpreter: /usr/bin/python3 mininet/driver.py --topo linear,2 --controller tcp:127.0.0.1:6653
"""

import argparse
import json
import os
import random
import re
import shlex
import signal
import string
import subprocess
import sys
import time
import traceback

# No __pycache__ beside the sources: the checkout stays clean.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# stdout is the protocol channel: keep a private handle on it, then point fd 1 at stderr so that
# anything else printing (Mininet, child processes) cannot corrupt the protocol.
_PROTO = os.fdopen(os.dup(1), 'w', buffering=1)
os.dup2(2, 1)
sys.stdout = sys.stderr

from mininet.log import setLogLevel, info, error  # noqa: E402
from mininet.net import Mininet  # noqa: E402
from mininet.node import OVSSwitch, RemoteController  # noqa: E402
from mininet.link import Link  # noqa: E402

from topologies import parse_topo, PrefixedTopo  # noqa: E402

IFNAMSIZ = 15


class QuietRemoteController(RemoteController):
    """A remote controller Mininet does not probe: its telnet check would show up as a junk
    connection in the controller under test."""

    def checkListening(self):
        return

    def stop(self):
        # RemoteController.stop does nothing, which leaks the node's shell; end it by its PID.
        self.terminate()


class LabSwitch(OVSSwitch):
    """OVSSwitch on the userspace datapath with the lab's settings (a class, not a partial, so
    Mininet still uses OVS batch startup and shutdown)."""

    settings = {}

    def __init__(self, name, **params):
        opts = dict(self.settings)
        opts.update(params)
        OVSSwitch.__init__(self, name, **opts)


class Stop(Exception):
    """Raised by the signal handlers to unwind into the network's cleanup."""


def send(obj):
    _PROTO.write(json.dumps(obj, separators=(',', ':')) + '\n')
    _PROTO.flush()


def parse_controller(text):
    """`tcp:127.0.0.1:6653`, `127.0.0.1:6653` or `6653` -> (protocol, ip, port)."""
    parts = text.split(':')
    if len(parts) == 1:
        return 'tcp', '127.0.0.1', int(parts[0])
    if len(parts) == 2:
        return 'tcp', parts[0], int(parts[1])
    if len(parts) == 3 and parts[0] in ('tcp', 'ssl'):
        return parts[0], parts[1], int(parts[2])
    raise ValueError('bad controller address %r (want tcp:IP:PORT)' % text)


PING_RE = re.compile(r'(\d+) packets transmitted, (\d+) (?:packets )?received')
RTT_RE = re.compile(r'(?:rtt|round-trip) min/avg/max/(?:mdev|stddev) = ([\d.]+)/([\d.]+)/([\d.]+)/([\d.]+)')
REPLY_RE = re.compile(r'icmp_seq=(\d+) .*?time=([\d.]+) ms')


# `ping -D` reply lines: [epoch seconds] ... icmp_seq=N ...
PROBE_RE = re.compile(r'^\[(\d+\.\d+)\] \d+ bytes from [^\n]*?icmp_seq=(\d+)', re.M)


def parse_ping(out):
    m = PING_RE.search(out)
    if not m:
        raise RuntimeError('could not parse ping output: %s' % out.strip()[-300:])
    sent, received = int(m.group(1)), int(m.group(2))
    rtt = RTT_RE.search(out)
    # Each reply's RTT by sequence number (1-based); None for a request not answered.
    rtts = [None] * sent
    for seq, ms in REPLY_RE.findall(out):
        i = int(seq) - 1
        if 0 <= i < sent and rtts[i] is None:
            rtts[i] = float(ms)
    return {
        'transmitted': sent,
        'received': received,
        'loss': 100.0 * (sent - received) / sent if sent else 100.0,
        'rttMin': float(rtt.group(1)) if rtt else None,
        'rttAvg': float(rtt.group(2)) if rtt else None,
        'rttMax': float(rtt.group(3)) if rtt else None,
        'rtts': rtts,
    }


class Lab(object):
    """A running network and the command handlers; names in and out are unprefixed."""

    def __init__(self, net, prefix):
        self.net = net
        self.prefix = prefix

    # -- naming ---------------------------------------------------------------------------------

    def node(self, name):
        full = self.prefix + str(name)
        if full not in self.net.nameToNode:
            raise ValueError('no node %r' % name)
        return self.net.nameToNode[full]

    def host(self, name):
        n = self.node(name)
        if n not in self.net.hosts:
            raise ValueError('%r is not a host' % name)
        return n

    def switch(self, name):
        n = self.node(name)
        if n not in self.net.switches:
            raise ValueError('%r is not a switch' % name)
        return n

    def short(self, node):
        return node.name[len(self.prefix):]

    def ip_of(self, target):
        """A host name or an IP address."""
        if re.match(r'^\d+\.\d+\.\d+\.\d+$', str(target)):
            return str(target)
        return self.host(target).IP()

    # -- helpers --------------------------------------------------------------------------------

    @staticmethod
    def disable_offload(host, intf):
        # The userspace datapath reads veths with packet sockets and does not complete checksums
        # the sending kernel left to the NIC: without this TCP through OVS fails (ping still works).
        host.cmd('ethtool -K %s tx off >/dev/null 2>&1' % intf)

    def attachment(self, host):
        """(switch node, port number) the host's first interface links to, or (None, None)."""
        intf = host.defaultIntf()
        if intf is None or intf.link is None:
            return None, None
        other = intf.link.intf2 if intf.link.intf1 is intf else intf.link.intf1
        return other.node, other.node.ports[other]

    # -- commands -------------------------------------------------------------------------------

    def cmd_ping(self, c):
        src = self.host(c['src'])
        dst = self.ip_of(c['dst'])
        count = int(c.get('count', 3))
        timeout = float(c.get('timeout', 1))
        interval = float(c.get('interval', 0.2))
        out = src.cmd('ping -n -c %d -i %s -W %s %s' % (count, interval, max(1, int(round(timeout))), dst))
        res = parse_ping(out)
        res.update(src=c['src'], dst=c['dst'])
        return res

    def cmd_pingall(self, c):
        timeout = max(1, int(round(float(c.get('timeout', 1)))))
        count = int(c.get('count', 1))
        hosts = self.net.hosts
        sent = received = 0
        failures = []
        for src in hosts:
            procs = []
            for dst in hosts:
                if dst is src:
                    continue
                p = src.popen(['ping', '-n', '-c', str(count), '-i', '0.2', '-W', str(timeout), dst.IP()])
                procs.append((dst, p))
            for dst, p in procs:
                out, _err = p.communicate()
                res = parse_ping(out.decode('utf-8', 'replace'))
                sent += res['transmitted']
                received += res['received']
                if res['received'] < res['transmitted']:
                    failures.append([self.short(src), self.short(dst)])
        loss = 100.0 * (sent - received) / sent if sent else 0.0
        return {'loss': loss, 'sent': sent, 'received': received, 'failures': failures}

    def cmd_link(self, c):
        state = c.get('state', c.get('status'))
        if state not in ('up', 'down'):
            raise ValueError('link state must be "up" or "down"')
        a, b = self.node(c['a']), self.node(c['b'])
        conns = a.connectionsTo(b)
        if not conns:
            raise ValueError('%s and %s are not linked' % (c['a'], c['b']))
        for ia, ib in conns:
            for intf in (ia, ib):
                out = intf.ifconfig(state)
                if out.strip():
                    raise RuntimeError('ifconfig %s %s: %s' % (intf.name, state, out.strip()))
        return {'a': c['a'], 'b': c['b'], 'state': state, 'links': len(conns)}

    def cmd_iperf(self, c):
        src, dst = self.host(c['src']), self.host(c['dst'])
        seconds = max(1, int(c.get('seconds', 2)))
        port = int(c.get('port', 5001))
        server = dst.popen(['iperf', '-s', '-p', str(port)])
        try:
            out = ''
            for _ in range(20):  # the server needs a moment to listen
                time.sleep(0.2)
                out = src.cmd('timeout %d iperf -c %s -p %d -t %d -y C 2>&1' % (seconds + 15, dst.IP(), port, seconds))
                if 'refused' not in out:
                    break
            rows = [l.split(',') for l in out.strip().splitlines() if l.count(',') >= 8]
            if not rows:
                raise RuntimeError('iperf gave no result: %s' % out.strip()[-300:])
            row = rows[-1]
            return {'src': c['src'], 'dst': c['dst'], 'seconds': seconds,
                    'bytes': int(row[7]), 'bps': float(row[8])}
        finally:
            server.terminate()
            server.wait()

    def cmd_cmd(self, c):
        node = self.node(c['host'])
        command = c['command']
        if c.get('timeout'):
            command = 'timeout %d sh -c %s' % (int(c['timeout']), shlex.quote(command))
        # Mininet's shells run on a pty, which turns every newline into CRLF.
        return {'output': node.cmd(command).replace('\r\n', '\n')}

    def cmd_reroute_probe(self, c):
        """A fast ping from src to dst (`ping -D`, every reply timestamped) that cuts the link a-b
        `before` seconds in and keeps going `after` seconds; the analysis is the caller's (pure,
        in src/lab/scenarios.ts). Times are wall-clock seconds, the clock ping -D prints."""
        src = self.host(c['src'])
        dst = self.ip_of(c['dst'])
        interval = float(c.get('interval', 0.002))
        before, after = float(c.get('before', 0.5)), float(c.get('after', 1.5))
        count = int(round((before + after) / interval))
        proc = src.popen(['ping', '-D', '-n', '-c', str(count), '-i', str(interval), '-W', '1', dst])
        a, b = self.node(c['a']), self.node(c['b'])
        conns = a.connectionsTo(b)
        if not conns:
            raise ValueError('%s and %s are not linked' % (c['a'], c['b']))
        # One `ip -batch` in the root namespace (where OVS switch ports live) takes both ends down
        # within a few ms; Mininet's ifconfig goes through each node's shell (tens of ms apiece).
        batch = ''.join('link set dev %s down\n' % i.name for pair in conns for i in pair)
        time.sleep(before)
        cut_at = time.time()
        done = subprocess.run(['ip', '-batch', '-'], input=batch.encode(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        cut_done = time.time()
        if done.returncode != 0:
            proc.kill()
            proc.wait()
            raise RuntimeError('ip link set down: %s' % done.stdout.decode('utf-8', 'replace').strip())
        out, _err = proc.communicate()
        out = out.decode('utf-8', 'replace')
        res = parse_ping(out)
        replies = [[int(seq), float(ts)] for ts, seq in PROBE_RE.findall(out)]
        return {'transmitted': res['transmitted'], 'received': res['received'], 'intervalMs': interval * 1000,
                'cutAt': cut_at, 'cutDone': cut_done, 'replies': replies}

    def cmd_hosts(self, _c):
        res = []
        for h in self.net.hosts:
            sw, port = self.attachment(h)
            res.append({'name': self.short(h), 'ip': h.IP(), 'mac': h.MAC(),
                        'switch': self.short(sw) if sw else None, 'port': port})
        return {'hosts': res}

    def cmd_switches(self, _c):
        return {'switches': [{'name': self.short(s), 'bridge': s.name, 'dpid': s.dpid,
                              'ports': sorted(p for p in s.ports.values() if p > 0)}
                             for s in self.net.switches]}

    def cmd_links(self, _c):
        res = []
        for l in self.net.links:
            i1, i2 = l.intf1, l.intf2
            res.append({'a': self.short(i1.node), 'portA': i1.node.ports[i1],
                        'b': self.short(i2.node), 'portB': i2.node.ports[i2],
                        'switchLink': i1.node in self.net.switches and i2.node in self.net.switches})
        return {'links': res}

    def cmd_move_host(self, c):
        host = self.host(c['host'])
        new_sw = self.switch(c['switch'])
        ip, mac = host.IP(), host.MAC()
        prefix_len = host.defaultIntf().prefixLen
        old_sw, _old_port = self.attachment(host)
        for l in list(self.net.links):
            if host in (l.intf1.node, l.intf2.node):
                sw_intf = l.intf2 if l.intf1.node is host else l.intf1
                sw_intf.node.cmd('ovs-vsctl --if-exists del-port %s %s' % (sw_intf.node.name, sw_intf.name))
                self.net.delLink(l)
        port = new_sw.newPort()
        link = self.net.addLink(host, new_sw, port2=port, addr1=mac)
        sw_intf = link.intf2
        out = new_sw.cmd('ovs-vsctl add-port %s %s -- set interface %s ofport_request=%d'
                         % (new_sw.name, sw_intf.name, sw_intf.name, port))
        if out.strip():
            raise RuntimeError('add-port %s: %s' % (sw_intf.name, out.strip()))
        new_sw.cmd('ip link set %s up' % sw_intf.name)
        intf = link.intf1
        host.setIP(ip, prefixLen=prefix_len, intf=intf)
        host.setMAC(mac, intf=intf)
        host.cmd('ip link set %s up' % intf.name)
        if host.params.get('defaultRoute'):
            host.setDefaultRoute(host.params['defaultRoute'])
        self.disable_offload(host, intf.name)
        return {'host': c['host'], 'from': self.short(old_sw) if old_sw else None,
                'switch': c['switch'], 'port': port}

    def cmd_wait_connected(self, c):
        return {'connected': bool(self.net.waitConnected(timeout=float(c.get('timeout', 10)), delay=0.1))}

    def dispatch(self, c):
        name = c.get('cmd')
        fn = getattr(self, 'cmd_' + str(name), None)
        if fn is None:
            raise ValueError('unknown command %r' % name)
        return fn(c)


def random_prefix():
    return 'm' + ''.join(random.choice(string.ascii_lowercase) for _ in range(3))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--topo', required=True, help='e.g. linear,3  tree,depth=2,fanout=2  leafspine,2,4,2  mesh,6,4,7  router')
    ap.add_argument('--controller', action='append', default=[],
                    help='tcp:IP:PORT (repeatable); none: no controller')
    ap.add_argument('--of10', action='store_true', help='OpenFlow 1.0 instead of 1.3')
    ap.add_argument('--protocols', default=None, help='OVS protocols list, e.g. OpenFlow10,OpenFlow13')
    ap.add_argument('--fail-mode', choices=['secure', 'standalone'], default='secure')
    ap.add_argument('--stp', action='store_true', help='OVS spanning tree (standalone mode only)')
    ap.add_argument('--prefix', default=None, help='name prefix of bridges and interfaces (default: m + 3 random letters)')
    ap.add_argument('--wait-connected', type=float, default=0, metavar='SECONDS',
                    help='wait up to SECONDS for every switch to connect before "ready"')
    ap.add_argument('--log-level', default='info')
    ap.add_argument('--cli', action='store_true',
                    help="after ready, run Mininet's interactive CLI on this terminal instead of reading JSON commands")
    args = ap.parse_args()

    setLogLevel(args.log_level)
    prefix = args.prefix if args.prefix is not None else random_prefix()
    if not re.match(r'^[a-z]*$', prefix):
        raise SystemExit('prefix must be lower-case letters (digits would change Mininet names)')
    protocols = args.protocols or ('OpenFlow10' if args.of10 else 'OpenFlow13')

    net = None

    def on_signal(signum, _frame):
        raise Stop('signal %d' % signum)

    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, on_signal)

    code = 0
    try:
        inner = parse_topo(args.topo)
        topo = PrefixedTopo(inner=inner, prefix=prefix)
        for a, b, info_ in topo.links(withInfo=True):
            for node, port in ((a, info_['port1']), (b, info_['port2'])):
                if len('%s-eth%d' % (node, port)) > IFNAMSIZ:
                    raise ValueError('interface name %s-eth%d is longer than %d characters' % (node, port, IFNAMSIZ))

        targets = [parse_controller(t) for t in args.controller if t != 'none']

        LabSwitch.settings = {'datapath': 'user', 'protocols': protocols, 'failMode': args.fail_mode,
                              'stp': args.stp, 'reconnectms': 1000}

        net = Mininet(topo=None, switch=LabSwitch, controller=None, autoSetMacs=False,
                      build=False, waitConnected=False)
        # Added through the network (not built beforehand) so that net.stop() ends their shells too.
        controllers = [net.addController('%sc%d' % (prefix, i), controller=QuietRemoteController,
                                         ip=ip, port=port, protocol=proto)
                       for i, (proto, ip, port) in enumerate(targets)]
        net.buildFromTopo(topo)
        net.start()
        lab = Lab(net, prefix)
        for h in net.hosts:
            for intf in h.intfList():
                lab.disable_offload(h, intf.name)
        if args.fail_mode == 'standalone' and controllers:
            # OVS fails open after 3 x the controller inactivity probe (at least 5 s, so 15 s); with
            # probes off it fails open at once, so a lab whose controller is absent forwards at once.
            for sw in net.switches:
                for uuid in sw.controllerUUIDs(update=True):
                    sw.vsctl('set', 'Controller', uuid, 'inactivity_probe=0')
        connected = None
        if args.wait_connected > 0 and controllers:
            connected = bool(net.waitConnected(timeout=args.wait_connected, delay=0.1))
        pids = [n.pid for n in net.hosts + net.switches + net.controllers if getattr(n, 'pid', None)]
        send({'event': 'ready', 'prefix': prefix, 'pids': pids, 'connected': connected,
              'hosts': len(net.hosts), 'switches': len(net.switches)})
        if args.cli:
            # Mininet's CLI handles Ctrl-C itself (it interrupts the running command only).
            signal.signal(signal.SIGINT, signal.default_int_handler)
            from lab_cli import run_cli
            run_cli(net, prefix)
            signal.signal(signal.SIGINT, on_signal)
            lines = []
        else:
            lines = sys.stdin
        cid = None
        for line in lines:
            line = line.strip()
            if not line:
                continue
            cid = None
            try:
                c = json.loads(line)
                cid = c.get('id')
                if c.get('cmd') == 'stop':
                    break
                send({'id': cid, 'ok': True, 'result': lab.dispatch(c)})
            except Stop:
                raise
            except Exception as e:  # one bad command must not take the lab down
                error('command failed: %s\n%s' % (e, traceback.format_exc()))
                send({'id': cid, 'ok': False, 'error': '%s: %s' % (type(e).__name__, e)})
        else:
            if not args.cli:
                info('*** stdin closed\n')
            cid = None
        stop_id = cid
    except Stop as e:
        info('*** %s: stopping\n' % e)
        stop_id = None
        code = 143
    except BaseException as e:
        error('driver failed: %s\n%s' % (e, traceback.format_exc()))
        try:
            send({'event': 'error', 'error': '%s: %s' % (type(e).__name__, e)})
        except Exception:
            pass
        stop_id = None
        code = 1
    # Signals during cleanup would leave the network half stopped: ignore them from here on.
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, signal.SIG_IGN)
    if net is not None:
        try:
            net.stop()
        except Exception as e:
            error('net.stop failed: %s\n%s' % (e, traceback.format_exc()))
            code = code or 1
    try:
        send({'id': stop_id, 'ok': True, 'result': {'stopped': True}} if stop_id is not None
             else {'event': 'stopped'})
    except Exception:
        pass
    return code


if __name__ == '__main__':
    sys.exit(main())
