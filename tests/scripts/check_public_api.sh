#!/usr/bin/env bash
# Keeps library internals out of src/: what compiles against one release of a
# library must compile against the next (Debian 12 and 13 ship different
# cpp-httplib, libpqxx, Boost, yaml-cpp). Fails, naming file and line, on
#  - a class of ours deriving from a library's class (overriding its
#    virtuals ties us to its private layout: cpp-httplib 0.11 -> 0.18 broke so);
#  - an include of a library's detail/ or impl/ headers;
#  - "#define private" / "#define protected";
#  - cpp-httplib in the product at all (the tests use its client only).
# Usage: check_public_api.sh [SOURCE_DIR]
set -uo pipefail
src=${1:-$(dirname "$0")/../../src}
status=0
check() {
  local what=$1 pattern=$2
  local hits
  hits=$(grep -rnE --include='*.h' --include='*.cc' "$pattern" "$src")
  if [ -n "$hits" ]; then
    echo "library internals: $what:" >&2
    echo "$hits" >&2
    status=1
  fi
}
check "derives from a library class" \
  '(class|struct)[^;{(]*:[^;{(]*(public|protected|private)?[[:space:]]*(::)?(httplib|boost|pqxx|sql|toml|YAML)::'
check "includes a library's detail/impl header" '#include[[:space:]]*[<"][a-z_+]+/([a-z_]+/)*(detail|impl|internal)/'
check "redefines access" '#define[[:space:]]+(private|protected)\b'
check "uses cpp-httplib" '#include[[:space:]]*[<"]httplib\.h[>"]'
[ "$status" -eq 0 ] && echo "public library API only: $(find "$src" -name '*.cc' -o -name '*.h' | wc -l) files checked"
exit "$status"
