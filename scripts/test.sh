#!/usr/bin/env bash
# The one command that installs, builds and runs every test, on a fresh
# Debian 12 or 13 machine as root: unit tests, and integration tests against
# real PostgreSQL and MariaDB primaries and replicas started on 127.0.0.1, a
# short run of each fuzz target, the Debian package and the container image
# built and run, then the same suites and the package on the other Debian
# release in a debootstrap root (scripts/test_in_debian.sh).
# The test build uses AddressSanitizer + UndefinedBehaviorSanitizer and -Werror.
#
# What needs no database, or not the host's, runs beside the stage that
# leaves the CPU most idle, at idle priority (SCHED_IDLE, idle I/O class),
# each in a process group of its own, logged in build/ci/:
#   during the test build:       the other release's root and its packages
#                                (network and disk, little CPU);
#   during the host's suites:    the package's and the image's builds, the
#                                other release's build (the serial
#                                integration tests mostly wait on servers);
#   during the other's suites:   the fuzz targets' build and short runs.
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

# ---------------------------------------------------------------- beside the stages
logs=build/ci
mkdir -p "$logs"
rm -f "$logs"/*.log "$logs"/go-build
running=()
background() {  # LOG COMMAND...: at idle priority, in a process group of its own
  local log=$1
  shift
  setsid chrt --idle 0 ionice -c 3 nice -n 19 "$@" >"$log" 2>&1 </dev/null &
  running+=("$!")
}
# A failure of a stage run beside is reported by the stage that waits for it.
await() {  # PID LOG
  local pid=$1 log=$2 left=() p
  for p in "${running[@]}"; do [ "$p" = "$pid" ] || left+=("$p"); done
  running=(${left[@]+"${left[@]}"})
  if ! wait "$pid"; then
    echo "== $log"
    tail -n 40 "$log"
    echo "[test] FAILED: a stage that ran beside the others (its log above)" >&2
    exit 1
  fi
}
# When a stage fails, what still runs beside it ends with it.
trap 'for pid in ${running[@]+"${running[@]}"}; do kill -- "-$pid" 2>/dev/null; done; true' EXIT

if [ "$other" != none ]; then
  stage "beside the test build: the Debian $other root and its packages"
  background "$logs/debian-prepare.log" \
    env RSE_BUILD_WHEN="$PWD/$logs/go-build" scripts/test_in_debian.sh "$other" prepare
  other_root=$!
fi

# ---------------------------------------------------------------- the suites
stage "the test build (ASan + UBSan, -Werror)"
scripts/build.sh test -DCMAKE_BUILD_TYPE=Debug -DRSE_SANITIZE=ON -DRSE_WERROR=ON

stage "unit, binary and integration suites; beside them: the package, image and $other builds"
background "$logs/package.log" scripts/package.sh
package=$!
background "$logs/image.log" scripts/image.sh "$release" build
image=$!
touch "$logs/go-build"
# Two at a time; the integration tests (which stop, pause and promote the
# shared servers) run alone (RUN_SERIAL).
ctest --test-dir build/test --output-on-failure --timeout 600 -j2

# What users install: the Debian package (built, lintian-clean, installed with
# apt-get and run as its unit does) and the container image (built from the
# Dockerfile with buildah, run: --version, a real scrape, non-root, no compiler).
stage "the Debian package and the container image"
await "$package" "$logs/package.log"
tests/scripts/check_package.sh "$(tail -n 1 "$logs/package.log")"
await "$image" "$logs/image.log"
scripts/image.sh "$release" check

# A short run of every libFuzzer target (the long run: scripts/fuzz.sh --seconds 600).
background "$logs/fuzz.log" scripts/fuzz.sh --seconds 10
fuzz=$!

# Portability: the unit, binary and integration suites again on the other
# supported Debian release (13 from a 12 host, 12 from a 13 host), built with
# its compiler and libraries against its PostgreSQL and MariaDB, in a
# debootstrap root.
if [ "$other" != none ]; then
  stage "Debian $other: its suites and package; beside them: the fuzz targets"
  await "$other_root" "$logs/debian-prepare.log"
  cat "$logs/debian-prepare.log"
  scripts/test_in_debian.sh "$other" run
  # The root's servers used our fixed ports: the host's clusters come back.
  scripts/cluster/start_databases.sh all
  scripts/cluster/proxies.sh start
fi
stage "fuzz targets (10 s each)"
await "$fuzz" "$logs/fuzz.log"
cat "$logs/fuzz.log"
stage "every stage passed"
