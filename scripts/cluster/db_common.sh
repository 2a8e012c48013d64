# Shared settings of start_databases.sh and stop_databases.sh (sourced, not run).
# Every server listens on 127.0.0.1 only; ports are fixed so configs can name them.

RSE_DB_DIR=${RSE_DB_DIR:-/var/lib/rse-testdb}
RSE_EXPORTER_PASSWORD=${RSE_EXPORTER_PASSWORD:-exporter-demo-pw}

# The release's default PostgreSQL (15 on Debian 12, 17 on Debian 13): the
# newest server installed under /usr/lib/postgresql.
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_ROOT=$RSE_DB_DIR/postgres
PG_RUN=$PG_ROOT/run
PG_PRIMARY_PORT=55432
PG_REPLICA_PORTS=(55433 55434)

TLS_DIR=$RSE_DB_DIR/tls

MY_ROOT=$RSE_DB_DIR/mariadb
MY_PRIMARY_PORT=33306
MY_REPLICA_PORTS=(33307 33308)
MY_REPL_PASSWORD=repl-demo-pw
MY_ADMIN_PASSWORD=admin-demo-pw
GALERA_PORT=33309
GALERA_GCOMM_PORT=34567

log() { echo "[databases] $*" >&2; }
die() { echo "[databases] ERROR: $*" >&2; exit 1; }

# Retries "$@" every 0.2 s until it succeeds or $1 seconds pass.
wait_for() {
  local seconds=$1
  shift
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

# --- PostgreSQL: everything runs as the postgres OS user (it refuses root).
pg_as() { runuser -u postgres -- "$@"; }
pg_dir() { echo "$PG_ROOT/$1"; }
pg_running() { pg_as "$PG_BIN/pg_ctl" -D "$(pg_dir "$1")" status >/dev/null 2>&1; }
# psql as superuser over the private socket directory: pg_sql PORT DB SQL
pg_sql() { pg_as "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$PG_RUN" -p "$1" -d "$2" -c "$3"; }
pg_start() {
  local dir
  dir=$(pg_dir "$1")
  # setsid and 9>&-: the server must not hold this script's lock or session.
  pg_as setsid "$PG_BIN/pg_ctl" -D "$dir" -l "$PG_ROOT/$1.log" -w -t 60 start >/dev/null 9>&- ||
    die "postgres $1 did not start; see $PG_ROOT/$1.log"
}
pg_stop() {
  if pg_running "$1"; then pg_as "$PG_BIN/pg_ctl" -D "$(pg_dir "$1")" -m fast -w stop >/dev/null; fi
}

# --- MariaDB: each server has its own directory, tmpdir, socket and pid file.
my_dir() { echo "$MY_ROOT/$1"; }
my_sock() { echo "$MY_ROOT/$1/mysqld.sock"; }
# mariadb as root over the server's socket (unix_socket authentication): my_sql NAME SQL
my_sql() { mariadb --no-defaults --socket="$(my_sock "$1")" -uroot -N -B -e "$2"; }
my_running() {
  local pid_file
  pid_file="$(my_dir "$1")/mysqld.pid"
  [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null
}
my_start() {
  local name=$1 dir
  dir=$(my_dir "$name")
  # setsid and 9>&-: the server must not hold this script's lock or session.
  local extra=()
  [ -n "${GALERA_NEW_CLUSTER:-}" ] && extra=(--wsrep-new-cluster)
  setsid mariadbd --defaults-file="$dir/my.cnf" "${extra[@]}" </dev/null >/dev/null 2>&1 9>&- &
  wait_for 60 mariadb-admin --no-defaults --socket="$(my_sock "$name")" -uroot ping ||
    die "mariadb $name did not start; see $dir/error.log"
}
my_stop() {
  local name=$1 pid_file pid
  pid_file="$(my_dir "$name")/mysqld.pid"
  my_running "$name" || return 0
  pid=$(cat "$pid_file")
  # shutdown returns before the process is gone: wait on the pid itself.
  mariadb-admin --no-defaults --socket="$(my_sock "$name")" -uroot shutdown >/dev/null 2>&1 || kill -TERM "$pid" || true
  wait_for 60 bash -c "! kill -0 $pid" || { kill -KILL "$pid" 2>/dev/null || true; }
}
