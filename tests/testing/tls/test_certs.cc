#include "tests/testing/tls/test_certs.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include <stdlib.h>

#include "meshplane/common/status_macros.h"

namespace meshplane::testing {
namespace {

constexpr char kNewKey[] = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1";

// Runs a shell command with its output in `log`; the log's text on failure.
absl::Status Run(const std::string& command, const std::string& log) {
  std::string line = absl::StrCat(command, " >>", log, " 2>&1");
  if (std::system(line.c_str()) != 0) {
    return absl::UnavailableError(
        absl::StrCat("`", command, "` failed: ", ReadPem(log)));
  }
  return absl::OkStatus();
}

class Maker {
 public:
  explicit Maker(std::string dir) : dir_(std::move(dir)) {}

  absl::StatusOr<CertFiles> Ca(const std::string& name) {
    CertFiles f = FilesOf(name);
    MP_RETURN_IF_ERROR(Run(absl::StrCat("openssl req -x509 ", kNewKey,
                                        " -nodes -days 2 -subj /CN=", name,
                                        " -keyout ", f.key, " -out ", f.cert),
                           Log()));
    return f;
  }

  // A leaf certificate for `sans` ("URI:...", "DNS:...", "IP:..."), signed
  // by `ca`, valid for `days` from now (-1: expired yesterday).
  absl::StatusOr<CertFiles> Leaf(const std::string& name, const CertFiles& ca,
                                 const std::vector<std::string>& sans,
                                 int days = 1) {
    CertFiles f = FilesOf(name);
    const std::string csr = absl::StrCat(dir_, "/", name, ".csr");
    const std::string ext = absl::StrCat(dir_, "/", name, ".ext");
    {
      std::ofstream out(ext);
      out << "subjectAltName=" << absl::StrJoin(sans, ",") << "\n"
          << "basicConstraints=CA:FALSE\n"
          << "extendedKeyUsage=serverAuth,clientAuth\n";
    }
    MP_RETURN_IF_ERROR(Run(
        absl::StrCat("openssl req -new ", kNewKey, " -nodes -subj /CN=", name,
                     " -keyout ", f.key, " -out ", csr),
        Log()));
    MP_RETURN_IF_ERROR(
        Run(absl::StrCat("openssl x509 -req -in ", csr, " -CA ", ca.cert,
                         " -CAkey ", ca.key, " -set_serial ", ++serial_,
                         " -days ", days, " -extfile ", ext, " -out ", f.cert),
            Log()));
    return f;
  }

 private:
  CertFiles FilesOf(const std::string& name) const {
    return {absl::StrCat(dir_, "/", name, ".pem"),
            absl::StrCat(dir_, "/", name, ".key")};
  }
  std::string Log() const { return absl::StrCat(dir_, "/openssl.log"); }

  std::string dir_;
  int serial_ = 1000;
};

}  // namespace

std::string ReadPem(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

absl::StatusOr<TestCertificates> MakeTestCertificates(
    const std::string& dir_template) {
  std::string dir = dir_template;
  if (mkdtemp(dir.data()) == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("cannot create a directory from ", dir_template));
  }
  Maker make(dir);
  TestCertificates c;
  c.dir = dir;
  MP_ASSIGN_OR_RETURN(c.ca, make.Ca("ca"));
  MP_ASSIGN_OR_RETURN(c.other_ca, make.Ca("other-ca"));
  MP_ASSIGN_OR_RETURN(
      c.server, make.Leaf("server", c.ca, {"DNS:localhost", "IP:127.0.0.1"}));
  MP_ASSIGN_OR_RETURN(
      c.other_server,
      make.Leaf("other-server", c.other_ca, {"DNS:localhost", "IP:127.0.0.1"}));
  const std::string deployer = absl::StrCat("URI:", kDeployerSpiffeId);
  MP_ASSIGN_OR_RETURN(c.deployer, make.Leaf("deployer", c.ca, {deployer}));
  MP_ASSIGN_OR_RETURN(
      c.stranger,
      make.Leaf("stranger", c.ca, {absl::StrCat("URI:", kStrangerSpiffeId)}));
  MP_ASSIGN_OR_RETURN(
      c.dns_client,
      make.Leaf("reporter", c.ca, {"DNS:reporter.svc.example.org"}));
  MP_ASSIGN_OR_RETURN(c.foreign, make.Leaf("foreign", c.other_ca, {deployer}));
  MP_ASSIGN_OR_RETURN(c.expired, make.Leaf("expired", c.ca, {deployer}, -1));
  return c;
}

}  // namespace meshplane::testing
