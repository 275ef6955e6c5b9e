"""Mininet's own interactive CLI for `signalbox lab TOPO` (driver flag --cli), speaking the
topology's unprefixed names: `h1 ping h2` works although the nodes are really `<prefix>h1`."""

from mininet.cli import CLI


class LabCLI(CLI):
    """CLI that adds the lab prefix to words naming a node (except in `sh` and `py` lines)."""

    def __init__(self, net, prefix, **kwargs):
        self.lab_prefix = prefix
        CLI.__init__(self, net, **kwargs)

    def precmd(self, line):
        if not self.lab_prefix or not line.strip():
            return line
        words = line.split(' ')
        if words[0] in ('sh', 'py', 'px', 'source'):
            return line
        nodes = self.mn.nameToNode
        return ' '.join(self.lab_prefix + w if (self.lab_prefix + w) in nodes else w for w in words)


def run_cli(net, prefix):
    """Runs the CLI until `exit` or end of input."""
    print('*** Lab CLI: node names without the prefix %r work (h1 ping h2); `exit` stops the lab' % prefix)
    LabCLI(net, prefix)
