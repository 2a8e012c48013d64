#!/usr/bin/env bash
# The portability suite: makes a root of another Debian release with
# debootstrap (from the archive this machine's apt uses), installs that
# release's packages in it with scripts/install_deps.sh, builds this checkout
# there with 0 warnings (-Werror), starts that release's PostgreSQL and
# MariaDB primaries and replicas, PgBouncer and HAProxy inside it, and runs
# the unit, binary and integration suites; then builds the Debian package
# there, installs it with apt-get and runs it as its unit does.
#
# Usage: scripts/test_in_debian.sh CODENAME [prepare|build|run]   (as root; e.g. trixie)
#   prepare: the root, this checkout copied in, its packages (no database is
#            touched: the test command runs it beside its own build);
#   build:   on a prepared root, the build only (the test command runs it
#            beside its fuzz, package and image stages);
#   run:     on a prepared root, the build (if not up to date), the servers,
#            the suites and the package.
#   prepare and run, in order, by default.
#
# The root's servers listen on the same fixed 127.0.0.1 ports as the host's
# test clusters, so those (started by scripts/cluster/start_databases.sh and
# proxies.sh, ended by PID) are stopped first; run scripts/test.sh again, or
# scripts/cluster/start_databases.sh all, to have them back. A root this script
# made is reused when it is complete (RSE_DEBIAN_FRESH=1 makes a new one).
set -euo pipefail
cd "$(dirname "$0")/.."
usage="usage: scripts/test_in_debian.sh CODENAME [prepare|build|run]"
codename=${1:?$usage}
step=${2:-all}
case $step in
  all | prepare | build | run) ;;
  *) echo "$usage" >&2; exit 2 ;;
esac
work=${RSE_DEBIAN_DIR:-/var/tmp/rse-debian}
root=$work/$codename
tree=/work/replica_sql_exporter
start=$SECONDS

log() { echo "[debian-$codename $((SECONDS - start))s] $*" >&2; }
die() { echo "[debian-$codename] ERROR: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "run as root (debootstrap and chroot)"

mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}

if ! command -v debootstrap >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap </dev/null >/dev/null
fi

mkdir -p "$work"
if { [ "$step" = build ] || [ "$step" = run ]; } && [ ! -f "$root$tree/.rse-prepared" ]; then
  die "no prepared root at $root (scripts/test_in_debian.sh $codename prepare)"
fi
if { [ "$step" = all ] || [ "$step" = prepare ]; } && { [ "${RSE_DEBIAN_FRESH:-0}" = 1 ] || [ ! -f "$root/.rse-ready" ]; }; then
  rm -rf "$root"
  log "debootstrap --variant=minbase $codename from $mirror"
  debootstrap --variant=minbase "$codename" "$root" "$mirror" >"$work/debootstrap-$codename.log" 2>&1 ||
    die "debootstrap failed; see $work/debootstrap-$codename.log"
  touch "$root/.rse-ready"
fi
# Packages do not start their daemons inside the root; ours run on their own.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod +x "$root/usr/sbin/policy-rc.d"
echo "deb $mirror $codename main" >"$root/etc/apt/sources.list"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# This machine's own certificate authorities (e.g. a TLS-inspecting egress
# proxy's): npm in the root must trust what npm trusts here. Taken into the
# root's bundle when ca-certificates installs, or now if it is installed.
if [ -d /usr/local/share/ca-certificates ]; then
  mkdir -p "$root/usr/local/share/ca-certificates"
  cp -r /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"
  if [ -x "$root/usr/sbin/update-ca-certificates" ]; then
    chroot "$root" /usr/sbin/update-ca-certificates >/dev/null 2>&1 || true
  fi
fi
grep -q localhost "$root/etc/hosts" 2>/dev/null || printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n' >"$root/etc/hosts"

in_root() {
  chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 TERM=dumb CI="${CI:-}" \
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt bash -c "cd $tree && $1"
}

mounted=()
mount_in_root() {  # SOURCE TARGET [mount options...]
  local target=$root$2
  mkdir -p "$target"
  mountpoint -q "$target" && return 0
  mount "${@:3}" "$1" "$target"
  mounted=("$target" "${mounted[@]}")
}
servers=0
cleanup() {
  local rc=$?
  if [ "$servers" = 1 ]; then
    in_root "scripts/cluster/proxies.sh stop; scripts/cluster/stop_databases.sh" >/dev/null 2>&1 || true
  fi
  for target in "${mounted[@]}"; do umount -l "$target" 2>/dev/null || true; done
  log "done (exit $rc)"
}
trap cleanup EXIT
# Ended by the test command (a failed stage while the root is prepared beside its build): unmount first.
trap 'exit 143' TERM INT
mount_in_root proc /proc -t proc
mount_in_root sysfs /sys -t sysfs
mount_in_root /dev /dev --bind
mount_in_root devpts /dev/pts -t devpts -o newinstance,ptmxmode=0666
mount_in_root tmpfs /dev/shm -t tmpfs -o mode=1777

prepare() {
  # This checkout as it is (tracked and new files; no build output).
  rm -rf "$root$tree"
  mkdir -p "$root$tree"
  git ls-files -z --cached --others --exclude-standard | xargs -0 -I{} sh -c '[ -e "{}" ] && printf "%s\0" "{}"' |
    tar --null -T - -cf - | tar -C "$root$tree" -xf -

  log "installing $codename's packages"
  in_root "scripts/install_deps.sh" >"$work/install-$codename.log" 2>&1 ||
    { tail -n 30 "$work/install-$codename.log" >&2; die "install_deps.sh failed"; }
  in_root "dpkg-query -W -f='\${Package} \${Version}\n' g++ libpqxx-dev libboost-dev libtomlplusplus-dev libyaml-cpp-dev libgtest-dev postgresql mariadb-server pgbouncer haproxy cmake" >&2

  touch "$root$tree/.rse-prepared"
}

build() {
  # Release, as the package ships it (the libraries in batches, the tests'
  # own code unoptimized): one build serves the suites and the package (and
  # the compiler's optimizer warnings fail it too, -Werror).
  log "building (Release, -Werror)"
  if ! in_root "scripts/build.sh debian -DCMAKE_BUILD_TYPE=Release -DRSE_WERROR=ON" >"$work/build-$codename.log" 2>&1; then
    grep -E -B2 -A6 'error|warning' "$work/build-$codename.log" | head -n 80 >&2
    die "the build failed; see $work/build-$codename.log"
  fi
  log "built with $(grep -c 'warning:' "$work/build-$codename.log" || true) warnings"
  touch "$root$tree/.rse-built"  # prepare copies the checkout afresh, without it
}

run() {
  if [ -f "$root$tree/.rse-built" ]; then
    log "built already (the build step; its log: $work/build-$codename.log)"
  else
    build
  fi
  log "the host's test clusters stop (same ports)"
  scripts/cluster/proxies.sh stop >/dev/null 2>&1 || true
  scripts/cluster/stop_databases.sh >/dev/null 2>&1 || true

  log "starting PostgreSQL and MariaDB primaries and replicas, PgBouncer and HAProxy"
  servers=1
  in_root "scripts/cluster/start_databases.sh all && scripts/cluster/proxies.sh start"

  log "unit, binary and integration suites"
  # The Python harnesses (the benchmarks' smoke runs, the network-fault
  # runs) drive the exporter from outside, as the host's suite already does;
  # here every suite of the code itself runs (the C++ fault tests through a
  # proxy of ours included: FaultProxyTest, StallTest).
  in_root "ctest --test-dir build/debian --output-on-failure --timeout 600 -j2 -E '^(bench_smoke|bench_scale_smoke|network_faults_short_.*)$'"

  log "the Debian package: from that build, lintian, installed with apt-get and run as its unit"
  deb=$(in_root "scripts/package.sh build/debian" | tail -n 1)
  in_root "tests/scripts/check_package.sh $deb"
  log "all suites passed on Debian $codename"
}

case $step in
  prepare) prepare ;;
  build) build ;;
  run) run ;;
  all) prepare && run ;;
esac
