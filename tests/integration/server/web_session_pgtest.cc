// Browser sessions of the web catalog (server/http/web_session.h) over real
// HTTP on loopback, against a real meshplaned on PostgreSQL: the cookie's
// flags, calls made as the token, CSRF on writes, sign-out, a revoked
// token, an expired session, and what the database holds.
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "tests/testing/pg/pg_fixture.h"
#include "tests/testing/server/server_fixture.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

namespace meshplane::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class WebSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fx_ = ServerFixture::Start(options_);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", fx_->http_port());
    ana_ = fx_->MintToken("user:ana@example.com");
    ASSERT_FALSE(ana_.empty());
  }

  // Signs in with `token`: the Set-Cookie header and the body.
  struct Session {
    std::string set_cookie;
    std::string id;  // the cookie's value
    std::string csrf;
  };
  Session SignIn(const std::string& token, httplib::Headers extra = {}) {
    extra.emplace("Authorization", "Bearer " + token);
    httplib::Result r =
        client_->Post("/auth/session", extra, "", "application/json");
    EXPECT_TRUE(r) << "no answer";
    if (!r) return {};
    EXPECT_EQ(r->status, 200) << r->body;
    Session s;
    s.set_cookie = r->get_header_value("Set-Cookie");
    const std::string prefix = "mp_session=";
    if (absl::StartsWith(s.set_cookie, prefix)) {
      s.id = s.set_cookie.substr(prefix.size(),
                                 s.set_cookie.find(';') - prefix.size());
    }
    nlohmann::json body = nlohmann::json::parse(r->body, nullptr, false);
    if (body.is_object()) s.csrf = body.value("csrfToken", "");
    return s;
  }

  httplib::Headers WithCookie(const Session& s, std::string csrf = "") {
    httplib::Headers h = {{"Cookie", "other=1; mp_session=" + s.id}};
    if (!csrf.empty()) h.emplace("X-CSRF-Token", csrf);
    return h;
  }

  // The principal GetCallerIdentity answers for `headers`, or the status.
  std::string Who(const httplib::Headers& headers) {
    httplib::Result r = client_->Get("/v1/callerIdentity", headers);
    if (!r) return "no answer";
    if (r->status != 200) return "HTTP " + std::to_string(r->status);
    return nlohmann::json::parse(r->body).value("principal", "");
  }

  int CreateTeam(const httplib::Headers& headers) {
    httplib::Result r =
        client_->Post("/v1/teams?teamId=web-probe&validateOnly=true", headers,
                      R"({"displayName": "probe"})", "application/json");
    return r ? r->status : -1;
  }

  // Declared before fx_, which may use it, so that it outlives the server.
  SimulatedClock clock_{absl::Now()};
  ServerFixtureOptions options_;
  std::unique_ptr<ServerFixture> fx_;
  std::unique_ptr<httplib::Client> client_;
  std::string ana_;
};

// A server started with --web-session-ttl 10m on a clock the test moves.
class ShortSessionTest : public WebSessionTest {
 protected:
  ShortSessionTest() {
    options_.config.web_session_ttl = absl::Minutes(10);
    options_.clock = &clock_;
  }
};

TEST_F(WebSessionTest, SignInSetsAStrictHttpOnlyCookie) {
  Session s = SignIn(ana_);
  ASSERT_FALSE(s.id.empty()) << s.set_cookie;
  EXPECT_THAT(s.set_cookie, HasSubstr("; HttpOnly"));
  EXPECT_THAT(s.set_cookie, HasSubstr("; SameSite=Strict"));
  EXPECT_THAT(s.set_cookie, HasSubstr("; Path=/"));
  EXPECT_THAT(s.set_cookie, HasSubstr("; Max-Age=28800"));
  EXPECT_THAT(s.set_cookie, Not(HasSubstr("Secure")));
  EXPECT_THAT(s.id, Not(HasSubstr(ana_)));
  EXPECT_FALSE(s.csrf.empty());
  // Behind a TLS-terminating proxy the cookie is Secure.
  Session tls = SignIn(ana_, {{"X-Forwarded-Proto", "https"}});
  EXPECT_THAT(tls.set_cookie, HasSubstr("; Secure"));
}

TEST_F(WebSessionTest, CallsWithTheCookieRunAsTheToken) {
  Session s = SignIn(ana_);
  EXPECT_EQ(Who(WithCookie(s)), "user:ana@example.com");
  httplib::Result r = client_->Get("/auth/session", WithCookie(s));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  auto body = nlohmann::json::parse(r->body);
  EXPECT_EQ(body.value("principal", ""), "user:ana@example.com");
  EXPECT_EQ(body.value("csrfToken", ""), s.csrf);
  // A bearer sent with the cookie wins (and is not ambient: no CSRF).
  httplib::Headers both = WithCookie(s);
  both.emplace("Authorization", "Bearer " + fx_->admin_token());
  EXPECT_EQ(Who(both), "user:admin");
  EXPECT_EQ(CreateTeam(both), 200);
}

TEST_F(WebSessionTest, AnUnknownTokenGetsNoSession) {
  httplib::Result r =
      client_->Post("/auth/session", {{"Authorization", "Bearer not-a-token"}},
                    "", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_FALSE(r->has_header("Set-Cookie"));
  r = client_->Post("/auth/session", httplib::Headers{}, "",
                    "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_THAT(r->body, HasSubstr("Authorization"));
  EXPECT_EQ(Who({{"Cookie", "mp_session=made-up"}}), "HTTP 401");
}

TEST_F(WebSessionTest, WritesNeedTheSessionsCsrfToken) {
  Session s = SignIn(fx_->admin_token());
  EXPECT_EQ(CreateTeam(WithCookie(s)), 403);
  EXPECT_EQ(CreateTeam(WithCookie(s, "guess")), 403);
  EXPECT_EQ(CreateTeam(WithCookie(s, s.csrf)), 200);
  // Another session's token does not do.
  Session other = SignIn(fx_->admin_token());
  EXPECT_EQ(CreateTeam(WithCookie(s, other.csrf)), 403);
}

TEST_F(WebSessionTest, SignOutEndsTheSessionOnTheServer) {
  Session s = SignIn(ana_);
  httplib::Result r = client_->Delete("/auth/session", WithCookie(s));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403) << "signing out is a write: it needs CSRF";
  r = client_->Delete("/auth/session", WithCookie(s, s.csrf));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_THAT(r->get_header_value("Set-Cookie"), HasSubstr("Max-Age=0"));
  // The cookie, replayed, opens nothing.
  EXPECT_EQ(Who(WithCookie(s)), "HTTP 401");
}

TEST_F(WebSessionTest, RevokingTheTokenEndsTheSession) {
  Session s = SignIn(ana_);
  ASSERT_EQ(Who(WithCookie(s)), "user:ana@example.com");
  // Revoked through the API, as an admin does (which also tells the
  // server's token cache).
  httplib::Result list =
      client_->Get("/v1/tokens?principal=user:ana@example.com",
                   {{"Authorization", "Bearer " + fx_->admin_token()}});
  ASSERT_TRUE(list);
  auto tokens = nlohmann::json::parse(list->body)["tokens"];
  ASSERT_FALSE(tokens.empty()) << list->body;
  for (const auto& t : tokens) {
    httplib::Result revoked =
        client_->Post("/v1/" + t.value("name", "") + ":revoke",
                      {{"Authorization", "Bearer " + fx_->admin_token()}}, "{}",
                      "application/json");
    ASSERT_TRUE(revoked);
    ASSERT_EQ(revoked->status, 200) << revoked->body;
  }
  EXPECT_EQ(Who(WithCookie(s)), "HTTP 401");
  httplib::Result r = client_->Get("/auth/session", WithCookie(s));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
}

TEST_F(WebSessionTest, AnExpiredSessionIsRefused) {
  Session s = SignIn(ana_);
  ASSERT_EQ(Who(WithCookie(s)), "user:ana@example.com");
  ExecSql(fx_->database_url(),
          "UPDATE web_sessions SET expire_time = now() - interval '1 second'");
  httplib::Result r = client_->Get("/v1/callerIdentity", WithCookie(s));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_THAT(r->body, HasSubstr("the session has ended"));
}

TEST_F(ShortSessionTest, TheSessionEndsAfterTheConfiguredTtl) {
  Session s = SignIn(ana_);
  EXPECT_THAT(s.set_cookie, HasSubstr("; Max-Age=600"));
  clock_.Advance(absl::Minutes(9));
  EXPECT_EQ(Who(WithCookie(s)), "user:ana@example.com");
  EXPECT_EQ(client_->Get("/auth/session", WithCookie(s))->status, 200);
  clock_.Advance(absl::Minutes(1));
  httplib::Result r = client_->Get("/v1/callerIdentity", WithCookie(s));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_THAT(r->body, HasSubstr("the session has ended"));
  EXPECT_EQ(client_->Get("/auth/session", WithCookie(s))->status, 401);
  // The token itself still works: only the session has ended.
  EXPECT_EQ(Who({{"Authorization", "Bearer " + ana_}}), "user:ana@example.com");
}

TEST_F(WebSessionTest, TheDatabaseHoldsNeitherTheIdNorTheToken) {
  Session s = SignIn(ana_);
  pqxx::connection conn(fx_->database_url());
  pqxx::work w(conn);
  pqxx::result rows =
      w.exec("SELECT id_hash, principal, credential FROM web_sessions");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_NE(rows[0][0].as<std::string>(), s.id);
  EXPECT_EQ(rows[0][1].as<std::string>(), "user:ana@example.com");
  EXPECT_THAT(rows[0][2].as<std::string>(), Not(HasSubstr(ana_)));
}

}  // namespace
}  // namespace meshplane::testing
