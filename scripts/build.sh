#!/usr/bin/env bash
# Configures and builds into build/<name>. Usage: scripts/build.sh <name> [cmake -D options...]
set -euo pipefail
cd "$(dirname "$0")/.."
name=$1
shift
cmake -S . -B "build/$name" "$@" >/dev/null
cmake --build "build/$name" -j"$(nproc)"
