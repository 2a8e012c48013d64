#!/usr/bin/env bash
# The combined fault loop (long; not part of the test command): the exporter
# (Release build by default) over both replicas of the local PostgreSQL or
# MariaDB cluster, scraped N times one after another while, in turn, a replica
# is killed with SIGKILL and started again, a replica is hung (every process
# SIGSTOPped) and resumed, a replica lags past max_replication_lag (replay
# stopped while the primary writes) and catches up, a replica is restarted, a
# replica is promoted (and stays a primary), and then the last replica is
# stopped (no healthy replica at all) and started again. Replica 1 is reached
# through a TCP proxy of the script's own (HAProxy), which is frozen (SIGSTOP:
# connections accepted, nothing answered) for a while, under the short
# scrape timeouts Prometheus may send (1 s and 2 s).
# It counts failed scrapes while a replica was healthy (expected 0), checks
# that every scrape is HTTP 200 with the exporter's own metrics, and proves
# from the promoted server's own statement log (PostgreSQL: the exporter
# role's log_min_duration_statement = 0; MariaDB: the general log) that no
# business query ran there after the promotion. The clusters are repaired at
# the end (the promoted replica is rebuilt).
#   scripts/fault_loop.sh [--engine postgres|mariadb] [--scrapes N] [--binary PATH]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
engine=postgres scrapes=1200 binary=""
while [ $# -gt 0 ]; do
  case "$1" in
    --engine) engine=$2; shift ;;
    --scrapes) scrapes=$2; shift ;;
    --binary) binary=$2; shift ;;
    *) echo "usage: scripts/fault_loop.sh [--engine postgres|mariadb] [--scrapes N] [--binary PATH]" >&2; exit 2 ;;
  esac
  shift
done
[ "$scrapes" -ge 120 ] || { echo "fault_loop: --scrapes must be at least 120" >&2; exit 2; }
scripts/cluster/start_databases.sh "$engine" >/dev/null 2>&1
if [ -z "$binary" ]; then
  scripts/build.sh release -DCMAKE_BUILD_TYPE=Release -DRSE_BUILD_TESTS=OFF >/dev/null
  binary="$root/build/release/src/replica_sql_exporter"
fi
# shellcheck source=../scripts/cluster/db_common.sh
source "$root/scripts/cluster/db_common.sh"
member() { scripts/cluster/member.sh "$1" "$engine" "$2" >/dev/null; }

work=$(mktemp -d /tmp/rse_faultsXXXXXX)
exporter_pid="" proxy_pid=""
cleanup() {
  [ -n "$exporter_pid" ] && kill "$exporter_pid" 2>/dev/null && wait "$exporter_pid" 2>/dev/null || true
  if [ -n "$proxy_pid" ]; then kill -CONT "$proxy_pid" 2>/dev/null; kill "$proxy_pid" 2>/dev/null || true; fi
  member resume replica1 2>/dev/null || true
  member resume replica2 2>/dev/null || true
  statement_log off 2>/dev/null || true
  scripts/cluster/start_databases.sh "$engine" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

if [ "$engine" = postgres ]; then
  kind=postgres r1=127.0.0.1:${PG_REPLICA_PORTS[0]} r2=127.0.0.1:${PG_REPLICA_PORTS[1]}
  log2="$PG_ROOT/replica2.log"
  statement_log() {
    if [ "$1" = on ]; then
      pg_sql "$PG_PRIMARY_PORT" postgres "ALTER ROLE exporter SET log_min_duration_statement = 0"
    else
      pg_sql "$PG_PRIMARY_PORT" postgres "ALTER ROLE exporter RESET log_min_duration_statement"
    fi
  }
  # A business statement names its query: SET LOCAL application_name = 'replica_sql_exporter/<query>'.
  business_mark="application_name = 'replica_sql_exporter/"
  lag_on() { pg_sql "${PG_REPLICA_PORTS[0]}" postgres "SELECT pg_wal_replay_pause()" >/dev/null; }
  lag_off() { pg_sql "${PG_REPLICA_PORTS[0]}" postgres "SELECT pg_wal_replay_resume()" >/dev/null; }
  write_primary() {
    pg_sql "$PG_PRIMARY_PORT" postgres \
      "INSERT INTO rse_sync VALUES (2, '$RANDOM') ON CONFLICT (id) DO UPDATE SET token = excluded.token"
  }
  promote2() { pg_sql "${PG_REPLICA_PORTS[1]}" postgres "SELECT pg_promote(true, 30)" >/dev/null; }
else
  kind=mysql r1=127.0.0.1:${MY_REPLICA_PORTS[0]} r2=127.0.0.1:${MY_REPLICA_PORTS[1]}
  log2="$MY_ROOT/replica2/general.log"
  statement_log() {
    if [ "$1" = on ]; then
      my_sql replica2 "SET GLOBAL general_log_file = '$log2'; SET GLOBAL general_log = 1"
    else
      my_sql replica2 "SET GLOBAL general_log = 0" 2>/dev/null || true
    fi
  }
  # A business statement leads with /* replica_sql_exporter query=<name> */.
  business_mark="/* replica_sql_exporter query="
  lag_on() { my_sql replica1 "STOP SLAVE SQL_THREAD"; }
  lag_off() { my_sql replica1 "START SLAVE SQL_THREAD"; }
  write_primary() { my_sql primary "REPLACE INTO rse_sync.marker VALUES (2, '$RANDOM')"; }
  promote2() { my_sql replica2 "STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only = 0"; }
fi

# Replica 1 behind a TCP proxy the loop can freeze.
proxy=127.0.0.1:19431
cat >"$work/proxy.cfg" <<CFG
defaults
  mode tcp
  timeout connect 2s
  timeout client 1h
  timeout server 1h
listen replica1
  bind $proxy
  server replica1 $r1
CFG
haproxy -db -f "$work/proxy.cfg" </dev/null >"$work/proxy.log" 2>&1 &
proxy_pid=$!

statement_log on
touch "$log2"
start_mark=$(stat -c %s "$log2")
cat >"$work/faults.toml" <<TOML
[web]
listen_address = "127.0.0.1:0"
[cluster]
name = "faults"
engine = "$kind"
database = "shop"
user = "exporter"
password_env = "FAULTS_PASSWORD"
tls_mode = "disable"
replicas = ["$proxy", "$r2"]
max_replication_lag = "2s"
[queries]
files = ["$root/queries/shop/*.toml"]
TOML
FAULTS_PASSWORD=$RSE_EXPORTER_PASSWORD "$binary" --config.file="$work/faults.toml" \
  --web.listen-address=127.0.0.1:19430 --log.level=info >"$work/exporter.log" 2>&1 &
exporter_pid=$!
for _ in $(seq 100); do curl -sf -o /dev/null http://127.0.0.1:19430/-/healthy && break; sleep 0.1; done

# The schedule, in scrape numbers (scaled to N): [start, end) of each fault.
at() { echo $(($1 * scrapes / 1200)); }
kill_at=$(at 100) kill_end=$(at 200) hang_at=$(at 300) hang_end=$(at 400)
lag_at=$(at 500) lag_end=$(at 600) restart_at=$(at 700) promote_at=$(at 800)
freeze_at=$(at 220) freeze_end=$(at 290)
none_at=$(at 950) none_end=$(at 1050) grace=100
promoted_mark=""
failed=0 unhealthy_ok=0 not_200=0 no_self=0 slowest=0 late=0
for i in $(seq "$scrapes"); do
  case "$i" in
    "$kill_at") member kill replica1 ;;
    "$kill_end") member start replica1 ;;
    "$hang_at") member pause replica2 ;;
    "$hang_end") member resume replica2 ;;
    "$lag_at") lag_on; write_primary ;;
    "$lag_end") lag_off ;;
    "$restart_at") member restart replica2 ;;
    "$promote_at") promote2; promoted_mark=$(stat -c %s "$log2") ;;
    "$none_at") member stop replica1 ;;
    "$none_end") member start replica1 ;;
    "$freeze_at") kill -STOP "$proxy_pid" ;;
    "$freeze_end") kill -CONT "$proxy_pid" ;;
  esac
  # While the proxy is frozen, Prometheus' short timeouts: 1 s and 2 s.
  header=5
  if [ "$i" -ge "$freeze_at" ] && [ "$i" -lt "$freeze_end" ]; then header=$((1 + i % 2)); fi
  # The primary keeps writing through the lag window, so WAL waits to be replayed.
  if [ "$i" -gt "$lag_at" ] && [ "$i" -lt "$lag_end" ] && [ $((i % 10)) -eq 0 ]; then write_primary; fi
  out=$(curl -s -w "\n%{http_code} %{time_total}" -H "X-Prometheus-Scrape-Timeout-Seconds: $header" \
    http://127.0.0.1:19430/metrics)
  read -r code took <<<"$(tail -n1 <<<"$out")"
  [ "$code" = 200 ] || not_200=$((not_200 + 1))
  if awk -v t="$took" -v h="$header" 'BEGIN { exit !(t > h) }'; then
    late=$((late + 1))
    echo "fault_loop: scrape $i answered in ${took}s, past its ${header}s timeout" >&2
  fi
  grep -q "^replica_sql_scrape_duration_seconds " <<<"$out" || no_self=$((no_self + 1))
  slowest=$(awk -v a="$slowest" -v b="$took" 'BEGIN {print (b > a ? b : a)}')
  served=1
  grep -q "^replica_sql_up 1$" <<<"$out" || served=0
  grep -q "^replica_sql_query_success{.*} 0$" <<<"$out" && served=0
  if [ "$i" -ge "$none_at" ] && [ "$i" -lt $((none_end + grace)) ]; then
    # No healthy replica (and its return): up 0 is the right answer here.
    [ "$served" = 1 ] || unhealthy_ok=$((unhealthy_ok + 1))
  elif [ "$served" = 0 ]; then
    failed=$((failed + 1))
    echo "fault_loop: scrape $i failed ($code, ${took}s)" >&2
  fi
  [ $((i % 100)) -eq 0 ] && echo "fault_loop: $i scrapes, ${SECONDS}s, $failed failed" >&2
  sleep 0.02
done
sleep 1
business_on_promoted=$(tail -c +"$((promoted_mark + 1))" "$log2" | grep -cF "$business_mark" || true)
# The same log before the promotion: the check sees business statements at all.
business_before=$(head -c "$promoted_mark" "$log2" | tail -c +"$((start_mark + 1))" |
  grep -cF "$business_mark" || true)
recovered=$(curl -s http://127.0.0.1:19430/metrics | grep -c "^replica_sql_up 1$" || true)
echo "fault_loop: engine $engine, $scrapes scrapes: $failed failed while a replica was healthy;" \
  "$unhealthy_ok answered with replica_sql_up 0 while none was (or it was coming back);" \
  "$not_200 not HTTP 200; $no_self without self-metrics; slowest ${slowest}s;" \
  "$late answered past their timeout header (1-2 s while the proxy to replica 1 was frozen);" \
  "business statements on the promoted server after its promotion: $business_on_promoted" \
  "(before it, as a replica: $business_before);" \
  "serving again at the end: $([ "$recovered" = 1 ] && echo yes || echo no)"
[ "$failed" = 0 ] && [ "$not_200" = 0 ] && [ "$no_self" = 0 ] && [ "$late" = 0 ] &&
  [ "$business_on_promoted" = 0 ] &&
  [ "$business_before" -gt 0 ] &&
  [ "$recovered" = 1 ]
