#include "server/http/web_session.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "meshplane/common/crypto.h"

namespace meshplane::server::http {
namespace {

constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;

// Each secret is derived from the session id for one purpose (HMAC with
// the purpose as the message), so that knowing one tells nothing of the
// others: the row's key, the sealing key, the CSRF token.
std::string IdHash(const std::string& id) { return Sha256Hex(id); }
std::string SealKey(const std::string& id) {
  // 32 bytes: AES-256.
  return absl::HexStringToBytes(
      HmacSha256Hex(id, "meshplane web session seal"));
}
std::string CsrfToken(const std::string& id) {
  return HmacSha256Hex(id, "meshplane web session csrf");
}

using CipherCtx =
    std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

// Starts AES-256-GCM on `ctx` (which may be null) with `key` and `nonce`,
// sealing or opening, and runs `in` through it into `out` (as long as
// `in`); `len` gets the bytes written. False when OpenSSL fails; the
// caller finishes with the tag and the final block.
bool StartGcm(EVP_CIPHER_CTX* ctx, bool seal, const std::string& key,
              const std::string& nonce, const std::string& in, std::string* out,
              int* len) {
  return ctx != nullptr &&
         EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), nullptr,
                           reinterpret_cast<const unsigned char*>(key.data()),
                           reinterpret_cast<const unsigned char*>(nonce.data()),
                           seal ? 1 : 0) == 1 &&
         EVP_CipherUpdate(ctx, reinterpret_cast<unsigned char*>(out->data()),
                          len,
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size())) == 1;
}

// AES-256-GCM: base64(nonce || ciphertext || tag).
absl::StatusOr<std::string> Seal(const std::string& key,
                                 const std::string& plain) {
  std::string nonce(kNonceBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(nonce.data()), kNonceBytes) !=
      1) {
    return absl::InternalError("no randomness for the session's nonce");
  }
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  std::string out(plain.size(), '\0');
  unsigned char tag[kTagBytes];
  int len = 0;
  int total = 0;
  if (!StartGcm(ctx.get(), /*seal=*/true, key, nonce, plain, &out, &len)) {
    return absl::InternalError("cannot seal the session's credential");
  }
  total = len;
  if (EVP_EncryptFinal_ex(ctx.get(),
                          reinterpret_cast<unsigned char*>(out.data()) + total,
                          &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, tag) !=
          1) {
    return absl::InternalError("cannot seal the session's credential");
  }
  out.resize(total + len);
  return absl::Base64Escape(absl::StrCat(
      nonce, out, absl::string_view(reinterpret_cast<char*>(tag), kTagBytes)));
}

absl::StatusOr<std::string> Open(const std::string& key,
                                 const std::string& sealed) {
  std::string raw;
  if (!absl::Base64Unescape(sealed, &raw) ||
      raw.size() < kNonceBytes + kTagBytes) {
    return absl::UnauthenticatedError("the session is unreadable");
  }
  const std::string nonce = raw.substr(0, kNonceBytes);
  std::string tag = raw.substr(raw.size() - kTagBytes);
  const std::string cipher =
      raw.substr(kNonceBytes, raw.size() - kNonceBytes - kTagBytes);
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  std::string out(cipher.size(), '\0');
  int len = 0;
  if (!StartGcm(ctx.get(), /*seal=*/false, key, nonce, cipher, &out, &len) ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes,
                          tag.data()) != 1) {
    return absl::UnauthenticatedError("the session is unreadable");
  }
  int final_len = 0;
  if (EVP_DecryptFinal_ex(ctx.get(),
                          reinterpret_cast<unsigned char*>(out.data()) + len,
                          &final_len) != 1) {
    return absl::UnauthenticatedError("the session is unreadable");
  }
  out.resize(len + final_len);
  return out;
}

// The value of cookie `name` in the request's Cookie headers, or "".
std::string CookieOf(const HttpRequest& request, absl::string_view name) {
  for (const auto& [key, value] : request.headers) {
    if (key != "cookie") continue;
    for (absl::string_view pair : absl::StrSplit(value, ';')) {
      pair = absl::StripAsciiWhitespace(pair);
      if (absl::ConsumePrefix(&pair, name) && absl::ConsumePrefix(&pair, "=")) {
        return std::string(pair);
      }
    }
  }
  return "";
}

bool IsWrite(const HttpRequest& request) {
  return request.method != "GET" && request.method != "HEAD";
}

// Secure when the browser reached us over HTTPS: the listener's own TLS,
// or a TLS-terminating proxy's X-Forwarded-Proto.
std::string Cookie(const HttpRequest& request, const std::string& value,
                   absl::Duration max_age) {
  const bool tls =
      request.tls ||
      absl::EqualsIgnoreCase(request.Header("x-forwarded-proto"), "https");
  return absl::StrCat(kSessionCookie, "=", value,
                      "; Path=/; HttpOnly; SameSite=Strict; Max-Age=",
                      absl::ToInt64Seconds(max_age), tls ? "; Secure" : "");
}

HttpResponse NoStore(HttpResponse r) {
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace

WebSessions::WebSessions(store::Store& store, const Clock& clock,
                         const Transcoder& transcoder, absl::Duration ttl)
    : store_(store), clock_(clock), transcoder_(transcoder), ttl_(ttl) {}

absl::StatusOr<WebSessions::Found> WebSessions::Find(
    const HttpRequest& request) const {
  std::string id = CookieOf(request, kSessionCookie);
  if (id.empty()) return absl::NotFoundError("no session cookie");
  absl::StatusOr<std::unique_ptr<store::Transaction>> txn =
      store_.Begin(store::TxnMode::kSingleRead);
  if (!txn.ok()) return txn.status();
  absl::StatusOr<store::WebSession> s =
      (*txn)->identity().GetWebSession(IdHash(id));
  if (absl::IsNotFound(s.status()) ||
      (s.ok() && s->expire_time <= clock_.Now())) {
    return absl::UnauthenticatedError("the session has ended: sign in again");
  }
  if (!s.ok()) return s.status();
  return Found{*std::move(s), std::move(id)};
}

absl::StatusOr<std::string> WebSessions::Credentials(
    const HttpRequest& request) const {
  // A bearer sent by the client wins; no cookie, nothing to do.
  if (!request.authorization.empty()) return std::string();
  absl::StatusOr<Found> found = Find(request);
  if (absl::IsNotFound(found.status())) return std::string();
  if (!found.ok()) return found.status();
  // SameSite=Strict keeps the cookie off cross-site requests; the CSRF
  // token, which only our own pages can read (from /auth/session), is the
  // second lock on every write.
  if (IsWrite(request) &&
      !ConstantTimeEquals(request.Header(kCsrfHeader), CsrfToken(found->id))) {
    return absl::PermissionDeniedError(
        "a write from a browser session needs the session's X-CSRF-Token "
        "header");
  }
  return Open(SealKey(found->id), found->session.credential);
}

absl::StatusOr<std::string> WebSessions::Identity(
    const HttpRequest& request, const std::string& authorization,
    HttpResponse* error) const {
  HttpRequest probe;
  probe.method = "GET";
  probe.path = "/v1/callerIdentity";
  probe.authorization = {authorization};
  probe.peer = request.peer;
  probe.headers = {{"authorization", authorization}};
  HttpResponse r = transcoder_.Handle(probe);
  if (r.status != 200) {
    *error = std::move(r);
    return absl::UnauthenticatedError("refused");
  }
  return r.body;
}

HttpResponse WebSessions::Answer(const std::string& identity_json,
                                 const std::string& id,
                                 absl::Time expire_time) const {
  nlohmann::json body = nlohmann::json::parse(identity_json, nullptr, false);
  if (!body.is_object()) body = nlohmann::json::object();
  body["csrfToken"] = CsrfToken(id);
  body["expireTime"] =
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", expire_time, absl::UTCTimeZone());
  HttpResponse r;
  r.body = body.dump();
  return NoStore(std::move(r));
}

HttpResponse WebSessions::SignIn(const HttpRequest& request) const {
  if (request.authorization.size() != 1) {
    return NoStore(ErrorResponse(absl::UnauthenticatedError(
        "send exactly one `Authorization: Bearer <token>` header to sign "
        "in")));
  }
  HttpResponse refused;
  absl::StatusOr<std::string> identity =
      Identity(request, request.authorization[0], &refused);
  if (!identity.ok()) return NoStore(std::move(refused));
  nlohmann::json who = nlohmann::json::parse(*identity, nullptr, false);

  const std::string id = RandomToken(52);  // ~260 bits
  const absl::Time now = clock_.Now();
  store::WebSession s;
  s.id_hash = IdHash(id);
  s.principal = who.is_object() ? who.value("principal", "") : "";
  s.create_time = now;
  s.expire_time = now + ttl_;
  absl::StatusOr<std::string> sealed =
      Seal(SealKey(id), request.authorization[0]);
  if (!sealed.ok()) return NoStore(ErrorResponse(sealed.status()));
  s.credential = *std::move(sealed);
  absl::Status stored = [&]() -> absl::Status {
    absl::StatusOr<std::unique_ptr<store::Transaction>> txn =
        store_.Begin(store::TxnMode::kReadWrite);
    if (!txn.ok()) return txn.status();
    absl::Status st = (*txn)->identity().InsertWebSession(s, now);
    if (!st.ok()) return st;
    return (*txn)->Commit();
  }();
  if (!stored.ok()) return NoStore(ErrorResponse(stored));
  HttpResponse r = Answer(*identity, id, s.expire_time);
  r.headers.emplace_back("Set-Cookie", Cookie(request, id, ttl_));
  return r;
}

HttpResponse WebSessions::Current(const HttpRequest& request) const {
  absl::StatusOr<Found> found = Find(request);
  if (absl::IsNotFound(found.status())) {
    return NoStore(ErrorResponse(
        absl::UnauthenticatedError("not signed in: no session cookie")));
  }
  if (!found.ok()) return NoStore(ErrorResponse(found.status()));
  absl::StatusOr<std::string> authorization =
      Open(SealKey(found->id), found->session.credential);
  if (!authorization.ok()) {
    return NoStore(ErrorResponse(authorization.status()));
  }
  // Asked again each time, so that a revoked token ends the session here.
  HttpResponse refused;
  absl::StatusOr<std::string> identity =
      Identity(request, *authorization, &refused);
  if (!identity.ok()) return NoStore(std::move(refused));
  return Answer(*identity, found->id, found->session.expire_time);
}

HttpResponse WebSessions::SignOut(const HttpRequest& request) const {
  absl::StatusOr<Found> found = Find(request);
  if (found.ok()) {
    if (!ConstantTimeEquals(request.Header(kCsrfHeader),
                            CsrfToken(found->id))) {
      return NoStore(ErrorResponse(absl::PermissionDeniedError(
          "signing out needs the session's X-CSRF-Token header")));
    }
    absl::Status deleted = [&]() -> absl::Status {
      absl::StatusOr<std::unique_ptr<store::Transaction>> txn =
          store_.Begin(store::TxnMode::kReadWrite);
      if (!txn.ok()) return txn.status();
      absl::Status st =
          (*txn)->identity().DeleteWebSession(found->session.id_hash);
      if (!st.ok()) return st;
      return (*txn)->Commit();
    }();
    if (!deleted.ok()) return NoStore(ErrorResponse(deleted));
  } else if (!absl::IsNotFound(found.status()) &&
             !absl::IsUnauthenticated(found.status())) {
    return NoStore(ErrorResponse(found.status()));
  }
  HttpResponse r;
  r.body = "{}";
  r.headers.emplace_back("Set-Cookie",
                         Cookie(request, "", absl::ZeroDuration()));
  return NoStore(std::move(r));
}

}  // namespace meshplane::server::http
