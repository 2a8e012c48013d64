# Shared by bench/run.sh and bench/scale.sh (sourced, not run): the setup,
# starting the exporters and measuring them. start_postgres_exporter reaches
# ${PGE_TARGET:-$PG_REPLICA}.
# shellcheck shell=bash

# Dependencies, the local clusters (`which`: all or postgres), a Release build
# unless $binary is set, and the globals the rest uses: $binary, $PW,
# $PG_REPLICA, $MY_REPLICA, $work, pids (killed at exit, then
# bench_cleanup_extra if the script defines it).
bench_prepare() {
  scripts/install_deps.sh
  scripts/cluster/start_databases.sh "$1" >/dev/null 2>&1
  if [ -z "$binary" ]; then
    scripts/build.sh release -DCMAKE_BUILD_TYPE=Release -DRSE_BUILD_TESTS=OFF >/dev/null
    binary="$root/build/release/src/replica_sql_exporter"
  fi
  # shellcheck source=../scripts/cluster/db_common.sh
  source "$root/scripts/cluster/db_common.sh"
  PW=$RSE_EXPORTER_PASSWORD
  PG_REPLICA=127.0.0.1:${PG_REPLICA_PORTS[1]}
  MY_REPLICA=127.0.0.1:${MY_REPLICA_PORTS[1]}
  work=$(mktemp -d)
  pids=()
  trap bench_cleanup EXIT
}
bench_cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  if declare -F bench_cleanup_extra >/dev/null; then bench_cleanup_extra; fi
  rm -rf "$work"
}

# ---------------------------------------------------------------- exporters
# Each start_* prints the PID of an exporter listening on $port; wait_up waits
# for its /metrics to answer.
wait_up() {  # url [pid]: with a pid, that process must still run once the URL answers
  local url=$1 pid=${2:-} i
  for i in $(seq 100); do
    if curl -sf -o /dev/null "$url"; then
      # Another process on the port (a stray exporter) would be measured instead.
      [ -z "$pid" ] || kill -0 "$pid" 2>/dev/null || { echo "bench: $pid exited; is the port of $url taken?" >&2; return 1; }
      return 0
    fi
    sleep 0.1
  done
  echo "bench: $url never answered" >&2
  return 1
}

ours_config() {  # engine replica catalog port [max_concurrent_queries] -> config path
  local engine=$1 replica=$2 catalog=$3 port=$4 concurrent=${5:-4} file="$work/ours-$4.toml"
  cat >"$file" <<EOF
[web]
listen_address = "127.0.0.1:$port"
[scrape]
timeout = "30s"
max_concurrent_queries = $concurrent
[cluster]
name = "bench"
engine = "$engine"
database = "shop"
user = "exporter"
password_env = "BENCH_PASSWORD"
tls_mode = "disable"
replicas = ["$replica"]
[queries]
files = ["$catalog"]
EOF
  echo "$file"
}

start_ours() {  # config
  BENCH_PASSWORD=$PW "$binary" --config.file="$1" --log.level=error >"$work/ours.log" 2>&1 &
  echo $!
}

start_postgres_exporter() {  # queries port
  # Only the custom queries: the built-in collectors this version has are off
  # (0.11 on Debian 12 has "bgwriter", 0.17 on Debian 13 "stat_bgwriter").
  local off=() collector help
  help=$(prometheus-postgres-exporter --help 2>&1)
  for collector in database bgwriter stat_bgwriter; do
    grep -qE -- "collector\.$collector( |$)" <<<"$help" && off+=("--no-collector.$collector")
  done
  DATA_SOURCE_NAME="postgresql://exporter:$PW@${PGE_TARGET:-$PG_REPLICA}/shop?sslmode=disable" \
    prometheus-postgres-exporter --web.listen-address="127.0.0.1:$2" --log.level=error \
    --disable-default-metrics --disable-settings-metrics "${off[@]}" \
    --extend.query-path="$1" >"$work/pge.log" 2>&1 &
  echo $!
}

start_sql_exporter() {  # engine port
  local dsn
  if [ "$1" = postgres ]; then
    dsn="postgres://exporter:$PW@$PG_REPLICA/shop?sslmode=disable"
  else
    dsn="mysql://exporter:$PW@tcp($MY_REPLICA)/shop"
  fi
  sed "s#@CONNECTION@#$dsn#" bench/peers/sql_exporter.yml >"$work/sql_exporter.yml"
  prometheus-sql-exporter -config.file "$work/sql_exporter.yml" \
    -web.listen-address "127.0.0.1:$2" >"$work/sqle.log" 2>&1 &
  echo $!
}

# Also a process started in a subshell (not our child): polled until it is
# gone, so its port is free for the next one.
stop() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  local i
  for i in $(seq 200); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.05; done
}

# ---------------------------------------------------------------- measures
# Prints "median min max" of N scrape times (seconds) of a URL.
scrape_times() {  # url n [curl args...]
  local url=$1 n=$2
  shift 2
  for _ in $(seq "$n"); do
    curl -s -o /dev/null -w "%{time_total}\n" -H "Accept-Encoding: gzip" "$@" "$url"
  done | sort -n | awk '{a[NR]=$1} END {printf "%.4f %.4f %.4f\n", a[int((NR+1)/2)], a[1], a[NR]}'
}
rss_mib() { awk '/^VmRSS/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
# Resident memory that is the process's own (anonymous: heap, stacks), without
# the pages of shared libraries it maps.
anon_mib() { awk '/^RssAnon/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
hwm_mib() { awk '/^VmHWM/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.3f", ($14+$15)/hz}' "/proc/$1/stat"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b == 0) print "n/a"; else printf "%.2f", a/b}'; }
series() { curl -s "$1" | grep -c "^$2" || true; }

