#!/usr/bin/env bash
# The one command that installs, builds and runs every test, on a fresh
# Debian 12 machine as root: unit tests, and integration tests against real
# PostgreSQL and MariaDB primaries and replicas started on 127.0.0.1, then a
# short run of each fuzz target.
# The test build uses AddressSanitizer + UndefinedBehaviorSanitizer and -Werror.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install_deps.sh
tests/scripts/start_databases.sh all
tests/scripts/proxies.sh start
scripts/build.sh test -DCMAKE_BUILD_TYPE=Debug -DRSE_SANITIZE=ON -DRSE_WERROR=ON
ctest --test-dir build/test --output-on-failure --timeout 600
# A short run of every libFuzzer target (the long run: scripts/fuzz.sh --seconds 600).
scripts/fuzz.sh --seconds 10
