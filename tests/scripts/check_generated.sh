#!/usr/bin/env bash
# What `replica_sql_exporter generate` writes, checked by the tools that read
# it. Usage: tests/scripts/check_generated.sh BINARY
#  1. the shipped examples are what the demo catalog generates today (a
#     catalog or generator change without regenerating them fails here);
#  2. the rules pass `promtool check rules` and their generated unit test;
#  3. the schemas: Taplo (@taplo/cli, installed by scripts/install_deps.sh)
#     accepts every shipped config and query file, and rejects exactly the
#     bad-input files tests/testdata/schema_rejects.txt lists (the others
#     need the loader: a counter's _total, a snapshot's queries...).
set -euo pipefail
cd "$(dirname "$0")/../.."
binary=$(realpath "$1")
taplo=${RSE_TAPLO:-/opt/rse-tools/node_modules/.bin/taplo}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail() { echo "check_generated: $*" >&2; exit 1; }

"$binary" generate rules --config.file=config/demo.toml --output.dir="$out" 2>/dev/null
"$binary" generate dashboard --config.file=config/demo.toml --output.dir="$out" 2>/dev/null
"$binary" generate schema --output.dir="$out" 2>/dev/null
for pair in prometheus/replica_sql_exporter.rules.yml prometheus/replica_sql_exporter.rules.test.yml \
            grafana/replica_sql_exporter.json schema/replica_sql_exporter.schema.json \
            schema/replica_sql_queries.schema.json; do
  # Compared as data, not bytes: another yaml-cpp (Debian 13 has 0.8) may
  # quote or indent the same document differently.
  /usr/bin/python3 - "examples/$pair" "$out/$(basename "$pair")" <<'PY' ||
import json, sys, yaml
load = (lambda f: json.load(f)) if sys.argv[1].endswith(".json") else yaml.safe_load
with open(sys.argv[1]) as a, open(sys.argv[2]) as b:
    sys.exit(0 if load(a) == load(b) else 1)
PY
    { diff -u "examples/$pair" "$out/$(basename "$pair")" >&2 || true
      fail "examples/$pair differs from what the demo catalog generates; regenerate it (docs/operations.md)"; }
done
echo "examples: the 5 generated files match"

(cd "$out" && promtool check rules replica_sql_exporter.rules.yml >/dev/null &&
   promtool test rules replica_sql_exporter.rules.test.yml >/dev/null) ||
  fail "the generated rules fail promtool"
echo "rules: promtool check rules and test rules pass"

[ -x "$taplo" ] || fail "taplo not found at $taplo (scripts/install_deps.sh installs @taplo/cli)"
# One Taplo run per schema over every file (Node starts once, not per file);
# the files it found invalid, by absolute path, one per line.
invalid() {  # schema files... -> invalid paths
  local schema=$1
  shift
  local log
  log=$("$taplo" check --schema "file://$out/$schema" "$@" 2>&1 || true)
  ! grep -qE "RangeError|panicked" <<<"$log" || fail "taplo crashed:"$'\n'"$log"
  sed -n 's/.*invalid file error=.* path="\(.*\)"$/\1/p' <<<"$log"
}
config_files=(config/*.toml tests/testdata/config/*.toml)
query_files=(queries/*/*.toml)
bad_config=(tests/testdata/config/bad/*.toml)
# Not deeply_nested.toml: Taplo's own parser overflows its stack on it and
# ends the whole run (the loader refuses it: "exceeded maximum nested value
# depth"); it is a parser case, not a schema one.
bad_queries=()
for f in tests/testdata/queries/bad/*.toml; do
  [ "$(basename "$f")" = deeply_nested.toml ] || bad_queries+=("$f")
done
bad_out=$(invalid replica_sql_exporter.schema.json "${config_files[@]}" "${bad_config[@]}")
bad_out+=$'\n'$(invalid replica_sql_queries.schema.json "${query_files[@]}" "${bad_queries[@]}")
for f in "${config_files[@]}" "${query_files[@]}"; do
  ! grep -qx "$(realpath "$f")" <<<"$bad_out" || fail "the schema rejects the shipped $f"
done
rejected=0 accepted=0
for f in "${bad_config[@]}" "${bad_queries[@]}"; do
  name=${f#tests/testdata/}
  name=${name/\/bad\//\/}
  if grep -qx "$(realpath "$f")" <<<"$bad_out"; then
    grep -qx "$name" tests/testdata/schema_rejects.txt ||
      fail "the schema rejects $name, which only the loader can judge (or list it in tests/testdata/schema_rejects.txt)"
    rejected=$((rejected + 1))
  else
    ! grep -qx "$name" tests/testdata/schema_rejects.txt || fail "the schema accepts $name, a schema-level mistake"
    accepted=$((accepted + 1))
  fi
done
echo "schemas: $((${#config_files[@]} + ${#query_files[@]})) shipped files valid; of the bad-input corpus $rejected rejected by the schema, $accepted left to the loader"
