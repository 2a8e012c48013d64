#include "http/basic_auth.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cstring>
#include <memory>
#include <optional>

namespace rse {
namespace {

constexpr auto kRemember = std::chrono::seconds(60);
constexpr size_t kMaxRemembered = 1024;

std::optional<std::string> DecodeBase64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0 || text.size() > 4096) return std::nullopt;
  std::string out(text.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts the padding as zero bytes.
  size_t padding = 0;
  if (text.back() == '=') ++padding;
  if (text.size() >= 2 && text[text.size() - 2] == '=') ++padding;
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

std::string Digest(const std::string& user, const std::string& password, const std::string& hash) {
  std::string input = user;
  input.push_back('\0');
  input += password;
  input.push_back('\0');
  input += hash;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  OPENSSL_cleanse(input.data(), input.size());
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

bool BcryptMatches(const std::string& password, const std::string& hash) {
  auto data = std::make_unique<crypt_data>();  // 32 KiB: not on the stack.
  const char* result = crypt_r(password.c_str(), hash.c_str(), data.get());
  const bool match = result != nullptr && result[0] != '*' && std::strlen(result) == hash.size() &&
                     CRYPTO_memcmp(result, hash.data(), hash.size()) == 0;
  OPENSSL_cleanse(data.get(), sizeof(crypt_data));
  return match;
}

}  // namespace

BasicAuthenticator::BasicAuthenticator(std::map<std::string, std::string> users,
                                       const Clock* clock)
    : users_(std::move(users)), clock_(clock) {}

bool BasicAuthenticator::Allows(std::string_view authorization) {
  if (users_.empty()) return true;
  constexpr std::string_view kScheme = "basic ";
  if (authorization.size() <= kScheme.size()) return false;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i]) return false;
  }
  std::string_view encoded = authorization.substr(kScheme.size());
  while (!encoded.empty() && encoded.front() == ' ') encoded.remove_prefix(1);
  while (!encoded.empty() && encoded.back() == ' ') encoded.remove_suffix(1);
  auto decoded = DecodeBase64(encoded);
  if (!decoded) return false;
  const size_t colon = decoded->find(':');
  if (colon == std::string::npos) return false;
  const std::string user = decoded->substr(0, colon);
  const std::string password = decoded->substr(colon + 1);
  OPENSSL_cleanse(decoded->data(), decoded->size());
  return CheckPassword(user, password);
}

bool BasicAuthenticator::CheckPassword(const std::string& user, const std::string& password) {
  auto it = users_.find(user);
  // An unknown user costs a bcrypt as well (against any stored hash), so
  // the answer's timing does not tell which users exist.
  const std::string& hash = it != users_.end() ? it->second : users_.begin()->second;
  const std::string key = Digest(user, password, hash);
  const TimePoint now = clock_->Now();
  {
    MutexLock lock(&mu_);
    auto remembered = recent_.find(key);
    if (remembered != recent_.end()) {
      if (remembered->second > now && it != users_.end()) return true;
      recent_.erase(remembered);
    }
  }
  const bool match = BcryptMatches(password, hash) && it != users_.end();
  if (match) {
    MutexLock lock(&mu_);
    if (recent_.size() >= kMaxRemembered) {
      std::erase_if(recent_, [now](const auto& entry) { return entry.second <= now; });
      if (recent_.size() >= kMaxRemembered) recent_.clear();
    }
    recent_[key] = now + kRemember;
  }
  return match;
}

}  // namespace rse
