#include "base/tls_mode.h"

namespace rse {

const char* TlsModeName(TlsMode mode) {
  switch (mode) {
    case TlsMode::kDisable: return "disable";
    case TlsMode::kPrefer: return "prefer";
    case TlsMode::kRequire: return "require";
    case TlsMode::kVerifyCa: return "verify-ca";
    case TlsMode::kVerifyFull: return "verify-full";
  }
  return "prefer";
}

}  // namespace rse
