#!/bin/bash
# Runs once in the primary's container at first start: replication and exporter roles.
set -euo pipefail
psql -v ON_ERROR_STOP=1 -U postgres -d postgres <<SQL
CREATE ROLE replicator REPLICATION LOGIN PASSWORD 'replicator-pw';
CREATE ROLE exporter LOGIN PASSWORD 'exporter-pw';
GRANT pg_monitor TO exporter;
SQL
echo "host replication replicator all scram-sha-256" >>"$PGDATA/pg_hba.conf"
