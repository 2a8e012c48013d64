#!/usr/bin/env bash
# How cost grows: scale curves of replica_sql_exporter, beside
# postgres_exporter where the peer can run the same work, measured here and
# plotted with gnuplot. Writes bench/scale/*.dat and *.svg and the section
# "Scale curves" at the end of bench/RESULTS.md (bench/run.sh keeps it).
#
#   bench/scale.sh [--smoke] [--binary PATH]
#
# Curves: catalog size (10, 100, 1000 cheap queries: start-up, --config.check,
# scrape time, CPU and resident memory per scrape); result size (1k to 1M
# series: scrape time, CPU, peak and after-scrape memory, bytes per series);
# members (2, 8, 32 addresses, each a forwarding port of bench/delay_proxy.py
# to one of the two replicas: scrape time, sessions left open, start-up);
# network distance (added round trip 0, 1, 5, 20, 50 ms through
# bench/delay_proxy.py: the 10-query set at 1, 2, 4 connections, and
# postgres_exporter). PostgreSQL replica 2, one exporter at a time.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

smoke=0
binary=""
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=1 ;;
    --binary) binary=$2; shift ;;
    *) echo "usage: bench/scale.sh [--smoke] [--binary PATH]" >&2; exit 2 ;;
  esac
  shift
done
if [ "$smoke" = 1 ]; then
  N=3; CATALOGS="10 100"; SIZES="1000 10000"; MEMBERS="2 8"; RTTS="0 5"; CONNS="1 2 4"
  plots=$(mktemp -d); results=/dev/null
else
  N=15; CATALOGS="10 100 1000"; SIZES="1000 10000 100000 1000000"; MEMBERS="2 8 32"
  RTTS="0 1 5 20 50"; CONNS="1 2 4"
  plots=$root/bench/scale; results=$root/bench/RESULTS.md
fi

# shellcheck source=lib.sh
source "$root/bench/lib.sh"
bench_prepare postgres
mkdir -p "$plots"
PORT=19450

# Seconds since the epoch, with fractions.
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.3f", b - a}'; }
# The exporter's sessions on both replicas now.
sessions() {
  local total=0 port
  for port in "${PG_REPLICA_PORTS[@]}"; do
    total=$((total + $(pg_sql "$port" postgres "SELECT count(*) FROM pg_stat_activity WHERE usename = 'exporter'")))
  done
  echo "$total"
}
# Starts an exporter on `config` and waits for it: prints "pid startup_seconds".
start_timed() {
  local started pid
  started=$(now)
  pid=$(start_ours "$1")
  wait_up "http://127.0.0.1:$PORT/-/healthy" "$pid" >&2 || { cat "$work/ours.log" >&2; return 1; }
  echo "$pid $(elapsed "$started")"
}
# CPU seconds per scrape over N uncached scrapes: prints "median_s cpu_per_scrape".
measure() {  # pid
  local before after median
  before=$(cpu_seconds "$1")
  read -r median _ _ < <(scrape_times "http://127.0.0.1:$PORT/metrics" "$N")
  after=$(cpu_seconds "$1")
  echo "$median $(awk -v a="$before" -v b="$after" -v n="$N" 'BEGIN {printf "%.4f", (b - a) / n}')"
}
# Growth of y against x from the first point to the last: 1 is linear, below
# 1 better than linear.
growth() {  # x0 y0 x1 y1
  awk -v x0="$1" -v y0="$2" -v x1="$3" -v y1="$4" 'BEGIN {if (y0 <= 0) print "n/a"; else printf "%.2f", (y1 / y0) / (x1 / x0)}'
}
scale_rows=()
scale_row() { scale_rows+=("| $1 | $2 | $3 |"); }

# ------------------------------------------------------------- catalog size
: >"$plots/catalog.dat"
for q in $CATALOGS; do
  catalog="$work/catalog-$q.toml"
  : >"$catalog"
  for i in $(seq "$q"); do
    printf '[[query]]\nname = "q%s"\nsql = "SELECT %s AS v"\n  [[query.metrics]]\n  name = "bench_q%s"\n  help = "h"\n  value = "v"\n' \
      "$i" "$i" "$i" >>"$catalog"
  done
  config=$(ours_config postgres "$PG_REPLICA" "$catalog" "$PORT")
  started=$(now)
  BENCH_PASSWORD=$PW "$binary" --config.file="$config" --config.check >/dev/null
  check=$(elapsed "$started")
  read -r pid startup < <(start_timed "$config")
  pids+=("$pid")
  read -r t cpu < <(measure "$pid")
  rss=$(rss_mib "$pid")
  stop "$pid"
  echo "$q $startup $check $t $cpu $rss" >>"$plots/catalog.dat"
done
read -r q0 s0 _ t0 _ _ < <(head -1 "$plots/catalog.dat")
read -r q1 s1 c1 t1 cpu1 rss1 < <(tail -1 "$plots/catalog.dat")
scale_row "catalog of $q1 queries: start-up (s, target <= 1) / --config.check (s) / scrape (s) / CPU per scrape (s) / resident (MiB)" \
  "$s1 / $c1 / $t1 / $cpu1 / $rss1" "scrape time growth $(growth "$q0" "$t0" "$q1" "$t1") from $q0 to $q1 queries"

# ------------------------------------------------------------- result size
: >"$plots/result.dat"
for n in $SIZES; do
  catalog="$work/result-$n.toml"
  printf '[[query]]\nname = "big"\nsql = "SELECT i AS k, i AS v FROM generate_series(1, %s) AS i"\nmax_series = 1000000\n  [[query.metrics]]\n  name = "bench_big"\n  help = "h"\n  labels = ["k"]\n  value = "v"\n' \
    "$n" >"$catalog"
  read -r pid _ < <(start_timed "$(ours_config postgres "$PG_REPLICA" "$catalog" "$PORT")")
  pids+=("$pid")
  idle=$(rss_mib "$pid")
  read -r t cpu < <(measure "$pid")
  peak=$(hwm_mib "$pid")
  after=$(rss_mib "$pid")
  stop "$pid"
  yaml="$work/result-$n.yaml"
  printf 'bench_big:\n  query: "SELECT i::text AS k, i AS v FROM generate_series(1, %s) AS i"\n  metrics:\n    - k:\n        usage: "LABEL"\n        description: "k"\n    - v:\n        usage: "GAUGE"\n        description: "h"\n' "$n" >"$yaml"
  pid=$(start_postgres_exporter "$yaml" "$PORT")
  pids+=("$pid")
  wait_up "http://127.0.0.1:$PORT/metrics" "$pid" || { cat "$work/pge.log" >&2; exit 1; }
  read -r pt pcpu < <(measure "$pid")
  ppeak=$(hwm_mib "$pid")
  stop "$pid"
  per=$(awk -v p="$peak" -v i="$idle" -v n="$n" 'BEGIN {printf "%.0f", (p - i) * 1048576 / n}')
  echo "$n $t $cpu $peak $after $idle $per $pt $pcpu $ppeak" >>"$plots/result.dat"
done
read -r n0 t0 _ < <(head -1 "$plots/result.dat")
read -r n1 t1 cpu1 peak1 after1 idle1 per1 pt1 _ ppeak1 < <(tail -1 "$plots/result.dat")
scale_row "$n1 series: scrape (s) / CPU (s) / peak, after, idle resident (MiB) / peak bytes per series (target <= 200)" \
  "$t1 / $cpu1 / $peak1, $after1, $idle1 / $per1" "scrape time growth $(growth "$n0" "$t0" "$n1" "$t1") from $n0 to $n1; postgres_exporter $pt1 s, peak $ppeak1 MiB"

# ------------------------------------------------------------- members
: >"$plots/members.dat"
for m in $MEMBERS; do
  maps=() replicas=""
  for i in $(seq "$m"); do
    target=127.0.0.1:${PG_REPLICA_PORTS[$(( i % 2 ))]}
    maps+=(--map "$((26600 + i))=$target")
    replicas+="${replicas:+\", \"}127.0.0.1:$((26600 + i))"
  done
  python3 bench/delay_proxy.py --rtt-ms 0 "${maps[@]}" >"$work/proxy.log" 2>&1 &
  proxy=$!
  pids+=("$proxy")
  for _ in $(seq 50); do grep -q ready "$work/proxy.log" && break; sleep 0.1; done
  read -r pid startup < <(start_timed "$(ours_config postgres "$replicas" "$root/bench/catalog/business.toml" "$PORT")")
  pids+=("$pid")
  read -r t cpu < <(measure "$pid")
  open=$(sessions)
  stop "$pid"
  stop "$proxy"
  echo "$m $t $cpu $open $startup" >>"$plots/members.dat"
done
read -r m0 t0 _ < <(head -1 "$plots/members.dat")
read -r m1 t1 cpu1 open1 startup1 < <(tail -1 "$plots/members.dat")
scale_row "$m1 members: scrape (s) / CPU per scrape (s) / exporter sessions open on the replicas / start-up (s)" \
  "$t1 / $cpu1 / $open1 / $startup1" "scrape time growth $(growth "$m0" "$t0" "$m1" "$t1") from $m0 to $m1 members"

# ------------------------------------------------------------- network distance
: >"$plots/rtt.dat"
ahead=0 points=0
for rtt in $RTTS; do
  python3 bench/delay_proxy.py --rtt-ms "$rtt" --map "26599=$PG_REPLICA" >"$work/proxy.log" 2>&1 &
  proxy=$!
  pids+=("$proxy")
  for _ in $(seq 50); do grep -q ready "$work/proxy.log" && break; sleep 0.1; done
  line="$rtt"
  best=""
  for c in $CONNS; do
    config=$(ours_config postgres "127.0.0.1:26599" "$root/bench/catalog/business.toml" "$PORT" "$c")
    printf '[pool]\nconnections_per_replica = %s\n' "$c" >>"$config"
    read -r pid _ < <(start_timed "$config")
    pids+=("$pid")
    read -r t _ < <(measure "$pid")
    stop "$pid"
    line+=" $t"
    best=$t
  done
  pid=$(PGE_TARGET=127.0.0.1:26599 start_postgres_exporter "$root/bench/peers/postgres_exporter.yaml" "$PORT")
  pids+=("$pid")
  wait_up "http://127.0.0.1:$PORT/metrics" "$pid"
  read -r pt _ < <(measure "$pid")
  stop "$pid"
  stop "$proxy"
  echo "$line $pt" >>"$plots/rtt.dat"
  points=$((points + 1))
  awk -v a="$best" -v b="$pt" 'BEGIN {exit !(a < b)}' && ahead=$((ahead + 1))
done
read -r r0 o0 _ < <(head -1 "$plots/rtt.dat")
last=$(tail -1 "$plots/rtt.dat")
scale_row "added round trip ${RTTS// /, } ms, 10 queries: RTTs where ours (most connections) is faster than postgres_exporter" \
  "$ahead of $points" "at $(awk '{print $1}' <<<"$last") ms: ours $(awk '{print $(NF-1)}' <<<"$last") s (4 connections), $(awk '{print $2}' <<<"$last") s (1), postgres_exporter $(awk '{print $NF}' <<<"$last") s"

# ------------------------------------------------------------- plots
if command -v gnuplot >/dev/null 2>&1; then
  gnuplot <<GP
set terminal svg size 720,420 dynamic font "sans,12" noenhanced
set key top left
set grid
set output "$plots/catalog.svg"
set title "Catalog size (PostgreSQL replica, cheap queries)"
set xlabel "queries"; set logscale x; set ylabel "seconds"
plot "$plots/catalog.dat" using 1:4 with linespoints title "scrape", \
     "" using 1:2 with linespoints title "start-up", \
     "" using 1:3 with linespoints title "--config.check", \
     "" using 1:5 with linespoints title "CPU per scrape"
set output "$plots/result.svg"
set title "Result size: one query of N series"
set xlabel "series"; set logscale xy; set ylabel "seconds / MiB"
plot "$plots/result.dat" using 1:2 with linespoints title "scrape (s)", \
     "" using 1:8 with linespoints title "postgres_exporter scrape (s)", \
     "" using 1:4 with linespoints title "peak resident (MiB)", \
     "" using 1:10 with linespoints title "postgres_exporter peak (MiB)"
unset logscale
set output "$plots/members.svg"
set title "Members (addresses over two replicas)"
set xlabel "members"; set logscale x; set ylabel "seconds / sessions"
plot "$plots/members.dat" using 1:2 with linespoints title "scrape (s)", \
     "" using 1:4 with linespoints title "sessions open", \
     "" using 1:5 with linespoints title "start-up (s)"
unset logscale
set output "$plots/rtt.svg"
set title "Network distance: 10 queries, added round trip"
set xlabel "added RTT (ms)"; set ylabel "scrape (s)"
plot "$plots/rtt.dat" using 1:2 with linespoints title "ours, 1 connection", \
     "" using 1:3 with linespoints title "ours, 2 connections", \
     "" using 1:4 with linespoints title "ours, 4 connections", \
     "" using 1:5 with linespoints title "postgres_exporter"
GP
fi

# ------------------------------------------------------------- report
{
  echo "<!-- scale: written by bench/scale.sh; bench/run.sh keeps this section -->"
  echo "## Scale curves"
  echo
  echo "Written by \`bench/scale.sh$([ "$smoke" = 1 ] && echo ' --smoke')\` on $(date -u +%Y-%m-%dT%H:%MZ), median of $N uncached"
  echo "scrapes per point, PostgreSQL replica :${PG_REPLICA_PORTS[1]}; data in \`bench/scale/*.dat\`. Growth: (y_last/y_first) /"
  echo "(x_last/x_first): 1 is linear, below 1 better than linear."
  echo
  echo "| curve | ours | notes |"
  echo "| --- | --- | --- |"
  printf '%s\n' "${scale_rows[@]}"
  echo
  for plot in catalog result members rtt; do echo "![$plot](scale/$plot.svg)"; done
} >"$work/scale.md"
if [ "$results" != /dev/null ]; then
  # Replace this section in RESULTS.md, or append it.
  sed -i '/^<!-- scale:/,$d' "$results"
  cat "$work/scale.md" >>"$results"
fi
cat "$work/scale.md"
[ "${#scale_rows[@]}" -eq 4 ] || { echo "scale: ${#scale_rows[@]} rows, expected 4" >&2; exit 1; }
