#!/usr/bin/env bash
# Stops one server of the local clusters, for failover tests; start_databases.sh
# brings it back. Usage: member.sh stop postgres|mariadb primary|replica1|replica2
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=db_common.sh
source "$here/db_common.sh"

[ "$#" -eq 3 ] && [ "$1" = stop ] || die "usage: member.sh stop postgres|mariadb primary|replica1|replica2"
case "$2" in
  postgres) pg_stop "$3" ;;
  mariadb) my_stop "$3" ;;
  *) die "unknown engine $2" ;;
esac
