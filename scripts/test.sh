#!/usr/bin/env bash
# The one command that installs, builds and runs every test, on a fresh
# Debian 12 or 13 machine as root: unit tests, and integration tests against
# real PostgreSQL and MariaDB primaries and replicas started on 127.0.0.1, a
# short run of each fuzz target, the Debian package and the container image
# built and run, then the same suites and the package on the other Debian
# release in a debootstrap root (scripts/test_in_debian.sh).
# The test build uses AddressSanitizer + UndefinedBehaviorSanitizer and -Werror.
#
# Only the other release's root and its packages (debootstrap and apt:
# network and disk, then package scripts) are made beside the test build, in
# a process group of their own, logged in build/ci/; it is awaited before
# the suites, which run with nothing beside them (their deadlines are real).
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

# ---------------------------------------------------------------- beside the build
logs=build/ci
mkdir -p "$logs"
rm -f "$logs"/*.log
other_root=""
# When a stage fails, what still runs beside it ends with it.
trap '[ -n "$other_root" ] && kill -- "-$other_root" 2>/dev/null; true' EXIT
if [ "$other" != none ]; then
  stage "beside the test build: the Debian $other root and its packages"
  setsid scripts/test_in_debian.sh "$other" prepare >"$logs/debian-prepare.log" 2>&1 </dev/null &
  other_root=$!
fi

# ---------------------------------------------------------------- the suites
stage "the test build (ASan + UBSan, -Werror)"
scripts/build.sh test -DCMAKE_BUILD_TYPE=Debug -DRSE_SANITIZE=ON -DRSE_WERROR=ON
if [ -n "$other_root" ]; then
  stage "waiting for the Debian $other root"
  status=0
  wait "$other_root" || status=$?
  pid=$other_root
  other_root=""
  cat "$logs/debian-prepare.log"
  [ "$status" = 0 ] || { echo "[test] FAILED: the Debian $other root (pid $pid)" >&2; exit 1; }
fi

stage "unit, binary and integration suites"
# Two at a time; the integration tests (which stop, pause and promote the
# shared servers) run alone (RUN_SERIAL).
ctest --test-dir build/test --output-on-failure --timeout 600 -j2
# A short run of every libFuzzer target (the long run: scripts/fuzz.sh --seconds 600).
stage "fuzz targets, 10 s each"
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
  stage "Debian $other: its build, suites and package"
  scripts/test_in_debian.sh "$other" run
  # The root's servers used our fixed ports: the host's clusters come back.
  scripts/cluster/start_databases.sh all
  scripts/cluster/proxies.sh start
fi
stage "every stage passed"
