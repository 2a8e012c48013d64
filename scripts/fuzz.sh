#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang, ASan + UBSan) into build/fuzz,
# replays the kept regression inputs, then fuzzes each target for N seconds
# (default 10; the test command uses that) from a corpus seeded with the
# project's own files. A crash fails the script and leaves its input in
# build/fuzz/fuzz/findings/<target>/: copy it to fuzz/regressions/<target>/.
#   scripts/fuzz.sh [--seconds N]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=10
if [ "${1:-}" = "--seconds" ]; then seconds=${2:?--seconds needs a number}; fi

build=build/fuzz
# The main tree, with clang and RSE_FUZZ: the targets link rse_core itself.
cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DRSE_FUZZ=ON -DRSE_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target fuzz_targets >/dev/null
build=$build/fuzz  # Where the targets are.

seed() {  # target, files...
  local dir="$build/corpus/$1"
  shift
  mkdir -p "$dir"
  for f in "$@"; do [ -f "$f" ] && cp -f "$f" "$dir/" 2>/dev/null || true; done
}
seed exporter_config config/*.toml tests/testdata/config/*.toml tests/testdata/config/bad/*.toml
seed query_catalog queries/*/*.toml tests/testdata/queries/*.toml tests/testdata/queries/bad/*.toml
seed web_config tests/testdata/web/bad/*.yml examples/prometheus/*.yml
seed scrape_timeout
seed content_negotiation
seed renderer
seed request_stream
printf 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\nPOST /-/quit HTTP/1.1\r\nContent-Length: 0\r\n\r\n' \
  >"$build/corpus/request_stream/pipelined"
printf 'POST /-/healthy HTTP/1.1\r\nContent-Length: 60\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nPOST /-/quit HTTP/1.1\r\n\r\n' \
  >"$build/corpus/request_stream/smuggled"
printf '10' >"$build/corpus/scrape_timeout/ten"
printf 'application/openmetrics-text;version=1.0.0,text/plain;q=0.5' >"$build/corpus/content_negotiation/prom"

status=0
for target in exporter_config query_catalog web_config scrape_timeout content_negotiation renderer request_stream; do
  binary="$build/fuzz_$target"
  regressions="fuzz/regressions/$target"
  if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions")" ]; then
    "$binary" "$regressions"/* >"$build/$target.replay.log" 2>&1 ||
      { echo "fuzz: $target fails a kept regression input (see $build/$target.replay.log)"; status=1; }
  fi
  mkdir -p "$build/findings/$target"
  if "$binary" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix="$build/findings/$target/" "$build/corpus/$target" \
       >"$build/$target.log" 2>&1; then
    runs=$(grep -o 'Done [0-9]* runs' "$build/$target.log" | tail -1)
    echo "fuzz: $target: ${runs:-done}, no finding"
  else
    echo "fuzz: $target: FINDING (see $build/$target.log and $build/findings/$target/)"
    status=1
  fi
done
exit $status
