#!/usr/bin/env bash
# Starts (or stops) the proxies that production puts in front of replicas, on
# 127.0.0.1, in front of the test clusters of start_databases.sh:
#   PgBouncer in front of PostgreSQL replica1 (:55433), one per pooling mode:
#     session :26441, transaction :26442, statement :26443 (default settings
#     otherwise: no ignore_startup_parameters)
#   HAProxy, TCP mode, round-robin per connection, over the PRIMARY and both
#   replicas (a misconfigured load balancer, as a cloud reader endpoint is
#   during a failover): PostgreSQL :26450, MariaDB :23350
# Idempotent. Ports lie below Linux's ephemeral range. Processes are ended by
# the PIDs in their pid files only.
# Usage: proxies.sh start|stop
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=db_common.sh
source "$here/db_common.sh"

PROXY_DIR=$RSE_DB_DIR/proxies
declare -A PGBOUNCER_PORT=([session]=26441 [transaction]=26442 [statement]=26443)
HAPROXY_PG_PORT=26450
HAPROXY_MY_PORT=23350

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start_pgbouncer() {
  local mode=$1 port=${PGBOUNCER_PORT[$1]} dir=$PROXY_DIR/pgbouncer-$1
  running "$dir/pgbouncer.pid" && return 0
  mkdir -p "$dir"
  printf '"exporter" "%s"\n' "$RSE_EXPORTER_PASSWORD" >"$dir/users.txt"
  cat >"$dir/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=${PG_REPLICA_PORTS[0]}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = plain
auth_file = $dir/users.txt
pool_mode = $mode
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
  chown -R postgres:postgres "$dir"
  chmod 600 "$dir/users.txt"
  # PgBouncer refuses to run as root. setsid and 9>&-: not in our session.
  runuser -u postgres -- setsid pgbouncer -d -q "$dir/pgbouncer.ini" </dev/null 9>&- ||
    die "pgbouncer ($mode) did not start; see $dir/pgbouncer.log"
  wait_for 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" || die "pgbouncer ($mode) is not listening on :$port"
  log "pgbouncer $mode :$port -> postgres :${PG_REPLICA_PORTS[0]}"
}

start_haproxy() {
  local dir=$PROXY_DIR/haproxy
  running "$dir/haproxy.pid" && return 0
  mkdir -p "$dir"
  cat >"$dir/haproxy.cfg" <<CFG
global
  maxconn 2000
defaults
  mode tcp
  balance roundrobin
  timeout connect 2s
  timeout client 1h
  timeout server 1h
frontend postgres
  bind 127.0.0.1:$HAPROXY_PG_PORT
  default_backend postgres
backend postgres
  server primary 127.0.0.1:$PG_PRIMARY_PORT
  server replica1 127.0.0.1:${PG_REPLICA_PORTS[0]}
  server replica2 127.0.0.1:${PG_REPLICA_PORTS[1]}
frontend mariadb
  bind 127.0.0.1:$HAPROXY_MY_PORT
  default_backend mariadb
backend mariadb
  server primary 127.0.0.1:$MY_PRIMARY_PORT
  server replica1 127.0.0.1:${MY_REPLICA_PORTS[0]}
  server replica2 127.0.0.1:${MY_REPLICA_PORTS[1]}
CFG
  haproxy -c -q -f "$dir/haproxy.cfg" || die "haproxy.cfg is invalid"
  setsid haproxy -D -f "$dir/haproxy.cfg" -p "$dir/haproxy.pid" </dev/null 9>&- ||
    die "haproxy did not start"
  wait_for 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$HAPROXY_PG_PORT" || die "haproxy is not listening"
  log "haproxy :$HAPROXY_PG_PORT -> postgres primary+replicas, :$HAPROXY_MY_PORT -> mariadb primary+replicas"
}

stop_pid_file() {
  local file=$1 pid
  running "$file" || return 0
  pid=$(cat "$file")
  kill -TERM "$pid"
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

case ${1:-start} in
  start)
    command -v pgbouncer >/dev/null || die "pgbouncer is not installed (scripts/install_deps.sh)"
    command -v haproxy >/dev/null || die "haproxy is not installed (scripts/install_deps.sh)"
    mkdir -p "$PROXY_DIR"
    for mode in session transaction statement; do start_pgbouncer "$mode"; done
    start_haproxy
    ;;
  stop)
    for mode in session transaction statement; do stop_pid_file "$PROXY_DIR/pgbouncer-$mode/pgbouncer.pid"; done
    stop_pid_file "$PROXY_DIR/haproxy/haproxy.pid"
    ;;
  *) die "usage: proxies.sh start|stop" ;;
esac
