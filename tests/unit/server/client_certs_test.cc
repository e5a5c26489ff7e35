#include "server/client_certs.h"

#include <cstdio>
#include <fstream>
#include <string>

#include "tests/testing/matchers/status_matchers.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace meshplane::server {
namespace {

using ::meshplane::testing::StatusIs;

PeerCertificate Peer(std::vector<std::string> uris,
                     std::vector<std::string> dns = {}) {
  PeerCertificate p;
  p.present = true;
  p.uris = std::move(uris);
  p.dns = std::move(dns);
  p.common_name = "cn";
  return p;
}

TEST(CertificatePrincipalsTest, MapsUriAndDnsEntries) {
  CertificatePrincipals map;
  ASSERT_OK(
      map.AddEntry("spiffe://example.org/ns/ci/sa/deployer=service:deployer"));
  ASSERT_OK(map.AddEntry("ops.example.org=user:ops@example.org,admin"));
  ASSERT_OK(map.AddEntry("spiffe://example.org/q?a=b=service:query"));
  ASSERT_OK_AND_ASSIGN(
      CertPrincipal p,
      map.Map(Peer({"spiffe://example.org/ns/ci/sa/deployer"})));
  EXPECT_EQ(p.principal, "service:deployer");
  EXPECT_FALSE(p.platform_admin);
  ASSERT_OK_AND_ASSIGN(p, map.Map(Peer({}, {"OPS.example.org"})));
  EXPECT_EQ(p.principal, "user:ops@example.org");
  EXPECT_TRUE(p.platform_admin);
  // A URI SAN may hold '=': the entry splits at the last one.
  ASSERT_OK_AND_ASSIGN(p, map.Map(Peer({"spiffe://example.org/q?a=b"})));
  EXPECT_EQ(p.principal, "service:query");
}

TEST(CertificatePrincipalsTest, DnsServiceDomains) {
  CertificatePrincipals map;
  ASSERT_OK(map.AddDnsServiceDomain("svc.example.org"));
  ASSERT_OK(map.AddEntry("special.svc.example.org=service:other"));
  ASSERT_OK_AND_ASSIGN(CertPrincipal p,
                       map.Map(Peer({}, {"reporter.svc.example.org"})));
  EXPECT_EQ(p.principal, "service:reporter");
  EXPECT_FALSE(p.platform_admin);
  // An entry wins over the domain rule.
  ASSERT_OK_AND_ASSIGN(p, map.Map(Peer({}, {"special.svc.example.org"})));
  EXPECT_EQ(p.principal, "service:other");
  // Only one label under the domain, and a valid id.
  EXPECT_THAT(
      map.Map(Peer({}, {"a.b.svc.example.org"})),
      StatusIs(absl::StatusCode::kUnauthenticated, "DNS:a.b.svc.example.org"));
  EXPECT_THAT(map.Map(Peer({}, {"svc.example.org"})),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(map.Map(Peer({}, {"x.evilsvc.example.org"})),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST(CertificatePrincipalsTest, UnmappedAndAmbiguousAreUnauthenticated) {
  CertificatePrincipals map;
  ASSERT_OK(map.AddEntry("spiffe://a/x=service:x"));
  ASSERT_OK(map.AddEntry("spiffe://a/y=service:y"));
  EXPECT_THAT(map.Map(Peer({"spiffe://a/z"}, {"z.example.org"})),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       "client certificate (URI:spiffe://a/z, "
                       "DNS:z.example.org) maps to no principal"));
  EXPECT_THAT(map.Map(Peer({"spiffe://a/x", "spiffe://a/y"})),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       "more than one principal (service:x, service:y)"));
  EXPECT_THAT(map.Map(Peer({})),
              StatusIs(absl::StatusCode::kUnauthenticated, "CN=cn"));
}

TEST(CertificatePrincipalsTest, BadEntries) {
  CertificatePrincipals map;
  EXPECT_THAT(map.AddEntry("spiffe://a/x"),
              StatusIs(absl::StatusCode::kInvalidArgument, "SAN=PRINCIPAL"));
  EXPECT_THAT(map.AddEntry("=service:x"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(map.AddEntry("spiffe://a/x=team:ci"),
              StatusIs(absl::StatusCode::kInvalidArgument, "team"));
  EXPECT_THAT(
      map.AddEntry("spiffe://a/x=service:Not_An_Id"),
      StatusIs(absl::StatusCode::kInvalidArgument, "invalid principal"));
  EXPECT_THAT(map.AddEntry("not a name=service:x"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK(map.AddEntry("spiffe://a/x=service:x"));
  ASSERT_OK(map.AddEntry("spiffe://a/x=service:x"));  // the same again
  EXPECT_THAT(map.AddEntry("spiffe://a/x=service:y"),
              StatusIs(absl::StatusCode::kInvalidArgument, "again"));
}

TEST(CertificatePrincipalsTest, MapFile) {
  const std::string path = ::testing::TempDir() + "/principal-map";
  {
    std::ofstream out(path);
    out << "# CI deployers\n\n"
           "  spiffe://example.org/ns/ci/sa/deployer=service:deployer\n"
           "spiffe://example.org/ns/ops/sa/admin=user:ops@example.org,admin\n";
  }
  CertificatePrincipals map;
  ASSERT_OK(map.AddFile(path));
  EXPECT_EQ(map.size(), 2u);
  ASSERT_OK_AND_ASSIGN(CertPrincipal p,
                       map.Map(Peer({"spiffe://example.org/ns/ops/sa/admin"})));
  EXPECT_TRUE(p.platform_admin);
  {
    std::ofstream out(path);
    out << "spiffe://x/y=service:y\nbroken\n";
  }
  EXPECT_THAT(CertificatePrincipals().AddFile(path),
              StatusIs(absl::StatusCode::kInvalidArgument, path + ":2"));
  EXPECT_THAT(CertificatePrincipals().AddFile(path + ".missing"),
              StatusIs(absl::StatusCode::kNotFound));
  std::remove(path.c_str());
}

}  // namespace
}  // namespace meshplane::server
