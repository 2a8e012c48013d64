#include "db/query_tag.h"

#include "db/connect_params.h"

namespace rse {
namespace {

std::string Safe(std::string_view name) {
  std::string out;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (ok) out += c;
  }
  return out;
}

}  // namespace

std::string QueryApplicationName(std::string_view name) {
  const std::string safe = Safe(name);
  return safe.empty() ? kApplicationName : std::string(kApplicationName) + "/" + safe;
}

std::string QueryComment(std::string_view name) {
  const std::string safe = Safe(name);
  return safe.empty() ? "" : "/* " + std::string(kApplicationName) + " query=" + safe + " */ ";
}

}  // namespace rse
