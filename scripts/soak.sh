#!/usr/bin/env bash
# The long soak (not part of the test command): the exporter (by default the
# ASan + UBSan test build) scrapes the local PostgreSQL or MariaDB replicas N
# times, one scrape after another, with a query that always fails, and every
# 500 scrapes the exporter's server sessions are killed on both replicas (so it
# must reconnect). Prints RSS, open fds and threads at the start and the end,
# failed scrapes, and the sanitizer's findings (none expected). ASan's
# quarantine is cut to 16 MiB so that RSS shows the exporter's memory, not
# ASan's hold on freed blocks (256 MiB by default).
#   scripts/soak.sh [--engine postgres|mariadb] [--scrapes N] [--binary PATH]
# Needs the clusters of scripts/cluster/start_databases.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
engine=postgres scrapes=10000 binary="$root/build/test/src/replica_sql_exporter"
while [ $# -gt 0 ]; do
  case "$1" in
    --engine) engine=$2; shift ;;
    --scrapes) scrapes=$2; shift ;;
    --binary) binary=$2; shift ;;
    *) echo "usage: scripts/soak.sh [--engine postgres|mariadb] [--scrapes N] [--binary PATH]" >&2; exit 2 ;;
  esac
  shift
done
# shellcheck disable=SC1091
source /var/lib/rse-testdb/endpoints.env

work=$(mktemp -d /tmp/rse_soakXXXXXX)
exporter_pid=""
cleanup() {
  [ -n "$exporter_pid" ] && kill "$exporter_pid" 2>/dev/null && wait "$exporter_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

if [ "$engine" = postgres ]; then r1=$RSE_PG_REPLICA1 r2=$RSE_PG_REPLICA2 kind=postgres; else r1=$RSE_MY_REPLICA1 r2=$RSE_MY_REPLICA2 kind=mysql; fi
cat >"$work/soak.toml" <<TOML
[web]
listen_address = "127.0.0.1:0"
[cluster]
name = "soak"
engine = "$kind"
database = "shop"
user = "$RSE_EXPORTER_USER"
password_env = "RSE_SOAK_PASSWORD"
replicas = ["$r1", "$r2"]
tls_mode = "disable"
[queries]
files = ["$root/queries/shop/*.toml", "$work/failing.toml"]
TOML
cat >"$work/failing.toml" <<'TOML'
[[query]]
name = "always_failing"
sql = "SELECT v FROM no_such_table"
  [[query.metrics]]
  name = "soak_never"
  help = "Never there."
  value = "v"
TOML

kill_sessions() {
  for member in $r1 $r2; do
    if [ "$engine" = postgres ]; then
      psql -h "${member%:*}" -p "${member#*:}" -U "$RSE_PG_ADMIN_USER" -d shop -Atqc \
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = '$RSE_EXPORTER_USER'" >/dev/null
    else
      for id in $(mysql -h "${member%:*}" -P "${member#*:}" -u "$RSE_MY_ADMIN_USER" -p"$RSE_MY_ADMIN_PASSWORD" -N -e \
          "SELECT id FROM information_schema.processlist WHERE user = '$RSE_EXPORTER_USER'" 2>/dev/null); do
        mysql -h "${member%:*}" -P "${member#*:}" -u "$RSE_MY_ADMIN_USER" -p"$RSE_MY_ADMIN_PASSWORD" -e "KILL $id" 2>/dev/null || true
      done
    fi
  done
}

stat_line() {  # rss_kib fds threads
  echo "$(awk '/VmRSS/ {print $2}' /proc/"$exporter_pid"/status) $(ls /proc/"$exporter_pid"/fd | wc -l) $(awk '/Threads/ {print $2}' /proc/"$exporter_pid"/status)"
}

RSE_SOAK_PASSWORD=$RSE_EXPORTER_PASSWORD \
ASAN_OPTIONS=detect_leaks=1:quarantine_size_mb=16 LSAN_OPTIONS="suppressions=$root/tests/lsan.supp:print_suppressions=0" \
  "$binary" --config.file="$work/soak.toml" 2>"$work/exporter.log" &
exporter_pid=$!
for _ in $(seq 1 100); do grep -q "starting replica_sql_exporter" "$work/exporter.log" && break; sleep 0.1; done
port=$(grep -o ' port=[0-9]*' "$work/exporter.log" | head -1 | cut -d= -f2)
[ -n "$port" ] || { cat "$work/exporter.log"; exit 1; }

failed=0 slowest=0
for i in $(seq 1 "$scrapes"); do
  if [ "$i" -eq 100 ]; then read -r rss0 fds0 threads0 <<<"$(stat_line)"; fi
  if [ $((i % 500)) -eq 0 ]; then kill_sessions; fi
  out=$(curl -s -o "$work/body" -w '%{http_code} %{time_total}' -H 'X-Prometheus-Scrape-Timeout-Seconds: 5' "http://127.0.0.1:$port/metrics") || out="000 0"
  code=${out% *} took=${out#* }
  if [ "$code" != 200 ] || ! grep -q '^replica_sql_up 1' "$work/body"; then failed=$((failed + 1)); fi
  slowest=$(awk -v a="$slowest" -v b="$took" 'BEGIN {print (b > a) ? b : a}')
done
read -r rss1 fds1 threads1 <<<"$(stat_line)"
kill -TERM "$exporter_pid"; wait "$exporter_pid" || true; exporter_pid=""
findings=$(grep -c -E "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" "$work/exporter.log" || true)
echo "soak ($engine, $scrapes scrapes, sessions killed every 500): failed scrapes $failed, slowest ${slowest}s"
echo "  after 100 scrapes: RSS ${rss0} KiB, ${fds0} fds, ${threads0} threads"
echo "  at the end:        RSS ${rss1} KiB, ${fds1} fds, ${threads1} threads"
echo "  sanitizer findings: $findings"
[ "$findings" -eq 0 ] && [ "$failed" -eq 0 ]
