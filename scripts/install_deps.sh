#!/usr/bin/env bash
# Installs, from the running Debian release's packages (12 or 13), everything
# needed to build, test and demo replica_sql_exporter. Versioned packages are
# resolved, not named: the release's default PostgreSQL, and the sanitizer and
# libFuzzer runtime of its default clang. Idempotent; runs apt only when
# something is missing.
#   scripts/install_deps.sh [--release-tools]
# --release-tools adds what the test command's release stages use (the Debian
# package's tools, buildah and podman for the image, debootstrap for the other
# release's root), so that no stage running beside another calls apt-get.
set -euo pipefail

packages=(
  g++ cmake make pkg-config git ca-certificates curl
  libpqxx-dev libmysqlcppconn-dev libcpp-httplib-dev libtomlplusplus-dev libgtest-dev libgmock-dev zlib1g-dev
  libyaml-cpp-dev libcrypt-dev libssl-dev nlohmann-json3-dev
  postgresql postgresql-client mariadb-server mariadb-client galera-4 openssl
  # scripts/cluster/proxies.sh: what production puts in front of replicas.
  pgbouncer haproxy dnsmasq-base
  prometheus docker-compose
  # The status page's tests: its JSON Schema, and a real browser.
  python3-jsonschema chromium
  # tests/scripts/check_generated.sh: the generated examples compared as data.
  python3-yaml
  # scripts/fuzz.sh: clang, and its runtime libraries (libFuzzer, ASan), which
  # clang only recommends: --no-install-recommends below would leave them out.
  clang
  # bench/run.sh: the peers it is measured against, and the load generator.
  prometheus-postgres-exporter prometheus-sql-exporter wrk
  # bench/scale.sh: its plots.
  gnuplot-nox
)
if [ "${1:-}" = --release-tools ]; then
  packages+=(dpkg-dev lintian fakeroot debootstrap buildah podman fuse-overlayfs)
fi

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# clang only recommends its runtime (libclang-rt-N-dev): N is the major
# version of the release's default clang, read from the clang package itself.
clang_runtime() {
  local version
  version=$(apt-cache depends clang 2>/dev/null | sed -n 's/.*Depends: clang-\([0-9][0-9]*\)$/\1/p' | head -n 1)
  [ -n "$version" ] && echo "libclang-rt-$version-dev"
}

missing=()
for p in "${packages[@]}"; do
  installed "$p" || missing+=("$p")
done
runtime=$(clang_runtime || true)
if [ -z "$runtime" ] && [ "$(id -u)" -eq 0 ]; then
  apt-get update -q >/dev/null
  runtime=$(clang_runtime || true)
fi
[ -n "$runtime" ] && ! installed "$runtime" && missing+=("$runtime")

# @taplo/cli from the npm registry (no Debian package): the tests check the
# JSON Schemas of `generate schema` with it, as editors use them. Node.js and
# npm from Debian where the machine has none.
TAPLO_DIR=/opt/rse-tools
TAPLO_VERSION=0.7.0
install_taplo() {
  [ -x "$TAPLO_DIR/node_modules/.bin/taplo" ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "install_deps.sh: @taplo/cli is missing from $TAPLO_DIR; run as root to install it" >&2
    exit 1
  fi
  echo "install_deps.sh: installing @taplo/cli $TAPLO_VERSION into $TAPLO_DIR"
  npm install --prefix "$TAPLO_DIR" --no-audit --no-fund --loglevel=error "@taplo/cli@$TAPLO_VERSION" >/dev/null
}
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)

if [ ${#missing[@]} -eq 0 ]; then
  install_taplo
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install_deps.sh: missing packages (${missing[*]}); run as root to install them" >&2
  exit 1
fi
echo "install_deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# --no-install-recommends: docker-compose would otherwise pull in a Docker
# engine, and prometheus its web console assets; we need neither.
apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
# Debian starts some daemons on install where it can; ours run on their own ports.
for service in prometheus mariadb postgresql pgbouncer haproxy prometheus-postgres-exporter prometheus-sql-exporter; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$service" 2>/dev/null; then
    systemctl stop "$service" || true
  fi
done
install_taplo
