#!/usr/bin/env bash
# Installs a built package as a user does (apt-get install ./X.deb) and checks
# what it promises: the binary, the system user, the shipped config passing
# --config.check; then edits the config to point at the local test replicas,
# starts the binary the way the unit does (its ExecStart, as its User, with
# /etc/default's ARGS), checks /-/healthy and a scrape with replica_sql_up 1;
# reinstalls and checks the edit survived (conffile); purges the package.
# Usage: tests/scripts/check_package.sh DEB   (as root, test clusters running)
set -euo pipefail
cd "$(dirname "$0")/../.."
deb=$(readlink -f "${1:?usage: check_package.sh DEB}")
# shellcheck source=db_common.sh
. scripts/cluster/db_common.sh
etc=/etc/replica_sql_exporter
conf=$etc/replica_sql_exporter.toml
port=10498
pkg_log() { echo "[package] $*" >&2; }
pkg_die() { echo "[package] FAILED: $*" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive

apt-get install -y -q "$deb" </dev/null >/dev/null || pkg_die "apt-get install $deb"
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  apt-get purge -y -q replica-sql-exporter </dev/null >/dev/null 2>&1 || true
  rm -f "$etc/db-password"
}
trap cleanup EXIT
pkg_log "installed: $(dpkg-query -W -f='${Package} ${Version}; Depends: ${Depends}' replica-sql-exporter)"
[ -x /usr/bin/replica_sql_exporter ] || pkg_die "no /usr/bin/replica_sql_exporter"
getent passwd replica-sql-exporter >/dev/null || pkg_die "no system user replica-sql-exporter"
[ -f /lib/systemd/system/replica-sql-exporter.service ] || [ -f /usr/lib/systemd/system/replica-sql-exporter.service ] ||
  pkg_die "no systemd unit"
# What the README tells a user to do: the password file the config names,
# readable by the service's group only. Then the shipped config checks out.
printf '%s\n' "$RSE_EXPORTER_PASSWORD" >"$etc/db-password"
chown root:replica-sql-exporter "$etc/db-password"
chmod 0640 "$etc/db-password"
runuser -u replica-sql-exporter -- /usr/bin/replica_sql_exporter --config.file="$conf" --config.check >/dev/null ||
  pkg_die "the shipped config fails --config.check"

# A user's edit: the local test replicas.
sed -i "s|^replicas = .*|replicas = [\"127.0.0.1:${PG_REPLICA_PORTS[0]}\", \"127.0.0.1:${PG_REPLICA_PORTS[1]}\"]|" "$conf"

# ExecStart of the installed unit, continuation lines joined, $ARGS from /etc/default.
unit=$(ls /lib/systemd/system/replica-sql-exporter.service /usr/lib/systemd/system/replica-sql-exporter.service 2>/dev/null | head -n 1)
exec_start=$(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$unit" | sed -n 's/^ExecStart=//p')
ARGS=
# shellcheck disable=SC1091
. /etc/default/replica-sql-exporter
command_line=${exec_start//\$ARGS/$ARGS --web.listen-address=127.0.0.1:$port}
pkg_log "starting as the unit does: $command_line"
# shellcheck disable=SC2086
setsid runuser -u replica-sql-exporter -- $command_line </dev/null >/tmp/rse-package.log 2>&1 &
pid=$!
wait_for 20 curl -fsS "http://127.0.0.1:$port/-/healthy" || { cat /tmp/rse-package.log >&2; pkg_die "/-/healthy"; }
scrape=$(curl -fsS -H 'X-Prometheus-Scrape-Timeout-Seconds: 5' "http://127.0.0.1:$port/metrics")
grep -q '^replica_sql_up 1' <<<"$scrape" || { echo "$scrape" | head -n 20 >&2; pkg_die "scrape: replica_sql_up is not 1"; }
grep -q '^replica_sql_query_success{query="orders_by_status"} 1' <<<"$scrape" ||
  { grep query_success <<<"$scrape" >&2; pkg_die "scrape: orders_by_status did not succeed"; }
kill "$pid"
wait "$pid" 2>/dev/null || true
pid=

apt-get install -y -q --reinstall "$deb" </dev/null >/dev/null || pkg_die "reinstall"
grep -q "^replicas = \[\"127.0.0.1:${PG_REPLICA_PORTS[0]}\"" "$conf" || pkg_die "a reinstall overwrote the edited config"
pkg_log "OK: installed, ran as its unit does (healthy, replica_sql_up 1), an edited config survived a reinstall"
