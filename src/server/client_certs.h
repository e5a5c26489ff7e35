// Mutual TLS: which principal a verified client certificate speaks for
// (docs/operations.md#mutual-tls).
//
//   CertificatePrincipals map;
//   MP_RETURN_IF_ERROR(map.AddEntry(
//       "spiffe://example.org/ns/ci/sa/deployer=service:deployer"));
//   MP_ASSIGN_OR_RETURN(CertPrincipal who, map.Map(PeerCertificateOf(ctx)));
//
// gRPC verifies the certificate chain against the client CA during the
// handshake; this file only reads the names of an already verified peer.
#ifndef MESHPLANE_SERVER_CLIENT_CERTS_H_
#define MESHPLANE_SERVER_CLIENT_CERTS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include <grpcpp/security/auth_context.h>

namespace meshplane::server {

// The names of the certificate a TLS peer presented. `present` is false on
// a plaintext connection or when the client sent no certificate.
struct PeerCertificate {
  bool present = false;
  std::vector<std::string> uris;  // URI SANs, e.g. spiffe://example.org/...
  std::vector<std::string> dns;   // DNS SANs
  std::string common_name;        // subject CN (informational only)

  // "URI:spiffe://..., DNS:ci.example.org" (or the CN when there is no
  // SAN), for error messages and logs.
  std::string Describe() const;
};

// Reads the peer's certificate names from gRPC's auth context (the
// properties "peer_uri", "peer_dns" and "x509_common_name"). Thread-safe.
PeerCertificate PeerCertificateOf(const grpc::AuthContext& context);

// A principal a certificate maps to, and whether it is a platform admin.
// Its teams come from the registry's memberships, as for a token.
struct CertPrincipal {
  std::string principal;
  bool platform_admin = false;
};

// The configured mapping. Build it once at start-up (not thread-safe while
// adding), then Map() from any thread.
//
// Rules:
//  - an entry `SAN=PRINCIPAL[,admin]` maps a certificate carrying exactly
//    that URI or DNS SAN to PRINCIPAL (user:... or service:...); `,admin`
//    makes it a platform admin;
//  - a DNS service domain `D` maps a DNS SAN `<id>.D` (one label, a valid
//    id) to `service:<id>`, never an admin.
// Entries win over domain rules. A certificate whose SANs match entries (or,
// failing those, domain rules) naming two different principals is refused
// rather than resolved by order.
class CertificatePrincipals {
 public:
  // Adds one entry. INVALID_ARGUMENT, naming `source` (a flag or
  // "FILE:LINE"), for a malformed entry, an invalid or team principal, or a
  // SAN mapped twice to different principals.
  absl::Status AddEntry(absl::string_view entry,
                        absl::string_view source = "--tls-principal");
  // Adds every entry of a map file: one entry per line; blank lines and
  // lines starting with '#' are skipped. NOT_FOUND if unreadable;
  // INVALID_ARGUMENT naming file and line for a bad entry.
  absl::Status AddFile(const std::string& path);
  // INVALID_ARGUMENT unless `domain` is a DNS name such as ci.example.org.
  absl::Status AddDnsServiceDomain(absl::string_view domain);

  // The principal for a verified `peer`. UNAUTHENTICATED, naming the
  // certificate's SANs, when no rule matches or matches disagree.
  absl::StatusOr<CertPrincipal> Map(const PeerCertificate& peer) const;

  size_t size() const { return entries_.size() + dns_domains_.size(); }

 private:
  struct Entry {
    std::string san;
    CertPrincipal to;
  };
  std::vector<Entry> entries_;
  std::vector<std::string> dns_domains_;
};

}  // namespace meshplane::server

#endif  // MESHPLANE_SERVER_CLIENT_CERTS_H_
