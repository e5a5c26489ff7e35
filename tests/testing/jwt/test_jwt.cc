#include "tests/testing/jwt/test_jwt.h"

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

namespace meshplane::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

absl::Status Run(const std::string& command, const std::string& log) {
  std::string line = absl::StrCat(command, " >>", log, " 2>&1");
  if (std::system(line.c_str()) != 0) {
    return absl::UnavailableError(
        absl::StrCat("`", command, "` failed: ", ReadFile(log)));
  }
  return absl::OkStatus();
}

using PkeyPtr = std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)>;

PkeyPtr LoadPrivate(const std::string& file) {
  std::string pem = ReadFile(file);
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return PkeyPtr(key, EVP_PKEY_free);
}

std::string BigNumParam(EVP_PKEY* key, const char* name, int pad = 0) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) return "";
  std::string out(pad > 0 ? pad : BN_num_bytes(bn), '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()),
               static_cast<int>(out.size()));
  BN_free(bn);
  return Base64Url(out);
}

absl::StatusOr<TestSigningKey> MakeKey(const std::string& dir,
                                       const std::string& kid, bool ec) {
  TestSigningKey k;
  k.kid = kid;
  k.ec = ec;
  k.private_key_file = absl::StrCat(dir, "/", kid, ".key");
  absl::Status s = Run(absl::StrCat("openssl genpkey -algorithm ",
                                    ec ? "EC -pkeyopt ec_paramgen_curve:P-256"
                                       : "RSA -pkeyopt rsa_keygen_bits:2048",
                                    " -out ", k.private_key_file),
                       absl::StrCat(dir, "/openssl.log"));
  if (!s.ok()) return s;
  PkeyPtr key = LoadPrivate(k.private_key_file);
  if (key == nullptr) {
    return absl::UnavailableError("cannot read the key openssl made");
  }
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, key.get());
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  k.public_key_pem.assign(data, static_cast<size_t>(len));
  BIO_free(bio);
  nlohmann::json jwk;
  if (ec) {
    jwk = {{"kty", "EC"},
           {"crv", "P-256"},
           {"kid", kid},
           {"use", "sig"},
           {"alg", "ES256"},
           {"x", BigNumParam(key.get(), OSSL_PKEY_PARAM_EC_PUB_X, 32)},
           {"y", BigNumParam(key.get(), OSSL_PKEY_PARAM_EC_PUB_Y, 32)}};
  } else {
    jwk = {{"kty", "RSA"},
           {"kid", kid},
           {"use", "sig"},
           {"alg", "RS256"},
           {"n", BigNumParam(key.get(), OSSL_PKEY_PARAM_RSA_N)},
           {"e", BigNumParam(key.get(), OSSL_PKEY_PARAM_RSA_E)}};
  }
  k.jwk = jwk.dump();
  return k;
}

}  // namespace

std::string Base64Url(absl::string_view bytes) {
  std::string out;
  absl::WebSafeBase64Escape(bytes, &out);  // unpadded
  return out;
}

absl::StatusOr<TestSigningKey> MakeRsaKey(const std::string& dir,
                                          const std::string& kid) {
  return MakeKey(dir, kid, /*ec=*/false);
}

absl::StatusOr<TestSigningKey> MakeEcKey(const std::string& dir,
                                         const std::string& kid) {
  return MakeKey(dir, kid, /*ec=*/true);
}

std::string JwksOf(const std::vector<const TestSigningKey*>& keys) {
  std::vector<std::string> jwks;
  for (const TestSigningKey* k : keys) jwks.push_back(k->jwk);
  return absl::StrCat("{\"keys\":[", absl::StrJoin(jwks, ","), "]}");
}

absl::StatusOr<std::string> SignJwt(const TestSigningKey& key,
                                    absl::string_view header_json,
                                    absl::string_view payload_json) {
  const std::string input =
      absl::StrCat(Base64Url(header_json), ".", Base64Url(payload_json));
  PkeyPtr pkey = LoadPrivate(key.private_key_file);
  if (pkey == nullptr) return absl::UnavailableError("cannot read the key");
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(),
                                                         EVP_MD_CTX_free);
  size_t len = 0;
  if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr,
                         pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len,
                     reinterpret_cast<const unsigned char*>(input.data()),
                     input.size()) != 1) {
    return absl::UnavailableError("EVP_DigestSign failed");
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()),
                     &len, reinterpret_cast<const unsigned char*>(input.data()),
                     input.size()) != 1) {
    return absl::UnavailableError("EVP_DigestSign failed");
  }
  sig.resize(len);
  if (key.ec) {
    // RFC 7518 section 3.4: ES256 signatures are r||s, 32 bytes each, not
    // the DER that OpenSSL produces.
    const unsigned char* p = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG* der = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
    if (der == nullptr) return absl::UnavailableError("bad ECDSA signature");
    std::string raw(64, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(der),
                 reinterpret_cast<unsigned char*>(raw.data()), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(der),
                 reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
    ECDSA_SIG_free(der);
    sig = raw;
  }
  return absl::StrCat(input, ".", Base64Url(sig));
}

std::string HmacJwt(absl::string_view secret, absl::string_view header_json,
                    absl::string_view payload_json) {
  const std::string input =
      absl::StrCat(Base64Url(header_json), ".", Base64Url(payload_json));
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac,
       &len);
  return absl::StrCat(
      input, ".",
      Base64Url(absl::string_view(reinterpret_cast<char*>(mac), len)));
}

}  // namespace meshplane::testing
