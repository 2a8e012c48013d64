// How a database connection uses TLS; shared by the config and the backends.
#pragma once

namespace rse {

// kRequire and stronger fail closed: no TLS, no connection.
enum class TlsMode { kDisable, kPrefer, kRequire, kVerifyCa, kVerifyFull };

}  // namespace rse
