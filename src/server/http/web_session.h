// Browser sessions of the web catalog (docs/web.md#sessions):
//
//   POST   /auth/session  with `Authorization: Bearer <API token or JWT>`:
//          checks the token as any call does (GetCallerIdentity through the
//          transcoder, so CallRunner's authentication), stores a session
//          and sets the `mp_session` cookie (HttpOnly, SameSite=Strict,
//          Path=/, Secure behind an HTTPS proxy); answers the caller's
//          identity, the session's CSRF token and its expiry;
//   GET    /auth/session  the same answer for the cookie's session, or 401;
//   DELETE /auth/session  signs out (needs X-CSRF-Token).
//
// A REST call with the cookie and no Authorization is made with the
// session's token (Credentials, the transcoder's credential hook): the
// same principal, authorization and audit as the token itself, and a
// revoked or expired token ends the session. Writes (any method but GET
// and HEAD) also need the session's X-CSRF-Token header.
//
// The session id exists only in the cookie. PostgreSQL holds its SHA-256
// and the token sealed (AES-256-GCM) under a key derived from the id, so
// that every replica can serve every session and the table yields neither.
// Thread-safe.
#ifndef MESHPLANE_SERVER_HTTP_WEB_SESSION_H_
#define MESHPLANE_SERVER_HTTP_WEB_SESSION_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/http/transcoder.h"

#include "meshplane/common/clock.h"
#include "meshplane/store/store.h"

namespace meshplane::server::http {

inline constexpr char kSessionCookie[] = "mp_session";
inline constexpr char kCsrfHeader[] = "x-csrf-token";

class WebSessions {
 public:
  // `store`, `clock` and `transcoder` must outlive this object. Sessions
  // last `ttl` from sign-in.
  WebSessions(store::Store& store, const Clock& clock,
              const Transcoder& transcoder, absl::Duration ttl);

  // The Authorization value a REST call is made with: "" to leave the
  // request as it is (it sends its own Authorization, or no session
  // cookie); UNAUTHENTICATED for an unknown or expired session;
  // PERMISSION_DENIED for a write without the session's X-CSRF-Token;
  // UNAVAILABLE when the database cannot be reached.
  absl::StatusOr<std::string> Credentials(const HttpRequest& request) const;

  HttpResponse SignIn(const HttpRequest& request) const;   // POST
  HttpResponse Current(const HttpRequest& request) const;  // GET
  HttpResponse SignOut(const HttpRequest& request) const;  // DELETE

 private:
  struct Found {
    store::WebSession session;
    std::string id;
  };
  // The cookie's session: NOT_FOUND without a cookie, UNAUTHENTICATED when
  // it names no live session.
  absl::StatusOr<Found> Find(const HttpRequest& request) const;
  // The identity JSON of GetCallerIdentity for `authorization`, or the
  // error response of that call.
  absl::StatusOr<std::string> Identity(const HttpRequest& request,
                                       const std::string& authorization,
                                       HttpResponse* error) const;
  HttpResponse Answer(const std::string& identity_json, const std::string& id,
                      absl::Time expire_time) const;

  store::Store& store_;
  const Clock& clock_;
  const Transcoder& transcoder_;
  const absl::Duration ttl_;
};

}  // namespace meshplane::server::http

#endif  // MESHPLANE_SERVER_HTTP_WEB_SESSION_H_
