#!/usr/bin/env bash
# The main demo on the embedded defaults: `hanet lab demo` brings up a lab
# (a server on PGlite, three network nodes and a compute node emulated on
# this machine), walks through seed 000 (OSP 7: L3 and DHCP HA on three
# controllers) step by step, prints a summary of its checks and removes the
# lab, also on failure. Needs root. Arguments go to `hanet lab demo`, e.g.
# `--scenario juju` for seed 001, or `--keep` to leave the lab up.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
  echo "demo: the lab creates namespaces and bridges; run it as root" >&2
  exit 1
fi
exec ./bin/hanet lab demo "$@"
