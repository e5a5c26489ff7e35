// Certificates for TLS tests, made with the openssl command at test time
// (nothing checked in, nothing that expires in the repository).
//
//   auto certs = MakeTestCertificates(::testing::TempDir() + "certs-XXXXXX");
//   ASSERT_TRUE(certs.ok()) << certs.status();
//   config.tls_cert_file = certs->server.cert;
//   config.tls_client_ca_file = certs->ca.cert;
#ifndef MESHPLANE_TESTS_TESTING_TLS_TEST_CERTS_H_
#define MESHPLANE_TESTS_TESTING_TLS_TEST_CERTS_H_

#include <string>

#include "absl/status/statusor.h"

namespace meshplane::testing {

// The paths of a PEM certificate and its private key.
struct CertFiles {
  std::string cert;
  std::string key;
};

// EC P-256 keys; leaf certificates are valid for a day unless said.
struct TestCertificates {
  std::string dir;
  CertFiles ca;        // the CA clients and the server are signed by
  CertFiles other_ca;  // a CA nobody trusts
  // DNS:localhost, IP:127.0.0.1, signed by `ca`; and the same names
  // signed by `other_ca` (a server certificate from a new CA).
  CertFiles server;
  CertFiles other_server;
  // URI:spiffe://example.org/ns/ci/sa/deployer (kDeployerSpiffeId).
  CertFiles deployer;
  // URI:spiffe://example.org/ns/ci/sa/stranger: signed by `ca`, but
  // mapped to nothing in the tests.
  CertFiles stranger;
  // DNS:reporter.svc.example.org, signed by `ca`.
  CertFiles dns_client;
  // The deployer's SPIFFE id, signed by `other_ca`.
  CertFiles foreign;
  // The deployer's SPIFFE id, signed by `ca`, expired yesterday.
  CertFiles expired;
};

inline constexpr char kDeployerSpiffeId[] =
    "spiffe://example.org/ns/ci/sa/deployer";
inline constexpr char kStrangerSpiffeId[] =
    "spiffe://example.org/ns/ci/sa/stranger";

// Makes the certificates above in a new directory from the mkdtemp
// template `dir_template` (ending in XXXXXX). UNAVAILABLE, with openssl's
// output, if the openssl command is missing or fails.
absl::StatusOr<TestCertificates> MakeTestCertificates(
    const std::string& dir_template);

// The contents of a file; "" if unreadable.
std::string ReadPem(const std::string& path);

}  // namespace meshplane::testing

#endif  // MESHPLANE_TESTS_TESTING_TLS_TEST_CERTS_H_
