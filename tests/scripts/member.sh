#!/usr/bin/env bash
# Stops, starts, restarts, pauses (SIGSTOP: a hung server that still holds its
# port) or resumes one server of the local clusters, for failover tests,
# touching nothing else (no writes to any server, unlike start_databases.sh's
# repair). Signals go only to the PIDs of that server's own pid file and its
# children. `kill` is kill -9 of them (a crash: no shutdown, no checkpoint). Usage:
#   member.sh stop|start|restart|kill|pause|resume postgres|mariadb primary|replica1|replica2
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=db_common.sh
source "$here/db_common.sh"

usage="usage: member.sh stop|start|restart|kill|pause|resume postgres|mariadb primary|replica1|replica2"
[ "$#" -eq 3 ] || die "$usage"
action=$1 engine=$2 name=$3
case "$name" in primary | replica1 | replica2) ;; *) die "$usage" ;; esac
case "$engine" in
  postgres) running=pg_running stop=pg_stop start=pg_start pid_file="$(pg_dir "$name")/postmaster.pid" ;;
  mariadb) running=my_running stop=my_stop start=my_start pid_file="$(my_dir "$name")/mysqld.pid" ;;
  *) die "$usage" ;;
esac

# The server's main PID (first line of its pid file) and its children.
server_pids() {
  local pid
  pid=$(head -n1 "$pid_file" 2>/dev/null) || die "$engine $name is not running"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || die "$engine $name is not running"
  echo "$pid" $(pgrep -P "$pid" || true)
}
case "$action" in
  stop) "$stop" "$name" ;;
  start) "$running" "$name" || "$start" "$name" ;;
  restart) "$stop" "$name" && "$start" "$name" ;;
  # shellcheck disable=SC2046
  kill) kill -KILL $(server_pids) ;;
  # shellcheck disable=SC2046
  pause) kill -STOP $(server_pids) ;;
  # shellcheck disable=SC2046
  resume) kill -CONT $(server_pids) ;;
  *) die "$usage" ;;
esac
