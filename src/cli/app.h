// Entry point of the meshplane CLI, separate from main() so that tests can
// run it in-process.
#ifndef MESHPLANE_CLI_APP_H_
#define MESHPLANE_CLI_APP_H_

#include <ostream>
#include <string>
#include <vector>

namespace meshplane::cli {

// Values read from the environment by main().
struct Environment {
  std::string addr;       // MESHPLANE_ADDR
  std::string token;      // MESHPLANE_TOKEN
  std::string tls;        // MESHPLANE_TLS ("1"/"true" for TLS)
  std::string ca_file;    // MESHPLANE_CA_FILE (implies TLS)
  std::string cert_file;  // MESHPLANE_CERT_FILE (client certificate)
  std::string key_file;   // MESHPLANE_KEY_FILE (its private key)
};

// Runs the command line `args` (without the program name). Returns the exit
// code (see errors.h).
int RunCli(const std::vector<std::string>& args, const Environment& env,
           std::ostream& out, std::ostream& err);

}  // namespace meshplane::cli

#endif  // MESHPLANE_CLI_APP_H_
