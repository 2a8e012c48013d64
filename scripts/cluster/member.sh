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
# A server killed with SIGKILL can stay a zombie until its parent (here often
# an init that reaps late) collects it; `kill -0` and pg_ctl status then still
# see it running. Only a live main process counts.
alive() {
  local pid state
  pid=$(head -n1 "$pid_file" 2>/dev/null) || return 1
  state=$(ps -o stat= -p "$pid" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "${state:0:1}" != Z ]
}
case "$action" in
  stop) "$stop" "$name" ;;
  start) { "$running" "$name" && alive; } || "$start" "$name" ;;
  restart) "$stop" "$name" && "$start" "$name" ;;
  # shellcheck disable=SC2046
  kill)
    main=$(head -n1 "$pid_file")
    kill -KILL $(server_pids)
    # Gone, not even a zombie, before we return: PostgreSQL refuses to start
    # while the old postmaster's PID exists at all (its lock file check).
    for _ in $(seq 100); do ps -p "$main" >/dev/null 2>&1 || break; sleep 0.1; done ;;
  # shellcheck disable=SC2046
  pause) kill -STOP $(server_pids) ;;
  # shellcheck disable=SC2046
  resume) kill -CONT $(server_pids) ;;
  *) die "$usage" ;;
esac
