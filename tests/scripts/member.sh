#!/usr/bin/env bash
# Stops, starts or restarts one server of the local clusters, for failover
# tests, touching nothing else (no writes to any server, unlike
# start_databases.sh's repair). Usage:
#   member.sh stop|start|restart postgres|mariadb primary|replica1|replica2
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=db_common.sh
source "$here/db_common.sh"

usage="usage: member.sh stop|start|restart postgres|mariadb primary|replica1|replica2"
[ "$#" -eq 3 ] || die "$usage"
action=$1 engine=$2 name=$3
case "$name" in primary | replica1 | replica2) ;; *) die "$usage" ;; esac
case "$engine" in
  postgres) running=pg_running stop=pg_stop start=pg_start ;;
  mariadb) running=my_running stop=my_stop start=my_start ;;
  *) die "$usage" ;;
esac
case "$action" in
  stop) "$stop" "$name" ;;
  start) "$running" "$name" || "$start" "$name" ;;
  restart) "$stop" "$name" && "$start" "$name" ;;
  *) die "$usage" ;;
esac
