#!/usr/bin/env bash
# Installs the system packages the tests, labs and benchmarks need (a C compiler for the batched socket I/O module, Open vSwitch and its C learning switch for bench/versus, Mininet, etcd, Chromium for the console tests), once.
set -euo pipefail
pkgs=(g++ make python3 openvswitch-switch openvswitch-testcontroller mininet etcd-server iperf iproute2 iputils-ping ethtool openssl chromium)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: need root to install: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
echo "install-deps: ok (${pkgs[*]})"
