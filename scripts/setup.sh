#!/usr/bin/env bash
# Installs what hanet needs on a Debian 12 machine (run as root) and builds
# it. Quick when everything is already there: Debian packages are installed
# only when missing, npm dependencies only when the lock file changed.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: the openstack and neutron CLIs (compatibility tests and the
# demo), PostgreSQL (the scaled-out database, tested too); the data plane:
# iproute2 (namespaces, veth, bridges, VXLAN), keepalived (VRRP), dnsmasq-base
# (DHCP; the binary without Debian's system-wide service), nftables and
# iptables (SNAT, floating IPs); and for the lab: util-linux (unshare,
# nsenter), busybox (each node's syslogd), isc-dhcp-client (the VMs' DHCP
# client), iputils-ping; procps, curl.
PACKAGES=(python3-openstackclient python3-neutronclient postgresql iproute2 keepalived dnsmasq-base nftables iptables
  util-linux busybox isc-dhcp-client iputils-ping procps curl)

say() { printf 'setup: %s\n' "$*"; }

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  say "Node.js 20 or newer is required (found: $(node --version 2>/dev/null || echo none))." >&2
  exit 1
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    say "missing Debian packages (${missing[*]}); run this script as root" >&2
    exit 1
  fi
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci only when package-lock.json changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi

npm run --silent build
say "ready"
