#!/usr/bin/env bash
# What a network costs a scrape: the 10-query set (bench/catalog/business.toml,
# uncached) against a replica (PostgreSQL or MariaDB) through bench/delay_proxy.py at each
# added round trip, by connections; prints the median scrape time and the time
# added over the same connections at 0 ms, in seconds and in round trips.
# Target (issue 22): at 20 ms and 2 connections, added <= 3 round trips.
#
#   bench/rtt.sh [--engine postgres|mariadb] [--rtts "0 20"] [--connections "1 2 4"] [--scrapes 15] [--binary PATH]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
RTTS="0 20"; CONNS="1 2 4"; N=15; binary=""; engine=postgres
while [ $# -gt 0 ]; do
  case "$1" in
    --engine) engine=$2; shift ;;
    --rtts) RTTS=$2; shift ;;
    --connections) CONNS=$2; shift ;;
    --scrapes) N=$2; shift ;;
    --binary) binary=$2; shift ;;
    *) echo "usage: bench/rtt.sh [--engine postgres|mariadb] [--rtts LIST] [--connections LIST] [--scrapes N] [--binary PATH]" >&2; exit 2 ;;
  esac
  shift
done
case " $RTTS " in *" 0 "*) ;; *) RTTS="0 $RTTS" ;; esac  # The baseline.
# shellcheck source=lib.sh
source "$root/bench/lib.sh"
case $engine in
  postgres) bench_prepare postgres; replica=$PG_REPLICA; kind=postgres ;;
  mariadb) bench_prepare all; replica=$MY_REPLICA; kind=mysql ;;
  *) echo "bench/rtt.sh: --engine postgres or mariadb" >&2; exit 2 ;;
esac
PORT=19451
declare -A base
printf '%-8s %-12s %-12s %-10s %s\n' rtt_ms connections median_s added_s added_rtts
for rtt in $RTTS; do
  python3 bench/delay_proxy.py --rtt-ms "$rtt" --map "26598=$replica" >"$work/proxy.log" 2>&1 &
  proxy=$!
  pids+=("$proxy")
  for _ in $(seq 50); do grep -q ready "$work/proxy.log" && break; sleep 0.1; done
  for c in $CONNS; do
    config=$(ours_config "$kind" "127.0.0.1:26598" "$root/bench/catalog/business.toml" "$PORT" "$c")
    printf '[pool]\nconnections_per_replica = %s\n' "$c" >>"$config"
    pid=$(start_ours "$config")
    pids+=("$pid")
    wait_up "http://127.0.0.1:$PORT/-/healthy" "$pid" || { cat "$work/ours.log" >&2; exit 1; }
    scrape_times "http://127.0.0.1:$PORT/metrics" 3 >/dev/null  # Sessions open, queries known.
    read -r median _ _ < <(scrape_times "http://127.0.0.1:$PORT/metrics" "$N")
    stop "$pid"
    [ "$rtt" = 0 ] && base[$c]=$median
    awk -v r="$rtt" -v c="$c" -v m="$median" -v b="${base[$c]}" 'BEGIN {
      added = m - b; printf "%-8s %-12s %-12.4f %-10.4f %s\n", r, c, m, added,
        (r > 0 ? sprintf("%.1f", added / (r / 1000)) : "-") }'
  done
  stop "$proxy"
done
