#!/usr/bin/env bash
# Stops every server start_databases.sh started; data stays for the next start.
# Usage: stop_databases.sh [--wipe]   (--wipe also deletes $RSE_DB_DIR)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=db_common.sh
source "$here/db_common.sh"

[ -d "$(my_dir galera)" ] && my_stop galera
for name in replica2 replica1 primary; do
  [ -d "$(pg_dir "$name")" ] && pg_stop "$name"
  [ -d "$(my_dir "$name")" ] && my_stop "$name"
done
if [ "${1:-}" = "--wipe" ]; then
  rm -rf "$RSE_DB_DIR"
fi
log "stopped"
