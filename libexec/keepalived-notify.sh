#!/bin/sh
# keepalived-notify.sh DIR INSTANCE NAME STATE PRIORITY
# keepalived's notify hook for one HA router: records the new VRRP state in
# DIR/state (master, backup or fault), where the agent's inotify watch picks
# it up and reports it. Shell builtins only: one short process per
# transition, nothing resident per router.
case "$4" in
  MASTER) state=master ;;
  BACKUP) state=backup ;;
  FAULT) state=fault ;;
  *) exit 0 ;;
esac
printf '%s\n' "$state" >"$1/state"
