// How a database connection uses TLS; shared by the config and the backends.
// The names are libpq's sslmode values, which the config uses for both engines.
#pragma once

namespace rse {

// kRequire and stronger fail closed: no TLS, no connection.
enum class TlsMode { kDisable, kPrefer, kRequire, kVerifyCa, kVerifyFull };
inline constexpr TlsMode kAllTlsModes[] = {TlsMode::kDisable, TlsMode::kPrefer, TlsMode::kRequire,
                                           TlsMode::kVerifyCa, TlsMode::kVerifyFull};

// "disable", "prefer", "require", "verify-ca", "verify-full".
const char* TlsModeName(TlsMode mode);

}  // namespace rse
