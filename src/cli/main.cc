// meshplane: the command-line client of meshplaned.
#include <cstdlib>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "cli/app.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  using meshplane::cli::Environment;
  // Each variable, when set, fills one field of the environment.
  const std::pair<const char*, std::string Environment::*> kVariables[] = {
      {"MESHPLANE_ADDR", &Environment::addr},
      {"MESHPLANE_TOKEN", &Environment::token},
      {"MESHPLANE_TLS", &Environment::tls},
      {"MESHPLANE_CA_FILE", &Environment::ca_file},
      {"MESHPLANE_CERT_FILE", &Environment::cert_file},
      {"MESHPLANE_KEY_FILE", &Environment::key_file},
  };
  Environment env;
  for (const auto& [name, field] : kVariables) {
    if (const char* value = std::getenv(name)) {
      env.*field = value;
    }
  }
  int code = meshplane::cli::RunCli(args, env, std::cout, std::cerr);
  std::cout.flush();
  return code;
}
