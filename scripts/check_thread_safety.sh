#!/usr/bin/env bash
# Clang's thread-safety analysis over every source file of src/: each file
# compiled with clang -fsyntax-only -Wthread-safety -Werror, with the flags
# of a configured build's compile_commands.json (GCC builds included; clang
# only parses). Fails on the first warning. Run by the test command.
#   scripts/check_thread_safety.sh [BUILD_DIR (default build/test)] [FILE...]
# With files, checks those instead (tests/unit/base use it on a probe file).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/test}
shift || true
db=$build/compile_commands.json
[ -f "$db" ] || { echo "check_thread_safety: $db not found (configure $build first)" >&2; exit 2; }
command -v clang++ >/dev/null || { echo "check_thread_safety: clang++ not installed (scripts/install_deps.sh)" >&2; exit 2; }

# The flags clang needs to parse a file the way the build compiles it:
# include paths, definitions and the standard. GCC-only flags are left out.
flags=$(python3 - "$db" <<'PY'
import json, shlex, sys
seen = []
for entry in json.load(open(sys.argv[1])):
    if "/src/" not in entry["file"]:
        continue
    args = shlex.split(entry["command"]) if "command" in entry else entry["arguments"]
    for i, arg in enumerate(args):
        if arg == "-isystem":
            arg = "-isystem" + args[i + 1]
        if arg.startswith(("-I", "-D", "-std=", "-isystem")) and arg not in seen:
            seen.append(arg)
print(" ".join(shlex.quote(a) for a in seen))
PY
)
if [ $# -gt 0 ]; then
  files=("$@")
else
  # The files that take a lock or may touch what one guards: guarded members
  # are private, so every access is in a .cc that declares them or includes
  # the header of the class that does (a third of the tree; all of it: 4x).
  mapfile -t files < <(find src -name '*.cc' | sort | while read -r cc; do
    headers=$(sed -n 's/^#include "\(.*\)"$/src\/\1/p' "$cc")
    # shellcheck disable=SC2086  # A list of paths.
    if grep -qE 'Mutex|GUARDED_BY|REQUIRES' "$cc" $headers 2>/dev/null; then echo "$cc"; fi
  done)
fi
# shellcheck disable=SC2086  # $flags is a list of arguments.
if ! printf '%s\n' "${files[@]}" |
  xargs -P "$(nproc)" -I{} sh -c "clang++ -fsyntax-only -Wthread-safety -Werror=thread-safety $flags {}"; then
  echo "check_thread_safety: warnings above (or a file clang cannot parse)" >&2
  exit 1
fi
echo "check_thread_safety: ${#files[@]} files, no thread-safety warning"
