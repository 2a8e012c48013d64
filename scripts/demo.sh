#!/usr/bin/env bash
# Installs what is needed, builds, and runs the exporter on the local demo
# cluster (config/demo.toml) on http://localhost:10399/. Ctrl-C stops it.
# Extra arguments go to the exporter, e.g. --config.file=config/demo-mysql.toml.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install_deps.sh
scripts/cluster/start_databases.sh all
scripts/build.sh release -DCMAKE_BUILD_TYPE=Release -DRSE_BUILD_TESTS=OFF
# The demo cluster's exporter password (scripts/cluster/db_common.sh).
export SHOP_EXPORTER_PASSWORD=${RSE_EXPORTER_PASSWORD:-exporter-demo-pw}
echo "replica_sql_exporter: open http://localhost:10399/ (Ctrl-C to stop)"
exec build/release/src/replica_sql_exporter --config.file=config/demo.toml "$@"
