#include "base/topology.h"

namespace rse {

const char* PoolerName(Pooler pooler) {
  switch (pooler) {
    case Pooler::kNone: return "none";
    case Pooler::kSession: return "pgbouncer-session";
    case Pooler::kTransaction: return "pgbouncer-transaction";
    case Pooler::kStatement: return "pgbouncer-statement";
  }
  return "none";
}

const char* MembersAreName(MembersAre members) {
  return members == MembersAre::kServers ? "servers" : "load_balancers";
}

}  // namespace rse
