#include "server/client_certs.h"

#include <fstream>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include <grpc/grpc_security_constants.h>

#include "meshplane/common/status_macros.h"
#include "meshplane/model/resource_name.h"

namespace meshplane::server {
namespace {

std::vector<std::string> PropertyValues(const grpc::AuthContext& context,
                                        const char* name) {
  std::vector<std::string> out;
  for (const grpc::string_ref& v : context.FindPropertyValues(name)) {
    out.emplace_back(v.data(), v.size());
  }
  return out;
}

bool IsDnsName(absl::string_view name) {
  if (name.empty() || name.size() > 253 || name.front() == '.' ||
      name.back() == '.' || absl::StrContains(name, "..")) {
    return false;
  }
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' &&
        c != '.') {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string PeerCertificate::Describe() const {
  std::vector<std::string> names;
  for (const std::string& u : uris) names.push_back(absl::StrCat("URI:", u));
  for (const std::string& d : dns) names.push_back(absl::StrCat("DNS:", d));
  if (names.empty()) {
    return absl::StrCat("no URI or DNS SAN, CN=", common_name);
  }
  return absl::StrJoin(names, ", ");
}

PeerCertificate PeerCertificateOf(const grpc::AuthContext& context) {
  PeerCertificate peer;
  // The identity properties are set only for a peer that presented a
  // certificate; with a client CA configured, gRPC has verified it during
  // the handshake (we never configure a mode that skips verification).
  peer.present = context.IsPeerAuthenticated();
  if (!peer.present) {
    return peer;
  }
  peer.uris = PropertyValues(context, GRPC_PEER_URI_PROPERTY_NAME);
  peer.dns = PropertyValues(context, GRPC_PEER_DNS_PROPERTY_NAME);
  std::vector<std::string> cn =
      PropertyValues(context, GRPC_X509_CN_PROPERTY_NAME);
  if (!cn.empty()) peer.common_name = cn.front();
  return peer;
}

absl::Status CertificatePrincipals::AddEntry(absl::string_view entry,
                                             absl::string_view source) {
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": \"", entry, "\" ", why));
  };
  entry = absl::StripAsciiWhitespace(entry);
  // Split at the last '=': a URI SAN may carry '=' in its query, a
  // principal never does.
  size_t eq = entry.rfind('=');
  if (eq == absl::string_view::npos || eq == 0) {
    return bad("is not SAN=PRINCIPAL[,admin]");
  }
  Entry e;
  e.san = std::string(entry.substr(0, eq));
  absl::string_view principal = entry.substr(eq + 1);
  if (absl::ConsumeSuffix(&principal, ",admin")) {
    e.to.platform_admin = true;
  }
  e.to.principal = std::string(principal);
  for (char c : e.san) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) {
      return bad("has a space or control character in its SAN");
    }
  }
  if (!absl::StrContains(e.san, "://") && !IsDnsName(e.san)) {
    return bad("names neither a URI SAN (scheme://...) nor a DNS SAN");
  }
  absl::Status valid = model::ValidatePrincipal("principal", e.to.principal);
  if (!valid.ok()) {
    return bad(absl::StrCat("maps to an invalid principal: ", valid.message()));
  }
  if (absl::StartsWith(e.to.principal, "team:")) {
    return bad("maps to a team; map it to the user or service that calls");
  }
  for (const Entry& other : entries_) {
    if (other.san == e.san &&
        (other.to.principal != e.to.principal ||
         other.to.platform_admin != e.to.platform_admin)) {
      return bad(absl::StrCat("maps ", e.san,
                              " again, differently (it maps to ",
                              other.to.principal, " already)"));
    }
  }
  entries_.push_back(std::move(e));
  return absl::OkStatus();
}

absl::Status CertificatePrincipals::AddFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("--tls-principal-map: cannot read \"", path, "\""));
  }
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    absl::string_view text = absl::StripAsciiWhitespace(line);
    if (text.empty() || text.front() == '#') continue;
    MP_RETURN_IF_ERROR(AddEntry(text, absl::StrCat(path, ":", number)));
  }
  return absl::OkStatus();
}

absl::Status CertificatePrincipals::AddDnsServiceDomain(
    absl::string_view domain) {
  domain = absl::StripPrefix(domain, ".");
  if (!IsDnsName(domain)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--tls-dns-service-domain: \"", domain,
                     "\" is not a DNS name such as ci.example.org"));
  }
  dns_domains_.push_back(absl::AsciiStrToLower(domain));
  return absl::OkStatus();
}

absl::StatusOr<CertPrincipal> CertificatePrincipals::Map(
    const PeerCertificate& peer) const {
  auto refuse = [&](absl::string_view why) {
    return absl::UnauthenticatedError(
        absl::StrCat("client certificate (", peer.Describe(), ") ", why,
                     "; map it with --tls-principal or send a bearer token"));
  };
  std::vector<const CertPrincipal*> found;
  for (const Entry& e : entries_) {
    bool match = false;
    for (const std::string& u : peer.uris) match = match || u == e.san;
    // DNS names compare without case (RFC 4343).
    for (const std::string& d : peer.dns) {
      match = match || absl::EqualsIgnoreCase(d, e.san);
    }
    if (match) found.push_back(&e.to);
  }
  std::vector<CertPrincipal> by_domain;
  if (found.empty()) {
    for (const std::string& d : peer.dns) {
      std::string name = absl::AsciiStrToLower(d);
      for (const std::string& domain : dns_domains_) {
        absl::string_view label = name;
        if (absl::ConsumeSuffix(&label, absl::StrCat(".", domain)) &&
            model::IsValidId(label)) {
          by_domain.push_back({absl::StrCat("service:", label), false});
        }
      }
    }
    for (const CertPrincipal& p : by_domain) found.push_back(&p);
  }
  if (found.empty()) {
    return refuse("maps to no principal");
  }
  std::set<std::string> distinct;
  for (const CertPrincipal* p : found) {
    distinct.insert(
        absl::StrCat(p->principal, p->platform_admin ? ",admin" : ""));
  }
  if (distinct.size() > 1) {
    return refuse(absl::StrCat("maps to more than one principal (",
                               absl::StrJoin(distinct, ", "), ")"));
  }
  return *found.front();
}

}  // namespace meshplane::server
