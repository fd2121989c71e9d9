#!/bin/bash
# lab-node-init.sh NAME NODE_DIR -- PID 1 of an emulated lab node.
#
# Started by `hanet lab` as
#   unshare --net --mount --uts --pid --fork --mount-proc --propagation private lab-node-init.sh NAME DIR
# so the node has its own network namespace (the node's "root"), its own
# mount namespace and hostname, and its own PID namespace. Here it gives the
# node what a real host has and a shared machine must not share:
#   * a private /run, so `ip netns add qrouter-X` (bind mounts in /run/netns),
#     pid files and xtables.lock are per node: two nodes can both have the
#     namespace qrouter-X;
#   * a sysfs showing the node's own interfaces;
#   * a private /dev with its own /dev/log (busybox syslogd writing to
#     DIR/syslog.log): keepalived in daemon mode logs only to syslog, and the
#     nodes must not write into the machine's log or each other's;
#   * IPv6 off on the node's own interfaces (eth0, eth1, bridges, VXLAN
#     devices, taps): otherwise every bridge sends MLD/RS/DAD into the overlay;
#   * no netfilter on bridged frames. Once a machine has br_netfilter loaded
#     (container runtimes load it), every new namespace starts with
#     bridge-nf-call-* on, and each VRRP advert crossing a node's bridges went
#     through the iptables hooks: several per cent of the machine with 250
#     routers. A network node filters nothing on its bridges (hanet has no
#     firewall there), so the node is as a host without that module.
# Then it reaps children forever: daemons that fork (keepalived, dnsmasq) are
# re-parented to it. SIGKILL of this process powers the node off: the kernel
# kills every process of the PID namespace, and with the last one the node's
# namespaces and every veth in them go.
set -u
NAME=$1
DIR=$2

mount -t tmpfs -o mode=755,size=64m tmpfs /run
mkdir -p /run/netns /run/lock
mount -t sysfs sysfs /sys

mkdir -p /run/dev.real
mount --rbind /dev /run/dev.real
mount -t tmpfs -o mode=755,size=1m tmpfs /dev
for n in null zero full random urandom tty ptmx kmsg; do
    [ -e "/run/dev.real/$n" ] || continue
    touch "/dev/$n"; mount --bind "/run/dev.real/$n" "/dev/$n"
done
mkdir -p /dev/pts /dev/shm /dev/net
mount --rbind /run/dev.real/pts /dev/pts
mount --rbind /run/dev.real/shm /dev/shm
if [ -e /run/dev.real/net/tun ]; then touch /dev/net/tun; mount --bind /run/dev.real/net/tun /dev/net/tun; fi
ln -s /proc/self/fd /dev/fd; ln -s fd/0 /dev/stdin; ln -s fd/1 /dev/stdout; ln -s fd/2 /dev/stderr
umount -l /run/dev.real

hostname "$NAME"
ip link set lo up
sysctl -qw net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.all.disable_ipv6=1
for f in /proc/sys/net/bridge/bridge-nf-call-*; do
    [ -e "$f" ] && echo 0 >"$f"
done

busybox syslogd -n -O "$DIR/syslog.log" &

echo "$$ ready" >"$DIR/ready"

trap 'exit 0' TERM INT
while :; do
    sleep 3600 &
    wait $!
done
