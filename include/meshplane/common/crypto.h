// Hashing and secure randomness (OpenSSL's libcrypto underneath).
#ifndef MESHPLANE_COMMON_CRYPTO_H_
#define MESHPLANE_COMMON_CRYPTO_H_

#include <string>

#include "absl/strings/string_view.h"

namespace meshplane {

// Lowercase hex SHA-256 of `data`. Thread-safe.
std::string Sha256Hex(absl::string_view data);

// Lowercase hex HMAC-SHA256 of `data` under `key`. Thread-safe.
std::string HmacSha256Hex(absl::string_view key, absl::string_view data);

// `n` random bytes from the OS CSPRNG, encoded as lowercase letters and digits
// (base32-like, ~5 bits per character, `chars` characters). Thread-safe.
std::string RandomToken(int chars);

// A random RFC 4122 version-4 UUID string. Thread-safe.
std::string RandomUuid();

// Compares in time that depends only on the lengths.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

}  // namespace meshplane

#endif  // MESHPLANE_COMMON_CRYPTO_H_
