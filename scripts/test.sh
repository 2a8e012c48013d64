#!/usr/bin/env bash
# The one command that installs, builds and runs every test, on a fresh
# Debian 12 or 13 machine as root: unit tests, and integration tests against
# real PostgreSQL and MariaDB primaries and replicas started on 127.0.0.1, a
# short run of each fuzz target, the Debian package and the container image
# built and run, then the same suites and the package on the other Debian
# release in a debootstrap root (scripts/test_in_debian.sh).
# The test build uses AddressSanitizer + UndefinedBehaviorSanitizer and -Werror.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install_deps.sh
scripts/cluster/start_databases.sh all
scripts/cluster/proxies.sh start
scripts/build.sh test -DCMAKE_BUILD_TYPE=Debug -DRSE_SANITIZE=ON -DRSE_WERROR=ON
# Two at a time; the integration tests (which stop, pause and promote the
# shared servers) run alone (RUN_SERIAL).
ctest --test-dir build/test --output-on-failure --timeout 600 -j2
# A short run of every libFuzzer target (the long run: scripts/fuzz.sh --seconds 600).
scripts/fuzz.sh --seconds 10

# What users install: the Debian package (built, lintian-clean, installed with
# apt-get and run as its unit does) and the container image (built from the
# Dockerfile with buildah, run: --version, a real scrape, non-root, no compiler).
deb=$(scripts/package.sh | tail -n 1)
tests/scripts/check_package.sh "$deb"
scripts/image.sh "$(. /etc/os-release && echo "${VERSION_ID%%.*}")"

# Portability: the unit, binary and integration suites again on the other
# supported Debian release (13 from a 12 host, 12 from a 13 host), built with
# its compiler and libraries against its PostgreSQL and MariaDB, in a
# debootstrap root (RSE_OTHER_RELEASE=none skips it for a quick local run).
case "$(. /etc/os-release && echo "${VERSION_CODENAME:-}")" in
  trixie) other=bookworm ;;
  *) other=trixie ;;
esac
other=${RSE_OTHER_RELEASE:-$other}
if [ "$other" != none ]; then
  scripts/test_in_debian.sh "$other"
  # The root's servers used our fixed ports: the host's clusters come back.
  scripts/cluster/start_databases.sh all
  scripts/cluster/proxies.sh start
fi
