#!/usr/bin/env bash
# The one command that installs, builds and runs every test, on a fresh
# Debian 12 or 13 machine as root: unit tests, and integration tests against
# real PostgreSQL and MariaDB primaries and replicas started on 127.0.0.1, a
# short run of each fuzz target, the Debian package and the container image
# built and run, then the same suites and the package on the other Debian
# release in a debootstrap root (scripts/test_in_debian.sh).
# The test build uses AddressSanitizer + UndefinedBehaviorSanitizer and -Werror.
#
# The suites run with nothing beside them (their deadlines are real). The
# other release's root and its packages (debootstrap and apt: network and
# disk, then package scripts) are made beside the test build, and its build
# runs beside the fuzz, package and image stages (whose fuzzing, downloads,
# lintian and image layers leave a core idle): each in a process group of
# its own, logged in build/ci/, awaited before what needs it.
# Each stage's start is printed with the time since the start.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
stage() { printf '[test %dm%02ds] %s\n' $(((SECONDS - start) / 60)) $(((SECONDS - start) % 60)) "$*"; }

case "$(. /etc/os-release && echo "${VERSION_CODENAME:-}")" in
  trixie) other=bookworm ;;
  *) other=trixie ;;
esac
# RSE_OTHER_RELEASE=none skips the other release for a quick local run.
other=${RSE_OTHER_RELEASE:-$other}
release=$(. /etc/os-release && echo "${VERSION_ID%%.*}")

stage "installing what the build, the tests and the release stages need"
scripts/install_deps.sh --release-tools
scripts/cluster/start_databases.sh all
scripts/cluster/proxies.sh start

# ---------------------------------------------------------------- beside
logs=build/ci
mkdir -p "$logs"
rm -f "$logs"/*.log
beside_pid=""
# When a stage fails, what still runs beside it ends with it.
trap '[ -n "$beside_pid" ] && kill -- "-$beside_pid" 2>/dev/null; true' EXIT
beside() {  # STEP: scripts/test_in_debian.sh's step, started in a group of its own
  [ "$other" != none ] || return 0
  setsid scripts/test_in_debian.sh "$other" "$1" >"$logs/debian-$1.log" 2>&1 </dev/null &
  beside_pid=$!
}
await_beside() {  # STEP
  [ -n "$beside_pid" ] || return 0
  stage "waiting for the Debian $other $1 step"
  local status=0 pid=$beside_pid
  wait "$pid" || status=$?
  beside_pid=""
  cat "$logs/debian-$1.log"
  [ "$status" = 0 ] || { echo "[test] FAILED: the Debian $other $1 step (pid $pid)" >&2; exit 1; }
}

# ---------------------------------------------------------------- the suites
stage "the test build (ASan + UBSan, -Werror); beside it: the Debian $other root and its packages"
beside prepare
scripts/build.sh test -DCMAKE_BUILD_TYPE=Debug -DRSE_SANITIZE=ON -DRSE_WERROR=ON
await_beside prepare

stage "unit, binary and integration suites"
# Two at a time; the integration tests (which stop, pause and promote the
# shared servers) run alone (RUN_SERIAL).
ctest --test-dir build/test --output-on-failure --timeout 600 -j2

stage "fuzz targets, 10 s each; beside them and the next stage: the Debian $other build"
beside build
# A short run of every libFuzzer target (the long run: scripts/fuzz.sh --seconds 600).
scripts/fuzz.sh --seconds 10

# What users install: the Debian package (built, lintian-clean, installed with
# apt-get and run as its unit does) and the container image (built from the
# Dockerfile with buildah, run: --version, a real scrape, non-root, no compiler).
stage "the Debian package and the container image"
deb=$(scripts/package.sh | tail -n 1)
tests/scripts/check_package.sh "$deb"
scripts/image.sh "$release"

# Portability: the unit, binary and integration suites again on the other
# supported Debian release (13 from a 12 host, 12 from a 13 host), built with
# its compiler and libraries against its PostgreSQL and MariaDB, in a
# debootstrap root.
if [ "$other" != none ]; then
  await_beside build
  stage "Debian $other: its servers, suites and package"
  scripts/test_in_debian.sh "$other" run
  # The root's servers used our fixed ports: the host's clusters come back.
  scripts/cluster/start_databases.sh all
  scripts/cluster/proxies.sh start
fi
stage "every stage passed"
