// Where libpqxx 6.4 (Debian 12) and 7.10 (Debian 13) differ in what we call,
// the one spelling both accept. Everything else in db/postgres is written
// against the API both share.
#pragma once

#include <pqxx/pqxx>
#include <string>

namespace rse::postgres {

// Runs the statement prepared on the connection as `name`, with no parameters.
// (7.8+ deprecates exec_prepared for exec(prepped); 6.4 has only exec_prepared.)
inline pqxx::result ExecPrepared(pqxx::transaction_base& tx, const std::string& name) {
#if PQXX_VERSION_MAJOR > 7 || (PQXX_VERSION_MAJOR == 7 && PQXX_VERSION_MINOR >= 8)
  return tx.exec(pqxx::prepped{name});
#else
  return tx.exec_prepared(name);
#endif
}

}  // namespace rse::postgres
