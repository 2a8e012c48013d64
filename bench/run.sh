#!/usr/bin/env bash
# Side-by-side benchmark of replica_sql_exporter and its peers on the same
# replica and the same SQL, one exporter at a time, on this machine. Writes a
# Markdown report (default bench/RESULTS.md).
#
#   bench/run.sh                 full run: Release build, local clusters, peers
#   bench/run.sh --smoke         a few iterations of every scenario (the tests
#                                run this so the harness cannot rot)
#   --binary PATH                use this exporter binary instead of building
#   --out FILE                   where the report goes
#
# Peers (Debian 12 packages): prometheus-postgres-exporter 0.11 with the same
# queries as custom queries and its default collectors off, and
# prometheus-sql-exporter 0.4.5 (justwatchcom) with the same queries; configs in
# bench/peers/. Not part of the test command.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

smoke=0
binary=""
out="$root/bench/RESULTS.md"
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=1 ;;
    --binary) binary=$2; shift ;;
    --out) out=$2; shift ;;
    *) echo "usage: bench/run.sh [--smoke] [--binary PATH] [--out FILE]" >&2; exit 2 ;;
  esac
  shift
done

if [ "$smoke" = 1 ]; then
  N=3; WRK_SECONDS=1; BIG_ROWS=2000; BIG_SCRAPES=2; KILL_LOOP=20; ROUNDS=2; LONG=50
  HUGE_ROWS=20000
  SCRAPERS_SECONDS=2
else
  N=30; WRK_SECONDS=10; BIG_ROWS=100000; BIG_SCRAPES=20; KILL_LOOP=1000; ROUNDS=10; LONG=10000
  HUGE_ROWS=1000000
  SCRAPERS_SECONDS=10
fi

# shellcheck source=lib.sh
source "$root/bench/lib.sh"
bench_cleanup_extra() { statement_log off 2>/dev/null || true; }
bench_prepare all

rows=()
row() { rows+=("| $1 | $2 | $3 | $4 | $5 |"); }

# ---------------------------------------------------------------- the server's own view
# The PostgreSQL replica logs every statement of the exporter role with its
# duration (log_min_duration_statement = 0 for that role, set on the primary
# and replicated), so executions and their time are counted by the server.
PG_LOG="$PG_ROOT/replica2.log"
statement_log() {  # on|off
  if [ "$1" = on ]; then
    pg_sql "$PG_PRIMARY_PORT" postgres "ALTER ROLE exporter SET log_min_duration_statement = 0"
  else
    pg_sql "$PG_PRIMARY_PORT" postgres "ALTER ROLE exporter RESET log_min_duration_statement"
  fi
  sleep 1  # Replayed on the replica; sessions opened from now on take it.
}
log_mark() { stat -c %s "$PG_LOG"; }
# The business statements logged since byte $1: "<duration ms>\t<sql>" per
# execution (the catalog's SQL only; probes are not). Ours sends
# "SELECT 1; BEGIN READ ONLY; SET LOCAL ...; <SQL>; ROLLBACK" in one string (a
# libpqxx pipeline), which the log shows over lines; its duration includes
# those few statements around the SQL (~0.03 ms).
business_sql="$work/business.sql"
sed -n 's/^sql = "\(.*\)"$/\1/p' bench/catalog/business.toml | sed 's/\\"/"/g' >"$business_sql"
business_since() {
  tail -c +"$(($1 + 1))" "$PG_LOG" | awk '
    NR == FNR {sql[$0] = 1; next}
    pending != "" {  # A continuation line: the log indents it with a tab.
      line = $0; sub(/^\t/, "", line)
      if (line in sql) printf "%s\t%s\n", pending, line
      pending = ""
    }
    match($0, / LOG:  duration: [0-9.]+ ms  (statement|execute [^:]*): /) {
      split(substr($0, RSTART + 17), d, " ")
      text = substr($0, RSTART + RLENGTH)
      if (text ~ /^(SELECT 1; )?BEGIN READ ONLY; SET LOCAL .*; ?$/) pending = d[1]
      else if (text in sql) printf "%s\t%s\n", d[1], text
    }' "$business_sql" -
}

cached_catalog="$work/business_cached.toml"
# The same catalog with every query cached for an hour.
awk '{print} /^name = "/ && prev == "[[query]]" {print "cache = \"1h\""} {prev=$0}' \
  bench/catalog/business.toml >"$cached_catalog"

# ---------------------------------------------------------------- scenarios
for engine in postgres mysql; do
  if [ "$engine" = postgres ]; then replica=$PG_REPLICA; else replica=$MY_REPLICA; fi
  peer_name=$([ "$engine" = postgres ] && echo postgres_exporter || echo sql_exporter)

  # Idle memory and uncached scrapes of the 10 business queries.
  pid=$(start_ours "$(ours_config "$engine" "$replica" "$root/bench/catalog/business.toml" 19401)")
  pids+=("$pid")
  wait_up http://127.0.0.1:19401/-/healthy "$pid"
  sleep 1
  ours_idle=$(rss_mib "$pid")
  ours_anon=$(anon_mib "$pid")
  ours_series=$(series http://127.0.0.1:19401/metrics bench_)
  read -r ours_med ours_min ours_max < <(scrape_times http://127.0.0.1:19401/metrics "$N")
  stop "$pid"

  if [ "$engine" = postgres ]; then
    pid=$(start_postgres_exporter bench/peers/postgres_exporter.yaml 19402)
    peer_url=http://127.0.0.1:19402/metrics
  else
    pid=$(start_sql_exporter mysql 19402)
    peer_url=http://127.0.0.1:19402/metrics
  fi
  pids+=("$pid")
  wait_up "$peer_url" "$pid"
  sleep 2  # sql_exporter runs its jobs once at start.
  peer_idle=$(rss_mib "$pid")
  peer_anon=$(anon_mib "$pid")
  peer_series=$(series "$peer_url" "bench_\|sql_bench_")
  read -r peer_med peer_min peer_max < <(scrape_times "$peer_url" "$N")
  stop "$pid"
  row "$engine: 10 queries, uncached scrape (s, median [min-max] of $N)" \
    "$ours_med [$ours_min-$ours_max], $ours_series series" "$peer_name" \
    "$peer_med [$peer_min-$peer_max], $peer_series series$([ "$engine" = mysql ] && echo ' (its own interval cache)')" \
    "$(ratio "$ours_med" "$peer_med")"
  row "$engine: idle resident memory (MiB; of it anonymous, i.e. not shared-library pages)" \
    "$ours_idle ($ours_anon)" "$peer_name" "$peer_idle ($peer_anon)" "$(ratio "$ours_idle" "$peer_idle")"

  # Cached throughput: wrk, 2 threads, 8 connections, gzip.
  pid=$(start_ours "$(ours_config "$engine" "$replica" "$cached_catalog" 19403)")
  pids+=("$pid")
  wait_up http://127.0.0.1:19403/metrics "$pid"
  ours_rps=$(wrk -t2 -c8 -d"${WRK_SECONDS}s" -H "Accept-Encoding: gzip" \
    http://127.0.0.1:19403/metrics | awk '/Requests\/sec/ {print $2}')
  stop "$pid"
  if [ "$engine" = postgres ]; then
    pid=$(start_postgres_exporter bench/peers/postgres_exporter.yaml 19404)
  else
    pid=$(start_sql_exporter mysql 19404)
  fi
  pids+=("$pid")
  wait_up http://127.0.0.1:19404/metrics "$pid"
  sleep 1
  peer_rps=$(wrk -t2 -c8 -d"${WRK_SECONDS}s" -H "Accept-Encoding: gzip" \
    http://127.0.0.1:19404/metrics | awk '/Requests\/sec/ {print $2}')
  stop "$pid"
  row "$engine: cached scrapes/s (wrk -t2 -c8 -d${WRK_SECONDS}s, gzip)" "$ours_rps" \
    "$peer_name$([ "$engine" = postgres ] && echo ' (no cache: runs the queries)')" "$peer_rps" \
    "$(ratio "$ours_rps" "$peer_rps")"
done

# ---------------------------------------------------------------- as the server saw it
statement_log on
# Overhead per uncached scrape: scrape time minus the time the replica spent
# in the business statements of that scrape, over $N scrapes, queries run one
# after another (max_concurrent_queries = 1; postgres_exporter runs them in turn).
overhead() {  # url -> "overhead_ms scrape_ms statements_ms"
  local url=$1 mark total
  for _ in 1 2 3; do curl -s -o /dev/null "$url"; done
  mark=$(log_mark)
  total=$(for _ in $(seq "$N"); do curl -s -o /dev/null -w "%{time_total}\n" "$url"; done |
    awk '{s += $1} END {printf "%.6f", s}')
  sleep 0.5
  business_since "$mark" | awk -F'\t' -v total="$total" -v n="$N" \
    '{db += $1} END {printf "%.2f %.2f %.2f\n", (total * 1000 - db) / n, total * 1000 / n, db / n}'
}
pid=$(start_ours "$(ours_config postgres "$PG_REPLICA" "$root/bench/catalog/business.toml" 19412 1)")
pids+=("$pid")
wait_up http://127.0.0.1:19412/-/healthy "$pid"
read -r o_over o_scrape o_db < <(overhead http://127.0.0.1:19412/metrics)
stop "$pid"
pid=$(start_postgres_exporter bench/peers/postgres_exporter.yaml 19413)
pids+=("$pid")
wait_up http://127.0.0.1:19413/metrics "$pid"
read -r p_over p_scrape p_db < <(overhead http://127.0.0.1:19413/metrics)
stop "$pid"
row "postgres: exporter overhead per uncached scrape, queries in turn (ms: scrape - business statements as the replica logged them; mean of $N)" \
  "$o_over ($o_scrape - $o_db)" postgres_exporter "$p_over ($p_scrape - $p_db)" "$(ratio "$o_over" "$p_over")"

# Two scrapes at once, $ROUNDS rounds: executions of each query, counted in the replica's log.
two_at_once() {  # url -> "rounds_with_one_execution_each max_executions_of_a_query"
  local url=$1 single=0 most=0 mark worst
  for _ in $(seq "$ROUNDS"); do
    mark=$(log_mark)
    curl -s -o /dev/null "$url" & curl -s -o /dev/null "$url" & wait
    sleep 0.5
    worst=$(business_since "$mark" | cut -f2 | sort | uniq -c | awk '{if ($1 > m) m = $1} END {print m + 0}')
    [ "$worst" -eq 1 ] && single=$((single + 1))
    [ "$worst" -gt "$most" ] && most=$worst
  done
  echo "$single $most"
}
pid=$(start_ours "$(ours_config postgres "$PG_REPLICA" "$root/bench/catalog/business.toml" 19414)")
pids+=("$pid")
wait_up http://127.0.0.1:19414/-/healthy "$pid"
read -r o_single o_most < <(two_at_once http://127.0.0.1:19414/metrics)
stop "$pid"
pid=$(start_postgres_exporter bench/peers/postgres_exporter.yaml 19415)
pids+=("$pid")
wait_up http://127.0.0.1:19415/metrics "$pid"
read -r p_single p_most < <(two_at_once http://127.0.0.1:19415/metrics)
stop "$pid"
row "postgres: 2 simultaneous scrapes, $ROUNDS rounds: rounds with one execution per query (most executions of a query in a round), from the replica's log" \
  "$o_single of $ROUNDS ($o_most)" postgres_exporter "$p_single of $ROUNDS ($p_most)" "-"
# A fully cached scrape: statements the replica logged from the exporter role
# (probes included) during 100 scrapes once every query is cached.
pid=$(start_ours "$(ours_config postgres "$PG_REPLICA" "$cached_catalog" 19419)")
pids+=("$pid")
wait_up http://127.0.0.1:19419/metrics "$pid"
sleep 0.5
mark=$(log_mark)
for _ in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:19419/metrics; done
sleep 0.5
cached_statements=$(tail -c +"$((mark + 1))" "$PG_LOG" | grep -c " LOG:  duration: " || true)
stop "$pid"
row "postgres: 100 fully cached scrapes: statements the replica logged from the exporter" \
  "$cached_statements" "-" "-" "-"
statement_log off

# Eight concurrent scrapers for ${SCRAPERS_SECONDS}s on healthy replicas, every
# query cached for 1 s (so they expire under load): responses without
# replica_sql_up 1, and responses where a query was not served.
scrapers_catalog="$work/business_1s.toml"
sed 's/^cache = "1h"$/cache = "1s"/' "$cached_catalog" >"$scrapers_catalog"
pid=$(start_ours "$(ours_config postgres "$PG_REPLICA" "$scrapers_catalog" 19416)")
pids+=("$pid")
wait_up http://127.0.0.1:19416/-/healthy "$pid"
for i in $(seq 8); do
  (
    end=$((SECONDS + SCRAPERS_SECONDS))
    while [ "$SECONDS" -lt "$end" ]; do
      body=$(curl -s http://127.0.0.1:19416/metrics)
      grep -q "^replica_sql_up 1$" <<<"$body" && echo up || echo down
      grep -q "^replica_sql_query_success{.*} 0$" <<<"$body" && echo unserved || true
    done >"$work/scraper-$i"
  ) &
done
wait
stop "$pid"
responses=$(cat "$work"/scraper-* | grep -c "^\(up\|down\)$" || true)
downs=$(cat "$work"/scraper-* | grep -c "^down$" || true)
unserved=$(cat "$work"/scraper-* | grep -c "^unserved$" || true)
row "postgres: 8 concurrent scrapers for ${SCRAPERS_SECONDS}s, queries cached 1s: responses without replica_sql_up 1 / with a query not served" \
  "$downs / $unserved of $responses" "-" "-" "-"

# Memory over $LONG uncached scrapes (keep-alive, one client).
long_run() {  # pid url -> "rss_after_100 rss_after_long"
  local pid=$1 url=$2 early left batch
  for _ in $(seq 100); do echo "url = \"$url\""; done >"$work/urls-100"
  curl -s -K "$work/urls-100" >/dev/null
  early=$(rss_mib "$pid")
  left=$((LONG - 100))
  while [ "$left" -gt 0 ]; do
    batch=$((left < 500 ? left : 500))
    for _ in $(seq "$batch"); do echo "url = \"$url\""; done >"$work/urls"
    curl -s -K "$work/urls" >/dev/null
    left=$((left - batch))
  done
  echo "$early $(rss_mib "$pid")"
}
pid=$(start_ours "$(ours_config postgres "$PG_REPLICA" "$root/bench/catalog/business.toml" 19417)")
pids+=("$pid")
wait_up http://127.0.0.1:19417/-/healthy "$pid"
read -r o_early o_late < <(long_run "$pid" http://127.0.0.1:19417/metrics)
stop "$pid"
pid=$(start_postgres_exporter bench/peers/postgres_exporter.yaml 19418)
pids+=("$pid")
wait_up http://127.0.0.1:19418/metrics "$pid"
read -r p_early p_late < <(long_run "$pid" http://127.0.0.1:19418/metrics)
stop "$pid"
row "postgres: resident memory after 100 and after $LONG uncached scrapes (MiB)" \
  "$o_early -> $o_late" postgres_exporter "$p_early -> $p_late" "$(ratio "$o_late" "$p_late")"

# One query, $BIG_ROWS series (PostgreSQL; peer postgres_exporter).
big_toml="$work/big.toml"
cat >"$big_toml" <<EOF
[[query]]
name = "big"
sql = "SELECT g::text AS id, g::float8 AS v FROM generate_series(1, $BIG_ROWS) g"
max_series = $((BIG_ROWS * 2))
  [[query.metrics]]
  name = "bench_big_v"
  help = "Many series."
  labels = ["id"]
  value = "v"
EOF
big_yaml="$work/big.yaml"
cat >"$big_yaml" <<EOF
bench_big:
  query: "SELECT g::text AS id, g::float8 AS v FROM generate_series(1, $BIG_ROWS) g"
  metrics:
    - id:
        usage: "LABEL"
        description: "id"
    - v:
        usage: "GAUGE"
        description: "Many series."
EOF
big_run() {  # pid url -> "median_s cpu_per_scrape_s peak_mib after_mib"
  local pid=$1 url=$2 cpu0 cpu1 times
  cpu0=$(cpu_seconds "$pid")
  times=$(scrape_times "$url" "$BIG_SCRAPES")
  cpu1=$(cpu_seconds "$pid")
  sleep 1
  echo "$(echo "$times" | cut -d' ' -f1) $(awk -v a="$cpu0" -v b="$cpu1" -v n="$BIG_SCRAPES" \
    'BEGIN {printf "%.3f", (b-a)/n}') $(hwm_mib "$pid") $(rss_mib "$pid")"
}
pid=$(start_ours "$(ours_config postgres "$PG_REPLICA" "$big_toml" 19405)")
pids+=("$pid")
wait_up http://127.0.0.1:19405/-/healthy "$pid"
ours_idle=$(rss_mib "$pid")
read -r o_t o_cpu o_peak o_after < <(big_run "$pid" http://127.0.0.1:19405/metrics)
stop "$pid"
pid=$(start_postgres_exporter "$big_yaml" 19406)
pids+=("$pid")
wait_up http://127.0.0.1:19406/metrics "$pid"
read -r p_t p_cpu p_peak p_after < <(big_run "$pid" http://127.0.0.1:19406/metrics)
stop "$pid"
row "postgres: $BIG_ROWS series, scrape time (s, median of $BIG_SCRAPES)" "$o_t" postgres_exporter "$p_t" "$(ratio "$o_t" "$p_t")"
row "postgres: $BIG_ROWS series, CPU per scrape (s)" "$o_cpu" postgres_exporter "$p_cpu" "$(ratio "$o_cpu" "$p_cpu")"
row "postgres: $BIG_ROWS series, peak resident memory (MiB)" "$o_peak" postgres_exporter "$p_peak" "$(ratio "$o_peak" "$p_peak")"
row "postgres: $BIG_ROWS series, resident after $BIG_SCRAPES scrapes (MiB; ours idle $ours_idle)" "$o_after" postgres_exporter "$p_after" "$(ratio "$o_after" "$p_after")"

# A runaway query: $HUGE_ROWS rows, past the default max_series (10 000), beside
# a sentinel query. Ours only: the query fails (too_many_series) and the rest
# is served; the driver still receives every row (libpq and libmariadb hold
# the whole result), and the memory must come back afterwards.
for engine in postgres mysql; do
  huge_toml="$work/huge-$engine.toml"
  if [ "$engine" = postgres ]; then
    huge_sql="SELECT g::text AS id, g AS v FROM generate_series(1, $HUGE_ROWS) g"
    replica=$PG_REPLICA
  else
    huge_sql="SELECT CONCAT(seq, '') AS id, seq AS v FROM seq_1_to_$HUGE_ROWS"
    replica=$MY_REPLICA
  fi
  cat >"$huge_toml" <<EOF
[[query]]
name = "huge"
sql = "$huge_sql"
  [[query.metrics]]
  name = "bench_huge_v"
  help = "Too many series."
  labels = ["id"]
  value = "v"
[[query]]
name = "sentinel"
sql = "SELECT 1 AS v"
  [[query.metrics]]
  name = "bench_sentinel"
  help = "Served beside it."
  value = "v"
EOF
  pid=$(start_ours "$(ours_config "$engine" "$replica" "$huge_toml" 19420)")
  pids+=("$pid")
  wait_up http://127.0.0.1:19420/-/healthy "$pid"
  huge_idle=$(rss_mib "$pid")
  served=0
  for _ in 1 2 3; do
    body=$(curl -s http://127.0.0.1:19420/metrics)
    if grep -q '^bench_sentinel 1$' <<<"$body" &&
      grep -q '^replica_sql_query_success{query="huge"} 0$' <<<"$body"; then
      served=$((served + 1))
    fi
  done
  sleep 1
  row "$engine: a query of $HUGE_ROWS rows past max_series, 3 scrapes: scrapes where it alone failed; peak / after / idle resident memory (MiB)" \
    "$served of 3; $(hwm_mib "$pid") / $(rss_mib "$pid") / $huge_idle" - - -
  stop "$pid"
done

# Four 0.5 s queries, and a 3 s query under a 1 s timeout header.
sleep_toml="$work/sleep.toml"
sleep_yaml="$work/sleep.yaml"
: >"$sleep_toml"
: >"$sleep_yaml"
for i in 1 2 3 4; do
  printf '[[query]]\nname = "nap%s"\nsql = "SELECT 1 AS v FROM pg_sleep(0.5)"\n  [[query.metrics]]\n  name = "bench_nap%s_v"\n  help = "h"\n  value = "v"\n' "$i" "$i" >>"$sleep_toml"
  printf 'bench_nap%s:\n  query: "SELECT 1 AS v FROM pg_sleep(0.5)"\n  metrics:\n    - v:\n        usage: "GAUGE"\n        description: "h"\n' "$i" >>"$sleep_yaml"
done
pid=$(start_ours "$(ours_config postgres "$PG_REPLICA" "$sleep_toml" 19407)")
pids+=("$pid")
wait_up http://127.0.0.1:19407/-/healthy "$pid"
read -r o_t _ _ < <(scrape_times http://127.0.0.1:19407/metrics "$N")
stop "$pid"
pid=$(start_postgres_exporter "$sleep_yaml" 19408)
pids+=("$pid")
wait_up http://127.0.0.1:19408/metrics "$pid"
read -r p_t _ _ < <(scrape_times http://127.0.0.1:19408/metrics "$N")
stop "$pid"
row "postgres: 4 x pg_sleep(0.5), scrape time (s, median)" "$o_t" postgres_exporter "$p_t" "$(ratio "$o_t" "$p_t")"

slow_toml="$work/slow.toml"
slow_yaml="$work/slow.yaml"
printf '[[query]]\nname = "slow"\nsql = "SELECT 1 AS v FROM pg_sleep(3)"\n  [[query.metrics]]\n  name = "bench_slow_v"\n  help = "h"\n  value = "v"\n' >"$slow_toml"
printf 'bench_slow:\n  query: "SELECT 1 AS v FROM pg_sleep(3)"\n  metrics:\n    - v:\n        usage: "GAUGE"\n        description: "h"\n' >"$slow_yaml"
left_running() {
  sleep 1
  pg_sql "${PG_REPLICA_PORTS[1]}" shop \
    "SELECT count(*) FROM pg_stat_activity WHERE usename = 'exporter' AND query LIKE '%pg_sleep(3)%' AND state = 'active'"
}
pid=$(start_ours "$(ours_config postgres "$PG_REPLICA" "$slow_toml" 19409)")
pids+=("$pid")
wait_up http://127.0.0.1:19409/-/healthy "$pid"
read -r o_t _ _ < <(scrape_times http://127.0.0.1:19409/metrics 1 -H "X-Prometheus-Scrape-Timeout-Seconds: 1")
o_left=$(left_running)
stop "$pid"
pid=$(start_postgres_exporter "$slow_yaml" 19410)
pids+=("$pid")
wait_up http://127.0.0.1:19410/metrics "$pid"
read -r p_t _ _ < <(scrape_times http://127.0.0.1:19410/metrics 1 -H "X-Prometheus-Scrape-Timeout-Seconds: 1")
p_left=$(left_running)
stop "$pid"
row "postgres: 3 s query, timeout header 1 s: scrape time (s); still running on the server 1 s later" \
  "$o_t; $o_left" postgres_exporter "$p_t; $p_left" "$(ratio "$o_t" "$p_t")"

# A replica killed in the middle of a scrape loop (ours, both replicas listed).
two_replicas="$work/two.toml"
ours_config postgres "$PG_REPLICA" "$root/bench/catalog/business.toml" 19411 >/dev/null
sed "s#replicas = \[\"$PG_REPLICA\"\]#replicas = [\"127.0.0.1:${PG_REPLICA_PORTS[0]}\", \"$PG_REPLICA\"]#" \
  "$work/ours-19411.toml" >"$two_replicas"
pid=$(start_ours "$two_replicas")
pids+=("$pid")
wait_up http://127.0.0.1:19411/-/healthy "$pid"
# First the same loop without a fault: the p99 the fault adds is the difference.
baseline="$work/baseline-times"
for _ in $(seq "$KILL_LOOP"); do
  curl -s -o /dev/null -w "%{time_total}\n" http://127.0.0.1:19411/metrics
done >"$baseline"
failed=0
times="$work/kill-times"
: >"$times"
for i in $(seq "$KILL_LOOP"); do
  [ "$i" -eq $((KILL_LOOP / 3)) ] && "$root/scripts/cluster/member.sh" stop postgres replica2
  [ "$i" -eq $((2 * KILL_LOOP / 3)) ] && "$root/scripts/cluster/member.sh" start postgres replica2
  body=$(curl -s -w "\n%{time_total}" http://127.0.0.1:19411/metrics)
  tail -n1 <<<"$body" >>"$times"
  # A here-string, not a pipe: under pipefail, `echo | grep -q` fails whenever
  # grep stops reading early and echo gets SIGPIPE (a false "failed scrape").
  grep -q "^replica_sql_up 1$" <<<"$body" || failed=$((failed + 1))
done
stop "$pid"
percentile() { sort -n "$2" | awk -v p="$1" '{a[NR]=$1} END {i=int(NR*p); if (i<1) i=1; printf "%.4f", a[i]}'; }
p50=$(percentile 0.5 "$times")
p99=$(percentile 0.99 "$times")
b99=$(percentile 0.99 "$baseline")
row "postgres: replica stopped at 1/3 and started at 2/3 of $KILL_LOOP scrapes: failed scrapes; p50 / p99 (s); p99 added over the same loop without the fault" \
  "$failed failed; $p50 / $p99; +$(awk -v a="$p99" -v b="$b99" 'BEGIN {printf "%.4f", a - b}') (baseline p99 $b99)" "-" "-" "-"
scripts/cluster/start_databases.sh postgres >/dev/null 2>&1

# ------------------------------------------------------ per-database fan-out
# One query over 10 databases of the replica (bench_t1..bench_t10, made here,
# 1000 accounts each), ours only (no peer fans out): scrape time with the
# default cap of 2 connections and with one per database plus the configured
# one (11), and the most
# sessions of the exporter the replica showed while it ran.
fan_out_setup() {
  local n grants="GRANT SELECT ON \`bench\\_t%\`.* TO 'exporter'@'%';"
  for n in $(seq 1 10); do
    if [ -z "$(pg_sql "$PG_PRIMARY_PORT" postgres "SELECT 1 FROM pg_database WHERE datname = 'bench_t$n'")" ]; then
      pg_sql "$PG_PRIMARY_PORT" postgres "CREATE DATABASE bench_t$n"
      pg_sql "$PG_PRIMARY_PORT" "bench_t$n" "CREATE TABLE accounts (id int PRIMARY KEY, plan text);
        INSERT INTO accounts SELECT i, CASE WHEN i % 3 = 0 THEN 'pro' ELSE 'free' END FROM generate_series(1, 1000) i;
        GRANT SELECT ON accounts TO exporter;"
    fi
    grants+="CREATE DATABASE IF NOT EXISTS bench_t$n;
      CREATE TABLE IF NOT EXISTS bench_t$n.accounts (id INT PRIMARY KEY, plan VARCHAR(8));
      USE bench_t$n;
      INSERT IGNORE INTO accounts SELECT seq, IF(seq % 3 = 0, 'pro', 'free') FROM seq_1_to_1000;"
  done
  my_sql primary "$grants"
  # Replicated: the last table is readable on both benched replicas.
  for _ in $(seq 100); do
    if PGPASSWORD=$PW psql -X -q -At -h 127.0.0.1 -p "${PG_REPLICA_PORTS[1]}" -U exporter -d bench_t10 \
         -c "SELECT 1 FROM accounts LIMIT 1" >/dev/null 2>&1 &&
       mariadb --no-defaults -h 127.0.0.1 -P "${MY_REPLICA_PORTS[1]}" -uexporter -p"$PW" -N \
         -e "SELECT 1 FROM bench_t10.accounts LIMIT 1" 2>/dev/null | grep -q 1; then
      return 0
    fi
    sleep 0.1
  done
  echo "bench: the fan-out databases did not reach the replicas" >&2
  exit 1
}
most_sessions() {  # engine stop-file -> the most sessions of the exporter seen until stop-file exists
  local engine=$1 stop_file=$2 most=0 now
  while [ ! -e "$stop_file" ]; do
    if [ "$engine" = postgres ]; then
      now=$(pg_sql "${PG_REPLICA_PORTS[1]}" postgres "SELECT count(*) FROM pg_stat_activity WHERE usename = 'exporter'")
    else
      now=$(my_sql replica2 "SELECT count(*) FROM information_schema.processlist WHERE user = 'exporter'")
    fi
    [ "${now:-0}" -gt "$most" ] && most=$now
  done
  echo "$most"
}
fan_out_setup
fan_toml="$work/fan_out.toml"
printf '[[query]]\nname = "accounts"\nsql = "SELECT plan, count(*) AS n FROM accounts GROUP BY plan"\ndatabases = [%s]\nmax_concurrent_databases = %s\n  [[query.metrics]]\n  name = "bench_accounts"\n  help = "h"\n  labels = ["plan"]\n  value = "n"\n' \
  "$(seq -s, -f '"bench_t%g"' 1 10)" 4 >"$fan_toml"
for engine in postgres mysql; do
  replica=$PG_REPLICA
  [ "$engine" = mysql ] && replica=$MY_REPLICA
  results=""
  for cap in 2 11; do  # 11: a session per database and one for the configured one
    config=$(ours_config "$engine" "$replica" "$fan_toml" 19420)
    printf '[pool]\nconnections_per_replica = %s\n' "$cap" >>"$config"
    pid=$(start_ours "$config")
    pids+=("$pid")
    wait_up http://127.0.0.1:19420/-/healthy "$pid"
    served=$(curl -s http://127.0.0.1:19420/metrics | grep -c '^replica_sql_query_success{query="accounts",database="bench_t[0-9]*"} 1' || true)
    rm -f "$work/fan_stop"
    most_sessions "$engine" "$work/fan_stop" >"$work/fan_most" &
    watcher=$!
    read -r t_med _ _ < <(scrape_times http://127.0.0.1:19420/metrics "$N")
    touch "$work/fan_stop"
    wait "$watcher"
    stop "$pid"
    results+="${results:+; }cap $cap: $t_med s, at most $(cat "$work/fan_most") sessions ($served of 10 databases served)"
  done
  row "$engine: one query over 10 databases (max_concurrent_databases 4), uncached scrape (s, median of $N) and the exporter's sessions on the replica, by connections_per_replica" \
    "$results" "-" "-" "-"
done

# ---------------------------------------------------------------- report
# bench/scale.sh's section of the previous report stays (it runs apart).
scale_section=""
[ -f "$out" ] && scale_section=$(sed -n '/^<!-- scale:/,$p' "$out")
{
  echo "# Benchmark results"
  echo
  echo "Written by \`bench/run.sh$([ "$smoke" = 1 ] && echo ' --smoke')\` on $(date -u +%Y-%m-%dT%H:%MZ)."
  echo "Machine: $(nproc) cores, $(free -g | awk '/^Mem/ {print $2}') GiB RAM, $(uname -sr);"
  echo "$("$binary" --version 2>&1 | head -n1); $(prometheus-postgres-exporter --version 2>&1 | head -n1);"
  echo "prometheus-sql-exporter $(dpkg-query -W -f='${Version}' prometheus-sql-exporter)."
  echo "Each exporter runs alone against the same replica (PostgreSQL 15 :${PG_REPLICA_PORTS[1]}, MariaDB"
  echo "10.11 :${MY_REPLICA_PORTS[1]}) with the same SQL: bench/catalog/business.toml (ours),"
  echo "bench/peers/postgres_exporter.yaml (\`--disable-default-metrics --disable-settings-metrics"
  echo "--no-collector.database --no-collector.bgwriter --extend.query-path\`),"
  echo "bench/peers/sql_exporter.yml. Scrapes: \`curl -H 'Accept-Encoding: gzip'\`. Ratio = ours / peer"
  echo "(below 1 is better for times and memory, above 1 for scrapes/s)."
  echo
  echo "| scenario | ours | peer | peer's | ratio |"
  echo "| --- | --- | --- | --- | --- |"
  printf '%s\n' "${rows[@]}"
  if [ -n "$scale_section" ]; then
    echo
    echo "$scale_section"
  fi
} >"$out"
expected_rows=22
if [ "${#rows[@]}" -ne "$expected_rows" ]; then
  echo "bench: ${#rows[@]} result rows, expected $expected_rows" >&2
  exit 1
fi
echo "bench: wrote $out"
