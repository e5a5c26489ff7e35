// Keys and tokens of a test identity provider, made at test time: key
// pairs with the openssl command, tokens signed through OpenSSL's EVP API
// (nothing checked in, no verifier code of ours involved in minting).
//
//   auto rsa = MakeRsaKey(dir, "rsa-1");
//   std::string jwks = JwksOf({&*rsa});
//   auto token = SignJwt(*rsa, R"({"alg":"RS256","kid":"rsa-1"})", claims);
#ifndef MESHPLANE_TESTS_TESTING_JWT_TEST_JWT_H_
#define MESHPLANE_TESTS_TESTING_JWT_TEST_JWT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace meshplane::testing {

struct TestSigningKey {
  std::string kid;
  std::string private_key_file;  // PEM
  std::string public_key_pem;    // SubjectPublicKeyInfo PEM text
  std::string jwk;               // the public key as a JWK (JSON text)
  bool ec = false;               // EC P-256 (ES256), else RSA (RS256)
};

// An RSA 2048 or EC P-256 key pair in `dir` (which must exist), named
// `kid`. UNAVAILABLE with openssl's output if the command fails.
absl::StatusOr<TestSigningKey> MakeRsaKey(const std::string& dir,
                                          const std::string& kid);
absl::StatusOr<TestSigningKey> MakeEcKey(const std::string& dir,
                                         const std::string& kid);

// {"keys": [<jwk>...]}.
std::string JwksOf(const std::vector<const TestSigningKey*>& keys);

// base64url without padding (RFC 7515 section 2).
std::string Base64Url(absl::string_view bytes);

// The compact JWS of `header_json`.`payload_json` signed with `key`
// (RS256: PKCS#1 v1.5 SHA-256; ES256: raw r||s over SHA-256), whatever
// the header says (so tests can lie in it).
absl::StatusOr<std::string> SignJwt(const TestSigningKey& key,
                                    absl::string_view header_json,
                                    absl::string_view payload_json);

// The compact JWS signed with HMAC-SHA256 under `secret`.
std::string HmacJwt(absl::string_view secret, absl::string_view header_json,
                    absl::string_view payload_json);

}  // namespace meshplane::testing

#endif  // MESHPLANE_TESTS_TESTING_JWT_TEST_JWT_H_
