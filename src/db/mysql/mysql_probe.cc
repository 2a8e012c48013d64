// MysqlConnection's probe: the server's replication role and state, and
// whether it is in a cluster with master election, in one round trip.
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <string>

#include "db/mysql/mysql_connection.h"

namespace rse::mysql {

StatusOr<ReplicaState> MysqlConnection::Probe(const Deadline& deadline) {
  return Run<ReplicaState>(deadline, [&](sql::Statement& stmt, double) -> StatusOr<ReplicaState> {
    ReplicaState state;
    bool read_only = false;
    // Both statements in one message: one round trip.
    const std::string replica_status = info_.mariadb ? "SHOW SLAVE STATUS" : "SHOW REPLICA STATUS";
    {
      // MariaDB: Galera is on when wsrep_on is. MySQL: Group Replication has ONLINE members.
      // Then which server this is (server_id is unique in a replication topology).
      stmt.execute(
          (info_.mariadb
              ? "SELECT @@global.read_only, (SELECT VARIABLE_VALUE FROM "
                "information_schema.GLOBAL_VARIABLES "
                "WHERE VARIABLE_NAME = 'WSREP_ON'), "
                "CONCAT(@@hostname, ':', @@port, '/', @@server_id)"
              : "SELECT @@global.read_only OR @@global.super_read_only, (SELECT COUNT(*) FROM "
                "performance_schema.replication_group_members WHERE MEMBER_STATE = 'ONLINE'), "
                "CONCAT(@@hostname, ':', @@port, '/', @@server_id)") +
          std::string("; ") + replica_status);
      std::unique_ptr<sql::ResultSet> rs(stmt.getResultSet());
      rs->next();
      read_only = rs->getInt(1) == 1;
      std::string election = rs->isNull(2) ? "" : std::string(rs->getString(2));
      if (info_.mariadb && election == "ON") state.election = "MariaDB Galera (wsrep_on = ON)";
      if (!info_.mariadb && !election.empty() && election != "0")
        state.election = "MySQL Group Replication";
      if (!rs->isNull(3)) state.server = rs->getString(3);
    }
    if (!stmt.getMoreResults()) {
      guard_.MarkBroken();
      return Status::Internal("mysql: " + replica_status + " returned nothing");
    }
    std::unique_ptr<sql::ResultSet> rs(stmt.getResultSet());
    RowSetSink sink;
    StreamResult(*rs, kNoRowLimit, sink);
    const RowSet& status = sink.rows;
    auto column = [&](std::initializer_list<const char*> names) -> Cell {
      for (size_t c = 0; c < status.columns.size(); ++c) {
        for (const char* name : names) {
          if (status.columns[c].name == name) return status.rows[0][c];
        }
      }
      return std::nullopt;
    };
    state.is_replica = read_only && !status.rows.empty();
    if (!status.rows.empty()) {
      state.streaming = column({"Slave_IO_Running", "Replica_IO_Running"}) == "Yes";
      state.applying = column({"Slave_SQL_Running", "Replica_SQL_Running"}) == "Yes";
      if (Cell lag = column({"Seconds_Behind_Master", "Seconds_Behind_Source"}))
        state.lag_seconds = std::stod(*lag);
    }
    return state;
  });
}

}  // namespace rse::mysql
