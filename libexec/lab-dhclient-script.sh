#!/bin/sh
# dhclient's -sf script for a lab VM. The stock /sbin/dhclient-script would
# rewrite /etc/resolv.conf, which every namespace on the machine shares, so
# this one only configures eth0 and logs each event, one line, to $HANET_VM_LOG
# (passed with dhclient -e).
printf '%s reason=%s ip=%s mask=%s routers=%s dns=%s mtu=%s server=%s lease=%s renew=%s rebind=%s\n' \
  "$(date +%s.%N)" "$reason" "$new_ip_address" "$new_subnet_mask" "$new_routers" "$new_domain_name_servers" \
  "$new_interface_mtu" "$new_dhcp_server_identifier" "$new_dhcp_lease_time" "$new_dhcp_renewal_time" \
  "$new_dhcp_rebinding_time" >>"${HANET_VM_LOG:-/dev/null}"
case "$reason" in
  PREINIT)
    ip link set dev "$interface" up ;;
  BOUND|RENEW|REBIND|REBOOT)
    if [ "$old_ip_address" != "$new_ip_address" ] || [ "$reason" = BOUND ] || [ "$reason" = REBOOT ]; then
      ip -4 addr flush dev "$interface"
      ip addr add "$new_ip_address/$new_subnet_mask" dev "$interface"
    fi
    [ -n "$new_interface_mtu" ] && ip link set dev "$interface" mtu "$new_interface_mtu"
    [ -n "$new_routers" ] && ip route replace default via "${new_routers%% *}" dev "$interface" ;;
  EXPIRE|FAIL|RELEASE|STOP)
    ip -4 addr flush dev "$interface" ;;
esac
exit 0
