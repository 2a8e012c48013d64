#!/bin/bash
# A streaming hot standby of pg-primary: cloned on first start, then just run.
set -euo pipefail
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_basebackup -h pg-primary -U replicator -D "$PGDATA" -R -X stream; do
    echo "waiting for pg-primary..."; rm -rf "${PGDATA:?}"/*; sleep 2
  done
  chmod 700 "$PGDATA"
fi
exec postgres -c hot_standby=on -c hot_standby_feedback=on
