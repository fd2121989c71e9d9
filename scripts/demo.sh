#!/usr/bin/env bash
# The main demo on the embedded defaults: start `hanet server` (PGlite in a
# temporary state directory), create seed 000's testdhcp network and its
# 192.168.200.0/24 subnet with the unmodified openstack CLI, list them, and
# stop the server by its PID. Everything it made is removed, also on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${HANET_DEMO_PORT:-9696}
state=$(mktemp -d /tmp/hanet-demo.XXXXXX)
server_pid=
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid"
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$state"
}
trap cleanup EXIT

endpoint="http://127.0.0.1:$port"
if curl -s -o /dev/null "$endpoint/" 2>/dev/null; then
  echo "demo: something already listens on $endpoint; set HANET_DEMO_PORT to another port" >&2
  exit 1
fi

echo "\$ hanet server --state-path $state --bind-port $port &"
./bin/hanet server --state-path "$state" --bind-port "$port" 2>"$state/server.log" &
server_pid=$!
for _ in $(seq 1 120); do
  curl -s -o /dev/null "$endpoint/" && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$state/server.log" >&2; exit 1; }
  sleep 0.25
done

os() {
  echo
  echo "\$ openstack $*"
  /usr/bin/openstack --os-auth-type none --os-endpoint "$endpoint" "$@"
}
os network create testdhcp -c id -c name -c status -c mtu -c provider:network_type -c provider:segmentation_id
os subnet create --network testdhcp --subnet-range 192.168.200.0/24 subnet-testdhcp -c id -c cidr -c gateway_ip -c allocation_pools -c enable_dhcp
os network list
os subnet list
echo
echo "demo: done; stopping the server (pid $server_pid) and removing $state"
