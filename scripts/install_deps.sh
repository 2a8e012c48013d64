#!/usr/bin/env bash
# Installs, from Debian 12's packages, everything needed to build, test and
# demo replica_sql_exporter. Idempotent; runs apt only when something is missing.
set -euo pipefail

packages=(
  g++ cmake make pkg-config git ca-certificates curl
  libpqxx-dev libmysqlcppconn-dev libcpp-httplib-dev libtomlplusplus-dev libgtest-dev libgmock-dev zlib1g-dev
  libyaml-cpp-dev libcrypt-dev libssl-dev
  postgresql-15 postgresql-client-15 mariadb-server mariadb-client galera-4 openssl
  prometheus docker-compose
  # scripts/fuzz.sh: clang, and its runtime libraries (libFuzzer, ASan), which
  # clang only recommends: --no-install-recommends below would leave them out.
  clang libclang-rt-14-dev
  # bench/run.sh: the peers it is measured against, and the load generator.
  prometheus-postgres-exporter prometheus-sql-exporter wrk
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
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
for service in prometheus mariadb postgresql prometheus-postgres-exporter prometheus-sql-exporter; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$service" 2>/dev/null; then
    systemctl stop "$service" || true
  fi
done
