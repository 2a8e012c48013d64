#!/usr/bin/env bash
# Builds the Debian package of this checkout for the running release
# (cpack -G DEB: Depends from dpkg-shlibdeps) and checks it with lintian;
# an error fails. Prints the package's path.
# Usage: scripts/package.sh [BUILD_DIR]   (default build/package; an existing
# build directory is reused, e.g. the Debian 13 suite's RelWithDebInfo build)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build/package}
for tool in dpkg-shlibdeps:dpkg-dev lintian:lintian fakeroot:fakeroot; do
  command -v "${tool%%:*}" >/dev/null && continue
  if [ "$(id -u)" -ne 0 ]; then echo "package.sh: install ${tool#*:}" >&2; exit 1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${tool#*:}" </dev/null >/dev/null
done
if [ ! -f "$dir/CMakeCache.txt" ]; then
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DRSE_BUILD_TESTS=OFF >/dev/null
fi
cmake --build "$dir" -j"$(nproc)" --target replica_sql_exporter >/dev/null
rm -f "$dir"/replica-sql-exporter_*.deb
(cd "$dir" && cpack -G DEB >/dev/null)
deb=$(ls "$dir"/replica-sql-exporter_*.deb)
# Errors fail; warnings are shown. Running as root is expected here (CI).
lintian --allow-root --fail-on error --suppress-tags-from-file /dev/null "$deb" >&2 || {
  echo "package.sh: lintian found errors in $deb" >&2
  exit 1
}
echo "$deb"
