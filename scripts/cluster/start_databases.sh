#!/usr/bin/env bash
# Starts the test and demo clusters on 127.0.0.1, as root on Debian 12:
#   PostgreSQL 15: primary :55432, streaming hot-standby replicas :55433 :55434
#   MariaDB 10.11: primary :33306, GTID binlog replicas (read_only) :33307 :33308
# with the demo `shop` database and a read-only `exporter` user on both, then
# waits until every replica has replayed the primary's latest write.
# Idempotent: running servers are kept; stopped ones are started; a replica that
# was promoted, paused or detached by a test is repaired or rebuilt.
#   MariaDB Galera: a one-node cluster :33309 (master election: must be refused)
# Usage: start_databases.sh [all|postgres|mariadb|galera]
# Writes $RSE_DB_DIR/endpoints.env for the tests.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sql_dir=$(cd "$here/../sql" && pwd)
# shellcheck source=db_common.sh
source "$here/db_common.sh"

which=${1:-all}
[ "$(id -u)" -eq 0 ] || die "run as root (servers run as the postgres and mysql users)"
[ -x "$PG_BIN/postgres" ] || die "PostgreSQL is not installed (scripts/install_deps.sh)"
command -v mariadbd >/dev/null || die "MariaDB is not installed (scripts/install_deps.sh)"

mkdir -p "$RSE_DB_DIR"
chmod 755 "$RSE_DB_DIR"
exec 9>"$RSE_DB_DIR/.lock"
flock 9

# ----------------------------------------------------------------------- TLS
# replica1 of each engine serves TLS with a certificate from a private CA, so
# the tests can prove tls_mode verify-full works and require fails closed on
# the plain replica2. other-ca.crt is a CA that signed nothing of ours.

# The servers' ports lie inside Linux's ephemeral range (32768-60999): while a
# server is down (a failover test, the benchmark's kill loop), one of our own
# outgoing connections may take its port, and the restart then fails with
# "address already in use". Reserving them keeps the kernel from handing them
# out. Best effort: a container may not allow it.
reserve_ports() {
  local file=/proc/sys/net/ipv4/ip_local_reserved_ports ours current
  ours="$MY_PRIMARY_PORT-$GALERA_PORT,$GALERA_GCOMM_PORT,$PG_PRIMARY_PORT-${PG_REPLICA_PORTS[1]}"
  current=$(cat "$file" 2>/dev/null) || return 0
  case ",$current," in *",$ours,"*) return 0 ;; esac
  echo "${current:+$current,}$ours" >"$file" 2>/dev/null ||
    log "could not reserve ports $ours (ephemeral-port collisions stay possible)"
}

ensure_certs() {
  local dir=$TLS_DIR
  [ -f "$dir/.ready" ] && return
  log "tls: creating a private CA and a server certificate for 127.0.0.1"
  rm -rf "$dir"
  mkdir -p "$dir"
  (
    cd "$dir"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=rse test CA" -keyout ca.key -out ca.crt
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=rse other CA" -keyout other-ca.key -out other-ca.crt
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout server.key -out server.csr
    printf 'subjectAltName = IP:127.0.0.1, DNS:localhost\n' >san.ext
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -extfile san.ext -out server.crt
    install -o postgres -g postgres -m 600 server.key pg-server.key
    install -o mysql -g mysql -m 600 server.key my-server.key
    chmod 644 ca.crt other-ca.crt server.crt
  ) >"$RSE_DB_DIR/tls.log" 2>&1 || die "creating certificates failed; see $RSE_DB_DIR/tls.log"
  chmod 755 "$dir"
  touch "$dir/.ready"
}

# ---------------------------------------------------------------- PostgreSQL

pg_init_primary() {
  local dir
  dir=$(pg_dir primary)
  log "postgres: creating primary on :$PG_PRIMARY_PORT"
  [ -d "$dir" ] && pg_stop primary
  rm -rf "$dir"
  install -d -o postgres -g postgres "$PG_ROOT" "$PG_RUN"
  pg_as "$PG_BIN/initdb" -D "$dir" -U postgres -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 >"$PG_ROOT/initdb.log"
  cat >"$dir/pg_hba.conf" <<HBA
local all         all                     trust
host  replication replicator 127.0.0.1/32 trust
host  all         postgres   127.0.0.1/32 trust
host  all         all        127.0.0.1/32 scram-sha-256
HBA
  cat >>"$dir/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PRIMARY_PORT
unix_socket_directories = '$PG_RUN'
wal_level = replica
max_wal_senders = 10
max_replication_slots = 10
hot_standby = on
hot_standby_feedback = on
wal_retrieve_retry_interval = '1s'
shared_buffers = '32MB'
fsync = off
full_page_writes = off
log_min_messages = warning
CONF
  pg_start primary
  pg_sql "$PG_PRIMARY_PORT" postgres "
    CREATE ROLE replicator REPLICATION LOGIN;
    CREATE ROLE exporter LOGIN PASSWORD '$RSE_EXPORTER_PASSWORD';
    GRANT pg_monitor TO exporter;
    CREATE TABLE rse_sync (id int PRIMARY KEY, token text);"
  pg_sql "$PG_PRIMARY_PORT" postgres "CREATE DATABASE shop"
  pg_as "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_RUN" -p "$PG_PRIMARY_PORT" -d shop -f "$sql_dir/shop_postgres.sql"
  pg_sql "$PG_PRIMARY_PORT" shop "
    GRANT USAGE ON SCHEMA public TO exporter;
    GRANT SELECT ON ALL TABLES IN SCHEMA public TO exporter;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO exporter;"
  touch "$dir/.rse-ready"
}

pg_build_replica() {
  local name=$1 port=$2 dir
  dir=$(pg_dir "$name")
  log "postgres: building $name on :$port from the primary"
  [ -d "$dir" ] && pg_stop "$name"
  rm -rf "$dir"
  pg_sql "$PG_PRIMARY_PORT" postgres "
    SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$name';" >/dev/null
  pg_as "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PG_PRIMARY_PORT" -U replicator -D "$dir" \
    -R -X stream -C -S "$name" -c fast
  echo "port = $port" >>"$dir/postgresql.conf"
  pg_start "$name"
  touch "$dir/.rse-ready"
}

# Turns TLS on for a running PostgreSQL server (reloadable since PostgreSQL 10).
pg_enable_tls() {
  local name=$1 port=$2 conf
  conf="$(pg_dir "$name")/postgresql.conf"
  grep -q "^# rse tls" "$conf" && return
  cat >>"$conf" <<CONF
# rse tls
ssl = on
ssl_cert_file = '$TLS_DIR/server.crt'
ssl_key_file = '$TLS_DIR/pg-server.key'
CONF
  pg_sql "$port" postgres "SELECT pg_reload_conf()" >/dev/null
}

pg_ensure_replica() {
  local name=$1 port=$2 dir
  dir=$(pg_dir "$name")
  if [ ! -f "$dir/.rse-ready" ]; then
    pg_build_replica "$name" "$port"
    return
  fi
  pg_running "$name" || pg_start "$name"
  if [ "$(pg_sql "$port" postgres "SELECT pg_is_in_recovery()")" != "t" ]; then
    log "postgres: $name was promoted; rebuilding it"
    pg_build_replica "$name" "$port"
    return
  fi
  if [ "$(pg_sql "$port" postgres "SELECT pg_is_wal_replay_paused()")" = "t" ]; then
    log "postgres: resuming replay on $name"
    pg_sql "$port" postgres "SELECT pg_wal_replay_resume()" >/dev/null
  fi
}

pg_wait_caught_up() {
  local token=$RANDOM$RANDOM port
  pg_sql "$PG_PRIMARY_PORT" postgres "
    INSERT INTO rse_sync VALUES (1, '$token') ON CONFLICT (id) DO UPDATE SET token = excluded.token;"
  for port in "${PG_REPLICA_PORTS[@]}"; do
    wait_for 120 bash -c "[ \"\$(runuser -u postgres -- $PG_BIN/psql -X -At -h $PG_RUN -p $port -d postgres \
      -c 'SELECT token FROM rse_sync WHERE id = 1')\" = '$token' ]" ||
      die "postgres replica :$port did not catch up within 120 s"
  done
}

# A test that failed mid-way may have left a server paused (SIGSTOP).
resume_paused() {
  local engine=$1 name
  for name in primary replica1 replica2; do
    "$here/member.sh" resume "$engine" "$name" >/dev/null 2>&1 || true
  done
}

# Five tenant databases beside shop, for per-database fan-out (the demo's
# tenant_accounts query and the tests): tenant_N holds N*10 accounts.
# Idempotent, so clusters made before the tenants existed get them too.
RSE_TENANTS=5
pg_seed_tenants() {
  local n db
  for n in $(seq 1 "$RSE_TENANTS"); do
    db=tenant_$n
    if [ -z "$(pg_sql "$PG_PRIMARY_PORT" postgres "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
      pg_sql "$PG_PRIMARY_PORT" postgres "CREATE DATABASE $db"
      pg_sql "$PG_PRIMARY_PORT" "$db" "
        CREATE TABLE accounts (id integer PRIMARY KEY, plan text NOT NULL);
        INSERT INTO accounts SELECT i, CASE WHEN i % 3 = 0 THEN 'pro' ELSE 'free' END
          FROM generate_series(1, $n * 10) AS i;
        GRANT SELECT ON accounts TO exporter;"
    fi
  done
}

start_postgres() {
  resume_paused postgres
  if [ -f "$(pg_dir primary)/.rse-ready" ]; then
    pg_running primary || pg_start primary
  else
    pg_init_primary
  fi
  local i
  for i in 0 1; do pg_ensure_replica "replica$((i + 1))" "${PG_REPLICA_PORTS[$i]}"; done
  pg_enable_tls replica1 "${PG_REPLICA_PORTS[0]}"
  pg_seed_tenants
  pg_wait_caught_up
  log "postgres: primary :$PG_PRIMARY_PORT, replicas :${PG_REPLICA_PORTS[0]} :${PG_REPLICA_PORTS[1]} ready"
}

# ------------------------------------------------------------------- MariaDB

my_write_config() {
  local name=$1 port=$2 server_id=$3 read_only=$4 dir
  dir=$(my_dir "$name")
  install -d -o mysql -g mysql "$dir" "$dir/data" "$dir/tmp"
  cat >"$dir/my.cnf" <<CONF
[mysqld]
user = mysql
datadir = $dir/data
tmpdir = $dir/tmp
socket = $dir/mysqld.sock
pid-file = $dir/mysqld.pid
log-error = $dir/error.log
port = $port
bind-address = 127.0.0.1
server-id = $server_id
log-bin = mysql-bin
binlog-format = ROW
gtid-strict-mode = 1
expire-logs-days = 0
skip-name-resolve
read-only = $read_only
character-set-server = utf8mb4
collation-server = utf8mb4_unicode_ci
innodb-buffer-pool-size = 64M
innodb-flush-log-at-trx-commit = 2
sync-binlog = 0
CONF
  if [ "$name" = replica1 ]; then
    cat >>"$dir/my.cnf" <<CONF
ssl-ca = $TLS_DIR/ca.crt
ssl-cert = $TLS_DIR/server.crt
ssl-key = $TLS_DIR/my-server.key
CONF
  fi
}

my_install() {
  local name=$1 dir
  dir=$(my_dir "$name")
  mariadb-install-db --defaults-file="$dir/my.cnf" --skip-test-db \
    --auth-root-authentication-method=socket >"$dir/install.log" 2>&1 ||
    die "mariadb-install-db failed for $name; see $dir/install.log"
}

my_init_primary() {
  log "mariadb: creating primary on :$MY_PRIMARY_PORT"
  my_stop primary
  rm -rf "$(my_dir primary)"
  my_write_config primary "$MY_PRIMARY_PORT" 1 0
  my_install primary
  my_start primary
  # RESET MASTER first: replicas replay this binlog from its very beginning.
  my_sql primary "
    RESET MASTER;
    CREATE USER 'replicator'@'127.0.0.1' IDENTIFIED BY '$MY_REPL_PASSWORD';
    GRANT REPLICATION SLAVE ON *.* TO 'replicator'@'127.0.0.1';
    CREATE USER 'exporter'@'%' IDENTIFIED BY '$RSE_EXPORTER_PASSWORD';
    GRANT SELECT ON shop.* TO 'exporter'@'%';
    GRANT SLAVE MONITOR ON *.* TO 'exporter'@'%';
    CREATE DATABASE rse_sync;
    CREATE TABLE rse_sync.marker (id INT PRIMARY KEY, token VARCHAR(64));
    CREATE DATABASE shop CHARACTER SET utf8mb4;"
  mariadb --no-defaults --socket="$(my_sock primary)" -uroot shop <"$sql_dir/shop_mariadb.sql"
  touch "$(my_dir primary)/.rse-ready"
}

my_build_replica() {
  local name=$1 port=$2 server_id=$3
  log "mariadb: building $name on :$port from the primary's binlog"
  my_stop "$name"
  rm -rf "$(my_dir "$name")"
  my_write_config "$name" "$port" "$server_id" 1
  my_install "$name"
  my_start "$name"
  my_sql "$name" "
    RESET MASTER;
    SET GLOBAL gtid_slave_pos = '';
    CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = $MY_PRIMARY_PORT,
      MASTER_USER = 'replicator', MASTER_PASSWORD = '$MY_REPL_PASSWORD',
      MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1;
    START SLAVE;"
  touch "$(my_dir "$name")/.rse-ready"
}

my_ensure_replica() {
  local name=$1 port=$2 server_id=$3
  if [ ! -f "$(my_dir "$name")/.rse-ready" ]; then
    my_build_replica "$name" "$port" "$server_id"
    return
  fi
  if [ "$name" = replica1 ] && ! grep -q "^ssl-cert" "$(my_dir "$name")/my.cnf"; then
    log "mariadb: turning TLS on for $name"
    my_stop "$name"
    my_write_config "$name" "$port" "$server_id" 1
  fi
  my_running "$name" || my_start "$name"
  local read_only channel
  read_only=$(my_sql "$name" "SELECT @@global.read_only")
  channel=$(my_sql "$name" "SHOW SLAVE STATUS" | wc -l)
  if [ "$read_only" != "1" ] || [ "$channel" -eq 0 ]; then
    log "mariadb: $name is no longer a read-only replica; rebuilding it"
    my_build_replica "$name" "$port" "$server_id"
    return
  fi
  # Undo what tests do to replicas: a stopped thread or a replication delay.
  my_sql "$name" "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = 0; START SLAVE;"
}

my_wait_caught_up() {
  local token=$RANDOM$RANDOM name
  my_sql primary "REPLACE INTO rse_sync.marker VALUES (1, '$token')"
  for name in replica1 replica2; do
    wait_for 120 bash -c "[ \"\$(mariadb --no-defaults --socket=$(my_sock "$name") -uroot -N -B \
      -e 'SELECT token FROM rse_sync.marker WHERE id = 1')\" = '$token' ]" ||
      die "mariadb $name did not catch up within 120 s; see $(my_dir "$name")/error.log"
  done
}

my_seed_tenants() {
  local n sql="GRANT SELECT ON \`tenant\\_%\`.* TO 'exporter'@'%';"
  for n in $(seq 1 "$RSE_TENANTS"); do
    sql+="CREATE DATABASE IF NOT EXISTS tenant_$n;
      CREATE TABLE IF NOT EXISTS tenant_$n.accounts (id INT PRIMARY KEY, plan VARCHAR(16) NOT NULL);
      USE tenant_$n;
      INSERT IGNORE INTO accounts SELECT seq, IF(seq % 3 = 0, 'pro', 'free')
        FROM seq_1_to_$((n * 10));"
  done
  my_sql primary "$sql"
}

start_mariadb() {
  resume_paused mariadb
  if [ -f "$(my_dir primary)/.rse-ready" ]; then
    my_running primary || my_start primary
  else
    my_init_primary
  fi
  # The tests' administrator (TCP with a password, so no unix_socket login is needed).
  my_sql primary "CREATE USER IF NOT EXISTS 'rse_admin'@'127.0.0.1' IDENTIFIED BY '$MY_ADMIN_PASSWORD';
                  GRANT ALL ON *.* TO 'rse_admin'@'127.0.0.1' WITH GRANT OPTION;"
  my_ensure_replica replica1 "${MY_REPLICA_PORTS[0]}" 2
  my_ensure_replica replica2 "${MY_REPLICA_PORTS[1]}" 3
  my_seed_tenants
  my_wait_caught_up
  log "mariadb: primary :$MY_PRIMARY_PORT, replicas :${MY_REPLICA_PORTS[0]} :${MY_REPLICA_PORTS[1]} ready"
}

# -------------------------------------------------------------------- Galera
# A one-node MariaDB Galera cluster: master election, which the exporter must
# refuse. Its group communication listens on loopback only.

start_galera() {
  local dir
  dir=$(my_dir galera)
  if [ ! -f "$dir/.rse-ready" ]; then
    log "galera: creating a one-node cluster on :$GALERA_PORT"
    my_stop galera
    rm -rf "$dir"
    my_write_config galera "$GALERA_PORT" 9 0
    cat >>"$dir/my.cnf" <<CONF
wsrep-on = ON
wsrep-provider = /usr/lib/galera/libgalera_smm.so
wsrep-cluster-name = rse_galera
wsrep-cluster-address = gcomm://
wsrep-node-address = 127.0.0.1
wsrep-provider-options = "gmcast.listen_addr=tcp://127.0.0.1:$GALERA_GCOMM_PORT;ist.recv_addr=127.0.0.1:$((GALERA_GCOMM_PORT + 1))"
innodb-autoinc-lock-mode = 2
CONF
    my_install galera
    GALERA_NEW_CLUSTER=1 my_start galera
    my_sql galera "
      CREATE DATABASE shop;
      CREATE USER 'exporter'@'%' IDENTIFIED BY '$RSE_EXPORTER_PASSWORD';
      GRANT SELECT ON *.* TO 'exporter'@'%';
      GRANT SLAVE MONITOR ON *.* TO 'exporter'@'%';"
    touch "$dir/.rse-ready"
  elif ! my_running galera; then
    # A one-node cluster always restarts as a new cluster.
    GALERA_NEW_CLUSTER=1 my_start galera
  fi
  log "galera: one-node cluster :$GALERA_PORT ready"
}

# ---------------------------------------------------------------------- main

write_endpoints() {
  cat >"$RSE_DB_DIR/endpoints.env" <<ENV
RSE_DB_DIR=$RSE_DB_DIR
RSE_EXPORTER_USER=exporter
RSE_EXPORTER_PASSWORD=$RSE_EXPORTER_PASSWORD
RSE_PG_PRIMARY=127.0.0.1:$PG_PRIMARY_PORT
RSE_PG_REPLICA1=127.0.0.1:${PG_REPLICA_PORTS[0]}
RSE_PG_REPLICA2=127.0.0.1:${PG_REPLICA_PORTS[1]}
RSE_PG_DATA=$PG_ROOT
RSE_MY_PRIMARY=127.0.0.1:$MY_PRIMARY_PORT
RSE_MY_REPLICA1=127.0.0.1:${MY_REPLICA_PORTS[0]}
RSE_MY_REPLICA2=127.0.0.1:${MY_REPLICA_PORTS[1]}
RSE_MY_DATA=$MY_ROOT
RSE_MY_ADMIN_USER=rse_admin
RSE_MY_ADMIN_PASSWORD=$MY_ADMIN_PASSWORD
RSE_PG_ADMIN_USER=postgres
RSE_GALERA=127.0.0.1:$GALERA_PORT
RSE_TLS_CA=$TLS_DIR/ca.crt
RSE_TLS_OTHER_CA=$TLS_DIR/other-ca.crt
ENV
  chmod 644 "$RSE_DB_DIR/endpoints.env"
}

reserve_ports
ensure_certs
case "$which" in
  all) start_postgres; start_mariadb; start_galera ;;
  postgres) start_postgres ;;
  mariadb) start_mariadb ;;
  galera) start_galera ;;
  *) die "usage: start_databases.sh [all|postgres|mariadb|galera]" ;;
esac
write_endpoints
